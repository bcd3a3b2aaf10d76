// SPDX-License-Identifier: MIT
/* A stuck queue's state for hang reports: what is on the ring, since
 * when, and what the frontend still holds. Read-only. */
#include <errno.h>
#include <string.h>

#include "bf.h"

int xf_blkfront_queue_dump(struct xf_blkfront *bf, unsigned int qi,
			   struct xf_blkfront_queue_dump *out)
{
	struct bf_queue *q;
	struct bf_conn *c;
	uint64_t now;

	if (!bf || !out || qi >= bf->nr_alloc)
		return -EINVAL;
	q = &bf->q[qi];
	memset(out, 0, sizeof(*out));
	now = xf_rt_now_ns(bf->rt);
	pthread_mutex_lock(&q->lock);
	for (struct xf_blkfront_unit *u = XF_FIFO_HEAD(&q->fifo); u;
	     u = u->next)
		out->queued++;
	c = q->conn;
	if (c) {
		out->has_ring = true;
		xf_front_ring_indices(&c->ring, &out->ring);
		out->ring_grants = c->ring_pages;
		out->data_grants = c->data_pool.total + c->ind_pool.total;
		out->port = c->port_valid ? c->port : 0;
		out->inflight = c->inflight;
		for (unsigned int i = 0; i < c->nr_ents; i++) {
			const struct bf_shadow *sh = &c->shadow[i];
			struct xf_blkfront_dump_req r;
			unsigned int k;

			if (sh->state != BF_SH_INFLIGHT)
				continue;
			if (!c->persistent)
				out->data_grants += sh->nseg + sh->nind;
			r = (struct xf_blkfront_dump_req){
				i, sh->op, now > sh->issued_ns ?
					   now - sh->issued_ns : 0 };
			/* Keep the oldest: insertion into a short sorted
			 * array, dropping the youngest when it is full. */
			k = out->nreqs < XF_BLKFRONT_DUMP_REQS ?
			    out->nreqs++ : XF_BLKFRONT_DUMP_REQS;
			while (k > 0 && out->reqs[k - 1].age_ns < r.age_ns) {
				if (k < XF_BLKFRONT_DUMP_REQS)
					out->reqs[k] = out->reqs[k - 1];
				k--;
			}
			if (k < XF_BLKFRONT_DUMP_REQS)
				out->reqs[k] = r;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return 0;
}
