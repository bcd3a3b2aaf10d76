/* SPDX-License-Identifier: MIT */
/* Software TCP segmentation (the fallback when no GSO offload exists),
 * the gratuitous ARP announcement and MAC address text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt.h>

#include "pkt_util.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

int xf_pkt_gso_segment(const uint8_t *f, uint32_t len, uint16_t mss,
		       xf_pkt_emit_fn emit, void *opaque)
{
	struct xf_pkt_info pi;
	uint32_t hlen, plen, off, seq;
	uint16_t ip_id = 0;
	uint8_t *seg;
	int rc, n = 0;

	if (mss == 0)
		return -EINVAL;
	rc = xf_pkt_parse(f, len, &pi);
	if (rc < 0)
		return rc;
	if (pi.l4 != XF_PKT_L4_TCP)
		return -EPROTONOSUPPORT;
	hlen = pi.payload_off;
	plen = pi.l4_off + pi.l4_len - hlen;
	seg = malloc(hlen + mss);
	if (!seg)
		return -ENOMEM;
	seq = pkt_get32(f + pi.l4_off + 4);
	if (pi.ip_version == 4)
		ip_id = pkt_get16(f + pi.l3_off + 4);
	off = 0;
	do {
		uint32_t chunk = plen - off < mss ? plen - off : mss;
		bool last = off + chunk >= plen;
		uint8_t *tcp = seg + pi.l4_off;
		uint32_t l4len = hlen - pi.l4_off + chunk;

		memcpy(seg, f, hlen);
		memcpy(seg + hlen, f + hlen + off, chunk);
		if (pi.ip_version == 4) {
			pkt_put16(seg + pi.l3_off + 2,
				  (uint16_t)(pi.l4_off - pi.l3_off + l4len));
			pkt_put16(seg + pi.l3_off + 4, (uint16_t)(ip_id + n));
		} else {
			pkt_put16(seg + pi.l3_off + 4, (uint16_t)l4len);
		}
		pkt_put32(tcp + 4, seq + off);
		if (!last)
			tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (n > 0)
			tcp[13] &= (uint8_t)~TCP_CWR;
		rc = xf_pkt_csum_fill(seg, hlen + chunk);
		if (rc == 0)
			rc = emit(opaque, seg, hlen + chunk);
		if (rc != 0)
			break;
		n++;
		off += chunk;
	} while (off < plen);
	free(seg);
	if (rc < 0)
		return rc;
	return n;
}

uint32_t xf_pkt_build_garp(uint8_t *b, const uint8_t mac[XF_ETH_ALEN],
			   uint32_t ip4_be)
{
	const uint8_t *ip = (const uint8_t *)&ip4_be;

	memset(b, 0xff, 6);
	memcpy(b + 6, mac, 6);
	pkt_put16(b + 12, 0x0806);
	pkt_put16(b + 14, 1);      /* Ethernet */
	pkt_put16(b + 16, 0x0800); /* IPv4 */
	b[18] = 6;
	b[19] = 4;
	pkt_put16(b + 20, 1);      /* request: an announcement */
	memcpy(b + 22, mac, 6);
	memcpy(b + 28, ip, 4);
	memset(b + 32, 0, 6);
	memcpy(b + 38, ip, 4);
	return 42;
}

int xf_mac_parse(const char *s, uint8_t mac[XF_ETH_ALEN])
{
	unsigned int v[6];
	char tail;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void xf_mac_format(const uint8_t mac[XF_ETH_ALEN], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}
