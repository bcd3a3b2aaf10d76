// SPDX-License-Identifier: MIT
/* What the engine's actions do to running vifs: suspend and resume a
 * VM's netfronts, move its vifs to another host at a migration's
 * switch-over (on each vif's backend vCPU), lose notifications. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

void eng_nb_stats_add(struct xf_nb_vif_stats *a,
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
	if (b->rx_queue_peak > a->rx_queue_peak)
		a->rx_queue_peak = b->rx_queue_peak;
	a->pcap_frames += b->pcap_frames;
	if (!a->pcap_error)
		a->pcap_error = b->pcap_error;
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
		eng_nb_stats_add(&v->old, &st);
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
	r = eng_nb_start(e, v, h, be);
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
			 v->obj->name, eng_host_name(h),
			 strerror(-r));
}

const struct xf_actor_ops eng_vif_mover_ops = { .run = mover_run };

int eng_net_vm_suspend(struct eng *e, struct eng_vm *vm, bool resume)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; n && i < n->nvifs; i++) {
		struct eng_vif *v = &n->vifs[i];
		int r;

		if (v->vm != vm || v->suspended == !resume)
			continue;
		r = resume ? xf_netfront_resume(v->nf) :
			     xf_netfront_suspend(v->nf);
		if (r)
			return r;
		v->suspended = !resume;
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

int eng_net_drop_notify(struct eng *e, const char *vif, unsigned int count)
{
	struct eng_vif *v = eng_vif_by_name(net(e), vif);

	return v ? xf_netfront_lose_events(v->nf, count) : -ENOENT;
}
