/* SPDX-License-Identifier: MIT */
/*
 * Callbacks with no netfront lock held: the per-queue done list and its
 * delivery (as blkfront's done list).
 *
 * Under q->lock a finished tx frame goes on its queue's done list
 * (nf_tx_complete); whoever holds the lock then calls nf_deliver() or
 * nf_unlock_deliver(), which drops the lock, makes the callbacks and
 * frees the frames. A received frame is handed to nf_deliver() as it is
 * complete. The delivery points are where the callback used to be made
 * before any further runtime effect (a charge, a kick, a timer), so the
 * sim schedule is what it was: after the tx responses of a pass, per
 * received frame, per frame the tx pump ends, and at the unlock that
 * ends a run, a disconnect, a flush or the free.
 *
 * What a callback can see, and why it is never freed memory:
 *  - A tx frame goes on the done list only once it has left everything
 *    else (ring id, backlog, parent): from then on only the list and
 *    then the deliverer own it, so no quiesce, release, reconnect or new
 *    set-up can reach it; it is freed after its callback. The callback
 *    gets the cookie and the status by value.
 *  - A received frame's data is the queue's reassembly buffer. Only the
 *    queue's own actor fills it, and it is that actor that is in the rx
 *    callback; the buffer lives as long as the device (nf_queue_fini).
 *  - One deliverer per queue at a time (q->delivering; others wait on
 *    deliver_cv): a queue's callbacks never overlap, and come in the
 *    order the queue finished the frames. Nothing waits for a deliverer
 *    from inside a callback (no call a callback may make delivers).
 *  - While the lock is dropped the xenbus actor may quiesce, release or
 *    set up the queue again (real mode). q->session counts those, and a
 *    delivery point inside ring processing that sees it changed stops
 *    processing (-ESTALE); the queue then runs again from the top.
 *  - The queues are part of the device: they go with xf_netfront_free(),
 *    which is never called while an actor of the device runs (its
 *    contract), and which delivers what it ends itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "nf_priv.h"

bool nf_deliver(struct nf_queue *q, const struct xf_net_rx_frame *rx)
{
	struct xf_netfront *nf = q->nf;
	const struct xf_netfront_ops *ops = nf->cfg.ops;
	nf_txlist batch = XF_FIFO_INIT;
	struct nf_txframe *fr;
	char log[sizeof(q->log_pending)];
	unsigned int session;

	/* Even with nothing to deliver: on return every frame the queue
	 * finished before has been called back (a close relies on it). */
	while (q->delivering)
		pthread_cond_wait(&q->deliver_cv, &q->lock);
	if (XF_FIFO_EMPTY(&q->done) && !rx && !q->log_pending[0])
		return true;
	XF_FIFO_SPLICE(&batch, &q->done, next);
	memcpy(log, q->log_pending, sizeof(log));
	q->log_pending[0] = '\0';
	q->delivering = true;
	session = q->session;
	pthread_mutex_unlock(&q->lock);
	while ((fr = XF_FIFO_POP(&batch, next))) {
		ops->tx_done(nf->cfg.opaque, fr->cookie, fr->status);
		nf_tx_free_frame(fr);
	}
	if (rx)
		ops->rx(nf->cfg.opaque, rx);
	if (log[0])
		nf_log(nf, "%s", log);
	pthread_mutex_lock(&q->lock);
	q->delivering = false;
	pthread_cond_broadcast(&q->deliver_cv);
	return q->session == session;
}

void nf_unlock_deliver(struct nf_queue *q)
{
	nf_deliver(q, NULL);
	pthread_mutex_unlock(&q->lock);
}

void nf_queue_error(struct nf_queue *q, const char *fmt, ...)
{
	va_list ap;

	/* What finished before the error is reported before it, and the
	 * state and log callbacks run with the lock dropped too. */
	nf_deliver(q, NULL);
	pthread_mutex_unlock(&q->lock);
	va_start(ap, fmt);
	nf_vset_error(q->nf, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&q->lock);
}
