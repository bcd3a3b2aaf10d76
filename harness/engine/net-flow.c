// SPDX-License-Identifier: MIT
/* Flows: each is an actor on its sender's VM that feeds a traffic
 * generator into the sending netfront, paced by a rate or by the TCP
 * window, until its runtime or byte count ends; then it waits for its
 * completions and, where the tail may be lost, probes (net-drain.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

#define FLOW_CPU_NS_PER_FRAME 1000
/* A sender whose netfront refuses frames (closed, unplugged, in its
 * error state) tries again this much later until the flow's end: it may
 * be reopened, and a retry at once would spin the run for ever. A flow
 * waiting for its receiver to come up looks again as often. */
#define FLOW_REFUSED_RETRY_NS 1000000
/* Frames of a vif's flows in netfront before they wait for tx_done. */
#define VIF_INFLIGHT_MAX 256
/* Probe timeout, doubled after each probe without progress, to a cap. */
#define PROBE_PTO_NS 1000000ull
#define PROBE_PTO_MAX_NS 64000000ull
/* TCP flows: payload on the way (sent, neither arrived nor shown lost)
 * at most, like a receive window, so that a TCP sender never overruns
 * its receiver's netback and loses nothing to a slow receiver. Bounded
 * twice, as that netback queues frames, not bytes
 * (XF_NB_RX_QUEUE_MAX_DEFAULT): 256 KiB, and the queue less a margin
 * shared by the TCP flows into the receiving vif. At MSS 1460 the
 * bytes bind (179 frames); at MSS 88 256 KiB would be 2,979 frames,
 * three queues' worth. UDP flows have no window. */
#define TCP_WINDOW_BYTES (256u * 1024)
/* Queue room kept for what no window counts: probes, UDP flows. */
#define RX_QUEUE_MARGIN 64u
/* The guests' MTU (vifs have no mtu key): UDP datagrams above it leave
 * as IPv4 fragments. */
#define FLOW_IP_MTU 1500u
/* Stream bytes per UDP datagram without msg_size (its default, 64k, is
 * a TCP send). */
#define UDP_MSG_DEFAULT 1024u

/* Looks again FLOW_REFUSED_RETRY_NS later, or at the flow's end. */
static void flow_retry_later(struct xf_actor *a, const struct eng_flow *f,
			     uint64_t now)
{
	uint64_t t = now + FLOW_REFUSED_RETRY_NS;

	xf_actor_set_timer(a, t < f->end_ns ? t : f->end_ns);
}

static void flow_run(struct xf_actor *a);
static const struct xf_actor_ops flow_ops = { .run = flow_run };

/* frag_layout as scenarios spell it. */
static const char *const frag_layouts[] = {
	[XF_TRAFFIC_FRAGS_LINEAR] = "linear",
	[XF_TRAFFIC_FRAGS_TINY_FIRST] = "tiny-first",
	[XF_TRAFFIC_FRAGS_MANY] = "many",
};

/* TCP flows of the scenario that end at vif to. */
static unsigned int tcp_flows_into(struct eng *e, const struct eng_vif *to)
{
	unsigned int k = 0;

	for (size_t i = 0; i < xf_scn_count(e->scn, "flow"); i++) {
		const struct xf_scn_obj *o = xf_scn_nth(e->scn, "flow", i);

		k += xf_scn_str(o, "proto")[0] == 't' &&
		     !strcmp(xf_scn_str(o, "to"), to->obj->name);
	}
	return k ? k : 1;
}

int eng_flow_build(struct eng *e, struct eng_flow *f, unsigned int idx)
{
	struct eng_net *n = net(e);
	const struct xf_scn_obj *o = f->obj;
	const char *proto = xf_scn_str(o, "proto");
	const char *layout = xf_scn_str(o, "frag_layout");
	struct xf_traffic_gen_config gc;
	bool tcp = proto[0] == 't';
	unsigned int kind;
	uint64_t bytes = (uint64_t)xf_scn_int(o, "bytes");
	int r;

	f->e = e;
	f->from = eng_vif_by_name(n, xf_scn_str(o, "from"));
	f->to = eng_vif_by_name(n, xf_scn_str(o, "to"));
	memset(&gc, 0, sizeof(gc));
	xf_traffic_flow_init(&gc.flow, idx, tcp ? XF_TRAFFIC_TCP :
			     XF_TRAFFIC_UDP, strchr(proto, '6') ? 6 : 4,
			     f->from->mac, f->to->mac);
	gc.flow.mss = (uint16_t)xf_scn_int(o, "mss");
	/* Until the runtime ends when no byte count is given. */
	gc.total_bytes = bytes ? bytes : UINT64_C(1) << 50;
	gc.gso = tcp && xf_scn_bool(o, "tso");
	gc.gso_payload = (uint32_t)xf_scn_int(o, "msg_size");
	if (gc.gso_payload > 60000)
		gc.gso_payload = 60000;
	if (!tcp) {
		/* The load refused a msg_size one datagram cannot carry. */
		gc.frame_payload = xf_scn_isset(o, "msg_size") ?
				   (uint32_t)xf_scn_int(o, "msg_size") :
				   UDP_MSG_DEFAULT;
		gc.ip_mtu = FLOW_IP_MTU;
	}
	gc.csum = xf_scn_bool(o, "csum_offload") ? XF_TRAFFIC_CSUM_OFFLOAD :
		  XF_TRAFFIC_CSUM_GOOD;
	if (!xf_name_lookup(frag_layouts, XF_NAMES_N(frag_layouts), layout,
			    &kind))
		gc.frags.kind = (enum xf_traffic_frags)kind;
	gc.frags.nfrags = (unsigned int)xf_scn_int(o, "nfrags");
	gc.frags.first_frag = (uint32_t)xf_scn_int(o, "first_frag");
	gc.cookie_base = (uint64_t)(idx + 1) << FLOW_COOKIE_SHIFT;
	f->fl = gc.flow;
	f->rate = (uint64_t)xf_scn_int(o, "rate");
	f->unreachable = f->from == f->to || f->from->sw != f->to->sw;
	f->window = tcp ? TCP_WINDOW_BYTES : 0;
	if (tcp) {
		/* What one frame of the receiver's queue carries: a GSO
		 * super-frame when its netfront takes them whole (with SG
		 * it advertises feature-gso-tcpv4/6), else a segment. */
		bool whole = gc.gso && xf_scn_bool(xf_scn_sub(f->to->obj,
							      "frontend"), "sg");
		uint64_t send = gc.gso ? gc.gso_payload : gc.flow.mss;

		f->seg_bytes = whole ? gc.gso_payload : gc.flow.mss;
		f->frame_segs = (send + f->seg_bytes - 1) / f->seg_bytes;
		f->window_frames = (XF_NB_RX_QUEUE_MAX_DEFAULT -
				    RX_QUEUE_MARGIN) / tcp_flows_into(e, f->to);
	}
	r = xf_traffic_gen_new(&gc, &f->gen);
	if (r)
		return r;
	r = xf_traffic_rx_expect(f->to->rx, &gc.flow, tcp);
	if (r)
		return r;
	return xf_actor_add(e->rt, &f->actor, &flow_ops, o->name,
			    f->from->vm->vcpu0);
}

void eng_net_start(struct eng *e, uint64_t now)
{
	struct eng_net *n = net(e);
	uint64_t dur = (uint64_t)xf_scn_int(e->scn->scenario, "duration");

	for (unsigned int i = 0; n && i < n->nflows; i++) {
		struct eng_flow *f = &n->flows[i];
		uint64_t rt = (uint64_t)xf_scn_int(f->obj, "runtime");

		f->end_ns = now + (rt ? rt : dur);
		f->next_ns = now;
		f->start_ns = now;
		f->pto_ns = PROBE_PTO_NS;
		if ((rt ? rt : dur) > e->end_ns)
			e->end_ns = rt ? rt : dur;
	}
	/* Only now may any flow run: in real mode the first flow's
	 * completions kick its siblings on other threads, and a flow that
	 * ran before its end time was set would stop at once, having sent
	 * nothing. */
	for (unsigned int i = 0; n && i < n->nflows; i++) {
		atomic_store_explicit(&n->flows[i].started, true,
				      memory_order_release);
		xf_actor_kick(&n->flows[i].actor);
	}
}

/* Stopped and every frame completed: from now on only the drain. */
static void flow_finish(struct eng_flow *f, uint64_t now)
{
	struct eng_net *n = net(f->e);

	pthread_mutex_lock(&n->lock);
	f->finished_ns = now;
	pthread_mutex_unlock(&n->lock);
	atomic_store(&f->finished, true);
	xf_actor_kick(&f->e->ctl);
	if (eng_flow_check_drained(f))
		return;
	f->pto_ns = PROBE_PTO_NS;
	f->probe_ns = now + f->pto_ns;
	xf_actor_set_timer(&f->actor, f->probe_ns);
}

/* Sends a probe behind everything the flow has sent (flow's actor). */
static void send_probe(struct eng_flow *f, uint64_t now)
{
	uint8_t buf[256];
	struct xf_net_frag frag;
	struct xf_net_frame fr;
	uint32_t len;
	int r;

	r = xf_traffic_gen_probe(f->gen, xf_traffic_gen_sent_bytes(f->gen),
				 buf, sizeof(buf), &len);
	if (r == 0) {
		memset(&fr, 0, sizeof(fr));
		frag.data = buf;
		frag.len = len;
		fr.frags = &frag;
		fr.nr_frags = 1;
		r = xf_netfront_send(f->from->nf, -1, &fr,
				     ((uint64_t)(f->fl.id + 1) <<
				      FLOW_COOKIE_SHIFT) | FLOW_PROBE_BIT);
	}
	if (r == 0) {
		f->probes++;
		if (f->pto_ns < PROBE_PTO_MAX_NS)
			f->pto_ns *= 2;
	}
	/* Refused (backlog full, device down): again after the timeout. */
	f->probe_ns = now + f->pto_ns;
}

/* A finished flow whose last frame has not shown up within the probe
 * timeout sends a probe behind it, and again with backoff until one
 * arrives (the tail was lost, or is only late). */
static void flow_probe(struct eng_flow *f, uint64_t now)
{
	if (eng_flow_check_drained(f))
		return;
	if (now >= f->probe_ns)
		send_probe(f, now);
	xf_actor_set_timer(&f->actor, f->probe_ns);
}

/* TCP: whether the bytes on the way fill the window. Two upper bounds
 * of them, either may be the tighter: what was sent beyond the resolved
 * offset (covers losses), and what was sent, not refused by the
 * backend, minus what arrived (covers refused frames and frames that
 * arrive with a bad checksum). In frames, the bytes over what one frame
 * of the receiver's queue carries (rounded up: none carries more), and
 * the next send must fit whole unless nothing is on the way. (A sender
 * that segments in software after a move to a host without GSO is
 * still counted in super-frames.) A window full for a probe timeout
 * with no progress sends a probe (its tail may be lost). */
static bool window_full(struct eng_flow *f, uint64_t now)
{
	struct eng_net *n = net(f->e);
	struct xf_traffic_rx_flow_stats rs = { 0 };
	uint64_t sent = xf_traffic_gen_sent_bytes(f->gen), err, got, a, b;
	uint64_t way, frames;

	/* Marked before looking: a frame arriving meanwhile kicks us. */
	atomic_store(&f->wnd_blocked, true);
	pthread_mutex_lock(&f->to->rx_lock);
	xf_traffic_rx_flow_stats(f->to->rx, f->fl.id, &rs);
	pthread_mutex_unlock(&f->to->rx_lock);
	pthread_mutex_lock(&n->lock);
	err = f->err_bytes;
	pthread_mutex_unlock(&n->lock);
	got = rs.payload_bytes + rs.bad_bytes + err;
	a = sent > rs.resolved ? sent - rs.resolved : 0;
	b = sent > got ? sent - got : 0;
	if (rs.resolved > f->resolved_seen || got > f->got_seen) {
		/* Progress: the probe timer starts again. */
		f->resolved_seen = rs.resolved;
		f->got_seen = got;
		f->pto_ns = PROBE_PTO_NS;
		f->probe_ns = now + f->pto_ns;
	}
	way = a < b ? a : b;
	frames = (way + f->seg_bytes - 1) / f->seg_bytes;
	if (frames > f->peak_frames)
		f->peak_frames = frames;
	if (way < f->window && (frames == 0 ||
				frames + f->frame_segs <= f->window_frames)) {
		atomic_store(&f->wnd_blocked, false);
		f->window_was_full = false;
		return false;
	}
	if (!f->window_was_full) {
		/* The probe timeout runs from when the window filled. */
		f->window_was_full = true;
		f->window_waits++;
		f->probe_ns = now + f->pto_ns;
	}
	if (now >= f->probe_ns)
		send_probe(f, now);
	xf_actor_set_timer(&f->actor, f->probe_ns < f->end_ns ?
			   f->probe_ns : f->end_ns);
	return true;
}

/* Pushes frames while the netfront takes them; paced when a rate is
 * set; stops at the end of its runtime or of its byte count, finishes
 * when every frame it sent is completed, then drains. */
static void flow_run(struct xf_actor *a)
{
	struct eng_flow *f = (struct eng_flow *)((char *)a -
				offsetof(struct eng_flow, actor));
	struct eng_net *n = net(f->e);
	uint64_t now = xf_rt_now_ns(f->e->rt);
	unsigned int burst = 64;
	bool all, blocked = false;
	int r;

	if (!atomic_load_explicit(&f->started, memory_order_acquire))
		return;
	if (atomic_load(&f->finished)) {
		flow_probe(f, now);
		return;
	}
	if (!atomic_load(&f->stopped) && (now >= f->end_ns ||
					  xf_traffic_gen_done(f->gen)))
		atomic_store(&f->stopped, true);
	if (atomic_load(&f->stopped)) {
		atomic_store(&f->wnd_blocked, false);
		pthread_mutex_lock(&n->lock);
		all = f->completed >= f->sent_frames;
		pthread_mutex_unlock(&n->lock);
		if (all)
			flow_finish(f, now);
		return;
	}
	/* A timeline that starts before the devices connect (the xenbus
	 * dance keys) must not send into a receiver that is not up yet:
	 * its netback would drop every frame as not connected. The flow
	 * begins when its receiver first connects (the sender's frames
	 * wait in its netfront until it connects itself). */
	if (!f->begun) {
		if (!atomic_load(&f->to->connected) && now < f->end_ns) {
			f->waited = true;
			flow_retry_later(a, f, now);
			return;
		}
		f->begun = true;
		/* Paced from when it could begin, not from the start. */
		if (f->waited)
			f->start_ns = f->next_ns = now;
	}
	if (f->rate) {
		if (now < f->next_ns) {
			xf_actor_set_timer(a, f->next_ns);
			return;
		}
		/* A datagram's fragments leave back to back. */
		burst = xf_traffic_gen_frames_per_send(f->gen);
	}
	if (atomic_load(&f->from->inflight) > VIF_INFLIGHT_MAX)
		return;
	if (!f->window) {
		r = xf_traffic_gen_send(f->gen, f->from->nf, -1, burst);
	} else {
		/* One frame at a time: the window is checked before each. */
		r = 0;
		for (unsigned int i = 0; i < burst; i++) {
			int k;

			if (window_full(f, now)) {
				blocked = true;
				break;
			}
			k = xf_traffic_gen_send(f->gen, f->from->nf, -1, 1);
			if (k <= 0) {
				r = r ? r : k;
				break;
			}
			r += k;
		}
	}
	if (r > 0) {
		/* The sender's CPU per frame: time moves on in sim mode
		 * and the flow cannot outrun its runtime. */
		xf_rt_charge(f->e->rt, (uint64_t)r * FLOW_CPU_NS_PER_FRAME);
		atomic_fetch_add(&f->from->inflight, r);
		pthread_mutex_lock(&n->lock);
		f->sent_frames += (uint64_t)r;
		pthread_mutex_unlock(&n->lock);
		if (f->rate && f->window) {
			/* A TCP send is msg_size bytes. */
			f->next_ns = now + (uint64_t)(1e9 * (double)
				xf_scn_int(f->obj, "msg_size") /
				(double)f->rate);
		} else if (f->rate) {
			/* UDP: the stream bytes sent so far, on a schedule
			 * from the start (no rounding adds up, and a late
			 * turn on a busy vCPU is made up). */
			uint64_t t = f->start_ns + (uint64_t)(1e9 * (double)
				xf_traffic_gen_sent_bytes(f->gen) /
				(double)f->rate);

			f->next_ns = t > now ? t : now;
		}
		if (!blocked)
			xf_actor_kick(a);
	} else if (r == 0 && xf_traffic_gen_done(f->gen)) {
		atomic_store(&f->stopped, true);
		xf_actor_kick(a);
	} else if (r < 0 && r != -EAGAIN) {
		flow_retry_later(a, f, now);
		return;
	}
	/* A full window armed the probe / end timer; its receiver kicks
	 * us when it opens. -EAGAIN: the backlog is full; tx_done kicks
	 * us. */
	if (!blocked && !atomic_load(&f->stopped))
		xf_actor_set_timer(a, f->rate ? f->next_ns : f->end_ns);
}

unsigned int eng_net_active(struct eng *e)
{
	struct eng_net *n = net(e);
	unsigned int k = 0;

	for (unsigned int i = 0; n && i < n->nflows; i++)
		k += !eng_flow_check_drained(&n->flows[i]);
	return k;
}

void eng_net_finish(struct eng *e, uint64_t now)
{
	struct eng_net *n = net(e);

	(void)now;
	for (unsigned int i = 0; n && i < n->nflows; i++)
		atomic_store(&n->flows[i].stopped, true);
}
