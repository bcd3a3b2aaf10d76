// SPDX-License-Identifier: MIT
/* Results of the network side: per-vif counters (receiver, every netback
 * it had, netfront), per-switch counters, and per flow where every byte
 * went; and the measurements expectations read back from them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

/* The counters copied from stats structs, in the order the results
 * list them. */
static const struct eng_ctr flow_done_ctrs[] = {
	ENG_CTR("tx.ok", struct eng_flow, done_ok),
	ENG_CTR("tx.eio", struct eng_flow, done_eio),
	ENG_CTR("tx.emsgsize", struct eng_flow, done_emsgsize),
	ENG_CTR("tx.other_errors", struct eng_flow, done_other),
};

static const struct eng_ctr flow_rx_ctrs[] = {
	ENG_CTR("rx.good", struct xf_traffic_rx_flow_stats, good),
	ENG_CTR("rx.bytes", struct xf_traffic_rx_flow_stats, payload_bytes),
	ENG_CTR("rx.contiguous", struct xf_traffic_rx_flow_stats, contiguous),
	ENG_CTR("rx.bad", struct xf_traffic_rx_flow_stats, bad),
	ENG_CTR("rx.bad_bytes", struct xf_traffic_rx_flow_stats, bad_bytes),
};

static const struct eng_ctr vif_rx_ctrs[] = {
	ENG_CTR("rx.frames", struct xf_traffic_rx_stats, frames),
	ENG_CTR("rx.good", struct xf_traffic_rx_stats, good),
	ENG_CTR("rx.bad_csum", struct xf_traffic_rx_stats, bad_csum),
	ENG_CTR("rx.validated_but_bad", struct xf_traffic_rx_stats,
		validated_but_bad),
	ENG_CTR("rx.bad_seg", struct xf_traffic_rx_stats, bad_seg),
	ENG_CTR("rx.dup", struct xf_traffic_rx_stats, dup),
	ENG_CTR("rx.gso_frames", struct xf_traffic_rx_stats, gso_frames),
	ENG_CTR("rx.payload_bytes", struct xf_traffic_rx_stats, payload_bytes),
	ENG_CTR("rx.throughput_bps", struct xf_traffic_rx_stats,
		throughput_bps),
	ENG_CTR("rx.probes", struct xf_traffic_rx_stats, probes),
	ENG_CTR("rx.fragments", struct xf_traffic_rx_stats, fragments),
	ENG_CTR("rx.reassembled", struct xf_traffic_rx_stats, reassembled),
	ENG_CTR("rx.reasm_dropped", struct xf_traffic_rx_stats,
		reasm_dropped),
	ENG_CTR("rx.reasm_bad", struct xf_traffic_rx_stats, reasm_bad),
};

/* Totals over every netback the vif had. */
static const struct eng_ctr nb_ctrs[] = {
	ENG_CTR("backend.tx_frames", struct xf_nb_vif_stats, tx_frames),
	ENG_CTR("backend.tx_gso_frames", struct xf_nb_vif_stats,
		tx_gso_frames),
	ENG_CTR("backend.csum_filled", struct xf_nb_vif_stats, csum_filled),
	ENG_CTR("backend.csum_left_blank", struct xf_nb_vif_stats,
		csum_left_blank),
	ENG_CTR("backend.segmented", struct xf_nb_vif_stats, segmented),
	ENG_CTR("backend.tx_max_slots", struct xf_nb_vif_stats, tx_max_slots),
	ENG_CTR("backend.rx_frames", struct xf_nb_vif_stats, rx_frames),
	ENG_CTR("backend.rx_queue_peak", struct xf_nb_vif_stats,
		rx_queue_peak),
};

static const struct eng_ctr nf_tx_ctrs[] = {
	ENG_CTR("tx.frames", struct xf_netfront_stats, tx_frames),
	ENG_CTR("tx.sw_csum", struct xf_netfront_stats, tx_sw_csum),
	ENG_CTR("tx.sw_gso", struct xf_netfront_stats, tx_sw_gso),
	ENG_CTR("tx.slots", struct xf_netfront_stats, tx_slots),
	ENG_CTR("tx.linearized", struct xf_netfront_stats, tx_linearized),
};

static const struct eng_ctr nf_link_ctrs[] = {
	ENG_CTR("connects", struct xf_netfront_stats, connects),
	ENG_CTR("watchdog_recoveries", struct xf_netfront_stats,
		watchdog_recoveries),
	ENG_CTR("watchdog_responses", struct xf_netfront_stats,
		watchdog_responses),
	ENG_CTR("tx_timeouts", struct xf_netfront_stats, tx_timeouts),
};

/* A moved vif: what its frontend negotiated with the last netback, and
 * what that netback received. */
static const struct eng_ctr feature_ctrs[] = {
	ENG_CTR("feature.gso_tcpv4", struct xf_netfront_features, gso_tcpv4),
	ENG_CTR("feature.gso_tcpv6", struct xf_netfront_features, gso_tcpv6),
	ENG_CTR("feature.csum", struct xf_netfront_features, tx_csum_v4),
	ENG_CTR("feature.sg", struct xf_netfront_features, sg),
};

static const struct eng_ctr last_nb_ctrs[] = {
	ENG_CTR("last_backend.tx_frames", struct xf_nb_vif_stats, tx_frames),
	ENG_CTR("last_backend.tx_gso_frames", struct xf_nb_vif_stats,
		tx_gso_frames),
	ENG_CTR("last_backend.rx_frames", struct xf_nb_vif_stats, rx_frames),
	ENG_CTR("last_backend.segmented", struct xf_nb_vif_stats, segmented),
};

static const struct eng_ctr switch_ctrs[] = {
	ENG_CTR("forwarded", struct xf_nb_switch_stats, forwarded),
	ENG_CTR("flooded", struct xf_nb_switch_stats, flooded),
	ENG_CTR("dropped", struct xf_nb_switch_stats, dropped),
};

/* Counter "<obj>.<key>". A function, not a macro around one buffer:
 * two such reads in one expression would be unsequenced. */
static double ctr_of(const struct xf_ctrs *c, const char *obj,
		     const char *key)
{
	char k[160];

	snprintf(k, sizeof(k), "%s.%s", obj, key);
	return (double)xf_ctrs_get(c, k);
}

/* From the counters eng_net_collect() set, so that expectations, which
 * are checked after the vifs are gone, see what the receivers saw. */
void eng_net_measure(struct eng *e, const char *flow, double *bad_csum,
		     double *bad_seg, double *gbps)
{
	const struct xf_ctrs *c = &e->res->counters;
	size_t nv = xf_scn_count(e->scn, "vif");

	*bad_csum = *bad_seg = *gbps = 0;
	for (size_t i = 0; i < nv; i++) {
		const char *vn = xf_scn_nth(e->scn, "vif", i)->name;
		bool wanted = !flow;

		for (size_t f = 0; flow && f < xf_scn_count(e->scn, "flow");
		     f++) {
			const struct xf_scn_obj *fo =
				xf_scn_nth(e->scn, "flow", f);

			wanted |= !strcmp(fo->name, flow) &&
				  !strcmp(xf_scn_str(fo, "to"), vn);
		}
		if (!wanted)
			continue;
		*bad_csum += ctr_of(c, vn, "rx.bad_csum") +
			     ctr_of(c, vn, "rx.validated_but_bad");
		*bad_seg += ctr_of(c, vn, "rx.bad_seg");
		*gbps += ctr_of(c, vn, "rx.throughput_bps") / 1e9;
	}
}

/* From the per-flow counters collect_flow() set. A byte counts as
 * delivered when it reached the receiver, good or bad (bad ones are
 * bad_checksums' and bad_segments' business). */
void eng_net_flow_health(struct eng *e, const char *flow,
			 struct eng_flow_health *h)
{
	const struct xf_ctrs *c = &e->res->counters;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < xf_scn_count(e->scn, "flow"); i++) {
		const char *fn = xf_scn_nth(e->scn, "flow", i)->name;
		double sent, arrived, nc, drained;

		if (flow && strcmp(flow, fn))
			continue;
		sent = ctr_of(c, fn, "tx.bytes");
		arrived = ctr_of(c, fn, "rx.bytes") +
			  ctr_of(c, fn, "rx.bad_bytes");
		nc = ctr_of(c, fn, "tx.never_completed");
		drained = ctr_of(c, fn, "net.drained");
		h->sent += sent;
		if (sent > arrived)
			h->undelivered += sent - arrived;
		if (nc > 0 || !drained) {
			h->stalled++;
			h->never_completed += nc;
			h->in_flight += ctr_of(c, fn, "net.in_flight_bytes");
		}
	}
}

/* Frames dropped after the sender's backend accepted them, on the
 * flow's path: its sender's backend (random loss), the switch, the
 * receiver's backend (queue full, too big, filtered, not connected,
 * copy failed) and frontend (bad status or checksum, no consumer). The
 * counters are per vif, not per flow: flows sharing a path share them. */
static uint64_t path_drops(struct eng *e, const struct eng_flow *f)
{
	static const char *const rx_drops[] = {
		"rx-queue-full", "rx-too-big", "mcast-filter",
		"not-connected", "copy-failed",
	};
	static const enum xf_netfront_drop fe_drops[] = {
		XF_NF_DROP_RX_STATUS, XF_NF_DROP_RX_CSUM,
		XF_NF_DROP_RX_NO_CONSUMER,
	};
	const struct xf_ctrs *c = &e->res->counters;
	const char *from = f->from->obj->name, *to = f->to->obj->name;
	char k[160];
	uint64_t d = 0;

	snprintf(k, sizeof(k), "%s.backend.drop.%s", from,
		 xf_nb_drop_name(XF_NB_DROP_LOSS));
	d += xf_ctrs_get(c, k);
	snprintf(k, sizeof(k), "switch.%s.dropped",
		 net(e)->swname[f->from->sw]);
	d += xf_ctrs_get(c, k);
	for (size_t i = 0; i < sizeof(rx_drops) / sizeof(rx_drops[0]); i++) {
		snprintf(k, sizeof(k), "%s.backend.drop.%s", to, rx_drops[i]);
		d += xf_ctrs_get(c, k);
	}
	for (size_t i = 0; i < sizeof(fe_drops) / sizeof(fe_drops[0]); i++) {
		snprintf(k, sizeof(k), "%s.frontend.drop.%s", to,
			 xf_netfront_drop_name(fe_drops[i]));
		d += xf_ctrs_get(c, k);
	}
	return d;
}

/* Per flow: exactly-once completion of what it sent, and where every
 * payload byte the backend accepted ended: arrived (good or bad), lost
 * on a drained path, or in flight when the run was cut off. */
static void collect_flow(struct eng *e, struct eng_flow *f)
{
	struct eng_net *n = net(e);
	struct xf_traffic_rx_flow_stats rs = { 0 };
	const char *nm = f->obj->name;
	uint64_t unknown = 0, arrived, missing, drops, moves;
	bool drained = atomic_load(&f->drained), down;

	pthread_mutex_lock(&f->to->rx_lock);
	xf_traffic_rx_flow_stats(f->to->rx, f->fl.id, &rs);
	pthread_mutex_unlock(&f->to->rx_lock);
	down = eng_vif_receiver_down(f->to);
	drops = path_drops(e, f);
	moves = f->from->moves + (f->to != f->from ? f->to->moves : 0);
	pthread_mutex_lock(&n->lock);
	/* Completions of frames never counted as sent: not overtaking
	 * ones after all. */
	for (uint64_t b = f->sent_frames + 1; b < f->map_bits; b++)
		unknown += (f->done_map[b / 8] >> (b % 8)) & 1;
	arrived = rs.payload_bytes + rs.bad_bytes;
	missing = f->ok_bytes > arrived ? f->ok_bytes - arrived : 0;
#define C(key, val) eng_ctr_set(e, nm, key, (uint64_t)(val))
	C("tx.sent", f->sent_frames);
	C("tx.bytes", xf_traffic_gen_sent_bytes(f->gen));
	C("tx.completed", f->completed - unknown);
	C("tx.never_completed", f->sent_frames - (f->completed - unknown));
	C("tx.dup_completions", f->dup);
	C("tx.unknown_completions", f->unknown + unknown);
	eng_ctrs_copy(e, nm, flow_done_ctrs, ENG_N(flow_done_ctrs), f, false);
	eng_ctrs_copy(e, nm, flow_rx_ctrs, ENG_N(flow_rx_ctrs), &rs, false);
	C("net.sent_bytes", f->ok_bytes);
	C("net.arrived_bytes", arrived);
	C("net.lost_bytes", drained ? missing : 0);
	C("net.in_flight_bytes", drained ? 0 : missing);
	C("net.drained", drained);
	C("net.drain_us", drained && f->drained_ns > f->finished_ns ?
	  (f->drained_ns - f->finished_ns) / 1000 : 0);
	C("net.probes", f->probes);
	C("net.window_waits", f->window_waits);
	C("net.window_bytes", f->window);
	C("net.window_frames", f->window_frames);
	C("net.in_flight_frames_peak", f->peak_frames);
	C("net.path_drops", drops);
	C("net.path_moves", moves);
	C("net.receiver_down", down);
	C("net.unreachable", f->unreachable);
	/* Lost with no drop counted, no move and a working path: frames
	 * vanished silently, which must never happen. */
	C("net.unexplained_bytes", drained && missing && !drops && !moves &&
	  !down && !f->unreachable ? missing : 0);
#undef C
	pthread_mutex_unlock(&n->lock);
}

void eng_net_collect(struct eng *e)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];
		struct xf_traffic_rx_stats st;
		struct xf_nb_vif_stats ns, last;
		struct xf_netfront_stats fs;
		struct xf_netfront_features ff;
		const char *nm = v->obj->name;

		pthread_mutex_lock(&v->rx_lock);
		xf_traffic_rx_finish(v->rx);
		xf_traffic_rx_stats(v->rx, &st);
		pthread_mutex_unlock(&v->rx_lock);
		eng_ctrs_copy(e, nm, vif_rx_ctrs, ENG_N(vif_rx_ctrs), &st,
			      false);
		memset(&last, 0, sizeof(last));
		if (v->nb)
			xf_nb_vif_stats(v->nb, &last);
		/* Totals over every netback the vif had. */
		ns = v->old;
		eng_nb_stats_add(&ns, &last);
		eng_ctrs_copy(e, nm, nb_ctrs, ENG_N(nb_ctrs), &ns, false);
		for (int d = 0; d < XF_NB_DROP_NR; d++) {
			char dk[64];

			snprintf(dk, sizeof(dk), "backend.drop.%s",
				 xf_nb_drop_name((enum xf_nb_drop)d));
			eng_ctr_set(e, nm, dk, ns.drops[d]);
		}
		xf_netfront_stats(v->nf, &fs);
		eng_ctrs_copy(e, nm, nf_tx_ctrs, ENG_N(nf_tx_ctrs), &fs,
			      false);
		for (int d = 0; d < XF_NF_DROP_NR; d++) {
			enum xf_netfront_drop why = (enum xf_netfront_drop)d;
			char dk[64];

			snprintf(dk, sizeof(dk), "frontend.drop.%s",
				 xf_netfront_drop_name(why));
			eng_ctr_set(e, nm, dk, fs.drops[d]);
		}
		eng_ctrs_copy(e, nm, nf_link_ctrs, ENG_N(nf_link_ctrs), &fs,
			      false);
		if (v->moves) {
			/* What the frontend negotiated with the netback it
			 * ended on, and what that netback received. */
			xf_netfront_features(v->nf, &ff);
			eng_ctr_set(e, nm, "moves", v->moves);
			eng_ctrs_copy(e, nm, feature_ctrs, ENG_N(feature_ctrs),
				      &ff, false);
			eng_ctrs_copy(e, nm, last_nb_ctrs, ENG_N(last_nb_ctrs),
				      &last, false);
		}
	}
	for (unsigned int i = 0; n && i < n->nsw; i++) {
		struct xf_nb_switch_stats ss;

		xf_nb_switch_stats(n->sw[i], &ss);
		char sw[96];

		snprintf(sw, sizeof(sw), "switch.%s", n->swname[i]);
		eng_ctrs_copy(e, sw, switch_ctrs, ENG_N(switch_ctrs), &ss,
			      false);
	}
	for (unsigned int i = 0; n && i < n->nflows; i++)
		collect_flow(e, &n->flows[i]);
}
