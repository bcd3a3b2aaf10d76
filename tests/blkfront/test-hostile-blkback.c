/* SPDX-License-Identifier: MIT */
/* blkfront against the mock blkback in each hostile mode (enum
 * xf_blkback_hostile): the backend answers two requests well and then
 * breaks one rule of io/ring.h or io/blkif.h. blkfront must go into its
 * error state with a message naming what the backend did, complete every
 * I/O exactly once, and release every grant and port at teardown. Each
 * test also asserts that the backend did act (hostile_acts), so a mode
 * that is not applied fails its test. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>

#include "xt.h"
#include "xt-blk.h"
#include "xt-mock.h"

#define FE XT_GUEST
#define BE XT_DOM0
#define NIO 8
#define GOOD 2 /* hostile_after */

static struct {
	struct xf_mock_hv *hv;
	struct xf_platform *dom0, *fe;
	struct xf_rt *rt;
	struct xf_blkdisk *disk;
	struct xf_vbd_config vc;
	struct xf_blkback *bb;
	struct xf_blkfront *bf;
	atomic_uint errors, closed;
	/* xf_blkfront_get_info()'s state when the error event came. */
	atomic_int state_at_error;
} E;

static void on_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	struct xf_blkfront_info info;

	(void)opaque;
	if (ev == XF_BLKFRONT_EV_ERROR) {
		atomic_fetch_add(&E.errors, 1);
		ck_assert_int_eq(xf_blkfront_get_info(bf, &info), 0);
		atomic_store(&E.state_at_error, (int)info.state);
	}
	else if (ev == XF_BLKFRONT_EV_CLOSED)
		atomic_fetch_add(&E.closed, 1);
}

static void run_ms(unsigned int ms)
{
	for (unsigned int i = 0; i < ms; i++)
		xf_rt_run(E.rt, xf_rt_now_ns(E.rt) + 1000000ull);
}

static enum xf_blkfront_state fe_state(void)
{
	struct xf_blkfront_info info;

	ck_assert_int_eq(xf_blkfront_get_info(E.bf, &info), 0);
	return info.state;
}

static void up(enum xf_blkback_hostile mode)
{
	struct xf_rt_config rc;
	struct xf_blkdisk_config dc;
	struct xf_blkback_config bc;
	struct xf_blkfront_config fc;
	char path[128];

	memset(&E, 0, sizeof(E));
	xt_mock_pair(&E.hv, &E.dom0, &E.fe);
	xf_rt_config_init(&rc);
	rc.mode = XF_RT_SIM;
	rc.nr_vcpus = 2;
	ck_assert_int_eq(xf_rt_new(&rc, &E.rt), 0);
	xf_blkdisk_config_init(&dc);
	dc.size_bytes = 1u << 20;
	ck_assert_int_eq(xf_blkdisk_new(&dc, &E.disk), 0);
	xf_vbd_config_init(&E.vc);
	E.vc.frontend_id = FE;
	E.vc.backend_id = BE;
	ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);

	xf_blkback_config_init(&bc);
	bc.platform = E.dom0;
	bc.rt = E.rt;
	bc.frontend_id = FE;
	bc.devid = E.vc.devid;
	bc.disk = E.disk;
	ck_assert_int_eq(xf_blkback_features_preset("single-queue",
						    &bc.features), 0);
	bc.hostile = mode;
	bc.hostile_after = GOOD;
	ck_assert_int_eq(xf_blkback_new(&bc, &E.bb), 0);

	xf_blkfront_config_init(&fc);
	ck_assert_int_eq(xf_vbd_frontend_path(&E.vc, path, sizeof(path)), 0);
	fc.platform = E.fe;
	fc.rt = E.rt;
	fc.nodename = path;
	fc.event = on_event;
	fc.max_queues = 1;
	ck_assert_int_eq(xf_blkfront_new(&fc, &E.bf), 0);
	for (int i = 0; i < 2000 && fe_state() != XF_BLKFRONT_CONNECTED; i++)
		run_ms(1);
	ck_assert_int_eq(fe_state(), XF_BLKFRONT_CONNECTED);
}

/* Close, free, and nothing of the frontend domain left granted or
 * bound. */
static void down(void)
{
	ck_assert_int_eq(xf_blkfront_close(E.bf), 0);
	for (int i = 0; i < 2000 && !atomic_load(&E.closed); i++)
		run_ms(1);
	ck_assert_uint_eq(atomic_load(&E.closed), 1);
	xf_blkfront_free(E.bf);
	xf_blkback_free(E.bb);
	XT_MOCK_ASSERT_CLEAN(E.hv, FE);
	xf_rt_free(E.rt);
	xf_blkdisk_free(E.disk);
	xf_mock_hv_free(E.hv);
}

/* NIO writes at once against a backend in mode; then the checks every
 * mode shares, msg being what blkfront's error must say and min_ok the
 * I/Os answered well before the act that must still have succeeded. */
static void expect_hostile(enum xf_blkback_hostile mode, const char *msg,
			   unsigned int min_ok)
{
	static uint8_t buf[NIO][4096];
	struct xf_blkfront_io io[NIO], late;
	struct xt_done d[NIO], dl = { 0, 0 };
	struct xf_blkback_stats bs;
	struct xf_blkfront_info info;
	char err[256];
	unsigned int failed = 0;
	int at_error;

	up(mode);
	memset(d, 0, sizeof(d));
	for (unsigned int i = 0; i < NIO; i++) {
		memset(buf[i], (int)i + 1, sizeof(buf[i]));
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, (uint64_t)i * 4096, 4096,
			  buf[i], &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io[i]), 0);
	}
	run_ms(50);

	ck_assert_int_eq(xf_blkfront_get_info(E.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_uint_ge(info.protocol_errors, 1);
	ck_assert_int_eq(xf_blkfront_error(E.bf, err, sizeof(err)), -EPROTO);
	ck_assert_msg(strstr(err, msg), "message: %s", err);
	ck_assert_uint_eq(atomic_load(&E.errors), 1);
	/* Told of the error, a caller reads the error state, not the one
	 * from before it (the xenbus actor may not have run yet). */
	at_error = atomic_load(&E.state_at_error);
	ck_assert_int_eq(at_error, XF_BLKFRONT_ERROR);
	xf_blkback_stats(E.bb, &bs);
	ck_assert_uint_eq(bs.hostile_acts, 1);
	/* Every I/O exactly once: done, or failed because of the act;
	 * never twice, never left hanging. */
	for (unsigned int i = 0; i < NIO; i++) {
		ck_assert_int_eq(atomic_load(&d[i].calls), 1);
		if (atomic_load(&d[i].status) == -EPROTO)
			failed++;
		else
			ck_assert_int_eq(atomic_load(&d[i].status), 0);
	}
	/* hostile_after good answers came first; at least the request
	 * the act was about fails. */
	ck_assert_uint_ge(NIO - failed, min_ok);
	ck_assert_uint_ge(failed, NIO - GOOD - 1);

	/* The device stays failed: new I/O fails once, old ones are not
	 * completed again by whatever the backend sends later. */
	xt_blk_io(&late, XF_BLKFRONT_READ, 0, 4096, buf[0], &dl);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &late), 0);
	run_ms(50);
	xt_blk_expect_once(&dl, 1, -EPROTO);
	for (unsigned int i = 0; i < NIO; i++)
		ck_assert_int_eq(atomic_load(&d[i].calls), 1);
	down();
}

/* ring.h: a response only for a consumed request, so rsp_prod never
 * passes req_prod. Within a ring of rsp_cons, so only a frontend that
 * bounds it by its own req_prod_pvt notices before reading stale slots
 * as responses; the whole batch is suspect, so nothing succeeds. */
START_TEST(ring_rsp_prod_beyond_requests)
{
	expect_hostile(XF_BLKBACK_HOSTILE_RSP_PROD_BEYOND,
		       "rsp_prod beyond the requests pushed", 0);
}
END_TEST

/* blkif.h: id copied from the request; the ring's size is no id. */
START_TEST(rsp_id_out_of_range)
{
	expect_hostile(XF_BLKBACK_HOSTILE_ID_OUT_OF_RANGE,
		       "response id out of range", GOOD);
}
END_TEST

/* One response per request: the second answer of the same id. */
START_TEST(rsp_id_duplicate)
{
	expect_hostile(XF_BLKBACK_HOSTILE_ID_DUPLICATE,
		       "not in flight (already completed",
		       GOOD + 1);
}
END_TEST

/* An answer for a request already answered (a stale request record). */
START_TEST(rsp_id_already_completed)
{
	expect_hostile(XF_BLKBACK_HOSTILE_ID_COMPLETED,
		       "not in flight (already completed",
		       GOOD);
}
END_TEST

/* blkif.h: operation copied from the request. */
START_TEST(rsp_op_mismatch)
{
	expect_hostile(XF_BLKBACK_HOSTILE_WRONG_OP,
		       "response operation does not match", GOOD);
}
END_TEST

/* blkif.h: status is BLKIF_RSP_OKAY, _ERROR or _EOPNOTSUPP, not an
 * errno passed through. */
START_TEST(rsp_status_unknown)
{
	expect_hostile(XF_BLKBACK_HOSTILE_UNKNOWN_STATUS,
		       "unknown response status", GOOD);
}
END_TEST

/* ring.h: requests up to req_prod only; an answer for an id that was
 * never pushed. */
START_TEST(rsp_id_never_pushed)
{
	expect_hostile(XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST,
		       "not in flight (never issued)",
		       GOOD);
}
END_TEST

/* Names round-trip; an unknown mode is refused. */
START_TEST(hostile_names)
{
	const char *const *n = xf_blkback_hostile_names();
	enum xf_blkback_hostile h;
	unsigned int i;

	for (i = 0; n[i]; i++) {
		ck_assert_int_eq(xf_blkback_hostile_parse(n[i], &h), 0);
		ck_assert_uint_eq(h, i);
		ck_assert_str_eq(xf_blkback_hostile_name(h), n[i]);
	}
	ck_assert_uint_eq(i, XF_BLKBACK_HOSTILE_NR);
	ck_assert_int_eq(xf_blkback_hostile_parse("id-twice", &h), -EINVAL);
	ck_assert_str_eq(xf_blkback_hostile_name(XF_BLKBACK_HOSTILE_NR), "?");
}
END_TEST

XT_SUITE("blkfront-hostile-blkback")
{
	TCase *tc = xt_tcase("hostile-blkback");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ring_rsp_prod_beyond_requests);
	tcase_add_test(tc, rsp_id_out_of_range);
	tcase_add_test(tc, rsp_id_duplicate);
	tcase_add_test(tc, rsp_id_already_completed);
	tcase_add_test(tc, rsp_op_mismatch);
	tcase_add_test(tc, rsp_status_unknown);
	tcase_add_test(tc, rsp_id_never_pushed);
	tcase_add_test(tc, hostile_names);
}
