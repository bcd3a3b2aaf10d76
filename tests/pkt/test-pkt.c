/* SPDX-License-Identifier: MIT */
/* The packet helpers (pkt/): the checksum against a known vector,
 * software segmentation, parsing truncated frames, gratuitous ARP and MAC
 * strings. Frames come from the traffic builder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt.h>
#include <xfront/traffic.h>

#include "xt.h"

static const uint8_t ma[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
static const uint8_t mb[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 };

START_TEST(known_checksum_vector)
{
	/* RFC 1071 example: 0001 f203 f4f5 f6f7 sums to ddf2. */
	static const uint8_t d[8] = { 0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(xf_pkt_csum_add(0, d, 8), 0xddf2);
	ck_assert_uint_eq(xf_pkt_csum_fold(0xddf2), 0x220d);
}
END_TEST

struct segs {
	uint8_t *buf;
	uint32_t off;
	unsigned int n;
	uint32_t first_seq;
	uint16_t ids[64];
	uint8_t flags[64];
	uint32_t seq[64];
};

static int collect(void *opaque, uint8_t *seg, uint32_t len)
{
	struct segs *s = opaque;
	struct xf_pkt_info pi;
	uint32_t plen;

	ck_assert_int_eq(xf_pkt_csum_verify(seg, len), 0);
	ck_assert_int_eq(xf_pkt_parse(seg, len, &pi), 0);
	plen = len - pi.payload_off;
	memcpy(s->buf + s->off, seg + pi.payload_off, plen);
	s->off += plen;
	if (pi.ip_version == 4)
		s->ids[s->n] = xt_be16(seg + pi.l3_off + 4);
	s->flags[s->n] = seg[pi.l4_off + 13];
	s->seq[s->n] = xt_be32(seg + pi.l4_off + 4);
	s->n++;
	return 0;
}

START_TEST(software_segmentation)
{
	struct xf_traffic_flow fl;
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	struct segs s = { .buf = malloc(XF_NET_MAX_FRAME) };
	uint32_t len, hl;
	uint8_t ipv = _i ? 6 : 4;

	xf_traffic_flow_init(&fl, 2, XF_TRAFFIC_TCP, ipv, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 10500,
					  XF_TRAFFIC_CSUM_OFFLOAD, buf,
					  XF_NET_MAX_FRAME, &len), 0);
	hl = xf_traffic_hdr_len(&fl);
	buf[hl - 20 + 13] |= 0x01; /* FIN on the super-frame */
	ck_assert_int_eq(xf_pkt_gso_segment(buf, len, 1000, collect, &s), 11);
	ck_assert_uint_eq(s.off, 10500);
	ck_assert_mem_eq(s.buf, buf + hl, 10500);
	for (unsigned int i = 0; i < s.n; i++) {
		ck_assert_uint_eq(s.seq[i], fl.isn + i * 1000);
		/* FIN and PSH only on the last segment. */
		ck_assert_uint_eq(s.flags[i] & 0x09, i + 1 == s.n ? 0x09 : 0);
		if (ipv == 4 && i)
			ck_assert_uint_eq(s.ids[i], (uint16_t)(s.ids[0] + i));
	}
	ck_assert_int_eq(xf_pkt_gso_segment(buf, len, 0, collect, &s), -EINVAL);
	free(buf);
	free(s.buf);
}
END_TEST

START_TEST(garp_and_mac_helpers)
{
	uint8_t b[64], mac[6];
	char s[18];

	ck_assert_uint_eq(xf_pkt_build_garp(b, ma, 0x0100000a), 42);
	ck_assert_mem_eq(b, "\xff\xff\xff\xff\xff\xff", 6);
	ck_assert_uint_eq(xt_be16(b + 12), 0x0806);
	ck_assert_mem_eq(b + 22, ma, 6);
	ck_assert_mem_eq(b + 28, b + 38, 4);
	ck_assert_int_eq(xf_mac_parse("00:16:3e:0a:bb:Cc", mac), 0);
	xf_mac_format(mac, s);
	ck_assert_str_eq(s, "00:16:3e:0a:bb:cc");
	ck_assert_int_eq(xf_mac_parse("00:16:3e:0a:bb", mac), -EINVAL);
	ck_assert_int_eq(xf_mac_parse("00:16:3e:0a:bb:cc:dd", mac), -EINVAL);
}
END_TEST

START_TEST(parse_rejects_truncated)
{
	struct xf_traffic_flow fl;
	struct xf_pkt_info pi;
	uint8_t buf[2048];
	uint32_t len;

	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_TCP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 100, XF_TRAFFIC_CSUM_GOOD,
					  buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(xf_pkt_parse(buf, 13, &pi), -EBADMSG);
	ck_assert_int_eq(xf_pkt_parse(buf, 30, &pi), -EBADMSG);
	ck_assert_int_eq(xf_pkt_parse(buf, len - 1, &pi), -EBADMSG);
	buf[12] = 0x08;
	buf[13] = 0x06; /* ARP */
	ck_assert_int_eq(xf_pkt_parse(buf, len, &pi), -EPROTONOSUPPORT);
}
END_TEST

XT_SUITE("pkt")
{
	TCase *tc = xt_tcase("pkt");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, known_checksum_vector);
	tcase_add_loop_test(tc, software_segmentation, 0, 2);
	tcase_add_test(tc, garp_and_mac_helpers);
	tcase_add_test(tc, parse_rejects_truncated);
}
