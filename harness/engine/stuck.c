// SPDX-License-Identifier: MIT
/*
 * Hang reports: a device that still has work at the end of a run (hung
 * I/Os, frames still out, or no connection while work was asked of it)
 * is recorded as it was then, both xenbus states, each queue's ring
 * indices from both sides, the oldest requests with their age, what is
 * granted, and the event channel, so the report can say who waits for
 * whom. Taken before teardown; read-only on every object it touches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/mock.h>
#include <xfront/util.h>
#include <xfront/xenbus.h>

#include "engine-priv.h"
#include "net.h"

/* The state key under dir, by name ("InitWait"), or why there is none. */
static void store_state(struct xf_platform *p, const char *dir, char *buf,
			size_t len)
{
	struct xf_xs *xs = NULL;
	char path[512];
	uint64_t v;
	int r;

	snprintf(buf, len, "unreadable");
	if (!p || !dir[0] || p->store->open(p, &xs))
		return;
	snprintf(path, sizeof(path), "%s/state", dir);
	r = xf_xs_read_uint(p, xs, XF_TXN_NONE, path, 255, &v);
	if (r == -ENOENT)
		snprintf(buf, len, "absent");
	else if (!r)
		snprintf(buf, len, "%s", xf_xenbus_state_name((int)v));
	p->store->close(xs);
}

static void evtchn_of(struct eng *e, xf_domid dom, struct xf_stuck_queue *q)
{
	if (e->xen || !e->hv || !q->port)
		return;
	q->has_evtchn = !xf_mock_evtchn_state(e->hv, dom, q->port,
					      &q->pending, &q->masked);
}

static void ring_front(struct xf_stuck_ring *r, const char *name,
		       const struct xf_ring_indices *f)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->req_prod = f->req_prod;
	r->req_event = f->req_event;
	r->rsp_prod = f->rsp_prod;
	r->rsp_event = f->rsp_event;
	r->req_prod_pvt = f->pvt;
	r->rsp_cons = f->cons;
}

static const char *const blk_ops[] = {
	[XF_BLKIF_OP_READ] = "read",
	[XF_BLKIF_OP_WRITE] = "write",
	[XF_BLKIF_OP_WRITE_BARRIER] = "barrier",
	[XF_BLKIF_OP_FLUSH_DISKCACHE] = "flush",
	[XF_BLKIF_OP_DISCARD] = "discard",
	[XF_BLKIF_OP_INDIRECT] = "indirect",
};

static const char *const nf_states[] = {
	[XF_NETFRONT_INIT] = "init",
	[XF_NETFRONT_WAIT_BACKEND] = "wait-backend",
	[XF_NETFRONT_CONNECTING] = "connecting",
	[XF_NETFRONT_CONNECTED] = "connected",
	[XF_NETFRONT_DISCONNECTED] = "disconnected",
	[XF_NETFRONT_SUSPENDED] = "suspended",
	[XF_NETFRONT_CLOSING] = "closing",
	[XF_NETFRONT_CLOSED] = "closed",
	[XF_NETFRONT_ERROR] = "error",
};

/* The wedge report of a device (eng_xbt_collect ran first), or NULL. */
static const struct xf_wedge *wedge_of(const struct eng *e, const char *dev)
{
	for (size_t i = 0; i < e->res->nwedges; i++)
		if (!strcmp(e->res->wedges[i].device, dev))
			return &e->res->wedges[i];
	return NULL;
}

/* Why a device is worth a dump: work it never finished, a handshake
 * that stopped, or a run that failed with the device not connected.
 * NULL: it finished its part. */
static bool stuck_why(const struct eng *e, const char *dev, char *buf,
		      size_t len, uint64_t left, const char *left_what,
		      const char *down)
{
	const struct xf_wedge *w = wedge_of(e, dev);

	if (left)
		snprintf(buf, len, "%llu %s", (unsigned long long)left,
			 left_what);
	else if (w)
		snprintf(buf, len, "wedged: %s", w->text);
	else if (down)
		snprintf(buf, len, "%s", down);
	else
		return false;
	return true;
}

static uint64_t disk_hangs(const struct eng *e, const struct eng_disk *d)
{
	uint64_t n = 0;

	for (unsigned int k = 0; k < e->njobs; k++)
		if (e->jobs[k].d == d && e->jobs[k].res)
			n += e->jobs[k].res->hangs;
	return n;
}

static void stuck_disk(struct eng *e, struct eng_disk *d)
{
	struct xf_blkfront_info info;
	struct xf_stuck_device *sd;
	uint64_t hangs = disk_hangs(e, d);
	bool idle_ok;
	char why[sizeof(sd->why)];

	if (!d->bf || xf_blkfront_get_info(d->bf, &info))
		return;
	/* A disk with nothing outstanding and connected (or closed on
	 * purpose) finished its part. */
	idle_ok = info.state == XF_BLKFRONT_CONNECTED ||
		  info.state == XF_BLKFRONT_CLOSED ||
		  info.state == XF_BLKFRONT_UNPLUGGED;
	if (!stuck_why(e, d->name, why, sizeof(why), hangs,
		       hangs == 1 ? "hung I/O" : "hung I/Os",
		       !idle_ok && e->failed ? "not connected when the run "
					       "stopped" : NULL) ||
	    xf_result_add_stuck(e->res, &sd))
		return;
	snprintf(sd->device, sizeof(sd->device), "%s", d->name);
	snprintf(sd->kind, sizeof(sd->kind), "disk");
	snprintf(sd->why, sizeof(sd->why), "%s", why);
	snprintf(sd->frontend_view, sizeof(sd->frontend_view), "%s",
		 xf_blkfront_state_name(info.state));
	store_state(d->vm->p, xf_blkfront_nodename(d->bf), sd->frontend_state,
		    sizeof(sd->frontend_state));
	store_state(d->host->p, info.backend, sd->backend_state,
		    sizeof(sd->backend_state));
	for (unsigned int qi = 0; qi < d->nqueues &&
	     sd->nqueues < XF_STUCK_MAX_QUEUES; qi++) {
		struct xf_stuck_queue *q = &sd->queues[sd->nqueues];
		struct xf_blkfront_queue_dump fd;
		struct xf_blkback_queue_dump bd;

		if (xf_blkfront_queue_dump(d->bf, qi, &fd))
			continue;
		sd->nqueues++;
		q->queue = qi;
		q->has_ring = fd.has_ring;
		q->inflight = fd.inflight;
		q->queued = fd.queued;
		q->grants = fd.ring_grants + fd.data_grants;
		q->port = fd.port;
		if (fd.has_ring) {
			q->nrings = 1;
			ring_front(&q->rings[0], "", &fd.ring);
		}
		if (fd.has_ring && d->bb &&
		    !xf_blkback_queue_dump(d->bb, qi, &bd)) {
			q->rings[0].has_backend = true;
			q->rings[0].req_cons = bd.ring.cons;
			q->rings[0].rsp_prod_pvt = bd.ring.pvt;
			q->rings[0].backend_inflight = bd.inflight;
			q->rings[0].backend_halted = bd.halted;
		}
		for (unsigned int k = 0; k < fd.nreqs && k < XF_STUCK_MAX_REQS;
		     k++) {
			q->reqs[k].id = fd.reqs[k].id;
			q->reqs[k].age_ns = fd.reqs[k].age_ns;
			snprintf(q->reqs[k].op, sizeof(q->reqs[k].op), "%s",
				 xf_name_of(blk_ops, XF_NAMES_N(blk_ops),
					    fd.reqs[k].op, "op?"));
			q->nreqs++;
		}
		evtchn_of(e, d->vm->domid, q);
	}
}

/* A flow through v that did not deliver everything it sent. */
static bool undrained_flow(struct eng *e, const struct eng_vif *v)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; i < n->nflows; i++)
		if ((n->flows[i].from == v || n->flows[i].to == v) &&
		    atomic_load(&n->flows[i].started) &&
		    !atomic_load(&n->flows[i].drained))
			return true;
	return false;
}

static void stuck_vif(struct eng *e, struct eng_vif *v)
{
	struct xf_stuck_device *sd;
	enum xf_netfront_state st;
	int64_t out = atomic_load(&v->inflight);
	char fe[160], be[160], why[sizeof(sd->why)];

	if (!v->nf)
		return;
	st = xf_netfront_state(v->nf);
	if (!stuck_why(e, v->obj->name, why, sizeof(why),
		       out > 0 ? (uint64_t)out : 0,
		       out == 1 ? "frame sent and never completed" :
				  "frames sent and never completed",
		       st != XF_NETFRONT_CONNECTED &&
		       (e->failed || undrained_flow(e, v)) ?
		       "not connected when the run stopped, a flow through it "
		       "undelivered" : NULL) ||
	    xf_result_add_stuck(e->res, &sd))
		return;
	snprintf(sd->device, sizeof(sd->device), "%s", v->obj->name);
	snprintf(sd->kind, sizeof(sd->kind), "vif");
	snprintf(sd->why, sizeof(sd->why), "%s", why);
	snprintf(sd->frontend_view, sizeof(sd->frontend_view), "%s",
		 xf_name_of(nf_states, XF_NAMES_N(nf_states), st, "?"));
	snprintf(fe, sizeof(fe), "/local/domain/%u/%s",
		 (unsigned int)v->vm->domid, v->path);
	snprintf(be, sizeof(be), "/local/domain/%u/backend/vif/%u/%u",
		 (unsigned int)v->dirs.be_domid, (unsigned int)v->vm->domid,
		 v->dirs.devid);
	store_state(v->vm->p, fe, sd->frontend_state,
		    sizeof(sd->frontend_state));
	store_state(v->vm->host->p, be, sd->backend_state,
		    sizeof(sd->backend_state));
	for (unsigned int qi = 0; qi < XF_STUCK_MAX_QUEUES; qi++) {
		struct xf_stuck_queue *q = &sd->queues[sd->nqueues];
		struct xf_netfront_queue_info qf;

		if (xf_netfront_queue_info(v->nf, qi, &qf))
			break;
		if (!qf.set_up && qi > 0)
			continue;
		sd->nqueues++;
		q->queue = qi;
		q->has_ring = qf.set_up;
		q->inflight = qf.tx_inflight;
		q->queued = qf.tx_backlog;
		q->rx_posted = qf.rx_posted;
		q->grants = qf.grants;
		q->port = qf.port_tx;
		if (qf.set_up) {
			q->nrings = 2;
			ring_front(&q->rings[0], "tx", &qf.tx_ring);
			ring_front(&q->rings[1], "rx", &qf.rx_ring);
		}
		for (unsigned int k = 0; k < qf.ntx_oldest &&
		     k < XF_STUCK_MAX_REQS; k++) {
			q->reqs[k].id = qf.tx_oldest[k].id;
			q->reqs[k].age_ns = qf.tx_oldest[k].age_ns;
			snprintf(q->reqs[k].op, sizeof(q->reqs[k].op), "tx");
			q->nreqs++;
		}
		evtchn_of(e, v->vm->domid, q);
	}
}

void eng_stuck_collect(struct eng *e)
{
	struct eng_net *n = net(e);

	for (unsigned int i = 0; i < e->ndisks; i++)
		stuck_disk(e, &e->disks[i]);
	for (unsigned int i = 0; n && i < n->nvifs; i++)
		stuck_vif(e, &n->vifs[i]);
}
