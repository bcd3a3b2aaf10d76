/* SPDX-License-Identifier: MIT */
/* A hostile backend: each protocol violation puts the device into the
 * error state with one clear message, every I/O completes exactly once,
 * nothing crashes, and teardown still releases every grant. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"
#include "xt.h"
#include "xt-blk.h"

static struct sb sb;


static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 2, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void connect_plain(int persistent)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	cfg.persistent = persistent;
	sb_start(&sb, &cfg);
	sb_write(&sb, "feature-persistent", "1");
	sb_connect(&sb, SB_DISK_BYTES / 512, 512);
}

/* Submits n 4 KiB writes from buf[i] at i * 4 KiB and takes their n
 * requests off the ring into req. */
static void submit_writes(unsigned int n, struct xf_blkfront_io *io,
			  struct xt_done *d, uint8_t (*buf)[4096],
			  struct xf_blkif_req *req)
{
	memset(d, 0, n * sizeof(*d));
	for (unsigned int i = 0; i < n; i++) {
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, (uint64_t)i * 4096, 4096,
		       buf[i], &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	ck_assert_uint_eq(sb_pop_all(&sb, 0, req, n), n);
}

enum hostile {
	H_ID_RANGE,
	H_DUPLICATE,
	H_NEVER_ISSUED,
	H_WRONG_OP,
	H_BAD_STATUS,
	H_PROD_OVERFLOW,
	H_GRANT_KEPT,
	H_NR,
};

static const char *const h_msg[H_NR] = {
	"out of range", "not in flight (already completed",
	"not in flight (never issued)", "operation",
	"status", "rsp_prod", "XSA-396",
};

START_TEST(hostile_response)
{
	static uint8_t buf[3][4096];
	struct xf_blkfront_io io[3], late;
	struct xt_done d[3], dl = { 0, 0 };
	struct xf_blkif_req req[3];
	struct xf_blkfront_info info;
	char msg[256];
	void *kept = NULL;

	connect_plain(_i == H_GRANT_KEPT ? 0 : 1);
	submit_writes(3, io, d, buf, req);

	switch (_i) {
	case H_ID_RANGE:
		sb_respond(&sb, 0, 1000, XF_BLKIF_OP_WRITE, 0);
		break;
	case H_DUPLICATE:
		sb_respond(&sb, 0, req[0].id, XF_BLKIF_OP_WRITE, 0);
		sb_run(&sb);
		xt_blk_expect_once(&d[0], 1, 0);
		sb_respond(&sb, 0, req[0].id, XF_BLKIF_OP_WRITE, 0);
		break;
	case H_NEVER_ISSUED:
		sb_respond(&sb, 0, 17, XF_BLKIF_OP_WRITE, 0);
		break;
	case H_WRONG_OP:
		sb_respond(&sb, 0, req[1].id, XF_BLKIF_OP_READ, 0);
		break;
	case H_BAD_STATUS:
		sb_respond(&sb, 0, req[1].id, XF_BLKIF_OP_WRITE, 7);
		break;
	case H_PROD_OVERFLOW: {
		struct sb_queue *q = &sb.q[0];

		xf_shm_store_release(&q->br.sring->rsp_prod,
				     q->br.rsp_prod_pvt + q->br.nr_ents + 1);
		sb.dom0->evtchn->notify(sb.evh, q->lport);
		break;
	}
	case H_GRANT_KEPT:
		/* Map the data page and answer without unmapping. */
		ck_assert_int_eq(sb.dom0->gnt->map(sb.dom0, SB_FE_DOMID, 1,
						   &req[2].seg[0].gref, false,
						   &kept), 0);
		sb_respond(&sb, 0, req[2].id, XF_BLKIF_OP_WRITE, 0);
		break;
	}
	sb_run(&sb);

	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_uint_ge(info.protocol_errors, 1);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, msg, sizeof(msg)), -EPROTO);
	ck_assert_msg(strstr(msg, h_msg[_i]), "message: %s", msg);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_ERROR], 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(d[i].calls, 1);
		/* A grant still mapped fails its own I/O too (XSA-396). */
		if (_i == H_DUPLICATE && i == 0)
			ck_assert_int_eq(d[i].status, 0);
		else
			ck_assert_int_eq(d[i].status, -EPROTO);
	}
	/* Further responses are ignored; new I/O fails once. */
	sb_respond(&sb, 0, req[1].id, XF_BLKIF_OP_WRITE, 0);
	xt_blk_io(&late, XF_BLKFRONT_READ, 0, 4096, buf[0], &dl);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &late), 0);
	sb_run(&sb);
	xt_blk_expect_once(&dl, 1, -EPROTO);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(d[i].calls, 1);

	if (kept) {
		ck_assert_uint_eq(info.grants_busy, 1);
		sb.dom0->gnt->unmap(sb.dom0, kept, 1);
	}
	sb_close_front(&sb);
	sb_assert_released(&sb);
}
END_TEST

/* The frontend copies a response once: rewriting the slot after it was
 * consumed changes nothing. */
START_TEST(response_rewritten_after_read)
{
	static uint8_t buf[2][4096];
	struct xf_blkfront_io io[2];
	struct xt_done d[2];
	struct xf_blkif_req req[2];
	struct sb_queue *q = &sb.q[0];

	connect_plain(1);
	submit_writes(2, io, d, buf, req);
	sb_respond(&sb, 0, req[0].id, XF_BLKIF_OP_WRITE, XF_BLKIF_RSP_ERROR);
	sb_run(&sb);
	xt_blk_expect_once(&d[0], 1, -EIO);
	/* Rewrite the consumed slot: other id, success. */
	struct xf_blkif_rsp rsp = { .id = req[1].id,
				    .operation = XF_BLKIF_OP_WRITE,
				    .status = 0 };

	xf_blkif_encode_rsp(sb.abi, xf_ring_slot(q->br.sring, q->br.nr_ents,
						 q->br.slot_size,
						 q->br.rsp_prod_pvt - 1),
			    &rsp);
	sb.dom0->evtchn->notify(sb.evh, q->lport);
	sb_run(&sb);
	xt_blk_expect_once(&d[0], 1, -EIO);
	ck_assert_int_eq(d[1].calls, 0);
	sb_respond(&sb, 0, req[1].id, XF_BLKIF_OP_WRITE, 0);
	sb_run(&sb);
	xt_blk_expect_once(&d[1], 1, 0);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

/* An event storm without responses costs nothing but wakeups. */
START_TEST(event_storm_without_responses)
{
	struct xf_blkfront_info info;

	connect_plain(1);
	for (int i = 0; i < 1000; i++)
		sb.dom0->evtchn->notify(sb.evh, sb.q[0].lport);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

/* A response to nothing: the device goes into the error state. */
static void hostile_answer(uint64_t id, uint8_t op, int16_t status)
{
	connect_plain(1);
	sb_respond(&sb, 0, id, op, status);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), -EPROTO);
}

/* Connected again, no error, nothing held, and an I/O of op works. */
static void expect_working(enum xf_blkfront_op op)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkfront_info info;

	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
	ck_assert_uint_eq(info.grants_busy, 0);
	xt_blk_io(&io, op, 0, sizeof(buf), buf, &d);
	ck_assert_int_eq(sb_submit_served(&sb, &io), 0);
}

/* The error state is left by device removal and re-appearance. */
START_TEST(error_cleared_by_reappearance)
{
	struct xf_blkfront_info info;
	struct xf_mock_stats ms;

	hostile_answer(999, XF_BLKIF_OP_READ, 0);
	/* Toolstack removes both directories, backend goes away. */
	sb_remove_dirs(&sb);
	sb_run(&sb);
	sb_fe_stats(&sb, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 0);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	/* Re-created at state 1: a fresh handshake clears the error. */
	sb_create_dirs(&sb, -1);
	sb_run(&sb);
	sb_connect(&sb, 64, 512);
	expect_working(XF_BLKFRONT_WRITE);
}
END_TEST

/* resume() leaves the error state: a fresh handshake with a new backend
 * (as after a migration). */
START_TEST(error_cleared_by_resume)
{
	hostile_answer(5, XF_BLKIF_OP_WRITE, 42);
	sb_remove_dirs(&sb);
	sb_create_dirs(&sb, -1);
	ck_assert_int_eq(xf_blkfront_resume(sb.bf), 0);
	sb_run(&sb);
	sb_connect(&sb, 64, 512);
	expect_working(XF_BLKFRONT_READ);
}
END_TEST

/* A refused notify is counted, not ignored. */
static const struct xf_evtchn_ops *real_evt;

static int refuse_notify(struct xf_evtch *h, xf_port port)
{
	(void)h;
	(void)port;
	return -EIO;
}

START_TEST(failed_notify_is_counted)
{
	static uint8_t buf[4096];
	static struct xf_evtchn_ops evt;
	struct xf_blkfront_queue_stats qs;
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };

	connect_plain(0);
	real_evt = sb.fe->evtchn;
	evt = *real_evt;
	evt.notify = refuse_notify;
	sb.fe->evtchn = &evt;
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, 4096, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	sb.fe->evtchn = real_evt;
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_ge(qs.notify_failed, 1);
	ck_assert_uint_eq(qs.notify_sent, 0);
	/* The request is on the ring all the same: serve it. */
	ck_assert_uint_eq(sb_serve_all(&sb), 1);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
}
END_TEST

XT_SUITE("blkfront-hostile")
{
	TCase *tc = xt_tcase_fixture("hostile", setup, teardown, 30);

	tcase_add_loop_test(tc, hostile_response, 0, H_NR);
	tcase_add_test(tc, response_rewritten_after_read);
	tcase_add_test(tc, event_storm_without_responses);
	tcase_add_test(tc, error_cleared_by_reappearance);
	tcase_add_test(tc, error_cleared_by_resume);
	tcase_add_test(tc, failed_notify_is_counted);
}
