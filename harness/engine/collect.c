// SPDX-License-Identifier: MIT
/* Measurements after the run, and the verdict of each expectation. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine-priv.h"

static void ctr_put(struct eng *e, const char *prefix, const char *key,
		    uint64_t v, bool add)
{
	char n[160];

	snprintf(n, sizeof(n), "%s.%s", prefix, key);
	if (add)
		xf_ctrs_add(&e->res->counters, n, v);
	else
		xf_ctrs_set(&e->res->counters, n, v);
}

void eng_event(struct eng *e, const char *fmt, ...)
{
	uint64_t now = xf_rt_now_ns(e->rt);
	char what[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&e->ev_lock);
	xf_result_add_event(e->res, now > e->t0 ? now - e->t0 : 0, what);
	pthread_mutex_unlock(&e->ev_lock);
}

void eng_ctr_set(struct eng *e, const char *prefix, const char *key,
		 uint64_t v)
{
	ctr_put(e, prefix, key, v, false);
}

void eng_ctr_add(struct eng *e, const char *prefix, const char *key,
		 uint64_t v)
{
	ctr_put(e, prefix, key, v, true);
}

static uint64_t field_value(const void *src, const struct eng_ctr *c)
{
	const unsigned char *p = (const unsigned char *)src + c->off;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (c->size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

void eng_ctrs_copy(struct eng *e, const char *prefix,
		   const struct eng_ctr *t, size_t n, const void *src,
		   bool add)
{
	for (size_t i = 0; i < n; i++)
		ctr_put(e, prefix, t[i].key, field_value(src, &t[i]) / t[i].div,
			add);
}

/* Summed over a disk's queues, its connections and backends. */
static const struct eng_ctr queue_ctrs[] = {
	ENG_CTR("ios", struct xf_blkfront_queue_stats, ios_completed, "I/Os",
		"I/Os the frontend completed (ok or error)"),
	ENG_CTR("requests", struct xf_blkfront_queue_stats, requests,
		"requests", "ring requests the frontend pushed"),
	ENG_CTR("segments", struct xf_blkfront_queue_stats, segments, "count",
		"data segments in those requests"),
	ENG_CTR("indirect_requests", struct xf_blkfront_queue_stats,
		indirect_requests, "requests",
		"requests sent as BLKIF_OP_INDIRECT"),
	ENG_CTR("notify_sent", struct xf_blkfront_queue_stats, notify_sent,
		"count", "event-channel notifications the frontend sent"),
	ENG_CTR("notify_received", struct xf_blkfront_queue_stats,
		notify_received, "count",
		"event-channel notifications the frontend handled"),
	ENG_CTR("persistent_hits", struct xf_blkfront_queue_stats,
		persistent_hits, "count",
		"segments served from the persistent grant pool"),
	ENG_CTR("reissued", struct xf_blkfront_queue_stats, reissued, "count",
		"request parts taken back and reissued after a reconnect"),
	ENG_CTR("watchdog_recoveries", struct xf_blkfront_queue_stats,
		watchdog_recoveries, "count",
		"watchdog ticks that polled the ring and re-notified"),
	ENG_CTR("watchdog_responses", struct xf_blkfront_queue_stats,
		watchdog_responses, "count",
		"responses the watchdog found without a notification"),
	ENG_CTR("discard_skipped", struct xf_blkfront_queue_stats,
		discard_skipped, "count",
		"discards completed without a request (no whole granule)"),
};

static const struct eng_ctr info_ctrs[] = {
	ENG_CTR("connects", struct xf_blkfront_info, connects, "count",
		"completed xenbus handshakes"),
	ENG_CTR("protocol_errors", struct xf_blkfront_info, protocol_errors,
		"count", "malformed responses from the backend"),
	ENG_CTR("durability_degraded", struct xf_blkfront_info,
		durability_degraded, "count",
		"flush/barrier refused, plus connections with unprotected FUA"),
	ENG_CTR("queues", struct xf_blkfront_info, nr_queues, "count",
		"ring queues negotiated"),
	ENG_CTR("max_request_bytes", struct xf_blkfront_info,
		max_request_bytes, "bytes",
		"the most one ring request carries"),
	ENG_CTR("fua_unprotected", struct xf_blkfront_info, fua_unprotected,
		"count", "FUA writes sent as plain writes (no barrier, no flush)"),
	ENG_CTR("capacity_bytes", struct xf_blkfront_info, size_bytes, "bytes",
		"disk capacity the frontend uses (sectors x its unit)"),
};

static const struct eng_ctr blkback_ctrs[] = {
	ENG_CTR("backend.rsp_error", struct xf_blkback_stats, rsp_error,
		"count", "BLKIF_RSP_ERROR answers of the mock blkback"),
	ENG_CTR("backend.rsp_eopnotsupp", struct xf_blkback_stats,
		rsp_eopnotsupp, "count", "BLKIF_RSP_EOPNOTSUPP answers"),
	ENG_CTR("backend.injected_errors", struct xf_blkback_stats,
		injected_errors, "count", "errors injected by faults"),
	ENG_CTR("backend.hostile_acts", struct xf_blkback_stats,
		hostile_acts, "count",
		"protocol violations of backend.hostile (0 or 1)"),
	ENG_CTR("backend.notify_sent", struct xf_blkback_stats, notify_sent,
		"count", "responses pushed with a notification"),
	ENG_CTR("backend.dropped", struct xf_blkback_stats, dropped,
		"requests", "in flight at disconnect or crash: never answered"),
	ENG_CTR("backend.discard_off_grid", struct xf_blkback_stats,
		discard_off_grid, "requests",
		"valid discards off the discard granularity grid"),
	ENG_CTR("backend.past_end", struct xf_blkback_stats,
		rejects[XF_BLKBACK_REJ_PAST_END], "requests",
		"requests rejected for reaching past the disk's end"),
};

/* Set by hand: timeouts in eng_collect(), never_connected by the
 * controller (engine.c) when the run starts without the disk. */
static const struct eng_ctr disk_extra_docs[] = {
	ENG_DOC("timeouts", "count",
		"frontend I/O timeouts (the device gave up on its backend)"),
	ENG_DOC("never_connected", "bool",
		"1: the disk never connected before the run started"),
};

static const struct eng_ctr run_ctr_docs[] = {
	ENG_DOC("reconnect_max_ns", "ns",
		"longest reconnect, until I/O completed again (inf: never)"),
	ENG_DOC("reconnects_never_completed", "count",
		"reconnects after which nothing completed"),
};

void eng_collect_docs(struct eng_doc_walk *w)
{
	eng_doc_table(w, XF_CTR_DISK, queue_ctrs, ENG_N(queue_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_DISK, info_ctrs, ENG_N(info_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_DISK, blkback_ctrs, ENG_N(blkback_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_DISK, disk_extra_docs,
		      ENG_N(disk_extra_docs), XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_RUN, run_ctr_docs, ENG_N(run_ctr_docs),
		      XF_CTR_IN_CHECK);
}

/* Why a disk stopped, in the frontend's words: its unplug reason, or
 * the error state's message. */
static void disk_note(struct eng *e, const struct eng_disk *d,
		      const struct xf_blkfront_info *info)
{
	char msg[256];

	if (info->reason[0]) {
		snprintf(msg, sizeof(msg), "%s", info->reason);
	} else if (!xf_blkfront_error(d->bf, msg, sizeof(msg))) {
		return;
	}
	xf_result_add_note(e->res, d->name,
			   xf_blkfront_state_name(info->state), msg);
}

void eng_collect(struct eng *e)
{
	struct xf_result *res = e->res;
	uint64_t degraded = 0, reconnect = 0, unprotected = 0, never = 0;

	res->trace_hash = xf_rt_trace_hash(e->rt);
	res->trace_len = xf_rt_trace_len(e->rt);
	if (!res->elapsed_ns && e->started)
		res->elapsed_ns = xf_rt_now_ns(e->rt) - e->t0;
	for (unsigned int v = 0; v < e->nvcpus; v++) {
		struct xf_vcpu_result *vr;
		struct xf_rt_vcpu_stats st;

		if (xf_result_add_vcpu(res, &vr))
			break;
		snprintf(vr->name, sizeof(vr->name), "%s", e->vcpu_names[v]);
		vr->guest = e->vcpu_guest[v];
		if (!xf_rt_vcpu_stats(e->rt, v, &st)) {
			vr->busy_ns = st.busy_ns;
			vr->wall_ns = st.wall_ns;
		}
	}
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct eng_disk *d = &e->disks[i];
		struct xf_blkfront_info info;
		struct xf_blkback_stats bs;

		for (unsigned int q = 0; q < d->nqueues; q++) {
			struct xf_blkfront_queue_stats qs;

			if (xf_blkfront_queue_stats(d->bf, q, &qs))
				continue;
			if (qs.vcpu < res->nvcpus)
				res->vcpus[qs.vcpu].completions +=
					qs.ios_completed;
			eng_ctrs_copy(e, d->name, queue_ctrs,
				      ENG_N(queue_ctrs), &qs, true);
		}
		if (!xf_blkfront_get_info(d->bf, &info)) {
			eng_ctrs_copy(e, d->name, info_ctrs, ENG_N(info_ctrs),
				      &info, true);
			degraded += info.durability_degraded;
			unprotected += info.fua_unprotected;
			disk_note(e, d, &info);
		}
		if (d->bb) {
			xf_blkback_stats(d->bb, &bs);
			eng_ctrs_copy(e, d->name, blkback_ctrs,
				      ENG_N(blkback_ctrs), &bs, true);
		}
		degraded += d->degraded;
		eng_ctr_add(e, d->name, "timeouts", d->timeouts);
		if (d->max_reconnect_ns > reconnect)
			reconnect = d->max_reconnect_ns;
		never += eng_reconnect_never(d);
	}
	/* A reconnect after which nothing completed has no time: the
	 * maximum is "never" (UINT64_MAX, null in JSON). */
	xf_ctrs_set(&res->counters, "reconnect_max_ns",
		    never ? UINT64_MAX : reconnect);
	xf_ctrs_set(&res->counters, "reconnects_never_completed", never);
	eng_mig_collect(e);
	for (size_t i = 0; i < res->njobs; i++)
		xf_series_extend(&res->jobs[i].series, e->t0 + res->elapsed_ns);
	res->power_cuts = e->power_cuts;
	res->durability_checked = e->dur_checked || degraded;
	if (res->durability_checked) {
		enum xf_dur_verdict v = e->verdict;

		if (v == XF_DUR_OK && degraded) {
			v = XF_DUR_DEGRADED;
			if (!res->durability_why[0] && unprotected)
				snprintf(res->durability_why,
					 sizeof(res->durability_why),
					 "FUA writes went out unprotected: the "
					 "backend offers neither barrier nor "
					 "flush");
			else if (!res->durability_why[0])
				snprintf(res->durability_why,
					 sizeof(res->durability_why),
					 "the frontend stopped flushing: the "
					 "backend refused flush (EOPNOTSUPP)");
		}
		snprintf(res->durability, sizeof(res->durability), "%s",
			 xf_dur_verdict_name(v));
	}
}

void eng_leaks(struct eng *e)
{
	uint64_t leaks = 0;

	/* Xen gives no counter for grants a peer still maps: only the mock
	 * hypervisor can tell (xf_engine_check refuses leak expectations
	 * on xen). */
	if (!e->hv)
		return;
	for (unsigned int i = 0; i < e->nvms; i++) {
		struct xf_mock_stats st;

		xf_mock_stats(e->hv, e->vms[i].domid, &st);
		leaks += st.gnt_shared_pages + st.gnt_leaked +
			 st.evtchn_open_ports;
	}
	xf_ctrs_set(&e->res->counters, "leaks", leaks);
}
