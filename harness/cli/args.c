// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"

static int need(int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		fprintf(stderr, "xfront: %s needs a value\n", argv[i]);
		return -EINVAL;
	}
	return 0;
}

static int add_param(struct cli_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k;

	if (!eq || eq == kv) {
		fprintf(stderr, "xfront: --set %s: expected key=value\n", kv);
		return -EINVAL;
	}
	if (o->nparams == CLI_MAX_PARAMS) {
		fprintf(stderr, "xfront: too many --set options\n");
		return -EINVAL;
	}
	k = strndup(kv, (size_t)(eq - kv));
	if (!k)
		return -ENOMEM;
	o->params[o->nparams].key = k;
	o->params[o->nparams].value = strdup(eq + 1);
	o->nparams++;
	return 0;
}

/* Decimal digits only, as many as fit: "010" is ten, not octal eight,
 * and "1x", "-1", "" and overflow are refused rather than wrapped. */
static int parse_decimal(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return -EINVAL;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > (max - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*out = n;
	return 0;
}

/* The scenario library's rule, so that --seed and --set seed= agree. */
static int parse_seed(const char *v, uint64_t *seed)
{
	int64_t n;

	if (xf_scn_parse_seed(v, &n)) {
		fprintf(stderr, "xfront: --seed %s: expected a number from 0 "
			"to 2^53 (9007199254740992)\n", v);
		return -EINVAL;
	}
	*seed = (uint64_t)n;
	return 0;
}

int cli_parse_shard(const char *v, unsigned int *k, unsigned int *n)
{
	const char *slash = strchr(v, '/');
	uint64_t kk, nn;
	char head[32];

	if (!slash || (size_t)(slash - v) >= sizeof(head))
		goto bad;
	memcpy(head, v, (size_t)(slash - v));
	head[slash - v] = 0;
	if (parse_decimal(head, UINT32_MAX, &kk) ||
	    parse_decimal(slash + 1, UINT32_MAX, &nn) || !kk || kk > nn)
		goto bad;
	*k = (unsigned int)kk;
	*n = (unsigned int)nn;
	return 0;
bad:
	fprintf(stderr, "xfront: --shard %s: expected K/N with 1 <= K <= N "
		"<= %u\n", v, UINT32_MAX);
	return -EINVAL;
}

char *cli_join_argv(int argc, char **argv)
{
	size_t cl = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		cl += strlen(argv[i]) + 1;
	s = calloc(1, cl);
	for (int i = 0; s && i < argc; i++) {
		strcat(s, i ? " " : "");
		strcat(s, argv[i]);
	}
	return s;
}

int cli_parse(int argc, char **argv, int first, struct cli_opts *o)
{

	memset(o, 0, sizeof(*o));
	o->platform = "mock";
	o->mode = "sim";
	o->paths = calloc((size_t)argc, sizeof(char *));
	o->cmdline = cli_join_argv(argc, argv);
	if (!o->paths || !o->cmdline)
		return -ENOMEM;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--platform") || !strcmp(a, "--mode") ||
		    !strcmp(a, "--seed") || !strcmp(a, "--json") ||
		    !strcmp(a, "--junit") || !strcmp(a, "--report") ||
		    !strcmp(a, "--pcap") || !strcmp(a, "--set") ||
		    !strcmp(a, "--shard") || !strcmp(a, "--variant")) {
			const char *v;

			if (need(argc, argv, i))
				return -EINVAL;
			v = argv[++i];
			if (!strcmp(a, "--platform")) {
				if (strcmp(v, "mock") && strcmp(v, "xen")) {
					fprintf(stderr, "xfront: --platform "
						"%s: expected mock or xen\n",
						v);
					return -EINVAL;
				}
				o->platform = v;
			} else if (!strcmp(a, "--mode")) {
				if (strcmp(v, "sim") && strcmp(v, "real")) {
					fprintf(stderr, "xfront: --mode %s: "
						"expected sim or real\n", v);
					return -EINVAL;
				}
				o->mode = v;
			} else if (!strcmp(a, "--seed")) {
				if (parse_seed(v, &o->seed))
					return -EINVAL;
				o->has_seed = true;
			} else if (!strcmp(a, "--json")) {
				o->json = v;
			} else if (!strcmp(a, "--junit")) {
				o->junit = v;
			} else if (!strcmp(a, "--report")) {
				o->report = v;
			} else if (!strcmp(a, "--pcap")) {
				o->pcap = v;
			} else if (!strcmp(a, "--variant")) {
				o->variant = v;
			} else if (!strcmp(a, "--set")) {
				if (add_param(o, v))
					return -EINVAL;
			} else {
				if (cli_parse_shard(v, &o->shard_k, &o->shard_n))
					return -EINVAL;
			}
		} else if (!strcmp(a, "--no-color")) {
			o->no_color = true;
		} else if (!strcmp(a, "--skip-unsupported")) {
			o->skip_unsupported = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "xfront: unknown option %s (see "
				"xfront --help)\n", a);
			return -EINVAL;
		} else {
			o->paths[o->npaths++] = argv[i];
		}
	}
	if (!o->npaths) {
		fprintf(stderr, "xfront run: no scenario given (a .lua file "
			"or a directory)\n");
		return -EINVAL;
	}
	return 0;
}

void cli_opts_free(struct cli_opts *o)
{
	for (size_t i = 0; i < o->nparams; i++) {
		free((char *)o->params[i].key);
		free((char *)o->params[i].value);
	}
	free(o->paths);
	free(o->cmdline);
}

char *cli_params_string(const struct cli_opts *o)
{
	size_t len = 1;
	char *s;

	/* Commas separate the pairs, so a comma or backslash inside a
	 * value is escaped with a backslash (at most doubling it). */
	for (size_t i = 0; i < o->nparams; i++)
		len += strlen(o->params[i].key) +
		       2 * strlen(o->params[i].value) + 2;
	s = calloc(1, len);
	if (!s)
		return NULL;
	char *w = s;

	for (size_t i = 0; i < o->nparams; i++) {
		w += sprintf(w, "%s%s=", i ? "," : "", o->params[i].key);
		for (const char *v = o->params[i].value; *v; v++) {
			if (*v == ',' || *v == '\\')
				*w++ = '\\';
			*w++ = *v;
		}
	}
	*w = 0;
	return s;
}

/* The inverse of cli_params_string(): split on unescaped commas. */
int cli_params_from_string(const char *s, struct cli_opts *o)
{
	char *pair = malloc(strlen(s) + 1), *w = pair;
	int r = 0;

	if (!pair)
		return -ENOMEM;
	for (const char *p = s; !r; p++) {
		if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
			*w++ = *++p;
			continue;
		}
		if (*p && *p != ',') {
			*w++ = *p;
			continue;
		}
		*w = 0;
		if (w != pair)
			r = add_param(o, pair);
		w = pair;
		if (!*p)
			break;
	}
	free(pair);
	return r;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(struct cli_files *f, const char *p)
{
	char **v = realloc(f->v, (f->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->v = v;
	f->v[f->n] = strdup(p);
	return f->v[f->n++] ? 0 : -ENOMEM;
}

/* Every *.lua under dir, sorted, so shards and reports are stable. */
static int walk(const char *dir, struct cli_files *f)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t start = f->n;
	int r = 0;

	if (!d)
		return -errno;
	while (!r && (de = readdir(d))) {
		char p[4096];
		struct stat st;
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			r = walk(p, f);
		else if (l > 4 && !strcmp(de->d_name + l - 4, ".lua"))
			r = push(f, p);
	}
	closedir(d);
	/* An empty directory leaves f->v NULL, which qsort may not see. */
	if (!r && f->n > start)
		qsort(f->v + start, f->n - start, sizeof(char *), cmp);
	return r;
}

int cli_expand(char **paths, size_t n, struct cli_files *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		int r;

		if (stat(paths[i], &st)) {
			fprintf(stderr, "xfront: %s: %s\n", paths[i],
				strerror(errno));
			return -ENOENT;
		}
		r = S_ISDIR(st.st_mode) ? walk(paths[i], out) :
		    push(out, paths[i]);
		if (r) {
			fprintf(stderr, "xfront: %s: %s\n", paths[i],
				strerror(-r));
			return r;
		}
	}
	return 0;
}

void cli_files_free(struct cli_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
}
