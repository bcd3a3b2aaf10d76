/* SPDX-License-Identifier: MIT */
/* blkfront's part of the xenbus dance against a scripted backend: a
 * backend found Connected or Closing at the start is closed first, and
 * the close cycle (xf_blkfront_close_cycle / xf_blkfront_reopen) walks
 * Closing, Closed and Initialising in step with the backend, holding
 * its I/O for the next connection. */
#include <errno.h>
#include <string.h>

#include "sb.h"
#include "xt.h"

static struct sb sb;

static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 2, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void start(void)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	sb_start(&sb, &cfg);
}

static unsigned int connects(void)
{
	struct xf_blkfront_info info;

	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	return info.connects;
}

/* The backend follows the closing frontend (Closing: the frontend
 * writes Closed; Closed: it asks again with Initialising). */
static void backend_closes(void)
{
	sb_state(&sb, XF_XENBUS_CLOSING);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
	sb_state(&sb, XF_XENBUS_CLOSED);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
}

START_TEST(backend_connected_at_start_is_closed_first)
{
	/* Connected before the frontend ran: disk published, no ring. */
	sb_disk_props(&sb, 2048, 512);
	sb_state(&sb, XF_XENBUS_CONNECTED);
	start();
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSING);
	ck_assert_uint_eq(connects(), 0);
	backend_closes();
	sb_connect(&sb, 2048, 512);
	ck_assert_uint_eq(connects(), 1);
}
END_TEST

START_TEST(backend_closing_at_start_is_closed_first)
{
	sb_state(&sb, XF_XENBUS_CLOSING);
	start();
	/* Closing answered at once: the frontend is Closed, waiting for the
	 * backend's Closed before it asks again. */
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
	sb_state(&sb, XF_XENBUS_CLOSED);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
	sb_connect(&sb, 2048, 512);
	ck_assert_uint_eq(connects(), 1);
}
END_TEST

START_TEST(close_cycle_before_connect_holds_io)
{
	struct xf_blkfront_io io;
	char buf[4096];
	struct xt_done d = { 0, 0 };

	start();
	sb_initwait(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISED);
	memset(buf, 'x', sizeof(buf));
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	ck_assert_int_eq(xf_blkfront_close_cycle(sb.bf), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSING);
	/* Reopen asked for while the backend has not closed: nothing is
	 * written before its Closed (Linux blkback ignores Initialising
	 * unless Closed). */
	ck_assert_int_eq(xf_blkfront_reopen(sb.bf), 0);
	backend_closes();
	ck_assert_int_eq(d.calls, 0);
	sb_connect(&sb, 2048, 512);
	ck_assert_uint_eq(sb_serve_all(&sb), 1);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
	ck_assert_int_eq(sb.disk[17], 'x');
	ck_assert_uint_eq(connects(), 1);
}
END_TEST

START_TEST(close_cycle_connected_reissues_in_flight)
{
	struct xf_blkfront_io io;
	struct xf_blkif_req req;
	char buf[4096];
	struct xt_done d = { 0, 0 };

	start();
	sb_connect(&sb, 2048, 512);
	memset(buf, 'y', sizeof(buf));
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 4096, sizeof(buf), buf, &d);
	sb_submit_pop(&sb, &io, &req);
	ck_assert_int_eq(xf_blkfront_close_cycle(sb.bf), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSING);
	sb_state(&sb, XF_XENBUS_CLOSING);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
	sb_backend_closed(&sb);
	/* Parked until reopened. */
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
	ck_assert_int_eq(d.calls, 0);
	ck_assert_int_eq(xf_blkfront_reopen(sb.bf), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
	sb_connect(&sb, 2048, 512);
	/* The request taken back is sent once more, and completes once. */
	ck_assert_uint_eq(sb_serve_all(&sb), 1);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
	ck_assert_int_eq(sb.disk[4096 + 17], 'y');
	ck_assert_uint_eq(connects(), 2);
}
END_TEST

START_TEST(reopen_without_cycle_does_nothing)
{
	start();
	sb_connect(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_reopen(sb.bf), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(xf_blkfront_close_cycle(NULL), -EINVAL);
}
END_TEST

XT_SUITE("blkfront-dance")
{
	TCase *tc = xt_tcase_fixture("dance", setup, teardown, 60);

	tcase_add_test(tc, backend_connected_at_start_is_closed_first);
	tcase_add_test(tc, backend_closing_at_start_is_closed_first);
	tcase_add_test(tc, close_cycle_before_connect_holds_io);
	tcase_add_test(tc, close_cycle_connected_reissues_in_flight);
	tcase_add_test(tc, reopen_without_cycle_does_nothing);
}
