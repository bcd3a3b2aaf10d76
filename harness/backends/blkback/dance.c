/* SPDX-License-Identifier: MIT */
/*
 * Driving the backend's side of the xenbus dance: the state it is found
 * in before its frontend starts (initial_state), a delay before each
 * handshake step (handshake_delay_ns), and a state written on request
 * (xf_blkback_set_state()). After each, the control actor follows the
 * frontend from that state as Linux blkback's frontend_changed()
 * (drivers/block/xen-blkback/xenbus.c) does from it.
 */
#include <errno.h>

#include "bb_priv.h"

bool bb_dance_initial(struct xf_blkback *bb, int *r)
{
	int st = bb->cfg.initial_state;

	if (!st || bb->initial_done)
		return false;
	bb->initial_done = true;
	/* A Connected backend has published what a frontend reads at
	 * connect (blkback connect()), though no ring of this frontend is
	 * mapped. */
	*r = st == XF_XENBUS_CONNECTED ? bb_publish_disk_info(bb) : 0;
	if (!*r)
		*r = bb_write_state(bb, st);
	return true;
}

static int fe_state(struct xf_blkback *bb)
{
	uint64_t v;

	if (xf_xs_read_uint(bb->p, bb->xs, XF_TXN_NONE, bb->fstate_path,
			    255, &v))
		return XF_XENBUS_UNKNOWN;
	return (int)v;
}

bool bb_dance_hold(struct xf_blkback *bb)
{
	uint64_t now;
	int s = bb->ts_state;

	if (bb->set_fe_state >= 0) {
		if (bb->life == BB_LIFE_ATTACHED &&
		    fe_state(bb) == bb->set_fe_state)
			return true;
		bb->set_fe_state = -1;
	}

	/* The initial state is where the backend already is, not a step;
	 * serving a connected frontend is not part of the handshake (a
	 * Connected backend without rings, as initial_state leaves it, is
	 * still to walk). */
	if (!bb->cfg.handshake_delay_ns ||
	    (bb->cfg.initial_state && !bb->initial_done) ||
	    (s == XF_XENBUS_CONNECTED && bb->nr_queues)) {
		bb->delay_armed = false;
		return false;
	}
	now = xf_rt_now_ns(bb->rt);
	if (!bb->delay_armed) {
		bb->delay_armed = true;
		bb->delay_due_ns = now + bb->cfg.handshake_delay_ns;
	}
	if (now < bb->delay_due_ns) {
		xf_actor_set_timer(&bb->ctl, bb->delay_due_ns);
		return true;
	}
	bb->delay_armed = false;
	return false;
}

void bb_dance_apply(struct xf_blkback *bb)
{
	int st = atomic_load(&bb->set_state);
	int fe;

	if (bb->life != BB_LIFE_ATTACHED)
		return;
	/* Read before the write: the frontend (another thread in real
	 * mode) may answer the new state at once, and a state read after
	 * it would be that answer, which bb_dance_hold() would then wait
	 * on for ever. */
	fe = fe_state(bb);
	switch (st) {
	case XF_XENBUS_INITWAIT:
		/* Offering the features again means a new session. */
		bb_drop_rings(bb);
		bb_republish(bb);
		break;
	case XF_XENBUS_INITIALISING:
	case XF_XENBUS_CLOSED:
		/* Neither maps anything of the frontend's. */
		bb_drop_rings(bb);
		break;
	default:
		break;
	}
	if (st != XF_XENBUS_INITWAIT)
		bb_write_state(bb, st);
	/* Linux blkback acts on changes of the frontend's state
	 * (frontend_changed()); this one reconciles on every wakeup, so it
	 * waits for the frontend to move first. */
	bb->set_fe_state = fe;
}

int xf_blkback_set_state(struct xf_blkback *bb, int state)
{
	if (!bb || state < XF_XENBUS_INITIALISING || state > XF_XENBUS_CLOSED)
		return -EINVAL;
	atomic_store(&bb->set_state, state);
	atomic_fetch_or(&bb->reqs, BB_REQ_SET_STATE);
	xf_actor_kick(&bb->ctl);
	return 0;
}

int bb_dance_check(const struct xf_blkback_config *cfg)
{
	int st = cfg->initial_state;

	return !st || st == XF_XENBUS_INITWAIT || st == XF_XENBUS_CONNECTED ||
	       st == XF_XENBUS_CLOSED ? 0 : -EINVAL;
}

void bb_dance_start(struct xf_blkback *bb)
{
	/* The backend is in its initial state before anyone else runs:
	 * attach now (the directory may not exist yet; then the first run
	 * of the actor does it). */
	if (bb->cfg.initial_state)
		bb_ctl_ops.run(&bb->ctl);
}
