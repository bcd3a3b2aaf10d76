// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xfront/engine.h>
#include <xfront/report.h>
#include "cli.h"

struct progress {
	char name[160];
	struct timespec start;
	bool shown;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Only on a terminal, and only once a run has taken over a second. */
static void progress_cb(void *opaque, uint64_t done, uint64_t total,
			double iops)
{
	struct progress *p = opaque;

	if (since(&p->start) < 1.0)
		return;
	fprintf(stderr, "\r\033[K  %s  %.1f / %.1f s  %.0f IOPS", p->name,
		(double)done / 1e9, (double)total / 1e9, iops);
	p->shown = true;
}

static void log_cb(void *opaque, const char *msg)
{
	fprintf(stderr, "%s: %s\n", (const char *)opaque, msg);
}

struct loaded {
	struct xf_scn **v;
	size_t n;
};

static int push(struct loaded *l, struct xf_scn *s)
{
	struct xf_scn **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

/* Everything is loaded and validated before anything runs. */
static int load_all(struct cli_opts *o, struct cli_files *files,
		    struct loaded *out)
{
	struct xf_scn_opts so = { .params = o->params,
				  .nparams = o->nparams, .log = log_cb };
	struct xf_scn_diag diag;
	bool used[CLI_MAX_PARAMS] = { false };
	int bad = 0;

	xf_scn_diag_init(&diag);
	for (size_t i = 0; i < files->n; i++) {
		struct xf_scn *first;
		bool keep_first = true;
		int r;

		so.log_opaque = files->v[i];
		r = xf_scn_load(files->v[i], NULL, &so, &first, &diag);
		if (r) {
			if (r != -EINVAL)
				fprintf(stderr, "xfront: %s: %s\n",
					files->v[i], strerror(-r));
			bad = 1;
			continue;
		}
		for (size_t k = 0; k < o->nparams; k++)
			used[k] |= xf_scn_param_used(first, k);
		for (size_t k = 0; k < first->nvariants; k++) {
			struct xf_scn *s;

			keep_first = false;
			if (o->variant &&
			    strcmp(o->variant, first->variants[k].name))
				continue;
			r = xf_scn_load(files->v[i], first->variants[k].name,
					&so, &s, &diag);
			if (r) {
				bad = 1;
				continue;
			}
			if (push(out, s))
				return -ENOMEM;
		}
		if (o->variant && !first->nvariants) {
			fprintf(stderr, "%s:1: --variant %s: the scenario has "
				"no variants\n", files->v[i], o->variant);
			bad = 1;
		} else if (o->variant) {
			bool found = false;

			for (size_t k = 0; k < first->nvariants; k++)
				found |= !strcmp(o->variant,
						 first->variants[k].name);
			if (!found) {
				fprintf(stderr, "%s:1: --variant %s: the "
					"scenario has no such variant\n",
					files->v[i], o->variant);
				bad = 1;
			}
		}
		if (keep_first) {
			if (push(out, first))
				return -ENOMEM;
		} else {
			xf_scn_free(first);
		}
	}
	/* A file that did not load read no parameter: only when every
	 * file loaded is an unread --set known to be a mistake. */
	for (size_t k = 0; k < o->nparams && files->n && !bad; k++) {
		if (used[k])
			continue;
		fprintf(stderr, "xfront: --set %s: no selected scenario has a "
			"parameter '%s'\n", o->params[k].key,
			o->params[k].key);
		bad = 1;
	}
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	xf_scn_diag_free(&diag);
	return bad ? -EINVAL : 0;
}

struct skips {
	struct xf_report_skip *v;
	size_t n;
	bool *skip; /* per loaded scenario: not to be run */
};

/* Once per file: the variants of a file share one reason. */
static int add_skip(struct skips *sk, const char *path, const char *reason)
{
	struct xf_report_skip *v;

	if (sk->n && !strcmp(sk->v[sk->n - 1].path, path))
		return 0;
	v = realloc(sk->v, (sk->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sk->v = v;
	v[sk->n].path = path;
	v[sk->n].reason = strdup(reason);
	if (!v[sk->n].reason)
		return -ENOMEM;
	printf("SKIP %s: %s\n", path, reason);
	sk->n++;
	return 0;
}

static void skips_free(struct skips *sk)
{
	for (size_t i = 0; i < sk->n; i++)
		free((char *)sk->v[i].reason);
	free(sk->v);
	free(sk->skip);
}

/* What the platform cannot run is bad input too, found before any run;
 * with --skip-unsupported it is skipped instead, each file with its
 * first refusal as the reason. Files for another --mode are skipped. */
static int check_all(const struct cli_opts *o, const struct loaded *l,
		     struct skips *sk)
{
	struct xf_engine_opts eo = { .mode = o->mode,
				     .platform = o->platform };
	const char *last_bad = NULL;
	int bad = 0;

	sk->skip = calloc(l->n ? l->n : 1, sizeof(bool));
	if (!sk->skip)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const char *want = xf_scn_str(l->v[i]->scenario, "mode");
		char err[8192], reason[64];

		if (strcmp(want, "any") && strcmp(want, o->mode)) {
			sk->skip[i] = true;
			snprintf(reason, sizeof(reason), "written for --mode "
				 "%s only", want);
			if (add_skip(sk, l->v[i]->path, reason))
				return -ENOMEM;
			continue;
		}
		if (!xf_engine_check(l->v[i], &eo, err, sizeof(err)))
			continue;
		if (o->skip_unsupported) {
			sk->skip[i] = true;
			err[strcspn(err, "\n")] = 0;
			if (add_skip(sk, l->v[i]->path, err))
				return -ENOMEM;
			continue;
		}
		bad = 1;
		/* variants of a file usually repeat one problem */
		if (last_bad && !strcmp(last_bad, l->v[i]->path))
			continue;
		fprintf(stderr, "%s\n", err);
		last_bad = l->v[i]->path;
	}
	return bad ? -EINVAL : 0;
}

static struct xf_result *stub(const struct xf_scn *s, const char *mode,
			      const char *platform, uint64_t seed,
			      const char *params, const char *err)
{
	struct xf_result *r;

	if (xf_result_new(&r))
		return NULL;
	r->path = strdup(s->path);
	r->scenario = strdup(s->scenario->name ? s->scenario->name :
			     s->path);
	r->description = strdup(xf_scn_str(s->scenario, "description"));
	r->variant = s->variant ? strdup(s->variant) : NULL;
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	snprintf(r->platform, sizeof(r->platform), "%s", platform);
	r->seed = seed;
	r->params = strdup(params ? params : "");
	r->error = strdup(err);
	r->started_unix = (long long)time(NULL);
	return r;
}

static void replay_hint(const struct xf_result *r)
{
	char cmd[8192];

	xf_report_replay_command(r, cmd, sizeof(cmd));
	printf("     seed %llu; replay: %s\n", (unsigned long long)r->seed,
	       cmd);
}

/* SIGINT and SIGTERM are taken by a thread of their own (blocked in
 * every other thread, the runtime's included, which inherit the mask):
 * it stops the run in progress, and the runs that finished are still
 * written. */
struct sigthread {
	pthread_t t;
	sigset_t set;
	atomic_int signo;
	bool started;
};

static void *sig_main(void *arg)
{
	struct sigthread *st = arg;
	int sig;

	if (!sigwait(&st->set, &sig)) {
		atomic_store(&st->signo, sig);
		xf_engine_interrupt();
	}
	return NULL;
}

static void sig_start(struct sigthread *st)
{
	sigemptyset(&st->set);
	sigaddset(&st->set, SIGINT);
	sigaddset(&st->set, SIGTERM);
	atomic_init(&st->signo, 0);
	st->started = !pthread_sigmask(SIG_BLOCK, &st->set, NULL) &&
		      !pthread_create(&st->t, NULL, sig_main, st);
}

/* 0, or the signal that interrupted the run. */
static int sig_stop(struct sigthread *st)
{
	if (st->started) {
		pthread_cancel(st->t);
		pthread_join(st->t, NULL);
	}
	return atomic_load(&st->signo);
}

/* DIR/<scenario>[.<variant>]: one capture directory per run, so the
 * variants and files of a run do not overwrite each other's br0.pcap.
 * Names are safe for paths: the loader allows letters, digits, '.',
 * '_' and '-' only. */
static void pcap_dir_of(const struct cli_opts *o, const struct xf_scn *s,
			char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s%s", o->pcap, s->scenario->name,
		 s->variant ? "." : "", s->variant ? s->variant : "");
}

/* Two runs that would capture into one directory are refused before
 * anything runs (two files with one scenario name). */
static int pcap_dirs_check(const struct cli_opts *o, const struct loaded *l,
			   const struct skips *sk)
{
	int bad = 0;

	for (size_t i = 0; o->pcap && i < l->n; i++) {
		char a[4096], b[4096];

		if (sk->skip[i] || !xf_scn_count(l->v[i], "vif"))
			continue;
		pcap_dir_of(o, l->v[i], a, sizeof(a));
		for (size_t k = 0; k < i; k++) {
			if (sk->skip[k] || !xf_scn_count(l->v[k], "vif") ||
			    !strcmp(l->v[k]->path, l->v[i]->path))
				continue;
			pcap_dir_of(o, l->v[k], b, sizeof(b));
			if (strcmp(a, b))
				continue;
			fprintf(stderr, "%s:1: --pcap: scenario '%s' is also "
				"the name of %s: both would capture into %s\n",
				l->v[i]->path, l->v[i]->scenario->name,
				l->v[k]->path, a);
			bad = 1;
			break;
		}
	}
	return bad ? -EINVAL : 0;
}

int cli_run(struct cli_opts *o)
{
	struct cli_files all, files = { 0 };
	struct loaded l = { 0 };
	struct skips sk = { 0 };
	struct xf_result **res = NULL;
	size_t nres = 0;
	char *params = cli_params_string(o);
	bool color = !o->no_color && isatty(1) && !getenv("NO_COLOR");
	struct xf_report_meta meta = { XF_VERSION, o->cmdline,
				       (long long)time(NULL), false, NULL };
	struct sigthread sig = { 0 };
	char cut[4096] = "";
	int rc = 0, signo;

	if (!strcmp(o->platform, "xen") && strcmp(o->mode, "real")) {
		fprintf(stderr, "xfront: --platform xen needs --mode real: the "
			"kernel's backends run in real time, not in sim mode's "
			"virtual time\n");
		free(params);
		return EXIT_BAD_INPUT;
	}
	if (cli_expand(o->paths, o->npaths, &all)) {
		free(params);
		return EXIT_BAD_INPUT;
	}
	for (size_t i = 0; i < all.n; i++) {
		/* shard K/N: the K-th of every N files (1-based) */
		if (o->shard_n && i % o->shard_n != o->shard_k - 1)
			continue;
		files.v = realloc(files.v, (files.n + 1) * sizeof(char *));
		files.v[files.n++] = strdup(all.v[i]);
	}
	cli_files_free(&all);
	if (!files.n && !o->shard_n) {
		fprintf(stderr, "xfront: no scenarios (*.lua) found\n");
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	if (cli_outputs_check(o, &files)) {
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	if (o->pcap && mkdir(o->pcap, 0755) && errno != EEXIST) {
		fprintf(stderr, "xfront: --pcap %s: %s\n", o->pcap,
			strerror(errno));
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	if (load_all(o, &files, &l) || check_all(o, &l, &sk) ||
	    pcap_dirs_check(o, &l, &sk)) {
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	res = calloc(l.n + 1, sizeof(*res));
	sig_start(&sig);
	for (size_t i = 0; i < l.n && !xf_engine_interrupted(); i++) {
		struct xf_scn *s = l.v[i];
		struct progress pg = { 0 };
		struct xf_engine_opts eo = {
			.mode = o->mode, .platform = o->platform,
			.has_seed = o->has_seed, .seed = o->seed,
			.params = params,
		};
		char err[1024] = "";
		char pdir[4096];
		char *sum;
		int r;

		if (sk.skip[i])
			continue;
		if (o->pcap && xf_scn_count(s, "vif")) {
			pcap_dir_of(o, s, pdir, sizeof(pdir));
			if (mkdir(pdir, 0755) && errno != EEXIST) {
				fprintf(stderr, "xfront: --pcap %s: %s\n", pdir,
					strerror(errno));
				rc = EXIT_BAD_INPUT;
				continue;
			}
			eo.pcap_dir = pdir;
		}
		snprintf(pg.name, sizeof(pg.name), "%s%s%s%s", s->path,
			 s->variant ? "[" : "", s->variant ? s->variant : "",
			 s->variant ? "]" : "");
		clock_gettime(CLOCK_MONOTONIC, &pg.start);
		if (isatty(2)) {
			eo.progress = progress_cb;
			eo.progress_opaque = &pg;
		}
		r = xf_engine_run(s, &eo, &res[nres], err, sizeof(err));
		if (pg.shown)
			fprintf(stderr, "\r\033[K");
		if (r == -EINTR) {
			snprintf(cut, sizeof(cut), "%s", pg.name);
			break;
		}
		if (r == -EINVAL || r == -ENOTSUP) {
			/* a hook misusing the language, or a platform this
			 * build cannot drive: bad input, not a result */
			fprintf(stderr, "%s\n", err);
			rc = EXIT_BAD_INPUT;
			continue;
		}
		if (r) {
			res[nres] = stub(s, o->mode, o->platform,
					 o->has_seed ? o->seed :
					 (uint64_t)xf_scn_int(s->scenario,
							      "seed"),
					 params, err);
			if (!res[nres])
				continue;
		}
		sum = xf_report_summary(res[nres], color);
		if (sum) {
			fputs(sum, stdout);
			free(sum);
		}
		if (!res[nres]->pass && !strcmp(o->mode, "sim"))
			replay_hint(res[nres]);
		fflush(stdout);
		if (!res[nres]->pass && !rc)
			rc = 1;
		nres++;
	}
	signo = sig_stop(&sig);
	{
		size_t passed = 0;

		for (size_t i = 0; i < nres; i++)
			passed += res[i]->pass;
		printf("\n%zu passed, %zu failed\n", passed, nres - passed);
	}
	if (signo) {
		meta.interrupted = true;
		meta.cut = cut[0] ? cut : NULL;
		fprintf(stderr, "xfront: interrupted by %s%s%s; the %zu "
			"finished run%s %s kept\n", strsignal(signo),
			cut[0] ? " during " : "", cut, nres,
			nres == 1 ? "" : "s", nres == 1 ? "is" : "are");
	}
	meta.skips = sk.v;
	meta.nskips = sk.n;
	if (!nres && !rc && l.n && !signo) {
		/* Nothing checked is not a pass. */
		fprintf(stderr, "xfront: no scenario ran: every selected "
			"one was skipped (SKIP lines above)\n");
		rc = EXIT_BAD_INPUT;
	}
	if (o->json) {
		int r = xf_report_json_write(o->json, res, nres, &meta);

		if (r) {
			fprintf(stderr, "xfront: --json %s: %s (nothing "
				"written)\n", o->json, strerror(-r));
			rc = EXIT_BAD_INPUT;
		}
	}
	if (o->junit) {
		int r = xf_report_junit_write(o->junit, res, nres, &meta);

		if (r) {
			fprintf(stderr, "xfront: --junit %s: %s (nothing "
				"written)\n", o->junit, strerror(-r));
			rc = EXIT_BAD_INPUT;
		}
	}
	if (o->report) {
		char err[512];
		bool plots;
		int r = xf_report_html_write(o->report, res, nres, &meta,
					     &plots, err, sizeof(err));

		if (r) {
			fprintf(stderr, "xfront: report: %s\n", err);
			rc = EXIT_BAD_INPUT;
		} else {
			printf("report: %s/index.html%s\n", o->report,
			       plots ? "" : " (no plots: gnuplot is not "
			       "installed)");
		}
	}
	if (signo)
		rc = 128 + signo; /* as the shell reports a death by signo */
out:
	for (size_t i = 0; i < nres; i++)
		xf_result_free(res[i]);
	free(res);
	for (size_t i = 0; i < l.n; i++)
		xf_scn_free(l.v[i]);
	free(l.v);
	skips_free(&sk);
	cli_files_free(&files);
	free(params);
	return rc;
}
