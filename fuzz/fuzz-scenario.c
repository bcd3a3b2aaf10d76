// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the scenario loader (Lua text -> validated model).
 *
 * The input is a scenario file. It is loaded once without a variant, then
 * once per declared variant; a load must give either a model or -EINVAL
 * with at least one "file:line: message" diagnostic, never a crash. Every
 * field of every object is then read back through the typed getters, and
 * the size/duration parsers get the input's first line.
 *
 * The target meets the loader's own bounds (harness/scenario/budget.c):
 * every Lua state it creates has a 64 MiB heap and, per top-level call,
 * a budget of 200 million instructions and 10 s of wall time, which a
 * pcall in the script cannot swallow; an endless loop or a runaway
 * table ends in a file:line diagnostic like any other error, which is
 * what the checks below expect. Pattern matching runs in C, outside the
 * count, and can take polynomial time with a high degree, so inputs
 * using it are skipped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xfront/scenario.h>

#include "fuzz.h"

#define MAX_VARIANTS 4

static char path[4096];

static const char *const banned[] = {
	"find", "match", "gsub", "gmatch", NULL,
};

static bool has_word(const uint8_t *d, size_t n, const char *w)
{
	size_t k = strlen(w), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(d + i, w, k) == 0)
			return true;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	(void)argc;
	(void)argv;
	if (!dir || !*dir)
		dir = P_tmpdir;
	snprintf(path, sizeof(path), "%s/xf-fuzz-scenario-XXXXXX", dir);
	fd = mkstemp(path);
	FZ_CHECK(fd >= 0);
	close(fd);
	return 0;
}

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

static void check_diag(const struct xf_scn_diag *d, size_t before)
{
	size_t i;

	FZ_CHECK(d->n > before);
	for (i = 0; i < d->n; i++) {
		FZ_CHECK(d->msg[i] != NULL);
		/* Every message names the file and a line. */
		FZ_CHECK(strncmp(d->msg[i], path, strlen(path)) == 0);
		FZ_CHECK(d->msg[i][strlen(path)] == ':');
	}
}

static void walk_obj(const struct xf_scn_obj *o, unsigned int depth)
{
	size_t i;

	FZ_CHECK(o && o->kind);
	FZ_CHECK(depth < 16);
	for (i = 0; i < o->kind->nfields; i++) {
		const struct xf_scn_field *f = &o->kind->fields[i];
		const char *s;

		(void)xf_scn_isset(o, f->key);
		(void)xf_scn_line(o, f->key);
		switch (f->type) {
		case XF_SCN_INT:
		case XF_SCN_SIZE:
		case XF_SCN_DUR: {
			int64_t v = xf_scn_int(o, f->key);

			/* Set values respect the schema's range. */
			if (xf_scn_isset(o, f->key) && f->max > f->min)
				FZ_CHECK((double)v >= f->min &&
					 (double)v <= f->max);
			break;
		}
		case XF_SCN_NUM:
			(void)xf_scn_num(o, f->key);
			break;
		case XF_SCN_BOOL:
			(void)xf_scn_bool(o, f->key);
			break;
		case XF_SCN_STR:
		case XF_SCN_ENUM:
		case XF_SCN_REF:
			s = xf_scn_str(o, f->key);
			if (s && f->type == XF_SCN_ENUM && f->enums) {
				const char *const *e = f->enums;

				while (*e && strcmp(*e, s))
					e++;
				FZ_CHECK(*e != NULL);
			}
			break;
		case XF_SCN_OBJ:
			walk_obj(xf_scn_sub(o, f->key), depth + 1);
			break;
		case XF_SCN_MAP:
			for (size_t k = 0; k < o->vals[i].nitems; k++) {
				FZ_CHECK(o->vals[i].items[k]->name != NULL);
				walk_obj(o->vals[i].items[k], depth + 1);
			}
			break;
		case XF_SCN_FUNC:
			break;
		}
	}
}

static void load_one(const char *variant, const struct xf_scn_opts *opts,
		     char ***names, size_t *nnames)
{
	struct xf_scn_diag diag;
	struct xf_scn *s = NULL;
	size_t i;
	int r;

	xf_scn_diag_init(&diag);
	r = xf_scn_load(path, variant, opts, &s, &diag);
	if (getenv("XF_FUZZ_DEBUG")) {
		fprintf(stderr, "load(%s) = %d\n", variant ? variant : "-", r);
		for (i = 0; i < diag.n; i++)
			fprintf(stderr, "  %s\n", diag.msg[i]);
	}
	if (r == 0) {
		FZ_CHECK(s != NULL);
		for (i = 0; i < s->nobjs; i++)
			walk_obj(s->objs[i], 0);
		for (i = 0; xf_scn_kinds[i]; i++) {
			const char *k = xf_scn_kinds[i]->name;
			size_t n = xf_scn_count(s, k), j;

			for (j = 0; j < n; j++)
				FZ_CHECK(xf_scn_nth(s, k, j) != NULL);
			FZ_CHECK(xf_scn_nth(s, k, n) == NULL);
		}
		(void)xf_scn_unused_params(s, opts, &diag);
		if (names) {
			*nnames = s->nvariants < MAX_VARIANTS ? s->nvariants :
								MAX_VARIANTS;
			*names = calloc(*nnames ? *nnames : 1, sizeof(char *));
			FZ_CHECK(*names);
			for (i = 0; i < *nnames; i++) {
				(*names)[i] = strdup(s->variants[i].name);
				FZ_CHECK((*names)[i]);
			}
		}
		xf_scn_free(s);
	} else {
		FZ_CHECK(s == NULL);
		FZ_CHECK(r == -EINVAL || r == -ENOMEM);
		if (r == -EINVAL)
			check_diag(&diag, 0);
	}
	xf_scn_diag_free(&diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool registered;
	struct xf_scn_param params[2] = {
		{ "duration", "10ms" },
		{ "nosuchparam", "1" },
	};
	struct xf_scn_opts opts = { .params = params, .nparams = 2 };
	char **names = NULL;
	size_t nnames = 0, i;
	char line[64];
	int64_t v;
	FILE *f;

	if (!path[0])
		LLVMFuzzerInitialize(NULL, NULL);
	if (!registered) {
		/* The file carries one input at a time; gone at exit. */
		atexit(cleanup);
		registered = true;
	}

	/* The value parsers, on the first line. */
	for (i = 0; i < size && i < sizeof(line) - 1 && data[i] != '\n'; i++)
		line[i] = (char)data[i];
	line[i] = '\0';
	if (xf_scn_parse_size(line, &v) == 0)
		FZ_CHECK(v >= 0);
	if (xf_scn_parse_duration(line, &v) == 0)
		FZ_CHECK(v >= 0);

	for (i = 0; banned[i]; i++)
		if (has_word(data, size, banned[i]))
			return 0;

	f = fopen(path, "wb");
	FZ_CHECK(f);
	if (size)
		FZ_CHECK(fwrite(data, 1, size, f) == size);
	FZ_CHECK(fclose(f) == 0);

	load_one(NULL, (size && (data[0] & 1)) ? &opts : NULL, &names,
		 &nnames);
	for (i = 0; i < nnames; i++) {
		load_one(names[i], &opts, NULL, NULL);
		free(names[i]);
	}
	free(names);
	return 0;
}
