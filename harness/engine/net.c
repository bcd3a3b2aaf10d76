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

static int build_vif(struct eng *e, struct eng_vif *v, unsigned int idx,
		     unsigned int vcpu)
{
	const struct xf_scn_obj *o = v->obj;
	const struct xf_scn_obj *be = xf_scn_sub(o, "backend");
	const struct xf_scn_obj *fe = xf_scn_sub(o, "frontend");
	const char *mode = xf_scn_str(be, "mode");
	struct xf_nb_vif_config c;
	struct xf_netfront_config fc;
	char pcap[4096];
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
	r = xf_nb_toolstack_add_vif(e->dom0, &v->dirs);
	if (r)
		return r;
	xf_nb_vif_config_init(&c);
	c.plat = v->vm->host->p;
	c.rt = e->rt;
	c.fe_domid = v->vm->domid;
	c.devid = idx;
	c.vcpu = vcpu;
	c.sw = switch_for(e, xf_scn_str(o, "bridge"));
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
		snprintf(pcap, sizeof(pcap), "%s/%s.pcap", e->o->pcap_dir,
			 o->name);
		c.pcap_path = pcap;
	}
	r = xf_nb_vif_new(&c, &v->nb);
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
		struct xf_nb_vif_stats ns;
		struct xf_netfront_stats fs;
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
		xf_nb_vif_stats(v->nb, &ns);
		C("backend.tx_frames", ns.tx_frames);
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
