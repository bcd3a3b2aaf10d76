/* SPDX-License-Identifier: MIT */
#ifndef XF_CLI_H
#define XF_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/scenario.h>

#define CLI_MAX_PARAMS 64

struct cli_opts {
	const char *platform, *mode;
	bool has_seed;
	uint64_t seed;
	const char *json, *junit, *report, *pcap, *variant;
	struct xf_scn_param params[CLI_MAX_PARAMS];
	size_t nparams;
	unsigned int shard_k, shard_n;
	bool no_color;
	bool skip_unsupported;
	char **paths;
	size_t npaths;
	char *cmdline;
};

struct cli_files {
	char **v;
	size_t n;
};

/* args.c */
int cli_parse(int argc, char **argv, int first, struct cli_opts *o);
/* The words joined by spaces, for the record (malloc'ed; NULL: ENOMEM). */
char *cli_join_argv(int argc, char **argv);
void cli_opts_free(struct cli_opts *o);
int cli_expand(char **paths, size_t n, struct cli_files *out);
void cli_files_free(struct cli_files *f);
char *cli_params_string(const struct cli_opts *o);
int cli_params_from_string(const char *s, struct cli_opts *o);
/* "K/N", 1 <= K <= N; says what is wrong on stderr. */
int cli_parse_shard(const char *v, unsigned int *k, unsigned int *n);

/* run.c */
int cli_run(struct cli_opts *o);
/* 0, or -EINVAL after saying which --json/--junit/--report/--pcap path
 * cannot be written, names another output or one of the scenario files
 * in. */
int cli_outputs_check(const struct cli_opts *o, const struct cli_files *in);
/* list.c */
int cli_list(int argc, char **argv);
/* sweep.c */
int cli_sweep(int argc, char **argv);
/* replay.c */
int cli_replay(int argc, char **argv);

void cli_usage(FILE *f);

#define EXIT_BAD_INPUT 2

#endif
