/* SPDX-License-Identifier: MIT */
/*
 * Device-wide fences for work reissued after a reconnect.
 *
 * Each queue keeps its own FIFO in submission order, but once requests
 * are taken back from several rings nothing orders one queue against
 * another: a reissued flush on queue 1 could reach the new backend
 * before the reissued writes of queue 0 it was submitted after, and
 * writes submitted after it could overtake it. A reissued flush, empty
 * barrier or FUA-as-barrier write therefore becomes a fence: its io is
 * sent only once every earlier non-read io (any queue) completed, and
 * nothing submitted after it (any queue) is sent before it completed.
 * Reads before a fence need not complete: a flush orders writes only.
 *
 * Every io with a lower sequence number than a fence that has not
 * completed when the fence is built is on some FIFO then (the rings
 * were just emptied), so the count of those is exact and each drops out
 * exactly once, when its io completes.
 */
#include "bf.h"

static void bf_fence_insert(struct xf_blkfront *bf, struct xf_blkfront_io *io)
{
	struct xf_blkfront_io **pp = &bf->fences;

	while (*pp && (*pp)->priv.seq < io->priv.seq)
		pp = &(*pp)->priv.fence_next;
	io->priv.fence_next = *pp;
	*pp = io;
	io->priv.is_fence = true;
	io->priv.fence_before = 0;
}

void bf_fence_rebuild(struct xf_blkfront *bf)
{
	unsigned int n = 0;

	pthread_mutex_lock(&bf->fence_lock);
	/* An earlier reconnect's fences that did not finish are found
	 * again below: their units are still queued, marked fence. */
	while (bf->fences) {
		struct xf_blkfront_io *io = bf->fences;

		bf->fences = io->priv.fence_next;
		io->priv.fence_next = NULL;
		io->priv.is_fence = false;
	}
	for (unsigned int i = 0; i < bf->nr_alloc; i++)
		for (struct xf_blkfront_unit *u = bf->q[i].fifo.head; u;
		     u = u->next)
			if (u->fence && !u->io->priv.is_fence) {
				bf_fence_insert(bf, u->io);
				n++;
			}
	if (n) {
		for (unsigned int i = 0; i < bf->nr_alloc; i++) {
			const struct xf_blkfront_io *last = NULL;

			/* Units of one io are adjacent (same seq, sorted):
			 * count each io once. */
			for (struct xf_blkfront_unit *u = bf->q[i].fifo.head;
			     u; u = u->next) {
				if (u->io == last)
					continue;
				last = u->io;
				if (u->io->op == XF_BLKFRONT_READ)
					continue;
				for (struct xf_blkfront_io *f = bf->fences; f;
				     f = f->priv.fence_next)
					if (f->priv.seq > u->io->priv.seq)
						f->priv.fence_before++;
			}
		}
	}
	atomic_store(&bf->nfences, n);
	pthread_mutex_unlock(&bf->fence_lock);
}

bool bf_fence_blocks(struct xf_blkfront *bf, const struct xf_blkfront_unit *u)
{
	const struct xf_blkfront_io *head;
	bool wait = false;

	if (!atomic_load(&bf->nfences))
		return false;
	pthread_mutex_lock(&bf->fence_lock);
	head = bf->fences;
	if (head) {
		if (u->seq > head->priv.seq)
			wait = true;
		else if (u->seq == head->priv.seq)
			wait = head->priv.fence_before != 0;
	}
	pthread_mutex_unlock(&bf->fence_lock);
	return wait;
}

void bf_fence_io_done(struct xf_blkfront *bf, struct xf_blkfront_io *io)
{
	struct xf_blkfront_io **pp;
	bool release = false;

	if (!atomic_load(&bf->nfences))
		return;
	pthread_mutex_lock(&bf->fence_lock);
	for (pp = &bf->fences; *pp;) {
		struct xf_blkfront_io *f = *pp;

		if (f == io) {
			/* Usually the head; a fence that failed early (its
			 * io errored elsewhere) may complete out of turn. */
			release |= pp == &bf->fences;
			*pp = f->priv.fence_next;
			f->priv.fence_next = NULL;
			f->priv.is_fence = false;
			atomic_fetch_sub(&bf->nfences, 1);
			continue;
		}
		if (io->op != XF_BLKFRONT_READ &&
		    f->priv.seq > io->priv.seq && f->priv.fence_before) {
			if (!--f->priv.fence_before && pp == &bf->fences)
				release = true;
		}
		pp = &f->priv.fence_next;
	}
	pthread_mutex_unlock(&bf->fence_lock);
	/* What waited may sit on any queue. */
	if (release)
		bf_kick_all_queues(bf);
}
