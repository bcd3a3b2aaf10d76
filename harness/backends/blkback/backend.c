/* SPDX-License-Identifier: MIT */
/* Backend object: configuration, feature presets, creation and teardown,
 * and the read-only views (state, negotiated values, statistics). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

/* Indexes of preset_names and presets. */
enum {
	P_LINUX,
	P_QEMU,
	P_MINIMAL,
	P_NO_PERSISTENT,
	P_NO_INDIRECT,
	P_FEW_INDIRECT,
	P_SINGLE_QUEUE,
	P_NO_FLUSH,
	P_BARRIER_ONLY,
	P_LEGACY_RING,
	P_NR
};

static const char *const preset_names[P_NR + 1] = {
	[P_LINUX] = "linux",
	[P_QEMU] = "qemu",
	[P_MINIMAL] = "minimal",
	[P_NO_PERSISTENT] = "no-persistent",
	[P_NO_INDIRECT] = "no-indirect",
	[P_FEW_INDIRECT] = "few-indirect",
	[P_SINGLE_QUEUE] = "single-queue",
	[P_NO_FLUSH] = "no-flush",
	[P_BARRIER_ONLY] = "barrier-only",
	[P_LEGACY_RING] = "legacy-ring",
};

static const struct xf_blkback_features presets[P_NR] = {
	[P_LINUX] = { .persistent = true, .max_indirect_segments = 256,
		.max_ring_page_order = 4, .max_queues = 4, .flush = true,
		.barrier = true, .discard = true },
	[P_QEMU] = { .max_ring_page_order = 4, .flush = true, .discard = true },
	[P_MINIMAL] = { 0 },
	[P_NO_PERSISTENT] = { .max_indirect_segments = 256,
		.max_ring_page_order = 4, .max_queues = 4, .flush = true,
		.barrier = true, .discard = true },
	[P_NO_INDIRECT] = { .persistent = true, .max_ring_page_order = 4,
		.max_queues = 4, .flush = true, .barrier = true,
		.discard = true },
	[P_FEW_INDIRECT] = { .persistent = true, .max_indirect_segments = 32,
		.max_ring_page_order = 4, .max_queues = 4, .flush = true,
		.barrier = true, .discard = true },
	[P_SINGLE_QUEUE] = { .persistent = true, .max_indirect_segments = 256,
		.max_ring_page_order = 4, .flush = true, .barrier = true,
		.discard = true },
	[P_NO_FLUSH] = { .persistent = true, .max_indirect_segments = 256,
		.max_ring_page_order = 4, .max_queues = 4, .discard = true },
	[P_BARRIER_ONLY] = { .persistent = true, .max_indirect_segments = 256,
		.max_ring_page_order = 4, .max_queues = 4, .barrier = true },
	[P_LEGACY_RING] = { .max_ring_page_order = 2,
		.legacy_max_ring_pages = true, .flush = true },
};

int xf_blkback_features_preset(const char *name,
			       struct xf_blkback_features *out)
{
	unsigned int i;

	if (!name || !out)
		return -EINVAL;
	if (xf_name_lookup(preset_names, P_NR, name, &i))
		return -ENOENT;
	*out = presets[i];
	return 0;
}

const char *const *xf_blkback_feature_presets(void)
{
	return preset_names;
}

void xf_blkback_config_init(struct xf_blkback_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->devid = 51712;
	xf_blkback_features_preset("linux", &cfg->features);
}

void bb_set_error(struct xf_blkback *bb, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&bb->lock);
	va_start(ap, fmt);
	vsnprintf(bb->last_error, sizeof(bb->last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&bb->lock);
}

/* Control actor only. Only the connected queues: the others have
 * nothing to do, and an actor run on another vCPU is not free in sim
 * mode (a backend offering 4 queues to a frontend that uses 1 must time
 * as one with 1 queue). */
void bb_kick_queues(struct xf_blkback *bb)
{
	for (unsigned int i = 0; i < bb->nr_queues; i++)
		xf_actor_kick(&bb->q[i].actor);
}

/* Hooks a platform handle to an actor: a wakeup callback where the
 * platform has one (mock), else its fd (xen, real mode only). */
static int hook(struct xf_actor *a, int (*set_wakeup)(void *, xf_wakeup_fn,
						      void *),
		void *h, int fd)
{
	int r = set_wakeup(h, xf_actor_wakeup, a);

	if (r == -ENOTSUP)
		r = xf_actor_watch_fd(a, fd);
	return r;
}

static int xs_set_wakeup(void *h, xf_wakeup_fn fn, void *opaque)
{
	struct xf_blkback *bb = h;

	return bb->p->store->set_wakeup(bb->xs, fn, opaque);
}

static int ev_set_wakeup(void *h, xf_wakeup_fn fn, void *opaque)
{
	struct bb_queue *q = h;

	return q->bb->p->evtchn->set_wakeup(q->evh, fn, opaque);
}

static void clamp_features(struct xf_blkback_features *f, unsigned int nq)
{
	if (f->max_ring_page_order > XF_MAX_RING_PAGE_ORDER)
		f->max_ring_page_order = XF_MAX_RING_PAGE_ORDER;
	if (f->max_queues > nq)
		f->max_queues = nq;
	if (f->max_indirect_segments > XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST *
				       XF_BLKIF_SEGS_PER_INDIRECT_FRAME)
		f->max_indirect_segments =
			XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST *
			XF_BLKIF_SEGS_PER_INDIRECT_FRAME;
	/* Fewer than 11 would forbid ordinary requests: treat as absent. */
	if (f->max_indirect_segments &&
	    f->max_indirect_segments <= XF_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		f->max_indirect_segments = 0;
	if (f->sectors_unit != XF_BLKBACK_SECTORS_SECTOR_SIZE)
		f->sectors_unit = XF_BLKBACK_SECTORS_512;
}

/* Platform handles go first, so no wakeup can reach an actor that is
 * being removed; the actors go last. */
static void teardown(struct xf_blkback *bb)
{
	for (unsigned int i = 0; i < bb->nr_qalloc; i++) {
		struct bb_queue *q = &bb->q[i];

		pthread_mutex_lock(&q->lock);
		bb_queue_disconnect(q);
		if (q->evh)
			bb->p->evtchn->close(q->evh);
		q->evh = NULL;
		pthread_mutex_unlock(&q->lock);
	}
	if (bb->xs)
		bb->p->store->close(bb->xs);
	bb->xs = NULL;
	for (unsigned int i = 0; i < bb->nr_qalloc; i++) {
		struct bb_queue *q = &bb->q[i];

		if (q->actor.rt)
			xf_actor_remove(&q->actor);
		free(q->pg);
		pthread_mutex_destroy(&q->lock);
	}
	if (bb->ctl.rt)
		xf_actor_remove(&bb->ctl);
	pthread_mutex_destroy(&bb->lock);
	free(bb);
}

int xf_blkback_new(const struct xf_blkback_config *cfg,
		   struct xf_blkback **out)
{
	struct xf_blkback *bb;
	unsigned int nv, nq;
	uint64_t seed;
	int r;

	if (!cfg || !out || !cfg->platform || !cfg->rt || !cfg->disk)
		return -EINVAL;
	nv = xf_rt_nr_vcpus(cfg->rt);
	if (cfg->vcpu >= nv)
		return -EINVAL;
	if (cfg->features.sectors_unit != XF_BLKBACK_SECTORS_512 &&
	    cfg->features.sectors_unit != XF_BLKBACK_SECTORS_SECTOR_SIZE)
		return -EINVAL;
	if ((unsigned int)cfg->hostile >= XF_BLKBACK_HOSTILE_NR)
		return -EINVAL;
	if (bb_dance_check(cfg))
		return -EINVAL;
	bb = calloc(1, sizeof(*bb));
	if (!bb)
		return -ENOMEM;
	pthread_mutex_init(&bb->lock, NULL);
	bb->cfg = *cfg;
	bb->p = cfg->platform;
	bb->rt = cfg->rt;
	snprintf(bb->name, sizeof(bb->name), "%s",
		 cfg->name ? cfg->name : "blkback");
	bb->cfg.name = bb->name;
	nq = cfg->features.max_queues > 1 ? cfg->features.max_queues : 1;
	if (nq > XF_BLKBACK_MAX_QUEUES)
		nq = XF_BLKBACK_MAX_QUEUES;
	bb->feat = cfg->features;
	clamp_features(&bb->feat, nq);
	if (!bb->cfg.max_persistent_grants)
		bb->cfg.max_persistent_grants = 4096;
	atomic_store(&bb->crash_after, cfg->crash_after_requests);
	atomic_store(&bb->state, XF_XENBUS_UNKNOWN);
	bb->set_fe_state = -1;
	snprintf(bb->bpath, sizeof(bb->bpath),
		 "/local/domain/%u/backend/vbd/%u/%u", bb->p->domid,
		 cfg->frontend_id, cfg->devid);

	r = xf_actor_add(bb->rt, &bb->ctl, &bb_ctl_ops, bb->name, cfg->vcpu);
	if (r < 0) {
		bb->ctl.rt = NULL;
		goto fail;
	}
	r = bb->p->store->open(bb->p, &bb->xs);
	if (r < 0) {
		bb->xs = NULL;
		goto fail;
	}
	/* One draw from the runtime for every queue: how many queues are
	 * offered must not move the runtime's random stream (and so every
	 * other random choice of a sim run). */
	seed = xf_rt_rand(bb->rt);
	for (unsigned int i = 0; i < nq; i++) {
		struct bb_queue *q = &bb->q[i];

		q->bb = bb;
		q->idx = i;
		pthread_mutex_init(&q->lock, NULL);
		xf_rng_seed(&q->rng, seed + i);
		bb->nr_qalloc = i + 1;
		snprintf(q->name, sizeof(q->name), "%s/q%u", bb->name, i);
		r = xf_actor_add(bb->rt, &q->actor, &bb_queue_ops, q->name,
				 (cfg->queue_vcpu + i) % nv);
		if (r < 0) {
			q->actor.rt = NULL;
			goto fail;
		}
		r = bb->p->evtchn->open(bb->p, &q->evh);
		if (r < 0) {
			q->evh = NULL;
			goto fail;
		}
		r = hook(&q->actor, ev_set_wakeup, q,
			 bb->p->evtchn->fd(q->evh));
		if (r < 0)
			goto fail;
	}
	r = hook(&bb->ctl, xs_set_wakeup, bb, bb->p->store->fd(bb->xs));
	if (r < 0)
		goto fail;
	r = bb->p->store->watch(bb->xs, bb->bpath, "be");
	if (r < 0)
		goto fail;
	bb_dance_start(bb);
	xf_actor_kick(&bb->ctl);
	*out = bb;
	return 0;
fail:
	teardown(bb);
	return r;
}

void xf_blkback_free(struct xf_blkback *bb)
{
	if (!bb)
		return;
	teardown(bb);
}

int xf_blkback_state(const struct xf_blkback *bb)
{
	return atomic_load(&((struct xf_blkback *)bb)->state);
}

const char *xf_blkback_last_error(const struct xf_blkback *bb)
{
	return bb->last_error;
}

void xf_blkback_conn_info(const struct xf_blkback *cbb,
			  struct xf_blkback_conn_info *out)
{
	struct xf_blkback *bb = (struct xf_blkback *)cbb;

	pthread_mutex_lock(&bb->lock);
	*out = bb->info;
	pthread_mutex_unlock(&bb->lock);
}

/* Adds queue q's counters to out (q->lock held). */
static void add_queue(struct xf_blkback_stats *out, const struct bb_queue *q)
{
	const struct xf_blkback_stats *s = &q->st;

	for (int k = 0; k < 8; k++)
		out->requests[k] += s->requests[k];
	for (int k = 0; k < XF_BLKBACK_REJ_NR; k++)
		out->rejects[k] += s->rejects[k];
	out->segments += s->segments;
	out->indirect_requests += s->indirect_requests;
	out->indirect_segments += s->indirect_segments;
	out->bytes_read += s->bytes_read;
	out->bytes_written += s->bytes_written;
	out->responses += s->responses;
	out->persistent_maps += s->persistent_maps;
	out->persistent_hits += s->persistent_hits;
	out->grant_copy_segs += s->grant_copy_segs;
	out->notify_sent += s->notify_sent;
	out->notify_received += s->notify_received;
	out->rsp_error += s->rsp_error;
	out->rsp_eopnotsupp += s->rsp_eopnotsupp;
	out->discard_off_grid += s->discard_off_grid;
	out->injected_errors += s->injected_errors;
	out->hostile_acts += s->hostile_acts;
	out->ring_overflows += s->ring_overflows;
	out->inflight += q->nr_inflight + (q->barrier ? 1 : 0);
}

int xf_blkback_queue_stats(struct xf_blkback *bb, unsigned int queue,
			   struct xf_blkback_stats *out)
{
	struct bb_queue *q;

	if (queue >= bb->nr_qalloc)
		return -ENOENT;
	q = &bb->q[queue];
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	add_queue(out, q);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int xf_blkback_queue_dump(struct xf_blkback *bb, unsigned int qi,
			  struct xf_blkback_queue_dump *out)
{
	struct bb_queue *q;
	int r = 0;

	if (!bb || !out || qi >= bb->nr_qalloc)
		return -EINVAL;
	q = &bb->q[qi];
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->lock);
	if (q->connected && q->ring.sring) {
		xf_back_ring_indices(&q->ring, &out->ring);
		out->inflight = q->nr_inflight;
		out->halted = q->halted;
		out->port = q->port;
	} else {
		r = -ENOTCONN;
	}
	pthread_mutex_unlock(&q->lock);
	return r;
}

void xf_blkback_stats(struct xf_blkback *bb, struct xf_blkback_stats *out)
{
	struct xf_blkdisk_stats ds;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < bb->nr_qalloc; i++) {
		struct bb_queue *q = &bb->q[i];

		pthread_mutex_lock(&q->lock);
		add_queue(out, q);
		pthread_mutex_unlock(&q->lock);
	}
	pthread_mutex_lock(&bb->lock);
	out->dropped = bb->dropped;
	out->connects = bb->connects;
	out->disconnects = bb->disconnects;
	pthread_mutex_unlock(&bb->lock);
	xf_blkdisk_stats(bb->cfg.disk, &ds);
	out->cache_dirty_bytes = ds.dirty_bytes;
}

void xf_blkback_set_features(struct xf_blkback *bb,
			     const struct xf_blkback_features *f)
{
	pthread_mutex_lock(&bb->lock);
	bb->feat = *f;
	clamp_features(&bb->feat, bb->nr_qalloc);
	pthread_mutex_unlock(&bb->lock);
}
