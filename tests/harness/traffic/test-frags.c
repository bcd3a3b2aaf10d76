/* SPDX-License-Identifier: MIT */
/* Fragment layouts (bug class 11, slot limits): how frames are cut into
 * fragments, the generator's layouts and cookies, per-flow receiver
 * stats, and end to end through netfront and the mock netback: a raw
 * (old) frontend loses 19-slot chains and tiny first slots, the default
 * one linearises and pulls headers up, SG off sends one slot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/netif.h>
#include <xfront/traffic.h>

#include "nettest.h"
#include "xt.h"

#include "flows.h"

/* Fragments must tile the frame in order, none empty. */
static void assert_tiles(const struct xf_net_frag *fr, int n,
			 const uint8_t *data, uint32_t len)
{
	uint32_t off = 0;

	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		ck_assert_ptr_eq(fr[i].data, data + off);
		ck_assert_uint_gt(fr[i].len, 0);
		off += fr[i].len;
	}
	ck_assert_uint_eq(off, len);
}

START_TEST(split_linear)
{
	static uint8_t buf[1514];
	struct xf_net_frag fr[4];
	struct xf_traffic_frag_layout l = { 0 };

	ck_assert_int_eq(xf_traffic_frag_split(NULL, buf, 1514, fr, 4), 1);
	assert_tiles(fr, 1, buf, 1514);
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 1), 1);
	l.nfrags = 2;
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 4),
			 -EINVAL);
	ck_assert_int_eq(xf_traffic_frag_split(NULL, buf, 0, fr, 4), -EINVAL);
	ck_assert_int_eq(xf_traffic_frag_split(NULL, buf, 10, fr, 0), -ENOSPC);
}
END_TEST

START_TEST(split_tiny_first)
{
	static uint8_t buf[1514];
	struct xf_net_frag fr[8];
	struct xf_traffic_frag_layout l = {
		.kind = XF_TRAFFIC_FRAGS_TINY_FIRST,
	};
	int n;

	/* Defaults: a 6-byte head (a MAC address) and the rest. */
	n = xf_traffic_frag_split(&l, buf, 1514, fr, 8);
	ck_assert_int_eq(n, 2);
	assert_tiles(fr, n, buf, 1514);
	ck_assert_uint_eq(fr[0].len, 6);
	l.first_frag = 13;
	l.nfrags = 4;
	n = xf_traffic_frag_split(&l, buf, 1514, fr, 8);
	ck_assert_int_eq(n, 4);
	assert_tiles(fr, n, buf, 1514);
	ck_assert_uint_eq(fr[0].len, 13);
	/* 1501 over three parts: 501, 500, 500. */
	ck_assert_uint_eq(fr[1].len, 501);
	ck_assert_uint_eq(fr[3].len, 500);
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 3),
			 -ENOSPC);
	/* A frame no longer than the head stays whole; a short rest gets
	 * fewer parts, never an empty one. */
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 13, fr, 8), 1);
	ck_assert_uint_eq(fr[0].len, 13);
	n = xf_traffic_frag_split(&l, buf, 15, fr, 8);
	ck_assert_int_eq(n, 3);
	assert_tiles(fr, n, buf, 15);
	l.nfrags = 1;
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 8),
			 -EINVAL);
	l.nfrags = XF_NETFRONT_MAX_FRAGS + 1;
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 8),
			 -EINVAL);
	l.kind = (enum xf_traffic_frags)7;
	l.nfrags = 2;
	ck_assert_int_eq(xf_traffic_frag_split(&l, buf, 1514, fr, 8),
			 -EINVAL);
}
END_TEST

START_TEST(split_many)
{
	static uint8_t buf[60054];
	struct xf_net_frag fr[XF_NETFRONT_MAX_FRAGS];
	struct xf_traffic_frag_layout l = { .kind = XF_TRAFFIC_FRAGS_MANY };
	int n;

	n = xf_traffic_frag_split(&l, buf, 1514, fr, XF_NETFRONT_MAX_FRAGS);
	ck_assert_int_eq(n, (int)XF_TRAFFIC_FRAGS_OVER_LIMIT);
	assert_tiles(fr, n, buf, 1514);
	for (int i = 0; i < n; i++)
		ck_assert(fr[i].len == 1514 / 19 || fr[i].len == 1514 / 19 + 1);
	l.nfrags = XF_NETFRONT_MAX_FRAGS;
	n = xf_traffic_frag_split(&l, buf, sizeof(buf), fr,
				  XF_NETFRONT_MAX_FRAGS);
	ck_assert_int_eq(n, XF_NETFRONT_MAX_FRAGS);
	assert_tiles(fr, n, buf, sizeof(buf));
	n = xf_traffic_frag_split(&l, buf, 10, fr, XF_NETFRONT_MAX_FRAGS);
	ck_assert_int_eq(n, 10);
	assert_tiles(fr, n, buf, 10);
}
END_TEST

START_TEST(generator_cuts_frames_into_fragments)
{
	struct xf_traffic_gen_config c;
	struct xf_traffic_gen *g;
	struct xf_net_frame f;
	struct xf_net_frag one, fr[XF_NETFRONT_MAX_FRAGS];
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len;
	unsigned int frames = 0;

	memset(&c, 0, sizeof(c));
	xf_traffic_flow_init(&c.flow, 1, XF_TRAFFIC_TCP, 4, ma, mb);
	c.total_bytes = 150000;
	c.gso = true;
	c.frags.kind = XF_TRAFFIC_FRAGS_MANY;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), 0);
	/* One fragment cannot hold this layout; the stream stays put. */
	ck_assert_int_eq(xf_traffic_gen_next(g, buf, XF_NET_MAX_FRAME, &len,
					     &f, &one), -ENOSPC);
	ck_assert_uint_eq(xf_traffic_gen_frames(g), 0);
	while (xf_traffic_gen_next_frags(g, buf, XF_NET_MAX_FRAME, &len, &f,
					 fr, XF_NETFRONT_MAX_FRAGS) == 1) {
		frames++;
		ck_assert_uint_eq(f.nr_frags, XF_TRAFFIC_FRAGS_OVER_LIMIT);
		ck_assert_ptr_eq(f.frags, fr);
		assert_tiles(fr, (int)f.nr_frags, buf, len);
		ck_assert_uint_eq(f.gso_size, 1460);
	}
	ck_assert_uint_eq(frames, 3);
	ck_assert_int_eq(xf_traffic_gen_next_frags(g, buf, XF_NET_MAX_FRAME,
						   &len, &f, NULL, 4), -EINVAL);
	xf_traffic_gen_free(g);
	/* A layout that can never work is refused up front. */
	c.frags.kind = XF_TRAFFIC_FRAGS_TINY_FIRST;
	c.frags.nfrags = 1;
	ck_assert_int_eq(xf_traffic_gen_new(&c, &g), -EINVAL);
	free(buf);
}
END_TEST

START_TEST(rx_stats_per_flow)
{
	struct xf_traffic_flow f1, f2;
	struct xf_traffic_rx_flow_stats s;
	struct xf_traffic_rx *rx;
	uint8_t buf[2048];
	uint32_t len;

	xf_traffic_flow_init(&f1, 1, XF_TRAFFIC_TCP, 4, ma, mb);
	xf_traffic_flow_init(&f2, 2, XF_TRAFFIC_UDP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_rx_new(&rx), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &f1, true), 0);
	ck_assert_int_eq(xf_traffic_rx_expect(rx, &f2, false), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(xf_traffic_build(&f1, (uint64_t)i * 1000, 1000,
						  XF_TRAFFIC_CSUM_GOOD, buf,
						  sizeof(buf), &len), 0);
		xf_traffic_rx_frame(rx, buf, len, 0, 0, 1);
	}
	/* f2: a gap, then a bad checksum that must not count. */
	ck_assert_int_eq(xf_traffic_build(&f2, 500, 100, XF_TRAFFIC_CSUM_GOOD,
					  buf, sizeof(buf), &len), 0);
	xf_traffic_rx_frame(rx, buf, len, 0, 0, 2);
	ck_assert_int_eq(xf_traffic_build(&f2, 0, 100, XF_TRAFFIC_CSUM_BAD,
					  buf, sizeof(buf), &len), 0);
	xf_traffic_rx_frame(rx, buf, len, 0, 0, 3);
	ck_assert_int_eq(xf_traffic_rx_flow_stats(rx, 1, &s), 0);
	ck_assert_uint_eq(s.good, 3);
	ck_assert_uint_eq(s.payload_bytes, 3000);
	ck_assert_uint_eq(s.contiguous, 3000);
	ck_assert_int_eq(xf_traffic_rx_flow_stats(rx, 2, &s), 0);
	ck_assert_uint_eq(s.good, 1);
	ck_assert_uint_eq(s.payload_bytes, 100);
	ck_assert_uint_eq(s.contiguous, 0);
	ck_assert_int_eq(xf_traffic_rx_flow_stats(rx, 3, &s), -ENOENT);
	xf_traffic_rx_free(rx);
}
END_TEST

/* ---- end to end: netfront + mock netback ---- */

static struct nt_env env;
static struct nt_vm *a, *b;

static void e2e_setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	nt_pair_new(&env, &a, &b);
}

static void e2e_teardown(void)
{
	nt_env_fini(&env);
}

struct sent {
	uint64_t frames, bytes, base;
};

/* Streams total bytes from a to b (TCP, flow 7) in the given layout;
 * returns what the generator handed over. */
static struct sent stream(const struct xf_traffic_frag_layout *l,
			  uint64_t total, bool gso)
{
	struct xf_traffic_gen_config gc;
	struct xf_traffic_gen *g;
	struct sent s;

	nt_pair_start(a, b);
	memset(&gc, 0, sizeof(gc));
	xf_traffic_flow_init(&gc.flow, 7, XF_TRAFFIC_TCP, 4, a->mac, b->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(b->trx, &gc.flow, true), 0);
	gc.total_bytes = total;
	gc.gso = gso;
	gc.csum = XF_TRAFFIC_CSUM_OFFLOAD;
	gc.frags = *l;
	gc.cookie_base = UINT64_C(3) << 40;
	ck_assert_int_eq(xf_traffic_gen_new(&gc, &g), 0);
	nt_gen_drain(a, g);
	nt_run(&env);
	s.frames = xf_traffic_gen_frames(g);
	s.bytes = xf_traffic_gen_sent_bytes(g);
	s.base = gc.cookie_base;
	ck_assert_uint_eq(s.bytes, total);
	xf_traffic_gen_free(g);
	/* Every frame completed once, under its own cookie. */
	ck_assert_uint_eq(a->done_ok + a->done_err, s.frames);
	ck_assert_uint_eq(a->done_cookies,
			  s.frames * s.base + s.frames * (s.frames + 1) / 2);
	return s;
}

/* Every frame of s went through and b has the whole stream. */
static void assert_through(const struct sent *s)
{
	ck_assert_uint_eq(a->done_ok, s->frames);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 7), s->bytes);
}

static uint64_t a_linearized(void)
{
	struct xf_netfront_stats st;

	xf_netfront_stats(a->nf, &st);
	return st.tx_linearized;
}

static struct xf_nb_vif_stats a_vif(void)
{
	struct xf_nb_vif_stats va;

	xf_nb_vif_stats(a->vif, &va);
	return va;
}

static const struct xf_traffic_frag_layout rocket = {
	.kind = XF_TRAFFIC_FRAGS_MANY, .nfrags = 19,
};

START_TEST(raw_frontend_drops_19_slot_chains)
{
	struct xf_netfront_stats st;
	struct sent s;

	a->ncfg.tx_raw_layout = true;
	s = stream(&rocket, 10 * 60000, true);
	ck_assert_uint_eq(s.frames, 10);
	ck_assert_uint_eq(a->done_err, 10);
	ck_assert_int_eq(a->last_status, -EMSGSIZE);
	xf_netfront_stats(a->nf, &st);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_TOO_BIG], 10);
	ck_assert_uint_eq(st.tx_linearized, 0);
	ck_assert_uint_eq(a_vif().tx_frames, 0);
	ck_assert_str_eq(xf_nb_vif_error(a->vif) ? xf_nb_vif_error(a->vif) :
			 "", "");
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 7), 0);
}
END_TEST

START_TEST(default_frontend_linearises_19_slot_chains)
{
	struct sent s = stream(&rocket, 10 * 60000, true);

	assert_through(&s);
	ck_assert_uint_eq(a_linearized(), s.frames);
	ck_assert_uint_le(a_vif().tx_max_slots, XF_NETIF_NR_SLOTS_MIN);
}
END_TEST

START_TEST(raw_frontend_sends_18_slots_as_is)
{
	const struct xf_traffic_frag_layout l = {
		.kind = XF_TRAFFIC_FRAGS_MANY, .nfrags = 18,
	};
	struct sent s;

	a->ncfg.tx_raw_layout = true;
	s = stream(&l, 10 * 60000, true);
	assert_through(&s);
	ck_assert_uint_eq(a_linearized(), 0);
	ck_assert_uint_eq(a_vif().tx_max_slots, XF_NETIF_NR_SLOTS_MIN);
}
END_TEST

START_TEST(raw_frontend_with_sg_off_sends_one_slot)
{
	struct xf_nb_vif_stats va;
	struct sent s;

	a->ncfg.tx_raw_layout = true;
	a->ncfg.no_sg = true;
	a->vcfg.bugs = XF_NB_BUG_DROP_SHORT_FIRST;
	s = stream(&rocket, 10 * 60000, true);
	assert_through(&s);
	va = a_vif();
	ck_assert_uint_eq(va.tx_max_slots, 1);
	ck_assert_uint_eq(va.drops[XF_NB_DROP_SHORT_FIRST], 0);
}
END_TEST

/* First fragment 13 (_i = 0) or 14 (_i = 1) bytes against a backend that
 * drops a first slot shorter than the Ethernet header. */
START_TEST(tiny_first_slot_against_dropping_backend)
{
	const struct xf_traffic_frag_layout l = {
		.kind = XF_TRAFFIC_FRAGS_TINY_FIRST,
		.first_frag = 13 + (uint32_t)_i,
	};
	struct xf_nb_vif_stats va;
	struct sent s;

	a->ncfg.tx_raw_layout = true;
	a->vcfg.bugs = XF_NB_BUG_DROP_SHORT_FIRST;
	s = stream(&l, 50 * 1460, false);
	ck_assert_uint_eq(s.frames, 50);
	va = a_vif();
	if (_i == 0) {
		ck_assert_uint_eq(a->done_err, 50);
		ck_assert_int_eq(a->last_status, -EIO);
		ck_assert_uint_eq(va.drops[XF_NB_DROP_SHORT_FIRST], 50);
		ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 7), 0);
	} else {
		assert_through(&s);
		ck_assert_uint_eq(va.drops[XF_NB_DROP_SHORT_FIRST], 0);
		ck_assert_uint_eq(va.tx_max_slots, 2);
	}
}
END_TEST

START_TEST(default_frontend_pulls_tiny_first_slot_up)
{
	const struct xf_traffic_frag_layout l = {
		.kind = XF_TRAFFIC_FRAGS_TINY_FIRST, .first_frag = 1,
		.nfrags = 5,
	};
	struct sent s;

	a->vcfg.bugs = XF_NB_BUG_DROP_SHORT_FIRST;
	s = stream(&l, 50 * 1460, false);
	assert_through(&s);
	ck_assert_uint_eq(a_linearized(), s.frames);
	ck_assert_uint_eq(a_vif().drops[XF_NB_DROP_SHORT_FIRST], 0);
}
END_TEST

XT_SUITE("traffic-frags")
{
	TCase *tc = xt_tcase("split");
	TCase *e2e = xt_tcase("end-to-end");

	tcase_add_test(tc, split_linear);
	tcase_add_test(tc, split_tiny_first);
	tcase_add_test(tc, split_many);
	tcase_add_test(tc, generator_cuts_frames_into_fragments);
	tcase_add_test(tc, rx_stats_per_flow);
	tcase_add_checked_fixture(e2e, e2e_setup, e2e_teardown);
	tcase_set_timeout(e2e, 60);
	tcase_add_test(e2e, raw_frontend_drops_19_slot_chains);
	tcase_add_test(e2e, default_frontend_linearises_19_slot_chains);
	tcase_add_test(e2e, raw_frontend_sends_18_slots_as_is);
	tcase_add_test(e2e, raw_frontend_with_sg_off_sends_one_slot);
	tcase_add_loop_test(e2e, tiny_first_slot_against_dropping_backend,
			    0, 2);
	tcase_add_test(e2e, default_frontend_pulls_tiny_first_slot_up);
}
