/* SPDX-License-Identifier: MIT */
/* The backend under the real runtime: queue actors on two vCPU threads
 * at once, sharing the disk, the budget and the statistics. The test
 * thread acts only while the runtime is idle; the backend's own threads
 * do the work concurrently. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"
#include "xt.h"

static struct fx F;

static void setup(void)
{
	fx_rt_mode = XF_RT_REAL;
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

/* Two queues, 32 writes each (all 64 in flight, 4 KiB at distinct
 * places), random service times; then everything read back. */
START_TEST(multiqueue_concurrent_io)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[64];
	struct xf_blkback_stats st;
	unsigned int got[2] = { 0, 0 };
	struct xf_blkbudget_config bc = { .iops = 200000, .iops_burst = 8 };
	struct xf_blkbudget *b;

	ck_assert_int_eq(xf_blkbudget_new(&bc, &b), 0);
	F.cfg.budget = b;
	F.cfg.latency.write = (struct xf_blklat){ .kind = XF_BLKLAT_UNIFORM,
						  .base_ns = 10000,
						  .param_ns = 200000 };
	F.cfg.latency.read = F.cfg.latency.write;
	fx_start(&F);
	fx_connect(&F, 2, 1, XF_BLKIF_ABI_X86_64, true);
	fx_share_data(&F, 64);
	for (unsigned int i = 0; i < 64; i++)
		memset(fx_page(&F, i), (int)(i + 1), XF_PAGE_SIZE);
	for (unsigned int i = 0; i < 64; i++) {
		fx_seg(&r, XF_BLKIF_OP_WRITE, i, (uint64_t)i * 8,
		       F.data_refs[i]);
		fx_submit(&F, i % 2, &r);
	}
	for (int tries = 0; tries < 200 && got[0] + got[1] < 64; tries++) {
		fx_run_until(&F, xf_rt_now_ns(F.rt) + 20000000);
		for (unsigned int q = 0; q < 2; q++) {
			unsigned int n = fx_responses(&F, q, rsp, 64);

			for (unsigned int k = 0; k < n; k++) {
				ck_assert_int_eq(rsp[k].status,
						 XF_BLKIF_RSP_OKAY);
				ck_assert_uint_eq(rsp[k].id % 2, q);
			}
			got[q] += n;
		}
	}
	ck_assert_uint_eq(got[0], 32);
	ck_assert_uint_eq(got[1], 32);
	for (unsigned int i = 0; i < 64; i++) {
		uint8_t buf[4096];

		ck_assert_int_eq(xf_blkdisk_read(F.disk, (uint64_t)i * 8, buf,
						 sizeof(buf)), 0);
		ck_assert_uint_eq(buf[0], i + 1);
		ck_assert_uint_eq(buf[4095], i + 1);
	}
	for (unsigned int q = 0; q < 2; q++) {
		ck_assert_int_eq(xf_blkback_queue_stats(F.bb, q, &st), 0);
		ck_assert_uint_eq(st.requests[XF_BLKIF_OP_WRITE], 32);
	}
	ck_assert_int_eq(xf_blkback_queue_stats(F.bb, 16, &st), -ENOENT);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.requests[XF_BLKIF_OP_WRITE], 64);
	ck_assert_uint_eq(st.persistent_maps, 64);
	ck_assert_uint_eq(st.inflight, 0);
	xf_blkback_free(F.bb);
	F.bb = NULL;
	xf_blkbudget_free(b);
}
END_TEST

START_TEST(reconnect_real)
{
	fx_start(&F);
	for (int i = 0; i < 3; i++) {
		fx_connect(&F, 2, 0, XF_BLKIF_ABI_X86_64, false);
		fx_reconnect(&F);
	}
}
END_TEST

START_TEST(crash_with_io_in_flight_real)
{
	struct xf_blkif_req r;
	struct xf_blkif_rsp rsp[16];

	F.cfg.latency.write = FX_FIXED_NS(50000000);
	fx_up(&F, true, 1);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	for (int i = 0; i < 8; i++)
		fx_submit(&F, 0, &r);
	fx_run_until(&F, xf_rt_now_ns(F.rt) + 5000000);
	xf_blkback_crash(F.bb);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 16), 0);
	ck_assert_int_eq(fx_bstate(&F), -ENOENT);
}
END_TEST

XT_SUITE("blkback-real")
{
	TCase *t = xt_tcase("real");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, multiqueue_concurrent_io);
	tcase_add_test(t, reconnect_real);
	tcase_add_test(t, crash_with_io_in_flight_real);
}
