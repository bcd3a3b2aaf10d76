// SPDX-License-Identifier: MIT
/*
 * Network side of a run: each vif is a mock netback (on its host's
 * domain, plugged into a switch per bridge) and a netfront in its VM;
 * each flow is an actor that feeds a traffic generator into the sending
 * netfront; each receiving vif checks every frame with a traffic
 * receiver (checksums, segmentation, payload).
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
	struct xf_traffic_rx *rx;
	struct xf_nb_vif_dirs dirs;
	uint8_t mac[6];
	bool connected;
	uint64_t inflight;       /* frames sent, tx_done not yet seen */
	char path[64];
};

struct eng_flow {
	struct xf_actor actor;
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vif *from, *to;
	struct xf_traffic_gen *gen;
	struct xf_traffic_flow fl;
	uint64_t end_ns, sent_frames;
	uint64_t rate, next_ns, bytes_sent;
	bool stopped, finished;
	/* Exactly-once accounting of tx_done, by frame number (under the
	 * net lock: queues of one vif may complete on several threads). */
	uint8_t *done_map;
	uint64_t map_bits;
	uint64_t completed, done_ok, done_eio, done_emsgsize, done_other;
	uint64_t dup, unknown;
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
 * frame, or one for a frame never sent, is counted, never hidden. */
static void flow_done(struct eng_flow *f, uint64_t frame, int status)
{
	if (frame == 0 || frame > f->sent_frames) {
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
	if (status == 0)
		f->done_ok++;
	else if (status == -EIO)
		f->done_eio++;
	else if (status == -EMSGSIZE)
		f->done_emsgsize++;
	else
		f->done_other++;
}

static void nf_tx_done(void *opaque, uint64_t cookie, int status)
{
	struct eng_vif *v = opaque;
	struct eng_net *n = net(v->e);
	uint64_t fi = cookie >> FLOW_COOKIE_SHIFT;

	/* Each flow's generator numbers its frames under its own cookie
	 * base; completions are checked per flow, exactly once. */
	if (n && fi >= 1 && fi <= n->nflows && n->flows[fi - 1].from == v) {
		pthread_mutex_lock(&n->lock);
		flow_done(&n->flows[fi - 1], cookie & ((UINT64_C(1) <<
				FLOW_COOKIE_SHIFT) - 1), status);
		pthread_mutex_unlock(&n->lock);
	}
	if (v->inflight)
		v->inflight--;
	for (unsigned int i = 0; n && i < n->nflows; i++)
		if (n->flows[i].from == v)
			xf_actor_kick(&n->flows[i].actor);
}

static void nf_rx(void *opaque, const struct xf_net_rx_frame *fr)
{
	struct eng_vif *v = opaque;

	atomic_fetch_add_explicit(&v->rx_bytes, fr->len,
				  memory_order_relaxed);
	if (v->rx)
		xf_traffic_rx_frame(v->rx, fr->data, fr->len, fr->flags,
				    fr->gso_size, xf_rt_now_ns(v->e->rt));
}

static void nf_state(void *opaque, enum xf_netfront_state st)
{
	struct eng_vif *v = opaque;

	if (st == XF_NETFRONT_CONNECTED)
		v->connected = true;
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
	c.latency_ns = NET_LATENCY_NS;
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
	xf_netfront_config_init(&fc);
	fc.plat = v->vm->p;
	fc.rt = e->rt;
	snprintf(v->path, sizeof(v->path), "device/vif/%u", idx);
	fc.dev_path = v->path;
	fc.max_queues = (unsigned int)xf_scn_int(o, "queues");
	fc.xenbus_vcpu = v->vm->vcpu0;
	fc.tx_cost_ns = NET_CPU_NS_PER_FRAME;
	fc.rx_cost_ns = NET_CPU_NS_PER_FRAME;
	fc.no_sg = !xf_scn_bool(fe, "sg");
	fc.tx_raw_layout = !strcmp(xf_scn_str(fe, "tx_layout"), "raw");
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
		if (!n->vifs[i].connected)
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
		if ((rt ? rt : dur) > e->end_ns)
			e->end_ns = rt ? rt : dur;
		xf_actor_kick(&f->actor);
	}
}

/* Pushes frames while the netfront takes them; paced when a rate is
 * set; stops at the end of its runtime or of its byte count. */
static void flow_run(struct xf_actor *a)
{
	struct eng_flow *f = (struct eng_flow *)((char *)a -
				offsetof(struct eng_flow, actor));
	uint64_t now = xf_rt_now_ns(f->e->rt);
	unsigned int burst = 64;
	int r;

	if (f->finished)
		return;
	if (!f->stopped && (now >= f->end_ns ||
			    xf_traffic_gen_done(f->gen)))
		f->stopped = true;
	if (f->stopped) {
		if (!f->from->inflight) {
			f->finished = true;
			xf_actor_kick(&f->e->ctl);
		}
		return;
	}
	if (f->rate) {
		if (now < f->next_ns) {
			xf_actor_set_timer(a, f->next_ns);
			return;
		}
		burst = 1;
	}
	if (f->from->inflight > 256)
		return;
	r = xf_traffic_gen_send(f->gen, f->from->nf, -1, burst);
	if (r > 0)
		/* The sender's CPU per frame: time moves on in sim mode
		 * and the flow cannot outrun its runtime. */
		xf_rt_charge(f->e->rt, (uint64_t)r * FLOW_CPU_NS_PER_FRAME);
	if (r > 0) {
		f->from->inflight += (uint64_t)r;
		f->sent_frames += (uint64_t)r;
		if (f->rate)
			f->next_ns = now + (uint64_t)(1e9 * (double)
				(xf_scn_int(f->obj, "msg_size")) /
				(double)f->rate);
		xf_actor_kick(a);
	} else if (r == 0 && xf_traffic_gen_done(f->gen)) {
		f->stopped = true;
		xf_actor_kick(a);
	}
	/* -EAGAIN: the backlog is full; tx_done kicks us. */
	if (!f->stopped)
		xf_actor_set_timer(a, f->rate ? f->next_ns : f->end_ns);
}

unsigned int eng_net_active(struct eng *e)
{
	struct eng_net *n = net(e);
	unsigned int k = 0;

	for (unsigned int i = 0; n && i < n->nflows; i++)
		k += !n->flows[i].finished;
	return k;
}

void eng_net_finish(struct eng *e, uint64_t now)
{
	struct eng_net *n = net(e);

	(void)now;
	for (unsigned int i = 0; n && i < n->nflows; i++)
		n->flows[i].stopped = true;
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

void eng_net_measure(struct eng *e, const char *flow, double *bad_csum,
		     double *bad_seg, double *gbps)
{
	struct eng_net *n = net(e);

	*bad_csum = *bad_seg = *gbps = 0;
	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct xf_traffic_rx_stats st;
		bool wanted = !flow;

		for (unsigned int k = 0; flow && k < n->nflows; k++)
			wanted |= n->flows[k].to == &n->vifs[i] &&
				  !strcmp(n->flows[k].obj->name, flow);
		if (!wanted)
			continue;
		xf_traffic_rx_stats(n->vifs[i].rx, &st);
		*bad_csum += (double)(st.bad_csum + st.validated_but_bad);
		*bad_seg += (double)st.bad_seg;
		*gbps += (double)st.throughput_bps / 1e9;
	}
}

void eng_net_collect(struct eng *e)
{
	struct eng_net *n = net(e);
	char k[128];

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];
		struct xf_traffic_rx_stats st;
		struct xf_nb_vif_stats ns, last;
		struct xf_netfront_stats fs;
		struct xf_netfront_features ff;
		const char *nm = v->obj->name;

		xf_traffic_rx_stats(v->rx, &st);
#define C(key, val) do { snprintf(k, sizeof(k), "%s.%s", nm, key); \
		xf_ctrs_set(&e->res->counters, k, (uint64_t)(val)); } while (0)
		C("rx.frames", st.frames);
		C("rx.good", st.good);
		C("rx.bad_csum", st.bad_csum);
		C("rx.validated_but_bad", st.validated_but_bad);
		C("rx.bad_seg", st.bad_seg);
		C("rx.dup", st.dup);
		C("rx.gso_frames", st.gso_frames);
		C("rx.payload_bytes", st.payload_bytes);
		C("rx.throughput_bps", st.throughput_bps);
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
	for (unsigned int i = 0; n && i < n->nflows; i++) {
		struct eng_flow *f = &n->flows[i];
		struct xf_traffic_rx_flow_stats rs = { 0 };
		const char *nm = f->obj->name;

		xf_traffic_rx_flow_stats(f->to->rx, f->fl.id, &rs);
		pthread_mutex_lock(&n->lock);
#define C(key, val) do { snprintf(k, sizeof(k), "%s.%s", nm, key); \
		xf_ctrs_set(&e->res->counters, k, (uint64_t)(val)); } while (0)
		C("tx.sent", f->sent_frames);
		C("tx.bytes", xf_traffic_gen_sent_bytes(f->gen));
		C("tx.completed", f->completed);
		C("tx.never_completed", f->sent_frames - f->completed);
		C("tx.dup_completions", f->dup);
		C("tx.unknown_completions", f->unknown);
		C("tx.ok", f->done_ok);
		C("tx.eio", f->done_eio);
		C("tx.emsgsize", f->done_emsgsize);
		C("tx.other_errors", f->done_other);
		C("rx.good", rs.good);
		C("rx.bytes", rs.payload_bytes);
		C("rx.contiguous", rs.contiguous);
#undef C
		pthread_mutex_unlock(&n->lock);
	}
}

void eng_net_teardown(struct eng *e)
{
	struct eng_net *n = net(e);

	if (!n)
		return;
	for (unsigned int i = 0; i < n->nvifs; i++)
		if (n->vifs[i].mover.rt)
			xf_actor_remove(&n->vifs[i].mover);
	for (unsigned int i = 0; i < n->nflows; i++) {
		if (n->flows[i].actor.rt)
			xf_actor_remove(&n->flows[i].actor);
		xf_traffic_gen_free(n->flows[i].gen);
		free(n->flows[i].done_map);
	}
	for (unsigned int i = 0; i < n->nvifs; i++)
		if (n->vifs[i].nb)
			xf_nb_vif_free(n->vifs[i].nb);
	for (unsigned int i = 0; i < n->nvifs; i++) {
		if (n->vifs[i].nf)
			xf_netfront_free(n->vifs[i].nf);
		xf_traffic_rx_free(n->vifs[i].rx);
	}
	for (unsigned int i = 0; i < n->nsw; i++)
		xf_nb_switch_free(n->sw[i]);
	pthread_mutex_destroy(&n->lock);
	free(n);
	e->net = NULL;
}
