/* SPDX-License-Identifier: MIT */
/* The netfront xenbus actor: watches the backend's state and runs the
 * vif handshake (netif.h; Linux goes straight to Connected). The logic
 * is level-triggered: every wakeup re-reads the backend state and moves
 * towards what it implies, so lost or coalesced watch events are
 * harmless. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_priv.h"

#define NF_TXN_RETRIES 32

static struct xf_netfront *xb_of(struct xf_actor *a)
{
	return (struct xf_netfront *)((char *)a -
				      offsetof(struct xf_netfront, xb_actor));
}

static const struct xf_actor_ops xb_ops = {
	.run = nf_xb_run,
};

int nf_xb_init(struct xf_netfront *nf)
{
	const struct xf_platform *p = nf->p;
	unsigned int vcpu = nf->cfg.xenbus_vcpu;
	int rc;

	if (vcpu >= xf_rt_nr_vcpus(nf->rt))
		vcpu = 0;
	rc = xf_actor_add(nf->rt, &nf->xb_actor, &xb_ops, "netfront-xenbus",
			  vcpu);
	if (rc < 0)
		return rc;
	rc = p->store->set_wakeup(nf->xs, xf_actor_wakeup, &nf->xb_actor);
	if (rc == 0) {
		nf->xb_hooked = true;
	} else if (rc == -ENOTSUP) {
		rc = xf_actor_watch_fd(&nf->xb_actor, p->store->fd(nf->xs));
	}
	if (rc < 0)
		xf_actor_remove(&nf->xb_actor);
	return rc;
}

int nf_xb_watch_backend(struct xf_netfront *nf)
{
	char path[NF_PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/state", nf->be);
	if (strcmp(path, nf->watched_be) == 0)
		return 0;
	if (nf->watched_be[0])
		nf->p->store->unwatch(nf->xs, nf->watched_be, "be");
	nf->watched_be[0] = '\0';
	rc = nf->p->store->watch(nf->xs, path, "be");
	if (rc < 0) {
		nf_log(nf, "%s: cannot watch %s: %d", nf->dir, path, rc);
		return rc;
	}
	strcpy(nf->watched_be, path);
	return 0;
}

static int write_state(struct xf_netfront *nf, int st)
{
	char path[NF_PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/state", nf->dir);
	rc = xf_xs_printf(nf->p, nf->xs, XF_TXN_NONE, path, "%d", st);
	if (rc < 0)
		nf_log(nf, "%s: cannot write state %d: %d", nf->dir, st, rc);
	else
		nf->xb_state = st;
	return rc;
}

static bool be_flag(struct xf_netfront *nf, const char *key)
{
	char path[NF_PATH_MAX + 64];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", nf->be, key);
	return xf_xs_read_uint(nf->p, nf->xs, XF_TXN_NONE, path, 1, &v) == 0 &&
	       v == 1;
}

static void disconnect(struct xf_netfront *nf, bool release)
{
	for (unsigned int i = 0; i < nf->max_queues; i++) {
		struct nf_queue *q = &nf->q[i];

		pthread_mutex_lock(&q->lock);
		nf_queue_quiesce(q, -1);
		if (release)
			nf_queue_release(q);
		nf_unlock_deliver(q);
	}
	if (release)
		nf->nr_queues = 0;
}

static bool any_set_up(struct xf_netfront *nf)
{
	for (unsigned int i = 0; i < nf->max_queues; i++)
		if (nf->q[i].set_up)
			return true;
	return false;
}

/*
 * Every transport key an earlier connection may have written goes
 * before this one writes its own, as blkfront does: Linux netback reads
 * event-channel-tx/-rx before event-channel, whatever it offered
 * (connect_data_rings()), so a stale pair would bind dead ports; a
 * stale request-multicast-control = 1 would filter multicast; a stale
 * multi-queue-num-queues would make it look for queue-N directories.
 * Linux netfront removes none of them (talk_to_netback()).
 */
static int rm_transport_keys(struct xf_netfront *nf, xf_txn t)
{
	static const char *const keys[] = {
		"tx-ring-ref", "rx-ring-ref", "event-channel",
		"event-channel-tx", "event-channel-rx",
		"multi-queue-num-queues", "request-multicast-control",
	};
	char path[NF_PATH_MAX + 64];
	uint64_t prev_nq = 0;
	int rc;

	/* The previous connection (of this instance or an earlier one)
	 * made as many queue-N directories as multi-queue-num-queues says;
	 * none without the key, and when it does not parse, any. */
	snprintf(path, sizeof(path), "%s/multi-queue-num-queues", nf->dir);
	rc = xf_xs_read_uint(nf->p, nf->xs, t, path, XF_NETFRONT_MAX_QUEUES,
			     &prev_nq);
	if (rc == -ENOENT)
		prev_nq = 0;
	else if (rc < 0)
		prev_nq = XF_NETFRONT_MAX_QUEUES;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		rc = xf_xs_rm_under(nf->p, nf->xs, t, nf->dir, "%s", keys[i]);
		if (rc < 0)
			return rc;
	}
	for (unsigned int i = 0; i < prev_nq; i++) {
		rc = xf_xs_rm_under(nf->p, nf->xs, t, nf->dir, "queue-%u", i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int write_keys(struct xf_netfront *nf, xf_txn t, unsigned int nq,
		      bool split, bool mcast)
{
	const struct xf_platform *p = nf->p;
	const struct xf_netfront_config *c = &nf->cfg;
	char path[NF_PATH_MAX + 64];
	int rc = 0;

#define W(key, val)                                                      \
	do {                                                             \
		snprintf(path, sizeof(path), "%s/%s", nf->dir, key);     \
		rc = xf_xs_printf(p, nf->xs, t, path, "%u",              \
				  (unsigned int)(val));                  \
		if (rc < 0)                                              \
			return rc;                                       \
	} while (0)

	rc = rm_transport_keys(nf, t);
	if (rc < 0)
		return rc;
	if (nq == 1) {
		rc = nf_queue_write_keys(&nf->q[0], t, nf->dir, split);
		if (rc < 0)
			return rc;
	} else {
		W("multi-queue-num-queues", nq);
		for (unsigned int i = 0; i < nq; i++) {
			char base[NF_PATH_MAX + 32];

			snprintf(base, sizeof(base), "%s/queue-%u", nf->dir, i);
			/* queue-N = "" as netif.h shows it, created first. */
			rc = p->store->mkdir(nf->xs, t, base);
			if (rc < 0)
				return rc;
			rc = nf_queue_write_keys(&nf->q[i], t, base, split);
			if (rc < 0)
				return rc;
		}
	}
	W("request-rx-copy", 1);
	W("feature-rx-notify", 1);
	/* Receive-side abilities of this frontend. */
	W("feature-sg", !c->no_sg);
	W("feature-gso-tcpv4", !c->no_sg && !c->no_gso_tcpv4);
	W("feature-gso-tcpv6", !c->no_sg && !c->no_gso_tcpv6);
	W("feature-no-csum-offload", c->no_rx_csum);
	W("feature-ipv6-csum-offload", !c->no_rx_csum && !c->no_ipv6_csum);
	if (mcast)
		W("request-multicast-control", 1);
#undef W
	return 0;
}

static void connect(struct xf_netfront *nf)
{
	const struct xf_netfront_config *c = &nf->cfg;
	struct xf_netfront_features *f = &nf->feat;
	char path[NF_PATH_MAX + 64];
	unsigned int nq, i;
	uint64_t v;
	bool split, mcast;
	int rc = 0, tries;

	if (!be_flag(nf, "feature-rx-copy")) {
		nf_set_error(nf, "backend %s does not offer feature-rx-copy; "
			     "page-flipping receive is not supported",
			     nf->be);
		write_state(nf, XF_XENBUS_CLOSING);
		return;
	}
	snprintf(path, sizeof(path), "%s/multi-queue-max-queues", nf->be);
	if (xf_xs_read_uint(nf->p, nf->xs, XF_TXN_NONE, path, 65535, &v) < 0 ||
	    v == 0)
		v = 1;
	nq = nf->max_queues < v ? nf->max_queues : (unsigned int)v;
	split = be_flag(nf, "feature-split-event-channels") &&
		!c->no_split_evtchn;
	f->dynamic_multicast = be_flag(nf,
				       "feature-dynamic-multicast-control") &&
			       !c->no_multicast_control;
	f->multicast_control = (be_flag(nf, "feature-multicast-control") ||
				f->dynamic_multicast) &&
			       !c->no_multicast_control;
	mcast = f->multicast_control;
	f->sg = be_flag(nf, "feature-sg") && !c->no_sg;
	f->gso_tcpv4 = f->sg && be_flag(nf, "feature-gso-tcpv4") &&
		       !c->no_gso_tcpv4;
	f->gso_tcpv6 = f->sg && be_flag(nf, "feature-gso-tcpv6") &&
		       !c->no_gso_tcpv6;
	/* netif.h: IPv4 offload is on unless feature-no-csum-offload=1;
	 * IPv6 is off unless feature-ipv6-csum-offload=1. */
	f->tx_csum_v4 = !be_flag(nf, "feature-no-csum-offload") &&
			!c->no_tx_csum;
	f->tx_csum_v6 = be_flag(nf, "feature-ipv6-csum-offload") &&
			!c->no_tx_csum && !c->no_ipv6_csum;
	f->rx_notify = true;
	f->split_evtchn = split;
	f->nr_queues = nq;

	for (i = 0; i < nq; i++) {
		struct nf_queue *q = &nf->q[i];

		pthread_mutex_lock(&q->lock);
		rc = nf_queue_setup(q, split);
		if (rc == 0)
			nf_rx_refill(q);
		pthread_mutex_unlock(&q->lock);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		disconnect(nf, true);
		nf_set_error(nf, "cannot set up queue %u for %s: error %d", i,
			     nf->be, rc);
		return;
	}
	nf->nr_queues = nq;
	/* Frames left on queues this connection does not use (it has fewer
	 * than the last) move to ones it does. */
	for (i = nq; i < nf->max_queues; i++)
		nf_queue_kick(&nf->q[i]);
	for (tries = 0; tries < NF_TXN_RETRIES; tries++) {
		xf_txn t;

		rc = nf->p->store->txn_start(nf->xs, &t);
		if (rc < 0)
			break;
		rc = write_keys(nf, t, nq, split, mcast);
		if (rc < 0) {
			nf->p->store->txn_end(nf->xs, t, true);
			break;
		}
		rc = nf->p->store->txn_end(nf->xs, t, false);
		if (rc != -EAGAIN)
			break;
	}
	if (rc < 0) {
		disconnect(nf, true);
		nf_set_error(nf, "cannot write ring keys under %s: error %d",
			     nf->dir, rc);
		return;
	}
	if (write_state(nf, XF_XENBUS_CONNECTED) < 0)
		return;
	nf_set_state(nf, XF_NETFRONT_CONNECTING);
}

static void backend_connected(struct xf_netfront *nf)
{
	uint64_t connects;

	pthread_mutex_lock(&nf->lock);
	connects = ++nf->st.connects;
	pthread_mutex_unlock(&nf->lock);
	nf_set_state(nf, XF_NETFRONT_CONNECTED);
	/* After a reconnect (restart, migration) peers must relearn where
	 * this MAC lives. */
	if (connects > 1)
		nf_queue_garp(nf);
	for (unsigned int i = 0; i < nf->nr_queues; i++)
		nf_queue_kick(&nf->q[i]);
}

/*
 * The backend is Connected or Closing, and what our state key says is
 * not ours: a resume (the rings it maps were released at suspend, yet
 * the key still says Connected) or a start over a live backend. Linux
 * netback re-initialises only when told: our Initialising makes
 * set_backend_state() walk Connected, Closing, Closed, InitWait
 * (xen-netback/xenbus.c), and at InitWait we connect as on a fresh
 * start. Until then its Connected, Closing and Closed are steps of that
 * walk, not news.
 */
static void resync(struct xf_netfront *nf)
{
	if (any_set_up(nf))
		disconnect(nf, true);
	if (write_state(nf, XF_XENBUS_INITIALISING) < 0)
		return;
	nf->resync = true;
	nf_set_state(nf, XF_NETFRONT_WAIT_BACKEND);
}

static void flush_backlogs(struct xf_netfront *nf, int drop)
{
	for (unsigned int i = 0; i < nf->max_queues; i++) {
		pthread_mutex_lock(&nf->q[i].lock);
		nf_tx_flush_all(&nf->q[i], drop);
		nf_unlock_deliver(&nf->q[i]);
	}
}

bool nf_be_released(int bst, bool gone)
{
	return gone || bst == XF_XENBUS_CLOSED || bst == XF_XENBUS_UNKNOWN ||
	       bst == XF_XENBUS_INITIALISING || bst == XF_XENBUS_INITWAIT;
}

static void run_close(struct xf_netfront *nf, int bst, bool be_gone)
{
	if (nf->xb_state != XF_XENBUS_CLOSING &&
	    nf->xb_state != XF_XENBUS_CLOSED) {
		disconnect(nf, false);
		write_state(nf, XF_XENBUS_CLOSING);
	}
	/* As Linux xennet_bus_close: a Linux netback answers our Closing
	 * with Closing and goes to Closed only after we write Closed, so
	 * waiting for its Closed first would deadlock. Its Closing means
	 * it has disconnected (unmapped) already. */
	if (nf->xb_state == XF_XENBUS_CLOSING && bst != XF_XENBUS_CONNECTED &&
	    bst != XF_XENBUS_INITIALISED)
		write_state(nf, XF_XENBUS_CLOSED);
	/* The grants are revoked only once the backend reports Closed (or
	 * is gone): then nothing of ours is mapped any more. */
	if (nf_be_released(bst, be_gone)) {
		disconnect(nf, true);
		nf_release_retry(nf);
		if (nf->release)
			return;
		if (nf->xb_state != XF_XENBUS_CLOSED)
			write_state(nf, XF_XENBUS_CLOSED);
		flush_backlogs(nf, XF_NF_DROP_CLOSED);
		nf_set_state(nf, XF_NETFRONT_CLOSED);
	}
}

void nf_xb_run(struct xf_actor *a)
{
	struct xf_netfront *nf = xb_of(a);
	char path[NF_PATH_MAX + 16];
	char *wp, *wt;
	uint64_t v;
	int bst, rc, st;
	bool gone;

	while (nf->p->store->read_watch(nf->xs, &wp, &wt) == 0) {
		free(wp);
		free(wt);
	}
	st = atomic_load(&nf->state);
	if (st == XF_NETFRONT_INIT || st == XF_NETFRONT_CLOSED)
		return;
	if (nf->suspended) {
		disconnect(nf, true);
		nf_set_state(nf, XF_NETFRONT_SUSPENDED);
		return;
	}
	nf_release_retry(nf);
	snprintf(path, sizeof(path), "%s/state", nf->be);
	rc = xf_xs_read_uint(nf->p, nf->xs, XF_TXN_NONE, path, 255, &v);
	gone = rc == -ENOENT;
	bst = rc == 0 ? (int)v : XF_XENBUS_UNKNOWN;
	if (nf_dance_step(nf, bst, gone))
		return;
	if (nf->close_req) {
		run_close(nf, bst, gone);
		return;
	}
	if (atomic_load(&nf->broken)) {
		/* Stays broken until resume: only quiesce when the backend
		 * goes away so the grants can be released. */
		if (gone || bst == XF_XENBUS_CLOSED)
			disconnect(nf, true);
		return;
	}
	/* A resync waits for InitWait, see resync(); a backend that
	 * starts over or goes away ends it too. */
	if (gone || bst == XF_XENBUS_INITWAIT ||
	    bst == XF_XENBUS_INITIALISING || bst == XF_XENBUS_UNKNOWN)
		nf->resync = false;
	else if (nf->resync)
		return;
	if (gone) {
		if (any_set_up(nf)) {
			disconnect(nf, true);
			nf_log(nf, "%s: backend %s vanished", nf->dir, nf->be);
		}
		if (nf->xb_state != XF_XENBUS_CLOSED &&
		    nf->xb_state != XF_XENBUS_INITIALISING &&
		    nf->xb_state != XF_XENBUS_UNKNOWN)
			write_state(nf, XF_XENBUS_CLOSED);
		if (st != XF_NETFRONT_WAIT_BACKEND)
			nf_set_state(nf, XF_NETFRONT_DISCONNECTED);
		return;
	}
	switch (bst) {
	case XF_XENBUS_UNKNOWN:
	case XF_XENBUS_INITIALISING:
		if (any_set_up(nf))
			disconnect(nf, true);
		if (nf->xb_state != XF_XENBUS_INITIALISING)
			write_state(nf, XF_XENBUS_INITIALISING);
		nf_set_state(nf, XF_NETFRONT_WAIT_BACKEND);
		break;
	case XF_XENBUS_INITWAIT:
		if (nf->xb_state == XF_XENBUS_CONNECTED &&
		    st == XF_NETFRONT_CONNECTING)
			break; /* our keys are written; backend is working */
		/* Fresh start, or a backend that restarted under us: then
		 * pass through Initialising so it sees a new session. */
		if (any_set_up(nf)) {
			disconnect(nf, true);
			write_state(nf, XF_XENBUS_INITIALISING);
		}
		connect(nf);
		break;
	case XF_XENBUS_CONNECTED:
		if (nf->xb_state == XF_XENBUS_CONNECTED &&
		    st == XF_NETFRONT_CONNECTING)
			backend_connected(nf);
		else if (nf->xb_state == XF_XENBUS_UNKNOWN)
			resync(nf);
		break;
	case XF_XENBUS_CLOSING:
		if (nf->xb_state == XF_XENBUS_UNKNOWN) {
			resync(nf);
			break;
		}
		if (any_set_up(nf))
			disconnect(nf, false);
		if (nf->xb_state != XF_XENBUS_CLOSED)
			write_state(nf, XF_XENBUS_CLOSED);
		nf_set_state(nf, XF_NETFRONT_DISCONNECTED);
		break;
	case XF_XENBUS_CLOSED:
		disconnect(nf, true);
		/* Back to Initialising so a reopened backend reconnects. */
		if (nf->xb_state != XF_XENBUS_INITIALISING)
			write_state(nf, XF_XENBUS_INITIALISING);
		nf_set_state(nf, XF_NETFRONT_DISCONNECTED);
		break;
	default:
		break;
	}
}

void nf_xb_disconnect(struct xf_netfront *nf, bool release)
{
	disconnect(nf, release);
}

int nf_xb_write_state(struct xf_netfront *nf, int st)
{
	return write_state(nf, st);
}
