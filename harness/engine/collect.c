// SPDX-License-Identifier: MIT
/* Measurements after the run, and the verdict of each expectation. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine-priv.h"

void eng_ctr_set(struct eng *e, const char *prefix, const char *key,
		 uint64_t v)
{
	char n[160];

	snprintf(n, sizeof(n), "%s.%s", prefix, key);
	xf_ctrs_set(&e->res->counters, n, v);
}

static void ctr(struct eng *e, const char *disk, const char *k, uint64_t v)
{
	char n[128];

	snprintf(n, sizeof(n), "%s.%s", disk, k);
	xf_ctrs_add(&e->res->counters, n, v);
}

void eng_collect(struct eng *e)
{
	struct xf_result *res = e->res;
	uint64_t degraded = 0, reconnect = 0, unprotected = 0;

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
			ctr(e, d->name, "ios", qs.ios_completed);
			ctr(e, d->name, "requests", qs.requests);
			ctr(e, d->name, "segments", qs.segments);
			ctr(e, d->name, "indirect_requests",
			    qs.indirect_requests);
			ctr(e, d->name, "notify_sent", qs.notify_sent);
			ctr(e, d->name, "notify_received", qs.notify_received);
			ctr(e, d->name, "persistent_hits", qs.persistent_hits);
			ctr(e, d->name, "reissued", qs.reissued);
			ctr(e, d->name, "watchdog_recoveries",
			    qs.watchdog_recoveries);
			ctr(e, d->name, "watchdog_responses",
			    qs.watchdog_responses);
			ctr(e, d->name, "discard_skipped", qs.discard_skipped);
		}
		if (!xf_blkfront_get_info(d->bf, &info)) {
			ctr(e, d->name, "connects", info.connects);
			ctr(e, d->name, "protocol_errors",
			    info.protocol_errors);
			ctr(e, d->name, "durability_degraded",
			    info.durability_degraded);
			ctr(e, d->name, "queues", info.nr_queues);
			ctr(e, d->name, "max_request_bytes",
			    info.max_request_bytes);
			ctr(e, d->name, "fua_unprotected",
			    info.fua_unprotected);
			ctr(e, d->name, "capacity_bytes", info.size_bytes);
			degraded += info.durability_degraded;
			unprotected += info.fua_unprotected;
		}
		if (d->bb) {
			xf_blkback_stats(d->bb, &bs);
			ctr(e, d->name, "backend.rsp_error", bs.rsp_error);
			ctr(e, d->name, "backend.rsp_eopnotsupp",
			    bs.rsp_eopnotsupp);
			ctr(e, d->name, "backend.injected_errors",
			    bs.injected_errors);
			ctr(e, d->name, "backend.notify_sent", bs.notify_sent);
			ctr(e, d->name, "backend.dropped", bs.dropped);
			ctr(e, d->name, "backend.discard_off_grid",
			    bs.discard_off_grid);
			ctr(e, d->name, "backend.past_end",
			    bs.rejects[XF_BLKBACK_REJ_PAST_END]);
		}
		degraded += d->degraded;
		ctr(e, d->name, "timeouts", d->timeouts);
		if (d->max_reconnect_ns > reconnect)
			reconnect = d->max_reconnect_ns;
	}
	xf_ctrs_set(&res->counters, "reconnect_max_ns", reconnect);
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
