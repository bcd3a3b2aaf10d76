/* SPDX-License-Identifier: MIT */
/* The mock blkback as Linux 6.1's xen-blkback by default, and each
 * XF_BB_LENIENT_* switch accepting what the default refuses:
 * connect-time keys in one transaction, per-segment alignment (indirect
 * too), the inner op in answers to indirect requests, feature withdrawal
 * after a refused flush or barrier, mode rules, and how numbers are
 * read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- a store that logs the backend's writes and commits ---- */

#define LOG_MAX 128
static struct {
	char key[48];   /* the path below the backend dir ("" for commits) */
	char val[16];
	xf_txn t;
	bool commit;
} wlog[LOG_MAX];
static unsigned int nlog;
static const struct xf_store_ops *orig;
static struct xf_store_ops logged;
static struct xf_platform wrapped;

static void log_entry(const char *path, const void *val, size_t len,
		      xf_txn t, bool commit)
{
	const char *k = path;
	size_t bl = strlen(F.bpath);

	if (nlog == LOG_MAX)
		return;
	if (path && !strncmp(path, F.bpath, bl) && path[bl] == '/')
		k = path + bl + 1;
	snprintf(wlog[nlog].key, sizeof(wlog[nlog].key), "%s", k ? k : "");
	snprintf(wlog[nlog].val, sizeof(wlog[nlog].val), "%.*s",
		 (int)(len < 15 ? len : 15), val ? (const char *)val : "");
	wlog[nlog].t = t;
	wlog[nlog].commit = commit;
	nlog++;
}

static int log_write(struct xf_xs *xs, xf_txn t, const char *path,
		     const void *val, size_t len)
{
	int r = orig->write(xs, t, path, val, len);

	if (!r)
		log_entry(path, val, len, t, false);
	return r;
}

static int log_txn_end(struct xf_xs *xs, xf_txn t, bool abort)
{
	int r = orig->txn_end(xs, t, abort);

	if (!r && !abort)
		log_entry(NULL, NULL, 0, t, true);
	return r;
}

/* The backend gets the dom0 platform with a logging store. */
static void log_store(void)
{
	orig = F.d0->store;
	logged = *orig;
	logged.write = log_write;
	logged.txn_end = log_txn_end;
	wrapped = *F.d0;
	wrapped.store = &logged;
	F.cfg.platform = &wrapped;
	nlog = 0;
}

static int find(const char *key, const char *val)
{
	for (unsigned int i = 0; i < nlog; i++)
		if (!strcmp(wlog[i].key, key) &&
		    (!val || !strcmp(wlog[i].val, val)))
			return (int)i;
	return -1;
}

static const char *const connect_keys[] = {
	"feature-flush-cache", "feature-discard", "discard-granularity",
	"discard-alignment", "discard-secure", "feature-barrier",
	"feature-persistent", "sectors", "info", "sector-size",
	"physical-sector-size",
};
#define NCK (sizeof(connect_keys) / sizeof(*connect_keys))

/* Linux connect(): every disk and feature key in one transaction that
 * commits before state 4 is written (on its own). */
START_TEST(connect_keys_in_one_transaction)
{
	int st, commit = -1;
	xf_txn t = 0;

	log_store();
	fx_start(&F);
	for (size_t i = 0; i < NCK; i++)
		ck_assert_msg(find(connect_keys[i], NULL) < 0,
			      "%s at InitWait", connect_keys[i]);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	st = find("state", "4");
	ck_assert_int_ge(st, 0);
	ck_assert_uint_eq(wlog[st].t, XF_TXN_NONE);
	for (size_t i = 0; i < NCK; i++) {
		int k = find(connect_keys[i], NULL);

		ck_assert_msg(k >= 0, "%s not written", connect_keys[i]);
		ck_assert_msg(wlog[k].t != XF_TXN_NONE,
			      "%s outside a transaction", connect_keys[i]);
		if (!t)
			t = wlog[k].t;
		ck_assert_msg(wlog[k].t == t, "%s in another transaction",
			      connect_keys[i]);
		ck_assert_int_lt(k, st);
	}
	for (unsigned int i = 0; i < nlog; i++)
		if (wlog[i].commit && wlog[i].t == t)
			commit = (int)i;
	ck_assert_int_ge(commit, 0);
	ck_assert_int_lt(commit, st);
}
END_TEST

/* The switch: the disk keys one by one, no transaction. */
START_TEST(connect_keys_lenient_no_transaction)
{
	int k;

	F.cfg.lenient = XF_BB_LENIENT_FEATURES_AT_INITWAIT;
	log_store();
	fx_start(&F);
	ck_assert_int_ge(find("feature-flush-cache", "1"), 0);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	k = find("sectors", NULL);
	ck_assert_int_ge(k, 0);
	ck_assert_uint_eq(wlog[k].t, XF_TXN_NONE);
}
END_TEST

/* ---- alignment of indirect segments ---- */

/* A 4 KiB-sector disk and an indirect write of 2 segments, 4..7 and
 * 0..3 (8 sectors in all). */
static int indirect_half_pages(uint32_t lenient)
{
	struct xf_blkif_request_segment *ind;
	struct xf_blkif_req r;
	void *ipage;
	int st;

	F.cfg.lenient = lenient;
	F.dcfg.sector_size = 4096;
	fx_up(&F, false, 2);
	fx_indirect(&r, &F, XF_BLKIF_OP_WRITE, 3, 2, false, &ipage);
	ind = ipage;
	ind[0].first_sect = 4;
	ind[1].last_sect = 3;
	st = fx_do(&F, &r);
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
	return st;
}

START_TEST(indirect_segments_aligned_each)
{
	struct xf_blkback_stats s;

	ck_assert_int_eq(indirect_half_pages(0), XF_BLKIF_RSP_ERROR);
	xf_blkback_stats(F.bb, &s);
	ck_assert_uint_eq(s.rejects[XF_BLKBACK_REJ_MISALIGNED], 1);
}
END_TEST

START_TEST(indirect_segments_aligned_total_lenient)
{
	ck_assert_int_eq(indirect_half_pages(XF_BB_LENIENT_REQUEST_ALIGNMENT),
			 XF_BLKIF_RSP_OKAY);
}
END_TEST

/* ---- the op an indirect request is answered with ---- */

static void indirect_ops(uint32_t lenient, uint8_t want_ok, uint8_t want_bad)
{
	struct xf_blkif_request_segment *ind;
	struct xf_blkif_rsp rsp[2];
	struct xf_blkif_req r;
	void *ipage;

	F.cfg.lenient = lenient;
	fx_up(&F, false, 2);
	fx_indirect(&r, &F, XF_BLKIF_OP_READ, 4, 2, false, &ipage);
	fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 2), 1);
	ck_assert_int_eq(rsp[0].status, XF_BLKIF_RSP_OKAY);
	ck_assert_uint_eq(rsp[0].operation, want_ok);
	/* A refused one (fail_response) too. */
	ind = ipage;
	ind[1].last_sect = 8;
	fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 2), 1);
	ck_assert_int_eq(rsp[0].status, XF_BLKIF_RSP_ERROR);
	ck_assert_uint_eq(rsp[0].operation, want_bad);
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
}

START_TEST(indirect_answered_with_inner_op)
{
	indirect_ops(0, XF_BLKIF_OP_READ, XF_BLKIF_OP_READ);
}
END_TEST

START_TEST(indirect_answered_indirect_lenient)
{
	indirect_ops(XF_BB_LENIENT_INDIRECT_RSP_OP, XF_BLKIF_OP_INDIRECT,
		     XF_BLKIF_OP_INDIRECT);
}
END_TEST

/* ---- a flush or barrier the device refuses ---- */

static void refused(uint8_t op, const char *key, uint32_t lenient,
		    uint64_t want)
{
	struct xf_blkif_req r = { .operation = op, .id = 9 };

	F.cfg.lenient = lenient;
	F.dcfg.cache_mode = XF_BLKDISK_CACHE_EOPNOTSUPP;
	fx_up(&F, false, 1);
	ck_assert_uint_eq(fx_bkey(&F, key), 1);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
	fx_run(&F);
	ck_assert_uint_eq(fx_bkey(&F, key), want);
	/* Only the key: the state is not rewritten. */
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
}

START_TEST(refused_flush_withdraws_feature)
{
	refused(XF_BLKIF_OP_FLUSH_DISKCACHE, "feature-flush-cache", 0, 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-barrier"), 1);
}
END_TEST

START_TEST(refused_barrier_withdraws_feature)
{
	refused(XF_BLKIF_OP_WRITE_BARRIER, "feature-barrier", 0, 0);
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 1);
}
END_TEST

START_TEST(refused_flush_keeps_feature_lenient)
{
	refused(XF_BLKIF_OP_FLUSH_DISKCACHE, "feature-flush-cache",
		XF_BB_LENIENT_KEEP_FLUSH_FEATURE, 1);
}
END_TEST

/* ---- mode ---- */

/* The backend runs before its directory exists; the directory is then
 * made with mode set to mode (NULL: removed), as a toolstack could. */
static void set_mode_as_dom0(const char *mode)
{
	struct xf_xs *xs;
	char path[192];

	ck_assert_int_eq(F.d0->store->open(F.d0, &xs), 0);
	snprintf(path, sizeof(path), "%s/mode", F.bpath);
	if (mode)
		ck_assert_int_eq(xf_xs_printf(F.d0, xs, XF_TXN_NONE, path,
					      "%s", mode), 0);
	else
		ck_assert_int_eq(F.d0->store->rm(xs, XF_TXN_NONE, path), 0);
	F.d0->store->close(xs);
}

static void start_mode(const char *mode)
{
	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &F.disk), 0);
	F.cfg.disk = F.disk;
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &F.bb), 0);
	fx_run(&F);
	ck_assert_int_eq(xf_vbd_create(F.d0, &F.vbd), 0);
	xf_vbd_frontend_path(&F.vbd, F.fpath, sizeof(F.fpath));
	xf_vbd_backend_path(&F.vbd, F.bpath, sizeof(F.bpath));
	set_mode_as_dom0(mode);
	fx_run(&F);
}

/* The info key and a write's status on a disk of that mode. */
static void mode_is(const char *mode, uint32_t lenient, bool readonly)
{
	F.cfg.lenient = lenient;
	start_mode(mode);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_share_data(&F, 1);
	ck_assert_uint_eq(fx_bkey(&F, "info") & XF_VDISK_READONLY,
			  readonly ? XF_VDISK_READONLY : 0);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 0, 8),
			 readonly ? XF_BLKIF_RSP_ERROR : XF_BLKIF_RSP_OKAY);
}

START_TEST(mode_rw_is_writable)
{
	mode_is("rw", 0, false);
}
END_TEST

/* Any mode without a w, whatever its first letter ("x": the older mock
 * took it for writable). */
START_TEST(mode_without_w_is_readonly)
{
	mode_is("x", 0, true);
}
END_TEST

START_TEST(mode_rw_first_char_lenient)
{
	mode_is("rw", XF_BB_LENIENT_MODE_FIRST_CHAR, true);
}
END_TEST

/* backend_changed(): xenbus_dev_fatal(-ENOENT, "reading mode"): the
 * error node, Closing, and no connect for a frontend that offers. */
START_TEST(missing_mode_is_fatal)
{
	char path[192], *v = NULL;
	struct xf_xs *xs;

	start_mode(NULL);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	snprintf(path, sizeof(path),
		 "/local/domain/%u/error/backend/vbd/%u/%u/error", FX_BACK,
		 FX_FRONT, F.vbd.devid);
	/* The frontend may not read dom0's error tree; dom0 may. */
	ck_assert_int_eq(F.d0->store->open(F.d0, &xs), 0);
	ck_assert_int_eq(xf_xs_read_str(F.d0, xs, XF_TXN_NONE, path, &v), 0);
	F.d0->store->close(xs);
	ck_assert_msg(!strncmp(v, "2 reading ", 10) && strstr(v, "mode"),
		      "error node says \"%s\"", v);
	free(v);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	ck_assert(!fx_bhas(&F, "sectors"));
	/* The frontend closes; the backend lets go of nothing it mapped. */
	fx_set_fstate(&F, XF_XENBUS_CLOSED);
	fx_run(&F);
	fx_assert_unmapped(&F);
}
END_TEST

START_TEST(missing_mode_optional_lenient)
{
	F.cfg.lenient = XF_BB_LENIENT_MODE_OPTIONAL;
	start_mode(NULL);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_uint_eq(fx_bkey(&F, "info") & XF_VDISK_READONLY, 0);
}
END_TEST

/* ---- numbers ---- */

/* feature-persistent "2", and queue/order keys with trailing text, as
 * sscanf("%u") reads them. */
static void numbers(uint32_t lenient, bool want)
{
	struct xf_blkback_conn_info ci;

	F.cfg.lenient = lenient;
	fx_start(&F);
	fx_offer(&F, 2, 1, XF_BLKIF_ABI_X86_64, true);
	fx_fwrite(&F, "feature-persistent", "2");
	fx_fwrite(&F, "multi-queue-num-queues", "2 queues");
	fx_fwrite(&F, "ring-page-order", "1\n");
	fx_run(&F);
	if (!want) {
		ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
		return;
	}
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(ci.persistent);
	ck_assert_uint_eq(ci.nr_queues, 2);
	ck_assert_uint_eq(ci.ring_page_order, 1);
}

START_TEST(numbers_read_as_linux)
{
	numbers(0, true);
}
END_TEST

START_TEST(numbers_strict_lenient)
{
	numbers(XF_BB_LENIENT_STRICT_NUMBERS, false);
}
END_TEST

/* A flag that is not 1 but non-zero: true for Linux only. */
static bool persistent_with(uint32_t lenient, const char *val)
{
	struct xf_blkback_conn_info ci;

	F.cfg.lenient = lenient;
	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	fx_fwrite(&F, "feature-persistent", val);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
	xf_blkback_conn_info(F.bb, &ci);
	return ci.persistent;
}

START_TEST(flag_two_is_true)
{
	ck_assert(persistent_with(0, "2"));
}
END_TEST

START_TEST(flag_two_is_false_strict)
{
	ck_assert(!persistent_with(XF_BB_LENIENT_STRICT_NUMBERS, "2"));
}
END_TEST

/* ---- ring keys ---- */

/* A frontend that names its one-page ring the way the older mock took:
 * num-ring-pages = 1 instead of ring-page-order, and ring-ref0 instead
 * of ring-ref. */
static int ring_ref0(uint32_t lenient)
{
	char p[192], v[32];

	F.cfg.lenient = lenient;
	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	snprintf(p, sizeof(p), "%s/ring-ref", F.fpath);
	ck_assert_int_eq(F.fe->store->rm(F.xs, XF_TXN_NONE, p), 0);
	snprintf(v, sizeof(v), "%u", F.q[0].refs[0]);
	fx_fwrite(&F, "ring-ref0", v);
	fx_fwrite(&F, "num-ring-pages", "1");
	fx_set_fstate(&F, XF_XENBUS_CONNECTED);
	fx_run(&F);
	return fx_bstate(&F);
}

START_TEST(ring_ref0_without_order_refused)
{
	ck_assert_int_eq(ring_ref0(0), XF_XENBUS_CLOSING);
	ck_assert(strstr(xf_blkback_last_error(F.bb), "ring-ref"));
}
END_TEST

START_TEST(ring_ref0_lenient)
{
	ck_assert_int_eq(ring_ref0(XF_BB_LENIENT_RING_KEYS),
			 XF_XENBUS_CONNECTED);
}
END_TEST

/* ring-page-order 0 written: Linux reads ring-ref0, not ring-ref. */
START_TEST(order_zero_key_means_ring_ref0)
{
	char v[32];

	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_fwrite(&F, "ring-page-order", "0");
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	snprintf(v, sizeof(v), "%u", F.q[0].refs[0]);
	fx_fwrite(&F, "ring-ref0", v);
	/* A new try needs the 0.7 walk: Closed, Initialising, then the
	 * rings again. */
	fx_set_fstate(&F, XF_XENBUS_CLOSED);
	fx_run(&F);
	FX_STEP(&F, XF_XENBUS_INITIALISING, XF_XENBUS_INITWAIT);
	FX_STEP(&F, XF_XENBUS_INITIALISED, XF_XENBUS_CONNECTED);
}
END_TEST

/* ---- online, discard-enable ---- */

static void rm_backend_key(const char *key)
{
	struct xf_xs *xs;
	char path[192];

	ck_assert_int_eq(F.d0->store->open(F.d0, &xs), 0);
	snprintf(path, sizeof(path), "%s/%s", F.bpath, key);
	ck_assert_int_eq(F.d0->store->rm(xs, XF_TXN_NONE, path), 0);
	F.d0->store->close(xs);
}

/* The toolstack wrote no online: after the frontend's Closed the
 * device is over; Initialising gets no InitWait. */
static int reinit_without_online(uint32_t lenient)
{
	F.cfg.lenient = lenient;
	fx_up(&F, false, 0);
	rm_backend_key("online");
	FX_STEP(&F, XF_XENBUS_CLOSED, XF_XENBUS_CLOSED);
	fx_release_rings(&F);
	fx_set_fstate(&F, XF_XENBUS_INITIALISING);
	fx_run(&F);
	return fx_bstate(&F);
}

START_TEST(missing_online_is_offline)
{
	ck_assert_int_eq(reinit_without_online(0), XF_XENBUS_CLOSED);
}
END_TEST

START_TEST(missing_online_lenient)
{
	ck_assert_int_eq(reinit_without_online(XF_BB_LENIENT_ONLINE_DEFAULT),
			 XF_XENBUS_INITWAIT);
}
END_TEST

/* xen_blkbk_discard(): discard-enable = 0 in the backend directory: no
 * discard key at all, discards still done. */
START_TEST(discard_enable_zero_hides_discard)
{
	struct xf_blkif_req r = { .operation = XF_BLKIF_OP_DISCARD, .id = 4,
				  .sector_number = 8, .nr_sectors = 8 };
	struct xf_xs *xs;
	char path[192];

	fx_start(&F);
	ck_assert_int_eq(F.d0->store->open(F.d0, &xs), 0);
	snprintf(path, sizeof(path), "%s/discard-enable", F.bpath);
	ck_assert_int_eq(xf_xs_printf(F.d0, xs, XF_TXN_NONE, path, "0"), 0);
	F.d0->store->close(xs);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert(!fx_bhas(&F, "feature-discard"));
	ck_assert(!fx_bhas(&F, "discard-granularity"));
	ck_assert(!fx_bhas(&F, "discard-secure"));
	ck_assert_uint_eq(fx_bkey(&F, "feature-flush-cache"), 1);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
}
END_TEST

/* ---- back from Closed or Closing without Initialising ---- */

/* The states the backend wrote after log entry from, as digits. */
static void states_since(unsigned int from, char *out, size_t len)
{
	size_t n = 0;

	for (unsigned int i = from; i < nlog && n + 1 < len; i++)
		if (!strcmp(wlog[i].key, "state"))
			out[n++] = wlog[i].val[0];
	out[n] = 0;
}

/* Connected, then the frontend closes and offers new rings at once
 * (Initialised, no Initialising). */
static void closed_then_initialised(uint32_t lenient, const char *want)
{
	char seen[16];
	unsigned int mark;

	F.cfg.lenient = lenient;
	log_store();
	fx_up(&F, false, 0);
	FX_STEP(&F, XF_XENBUS_CLOSED, XF_XENBUS_CLOSED);
	fx_release_rings(&F);
	mark = nlog;
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	states_since(mark, seen, sizeof(seen));
	ck_assert_str_eq(seen, want);
}

START_TEST(closed_to_connected_without_initwait)
{
	closed_then_initialised(0, "4");
}
END_TEST

START_TEST(closed_via_initwait_lenient)
{
	closed_then_initialised(XF_BB_LENIENT_CONNECT_VIA_INITWAIT, "24");
}
END_TEST

/* The frontend goes Closing, then Initialised again (it kept its
 * rings): Linux connects from Closing. */
static int closing_then_initialised(uint32_t lenient)
{
	F.cfg.lenient = lenient;
	fx_up(&F, false, 0);
	FX_STEP(&F, XF_XENBUS_CLOSING, XF_XENBUS_CLOSING);
	fx_set_fstate(&F, XF_XENBUS_INITIALISED);
	fx_run(&F);
	return fx_bstate(&F);
}

START_TEST(closing_to_connected)
{
	struct xf_blkback_conn_info ci;

	ck_assert_int_eq(closing_then_initialised(0), XF_XENBUS_CONNECTED);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_uint_eq(ci.connects, 2);
}
END_TEST

START_TEST(closing_ignores_frontend_lenient)
{
	ck_assert_int_eq(closing_then_initialised(
				 XF_BB_LENIENT_CONNECT_VIA_INITWAIT),
			 XF_XENBUS_CLOSING);
}
END_TEST

/* A failed connect (Closing) is not retried until the frontend's state
 * changes, however often the backend runs; nor does the toolstack's
 * Closing make a connected backend connect again. */
START_TEST(failed_connect_not_retried)
{
	char seen[16];
	unsigned int mark;

	log_store();
	fx_start(&F);
	fx_offer(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_fwrite(&F, "protocol", "x86_16-abi");
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	mark = nlog;
	xf_blkback_resize_notify(F.bb); /* a wakeup of the control actor */
	fx_run(&F);
	states_since(mark, seen, sizeof(seen));
	ck_assert_str_eq(seen, "");
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
}
END_TEST

START_TEST(toolstack_close_does_not_reconnect)
{
	struct xf_blkback_conn_info ci;

	fx_up(&F, false, 0);
	ck_assert_int_eq(xf_vbd_request_close(F.d0, &F.vbd), 0);
	fx_run(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CLOSING);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert_uint_eq(ci.connects, 1);
}
END_TEST

/* ---- a flush not offered ---- */

/* "no-flush" offers neither flush nor barrier, over a volatile cache:
 * a flush is OKAY (Linux: no write cache, no preflush) and flushes
 * nothing. */
START_TEST(unoffered_flush_okay_without_preflush)
{
	struct xf_blkif_req r = { .operation = XF_BLKIF_OP_FLUSH_DISKCACHE,
				  .id = 6 };
	struct xf_blkback_stats s0, s1;

	ck_assert_int_eq(xf_blkback_features_preset("no-flush",
						    &F.cfg.features), 0);
	fx_up(&F, false, 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 5, 0, 8),
			 XF_BLKIF_RSP_OKAY);
	xf_blkback_stats(F.bb, &s0);
	ck_assert_uint_gt(s0.cache_dirty_bytes, 0);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	xf_blkback_stats(F.bb, &s1);
	ck_assert_uint_eq(s1.cache_dirty_bytes, s0.cache_dirty_bytes);
	ck_assert_uint_eq(s1.rsp_eopnotsupp, 0);
}
END_TEST

START_TEST(unoffered_flush_eopnotsupp_lenient)
{
	struct xf_blkif_req r = { .operation = XF_BLKIF_OP_FLUSH_DISKCACHE,
				  .id = 6 };

	ck_assert_int_eq(xf_blkback_features_preset("no-flush",
						    &F.cfg.features), 0);
	F.cfg.lenient = XF_BB_LENIENT_FLUSH_UNOFFERED;
	fx_up(&F, false, 1);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

XT_SUITE("blkback-strict")
{
	TCase *t = xt_tcase("strict");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, connect_keys_in_one_transaction);
	tcase_add_test(t, connect_keys_lenient_no_transaction);
	tcase_add_test(t, indirect_segments_aligned_each);
	tcase_add_test(t, indirect_segments_aligned_total_lenient);
	tcase_add_test(t, indirect_answered_with_inner_op);
	tcase_add_test(t, indirect_answered_indirect_lenient);
	tcase_add_test(t, refused_flush_withdraws_feature);
	tcase_add_test(t, refused_barrier_withdraws_feature);
	tcase_add_test(t, refused_flush_keeps_feature_lenient);
	tcase_add_test(t, mode_rw_is_writable);
	tcase_add_test(t, mode_without_w_is_readonly);
	tcase_add_test(t, mode_rw_first_char_lenient);
	tcase_add_test(t, missing_mode_is_fatal);
	tcase_add_test(t, missing_mode_optional_lenient);
	tcase_add_test(t, numbers_read_as_linux);
	tcase_add_test(t, numbers_strict_lenient);
	tcase_add_test(t, flag_two_is_true);
	tcase_add_test(t, flag_two_is_false_strict);
	tcase_add_test(t, ring_ref0_without_order_refused);
	tcase_add_test(t, ring_ref0_lenient);
	tcase_add_test(t, order_zero_key_means_ring_ref0);
	tcase_add_test(t, missing_online_is_offline);
	tcase_add_test(t, missing_online_lenient);
	tcase_add_test(t, discard_enable_zero_hides_discard);
	tcase_add_test(t, closed_to_connected_without_initwait);
	tcase_add_test(t, closed_via_initwait_lenient);
	tcase_add_test(t, closing_to_connected);
	tcase_add_test(t, closing_ignores_frontend_lenient);
	tcase_add_test(t, failed_connect_not_retried);
	tcase_add_test(t, toolstack_close_does_not_reconnect);
	tcase_add_test(t, unoffered_flush_okay_without_preflush);
	tcase_add_test(t, unoffered_flush_eopnotsupp_lenient);
}
