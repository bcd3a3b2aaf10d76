/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xt.h"
#include "xt-scn.h"

void xt_scn_setup(struct xt_scn *t)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(t->dir, sizeof(t->dir), "%s/%s-XXXXXX", tmp ? tmp : P_tmpdir,
		 t->prefix);
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	ck_assert_int_eq(chdir(t->dir), 0);
	xf_scn_diag_init(t->diag);
	*t->scn = NULL;
}

void xt_scn_teardown(struct xt_scn *t)
{
	xf_scn_free(*t->scn);
	xf_scn_diag_free(t->diag);
	unlink(XT_SCN_FILE);
	if (chdir("/") == 0)
		rmdir(t->dir);
}

int xt_scn_load(struct xt_scn *t, const char *src, const char *variant,
		const struct xf_scn_opts *o)
{
	FILE *f = fopen(XT_SCN_FILE, "w");

	ck_assert_ptr_nonnull(f);
	fputs(src, f);
	fclose(f);
	xf_scn_free(*t->scn);
	*t->scn = NULL;
	return xf_scn_load(XT_SCN_FILE, variant, o, t->scn, t->diag);
}

int xt_scn_loadf(struct xt_scn *t, const char *fmt, ...)
{
	char *src;
	va_list ap;
	int r, n;

	va_start(ap, fmt);
	n = vasprintf(&src, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	r = xt_scn_load(t, src, NULL, NULL);
	free(src);
	return r;
}

void xt_scn_print_diag(const struct xf_scn_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->msg[i]);
}

void xt_scn_assert_diag(const struct xf_scn_diag *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->msg[i], want))
			return;
	xt_scn_print_diag(d);
	ck_abort_msg("missing diagnostic: %s", want);
}
