/* SPDX-License-Identifier: MIT */
/* xf_outfile: the target is replaced whole on commit and untouched on
 * abort or failure, and no temporary file outlives either. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xfront/outfile.h>

#include "xt.h"

static char dir[64], target[128];

static void setup(void)
{
	strcpy(dir, "/tmp/xf-outfile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/out.json", dir);
}

static void teardown(void)
{
	unlink(target);
	rmdir(dir);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void expect_content(const char *path, const char *want)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = 0;
	fclose(f);
	ck_assert_str_eq(buf, want);
}

/* Entries of dir other than . and .. (the target included). */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(commit_replaces_the_target)
{
	struct xf_outfile o;
	struct stat st;
	mode_t um = umask(022);

	put(target, "old");
	ck_assert_int_eq(xf_outfile_open(&o, target), 0);
	/* Beside the target, not over it, until the commit. */
	ck_assert_int_eq(strncmp(o.tmp, dir, strlen(dir)), 0);
	fputs("new", o.f);
	expect_content(target, "old");
	ck_assert_int_eq(entries(), 2);
	ck_assert_int_eq(xf_outfile_commit(&o), 0);
	expect_content(target, "new");
	ck_assert_int_eq(entries(), 1);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	umask(um);
}
END_TEST

START_TEST(abort_leaves_the_target)
{
	struct xf_outfile o;

	put(target, "old");
	ck_assert_int_eq(xf_outfile_open(&o, target), 0);
	fputs("half", o.f);
	xf_outfile_abort(&o);
	expect_content(target, "old");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(failed_write_is_reported_and_undone)
{
	struct rlimit lim, was;
	struct xf_outfile o;
	char big[4096];

	put(target, "old");
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	/* The soft limit only: it can be raised again. */
	lim = (struct rlimit){ 512, was.rlim_max };
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(xf_outfile_open(&o, target), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	fwrite(big, 1, sizeof(big), o.f);
	ck_assert_int_eq(xf_outfile_commit(&o), -EFBIG);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	expect_content(target, "old");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

/* The write fails inside fwrite, long before commit; whatever errno
 * says by then, the commit reports the write's own error. */
START_TEST(early_write_error_survives_a_later_errno)
{
	static char big[1 << 16];
	struct rlimit lim, was;
	struct xf_outfile o;

	put(target, "old");
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	lim = (struct rlimit){ 512, was.rlim_max };
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(xf_outfile_open(&o, target), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_uint_lt(fwrite(big, 1, sizeof(big), o.f), sizeof(big));
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	errno = ENOENT;
	ck_assert_int_eq(xf_outfile_commit(&o), -EFBIG);
	expect_content(target, "old");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(open_in_a_missing_directory_fails)
{
	struct xf_outfile o;
	char p[160];

	snprintf(p, sizeof(p), "%s/no/such/out.json", dir);
	ck_assert_int_eq(xf_outfile_open(&o, p), -ENOENT);
	ck_assert_int_eq(entries(), 0);
}
END_TEST

XT_SUITE("util-outfile")
{
	TCase *tc = xt_tcase_fixture("outfile", setup, teardown, 0);

	tcase_add_test(tc, commit_replaces_the_target);
	tcase_add_test(tc, abort_leaves_the_target);
	tcase_add_test(tc, failed_write_is_reported_and_undone);
	tcase_add_test(tc, early_write_error_survives_a_later_errno);
	tcase_add_test(tc, open_in_a_missing_directory_fails);
}
