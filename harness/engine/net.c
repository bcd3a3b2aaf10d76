// SPDX-License-Identifier: MIT
/*
 * Network side of a run: each vif is a mock netback (on its host's
 * domain, plugged into a switch per bridge) and a netfront in its VM;
 * each flow is an actor that feeds a traffic generator into the sending
 * netfront; each receiving vif checks every frame with a traffic
 * receiver (checksums, segmentation, payload).
 *
 * Drain: netback answers a TX request before the frame has crossed the
 * switch, so a flow whose every frame is completed still has frames on
 * the way. A flow counts as active until it is drained: every payload
 * byte the backend accepted has reached the receiver (good or bad), or
 * the receiver has seen the end of the last accepted frame, or one of
 * the flow's drain probes (a frame without payload sent after the last
 * completion). The path is FIFO per flow (one TX queue by flow hash, one
 * latency queue, the switch, one RX queue by flow hash), so either of
 * the last two proves that every earlier frame arrived or was dropped on
 * the way; what did not arrive then is lost, explained by the drop
 * counters on the path or a vif move. Probes are only sent when the
 * last frame does not show up within a probe timeout (a lost tail), with
 * exponential backoff. At the deadline, what has neither arrived nor been
 * shown lost is reported as in flight.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/netback.h>
#include <xfront/netfront.h>
#include <xfront/traffic.h>
#include "engine-priv.h"
#include "net.h"

/* Cost model defaults of the network path (ns per frame). */
#define FLOW_CPU_NS_PER_FRAME 1000
#define NET_CPU_NS_PER_FRAME 500
#define NET_LATENCY_NS 10000
/* Cookies: flow index + 1 above this bit, frame number below it. */
#define FLOW_COOKIE_SHIFT 40
/* A drain probe's cookie: below the flow index, above any frame. */
#define FLOW_PROBE_BIT (UINT64_C(1) << (FLOW_COOKIE_SHIFT - 1))
/* Frames of a vif's flows in netfront before they wait for tx_done. */
#define VIF_INFLIGHT_MAX 256
/* Probe timeout, doubled after each probe without progress, to a cap. */
#define PROBE_PTO_NS 1000000ull
#define PROBE_PTO_MAX_NS 64000000ull
/* TCP flows: payload bytes on the way (sent, neither arrived nor shown
 * lost) at most, like a receive window. A TCP sender never overruns its
 * receiver's backlog, so it loses nothing to a slow receiver; sized so
 * that the flows into one vif, cut into MSS frames, stay below a
 * netback's RX queue (1024 frames). UDP flows have none. */
#define TCP_WINDOW_BYTES (256u * 1024)

struct eng_vif {
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vm *vm;
	struct xf_nb_vif *nb;
	unsigned int nb_vcpu;
	/* Migration: the netback swap runs on the backend's own vCPU (in
	 * real mode only that thread may remove its actor). */
	struct xf_actor mover;
	struct eng_host *move_to;
	_Atomic bool moving;         /* until the mover resumed netfront */
	unsigned int moves;
	_Atomic bool suspended;      /* by the engine, until resumed */
	struct xf_nb_vif_stats old;  /* netbacks it left behind, summed */
	/* Bytes netback wrote into guest buffers (a migration re-sends
	 * those pages); counted on the rx threads. */
	_Atomic uint64_t rx_bytes;
	struct xf_netfront *nf;
	/* Fed on the netfront's queue threads, read by the controller and
	 * the flows' drain checks: rx_lock. */
	struct xf_traffic_rx *rx;
	pthread_mutex_t rx_lock;
	struct xf_nb_vif_dirs dirs;
	uint8_t mac[6];
	unsigned int sw;         /* index of its switch (bridge) */
	_Atomic bool connected;
	/* Frames of its flows in netfront, tx_done not yet seen; dips
	 * below zero while a completion overtakes the sender's count. */
	_Atomic int64_t inflight;
	char path[64];
};

struct eng_flow {
	struct xf_actor actor;
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vif *from, *to;
	struct xf_traffic_gen *gen;
	struct xf_traffic_flow fl;
	/* Set before `started` (release), read by the flow's actor. */
	uint64_t end_ns, rate;
	uint64_t next_ns;        /* the flow's actor only */
	_Atomic bool started;    /* eng_net_start() has set it up */
	_Atomic bool stopped;    /* sends no more data */
	_Atomic bool finished;   /* stopped and every frame completed */
	_Atomic bool drained;    /* and every accepted byte arrived or lost */
	/* from == to, or on different bridges: nothing can arrive. */
	bool unreachable;
	/* Exactly-once accounting of tx_done, by frame number, and what the
	 * backend accepted (under the net lock: queues of one vif may
	 * complete on several threads). */
	uint8_t *done_map;
	uint64_t map_bits;
	uint64_t sent_frames;
	uint64_t completed, done_ok, done_eio, done_emsgsize, done_other;
	uint64_t dup, unknown;
	uint64_t ok_bytes, ok_end, err_bytes;
	uint64_t finished_ns, drained_ns;
	uint64_t window;         /* 0: none (UDP) */
	_Atomic bool wnd_blocked; /* waits for its receiver */
	/* Probes (the flow's actor only). */
	uint64_t probe_ns, pto_ns, probes, resolved_seen, got_seen;
	uint64_t window_waits;   /* times the window filled */
	bool window_was_full;
};

struct eng_net {
	struct eng_vif vifs[ENG_MAX];
	unsigned int nvifs;
	struct eng_flow flows[ENG_MAX];
	unsigned int nflows;
	struct xf_nb_switch *sw[ENG_MAX];
	char swname[ENG_MAX][64];
	unsigned int nsw;
	pthread_mutex_t lock;
};

static struct eng_net *net(struct eng *e)
{
	return e->net;
}

unsigned int eng_net_vcpus(struct eng *e)
{
	/* one backend vCPU per vif */
	return (unsigned int)xf_scn_count(e->scn, "vif");
}

/* Records one completion of a flow's frame; a second one for the same
 * frame, or one for a frame the stream never had, is counted, never
 * hidden (one for a frame not yet counted as sent is sorted out at the
 * end: the completion may overtake the sender's count). Under the lock. */
static void flow_done(struct eng_flow *f, uint64_t frame, int status)
{
	uint64_t off;
	uint32_t len;

	if (xf_traffic_gen_frame_range(f->gen, frame, &off, &len)) {
		f->unknown++;
		return;
	}
	if (frame >= f->map_bits) {
		uint64_t bits = f->map_bits ? f->map_bits : 4096;
		uint8_t *m;

		while (bits <= frame)
			bits *= 2;
		m = realloc(f->done_map, (size_t)(bits / 8));
		if (!m) {
			f->unknown++;
			return;
		}
		memset(m + f->map_bits / 8, 0,
		       (size_t)((bits - f->map_bits) / 8));
		f->done_map = m;
		f->map_bits = bits;
	}
	if (f->done_map[frame / 8] & (1u << (frame % 8))) {
		f->dup++;
		return;
	}
	f->done_map[frame / 8] |= (uint8_t)(1u << (frame % 8));
	f->completed++;
	if (status == 0) {
		/* Accepted by the backend: these bytes are on the way. */
		f->done_ok++;
		f->ok_bytes += len;
		if (off + len > f->ok_end)
			f->ok_end = off + len;
		return;
	}
	f->err_bytes += len;
	if (status == -EIO)
		f->done_eio++;
	else if (status == -EMSGSIZE)
		f->done_emsgsize++;
	else
		f->done_other++;
}

/* Nothing more can reach this vif's receiver. */
static bool receiver_down(struct eng_vif *v)
{
	enum xf_netfront_state st = xf_netfront_state(v->nf);

	return !atomic_load(&v->moving) &&
	       (st == XF_NETFRONT_ERROR || st == XF_NETFRONT_CLOSED);
}

/* Whether a finished flow has drained (see the top of the file); marks
 * it and wakes the controller the first time. Any thread. */
static bool flow_check_drained(struct eng_flow *f)
{
	struct eng_net *n = net(f->e);
	struct xf_traffic_rx_flow_stats rs = { 0 };
	bool d, first = false;

	if (atomic_load(&f->drained))
		return true;
	if (!atomic_load(&f->finished))
		return false;
	pthread_mutex_lock(&f->to->rx_lock);
	xf_traffic_rx_flow_stats(f->to->rx, f->fl.id, &rs);
	pthread_mutex_unlock(&f->to->rx_lock);
	pthread_mutex_lock(&n->lock);
	d = f->unreachable || f->ok_bytes == 0 || rs.resolved >= f->ok_end ||
	    rs.payload_bytes + rs.bad_bytes >= f->ok_bytes ||
	    receiver_down(f->to);
	if (d && !atomic_load(&f->drained)) {
		f->drained_ns = xf_rt_now_ns(f->e->rt);
		atomic_store(&f->drained, true);
		first = true;
	}
	pthread_mutex_unlock(&n->lock);
	if (first)
		xf_actor_kick(&f->e->ctl);
	return d;
}

static void nf_tx_done(void *opaque, uint64_t cookie, int status)
{
	struct eng_vif *v = opaque;
	struct eng_net *n = net(v->e);
	uint64_t fi = cookie >> FLOW_COOKIE_SHIFT;

	if (!n)
		return;
	/* Each flow's generator numbers its frames under its own cookie
	 * base; completions are checked per flow, exactly once. A probe's
	 * completion only lets its flow go on. */
	if (fi >= 1 && fi <= n->nflows && n->flows[fi - 1].from == v &&
	    !(cookie & FLOW_PROBE_BIT)) {
		pthread_mutex_lock(&n->lock);
		flow_done(&n->flows[fi - 1], cookie & (FLOW_PROBE_BIT - 1),
			  status);
		pthread_mutex_unlock(&n->lock);
		atomic_fetch_sub(&v->inflight, 1);
	}
	for (unsigned int i = 0; i < n->nflows; i++)
		if (n->flows[i].from == v)
			xf_actor_kick(&n->flows[i].actor);
}

static void nf_rx(void *opaque, const struct xf_net_rx_frame *fr)
{
	struct eng_vif *v = opaque;
	struct eng_net *n = net(v->e);

	atomic_fetch_add_explicit(&v->rx_bytes, fr->len,
				  memory_order_relaxed);
	if (!v->rx)
		return;
	pthread_mutex_lock(&v->rx_lock);
	xf_traffic_rx_frame(v->rx, fr->data, fr->len, fr->flags,
			    fr->gso_size, xf_rt_now_ns(v->e->rt));
	pthread_mutex_unlock(&v->rx_lock);
	/* The frame may open a flow's window, or be the one a finished
	 * flow waits for. */
	for (unsigned int i = 0; n && i < n->nflows; i++) {
		struct eng_flow *f = &n->flows[i];

		if (f->to != v)
			continue;
		if (atomic_load(&f->wnd_blocked))
			xf_actor_kick(&f->actor);
		if (atomic_load(&f->finished) && !atomic_load(&f->drained))
			flow_check_drained(f);
	}
}

static void nf_state(void *opaque, enum xf_netfront_state st)
{
	struct eng_vif *v = opaque;

	if (st == XF_NETFRONT_CONNECTED)
		atomic_store(&v->connected, true);
	xf_actor_kick(&v->e->ctl);
}

static const struct xf_netfront_ops nf_ops = {
	.tx_done = nf_tx_done,
	.rx = nf_rx,
	.state = nf_state,
};

static struct xf_nb_switch *switch_for(struct eng *e, const char *name)
{
	struct eng_net *n = net(e);
	struct xf_nb_switch_config sc = { 0 };
	char path[4096];

	for (unsigned int i = 0; i < n->nsw; i++)
		if (!strcmp(n->swname[i], name))
			return n->sw[i];
	if (n->nsw == ENG_MAX)
		return NULL;
	if (e->o->pcap_dir) {
		snprintf(path, sizeof(path), "%s/%s.pcap", e->o->pcap_dir,
			 name);
		sc.pcap_path = path;
	}
	if (xf_nb_switch_new(e->rt, &sc, &n->sw[n->nsw]))
		return NULL;
	snprintf(n->swname[n->nsw], 64, "%s", name);
	return n->sw[n->nsw++];
}

static void flow_run(struct xf_actor *a);
static const struct xf_actor_ops flow_ops = { .run = flow_run };

/* The netback of vif v on host h: features from be (the vif's own
 * backend table, or the host's net table after a migration). */
static int nb_start(struct eng *e, struct eng_vif *v, struct eng_host *h,
		    const struct xf_scn_obj *be)
{
	const char *mode = xf_scn_str(be, "mode");
	struct xf_nb_vif_config c;
	char pcap[4096];

	xf_nb_vif_config_init(&c);
	c.plat = h->p;
	c.rt = e->rt;
	c.fe_domid = v->vm->domid;
	c.devid = v->dirs.devid;
	c.vcpu = v->nb_vcpu;
	c.sw = switch_for(e, xf_scn_str(v->obj, "bridge"));
	if (!c.sw)
		return -ENOMEM;
	xf_nb_features_default(&c.feat);
	c.feat.csum = xf_scn_bool(be, "csum_offload");
	c.feat.ipv6_csum = xf_scn_bool(be, "ipv6_csum_offload");
	c.feat.gso_tcpv4 = xf_scn_bool(be, "gso_tcpv4");
	c.feat.gso_tcpv6 = xf_scn_bool(be, "gso_tcpv6");
	c.feat.sg = xf_scn_bool(be, "sg");
	c.feat.split_evtchn = xf_scn_bool(be, "split_event_channels");
	c.feat.max_queues = (unsigned int)xf_scn_int(be, "queues");
	if (!strcmp(mode, "no-csum-fill"))
		c.bugs = XF_NB_BUG_CSUM_UNFILLED;
	else if (!strcmp(mode, "bad-gso"))
		c.bugs = XF_NB_BUG_BAD_SEGMENT;
	else if (!strcmp(mode, "drop"))
		c.loss_ppm = 10000;
	else if (!strcmp(mode, "drop-short-first"))
		c.bugs = XF_NB_BUG_DROP_SHORT_FIRST;
	c.rate_bytes_per_s = (uint64_t)xf_scn_int(be, "rate");
	/* The modelled wire latency is for the sim clock; in real mode
	 * the hand-off between threads is the wire. (A frame held in a
	 * latency queue after its TX response would also vanish with a
	 * netback that a vif move frees: on a real host an answered frame
	 * is already on the bridge.) */
	c.latency_ns = xf_rt_mode(e->rt) == XF_RT_SIM ? NET_LATENCY_NS : 0;
	c.cost_ns_per_frame = NET_CPU_NS_PER_FRAME;
	if (e->o->pcap_dir) {
		/* One capture per netback instance: a moved vif's capture
		 * must not truncate the one before the move. */
		if (v->moves)
			snprintf(pcap, sizeof(pcap), "%s/%s.%u.pcap",
				 e->o->pcap_dir, v->obj->name, v->moves);
		else
			snprintf(pcap, sizeof(pcap), "%s/%s.pcap",
				 e->o->pcap_dir, v->obj->name);
		c.pcap_path = pcap;
	}
	return xf_nb_vif_new(&c, &v->nb);
}

static void mover_run(struct xf_actor *a);
static const struct xf_actor_ops mover_ops = { .run = mover_run };

static int build_vif(struct eng *e, struct eng_vif *v, unsigned int idx,
		     unsigned int vcpu)
{
	const struct xf_scn_obj *o = v->obj;
	const struct xf_scn_obj *fe = xf_scn_sub(o, "frontend");
	struct xf_netfront_config fc;
	int r;

	v->e = e;
	if (xf_scn_str(o, "mac")) {
		if (xf_mac_parse(xf_scn_str(o, "mac"), v->mac))
			return -EINVAL;
	} else {
		uint8_t m[6] = { 0x00, 0x16, 0x3e, 0x00, (uint8_t)idx,
				 (uint8_t)(idx + 1) };

		memcpy(v->mac, m, 6);
	}
	v->dirs.fe_domid = v->vm->domid;
	v->dirs.be_domid = v->vm->host->domid;
	v->dirs.devid = idx;
	memcpy(v->dirs.mac, v->mac, 6);
	v->dirs.trusted = -1;
	v->nb_vcpu = vcpu;
	r = xf_actor_add(e->rt, &v->mover, &mover_ops, o->name, vcpu);
	if (r)
		return r;
	r = xf_nb_toolstack_add_vif(e->dom0, &v->dirs);
	if (r)
		return r;
	r = nb_start(e, v, v->vm->host, xf_scn_sub(o, "backend"));
	if (r)
		return r;
	for (unsigned int i = 0; i < net(e)->nsw; i++)
		if (!strcmp(net(e)->swname[i], xf_scn_str(o, "bridge")))
			v->sw = i;
	xf_netfront_config_init(&fc);
	fc.plat = v->vm->p;
	fc.rt = e->rt;
	snprintf(v->path, sizeof(v->path), "device/vif/%u", idx);
	fc.dev_path = v->path;
	fc.max_queues = (unsigned int)xf_scn_int(o, "queues");
	fc.xenbus_vcpu = v->vm->vcpu0;
	/* The queues run on the VM's own vCPUs (queue i on vCPU i mod
	 * vcpus), never on another guest's. */
	for (unsigned int q = 0; q < XF_NETFRONT_MAX_QUEUES; q++)
		fc.queue_vcpu[q] = v->vm->vcpu0 + q % v->vm->nvcpus;
	fc.nr_queue_vcpus = XF_NETFRONT_MAX_QUEUES;
	fc.tx_cost_ns = NET_CPU_NS_PER_FRAME;
	fc.rx_cost_ns = NET_CPU_NS_PER_FRAME;
	fc.no_sg = !xf_scn_bool(fe, "sg");
	fc.tx_raw_layout = !strcmp(xf_scn_str(fe, "tx_layout"), "raw");
	fc.watchdog_period_ns = (uint64_t)xf_scn_int(fe, "watchdog");
	fc.tx_timeout_ns = (uint64_t)xf_scn_int(fe, "tx_timeout");
	fc.event_index_bug =
		!strcmp(xf_scn_str(fe, "event_index_bug"), "stale") ?
		XF_NETFRONT_EVIDX_STALE :
		!strcmp(xf_scn_str(fe, "event_index_bug"), "ahead") ?
		XF_NETFRONT_EVIDX_AHEAD : XF_NETFRONT_EVIDX_OK;
	fc.ops = &nf_ops;
	fc.opaque = v;
	r = xf_netfront_new(&fc, &v->nf);
	if (r)
		return r;
	r = xf_traffic_rx_new(&v->rx);
	if (r)
		return r;
	return xf_netfront_start(v->nf);
}

static int build_flow(struct eng *e, struct eng_flow *f, unsigned int idx)
{
	struct eng_net *n = net(e);
	const struct xf_scn_obj *o = f->obj;
	const char *proto = xf_scn_str(o, "proto");
	const char *layout = xf_scn_str(o, "frag_layout");
	struct xf_traffic_gen_config gc;
	bool tcp = proto[0] == 't';
	uint64_t bytes = (uint64_t)xf_scn_int(o, "bytes");
	int r;

	f->e = e;
	for (unsigned int i = 0; i < n->nvifs; i++) {
		if (!strcmp(n->vifs[i].obj->name, xf_scn_str(o, "from")))
			f->from = &n->vifs[i];
		if (!strcmp(n->vifs[i].obj->name, xf_scn_str(o, "to")))
			f->to = &n->vifs[i];
	}
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
	gc.csum = xf_scn_bool(o, "csum_offload") ? XF_TRAFFIC_CSUM_OFFLOAD :
		  XF_TRAFFIC_CSUM_GOOD;
	if (!strcmp(layout, "tiny-first"))
		gc.frags.kind = XF_TRAFFIC_FRAGS_TINY_FIRST;
	else if (!strcmp(layout, "many"))
		gc.frags.kind = XF_TRAFFIC_FRAGS_MANY;
	gc.frags.nfrags = (unsigned int)xf_scn_int(o, "nfrags");
	gc.frags.first_frag = (uint32_t)xf_scn_int(o, "first_frag");
	gc.cookie_base = (uint64_t)(idx + 1) << FLOW_COOKIE_SHIFT;
	f->fl = gc.flow;
	f->rate = (uint64_t)xf_scn_int(o, "rate");
	f->unreachable = f->from == f->to || f->from->sw != f->to->sw;
	f->window = tcp ? TCP_WINDOW_BYTES : 0;
	r = xf_traffic_gen_new(&gc, &f->gen);
	if (r)
		return r;
	r = xf_traffic_rx_expect(f->to->rx, &gc.flow, tcp);
	if (r)
		return r;
	return xf_actor_add(e->rt, &f->actor, &flow_ops, o->name,
			    f->from->vm->vcpu0);
}

int eng_net_build(struct eng *e, unsigned int *next_vcpu)
{
	size_t nv = xf_scn_count(e->scn, "vif"), nfl;
	struct eng_net *n;
	int r;

	if (!nv)
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	e->net = n;
	for (size_t i = 0; i < nv && i < ENG_MAX; i++) {
		struct eng_vif *v = &n->vifs[i];
		const char *vmn;

		pthread_mutex_init(&v->rx_lock, NULL);
		atomic_init(&v->connected, false);
		atomic_init(&v->inflight, 0);
		v->obj = xf_scn_nth(e->scn, "vif", i);
		vmn = xf_scn_str(v->obj, "vm");
		for (unsigned int k = 0; k < e->nvms; k++)
			if (!strcmp(e->vms[k].obj->name, vmn))
				v->vm = &e->vms[k];
		snprintf(e->vcpu_names[*next_vcpu], 64, "%s/netback-%s",
			 v->vm->host->obj ? v->vm->host->obj->name : "host0",
			 v->obj->name);
		r = build_vif(e, v, (unsigned int)i, (*next_vcpu)++);
		n->nvifs++;
		if (r) {
			snprintf(e->err, sizeof(e->err), "vif '%s': could not "
				 "set up: %s", v->obj->name, strerror(-r));
			return r;
		}
	}
	nfl = xf_scn_count(e->scn, "flow");
	for (size_t i = 0; i < nfl && i < ENG_MAX; i++) {
		struct eng_flow *f = &n->flows[i];

		atomic_init(&f->started, false);
		atomic_init(&f->stopped, false);
		atomic_init(&f->finished, false);
		atomic_init(&f->drained, false);
		atomic_init(&f->wnd_blocked, false);
		f->obj = xf_scn_nth(e->scn, "flow", i);
		r = build_flow(e, f, (unsigned int)i);
		n->nflows++;
		if (r) {
			snprintf(e->err, sizeof(e->err), "flow '%s': could not "
				 "set up: %s", f->obj->name, strerror(-r));
			return r;
		}
	}
	return 0;
}

bool eng_net_connected(struct eng *e)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++)
		if (!atomic_load(&n->vifs[i].connected))
			return false;
	return true;
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
	if (flow_check_drained(f))
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
	if (flow_check_drained(f))
		return;
	if (now >= f->probe_ns)
		send_probe(f, now);
	xf_actor_set_timer(&f->actor, f->probe_ns);
}

/* TCP: whether the bytes on the way fill the window. Two upper bounds
 * of them, either may be the tighter: what was sent beyond the resolved
 * offset (covers losses), and what was sent, not refused by the
 * backend, minus what arrived (covers refused frames and frames that
 * arrive with a bad checksum). A window full for a probe timeout with
 * no progress sends a probe (its tail may be lost). */
static bool window_full(struct eng_flow *f, uint64_t now)
{
	struct eng_net *n = net(f->e);
	struct xf_traffic_rx_flow_stats rs = { 0 };
	uint64_t sent = xf_traffic_gen_sent_bytes(f->gen), err, got, a, b;

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
	if ((a < b ? a : b) < f->window) {
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
	if (f->rate) {
		if (now < f->next_ns) {
			xf_actor_set_timer(a, f->next_ns);
			return;
		}
		burst = 1;
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
		if (f->rate)
			f->next_ns = now + (uint64_t)(1e9 * (double)
				(xf_scn_int(f->obj, "msg_size")) /
				(double)f->rate);
		if (!blocked)
			xf_actor_kick(a);
	} else if (r == 0 && xf_traffic_gen_done(f->gen)) {
		atomic_store(&f->stopped, true);
		xf_actor_kick(a);
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
		k += !flow_check_drained(&n->flows[i]);
	return k;
}

void eng_net_finish(struct eng *e, uint64_t now)
{
	struct eng_net *n = net(e);

	(void)now;
	for (unsigned int i = 0; n && i < n->nflows; i++)
		atomic_store(&n->flows[i].stopped, true);
}

static void stats_add(struct xf_nb_vif_stats *a,
		      const struct xf_nb_vif_stats *b)
{
	a->tx_frames += b->tx_frames;
	a->tx_bytes += b->tx_bytes;
	a->tx_gso_frames += b->tx_gso_frames;
	a->rx_frames += b->rx_frames;
	a->rx_bytes += b->rx_bytes;
	a->rx_gso_frames += b->rx_gso_frames;
	a->csum_filled += b->csum_filled;
	a->csum_left_blank += b->csum_left_blank;
	a->segmented += b->segmented;
	a->segments += b->segments;
	a->rx_validated += b->rx_validated;
	a->rx_csum_bad += b->rx_csum_bad;
	a->mcast_ops += b->mcast_ops;
	for (int i = 0; i < XF_NB_DROP_NR; i++)
		a->drops[i] += b->drops[i];
	a->connects += b->connects;
	if (b->tx_max_slots > a->tx_max_slots)
		a->tx_max_slots = b->tx_max_slots;
	a->pcap_frames += b->pcap_frames;
	a->notify_failed += b->notify_failed;
}

/* The toolstack's part of a vif move: the old netback goes (it unmaps
 * and closes), both directories are re-created at state 1 pointing to
 * the destination, and a netback there offers that host's features. */
static int move_vif(struct eng_vif *v, struct eng_host *h)
{
	struct eng *e = v->e;
	const struct xf_scn_obj *be = xf_scn_sub(v->obj, "backend");
	struct xf_nb_vif_stats st;
	int r;

	if (v->nb) {
		xf_nb_vif_stats(v->nb, &st);
		stats_add(&v->old, &st);
		xf_nb_vif_free(v->nb);
		v->nb = NULL;
	}
	r = xf_nb_toolstack_remove_vif(e->dom0, v->dirs.fe_domid,
				       v->dirs.be_domid, v->dirs.devid);
	if (r)
		return r;
	v->dirs.be_domid = h->domid;
	r = xf_nb_toolstack_add_vif(e->dom0, &v->dirs);
	if (r)
		return r;
	v->moves++;
	if (h->obj && xf_scn_isset(h->obj, "net"))
		be = xf_scn_sub(h->obj, "net");
	r = nb_start(e, v, h, be);
	if (r)
		return r;
	v->suspended = false;
	return xf_netfront_resume(v->nf);
}

static void mover_run(struct xf_actor *a)
{
	struct eng_vif *v = (struct eng_vif *)((char *)a -
				offsetof(struct eng_vif, mover));
	struct eng_host *h = v->move_to;
	int r;

	if (!h)
		return;
	v->move_to = NULL;
	r = move_vif(v, h);
	atomic_store(&v->moving, false);
	xf_actor_kick(&v->e->ctl);
	if (r)
		eng_fail(v->e, r, "vif '%s': moving to host '%s': %s",
			 v->obj->name, h->obj ? h->obj->name : "host0",
			 strerror(-r));
}

int eng_net_vm_suspend(struct eng *e, struct eng_vm *vm)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];
		int r;

		if (v->vm != vm || v->suspended)
			continue;
		r = xf_netfront_suspend(v->nf);
		if (r)
			return r;
		v->suspended = true;
	}
	return 0;
}

int eng_net_vm_resume(struct eng *e, struct eng_vm *vm)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];
		int r;

		if (v->vm != vm || !v->suspended)
			continue;
		r = xf_netfront_resume(v->nf);
		if (r)
			return r;
		v->suspended = false;
	}
	return 0;
}

int eng_net_vm_move(struct eng *e, struct eng_vm *vm, struct eng_host *h)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];

		if (v->vm != vm)
			continue;
		if (atomic_load(&v->moving))
			return -EBUSY;
		v->move_to = h;
		atomic_store(&v->moving, true);
		xf_actor_kick(&v->mover);
	}
	return 0;
}

bool eng_net_vm_up(struct eng *e, const struct eng_vm *vm)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		const struct eng_vif *v = &n->vifs[i];
		enum xf_netfront_state st;

		if (v->vm != vm)
			continue;
		if (atomic_load(&v->moving))
			return false;
		st = xf_netfront_state(v->nf);
		if (st != XF_NETFRONT_CONNECTED && st != XF_NETFRONT_ERROR &&
		    st != XF_NETFRONT_CLOSED)
			return false;
	}
	return true;
}

uint64_t eng_net_vm_rx_bytes(struct eng *e, const struct eng_vm *vm)
{
	struct eng_net *n = net(e);
	uint64_t b = 0;

	for (unsigned int i = 0; n && i < n->nvifs; i++)
		if (n->vifs[i].vm == vm)
			b += atomic_load_explicit(&n->vifs[i].rx_bytes,
						  memory_order_relaxed);
	return b;
}

/* From the counters eng_net_collect() set, so that expectations, which
 * are checked after the vifs are gone, see what the receivers saw. */
void eng_net_measure(struct eng *e, const char *flow, double *bad_csum,
		     double *bad_seg, double *gbps)
{
	const struct xf_ctrs *c = &e->res->counters;
	size_t nv = xf_scn_count(e->scn, "vif");
	char k[160];

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
#define G(key) (snprintf(k, sizeof(k), "%s.%s", vn, key), \
		(double)xf_ctrs_get(c, k))
		*bad_csum += G("rx.bad_csum") + G("rx.validated_but_bad");
		*bad_seg += G("rx.bad_seg");
		*gbps += G("rx.throughput_bps") / 1e9;
#undef G
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
	down = receiver_down(f->to);
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
	C("tx.ok", f->done_ok);
	C("tx.eio", f->done_eio);
	C("tx.emsgsize", f->done_emsgsize);
	C("tx.other_errors", f->done_other);
	C("rx.good", rs.good);
	C("rx.bytes", rs.payload_bytes);
	C("rx.contiguous", rs.contiguous);
	C("rx.bad", rs.bad);
	C("rx.bad_bytes", rs.bad_bytes);
	C("net.sent_bytes", f->ok_bytes);
	C("net.arrived_bytes", arrived);
	C("net.lost_bytes", drained ? missing : 0);
	C("net.in_flight_bytes", drained ? 0 : missing);
	C("net.drained", drained);
	C("net.drain_us", drained && f->drained_ns > f->finished_ns ?
	  (f->drained_ns - f->finished_ns) / 1000 : 0);
	C("net.probes", f->probes);
	C("net.window_waits", f->window_waits);
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
		xf_traffic_rx_stats(v->rx, &st);
		pthread_mutex_unlock(&v->rx_lock);
#define C(key, val) eng_ctr_set(e, nm, key, (uint64_t)(val))
		C("rx.frames", st.frames);
		C("rx.good", st.good);
		C("rx.bad_csum", st.bad_csum);
		C("rx.validated_but_bad", st.validated_but_bad);
		C("rx.bad_seg", st.bad_seg);
		C("rx.dup", st.dup);
		C("rx.gso_frames", st.gso_frames);
		C("rx.payload_bytes", st.payload_bytes);
		C("rx.throughput_bps", st.throughput_bps);
		C("rx.probes", st.probes);
		memset(&last, 0, sizeof(last));
		if (v->nb)
			xf_nb_vif_stats(v->nb, &last);
		/* Totals over every netback the vif had. */
		ns = v->old;
		stats_add(&ns, &last);
		C("backend.tx_frames", ns.tx_frames);
		C("backend.tx_gso_frames", ns.tx_gso_frames);
		C("backend.csum_filled", ns.csum_filled);
		C("backend.csum_left_blank", ns.csum_left_blank);
		C("backend.segmented", ns.segmented);
		C("backend.tx_max_slots", ns.tx_max_slots);
		C("backend.rx_frames", ns.rx_frames);
		for (int d = 0; d < XF_NB_DROP_NR; d++) {
			char dk[64];

			snprintf(dk, sizeof(dk), "backend.drop.%s",
				 xf_nb_drop_name((enum xf_nb_drop)d));
			C(dk, ns.drops[d]);
		}
		xf_netfront_stats(v->nf, &fs);
		C("tx.frames", fs.tx_frames);
		C("tx.sw_csum", fs.tx_sw_csum);
		C("tx.sw_gso", fs.tx_sw_gso);
		C("tx.slots", fs.tx_slots);
		C("tx.linearized", fs.tx_linearized);
		for (int d = 0; d < XF_NF_DROP_NR; d++) {
			enum xf_netfront_drop why = (enum xf_netfront_drop)d;
			char dk[64];

			snprintf(dk, sizeof(dk), "frontend.drop.%s",
				 xf_netfront_drop_name(why));
			C(dk, fs.drops[d]);
		}
		C("connects", fs.connects);
		C("watchdog_recoveries", fs.watchdog_recoveries);
		C("watchdog_responses", fs.watchdog_responses);
		C("tx_timeouts", fs.tx_timeouts);
		if (v->moves) {
			/* What the frontend negotiated with the netback it
			 * ended on, and what that netback received. */
			xf_netfront_features(v->nf, &ff);
			C("moves", v->moves);
			C("feature.gso_tcpv4", ff.gso_tcpv4);
			C("feature.gso_tcpv6", ff.gso_tcpv6);
			C("feature.csum", ff.tx_csum_v4);
			C("feature.sg", ff.sg);
			C("last_backend.tx_frames", last.tx_frames);
			C("last_backend.tx_gso_frames", last.tx_gso_frames);
			C("last_backend.rx_frames", last.rx_frames);
			C("last_backend.segmented", last.segmented);
		}
#undef C
	}
	for (unsigned int i = 0; n && i < n->nsw; i++) {
		struct xf_nb_switch_stats ss;

		xf_nb_switch_stats(n->sw[i], &ss);
		char sw[96];

		snprintf(sw, sizeof(sw), "switch.%s", n->swname[i]);
#define C(key, val) eng_ctr_set(e, sw, key, (uint64_t)(val))
		C("forwarded", ss.forwarded);
		C("flooded", ss.flooded);
		C("dropped", ss.dropped);
#undef C
	}
	for (unsigned int i = 0; n && i < n->nflows; i++)
		collect_flow(e, &n->flows[i]);
}

void eng_net_teardown(struct eng *e)
{
	struct eng_net *n = net(e);

	if (!n)
		return;
	for (unsigned int i = 0; i < n->nvifs; i++)
		if (n->vifs[i].mover.rt)
			xf_actor_remove(&n->vifs[i].mover);
	for (unsigned int i = 0; i < n->nflows; i++)
		if (n->flows[i].actor.rt)
			xf_actor_remove(&n->flows[i].actor);
	for (unsigned int i = 0; i < n->nvifs; i++)
		if (n->vifs[i].nb)
			xf_nb_vif_free(n->vifs[i].nb);
	/* Freeing a netfront completes what it still holds (-ESHUTDOWN)
	 * into the flows: their generators go after it. */
	for (unsigned int i = 0; i < n->nvifs; i++) {
		if (n->vifs[i].nf)
			xf_netfront_free(n->vifs[i].nf);
		xf_traffic_rx_free(n->vifs[i].rx);
		pthread_mutex_destroy(&n->vifs[i].rx_lock);
	}
	for (unsigned int i = 0; i < n->nflows; i++) {
		xf_traffic_gen_free(n->flows[i].gen);
		free(n->flows[i].done_map);
	}
	for (unsigned int i = 0; i < n->nsw; i++)
		xf_nb_switch_free(n->sw[i]);
	pthread_mutex_destroy(&n->lock);
	free(n);
	e->net = NULL;
}

int eng_net_drop_notify(struct eng *e, const char *vif, unsigned int count)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++)
		if (!strcmp(n->vifs[i].obj->name, vif))
			return xf_netfront_lose_events(n->vifs[i].nf, count);
	return -ENOENT;
}
