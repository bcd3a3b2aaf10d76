/* SPDX-License-Identifier: MIT */
/* The performance model: latency distributions (seeded, so exact
 * statistics can be asserted without flakiness) and token budgets. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/blkback.h>
#include <xfront/util.h>

#include "xt.h"

static void seed(struct xf_rng *r, uint64_t v)
{
	r->s[0] = v ^ 0x9e3779b97f4a7c15ull;
	r->s[1] = v * 0xbf58476d1ce4e5b9ull + 1;
	r->s[2] = ~v;
	r->s[3] = v + 0x94d049bb133111ebull;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(fixed_and_none)
{
	struct xf_rng s;
	struct xf_blklat l = { .kind = XF_BLKLAT_FIXED, .base_ns = 1234 };

	seed(&s, 1);
	ck_assert_uint_eq(xf_blklat_sample(&l, &s), 1234);
	l.kind = XF_BLKLAT_NONE;
	ck_assert_uint_eq(xf_blklat_sample(&l, &s), 0);
}
END_TEST

START_TEST(uniform_in_range)
{
	struct xf_rng s;
	uint64_t lo = UINT64_MAX, hi = 0;
	struct xf_blklat l = { .kind = XF_BLKLAT_UNIFORM, .base_ns = 100,
			       .param_ns = 50 };

	seed(&s, 2);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = xf_blklat_sample(&l, &s);

		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ck_assert_uint_eq(lo, 100);
	ck_assert_uint_eq(hi, 150);
}
END_TEST

START_TEST(exponential_mean)
{
	struct xf_rng s;
	double sum = 0;
	struct xf_blklat l = { .kind = XF_BLKLAT_EXPONENTIAL, .base_ns = 1000,
			       .param_ns = 50000 };

	seed(&s, 3);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = xf_blklat_sample(&l, &s);

		ck_assert_uint_ge(v, 1000);
		sum += (double)v;
	}
	sum /= 100000;
	ck_assert_double_gt(sum, 51000 * 0.97);
	ck_assert_double_lt(sum, 51000 * 1.03);
}
END_TEST

START_TEST(lognormal_median_and_spread)
{
	enum { N = 20001 };
	struct xf_rng s;
	uint64_t *v = malloc(N * sizeof(*v));
	struct xf_blklat l = { .kind = XF_BLKLAT_LOGNORMAL, .param_ns = 100000,
			       .sigma = 0.5 };

	ck_assert_ptr_nonnull(v);
	seed(&s, 4);
	for (int i = 0; i < N; i++)
		v[i] = xf_blklat_sample(&l, &s);
	qsort(v, N, sizeof(*v), cmp_u64);
	ck_assert_uint_gt(v[N / 2], 97000);
	ck_assert_uint_lt(v[N / 2], 103000);
	/* p84 ~ median * e^sigma */
	ck_assert_uint_gt(v[(int)(N * 0.8413)], 100000 * 1.55);
	ck_assert_uint_lt(v[(int)(N * 0.8413)], 100000 * 1.75);
	free(v);
}
END_TEST

START_TEST(same_seed_same_samples)
{
	struct xf_rng a, b;
	struct xf_blklat l = { .kind = XF_BLKLAT_EXPONENTIAL,
			       .param_ns = 1000 };

	seed(&a, 9);
	seed(&b, 9);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(xf_blklat_sample(&l, &a),
				  xf_blklat_sample(&l, &b));
}
END_TEST

START_TEST(budget_iops_spacing)
{
	struct xf_blkbudget_config c = { .iops = 1000 };
	struct xf_blkbudget *b;
	struct xf_blkbudget_stats st;

	ck_assert_int_eq(xf_blkbudget_new(&c, &b), 0);
	for (uint64_t i = 0; i < 10; i++)
		ck_assert_uint_eq(xf_blkbudget_reserve(b, 0, 4096),
				  i * 1000000);
	/* After idling, the bucket is full again (burst 1: one op). */
	ck_assert_uint_eq(xf_blkbudget_reserve(b, 50000000, 4096), 50000000);
	ck_assert_uint_eq(xf_blkbudget_reserve(b, 50000000, 4096), 51000000);
	xf_blkbudget_stats(b, &st);
	ck_assert_uint_eq(st.ops, 12);
	ck_assert_uint_eq(st.delayed_ops, 10);
	xf_blkbudget_free(b);
}
END_TEST

START_TEST(budget_burst)
{
	struct xf_blkbudget_config c = { .iops = 1000, .iops_burst = 4 };
	struct xf_blkbudget *b;

	ck_assert_int_eq(xf_blkbudget_new(&c, &b), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(xf_blkbudget_reserve(b, 0, 0), 0);
	ck_assert_uint_eq(xf_blkbudget_reserve(b, 0, 0), 1000000);
	xf_blkbudget_free(b);
}
END_TEST

START_TEST(budget_bandwidth)
{
	/* 1 MB/s, 64 KiB burst: 64 KiB requests every 65.536 ms. */
	struct xf_blkbudget_config c = { .bytes_per_sec = 1000000,
					 .bytes_burst = 65536 };
	struct xf_blkbudget *b;
	uint64_t t1, t2;

	ck_assert_int_eq(xf_blkbudget_new(&c, &b), 0);
	ck_assert_uint_eq(xf_blkbudget_reserve(b, 0, 65536), 0);
	t1 = xf_blkbudget_reserve(b, 0, 65536);
	t2 = xf_blkbudget_reserve(b, 0, 65536);
	ck_assert_uint_ge(t1, 65536000 - 1);
	ck_assert_uint_le(t1, 65536000 + 1);
	ck_assert_uint_ge(t2 - t1, 65536000 - 1);
	ck_assert_uint_le(t2 - t1, 65536000 + 1);
	xf_blkbudget_free(b);
}
END_TEST

/* Two users alternating on one budget share it evenly. */
START_TEST(budget_shared_alternating)
{
	struct xf_blkbudget_config c = { .iops = 2000 };
	struct xf_blkbudget *b;
	uint64_t last[2] = { 0, 0 };

	ck_assert_int_eq(xf_blkbudget_new(&c, &b), 0);
	for (int i = 0; i < 100; i++)
		last[i & 1] = xf_blkbudget_reserve(b, 0, 4096);
	/* 50 ops each by ~50 ms: each got 1000 IOPS. */
	ck_assert_uint_eq(last[0], 98 * 500000ull);
	ck_assert_uint_eq(last[1], 99 * 500000ull);
	xf_blkbudget_free(b);
}
END_TEST

START_TEST(names_roundtrip)
{
	enum xf_blkdisk_cache_mode cm;
	enum xf_blkdisk_loss_mode lm;
	enum xf_blklat_kind lk;

	for (int i = 0; i <= XF_BLKDISK_CACHE_WRITE_THROUGH; i++) {
		ck_assert_int_eq(xf_blkdisk_cache_mode_parse(
					 xf_blkdisk_cache_mode_name(i), &cm),
				 0);
		ck_assert_int_eq(cm, i);
	}
	for (int i = 0; i <= XF_BLKDISK_LOSS_ALL; i++) {
		ck_assert_int_eq(xf_blkdisk_loss_mode_parse(
					 xf_blkdisk_loss_mode_name(i), &lm),
				 0);
		ck_assert_int_eq(lm, i);
	}
	for (int i = 0; i <= XF_BLKLAT_LOGNORMAL; i++) {
		ck_assert_int_eq(xf_blklat_kind_parse(xf_blklat_kind_name(i),
						      &lk), 0);
		ck_assert_int_eq(lk, i);
	}
	ck_assert_str_eq(xf_blkdisk_cache_mode_name(XF_BLKDISK_CACHE_HONOUR),
			 "honour");
	ck_assert_int_eq(xf_blkdisk_cache_mode_parse("honor", &cm), -EINVAL);
	ck_assert_int_eq(xf_blkdisk_loss_mode_parse(NULL, &lm), -EINVAL);
	ck_assert_str_eq(xf_blkdisk_cache_mode_name(99), "?");
	for (int i = 0; i < XF_BLKBACK_REJ_NR; i++)
		ck_assert_str_ne(xf_blkback_reject_name(i), "?");
	ck_assert_str_eq(xf_blkdisk_fate_name(XF_BLKDISK_FATE_TORN), "torn");
}
END_TEST

XT_SUITE("blkback-model")
{
	TCase *t = xt_tcase("model");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, fixed_and_none);
	tcase_add_test(t, uniform_in_range);
	tcase_add_test(t, exponential_mean);
	tcase_add_test(t, lognormal_median_and_spread);
	tcase_add_test(t, same_seed_same_samples);
	tcase_add_test(t, budget_iops_spacing);
	tcase_add_test(t, budget_burst);
	tcase_add_test(t, budget_bandwidth);
	tcase_add_test(t, budget_shared_alternating);
	tcase_add_test(t, names_roundtrip);
}
