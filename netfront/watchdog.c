/* SPDX-License-Identifier: MIT */
/*
 * Lost-wakeup watchdog and tx timeout of a netfront queue, and the final
 * check that arms rsp_event (with its deliberately broken variants).
 *
 * Both use the queue actor's one timer, on the monotonic clock, and run
 * inside the queue's run() with q->lock held: a timer-driven run polls
 * the rings exactly as a notification-driven one does, so a recovered
 * response goes through the one consumption path (rsp_cons moves once
 * per response: nothing can complete twice).
 */
#include <stdint.h>
#include <stdio.h>

#include "nf_priv.h"

bool nf_wd_enabled(const struct xf_netfront *nf)
{
	return nf->cfg.watchdog_period_ns || nf->cfg.tx_timeout_ns;
}

static bool tx_busy(const struct nf_queue *q)
{
	return q->tx_nfree < q->nr_tx || q->tx_extras_out > 0;
}

void nf_wd_reset(struct nf_queue *q)
{
	q->wd_armed = false;
	q->wd_tx_busy = false;
	q->wd_rsp_mark = q->tx_rsp_seen;
	q->tx_deadline = UINT64_MAX;
	/* timer_at stays: it mirrors the runtime's timer, which an earlier
	 * session may have left set; the next run replaces it. */
}

/* The tx channel: a stalled tx ring is the backend's tx side asleep
 * (Linux netback serves tx and rx separately). The rx side needs no
 * kick: a backend with frames waiting re-reads req_prod when it has
 * something to deliver. */
static void kick_backend(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;

	if (nf->p->evtchn->notify(q->evh, q->port_tx) < 0)
		nf_stat_add(nf, &nf->st.notify_failed, 1);
}

static unsigned int unconsumed(struct xf_front_ring *r)
{
	int n = xf_front_ring_responses(r, NULL);

	/* An overflowing rsp_prod is the processing's to report. */
	return n > 0 ? (unsigned int)n : 0;
}

/*
 * As xenvbd's and xenvif's watchdogs: responses on a ring that no
 * notification announced are a lost wakeup of ours (a dropped event, a
 * wrong rsp_event); tx requests outstanding with no tx response for a
 * whole period may be a lost wakeup of the backend's (our notification
 * dropped). The processing that follows polls both rings; the backend
 * is notified again. A run that saw a notification explains the
 * responses it finds, but not a tx stall.
 */
void nf_wd_before(struct nf_queue *q, bool notified, uint64_t now)
{
	struct xf_netfront *nf = q->nf;
	uint64_t period = nf->cfg.watchdog_period_ns;
	unsigned int pending = 0;
	bool stalled;

	if (!period || !q->wd_armed || now < q->wd_tick_at)
		return;
	q->wd_checks++;
	if (!notified)
		pending = unconsumed(&q->tx) + unconsumed(&q->rx);
	stalled = tx_busy(q) && now >= q->wd_progress &&
		  now - q->wd_progress >= period;
	if (!pending && !stalled)
		return;
	q->wd_recoveries++;
	q->wd_responses += pending;
	q->wd_progress = now;
	kick_backend(q);
}

/* The slots unanswered for tx_timeout_ns are timed again from now (one
 * event per expiry, as dev_watchdog re-arms after ndo_tx_timeout);
 * returns the earliest stamp still out. */
static uint64_t tx_timeout_check(struct nf_queue *q, uint64_t now)
{
	struct xf_netfront *nf = q->nf;
	uint64_t to = nf->cfg.tx_timeout_ns, oldest = UINT64_MAX, age = 0;
	unsigned int expired = 0;

	for (unsigned int id = 0; id < q->nr_tx; id++) {
		if (!q->tx_owner[id])
			continue;
		if (now >= q->tx_at[id] && now - q->tx_at[id] >= to) {
			if (now - q->tx_at[id] > age)
				age = now - q->tx_at[id];
			q->tx_at[id] = now;
			expired++;
		}
		if (q->tx_at[id] < oldest)
			oldest = q->tx_at[id];
	}
	if (!expired)
		return oldest;
	q->tx_timeouts++;
	q->tx_timeout_slots += expired;
	/* Logged once the lock is dropped (nf_unlock_deliver). */
	snprintf(q->log_pending, sizeof(q->log_pending),
		 "%s: queue %u: %u tx slots unanswered for %llu ms, "
		 "notifying the backend again", nf->dir, q->idx, expired,
		 (unsigned long long)(age / 1000000));
	kick_backend(q);
	return oldest;
}

static bool timer_to(struct nf_queue *q, uint64_t want, uint64_t *timer)
{
	if (want == q->timer_at)
		return false;
	q->timer_at = want;
	*timer = want;
	return true;
}

bool nf_wd_after(struct nf_queue *q, uint64_t now, uint64_t *timer)
{
	struct xf_netfront *nf = q->nf;
	uint64_t period = nf->cfg.watchdog_period_ns;
	uint64_t to = nf->cfg.tx_timeout_ns;
	uint64_t want = UINT64_MAX, oldest;
	bool busy = tx_busy(q);

	/* A one-shot timer that is due has fired (or is about to): it must
	 * be set again even to an unchanged value. */
	if (now >= q->timer_at)
		q->timer_at = UINT64_MAX;

	if (period) {
		if (!q->wd_armed) {
			q->wd_armed = true;
			q->wd_progress = now;
			q->wd_tick_at = now + period;
		} else if (now >= q->wd_tick_at) {
			q->wd_tick_at = now + period;
		}
		/* Progress: a tx response consumed, or tx just went busy
		 * (the stall period counts from the first slot out). */
		if (q->tx_rsp_seen != q->wd_rsp_mark || (busy &&
							 !q->wd_tx_busy))
			q->wd_progress = now;
		q->wd_rsp_mark = q->tx_rsp_seen;
		q->wd_tx_busy = busy;
		want = q->wd_tick_at;
	}
	if (to) {
		if (q->tx_nfree == q->nr_tx) {
			q->tx_deadline = UINT64_MAX;
		} else if (q->tx_deadline == UINT64_MAX) {
			/* Every slot out was stamped at or before now. */
			q->tx_deadline = now + to;
		} else if (now >= q->tx_deadline) {
			oldest = tx_timeout_check(q, now);
			q->tx_deadline = oldest == UINT64_MAX ? UINT64_MAX :
					 oldest + to;
		}
		if (q->tx_deadline < want)
			want = q->tx_deadline;
	}
	return timer_to(q, want, timer);
}

bool nf_wd_stop(struct nf_queue *q, uint64_t *timer)
{
	q->wd_armed = false;
	q->tx_deadline = UINT64_MAX;
	return timer_to(q, UINT64_MAX, timer);
}
