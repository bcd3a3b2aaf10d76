// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <xfront/metrics.h>

#include "xt.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: deterministic, good enough for distribution tests */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double urand(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static void assert_close(uint64_t got, double want, double rel)
{
	ck_assert_msg(fabs((double)got - want) <= want * rel,
		      "got %llu want %.1f (+-%.2f%%)",
		      (unsigned long long)got, want, rel * 100);
}

START_TEST(bucket_geometry)
{
	uint64_t samples[] = { 0, 1, 127, 128, 129, 255, 256, 1000, 4095,
			       4096, 123456789, 1ull << 40,
			       XF_HIST_MAX_VALUE };

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		uint64_t v = samples[i];
		unsigned int idx = xf_hist_index(v);
		uint64_t lo = xf_hist_bucket_low(idx);
		uint64_t hi = xf_hist_bucket_high(idx);

		ck_assert_uint_lt(idx, XF_HIST_NBUCKETS);
		ck_assert_uint_le(lo, v);
		ck_assert_uint_ge(hi, v);
		/* precision: bucket width at most 1/64 of its value */
		ck_assert_uint_le((hi - lo) * XF_HIST_SUB, v + 1);
	}
	/* contiguous and monotonic */
	for (unsigned int i = 1; i < XF_HIST_NBUCKETS; i++)
		ck_assert_uint_eq(xf_hist_bucket_low(i),
				  xf_hist_bucket_high(i - 1) + 1);
	ck_assert_uint_eq(xf_hist_index(UINT64_MAX), XF_HIST_NBUCKETS - 1);
}
END_TEST

START_TEST(uniform_percentiles)
{
	static struct xf_hist h;

	xf_hist_init(&h);
	for (uint64_t v = 1; v <= 1000000; v++)
		xf_hist_record(&h, v);
	ck_assert_uint_eq(h.count, 1000000);
	ck_assert_uint_eq(h.min, 1);
	ck_assert_uint_eq(h.max, 1000000);
	assert_close(xf_hist_percentile(&h, 50), 500000, 0.016);
	assert_close(xf_hist_percentile(&h, 90), 900000, 0.016);
	assert_close(xf_hist_percentile(&h, 99), 990000, 0.016);
	assert_close(xf_hist_percentile(&h, 99.9), 999000, 0.016);
	ck_assert_uint_eq(xf_hist_percentile(&h, 100), 1000000);
	ck_assert(fabs(xf_hist_mean(&h) - 500000.5) < 1e-3);
	/* stddev of uniform 1..N = N/sqrt(12) */
	ck_assert(fabs(xf_hist_stddev(&h) - 1000000 / sqrt(12)) < 10);
}
END_TEST

START_TEST(exponential_percentiles)
{
	static struct xf_hist h;
	const double mean = 100000; /* 100 us */

	rng_state = 42;
	xf_hist_init(&h);
	for (int i = 0; i < 400000; i++)
		xf_hist_record(&h, (uint64_t)(-log(1 - urand()) * mean));
	/* quantile q of Exp(1/mean) is -mean * ln(1 - q) */
	assert_close(xf_hist_percentile(&h, 50), mean * log(2), 0.03);
	assert_close(xf_hist_percentile(&h, 90), mean * log(10), 0.03);
	assert_close(xf_hist_percentile(&h, 99), mean * log(100), 0.04);
}
END_TEST

START_TEST(small_exact_and_bimodal)
{
	static struct xf_hist h;

	xf_hist_init(&h);
	ck_assert_uint_eq(xf_hist_percentile(&h, 50), 0);
	/* 99 fast I/Os at 50 ns, one slow at 10 ms: p99 fast, p99.9 slow */
	xf_hist_record_n(&h, 50, 99);
	xf_hist_record(&h, 10000000);
	ck_assert_uint_eq(xf_hist_percentile(&h, 50), 50);
	ck_assert_uint_eq(xf_hist_percentile(&h, 99), 50);
	ck_assert_uint_eq(xf_hist_percentile(&h, 99.9), 10000000);
	ck_assert_uint_eq(xf_hist_percentile(&h, 100), 10000000);
}
END_TEST

START_TEST(merge_equals_combined)
{
	static struct xf_hist a, b, all;

	rng_state = 7;
	xf_hist_init(&a);
	xf_hist_init(&b);
	xf_hist_init(&all);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = rng() % 5000000;

		xf_hist_record(i & 1 ? &a : &b, v);
		xf_hist_record(&all, v);
	}
	xf_hist_merge(&a, &b);
	ck_assert_uint_eq(a.count, all.count);
	ck_assert_uint_eq(a.min, all.min);
	ck_assert_uint_eq(a.max, all.max);
	for (int i = 0; i < XF_HIST_NR_STD_PCTS; i++)
		ck_assert_uint_eq(xf_hist_percentile(&a, xf_hist_std_pcts[i]),
				  xf_hist_percentile(&all,
						     xf_hist_std_pcts[i]));
}
END_TEST

START_TEST(series_per_second)
{
	struct xf_series s, t;
	const uint64_t S = 1000000000ull;

	xf_series_init(&s, 5 * S, 0);
	ck_assert_int_eq(xf_series_add(&s, 5 * S + 10, 1, 4096), 0);
	ck_assert_int_eq(xf_series_add(&s, 6 * S - 1, 1, 4096), 0);
	ck_assert_int_eq(xf_series_add(&s, 8 * S + 3, 2, 8192), 0);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.ops[0], 2);
	ck_assert_uint_eq(s.ops[1], 0);
	ck_assert_uint_eq(s.ops[3], 2);
	ck_assert_uint_eq(s.bytes[3], 8192);
	ck_assert_int_eq(xf_series_extend(&s, 10 * S), 0);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_uint_eq(s.ops[4], 0);
	xf_series_init(&t, 5 * S, 0);
	ck_assert_int_eq(xf_series_add(&t, 5 * S, 3, 1), 0);
	ck_assert_int_eq(xf_series_merge(&s, &t), 0);
	ck_assert_uint_eq(s.ops[0], 5);
	xf_series_free(&t);
	xf_series_init(&t, 0, 0);
	ck_assert_int_eq(xf_series_merge(&s, &t), -EINVAL);
	xf_series_free(&t);
	xf_series_free(&s);
}
END_TEST

START_TEST(counters)
{
	struct xf_ctrs c, d;
	uint64_t v;

	xf_ctrs_init(&c);
	xf_ctrs_init(&d);
	ck_assert_int_eq(xf_ctrs_add(&c, "errors.eio", 2), 0);
	ck_assert_int_eq(xf_ctrs_add(&c, "errors.eio", 3), 0);
	ck_assert_int_eq(xf_ctrs_set(&c, "vcpu0.completions", 9), 0);
	ck_assert_uint_eq(xf_ctrs_get(&c, "errors.eio"), 5);
	ck_assert_uint_eq(xf_ctrs_get(&c, "nope"), 0);
	ck_assert_int_eq(xf_ctrs_lookup(&c, "nope", &v), -ENOENT);
	ck_assert_int_eq(xf_ctrs_add(&d, "errors.eio", 1), 0);
	ck_assert_int_eq(xf_ctrs_merge(&d, &c), 0);
	ck_assert_uint_eq(xf_ctrs_get(&d, "errors.eio"), 6);
	ck_assert_int_eq(xf_ctrs_lookup(&d, "vcpu0.completions", &v), 0);
	ck_assert_uint_eq(v, 9);
	/* insertion order is kept for stable reports */
	ck_assert_str_eq(d.v[1].name, "vcpu0.completions");
	xf_ctrs_free(&c);
	xf_ctrs_free(&d);
}
END_TEST

START_TEST(jain)
{
	double eq[4] = { 10, 10, 10, 10 };
	double hog[4] = { 40, 0, 0, 0 };
	double two[2] = { 1, 3 };

	ck_assert(fabs(xf_jain_index(eq, 4) - 1.0) < 1e-12);
	ck_assert(fabs(xf_jain_index(hog, 4) - 0.25) < 1e-12);
	/* (1+3)^2 / (2 * (1+9)) = 0.8 */
	ck_assert(fabs(xf_jain_index(two, 2) - 0.8) < 1e-12);
	ck_assert(fabs(xf_jain_index(NULL, 0) - 1.0) < 1e-12);
}
END_TEST

XT_SUITE("harness-metrics")
{
	TCase *tc = xt_tcase("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, bucket_geometry);
	tcase_add_test(tc, uniform_percentiles);
	tcase_add_test(tc, exponential_percentiles);
	tcase_add_test(tc, small_exact_and_bimodal);
	tcase_add_test(tc, merge_equals_combined);
	tcase_add_test(tc, series_per_second);
	tcase_add_test(tc, counters);
	tcase_add_test(tc, jain);
}
