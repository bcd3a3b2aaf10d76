/* SPDX-License-Identifier: MIT */
/* Submission: validate the private copy of a request, fetch indirect
 * pages and write data from the guest, then schedule it by the budget and
 * latency model. Barriers wait for the queue to drain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

/* ---- scheduling ---- */

static bool due_before(const struct bb_req *a, const struct bb_req *b)
{
	return a->due_ns < b->due_ns ||
	       (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void insert(struct bb_queue *q, struct bb_req *r)
{
	XF_FIFO_INSERT_SORTED(&q->inflight, r, next, due_before);
	q->nr_inflight++;
}

static void schedule(struct bb_queue *q, struct bb_req *r, uint64_t now)
{
	struct xf_blkback *bb = q->bb;
	uint64_t bytes = r->op == XF_BLKIF_OP_DISCARD
				 ? 0
				 : r->nr_sectors << XF_BLKIF_SECTOR_SHIFT;
	uint64_t start = now;

	if (bb->cfg.budget)
		start = xf_blkbudget_reserve(bb->cfg.budget, now, bytes);
	r->submit_ns = now;
	r->due_ns = start + bb_model_service_ns(&bb->cfg.latency, r->op,
						bytes, &q->rng);
	insert(q, r);
}

/* A barrier starts once everything before it completed; its pre-flush
 * then covers all of them. */
void bb_start_barrier(struct bb_queue *q, uint64_t now)
{
	struct bb_req *r = q->barrier;
	int64_t fid;

	q->barrier = NULL;
	r->drained = true;
	q->barrier_active = true;
	if (!q->view.barrier) {
		/* Not offered: a device without a write cache, nothing to
		 * pre-flush; the drain still happens (xen_blk_drain_io()). */
		schedule(q, r, now);
		return;
	}
	fid = xf_blkdisk_flush_begin(q->bb->cfg.disk, XF_BLKIF_OP_WRITE_BARRIER,
				     now);
	if (fid < 0) {
		q->barrier_active = false;
		if (fid == -EOPNOTSUPP)
			bb_withdraw_flush(q->bb, r->op);
		bb_reject(q, r->id, r->ring_op,
		       fid == -EOPNOTSUPP ? XF_BLKBACK_REJ_UNSUPPORTED
					  : XF_BLKBACK_REJ_GRANT);
		bb_req_free(r);
		return;
	}
	r->flush_id = fid;
	schedule(q, r, now);
}

/* ---- submission ---- */

/* A discard edge off the configured grid: what a frontend that ignores
 * discard-granularity/alignment sends (a real device may then ignore
 * the partial granules). */
static bool off_grid(const struct bb_dev_view *v, uint64_t sector)
{
	uint64_t g = v->discard_granularity;

	return (sector * 512 % g + g - v->discard_alignment % g) % g != 0;
}

/* Copies the indirect pages once into private memory, then the segment
 * descriptors are read only from there. */
static int fetch_indirect(struct bb_queue *q, const struct xf_blkif_req *req,
			  struct bb_req *r)
{
	const unsigned int per = XF_BLKIF_SEGS_PER_INDIRECT_FRAME;
	unsigned int n = r->nseg, pages = (n + per - 1) / per;
	struct bb_xfer x[XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint8_t *buf = malloc((size_t)pages * XF_PAGE_SIZE);

	if (!buf)
		return -ENOMEM;
	for (unsigned int i = 0; i < pages; i++)
		x[i] = (struct bb_xfer){ .gref = req->indirect_grefs[i],
					 .len = XF_PAGE_SIZE,
					 .local = buf + (size_t)i *
							XF_PAGE_SIZE };
	if (bb_io_xfer(q, x, pages, false) < 0) {
		free(buf);
		return -EIO;
	}
	r->seg = (struct xf_blkif_request_segment *)buf;
	return 0;
}

/* Reads write data out of the guest at submission, as a DMA would. */
static int fetch_data(struct bb_queue *q, struct bb_req *r)
{
	r->len = r->nr_sectors << XF_BLKIF_SECTOR_SHIFT;
	r->buf = malloc(r->len);
	if (!r->buf)
		return -ENOMEM;
	return bb_io_segs(q, r, false);
}

void bb_submit(struct bb_queue *q, const struct xf_blkif_req *req,
		   uint64_t now)
{
	struct xf_blkback *bb = q->bb;
	struct bb_dev_view v = q->view;
	enum xf_blkback_reject why;
	struct bb_req *r;
	int16_t inj;

	q->st.requests[req->operation < 7 ? req->operation : 7]++;
	if (bb->cfg.cpu_ns_per_request) {
		/* Sim: charging moves this vCPU's clock on. */
		xf_rt_charge(bb->rt, bb->cfg.cpu_ns_per_request);
		now = xf_rt_now_ns(bb->rt);
	}
	v.size_sectors = xf_blkdisk_size_bytes(bb->cfg.disk) >>
			 XF_BLKIF_SECTOR_SHIFT;
	why = bb_validate(&v, req);
	if (why != XF_BLKBACK_REJ_NR) {
		bb_reject(q, req->id, bb_rsp_op(q, req->operation,
						req->indirect_op), why);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		bb_reject(q, req->id, bb_rsp_op(q, req->operation,
						req->indirect_op),
			  XF_BLKBACK_REJ_GRANT);
		return;
	}
	r->id = req->id;
	r->op = req->operation == XF_BLKIF_OP_INDIRECT ? req->indirect_op
						     : req->operation;
	/* What the response carries (bb_req.ring_op): the inner op for an
	 * indirect request, as Linux. */
	r->ring_op = bb_rsp_op(q, req->operation, r->op);
	r->seq = q->seq++;
	r->sector = req->sector_number;
	r->discard_flag = req->discard_flag;
	r->generation = xf_blkdisk_generation(bb->cfg.disk);
	r->seg = r->seg_inline;

	if (r->op == XF_BLKIF_OP_DISCARD) {
		r->nr_sectors = req->nr_sectors;
		if (v.discard_granularity &&
		    (off_grid(&v, r->sector) ||
		     off_grid(&v, r->sector + r->nr_sectors)))
			q->st.discard_off_grid++;
	} else if (req->operation == XF_BLKIF_OP_INDIRECT) {
		r->nseg = req->nr_indirect_segments;
		q->st.indirect_requests++;
		q->st.indirect_segments += r->nseg;
		if (fetch_indirect(q, req, r) < 0) {
			why = XF_BLKBACK_REJ_GRANT;
			goto fail;
		}
		why = bb_validate_segs(&v, r->sector, r->seg, r->nseg,
				       &r->nr_sectors);
		if (why != XF_BLKBACK_REJ_NR)
			goto fail;
	} else {
		r->nseg = req->nr_segments;
		memcpy(r->seg_inline, req->seg,
		       r->nseg * sizeof(r->seg_inline[0]));
		/* Already validated; this only sums the length. */
		if (r->nseg)
			bb_validate_segs(&v, r->sector, r->seg, r->nseg,
					 &r->nr_sectors);
	}
	q->st.segments += r->nseg;

	/* Injected errors: answered at once, nothing performed. */
	inj = bb_fault_check(q, r->op);
	if (inj != XF_BLKIF_RSP_OKAY) {
		/* An injected EOPNOTSUPP stands for the device's: a flush
		 * or barrier so refused withdraws its feature. */
		if (inj == XF_BLKIF_RSP_EOPNOTSUPP)
			bb_withdraw_flush(bb, r->op);
		q->st.injected_errors++;
		bb_respond(q, r->id, r->ring_op, inj);
		bb_req_free(r);
		return;
	}
	if (r->op != XF_BLKIF_OP_READ && r->op != XF_BLKIF_OP_DISCARD &&
	    r->nseg && fetch_data(q, r) < 0) {
		why = XF_BLKBACK_REJ_GRANT;
		goto fail;
	}
	if (r->op == XF_BLKIF_OP_WRITE_BARRIER) {
		if (v.barrier && xf_blkdisk_cache_mode(bb->cfg.disk) ==
				 XF_BLKDISK_CACHE_EOPNOTSUPP) {
			bb_withdraw_flush(bb, r->op);
			why = XF_BLKBACK_REJ_UNSUPPORTED;
			goto fail;
		}
		q->barrier = r;
		if (!q->nr_inflight)
			bb_start_barrier(q, now);
		return;
	}
	if (r->op == XF_BLKIF_OP_FLUSH_DISKCACHE && v.flush) {
		/* The pre-flush snapshot is taken now, at submission. */
		r->flush_id = xf_blkdisk_flush_begin(
			bb->cfg.disk, XF_BLKIF_OP_FLUSH_DISKCACHE, now);
		if (r->flush_id < 0) {
			if (r->flush_id == -EOPNOTSUPP)
				bb_withdraw_flush(bb, r->op);
			why = r->flush_id == -EOPNOTSUPP
				      ? XF_BLKBACK_REJ_UNSUPPORTED
				      : XF_BLKBACK_REJ_GRANT;
			goto fail;
		}
	}
	schedule(q, r, now);
	return;
fail:
	bb_reject(q, r->id, r->ring_op, why);
	bb_req_free(r);
}
