/* SPDX-License-Identifier: MIT */
/*
 * A frontend close cycle on request: the frontend closes (Closing, then
 * Closed once the backend is Closing or Closed), lets go of its rings
 * once the backend is Closed, and on reopen asks for a new connection
 * (Initialising) once the backend is Closed, then walks the usual
 * handshake. A Windows frontend (win-xenvbd) probes so before it
 * connects; Linux blkback ignores an Initialising that arrives while
 * it is still Closing or Connected (frontend_changed(),
 * drivers/block/xen-blkback/xenbus.c), so reopening waits for its
 * Closed. I/O is held throughout: in-flight requests are taken back and
 * sent again on the next connection.
 */
#include <errno.h>

#include "bf.h"

enum { CYCLE_NONE, CYCLE_CLOSING, CYCLE_CLOSED, CYCLE_REOPEN };
enum { REQ_NONE, REQ_CLOSE, REQ_REOPEN };

static int request(struct xf_blkfront *bf, int req)
{
	if (!bf)
		return -EINVAL;
	if (atomic_load(&bf->closing) || atomic_load(&bf->suspended))
		return -EBUSY;
	atomic_store(&bf->cycle_req, req);
	xf_actor_kick(&bf->xb_actor);
	return 0;
}

int xf_blkfront_close_cycle(struct xf_blkfront *bf)
{
	return request(bf, REQ_CLOSE);
}

int xf_blkfront_reopen(struct xf_blkfront *bf)
{
	return request(bf, REQ_REOPEN);
}

static bool be_closing(int be)
{
	return be == XF_XENBUS_CLOSING || be == XF_XENBUS_CLOSED ||
	       be == XF_XENBUS_UNKNOWN;
}

bool bf_dance_step(struct xf_blkfront *bf)
{
	int req = atomic_exchange(&bf->cycle_req, REQ_NONE);
	int be = bf->be_state;

	if (req == REQ_CLOSE && (bf->cycle == CYCLE_NONE ||
				 bf->cycle == CYCLE_REOPEN)) {
		bf_xb_disconnect(bf);
		bf_xb_write_state(bf, XF_XENBUS_CLOSING);
		bf->cycle = CYCLE_CLOSING;
	} else if (req == REQ_REOPEN && bf->cycle != CYCLE_NONE) {
		bf->cycle = CYCLE_REOPEN;
	}
	if (bf->cycle == CYCLE_NONE)
		return false;
	if (bf->fe_state == XF_XENBUS_CLOSING && be_closing(be))
		bf_xb_write_state(bf, XF_XENBUS_CLOSED);
	if (bf->fe_state == XF_XENBUS_CLOSED && bf->cycle == CYCLE_CLOSING)
		bf->cycle = CYCLE_CLOSED;
	if (bf->release_pending && be == XF_XENBUS_CLOSED) {
		bf_release_old_conns(bf);
		bf->release_pending = false;
	}
	bf->be_prev = be;
	if (bf->cycle != CYCLE_REOPEN || bf->fe_state != XF_XENBUS_CLOSED ||
	    (be != XF_XENBUS_CLOSED && be != XF_XENBUS_UNKNOWN))
		return true;
	/* The backend let go: a new connection, the usual way. */
	bf->cycle = CYCLE_NONE;
	bf->be_prev = XF_XENBUS_UNKNOWN;
	bf_xb_write_state(bf, XF_XENBUS_INITIALISING);
	return false;
}
