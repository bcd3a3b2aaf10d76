// SPDX-License-Identifier: MIT
/* Output paths are checked before anything runs: a typo in --json or
 * --report must not be found only after every scenario has run, and
 * no output may overwrite another or a scenario file of the run. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

/* A file the run will create or replace: it exists and is writable, or
 * it can be created (and is removed again). */
static int file_ok(const char *opt, const char *path)
{
	struct stat st;
	int fd, e;

	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xfront: %s %s: is a directory\n",
				opt, path);
			return -EISDIR;
		}
		if (access(path, W_OK)) {
			e = errno;
			fprintf(stderr, "xfront: %s %s: %s\n", opt, path,
				strerror(e));
			return -e;
		}
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		fprintf(stderr, "xfront: %s %s: %s\n", opt, path, strerror(e));
		return -e;
	}
	close(fd);
	unlink(path);
	return 0;
}

/* The report directory: it exists and is writable, or it can be made
 * (and is removed again). */
static int dir_ok(const char *opt, const char *path)
{
	struct stat st;
	int e;

	if (!stat(path, &st)) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xfront: %s %s: not a directory\n",
				opt, path);
			return -ENOTDIR;
		}
		if (access(path, W_OK | X_OK)) {
			e = errno;
			fprintf(stderr, "xfront: %s %s: %s\n", opt, path,
				strerror(e));
			return -e;
		}
		return 0;
	}
	if (mkdir(path, 0755)) {
		e = errno;
		fprintf(stderr, "xfront: %s %s: %s\n", opt, path, strerror(e));
		return -e;
	}
	rmdir(path);
	return 0;
}

/* Whether a and b name one file: the same inode when both exist, else
 * the same spelling (a file the run would create twice). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!stat(a, &sa) && !stat(b, &sb))
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !strcmp(a, b);
}

int cli_outputs_check(const struct cli_opts *o, const struct cli_files *in)
{
	const struct { const char *opt, *path; bool dir; } out[] = {
		{ "--json", o->json, false },
		{ "--junit", o->junit, false },
		{ "--report", o->report, true },
		{ "--pcap", o->pcap, true },
	};
	size_t n = sizeof(out) / sizeof(out[0]);

	for (size_t i = 0; i < n; i++) {
		if (!out[i].path)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (out[j].path && same_file(out[i].path,
						     out[j].path)) {
				fprintf(stderr, "xfront: %s %s: also given "
					"to %s\n", out[i].opt, out[i].path,
					out[j].opt);
				return -EINVAL;
			}
		}
		for (size_t f = 0; f < in->n; f++) {
			if (same_file(out[i].path, in->v[f])) {
				fprintf(stderr, "xfront: %s %s: is a scenario "
					"file of this run\n", out[i].opt,
					out[i].path);
				return -EINVAL;
			}
		}
		if (out[i].dir ? dir_ok(out[i].opt, out[i].path) :
				 file_ok(out[i].opt, out[i].path))
			return -EINVAL;
	}
	return 0;
}
