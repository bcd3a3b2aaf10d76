// SPDX-License-Identifier: MIT
/*
 * Plain main() for the fuzz targets, so that compilers without libFuzzer
 * (gcc) still run the corpus: every file named on the command line, and
 * every regular file in every directory named, is fed once to
 * LLVMFuzzerTestOneInput(), in sorted order so runs are reproducible.
 * A crash or an abort() in the target fails the run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Targets that need one-time setup define it; weak so others need not. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* XF_FUZZ_OUTCOMES=1: after each input, "outcome <hash> <file>" on
 * stdout, the FNV-1a hash of what the target reported through
 * fz_outcome() during that input. */
static bool outcomes;
static uint64_t outcome_hash;

bool fz_outcome_enabled(void)
{
	return outcomes;
}

void fz_outcome_mix(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		outcome_hash ^= b[i];
		outcome_hash *= 0x100000001b3ull;
	}
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size heap copy, so the sanitizers catch reads past the
	 * end of the input just as libFuzzer would. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return -1;
		}
		if (len)
			memcpy(exact, buf, len);
		free(buf);
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
		outcome_hash = 0xcbf29ce484222325ull;
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		if (outcomes)
			printf("outcome %016llx %s\n",
			       (unsigned long long)outcome_hash, path);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, unsigned int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[n]) {
			rc = -1;
			break;
		}
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && stat(names[i], &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (run_file(names[i]) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n"
			"Feeds each file (and each file in each directory) "
			"to the fuzz target once.\n", argv[0]);
		return 2;
	}
	{
		const char *e = getenv("XF_FUZZ_OUTCOMES");

		outcomes = e && *e && strcmp(e, "0");
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) < 0)
				return 1;
		} else {
			if (run_file(argv[i]) < 0)
				return 1;
			count++;
		}
	}
	/* An empty corpus would make the test pass without testing. */
	if (count == 0) {
		fprintf(stderr, "no input files\n");
		return 1;
	}
	printf("%u inputs replayed without failure\n", count);
	return 0;
}
