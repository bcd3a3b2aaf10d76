/* SPDX-License-Identifier: MIT */
/* What a sender needs to account for every byte it sent: the stream
 * range of each frame number, drain probes, and the receiver's per-flow
 * view (bytes that arrived good or bad, the resolved offset), also for
 * TCP streams past 4 GiB. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/traffic.h>

#include "flows.h"
#include "xt.h"

static uint64_t seq_off(const struct xf_traffic_flow *fl, const uint8_t *f,
			uint32_t len)
{
	struct xf_pkt_info pi;
	const uint8_t *p;

	ck_assert_int_eq(xf_pkt_parse(f, len, &pi), 0);
	if (pi.l4 == XF_PKT_L4_TCP) {
		p = f + pi.l4_off + 4;
		return (uint32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				  (uint32_t)p[2] << 8 | p[3]) - fl->isn;
	}
	p = f + pi.payload_off + 8;
	return (uint64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			  (uint32_t)p[2] << 8 | p[3]) << 32 |
	       ((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		(uint32_t)p[6] << 8 | p[7]);
}

/* The range of frame n is the one the generator put in frame n. */
START_TEST(frame_range_matches_generator)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;
	struct xf_net_frame f;
	struct xf_net_frag fr;
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint64_t off, n = 0, total = 0;
	uint32_t len, rlen;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 3, kinds[_i].proto, kinds[_i].ipv, ma,
			     mb);
	c.total_bytes = 150001;
	c.gso = kinds[_i].proto == XF_TRAFFIC_TCP;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	while (xf_traffic_gen_next(g, buf, XF_NET_MAX_FRAME, &len, &f, &fr) ==
	       1) {
		n++;
		ck_assert_int_eq(xf_traffic_gen_frame_range(g, n, &off, &rlen),
				 0);
		ck_assert_uint_eq(off, seq_off(&c.flow, buf, len));
		ck_assert_uint_eq(off, total);
		ck_assert_uint_eq(len - xf_traffic_hdr_len(&c.flow), rlen);
		total += rlen;
	}
	ck_assert_uint_eq(total, c.total_bytes);
	ck_assert_int_eq(xf_traffic_gen_frame_range(g, 0, &off, &rlen),
			 -ERANGE);
	ck_assert_int_eq(xf_traffic_gen_frame_range(g, n + 1, &off, &rlen),
			 -ERANGE);
	xf_traffic_gen_free(g);
	free(buf);
}
END_TEST

static void feed(struct xf_traffic_rx *rx, const struct xf_traffic_flow *fl,
		 uint64_t off, uint32_t plen, enum xf_traffic_csum cs)
{
	uint8_t buf[4096];
	uint32_t len;

	ck_assert_int_eq(xf_traffic_build(fl, off, plen, cs, buf, sizeof(buf),
					  &len), 0);
	xf_traffic_rx_frame(rx, buf, len, 0, 0, 1000 + off);
}

static struct xf_traffic_rx_flow_stats fstats(struct xf_traffic_rx *rx,
					      uint32_t id)
{
	struct xf_traffic_rx_flow_stats s;

	memset(&s, 0xa5, sizeof(s));
	ck_assert_int_eq(xf_traffic_rx_flow_stats(rx, id, &s), 0);
	return s;
}

/* Every byte that arrives is in payload_bytes or bad_bytes; resolved
 * follows the highest good frame and probes; a probe is in no other
 * verdict and no throughput. */
START_TEST(receiver_accounts_bytes_and_probes)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;
	struct xf_traffic_rx *rx;
	struct xf_traffic_rx_flow_stats s;
	struct xf_traffic_rx_stats st;
	uint8_t buf[256];
	uint32_t len;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 4, kinds[_i].proto, kinds[_i].ipv, ma,
			     mb);
	c.total_bytes = 1 << 20;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	ck_assert_int_eq(xf_traffic_rx_new(&rx), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &c.flow, false), 0);
	s = fstats(rx, c.flow.id);
	ck_assert_uint_eq(s.resolved, 0);
	ck_assert_uint_eq(s.probes, 0);
	ck_assert_uint_eq(s.bad_bytes, 0);

	feed(rx, &c.flow, 1000, 500, XF_TRAFFIC_CSUM_GOOD);
	feed(rx, &c.flow, 0, 1000, XF_TRAFFIC_CSUM_GOOD);
	s = fstats(rx, c.flow.id);
	ck_assert_uint_eq(s.resolved, 1500);
	ck_assert_uint_eq(s.payload_bytes, 1500);
	/* Damaged on the way: arrived, but bad. */
	feed(rx, &c.flow, 1500, 300, XF_TRAFFIC_CSUM_BAD);
	s = fstats(rx, c.flow.id);
	ck_assert_uint_eq(s.bad, 1);
	ck_assert_uint_eq(s.bad_bytes, 300);
	ck_assert_uint_eq(s.resolved, 1500);
	ck_assert_uint_eq(s.payload_bytes + s.bad_bytes, 1800);

	/* A probe behind data that never arrived (1800..5000). */
	ck_assert_int_eq(xf_traffic_gen_probe(g, 5000, buf, sizeof(buf),
					      &len), 0);
	ck_assert_uint_eq(len, xf_traffic_hdr_len(&c.flow));
	xf_traffic_rx_frame(rx, buf, len, 0, 0, 999999);
	s = fstats(rx, c.flow.id);
	ck_assert_uint_eq(s.probes, 1);
	ck_assert_uint_eq(s.resolved, 5000);
	ck_assert_uint_eq(s.good, 2);
	ck_assert_uint_eq(s.payload_bytes, 1500);
	xf_traffic_rx_stats(rx, &st);
	ck_assert_uint_eq(st.frames, 3);
	ck_assert_uint_eq(st.probes, 1);
	ck_assert_uint_eq(st.other, 0);
	ck_assert_uint_eq(st.last_ns, 1000 + 1500);
	/* An older probe never moves it back. */
	ck_assert_int_eq(xf_traffic_gen_probe(g, 10, buf, sizeof(buf), &len),
			 0);
	xf_traffic_rx_frame(rx, buf, len, 0, 0, 1000000);
	s = fstats(rx, c.flow.id);
	ck_assert_uint_eq(s.probes, 2);
	ck_assert_uint_eq(s.resolved, 5000);
	xf_traffic_rx_free(rx);
	xf_traffic_gen_free(g);
}
END_TEST

/* A TCP stream keeps its place past 4 GiB of sequence space. */
START_TEST(tcp_offsets_unwrap_past_4g)
{
	struct xf_traffic_flow fl;
	struct xf_traffic_rx *rx;
	struct xf_traffic_rx_flow_stats s;
	struct xf_traffic_rx_stats st;
	const uint64_t g4 = UINT64_C(1) << 32;

	xf_traffic_flow_init(&fl, 5, XF_TRAFFIC_TCP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_rx_new(&rx), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &fl, false), 0);
	feed(rx, &fl, g4 - 3000, 1000, XF_TRAFFIC_CSUM_GOOD);
	feed(rx, &fl, g4 - 2000, 1400, XF_TRAFFIC_CSUM_GOOD); /* straddles */
	feed(rx, &fl, g4 - 600, 1000, XF_TRAFFIC_CSUM_GOOD);
	feed(rx, &fl, g4 + 400, 1000, XF_TRAFFIC_CSUM_GOOD);
	s = fstats(rx, fl.id);
	xf_traffic_rx_stats(rx, &st);
	/* The payload pattern depends on the 64-bit offset: all good
	 * only if every frame was placed right. */
	ck_assert_uint_eq(st.bad_seg, 0);
	ck_assert_uint_eq(s.good, 4);
	ck_assert_uint_eq(s.payload_bytes, 4400);
	ck_assert_uint_eq(s.resolved, g4 + 1400);
	/* A late frame from before the wrap is still placed before it. */
	feed(rx, &fl, g4 - 3000, 1000, XF_TRAFFIC_CSUM_GOOD);
	s = fstats(rx, fl.id);
	xf_traffic_rx_stats(rx, &st);
	ck_assert_uint_eq(st.dup, 1);
	ck_assert_uint_eq(s.payload_bytes, 4400);
	ck_assert_uint_eq(s.resolved, g4 + 1400);
	xf_traffic_rx_free(rx);
}
END_TEST

XT_SUITE("traffic-account")
{
	TCase *tc = xt_tcase("account");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, frame_range_matches_generator, 0, 4);
	tcase_add_loop_test(tc, receiver_accounts_bytes_and_probes, 0, 4);
	tcase_add_test(tc, tcp_offsets_unwrap_past_4g);
}
