/* SPDX-License-Identifier: MIT */
/* The durability suites' fixture: a checker over sectors 100..115, what
 * a power cut found there (blank unless a test says otherwise) and the
 * last report. */
#ifndef XF_TESTS_DUR_FIXTURE_H
#define XF_TESTS_DUR_FIXTURE_H

#include <check.h>
#include <xfront/durability.h>

#define NR 16
static struct xf_dur *d;
static struct xf_dur_seen seen[NR];
static struct xf_dur_report rep;

static inline void setup(void)
{
	ck_assert_int_eq(xf_dur_new(100, NR, &d), 0);
	for (int i = 0; i < NR; i++)
		seen[i] = (struct xf_dur_seen){ XF_DUR_SEEN_BLANK, 0 };
}

static inline void teardown(void)
{
	xf_dur_report_free(&rep);
	xf_dur_free(d);
}

/* The cut found write id on sectors s..s+n-1. */
static inline void see(uint64_t s, uint64_t n, uint64_t id)
{
	for (uint64_t i = 0; i < n; i++)
		seen[s - 100 + i] = (struct xf_dur_seen){ XF_DUR_SEEN_WRITE,
							  id };
}

static inline void write_acked(uint64_t id, uint64_t s, uint64_t n)
{
	ck_assert_int_eq(xf_dur_write_submit(d, id, s, n), 0);
	ck_assert_int_eq(xf_dur_write_done(d, id, 0, false), 0);
}

static inline uint64_t flush_ok(void)
{
	uint64_t f = xf_dur_flush_submit(d);

	ck_assert_uint_gt(f, 0);
	ck_assert_int_eq(xf_dur_flush_done(d, f, 0), 0);
	return f;
}

/* A power cut: the checker compares seen, the report is in rep. */
static inline void check_verdict(enum xf_dur_verdict v)
{
	xf_dur_report_free(&rep);
	ck_assert_int_eq(xf_dur_check(d, seen, 16, &rep), 0);
	ck_assert_int_eq(rep.verdict, v);
}

#endif
