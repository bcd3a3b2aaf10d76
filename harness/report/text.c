// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/report.h>

static const char *mark(bool pass, bool color)
{
	if (color)
		return pass ? "\033[32mPASS\033[0m" : "\033[31;1mFAIL\033[0m";
	return pass ? "PASS" : "FAIL";
}

static uint64_t ctr(const struct xf_result *r, const char *pre,
		    const char *key)
{
	char n[160];

	snprintf(n, sizeof(n), "%s.%s", pre, key);
	return xf_ctrs_get(&r->counters, n);
}

static const char *net_line(const struct xf_result *r, const char *pre)
{
	static __thread char buf[160];

	snprintf(buf, sizeof(buf), "%.1f MB good, %.3f Gbit/s, bad checksum "
		 "%llu, bad segmentation %llu",
		 (double)ctr(r, pre, "rx.payload_bytes") / 1e6,
		 (double)ctr(r, pre, "rx.throughput_bps") / 1e9,
		 (unsigned long long)(ctr(r, pre, "rx.bad_csum") +
				      ctr(r, pre, "rx.validated_but_bad")),
		 (unsigned long long)ctr(r, pre, "rx.bad_seg"));
	return buf;
}

static const char *found_str(const struct xf_loss_result *l)
{
	static __thread char buf[48];

	if (!strcmp(l->kind, "older") || !strcmp(l->kind, "unknown"))
		snprintf(buf, sizeof(buf), " write id %llu",
			 (unsigned long long)l->found_id);
	else
		buf[0] = 0;
	return buf;
}


/* One line per stuck device and per queue with work: short, the JSON
 * has the rest. */
static void stuck_lines(FILE *f, const struct xf_stuck_device *d)
{
	fprintf(f, "     stuck: %s %s (%s): frontend %s (%s), backend %s\n",
		d->kind, d->device, d->why, d->frontend_state,
		d->frontend_view, d->backend_state);
	for (unsigned int k = 0; k < d->nqueues; k++) {
		const struct xf_stuck_queue *q = &d->queues[k];

		if (!q->has_ring) {
			fprintf(f, "       q%u: no rings, %u queued\n", q->queue,
				q->queued);
			continue;
		}
		fprintf(f, "       q%u:", q->queue);
		for (unsigned int g = 0; g < q->nrings; g++) {
			const struct xf_stuck_ring *x = &q->rings[g];

			fprintf(f, " %s%sreq_prod=%u", x->name,
				x->name[0] ? ": " : "", x->req_prod);
			if (x->has_backend)
				fprintf(f, " req_cons=%u", x->req_cons);
			fprintf(f, " req_event=%u rsp_prod=%u rsp_cons=%u "
				"rsp_event=%u", x->req_event, x->rsp_prod,
				x->rsp_cons, x->rsp_event);
			if (x->backend_halted)
				fprintf(f, " (backend halted)");
			fprintf(f, ";");
		}
		fprintf(f, " %u in flight", q->inflight);
		if (q->nreqs)
			fprintf(f, ", oldest id %u %s %.1f ms", q->reqs[0].id,
				q->reqs[0].op, (double)q->reqs[0].age_ns / 1e6);
		fprintf(f, ", %u grants, port %u", q->grants, q->port);
		if (q->has_evtchn)
			fprintf(f, "%s%s", q->pending ? " pending" : "",
				q->masked ? " masked" : "");
		fprintf(f, "\n");
	}
}

/* Appends to buf at *o, as snprintf would, counting what did not fit. */
static void cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*o < len ? buf + *o : NULL, *o < len ? len - *o : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n;
}

/* word, single-quoted for a POSIX shell unless it is plain. */
static void cat_word(char *buf, size_t len, size_t *o, const char *w)
{
	if (w[0] && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
			   "QRSTUVWXYZ0123456789._-/=+:,@%") == strlen(w)) {
		cat(buf, len, o, "%s", w);
		return;
	}
	cat(buf, len, o, "'");
	for (; *w; w++)
		cat(buf, len, o, *w == '\'' ? "'\\''" : "%c", *w);
	cat(buf, len, o, "'");
}

size_t xf_report_replay_command(const struct xf_result *r, char *buf,
				size_t len)
{
	size_t o = 0;
	const char *p = r->params ? r->params : "";

	if (len)
		buf[0] = 0;
	cat(buf, len, &o, "xfront run ");
	cat_word(buf, len, &o, r->path);
	if (r->variant) {
		cat(buf, len, &o, " --variant ");
		cat_word(buf, len, &o, r->variant);
	}
	cat(buf, len, &o, " --seed %llu", (unsigned long long)r->seed);
	/* params: "k=v,k2=v2" with ',' and '\\' escaped by a backslash */
	while (*p) {
		char kv[4096];
		size_t n = 0;

		for (; *p && *p != ','; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < sizeof(kv))
				kv[n++] = *p;
		}
		kv[n] = 0;
		if (*p == ',')
			p++;
		cat(buf, len, &o, " --set ");
		cat_word(buf, len, &o, kv);
	}
	return o;
}

char *xf_report_summary(const struct xf_result *r, bool color)
{
	char *buf = NULL, name[160];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct xf_totals *t = malloc(sizeof(*t));
	uint64_t total = 0, busy = 0;

	if (!f || !t) {
		if (f)
			fclose(f);
		free(buf);
		free(t);
		return NULL;
	}
	xf_report_name(r, name, sizeof(name));
	fprintf(f, "%s %s  (%s/%s, seed %llu)\n", mark(r->pass, color), name,
		r->platform, r->mode, (unsigned long long)r->seed);
	xf_result_totals(r, NULL, NULL, t);
	for (size_t i = 0; i < r->counters.n; i++) {
		const struct xf_ctr *c = &r->counters.v[i];
		size_t l = strlen(c->name);
		char pre[96];

		if (l < 10 || strcmp(c->name + l - 10, ".rx.frames") ||
		    !c->value || l - 10 >= sizeof(pre))
			continue;
		memcpy(pre, c->name, l - 10);
		pre[l - 10] = 0;
		fprintf(f, "     %s: %llu frames received, %s\n", pre,
			(unsigned long long)c->value, net_line(r, pre));
	}
	if (r->njobs)
		fprintf(f, "     %.0f IOPS, %.1f MB/s, p50 %.1f us, "
			"p99 %.1f us, p99.9 %.1f us over %.2f s\n", t->iops,
			t->bw_bytes / 1e6,
			(double)xf_hist_percentile(&t->clat, 50) / 1e3,
			(double)xf_hist_percentile(&t->clat, 99) / 1e3,
			(double)xf_hist_percentile(&t->clat, 99.9) / 1e3,
			(double)r->elapsed_ns / 1e9);
	for (size_t i = 0; i < r->nvcpus; i++) {
		total += r->vcpus[i].guest ? r->vcpus[i].completions : 0;
		busy += r->vcpus[i].guest ? r->vcpus[i].busy_ns : 0;
	}
	/* Only worth a line when the vCPU cost model is in use. */
	if (total && busy) {
		int shown = 0;

		fprintf(f, "     vCPU busy/completions:");
		for (size_t i = 0; i < r->nvcpus && shown < 6; i++) {
			const struct xf_vcpu_result *v = &r->vcpus[i];

			if (!v->guest)
				continue;
			fprintf(f, " %s %.0f%%/%.0f%%", v->name,
				v->wall_ns ? 100.0 * (double)v->busy_ns /
				(double)v->wall_ns : 0,
				100.0 * (double)v->completions /
				(double)total);
			shown++;
		}
		fprintf(f, "\n");
	}
	if (r->durability_checked)
		fprintf(f, "     durability: %s%s%s (%llu power cuts, %llu "
			"lost writes)\n", r->durability,
			r->durability_why[0] ? ": " : "", r->durability_why,
			(unsigned long long)r->power_cuts,
			(unsigned long long)r->lost_writes);
	for (size_t i = 0; i < r->nlosses && i < 3; i++) {
		const struct xf_loss_result *l = &r->losses[i];

		fprintf(f, "       lost: disk %s sector %llu+%llu ", l->disk,
			(unsigned long long)l->sector,
			(unsigned long long)l->nr_sectors);
		/* No guaranteed write: what the previous power cut left
		 * there (durable since) is gone. */
		if (!l->write_id)
			fprintf(f, "content found after the previous power "
				"cut");
		else
			fprintf(f, "write id %llu (covered by %s %llu)",
				(unsigned long long)l->write_id,
				l->flush_id ? "flush" : "FUA write",
				(unsigned long long)(l->flush_id ?
				l->flush_id : l->write_id));
		fprintf(f, ", found %s%s\n", l->kind, found_str(l));
	}
	for (size_t i = 0; i < r->nnotes; i++)
		fprintf(f, "     %s %s: %s\n", r->notes[i].device,
			r->notes[i].state, r->notes[i].reason);
	for (size_t i = 0; i < r->nwedges; i++)
		fprintf(f, "     wedged: %s\n", r->wedges[i].text);
	for (size_t i = 0; i < r->nstuck; i++)
		stuck_lines(f, &r->stuck[i]);
	if (xf_ctrs_get(&r->counters, "reconnects_never_completed"))
		fprintf(f, "     reconnect: never completed on %llu disk(s): "
			"no I/O completed after it\n",
			(unsigned long long)xf_ctrs_get(&r->counters,
			"reconnects_never_completed"));
	for (size_t i = 0; i < r->nexpects; i++) {
		const struct xf_expect_result *e = &r->expects[i];

		if (e->skipped)
			fprintf(f, "     %s  %-34s %s  (line %d)\n",
				color ? "\033[33mSKIP\033[0m" : "SKIP",
				e->what, e->measured, e->line);
		else
			fprintf(f, "     %s  %-34s measured %s  (line %d)\n",
				mark(e->pass, color), e->what, e->measured,
				e->line);
	}
	if (r->error)
		fprintf(f, "     error: %s\n", r->error);
	fclose(f);
	free(t);
	return buf;
}
