/* SPDX-License-Identifier: MIT */
/*
 * Driving the vif's side of the xenbus dance: the state it is found in
 * before its frontend starts (initial_state), a delay before each
 * handshake step (handshake_delay_ns), a state written on request
 * (xf_nb_vif_set_state()) and the toolstack's removal request
 * (xf_nb_toolstack_request_close()).
 */
#include <errno.h>
#include <stdio.h>

#include "nb_priv.h"

int nb_dance_check(const struct xf_nb_vif_config *c)
{
	int st = c->initial_state;

	return !st || st == XF_XENBUS_INITWAIT || st == XF_XENBUS_CONNECTED ||
	       st == XF_XENBUS_CLOSED ? 0 : -EINVAL;
}

int nb_dance_first_state(struct xf_nb_vif *v)
{
	if (!v->cfg.initial_state || v->initial_done)
		return XF_XENBUS_INITWAIT;
	v->initial_done = true;
	return v->cfg.initial_state;
}

void nb_dance_start(struct xf_nb_vif *v)
{
	char path[NB_PATH_MAX + 16];
	uint64_t x;

	/* Found in that state: written before anyone else runs, without
	 * following the frontend yet (that is the actor's first step). */
	snprintf(path, sizeof(path), "%s/state", v->be_dir);
	if (!v->cfg.initial_state ||
	    xf_xs_read_uint(v->p, v->xs, XF_TXN_NONE, path, 255, &x))
		return;
	if (!nb_xb_probe(v))
		v->probed = true;
}

static int fe_state(struct xf_nb_vif *v)
{
	uint64_t x;

	if (xf_xs_read_uint(v->p, v->xs, XF_TXN_NONE, v->fe_state_path, 255,
			    &x))
		return XF_XENBUS_UNKNOWN;
	return (int)x;
}

static void apply(struct xf_nb_vif *v, int st)
{
	/* Read before the write: a frontend on another thread may answer
	 * the new state at once, and a state read after it would be that
	 * answer, which the hold below would then wait on for ever. */
	int fe = fe_state(v);

	if (v->connected && st != XF_XENBUS_CONNECTED &&
	    st != XF_XENBUS_CLOSING)
		nb_disconnect(v);
	if (st == XF_XENBUS_INITWAIT) {
		atomic_store(&v->broken, false);
		nb_xb_probe(v);
	} else {
		nb_xb_write_state(v, st);
	}
	/* Linux netback acts on changes of the frontend's state only
	 * (frontend_changed()); the mock steps on every wakeup, so it
	 * waits here for the frontend to move. */
	v->set_fe_state = fe;
}

static bool hold(struct xf_nb_vif *v)
{
	uint64_t now;

	if (v->set_fe_state >= 0) {
		if (fe_state(v) == v->set_fe_state)
			return true;
		v->set_fe_state = -1;
	}
	if (!v->cfg.handshake_delay_ns ||
	    (v->connected && v->be_state == XF_XENBUS_CONNECTED)) {
		v->delay_armed = false;
		return false;
	}
	now = xf_rt_now_ns(v->rt);
	if (!v->delay_armed) {
		v->delay_armed = true;
		v->delay_due_ns = now + v->cfg.handshake_delay_ns;
	}
	if (now < v->delay_due_ns) {
		xf_actor_set_timer(&v->actor, v->delay_due_ns);
		return true;
	}
	v->delay_armed = false;
	return false;
}

bool nb_dance_step(struct xf_nb_vif *v)
{
	int st = atomic_exchange(&v->set_state, 0);

	if (st && v->probed)
		apply(v, st);
	if (hold(v))
		return false;
	nb_xb_step(v);
	return true;
}

int xf_nb_vif_set_state(struct xf_nb_vif *v, int state)
{
	if (!v || state < XF_XENBUS_INITIALISING || state > XF_XENBUS_CLOSED)
		return -EINVAL;
	atomic_store(&v->set_state, state);
	xf_actor_kick(&v->actor);
	return 0;
}

static int request_close_step(struct xf_platform *ts, struct xf_xs *xs,
			      xf_txn t, const void *arg)
{
	return xf_xs_request_close(ts, xs, t, arg);
}

int xf_nb_toolstack_request_close(struct xf_platform *ts, xf_domid fe,
				  xf_domid be, unsigned int devid)
{
	char dir[NB_PATH_MAX];

	if (!ts)
		return -EINVAL;
	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vif/%u/%u", be,
		 fe, devid);
	return nb_ts_txn(ts, request_close_step, dir);
}
