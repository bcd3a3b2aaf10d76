/* SPDX-License-Identifier: MIT */
/* The mock blkback driven through the xenbus dance: the state it is
 * found in before its frontend starts (initial_state), the delay before
 * each handshake step, and xf_blkback_set_state(). Each test follows the
 * backend's state key in the store step by step; from every state the
 * backend then answers the frontend as Linux blkback's
 * frontend_changed() does. */
#include <errno.h>

#include "bbtest.h"
#include "xt.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

/* The disk and the vbd, no backend yet. */
static void create_dirs(void)
{
	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &F.disk), 0);
	F.cfg.disk = F.disk;
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	ck_assert_int_eq(xf_vbd_frontend_path(&F.vbd, F.fpath,
					      sizeof(F.fpath)), 0);
	ck_assert_int_eq(xf_vbd_backend_path(&F.vbd, F.bpath,
					     sizeof(F.bpath)), 0);
}

/* And the backend, not run yet. */
static void create(void)
{
	create_dirs();
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), 0);
}

/* The frontend closes and asks again; the backend walks Closing,
 * Closed, InitWait and connects to the new rings. */
static void frontend_walks_back(void)
{
	FX_STEP(&F, XF_XENBUS_CLOSING, XF_XENBUS_CLOSING);
	fx_reconnect(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}

START_TEST(initial_connected_ignores_initialising)
{
	struct xf_blkback_conn_info ci;

	F.cfg.initial_state = XF_XENBUS_CONNECTED;
	create();
	/* Before anything ran: Connected, the disk published, no ring. */
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), 2048);
	fx_run(&F);
	FX_STEP(&F, XF_XENBUS_INITIALISING, XF_XENBUS_CONNECTED);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(!ci.connected);
	frontend_walks_back();
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_uint_eq(ci.connects, 1);
}
END_TEST

START_TEST(initial_closed_answers_initialising)
{
	F.cfg.initial_state = XF_XENBUS_CLOSED;
	create_dirs();
	/* A frontend dir left Closed: nothing to answer yet. */
	fx_set_fstate(&F, XF_XENBUS_CLOSED);
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), 0);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSED);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSED);
	FX_STEP(&F, XF_XENBUS_INITIALISING, XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

START_TEST(bad_initial_state_refused)
{
	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &F.disk), 0);
	F.cfg.disk = F.disk;
	F.cfg.initial_state = XF_XENBUS_INITIALISED;
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), -EINVAL);
	F.cfg.initial_state = 9;
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), -EINVAL);
	F.bb = NULL;
}
END_TEST

START_TEST(handshake_delay_before_each_step)
{
	F.cfg.handshake_delay_ns = 1000000;
	create();
	fx_run_until(&F, 500000);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITIALISING);
	fx_run_until(&F, 1500000);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	/* The next step comes a delay after the last one (its own write
	 * woke it at 1 ms), not at once when the frontend offers. */
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_run_until(&F, 1900000);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_run_until(&F, 2500000);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
	/* Serving a connected frontend: no delay any more. */
	fx_set_fstate(&F, XF_XENBUS_CLOSING);
	fx_run_until(&F, 2600000);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
}
END_TEST

START_TEST(set_closed_drops_rings_and_waits_for_frontend)
{
	fx_up(&F, true, 0);
	ck_assert_int_eq(xf_blkback_set_state(F.bb, XF_XENBUS_CLOSED), 0);
	fx_run(&F);
	/* Closed without Closing; the directory stays. */
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSED);
	ck_assert(fx_bhas(&F, "frontend-id"));
	fx_assert_unmapped(&F);
	/* The frontend still says Connected: a Linux blkback acts on its
	 * next change only, so nothing reconnects meanwhile. */
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSED);
	FX_STEP(&F, XF_XENBUS_CLOSED, XF_XENBUS_CLOSED);
	fx_release_rings(&F);
	FX_STEP(&F, XF_XENBUS_INITIALISING, XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

START_TEST(set_initwait_offers_again)
{
	fx_up(&F, false, 0);
	ck_assert_int_eq(xf_blkback_set_state(F.bb, XF_XENBUS_INITWAIT), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	ck_assert(fx_bhas(&F, "feature-flush-cache"));
	fx_assert_unmapped(&F);
}
END_TEST

START_TEST(set_closing_keeps_rings_until_frontend_closed)
{
	struct xf_blkback_conn_info ci;

	fx_up(&F, false, 0);
	ck_assert_int_eq(xf_blkback_set_state(F.bb, XF_XENBUS_CLOSING), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(ci.connected);
	fx_reconnect(&F);
}
END_TEST

START_TEST(set_state_out_of_range_refused)
{
	fx_start(&F);
	ck_assert_int_eq(xf_blkback_set_state(F.bb, XF_XENBUS_UNKNOWN),
			 -EINVAL);
	ck_assert_int_eq(xf_blkback_set_state(F.bb, 7), -EINVAL);
	ck_assert_int_eq(xf_blkback_set_state(NULL, XF_XENBUS_CLOSED),
			 -EINVAL);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
}
END_TEST

XT_SUITE("blkback-dance")
{
	TCase *tc = xt_tcase_fixture("dance", setup, teardown, 60);

	tcase_add_test(tc, initial_connected_ignores_initialising);
	tcase_add_test(tc, initial_closed_answers_initialising);
	tcase_add_test(tc, bad_initial_state_refused);
	tcase_add_test(tc, handshake_delay_before_each_step);
	tcase_add_test(tc, set_closed_drops_rings_and_waits_for_frontend);
	tcase_add_test(tc, set_initwait_offers_again);
	tcase_add_test(tc, set_closing_keeps_rings_until_frontend_closed);
	tcase_add_test(tc, set_state_out_of_range_refused);
}
