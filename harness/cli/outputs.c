// SPDX-License-Identifier: MIT
/* Output paths are checked before anything runs: a typo in --json or
 * --report must not be found only after every scenario has run. */
#include <errno.h>
#include <fcntl.h>
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

int cli_outputs_check(const struct cli_opts *o)
{
	if (o->json && file_ok("--json", o->json))
		return -EINVAL;
	if (o->junit && file_ok("--junit", o->junit))
		return -EINVAL;
	if (o->report && dir_ok("--report", o->report))
		return -EINVAL;
	return 0;
}
