/* SPDX-License-Identifier: MIT */
/* The one main() of every Check test executable: runs the suites that
 * XT_SUITE registered, filtered by suite and test-case name. */
#include "xt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XT_EXIT_SKIP 77
#define XT_MAX_ARGS 64

static struct xt_suite *suites;
static struct xt_suite **suites_tail = &suites;
static struct xt_suite *building;

void xt_register(struct xt_suite *s)
{
	s->next = NULL;
	*suites_tail = s;
	suites_tail = &s->next;
}

static void misuse(const char *what)
{
	fprintf(stderr, "xt: %s outside an XT_SUITE body\n", what);
	abort();
}

TCase *xt_tcase(const char *name)
{
	TCase *tc;

	if (!building)
		misuse("xt_tcase()");
	if (building->ncases == XT_MAX_CASES) {
		fprintf(stderr, "xt: suite %s: more than %d test cases\n",
			building->name, XT_MAX_CASES);
		abort();
	}
	tc = tcase_create(name);
	/* The case's own name as its tag: --case selects by tag, so it can
	 * name several cases. */
	tcase_set_tags(tc, name);
	suite_add_tcase(building->suite, tc);
	building->cases[building->ncases++] = name;
	return tc;
}

TCase *xt_tcase_fixture(const char *name, SFun setup, SFun teardown,
			double timeout)
{
	TCase *tc = xt_tcase(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	return tc;
}

void xt_skip(const char *reason)
{
	if (!building)
		misuse("xt_skip()");
	building->skip = reason;
}

static void build(struct xt_suite *s)
{
	s->suite = suite_create(s->name);
	building = s;
	s->build();
	building = NULL;
}

struct args {
	const char *suite[XT_MAX_ARGS];
	unsigned int nsuite;
	const char *tcase[XT_MAX_ARGS];
	unsigned int ntcase;
	bool list;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--suite NAME]... [--case NAME]... [--list]\n"
		"  --suite NAME  run this suite (default: every suite)\n"
		"  --case NAME   run only the test cases of this name\n"
		"  --list        print suites and test cases, run nothing\n"
		"CK_RUN_SUITE, CK_RUN_CASE, CK_VERBOSITY and CK_FORK work as "
		"in Check.\n", prog);
}

/* 0, or the exit status when main must stop. */
static int parse(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		const char **dst = NULL;
		unsigned int *n = NULL;
		size_t len;

		if (!strcmp(arg, "--list")) {
			a->list = true;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout, argv[0]);
			return EXIT_SUCCESS;
		}
		if (!strncmp(arg, "--suite", 7)) {
			dst = a->suite;
			n = &a->nsuite;
			len = 7;
		} else if (!strncmp(arg, "--case", 6)) {
			dst = a->tcase;
			n = &a->ntcase;
			len = 6;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n", argv[0],
				arg);
			usage(stderr, argv[0]);
			return EXIT_FAILURE;
		}
		if (arg[len] == '=')
			val = arg + len + 1;
		else if (!arg[len] && i + 1 < argc)
			val = argv[++i];
		if (!val || !*val || *n == XT_MAX_ARGS) {
			fprintf(stderr, "%s: bad '%s'\n", argv[0], arg);
			usage(stderr, argv[0]);
			return EXIT_FAILURE;
		}
		dst[(*n)++] = val;
	}
	return 0;
}

static bool selected(const struct args *a, const struct xt_suite *s)
{
	if (!a->nsuite)
		return true;
	for (unsigned int i = 0; i < a->nsuite; i++)
		if (!strcmp(a->suite[i], s->name))
			return true;
	return false;
}

static void list(void)
{
	SRunner *sr = NULL;

	for (struct xt_suite *s = suites; s; s = s->next) {
		build(s);
		if (sr)
			srunner_add_suite(sr, s->suite);
		else
			sr = srunner_create(s->suite);
		if (s->skip)
			printf("%s (skipped: %s)\n", s->name, s->skip);
		else
			printf("%s\n", s->name);
		for (unsigned int i = 0; i < s->ncases; i++)
			printf("\t%s\n", s->cases[i]);
	}
	if (sr)
		srunner_free(sr);
}

/* Space-separated --case names for srunner_run_tagged; NULL without
 * any, so that Check reads CK_INCLUDE_TAGS. free() it. */
static char *case_tags(const struct args *a)
{
	size_t len = 1;
	char *tags;

	if (!a->ntcase)
		return NULL;
	for (unsigned int i = 0; i < a->ntcase; i++)
		len += strlen(a->tcase[i]) + 1;
	tags = calloc(1, len);
	if (!tags)
		abort();
	for (unsigned int i = 0; i < a->ntcase; i++) {
		if (i)
			strcat(tags, " ");
		strcat(tags, a->tcase[i]);
	}
	return tags;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	SRunner *run = NULL, *unused = NULL;
	unsigned int skipped = 0;
	char *tags;
	int r, failed;

	r = parse(argc, argv, &a);
	if (r)
		return r;
	if (!a.nsuite && getenv("CK_RUN_SUITE") && *getenv("CK_RUN_SUITE"))
		a.suite[a.nsuite++] = getenv("CK_RUN_SUITE");
	for (unsigned int i = 0; i < a.nsuite; i++) {
		struct xt_suite *s = suites;

		while (s && strcmp(s->name, a.suite[i]))
			s = s->next;
		if (!s) {
			fprintf(stderr, "%s: no suite '%s'; --list shows "
				"them\n", argv[0], a.suite[i]);
			return EXIT_FAILURE;
		}
	}
	if (a.list) {
		list();
		return EXIT_SUCCESS;
	}
	for (struct xt_suite *s = suites; s; s = s->next) {
		SRunner **to;

		if (!selected(&a, s))
			continue;
		build(s);
		if (s->skip) {
			printf("SKIP: %s\n", s->skip);
			skipped++;
		}
		/* A skipped suite still goes to a runner: srunner_free() is
		 * the only way to free a Suite. */
		to = s->skip ? &unused : &run;
		if (*to)
			srunner_add_suite(*to, s->suite);
		else
			*to = srunner_create(s->suite);
	}
	if (unused)
		srunner_free(unused);
	if (!run) {
		if (skipped)
			return XT_EXIT_SKIP;
		fprintf(stderr, "%s: no suite to run\n", argv[0]);
		return EXIT_FAILURE;
	}
	tags = case_tags(&a);
	srunner_run_tagged(run, NULL, NULL, tags, NULL, CK_ENV);
	free(tags);
	failed = srunner_ntests_failed(run);
	srunner_free(run);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
