// SPDX-License-Identifier: MIT
/*
 * Self-contained HTML report: tables plus gnuplot SVG plots embedded
 * inline, so the page works offline and can be attached to a CI run.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xfront/outfile.h>
#include <xfront/report.h>
#include <xfront/xenbus.h>

extern char **environ;

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static int run_gnuplot(const char *script)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char *dup, *tok, *save = NULL, buf[4096];
	bool found = false;

	if (!path)
		return false;
	dup = strdup(path);
	for (tok = strtok_r(dup, ":", &save); tok && !found;
	     tok = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/gnuplot", tok);
		found = access(buf, X_OK) == 0;
	}
	free(dup);
	return found;
}

/* Copies an SVG file into the page, without its XML prolog. */
static int embed_svg(FILE *out, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	bool in = false;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!in && strstr(line, "<svg"))
			in = true;
		if (in)
			fputs(line, out);
	}
	free(line);
	fclose(f);
	return in ? 0 : -EIO;
}

struct plotctx {
	const char *tmp;
	int seq;
	bool ok;
};

/* For a gnuplot single-quoted string, where '' is a quote and nothing
 * else is special: names are restricted at load, but a quote here must
 * never end the string (gnuplot's system() would make it a command). */
static const char *gp_esc(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\'')
			buf[o++] = '\'';
		buf[o++] = *s == '\n' ? ' ' : *s;
	}
	buf[o] = '\0';
	return buf;
}

static void term(FILE *g, const char *svg, const char *title)
{
	char e[1024];

	fprintf(g, "set terminal svg size 600,340 noenhanced font "
		"'sans,10' background rgb 'white'\n");
	fprintf(g, "set output '%s'\n", gp_esc(e, sizeof(e), svg));
	fprintf(g, "set title '%s'\nset grid\n", gp_esc(e, sizeof(e), title));
}

static const char *vname(const struct xf_result *r)
{
	return r->variant ? r->variant : r->scenario;
}

/* "run-<scenario>[.<variant>]": the id of a run's details. */
static void anchor(FILE *f, const struct xf_result *r)
{
	fprintf(f, "run-");
	esc(f, r->scenario);
	if (r->variant) {
		fprintf(f, ".");
		esc(f, r->variant);
	}
}

static void plot_done(FILE *out, struct plotctx *p, const char *gp,
		      const char *svg, const char *what)
{
	if (run_gnuplot(gp) || embed_svg(out, svg)) {
		p->ok = false;
		fprintf(out, "<p class=note>%s: gnuplot failed</p>\n", what);
	}
	unlink(gp);
	unlink(svg);
}

static void plot_cdf(FILE *out, struct plotctx *p,
		     struct xf_result *const *r, size_t n)
{
	char gp[512], svg[512], dat[512], qd[1100], qn[1024];
	FILE *g;
	int plotted = 0;

	snprintf(gp, sizeof(gp), "%s/p%d.gp", p->tmp, ++p->seq);
	snprintf(svg, sizeof(svg), "%s/p%d.svg", p->tmp, p->seq);
	g = fopen(gp, "w");
	if (!g)
		return;
	term(g, svg, "Completion latency CDF");
	fprintf(g, "set logscale x\nset xlabel 'latency (us)'\n"
		"set ylabel 'fraction of I/Os'\nset yrange [0:1.02]\n"
		"set key bottom right\nplot ");
	for (size_t i = 0; i < n; i++) {
		struct xf_totals *t = malloc(sizeof(*t));
		FILE *d;
		uint64_t seen = 0;

		if (!t)
			break;
		xf_result_totals(r[i], NULL, NULL, t);
		if (!t->clat.count) {
			free(t);
			continue;
		}
		snprintf(dat, sizeof(dat), "%s/cdf%d-%zu.dat", p->tmp, p->seq,
			 i);
		d = fopen(dat, "w");
		for (unsigned int b = xf_hist_next(&t->clat, 0);
		     d && b < XF_HIST_NBUCKETS;
		     b = xf_hist_next(&t->clat, b + 1)) {
			seen += t->clat.bucket[b];
			fprintf(d, "%.3f %.6f\n",
				(double)xf_hist_bucket_high(b) / 1e3,
				(double)seen / (double)t->clat.count);
		}
		if (d)
			fclose(d);
		fprintf(g, "%s'%s' using 1:2 with steps lw 2 title '%s'",
			plotted++ ? ", " : "", gp_esc(qd, sizeof(qd), dat),
			gp_esc(qn, sizeof(qn), vname(r[i])));
		free(t);
	}
	fprintf(g, "\n");
	fclose(g);
	if (plotted)
		plot_done(out, p, gp, svg, "latency CDF");
	else
		unlink(gp);
	for (size_t i = 0; i < n; i++) {
		snprintf(dat, sizeof(dat), "%s/cdf%d-%zu.dat", p->tmp, p->seq,
			 i);
		unlink(dat);
	}
}

/* The runs' events (faults, suspend/resume, migration phases, power
 * cuts) as dashed lines with their names; the same event of several
 * variants once. */
#define HTML_MAX_MARKS 24

static void event_marks(FILE *g, struct xf_result *const *r, size_t n)
{
	unsigned int marks = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r[i]->nevents; k++) {
			const struct xf_run_event *ev = &r[i]->events[k];
			bool seen = false;
			char q[256];

			for (size_t j = 0; j <= i && !seen; j++)
				for (size_t m = 0; m < r[j]->nevents &&
				     (j < i || m < k) && !seen; m++)
					seen = r[j]->events[m].t_ns ==
					       ev->t_ns &&
					       !strcmp(r[j]->events[m].what,
						       ev->what);
			if (seen || marks++ >= HTML_MAX_MARKS)
				continue;
			fprintf(g, "set arrow from %.6f, graph 0 to %.6f, "
				"graph 1 nohead dt 2 lc rgb '#888888'\n"
				"set label '%s' at %.6f, graph 0.97 rotate by "
				"90 right font ',8' tc rgb '#555555'\n",
				(double)ev->t_ns / 1e9, (double)ev->t_ns / 1e9,
				gp_esc(q, sizeof(q), ev->what),
				(double)ev->t_ns / 1e9);
		}
}

static void plot_iops(FILE *out, struct plotctx *p,
		      struct xf_result *const *r, size_t n)
{
	char gp[512], svg[512], dat[512], qd[1100], qn[1024];
	FILE *g;
	int plotted = 0;

	snprintf(gp, sizeof(gp), "%s/p%d.gp", p->tmp, ++p->seq);
	snprintf(svg, sizeof(svg), "%s/p%d.svg", p->tmp, p->seq);
	g = fopen(gp, "w");
	if (!g)
		return;
	term(g, svg, "IOPS over time");
	fprintf(g, "set xlabel 'time (s)'\nset ylabel 'IOPS'\n"
		"set yrange [0:*]\nset key bottom right\n");
	event_marks(g, r, n);
	fprintf(g, "plot ");
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		uint64_t iv = 0;
		FILE *d;

		for (size_t k = 0; k < r[i]->njobs; k++) {
			if (r[i]->jobs[k].series.n > len)
				len = r[i]->jobs[k].series.n;
			iv = r[i]->jobs[k].series.interval_ns;
		}
		if (!len || !iv)
			continue;
		snprintf(dat, sizeof(dat), "%s/iops%d-%zu.dat", p->tmp,
			 p->seq, i);
		d = fopen(dat, "w");
		for (size_t s = 0; d && s < len; s++) {
			uint64_t ops = 0;

			for (size_t k = 0; k < r[i]->njobs; k++)
				if (s < r[i]->jobs[k].series.n)
					ops += r[i]->jobs[k].series.ops[s];
			fprintf(d, "%.4f %.1f\n", (double)(s * iv) / 1e9,
				(double)ops * 1e9 / (double)iv);
		}
		if (d)
			fclose(d);
		fprintf(g, "%s'%s' using 1:2 with steps lw 2 title '%s'",
			plotted++ ? ", " : "", gp_esc(qd, sizeof(qd), dat),
			gp_esc(qn, sizeof(qn), vname(r[i])));
	}
	fprintf(g, "\n");
	fclose(g);
	if (plotted)
		plot_done(out, p, gp, svg, "IOPS over time");
	else
		unlink(gp);
	for (size_t i = 0; i < n; i++) {
		snprintf(dat, sizeof(dat), "%s/iops%d-%zu.dat", p->tmp,
			 p->seq, i);
		unlink(dat);
	}
}

static void plot_share(FILE *out, struct plotctx *p,
		       struct xf_result *const *r, size_t n)
{
	char gp[512], svg[512], dat[512], qd[1100], qn[1024];
	const char *names[64];
	size_t nn = 0;
	FILE *g, *d;

	for (size_t i = 0; i < n; i++)
		for (size_t v = 0; v < r[i]->nvcpus && nn < 64; v++) {
			size_t k;

			if (!r[i]->vcpus[v].guest)
				continue;
			for (k = 0; k < nn; k++)
				if (!strcmp(names[k], r[i]->vcpus[v].name))
					break;
			if (k == nn)
				names[nn++] = r[i]->vcpus[v].name;
		}
	if (!nn)
		return;
	snprintf(gp, sizeof(gp), "%s/p%d.gp", p->tmp, ++p->seq);
	snprintf(svg, sizeof(svg), "%s/p%d.svg", p->tmp, p->seq);
	snprintf(dat, sizeof(dat), "%s/share%d.dat", p->tmp, p->seq);
	d = fopen(dat, "w");
	g = fopen(gp, "w");
	if (!d || !g) {
		if (d)
			fclose(d);
		if (g)
			fclose(g);
		return;
	}
	for (size_t k = 0; k < nn; k++) {
		fprintf(d, "%s", names[k]);
		for (size_t i = 0; i < n; i++) {
			uint64_t tot = 0, mine = 0;

			for (size_t v = 0; v < r[i]->nvcpus; v++) {
				if (!r[i]->vcpus[v].guest)
					continue;
				tot += r[i]->vcpus[v].completions;
				if (!strcmp(r[i]->vcpus[v].name, names[k]))
					mine = r[i]->vcpus[v].completions;
			}
			fprintf(d, " %.4f", tot ? (double)mine /
				(double)tot : 0.0);
		}
		fprintf(d, "\n");
	}
	fclose(d);
	term(g, svg, "Completion share per vCPU");
	fprintf(g, "set style data histograms\n"
		"set style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\n"
		"set yrange [0:1.05]\nset ylabel 'share of completions'\n"
		"set xtics rotate by -30\nset key top right\nplot ");
	for (size_t i = 0; i < n; i++)
		fprintf(g, "%s'%s' using %zu%s title '%s'", i ? ", " : "",
			gp_esc(qd, sizeof(qd), dat), i + 2,
			i ? "" : ":xtic(1)",
			gp_esc(qn, sizeof(qn), vname(r[i])));
	fprintf(g, "\n");
	fclose(g);
	plot_done(out, p, gp, svg, "completion share");
	unlink(dat);
}

/* The xenbus dance of one device in one variant: both sides' states
 * as steps over the run's time (index 0 the frontend, 1 the backend). */
static void plot_xenbus(FILE *out, struct plotctx *p,
			const struct xf_result *r,
			const struct xf_xenbus_trace *t)
{
	char gp[512], svg[512], dat[512], qd[1100], title[256];
	uint64_t end = 0;
	FILE *g, *d;

	if (!t->nev)
		return;
	snprintf(gp, sizeof(gp), "%s/p%d.gp", p->tmp, ++p->seq);
	snprintf(svg, sizeof(svg), "%s/p%d.svg", p->tmp, p->seq);
	snprintf(dat, sizeof(dat), "%s/xb%d.dat", p->tmp, p->seq);
	d = fopen(dat, "w");
	g = fopen(gp, "w");
	if (!d || !g) {
		if (d)
			fclose(d);
		if (g)
			fclose(g);
		return;
	}
	end = t->ev[t->nev - 1].t_ns;
	for (int side = 0; side < 2; side++) {
		int last = -1;

		for (size_t k = 0; k < t->nev; k++) {
			if (t->ev[k].backend != (side == 1))
				continue;
			last = t->ev[k].state;
			fprintf(d, "%.6f %d\n", (double)t->ev[k].t_ns / 1e6,
				last);
		}
		/* The last state holds to the last write of either side. */
		if (last >= 0)
			fprintf(d, "%.6f %d\n", (double)end / 1e6, last);
		else
			fprintf(d, "0 -1\n");
		fprintf(d, "\n\n");
	}
	fclose(d);
	snprintf(title, sizeof(title), "xenbus %s (%s)", t->device, vname(r));
	term(g, svg, title);
	fprintf(g, "set xlabel 'time (ms)'\nset yrange [-0.5:8.5]\n"
		"set ytics (");
	for (int s = 0; s <= XF_XENBUS_RECONFIGURED; s++)
		fprintf(g, "%s'%s' %d", s ? ", " : "", xf_xenbus_state_name(s),
			s);
	fprintf(g, ")\nset key bottom right\n"
		"plot '%s' index 0 using 1:2 with steps lw 2 title 'frontend', "
		"'' index 1 using 1:2 with steps lw 2 dt 2 title 'backend'\n",
		gp_esc(qd, sizeof(qd), dat));
	fclose(g);
	plot_done(out, p, gp, svg, "xenbus timeline");
	unlink(dat);
}

/* Every state write of each device, both sides side by side: the side
 * that wrote shows its new state in bold, the other what it last
 * wrote. */
static void xenbus_tables(FILE *f, struct xf_result *const *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t d = 0; d < r[i]->nxenbus; d++) {
			const struct xf_xenbus_trace *t = &r[i]->xenbus[d];
			int cur[2] = { -1, -1 };

			fprintf(f, "<table class=xenbus id=\"xenbus-");
			esc(f, vname(r[i]));
			fprintf(f, "-");
			esc(f, t->device);
			fprintf(f, "\"><tr><th colspan=3>xenbus ");
			esc(f, t->device);
			fprintf(f, " (");
			esc(f, vname(r[i]));
			fprintf(f, ")</th></tr>\n<tr><th>t (ms)</th>"
				"<th>frontend</th><th>backend</th></tr>\n");
			for (size_t k = 0; k < t->nev; k++) {
				int b = t->ev[k].backend;

				cur[b] = t->ev[k].state;
				fprintf(f, "<tr><td>%.3f</td>",
					(double)t->ev[k].t_ns / 1e6);
				for (int s = 0; s < 2; s++)
					fprintf(f, s == b ? "<td><b>%s</b></td>"
						: "<td>%s</td>", cur[s] < 0 ?
						"-" : xf_xenbus_state_name(
							cur[s]));
				fprintf(f, "</tr>\n");
			}
			if (!t->nev)
				fprintf(f, "<tr><td colspan=3>no state "
					"written</td></tr>\n");
			fprintf(f, "</table>\n");
		}
	}
}

static void variant_table(FILE *f, struct xf_result *const *r, size_t n)
{
	fprintf(f, "<table><tr><th>variant</th><th>verdict</th><th>IOPS</th>"
		"<th>MB/s</th><th>p50 us</th><th>p99 us</th>"
		"<th>p99.9 us</th><th>durability</th><th>seed</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		struct xf_totals *t = malloc(sizeof(*t));

		if (!t)
			return;
		xf_result_totals(r[i], NULL, NULL, t);
		fprintf(f, "<tr><td>");
		esc(f, vname(r[i]));
		if (r[i]->variant_description) {
			fprintf(f, "<br><small>");
			esc(f, r[i]->variant_description);
			fprintf(f, "</small>");
		}
		fprintf(f, "</td><td class=%s>%s</td><td>%.0f</td>"
			"<td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
			"<td>%s</td><td>%llu</td></tr>\n",
			r[i]->pass ? "pass" : "fail",
			r[i]->pass ? "PASS" : "FAIL", t->iops,
			t->bw_bytes / 1e6,
			(double)xf_hist_percentile(&t->clat, 50) / 1e3,
			(double)xf_hist_percentile(&t->clat, 99) / 1e3,
			(double)xf_hist_percentile(&t->clat, 99.9) / 1e3,
			r[i]->durability_checked ? r[i]->durability : "-",
			(unsigned long long)r[i]->seed);
		free(t);
	}
	fprintf(f, "</table>\n");
}

static void expect_table(FILE *f, struct xf_result *const *r, size_t n)
{
	fprintf(f, "<table><tr><th>variant</th><th>expectation</th>"
		"<th>measured</th><th>line</th><th></th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < r[i]->nexpects; k++) {
			const struct xf_expect_result *e = &r[i]->expects[k];

			fprintf(f, "<tr><td>");
			esc(f, vname(r[i]));
			fprintf(f, "</td><td>");
			esc(f, e->what);
			fprintf(f, "</td><td>");
			esc(f, e->measured);
			fprintf(f, "</td><td>%d</td><td class=%s>%s</td>"
				"</tr>\n", e->line, e->skipped ? "skip" :
				e->pass ? "pass" : "fail", e->skipped ?
				"NOT CHECKED" : e->pass ? "PASS" : "FAIL");
		}
		for (size_t k = 0; k < r[i]->nnotes; k++) {
			const struct xf_device_note *dn = &r[i]->notes[k];

			fprintf(f, "<tr><td>");
			esc(f, vname(r[i]));
			fprintf(f, "</td><td colspan=4 class=note>");
			esc(f, dn->device);
			fprintf(f, " %s: ", dn->state);
			esc(f, dn->reason);
			fprintf(f, "</td></tr>\n");
		}
		for (size_t k = 0; k < r[i]->nwedges; k++) {
			fprintf(f, "<tr><td>");
			esc(f, vname(r[i]));
			fprintf(f, "</td><td colspan=4 class=fail>wedged: ");
			esc(f, r[i]->wedges[k].text);
			fprintf(f, "</td></tr>\n");
		}
		if (r[i]->error) {
			fprintf(f, "<tr><td>");
			esc(f, vname(r[i]));
			fprintf(f, "</td><td colspan=4 class=fail>error: ");
			esc(f, r[i]->error);
			fprintf(f, "</td></tr>\n");
		}
	}
	fprintf(f, "</table>\n");
}

/* The failed runs, each linked to its details, with the first thing
 * that failed. */
static void failures_list(FILE *f, struct xf_result *const *r, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= !r[i]->pass;
	if (!any)
		return;
	fprintf(f, "<h2 id=failures>Failures</h2>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		const char *why = r[i]->error;

		if (r[i]->pass)
			continue;
		for (size_t k = 0; !why && k < r[i]->nexpects; k++)
			if (!r[i]->expects[k].pass &&
			    !r[i]->expects[k].skipped)
				why = r[i]->expects[k].what;
		fprintf(f, "<li class=fail><a href=\"#");
		anchor(f, r[i]);
		fprintf(f, "\">");
		esc(f, vname(r[i]));
		fprintf(f, "</a> (");
		esc(f, r[i]->path);
		fprintf(f, "): ");
		esc(f, why ? why : "failed");
		fprintf(f, "</li>\n");
	}
	fprintf(f, "</ul>\n");
}

/* Per run: the replay command, a note when nothing completed, the
 * stuck devices, the events and (collapsed) every counter. */
static void run_details(FILE *f, struct xf_result *const *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct xf_result *x = r[i];
		struct xf_totals *t = malloc(sizeof(*t));
		char cmd[8192];

		if (!t)
			return;
		xf_result_totals(x, NULL, NULL, t);
		fprintf(f, "<div class=run id=\"");
		anchor(f, x);
		fprintf(f, "\"><h3>");
		esc(f, vname(x));
		fprintf(f, "</h3>\n");
		if (x->njobs && !t->clat.count)
			fprintf(f, "<p class=note>no completions: no latency to "
				"plot for this run</p>\n");
		free(t);
		xf_report_replay_command(x, cmd, sizeof(cmd));
		fprintf(f, "<p>replay: <code class=replay>");
		esc(f, cmd);
		fprintf(f, "</code></p>\n");
		for (size_t k = 0; k < x->nstuck; k++) {
			const struct xf_stuck_device *d = &x->stuck[k];

			fprintf(f, "<p class=fail>stuck: %s ", d->kind);
			esc(f, d->device);
			fprintf(f, " (");
			esc(f, d->why);
			fprintf(f, "): frontend %s (%s), backend %s</p>\n",
				d->frontend_state, d->frontend_view,
				d->backend_state);
			fprintf(f, "<table class=stuck><tr><th>queue</th>"
				"<th>ring</th><th>req_prod</th><th>req_cons"
				"</th><th>req_event</th><th>rsp_prod</th>"
				"<th>rsp_cons</th><th>rsp_event</th><th>in "
				"flight</th><th>oldest</th><th>grants</th>"
				"<th>port</th></tr>\n");
			for (unsigned int q = 0; q < d->nqueues; q++) {
				const struct xf_stuck_queue *s = &d->queues[q];

				for (unsigned int g = 0; g < s->nrings || !g;
				     g++) {
					const struct xf_stuck_ring *y =
						&s->rings[g];

					fprintf(f, "<tr><td>%u</td>", s->queue);
					if (!s->has_ring) {
						fprintf(f, "<td colspan=11>no "
							"rings, %u queued</td>"
							"</tr>\n", s->queued);
						break;
					}
					fprintf(f, "<td>%s</td><td>%u</td>",
						y->name[0] ? y->name : "blkif",
						y->req_prod);
					if (y->has_backend)
						fprintf(f, "<td>%u</td>",
							y->req_cons);
					else
						fprintf(f, "<td>-</td>");
					fprintf(f, "<td>%u</td><td>%u</td>"
						"<td>%u</td><td>%u</td>"
						"<td>%u</td><td>",
						y->req_event, y->rsp_prod,
						y->rsp_cons, y->rsp_event,
						s->inflight);
					for (unsigned int k2 = 0;
					     k2 < s->nreqs && k2 < 4; k2++)
						fprintf(f, "%sid %u %s %.1f ms",
							k2 ? ", " : "",
							s->reqs[k2].id,
							s->reqs[k2].op,
							(double)s->reqs[k2]
							.age_ns / 1e6);
					fprintf(f, "</td><td>%u</td><td>%u%s"
						"%s</td></tr>\n", s->grants,
						s->port, s->has_evtchn &&
						s->pending ? " pending" : "",
						s->has_evtchn && s->masked ?
						" masked" : "");
				}
			}
			fprintf(f, "</table>\n");
		}
		if (x->nevents) {
			fprintf(f, "<details><summary>events (%zu)</summary>"
				"<table><tr><th>t (ms)</th><th>what</th></tr>\n",
				x->nevents);
			for (size_t k = 0; k < x->nevents; k++) {
				fprintf(f, "<tr><td>%.3f</td><td>",
					(double)x->events[k].t_ns / 1e6);
				esc(f, x->events[k].what);
				fprintf(f, "</td></tr>\n");
			}
			fprintf(f, "</table></details>\n");
		}
		fprintf(f, "<details class=counters><summary>counters (%zu)"
			"</summary><table><tr><th>counter</th><th>value</th>"
			"</tr>\n", x->counters.n);
		for (size_t k = 0; k < x->counters.n; k++) {
			fprintf(f, "<tr><td>");
			esc(f, x->counters.v[k].name);
			fprintf(f, "</td><td>%llu</td></tr>\n",
				(unsigned long long)x->counters.v[k].value);
		}
		fprintf(f, "</table></details></div>\n");
	}
}

static const char css[] =
	"body{font-family:sans-serif;margin:2em;max-width:1300px;color:#222}"
	"table{border-collapse:collapse;margin:.6em 0}"
	"td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;"
	"font-size:13px}th{background:#f0f0f0}"
	".pass{color:#070;font-weight:bold}.fail{color:#b00;font-weight:bold}"
	".skip{color:#777}"
	".plots{display:flex;flex-wrap:wrap;gap:10px}"
	".plots svg{border:1px solid #ddd}.note{color:#a60}"
	"table.xenbus{align-self:flex-start}"
	"section{border-top:2px solid #444;margin-top:2em}";

int xf_report_html_write(const char *dir, struct xf_result *const *r,
			 size_t n, const struct xf_report_meta *m,
			 bool *plots_ok, char *err, size_t errlen)
{
	char path[4096], tmp[4096];
	struct plotctx p = { .ok = true };
	struct xf_outfile out;
	size_t passed = 0;
	bool gp = have_gnuplot();
	FILE *f;
	int rc;

	*plots_ok = false;
	/* errno is saved first: snprintf/strerror/rmdir may change it. */
	if (mkdir(dir, 0755) && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", dir, strerror(e));
		return -e;
	}
	snprintf(tmp, sizeof(tmp), "%s/.plots-XXXXXX", dir);
	if (gp && !mkdtemp(tmp)) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", tmp, strerror(e));
		return -e;
	}
	p.tmp = tmp;
	snprintf(path, sizeof(path), "%s/index.html", dir);
	rc = xf_outfile_open(&out, path);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		if (gp)
			rmdir(tmp);
		return rc;
	}
	f = out.f;
	for (size_t i = 0; i < n; i++)
		passed += r[i]->pass;
	fprintf(f, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
		"<title>xfront report</title><style>%s</style></head><body>\n"
		"<h1>xfront report</h1>\n<p>xfront %s &mdash; ", css,
		m->version);
	esc(f, m->command);
	fprintf(f, "</p>\n<p><b>%zu</b> runs: <span class=pass>%zu passed"
		"</span>, <span class=%s>%zu failed</span></p>\n", n, passed,
		passed == n ? "pass" : "fail", n - passed);
	if (m->interrupted) {
		fprintf(f, "<p class=fail id=interrupted>Interrupted: only "
			"the runs that finished are shown");
		if (m->cut) {
			fprintf(f, "; cut short: ");
			esc(f, m->cut);
		}
		fprintf(f, "</p>\n");
	}
	if (m->nskips) {
		fprintf(f, "<p class=note id=skipped>Not run:</p>\n<ul>\n");
		for (size_t i = 0; i < m->nskips; i++) {
			fprintf(f, "<li>SKIP <code>");
			esc(f, m->skips[i].path);
			fprintf(f, "</code>: ");
			esc(f, m->skips[i].reason);
			fprintf(f, "</li>\n");
		}
		fprintf(f, "</ul>\n");
	}
	if (!gp)
		fprintf(f, "<p class=note id=no-gnuplot>Plots are missing: "
			"gnuplot is not installed (Debian: apt-get install "
			"gnuplot-nox), so only tables are shown.</p>\n");
	failures_list(f, r, n);
	/* Files with a failed run first: what needs reading is on top. */
	for (int pass = 0; pass < 2; pass++)
	for (size_t i = 0; i < n; i++) {
		struct xf_result *group[64];
		size_t g = 0, k;
		bool failed = false;

		for (k = 0; k < i; k++)
			if (!strcmp(r[k]->path, r[i]->path))
				break;
		if (k < i)
			continue;
		for (k = i; k < n && g < 64; k++)
			if (!strcmp(r[k]->path, r[i]->path))
				group[g++] = r[k];
		for (k = 0; k < g; k++)
			failed |= !group[k]->pass;
		if (failed != (pass == 0))
			continue;
		fprintf(f, "<section><h2>");
		esc(f, r[i]->scenario);
		fprintf(f, "</h2><p>");
		esc(f, r[i]->description);
		fprintf(f, "<br><small>");
		esc(f, r[i]->path);
		fprintf(f, " &mdash; %s/%s</small></p>\n", r[i]->platform,
			r[i]->mode);
		variant_table(f, group, g);
		expect_table(f, group, g);
		run_details(f, group, g);
		if (gp) {
			fprintf(f, "<div class=plots>\n");
			plot_cdf(f, &p, group, g);
			plot_iops(f, &p, group, g);
			plot_share(f, &p, group, g);
			fprintf(f, "</div>\n");
		}
		fprintf(f, "<h3>xenbus</h3>\n<div class=plots>\n");
		xenbus_tables(f, group, g);
		fprintf(f, "</div>\n");
		if (gp) {
			fprintf(f, "<div class=plots>\n");
			for (size_t v = 0; v < g; v++)
				for (size_t d = 0; d < group[v]->nxenbus; d++)
					plot_xenbus(f, &p, group[v],
						    &group[v]->xenbus[d]);
			fprintf(f, "</div>\n");
		}
		fprintf(f, "</section>\n");
	}
	fprintf(f, "</body></html>\n");
	if (gp)
		rmdir(tmp);
	/* With gnuplot there, a missing plot is a failed write (a full
	 * disk under the plot files), not a page to keep. */
	if (gp && !p.ok) {
		xf_outfile_abort(&out);
		snprintf(err, errlen, "%s: a plot could not be made (gnuplot "
			 "failed or its files could not be written in %s)",
			 path, dir);
		return -EIO;
	}
	rc = xf_outfile_commit(&out);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	*plots_ok = gp;
	return 0;
}
