/* SPDX-License-Identifier: MIT */
/* blkfront data path against a scripted backend: what goes on the wire
 * (splitting, indirect pages, persistent grant reuse, queue spread,
 * flush/barrier/FUA/discard) and what comes back. */
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

/* kv: NULL-terminated key/value pairs the backend offers. */
static void connect_with(int max_queues, int indirect, int persistent,
			 const char *const *kv, unsigned int ss)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = max_queues;
	cfg.max_indirect_segments = indirect;
	cfg.persistent = persistent;
	sb_start(&sb, &cfg);
	for (; kv && kv[0]; kv += 2)
		sb_write(&sb, kv[0], kv[1]);
	/* "sectors" in 512-byte units whatever sector-size is, as Linux
	 * blkback writes it. */
	sb_connect(&sb, SB_DISK_BYTES / 512, ss);
}

/* Submits io and serves everything until it completed for the
 * calls-th time. */
static void serve_until(struct xf_blkfront_io *io, struct xt_done *d,
			int calls)
{
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, io), 0);
	for (int i = 0; i < 10 && d->calls < calls; i++) {
		sb_run(&sb);
		sb_serve_all(&sb);
	}
	sb_run(&sb);
	ck_assert_int_eq(d->calls, calls);
	ck_assert_int_eq(d->status, 0);
}

static const char *const all_features[] = {
	"feature-persistent", "1",
	"feature-max-indirect-segments", "256",
	"max-ring-page-order", "2",
	"multi-queue-max-queues", "4",
	"feature-flush-cache", "1",
	"feature-barrier", "1",
	"feature-discard", "1",
	"discard-secure", "1",
	NULL,
};

/* 45 KiB = 12 segments: two requests (11 + 1) without indirect
 * descriptors, one indirect request with them. */
START_TEST(split_45k)
{
	static uint8_t buf[45 * 1024];
	struct xf_blkfront_io io;
	struct xf_blkif_req reqs[8];
	struct xt_done d = { 0, 0 };
	bool indirect = _i;
	struct xf_blkfront_queue_stats qs;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	connect_with(1, indirect ? 64 : 0, 1,
		     (const char *const[]){ "feature-max-indirect-segments",
					    "256", NULL }, 512);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 8192, sizeof(buf), buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	unsigned int n = sb_pop_all(&sb, 0, reqs, 8);

	if (indirect) {
		struct xf_blkif_request_segment segs[64];

		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(reqs[0].operation, XF_BLKIF_OP_INDIRECT);
		ck_assert_uint_eq(reqs[0].indirect_op, XF_BLKIF_OP_WRITE);
		ck_assert_uint_eq(reqs[0].nr_indirect_segments, 12);
		ck_assert_uint_eq(reqs[0].sector_number, 16);
		ck_assert_uint_eq(sb_segments(&sb, &reqs[0], segs), 12);
		ck_assert_uint_eq(segs[11].first_sect, 0);
		ck_assert_uint_eq(segs[11].last_sect, 1);
		ck_assert_uint_eq(segs[10].last_sect, 7);
	} else {
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(reqs[0].operation, XF_BLKIF_OP_WRITE);
		ck_assert_uint_eq(reqs[0].nr_segments, 11);
		ck_assert_uint_eq(reqs[0].sector_number, 16);
		ck_assert_uint_eq(reqs[1].nr_segments, 1);
		ck_assert_uint_eq(reqs[1].sector_number, 16 + 88);
		ck_assert_uint_eq(reqs[1].seg[0].last_sect, 1);
	}
	sb_answer(&sb, 0, reqs, n);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
	ck_assert_mem_eq(sb.disk + 8192, buf, sizeof(buf));
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.requests, n);
	ck_assert_uint_eq(qs.segments, 12);
	ck_assert_uint_eq(qs.indirect_requests, indirect ? 1 : 0);
}
END_TEST

/* Large reads and writes round-trip through the backend, in every
 * combination of persistent grants and indirect descriptors. */
START_TEST(data_roundtrip)
{
	const size_t len = 600 * 1024;
	uint8_t *wbuf = malloc(len), *rbuf = calloc(1, len);
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	int persistent = _i & 1, indirect = (_i & 2) ? 32 : 0;

	for (size_t i = 0; i < len; i++)
		wbuf[i] = (uint8_t)(i * 13 + 1);
	connect_with(1, indirect, persistent, all_features, 512);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 4096 * 3, len, wbuf, &d);
	serve_until(&io, &d, 1);
	ck_assert_mem_eq(sb.disk + 4096 * 3, wbuf, len);
	xt_blk_io(&io, XF_BLKFRONT_READ, 4096 * 3, len, rbuf, &d);
	serve_until(&io, &d, 2);
	ck_assert_mem_eq(rbuf, wbuf, len);
	free(wbuf);
	free(rbuf);
}
END_TEST

/* Indirect segment pages are granted read-only: the backend cannot
 * write them. Data pages of a persistent connection are writable. */
START_TEST(indirect_pages_read_only)
{
	static uint8_t buf[64 * 1024];
	struct xf_blkfront_io io;
	struct xf_blkif_req req;
	struct xt_done d = { 0, 0 };
	void *page;

	connect_with(1, 64, 0, all_features, 512);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	sb_submit_pop(&sb, &io, &req);
	ck_assert_uint_eq(req.operation, XF_BLKIF_OP_INDIRECT);
	ck_assert_int_eq(sb.dom0->gnt->map(sb.dom0, SB_FE_DOMID, 1,
					   &req.indirect_grefs[0], true,
					   &page), -EPERM);
	ck_assert_int_eq(sb.dom0->gnt->map(sb.dom0, SB_FE_DOMID, 1,
					   &req.indirect_grefs[0], false,
					   &page), 0);
	sb.dom0->gnt->unmap(sb.dom0, page, 1);
	/* Without persistent grants a write's data pages are read-only. */
	struct xf_blkif_request_segment segs[16];

	ck_assert_uint_eq(sb_segments(&sb, &req, segs), 16);
	ck_assert_int_eq(sb.dom0->gnt->map(sb.dom0, SB_FE_DOMID, 1,
					   &segs[0].gref, true, &page),
			 -EPERM);
	sb_answer(&sb, 0, &req, 1);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
}
END_TEST

/* Persistent grants: the second request reuses the first one's grants
 * (LIFO), and nothing is re-shared. Without them every request gets
 * fresh grants and revokes them on completion. */
START_TEST(persistent_grant_reuse)
{
	static uint8_t buf[8192];
	struct xf_blkfront_io io;
	struct xf_blkif_req r1, r2;
	struct xt_done d = { 0, 0 };
	struct xf_blkfront_queue_stats qs;
	struct xf_mock_stats ms;
	bool pers = _i;

	connect_with(1, 0, pers, all_features, 512);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	sb_submit_pop(&sb, &io, &r1);
	sb_answer(&sb, 0, &r1, 1);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);
	sb_fe_stats(&sb, &ms);
	/* 4 ring pages + 2 pooled data pages, or just the ring. */
	ck_assert_uint_eq(ms.gnt_shared_pages, pers ? 6 : 4);
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, sizeof(buf), buf, &d);
	sb_submit_pop(&sb, &io, &r2);
	ck_assert_uint_eq(r2.nr_segments, 2);
	if (pers) {
		/* LIFO: the page returned last is handed out first. */
		ck_assert(r2.seg[0].gref == r1.seg[1].gref ||
			  r2.seg[0].gref == r1.seg[0].gref);
		ck_assert(r2.seg[1].gref == r1.seg[1].gref ||
			  r2.seg[1].gref == r1.seg[0].gref);
		ck_assert_uint_ne(r2.seg[0].gref, r2.seg[1].gref);
	} else {
		ck_assert_uint_ne(r2.seg[0].gref, r1.seg[0].gref);
		ck_assert_uint_ne(r2.seg[0].gref, r1.seg[1].gref);
	}
	sb_answer(&sb, 0, &r2, 1);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 2);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.persistent_hits, pers ? 2 : 0);
	ck_assert_uint_eq(qs.pages_shared, pers ? 2 : 4);
	ck_assert_uint_eq(qs.persistent_grants, pers ? 2 : 0);
	sb_fe_stats(&sb, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, pers ? 6 : 4);
}
END_TEST

/* The queue hint picks the ring, and completions are counted on that
 * queue (its actor runs the callback). */
START_TEST(queue_spread)
{
	static uint8_t buf[4][4096];
	struct xf_blkfront_io io[4];
	struct xt_done d[4] = { { 0, 0 } };
	struct xf_blkif_req req;

	connect_with(4, -1, 1, all_features, 512);
	ck_assert_uint_eq(sb.nq, 4);
	for (unsigned int i = 0; i < 4; i++) {
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, i * 4096, 4096, buf[i],
		       &d[i]);
		io[i].queue = i + 4; /* modulo the 4 queues */
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	for (unsigned int q = 0; q < 4; q++) {
		ck_assert_int_eq(sb_pop(&sb, q, &req), 0);
		ck_assert_uint_eq(req.sector_number, q * 8);
		ck_assert_int_eq(sb_pop(&sb, q, &req), -EAGAIN);
	}
	sb_run(&sb);
	/* re-pop not possible: answer from the known ids */
	for (unsigned int q = 0; q < 4; q++)
		sb_respond(&sb, q, 0, XF_BLKIF_OP_WRITE, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
	for (unsigned int q = 0; q < 4; q++) {
		struct xf_blkfront_queue_stats qs;

		xt_blk_expect_once(&d[q], 1, 0);
		ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, q, &qs), 0);
		ck_assert_uint_eq(qs.ios_completed, 1);
		ck_assert_uint_eq(qs.requests, 1);
		ck_assert_uint_eq(qs.vcpu, q);
		ck_assert_uint_ge(qs.notify_received, 1);
	}
}
END_TEST

/* More I/O than ring slots: the rest waits in the queue's FIFO, in
 * order, and everything completes exactly once. */
START_TEST(queue_full_fifo)
{
	enum { N = 100 };
	static uint8_t buf[N][512];
	static struct xf_blkfront_io io[N];
	struct xt_done d[N];
	struct xf_blkif_req reqs[64];
	unsigned int total = 0;

	memset(d, 0, sizeof(d));
	connect_with(1, 0, 1, NULL, 512);
	for (unsigned int i = 0; i < N; i++) {
		memset(buf[i], i + 1, 512);
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, i * 512ull, 512, buf[i],
		       &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_run(&sb);
	unsigned int n = sb_pop_all(&sb, 0, reqs, 64);

	ck_assert_uint_eq(n, 32); /* one-page ring */
	for (int round = 0; round < 10 && total < N; round++) {
		sb_answer(&sb, 0, reqs, n);
		total += n;
		sb_run(&sb);
		n = sb_pop_all(&sb, 0, reqs, 64);
	}
	ck_assert_uint_eq(total, N);
	for (unsigned int i = 0; i < N; i++) {
		xt_blk_expect_once(&d[i], 1, 0);
		ck_assert_int_eq(sb.disk[i * 512], (int)(i + 1) & 0xff);
	}
}
END_TEST

static void expect_one(uint8_t op, uint8_t nseg)
{
	struct xf_blkif_req req;

	sb_run(&sb);
	ck_assert_int_eq(sb_pop(&sb, 0, &req), 0);
	ck_assert_uint_eq(req.operation, op);
	ck_assert_uint_eq(req.nr_segments, nseg);
	sb_answer(&sb, 0, &req, 1);
	ck_assert_int_eq(sb_pop(&sb, 0, &req), -EAGAIN);
}

START_TEST(flush_ops_on_wire)
{
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;
	/* 0: flush-cache; 1: barrier only; 2: neither */
	static const char *const fl[] = { "feature-flush-cache", "1", NULL };
	static const char *const ba[] = { "feature-barrier", "1", NULL };

	connect_with(1, -1, 1, _i == 0 ? fl : _i == 1 ? ba : NULL, 512);
	xt_blk_io(&io, XF_BLKFRONT_FLUSH, 0, 0, NULL, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	if (_i == 2) {
		sb_run(&sb);
		ck_assert_int_eq(sb_pop(&sb, 0, &req), -EAGAIN);
		xt_blk_expect_once(&d, 1, -EOPNOTSUPP);
		return;
	}
	expect_one(_i == 0 ? XF_BLKIF_OP_FLUSH_DISKCACHE
			   : XF_BLKIF_OP_WRITE_BARRIER, 0);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
}
END_TEST

/* FUA: barrier when offered, else write then flush (the flush only
 * after the write completed), else a plain write that is reported as
 * durability degraded (it cannot be made durable). */
START_TEST(fua_emulation)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;
	static const char *const fl[] = { "feature-flush-cache", "1", NULL };
	static const char *const ba[] = { "feature-barrier", "1",
					  "feature-flush-cache", "1", NULL };

	connect_with(1, -1, 1, _i == 0 ? ba : _i == 1 ? fl : NULL, 512);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	io.flags = XF_BLKFRONT_F_FUA;
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	if (_i == 0) {
		expect_one(XF_BLKIF_OP_WRITE_BARRIER, 1);
	} else if (_i == 1) {
		expect_one(XF_BLKIF_OP_WRITE, 1);
		sb_run(&sb);
		ck_assert_int_eq(d.calls, 0); /* waits for its flush */
		expect_one(XF_BLKIF_OP_FLUSH_DISKCACHE, 0);
	} else {
		expect_one(XF_BLKIF_OP_WRITE, 1);
	}
	sb_run(&sb);
	ck_assert_int_eq(sb_pop(&sb, 0, &req), -EAGAIN);
	xt_blk_expect_once(&d, 1, 0);
	{
		struct xf_blkfront_info info;

		ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
		ck_assert_uint_eq(info.fua_unprotected, _i == 2 ? 1 : 0);
		ck_assert_uint_eq(info.durability_degraded, _i == 2 ? 1 : 0);
		ck_assert_uint_eq(
			sb.events[XF_BLKFRONT_EV_DURABILITY_DEGRADED],
			_i == 2 ? 1 : 0);
	}
}
END_TEST

START_TEST(discard_on_wire)
{
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;

	connect_with(1, -1, 1, _i ? all_features : NULL, 512);
	xt_blk_io(&io, XF_BLKFRONT_DISCARD, 1 << 20, 3 << 20, NULL, &d);
	io.flags = XF_BLKFRONT_F_SECURE;
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	if (!_i) {
		ck_assert_int_eq(sb_pop(&sb, 0, &req), -EAGAIN);
		xt_blk_expect_once(&d, 1, -EOPNOTSUPP);
		return;
	}
	ck_assert_int_eq(sb_pop(&sb, 0, &req), 0);
	ck_assert_uint_eq(req.operation, XF_BLKIF_OP_DISCARD);
	ck_assert_uint_eq(req.sector_number, 2048);
	ck_assert_uint_eq(req.nr_sectors, 6144);
	ck_assert_uint_eq(req.discard_flag, XF_BLKIF_DISCARD_SECURE);
	sb_respond(&sb, 0, req.id, req.operation, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, 0);
}
END_TEST

/* A flush refused with EOPNOTSUPP turns flush off (as Linux), but the
 * loss is reported: counter, event, and later flushes fail. */
START_TEST(flush_eopnotsupp_degrades)
{
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;
	struct xf_blkfront_info info;
	static const char *const fl[] = { "feature-flush-cache", "1", NULL };

	connect_with(1, -1, 1, fl, 512);
	xt_blk_io(&io, XF_BLKFRONT_FLUSH, 0, 0, NULL, &d);
	sb_submit_pop(&sb, &io, &req);
	sb_respond(&sb, 0, req.id, req.operation, XF_BLKIF_RSP_EOPNOTSUPP);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, -EOPNOTSUPP);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert(info.flush && !info.flush_active);
	ck_assert_uint_eq(info.durability_degraded, 1);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_DURABILITY_DEGRADED], 1);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	ck_assert_int_eq(sb_pop(&sb, 0, &req), -EAGAIN);
	ck_assert_int_eq(d.calls, 2);
	ck_assert_int_eq(d.status, -EOPNOTSUPP);
}
END_TEST

/* A backend error fails the whole I/O once, even when only one of its
 * parts failed. */
START_TEST(error_response_fails_io_once)
{
	static uint8_t buf[90 * 1024];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req reqs[4];

	connect_with(1, 0, 1, NULL, 512);
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, sizeof(buf), buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	ck_assert_uint_eq(sb_pop_all(&sb, 0, reqs, 4), 3);
	sb_respond(&sb, 0, reqs[0].id, reqs[0].operation, XF_BLKIF_RSP_OKAY);
	sb_respond(&sb, 0, reqs[1].id, reqs[1].operation, XF_BLKIF_RSP_ERROR);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 0);
	sb_respond(&sb, 0, reqs[2].id, reqs[2].operation, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, -EIO);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

START_TEST(sector_size_4096)
{
	static uint8_t buf[16384];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req req;

	connect_with(1, -1, 1, NULL, 4096);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 512, 4096, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), -EINVAL);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 4096, 2048, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), -EINVAL);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 8192, 16384, buf, &d);
	sb_submit_pop(&sb, &io, &req);
	/* Sector fields stay in 512-byte units. */
	ck_assert_uint_eq(req.sector_number, 16);
	ck_assert_uint_eq(req.nr_segments, 4);
	ck_assert_uint_eq(req.seg[3].last_sect, 7);
	sb_answer(&sb, 0, &req, 1);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);
}
END_TEST

START_TEST(read_only_disk)
{
	static uint8_t buf[512];
	struct xf_blkfront_config cfg;
	struct xf_blkfront_io io;
	struct xf_blkfront_info info;
	struct xt_done d = { 0, 0 };

	xf_blkfront_config_init(&cfg);
	sb_start(&sb, &cfg);
	sb_state(&sb, XF_XENBUS_INITWAIT);
	sb_run(&sb);
	ck_assert_int_eq(sb_map_rings(&sb), 0);
	sb_disk_props(&sb, 100, 512);
	sb_write(&sb, "info", "5"); /* read-only cdrom */
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert(info.read_only && info.cdrom && !info.removable);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, 512, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), -EROFS);
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, 512, buf, &d);
	ck_assert_int_eq(sb_submit_served(&sb, &io), 0);
}
END_TEST

START_TEST(bad_submissions)
{
	/* Each refused with -EINVAL; the disk is SB_DISK_BYTES long. */
	static const struct {
		enum xf_blkfront_op op;
		uint64_t off, len;
		bool no_buf, fua, no_done;
	} bad[] = {
		{ XF_BLKFRONT_READ, 0, 0 },
		{ XF_BLKFRONT_READ, 0, 512, .no_buf = true },
		{ XF_BLKFRONT_READ, 100, 512 },
		{ XF_BLKFRONT_READ, 0, 512, .fua = true },
		{ (enum xf_blkfront_op)9, 0, 512 },
		{ XF_BLKFRONT_READ, UINT64_MAX - 511, 1024 },
		{ XF_BLKFRONT_READ, SB_DISK_BYTES - 512, 1024 },
		{ XF_BLKFRONT_DISCARD, SB_DISK_BYTES, 512, .no_buf = true },
		{ XF_BLKFRONT_READ, 0, 512, .no_done = true },
	};
	static uint8_t buf[512];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };

	connect_with(1, -1, 1, NULL, 512);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xt_blk_io(&io, bad[i].op, bad[i].off, bad[i].len,
		       bad[i].no_buf ? NULL : buf, &d);
		if (bad[i].fua)
			io.flags = XF_BLKFRONT_F_FUA;
		if (bad[i].no_done)
			io.done = NULL;
		ck_assert_msg(xf_blkfront_submit(sb.bf, &io) == -EINVAL,
			      "bad submission %u accepted", i);
	}
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 0);
}
END_TEST

/* trusted=0: no persistent reuse; each request's pages are freshly
 * granted and hold nothing but its own data (XSA-403). */
START_TEST(untrusted_bounce_pages_zeroed)
{
	static uint8_t a[4096], b[512];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkif_req r1, r2;
	struct xf_blkfront_info info;
	uint8_t *page;

	sb_fini(&sb);
	sb_init(&sb, XF_RT_SIM, 1, 0);
	connect_with(1, -1, 1, all_features, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert(!info.persistent && !info.trusted);
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(a), a, &d);
	sb_submit_pop(&sb, &io, &r1);
	sb_answer(&sb, 0, &r1, 1);
	sb_run(&sb);
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(b), b, &d);
	sb_submit_pop(&sb, &io, &r2);
	ck_assert_uint_eq(r2.seg[0].last_sect, 0);
	ck_assert_int_eq(sb.dom0->gnt->map(sb.dom0, SB_FE_DOMID, 1,
					   &r2.seg[0].gref, false,
					   (void **)&page), 0);
	for (int i = 0; i < 4096; i++)
		ck_assert_int_eq(page[i], i < 512 ? 0xbb : 0);
	sb.dom0->gnt->unmap(sb.dom0, page, 1);
	sb_answer(&sb, 0, &r2, 1);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 2);
	ck_assert_int_eq(d.status, 0);
}
END_TEST

XT_SUITE("blkfront-io")
{
	TCase *tc = xt_tcase_fixture("io", setup, teardown, 60);

	tcase_add_loop_test(tc, split_45k, 0, 2);
	tcase_add_loop_test(tc, data_roundtrip, 0, 4);
	tcase_add_test(tc, indirect_pages_read_only);
	tcase_add_loop_test(tc, persistent_grant_reuse, 0, 2);
	tcase_add_test(tc, queue_spread);
	tcase_add_test(tc, queue_full_fifo);
	tcase_add_loop_test(tc, flush_ops_on_wire, 0, 3);
	tcase_add_loop_test(tc, fua_emulation, 0, 3);
	tcase_add_loop_test(tc, discard_on_wire, 0, 2);
	tcase_add_test(tc, flush_eopnotsupp_degrades);
	tcase_add_test(tc, error_response_fails_io_once);
	tcase_add_test(tc, sector_size_4096);
	tcase_add_test(tc, read_only_disk);
	tcase_add_test(tc, bad_submissions);
	tcase_add_test(tc, untrusted_bounce_pages_zeroed);
}
