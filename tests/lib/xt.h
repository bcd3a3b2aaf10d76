/* SPDX-License-Identifier: MIT */
/*
 * xt: the test support library of every Check suite.
 *
 * A test file defines its suites with XT_SUITE and never a main(): the
 * runner (runner.c) is the one main of every test executable. A suite's
 * body runs only when the suite is selected, and adds test cases with
 * xt_tcase():
 *
 *	XT_SUITE("ring")
 *	{
 *		TCase *tc = xt_tcase("core");
 *
 *		tcase_add_test(tc, push_and_pop);
 *	}
 *
 * or xt_tcase_fixture() for a case with a setup, a teardown and a
 * timeout.
 *
 * Command line of a test executable (see tests/README.md):
 *	--suite NAME	run this suite (repeatable; default: all of them)
 *	--case NAME	run only test cases of this name (repeatable)
 *	--list		print the suites and their test cases, run nothing
 * Check's CK_RUN_SUITE, CK_RUN_CASE, CK_VERBOSITY and CK_FORK keep
 * their meaning. The exit status is 0 when every test passed, 1 when one
 * failed, 77 (skip) when every selected suite was skipped.
 */
#ifndef XFRONT_TESTS_XT_H
#define XFRONT_TESTS_XT_H

#include <check.h>
#include <stdint.h>

#define XT_MAX_CASES 16

struct xt_suite {
	const char *name;
	void (*build)(void);
	/* Filled by the runner. */
	struct xt_suite *next;
	Suite *suite;
	const char *skip;
	const char *cases[XT_MAX_CASES];
	unsigned int ncases;
};

/* Called before main() by XT_SUITE: adds s to the executable's suites,
 * in link order. */
void xt_register(struct xt_suite *s);

#define XT_CAT_(a, b) a##b
#define XT_CAT(a, b) XT_CAT_(a, b)
#define XT_SUITE(name) XT_SUITE_(name, XT_CAT(xt_suite_, __LINE__))
#define XT_SUITE_(sname, id)                                                  \
	static void XT_CAT(id, _build)(void);                                 \
	static struct xt_suite XT_CAT(id, _def) = {                           \
		.name = (sname), .build = XT_CAT(id, _build) };               \
	__attribute__((constructor)) static void XT_CAT(id, _reg)(void)       \
	{                                                                     \
		xt_register(&XT_CAT(id, _def));                               \
	}                                                                     \
	static void XT_CAT(id, _build)(void)

/* A new test case in the suite being built. */
TCase *xt_tcase(const char *name);
/* The same, with a checked fixture (setup and teardown run in the test's
 * own process, around each test) and a timeout in seconds; 0 keeps
 * Check's default (CK_DEFAULT_TIMEOUT, 4 s unless set). */
TCase *xt_tcase_fixture(const char *name, SFun setup, SFun teardown,
			double timeout);
/* The suite being built is skipped, with the reason printed as
 * "SKIP: reason"; its test cases, if any, do not run. */
void xt_skip(const char *reason);

/* Big-endian fields of a frame (network byte order). */
static inline uint16_t xt_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t xt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

#endif
