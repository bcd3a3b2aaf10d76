// SPDX-License-Identifier: MIT
/*
 * xfront sweep: one scenario over a range of seeds in sim mode. Each
 * seed is given as the built-in seed parameter (as --set seed=N), so it
 * seeds math.random while the script runs as well as the run itself: a
 * scenario draws its fault schedule from it. After each run the global
 * properties are checked (failed_properties()); a failing seed is
 * printed with the command that replays it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <xfront/engine.h>
#include <xfront/outfile.h>
#include <xfront/report.h>
#include "cli.h"

struct sweep_opts {
	const char *path, *variant, *json;
	uint64_t lo, hi;
	bool has_seeds;
	unsigned int shard_k, shard_n;
	struct xf_scn_param params[CLI_MAX_PARAMS + 1]; /* + seed */
	size_t nparams;
};

struct failure {
	uint64_t seed;
	char *variant; /* NULL: none */
	char *what;
	char *replay;
};

struct sweep_state {
	struct failure *v;
	size_t n;
	uint64_t seeds, runs, failed_seeds;
};

static void sweep_opts_free(struct sweep_opts *o)
{
	for (size_t i = 0; i < o->nparams; i++)
		free((char *)o->params[i].key);
}

static int bad(const char *fmt, const char *a)
{
	fprintf(stderr, "xfront sweep: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return -EINVAL;
}

/* "A..B", both seeds as --seed takes them, A <= B. */
static int parse_seeds(const char *v, uint64_t *lo, uint64_t *hi)
{
	const char *dots = strstr(v, "..");
	char head[32];
	int64_t a, b;

	if (!dots || (size_t)(dots - v) >= sizeof(head))
		goto fail;
	memcpy(head, v, (size_t)(dots - v));
	head[dots - v] = 0;
	if (xf_scn_parse_seed(head, &a) || xf_scn_parse_seed(dots + 2, &b) ||
	    a > b)
		goto fail;
	*lo = (uint64_t)a;
	*hi = (uint64_t)b;
	return 0;
fail:
	return bad("--seeds %s: expected A..B, decimal seeds with 0 <= A <= "
		   "B <= 2^53 (9007199254740992)", v);
}

static int parse(int argc, char **argv, struct sweep_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;

		if (a[0] != '-' || !a[1]) {
			if (o->path)
				return bad("%s: one scenario file only (a "
					   "sweep runs one file over many "
					   "seeds)", a);
			o->path = a;
			continue;
		}
		if (strcmp(a, "--seeds") && strcmp(a, "--variant") &&
		    strcmp(a, "--shard") && strcmp(a, "--json") &&
		    strcmp(a, "--set") && strcmp(a, "--mode") &&
		    strcmp(a, "--platform") && strcmp(a, "--seed"))
			return bad("unknown option %s (see xfront --help)", a);
		if (i + 1 >= argc)
			return bad("%s needs a value", a);
		v = argv[++i];
		if (!strcmp(a, "--seeds")) {
			if (parse_seeds(v, &o->lo, &o->hi))
				return -EINVAL;
			o->has_seeds = true;
		} else if (!strcmp(a, "--variant")) {
			o->variant = v;
		} else if (!strcmp(a, "--json")) {
			o->json = v;
		} else if (!strcmp(a, "--shard")) {
			if (cli_parse_shard(v, &o->shard_k, &o->shard_n))
				return -EINVAL;
		} else if (!strcmp(a, "--mode")) {
			if (strcmp(v, "sim"))
				return bad("--mode %s: a sweep runs in sim "
					   "mode only, where a seed replays "
					   "exactly", v);
		} else if (!strcmp(a, "--platform")) {
			if (strcmp(v, "mock"))
				return bad("--platform %s: a sweep runs on "
					   "the mock platform only (sim mode)",
					   v);
		} else if (!strcmp(a, "--seed")) {
			return bad("--seed %s: a sweep takes its seeds from "
				   "--seeds A..B", v);
		} else {
			const char *eq = strchr(v, '=');

			if (!eq || eq == v)
				return bad("--set %s: expected key=value", v);
			if ((size_t)(eq - v) == 4 && !strncmp(v, "seed", 4))
				return bad("--set %s: a sweep sets the seed "
					   "itself, from --seeds A..B", v);
			if (o->nparams == CLI_MAX_PARAMS)
				return bad("%s: too many --set options", v);
			o->params[o->nparams].key =
				strndup(v, (size_t)(eq - v));
			if (!o->params[o->nparams].key)
				return -ENOMEM;
			o->params[o->nparams++].value = eq + 1;
		}
	}
	if (!o->path)
		return bad("%s", "no scenario given (one .lua file)");
	if (!o->has_seeds)
		return bad("%s: --seeds A..B is required", o->path);
	return 0;
}

static void cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n < len - *o ? (size_t)n : len - *o - 1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);

	return l > k && !strcmp(s + l - k, suffix);
}

/*
 * The properties every run of a sweep must have, whatever its own
 * expectations say: "" when all hold, else what failed, "; "-separated.
 * The sources are the result's: the run's error and expectations, the
 * jobs' hung, doubly completed and unverified I/Os, the leaks counter
 * (grants and event channels left at teardown), each flow's
 * tx.never_completed, tx.dup_completions and tx.unknown_completions,
 * each disk's protocol_errors, the stuck-device dump (work left at the
 * end, or a backend halted on a ring violation) and xenbus wedges.
 */
static void failed_properties(const struct xf_result *r, char *buf,
			      size_t len)
{
	uint64_t hangs = 0, dbl = 0, verr = 0, leaks;
	size_t o = 0, nexp = 0;

	buf[0] = 0;
#define SEP (o ? "; " : "")
	if (r->error)
		cat(buf, len, &o, "%srun failed: %s", SEP, r->error);
	for (size_t i = 0; i < r->nexpects; i++) {
		const struct xf_expect_result *x = &r->expects[i];

		if (x->pass || x->skipped)
			continue;
		if (nexp++ < 2)
			cat(buf, len, &o, "%sexpect '%s' (line %d) measured %s",
			    SEP, x->what, x->line, x->measured);
	}
	if (nexp > 2)
		cat(buf, len, &o, "%s%zu more expectations failed", SEP,
		    nexp - 2);
	for (size_t i = 0; i < r->njobs; i++) {
		hangs += r->jobs[i].hangs;
		dbl += r->jobs[i].double_completions;
		verr += r->jobs[i].verify_errors;
	}
	if (hangs)
		cat(buf, len, &o, "%s%" PRIu64 " I/Os never completed", SEP,
		    hangs);
	if (dbl)
		cat(buf, len, &o, "%s%" PRIu64 " I/Os completed twice", SEP,
		    dbl);
	if (verr)
		cat(buf, len, &o, "%s%" PRIu64 " verify errors", SEP, verr);
	leaks = xf_ctrs_get(&r->counters, "leaks");
	if (leaks)
		cat(buf, len, &o, "%s%" PRIu64 " grants/ports leaked", SEP,
		    leaks);
	for (size_t i = 0; i < r->counters.n; i++) {
		const struct xf_ctr *c = &r->counters.v[i];
		static const struct {
			const char *suffix, *what;
		} bad_ctrs[] = {
			{ ".tx.never_completed", "tx frames never completed" },
			{ ".tx.dup_completions", "tx frames completed twice" },
			{ ".tx.unknown_completions",
			  "completions of frames never sent" },
			{ ".protocol_errors", "malformed ring responses" },
		};

		for (size_t k = 0; c->value &&
		     k < sizeof(bad_ctrs) / sizeof(bad_ctrs[0]); k++) {
			if (!ends_with(c->name, bad_ctrs[k].suffix))
				continue;
			cat(buf, len, &o, "%s%.*s: %" PRIu64 " %s", SEP,
			    (int)(strlen(c->name) -
				  strlen(bad_ctrs[k].suffix)), c->name,
			    c->value, bad_ctrs[k].what);
		}
	}
	for (size_t i = 0; i < r->nstuck; i++)
		cat(buf, len, &o, "%s%s stuck at the end (%s)", SEP,
		    r->stuck[i].device, r->stuck[i].why);
	for (size_t i = 0; i < r->nwedges; i++)
		cat(buf, len, &o, "%sxenbus wedged: %s", SEP,
		    r->wedges[i].text);
#undef SEP
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void print_diag(struct xf_scn_diag *d, const char *path, int rc,
		       uint64_t seed)
{
	if (rc != -EINVAL) {
		fprintf(stderr, "xfront sweep: %s: %s\n", path, strerror(-rc));
		return;
	}
	fprintf(stderr, "xfront sweep: seed %" PRIu64 ": the scenario did "
		"not load:\n", seed);
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msg[i]);
}

static int add_failure(struct sweep_state *st, uint64_t seed,
		       const char *variant, const char *what,
		       const char *replay)
{
	struct failure *v = realloc(st->v, (st->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	st->v = v;
	v[st->n].seed = seed;
	v[st->n].variant = variant ? strdup(variant) : NULL;
	v[st->n].what = strdup(what);
	v[st->n].replay = strdup(replay);
	st->n++;
	return 0;
}

/* One variant (or the scenario without variants) at one seed: 0 run
 * (pass or fail recorded), or EXIT_BAD_INPUT after saying why. */
static int run_one(struct sweep_opts *o, struct xf_scn *s, uint64_t seed,
		   const char *params, struct sweep_state *st, bool *failed)
{
	struct xf_engine_opts eo = { .mode = "sim", .platform = "mock",
				     .has_seed = true, .seed = seed,
				     .params = params };
	struct xf_result *r = NULL;
	char err[1024] = "", what[2048], replay[8192];
	int rc;

	rc = xf_engine_run(s, &eo, &r, err, sizeof(err));
	if (rc == -EINVAL || rc == -ENOTSUP) {
		fprintf(stderr, "xfront sweep: seed %" PRIu64 ": %s\n", seed,
			err);
		return EXIT_BAD_INPUT;
	}
	st->runs++;
	if (rc) {
		snprintf(what, sizeof(what), "run failed: %s",
			 err[0] ? err : strerror(-rc));
		r = NULL;
	} else {
		failed_properties(r, what, sizeof(what));
	}
	if (what[0]) {
		struct xf_result fake = { .path = (char *)o->path,
					  .variant = s->variant,
					  .seed = seed,
					  .params = (char *)params };

		xf_report_replay_command(r ? r : &fake, replay,
					 sizeof(replay));
		if (isatty(2))
			fprintf(stderr, "\r\033[K");
		/* run judges a run by its expectations only: say so when
		 * the replay will print PASS over what the sweep caught */
		printf("FAIL %s%s%s%s seed %" PRIu64 ": %s\n     replay: %s%s"
		       "\n", o->path, s->variant ? "[" : "",
		       s->variant ? s->variant : "", s->variant ? "]" : "",
		       seed, what, replay, r && r->pass ?
		       "  (its own expectations pass)" : "");
		fflush(stdout);
		*failed = true;
		if (add_failure(st, seed, s->variant, what, replay)) {
			xf_result_free(r);
			return EXIT_BAD_INPUT;
		}
	}
	xf_result_free(r);
	return 0;
}

static int run_seed(struct sweep_opts *o, uint64_t seed,
		    struct sweep_state *st)
{
	struct xf_scn_opts so = { .params = o->params,
				  .nparams = o->nparams + 1 };
	struct cli_opts po;
	struct xf_scn_diag d;
	struct xf_scn *first = NULL;
	char seedv[32], *params;
	bool failed = false;
	int rc = 0;

	snprintf(seedv, sizeof(seedv), "%" PRIu64, seed);
	o->params[o->nparams].key = "seed";
	o->params[o->nparams].value = seedv;
	/* recorded as the run's --set pairs: the replay line sets the
	 * seed the same way, math.random included */
	memset(&po, 0, sizeof(po));
	memcpy(po.params, o->params, (o->nparams + 1) * sizeof(po.params[0]));
	po.nparams = o->nparams + 1;
	params = cli_params_string(&po);
	if (!params)
		return EXIT_BAD_INPUT;
	xf_scn_diag_init(&d);
	rc = xf_scn_load(o->path, NULL, &so, &first, &d);
	if (rc) {
		print_diag(&d, o->path, rc, seed);
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	for (size_t k = 0; k < o->nparams; k++) {
		if (xf_scn_param_used(first, k))
			continue;
		fprintf(stderr, "xfront sweep: --set %s: %s has no parameter "
			"'%s'\n", o->params[k].key, o->path, o->params[k].key);
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	if (o->variant) {
		bool found = false;

		for (size_t k = 0; k < first->nvariants; k++)
			found |= !strcmp(o->variant, first->variants[k].name);
		if (!found) {
			fprintf(stderr, "%s:1: --variant %s: the scenario has "
				"%s\n", o->path, o->variant, first->nvariants ?
				"no such variant" : "no variants");
			rc = EXIT_BAD_INPUT;
			goto out;
		}
	}
	if (!first->nvariants) {
		rc = run_one(o, first, seed, params, st, &failed);
		goto out;
	}
	for (size_t k = 0; k < first->nvariants && !rc; k++) {
		struct xf_scn *s;

		if (o->variant && strcmp(o->variant, first->variants[k].name))
			continue;
		rc = xf_scn_load(o->path, first->variants[k].name, &so, &s,
				 &d);
		if (rc) {
			print_diag(&d, o->path, rc, seed);
			rc = EXIT_BAD_INPUT;
			break;
		}
		rc = run_one(o, s, seed, params, st, &failed);
		xf_scn_free(s);
	}
out:
	st->seeds++;
	st->failed_seeds += failed;
	xf_scn_free(first);
	xf_scn_diag_free(&d);
	free(params);
	o->params[o->nparams].key = NULL;
	return rc;
}

static json_object *summary_json(const struct sweep_opts *o,
				 const struct sweep_state *st, double wall,
				 const char *cmdline)
{
	json_object *root = json_object_new_object(), *fv;
	char shard[32];

	json_object_object_add(root, "version",
			       json_object_new_string(XF_VERSION));
	json_object_object_add(root, "command",
			       json_object_new_string(cmdline));
	json_object_object_add(root, "path", json_object_new_string(o->path));
	json_object_object_add(root, "variant", o->variant ?
			       json_object_new_string(o->variant) : NULL);
	json_object_object_add(root, "seed_from",
			       json_object_new_int64((int64_t)o->lo));
	json_object_object_add(root, "seed_to",
			       json_object_new_int64((int64_t)o->hi));
	snprintf(shard, sizeof(shard), "%u/%u", o->shard_k, o->shard_n);
	json_object_object_add(root, "shard", o->shard_n ?
			       json_object_new_string(shard) : NULL);
	json_object_object_add(root, "seeds_run",
			       json_object_new_int64((int64_t)st->seeds));
	json_object_object_add(root, "runs",
			       json_object_new_int64((int64_t)st->runs));
	json_object_object_add(root, "failed_seeds",
			       json_object_new_int64((int64_t)st->failed_seeds));
	json_object_object_add(root, "wall_s", json_object_new_double(wall));
	fv = json_object_new_array();
	for (size_t i = 0; i < st->n; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "seed",
			json_object_new_int64((int64_t)st->v[i].seed));
		json_object_object_add(f, "variant", st->v[i].variant ?
			json_object_new_string(st->v[i].variant) : NULL);
		json_object_object_add(f, "what",
			json_object_new_string(st->v[i].what ? st->v[i].what :
					       ""));
		json_object_object_add(f, "replay",
			json_object_new_string(st->v[i].replay ?
					       st->v[i].replay : ""));
		json_object_array_add(fv, f);
	}
	json_object_object_add(root, "failures", fv);
	return root;
}

static int write_json(const struct sweep_opts *o,
		      const struct sweep_state *st, double wall,
		      const char *cmdline)
{
	struct xf_outfile out;
	json_object *root = summary_json(o, st, wall, cmdline);
	int rc;

	if (!root)
		return -ENOMEM;
	rc = xf_outfile_open(&out, o->json);
	if (!rc) {
		fputs(json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_NOSLASHESCAPE), out.f);
		fputc('\n', out.f);
		rc = xf_outfile_commit(&out);
	}
	json_object_put(root);
	return rc;
}

int cli_sweep(int argc, char **argv)
{
	struct sweep_opts o;
	struct sweep_state st = { 0 };
	struct timespec t0;
	struct cli_opts co;
	struct cli_files in;
	char *cmdline;
	double wall, shown = -1;
	uint64_t total;
	int rc = 0;

	if (parse(argc, argv, &o)) {
		sweep_opts_free(&o);
		return EXIT_BAD_INPUT;
	}
	/* the --json path is checked before anything runs, as by run */
	memset(&co, 0, sizeof(co));
	co.json = o.json;
	in.v = (char **)&o.path;
	in.n = 1;
	if (cli_outputs_check(&co, &in)) {
		sweep_opts_free(&o);
		return EXIT_BAD_INPUT;
	}
	cmdline = cli_join_argv(argc, argv);
	if (!cmdline) {
		sweep_opts_free(&o);
		return EXIT_BAD_INPUT;
	}
	total = o.hi - o.lo + 1;
	if (o.shard_n)
		total = total / o.shard_n +
			((o.hi - o.lo + 1) % o.shard_n >= o.shard_k);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* shard K/N: the K-th of every N seeds of the range, stepped to
	 * directly (hi is at most 2^53: seed + N cannot wrap). */
	for (uint64_t seed = o.lo + (o.shard_n ? o.shard_k - 1 : 0);
	     seed <= o.hi && !rc; seed += o.shard_n ? o.shard_n : 1) {
		rc = run_seed(&o, seed, &st);
		if (isatty(2) && since(&t0) - shown >= 0.2) {
			shown = since(&t0);
			fprintf(stderr, "\r\033[K  seed %" PRIu64 "  %" PRIu64
				"/%" PRIu64 "  %" PRIu64 " failed  %.1f s",
				seed, st.seeds, total, st.failed_seeds, shown);
		}
	}
	if (isatty(2) && shown >= 0)
		fprintf(stderr, "\r\033[K");
	wall = since(&t0);
	if (!rc) {
		printf("%" PRIu64 " seeds, %" PRIu64 " failed, %.1f s\n",
		       st.seeds, st.failed_seeds, wall);
		if (o.json) {
			int r = write_json(&o, &st, wall, cmdline);

			if (r) {
				fprintf(stderr, "xfront sweep: --json %s: %s "
					"(nothing written)\n", o.json,
					strerror(-r));
				rc = EXIT_BAD_INPUT;
			}
		}
		if (!rc && st.failed_seeds)
			rc = 1;
	}
	for (size_t i = 0; i < st.n; i++) {
		free(st.v[i].variant);
		free(st.v[i].what);
		free(st.v[i].replay);
	}
	free(st.v);
	free(cmdline);
	sweep_opts_free(&o);
	return rc;
}
