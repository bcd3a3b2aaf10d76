/* SPDX-License-Identifier: MIT */
/*
 * Reconnect support: taking in-flight requests back from a ring the
 * backend abandoned, moving queued work between queues when the new
 * backend allows fewer, and releasing old connections once the backend
 * has let go of them.
 *
 * A request taken back becomes a queued unit covering exactly its byte
 * range, so it is re-split for the new limits and sent once more; parts
 * that already completed are not sent again. Reissued flushes and
 * barriers become device-wide fences (fence.c): the order they had with
 * the writes around them, on every queue, is kept.
 */
#include <errno.h>
#include <stdlib.h>

#include "bf.h"

static void bf_lock_all(struct xf_blkfront *bf)
{
	for (unsigned int i = 0; i < bf->nr_alloc; i++)
		pthread_mutex_lock(&bf->q[i].lock);
}

static void bf_unlock_all(struct xf_blkfront *bf)
{
	for (unsigned int i = bf->nr_alloc; i-- > 0;)
		pthread_mutex_unlock(&bf->q[i].lock);
}

static void bf_take_back_queue(struct bf_queue *q)
{
	struct xf_blkfront *bf = q->bf;
	struct bf_conn *c = q->conn;

	q->live = false;
	if (!c)
		return;
	/* Harvest what the backend already answered: those completed and
	 * must not be sent again. */
	if (!q->error_seen && atomic_load(&bf->fail_mode) == BF_HOLD &&
	    !atomic_load(&bf->suspended))
		bf_process_responses(q);
	for (unsigned int i = 0; i < c->nr_ents; i++) {
		struct bf_shadow *sh = &c->shadow[i];
		struct xf_blkfront_io *io = sh->io;
		struct xf_blkfront_unit *u;

		if (sh->state != BF_SH_INFLIGHT)
			continue;
		sh->state = BF_SH_ZOMBIE;
		c->inflight--;
		u = calloc(1, sizeof(*u));
		if (!u) {
			bf_io_part_done(q, io, -ENOMEM);
			continue;
		}
		u->io = io;
		u->off = sh->off;
		u->len = sh->len;
		u->seq = io->priv.seq;
		u->kind = sh->kind;
		/* Flush, empty barrier, FUA-as-barrier write: ordered
		 * against everything around it. An io that is a fence
		 * already stays one until it completes, however this
		 * connection sent it (a barrier write re-decided as write
		 * + flush has plain writes on the ring). */
		u->fence = sh->kind == BF_U_FLUSH ||
			   sh->op == XF_BLKIF_OP_WRITE_BARRIER ||
			   io->priv.is_fence;
		u->heap = true;
		/* A FUA write re-decides how to be durable on the new
		 * backend (barrier may be gone, flush may have come). A
		 * post-flush already chosen stays: its data parts went out
		 * as plain writes that only that flush covers. */
		if (io->priv.fua_mode == BF_FUA_BARRIER ||
		    io->priv.fua_mode == BF_FUA_NONE)
			io->priv.fua_mode = BF_FUA_UNDECIDED;
		bf_fifo_insert_sorted(q, u);
		q->st.reissued++;
	}
	c->next = q->old;
	q->old = c;
	q->conn = NULL;
}

void bf_take_back_inflight(struct xf_blkfront *bf)
{
	bf_lock_all(bf);
	for (unsigned int i = 0; i < bf->nr_alloc; i++)
		bf_take_back_queue(&bf->q[i]);
	/* Every open io is on a FIFO now: the fences can count exactly
	 * what comes before them. */
	bf_fence_rebuild(bf);
	bf_unlock_all(bf);
	/* Harvested completions are delivered by the queue actors. */
	bf_kick_all_queues(bf);
}

void bf_redistribute(struct xf_blkfront *bf, unsigned int nr_active)
{
	bf_lock_all(bf);
	for (unsigned int i = nr_active; i < bf->nr_alloc; i++) {
		struct bf_queue *from = &bf->q[i];
		struct bf_queue *to = &bf->q[i % nr_active];
		struct xf_blkfront_unit *u;

		while ((u = XF_FIFO_POP(&from->fifo, next))) {
			u->io->priv.queue = to->idx;
			bf_fifo_insert_sorted(to, u);
		}
	}
	atomic_store(&bf->nr_active, nr_active);
	bf_unlock_all(bf);
}

void bf_release_old_conns(struct xf_blkfront *bf)
{
	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		while (q->old) {
			struct bf_conn *c = q->old;

			q->old = c->next;
			bf_conn_release(bf, q, c);
		}
		pthread_mutex_unlock(&q->lock);
	}
	bf_zombies_retry(bf);
}

void bf_set_live(struct xf_blkfront *bf, bool live)
{
	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		q->live = live && i < bf->nr_queues && q->conn;
		pthread_mutex_unlock(&q->lock);
		xf_actor_kick(&q->actor);
	}
}

int xf_blkfront_suspend(struct xf_blkfront *bf)
{
	if (!bf)
		return -EINVAL;
	pthread_mutex_lock(&bf->lock);
	if (bf->state == XF_BLKFRONT_CLOSED ||
	    bf->state == XF_BLKFRONT_CLOSING) {
		pthread_mutex_unlock(&bf->lock);
		return -ENODEV;
	}
	/* A frozen guest does not look at its rings any more: nothing is
	 * harvested, everything in flight is sent again after resume. */
	atomic_store(&bf->suspended, true);
	bf_take_back_inflight(bf);
	bf->state = XF_BLKFRONT_SUSPENDED;
	bf->deadline_ns = UINT64_MAX;
	pthread_mutex_unlock(&bf->lock);
	xf_actor_kick(&bf->xb_actor);
	return 0;
}

int xf_blkfront_resume(struct xf_blkfront *bf)
{
	if (!bf)
		return -EINVAL;
	if (atomic_load(&bf->closing))
		return -ENODEV;
	atomic_store(&bf->req_resume, true);
	xf_actor_kick(&bf->xb_actor);
	return 0;
}

int xf_blkfront_close(struct xf_blkfront *bf)
{
	if (!bf)
		return -EINVAL;
	if (atomic_exchange(&bf->closing, true))
		return 0;
	/* Closing a suspended device: nothing is waited for. */
	atomic_store(&bf->suspended, false);
	atomic_store(&bf->req_close, true);
	xf_actor_kick(&bf->xb_actor);
	return 0;
}
