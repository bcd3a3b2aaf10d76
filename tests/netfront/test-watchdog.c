/* SPDX-License-Identifier: MIT */
/*
 * Lost wakeups on a vif (bug class 16), the netfront watchdog and the tx
 * timeout. Notifications are lost three ways: the mock drops the
 * frontend's tx kick (the backend sleeps with requests on the ring), the
 * mock drops the scripted backend's notification (responses sit on the
 * rings), and xf_netfront_lose_events() loses what reaches the frontend;
 * and a frontend arms rsp_event wrongly (event_index_bug) against a
 * backend that honours it. Without the watchdog traffic stalls, shown
 * by state (nothing completes, the ring and backlog fill, send() refuses,
 * the sim goes idle with no timer); with it every frame completes
 * exactly once and the recoveries are counted. Sim runs are
 * deterministic, so counts and virtual-time bounds are exact; the last
 * tests run in real mode, where only states are asserted: they wait
 * (bounded) for what must happen, then watch for a while for what must
 * not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawback.h"
#include "xt.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define NCOOKIE 1024

struct rec {
	unsigned int done[NCOOKIE];
	int status[NCOOKIE];
	unsigned int stray;          /* cookies out of range */
	unsigned int rx;
	unsigned int ndone;          /* tx_done calls, any cookie */
	/* Real mode: the callback that brings ndone / rx to this stops the
	 * runtime, so the test looks at once (0 = never). Set only between
	 * xf_rt_run() calls, when no vCPU thread exists. */
	unsigned int stop_done, stop_rx;
};

static struct nt_env env;
static struct rec rec[NT_MAX_VMS];
static struct rawback rb;
static struct nt_vm *vm;
static struct xf_netif_rx_request rq[256];
/* Real mode: any netfront state change stops the runtime. */
static bool stop_on_state;

static const char *const feat[] = { "feature-rx-copy=1", NULL };

static void rec_done(void *opaque, uint64_t cookie, int status)
{
	struct rec *r = opaque;

	r->ndone++;
	if (r->stop_done && r->ndone >= r->stop_done)
		xf_rt_stop(env.rt);
	if (cookie >= NCOOKIE) {
		r->stray++;
		return;
	}
	r->done[cookie]++;
	r->status[cookie] = status;
}

static void rec_rx(void *opaque, const struct xf_net_rx_frame *f)
{
	struct rec *r = opaque;

	(void)f;
	r->rx++;
	if (r->stop_rx && r->rx >= r->stop_rx)
		xf_rt_stop(env.rt);
}

static void rec_state(void *opaque, enum xf_netfront_state st)
{
	(void)opaque;
	(void)st;
	if (stop_on_state)
		xf_rt_stop(env.rt);
}

static const struct xf_netfront_ops rec_ops = {
	.tx_done = rec_done,
	.rx = rec_rx,
	.state = rec_state,
};

static struct nt_vm *vm_new(xf_domid domid, bool loopback)
{
	struct nt_vm *v = nt_vm_new(&env, domid, loopback);
	struct rec *r = &rec[env.nr_vms - 1];

	memset(r, 0, sizeof(*r));
	v->ncfg.ops = &rec_ops;
	v->ncfg.opaque = r;
	return v;
}

static struct rec *rec_of(const struct nt_vm *v)
{
	return &rec[v - env.vm];
}

/* Runs the runtime forward by ns (sim: stops early when idle). */
static void run_for(uint64_t ns)
{
	ck_assert_int_eq(xf_rt_run(env.rt, xf_rt_now_ns(env.rt) + ns), 0);
}

static struct xf_netfront_queue_info qinfo(const struct nt_vm *v)
{
	struct xf_netfront_queue_info qi;

	ck_assert_int_eq(xf_netfront_queue_info(v->nf, 0, &qi), 0);
	return qi;
}

static struct xf_netfront_stats nstats(const struct nt_vm *v)
{
	struct xf_netfront_stats st;

	xf_netfront_stats(v->nf, &st);
	return st;
}

/* Cookies first..first+n-1 each completed exactly once with status. */
static void assert_once(const struct rec *r, unsigned int first,
			unsigned int n, int status)
{
	for (unsigned int c = first; c < first + n; c++) {
		ck_assert_msg(r->done[c] == 1, "frame %u completed %u times",
			      c, r->done[c]);
		ck_assert_int_eq(r->status[c], status);
	}
	ck_assert_uint_eq(r->stray, 0);
}

static unsigned int total_done(const struct rec *r)
{
	unsigned int n = 0;

	for (unsigned int c = 0; c < NCOOKIE; c++)
		n += r->done[c];
	return n;
}

/* Nothing is armed: in sim the runtime stays idle, however long. */
static void assert_sim_idle(void)
{
	uint64_t runs = xf_rt_trace_len(env.rt);

	run_for(10 * SEC);
	ck_assert_uint_eq(xf_rt_trace_len(env.rt), runs);
}

static uint32_t frame(uint8_t *buf, const struct nt_vm *from,
		      const uint8_t *to_mac)
{
	return nt_udp_frame(buf, from->mac, to_mac, 64, 1);
}

/* Sends the same small frame with cookies first..last, all accepted. */
static void send_range(struct nt_vm *from, const uint8_t *to_mac,
		       unsigned int first, unsigned int last)
{
	uint8_t buf[256];
	uint32_t len = frame(buf, from, to_mac);

	for (unsigned int i = first; i <= last; i++)
		ck_assert_int_eq(nt_send(from, buf, len, 0, 0, i), 0);
}

/* vm 1 and vm 2, not loopback; configure them, then start them. */
static void pair_new(enum xf_rt_mode mode, struct nt_vm **a,
		     struct nt_vm **b)
{
	nt_env_init(&env, mode, NULL);
	*a = vm_new(1, false);
	*b = vm_new(2, false);
}

/* Sim: starts both and runs until dog, the one with the watchdog, is
 * connected. */
static void pair_connect(struct nt_vm *a, struct nt_vm *b,
			 const struct nt_vm *dog)
{
	nt_vm_start(a);
	nt_vm_start(b);
	run_for(100 * MS);
	ck_assert_int_eq(xf_netfront_state(dog->nf), XF_NETFRONT_CONNECTED);
}

/* ------------------------------------------------------------------ */
/* The frontend's tx kick dropped: the mock netback sleeps with requests
 * on the ring. */

START_TEST(tx_kick_dropped_stalls_without_watchdog)
{
	struct xf_netfront_queue_info qi;
	struct xf_netfront_stats st;
	struct xf_mock_stats ms;
	struct nt_vm *a, *b;
	uint8_t buf[256];
	unsigned int sent = 0, accepted;
	uint32_t len;
	int rc;

	pair_new(XF_RT_SIM, &a, &b);
	a->ncfg.tx_backlog_max = 64;
	nt_vm_start(a);
	nt_vm_start(b);
	nt_run(&env);
	qi = qinfo(a);
	ck_assert(qi.set_up);
	ck_assert(!qi.timer_armed);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(env.hv, a->domid, qi.port_tx,
						  1), 0);
	len = frame(buf, a, b->mac);
	/* Send until the device refuses: the ring fills, then the
	 * backlog, and then send() backs up with -EAGAIN. */
	do {
		accepted = 0;
		while ((rc = nt_send(a, buf, len, 0, 0, sent + 1)) == 0) {
			sent++;
			accepted++;
		}
		ck_assert_int_eq(rc, -EAGAIN);
		nt_run(&env);
		ck_assert_uint_lt(sent, NCOOKIE);
	} while (accepted);
	qi = qinfo(a);
	ck_assert_uint_eq(qi.tx_inflight, 256);
	ck_assert_uint_eq(qi.tx_backlog, 64);
	ck_assert_uint_eq(sent, 256 + 64);
	ck_assert_uint_eq(total_done(rec_of(a)), 0);
	ck_assert_uint_eq(rec_of(b)->rx, 0);
	xf_mock_stats(env.hv, a->domid, &ms);
	ck_assert_uint_eq(ms.evtchn_dropped, 1);
	/* Watchdog off: no timer, no check, the sim is idle. */
	ck_assert(!qi.timer_armed);
	st = nstats(a);
	ck_assert_uint_eq(st.watchdog_checks, 0);
	ck_assert_uint_eq(st.watchdog_recoveries, 0);
	ck_assert_uint_eq(st.tx_timeouts, 0);
	assert_sim_idle();
	ck_assert_uint_eq(total_done(rec_of(a)), 0);
	/* Backend gone (it unmaps), then the frontend: every frame still
	 * completes exactly once. */
	xf_nb_vif_free(a->vif);
	a->vif = NULL;
	xf_netfront_free(a->nf);
	a->nf = NULL;
	assert_once(rec_of(a), 1, sent, -ESHUTDOWN);
	nt_env_fini(&env);
}
END_TEST

START_TEST(tx_kick_dropped_recovered_by_watchdog)
{
	const uint64_t period = 10 * MS;
	struct xf_netfront_queue_info qi;
	struct xf_netfront_stats st;
	struct xf_mock_stats ms;
	struct nt_vm *a, *b;
	uint64_t t0, checks;
	unsigned int i;

	pair_new(XF_RT_SIM, &a, &b);
	a->ncfg.watchdog_period_ns = period;
	pair_connect(a, b, a);
	qi = qinfo(a);
	/* Connected with the watchdog on: the tick runs even when idle. */
	ck_assert(qi.timer_armed);
	ck_assert_uint_gt(qi.watchdog_checks, 0);
	ck_assert_uint_eq(qi.watchdog_recoveries, 0);
	/* The frontend's kick and the watchdog's first two re-kicks are
	 * lost: each costs one period. */
	ck_assert_int_eq(xf_mock_evtchn_drop_next(env.hv, a->domid, qi.port_tx,
						  3), 0);
	send_range(a, b->mac, 1, 300);
	t0 = xf_rt_now_ns(env.rt);
	for (i = 0; i < 100 && total_done(rec_of(a)) < 300; i++)
		run_for(period);
	assert_once(rec_of(a), 1, 300, 0);
	ck_assert_uint_eq(rec_of(b)->rx, 300);
	/* Stalled from the first period on; recovered within 3 periods
	 * after the stall is seen (a tick every period). */
	ck_assert_uint_le(xf_rt_now_ns(env.rt) - t0, 6 * period);
	xf_mock_stats(env.hv, a->domid, &ms);
	ck_assert_uint_eq(ms.evtchn_dropped, 3);
	st = nstats(a);
	ck_assert_uint_eq(st.watchdog_recoveries, 3);
	ck_assert_uint_eq(qinfo(a).watchdog_recoveries, 3);
	/* Traffic flows again: ticks go on checking, nothing to recover. */
	checks = st.watchdog_checks;
	send_range(a, b->mac, 301, 400);
	run_for(100 * MS);
	assert_once(rec_of(a), 1, 400, 0);
	st = nstats(a);
	ck_assert_uint_eq(st.watchdog_recoveries, 3);
	ck_assert_uint_gt(st.watchdog_checks, checks);
	/* Close: the timer goes with the connection, nothing is left. */
	ck_assert_int_eq(xf_netfront_close(a->nf), 0);
	run_for(100 * MS);
	ck_assert_int_eq(xf_netfront_state(a->nf), XF_NETFRONT_CLOSED);
	ck_assert(!qinfo(a).timer_armed);
	assert_sim_idle();
	assert_once(rec_of(a), 1, 400, 0);
	nt_env_fini(&env);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The receiver loses the backend's notification: frames sit on its rx
 * ring, and as rsp_event stays crossed no further notification comes. */

static void rx_lost(uint64_t period)
{
	struct xf_netfront_stats st;
	struct nt_vm *a, *b;
	uint64_t n0;

	pair_new(XF_RT_SIM, &a, &b);
	b->ncfg.watchdog_period_ns = period;
	pair_connect(a, b, b);
	ck_assert_int_eq(xf_netfront_lose_events(b->nf, 1000), 0);
	send_range(a, b->mac, 1, 20);
	run_for(period ? 3 * period : SEC);
	assert_once(rec_of(a), 1, 20, 0);
	st = nstats(b);
	ck_assert_uint_eq(st.events_lost, 1);
	if (!period) {
		ck_assert_uint_eq(rec_of(b)->rx, 0);
		ck_assert_uint_eq(st.rx_frames, 0);
		ck_assert(!qinfo(b).timer_armed);
		assert_sim_idle();
		ck_assert_uint_eq(rec_of(b)->rx, 0);
		nt_env_fini(&env);
		return;
	}
	ck_assert_uint_eq(rec_of(b)->rx, 20);
	ck_assert_uint_eq(st.watchdog_recoveries, 1);
	ck_assert_uint_eq(st.watchdog_responses, 20);
	/* The recovery re-armed rsp_event: later frames are announced. */
	ck_assert_int_eq(xf_netfront_lose_events(b->nf, 0), 0);
	n0 = qinfo(b).notify_received;
	send_range(a, b->mac, 21, 40);
	run_for(MS);
	ck_assert_uint_eq(rec_of(b)->rx, 40);
	ck_assert_uint_gt(qinfo(b).notify_received, n0);
	st = nstats(b);
	ck_assert_uint_eq(st.watchdog_recoveries, 1);
	ck_assert_uint_eq(st.events_lost, 1);
	nt_env_fini(&env);
}

START_TEST(rx_event_lost_stalls_without_watchdog)
{
	rx_lost(0);
}
END_TEST

START_TEST(rx_event_lost_recovered_by_watchdog)
{
	rx_lost(10 * MS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A scripted backend: its notification is dropped by the mock, or it
 * honours a wrongly armed rsp_event. */

static void rb_setup(uint64_t period, enum xf_ring_evidx_bug bug,
		     uint64_t tx_timeout)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = vm_new(1, true);
	vm->ncfg.watchdog_period_ns = period;
	vm->ncfg.event_index_bug = bug;
	vm->ncfg.tx_timeout_ns = tx_timeout;
	rb_init(&rb, vm, feat);
	nt_vm_start_front(vm);
	run_for(MS);
	rb_connect(&rb);
	run_for(MS);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(rb_rx_take(&rb, 0, rq, 256), 256);
}

static void rb_teardown(void)
{
	rb_fini(&rb);
	nt_env_fini(&env);
}

/* Clears the backend's pending events; returns how many ports were. */
static unsigned int rb_drain_events(void)
{
	struct xf_platform *p = env.dom0;
	unsigned int n = 0;
	int port;

	while ((port = p->evtchn->pending(rb.evh)) >= 0) {
		p->evtchn->unmask(rb.evh, (xf_port)port);
		n++;
	}
	return n;
}

/* Takes every tx request (single-slot frames) into ids[]. */
static unsigned int rb_take_ids(uint16_t *ids, unsigned int max)
{
	struct xf_netif_tx_request r[256];
	unsigned int n = rb_tx_take_reqs(&rb, 0, r, max);

	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(r[i].flags & XF_NETTXF_more_data, 0);
		ids[i] = r[i].id;
	}
	return n;
}

static void rb_rx_frame(unsigned int slot, const uint8_t *buf, uint32_t len)
{
	struct xf_netif_rx_response r = {
		.id = rq[slot].id, .offset = 0, .flags = 0,
		.status = (int16_t)len,
	};

	rb_rx_write(&rb, rq[slot].gref, 0, buf, (uint16_t)len);
	rb_rx_respond(&rb, 0, &r);
}

static void backend_notify_dropped(uint64_t period)
{
	const struct xf_sring_hdr *tx, *rx;
	struct xf_netfront_stats st;
	struct xf_mock_stats ms;
	uint16_t ids[8];
	uint8_t buf[256];
	uint32_t len;

	rb_setup(period, XF_RING_EVIDX_OK, 0);
	len = frame(buf, vm, vm->mac);
	send_range(vm, vm->mac, 1, 4);
	run_for(MS);
	ck_assert_uint_eq(rb_take_ids(ids, 8), 4);
	for (unsigned int i = 0; i < 4; i++)
		rb_tx_respond(&rb, 0, ids[i], XF_NETIF_RSP_OKAY);
	rb_rx_frame(0, buf, len);
	rb_rx_frame(1, buf, len);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(env.hv, 0, rb.q[0].ptx, 1),
			 0);
	rb_push(&rb, 0);
	run_for(period ? 3 * period : SEC);
	xf_mock_stats(env.hv, 0, &ms);
	ck_assert_uint_eq(ms.evtchn_dropped, 1);
	st = nstats(vm);
	if (!period) {
		ck_assert_uint_eq(total_done(rec_of(vm)), 0);
		ck_assert_uint_eq(rec_of(vm)->rx, 0);
		ck_assert_uint_eq(qinfo(vm).tx_inflight, 4);
		ck_assert_uint_eq(st.watchdog_checks, 0);
		ck_assert(!qinfo(vm).timer_armed);
		assert_sim_idle();
		ck_assert_uint_eq(total_done(rec_of(vm)), 0);
		rb_teardown();
		return;
	}
	assert_once(rec_of(vm), 1, 4, 0);
	ck_assert_uint_eq(rec_of(vm)->rx, 2);
	ck_assert_uint_eq(st.watchdog_recoveries, 1);
	ck_assert_uint_eq(st.watchdog_responses, 6);
	ck_assert_uint_eq(qinfo(vm).tx_inflight, 0);
	/* Consumed as an event would have: rsp_event re-armed one past
	 * what was consumed, on both rings. */
	tx = rb.q[0].tx.sring;
	rx = rb.q[0].rx.sring;
	ck_assert_uint_eq(xf_shm_read_once(&tx->rsp_event),
			  rb.q[0].tx.rsp_prod_pvt + 1);
	ck_assert_uint_eq(xf_shm_read_once(&rx->rsp_event),
			  rb.q[0].rx.rsp_prod_pvt + 1);
	rb_teardown();
}

START_TEST(backend_notify_dropped_stalls_without_watchdog)
{
	backend_notify_dropped(0);
}
END_TEST

START_TEST(backend_notify_dropped_recovered_by_watchdog)
{
	backend_notify_dropped(10 * MS);
}
END_TEST

/* A backend that notifies only when its push crosses rsp_event
 * (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY). */
static unsigned int serve_honouring_event(unsigned int *notified)
{
	uint16_t ids[8];
	unsigned int n = rb_take_ids(ids, 8);

	for (unsigned int i = 0; i < n; i++)
		rb_tx_respond(&rb, 0, ids[i], XF_NETIF_RSP_OKAY);
	if (n && xf_back_ring_push_responses(&rb.q[0].tx)) {
		env.dom0->evtchn->notify(rb.evh, rb.q[0].ptx);
		(*notified)++;
	}
	return n;
}

/* Three frames one after the other; each is answered once the frontend
 * has pushed it and gone quiet. */
static void event_index(enum xf_ring_evidx_bug bug, uint64_t period)
{
	unsigned int notified = 0;

	rb_setup(period, bug, 0);
	for (unsigned int i = 1; i <= 3; i++) {
		send_range(vm, vm->mac, i, i);
		run_for(MS);
		ck_assert_uint_eq(serve_honouring_event(&notified), 1);
		run_for(period ? 3 * period : SEC);
		if (bug == XF_RING_EVIDX_OK || period ||
		    (i == 1 && bug == XF_RING_EVIDX_STALE)) {
			/* STALE never writes rsp_event: the first response
			 * crosses its initial value of 1. AHEAD moved it a
			 * ring ahead at the first final check. */
			ck_assert_msg(rec_of(vm)->done[i] == 1,
				      "frame %u not completed", i);
		} else {
			ck_assert_msg(rec_of(vm)->done[i] == 0,
				      "frame %u completed without a wakeup",
				      i);
			/* ... but the previous one was found by this
			 * frame's send(), which polls the rings. */
			if (i > 1)
				ck_assert_uint_eq(rec_of(vm)->done[i - 1], 1);
		}
	}
	if (bug == XF_RING_EVIDX_OK) {
		ck_assert_uint_eq(notified, 3);
		ck_assert_uint_eq(nstats(vm).watchdog_recoveries, 0);
	} else if (bug == XF_RING_EVIDX_STALE) {
		ck_assert_uint_eq(notified, 1);
		ck_assert_uint_eq(nstats(vm).watchdog_recoveries,
				  period ? 2 : 0);
	} else {
		ck_assert_uint_eq(notified, 0);
		ck_assert_uint_eq(nstats(vm).watchdog_recoveries,
				  period ? 3 : 0);
	}
	if (period)
		assert_once(rec_of(vm), 1, 3, 0);
	rb_teardown();
}

START_TEST(event_index_ok)
{
	event_index(XF_RING_EVIDX_OK, 0);
}
END_TEST

START_TEST(event_index_ok_watchdog_idle)
{
	event_index(XF_RING_EVIDX_OK, 10 * MS);
}
END_TEST

START_TEST(stale_rsp_event_stalls)
{
	event_index(XF_RING_EVIDX_STALE, 0);
}
END_TEST

START_TEST(stale_rsp_event_recovered_by_watchdog)
{
	event_index(XF_RING_EVIDX_STALE, 10 * MS);
}
END_TEST

START_TEST(ahead_rsp_event_stalls)
{
	event_index(XF_RING_EVIDX_AHEAD, 0);
}
END_TEST

START_TEST(ahead_rsp_event_recovered_by_watchdog)
{
	event_index(XF_RING_EVIDX_AHEAD, 10 * MS);
}
END_TEST

/* ------------------------------------------------------------------ */
/* TX timeout: slots unanswered too long re-kick the backend; the frames
 * are not failed and complete once when answered. */

START_TEST(tx_timeout_kicks_and_completes_once)
{
	struct xf_netfront_stats st;
	uint16_t ids[8];

	rb_setup(0, XF_RING_EVIDX_OK, SEC);
	send_range(vm, vm->mac, 1, 3);
	run_for(MS);
	ck_assert_uint_eq(rb_take_ids(ids, 8), 3);
	ck_assert_uint_ge(rb_drain_events(), 1);
	ck_assert(qinfo(vm).timer_armed);
	run_for(500 * MS);
	ck_assert_uint_eq(nstats(vm).tx_timeouts, 0);
	ck_assert_uint_eq(rb_drain_events(), 0);
	run_for(SEC);
	st = nstats(vm);
	ck_assert_uint_eq(st.tx_timeouts, 1);
	ck_assert_uint_eq(st.tx_timeout_slots, 3);
	/* The backend was notified again; nothing was failed. */
	ck_assert_uint_eq(rb_drain_events(), 1);
	ck_assert_uint_eq(total_done(rec_of(vm)), 0);
	ck_assert_uint_eq(qinfo(vm).tx_inflight, 3);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	/* Still unanswered: timed again from the first expiry. */
	run_for(SEC);
	ck_assert_uint_eq(nstats(vm).tx_timeouts, 2);
	ck_assert_uint_eq(qinfo(vm).tx_timeouts, 2);
	ck_assert_uint_eq(rb_drain_events(), 1);
	/* Answered at last: each completes once, the timer goes. */
	for (unsigned int i = 0; i < 3; i++)
		rb_tx_respond(&rb, 0, ids[i], XF_NETIF_RSP_OKAY);
	rb_push(&rb, 0);
	run_for(MS);
	assert_once(rec_of(vm), 1, 3, 0);
	ck_assert(!qinfo(vm).timer_armed);
	assert_sim_idle();
	ck_assert_uint_eq(nstats(vm).tx_timeouts, 2);
	assert_once(rec_of(vm), 1, 3, 0);
	rb_teardown();
}
END_TEST

START_TEST(bad_config_and_queue)
{
	struct xf_netfront_queue_info qi;
	struct xf_netfront *nf = NULL;
	struct nt_vm *a;

	nt_env_init(&env, XF_RT_SIM, NULL);
	a = vm_new(1, true);
	a->ncfg.event_index_bug = (enum xf_ring_evidx_bug)7;
	ck_assert_int_eq(xf_netfront_new(&a->ncfg, &nf), -EINVAL);
	ck_assert_ptr_null(nf);
	a->ncfg.event_index_bug = XF_RING_EVIDX_OK;
	nt_vm_start(a);
	ck_assert_int_eq(xf_netfront_queue_info(a->nf, 1, &qi), -EINVAL);
	ck_assert_int_eq(xf_netfront_lose_events(NULL, 1), -EINVAL);
	nt_env_fini(&env);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Real mode: threads and the wall clock. No timing is asserted: without
 * the watchdog nothing can ever deliver the frames; with it they all
 * arrive eventually. What must happen is waited for with a generous
 * bound (a loaded machine may take long), ending as soon as the
 * callbacks that change the condition stop the runtime; only then is
 * "nothing else arrives" watched for a fixed while. */

/* Runs until cond() holds or max_ns passed. cond() is looked at
 * between runs (no vCPU thread then): at once when a callback stopped
 * the runtime, else every 20 ms for what no callback reports. */
static void run_until(bool (*cond)(void), uint64_t max_ns)
{
	uint64_t now = xf_rt_now_ns(env.rt), end = now + max_ns;

	while (!cond() && now < end) {
		uint64_t until = end - now > 20 * MS ? now + 20 * MS : end;

		ck_assert_int_eq(xf_rt_run(env.rt, until), 0);
		now = xf_rt_now_ns(env.rt);
	}
}

/* Runs for the whole of ns, whatever stops the runtime meanwhile. */
static void run_whole(uint64_t ns)
{
	uint64_t end = xf_rt_now_ns(env.rt) + ns;

	while (xf_rt_now_ns(env.rt) < end)
		ck_assert_int_eq(xf_rt_run(env.rt, end), 0);
}

static struct nt_vm *ra, *rbm;

static bool both_connected(void)
{
	return xf_netfront_state(ra->nf) == XF_NETFRONT_CONNECTED &&
	       xf_netfront_state(rbm->nf) == XF_NETFRONT_CONNECTED;
}

static bool ra_tx_done(void)
{
	return rec_of(ra)->ndone >= 50;
}

/* With the watchdog: everything arrived, and the notification that
 * announced it was lost on the way (counted in the run that found it,
 * which may come after the watchdog's poll delivered the frames). */
static bool all_sent_done(void)
{
	return ra_tx_done() && rec_of(rbm)->rx >= 50 &&
	       nstats(rbm).events_lost >= 1;
}

/* rbm's backend put all 50 frames on its rx ring, and the notification
 * for them reached rbm and was lost. */
static bool rx_ring_filled_unannounced(void)
{
	struct xf_nb_vif_stats vs;

	xf_nb_vif_stats(rbm->vif, &vs);
	return vs.rx_frames >= 50 && nstats(rbm).events_lost >= 1;
}

/* rate: ra's backend answers at most that many frames a second (0:
 * unlimited), as a loaded machine might: the waits must not assume
 * ra's completions come within any fixed time. */
static void real_rx_lost(uint64_t period, uint64_t rate)
{
	pair_new(XF_RT_REAL, &ra, &rbm);
	rbm->ncfg.watchdog_period_ns = period;
	ra->vcfg.rate_frames_per_s = rate;
	nt_vm_start(ra);
	nt_vm_start(rbm);
	stop_on_state = true;
	run_until(both_connected, 20 * SEC);
	stop_on_state = false;
	ck_assert(both_connected());
	ck_assert_int_eq(xf_netfront_lose_events(rbm->nf, 1000000000), 0);
	send_range(ra, rbm->mac, 1, 50);
	/* ra's side does not depend on rbm's wakeups: all 50 complete,
	 * however slowly. With the watchdog rbm receives them all. */
	rec_of(ra)->stop_done = 50;
	rec_of(rbm)->stop_rx = period ? 50 : 0;
	run_until(period ? all_sent_done : ra_tx_done, 20 * SEC);
	rec_of(ra)->stop_done = 0;
	rec_of(rbm)->stop_rx = 0;
	assert_once(rec_of(ra), 1, 50, 0);
	ck_assert_uint_eq(rec_of(ra)->ndone, 50);
	if (period) {
		ck_assert(all_sent_done());
		ck_assert_uint_eq(rec_of(rbm)->rx, 50);
		ck_assert_uint_ge(nstats(rbm).watchdog_recoveries, 1);
	} else {
		/* The frames sit on rbm's rx ring and nothing announces
		 * them: none arrives in a further while. */
		run_until(rx_ring_filled_unannounced, 20 * SEC);
		ck_assert(rx_ring_filled_unannounced());
		run_whole(300 * MS);
		ck_assert_uint_eq(rec_of(rbm)->rx, 0);
		ck_assert_uint_eq(nstats(rbm).rx_frames, 0);
	}
	ck_assert_uint_eq(rec_of(ra)->ndone, 50);
	nt_env_fini(&env);
}

START_TEST(real_rx_lost_stalls_without_watchdog)
{
	real_rx_lost(0, 0);
}
END_TEST

START_TEST(real_rx_lost_recovered_by_watchdog)
{
	real_rx_lost(5 * MS, 0);
}
END_TEST

/* ra's 50 completions take half a second (100 frames/s). */
START_TEST(real_rx_lost_slow_backend)
{
	real_rx_lost(_i ? 5 * MS : 0, 100);
}
END_TEST

XT_SUITE("netfront-watchdog")
{
	TCase *tc = xt_tcase("lost-wakeups");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tx_kick_dropped_stalls_without_watchdog);
	tcase_add_test(tc, tx_kick_dropped_recovered_by_watchdog);
	tcase_add_test(tc, rx_event_lost_stalls_without_watchdog);
	tcase_add_test(tc, rx_event_lost_recovered_by_watchdog);
	tcase_add_test(tc, backend_notify_dropped_stalls_without_watchdog);
	tcase_add_test(tc, backend_notify_dropped_recovered_by_watchdog);
	tcase_add_test(tc, event_index_ok);
	tcase_add_test(tc, event_index_ok_watchdog_idle);
	tcase_add_test(tc, stale_rsp_event_stalls);
	tcase_add_test(tc, stale_rsp_event_recovered_by_watchdog);
	tcase_add_test(tc, ahead_rsp_event_stalls);
	tcase_add_test(tc, ahead_rsp_event_recovered_by_watchdog);
	tcase_add_test(tc, tx_timeout_kicks_and_completes_once);
	tcase_add_test(tc, bad_config_and_queue);
	tcase_add_test(tc, real_rx_lost_stalls_without_watchdog);
	tcase_add_test(tc, real_rx_lost_recovered_by_watchdog);
	tcase_add_loop_test(tc, real_rx_lost_slow_backend, 0, 2);
}
