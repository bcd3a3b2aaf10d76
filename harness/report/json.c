// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <xfront/outfile.h>
#include <xfront/report.h>
#include <xfront/xenbus.h>

void xf_report_name(const struct xf_result *r, char *buf, size_t len)
{
	if (r->variant)
		snprintf(buf, len, "%s[%s]", r->scenario, r->variant);
	else
		snprintf(buf, len, "%s", r->scenario);
}

static json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *hist_json(const struct xf_hist *h)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	char k[32];

	json_object_object_add(o, "min", u64(h->count ? h->min : 0));
	json_object_object_add(o, "max", u64(h->max));
	json_object_object_add(o, "mean",
			       json_object_new_double(xf_hist_mean(h)));
	json_object_object_add(o, "stddev",
			       json_object_new_double(xf_hist_stddev(h)));
	json_object_object_add(o, "N", u64(h->count));
	for (int i = 0; i < XF_HIST_NR_STD_PCTS; i++) {
		snprintf(k, sizeof(k), "%f", xf_hist_std_pcts[i]);
		json_object_object_add(p, k, u64(xf_hist_percentile(h,
						 xf_hist_std_pcts[i])));
	}
	json_object_object_add(o, "percentile", p);
	return o;
}

/* fio's per-direction section. bw is KiB/s as fio reports it. */
static json_object *dir_json(const struct xf_dir_result *d,
			     uint64_t runtime_ns)
{
	json_object *o = json_object_new_object();
	double secs = runtime_ns ? (double)runtime_ns / 1e9 : 0;
	double bwb = secs > 0 ? (double)d->bytes / secs : 0;

	json_object_object_add(o, "io_bytes", u64(d->bytes));
	json_object_object_add(o, "io_kbytes", u64(d->bytes / 1024));
	json_object_object_add(o, "bw_bytes", u64((uint64_t)bwb));
	json_object_object_add(o, "bw", u64((uint64_t)(bwb / 1024)));
	json_object_object_add(o, "iops", json_object_new_double(
		secs > 0 ? (double)d->ios / secs : 0));
	json_object_object_add(o, "runtime", u64(runtime_ns / 1000000));
	json_object_object_add(o, "total_ios", u64(d->ios));
	json_object_object_add(o, "short_ios", u64(0));
	json_object_object_add(o, "drop_ios", u64(0));
	json_object_object_add(o, "errors", u64(d->errors));
	json_object_object_add(o, "clat_ns", hist_json(&d->clat));
	json_object_object_add(o, "lat_ns", hist_json(&d->clat));
	return o;
}

static json_object *job_json(const struct xf_result *r,
			     const struct xf_job_result *j)
{
	json_object *o = json_object_new_object();
	json_object *iops = json_object_new_array();
	json_object *bw = json_object_new_array();
	double per_s = 1e9 / (double)j->series.interval_ns;
	uint64_t rt = r->elapsed_ns;

	json_object_object_add(o, "jobname", json_object_new_string(j->name));
	json_object_object_add(o, "groupid", u64(0));
	json_object_object_add(o, "error", u64(j->rd.errors + j->wr.errors +
					       j->fl.errors));
	json_object_object_add(o, "job_runtime", u64(j->runtime_ns /
						     1000000));
	json_object_object_add(o, "read", dir_json(&j->rd, rt));
	json_object_object_add(o, "write", dir_json(&j->wr, rt));
	json_object_object_add(o, "sync", dir_json(&j->fl, rt));
	json_object_object_add(o, "disk", json_object_new_string(j->disk));
	json_object_object_add(o, "vm", json_object_new_string(j->vm));
	json_object_object_add(o, "verify_errors", u64(j->verify_errors));
	json_object_object_add(o, "hangs", u64(j->hangs));
	json_object_object_add(o, "max_pause_ns", u64(j->max_pause_ns));
	json_object_object_add(o, "series_interval_ns",
			       u64(j->series.interval_ns));
	for (size_t i = 0; i < j->series.n; i++) {
		json_object_array_add(iops, json_object_new_double(
			(double)j->series.ops[i] * per_s));
		json_object_array_add(bw, json_object_new_double(
			(double)j->series.bytes[i] * per_s));
	}
	json_object_object_add(o, "iops_series", iops);
	json_object_object_add(o, "bw_bytes_series", bw);
	return o;
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}


static json_object *ring_json(const struct xf_stuck_ring *g)
{
	json_object *o = json_object_new_object();

	if (g->name[0])
		json_object_object_add(o, "ring", json_object_new_string(
			g->name));
	json_object_object_add(o, "req_prod", u64(g->req_prod));
	json_object_object_add(o, "req_prod_pvt", u64(g->req_prod_pvt));
	json_object_object_add(o, "req_event", u64(g->req_event));
	json_object_object_add(o, "rsp_prod", u64(g->rsp_prod));
	json_object_object_add(o, "rsp_cons", u64(g->rsp_cons));
	json_object_object_add(o, "rsp_event", u64(g->rsp_event));
	if (g->has_backend) {
		json_object_object_add(o, "req_cons", u64(g->req_cons));
		json_object_object_add(o, "rsp_prod_pvt",
				       u64(g->rsp_prod_pvt));
		json_object_object_add(o, "backend_inflight",
				       u64(g->backend_inflight));
		json_object_object_add(o, "backend_halted",
				       json_object_new_boolean(
					       g->backend_halted));
	}
	return o;
}

static json_object *stuck_queue_json(const struct xf_stuck_queue *q)
{
	json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "queue", u64(q->queue));
	json_object_object_add(o, "has_ring",
			       json_object_new_boolean(q->has_ring));
	a = json_object_new_array();
	for (unsigned int i = 0; i < q->nrings; i++)
		json_object_array_add(a, ring_json(&q->rings[i]));
	json_object_object_add(o, "rings", a);
	json_object_object_add(o, "inflight", u64(q->inflight));
	json_object_object_add(o, "queued", u64(q->queued));
	json_object_object_add(o, "rx_posted", u64(q->rx_posted));
	json_object_object_add(o, "grants", u64(q->grants));
	a = json_object_new_array();
	for (unsigned int i = 0; i < q->nreqs; i++) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "id", u64(q->reqs[i].id));
		json_object_object_add(x, "op", json_object_new_string(
			q->reqs[i].op));
		json_object_object_add(x, "age_ns", u64(q->reqs[i].age_ns));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "oldest", a);
	json_object_object_add(o, "port", u64(q->port));
	json_object_object_add(o, "evtchn_pending", q->has_evtchn ?
			       json_object_new_boolean(q->pending) : NULL);
	json_object_object_add(o, "evtchn_masked", q->has_evtchn ?
			       json_object_new_boolean(q->masked) : NULL);
	return o;
}

/* Devices with work left at the end, as they were then. */
static json_object *stuck_json(const struct xf_result *r)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < r->nstuck; i++) {
		const struct xf_stuck_device *d = &r->stuck[i];
		json_object *o = json_object_new_object(), *q;

		json_object_object_add(o, "device",
				       json_object_new_string(d->device));
		json_object_object_add(o, "kind",
				       json_object_new_string(d->kind));
		json_object_object_add(o, "why", json_object_new_string(d->why));
		json_object_object_add(o, "frontend",
				       json_object_new_string(d->frontend_view));
		json_object_object_add(o, "frontend_state",
				       json_object_new_string(
					       d->frontend_state));
		json_object_object_add(o, "backend_state",
				       json_object_new_string(
					       d->backend_state));
		q = json_object_new_array();
		for (unsigned int k = 0; k < d->nqueues; k++)
			json_object_array_add(q,
				stuck_queue_json(&d->queues[k]));
		json_object_object_add(o, "queues", q);
		json_object_array_add(a, o);
	}
	return a;
}

int xf_report_json_result(const struct xf_result *r, json_object **out)
{
	json_object *o = json_object_new_object(), *a, *x, *c;
	char buf[64];
	uint64_t total = 0;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "scenario",
			       json_object_new_string(r->scenario));
	json_object_object_add(o, "variant", str_or_null(r->variant));
	json_object_object_add(o, "variant_description",
			       str_or_null(r->variant_description));
	json_object_object_add(o, "path", json_object_new_string(r->path));
	json_object_object_add(o, "description",
			       json_object_new_string(r->description));
	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	json_object_object_add(o, "platform",
			       json_object_new_string(r->platform));
	json_object_object_add(o, "seed", u64(r->seed));
	json_object_object_add(o, "params", json_object_new_string(
		r->params ? r->params : ""));
	json_object_object_add(o, "pass", json_object_new_boolean(r->pass));
	json_object_object_add(o, "error", str_or_null(r->error));
	json_object_object_add(o, "duration_ns", u64(r->duration_ns));
	json_object_object_add(o, "elapsed_ns", u64(r->elapsed_ns));
	json_object_object_add(o, "wall_s", json_object_new_double(r->wall_s));
	json_object_object_add(o, "timestamp", u64((uint64_t)
						   r->started_unix));
	x = json_object_new_object();
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, r->trace_hash);
	json_object_object_add(x, "hash", json_object_new_string(buf));
	json_object_object_add(x, "len", u64(r->trace_len));
	json_object_object_add(o, "trace", x);
	a = json_object_new_array();
	for (size_t i = 0; i < r->njobs; i++)
		json_object_array_add(a, job_json(r, &r->jobs[i]));
	json_object_object_add(o, "jobs", a);
	for (size_t i = 0; i < r->nvcpus; i++)
		total += r->vcpus[i].guest ? r->vcpus[i].completions : 0;
	a = json_object_new_array();
	for (size_t i = 0; i < r->nvcpus; i++) {
		const struct xf_vcpu_result *v = &r->vcpus[i];

		x = json_object_new_object();
		json_object_object_add(x, "name",
				       json_object_new_string(v->name));
		json_object_object_add(x, "guest",
				       json_object_new_boolean(v->guest));
		json_object_object_add(x, "busy_ns", u64(v->busy_ns));
		json_object_object_add(x, "wall_ns", u64(v->wall_ns));
		json_object_object_add(x, "utilisation", json_object_new_double(
			v->wall_ns ? (double)v->busy_ns / (double)v->wall_ns :
			0));
		json_object_object_add(x, "completions", u64(v->completions));
		json_object_object_add(x, "completion_share",
			json_object_new_double(v->guest && total ?
				(double)v->completions / (double)total : 0));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "vcpus", a);
	c = json_object_new_object();
	/* UINT64_MAX is "never" (a reconnect after which nothing
	 * completed): null, not a number. */
	for (size_t i = 0; i < r->counters.n; i++)
		json_object_object_add(c, r->counters.v[i].name,
				       r->counters.v[i].value == UINT64_MAX ?
				       NULL : u64(r->counters.v[i].value));
	json_object_object_add(o, "counters", c);
	a = json_object_new_array();
	for (size_t i = 0; i < r->nnotes; i++) {
		const struct xf_device_note *dn = &r->notes[i];

		x = json_object_new_object();
		json_object_object_add(x, "device",
				       json_object_new_string(dn->device));
		json_object_object_add(x, "state",
				       json_object_new_string(dn->state));
		json_object_object_add(x, "reason",
				       json_object_new_string(dn->reason));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "device_notes", a);
	c = json_object_new_object();
	for (size_t i = 0; i < r->nxenbus; i++) {
		const struct xf_xenbus_trace *t = &r->xenbus[i];

		a = json_object_new_array();
		for (size_t k = 0; k < t->nev; k++) {
			x = json_object_new_object();
			json_object_object_add(x, "t_ns", u64(t->ev[k].t_ns));
			json_object_object_add(x, "side", json_object_new_string(
				t->ev[k].backend ? "backend" : "frontend"));
			json_object_object_add(x, "state",
				json_object_new_string(xf_xenbus_state_name(
					t->ev[k].state)));
			json_object_array_add(a, x);
		}
		json_object_object_add(c, t->device, a);
	}
	json_object_object_add(o, "xenbus", c);
	a = json_object_new_array();
	for (size_t i = 0; i < r->nwedges; i++) {
		const struct xf_wedge *w = &r->wedges[i];

		x = json_object_new_object();
		json_object_object_add(x, "device",
				       json_object_new_string(w->device));
		json_object_object_add(x, "frontend", w->frontend < 0 ? NULL :
			json_object_new_string(xf_xenbus_state_name(
				w->frontend)));
		json_object_object_add(x, "backend", w->backend < 0 ? NULL :
			json_object_new_string(xf_xenbus_state_name(
				w->backend)));
		json_object_object_add(x, "idle_ns", u64(w->idle_ns));
		json_object_object_add(x, "text",
				       json_object_new_string(w->text));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "wedges", a);
	json_object_object_add(o, "stuck", stuck_json(r));
	a = json_object_new_array();
	for (size_t i = 0; i < r->nevents; i++) {
		x = json_object_new_object();
		json_object_object_add(x, "t_ns", u64(r->events[i].t_ns));
		json_object_object_add(x, "what", json_object_new_string(
			r->events[i].what));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "events", a);
	x = json_object_new_object();
	json_object_object_add(x, "checked",
			       json_object_new_boolean(r->durability_checked));
	json_object_object_add(x, "verdict", r->durability_checked ?
			       json_object_new_string(r->durability) : NULL);
	json_object_object_add(x, "why", json_object_new_string(
		r->durability_why));
	json_object_object_add(x, "power_cuts", u64(r->power_cuts));
	json_object_object_add(x, "lost_writes", u64(r->lost_writes));
	a = json_object_new_array();
	for (size_t i = 0; i < r->nlosses; i++) {
		const struct xf_loss_result *l = &r->losses[i];
		json_object *y = json_object_new_object();

		json_object_object_add(y, "disk", json_object_new_string(
			l->disk));
		json_object_object_add(y, "kind", json_object_new_string(
			l->kind));
		json_object_object_add(y, "sector", u64(l->sector));
		json_object_object_add(y, "nr_sectors", u64(l->nr_sectors));
		json_object_object_add(y, "write_id", u64(l->write_id));
		json_object_object_add(y, "flush_id", u64(l->flush_id));
		json_object_object_add(y, "found_id", u64(l->found_id));
		json_object_object_add(y, "seed", u64(r->seed));
		json_object_array_add(a, y);
	}
	json_object_object_add(x, "losses", a);
	json_object_object_add(o, "durability", x);
	a = json_object_new_array();
	for (size_t i = 0; i < r->nexpects; i++) {
		const struct xf_expect_result *e = &r->expects[i];

		x = json_object_new_object();
		json_object_object_add(x, "what",
				       json_object_new_string(e->what));
		json_object_object_add(x, "measured",
				       json_object_new_string(e->measured));
		json_object_object_add(x, "line", json_object_new_int(e->line));
		/* not checked in this run's mode: neither pass nor fail */
		json_object_object_add(x, "checked",
				       json_object_new_boolean(!e->skipped));
		json_object_object_add(x, "pass", e->skipped ? NULL :
				       json_object_new_boolean(e->pass));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "expectations", a);
	*out = o;
	return 0;
}

void xf_report_json_strip_volatile(json_object *o)
{
	json_object_object_del(o, "wall_s");
	json_object_object_del(o, "timestamp");
}

int xf_report_json(struct xf_result *const *r, size_t n,
		   const struct xf_report_meta *m, json_object **out)
{
	json_object *root = json_object_new_object();
	json_object *res = json_object_new_array();
	json_object *jobs = json_object_new_array();
	size_t passed = 0;

	if (!root || !res || !jobs)
		return -ENOMEM;
	json_object_object_add(root, "xfront version",
			       json_object_new_string(m->version));
	json_object_object_add(root, "timestamp", json_object_new_int64(
		m->timestamp));
	json_object_object_add(root, "command", json_object_new_string(
		m->command ? m->command : ""));
	for (size_t i = 0; i < n; i++) {
		json_object *o, *js;
		char name[160];
		int rc = xf_report_json_result(r[i], &o);

		if (rc)
			return rc;
		passed += r[i]->pass;
		json_object_array_add(res, o);
		/* fio-compatible flat list: "scenario[variant]/job" */
		xf_report_name(r[i], name, sizeof(name));
		if (json_object_object_get_ex(o, "jobs", &js)) {
			for (size_t k = 0; k < json_object_array_length(js);
			     k++) {
				json_object *j = json_object_get(
					json_object_array_get_idx(js, k));
				json_object *cp = NULL;
				char full[256];

				json_object_deep_copy(j, &cp, NULL);
				json_object_put(j);
				snprintf(full, sizeof(full), "%s/%s", name,
					 r[i]->jobs[k].name);
				json_object_object_add(cp, "jobname",
					json_object_new_string(full));
				json_object_array_add(jobs, cp);
			}
		}
	}
	json_object_object_add(root, "jobs", jobs);
	json_object_object_add(root, "results", res);
	json_object_object_add(root, "passed", json_object_new_int64(
		(int64_t)passed));
	json_object_object_add(root, "failed", json_object_new_int64(
		(int64_t)(n - passed)));
	{
		json_object *sk = json_object_new_array();

		for (size_t i = 0; i < m->nskips; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "path",
				json_object_new_string(m->skips[i].path));
			json_object_object_add(o, "reason",
				json_object_new_string(m->skips[i].reason));
			json_object_array_add(sk, o);
		}
		json_object_object_add(root, "skipped", sk);
	}
	if (m->interrupted) {
		json_object_object_add(root, "interrupted",
				       json_object_new_boolean(1));
		json_object_object_add(root, "interrupted_during",
				       m->cut ? json_object_new_string(m->cut) :
						NULL);
	}
	*out = root;
	return 0;
}

int xf_report_json_write(const char *path, struct xf_result *const *r,
			 size_t n, const struct xf_report_meta *m)
{
	struct xf_outfile out;
	json_object *root;
	int rc = xf_report_json(r, n, m, &root);

	if (rc)
		return rc;
	rc = xf_outfile_open(&out, path);
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
