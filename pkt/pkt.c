/* SPDX-License-Identifier: MIT */
/* Header parsing and Internet checksums (RFC 1071, RFC 768/793/8200). */
#include <errno.h>
#include <string.h>

#include <xfront/netif.h>
#include <xfront/pkt.h>

#include "pkt_util.h"

int xf_pkt_parse(const uint8_t *f, uint32_t len, struct xf_pkt_info *pi)
{
	uint32_t off = 12, l4_len;
	uint16_t et;

	memset(pi, 0, sizeof(*pi));
	if (len < XF_ETH_HLEN)
		return -EBADMSG;
	et = pkt_get16(f + off);
	off += 2;
	if (et == 0x8100) {
		if (len < off + 4)
			return -EBADMSG;
		et = pkt_get16(f + off + 2);
		off += 4;
	}
	pi->ethertype = et;
	pi->l3_off = off;
	if (et == 0x0800) {
		uint32_t ihl, tot;

		if (len < off + 20)
			return -EBADMSG;
		if ((f[off] >> 4) != 4)
			return -EBADMSG;
		ihl = (uint32_t)(f[off] & 0xf) * 4;
		tot = pkt_get16(f + off + 2);
		if (ihl < 20 || tot < ihl || len < off + tot)
			return -EBADMSG;
		pi->ip_version = 4;
		/* Fragments carry no complete L4 header to checksum. */
		if (pkt_get16(f + off + 6) & 0x3fff)
			return -EPROTONOSUPPORT;
		pi->l4 = f[off + 9];
		pi->l4_off = off + ihl;
		l4_len = tot - ihl;
	} else if (et == 0x86dd) {
		uint32_t plen;

		if (len < off + 40)
			return -EBADMSG;
		if ((f[off] >> 4) != 6)
			return -EBADMSG;
		plen = pkt_get16(f + off + 4);
		if (len < off + 40 + plen)
			return -EBADMSG;
		pi->ip_version = 6;
		/* Extension headers are not followed: only direct TCP/UDP. */
		pi->l4 = f[off + 6];
		pi->l4_off = off + 40;
		l4_len = plen;
	} else {
		return -EPROTONOSUPPORT;
	}
	pi->l4_len = l4_len;
	if (pi->l4 == XF_PKT_L4_TCP) {
		uint32_t doff;

		if (l4_len < 20)
			return -EBADMSG;
		doff = (uint32_t)(f[pi->l4_off + 12] >> 4) * 4;
		if (doff < 20 || doff > l4_len)
			return -EBADMSG;
		pi->csum_off = pi->l4_off + 16;
		pi->payload_off = pi->l4_off + doff;
	} else if (pi->l4 == XF_PKT_L4_UDP) {
		if (l4_len < 8)
			return -EBADMSG;
		pi->csum_off = pi->l4_off + 6;
		pi->payload_off = pi->l4_off + 8;
	} else {
		pi->l4 = XF_PKT_L4_NONE;
		return -EPROTONOSUPPORT;
	}
	return 0;
}

uint32_t xf_pkt_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;

	while (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint16_t xf_pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(const uint8_t *f, const struct xf_pkt_info *pi)
{
	uint8_t tail[4];
	uint32_t s;

	if (pi->ip_version == 4)
		s = xf_pkt_csum_add(0, f + pi->l3_off + 12, 8);
	else
		s = xf_pkt_csum_add(0, f + pi->l3_off + 8, 32);
	tail[0] = 0;
	tail[1] = pi->l4;
	pkt_put16(tail + 2, (uint16_t)pi->l4_len);
	/* For IPv6 the length is 32 bits, but frames stay below 64 KiB. */
	return xf_pkt_csum_add(s, tail, sizeof(tail));
}

static uint16_t l4_csum(const uint8_t *f, const struct xf_pkt_info *pi)
{
	uint32_t s = pseudo_sum(f, pi);
	uint32_t before = pi->csum_off - pi->l4_off;

	s = xf_pkt_csum_add(s, f + pi->l4_off, before);
	/* The checksum field itself counts as zero. */
	s = xf_pkt_csum_add(s, f + pi->csum_off + 2,
			    pi->l4_len - before - 2);
	return xf_pkt_csum_fold(s);
}

static uint16_t ip4_csum(const uint8_t *f, const struct xf_pkt_info *pi)
{
	uint32_t ihl = (uint32_t)(f[pi->l3_off] & 0xf) * 4;
	uint32_t s = xf_pkt_csum_add(0, f + pi->l3_off, 10);

	s = xf_pkt_csum_add(s, f + pi->l3_off + 12, ihl - 12);
	return xf_pkt_csum_fold(s);
}

int xf_pkt_csum_fill(uint8_t *f, uint32_t len)
{
	struct xf_pkt_info pi;
	uint16_t c;
	int rc = xf_pkt_parse(f, len, &pi);

	if (rc < 0)
		return rc;
	if (pi.ip_version == 4)
		pkt_put16(f + pi.l3_off + 10, ip4_csum(f, &pi));
	c = l4_csum(f, &pi);
	/* UDP sends 0 as "no checksum", so a computed 0 goes out as ~0. */
	if (pi.l4 == XF_PKT_L4_UDP && c == 0)
		c = 0xffff;
	pkt_put16(f + pi.csum_off, c);
	return 0;
}

int xf_pkt_csum_verify(const uint8_t *f, uint32_t len)
{
	struct xf_pkt_info pi;
	uint16_t got, want;
	int rc = xf_pkt_parse(f, len, &pi);

	if (rc < 0)
		return rc;
	if (pi.ip_version == 4 &&
	    pkt_get16(f + pi.l3_off + 10) != ip4_csum(f, &pi))
		return -EBADMSG;
	got = pkt_get16(f + pi.csum_off);
	if (pi.l4 == XF_PKT_L4_UDP && got == 0 && pi.ip_version == 4)
		return 0; /* IPv4 UDP without checksum */
	want = l4_csum(f, &pi);
	if (pi.l4 == XF_PKT_L4_UDP && want == 0)
		want = 0xffff;
	return got == want ? 0 : -EBADMSG;
}

uint8_t xf_pkt_gso_type(const struct xf_pkt_info *pi)
{
	if (pi->l4 != XF_PKT_L4_TCP)
		return XF_NETIF_GSO_TYPE_NONE;
	return pi->ip_version == 4 ? XF_NETIF_GSO_TYPE_TCPV4 :
				     XF_NETIF_GSO_TYPE_TCPV6;
}
