/* SPDX-License-Identifier: MIT */
/* Frame construction for test flows. */
#include <errno.h>
#include <string.h>

#include <xfront/traffic.h>

#include "traffic_priv.h"

void xf_traffic_flow_init(struct xf_traffic_flow *fl, uint32_t id,
			  enum xf_traffic_proto proto, uint8_t ip_version,
			  const uint8_t src_mac[6], const uint8_t dst_mac[6])
{
	memset(fl, 0, sizeof(*fl));
	fl->id = id;
	fl->proto = proto;
	fl->ip_version = ip_version == 6 ? 6 : 4;
	memcpy(fl->src_mac, src_mac, 6);
	memcpy(fl->dst_mac, dst_mac, 6);
	if (fl->ip_version == 4) {
		const uint8_t s[4] = { 10, 0, 0, 1 }, d[4] = { 10, 0, 0, 2 };

		memcpy(fl->src_ip, s, 4);
		memcpy(fl->dst_ip, d, 4);
		fl->mss = 1460;
	} else {
		fl->src_ip[0] = fl->dst_ip[0] = 0xfd;
		fl->src_ip[15] = 1;
		fl->dst_ip[15] = 2;
		fl->mss = 1440;
	}
	fl->sport = (uint16_t)(1000 + id);
	fl->dport = (uint16_t)(2000 + id);
	fl->isn = 0x10000000u + id * 0x1000u;
}

uint8_t xf_traffic_pattern(uint32_t flow_id, uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ull +
		     flow_id * 0xbf58476d1ce4e5b9ull;

	/* Position-dependent, so a segment at the wrong offset cannot
	 * match by accident (unlike a short repeating pattern). */
	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 17) ^ (off >> 8));
}

uint32_t xf_traffic_hdr_len(const struct xf_traffic_flow *fl)
{
	uint32_t l = XF_ETH_HLEN + (fl->ip_version == 6 ? 40 : 20);

	if (fl->proto == XF_TRAFFIC_TCP)
		return l + 20;
	return l + 8 + TRAFFIC_UDP_HDR;
}

int xf_traffic_build(const struct xf_traffic_flow *fl, uint64_t off,
		     uint32_t payload_len, enum xf_traffic_csum csum,
		     uint8_t *b, uint32_t bufsz, uint32_t *len_out)
{
	return tr_build(fl, off, payload_len, csum, b, bufsz, XF_NET_MAX_FRAME,
			len_out);
}

int tr_build(const struct xf_traffic_flow *fl, uint64_t off,
	     uint32_t payload_len, enum xf_traffic_csum csum, uint8_t *b,
	     uint32_t bufsz, uint32_t max_len, uint32_t *len_out)
{
	uint32_t hl = xf_traffic_hdr_len(fl), len = hl + payload_len;
	uint32_t l3 = XF_ETH_HLEN, l4 = l3 + (fl->ip_version == 6 ? 40 : 20);
	uint32_t l4len = len - l4;
	struct xf_pkt_info pi;
	uint8_t proto = fl->proto == XF_TRAFFIC_TCP ? 6 : 17;

	/* The IP length fields are 16 bits wide. */
	if (len > max_len || len > bufsz || len - l3 > XF_IP4_MAX_DATAGRAM ||
	    (fl->ip_version == 6 && l4len > 0xffffu))
		return -EMSGSIZE;
	memcpy(b, fl->dst_mac, 6);
	memcpy(b + 6, fl->src_mac, 6);
	if (fl->ip_version == 4) {
		tr_put16(b + 12, 0x0800);
		b[l3] = 0x45;
		b[l3 + 1] = 0;
		tr_put16(b + l3 + 2, (uint16_t)(len - l3));
		tr_put16(b + l3 + 4, (uint16_t)(fl->id * 131u + off / 64));
		tr_put16(b + l3 + 6, 0x4000); /* DF */
		b[l3 + 8] = 64;
		b[l3 + 9] = proto;
		tr_put16(b + l3 + 10, 0);
		memcpy(b + l3 + 12, fl->src_ip, 4);
		memcpy(b + l3 + 16, fl->dst_ip, 4);
	} else {
		tr_put16(b + 12, 0x86dd);
		tr_put32(b + l3, 0x60000000u);
		tr_put16(b + l3 + 4, (uint16_t)l4len);
		b[l3 + 6] = proto;
		b[l3 + 7] = 64;
		memcpy(b + l3 + 8, fl->src_ip, 16);
		memcpy(b + l3 + 24, fl->dst_ip, 16);
	}
	tr_put16(b + l4, fl->sport);
	tr_put16(b + l4 + 2, fl->dport);
	if (fl->proto == XF_TRAFFIC_TCP) {
		tr_put32(b + l4 + 4, fl->isn + (uint32_t)off);
		tr_put32(b + l4 + 8, 1);
		b[l4 + 12] = 5 << 4;
		b[l4 + 13] = 0x18; /* PSH, ACK */
		tr_put16(b + l4 + 14, 65535);
		tr_put16(b + l4 + 16, 0);
		tr_put16(b + l4 + 18, 0);
	} else {
		uint8_t *h = b + l4 + 8;

		tr_put16(b + l4 + 4, (uint16_t)l4len);
		tr_put16(b + l4 + 6, 0);
		tr_put32(h, TRAFFIC_UDP_MAGIC);
		tr_put32(h + 4, fl->id);
		tr_put32(h + 8, (uint32_t)(off >> 32));
		tr_put32(h + 12, (uint32_t)off);
	}
	for (uint32_t i = 0; i < payload_len; i++)
		b[hl + i] = xf_traffic_pattern(fl->id, off + i);
	if (xf_pkt_csum_fill(b, len) < 0 || xf_pkt_parse(b, len, &pi) < 0)
		return -EINVAL;
	if (csum == XF_TRAFFIC_CSUM_BAD) {
		uint16_t c = (uint16_t)(tr_get16(b + pi.csum_off) + 1);

		/* Never 0: for UDP over IPv4 that means "no checksum". */
		tr_put16(b + pi.csum_off, c ? c : 0x1234);
	} else if (csum == XF_TRAFFIC_CSUM_OFFLOAD) {
		tr_put16(b + pi.csum_off, 0);
	}
	*len_out = len;
	return 0;
}
