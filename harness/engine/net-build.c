// SPDX-License-Identifier: MIT
/* Builds the network of a run and takes it down: the switches (one per
 * bridge), each vif's netback on its host and netfront in its VM, and
 * the flows (net-flow.c) between them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

/* Cost model defaults of the network path (ns per frame). */
#define NET_CPU_NS_PER_FRAME 500
#define NET_LATENCY_NS 10000

unsigned int eng_net_vcpus(struct eng *e)
{
	/* one backend vCPU per vif */
	return (unsigned int)xf_scn_count(e->scn, "vif");
}

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

int eng_nb_start(struct eng *e, struct eng_vif *v, struct eng_host *h,
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
	c.lenient = eng_nb_lenient(v->obj, h->obj);
	c.rate_bytes_per_s = (uint64_t)xf_scn_int(be, "rate");
	/* The modelled wire latency is for the sim clock; in real mode
	 * the hand-off between threads is the wire. (A frame held in a
	 * latency queue after its TX response would also vanish with a
	 * netback that a vif move frees: on a real host an answered frame
	 * is already on the bridge.) */
	c.latency_ns = xf_rt_mode(e->rt) == XF_RT_SIM ? NET_LATENCY_NS : 0;
	c.cost_ns_per_frame = NET_CPU_NS_PER_FRAME;
	eng_dance_nb_config(&c, be, !v->moves);
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

static int build_vif(struct eng *e, struct eng_vif *v, unsigned int idx,
		     unsigned int vcpu)
{
	const struct xf_scn_obj *o = v->obj;
	const struct xf_scn_obj *fe = xf_scn_sub(o, "frontend");
	struct xf_netfront_config fc;
	char fe_dir[96], be_dir[96];
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
	r = xf_actor_add(e->rt, &v->mover, &eng_vif_mover_ops, o->name, vcpu);
	if (r)
		return r;
	/* vifs have no connect_timeout key: the disks' default. */
	snprintf(fe_dir, sizeof(fe_dir), "/local/domain/%u/device/vif/%u",
		 v->dirs.fe_domid, idx);
	snprintf(be_dir, sizeof(be_dir), "/local/domain/%u/backend/vif/%u/%u",
		 v->dirs.be_domid, v->dirs.fe_domid, idx);
	r = eng_xbt_add(e, &(struct eng_xbt_dev){
		.name = o->name, .type = "vif", .fe_domid = v->dirs.fe_domid,
		.devid = idx, .fe_dir = fe_dir, .be_dir = be_dir,
		.timeout_ns = 30000000000ull, .line = o->line });
	if (r)
		return r;
	r = xf_nb_toolstack_add_vif(e->dom0, &v->dirs);
	if (r)
		return r;
	r = eng_nb_start(e, v, v->vm->host, xf_scn_sub(o, "backend"));
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
	fc.event_index_bug = eng_evidx_bug(xf_scn_str(fe, "event_index_bug"));
	fc.rx_bad_response_fatal = xf_scn_bool(fe, "rx_bad_response_fatal");
	fc.rx_wait_partial = xf_scn_bool(fe, "rx_wait_partial");
	fc.ops = &eng_nf_ops;
	fc.opaque = v;
	r = xf_netfront_new(&fc, &v->nf);
	if (r)
		return r;
	r = xf_traffic_rx_new(&v->rx);
	if (r)
		return r;
	return xf_netfront_start(v->nf);
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

		pthread_mutex_init(&v->rx_lock, NULL);
		atomic_init(&v->connected, false);
		atomic_init(&v->inflight, 0);
		v->obj = xf_scn_nth(e->scn, "vif", i);
		v->vm = eng_vm_by_name(e, xf_scn_str(v->obj, "vm"));
		snprintf(e->vcpu_names[*next_vcpu], 64, "%s/netback-%s",
			 eng_host_name(v->vm->host), v->obj->name);
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
		r = eng_flow_build(e, f, (unsigned int)i);
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

struct eng_vif *eng_vif_by_name(struct eng_net *n, const char *name)
{
	for (unsigned int i = 0; n && i < n->nvifs; i++)
		if (!strcmp(n->vifs[i].obj->name, name))
			return &n->vifs[i];
	return NULL;
}
