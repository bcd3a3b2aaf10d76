/* SPDX-License-Identifier: MIT */
/* Frame builders (headers, checksums good, bad and left for offload),
 * the generator and the receiver's verdicts, UDP datagrams cut into IP
 * fragments and reassembled. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/traffic.h>

#include "flows.h"
#include "xt.h"


START_TEST(build_headers_and_checksums)
{
	struct xf_traffic_flow fl;
	struct xf_pkt_info pi;
	uint8_t buf[4096];
	uint32_t len;

	xf_traffic_flow_init(&fl, 3, kinds[_i].proto, kinds[_i].ipv, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 1000, 777, XF_TRAFFIC_CSUM_GOOD,
					  buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, xf_traffic_hdr_len(&fl) + 777);
	ck_assert_int_eq(xf_pkt_parse(buf, len, &pi), 0);
	ck_assert_uint_eq(pi.ip_version, kinds[_i].ipv);
	ck_assert_uint_eq(pi.l4, kinds[_i].proto == XF_TRAFFIC_TCP ? 6 : 17);
	ck_assert_mem_eq(buf, mb, 6);
	ck_assert_mem_eq(buf + 6, ma, 6);
	ck_assert_uint_eq(xt_be16(buf + pi.l4_off), fl.sport);
	ck_assert_uint_eq(xt_be16(buf + pi.l4_off + 2), fl.dport);
	if (fl.proto == XF_TRAFFIC_TCP)
		ck_assert_uint_eq(xt_be32(buf + pi.l4_off + 4), fl.isn + 1000);
	ck_assert_int_eq(xf_pkt_csum_verify(buf, len), 0);
	/* Deliberately wrong and left-for-offload both fail verification. */
	ck_assert_int_eq(xf_traffic_build(&fl, 1000, 777, XF_TRAFFIC_CSUM_BAD,
					  buf, sizeof(buf), &len), 0);
	ck_assert_int_eq(xf_pkt_csum_verify(buf, len), -EBADMSG);
	ck_assert_int_eq(xf_traffic_build(&fl, 1000, 777,
					  XF_TRAFFIC_CSUM_OFFLOAD, buf,
					  sizeof(buf), &len), 0);
	ck_assert_uint_eq(xt_be16(buf + pi.csum_off), 0);
	ck_assert_int_eq(xf_pkt_csum_fill(buf, len), 0);
	ck_assert_int_eq(xf_pkt_csum_verify(buf, len), 0);
	/* One flipped payload bit is caught. */
	buf[len - 1] ^= 0x10;
	ck_assert_int_eq(xf_pkt_csum_verify(buf, len), -EBADMSG);
}
END_TEST

START_TEST(too_big_refused)
{
	struct xf_traffic_flow fl;
	uint8_t *buf = malloc(70000);
	uint32_t len;

	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_TCP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 65500, XF_TRAFFIC_CSUM_GOOD,
					  buf, 70000, &len), -EMSGSIZE);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 100, XF_TRAFFIC_CSUM_GOOD,
					  buf, 50, &len), -EMSGSIZE);
	free(buf);
}
END_TEST

START_TEST(generator_cuts_stream)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;
	struct xf_net_frame f;
	struct xf_net_frag fr;
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len;
	unsigned int frames = 0, gso = 0;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 1, XF_TRAFFIC_TCP, 4, ma, mb);
	c.total_bytes = 150000;
	c.gso = true;
	c.csum = XF_TRAFFIC_CSUM_OFFLOAD;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	while (xf_traffic_gen_next(g, buf, XF_NET_MAX_FRAME, &len, &f, &fr) ==
	       1) {
		frames++;
		ck_assert(f.flags & XF_NET_F_CSUM_BLANK);
		if (f.gso_size) {
			ck_assert_uint_eq(f.gso_size, 1460);
			gso++;
		}
	}
	/* 60000 + 60000 + 30000. */
	ck_assert_uint_eq(frames, 3);
	ck_assert_uint_eq(gso, 3);
	ck_assert(xf_traffic_gen_done(g));
	xf_traffic_gen_free(g);
	c.gso = true;
	c.flow.proto = XF_TRAFFIC_UDP;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), -EINVAL);
	free(buf);
}
END_TEST

static void feed(struct xf_traffic_rx *rx, const struct xf_traffic_flow *fl,
		 uint64_t off, uint32_t plen, enum xf_traffic_csum cs,
		 uint32_t flags, uint64_t t)
{
	uint8_t buf[4096];
	uint32_t len;

	ck_assert_int_eq(xf_traffic_build(fl, off, plen, cs, buf, sizeof(buf),
					  &len), 0);
	xf_traffic_rx_frame(rx, buf, len, flags, 0, t);
}

START_TEST(receiver_verdicts)
{
	struct xf_traffic_flow fl, other;
	struct xf_traffic_rx *rx;
	struct xf_traffic_rx_stats st;
	uint8_t buf[4096];
	uint32_t len;

	xf_traffic_flow_init(&fl, kinds[_i].proto == XF_TRAFFIC_TCP ? 1 : 2,
			     kinds[_i].proto, kinds[_i].ipv, ma, mb);
	ck_assert_int_eq(xf_traffic_rx_new(&rx), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &fl, true), 0);
	/* In order, then out of order: reassembles. */
	feed(rx, &fl, 0, 1000, XF_TRAFFIC_CSUM_GOOD, 0, 1000);
	feed(rx, &fl, 2000, 1000, XF_TRAFFIC_CSUM_GOOD, 0, 2000);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(rx, fl.id), 1000);
	feed(rx, &fl, 1000, 1000, XF_TRAFFIC_CSUM_GOOD, 0, 3000);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(rx, fl.id), 3000);
	/* Again: a duplicate. */
	feed(rx, &fl, 1000, 1000, XF_TRAFFIC_CSUM_GOOD, 0, 4000);
	/* A bad checksum, once claimed validated. */
	feed(rx, &fl, 3000, 100, XF_TRAFFIC_CSUM_BAD, 0, 5000);
	feed(rx, &fl, 3000, 100, XF_TRAFFIC_CSUM_BAD,
	     XF_NET_F_DATA_VALIDATED, 6000);
	/* Payload from one offset sent as another: bad segmentation. */
	ck_assert_int_eq(xf_traffic_build(&fl, 5000, 500, XF_TRAFFIC_CSUM_GOOD,
					  buf, sizeof(buf), &len), 0);
	if (fl.proto == XF_TRAFFIC_TCP) {
		struct xf_pkt_info pi;

		ck_assert_int_eq(xf_pkt_parse(buf, len, &pi), 0);
		buf[pi.l4_off + 7] ^= 0x01; /* seq off by one */
		ck_assert_int_eq(xf_pkt_csum_fill(buf, len), 0);
		xf_traffic_rx_frame(rx, buf, len, 0, 0, 7000);
		/* Over the MSS without GSO. */
		feed(rx, &fl, 9000, fl.mss + 1, XF_TRAFFIC_CSUM_GOOD, 0, 8000);
	} else {
		buf[len - 1] ^= 0xff;
		ck_assert_int_eq(xf_pkt_csum_fill(buf, len), 0);
		xf_traffic_rx_frame(rx, buf, len, 0, 0, 7000);
		feed(rx, &fl, 9000, 1, XF_TRAFFIC_CSUM_GOOD, 0, 8000);
	}
	/* Someone else's flow. */
	xf_traffic_flow_init(&other, 9, fl.proto, fl.ip_version, ma, mb);
	feed(rx, &other, 0, 100, XF_TRAFFIC_CSUM_GOOD, 0, 9000);
	xf_traffic_rx_stats(rx, &st);
	ck_assert_uint_eq(st.frames, 9);
	ck_assert_uint_eq(st.bad_csum, 2);
	ck_assert_uint_eq(st.validated_but_bad, 1);
	ck_assert_uint_eq(st.dup, 1);
	ck_assert_uint_eq(st.other, 1);
	if (fl.proto == XF_TRAFFIC_TCP) {
		ck_assert_uint_eq(st.bad_seg, 2);
		ck_assert_uint_eq(st.good, 4);
		ck_assert_uint_eq(st.payload_bytes, 3000);
	} else {
		ck_assert_uint_eq(st.bad_seg, 1);
		ck_assert_uint_eq(st.good, 5);
		ck_assert_uint_eq(st.payload_bytes, 3001);
	}
	ck_assert_uint_eq(st.first_ns, 1000);
	ck_assert_uint_eq(st.last_ns, 9000);
	ck_assert_uint_gt(st.throughput_bps, 0);
	xf_traffic_rx_free(rx);
}
END_TEST

/* UDP over IPv4 with ip_mtu 1500: three 60,000-byte datagrams and a
 * 1,000-byte tail. The datagrams leave as 41 fragments each (frames of
 * their own), the tail whole; each fragment's frame range is its share
 * of the stream, they add up to it; the receiver, fed each datagram's
 * fragments backwards, reassembles and passes all four, and with a
 * fragment missing gives that datagram up at the end. */
START_TEST(udp_datagrams_fragmented)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;
	struct xf_traffic_rx *rx;
	struct xf_traffic_rx_stats st;
	struct xf_traffic_rx_flow_stats fs;
	struct xf_net_frame f;
	struct xf_net_frag fr;
	static uint8_t fb[4][41][1600];
	static uint32_t fl_len[4][41];
	uint64_t off, next = 0, sum = 0;
	uint32_t len, rlen;
	unsigned int n[4] = { 0 }, frame = 0;
	const bool skip = _i == 1;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 2, XF_TRAFFIC_UDP, 4, ma, mb);
	c.total_bytes = 3 * 60000 + 1000;
	c.frame_payload = 60000;
	c.ip_mtu = 1500;
	c.csum = XF_TRAFFIC_CSUM_OFFLOAD;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	ck_assert_uint_eq(xf_traffic_gen_frames_per_send(g), 41);
	for (unsigned int d = 0; d < 4; d++) {
		unsigned int want = d < 3 ? 41 : 1;

		for (unsigned int k = 0; k < want; k++) {
			ck_assert_int_eq(xf_traffic_gen_next(g, fb[d][k], 1600,
							     &len, &f, &fr), 1);
			fl_len[d][k] = len;
			frame++;
			ck_assert_uint_le(len - 14, 1500);
			/* Checksum computed: fragments carry no csum_blank. */
			ck_assert_uint_eq(f.flags, d < 3 ? 0 :
					  XF_NET_F_CSUM_BLANK);
			ck_assert_uint_eq(!!(xt_be16(fb[d][k] + 20) & 0x3fff),
					  d < 3);
			ck_assert_int_eq(xf_traffic_gen_frame_range(g, frame,
								    &off,
								    &rlen), 0);
			ck_assert_uint_eq(off, next);
			next += rlen;
			sum += rlen;
		}
		n[d] = want;
	}
	ck_assert_int_eq(xf_traffic_gen_next(g, fb[0][0], 1600, &len, &f, &fr),
			 0);
	ck_assert_uint_eq(xf_traffic_gen_frames(g), 3 * 41 + 1);
	ck_assert_uint_eq(sum, c.total_bytes);
	ck_assert_int_eq(xf_traffic_gen_frame_range(g, frame + 1, &off, &rlen),
			 -ERANGE);
	/* The tail went with offload: fill its checksum as a backend. */
	ck_assert_int_eq(xf_pkt_csum_fill(fb[3][0], fl_len[3][0]), 0);
	ck_assert_int_eq(xf_traffic_rx_new(&rx), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &c.flow, false), 0);
	for (unsigned int d = 0; d < 4; d++)
		for (unsigned int k = n[d]; k-- > 0;)
			if (!(skip && d == 1 && k == 7))
				xf_traffic_rx_frame(rx, fb[d][k], fl_len[d][k],
						    0, 0, 1000);
	xf_traffic_rx_finish(rx);
	xf_traffic_rx_stats(rx, &st);
	ck_assert_int_eq(xf_traffic_rx_flow_stats(rx, 2, &fs), 0);
	ck_assert_uint_eq(st.fragments, 3 * 41 - (skip ? 1 : 0));
	ck_assert_uint_eq(st.reassembled, skip ? 2 : 3);
	ck_assert_uint_eq(st.reasm_dropped, skip ? 1 : 0);
	ck_assert_uint_eq(st.frames, skip ? 3 : 4);
	ck_assert_uint_eq(fs.good, skip ? 3 : 4);
	ck_assert_uint_eq(fs.bad, 0);
	ck_assert_uint_eq(fs.payload_bytes, c.total_bytes - (skip ? 60000 : 0));
	ck_assert_uint_eq(fs.contiguous, skip ? 60000 : c.total_bytes);
	xf_traffic_rx_free(rx);
	xf_traffic_gen_free(g);
}
END_TEST

START_TEST(udp_datagram_limits)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 2, XF_TRAFFIC_UDP, 4, ma, mb);
	c.total_bytes = 1 << 20;
	c.ip_mtu = 1500;
	c.frame_payload = XF_TRAFFIC_UDP_MAX_DATA;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	ck_assert_uint_eq(xf_traffic_gen_frames_per_send(g),
			  (65507 + 8 + 1479) / 1480);
	xf_traffic_gen_free(g);
	c.frame_payload = XF_TRAFFIC_UDP_MAX_DATA + 1;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), -EINVAL);
	c.frame_payload = 1000;
	c.ip_mtu = 67;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), -EINVAL);
}
END_TEST

XT_SUITE("traffic")
{
	TCase *tc = xt_tcase("traffic");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, build_headers_and_checksums, 0, 4);
	tcase_add_test(tc, too_big_refused);
	tcase_add_test(tc, generator_cuts_stream);
	tcase_add_loop_test(tc, receiver_verdicts, 0, 4);
	/* _i 0: every fragment delivered; 1: one missing. */
	tcase_add_loop_test(tc, udp_datagrams_fragmented, 0, 2);
	tcase_add_test(tc, udp_datagram_limits);
}
