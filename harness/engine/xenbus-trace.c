// SPDX-License-Identifier: MIT
/*
 * The xenbus dance as a scenario sees it: every write of each disk's
 * and vif's frontend and backend `state` key, in order, on the run's
 * clock, and at the end the devices whose handshake stopped moving.
 *
 * On the mock platform the store hook sees every value written (a state
 * overwritten before anyone reads it included), whichever host the
 * backend is on after a migration: paths are matched by their shape,
 * /local/domain/<fe>/device/<type>/<devid>/state and
 * /local/domain/<be>/backend/<type>/<fe>/<devid>/state. It runs no
 * actor, so sim interleavings and trace hashes do not move.
 *
 * On the xen platform the engine watches the two state paths of each
 * device with a xenstore watch of its own and reads the value when the
 * event arrives: a state overwritten before then is missed and a state
 * rewritten with the same value is not told apart from the watch firing
 * (the trace records changes), and the time (so the order between the
 * two sides) is when the event was read; each side's order holds.
 * xf_engine_opts.xenbus_watch takes that path on the mock too (the
 * backend's path as created: a migration is not followed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/result.h>
#include <xfront/xenbus.h>
#include "engine-priv.h"

#define XBT_MAX (2 * ENG_MAX)

struct xbt_dev {
	char name[64];
	char type[8];            /* "vbd", "vif" */
	xf_domid fe_domid;
	unsigned int devid;
	char path[2][192];       /* last state path written, per side */
	uint64_t timeout_ns;
	int line;                /* the device's declaration */
	int last[2];             /* last state per side; -1: none yet */
	bool gone[2];            /* its directory was removed since */
	uint64_t last_ns;
	struct xf_xenbus_event *ev;
	size_t nev, cap;
};

struct eng_xbt {
	struct eng *e;
	/* The hook runs on whichever thread writes to the store. */
	pthread_mutex_t lock;
	struct xbt_dev dev[XBT_MAX];
	unsigned int n;
	/* xen platform: the watch connection and the actor reading it. */
	struct xf_xs *xs;
	struct xf_actor actor;
	bool actor_added, fd_watched;
};

static void record(struct eng_xbt *x, struct xbt_dev *d, int side,
		   int state, uint64_t now)
{
	struct xf_xenbus_event *v;

	if (d->nev == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;

		v = realloc(d->ev, cap * sizeof(*v));
		if (!v)
			return; /* a shorter trace; the run goes on */
		d->ev = v;
		d->cap = cap;
	}
	d->ev[d->nev++] = (struct xf_xenbus_event){
		now - x->e->build_ns, side == 1, state };
	d->last[side] = state;
	d->gone[side] = false;
	d->last_ns = now;
}

/* A state value as the drivers write it ("%d"); -1 when not one. */
static int parse_state(const char *val, size_t len)
{
	if (len != 1 || val[0] < '0' ||
	    val[0] > '0' + XF_XENBUS_RECONFIGURED)
		return -1;
	return val[0] - '0';
}

/* Which device and side a mock path is the state key of. */
static struct xbt_dev *match(struct eng_xbt *x, const char *path, int *side)
{
	unsigned int a, b, c;
	char type[8];
	int n = -1;

	if (sscanf(path, "/local/domain/%u/device/%7[^/]/%u/state%n", &a,
		   type, &b, &n) == 3 && n > 0 && !path[n]) {
		*side = 0;
	} else if (n = -1, sscanf(path, "/local/domain/%u/backend/%7[^/]/"
				  "%u/%u/state%n", &c, type, &a, &b, &n) == 4 &&
		   n > 0 && !path[n]) {
		*side = 1;
	} else {
		return NULL;
	}
	for (unsigned int i = 0; i < x->n; i++) {
		struct xbt_dev *d = &x->dev[i];

		if (d->fe_domid == a && d->devid == b && !strcmp(d->type, type))
			return d;
	}
	return NULL;
}

/* path at or above p, on a component boundary. */
static bool under(const char *p, const char *path)
{
	size_t l = strlen(path);

	return p[0] && !strncmp(p, path, l) && (p[l] == '/' || !p[l]);
}

static void store_hook(void *opaque, const char *path, const char *val,
		       size_t len)
{
	struct eng_xbt *x = opaque;
	uint64_t now = xf_rt_now_ns(x->e->rt);
	struct xbt_dev *d;
	int side, st;

	pthread_mutex_lock(&x->lock);
	if (!val) {
		for (unsigned int i = 0; i < x->n; i++)
			for (int s = 0; s < 2; s++)
				if (under(x->dev[i].path[s], path))
					x->dev[i].gone[s] = true;
	} else if ((d = match(x, path, &side)) &&
		   (st = parse_state(val, len)) >= 0) {
		snprintf(d->path[side], sizeof(d->path[side]), "%s", path);
		record(x, d, side, st, now);
	}
	pthread_mutex_unlock(&x->lock);
}

static void xbt_run(struct xf_actor *a)
{
	struct eng_xbt *x = (struct eng_xbt *)((char *)a -
					       offsetof(struct eng_xbt, actor));
	const struct xf_store_ops *st = x->e->dom0->store;
	char *path, *token;

	while (st->read_watch(x->xs, &path, &token) == 0) {
		unsigned int i = 0;
		char sd = 0, *val = NULL;
		size_t len = 0;

		if (sscanf(token, "xbt%u%c", &i, &sd) == 2 && i < x->n &&
		    (sd == 'f' || sd == 'b')) {
			struct xbt_dev *d = &x->dev[i];
			int side = sd == 'b', s;
			int r = st->read(x->xs, XF_TXN_NONE, d->path[side],
					 &val, &len);

			pthread_mutex_lock(&x->lock);
			if (r == -ENOENT && d->last[side] >= 0) {
				d->gone[side] = true;
			} else if (!r && (s = parse_state(val, len)) >= 0 &&
				   (s != d->last[side] || d->gone[side])) {
				record(x, d, side, s,
				       xf_rt_now_ns(x->e->rt));
			}
			pthread_mutex_unlock(&x->lock);
			free(val);
		}
		free(path);
		free(token);
	}
}

static const struct xf_actor_ops xbt_ops = { .run = xbt_run };

int eng_xbt_new(struct eng *e)
{
	struct eng_xbt *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	x->e = e;
	pthread_mutex_init(&x->lock, NULL);
	e->xbt = x;
	if (!e->xen && !e->o->xenbus_watch) {
		xf_mock_set_store_hook(e->hv, store_hook, x);
		return 0;
	}
	r = e->dom0->store->open(e->dom0, &x->xs);
	if (r) {
		x->xs = NULL;
		return r;
	}
	/* vCPU 0: a few reads per state change, next to nothing. */
	r = xf_actor_add(e->rt, &x->actor, &xbt_ops, "xenbus-trace", 0);
	if (r)
		return r;
	x->actor_added = true;
	r = e->dom0->store->set_wakeup(x->xs, xf_actor_wakeup, &x->actor);
	if (r != -ENOTSUP)
		return r;
	r = xf_actor_watch_fd(&x->actor, e->dom0->store->fd(x->xs));
	x->fd_watched = !r;
	return r;
}

int eng_xbt_add(struct eng *e, const struct eng_xbt_dev *dv)
{
	struct eng_xbt *x = e->xbt;
	struct xbt_dev *d;
	char tok[32];
	int r = 0;

	if (!x)
		return 0;
	pthread_mutex_lock(&x->lock);
	if (x->n == XBT_MAX) {
		pthread_mutex_unlock(&x->lock);
		return -E2BIG;
	}
	d = &x->dev[x->n];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", dv->name);
	snprintf(d->type, sizeof(d->type), "%s", dv->type);
	d->fe_domid = dv->fe_domid;
	d->devid = dv->devid;
	d->timeout_ns = dv->timeout_ns;
	d->line = dv->line;
	d->last[0] = d->last[1] = -1;
	d->last_ns = xf_rt_now_ns(e->rt);
	if (dv->fe_dir)
		snprintf(d->path[0], sizeof(d->path[0]), "%s/state",
			 dv->fe_dir);
	if (dv->be_dir)
		snprintf(d->path[1], sizeof(d->path[1]), "%s/state",
			 dv->be_dir);
	x->n++;
	pthread_mutex_unlock(&x->lock);
	if (!x->xs)
		return 0;
	for (int s = 0; s < 2 && !r; s++) {
		snprintf(tok, sizeof(tok), "xbt%u%c", x->n - 1, s ? 'b' : 'f');
		r = e->dom0->store->watch(x->xs, d->path[s], tok);
	}
	return r;
}

static bool settled(const struct xbt_dev *d)
{
	int f = d->last[0], b = d->last[1];

	return d->gone[0] || d->gone[1] ||
	       (f == b && (f == XF_XENBUS_CONNECTED || f == XF_XENBUS_CLOSED));
}

static const char *name_of(int state)
{
	return state < 0 ? "none" : xf_xenbus_state_name(state);
}

void eng_xbt_collect(struct eng *e)
{
	struct eng_xbt *x = e->xbt;
	uint64_t now = xf_rt_now_ns(e->rt);

	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	for (unsigned int i = 0; i < x->n; i++) {
		struct xbt_dev *d = &x->dev[i];
		struct xf_xenbus_trace *t;
		struct xf_wedge w;
		uint64_t idle;

		if (xf_result_xenbus_dev(e->res, d->name, &t))
			break;
		for (size_t k = 0; k < d->nev; k++)
			if (xf_result_xenbus_add(t, &d->ev[k]))
				break;
		/* A sim write is stamped with its vCPU's local clock, which
		 * can be ahead of the time the run stopped at. */
		idle = now > d->last_ns ? now - d->last_ns : 0;
		if (settled(d) || idle < d->timeout_ns)
			continue;
		memset(&w, 0, sizeof(w));
		snprintf(w.device, sizeof(w.device), "%s", d->name);
		w.frontend = d->last[0];
		w.backend = d->last[1];
		w.idle_ns = idle;
		snprintf(w.text, sizeof(w.text), "%s: frontend %s, backend %s, "
			 "no state change for %.3g s", d->name,
			 name_of(d->last[0]), name_of(d->last[1]),
			 (double)w.idle_ns / 1e9);
		w.line = d->line;
		xf_result_add_wedge(e->res, &w);
	}
	pthread_mutex_unlock(&x->lock);
}

void eng_xbt_free(struct eng *e)
{
	struct eng_xbt *x = e->xbt;

	if (!x)
		return;
	if (e->hv)
		xf_mock_set_store_hook(e->hv, NULL, NULL);
	if (x->actor_added)
		xf_actor_remove(&x->actor);
	if (x->xs)
		e->dom0->store->close(x->xs);
	for (unsigned int i = 0; i < x->n; i++)
		free(x->dev[i].ev);
	pthread_mutex_destroy(&x->lock);
	free(x);
	e->xbt = NULL;
}
