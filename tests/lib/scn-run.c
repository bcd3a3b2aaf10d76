/* SPDX-License-Identifier: MIT */
/* Apart from scn.c so that suites of the loader alone need no engine. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <xfront/engine.h>

#include "xt.h"
#include "xt-scn.h"

void xt_scn_run(struct xt_scn *t, const char *src, struct xf_result **res)
{
	struct xf_engine_opts o = { .mode = "sim" };
	char err[1024];
	int r = xt_scn_load(t, src, NULL, NULL);

	if (r)
		xt_scn_print_diag(t->diag);
	ck_assert_int_eq(r, 0);
	xf_result_free(*res);
	*res = NULL;
	r = xf_engine_run(*t->scn, &o, res, err, sizeof(err));
	ck_assert_msg(r == 0, "run: %d %s", r, err);
	ck_assert_msg(!(*res)->error, "run error: %s", (*res)->error);
}

void xt_scn_runf(struct xt_scn *t, struct xf_result **res, const char *fmt,
		 ...)
{
	char *src;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&src, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	xt_scn_run(t, src, res);
	free(src);
}

uint64_t xt_scn_ctr(const struct xf_result *res, const char *obj,
		    const char *name)
{
	char k[160];
	uint64_t v;

	if (obj)
		snprintf(k, sizeof(k), "%s.%s", obj, name);
	else
		snprintf(k, sizeof(k), "%s", name);
	ck_assert_msg(!xf_ctrs_lookup(&res->counters, k, &v),
		      "no counter %s", k);
	return v;
}
