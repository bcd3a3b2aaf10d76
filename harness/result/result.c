// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/result.h>

int xf_result_new(struct xf_result **out)
{
	struct xf_result *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	xf_ctrs_init(&r->counters);
	*out = r;
	return 0;
}

void xf_result_free(struct xf_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->njobs; i++)
		xf_series_free(&r->jobs[i].series);
	free(r->jobs);
	free(r->vcpus);
	free(r->stuck);
	free(r->events);
	for (size_t i = 0; i < r->nexpects; i++) {
		free(r->expects[i].what);
		free(r->expects[i].measured);
	}
	free(r->expects);
	free(r->losses);
	free(r->notes);
	for (size_t i = 0; i < r->nxenbus; i++)
		free(r->xenbus[i].ev);
	free(r->xenbus);
	free(r->wedges);
	xf_ctrs_free(&r->counters);
	free(r->path);
	free(r->scenario);
	free(r->description);
	free(r->variant);
	free(r->variant_description);
	free(r->params);
	free(r->error);
	free(r);
}

static void *append(void *arr, size_t *n, size_t elem)
{
	char *v = realloc(arr, (*n + 1) * elem);

	if (!v)
		return NULL;
	memset(v + *n * elem, 0, elem);
	(*n)++;
	return v;
}

int xf_result_add_event(struct xf_result *r, uint64_t t_ns, const char *what)
{
	struct xf_run_event *v = append(r->events, &r->nevents, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->events = v;
	v[r->nevents - 1].t_ns = t_ns;
	snprintf(v[r->nevents - 1].what, sizeof(v->what), "%s", what);
	return 0;
}

int xf_result_add_stuck(struct xf_result *r, struct xf_stuck_device **out)
{
	struct xf_stuck_device *v = append(r->stuck, &r->nstuck, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->stuck = v;
	*out = &v[r->nstuck - 1];
	return 0;
}

int xf_result_add_job(struct xf_result *r, struct xf_job_result **out)
{
	struct xf_job_result *v = append(r->jobs, &r->njobs, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->jobs = v;
	*out = &v[r->njobs - 1];
	xf_hist_init(&(*out)->rd.clat);
	xf_hist_init(&(*out)->wr.clat);
	xf_hist_init(&(*out)->fl.clat);
	xf_series_init(&(*out)->series, 0, 0);
	return 0;
}

int xf_result_add_vcpu(struct xf_result *r, struct xf_vcpu_result **out)
{
	struct xf_vcpu_result *v = append(r->vcpus, &r->nvcpus, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->vcpus = v;
	*out = &v[r->nvcpus - 1];
	return 0;
}

int xf_result_add_expect(struct xf_result *r, const char *what,
			 const char *measured, int line, bool pass)
{
	struct xf_expect_result *v = append(r->expects, &r->nexpects,
					    sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->expects = v;
	v = &v[r->nexpects - 1];
	memset(v, 0, sizeof(*v));
	v->what = strdup(what);
	v->measured = strdup(measured);
	if (!v->what || !v->measured) {
		free(v->what);
		free(v->measured);
		r->nexpects--;
		return -ENOMEM;
	}
	v->line = line;
	v->pass = pass;
	return 0;
}

int xf_result_add_skipped(struct xf_result *r, const char *what,
			  const char *why, int line)
{
	int rc = xf_result_add_expect(r, what, why, line, false);

	if (!rc)
		r->expects[r->nexpects - 1].skipped = true;
	return rc;
}

size_t xf_result_checked(const struct xf_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nexpects; i++)
		n += !r->expects[i].skipped;
	return n;
}

int xf_result_add_loss(struct xf_result *r, const struct xf_loss_result *l)
{
	struct xf_loss_result *v = append(r->losses, &r->nlosses,
					  sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->losses = v;
	v[r->nlosses - 1] = *l;
	return 0;
}

int xf_result_add_note(struct xf_result *r, const char *device,
		       const char *state, const char *reason)
{
	struct xf_device_note *v = append(r->notes, &r->nnotes, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->notes = v;
	v = &v[r->nnotes - 1];
	snprintf(v->device, sizeof(v->device), "%s", device);
	snprintf(v->state, sizeof(v->state), "%s", state);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	return 0;
}

const struct xf_xenbus_trace *xf_result_xenbus_find(const struct xf_result *r,
						    const char *device)
{
	for (size_t i = 0; i < r->nxenbus; i++)
		if (!strcmp(r->xenbus[i].device, device))
			return &r->xenbus[i];
	return NULL;
}

int xf_result_xenbus_dev(struct xf_result *r, const char *device,
			 struct xf_xenbus_trace **out)
{
	struct xf_xenbus_trace *v;

	*out = (struct xf_xenbus_trace *)xf_result_xenbus_find(r, device);
	if (*out)
		return 0;
	v = append(r->xenbus, &r->nxenbus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->xenbus = v;
	v = &v[r->nxenbus - 1];
	snprintf(v->device, sizeof(v->device), "%s", device);
	*out = v;
	return 0;
}

int xf_result_xenbus_add(struct xf_xenbus_trace *t,
			 const struct xf_xenbus_event *ev)
{
	struct xf_xenbus_event *v = append(t->ev, &t->nev, sizeof(*v));

	if (!v)
		return -ENOMEM;
	t->ev = v;
	v[t->nev - 1] = *ev;
	return 0;
}

int xf_result_add_wedge(struct xf_result *r, const struct xf_wedge *w)
{
	struct xf_wedge *v = append(r->wedges, &r->nwedges, sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->wedges = v;
	v[r->nwedges - 1] = *w;
	return 0;
}

static bool job_matches(const struct xf_job_result *j, const char *job)
{
	size_t l = strlen(job);

	return !strcmp(j->name, job) ||
	       (!strncmp(j->name, job, l) && j->name[l] == '.');
}

void xf_result_totals(const struct xf_result *r, const char *vm,
		      const char *job, struct xf_totals *t)
{
	double secs = r->elapsed_ns ? (double)r->elapsed_ns / 1e9 : 0;

	memset(t, 0, sizeof(*t));
	xf_hist_init(&t->clat);
	for (size_t i = 0; i < r->njobs; i++) {
		const struct xf_job_result *j = &r->jobs[i];

		if (vm && strcmp(j->vm, vm))
			continue;
		if (job && !job_matches(j, job))
			continue;
		t->ios += j->rd.ios + j->wr.ios;
		t->bytes += j->rd.bytes + j->wr.bytes;
		t->errors += j->rd.errors + j->wr.errors + j->fl.errors;
		t->verify_errors += j->verify_errors;
		t->hangs += j->hangs;
		xf_hist_merge(&t->clat, &j->rd.clat);
		xf_hist_merge(&t->clat, &j->wr.clat);
	}
	if (secs > 0) {
		t->iops = (double)t->ios / secs;
		t->bw_bytes = (double)t->bytes / secs;
	}
}
