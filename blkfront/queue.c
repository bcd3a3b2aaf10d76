/* SPDX-License-Identifier: MIT */
/*
 * Submission, the per-queue FIFO of work not yet on the ring, I/O
 * completion accounting, and the queue actor.
 *
 * Every io moves through: submit -> unit(s) in the FIFO -> parts on the
 * ring -> done list -> callback in the queue actor. io->priv.pending
 * counts its units plus its parts; the io is complete when it drops to
 * zero, so each io completes exactly once whatever happens to the
 * connection in between.
 */
#include <errno.h>
#include <stdlib.h>

#include "bf.h"

void bf_fifo_append(struct bf_queue *q, struct xf_blkfront_unit *u)
{
	u->next = NULL;
	if (q->fifo_tail)
		q->fifo_tail->next = u;
	else
		q->fifo_head = u;
	q->fifo_tail = u;
}

/* Keeps the FIFO in submission order: used for work taken back from
 * the ring and for FUA post-flushes, which are older than most queued
 * work. */
void bf_fifo_insert_sorted(struct bf_queue *q, struct xf_blkfront_unit *u)
{
	struct xf_blkfront_unit **pp = &q->fifo_head;

	while (*pp && ((*pp)->seq < u->seq ||
		       ((*pp)->seq == u->seq && (*pp)->off <= u->off)))
		pp = &(*pp)->next;
	u->next = *pp;
	*pp = u;
	if (!u->next)
		q->fifo_tail = u;
}

static void bf_done_append(struct bf_queue *q, struct xf_blkfront_io *io)
{
	io->priv.done_next = NULL;
	if (q->done_tail)
		q->done_tail->priv.done_next = io;
	else
		q->done_head = io;
	q->done_tail = io;
	q->st.ios_completed++;
	if (io->priv.status)
		q->st.errors++;
}

void bf_io_part_done(struct bf_queue *q, struct xf_blkfront_io *io,
		     int status)
{
	if (status && !io->priv.status)
		io->priv.status = status;
	if (--io->priv.pending)
		return;
	if (!io->priv.status && io->op == XF_BLKFRONT_WRITE &&
	    (io->flags & XF_BLKFRONT_F_FUA) &&
	    io->priv.fua_mode == BF_FUA_POSTFLUSH && !io->priv.fua_flushed) {
		struct xf_blkfront_unit *u = &io->priv.unit0;

		/* FUA emulation: the data is on the backend; now make it
		 * durable. unit0 is free: nothing of the io is queued. */
		io->priv.fua_flushed = true;
		u->io = io;
		u->off = 0;
		u->len = 0;
		u->seq = io->priv.seq;
		u->kind = BF_U_FLUSH;
		u->fence = false;
		u->heap = false;
		io->priv.pending = 1;
		bf_fifo_insert_sorted(q, u);
		return;
	}
	bf_done_append(q, io);
}

static struct xf_blkfront_unit *bf_fifo_pop(struct bf_queue *q)
{
	struct xf_blkfront_unit *u = q->fifo_head;

	if (u) {
		q->fifo_head = u->next;
		if (!q->fifo_head)
			q->fifo_tail = NULL;
		u->next = NULL;
	}
	return u;
}

void bf_fail_queued(struct bf_queue *q, int status)
{
	struct xf_blkfront_unit *u;

	while ((u = bf_fifo_pop(q))) {
		struct xf_blkfront_io *io = u->io;

		if (u->heap)
			free(u);
		bf_io_part_done(q, io, status);
	}
}

static int bf_check_io(struct xf_blkfront *bf, struct xf_blkfront_io *io)
{
	uint64_t ss = atomic_load(&bf->sector_size);
	bool ro = atomic_load(&bf->read_only);

	if (!io->done || (io->flags & ~(XF_BLKFRONT_F_FUA |
					XF_BLKFRONT_F_SECURE)))
		return -EINVAL;
	switch (io->op) {
	case XF_BLKFRONT_FLUSH:
		return io->flags ? -EINVAL : 0;
	case XF_BLKFRONT_READ:
	case XF_BLKFRONT_WRITE:
		if (!io->buf)
			return -EINVAL;
		if (io->op == XF_BLKFRONT_READ && io->flags)
			return -EINVAL;
		if (io->op == XF_BLKFRONT_WRITE &&
		    (io->flags & XF_BLKFRONT_F_SECURE))
			return -EINVAL;
		break;
	case XF_BLKFRONT_DISCARD:
		if (io->flags & XF_BLKFRONT_F_FUA)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	uint64_t disk = atomic_load(&bf->disk_bytes);

	if (!io->len_bytes || io->offset_bytes % ss || io->len_bytes % ss ||
	    io->offset_bytes + io->len_bytes < io->offset_bytes)
		return -EINVAL;
	/* Known size (0 before the first connect): stay inside it. */
	if (disk && io->offset_bytes + io->len_bytes > disk)
		return -EINVAL;
	if (ro && io->op != XF_BLKFRONT_READ)
		return -EROFS;
	return 0;
}

int xf_blkfront_submit(struct xf_blkfront *bf, struct xf_blkfront_io *io)
{
	struct bf_queue *q;
	struct xf_blkfront_unit *u;
	unsigned int qi, nq;
	uint64_t charge;
	bool kick;
	int r;

	if (!bf || !io)
		return -EINVAL;
	r = bf_check_io(bf, io);
	if (r)
		return r;
	if (atomic_load(&bf->closing))
		return -ENODEV;
	/* Before the first connect every queue accepts work; the connect
	 * moves it off queues that are not used. */
	for (;;) {
		nq = atomic_load(&bf->nr_active);
		qi = io->queue % nq;
		q = &bf->q[qi];
		pthread_mutex_lock(&q->lock);
		if (nq == atomic_load(&bf->nr_active))
			break;
		pthread_mutex_unlock(&q->lock);
	}
	io->priv.done_next = NULL;
	io->priv.seq = atomic_fetch_add(&bf->seq, 1);
	io->priv.pending = 1;
	io->priv.queue = qi;
	io->priv.status = 0;
	io->priv.fua_mode = BF_FUA_UNDECIDED;
	io->priv.fua_flushed = false;
	u = &io->priv.unit0;
	u->io = io;
	u->off = 0;
	u->len = io->op == XF_BLKFRONT_FLUSH ? 0 : io->len_bytes;
	u->seq = io->priv.seq;
	u->kind = io->op == XF_BLKFRONT_FLUSH ? BF_U_FLUSH : BF_U_DATA;
	u->fence = false;
	u->heap = false;
	bf_fifo_append(q, u);
	q->st.ios_submitted++;
	/* Issue from the submitter's context (as a block layer would);
	 * completions still run on the queue's own actor. */
	if (atomic_load(&bf->fail_mode) == BF_HOLD)
		bf_issue(q);
	kick = q->done_head || atomic_load(&bf->fail_mode) != BF_HOLD;
	charge = q->charge_ns;
	q->charge_ns = 0;
	pthread_mutex_unlock(&q->lock);
	/* Burned outside the lock: other submitters are not held up. */
	if (charge)
		xf_rt_charge(bf->rt, charge);
	if (kick)
		xf_actor_kick(&q->actor);
	return 0;
}

void bf_queue_run(struct xf_actor *a)
{
	struct bf_queue *q = (struct bf_queue *)a;
	struct xf_blkfront *bf = q->bf;
	struct xf_blkfront_io *done;
	uint64_t charge;
	int port;

	pthread_mutex_lock(&q->lock);
	/* Unmask before consuming, so a response pushed after our final
	 * check raises a fresh event rather than being lost. */
	while ((port = bf->p->evtchn->pending(q->evh)) >= 0) {
		bf->p->evtchn->unmask(q->evh, (xf_port)port);
		q->st.notify_received++;
	}
	switch (atomic_load(&bf->fail_mode)) {
	case BF_FAIL_PROTO:
		if (!q->error_seen) {
			q->error_seen = true;
			bf_fail_inflight(q, -EPROTO);
		}
		bf_fail_queued(q, -EPROTO);
		break;
	case BF_FAIL_GONE:
		bf_fail_queued(q, -ENODEV);
		break;
	default:
		if (q->conn && !atomic_load(&bf->suspended) &&
		    bf_process_responses(q) == 0)
			bf_issue(q);
		break;
	}
	done = q->done_head;
	q->done_head = q->done_tail = NULL;
	charge = q->charge_ns;
	q->charge_ns = 0;
	pthread_mutex_unlock(&q->lock);
	if (charge)
		xf_rt_charge(bf->rt, charge);

	bf_deliver_events(bf);
	while (done) {
		struct xf_blkfront_io *io = done;

		done = io->priv.done_next;
		io->priv.done_next = NULL;
		io->done(io, io->priv.status);
	}
}
