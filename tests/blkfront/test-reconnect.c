/* SPDX-License-Identifier: MIT */
/* Reconnects with I/O in flight against a scripted backend: backend
 * close/reopen, restart, device removal and re-appearance, suspend and
 * resume to a backend with fewer features, flush ordering on reissue.
 * Every I/O completes exactly once; no grant or port leaks. */
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
	sb_init(&sb, XF_RT_SIM, 4, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

struct feat {
	unsigned int queues, order, indirect;
	bool persistent, flush, barrier;
};

static void publish(const struct feat *f)
{
	char v[32];

	snprintf(v, sizeof(v), "%u", f->queues);
	sb_write(&sb, "multi-queue-max-queues", v);
	snprintf(v, sizeof(v), "%u", f->order);
	sb_write(&sb, "max-ring-page-order", v);
	snprintf(v, sizeof(v), "%u", f->indirect);
	sb_write(&sb, "feature-max-indirect-segments", v);
	sb_write(&sb, "feature-persistent", f->persistent ? "1" : "0");
	sb_write(&sb, "feature-flush-cache", f->flush ? "1" : "0");
	sb_write(&sb, "feature-barrier", f->barrier ? "1" : "0");
}

/* Backend side of a (re)connect from InitWait to Connected. */
static void backend_connect(const struct feat *f)
{
	publish(f);
	sb_connect(&sb, SB_DISK_BYTES / 512, 512);
}

/* A frontend of max_queues, connected to a backend offering f. */
static void start(int max_queues, const struct feat *f)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = max_queues;
	sb_start(&sb, &cfg);
	backend_connect(f);
}

/* The backend restarts: gone, then a new one offering f connects. */
static void backend_restart(const struct feat *f)
{
	sb_backend_closed(&sb);
	backend_connect(f);
	sb_run(&sb);
}

/* Answers req OK and runs. */
static void ok(unsigned int qi, const struct xf_blkif_req *req)
{
	sb_respond(&sb, qi, req->id, req->operation, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
}

/* Performs req, answers it OK and runs. */
static void serve(unsigned int qi, const struct xf_blkif_req *req)
{
	ck_assert_int_eq(sb_do_io(&sb, req), 0);
	ok(qi, req);
}

/* The flush goes out alone on queue qi; once it is answered, the write
 * at sector follows. Both answered. */
static void flush_then_write(unsigned int qi, uint64_t sector)
{
	struct xf_blkif_req req;

	sb_expect_req(&sb, qi, XF_BLKIF_OP_FLUSH_DISKCACHE, 0, &req);
	sb_expect_empty(&sb, qi);
	ok(qi, &req);
	sb_expect_req(&sb, qi, XF_BLKIF_OP_WRITE, sector, &req);
	ok(qi, &req);
}

/* Neither queue holds a request. */
static void expect_idle(void)
{
	sb_expect_empty(&sb, 0);
	sb_expect_empty(&sb, 1);
}

/* Asserts each of io[0..n) completed once, OK, and its data is on the
 * disk. */
static void expect_written(struct xf_blkfront_io *io, struct xt_done *d,
			   unsigned int n)
{
	xt_blk_expect_once(d, n, 0);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_mem_eq(sb.disk + io[i].offset_bytes, io[i].buf,
				 io[i].len_bytes);
}

static unsigned int serve_until_done(struct xt_done *d, unsigned int n)
{
	unsigned int served = 0;

	for (int round = 0; round < 50; round++) {
		bool all = true;

		sb_run(&sb);
		served += sb_serve_all(&sb);
		sb_run(&sb);
		for (unsigned int i = 0; i < n; i++)
			if (!d[i].calls)
				all = false;
		if (all)
			break;
	}
	return served;
}

/* Backend goes Closing with requests in flight (some already answered),
 * then Closed, then accepts a new connection with other features. Ten
 * rounds in one test. */
START_TEST(backend_close_reopen_x10)
{
	enum { NIO = 6 };
	static const uint64_t lens[NIO] = { 4096, 45 * 1024, 512,
					    300 * 1024, 8192, 64 * 1024 };
	static uint8_t wbuf[NIO][300 * 1024], rbuf[300 * 1024];
	const struct feat feats[4] = {
		{ 4, 2, 256, true, true },
		{ 1, 0, 0, false, false },
		{ 2, 1, 32, true, false },
		{ 1, 3, 0, false, true },
	};

	start(4, &feats[0]);
	for (unsigned int round = 0; round < 10; round++) {
		struct xf_blkfront_io io[NIO], rio;
		struct xt_done d[NIO + 1];
		struct xf_blkif_req req;
		struct xf_blkfront_info info;
		uint64_t off = 0;

		memset(d, 0, sizeof(d));
		for (unsigned int i = 0; i < NIO; i++) {
			sb_mkwrite(&io[i], &d[i], wbuf[i], lens[i], off, i,
				   round * 16 + i);
			off += lens[i] + 4096;
			ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
		}
		sb_run(&sb);
		/* Answer the first request of each queue; keep the rest in
		 * flight across the reconnect. */
		for (unsigned int q = 0; q < sb.nq; q++) {
			if (sb_pop(&sb, q, &req) == 0) {
				ck_assert_int_eq(sb_do_io(&sb, &req), 0);
				sb_respond(&sb, q, req.id, req.operation, 0);
			}
		}
		sb_state(&sb, XF_XENBUS_CLOSING);
		sb_run(&sb);
		ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
		ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
		ck_assert_int_eq(info.state, XF_BLKFRONT_RECONNECTING);
		/* Submitted while disconnected: held. */
		xt_blk_io(&rio, XF_BLKFRONT_READ, io[3].offset_bytes, lens[3],
		       rbuf, &d[NIO]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &rio), 0);
		sb_backend_closed(&sb);
		ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
		/* Only I/O whose every part was answered completed. */
		for (unsigned int i = 0; i < NIO; i++)
			ck_assert_int_le(d[i].calls, 1);
		ck_assert_int_eq(d[NIO].calls, 0);
		backend_connect(&feats[(round + 1) % 4]);
		serve_until_done(d, NIO + 1);
		expect_written(io, d, NIO);
		/* The read was submitted after the writes it overlaps
		 * completed? No: it may run before them; only check once. */
		xt_blk_expect_once(&d[NIO], 1, 0);
		ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
		ck_assert_uint_eq(info.connects, round + 2);
		ck_assert_uint_eq(info.nr_queues,
				  feats[(round + 1) % 4].queues);
		ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_DISCONNECTED],
				  round + 1);
		/* No stray responses left: nothing was sent twice. */
		for (unsigned int q = 0; q < sb.nq; q++)
			sb_expect_empty(&sb, q);
	}
	struct xf_mock_stats ms;

	sb_fe_stats(&sb, &ms);
	ck_assert_uint_eq(ms.gnt_revoke_busy, 0);
	sb_close_clean(&sb);
}
END_TEST

/* Parts already answered are not sent again; exactly the unanswered
 * ones are reissued. */
START_TEST(only_unanswered_parts_reissued)
{
	static uint8_t buf[88 * 1024];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req r[2];
	struct xf_blkfront_queue_stats qs;
	const struct feat f = { 1, 0, 0, false, false };

	start(1, &f);
	sb_mkwrite(&io, &d, buf, sizeof(buf), 0, 0, 3);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_pop(&sb, 0, &r[0]), 0);
	ck_assert_int_eq(sb_pop(&sb, 0, &r[1]), 0);
	ck_assert_uint_eq(r[1].sector_number, 88);
	ck_assert_int_eq(sb_do_io(&sb, &r[1]), 0);
	sb_respond(&sb, 0, r[1].id, r[1].operation, 0);
	/* Backend restarts without closing (crash + new instance). */
	sb_unmap_rings(&sb);
	sb_state(&sb, XF_XENBUS_INITIALISING);
	sb_run(&sb);
	backend_connect(&f);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.reissued, 1);
	sb_run(&sb);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &r[0]);
	ck_assert_uint_eq(r[0].nr_segments, 11);
	sb_expect_empty(&sb, 0);
	serve(0, &r[0]);
	expect_written(&io, &d, 1);
	sb_close_clean(&sb);
}
END_TEST

/* Suspend with big indirect requests in flight on 4 queues, resume on a
 * "host" with 1 queue, one ring page, no indirect, no persistent: the
 * I/O is re-split into 11-segment requests and completes once. */
START_TEST(suspend_resume_fewer_features)
{
	enum { NIO = 4, LEN = 256 * 1024 };
	static uint8_t wbuf[NIO][LEN];
	struct xf_blkfront_io io[NIO];
	struct xt_done d[NIO];
	struct xf_blkif_req req;
	struct xf_blkfront_info info;
	const struct feat big = { 4, 2, 256, true, true };
	const struct feat small = { 1, 0, 0, false, false };
	unsigned int nreq = 0;

	memset(d, 0, sizeof(d));
	start(4, &big);
	for (unsigned int i = 0; i < NIO; i++) {
		sb_mkwrite(&io[i], &d[i], wbuf[i], LEN, (uint64_t)i * LEN, i,
			   i);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	for (unsigned int q = 0; q < 4; q++) {
		struct xf_blkfront_queue_stats qs;

		ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, q, &qs), 0);
		ck_assert_uint_eq(qs.indirect_requests, 1);
	}
	ck_assert_int_eq(xf_blkfront_suspend(sb.bf), 0);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_SUSPENDED);
	/* Migration: old backend gone, both directories re-created. */
	sb_remove_dirs(&sb);
	sb_create_dirs(&sb, -1);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_resume(sb.bf), 0);
	sb_run(&sb);
	backend_connect(&small);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.nr_queues, 1);
	ck_assert_uint_eq(info.max_indirect_segments, 0);
	ck_assert(!info.persistent);
	for (int round = 0; round < 40; round++) {
		sb_run(&sb);
		while (sb_pop(&sb, 0, &req) == 0) {
			ck_assert_uint_eq(req.operation, XF_BLKIF_OP_WRITE);
			ck_assert_uint_le(req.nr_segments, 11);
			ck_assert_int_eq(sb_do_io(&sb, &req), 0);
			sb_respond(&sb, 0, req.id, req.operation, 0);
			nreq++;
		}
	}
	sb_run(&sb);
	/* 64 pages each: 5 requests of 11 and one of 9. */
	ck_assert_uint_eq(nreq, NIO * 6);
	expect_written(io, d, NIO);
	sb_close_clean(&sb);
}
END_TEST

/* W1, FLUSH, W2 in flight at a reconnect: the reissued flush waits for
 * W1 to complete, and W2 waits for the flush. */
START_TEST(flush_order_kept_on_reissue)
{
	static uint8_t b1[4096], b2[4096];
	struct xf_blkfront_io io[3];
	struct xt_done d[3];
	struct xf_blkif_req req;
	const struct feat f = { 1, 0, 0, true, true };

	memset(d, 0, sizeof(d));
	start(1, &f);
	xt_blk_io(&io[0], XF_BLKFRONT_WRITE, 0, 4096, b1, &d[0]);
	xt_blk_io(&io[1], XF_BLKFRONT_FLUSH, 0, 0, NULL, &d[1]);
	xt_blk_io(&io[2], XF_BLKFRONT_WRITE, 4096, 4096, b2, &d[2]);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	sb_run(&sb);
	backend_restart(&f);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &req);
	sb_expect_empty(&sb, 0);
	ok(0, &req);
	flush_then_write(0, 8);
	xt_blk_expect_once(d, 3, 0);
	sb_close_clean(&sb);
}
END_TEST

/* Two queues, all in flight at a reconnect: W0 (q0), W1 (q1), then a
 * flush on q1 (_i = 0) or a FUA write sent as a barrier on q1 (_i = 1),
 * then W3 (q0), W4 (q1); W5 is submitted while disconnected, W6 after
 * the reconnect. The reissued flush is a device-wide fence: it goes out
 * only after W0 on the OTHER queue completed too, and W3..W6 on both
 * queues wait until it completed, as at the original submission. */
START_TEST(flush_fence_across_queues)
{
	static uint8_t buf[7][4096];
	struct xf_blkfront_io io[7];
	struct xt_done d[7];
	struct xf_blkif_req w0, w1, fl, tail[4];
	struct xf_blkfront_queue_stats qs;
	const bool barrier = _i;
	const struct feat f = { 2, 0, 0, false, true, barrier };
	const uint8_t fence_op = barrier ? XF_BLKIF_OP_WRITE_BARRIER
					 : XF_BLKIF_OP_FLUSH_DISKCACHE;
	static const unsigned int queue[7] = { 0, 1, 1, 0, 1, 0, 1 };

	memset(d, 0, sizeof(d));
	start(2, &f);
	/* W<i> at sector 128 * i. */
	for (int i = 0; i < 7; i++)
		sb_mkwrite(&io[i], &d[i], buf[i], sizeof(buf[i]),
			   (uint64_t)i * 65536, queue[i], 60 + i);
	if (barrier) {
		io[2].flags = XF_BLKFRONT_F_FUA;
	} else {
		xt_blk_io(&io[2], XF_BLKFRONT_FLUSH, 0, 0, NULL, &d[2]);
		io[2].queue = queue[2];
	}
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	sb_run(&sb);
	/* All five went out on the first connection, nobody answered. */
	sb_backend_closed(&sb);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[5]), 0);
	backend_connect(&f);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[6]), 0);
	sb_run(&sb);
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(d[i].calls, 0);
	/* Only the writes before the fence. */
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &w0);
	sb_expect_empty(&sb, 0);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 128, &w1);
	sb_expect_empty(&sb, 1);
	/* W1 done: the fence still waits for W0 on queue 0. */
	ok(1, &w1);
	ck_assert_int_eq(d[1].calls, 1);
	expect_idle();
	ok(0, &w0);
	ck_assert_int_eq(d[0].calls, 1);
	sb_expect_req(&sb, 1, fence_op, 256, &fl);
	expect_idle();
	/* Nothing passes the fence while it is on the ring. */
	sb_run(&sb);
	expect_idle();
	ok(1, &fl);
	ck_assert_int_eq(d[2].calls, 1);
	/* Then the rest, in submission order on each queue. */
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 384, &tail[0]);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 640, &tail[1]);
	sb_expect_empty(&sb, 0);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 512, &tail[2]);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 768, &tail[3]);
	sb_expect_empty(&sb, 1);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sb_do_io(&sb, &tail[i]), 0);
		sb_respond(&sb, i < 2 ? 0 : 1, tail[i].id, tail[i].operation,
			   XF_BLKIF_RSP_OKAY);
	}
	sb_run(&sb);
	xt_blk_expect_once(d, 3, 0);
	expect_written(&io[3], &d[3], 4);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.reissued, 2);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 1, &qs), 0);
	ck_assert_uint_eq(qs.reissued, 3);
	/* Nothing went out twice. */
	sb_run(&sb);
	expect_idle();
	sb_close_clean(&sb);
}
END_TEST

/* A fence that never got sent is rebuilt at the next reconnect: a
 * second reconnect while the reissued flush still waits for W0 keeps
 * the same order. */
START_TEST(flush_fence_survives_second_reconnect)
{
	static uint8_t b0[4096], b2[4096];
	struct xf_blkfront_io io[3];
	struct xt_done d[3];
	struct xf_blkif_req req;
	const struct feat f = { 2, 0, 0, false, true, false };

	memset(d, 0, sizeof(d));
	start(2, &f);
	xt_blk_io(&io[0], XF_BLKFRONT_WRITE, 0, 4096, b0, &d[0]);
	xt_blk_io(&io[1], XF_BLKFRONT_FLUSH, 0, 0, NULL, &d[1]);
	io[1].queue = 1;
	xt_blk_io(&io[2], XF_BLKFRONT_WRITE, 8192, 4096, b2, &d[2]);
	io[2].queue = 1;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	sb_run(&sb);
	for (int round = 0; round < 2; round++) {
		backend_restart(&f);
		sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &req);
		expect_idle();
	}
	ok(0, &req);
	flush_then_write(1, 16);
	xt_blk_expect_once(d, 3, 0);
	sb_close_clean(&sb);
}
END_TEST

/* A fence stays a fence until it completes, however later connections
 * send it. W0 (q0), a FUA write W (q1), W2 (q0), W3 (q1) go out on
 * backend 1 with barrier: W as WRITE_BARRIER. Backend 2 has flush only:
 * after W0, W's data goes out as a plain WRITE to be followed by a
 * flush. A second reconnect comes while that data is on the ring
 * (_i = 0) or after it was answered, with W's post-flush still queued
 * (_i = 1). On backend 3 the rest of W goes out alone, and W2/W3 wait
 * on both queues until W completed, as behind the original barrier. */
START_TEST(fua_barrier_fence_survives_redecision)
{
	static uint8_t buf[4][4096];
	struct xf_blkfront_io io[4];
	struct xt_done d[4];
	struct xf_blkif_req req, w0, wd, t0, t1;
	struct xf_blkfront_queue_stats qs;
	struct xf_blkfront_info info;
	struct xf_mock_stats ms;
	const bool flush_queued = _i;
	const struct feat b1 = { 2, 0, 0, false, false, true };
	const struct feat b2 = { 2, 0, 0, false, true, false };
	static const unsigned int queue[4] = { 0, 1, 0, 1 };
	uint64_t requests;

	memset(d, 0, sizeof(d));
	start(2, &b1);
	/* W<i> at sector 128 * i. */
	for (int i = 0; i < 4; i++)
		sb_mkwrite(&io[i], &d[i], buf[i], sizeof(buf[i]),
			   (uint64_t)i * 65536, queue[i], 80 + i);
	io[1].flags = XF_BLKFRONT_F_FUA;
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	sb_run(&sb);
	/* Connection 1: everything out, W as a barrier; nobody answers. */
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &req);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 256, &req);
	sb_expect_empty(&sb, 0);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE_BARRIER, 128, &req);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 384, &req);
	sb_expect_empty(&sb, 1);
	sb_backend_closed(&sb);

	/* Connection 2: W is a fence behind W0. */
	backend_connect(&b2);
	sb_run(&sb);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &w0);
	expect_idle();
	serve(0, &w0);
	ck_assert_int_eq(d[0].calls, 1);
	/* No barrier here: W's data as a plain write, alone. */
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 128, &wd);
	expect_idle();
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 1, &qs), 0);
	requests = qs.requests;
	if (flush_queued) {
		/* Answered, and the backend leaves before the frontend
		 * looked: the answer is harvested at the take-back, which
		 * queues W's post-flush without sending it. */
		ck_assert_int_eq(sb_do_io(&sb, &wd), 0);
		sb_respond(&sb, 1, wd.id, wd.operation, XF_BLKIF_RSP_OKAY);
	}
	sb_state(&sb, XF_XENBUS_CLOSING);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 1, &qs), 0);
	ck_assert_uint_eq(qs.requests, requests);
	sb_backend_closed(&sb);
	ck_assert_int_eq(d[1].calls, 0);

	/* Connection 3: the rest of W alone, then W2 and W3. */
	backend_connect(&b2);
	sb_run(&sb);
	if (!flush_queued) {
		sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 128, &req);
		expect_idle();
		serve(1, &req);
	}
	sb_expect_req(&sb, 1, XF_BLKIF_OP_FLUSH_DISKCACHE, 0, &req);
	expect_idle();
	ck_assert_int_eq(d[1].calls, 0);
	sb_run(&sb);
	expect_idle();
	ok(1, &req);
	xt_blk_expect_once(&d[1], 1, 0);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 256, &t0);
	sb_expect_empty(&sb, 0);
	sb_expect_req(&sb, 1, XF_BLKIF_OP_WRITE, 384, &t1);
	sb_expect_empty(&sb, 1);
	ck_assert_int_eq(sb_do_io(&sb, &t0), 0);
	ck_assert_int_eq(sb_do_io(&sb, &t1), 0);
	sb_respond(&sb, 0, t0.id, t0.operation, XF_BLKIF_RSP_OKAY);
	sb_respond(&sb, 1, t1.id, t1.operation, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
	expect_written(io, d, 4);
	/* Nothing went out twice, nothing completed twice. */
	sb_run(&sb);
	expect_idle();
	xt_blk_expect_once(d, 4, 0);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.connects, 3);
	ck_assert_uint_eq(info.fua_unprotected, 0);
	sb_fe_stats(&sb, &ms);
	ck_assert_uint_eq(ms.gnt_revoke_busy, 0);
	sb_close_clean(&sb);
}
END_TEST

/* An unprotected FUA write in flight at a reconnect to another backend
 * without barrier or flush is sent plain twice, but it is one write:
 * counted once in fua_unprotected. Each connection that sent it plain
 * still reports degraded durability once. */
START_TEST(fua_unprotected_counted_once_on_reissue)
{
	static uint8_t buf[2][4096];
	struct xf_blkfront_io io[2];
	struct xt_done d[2];
	struct xf_blkif_req req;
	struct xf_blkfront_info info;
	const struct feat none = { 1, 0, 0, false, false, false };

	memset(d, 0, sizeof(d));
	start(1, &none);
	for (int i = 0; i < 2; i++) {
		sb_mkwrite(&io[i], &d[i], buf[i], sizeof(buf[i]),
			   (uint64_t)i * 4096, 0, 90 + i);
		io[i].flags = XF_BLKFRONT_F_FUA;
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	/* The first is answered, the second is still in flight. */
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &req);
	ck_assert_int_eq(sb_do_io(&sb, &req), 0);
	sb_respond(&sb, 0, req.id, req.operation, XF_BLKIF_RSP_OKAY);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 8, &req);
	sb_expect_empty(&sb, 0);
	sb_run(&sb);
	ck_assert_int_eq(d[0].calls, 1);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.fua_unprotected, 2);
	ck_assert_uint_eq(info.durability_degraded, 1);
	for (int round = 0; round < 2; round++) {
		backend_restart(&none);
		sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 8, &req);
		sb_expect_empty(&sb, 0);
	}
	serve(0, &req);
	expect_written(io, d, 2);
	sb_expect_empty(&sb, 0);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.fua_unprotected, 2);
	ck_assert_uint_eq(info.durability_degraded, 3);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_DURABILITY_DEGRADED], 3);
	/* Resubmitted after completion: a new write, counted again. */
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[1]), 0);
	sb_run(&sb);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 8, &req);
	ok(0, &req);
	ck_assert_int_eq(d[1].calls, 2);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.fua_unprotected, 3);
	sb_close_clean(&sb);
}
END_TEST

/* FUA on a backend with neither barrier nor flush goes out as a plain
 * write: not durable. Reported as durability degraded once per
 * connection (event and counter), every such write counted. */
START_TEST(fua_without_cache_control_degraded)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;
	struct xf_blkfront_info info;
	const struct feat none = { 1, 0, 0, false, false, false };
	const struct feat fl = { 1, 0, 0, false, true, false };

	start(1, &none);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	io.flags = XF_BLKFRONT_F_FUA;
	for (int round = 0; round < 4; round++) {
		bool protected_ = round == 3;

		if (round == 2 || round == 3) {
			/* Reconnect: a new connection reports again. */
			sb_backend_closed(&sb);
			backend_connect(round == 3 ? &fl : &none);
		}
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
		sb_run(&sb);
		sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, 0, &req);
		ok(0, &req);
		if (protected_) {
			sb_expect_req(&sb, 0, XF_BLKIF_OP_FLUSH_DISKCACHE, 0,
				      &req);
			ok(0, &req);
		}
		sb_expect_empty(&sb, 0);
		ck_assert_int_eq(d.calls, round + 1);
		ck_assert_int_eq(d.status, 0);
		ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
		/* rounds 0 and 1 on connection 1, 2 on connection 2, 3 with
		 * flush on connection 3 */
		ck_assert_uint_eq(info.fua_unprotected, round < 3 ? round + 1
								  : 3);
		ck_assert_uint_eq(info.durability_degraded, round < 2 ? 1 : 2);
		ck_assert_uint_eq(
			sb.events[XF_BLKFRONT_EV_DURABILITY_DEGRADED],
			round < 2 ? 1 : 2);
	}
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
	sb_close_clean(&sb);
}
END_TEST

/* Device directory removed with I/O in flight, then re-created: the I/O
 * waits and is reissued on the new connection. */
START_TEST(device_removal_and_reappearance)
{
	static uint8_t buf[3][8192];
	struct xf_blkfront_io io[3];
	struct xt_done d[3];
	struct xf_blkfront_info info;
	const struct feat f = { 2, 1, 32, true, true };

	memset(d, 0, sizeof(d));
	start(2, &f);
	for (int i = 0; i < 3; i++) {
		sb_mkwrite(&io[i], &d[i], buf[i], sizeof(buf[i]),
			   (uint64_t)i * 65536, (unsigned int)i, 40 + i);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	sb_remove_dirs(&sb);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_RECONNECTING);
	sb_assert_released(&sb);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(d[i].calls, 0);
	sb_create_dirs(&sb, -1);
	sb_run(&sb);
	backend_connect(&f);
	serve_until_done(d, 3);
	expect_written(io, d, 3);
	sb_close_clean(&sb);
}
END_TEST

/* Teardown without a cooperative backend: free() completes what is left
 * with -ENODEV; grants the backend still maps are the only leak. */
START_TEST(free_with_io_outstanding)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io[2];
	struct xt_done d[2];
	const struct feat f = { 1, 0, 0, false, false };

	memset(d, 0, sizeof(d));
	start(1, &f);
	for (int i = 0; i < 2; i++) {
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, 0, 4096, buf, &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	sb_unmap_rings(&sb);
	xf_blkfront_free(sb.bf);
	sb.bf = NULL;
	xt_blk_expect_once(d, 2, -ENODEV);
	sb_assert_released(&sb);
}
END_TEST

XT_SUITE("blkfront-reconnect")
{
	TCase *tc = xt_tcase_fixture("reconnect", setup, teardown, 120);

	tcase_add_test(tc, backend_close_reopen_x10);
	tcase_add_test(tc, only_unanswered_parts_reissued);
	tcase_add_test(tc, suspend_resume_fewer_features);
	tcase_add_test(tc, flush_order_kept_on_reissue);
	tcase_add_loop_test(tc, flush_fence_across_queues, 0, 2);
	tcase_add_test(tc, flush_fence_survives_second_reconnect);
	tcase_add_loop_test(tc, fua_barrier_fence_survives_redecision, 0, 2);
	tcase_add_test(tc, fua_unprotected_counted_once_on_reissue);
	tcase_add_test(tc, fua_without_cache_control_degraded);
	tcase_add_test(tc, device_removal_and_reappearance);
	tcase_add_test(tc, free_with_io_outstanding);
}
