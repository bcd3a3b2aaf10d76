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

/* Submission order: by io, then by offset within it. */
static bool bf_unit_ahead(const struct xf_blkfront_unit *a,
			  const struct xf_blkfront_unit *b)
{
	return a->seq < b->seq || (a->seq == b->seq && a->off <= b->off);
}

/* Keeps the FIFO in submission order: used for work taken back from
 * the ring and for FUA post-flushes, which are older than most queued
 * work. */
void bf_fifo_insert_sorted(struct bf_queue *q, struct xf_blkfront_unit *u)
{
	XF_FIFO_INSERT_SORTED(&q->fifo, u, next, bf_unit_ahead);
}

static void bf_done_append(struct bf_queue *q, struct xf_blkfront_io *io)
{
	XF_FIFO_PUSH(&q->done, io, priv.done_next);
	q->st.ios_completed++;
	if (io->priv.status)
		q->st.errors++;
	bf_fence_io_done(q->bf, io);
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
		/* Still queued at a reconnect, it alone carries the io's
		 * fence into the rebuild. */
		u->fence = io->priv.is_fence;
		u->heap = false;
		io->priv.pending = 1;
		bf_fifo_insert_sorted(q, u);
		return;
	}
	bf_done_append(q, io);
}

void bf_fail_queued(struct bf_queue *q, int status)
{
	struct xf_blkfront_unit *u;

	while ((u = XF_FIFO_POP(&q->fifo, next))) {
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
	/* Known size (UINT64_MAX before the first connect): stay inside
	 * the disk as we believe it; I/O held until then is checked again
	 * when it is issued. */
	if (io->offset_bytes + io->len_bytes > disk)
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
	io->priv.fua_counted = false;
	io->priv.is_fence = false;
	io->priv.fence_next = NULL;
	io->priv.fence_before = 0;
	u = &io->priv.unit0;
	u->io = io;
	u->off = 0;
	u->len = io->op == XF_BLKFRONT_FLUSH ? 0 : io->len_bytes;
	u->seq = io->priv.seq;
	u->kind = io->op == XF_BLKFRONT_FLUSH ? BF_U_FLUSH : BF_U_DATA;
	u->fence = false;
	u->heap = false;
	XF_FIFO_PUSH(&q->fifo, u, next);
	q->st.ios_submitted++;
	/* Issue from the submitter's context (as a block layer would);
	 * completions still run on the queue's own actor. */
	if (atomic_load(&bf->fail_mode) == BF_HOLD)
		bf_issue(q);
	kick = !XF_FIFO_EMPTY(&q->done) ||
	       atomic_load(&bf->fail_mode) != BF_HOLD;
	/* Events (e.g. an unprotected FUA write) are delivered by the
	 * queue actor. */
	if (atomic_load(&bf->ev_pending))
		kick = true;
	/* Only the queue's own actor may arm its watchdog timer. */
	if (bf->cfg.watchdog_period_ns && !q->wd_armed)
		kick = true;
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

/*
 * Lost-wakeup watchdog, before a tick's normal processing (as xenvbd):
 * responses on the ring that no notification announced are a lost
 * wakeup of ours; requests outstanding with no response consumed for a
 * whole period may be a lost wakeup of the backend's. Either way the
 * processing that follows polls the ring, and the backend is
 * re-notified. A run that saw a notification is not a stall. The
 * period is measured on the timeout clock; a clock read behind the
 * last progress (a backward wall step) counts as no time passed.
 */
static void bf_watchdog_check(struct bf_queue *q, uint64_t now,
			      bool notified)
{
	struct xf_blkfront *bf = q->bf;
	struct bf_conn *c = q->conn;
	bool stalled;
	int pending;

	if (notified)
		return;
	q->st.watchdog_checks++;
	pending = xf_front_ring_responses(&c->ring, NULL);
	stalled = c->inflight && now >= q->wd_progress &&
		  now - q->wd_progress >= bf->cfg.watchdog_period_ns;
	if (pending <= 0 && !stalled)
		return; /* overflow is left to bf_process_responses */
	q->st.watchdog_recoveries++;
	q->wd_progress = now;
	if (pending > 0)
		q->st.watchdog_responses += (uint64_t)pending;
	if (c->port_valid)
		bf_notify(q, c);
}

/* After processing: keep a tick armed every period while requests are
 * on the ring. Returns true with *timer set when the actor's timer must
 * change. */
static bool bf_watchdog_rearm(struct bf_queue *q, bool active,
			      uint64_t now, uint64_t rsp_before,
			      uint64_t mono, uint64_t *timer)
{
	uint64_t period = q->bf->cfg.watchdog_period_ns;

	if (!active || !q->conn || !q->conn->inflight) {
		if (!q->wd_armed)
			return false;
		q->wd_armed = false;
		*timer = UINT64_MAX;
		return true;
	}
	if (!q->wd_armed) {
		q->wd_armed = true;
		q->wd_progress = now;
		q->wd_tick_at = 0;
	} else if (q->st.responses != rsp_before) {
		q->wd_progress = now;
	}
	if (q->wd_tick_at > mono)
		return false; /* the armed tick is still ahead */
	q->wd_tick_at = mono + period < mono ? UINT64_MAX - 1 : mono + period;
	*timer = q->wd_tick_at;
	return true;
}

void bf_queue_run(struct xf_actor *a)
{
	struct bf_queue *q = (struct bf_queue *)a;
	struct xf_blkfront *bf = q->bf;
	bf_iolist done = XF_FIFO_INIT;
	uint64_t charge, rx_before, rsp_before = 0, now = 0, mono = 0;
	uint64_t wd_timer = 0;
	bool wd_active = false, wd_set = false;
	int port;

	pthread_mutex_lock(&q->lock);
	rx_before = q->st.notify_received;
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
		if (!q->conn || atomic_load(&bf->suspended))
			break;
		rsp_before = q->st.responses;
		if (bf->cfg.watchdog_period_ns) {
			wd_active = true;
			mono = xf_rt_now_ns(bf->rt);
			now = bf->cfg.timeout_clock == XF_CLOCK_MONOTONIC ?
			      mono : bf_clock_now(bf);
			if (q->wd_armed && mono >= q->wd_tick_at)
				bf_watchdog_check(q, now,
						  q->st.notify_received !=
						  rx_before);
		}
		if (bf_process_responses(q) == 0)
			bf_issue(q);
		else
			wd_active = false;
		break;
	}
	if (bf->cfg.watchdog_period_ns)
		wd_set = bf_watchdog_rearm(q, wd_active, now, rsp_before,
					   mono, &wd_timer);
	XF_FIFO_SPLICE(&done, &q->done, priv.done_next);
	charge = q->charge_ns;
	q->charge_ns = 0;
	pthread_mutex_unlock(&q->lock);
	if (wd_set)
		xf_actor_set_timer(&q->actor, wd_timer);
	if (charge)
		xf_rt_charge(bf->rt, charge);

	bf_deliver_events(bf);
	bf_complete(&done);
}

void bf_complete(bf_iolist *done)
{
	struct xf_blkfront_io *io;

	while ((io = XF_FIFO_POP(done, priv.done_next)))
		io->done(io, io->priv.status);
}
