/* SPDX-License-Identifier: MIT */
/* Fault injection: error answers for chosen ops, stop responding, crash
 * (mid-request), disappear. The public calls only post a request and
 * kick the control actor, so they are safe from any thread and, in sim
 * mode, take effect at the caller's current virtual time. */
#include <errno.h>
#include <string.h>

#include "bb_priv.h"

static void post(struct xf_blkback *bb, unsigned int req)
{
	atomic_fetch_or(&bb->reqs, req);
	xf_actor_kick(&bb->ctl);
}

int xf_blkback_add_error_rule(struct xf_blkback *bb,
			      const struct xf_blkback_error_rule *r)
{
	int ret = 0;

	if (!r || (r->status != XF_BLKIF_RSP_ERROR &&
		   r->status != XF_BLKIF_RSP_EOPNOTSUPP) ||
	    r->ppm > 1000000)
		return -EINVAL;
	pthread_mutex_lock(&bb->lock);
	if (bb->nr_rules == XF_BLKBACK_MAX_ERROR_RULES) {
		ret = -ENOSPC;
	} else {
		memset(&bb->rules[bb->nr_rules], 0, sizeof(bb->rules[0]));
		bb->rules[bb->nr_rules++].rule = *r;
	}
	pthread_mutex_unlock(&bb->lock);
	return ret;
}

void xf_blkback_clear_error_rules(struct xf_blkback *bb)
{
	pthread_mutex_lock(&bb->lock);
	bb->nr_rules = 0;
	pthread_mutex_unlock(&bb->lock);
}

void xf_blkback_freeze(struct xf_blkback *bb, bool frozen)
{
	atomic_store(&bb->frozen, frozen);
	if (!frozen)
		post(bb, BB_REQ_UNFREEZE);
}

void xf_blkback_crash(struct xf_blkback *bb)
{
	/* Nothing may be answered from now on, even before the control
	 * actor gets to tear down. */
	atomic_store(&bb->stopping, true);
	post(bb, BB_REQ_CRASH);
}

void xf_blkback_crash_after(struct xf_blkback *bb, uint64_t n)
{
	atomic_store(&bb->crash_after, n);
}

void xf_blkback_disappear(struct xf_blkback *bb)
{
	atomic_store(&bb->stopping, true);
	post(bb, BB_REQ_DISAPPEAR);
}

void xf_blkback_resize_notify(struct xf_blkback *bb)
{
	post(bb, BB_REQ_RESIZE);
}

/* Linux __end_block_io_op() writes the key itself, before it answers;
 * here the control actor (which owns the store connection) writes it
 * when it next runs, in sim mode at the same virtual time. */
void bb_withdraw_flush(struct xf_blkback *bb, uint8_t op)
{
	if (bb->cfg.lenient & XF_BB_LENIENT_KEEP_FLUSH_FEATURE)
		return;
	if (op == XF_BLKIF_OP_FLUSH_DISKCACHE)
		post(bb, BB_REQ_NO_FLUSH);
	else if (op == XF_BLKIF_OP_WRITE_BARRIER)
		post(bb, BB_REQ_NO_BARRIER);
}

bool bb_fault_count_request(struct xf_blkback *bb)
{
	uint64_t n = atomic_load(&bb->crash_after);

	while (n) {
		if (atomic_compare_exchange_weak(&bb->crash_after, &n, n - 1)) {
			if (n == 1) {
				xf_blkback_crash(bb);
				return true;
			}
			return false;
		}
	}
	return false;
}

int16_t bb_fault_check(struct bb_queue *q, uint8_t op)
{
	struct xf_blkback *bb = q->bb;
	int16_t status = XF_BLKIF_RSP_OKAY;

	pthread_mutex_lock(&bb->lock);
	for (unsigned int i = 0; i < bb->nr_rules; i++) {
		struct bb_error_state *e = &bb->rules[i];

		if (op >= 32 || !(e->rule.ops & (1u << op)))
			continue;
		if (e->rule.count && e->fired >= e->rule.count)
			continue;
		if (e->seen++ < e->rule.skip)
			continue;
		/* The queue's own PRNG keeps sim runs reproducible. */
		if (e->rule.ppm &&
		    xf_rng_next(&q->rng) % 1000000 >= e->rule.ppm)
			continue;
		e->fired++;
		status = e->rule.status;
		break;
	}
	pthread_mutex_unlock(&bb->lock);
	return status;
}
