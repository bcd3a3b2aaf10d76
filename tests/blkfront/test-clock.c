/* SPDX-License-Identifier: MIT */
/*
 * Guest clock jumps: a wall-clock step (xf_rt_step_wall_clock) during
 * connect, reconnect and I/O. With the default monotonic timeout clock
 * nothing happens; with timeout_clock = XF_CLOCK_WALL (the deliberately
 * broken variant) a forward step gives a spurious timeout or watchdog
 * recovery and a backward step postpones a real one. Deterministic sim
 * runs against the scripted backend.
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
#define HOUR (3600ull * SEC)

static struct sb sb;


static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 1, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void front(enum xf_rt_clock clock, uint64_t connect_timeout,
		  uint64_t wd_period)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	cfg.connect_timeout_ns = connect_timeout;
	cfg.initwait_grace_ns = UINT64_MAX; /* wait for InitWait */
	cfg.timeout_clock = clock;
	cfg.watchdog_period_ns = wd_period;
	sb_start(&sb, &cfg);
}

static void backend_up(void)
{
	sb_connect(&sb, SB_DISK_BYTES / 512, 512);
}

/* Submits a 4 KiB I/O of buf at off, completing into d. */
static void submit(struct xf_blkfront_io *io, enum xf_blkfront_op op,
		   void *buf, uint64_t off, struct xt_done *d)
{
	xt_blk_io(io, op, off, 4096, buf, d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, io), 0);
}

/* The I/O completed once: fine, or failed by the connect timeout, which
 * fired once. */
static void expect_done(struct xt_done *d, bool timed_out)
{
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_TIMEOUT], timed_out);
	xt_blk_expect_once(d, 1, timed_out ? -ENODEV : 0);
}

static enum xf_blkfront_state fstate(void)
{
	struct xf_blkfront_info info;

	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	return info.state;
}

/* Every test runs once per timeout clock (its loop index): the default
 * monotonic one, then the broken wall-clock variant. */
static const enum xf_rt_clock clocks[] = { XF_CLOCK_MONOTONIC,
					   XF_CLOCK_WALL };
#define NCLOCKS ((int)(sizeof(clocks) / sizeof(clocks[0])))

/* The backend comes up 2 s after the frontend started; the guest's
 * clock is stepped an hour forward in between. */
START_TEST(connect_step_forward)
{
	const enum xf_rt_clock clock = clocks[_i];
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0 };

	front(clock, 10 * SEC, 0);
	memset(sb.disk, 0x33, 4096);
	submit(&io, XF_BLKFRONT_READ, buf, 0, &d);
	sb_run_for(&sb, 1 * SEC);
	xf_rt_step_wall_clock(sb.rt, (int64_t)HOUR);
	sb_run_for(&sb, 1 * SEC);
	ck_assert_uint_eq(xf_rt_now_ns(sb.rt) < 10 * SEC, 1);
	backend_up();
	sb_serve_all(&sb);
	sb_run_for(&sb, 10 * MS);
	/* Broken variant: the connect timed out 8 s early. */
	expect_done(&d, clock != XF_CLOCK_MONOTONIC);
	if (clock == XF_CLOCK_MONOTONIC)
		ck_assert_int_eq(buf[0], 0x33);
}
END_TEST

/* The backend never comes; a 2 s connect timeout; the guest's clock
 * is stepped 10 s back just after the start. */
START_TEST(connect_step_backward)
{
	const enum xf_rt_clock clock = clocks[_i];
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0 };

	front(clock, 2 * SEC, 0);
	submit(&io, XF_BLKFRONT_READ, buf, 0, &d);
	xf_rt_step_wall_clock(sb.rt, -10 * (int64_t)SEC);
	xf_rt_run(sb.rt, 3 * SEC);
	if (clock == XF_CLOCK_MONOTONIC) {
		expect_done(&d, true);
		ck_assert_int_eq(fstate(), XF_BLKFRONT_GONE);
		return;
	}
	/* Broken variant: the timeout comes 10 s late; I/O hangs. */
	xf_rt_run(sb.rt, 11 * SEC + 500 * MS);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_TIMEOUT], 0);
	ck_assert_int_eq(d.calls, 0);
	xf_rt_run(sb.rt, 12 * SEC + 500 * MS);
	expect_done(&d, true);
}
END_TEST

/* The backend restarts with a write in flight; the clock is stepped
 * forward while the frontend waits for it. */
START_TEST(reconnect_step_forward)
{
	const enum xf_rt_clock clock = clocks[_i];
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0 };

	front(clock, 0, 0); /* default 30 s */
	backend_up();
	memset(buf, 0x77, sizeof(buf));
	submit(&io, XF_BLKFRONT_WRITE, buf, 8192, &d);
	sb_run(&sb);
	sb_state(&sb, XF_XENBUS_CLOSING);
	sb_run(&sb);
	ck_assert_int_eq(fstate(), XF_BLKFRONT_RECONNECTING);
	xf_rt_step_wall_clock(sb.rt, (int64_t)HOUR);
	sb_run_for(&sb, 500 * MS);
	sb_backend_closed(&sb);
	sb_state(&sb, XF_XENBUS_INITIALISING);
	sb_run(&sb);
	backend_up();
	for (int i = 0; i < 5 && !d.calls; i++) {
		sb_serve_all(&sb);
		sb_run(&sb);
	}
	expect_done(&d, clock != XF_CLOCK_MONOTONIC);
	if (clock == XF_CLOCK_MONOTONIC)
		ck_assert_mem_eq(sb.disk + 8192, buf, 4096);
}
END_TEST

/* Steady I/O, a response every 300 ms, always something in flight, a
 * 1 s watchdog; the clock is stepped forward (or back) mid-stream. */
static uint64_t io_stream_step(enum xf_rt_clock clock, int64_t step)
{
	enum { N = 12 };
	static uint8_t buf[N][4096];
	struct xf_blkfront_io io[N];
	struct xt_done d[N];
	struct xf_blkfront_queue_stats st;
	unsigned int next = 0;

	memset(d, 0, sizeof(d));
	front(clock, 0, 1 * SEC);
	backend_up();
	for (; next < 2; next++) {
		submit(&io[next], XF_BLKFRONT_READ, buf[next], next * 4096ull,
		       &d[next]);
	}
	for (unsigned int k = 0; k < N; k++) {
		struct xf_blkif_req req;

		sb_run_for(&sb, 300 * MS);
		ck_assert_int_eq(sb_pop(&sb, 0, &req), 0);
		ck_assert_int_eq(sb_do_io(&sb, &req), 0);
		sb_respond(&sb, 0, req.id, req.operation, XF_BLKIF_RSP_OKAY);
		if (next < N) {
			submit(&io[next], XF_BLKFRONT_READ, buf[next],
			       next * 4096ull, &d[next]);
			next++;
		}
		if (k == 5) {
			/* Right after a response was consumed, before the
			 * next watchdog tick. */
			sb_run_for(&sb, MS);
			xf_rt_step_wall_clock(sb.rt, step);
		}
	}
	sb_run_for(&sb, MS);
	xt_blk_expect_once(d, N, 0);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_TIMEOUT], 0);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &st), 0);
	ck_assert_uint_ge(st.watchdog_checks, 2);
	return st.watchdog_recoveries;
}

START_TEST(io_step_forward)
{
	/* With the wall clock, one spurious recovery: the first tick after
	 * the step. */
	ck_assert_uint_eq(io_stream_step(clocks[_i], (int64_t)HOUR),
			  clocks[_i] == XF_CLOCK_WALL ? 1 : 0);
}
END_TEST

START_TEST(io_step_backward)
{
	ck_assert_uint_eq(io_stream_step(clocks[_i], -(int64_t)HOUR), 0);
}
END_TEST

/* A backward step, then the backend stops answering: the monotonic
 * watchdog re-kicks within two periods; the wall-clock one stays blind
 * for as long as the step. */
START_TEST(stall_after_backward_step)
{
	const enum xf_rt_clock clock = clocks[_i];
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0 };
	struct xf_blkfront_queue_stats st;

	front(clock, 0, 1 * SEC);
	backend_up();
	submit(&io, XF_BLKFRONT_READ, buf, 0, &d);
	sb_run_for(&sb, MS);
	xf_rt_step_wall_clock(sb.rt, -(int64_t)HOUR);
	for (unsigned int i = 0; i < 10; i++)
		sb_run_for(&sb, SEC);
	ck_assert_int_eq(d.calls, 0);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &st), 0);
	ck_assert_uint_ge(st.watchdog_checks, 9);
	/* The io lives on this stack: free() completes it. */
	xf_blkfront_free(sb.bf);
	sb.bf = NULL;
	ck_assert_int_eq(d.calls, 1);
	if (clock == XF_CLOCK_MONOTONIC)
		ck_assert_uint_ge(st.watchdog_recoveries, 9);
	else
		ck_assert_uint_eq(st.watchdog_recoveries, 0);
}
END_TEST

XT_SUITE("blkfront-clock")
{
	TCase *tc = xt_tcase_fixture("clock", setup, teardown, 60);

	tcase_add_loop_test(tc, connect_step_forward, 0, NCLOCKS);
	tcase_add_loop_test(tc, connect_step_backward, 0, NCLOCKS);
	tcase_add_loop_test(tc, reconnect_step_forward, 0, NCLOCKS);
	tcase_add_loop_test(tc, io_step_forward, 0, NCLOCKS);
	tcase_add_loop_test(tc, io_step_backward, 0, NCLOCKS);
	tcase_add_loop_test(tc, stall_after_backward_step, 0, NCLOCKS);
}
