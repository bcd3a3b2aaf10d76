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

/* What collect_flow() works out for one flow. */
struct flow_sum {
	uint64_t sent, bytes, completed, never_completed, dup, unknown;
	uint64_t ok_bytes, arrived, lost, in_flight, drained, drain_us;
	uint64_t probes, window_waits, path_drops, path_moves;
	uint64_t window_bytes, window_frames, peak_frames;
	uint64_t receiver_down, unreachable, unexplained;
};

static const struct eng_ctr flow_tx_ctrs[] = {
	ENG_CTR("tx.sent", struct flow_sum, sent, "frames",
		"frames the flow handed to netfront"),
	ENG_CTR("tx.bytes", struct flow_sum, bytes, "bytes",
		"payload bytes the generator sent"),
	ENG_CTR("tx.completed", struct flow_sum, completed, "frames",
		"sent frames completed (tx_done), each once"),
	ENG_CTR("tx.never_completed", struct flow_sum, never_completed,
		"frames", "sent frames that never completed"),
	ENG_CTR("tx.dup_completions", struct flow_sum, dup, "count",
		"frames completed more than once"),
	ENG_CTR("tx.unknown_completions", struct flow_sum, unknown, "count",
		"completions of frames the flow never sent"),
};

static const struct eng_ctr flow_done_ctrs[] = {
	ENG_CTR("tx.ok", struct eng_flow, done_ok, "frames",
		"frames completed with status 0"),
	ENG_CTR("tx.eio", struct eng_flow, done_eio, "frames",
		"frames completed with -EIO (backend error or dropped)"),
	ENG_CTR("tx.emsgsize", struct eng_flow, done_emsgsize, "frames",
		"frames completed with -EMSGSIZE (too big for the features)"),
	ENG_CTR("tx.other_errors", struct eng_flow, done_other, "frames",
		"frames completed with any other error"),
};

static const struct eng_ctr flow_rx_ctrs[] = {
	ENG_CTR("rx.good", struct xf_traffic_rx_flow_stats, good, "frames",
		"frames of the flow that passed every receiver check"),
	ENG_CTR("rx.bytes", struct xf_traffic_rx_flow_stats, payload_bytes,
		"bytes", "good payload received, duplicates once"),
	ENG_CTR("rx.contiguous", struct xf_traffic_rx_flow_stats, contiguous,
		"bytes", "stream bytes received in order from the start"),
	ENG_CTR("rx.bad", struct xf_traffic_rx_flow_stats, bad, "frames",
		"frames of the flow that failed a check"),
	ENG_CTR("rx.bad_bytes", struct xf_traffic_rx_flow_stats, bad_bytes,
		"bytes", "stream bytes in those bad frames"),
};

static const struct eng_ctr flow_net_ctrs[] = {
	ENG_CTR("net.sent_bytes", struct flow_sum, ok_bytes, "bytes",
		"payload bytes the sender's backend accepted"),
	ENG_CTR("net.arrived_bytes", struct flow_sum, arrived, "bytes",
		"of those, bytes that arrived (good or bad)"),
	ENG_CTR("net.lost_bytes", struct flow_sum, lost, "bytes",
		"accepted bytes lost on a drained path"),
	ENG_CTR("net.in_flight_bytes", struct flow_sum, in_flight, "bytes",
		"accepted bytes still on the way when the run was cut off"),
	ENG_CTR("net.drained", struct flow_sum, drained, "bool",
		"1: every accepted byte arrived or is known lost"),
	ENG_CTR("net.drain_us", struct flow_sum, drain_us, "us",
		"time from the flow's last completion to drained"),
	ENG_CTR("net.probes", struct flow_sum, probes, "count",
		"drain probes sent to find a lost tail"),
	ENG_CTR("net.window_waits", struct flow_sum, window_waits, "count",
		"times the flow's window filled (TCP)"),
	ENG_CTR("net.window_bytes", struct flow_sum, window_bytes, "bytes",
		"the flow's TCP window in bytes"),
	ENG_CTR("net.window_frames", struct flow_sum, window_frames,
		"frames", "the flow's TCP window in frames of the receiver's "
		"queue (its share of 1024 - 64)"),
	ENG_CTR("net.in_flight_frames_peak", struct flow_sum, peak_frames,
		"frames", "most frames of the flow on the way at once"),
	ENG_CTR("net.path_drops", struct flow_sum, path_drops, "frames",
		"drops counted on the flow's path (shared by its flows)"),
	ENG_CTR("net.path_moves", struct flow_sum, path_moves, "count",
		"migrations of the sending and receiving vifs"),
	ENG_CTR("net.receiver_down", struct flow_sum, receiver_down, "bool",
		"1: the receiving vif ended disconnected or broken"),
	ENG_CTR("net.unreachable", struct flow_sum, unreachable, "bool",
		"1: sender and receiver share no bridge (or are one vif)"),
	ENG_CTR("net.unexplained_bytes", struct flow_sum, unexplained,
		"bytes", "lost with no drop, move or down path: must be 0"),
};

static const struct eng_ctr vif_rx_ctrs[] = {
	ENG_CTR("rx.frames", struct xf_traffic_rx_stats, frames, "frames",
		"frames the vif's receiver saw"),
	ENG_CTR("rx.good", struct xf_traffic_rx_stats, good, "frames",
		"with right checksum and payload"),
	ENG_CTR("rx.bad_csum", struct xf_traffic_rx_stats, bad_csum, "frames",
		"IPv4 header or L4 checksum wrong"),
	ENG_CTR("rx.validated_but_bad", struct xf_traffic_rx_stats,
		validated_but_bad, "frames",
		"flagged data_validated, yet the checksum is wrong"),
	ENG_CTR("rx.bad_seg", struct xf_traffic_rx_stats, bad_seg, "frames",
		"payload not where the stream says, or above the MSS"),
	ENG_CTR("rx.dup", struct xf_traffic_rx_stats, dup, "frames",
		"data already received"),
	ENG_CTR("rx.gso_frames", struct xf_traffic_rx_stats, gso_frames,
		"frames", "GSO super-frames received whole"),
	ENG_CTR("rx.payload_bytes", struct xf_traffic_rx_stats, payload_bytes,
		"bytes", "good payload received"),
	ENG_CTR("rx.throughput_bps", struct xf_traffic_rx_stats,
		throughput_bps, "bit/s", "good payload bits per second"),
	ENG_CTR("rx.probes", struct xf_traffic_rx_stats, probes, "frames",
		"drain probes received"),
	ENG_CTR("rx.fragments", struct xf_traffic_rx_stats, fragments,
		"frames", "IPv4 fragments taken for reassembly"),
	ENG_CTR("rx.reassembled", struct xf_traffic_rx_stats, reassembled,
		"count", "datagrams completed from fragments (each once in "
		"rx.frames)"),
	ENG_CTR("rx.reasm_dropped", struct xf_traffic_rx_stats, reasm_dropped,
		"count", "incomplete datagrams given up (timeout, room, "
		"distance, end of run)"),
	ENG_CTR("rx.reasm_bad", struct xf_traffic_rx_stats, reasm_bad,
		"frames", "overlapping or malformed fragments"),
};

/* Totals over every netback the vif had. */
static const struct eng_ctr nb_ctrs[] = {
	ENG_CTR("backend.tx_frames", struct xf_nb_vif_stats, tx_frames,
		"frames", "frames the netbacks took from the guest"),
	ENG_CTR("backend.tx_gso_frames", struct xf_nb_vif_stats,
		tx_gso_frames, "frames", "of those, GSO super-frames"),
	ENG_CTR("backend.csum_filled", struct xf_nb_vif_stats, csum_filled,
		"frames", "blank checksums the netbacks completed"),
	ENG_CTR("backend.csum_left_blank", struct xf_nb_vif_stats,
		csum_left_blank, "frames",
		"blank checksums left blank (bug mode)"),
	ENG_CTR("backend.segmented", struct xf_nb_vif_stats, segmented,
		"frames", "super-frames the netbacks cut into segments"),
	ENG_CTR("backend.tx_max_slots", struct xf_nb_vif_stats, tx_max_slots,
		"slots", "longest tx chain seen (dropped ones included)"),
	ENG_CTR("backend.rx_frames", struct xf_nb_vif_stats, rx_frames,
		"frames", "frames the netbacks passed to the guest"),
	ENG_CTR("backend.rx_queue_peak", struct xf_nb_vif_stats,
		rx_queue_peak, "frames",
		"most frames queued for the guest at once (highest netback)"),
};

static const struct eng_ctr nf_tx_ctrs[] = {
	ENG_CTR("tx.frames", struct xf_netfront_stats, tx_frames, "frames",
		"frames netfront put on the tx ring"),
	ENG_CTR("tx.sw_csum", struct xf_netfront_stats, tx_sw_csum, "frames",
		"checksums netfront computed itself (fallback)"),
	ENG_CTR("tx.sw_gso", struct xf_netfront_stats, tx_sw_gso, "frames",
		"super-frames netfront segmented itself"),
	ENG_CTR("tx.slots", struct xf_netfront_stats, tx_slots, "slots",
		"tx ring slots used"),
	ENG_CTR("tx.linearized", struct xf_netfront_stats, tx_linearized,
		"frames", "frames re-laid out to fit the slot limit"),
};

static const struct eng_ctr nf_link_ctrs[] = {
	ENG_CTR("connects", struct xf_netfront_stats, connects, "count",
		"completed xenbus handshakes of the netfront"),
	ENG_CTR("watchdog_recoveries", struct xf_netfront_stats,
		watchdog_recoveries, "count",
		"watchdog ticks that found a lost wakeup and re-notified"),
	ENG_CTR("watchdog_responses", struct xf_netfront_stats,
		watchdog_responses, "count",
		"responses those ticks found unconsumed"),
	ENG_CTR("tx_timeouts", struct xf_netfront_stats, tx_timeouts, "count",
		"tx timeouts expired (backend re-notified)"),
};

/* A moved vif: what its frontend negotiated with the last netback, and
 * what that netback received. */
static const struct eng_ctr moved_docs[] = {
	ENG_DOC("moves", "count", "migrations of the vif (only when moved)"),
};

static const struct eng_ctr feature_ctrs[] = {
	ENG_CTR("feature.gso_tcpv4", struct xf_netfront_features, gso_tcpv4,
		"bool", "moved vif: TCPv4 GSO with the last netback"),
	ENG_CTR("feature.gso_tcpv6", struct xf_netfront_features, gso_tcpv6,
		"bool", "moved vif: TCPv6 GSO with the last netback"),
	ENG_CTR("feature.csum", struct xf_netfront_features, tx_csum_v4,
		"bool", "moved vif: IPv4 checksum offload with the last netback"),
	ENG_CTR("feature.sg", struct xf_netfront_features, sg, "bool",
		"moved vif: scatter-gather with the last netback"),
};

static const struct eng_ctr last_nb_ctrs[] = {
	ENG_CTR("last_backend.tx_frames", struct xf_nb_vif_stats, tx_frames,
		"frames", "moved vif: frames the last netback took"),
	ENG_CTR("last_backend.tx_gso_frames", struct xf_nb_vif_stats,
		tx_gso_frames, "frames",
		"moved vif: GSO super-frames the last netback took"),
	ENG_CTR("last_backend.rx_frames", struct xf_nb_vif_stats, rx_frames,
		"frames", "moved vif: frames the last netback passed in"),
	ENG_CTR("last_backend.segmented", struct xf_nb_vif_stats, segmented,
		"frames", "moved vif: super-frames the last netback cut"),
};

static const struct eng_ctr switch_ctrs[] = {
	ENG_CTR("forwarded", struct xf_nb_switch_stats, forwarded, "frames",
		"frames handed to a known port"),
	ENG_CTR("flooded", struct xf_nb_switch_stats, flooded, "frames",
		"frames sent to every other port"),
	ENG_CTR("dropped", struct xf_nb_switch_stats, dropped, "frames",
		"frames with no other port to go to"),
};

/* "<vif>.backend.drop.<reason>" and "<vif>.frontend.drop.<reason>":
 * one line per reason of the backends' and frontends' name tables. A
 * reason added there and not here does not compile. */
static const char *const nb_drop_help[] = {
	[XF_NB_DROP_LOSS] = "netback: random loss (the vif's loss setting)",
	[XF_NB_DROP_SHORT_FIRST] = "netback: first tx slot under ETH_HLEN",
	[XF_NB_DROP_BAD_REQUEST] = "netback: malformed tx chain",
	[XF_NB_DROP_RX_QUEUE_FULL] = "netback: guest not posting rx buffers",
	[XF_NB_DROP_RX_TOO_BIG] = "netback: frame needs SG the guest lacks",
	[XF_NB_DROP_MCAST_FILTER] =
		"netback: not in the guest's multicast list",
	[XF_NB_DROP_NOT_CONNECTED] = "netback: arrived while disconnected",
	[XF_NB_DROP_COPY_FAILED] = "netback: grant copy failed",
	[XF_NB_DROP_TOO_MANY_SLOTS] =
		"netback: more tx slots than max_slots allows",
	[XF_NB_DROP_INCOMPLETE_CHAIN] =
		"netback: tx chain cut by req_prod (fatal)",
};
_Static_assert(ENG_N(nb_drop_help) == XF_NB_DROP_NR,
	       "every netback drop reason needs a line in nb_drop_help");

static const char *const nf_drop_help[] = {
	[XF_NF_DROP_BACKEND_ERROR] = "netfront tx: NETIF_RSP_ERROR",
	[XF_NF_DROP_BACKEND_DROPPED] = "netfront tx: NETIF_RSP_DROPPED",
	[XF_NF_DROP_DEVICE_ERROR] = "netfront: device entered the error state",
	[XF_NF_DROP_TOO_BIG] =
		"netfront tx: cannot be sent with the features",
	[XF_NF_DROP_BAD_FRAME] =
		"netfront tx: GSO/checksum request without TCP/UDP",
	[XF_NF_DROP_CLOSED] = "netfront: device closed with the frame queued",
	[XF_NF_DROP_RX_STATUS] = "netfront rx: negative status from backend",
	[XF_NF_DROP_RX_CSUM] = "netfront rx: checksum verify failed",
	[XF_NF_DROP_RX_NO_CONSUMER] = "netfront rx: no rx callback",
	[XF_NF_DROP_NO_MEMORY] = "netfront tx: out of memory",
	[XF_NF_DROP_RX_BAD_RESPONSE] = "netfront rx: malformed response",
};
_Static_assert(ENG_N(nf_drop_help) == XF_NF_DROP_NR,
	       "every netfront drop reason needs a line in nf_drop_help");

void eng_net_docs(struct eng_doc_walk *w)
{
	/* In the order eng_net_collect() sets them. */
	eng_doc_table(w, XF_CTR_VIF, vif_rx_ctrs, ENG_N(vif_rx_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, nb_ctrs, ENG_N(nb_ctrs), XF_CTR_IN_CHECK);
	for (int d = 0; d < XF_NB_DROP_NR; d++)
		eng_doc_one(w, XF_CTR_VIF, "backend.drop.",
			    xf_nb_drop_name((enum xf_nb_drop)d), "frames",
			    nb_drop_help[d], XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, nf_tx_ctrs, ENG_N(nf_tx_ctrs),
		      XF_CTR_IN_CHECK);
	for (int d = 0; d < XF_NF_DROP_NR; d++)
		eng_doc_one(w, XF_CTR_VIF, "frontend.drop.",
			    xf_netfront_drop_name((enum xf_netfront_drop)d),
			    "frames", nf_drop_help[d], XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, nf_link_ctrs, ENG_N(nf_link_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, moved_docs, ENG_N(moved_docs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, feature_ctrs, ENG_N(feature_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_VIF, last_nb_ctrs, ENG_N(last_nb_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_SWITCH, switch_ctrs, ENG_N(switch_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_FLOW, flow_tx_ctrs, ENG_N(flow_tx_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_FLOW, flow_done_ctrs, ENG_N(flow_done_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_FLOW, flow_rx_ctrs, ENG_N(flow_rx_ctrs),
		      XF_CTR_IN_CHECK);
	eng_doc_table(w, XF_CTR_FLOW, flow_net_ctrs, ENG_N(flow_net_ctrs),
		      XF_CTR_IN_CHECK);
}

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
	struct flow_sum fs;
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
	fs = (struct flow_sum){
		.sent = f->sent_frames,
		.bytes = xf_traffic_gen_sent_bytes(f->gen),
		.completed = f->completed - unknown,
		.never_completed = f->sent_frames - (f->completed - unknown),
		.dup = f->dup,
		.unknown = f->unknown + unknown,
		.ok_bytes = f->ok_bytes,
		.arrived = arrived,
		.lost = drained ? missing : 0,
		.in_flight = drained ? 0 : missing,
		.drained = drained,
		.drain_us = drained && f->drained_ns > f->finished_ns ?
			    (f->drained_ns - f->finished_ns) / 1000 : 0,
		.probes = f->probes,
		.window_waits = f->window_waits,
		.window_bytes = f->window,
		.window_frames = f->window_frames,
		.peak_frames = f->peak_frames,
		.path_drops = drops,
		.path_moves = moves,
		.receiver_down = down,
		.unreachable = f->unreachable,
		/* Lost with no drop counted, no move and a working path:
		 * frames vanished silently, which must never happen. */
		.unexplained = drained && missing && !drops && !moves &&
			       !down && !f->unreachable ? missing : 0,
	};
	eng_ctrs_copy(e, nm, flow_tx_ctrs, ENG_N(flow_tx_ctrs), &fs, false);
	eng_ctrs_copy(e, nm, flow_done_ctrs, ENG_N(flow_done_ctrs), f, false);
	eng_ctrs_copy(e, nm, flow_rx_ctrs, ENG_N(flow_rx_ctrs), &rs, false);
	eng_ctrs_copy(e, nm, flow_net_ctrs, ENG_N(flow_net_ctrs), &fs, false);
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
		/* A capture that could not be written is a failed run, with
		 * the file named, not a quietly short pcap. */
		if (ns.pcap_error)
			eng_fail(e, ns.pcap_error, "--pcap %s: the capture of "
				 "vif '%s' could not be written: %s",
				 e->o->pcap_dir, nm, strerror(-ns.pcap_error));
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

		if (ss.pcap_error)
			eng_fail(e, ss.pcap_error, "--pcap %s: the capture of "
				 "bridge '%s' could not be written: %s",
				 e->o->pcap_dir, n->swname[i],
				 strerror(-ss.pcap_error));
		snprintf(sw, sizeof(sw), "switch.%s", n->swname[i]);
		eng_ctrs_copy(e, sw, switch_ctrs, ENG_N(switch_ctrs), &ss,
			      false);
	}
	for (unsigned int i = 0; n && i < n->nflows; i++)
		collect_flow(e, &n->flows[i]);
}
