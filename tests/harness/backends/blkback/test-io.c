/* SPDX-License-Identifier: MIT */
/* Requests through the backend: data paths (grant copy, persistent
 * grants, indirect), flush / barrier / discard against the disk model,
 * the latency model in virtual time, error injection, freeze, crash. */
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

/* The test data: byte i of page p for seed. */
static uint8_t pattern(uint8_t seed, unsigned int p, unsigned int i)
{
	return (uint8_t)(seed + p * 7 + i * 13);
}

static void fill(struct fx *f, unsigned int pages, uint8_t seed)
{
	for (unsigned int p = 0; p < pages; p++) {
		uint8_t *b = fx_page(f, p);

		for (unsigned int i = 0; i < XF_PAGE_SIZE; i++)
			b[i] = pattern(seed, p, i);
	}
}

/* Power goes: what was only cached is gone. */
static void power_loss(void)
{
	ck_assert_int_eq(xf_blkdisk_power_loss(F.disk, XF_BLKDISK_LOSS_NONE, 1,
					       0), 0);
}

/* Reads len bytes at sector from the disk, what a power loss would keep
 * (durable) or what a read sees. */
static uint8_t *disk_read(uint64_t sector, size_t len, bool durable)
{
	uint8_t *buf = malloc(len);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq((durable ? xf_blkdisk_read_durable : xf_blkdisk_read)(
				 F.disk, sector, buf, len), 0);
	return buf;
}

static void check_disk(uint64_t sector, unsigned int pages, uint8_t seed,
		       bool durable)
{
	uint8_t *buf = disk_read(sector, (size_t)pages * XF_PAGE_SIZE,
				 durable);

	for (unsigned int p = 0; p < pages; p++)
		for (unsigned int i = 0; i < XF_PAGE_SIZE; i++)
			ck_assert_uint_eq(buf[p * XF_PAGE_SIZE + i],
					  pattern(seed, p, i));
	free(buf);
}

/* The disk holds zeroes at sector for len bytes. */
static void check_zero(uint64_t sector, size_t len, bool durable)
{
	uint8_t *buf = disk_read(sector, len, durable);

	for (size_t i = 0; i < len; i++)
		ck_assert_uint_eq(buf[i], 0);
	free(buf);
}

static void roundtrip(bool persistent, enum xf_blkif_abi abi)
{
	struct xf_blkback_stats st;

	fx_start(&F);
	fx_connect(&F, 1, 0, abi, persistent);
	fx_share_data(&F, 4);
	fill(&F, 4, 3);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 11, 64, 32),
			 XF_BLKIF_RSP_OKAY);
	check_disk(64, 4, 3, false);
	memset(F.data, 0, 4 * XF_PAGE_SIZE);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, 12, 64, 32),
			 XF_BLKIF_RSP_OKAY);
	for (unsigned int p = 0; p < 4; p++)
		for (unsigned int i = 0; i < XF_PAGE_SIZE; i++)
			ck_assert_uint_eq(((uint8_t *)fx_page(&F, p))[i],
					  pattern(3, p, i));
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.requests[XF_BLKIF_OP_WRITE], 1);
	ck_assert_uint_eq(st.requests[XF_BLKIF_OP_READ], 1);
	ck_assert_uint_eq(st.segments, 8);
	ck_assert_uint_eq(st.bytes_written, 16384);
	ck_assert_uint_eq(st.bytes_read, 16384);
	ck_assert_uint_eq(st.responses, 2);
	if (persistent) {
		/* Four grefs, mapped once each and reused. */
		ck_assert_uint_eq(st.persistent_maps, 4);
		ck_assert_uint_eq(st.persistent_hits, 4);
		ck_assert_uint_eq(st.grant_copy_segs, 0);
	} else {
		ck_assert_uint_eq(st.persistent_maps, 0);
		ck_assert_uint_eq(st.grant_copy_segs, 8);
	}
}

START_TEST(roundtrip_grant_copy)
{
	roundtrip(false, XF_BLKIF_ABI_X86_64);
}
END_TEST

START_TEST(roundtrip_persistent)
{
	roundtrip(true, XF_BLKIF_ABI_X86_64);
}
END_TEST

START_TEST(roundtrip_x86_32)
{
	roundtrip(false, XF_BLKIF_ABI_X86_32);
}
END_TEST

START_TEST(persistent_not_negotiated_without_backend_feature)
{
	struct xf_blkback_stats st;

	ck_assert_int_eq(xf_blkback_features_preset("no-persistent",
						    &F.cfg.features), 0);
	fx_up(&F, true, 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 0, 8),
			 XF_BLKIF_RSP_OKAY);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.persistent_maps, 0);
}
END_TEST

/* 40 segments via one indirect page, on a multi-queue device. */
START_TEST(indirect_write_read)
{
	struct xf_blkif_req r;
	struct xf_blkback_stats st;
	void *ipage;
	struct xf_blkif_rsp rsp[2];

	fx_start(&F);
	fx_connect(&F, 2, 0, XF_BLKIF_ABI_X86_64, false);
	fx_share_data(&F, 40);
	fill(&F, 40, 9);
	fx_indirect(&r, &F, XF_BLKIF_OP_WRITE, 77, 40, false, &ipage);
	r.sector_number = 8;
	fx_submit(&F, 1, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 1, rsp, 2), 1);
	ck_assert_int_eq(rsp[0].status, XF_BLKIF_RSP_OKAY);
	/* Linux: the inner op, not BLKIF_OP_INDIRECT. */
	ck_assert_uint_eq(rsp[0].operation, XF_BLKIF_OP_WRITE);
	check_disk(8, 40, 9, false);
	memset(F.data, 0, 40 * XF_PAGE_SIZE);
	r.indirect_op = XF_BLKIF_OP_READ;
	r.id = 78;
	fx_submit(&F, 1, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 1, rsp, 2), 1);
	ck_assert_int_eq(rsp[0].status, XF_BLKIF_RSP_OKAY);
	ck_assert_uint_eq(((uint8_t *)fx_page(&F, 39))[5],
			  (uint8_t)(9 + 39 * 7 + 5 * 13));
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.indirect_requests, 2);
	ck_assert_uint_eq(st.indirect_segments, 80);
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
}
END_TEST

START_TEST(flush_makes_durable_power_loss_keeps_it)
{
	fx_up(&F, false, 2);
	fill(&F, 2, 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 0, 16),
			 XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 0),
			 XF_BLKIF_RSP_OKAY);
	fill(&F, 2, 100);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 3, 16, 16),
			 XF_BLKIF_RSP_OKAY);
	power_loss();
	check_disk(0, 2, 1, true);
	check_disk(0, 2, 1, false);
	check_zero(16, 8192, false);
}
END_TEST

START_TEST(flush_with_data_is_preflush_then_cached)
{
	fx_up(&F, false, 1);
	fill(&F, 1, 5);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 0, 8),
			 XF_BLKIF_RSP_OKAY);
	fill(&F, 1, 6);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_FLUSH_DISKCACHE, 2, 8, 8),
			 XF_BLKIF_RSP_OKAY);
	power_loss();
	check_disk(0, 1, 5, true); /* the write before: durable */
	/* The flush's own data was only cached. */
	check_zero(8, 4096, true);
}
END_TEST

START_TEST(eopnotsupp_mode_and_unsupported_ops)
{
	struct xf_blkif_req r;
	struct xf_blkback_stats st;

	F.dcfg.cache_mode = XF_BLKDISK_CACHE_EOPNOTSUPP;
	fx_up(&F, false, 0);
	fx_rw(&r, &F, XF_BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
	r.operation = XF_BLKIF_OP_WRITE_BARRIER;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.rsp_eopnotsupp, 2);
}
END_TEST

START_TEST(discard_zeroes)
{
	struct xf_blkif_req r;

	fx_up(&F, false, 2);
	fill(&F, 2, 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 0, 16),
			 XF_BLKIF_RSP_OKAY);
	fx_rw(&r, &F, XF_BLKIF_OP_DISCARD, 0, 8, 0);
	r.nr_sectors = 8;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	check_disk(0, 1, 1, false);
	check_zero(8, 4096, false);
	/* secure discard is not offered by this feature set */
	r.discard_flag = XF_BLKIF_DISCARD_SECURE;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

/* With a discard granularity configured, discards starting or ending
 * off the grid (alignment + k * granularity, bytes) are counted; without
 * one nothing is. _i: granularity set or not. */
START_TEST(discard_off_grid_counted)
{
	static const struct {
		uint64_t sector, nr;
		bool off;
	} d[] = {
		{ 8, 128, false },   /* 4 KiB .. 68 KiB: on the grid */
		{ 8, 384, false },   /* three granules */
		{ 0, 8, true },      /* starts at 0: off */
		{ 136, 8, true },    /* ends at 72 KiB: off */
		{ 16, 8, true },     /* both off: counted once */
		{ 1928, 120, true }, /* ends at the 1 MiB disk end, off */
	};
	struct xf_blkif_req r;
	struct xf_blkback_stats st;
	uint64_t want = 0;

	if (_i == 0) {
		F.cfg.features.discard_granularity = 65536;
		F.cfg.features.discard_alignment = 4096;
	}
	fx_up(&F, false, 0);
	for (unsigned int i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		fx_rw(&r, &F, XF_BLKIF_OP_DISCARD, i, d[i].sector, 0);
		r.nr_sectors = d[i].nr;
		ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
		if (_i == 0 && d[i].off)
			want++;
		xf_blkback_stats(F.bb, &st);
		ck_assert_uint_eq(st.discard_off_grid, want);
	}
	/* A refused discard (past the end) is not counted. */
	r.sector_number = 2048;
	r.nr_sectors = 8;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_ERROR);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.discard_off_grid, _i == 0 ? 4 : 0);
	ck_assert_uint_eq(st.requests[XF_BLKIF_OP_DISCARD], 7);
	ck_assert_int_eq(xf_blkback_queue_stats(F.bb, 0, &st), 0);
	ck_assert_uint_eq(st.discard_off_grid, _i == 0 ? 4 : 0);
}
END_TEST

START_TEST(large_sectors)
{
	F.dcfg.sector_size = 4096;
	fx_up(&F, false, 2);
	fill(&F, 2, 4);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 1, 8, 16),
			 XF_BLKIF_RSP_OKAY);
	check_disk(8, 2, 4, false);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 2, 4, 8),
			 XF_BLKIF_RSP_ERROR);
}
END_TEST

/* Fixed 1 ms latency: nothing at 0.5 ms of virtual time, all by 1.5. */
START_TEST(latency_in_virtual_time)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[8];

	F.cfg.latency.write = FX_FIXED_NS(1000000);
	fx_up(&F, false, 1);
	for (unsigned int i = 0; i < 4; i++) {
		fx_rw(&r, &F, XF_BLKIF_OP_WRITE, i, i * 8, 8);
		fx_submit(&F, 0, &r);
	}
	fx_run_until(&F, xf_rt_now_ns(F.rt) + 500000);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 8), 0);
	fx_run_until(&F, xf_rt_now_ns(F.rt) + 1000000);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 8), 4);
}
END_TEST

/* A barrier waits for earlier writes and holds later ones. */
START_TEST(barrier_orders)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[8];

	F.cfg.latency.write = FX_FIXED_NS(3000000);
	F.cfg.latency.flush = FX_FIXED_NS(1000000);
	fx_up(&F, false, 1);
	fill(&F, 1, 21);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	fx_submit(&F, 0, &r);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE_BARRIER, 2, 0, 0);
	fx_submit(&F, 0, &r);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 3, 8, 8);
	fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 8), 3);
	ck_assert_uint_eq(rsp[0].id, 1);
	ck_assert_uint_eq(rsp[1].id, 2);
	ck_assert_uint_eq(rsp[2].id, 3);
	/* The barrier's pre-flush made write 1 durable, not write 3. */
	power_loss();
	check_disk(0, 1, 21, true);
	check_zero(8, 4096, true);
}
END_TEST

START_TEST(error_injection_rules)
{
	struct xf_blkif_req r;
	struct xf_blkback_error_rule rule = {
		.ops = 1u << XF_BLKIF_OP_WRITE,
		.status = XF_BLKIF_RSP_ERROR,
		.skip = 1,
		.count = 2,
	};
	struct xf_blkback_stats st;

	fx_up(&F, false, 1);
	ck_assert_int_eq(xf_blkback_add_error_rule(F.bb, &rule), 0);
	rule.ops = 1u << XF_BLKIF_OP_FLUSH_DISKCACHE;
	rule.status = XF_BLKIF_RSP_EOPNOTSUPP;
	rule.skip = 0;
	rule.count = 0;
	ck_assert_int_eq(xf_blkback_add_error_rule(F.bb, &rule), 0);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_ERROR);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_ERROR);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, 1, 0, 8),
			 XF_BLKIF_RSP_OKAY);
	fx_rw(&r, &F, XF_BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_EOPNOTSUPP);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.injected_errors, 3);
	xf_blkback_clear_error_rules(F.bb);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
}
END_TEST

/* A fraction: about 30% of 1000 reads fail, reproducibly. */
START_TEST(error_injection_fraction)
{
	struct xf_blkif_req r;
	struct xf_blkback_error_rule rule = {
		.ops = 1u << XF_BLKIF_OP_READ,
		.status = XF_BLKIF_RSP_ERROR,
		.ppm = 300000,
	};
	unsigned int errs = 0;

	fx_up(&F, false, 1);
	ck_assert_int_eq(xf_blkback_add_error_rule(F.bb, &rule), 0);
	for (unsigned int i = 0; i < 1000; i++) {
		fx_rw(&r, &F, XF_BLKIF_OP_READ, i, 0, 8);
		errs += fx_do(&F, &r) == XF_BLKIF_RSP_ERROR;
	}
	ck_assert_uint_gt(errs, 230);
	ck_assert_uint_lt(errs, 370);
}
END_TEST

START_TEST(freeze_then_resume)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[4];

	fx_up(&F, false, 1);
	xf_blkback_freeze(F.bb, true);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 4), 0);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_CONNECTED);
	xf_blkback_freeze(F.bb, false);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 4), 1);
}
END_TEST

/* Crash with the third request in flight: two answers, then nothing. */
START_TEST(crash_mid_request)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[8];

	F.cfg.crash_after_requests = 3;
	fx_up(&F, true, 1);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	for (unsigned int i = 0; i < 3; i++)
		fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 8), 0);
	ck_assert_int_eq(fx_bstate(&F), -ENOENT);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_CLOSED);
	fx_assert_unmapped(&F);
}
END_TEST

/* Two disks on one budget of 1000 IOPS: each gets about half. */
START_TEST(shared_budget_splits_iops)
{
	struct xf_blkbudget_config bc = { .iops = 1000 };
	struct xf_blkbudget *b;
	struct xf_blkdisk *d2;
	struct xf_blkback *bb2;
	struct xf_blkback_config c2;
	struct xf_vbd_config v2;
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[32];
	struct fx G;
	unsigned int a, bcount;

	ck_assert_int_eq(xf_blkbudget_new(&bc, &b), 0);
	F.cfg.budget = b;
	fx_up(&F, false, 1);

	/* A second VM (domain 2) with its own disk on the same budget, its
	 * frontend driven through a second fixture view. */
	memset(&G, 0, sizeof(G));
	G.hv = F.hv;
	G.fe = F.d2;
	G.d0 = F.d0;
	G.rt = F.rt;
	ck_assert_int_eq(G.fe->store->open(G.fe, &G.xs), 0);
	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &d2), 0);
	v2 = F.vbd;
	v2.frontend_id = 2;
	ck_assert_int_eq(xf_vbd_create(F.d0, &v2), 0);
	xf_vbd_frontend_path(&v2, G.fpath, sizeof(G.fpath));
	xf_vbd_backend_path(&v2, G.bpath, sizeof(G.bpath));
	c2 = F.cfg;
	c2.frontend_id = 2;
	c2.disk = d2;
	c2.name = "bb2";
	ck_assert_int_eq(xf_blkback_new(&c2, &bb2), 0);
	G.bb = bb2;
	fx_run(&F);
	fx_connect(&G, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_share_data(&G, 1);

	/* Closed loop, iodepth 4 each: every answer is replaced at once,
	 * as a VM running fio would. */
	for (unsigned int i = 0; i < 4; i++) {
		fx_rw(&r, &F, XF_BLKIF_OP_READ, i, 0, 8);
		fx_submit(&F, 0, &r);
		fx_rw(&r, &G, XF_BLKIF_OP_READ, i, 0, 8);
		fx_submit(&G, 0, &r);
	}
	a = bcount = 0;
	for (unsigned int step = 0; step < 200; step++) {
		unsigned int na, nb;

		fx_run_until(&F, xf_rt_now_ns(F.rt) + 500000);
		na = fx_responses(&F, 0, rsp, 32);
		nb = fx_responses(&G, 0, rsp, 32);
		a += na;
		bcount += nb;
		while (na--) {
			fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, 0, 8);
			fx_submit(&F, 0, &r);
		}
		while (nb--) {
			fx_rw(&r, &G, XF_BLKIF_OP_READ, 1, 0, 8);
			fx_submit(&G, 0, &r);
		}
	}
	/* 100 ms at 1000 IOPS: 100 ops in all, split about evenly. */
	ck_assert_uint_ge(a + bcount, 97);
	ck_assert_uint_le(a + bcount, 102);
	ck_assert_uint_ge(a, 45);
	ck_assert_uint_ge(bcount, 45);
	fx_run(&F);
	fx_responses(&F, 0, rsp, 32);
	fx_responses(&G, 0, rsp, 32);

	xf_blkback_free(bb2);
	G.bb = NULL;
	fx_release_rings(&G);
	ck_assert_int_eq(G.fe->gnt->unshare(G.fe, G.data, 1), 0);
	G.fe->store->close(G.xs);
	xf_blkdisk_free(d2);
	xf_blkback_free(F.bb);
	F.bb = NULL;
	xf_blkbudget_free(b);
}
END_TEST

/* Same seed, same run: response order and runtime trace are equal. */
static uint64_t det_run(uint64_t *order_hash)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[64];
	uint64_t h = 1469598103934665603ull, trace;
	unsigned int got = 0;

	F.cfg.latency.write = (struct xf_blklat){
		.kind = XF_BLKLAT_EXPONENTIAL, .base_ns = 1000,
		.param_ns = 100000 };
	F.cfg.latency.read = (struct xf_blklat){
		.kind = XF_BLKLAT_LOGNORMAL, .param_ns = 50000, .sigma = 1 };
	fx_start(&F);
	fx_connect(&F, 2, 1, XF_BLKIF_ABI_X86_64, true);
	fx_share_data(&F, 8);
	for (unsigned int i = 0; i < 48; i++) {
		fx_rw(&r, &F, i % 3 ? XF_BLKIF_OP_READ : XF_BLKIF_OP_WRITE, i,
		      (i % 16) * 8, 8);
		fx_submit(&F, i % 2, &r);
	}
	fx_run(&F);
	for (unsigned int q = 0; q < 2; q++) {
		unsigned int n = fx_responses(&F, q, rsp, 64);

		for (unsigned int k = 0; k < n; k++)
			h = (h ^ rsp[k].id) * 1099511628211ull;
		got += n;
	}
	ck_assert_uint_eq(got, 48);
	*order_hash = h;
	trace = xf_rt_trace_hash(F.rt);
	fx_fini(&F);
	fx_init(&F, "linux");
	return trace;
}

START_TEST(same_seed_same_run)
{
	uint64_t o1, o2;
	uint64_t t1 = det_run(&o1), t2 = det_run(&o2);

	ck_assert_uint_eq(o1, o2);
	ck_assert_uint_eq(t1, t2);
}
END_TEST

/* The vCPU cost model: each request charges the queue's vCPU. */
START_TEST(cpu_cost_charged)
{
	struct xf_rt_vcpu_stats vs;

	F.cfg.cpu_ns_per_request = 50000;
	F.cfg.queue_vcpu = 1;
	fx_up(&F, false, 1);
	ck_assert_int_eq(xf_rt_vcpu_stats(F.rt, 1, &vs), 0);
	ck_assert_uint_eq(vs.busy_ns, 0);
	for (unsigned int i = 0; i < 10; i++) {
		ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, i, 0, 8),
				 XF_BLKIF_RSP_OKAY);
	}
	ck_assert_int_eq(xf_rt_vcpu_stats(F.rt, 1, &vs), 0);
	ck_assert_uint_eq(vs.busy_ns, 10 * 50000);
}
END_TEST

XT_SUITE("blkback-io")
{
	TCase *t = xt_tcase("io");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, roundtrip_grant_copy);
	tcase_add_test(t, roundtrip_persistent);
	tcase_add_test(t, roundtrip_x86_32);
	tcase_add_test(t, persistent_not_negotiated_without_backend_feature);
	tcase_add_test(t, indirect_write_read);
	tcase_add_test(t, flush_makes_durable_power_loss_keeps_it);
	tcase_add_test(t, flush_with_data_is_preflush_then_cached);
	tcase_add_test(t, eopnotsupp_mode_and_unsupported_ops);
	tcase_add_test(t, discard_zeroes);
	tcase_add_loop_test(t, discard_off_grid_counted, 0, 2);
	tcase_add_test(t, large_sectors);
	tcase_add_test(t, latency_in_virtual_time);
	tcase_add_test(t, barrier_orders);
	tcase_add_test(t, error_injection_rules);
	tcase_add_test(t, error_injection_fraction);
	tcase_add_test(t, freeze_then_resume);
	tcase_add_test(t, crash_mid_request);
	tcase_add_test(t, shared_budget_splits_iops);
	tcase_add_test(t, same_seed_same_run);
	tcase_add_test(t, cpu_cost_charged);
}
