/* SPDX-License-Identifier: MIT */
/* Completion: perform a request against the disk when it is due, and
 * answer it. The pre-flush of a flush or barrier goes before its data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

/* ---- completion ---- */

static int16_t do_read(struct bb_queue *q, struct bb_req *r)
{
	r->len = r->nr_sectors << XF_BLKIF_SECTOR_SHIFT;
	r->buf = malloc(r->len ? r->len : 1);
	if (!r->buf ||
	    xf_blkdisk_read(q->bb->cfg.disk, r->sector, r->buf, r->len) < 0)
		return XF_BLKIF_RSP_ERROR;
	if (bb_io_segs(q, r, true) < 0) {
		q->st.rejects[XF_BLKBACK_REJ_GRANT]++;
		return XF_BLKIF_RSP_ERROR;
	}
	q->st.bytes_read += r->len;
	return XF_BLKIF_RSP_OKAY;
}

static int16_t complete(struct bb_queue *q, struct bb_req *r, uint64_t now)
{
	struct xf_blkdisk *d = q->bb->cfg.disk;
	unsigned int flags = 0;
	int64_t w = 0;

	if (r->status != XF_BLKIF_RSP_OKAY)
		return r->status;
	if (r->generation != xf_blkdisk_generation(d)) {
		q->st.rejects[XF_BLKBACK_REJ_POWER_LOSS]++;
		if (r->op == XF_BLKIF_OP_WRITE_BARRIER)
			q->barrier_active = false;
		return XF_BLKIF_RSP_ERROR;
	}
	switch (r->op) {
	case XF_BLKIF_OP_READ:
		return do_read(q, r);
	case XF_BLKIF_OP_DISCARD:
		w = xf_blkdisk_write_gen(d, r->generation, r->sector, NULL,
				 r->nr_sectors << XF_BLKIF_SECTOR_SHIFT,
				 XF_BLKDISK_W_DISCARD, now);
		break;
	case XF_BLKIF_OP_WRITE_BARRIER:
		q->barrier_active = false;
		flags = XF_BLKDISK_W_BARRIER;
		/* fall through */
	case XF_BLKIF_OP_FLUSH_DISKCACHE:
		/* The pre-flush first; data then lands in the cache. No
		 * pre-flush (flush_id 0) when the feature was not offered:
		 * the data is a plain write. */
		if (!r->flush_id)
			flags = 0;
		else if (xf_blkdisk_flush_end(d, r->flush_id, now) < 0)
			return XF_BLKIF_RSP_ERROR;
		if (!r->len)
			return XF_BLKIF_RSP_OKAY;
		if (r->flush_id && r->op == XF_BLKIF_OP_FLUSH_DISKCACHE)
			flags = XF_BLKDISK_W_FLUSH;
		/* fall through */
	case XF_BLKIF_OP_WRITE:
		w = xf_blkdisk_write_gen(d, r->generation, r->sector, r->buf, r->len,
				 flags, now);
		if (w >= 0)
			q->st.bytes_written += r->len;
		break;
	default:
		return XF_BLKIF_RSP_ERROR;
	}
	/* A power loss on another thread (real mode) after the check
	 * above: the request dies with it, as the check would have said. */
	if (w == -ESTALE)
		q->st.rejects[XF_BLKBACK_REJ_POWER_LOSS]++;
	return w < 0 ? XF_BLKIF_RSP_ERROR : XF_BLKIF_RSP_OKAY;
}

/* Completes everything due by now; returns how many. */
unsigned int bb_complete_due(struct bb_queue *q, uint64_t now)
{
	unsigned int n = 0;
	struct bb_req *r;

	while (!q->halted && (r = XF_FIFO_HEAD(&q->inflight)) &&
	       r->due_ns <= now) {
		int16_t st;

		XF_FIFO_POP(&q->inflight, next);
		q->nr_inflight--;
		st = complete(q, r, now);
		bb_respond(q, r->id, r->ring_op, st);
		bb_req_free(r);
		n++;
	}
	return n;
}
