/* SPDX-License-Identifier: MIT */
/*
 * Two endings of the connection that are not the frontend's own close:
 *
 * A close cycle on request (as a Windows frontend probes before it
 * connects): the frontend writes Closing, then Closed once the backend
 * is no longer Connected, releases its rings once the backend let go,
 * and on reopen writes Initialising (the backend Closed: Linux netback
 * walks Closed, InitWait on it, set_backend_state() in
 * xen-netback/xenbus.c) and connects as usual. Frames in flight go back
 * to the backlog and are sent on the next connection.
 *
 * An unplug by the toolstack (libxl's request_close: backend online = 0,
 * then Closing): the device ends. Frames in flight and queued fail at
 * once (tx_done, XF_NF_DROP_CLOSED), the reason is recorded, and the
 * close then runs as xf_netfront_close()'s (Closed, the grants released
 * once the backend is Closed, XF_NETFRONT_CLOSED).
 */
#include <errno.h>
#include <stdio.h>

#include "nf_priv.h"

enum { CYCLE_NONE, CYCLE_CLOSING, CYCLE_REOPEN };
enum { REQ_NONE, REQ_CLOSE, REQ_REOPEN };

static int request(struct xf_netfront *nf, int req)
{
	int st;

	if (!nf)
		return -EINVAL;
	/* The state, not close_req: that one is the xenbus actor's. */
	st = atomic_load(&nf->state);
	if (nf->suspended || st == XF_NETFRONT_INIT ||
	    st == XF_NETFRONT_CLOSING || st == XF_NETFRONT_CLOSED)
		return -EBUSY;
	atomic_store(&nf->cycle_req, req);
	xf_actor_kick(&nf->xb_actor);
	return 0;
}

int xf_netfront_close_cycle(struct xf_netfront *nf)
{
	return request(nf, REQ_CLOSE);
}

int xf_netfront_reopen(struct xf_netfront *nf)
{
	return request(nf, REQ_REOPEN);
}

const char *xf_netfront_unplug_reason(const struct xf_netfront *nf)
{
	return nf && nf->unplug_reason[0] ? nf->unplug_reason : NULL;
}

static bool unplugged(struct xf_netfront *nf, int bst)
{
	char path[NF_PATH_MAX + 16];
	uint64_t online;

	/* Only an explicit 0 counts: a backend directory without the key
	 * is not being detached. */
	if (bst != XF_XENBUS_CLOSING && bst != XF_XENBUS_CLOSED)
		return false;
	snprintf(path, sizeof(path), "%s/online", nf->be);
	return !xf_xs_read_uint(nf->p, nf->xs, XF_TXN_NONE, path, UINT32_MAX,
				&online) && online == 0;
}

static void unplug(struct xf_netfront *nf, int bst)
{
	snprintf(nf->unplug_reason, sizeof(nf->unplug_reason),
		 "unplugged by the toolstack: %.120s/online = 0, backend "
		 "state %s", nf->be,
		 bst == XF_XENBUS_CLOSING ? "Closing" : "Closed");
	nf_log(nf, "%s: %s", nf->dir, nf->unplug_reason);
	for (unsigned int i = 0; i < nf->max_queues; i++) {
		struct nf_queue *q = &nf->q[i];

		pthread_mutex_lock(&q->lock);
		nf_queue_quiesce(q, XF_NF_DROP_CLOSED);
		nf_tx_flush_all(q, XF_NF_DROP_CLOSED);
		nf_unlock_deliver(q);
	}
	nf->cycle = CYCLE_NONE;
	nf->close_req = true;
	nf_set_state(nf, XF_NETFRONT_CLOSING);
}

bool nf_dance_step(struct xf_netfront *nf, int bst, bool gone)
{
	int req = atomic_exchange(&nf->cycle_req, REQ_NONE);

	if (!nf->close_req && unplugged(nf, bst)) {
		unplug(nf, bst);
		return false;
	}
	if (req == REQ_CLOSE && nf->cycle == CYCLE_NONE) {
		nf_xb_disconnect(nf, false);
		nf_xb_write_state(nf, XF_XENBUS_CLOSING);
		nf->resync = false;
		nf->cycle = CYCLE_CLOSING;
		nf_set_state(nf, XF_NETFRONT_DISCONNECTED);
	} else if (req == REQ_REOPEN && nf->cycle == CYCLE_CLOSING) {
		nf->cycle = CYCLE_REOPEN;
	}
	if (nf->cycle == CYCLE_NONE)
		return false;
	/* As xennet_bus_close(): a Linux netback goes Closed only after
	 * our Closed; its Closing says it unmapped already. */
	if (nf->xb_state == XF_XENBUS_CLOSING && bst != XF_XENBUS_CONNECTED &&
	    bst != XF_XENBUS_INITIALISED)
		nf_xb_write_state(nf, XF_XENBUS_CLOSED);
	if (!nf_be_released(bst, gone))
		return true;
	nf_xb_disconnect(nf, true);
	nf_release_retry(nf);
	if (nf->cycle != CYCLE_REOPEN || nf->xb_state != XF_XENBUS_CLOSED ||
	    nf->release)
		return true;
	nf->cycle = CYCLE_NONE;
	nf_xb_write_state(nf, XF_XENBUS_INITIALISING);
	nf_set_state(nf, XF_NETFRONT_WAIT_BACKEND);
	return false;
}
