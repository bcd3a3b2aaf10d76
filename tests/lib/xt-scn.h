/* SPDX-License-Identifier: MIT */
/*
 * xt builder: scenarios loaded from source text in a scratch directory.
 * The fixture works on the test file's own scn and diag, which the test
 * bodies use directly:
 *
 *	static struct xf_scn_diag diag;
 *	static struct xf_scn *scn;
 *	static struct xt_scn fx = { .prefix = "xf-mine", .scn = &scn,
 *				     .diag = &diag };
 *
 *	static void setup(void) { xt_scn_setup(&fx); }
 *	static void teardown(void) { xt_scn_teardown(&fx); }
 */
#ifndef XFRONT_TESTS_XT_SCN_H
#define XFRONT_TESTS_XT_SCN_H

#include <stdint.h>
#include <xfront/scenario.h>

struct xf_result;

/* The file every source is written to, so diagnostics say t.lua:N. */
#define XT_SCN_FILE "t.lua"

struct xt_scn {
	const char *prefix;	/* of the scratch directory's name */
	struct xf_scn **scn;
	struct xf_scn_diag *diag;
	char dir[4096];
};

/* Makes $TMPDIR/<prefix>-XXXXXX (P_tmpdir without TMPDIR) the working
 * directory, with empty diagnostics and no scenario. */
void xt_scn_setup(struct xt_scn *t);
/* Frees the scenario and diagnostics, removes XT_SCN_FILE and the
 * directory. */
void xt_scn_teardown(struct xt_scn *t);
/* Writes src to XT_SCN_FILE and loads it (variant and o as
 * xf_scn_load's) into *t->scn, freeing the scenario there. */
int xt_scn_load(struct xt_scn *t, const char *src, const char *variant,
		const struct xf_scn_opts *o);
/* xt_scn_load() of a source formatted as printf (no variant, opts). */
int xt_scn_loadf(struct xt_scn *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Every diagnostic to stderr, to show why a load failed. */
void xt_scn_print_diag(const struct xf_scn_diag *d);
/* Fails the test, printing them all, unless want is one of them. */
void xt_scn_assert_diag(const struct xf_scn_diag *d, const char *want);
/* Loads src, which must load, and runs it in sim mode into *res (freeing
 * the result there); the run must succeed. In scn-run.c: only suites that
 * call it link the engine. */
void xt_scn_run(struct xt_scn *t, const char *src, struct xf_result **res);

/* xt_scn_run() of a source formatted as printf. In scn-run.c. */
void xt_scn_runf(struct xt_scn *t, struct xf_result **res, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
/* Counter "<obj>.<name>" (obj NULL: "<name>") of res, which must have
 * it. In scn-run.c. */
uint64_t xt_scn_ctr(const struct xf_result *res, const char *obj,
		    const char *name);

/* The file-level state and fixture of a suite that loads scenarios:
 * diag, scn, fx, setup(), teardown(), and load(src) and
 * assert_diag(want) (inline: a suite may use neither). */
#define XT_SCN_FIXTURE(prefix_)						\
	XT_SCN_FIXTURE_WITH(prefix_, (void)0, (void)0)

/* The same for a suite that runs scenarios: also res, freed at
 * teardown (xt_scn_run(&fx, src, &res) fills it). */
#define XT_SCN_RUN_FIXTURE(prefix_)					\
	static struct xf_result *res;					\
	XT_SCN_FIXTURE_WITH(prefix_, res = NULL, xf_result_free(res))

/* Both, with a statement run at the end of setup and one at the start
 * of teardown. */
#define XT_SCN_FIXTURE_WITH(prefix_, on_setup, on_teardown)		\
	static struct xf_scn_diag diag;					\
	static struct xf_scn *scn;					\
	static struct xt_scn fx = { .prefix = prefix_, .scn = &scn,	\
				    .diag = &diag };			\
	static void setup(void)						\
	{								\
		xt_scn_setup(&fx);					\
		on_setup;						\
	}								\
	static void teardown(void)					\
	{								\
		on_teardown;						\
		xt_scn_teardown(&fx);					\
	}								\
	static inline int load(const char *src)				\
	{								\
		return xt_scn_load(&fx, src, NULL, NULL);		\
	}								\
	static inline void assert_diag(const char *want)		\
	{								\
		xt_scn_assert_diag(&diag, want);			\
	}

#endif
