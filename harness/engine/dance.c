// SPDX-License-Identifier: MIT
/*
 * The actions that drive the xenbus dance on a disk or a vif, and the
 * backend keys that set it up (initial_state, handshake_delay). Which
 * side writes what:
 *
 *   set_backend_state  the backend writes its own state key (the mock
 *                      backend, which then acts as a backend in that
 *                      state does); the directory stays
 *   unplug             the toolstack: backend online = 0, then state
 *                      Closing (libxl's request_close)
 *   close_frontend     the frontend: Closing, Closed; I/O held
 *   reopen_frontend    the frontend: Initialising once the backend is
 *                      Closed, then the usual handshake
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine-priv.h"
#include "net.h"

/* The scenario's state names (the schema lists the same). */
static const char *const state_names[] = {
	[XF_XENBUS_INITIALISING] = "initialising",
	[XF_XENBUS_INITWAIT] = "initwait",
	[XF_XENBUS_INITIALISED] = "initialised",
	[XF_XENBUS_CONNECTED] = "connected",
	[XF_XENBUS_CLOSING] = "closing",
	[XF_XENBUS_CLOSED] = "closed",
};

/* 0 (none) for a name not set; the loader validated the rest. */
static int state_of(const char *name)
{
	int st = 0;

	(void)XF_NAME_PARSE(state_names, name, &st);
	return st;
}

void eng_dance_blk_config(struct xf_blkback_config *c,
			  const struct xf_scn_obj *be, bool first)
{
	c->initial_state = first ? state_of(xf_scn_str(be, "initial_state"))
				 : 0;
	c->handshake_delay_ns = (uint64_t)xf_scn_int(be, "handshake_delay");
}

void eng_dance_nb_config(struct xf_nb_vif_config *c,
			 const struct xf_scn_obj *be, bool first)
{
	c->initial_state = first ? state_of(xf_scn_str(be, "initial_state"))
				 : 0;
	c->handshake_delay_ns = (uint64_t)xf_scn_int(be, "handshake_delay");
}

bool eng_dance_early(const struct eng *e)
{
	for (size_t i = 0; i < e->scn->nobjs; i++) {
		const struct xf_scn_obj *o = e->scn->objs[i];
		const struct xf_scn_obj *be;

		if (strcmp(o->kind->name, "disk") && strcmp(o->kind->name, "vif"))
			continue;
		be = xf_scn_sub(o, "backend");
		if (xf_scn_isset(be, "initial_state") ||
		    xf_scn_isset(be, "handshake_delay"))
			return true;
	}
	return false;
}

static int done(struct act *c, int r)
{
	if (r && r != -ENOENT)
		snprintf(c->err, c->len, "%s '%s': %s", c->name, c->target,
			 strerror(-r));
	return r;
}

static struct eng_vif *vif_of(struct act *c)
{
	return eng_vif_by_name(net(c->e), c->target);
}

/* The toolstack detaches the device as libxl's request_close does
 * (`xl block-detach`, `xl network-detach`): backend online = 0, then
 * Closing. */
int eng_act_unplug(struct act *c)
{
	struct eng_vif *v;

	if (c->d)
		return done(c, xf_vbd_request_close(c->e->dom0, &c->d->vbd));
	v = vif_of(c);
	if (!v)
		return -ENOENT;
	return done(c, xf_nb_toolstack_request_close(c->e->dom0,
		v->dirs.fe_domid, v->dirs.be_domid, v->dirs.devid));
}

int eng_act_set_backend_state(struct act *c)
{
	int st = state_of(xf_scn_str(c->f, "state"));
	struct eng_vif *v;

	if (!st) {
		snprintf(c->err, c->len, "%s '%s': needs state = \"<name>\"",
			 c->name, c->target);
		return -EINVAL;
	}
	if (c->d)
		return done(c, c->d->bb ? xf_blkback_set_state(c->d->bb, st)
					: -ENODEV);
	v = vif_of(c);
	if (!v)
		return -ENOENT;
	return done(c, v->nb ? xf_nb_vif_set_state(v->nb, st) : -ENODEV);
}

static int frontend_cycle(struct act *c, bool reopen)
{
	struct eng_vif *v;

	if (c->d) {
		if (!reopen)
			eng_reconnect_begin(c->d, xf_rt_now_ns(c->e->rt));
		return done(c, reopen ? xf_blkfront_reopen(c->d->bf)
				      : xf_blkfront_close_cycle(c->d->bf));
	}
	v = vif_of(c);
	if (!v)
		return -ENOENT;
	return done(c, reopen ? xf_netfront_reopen(v->nf)
			      : xf_netfront_close_cycle(v->nf));
}

int eng_act_close_frontend(struct act *c)
{
	return frontend_cycle(c, false);
}

int eng_act_reopen_frontend(struct act *c)
{
	return frontend_cycle(c, true);
}
