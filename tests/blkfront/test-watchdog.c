/* SPDX-License-Identifier: MIT */
/*
 * Lost wakeups and the watchdog (bug class: lost wakeups, as xenvbd's
 * watchdog handles them). Response notifications dropped by the event
 * channel, and a frontend that arms rsp_event wrongly
 * (event_index_bug): with the watchdog off the I/O stalls for as long
 * as we run; with it on every I/O completes and recoveries are
 * counted. Deterministic sim runs against the scripted backend.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"
#include "xt.h"
#include "xt-blk.h"

#define MS 1000000ull
#define SEC 1000000000ull

static struct sb sb;


static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 1, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void connect_front(uint64_t wd_period,
			  enum xf_ring_evidx_bug bug)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	cfg.watchdog_period_ns = wd_period;
	cfg.event_index_bug = bug;
	sb_start(&sb, &cfg);
	sb_connect(&sb, SB_DISK_BYTES / 512, 512);
}

/* A 4 KiB read into buf from off. */
static void mkread(struct xf_blkfront_io *io, void *buf, uint64_t off,
		   struct xt_done *d)
{
	xt_blk_io(io, XF_BLKFRONT_READ, off, 4096, buf, d);
}

static struct xf_blkfront_queue_stats qstats(void)
{
	struct xf_blkfront_queue_stats st;

	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &st), 0);
	return st;
}

/* A backend that honours rsp_event: notifies only when the push
 * crosses it (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY). Returns the
 * number of requests answered; *notified counts notifications sent. */
static unsigned int serve_honouring_event(unsigned int *notified)
{
	struct sb_queue *q = &sb.q[0];
	struct xf_blkif_req req;
	unsigned int n = 0;

	while (sb_pop(&sb, 0, &req) == 0) {
		struct xf_blkif_rsp rsp = { .id = req.id,
					    .operation = req.operation };
		void *slot = xf_ring_slot(q->br.sring, q->br.nr_ents,
					  q->br.slot_size,
					  q->br.rsp_prod_pvt);

		rsp.status = sb_do_io(&sb, &req) ? XF_BLKIF_RSP_ERROR
						 : XF_BLKIF_RSP_OKAY;
		xf_blkif_encode_rsp(sb.abi, slot, &rsp);
		q->br.rsp_prod_pvt++;
		n++;
	}
	if (n && xf_back_ring_push_responses(&q->br)) {
		sb.dom0->evtchn->notify(sb.evh, q->lport);
		(*notified)++;
	}
	return n;
}

/* Every response notification dropped. */
static void dropped_notifications(uint64_t wd_period)
{
	static uint8_t buf[4][4096];
	struct xf_blkfront_io io[4];
	struct xt_done d[4];
	struct xf_blkfront_queue_stats st;
	struct xf_mock_stats ms;

	memset(d, 0, sizeof(d));
	connect_front(wd_period, XF_RING_EVIDX_OK);
	memset(sb.disk, 0x5a, 4 * 4096);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(sb.hv, SB_BE_DOMID,
						  sb.q[0].lport, 1000), 0);
	for (unsigned int i = 0; i < 4; i++) {
		mkread(&io[i], buf[i], i * 4096ull, &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run_for(&sb, MS);
	ck_assert_uint_eq(sb_serve_all(&sb), 4);
	/* Ten seconds of guest time: the responses sit on the ring. */
	for (unsigned int s = 0; s < 10; s++)
		sb_run_for(&sb, SEC);
	xf_mock_stats(sb.hv, SB_BE_DOMID, &ms);
	ck_assert_uint_eq(ms.evtchn_dropped, 4);
	st = qstats();
	if (!wd_period) {
		for (unsigned int i = 0; i < 4; i++)
			ck_assert_int_eq(d[i].calls, 0);
		ck_assert_uint_eq(st.responses, 0);
		ck_assert_uint_eq(st.watchdog_recoveries, 0);
		ck_assert_uint_eq(st.notify_received, 0);
		/* The ios live on this stack: free() completes them. */
		xf_blkfront_free(sb.bf);
		sb.bf = NULL;
		for (unsigned int i = 0; i < 4; i++)
			ck_assert_int_eq(d[i].calls, 1);
		return;
	}
	for (unsigned int i = 0; i < 4; i++) {
		xt_blk_expect_once(&d[i], 1, 0);
		ck_assert_int_eq(buf[i][0], 0x5a);
	}
	ck_assert_uint_eq(st.responses, 4);
	ck_assert_uint_ge(st.watchdog_recoveries, 1);
	ck_assert_uint_eq(st.watchdog_responses, 4);
	ck_assert_uint_eq(st.notify_received, 0);
	/* Idle again: the watchdog disarmed, so the sim goes idle. */
	uint64_t before = xf_rt_trace_len(sb.rt);

	sb_run_for(&sb, 10 * SEC);
	ck_assert_uint_eq(xf_rt_trace_len(sb.rt), before);
}

START_TEST(dropped_notify_stalls_without_watchdog)
{
	dropped_notifications(0);
}
END_TEST

START_TEST(dropped_notify_recovered_by_watchdog)
{
	dropped_notifications(1 * SEC);
}
END_TEST

/* Three sequential I/Os against a backend that honours rsp_event. */
static void event_index(enum xf_ring_evidx_bug bug, uint64_t wd)
{
	static uint8_t buf[3][4096];
	struct xf_blkfront_io io[3];
	struct xt_done d[3];
	struct xf_blkfront_queue_stats st;
	unsigned int notified = 0;

	memset(d, 0, sizeof(d));
	connect_front(wd, bug);
	for (unsigned int i = 0; i < 3; i++) {
		mkread(&io[i], buf[i], i * 4096ull, &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
		sb_run_for(&sb, MS);
		ck_assert_uint_eq(serve_honouring_event(&notified), 1);
		for (unsigned int s = 0; s < 5 && !d[i].calls; s++)
			sb_run_for(&sb, SEC);
		if (bug == XF_RING_EVIDX_OK || wd ||
		    (i == 0 && bug == XF_RING_EVIDX_STALE)) {
			/* STALE never writes rsp_event: the first response
			 * crosses its initial value of 1. AHEAD moved it a
			 * ring ahead at the first final check. */
			xt_blk_expect_once(&d[i], 1, 0);
		} else {
			/* Stalled: no notification, nothing consumed. */
			ck_assert_int_eq(d[i].calls, 0);
			st = qstats();
			ck_assert_uint_eq(st.responses, i);
			ck_assert_uint_eq(notified,
					  bug == XF_RING_EVIDX_STALE);
			ck_assert_uint_eq(st.watchdog_recoveries, 0);
			xf_blkfront_free(sb.bf);
			sb.bf = NULL;
			xt_blk_expect_once(&d[i], 1, -ENODEV);
			return;
		}
	}
	st = qstats();
	ck_assert_uint_eq(st.responses, 3);
	if (bug == XF_RING_EVIDX_OK) {
		ck_assert_uint_eq(notified, 3);
		ck_assert_uint_eq(st.watchdog_recoveries, 0);
		ck_assert_uint_eq(st.watchdog_responses, 0);
	} else {
		unsigned int lost = bug == XF_RING_EVIDX_STALE ? 2 : 3;

		ck_assert_uint_eq(notified, 3 - lost);
		ck_assert_uint_eq(st.watchdog_recoveries, lost);
		ck_assert_uint_eq(st.watchdog_responses, lost);
	}
}

START_TEST(evidx_ok_with_watchdog_no_recoveries)
{
	event_index(XF_RING_EVIDX_OK, 1 * SEC);
}
END_TEST

START_TEST(evidx_stale_stalls)
{
	event_index(XF_RING_EVIDX_STALE, 0);
}
END_TEST

START_TEST(evidx_stale_recovered)
{
	event_index(XF_RING_EVIDX_STALE, 1 * SEC);
}
END_TEST

START_TEST(evidx_ahead_stalls)
{
	event_index(XF_RING_EVIDX_AHEAD, 0);
}
END_TEST

START_TEST(evidx_ahead_recovered)
{
	event_index(XF_RING_EVIDX_AHEAD, 1 * SEC);
}
END_TEST

/* A backend slower than the period: the watchdog re-kicks it, counts
 * the recovery, and nothing completes twice. */
START_TEST(slow_backend_rekicked_once_per_period)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0 };
	struct xf_blkfront_queue_stats st;
	struct xf_mock_stats before, after;

	connect_front(1 * SEC, XF_RING_EVIDX_OK);
	mkread(&io, buf, 0, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	xf_mock_stats(sb.hv, SB_FE_DOMID, &before);
	sb_run_for(&sb, MS);
	/* 2.5 s without an answer: two periods passed. */
	for (unsigned int i = 0; i < 10; i++)
		sb_run_for(&sb, 250 * MS);
	xf_mock_stats(sb.hv, SB_FE_DOMID, &after);
	st = qstats();
	ck_assert_uint_eq(st.watchdog_recoveries, 2);
	ck_assert_uint_eq(st.watchdog_responses, 0);
	ck_assert_uint_ge(after.evtchn_notifies - before.evtchn_notifies, 2);
	ck_assert_int_eq(d.calls, 0);
	ck_assert_uint_eq(sb_serve_all(&sb), 1);
	sb_run_for(&sb, MS);
	xt_blk_expect_once(&d, 1, 0);
	/* Only one request was ever on the ring. */
	ck_assert_uint_eq(qstats().requests, 1);
}
END_TEST

START_TEST(bad_knob_values_rejected)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	ck_assert_int_eq(cfg.timeout_clock, XF_CLOCK_MONOTONIC);
	ck_assert_int_eq(cfg.event_index_bug, XF_RING_EVIDX_OK);
	ck_assert_uint_eq(cfg.watchdog_period_ns, 0);
	sb_front_config(&sb, &cfg);
	cfg.timeout_clock = (enum xf_rt_clock)7;
	sb_expect_refused(&cfg);
	cfg.timeout_clock = XF_CLOCK_MONOTONIC;
	cfg.event_index_bug = (enum xf_ring_evidx_bug)9;
	sb_expect_refused(&cfg);
}
END_TEST

XT_SUITE("blkfront-watchdog")
{
	TCase *tc = xt_tcase_fixture("watchdog", setup, teardown, 60);

	tcase_add_test(tc, dropped_notify_stalls_without_watchdog);
	tcase_add_test(tc, dropped_notify_recovered_by_watchdog);
	tcase_add_test(tc, evidx_ok_with_watchdog_no_recoveries);
	tcase_add_test(tc, evidx_stale_stalls);
	tcase_add_test(tc, evidx_stale_recovered);
	tcase_add_test(tc, evidx_ahead_stalls);
	tcase_add_test(tc, evidx_ahead_recovered);
	tcase_add_test(tc, slow_backend_rekicked_once_per_period);
	tcase_add_test(tc, bad_knob_values_rejected);
}
