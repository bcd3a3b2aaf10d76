// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/xenbus.h>
#include "engine-priv.h"
#include "net.h"

struct measures {
	double iops, bw_mbps, p50_us, p99_us, p999_us, max_us;
	double lost_writes, verify_errors, io_errors, hangs, double_compl;
	double leaks, fairness, share_max, util_max, pause_max_ms;
	double reconnect_max_ms, power_cuts; /* reconnect: inf = never */
	double reconnects_never;
	double undelivered, stalled; /* flows in scope (eng_flow_health) */
	/* For check(r) only, set just before it runs. */
	double bad_checksums, bad_segments, gbps, wedges;
	double completed;   /* I/Os that ended (ok or error) in scope */
	bool ok;            /* false: could not be measured */
};

/* Same boundary as xf_result_totals(): a job name or one of its
 * clones ("rr" matches "rr" and "rr.1", not "rr1"). */
static bool job_in_scope(const char *name, const char *job)
{
	size_t l = strlen(job);

	return !strcmp(name, job) ||
	       (!strncmp(name, job, l) && name[l] == '.');
}

static double fairness(const struct xf_result *r)
{
	double x[64];
	size_t n = 0;

	for (size_t i = 0; i < r->njobs && n < 64; i++) {
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(r->jobs[k].vm, r->jobs[i].vm);
		if (!seen) {
			struct xf_totals t;

			xf_result_totals(r, r->jobs[i].vm, NULL, &t);
			x[n++] = t.iops;
		}
	}
	return xf_jain_index(x, n);
}

static void vcpu_measures(const struct xf_result *r, const char *vm,
			  double *share, double *util)
{
	uint64_t total = 0, max = 0;
	size_t l = vm ? strlen(vm) : 0;

	*util = 0;
	for (size_t i = 0; i < r->nvcpus; i++) {
		const struct xf_vcpu_result *v = &r->vcpus[i];
		double u;

		if (!v->guest || (vm && (strncmp(v->name, vm, l) ||
					 v->name[l] != '/')))
			continue;
		total += v->completions;
		if (v->completions > max)
			max = v->completions;
		u = v->wall_ns ? (double)v->busy_ns / (double)v->wall_ns : 0;
		if (u > *util)
			*util = u;
	}
	*share = total ? (double)max / (double)total : 0;
}

/* A counter at UINT64_MAX means never (a reconnect after which nothing
 * completed): infinite, so every bound on it fails. */
static double ctr_value(const struct xf_result *r, const char *name)
{
	uint64_t v = xf_ctrs_get(&r->counters, name);

	return v == UINT64_MAX ? INFINITY : (double)v;
}

static void measure(struct eng *e, const char *vm, const char *job,
		    struct measures *m)
{
	const struct xf_result *r = e->res;
	struct xf_totals *t = malloc(sizeof(*t));
	uint64_t pause = 0;

	memset(m, 0, sizeof(*m));
	if (!t)
		return;
	m->ok = true;
	xf_result_totals(r, vm, job, t);
	m->iops = t->iops;
	m->bw_mbps = t->bw_bytes / 1e6;
	m->p50_us = (double)xf_hist_percentile(&t->clat, 50) / 1e3;
	m->p99_us = (double)xf_hist_percentile(&t->clat, 99) / 1e3;
	m->p999_us = (double)xf_hist_percentile(&t->clat, 99.9) / 1e3;
	m->max_us = (double)t->clat.max / 1e3;
	m->verify_errors = (double)t->verify_errors;
	m->io_errors = (double)t->errors;
	m->hangs = (double)t->hangs;
	m->completed = (double)(t->ios + t->errors);
	free(t);
	for (size_t i = 0; i < r->njobs; i++) {
		if ((vm && strcmp(r->jobs[i].vm, vm)) ||
		    (job && !job_in_scope(r->jobs[i].name, job)))
			continue;
		m->double_compl += (double)r->jobs[i].double_completions;
		if (r->jobs[i].max_pause_ns > pause)
			pause = r->jobs[i].max_pause_ns;
	}
	m->pause_max_ms = (double)pause / 1e6;
	m->lost_writes = (double)r->lost_writes;
	m->leaks = (double)xf_ctrs_get(&r->counters, "leaks");
	m->fairness = fairness(r);
	vcpu_measures(r, vm, &m->share_max, &m->util_max);
	m->reconnect_max_ms = ctr_value(r, "reconnect_max_ns") / 1e6;
	m->reconnects_never = ctr_value(r, "reconnects_never_completed");
	m->power_cuts = (double)r->power_cuts;
}

static void add(struct eng *e, const struct xf_scn_obj *x, const char *key,
		const char *label, const char *op, double limit,
		double value, const char *fmt)
{
	char what[200], got[96];
	bool pass;

	if (!xf_scn_isset(x, key))
		return;
	snprintf(what, sizeof(what), "%s%s %s %g", label, "", op, limit);
	if (isinf(value))
		snprintf(got, sizeof(got), "never");
	else
		snprintf(got, sizeof(got), fmt, value);
	pass = !strcmp(op, ">=") ? value >= limit : value <= limit;
	xf_result_add_expect(e->res, what, got, xf_scn_line(x, key), pass);
}

static void scoped(char *buf, size_t len, const struct xf_scn_obj *x,
		   const char *name)
{
	const char *job = xf_scn_str(x, "job"), *vm = xf_scn_str(x, "vm");

	if (job)
		snprintf(buf, len, "%s[%s]", name, job);
	else if (vm)
		snprintf(buf, len, "%s[%s]", name, vm);
	else
		snprintf(buf, len, "%s", name);
}

/* Keys whose "<=" (or share/ratio) form passes trivially when nothing
 * ran: with any of them set, a scope that completed no I/O fails, unless
 * the expectation bounds iops from above (iops_max), which says that
 * little or no I/O is the expected outcome. */
static const char *const io_keys[] = {
	"iops_min", "iops_target", "bw_min_mbps", "p50_max_us", "p99_max_us",
	"p999_max_us", "max_lat_max_us", "lost_writes", "verify_errors",
	"io_errors", "io_errors_min", "hangs", "double_completions",
	"fairness_min", "completion_share_max", "vcpu_util_max",
	"vcpu_util_min", "pause_max_ms",
};

static void no_io_guard(struct eng *e, const struct xf_scn_obj *x,
			const struct measures *m)
{
	const char *key = NULL;
	char l[160];

	if (m->completed > 0 || xf_scn_isset(x, "iops_max"))
		return;
	for (size_t i = 0; i < sizeof(io_keys) / sizeof(io_keys[0]); i++) {
		if (xf_scn_isset(x, io_keys[i])) {
			key = io_keys[i];
			break;
		}
	}
	if (!key)
		return;
	scoped(l, sizeof(l), x, "completed I/Os");
	strncat(l, " > 0", sizeof(l) - strlen(l) - 1);
	xf_result_add_expect(e->res, l, "0 (nothing ran)",
			     xf_scn_line(x, key), false);
}

/* name[flow] for the keys measured per flow. */
static void flow_scoped(char *buf, size_t len, const struct xf_scn_obj *x,
			const char *name)
{
	const char *flow = xf_scn_str(x, "flow");

	if (flow)
		snprintf(buf, len, "%s[%s]", name, flow);
	else
		snprintf(buf, len, "%s", name);
}

/* The last state a side wrote in the trace; -1: none. */
static int final_state(const struct xf_xenbus_trace *t, bool backend)
{
	for (size_t k = t ? t->nev : 0; k-- > 0;)
		if (t->ev[k].backend == backend)
			return t->ev[k].state;
	return -1;
}

/* expect { xenbus = { d0 = { frontend_final = ..., ... } } } */
static void xenbus_finals(struct eng *e, const struct xf_scn_obj *x)
{
	static const char *const side[] = { "frontend", "backend" };
	struct xf_scn_obj *const *it;
	size_t n = xf_scn_map(x, "xenbus", &it);

	for (size_t i = 0; i < n; i++) {
		const struct xf_xenbus_trace *t =
			xf_result_xenbus_find(e->res, it[i]->name);

		for (int b = 0; b < 2; b++) {
			char key[32], what[160];
			const char *want;
			int got;

			snprintf(key, sizeof(key), "%s_final", side[b]);
			if (!xf_scn_isset(it[i], key))
				continue;
			want = xf_scn_str(it[i], key);
			got = final_state(t, b);
			snprintf(what, sizeof(what), "xenbus[%s] %s final = %s",
				 it[i]->name, side[b], want);
			xf_result_add_expect(e->res, what, got < 0 ? "none" :
					     xf_xenbus_state_name(got),
					     xf_scn_line(it[i], key), got >= 0 &&
					     !strcmp(xf_xenbus_state_name(got),
						     want));
		}
	}
}

/* r.xenbus for check(): views of the result's traces (names static). */
static int xenbus_for_check(const struct xf_result *r,
			    struct xf_scn_xenbus **xb,
			    struct xf_scn_xenbus_event **xev)
{
	size_t total = 0, o = 0;

	for (size_t i = 0; i < r->nxenbus; i++)
		total += r->xenbus[i].nev;
	*xb = calloc(r->nxenbus ? r->nxenbus : 1, sizeof(**xb));
	*xev = calloc(total ? total : 1, sizeof(**xev));
	if (!*xb || !*xev) {
		free(*xb);
		free(*xev);
		*xb = NULL;
		*xev = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nxenbus; i++) {
		const struct xf_xenbus_trace *t = &r->xenbus[i];

		(*xb)[i].device = t->device;
		(*xb)[i].ev = *xev + o;
		(*xb)[i].n = t->nev;
		for (size_t k = 0; k < t->nev; k++)
			(*xev)[o++] = (struct xf_scn_xenbus_event){
				t->ev[k].t_ns,
				t->ev[k].backend ? "backend" : "frontend",
				xf_xenbus_state_name(t->ev[k].state) };
	}
	return 0;
}

/* r.<key> in check(r) besides the counters: the measures of the
 * expect's scope (vm, job, flow), doubles in struct measures that one()
 * reads itself (never eng_ctrs_copy(), which takes integers). */
#define MET(key, field, unit, help)					\
	{ key, offsetof(struct measures, field), sizeof(double), 1, unit, \
	  help }
static const struct eng_ctr check_metrics[] = {
	MET("iops", iops, "IOPS", "I/Os completed per second"),
	MET("bw_mbps", bw_mbps, "MB/s", "bytes moved per second / 1e6"),
	MET("p50_us", p50_us, "us", "median completion latency"),
	MET("p99_us", p99_us, "us", "99th percentile completion latency"),
	MET("p999_us", p999_us, "us", "99.9th percentile completion latency"),
	MET("max_us", max_us, "us", "longest completion latency"),
	MET("lost_writes", lost_writes, "count",
	    "acknowledged writes lost at power cuts (durability checker)"),
	MET("verify_errors", verify_errors, "count",
	    "reads whose data did not verify"),
	MET("io_errors", io_errors, "I/Os", "I/Os completed with an error"),
	MET("hangs", hangs, "I/Os", "I/Os that never completed (hung)"),
	MET("leaks", leaks, "count",
	    "grants and event channels left at teardown (mock only)"),
	MET("fairness", fairness, "ratio", "Jain index of the VMs' IOPS"),
	MET("completion_share_max", share_max, "ratio",
	    "largest share of completions on one guest vCPU"),
	MET("vcpu_util_max", util_max, "ratio",
	    "busy/wall time of the busiest guest vCPU"),
	MET("pause_max_ms", pause_max_ms, "ms",
	    "longest time a job went without a completion"),
	MET("reconnect_max_ms", reconnect_max_ms, "ms",
	    "longest disk reconnect until I/O completed (inf: never)"),
	MET("power_cuts", power_cuts, "count", "power cuts (ctx: so far)"),
	MET("undelivered_bytes", undelivered, "bytes",
	    "payload bytes the flows sent that never arrived"),
	MET("stalled_flows", stalled, "flows",
	    "flows with frames never completed, or not drained"),
	MET("double_completions", double_compl, "count",
	    "I/Os completed more than once"),
	MET("bad_checksums", bad_checksums, "frames",
	    "frames received with a bad checksum (also validated but bad)"),
	MET("bad_segments", bad_segments, "frames",
	    "frames received wrongly segmented"),
	MET("gbps", gbps, "Gbit/s", "throughput received by the vifs"),
	MET("wedges", wedges, "count",
	    "devices whose xenbus handshake stopped (wedged)"),
};
#undef MET

/* Set per vCPU in the check block of one(). */
static const struct eng_ctr vcpu_docs[] = {
	ENG_DOC("completions", "I/Os", "I/O completions run on the vCPU"),
	ENG_DOC("util", "ratio", "busy time / wall time of the vCPU"),
};

/* power_cuts is also ctx:counter's (actions.c counter_cb). */
void eng_expect_docs(struct eng_doc_walk *w)
{
	for (size_t i = 0; i < ENG_N(check_metrics); i++)
		eng_doc_one(w, XF_CTR_RUN, "", check_metrics[i].key,
			    check_metrics[i].unit, check_metrics[i].help,
			    XF_CTR_IN_CHECK |
			    (strcmp(check_metrics[i].key, "power_cuts") ? 0 :
			     XF_CTR_IN_CTX));
	eng_doc_table(w, XF_CTR_VCPU, vcpu_docs, ENG_N(vcpu_docs),
		      XF_CTR_IN_CHECK);
}

static void one(struct eng *e, const struct xf_scn_obj *x)
{
	struct eng_flow_health fh;
	struct measures m;
	double bc, bs, gb;
	char l[160];

	measure(e, xf_scn_str(x, "vm"), xf_scn_str(x, "job"), &m);
	/* A check that could not be measured is a failure, never a pass
	 * against all-zero measures. */
	if (!m.ok) {
		scoped(l, sizeof(l), x, "expect");
		xf_result_add_expect(e->res, l, "out of memory",
				     x->line, false);
		return;
	}
	no_io_guard(e, x, &m);
#define ADD(key, name, op, val, fmt) do { \
		scoped(l, sizeof(l), x, name); \
		if (xf_scn_isset(x, key)) \
			add(e, x, key, l, op, xf_scn_num(x, key), val, fmt); \
	} while (0)
	ADD("iops_min", "iops", ">=", m.iops, "%.0f");
	ADD("iops_max", "iops", "<=", m.iops, "%.0f");
	if (xf_scn_isset(x, "iops_target")) {
		double tg = xf_scn_num(x, "iops_target");
		double tol = xf_scn_num(x, "iops_tolerance_pct");
		char what[200], got[96];

		scoped(l, sizeof(l), x, "iops");
		snprintf(what, sizeof(what), "%s = %g +- %g%%", l, tg, tol);
		snprintf(got, sizeof(got), "%.0f (%+.2f%%)", m.iops,
			 tg > 0 ? (m.iops - tg) * 100 / tg : 0);
		xf_result_add_expect(e->res, what, got,
				     xf_scn_line(x, "iops_target"),
				     fabs(m.iops - tg) <= tg * tol / 100);
	}
	ADD("bw_min_mbps", "MB/s", ">=", m.bw_mbps, "%.1f");
	ADD("p50_max_us", "p50 us", "<=", m.p50_us, "%.1f");
	ADD("p99_max_us", "p99 us", "<=", m.p99_us, "%.1f");
	ADD("p999_max_us", "p99.9 us", "<=", m.p999_us, "%.1f");
	ADD("max_lat_max_us", "max latency us", "<=", m.max_us, "%.1f");
	ADD("lost_writes", "lost writes", "<=", m.lost_writes, "%.0f");
	ADD("verify_errors", "verify errors", "<=", m.verify_errors, "%.0f");
	ADD("io_errors", "I/O errors", "<=", m.io_errors, "%.0f");
	ADD("io_errors_min", "I/O errors", ">=", m.io_errors, "%.0f");
	ADD("hangs", "hung I/Os", "<=", m.hangs, "%.0f");
	/* A disk whose reconnect never completed is hung even when no I/O
	 * is outstanding in the workload's view (or it was re-issued into
	 * a ring nobody serves): wherever hung I/O fails the run, so does
	 * that. Listed only when it fails. */
	if (xf_scn_isset(x, "hangs") && m.reconnects_never > 0) {
		char got[32];

		scoped(l, sizeof(l), x, "reconnects never completed");
		strncat(l, " <= 0", sizeof(l) - strlen(l) - 1);
		snprintf(got, sizeof(got), "%.0f", m.reconnects_never);
		xf_result_add_expect(e->res, l, got, xf_scn_line(x, "hangs"),
				     false);
	}
	ADD("double_completions", "double completions", "<=", m.double_compl,
	    "%.0f");
	ADD("leaks", "leaked grants+ports", "<=", m.leaks, "%.0f");
	ADD("fairness_min", "Jain fairness", ">=", m.fairness, "%.3f");
	ADD("completion_share_max", "max completion share", "<=",
	    m.share_max, "%.3f");
	ADD("vcpu_util_max", "busiest vCPU util", "<=", m.util_max, "%.3f");
	ADD("vcpu_util_min", "busiest vCPU util", ">=", m.util_max, "%.3f");
	ADD("pause_max_ms", "longest I/O pause ms", "<=", m.pause_max_ms,
	    "%.2f");
	ADD("reconnect_max_ms", "reconnect ms", "<=", m.reconnect_max_ms,
	    "%.2f");
	eng_net_measure(e, xf_scn_str(x, "flow"), &bc, &bs, &gb);
	ADD("bad_checksums", "bad checksums", "<=", bc, "%.0f");
	ADD("bad_segments", "bad segments", "<=", bs, "%.0f");
	ADD("gbps_min", "Gbit/s", ">=", gb, "%.3f");
	ADD("wedges", "wedged devices", "<=", (double)e->res->nwedges,
	    "%.0f");
	xenbus_finals(e, x);
	eng_net_flow_health(e, xf_scn_str(x, "flow"), &fh);
	flow_scoped(l, sizeof(l), x, "undelivered bytes");
	add(e, x, "undelivered_bytes", l, "<=",
	    xf_scn_num(x, "undelivered_bytes"), fh.undelivered, "%.0f");
	flow_scoped(l, sizeof(l), x, "stalled flows");
	add(e, x, "stalled_flows", l, "<=", xf_scn_num(x, "stalled_flows"),
	    fh.stalled, "%.0f");
#undef ADD
	if (xf_scn_isset(x, "durability")) {
		const char *want = xf_scn_str(x, "durability");
		const char *got = e->res->durability_checked ?
				  e->res->durability : "not checked";
		char what[96];

		snprintf(what, sizeof(what), "durability = %s", want);
		xf_result_add_expect(e->res, what, got,
				     xf_scn_line(x, "durability"),
				     !strcmp(want, got));
	}
	if (xf_scn_isset(x, "check")) {
		const struct xf_result *r = e->res;
		size_t n = 0;
		struct xf_scn_metric *mv = calloc(ENG_N(check_metrics) +
						  r->counters.n +
						  2 * r->nvcpus, sizeof(*mv));
		/* "vm0/vcpu1.completions", "vm0/vcpu1.util" */
		char (*vn)[80] = calloc(2 * r->nvcpus + 1, sizeof(*vn));
		/* A check's message is kept whole: it is often the only
		 * account of what was wrong. */
		const size_t msglen = 64 << 10;
		char *msg = malloc(msglen);
		struct xf_scn_xenbus *xb = NULL;
		struct xf_scn_xenbus_event *xev = NULL;
		bool ok = false;
		int rc;

		if (!mv || !vn || !msg) {
			free(mv);
			free(vn);
			free(msg);
			xf_result_add_expect(e->res, "check(r)",
					     "out of memory",
					     xf_scn_line(x, "check"), false);
			return;
		}
		m.undelivered = fh.undelivered;
		m.stalled = fh.stalled;
		m.bad_checksums = bc;
		m.bad_segments = bs;
		m.gbps = gb;
		m.wedges = (double)r->nwedges;
		for (size_t i = 0; i < ENG_N(check_metrics); i++) {
			double v;

			memcpy(&v, (const char *)&m + check_metrics[i].off,
			       sizeof(v));
			mv[n++] = (struct xf_scn_metric){
				check_metrics[i].key, v };
		}
		for (size_t i = 0; i < r->counters.n; i++)
			mv[n++] = (struct xf_scn_metric){
				r->counters.v[i].name,
				ctr_value(r, r->counters.v[i].name) };
		for (size_t i = 0; i < r->nvcpus; i++) {
			const struct xf_vcpu_result *v = &r->vcpus[i];

			snprintf(vn[2 * i], sizeof(vn[0]), "%s.completions",
				 v->name);
			mv[n++] = (struct xf_scn_metric){
				vn[2 * i], (double)v->completions };
			snprintf(vn[2 * i + 1], sizeof(vn[0]), "%s.util",
				 v->name);
			mv[n++] = (struct xf_scn_metric){ vn[2 * i + 1],
				v->wall_ns ? (double)v->busy_ns /
					     (double)v->wall_ns : 0 };
		}
		if (xenbus_for_check(r, &xb, &xev)) {
			free(mv);
			free(vn);
			free(msg);
			xf_result_add_expect(e->res, "check(r)",
					     "out of memory",
					     xf_scn_line(x, "check"), false);
			return;
		}
		rc = xf_scn_run_check(e->scn, x, mv, n, xb, r->nxenbus, &ok,
				      msg, msglen);
		free(xb);
		free(xev);
		if (rc == -EINVAL && !e->check_err[0])
			/* A Lua error or an endless loop in check() is the
			 * script's fault, not a measured failure. */
			snprintf(e->check_err, sizeof(e->check_err), "%s",
				 msg);
		xf_result_add_expect(e->res, xf_scn_isset(x, "name")
				     ? xf_scn_str(x, "name") : "check(r)",
				     msg[0] ? msg : (ok ? "true" : "false"),
				     xf_scn_line(x, "check"), ok);
		free(mv);
		free(vn);
		free(msg);
	}
}

/* A block this run's mode does not check: one line naming it (its
 * name, else its scope and keys), never counted as passed. */
static void skipped(struct eng *e, const struct xf_scn_obj *x,
		    const char *mode)
{
	static const char *const scope[] = { "name", "job", "vm", "flow",
					     "mode", "iops_tolerance_pct" };
	char what[160], why[64];
	size_t len;

	if (xf_scn_isset(x, "name")) {
		snprintf(what, sizeof(what), "%s", xf_scn_str(x, "name"));
	} else {
		scoped(what, sizeof(what), x, "expect");
		strncat(what, "{", sizeof(what) - strlen(what) - 1);
		for (size_t i = 0; i < x->kind->nfields; i++) {
			const char *k = x->kind->fields[i].key;
			bool cond = x->vals[i].set;

			for (size_t s = 0; s < sizeof(scope) / sizeof(*scope);
			     s++)
				cond &= strcmp(k, scope[s]) != 0;
			if (!cond)
				continue;
			len = strlen(what);
			snprintf(what + len, sizeof(what) - len, "%s%s",
				 what[len - 1] == '{' ? "" : ", ", k);
		}
		strncat(what, "}", sizeof(what) - strlen(what) - 1);
	}
	snprintf(why, sizeof(why), "not checked in %s mode", mode);
	xf_result_add_skipped(e->res, what, why, x->line);
}

/* Whether a block this mode checks bounds key for the flow (a block
 * without a flow bounds it for every flow). */
static bool flow_bounded(struct eng *e, const char *mode, const char *key,
			 const char *flow)
{
	for (size_t i = 0; i < xf_scn_count(e->scn, "expect"); i++) {
		const struct xf_scn_obj *x = xf_scn_nth(e->scn, "expect", i);
		const char *m = xf_scn_str(x, "mode");
		const char *f = xf_scn_str(x, "flow");

		if ((strcmp(m, "any") && strcmp(m, mode)) ||
		    !xf_scn_isset(x, key))
			continue;
		if (!f || !strcmp(f, flow))
			return true;
	}
	return false;
}

/*
 * What hangs are to a disk's I/O: a flow that stops delivering fails
 * the run even when no block says anything about it, since neither a
 * TX completion nor a receiver would complain. Every flow must deliver
 * every byte it sent and must not stall (frames never completed, or
 * bytes still on the way at the end), unless a block this mode checks
 * bounds undelivered_bytes or stalled_flows for it: a flow that loses
 * bytes by design says so.
 */
static void flow_defaults(struct eng *e, const char *mode)
{
	for (size_t i = 0; i < xf_scn_count(e->scn, "flow"); i++) {
		const struct xf_scn_obj *o = xf_scn_nth(e->scn, "flow", i);
		struct eng_flow_health h;
		char what[160], got[160];

		eng_net_flow_health(e, o->name, &h);
		if (!flow_bounded(e, mode, "undelivered_bytes", o->name)) {
			snprintf(what, sizeof(what),
				 "undelivered bytes[%s] <= 0 (default)",
				 o->name);
			snprintf(got, sizeof(got), "%.0f of %.0f",
				 h.undelivered, h.sent);
			xf_result_add_expect(e->res, what, got, o->line,
					     h.undelivered <= 0);
		}
		if (!flow_bounded(e, mode, "stalled_flows", o->name)) {
			snprintf(what, sizeof(what),
				 "stalled flows[%s] <= 0 (default)", o->name);
			if (h.stalled > 0)
				snprintf(got, sizeof(got),
					 "1 (%.0f frames never completed, "
					 "%.0f bytes in flight)",
					 h.never_completed, h.in_flight);
			else
				snprintf(got, sizeof(got), "0");
			xf_result_add_expect(e->res, what, got, o->line,
					     h.stalled <= 0);
		}
	}
}

/*
 * A wedged device fails the run unless a block this mode checks bounds
 * wedges: a handshake that stopped is never a pass by silence. Listed
 * only when there is one, one line per device.
 */
static void wedge_defaults(struct eng *e, const char *mode)
{
	for (size_t i = 0; i < xf_scn_count(e->scn, "expect"); i++) {
		const struct xf_scn_obj *x = xf_scn_nth(e->scn, "expect", i);
		const char *m = xf_scn_str(x, "mode");

		if ((!strcmp(m, "any") || !strcmp(m, mode)) &&
		    xf_scn_isset(x, "wedges"))
			return;
	}
	for (size_t i = 0; i < e->res->nwedges; i++) {
		const struct xf_wedge *w = &e->res->wedges[i];
		const char *t = w->text + strlen(w->device);
		char what[96];

		snprintf(what, sizeof(what), "wedged[%s] <= 0 (default)",
			 w->device);
		xf_result_add_expect(e->res, what, t[0] == ':' ? t + 2 : t,
				     w->line, false);
	}
}

void eng_expect(struct eng *e)
{
	const char *mode = e->o->mode ? e->o->mode : "sim";
	bool pass = !e->res->error;

	for (size_t i = 0; i < xf_scn_count(e->scn, "expect"); i++) {
		const struct xf_scn_obj *x = xf_scn_nth(e->scn, "expect", i);
		const char *m = xf_scn_str(x, "mode");

		if (strcmp(m, "any") && strcmp(m, mode))
			skipped(e, x, mode);
		else
			one(e, x);
	}
	flow_defaults(e, mode);
	wedge_defaults(e, mode);
	/* The loader refuses a scenario with nothing to check in a mode
	 * it runs in; should one get here anyway, it proves nothing. */
	if (!xf_result_checked(e->res)) {
		char why[64];

		snprintf(why, sizeof(why), "0 in %s mode", mode);
		xf_result_add_expect(e->res, "checked expectations > 0", why,
				     e->scn->scenario->line, false);
	}
	for (size_t i = 0; i < e->res->nexpects; i++)
		pass &= e->res->expects[i].pass || e->res->expects[i].skipped;
	e->res->pass = pass;
}
