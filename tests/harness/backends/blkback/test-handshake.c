/* SPDX-License-Identifier: MIT */
/* The backend's xenbus side: published features per feature set, skip
 * paths, connect variants, close / reconnect, removal, re-appearance,
 * migration, and the toolstack's directories. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"
#include "xt.h"

static struct fx F;

static void setup_linux(void)
{
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

/* A key of the frontend (fx_fread) or backend (fx_bread) directory. */
static void key_is(int (*rd)(struct fx *, const char *, char *, size_t),
		   const char *key, const char *want)
{
	char buf[128];

	ck_assert_msg(rd(&F, key, buf, sizeof(buf)) == 0, "missing %s", key);
	ck_assert_str_eq(buf, want);
}

/* path is owned by owner and readable by reader. */
static void check_perms(const char *path, xf_domid owner, xf_domid reader)
{
	struct xf_xs_perm *perms;
	unsigned int n;

	ck_assert_int_eq(F.d0->store->get_perms(F.xs, XF_TXN_NONE, path,
						&perms, &n), 0);
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_eq(perms[0].domid, owner);
	ck_assert_uint_eq(perms[1].domid, reader);
	ck_assert_uint_eq(perms[1].perm, XF_XS_PERM_READ);
	free(perms);
}

START_TEST(toolstack_dirs_and_perms)
{
	char buf[128];

	fx_start(&F);
	key_is(fx_fread, "backend", F.bpath);
	key_is(fx_fread, "backend-id", "0");
	key_is(fx_fread, "virtual-device", "51712");
	key_is(fx_fread, "device-type", "disk");
	ck_assert_int_eq(fx_fread(&F, "trusted", buf, sizeof(buf)), -ENOENT);
	key_is(fx_bread, "frontend", F.fpath);
	key_is(fx_bread, "mode", "w");
	ck_assert_uint_eq(fx_bkey(&F, "frontend-id"), FX_FRONT);
	ck_assert_uint_eq(fx_bkey(&F, "online"), 1);
	ck_assert_int_eq(fx_bread(&F, "params", buf, sizeof(buf)), 0);
	ck_assert_int_eq(fx_bread(&F, "type", buf, sizeof(buf)), 0);

	check_perms(F.fpath, FX_FRONT, FX_BACK);
	check_perms(F.bpath, FX_BACK, FX_FRONT);
	/* A second create of the same device is refused. */
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), -EEXIST);
}
END_TEST

/* The keys a first connection writes at connect, not before InitWait
 * (Linux connect()). */
static const char *const connect_keys[] = {
	"feature-flush-cache", "feature-barrier", "feature-discard",
	"discard-granularity", "discard-alignment", "discard-secure",
	"feature-persistent", "sectors", "info", "sector-size",
	"physical-sector-size",
};

START_TEST(linux_features_then_initwait)
{
	fx_start(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_INITWAIT);
	/* Linux xen_blkbk_probe(): these three only. */
	ck_assert_uint_eq(fx_bkey(&F, "feature-max-indirect-segments"), 256);
	ck_assert_uint_eq(fx_bkey(&F, "max-ring-page-order"), 4);
	ck_assert_uint_eq(fx_bkey(&F, "multi-queue-max-queues"), 4);
	ck_assert(!fx_bhas(&F, "max-ring-pages"));
	for (size_t i = 0; i < sizeof(connect_keys) / sizeof(*connect_keys);
	     i++)
		ck_assert_msg(!fx_bhas(&F, connect_keys[i]),
			      "%s before connect", connect_keys[i]);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "feature-barrier"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "feature-discard"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "discard-granularity"), 512);
	ck_assert_uint_eq(fx_bkey(&F, "discard-alignment"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "discard-secure"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), (1u << 20) / 512);
	ck_assert_uint_eq(fx_bkey(&F, "info"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "sector-size"), 512);
	ck_assert_uint_eq(fx_bkey(&F, "physical-sector-size"), 512);
}
END_TEST

/* XF_BB_LENIENT_FEATURES_AT_INITWAIT: the older set at InitWait. */
START_TEST(features_at_initwait_switch)
{
	F.cfg.lenient = XF_BB_LENIENT_FEATURES_AT_INITWAIT;
	fx_start(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "feature-barrier"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "feature-discard"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "discard-granularity"), 512);
	ck_assert(!fx_bhas(&F, "feature-persistent"));
	ck_assert(!fx_bhas(&F, "sectors"));
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), (1u << 20) / 512);
}
END_TEST

/* Linux writes the queue and ring-order keys even at 1 and 0, and the
 * connect-time features as 0 when off. */
START_TEST(minimal_publishes_nothing)
{
	ck_assert_int_eq(xf_blkback_features_preset("minimal",
						    &F.cfg.features), 0);
	fx_start(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	ck_assert(!fx_bhas(&F, "feature-persistent"));
	ck_assert(!fx_bhas(&F, "feature-max-indirect-segments"));
	ck_assert_uint_eq(fx_bkey(&F, "max-ring-page-order"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "multi-queue-max-queues"), 1);
	ck_assert(!fx_bhas(&F, "feature-flush-cache"));
	ck_assert(!fx_bhas(&F, "feature-barrier"));
	ck_assert(!fx_bhas(&F, "feature-discard"));
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-barrier"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-discard"), 0);
	ck_assert(!fx_bhas(&F, "discard-granularity"));
}
END_TEST

/* The older mock removed the keys of features that are off. */
START_TEST(minimal_lenient_removes_keys)
{
	ck_assert_int_eq(xf_blkback_features_preset("minimal",
						    &F.cfg.features), 0);
	F.cfg.lenient = XF_BB_LENIENT_FEATURES_AT_INITWAIT;
	fx_start(&F);
	ck_assert(!fx_bhas(&F, "max-ring-page-order"));
	ck_assert(!fx_bhas(&F, "multi-queue-max-queues"));
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert(!fx_bhas(&F, "feature-persistent"));
	ck_assert(!fx_bhas(&F, "feature-flush-cache"));
}
END_TEST

START_TEST(legacy_ring_pages)
{
	ck_assert_int_eq(xf_blkback_features_preset("legacy-ring",
						    &F.cfg.features), 0);
	fx_start(&F);
	ck_assert_uint_eq(fx_bkey(&F, "max-ring-page-order"), 2);
	ck_assert_uint_eq(fx_bkey(&F, "max-ring-pages"), 4);
	fx_connect(&F, 1, 2, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

START_TEST(connect_single_page)
{
	struct xf_blkback_conn_info ci;

	F.dcfg.sector_size = 4096;
	F.dcfg.physical_sector_size = 4096;
	fx_up(&F, true, 0);
	/* As Linux blkback: "sectors" in 512-byte units, not sector-size
	 * units (the default sectors_unit). */
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), (1u << 20) / 512);
	ck_assert_uint_eq(fx_bkey(&F, "sector-size"), 4096);
	ck_assert_uint_eq(fx_bkey(&F, "physical-sector-size"), 4096);
	ck_assert_uint_eq(fx_bkey(&F, "info"), 0);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(ci.connected);
	ck_assert_uint_eq(ci.nr_queues, 1);
	ck_assert_uint_eq(ci.ring_page_order, 0);
	ck_assert_uint_eq(ci.ring_entries, 32);
	ck_assert(ci.persistent);
}
END_TEST

START_TEST(connect_multi_page_multi_queue)
{
	struct xf_blkback_conn_info ci;
	struct xf_mock_stats st;

	fx_start(&F);
	fx_connect(&F, 4, 2, XF_BLKIF_ABI_X86_64, false);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_uint_eq(ci.nr_queues, 4);
	ck_assert_uint_eq(ci.ring_page_order, 2);
	ck_assert_uint_eq(ci.ring_entries, 128);
	ck_assert(!ci.persistent);
	xf_mock_stats(F.hv, FX_BACK, &st);
	ck_assert_uint_eq(st.gnt_mapped_pages, 16);
}
END_TEST

START_TEST(connect_x86_32_abi)
{
	struct xf_blkback_conn_info ci;

	fx_start(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_32, false);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_int_eq(ci.abi, XF_BLKIF_ABI_X86_32);
	ck_assert_uint_eq(ci.ring_entries,
			  xf_blkif_ring_size(XF_BLKIF_ABI_X86_32, 0));
}
END_TEST

START_TEST(bad_frontend_values_refused)
{
	static const struct {
		const char *key, *val;
		uint32_t lenient;
	} bad[] = {
		{ "protocol", "x86_16-abi", 0 },
		{ "ring-page-order", "5", 0 },
		{ "multi-queue-num-queues", "9", 0 },
		/* Linux never reads num-ring-pages. */
		{ "num-ring-pages", "3", XF_BB_LENIENT_RING_KEYS },
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i)
			fx_init(&F, "linux");
		F.cfg.lenient = bad[i].lenient;
		fx_start(&F);
		fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
		fx_fwrite(&F, bad[i].key, bad[i].val);
		if (!strcmp(bad[i].key, "num-ring-pages")) {
			char p[160];

			snprintf(p, sizeof(p), "%s/ring-page-order", F.fpath);
			F.fe->store->rm(F.xs, XF_TXN_NONE, p);
		}
		fx_set_fstate(&F, XF_XENBUS_INITIALISED);
		fx_run(&F);
		ck_assert_msg(fx_bstate(&F) == XF_XENBUS_CLOSING,
			      "%s=%s: state %d", bad[i].key, bad[i].val,
			      fx_bstate(&F));
		ck_assert_str_ne(xf_blkback_last_error(F.bb), "");
		fx_fini(&F);
	}
	fx_init(&F, "linux"); /* for the teardown */
}
END_TEST

START_TEST(missing_ring_ref_refused)
{
	char p[160];

	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	snprintf(p, sizeof(p), "%s/event-channel", F.fpath);
	ck_assert_int_eq(F.fe->store->rm(F.xs, XF_TXN_NONE, p), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
}
END_TEST

START_TEST(skip_initwait_path)
{
	F.cfg.path = XF_BLKBACK_PATH_SKIP_INITWAIT;
	fx_start(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITIALISING);
	ck_assert(fx_bhas(&F, "feature-max-indirect-segments"));
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 1);
}
END_TEST

START_TEST(stuck_initwait_path)
{
	F.cfg.path = XF_BLKBACK_PATH_STUCK_INITWAIT;
	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
}
END_TEST

START_TEST(frontend_connected_directly)
{
	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	FX_STEP(&F, XF_XENBUS_CONNECTED, XF_XENBUS_CONNECTED);
}
END_TEST

/* Closing -> Closed -> Initialising -> reconnect, ten times; the rings
 * are unmapped before the backend says Closed... after it, in fact: the
 * frontend must be able to revoke once it sees Closed. */
START_TEST(close_and_reconnect_x10)
{
	struct xf_blkback_conn_info ci;

	fx_start(&F);
	for (int i = 0; i < 10; i++) {
		fx_connect(&F, i % 2 ? 2 : 1, (unsigned int)i % 3,
			   XF_BLKIF_ABI_X86_64, i % 2);
		FX_STEP(&F, XF_XENBUS_CLOSING, XF_XENBUS_CLOSING);
		fx_reconnect(&F);
	}
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_uint_eq(ci.connects, 10);
}
END_TEST

/* The frontend writes fstate; the backend answers with bstate. */
static void front_goes(int fstate, int bstate)
{
	fx_set_fstate(&F, fstate);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), bstate);
}

/* Linux frontend_changed(): Initialising is answered only from Closed.
 * A frontend that re-initialises while the backend is Connected (or
 * Closing) is ignored: the backend keeps the old rings mapped. */
START_TEST(initialising_ignored_while_connected)
{
	struct xf_mock_stats st;

	fx_up(&F, false, 0);
	front_goes(XF_XENBUS_INITIALISING, XF_XENBUS_CONNECTED);
	xf_mock_stats(F.hv, FX_BACK, &st);
	ck_assert_uint_gt(st.gnt_mapped_pages, 0);
	front_goes(XF_XENBUS_CLOSING, XF_XENBUS_CLOSING);
	front_goes(XF_XENBUS_INITIALISING, XF_XENBUS_CLOSING);
	/* The walk Linux supports: Closed first, then Initialising. */
	fx_reconnect(&F);
}
END_TEST

/* The leniency switch restores the old answer: InitWait from Connected
 * and from Closing, the old rings dropped. */
START_TEST(reinit_while_connected_switch)
{
	F.cfg.lenient = XF_BB_LENIENT_REINIT_WHILE_CONNECTED;
	fx_up(&F, false, 0);
	for (int from_closing = 0; from_closing < 2; from_closing++) {
		if (from_closing) {
			fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
			front_goes(XF_XENBUS_CLOSING, XF_XENBUS_CLOSING);
		}
		front_goes(XF_XENBUS_INITIALISING, XF_XENBUS_INITWAIT);
		fx_assert_unmapped(&F);
		fx_release_rings(&F);
	}
}
END_TEST

/* libxl skips the state write for a backend already Closed. */
START_TEST(close_request_keeps_closed)
{
	fx_up(&F, false, 0);
	fx_reconnect(&F);
	front_goes(XF_XENBUS_CLOSED, XF_XENBUS_CLOSED);
	ck_assert_int_eq(xf_vbd_request_close(F.d0, &F.vbd), 0);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSED);
	ck_assert_uint_eq(fx_bkey(&F, "online"), 0);
}
END_TEST

START_TEST(toolstack_close_request)
{
	fx_up(&F, false, 0);
	ck_assert_int_eq(xf_vbd_request_close(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	fx_set_fstate(&F, XF_XENBUS_CLOSING);
	fx_run(&F);
	FX_STEP(&F, XF_XENBUS_CLOSED, XF_XENBUS_CLOSED);
	fx_release_rings(&F);
	/* online=0: no reconnect offered. */
	FX_STEP(&F, XF_XENBUS_INITIALISING, XF_XENBUS_CLOSED);
	ck_assert_int_eq(xf_vbd_destroy(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), -ENOENT);
}
END_TEST

START_TEST(removal_and_reappearance)
{
	fx_start(&F);
	fx_connect(&F, 1, 1, XF_BLKIF_ABI_X86_64, true);
	ck_assert_int_eq(xf_vbd_destroy(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_UNKNOWN);
	fx_assert_unmapped(&F);
	fx_release_rings(&F);
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

/* Destroy and re-create between two runs of the backend. */
START_TEST(recreated_while_not_looking)
{
	fx_up(&F, false, 0);
	ck_assert_int_eq(xf_vbd_destroy(F.d0, &F.vbd), 0);
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_release_rings(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

START_TEST(migrate_to_other_backend)
{
	struct xf_blkback_config c2;
	struct xf_blkback *bb2;
	struct xf_blkback_conn_info ci;

	fx_start(&F);
	fx_connect(&F, 2, 1, XF_BLKIF_ABI_X86_64, true);
	c2 = F.cfg;
	c2.platform = F.d2;
	ck_assert_int_eq(xf_blkback_features_preset("minimal", &c2.features),
			 0);
	c2.name = "blkback-b";
	ck_assert_int_eq(xf_blkback_new(&c2, &bb2), 0);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(bb2), XF_XENBUS_UNKNOWN);
	ck_assert_int_eq(xf_vbd_migrate(F.d0, &F.vbd, 2), 0);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_UNKNOWN);
	ck_assert_int_eq(xf_blkback_state(bb2), XF_XENBUS_INITWAIT);
	fx_release_rings(&F);
	ck_assert_int_eq(xf_vbd_backend_path(&F.vbd, F.bpath,
					     sizeof(F.bpath)), 0);
	ck_assert(!fx_bhas(&F, "feature-persistent"));
	/* Reconnect: the frontend's rings must now be granted to dom 2. */
	{
		char key[32], val[32];
		struct fx_queue *q = &F.q[0];

		F.nq = 1;
		q->pages = 1;
		ck_assert_int_eq(F.fe->gnt->share(F.fe, 2, 1, true, q->refs,
						  &q->ring), 0);
		xf_sring_init(q->ring, XF_PAGE_SIZE);
		ck_assert_int_eq(F.fe->evtchn->open(F.fe, &q->evh), 0);
		ck_assert_int_eq(F.fe->evtchn->alloc_unbound(q->evh, 2,
							     &q->port), 0);
		snprintf(val, sizeof(val), "%u", q->refs[0]);
		fx_fwrite(&F, "ring-ref", val);
		snprintf(key, sizeof(key), "event-channel");
		snprintf(val, sizeof(val), "%u", q->port);
		fx_fwrite(&F, key, val);
		fx_set_fstate(&F, XF_XENBUS_INITIALISED);
	}
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(bb2), XF_XENBUS_CONNECTED);
	xf_blkback_conn_info(bb2, &ci);
	ck_assert(!ci.persistent);
	xf_blkback_free(bb2);
}
END_TEST

START_TEST(readonly_mode_sets_info)
{
	F.vbd.readonly = true;
	fx_up(&F, false, 0);
	ck_assert_uint_eq(fx_bkey(&F, "info") & XF_VDISK_READONLY,
			  XF_VDISK_READONLY);
}
END_TEST

START_TEST(resize_rewrites_connected)
{
	fx_up(&F, false, 0);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), 2048);
	ck_assert_int_eq(xf_blkdisk_resize(F.disk, 2u << 20), 0);
	xf_blkback_resize_notify(F.bb);
	fx_run(&F);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), 4096);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
}
END_TEST

START_TEST(crash_removes_directory)
{
	fx_up(&F, true, 0);
	xf_blkback_crash(F.bb);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_CLOSED);
	ck_assert_int_eq(fx_bstate(&F), -ENOENT);
	fx_assert_unmapped(&F);
	/* Dead: the directory coming back does not revive it. */
	ck_assert_int_eq(xf_vbd_destroy(F.d0, &F.vbd), 0);
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITIALISING);
}
END_TEST

START_TEST(disappear_writes_no_state)
{
	fx_up(&F, false, 0);
	xf_blkback_disappear(F.bb);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_UNKNOWN);
	ck_assert_int_eq(fx_bstate(&F), -ENOENT);
}
END_TEST

START_TEST(no_transaction_and_trusted)
{
	F.vbd.no_transaction = true;
	F.vbd.trusted = 0;
	fx_start(&F);
	key_is(fx_fread, "trusted", "0");
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

/* Backend created before its directory: it waits, then attaches. */
START_TEST(backend_before_directory)
{
	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &F.disk), 0);
	F.cfg.disk = F.disk;
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), 0);
	fx_run(&F);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_UNKNOWN);
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	xf_vbd_frontend_path(&F.vbd, F.fpath, sizeof(F.fpath));
	xf_vbd_backend_path(&F.vbd, F.bpath, sizeof(F.bpath));
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
}
END_TEST

/* New features take effect at the next InitWait. */
START_TEST(set_features_on_reconnect)
{
	struct xf_blkback_features f;
	struct xf_blkback_conn_info ci;

	fx_up(&F, true, 0);
	ck_assert_int_eq(xf_blkback_features_preset("minimal", &f), 0);
	xf_blkback_set_features(F.bb, &f);
	fx_reconnect(&F);
	/* The probe keys are the new set's; the connect-time keys are the
	 * last connection's until the next connect (Linux never removes
	 * them). */
	ck_assert_uint_eq(fx_bkey(&F, "max-ring-page-order"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 1);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 1);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(!ci.persistent);
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 0);
}
END_TEST

START_TEST(presets_all_valid)
{
	const char *const *n = xf_blkback_feature_presets();
	struct xf_blkback_features f;
	unsigned int count = 0;

	for (; *n; n++, count++)
		ck_assert_int_eq(xf_blkback_features_preset(*n, &f), 0);
	ck_assert_uint_ge(count, 8);
	ck_assert_int_eq(xf_blkback_features_preset("nope", &f), -ENOENT);
}
END_TEST

XT_SUITE("blkback-handshake")
{
	TCase *t = xt_tcase("handshake");

	tcase_add_checked_fixture(t, setup_linux, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, toolstack_dirs_and_perms);
	tcase_add_test(t, linux_features_then_initwait);
	tcase_add_test(t, minimal_publishes_nothing);
	tcase_add_test(t, legacy_ring_pages);
	tcase_add_test(t, connect_single_page);
	tcase_add_test(t, connect_multi_page_multi_queue);
	tcase_add_test(t, connect_x86_32_abi);
	tcase_add_test(t, bad_frontend_values_refused);
	tcase_add_test(t, missing_ring_ref_refused);
	tcase_add_test(t, skip_initwait_path);
	tcase_add_test(t, stuck_initwait_path);
	tcase_add_test(t, frontend_connected_directly);
	tcase_add_test(t, close_and_reconnect_x10);
	tcase_add_test(t, toolstack_close_request);
	tcase_add_test(t, initialising_ignored_while_connected);
	tcase_add_test(t, reinit_while_connected_switch);
	tcase_add_test(t, features_at_initwait_switch);
	tcase_add_test(t, minimal_lenient_removes_keys);
	tcase_add_test(t, close_request_keeps_closed);
	tcase_add_test(t, removal_and_reappearance);
	tcase_add_test(t, recreated_while_not_looking);
	tcase_add_test(t, migrate_to_other_backend);
	tcase_add_test(t, readonly_mode_sets_info);
	tcase_add_test(t, resize_rewrites_connected);
	tcase_add_test(t, crash_removes_directory);
	tcase_add_test(t, disappear_writes_no_state);
	tcase_add_test(t, presets_all_valid);
	tcase_add_test(t, no_transaction_and_trusted);
	tcase_add_test(t, backend_before_directory);
	tcase_add_test(t, set_features_on_reconnect);
}
