/* SPDX-License-Identifier: MIT */
/* Shaping (loss, latency, rate), multicast filtering, multi-queue and
 * several switches. Times are virtual (sim), so they are exact. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *a, *b;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	nt_pair_new(&env, &a, &b);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

static void go(void)
{
	nt_pair_start(a, b);
}

/* a sends b n frames of payload bytes, then the sim runs until idle;
 * returns when that started. */
static uint64_t send_udp(unsigned int n, uint32_t payload)
{
	uint64_t t0 = xf_rt_now_ns(env.rt);

	nt_send_udp(a, b->mac, n, payload);
	nt_run(&env);
	return t0;
}

/* n 100-byte frames over a's lossy wire; returns how many it lost. */
static uint64_t lossy(uint32_t ppm, unsigned int n)
{
	struct xf_nb_vif_stats va;

	a->vcfg.loss_ppm = ppm;
	go();
	send_udp(n, 100);
	xf_nb_vif_stats(a->vif, &va);
	return va.drops[XF_NB_DROP_LOSS];
}

START_TEST(total_loss)
{
	ck_assert_uint_eq(lossy(1000000, 50), 50);
	/* The backend took them (tx_done ok) and the wire lost them. */
	ck_assert_uint_eq(a->done_ok, 50);
	ck_assert_uint_eq(b->nr_rx, 0);
}
END_TEST

START_TEST(partial_loss_is_seeded)
{
	uint64_t lost = lossy(250000, 400);

	ck_assert_uint_eq(lost + b->nr_rx, 400);
	ck_assert_uint_gt(lost, 40);
	ck_assert_uint_lt(lost, 200);
}
END_TEST

START_TEST(latency_delays_delivery)
{
	struct xf_traffic_rx_stats rs;
	struct xf_traffic_flow fl;
	uint64_t t0;

	a->vcfg.latency_ns = 5000000;
	go();
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_UDP, 4, a->mac, b->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(b->trx, &fl, false), 0);
	t0 = send_udp(1, 100);
	ck_assert_uint_eq(b->nr_rx, 1);
	xf_traffic_rx_stats(b->trx, &rs);
	ck_assert_uint_ge(rs.first_ns, t0 + 5000000);
}
END_TEST

/* Connects, sends n frames, all arrive; returns the virtual time it
 * took. */
static uint64_t timed_udp(unsigned int n, uint32_t payload)
{
	uint64_t t0;

	go();
	t0 = send_udp(n, payload);
	ck_assert_uint_eq(b->nr_rx, n);
	return xf_rt_now_ns(env.rt) - t0;
}

START_TEST(byte_rate_limit)
{
	uint64_t took;

	/* 1 MB/s: 100 frames of ~1 KB take ~0.1 s of virtual time. */
	a->vcfg.rate_bytes_per_s = 1000000;
	took = timed_udp(100, 1000);
	ck_assert_uint_ge(took, 99 * 1000000ull / 10);
	ck_assert_uint_le(took, 200000000ull);
}
END_TEST

START_TEST(frame_rate_limit)
{
	a->vcfg.rate_frames_per_s = 1000;
	ck_assert_uint_ge(timed_udp(50, 100), 49000000ull);
}
END_TEST

/* a sends the frame in buf, then b has received rx frames in all. */
static void send_expect(const uint8_t *buf, uint32_t len, uint64_t cookie,
			unsigned int rx)
{
	ck_assert_int_eq(nt_send(a, buf, len, 0, 0, cookie), 0);
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, rx);
}

START_TEST(multicast_filter)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0, 0, 9 };
	uint8_t buf[512];
	uint32_t len;
	struct xf_nb_vif_stats vb;
	struct xf_nb_peer pe;

	go();
	xf_nb_vif_peer(b->vif, &pe);
	ck_assert(pe.multicast_control);
	len = nt_udp_frame(buf, a->mac, group, 100, 1);
	send_expect(buf, len, 1, 0);
	xf_nb_vif_stats(b->vif, &vb);
	ck_assert_uint_eq(vb.drops[XF_NB_DROP_MCAST_FILTER], 1);
	ck_assert_int_eq(xf_netfront_mcast(b->nf, group, true), 0);
	nt_run(&env);
	send_expect(buf, len, 2, 1);
	ck_assert_int_eq(xf_netfront_mcast(b->nf, group, false), 0);
	nt_run(&env);
	send_expect(buf, len, 3, 1);
}
END_TEST

START_TEST(dynamic_multicast_control)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0, 0, 7 };
	uint8_t buf[512];
	uint32_t len;

	b->ncfg.no_multicast_control = false;
	go();
	len = nt_udp_frame(buf, a->mac, group, 100, 1);
	/* Filtering on from connect: dropped. */
	send_expect(buf, len, 1, 0);
	/* Turned off at run time: the backend re-samples and floods. */
	ck_assert_int_eq(xf_netfront_mcast_filter(b->nf, false), 0);
	nt_run(&env);
	send_expect(buf, len, 2, 1);
	ck_assert_int_eq(xf_netfront_mcast_filter(b->nf, true), 0);
	nt_run(&env);
	send_expect(buf, len, 3, 1);
}
END_TEST

START_TEST(static_multicast_control_is_not_dynamic)
{
	b->vcfg.feat.dynamic_multicast = false;
	go();
	ck_assert_int_eq(xf_netfront_mcast_filter(b->nf, false), -EOPNOTSUPP);
}
END_TEST

START_TEST(same_seed_same_loss)
{
	uint64_t first, hash;

	first = lossy(300000, 300);
	hash = xf_rt_trace_hash(env.rt);
	/* Same seed, same run: bit for bit. */
	nt_env_fini(&env);
	setup();
	ck_assert_uint_eq(lossy(300000, 300), first);
	ck_assert_uint_eq(xf_rt_trace_hash(env.rt), hash);
}
END_TEST

START_TEST(multi_queue_spreads_flows)
{
	struct xf_netfront_stats sa, sb;
	uint8_t buf[512];
	unsigned int used = 0;

	a->ncfg.max_queues = 4;
	b->ncfg.max_queues = 4;
	go();
	ck_assert_uint_eq(xf_netfront_nr_queues(a->nf), 4);
	for (unsigned int f = 0; f < 64; f++) {
		struct xf_traffic_flow fl;
		uint32_t len;
		struct xf_net_frag fr;
		struct xf_net_frame fm = { .frags = &fr, .nr_frags = 1 };

		xf_traffic_flow_init(&fl, f, XF_TRAFFIC_UDP, 4, a->mac, b->mac);
		ck_assert_int_eq(xf_traffic_build(&fl, 0, 64,
						  XF_TRAFFIC_CSUM_GOOD, buf,
						  sizeof(buf), &len), 0);
		fr.data = buf;
		fr.len = len;
		ck_assert_int_eq(xf_netfront_send(a->nf, -1, &fm, f), 0);
	}
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, 64);
	xf_netfront_stats(a->nf, &sa);
	xf_netfront_stats(b->nf, &sb);
	for (int q = 0; q < 4; q++) {
		if (sa.tx_queue_frames[q])
			used++;
	}
	ck_assert_uint_ge(used, 3);
	used = 0;
	for (int q = 0; q < 4; q++)
		if (sb.rx_queue_frames[q])
			used++;
	ck_assert_uint_ge(used, 3);
}
END_TEST

START_TEST(two_switches_are_isolated)
{
	struct xf_nb_switch *sw2;
	struct nt_vm *c;
	uint8_t buf[512];
	uint32_t len;

	ck_assert_int_eq(xf_nb_switch_new(env.rt, NULL, &sw2), 0);
	c = nt_vm_new(&env, 3, false);
	c->vcfg.sw = sw2;
	go();
	nt_vm_start(c);
	nt_run(&env);
	/* Broadcast on host 1 reaches b, never c on host 2. */
	len = nt_udp_frame(buf, a->mac, (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
			   100, 1);
	ck_assert_int_eq(nt_send(a, buf, len, 0, 0, 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, 1);
	ck_assert_uint_eq(c->nr_rx, 0);
	xf_netfront_free(c->nf);
	c->nf = NULL;
	xf_nb_vif_free(c->vif);
	c->vif = NULL;
	xf_nb_switch_free(sw2);
}
END_TEST

START_TEST(real_mode_traffic)
{
	struct nt_env renv;
	struct nt_vm *x, *y;
	struct xf_traffic_flow fl;
	struct xf_traffic_gen_config gc;
	struct xf_traffic_gen *g;
	struct xf_traffic_rx_stats rs;

	nt_env_fini(&env);
	nt_env_init(&renv, XF_RT_REAL, NULL);
	nt_pair_new(&renv, &x, &y);
	x->vcfg.vcpu = 0;
	y->vcfg.vcpu = 1;
	x->ncfg.xenbus_vcpu = 1;
	nt_vm_start(x);
	nt_vm_start(y);
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_TCP, 4, x->mac, y->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(y->trx, &fl, true), 0);
	memset(&gc, 0, sizeof(gc));
	gc.flow = fl;
	gc.total_bytes = 200000;
	gc.gso = true;
	gc.csum = XF_TRAFFIC_CSUM_OFFLOAD;
	ck_assert_int_eq(xf_traffic_gen_new(&gc, &g), 0);
	/* Real mode: wall-clock bounded runs until the stream is through. */
	for (int i = 0; i < 4000; i++) {
		if (xf_netfront_state(x->nf) == XF_NETFRONT_CONNECTED &&
		    xf_netfront_state(y->nf) == XF_NETFRONT_CONNECTED &&
		    !xf_traffic_gen_done(g))
			xf_traffic_gen_send(g, x->nf, 0, 64);
		xf_rt_run(renv.rt, xf_rt_now_ns(renv.rt) + 5000000);
		if (xf_traffic_gen_done(g) &&
		    xf_traffic_rx_contiguous(y->trx, 1) == 200000)
			break;
	}
	xf_rt_stop(renv.rt);
	xf_traffic_rx_stats(y->trx, &rs);
	ck_assert(xf_traffic_gen_done(g));
	ck_assert_uint_eq(xf_traffic_rx_contiguous(y->trx, 1), 200000);
	ck_assert_uint_eq(rs.bad_csum + rs.bad_seg, 0);
	xf_traffic_gen_free(g);
	nt_env_fini(&renv);
	nt_env_init(&env, XF_RT_SIM, NULL);
}
END_TEST

XT_SUITE("netback-shaping")
{
	TCase *tc = xt_tcase_fixture("shaping", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, total_loss);
	tcase_add_test(tc, partial_loss_is_seeded);
	tcase_add_test(tc, latency_delays_delivery);
	tcase_add_test(tc, byte_rate_limit);
	tcase_add_test(tc, frame_rate_limit);
	tcase_add_test(tc, multicast_filter);
	tcase_add_test(tc, dynamic_multicast_control);
	tcase_add_test(tc, static_multicast_control_is_not_dynamic);
	tcase_add_test(tc, same_seed_same_loss);
	tcase_add_test(tc, multi_queue_spreads_flows);
	tcase_add_test(tc, two_switches_are_isolated);
	tcase_add_test(tc, real_mode_traffic);
}
