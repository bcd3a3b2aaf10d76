/* SPDX-License-Identifier: MIT */
/* Device lifetime, configuration, error state, events and getters. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bf.h"

#define BF_DEFAULT_QUEUES 4
#define BF_DEFAULT_INDIRECT 256
#define BF_DEFAULT_CONNECT_TIMEOUT_NS (30ull * 1000000000ull)
#define BF_DEFAULT_CLOSE_TIMEOUT_NS (5ull * 1000000000ull)

static const struct xf_actor_ops bf_xenbus_ops = { .run = bf_xenbus_run };
static const struct xf_actor_ops bf_queue_ops = { .run = bf_queue_run };

void xf_blkfront_config_init(struct xf_blkfront_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_queues = -1;
	cfg->max_ring_page_order = -1;
	cfg->max_indirect_segments = -1;
	cfg->persistent = -1;
	cfg->trusted = -1;
	for (unsigned int i = 0; i < XF_BLKFRONT_MAX_QUEUES; i++)
		cfg->queue_vcpu[i] = -1;
	cfg->abi = XF_BLKIF_ABI_X86_64;
}

static const char *const state_names[] = {
	[XF_BLKFRONT_CONNECTING] = "connecting",
	[XF_BLKFRONT_CONNECTED] = "connected",
	[XF_BLKFRONT_RECONNECTING] = "reconnecting",
	[XF_BLKFRONT_SUSPENDED] = "suspended",
	[XF_BLKFRONT_GONE] = "gone",
	[XF_BLKFRONT_ERROR] = "error",
	[XF_BLKFRONT_CLOSING] = "closing",
	[XF_BLKFRONT_CLOSED] = "closed",
	[XF_BLKFRONT_UNPLUGGED] = "unplugged",
};

const char *xf_blkfront_state_name(enum xf_blkfront_state s)
{
	return XF_NAME_OF(state_names, s, "?");
}

static int bf_normalise_config(struct xf_blkfront_config *c)
{
	if (!c->platform || !c->rt || !c->nodename || !c->nodename[0])
		return -EINVAL;
	unsigned int nv = xf_rt_nr_vcpus(c->rt);

	if (c->xenbus_vcpu >= nv)
		return -EINVAL;
	if (c->max_queues < 0)
		c->max_queues = BF_DEFAULT_QUEUES;
	if (c->max_queues < 1 || c->max_queues > XF_BLKFRONT_MAX_QUEUES)
		return -EINVAL;
	if (c->max_ring_page_order < 0)
		c->max_ring_page_order = XF_MAX_RING_PAGE_ORDER;
	if (c->max_ring_page_order > XF_MAX_RING_PAGE_ORDER)
		return -EINVAL;
	if (c->max_indirect_segments < 0)
		c->max_indirect_segments = BF_DEFAULT_INDIRECT;
	if (c->max_indirect_segments > (int)XF_BLKFRONT_MAX_INDIRECT_SEGMENTS)
		return -EINVAL;
	if (c->persistent < 0)
		c->persistent = 1;
	if (c->trusted > 1 || c->persistent > 1)
		return -EINVAL;
	if (c->abi != XF_BLKIF_ABI_X86_64 && c->abi != XF_BLKIF_ABI_X86_32)
		return -EINVAL;
	for (int i = 0; i < XF_BLKFRONT_MAX_QUEUES; i++) {
		if (c->queue_vcpu[i] < 0)
			c->queue_vcpu[i] = (int)((unsigned int)i % nv);
		else if ((unsigned int)c->queue_vcpu[i] >= nv)
			return -EINVAL;
	}
	if (!c->connect_timeout_ns)
		c->connect_timeout_ns = BF_DEFAULT_CONNECT_TIMEOUT_NS;
	if (!c->initwait_grace_ns)
		c->initwait_grace_ns = 200000000ull;
	if (!c->close_timeout_ns)
		c->close_timeout_ns = BF_DEFAULT_CLOSE_TIMEOUT_NS;
	if (c->timeout_clock != XF_CLOCK_MONOTONIC &&
	    c->timeout_clock != XF_CLOCK_WALL)
		return -EINVAL;
	if (c->event_index_bug != XF_RING_EVIDX_OK &&
	    c->event_index_bug != XF_RING_EVIDX_STALE &&
	    c->event_index_bug != XF_RING_EVIDX_AHEAD)
		return -EINVAL;
	if (c->sectors_unit != XF_BLKFRONT_SECTORS_512 &&
	    c->sectors_unit != XF_BLKFRONT_SECTORS_SECTOR_SIZE)
		return -EINVAL;
	return 0;
}

uint64_t bf_clock_now(struct xf_blkfront *bf)
{
	return xf_rt_clock_ns(bf->rt, bf->cfg.timeout_clock);
}

uint64_t bf_clock_to_timer(struct xf_blkfront *bf, uint64_t when,
			   uint64_t now)
{
	uint64_t mono, t;

	if (bf->cfg.timeout_clock == XF_CLOCK_MONOTONIC)
		return when;
	/* The runtime only has monotonic timers: wake when the remaining
	 * wall time would have passed if nobody stepped the clock; the
	 * expiry itself is re-decided on the wall clock then. */
	mono = xf_rt_now_ns(bf->rt);
	t = mono + (when - now);
	return t < mono ? UINT64_MAX - 1 : t;
}

static int bf_hook_xs(struct xf_blkfront *bf)
{
	int r = bf->p->store->set_wakeup(bf->xs, xf_actor_wakeup,
					 &bf->xb_actor);
	if (r != -ENOTSUP)
		return r;
	r = xf_actor_watch_fd(&bf->xb_actor, bf->p->store->fd(bf->xs));
	if (!r)
		bf->xs_fd_watched = true;
	return r;
}

static int bf_hook_evtch(struct xf_blkfront *bf, struct bf_queue *q)
{
	int r = bf->p->evtchn->set_wakeup(q->evh, xf_actor_wakeup,
					  &q->actor);
	if (r != -ENOTSUP)
		return r;
	r = xf_actor_watch_fd(&q->actor, bf->p->evtchn->fd(q->evh));
	if (!r)
		q->fd_watched = true;
	return r;
}

static void bf_teardown(struct xf_blkfront *bf, unsigned int nq_added,
			bool xb_added);

int xf_blkfront_new(const struct xf_blkfront_config *cfg,
		    struct xf_blkfront **out)
{
	struct xf_blkfront *bf;
	unsigned int nq = 0;
	bool xb = false;
	int r;

	if (!cfg || !out)
		return -EINVAL;
	bf = calloc(1, sizeof(*bf));
	if (!bf)
		return -ENOMEM;
	bf->cfg = *cfg;
	r = bf_normalise_config(&bf->cfg);
	if (r) {
		free(bf);
		return r;
	}
	bf->p = bf->cfg.platform;
	bf->rt = bf->cfg.rt;
	bf->cfg.nodename = NULL; /* not owned; fe_path holds it */
	if (cfg->nodename[0] == '/')
		r = snprintf(bf->fe_path, sizeof(bf->fe_path), "%s",
			     cfg->nodename);
	else
		r = snprintf(bf->fe_path, sizeof(bf->fe_path),
			     "/local/domain/%u/%s", bf->p->domid,
			     cfg->nodename);
	if (r < 0 || (size_t)r >= sizeof(bf->fe_path)) {
		free(bf);
		return -ENAMETOOLONG;
	}
	pthread_mutex_init(&bf->lock, NULL);
	pthread_mutex_init(&bf->err_lock, NULL);
	pthread_mutex_init(&bf->fence_lock, NULL);
	bf->dc_gran = 512;
	bf->nr_alloc = (unsigned int)bf->cfg.max_queues;
	bf->state = XF_BLKFRONT_CONNECTING;
	bf->info.state = XF_BLKFRONT_CONNECTING;
	bf->info.sector_size = 512;
	bf->info.physical_sector_size = 512;
	bf->info.sectors_unit = bf->cfg.sectors_unit;
	bf->deadline_ns = UINT64_MAX;
	bf->grace_at_ns = UINT64_MAX;
	bf->retry_at_ns = UINT64_MAX;
	atomic_init(&bf->fail_mode, BF_HOLD);
	atomic_init(&bf->nr_active, bf->nr_alloc);
	atomic_init(&bf->sector_size, 512);
	/* A disk of 0 bytes is legal, so "unknown" needs its own value. */
	atomic_init(&bf->disk_bytes, UINT64_MAX);

	r = bf->p->store->open(bf->p, &bf->xs);
	if (r)
		goto fail;
	for (nq = 0; nq < bf->nr_alloc; nq++) {
		struct bf_queue *q = &bf->q[nq];

		q->bf = bf;
		q->idx = nq;
		q->st.vcpu = (unsigned int)bf->cfg.queue_vcpu[nq];
		pthread_mutex_init(&q->lock, NULL);
		r = bf->p->evtchn->open(bf->p, &q->evh);
		if (r)
			goto fail;
		snprintf(bf->names[nq], sizeof(bf->names[nq]), "blkfront-q%u",
			 nq);
		r = xf_actor_add(bf->rt, &q->actor, &bf_queue_ops,
				 bf->names[nq], q->st.vcpu);
		if (r) {
			bf->p->evtchn->close(q->evh);
			q->evh = NULL;
			goto fail;
		}
		r = bf_hook_evtch(bf, q);
		if (r) {
			nq++;
			goto fail;
		}
	}
	snprintf(bf->names[XF_BLKFRONT_MAX_QUEUES],
		 sizeof(bf->names[0]), "blkfront-xb");
	r = xf_actor_add(bf->rt, &bf->xb_actor, &bf_xenbus_ops,
			 bf->names[XF_BLKFRONT_MAX_QUEUES],
			 bf->cfg.xenbus_vcpu);
	if (r)
		goto fail;
	xb = true;
	r = bf_hook_xs(bf);
	if (r)
		goto fail;
	/* The watch fires once on registration: that run starts the
	 * handshake. */
	r = bf->p->store->watch(bf->xs, bf->fe_path, "fe");
	if (r)
		goto fail;
	bf_arm_deadline(bf, bf->cfg.connect_timeout_ns);
	xf_actor_kick(&bf->xb_actor);
	*out = bf;
	return 0;
fail:
	bf_teardown(bf, nq, xb);
	return r;
}

static void bf_teardown(struct xf_blkfront *bf, unsigned int nq_added,
			bool xb_added)
{
	bf_iolist done = XF_FIFO_INIT;

	if (xb_added)
		xf_actor_remove(&bf->xb_actor);
	for (unsigned int i = 0; i < nq_added; i++)
		xf_actor_remove(&bf->q[i].actor);
	for (unsigned int i = 0; i < nq_added; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		bf_fail_inflight(q, -ENODEV);
		bf_fail_queued(q, -ENODEV);
		if (q->conn) {
			q->conn->next = q->old;
			q->old = q->conn;
			q->conn = NULL;
		}
		while (q->old) {
			struct bf_conn *c = q->old;

			q->old = c->next;
			bf_conn_release(bf, q, c);
		}
		XF_FIFO_SPLICE(&done, &q->done, priv.done_next);
		pthread_mutex_unlock(&q->lock);
		if (q->evh)
			bf->p->evtchn->close(q->evh);
		pthread_mutex_destroy(&q->lock);
	}
	if (bf->xs)
		bf->p->store->close(bf->xs);
	bf_zombies_retry(bf);
	/* Pages the backend still maps stay granted (the platform counts
	 * them as leaked); only our bookkeeping goes. */
	while (bf->zombies) {
		struct bf_page *pg = bf->zombies;

		bf->zombies = pg->next;
		free(pg);
	}
	bf_complete(&done);
	pthread_mutex_destroy(&bf->lock);
	pthread_mutex_destroy(&bf->err_lock);
	pthread_mutex_destroy(&bf->fence_lock);
	free(bf);
}

void xf_blkfront_free(struct xf_blkfront *bf)
{
	if (!bf)
		return;
	bf_teardown(bf, bf->nr_alloc, true);
}

void bf_kick_all_queues(struct xf_blkfront *bf)
{
	for (unsigned int i = 0; i < bf->nr_alloc; i++)
		xf_actor_kick(&bf->q[i].actor);
}

void bf_post_event(struct xf_blkfront *bf, enum xf_blkfront_event ev)
{
	atomic_fetch_or(&bf->ev_pending, 1u << ev);
}

void bf_deliver_events(struct xf_blkfront *bf)
{
	unsigned int ev = atomic_exchange(&bf->ev_pending, 0);

	if (!bf->cfg.event)
		return;
	for (unsigned int i = 0; ev; i++, ev >>= 1)
		if (ev & 1)
			bf->cfg.event(bf, (enum xf_blkfront_event)i,
				      bf->cfg.event_opaque);
}

void bf_set_error(struct xf_blkfront *bf, int err, const char *fmt, ...)
{
	va_list ap;
	bool first = false;

	pthread_mutex_lock(&bf->err_lock);
	if (!bf->err) {
		bf->err = err;
		va_start(ap, fmt);
		vsnprintf(bf->errmsg, sizeof(bf->errmsg), fmt, ap);
		va_end(ap);
		first = true;
	}
	pthread_mutex_unlock(&bf->err_lock);
	if (err == -EPROTO)
		atomic_fetch_add(&bf->proto_errors, 1);
	if (!first)
		return;
	atomic_store(&bf->fail_mode, BF_FAIL_PROTO);
	bf_post_event(bf, XF_BLKFRONT_EV_ERROR);
	bf_kick_all_queues(bf);
	xf_actor_kick(&bf->xb_actor);
}

int xf_blkfront_error(struct xf_blkfront *bf, char *msg, size_t len)
{
	int err;

	if (!bf)
		return -EINVAL;
	pthread_mutex_lock(&bf->err_lock);
	err = bf->err;
	if (msg && len)
		snprintf(msg, len, "%s", err ? bf->errmsg : "");
	pthread_mutex_unlock(&bf->err_lock);
	return err;
}

const char *xf_blkfront_nodename(const struct xf_blkfront *bf)
{
	return bf->fe_path;
}

int xf_blkfront_get_info(struct xf_blkfront *bf, struct xf_blkfront_info *out)
{
	if (!bf || !out)
		return -EINVAL;
	pthread_mutex_lock(&bf->lock);
	*out = bf->info;
	out->state = bf->state;
	/* A queue raises the error (bf_set_error()) on its own vCPU and
	 * the xenbus actor writes the state when it next runs: whoever
	 * learnt of the error meanwhile (XF_BLKFRONT_EV_ERROR, an I/O
	 * failed -EPROTO) must not read the state from before it. The
	 * states the actor turns into the error state, as it will. */
	if (atomic_load(&bf->fail_mode) == BF_FAIL_PROTO &&
	    !atomic_load(&bf->suspended) && !atomic_load(&bf->closing) &&
	    (out->state == XF_BLKFRONT_CONNECTING ||
	     out->state == XF_BLKFRONT_CONNECTED ||
	     out->state == XF_BLKFRONT_RECONNECTING ||
	     out->state == XF_BLKFRONT_GONE))
		out->state = XF_BLKFRONT_ERROR;
	pthread_mutex_unlock(&bf->lock);
	out->flush_active = atomic_load(&bf->feat_flush);
	out->barrier_active = atomic_load(&bf->feat_barrier);
	out->discard_active = atomic_load(&bf->feat_discard);
	out->durability_degraded = atomic_load(&bf->degraded);
	out->fua_unprotected = atomic_load(&bf->fua_unprotected);
	out->protocol_errors = atomic_load(&bf->proto_errors);
	out->grants_busy = atomic_load(&bf->grants_busy);
	out->watchdog_recoveries = 0;
	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		pthread_mutex_lock(&bf->q[i].lock);
		out->watchdog_recoveries += bf->q[i].st.watchdog_recoveries;
		pthread_mutex_unlock(&bf->q[i].lock);
	}
	return 0;
}

int xf_blkfront_queue_stats(struct xf_blkfront *bf, unsigned int qi,
			    struct xf_blkfront_queue_stats *out)
{
	if (!bf || !out || qi >= bf->nr_alloc)
		return -EINVAL;
	struct bf_queue *q = &bf->q[qi];

	pthread_mutex_lock(&q->lock);
	*out = q->st;
	out->persistent_grants = 0;
	out->port = q->conn && q->conn->port_valid ? q->conn->port : 0;
	if (q->conn)
		out->persistent_grants = q->conn->data_pool.total +
					 q->conn->ind_pool.total;
	pthread_mutex_unlock(&q->lock);
	return 0;
}
