/* SPDX-License-Identifier: MIT */
/* One netfront queue: its actor, rings, buffer grants and ports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_priv.h"

static void queue_run(struct xf_actor *a);

static const struct xf_actor_ops queue_ops = {
	.run = queue_run,
};

static struct nf_queue *queue_of(struct xf_actor *a)
{
	return (struct nf_queue *)((char *)a - offsetof(struct nf_queue,
							actor));
}

void nf_queue_kick(struct nf_queue *q)
{
	if (q->actor.rt) {
		/* Set before the kick: the run it causes sees it. */
		atomic_store(&q->kicked, true);
		xf_actor_kick(&q->actor);
	}
}

/* One of the events xf_netfront_lose_events() asked to lose. */
static bool take_lost_event(struct xf_netfront *nf)
{
	unsigned int n = atomic_load(&nf->lose_events);

	while (n > 0)
		if (atomic_compare_exchange_weak(&nf->lose_events, &n, n - 1))
			return true;
	return false;
}

int nf_queue_init(struct xf_netfront *nf, unsigned int idx)
{
	struct nf_queue *q = &nf->q[idx];
	const struct xf_platform *p = nf->p;
	unsigned int vcpu, nv = xf_rt_nr_vcpus(nf->rt);
	int rc;

	q->nf = nf;
	q->idx = idx;
	q->timer_at = UINT64_MAX;
	q->tx_deadline = UINT64_MAX;
	atomic_init(&q->kicked, false);
	pthread_mutex_init(&q->lock, NULL);
	pthread_mutex_init(&q->bl_lock, NULL);
	pthread_cond_init(&q->deliver_cv, NULL);
	if (nf->cfg.nr_queue_vcpus)
		vcpu = nf->cfg.queue_vcpu[idx % nf->cfg.nr_queue_vcpus];
	else
		vcpu = idx % nv;
	if (vcpu >= nv)
		vcpu = nv - 1;
	rc = xf_actor_add(nf->rt, &q->actor, &queue_ops, "netfront-queue",
			  vcpu);
	if (rc < 0)
		goto err;
	rc = p->evtchn->open((struct xf_platform *)p, &q->evh);
	if (rc < 0)
		goto err_actor;
	/* Mock: the platform kicks the actor directly. Xen: watch the fd. */
	rc = p->evtchn->set_wakeup(q->evh, xf_actor_wakeup, &q->actor);
	if (rc == 0) {
		q->wakeup_hooked = true;
	} else if (rc == -ENOTSUP) {
		rc = xf_actor_watch_fd(&q->actor, p->evtchn->fd(q->evh));
		if (rc < 0)
			goto err_evh;
		q->fd_watched = true;
	} else {
		goto err_evh;
	}
	return 0;
err_evh:
	p->evtchn->close(q->evh);
	q->evh = NULL;
err_actor:
	xf_actor_remove(&q->actor);
err:
	q->actor.rt = NULL;
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->bl_lock);
	pthread_cond_destroy(&q->deliver_cv);
	return rc;
}

void nf_queue_fini(struct nf_queue *q)
{
	const struct xf_platform *p = q->nf->p;

	if (q->evh) {
		if (q->wakeup_hooked)
			p->evtchn->set_wakeup(q->evh, NULL, NULL);
		p->evtchn->close(q->evh);
		q->evh = NULL;
	}
	free(q->rxs.buf);
	q->rxs.buf = NULL;
	pthread_mutex_destroy(&q->lock);
	pthread_mutex_destroy(&q->bl_lock);
	pthread_cond_destroy(&q->deliver_cv);
}

static int region_share(struct xf_netfront *nf, struct nf_region *r,
			unsigned int n, bool writable)
{
	int rc;

	r->refs = calloc(n, sizeof(*r->refs));
	if (!r->refs)
		return -ENOMEM;
	rc = nf->p->gnt->share(nf->p, nf->be_id, n, writable, r->refs,
			       &r->addr);
	if (rc < 0) {
		free(r->refs);
		r->refs = NULL;
		r->addr = NULL;
		return rc;
	}
	r->n = n;
	return 0;
}

/* Revoke; a grant the backend still maps moves to the release list and
 * is retried later (never reused, never freed under the backend). */
static void region_release(struct xf_netfront *nf, struct nf_region *r)
{
	struct nf_region *keep;
	int rc;

	if (!r->addr)
		return;
	rc = nf->p->gnt->unshare(nf->p, r->addr, r->n);
	if (rc < 0) {
		keep = malloc(sizeof(*keep));
		if (keep) {
			*keep = *r;
			pthread_mutex_lock(&nf->lock);
			keep->next = nf->release;
			nf->release = keep;
			pthread_mutex_unlock(&nf->lock);
			r->refs = NULL;
		}
	}
	free(r->refs);
	memset(r, 0, sizeof(*r));
}

void nf_release_retry(struct xf_netfront *nf)
{
	struct nf_region **pp, *r;

	pthread_mutex_lock(&nf->lock);
	pp = &nf->release;
	while ((r = *pp)) {
		if (nf->p->gnt->unshare(nf->p, r->addr, r->n) == 0) {
			*pp = r->next;
			free(r->refs);
			free(r);
		} else {
			pp = &r->next;
		}
	}
	pthread_mutex_unlock(&nf->lock);
}

/* The rings, buffers and per-id arrays of a session (what exists of
 * them). */
static void release_rings(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;

	region_release(nf, &q->tx_bufs);
	region_release(nf, &q->rx_bufs);
	region_release(nf, &q->tx_ring_pg);
	region_release(nf, &q->rx_ring_pg);
	free(q->tx_owner);
	free(q->tx_free);
	free(q->tx_at);
	q->tx_owner = NULL;
	q->tx_free = NULL;
	q->tx_at = NULL;
}

int nf_queue_setup(struct nf_queue *q, bool split)
{
	struct xf_netfront *nf = q->nf;
	const struct xf_platform *p = nf->p;
	unsigned int i;
	int rc;

	rc = region_share(nf, &q->tx_ring_pg, 1, true);
	if (rc < 0)
		return rc;
	rc = region_share(nf, &q->rx_ring_pg, 1, true);
	if (rc < 0)
		goto err;
	xf_sring_init(q->tx_ring_pg.addr, XF_PAGE_SIZE);
	xf_sring_init(q->rx_ring_pg.addr, XF_PAGE_SIZE);
	rc = xf_front_ring_attach(&q->tx, q->tx_ring_pg.addr, XF_PAGE_SIZE,
				  XF_NETIF_TX_SLOT_SIZE, 0);
	if (rc < 0)
		goto err;
	rc = xf_front_ring_attach(&q->rx, q->rx_ring_pg.addr, XF_PAGE_SIZE,
				  XF_NETIF_RX_SLOT_SIZE, 0);
	if (rc < 0)
		goto err;
	q->nr_tx = q->tx.nr_ents;
	q->nr_rx = q->rx.nr_ents;
	/* One page per slot id: the frontend owns the memory (gntshr) and
	 * copies frames in and out, so a buffer is never the caller's. */
	rc = region_share(nf, &q->tx_bufs, q->nr_tx, false);
	if (rc < 0)
		goto err;
	rc = region_share(nf, &q->rx_bufs, q->nr_rx, true);
	if (rc < 0)
		goto err;
	q->tx_owner = calloc(q->nr_tx, sizeof(*q->tx_owner));
	q->tx_free = calloc(q->nr_tx, sizeof(*q->tx_free));
	q->tx_at = calloc(q->nr_tx, sizeof(*q->tx_at));
	if (!q->rxs.buf)
		q->rxs.buf = malloc(NF_RX_BUF_MAX);
	if (!q->tx_owner || !q->tx_free || !q->tx_at || !q->rxs.buf) {
		rc = -ENOMEM;
		goto err;
	}
	for (i = 0; i < q->nr_tx; i++)
		q->tx_free[i] = (uint16_t)(q->nr_tx - 1 - i);
	q->tx_nfree = q->nr_tx;
	q->tx_extras_out = 0;
	q->rx_posted = 0;
	q->rx_high = nf->cfg.rx_high_watermark ? nf->cfg.rx_high_watermark :
						 q->nr_rx;
	if (q->rx_high > q->nr_rx)
		q->rx_high = q->nr_rx;
	q->rx_low = nf->cfg.rx_low_watermark ? nf->cfg.rx_low_watermark :
					       q->nr_rx / 4;
	if (q->rx_low > q->rx_high)
		q->rx_low = q->rx_high;
	memset(&q->rxs, 0, offsetof(struct nf_rxstate, buf));
	rc = p->evtchn->alloc_unbound(q->evh, nf->be_id, &q->port_tx);
	if (rc < 0)
		goto err;
	q->port_rx = q->port_tx;
	if (split) {
		rc = p->evtchn->alloc_unbound(q->evh, nf->be_id, &q->port_rx);
		if (rc < 0) {
			p->evtchn->unbind(q->evh, q->port_tx);
			goto err;
		}
	}
	nf_wd_reset(q);
	q->set_up = true;
	q->quiesced = false;
	q->session++;
	return 0;
err:
	release_rings(q);
	return rc;
}

int nf_queue_write_keys(struct nf_queue *q, xf_txn t, const char *base,
			bool split)
{
	const struct xf_platform *p = q->nf->p;
	struct xf_xs *xs = q->nf->xs;
	char path[NF_PATH_MAX + 96];
	int rc;

	snprintf(path, sizeof(path), "%s/tx-ring-ref", base);
	rc = xf_xs_printf(p, xs, t, path, "%u", q->tx_ring_pg.refs[0]);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/rx-ring-ref", base);
	rc = xf_xs_printf(p, xs, t, path, "%u", q->rx_ring_pg.refs[0]);
	if (rc < 0)
		return rc;
	if (split) {
		snprintf(path, sizeof(path), "%s/event-channel-tx", base);
		rc = xf_xs_printf(p, xs, t, path, "%u", q->port_tx);
		if (rc < 0)
			return rc;
		snprintf(path, sizeof(path), "%s/event-channel-rx", base);
		return xf_xs_printf(p, xs, t, path, "%u", q->port_rx);
	}
	snprintf(path, sizeof(path), "%s/event-channel", base);
	return xf_xs_printf(p, xs, t, path, "%u", q->port_tx);
}

/* Caller holds q->lock. drop < 0: in-flight frames are re-sent after
 * reconnect (unless configured not to); else they end with that reason. */
void nf_queue_quiesce(struct nf_queue *q, int drop)
{
	struct xf_netfront *nf = q->nf;
	const struct xf_platform *p = nf->p;
	nf_txlist back = XF_FIFO_INIT;
	struct nf_txframe *fr;
	unsigned int i, nback = 0;

	if (!q->set_up || q->quiesced)
		return;
	/* Answers already on the ring complete normally; only what the
	 * backend never answered is re-sent. */
	if (drop < 0 && !atomic_load(&nf->broken))
		nf_tx_responses(q);
	/* An error there drops the lock (nf_queue_error): the queue's own
	 * run may have quiesced it meanwhile. */
	if (!q->set_up || q->quiesced)
		return;
	q->quiesced = true;
	q->session++;
	/* In-flight frames: each goes back to the head of the backlog once
	 * (in id order does not matter; a frame is found via its first
	 * occupied id), so it is sent exactly once more after reconnect. */
	for (i = 0; i < q->nr_tx; i++) {
		fr = q->tx_owner[i];
		if (!fr)
			continue;
		for (unsigned int j = i; j < q->nr_tx; j++)
			if (q->tx_owner[j] == fr)
				q->tx_owner[j] = NULL;
		fr->outstanding = 0;
		fr->status = 0;
		if (drop >= 0 || nf->cfg.tx_no_requeue || fr->mcast) {
			nf_tx_complete(q, fr, drop >= 0 ? drop :
					      XF_NF_DROP_CLOSED);
			continue;
		}
		XF_FIFO_PUSH(&back, fr, next);
		nback++;
		nf_stat_add(nf, &nf->st.tx_requeued, 1);
	}
	nf_bl_push_list_front(q, &back, nback);
	nf_rx_reset(q);
	p->evtchn->unbind(q->evh, q->port_tx);
	if (q->port_rx != q->port_tx)
		p->evtchn->unbind(q->evh, q->port_rx);
}

/* Caller holds q->lock. */
void nf_queue_release(struct nf_queue *q)
{
	if (!q->set_up)
		return;
	nf_queue_quiesce(q, -1);
	release_rings(q);
	q->set_up = false;
}

static void queue_run(struct xf_actor *a)
{
	struct nf_queue *q = queue_of(a);
	struct xf_netfront *nf = q->nf;
	const struct xf_platform *p = nf->p;
	bool wd = nf_wd_enabled(nf), notified = false, set = false;
	bool kicked, lost = false;
	uint64_t timer = UINT64_MAX;
	int port, rc;

	/* Pending ports stay masked until unmasked: unmask before looking
	 * at the rings so an event raised meanwhile is not lost. */
	while ((port = p->evtchn->pending(q->evh)) >= 0) {
		p->evtchn->unmask(q->evh, (xf_port)port);
		notified = true;
	}

	kicked = atomic_exchange(&q->kicked, false);
	if (notified && take_lost_event(nf)) {
		/* The event never arrived: only another reason to run may
		 * look at the rings. */
		notified = false;
		lost = true;
	}
	pthread_mutex_lock(&q->lock);
	if (notified)
		q->notify_received++;
	if (lost) {
		q->events_lost++;
		if (!kicked && (!wd || q->timer_at == UINT64_MAX ||
				xf_rt_now_ns(nf->rt) < q->timer_at)) {
			nf_unlock_deliver(q);
			return;
		}
	}
	if (atomic_load(&nf->broken)) {
		/* Nothing already on the ring is re-sent into a device
		 * that is in the error state. */
		nf_queue_quiesce(q, XF_NF_DROP_DEVICE_ERROR);
		nf_tx_flush_all(q, XF_NF_DROP_DEVICE_ERROR);
		goto idle;
	}
	if (!q->set_up) {
		/* A queue beyond the negotiated count (fewer after a
		 * reconnect, or a racing send()) hands its frames on. */
		struct nf_queue *to = nf_bl_rehome(q);

		if (wd)
			set = nf_wd_stop(q, &timer);
		nf_unlock_deliver(q);
		if (to)
			nf_queue_kick(to);
		goto timer;
	}
	if (q->quiesced ||
	    atomic_load(&nf->state) != XF_NETFRONT_CONNECTED)
		goto idle;
	if (wd)
		nf_wd_before(q, notified, xf_rt_now_ns(nf->rt));
	for (;;) {
		rc = nf_tx_responses(q);
		/* Their callbacks before the rx work charges the vCPU. */
		if (rc == 0 && !nf_deliver(q, NULL))
			rc = -ESTALE;
		if (rc == 0)
			rc = nf_rx_responses(q);
		if (rc == 0) {
			nf_rx_refill(q);
			rc = nf_tx_pump(q);
		}
		if (rc < 0 || atomic_load(&nf->broken))
			break;
		/* Arm rsp_event on both rings and re-check: a response that
		 * landed after the last read would otherwise sleep. */
		rc = xf_front_ring_final_check_as(&q->tx,
						  nf->cfg.event_index_bug);
		if (rc == 0)
			rc = xf_front_ring_final_check_as(
				&q->rx, nf->cfg.event_index_bug);
		if (rc < 0) {
			nf_queue_error(q, "queue %u: backend moved rsp_prod "
				       "more than a ring ahead", q->idx);
			break;
		}
		if (rc == 0)
			break;
	}
	if (atomic_load(&nf->broken)) {
		nf_tx_flush_all(q, XF_NF_DROP_DEVICE_ERROR);
		goto idle;
	}
	if (rc == -ESTALE) {
		/* Quiesced or set up again while callbacks ran: the next
		 * run starts from what the queue is now. */
		nf_queue_kick(q);
		goto idle;
	}
	if (wd)
		set = nf_wd_after(q, xf_rt_now_ns(nf->rt), &timer);
	nf_unlock_deliver(q);
	goto timer;
idle:
	/* Not in use: no tick, no tx timeout. */
	if (wd)
		set = nf_wd_stop(q, &timer);
	nf_unlock_deliver(q);
timer:
	/* Only the queue's own actor sets its timer. */
	if (set)
		xf_actor_set_timer(&q->actor, timer);
}
