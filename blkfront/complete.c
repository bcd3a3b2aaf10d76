/* SPDX-License-Identifier: MIT */
/*
 * Response consumption. The backend is untrusted: rsp_prod is read once
 * and bounded (by the requests pushed, not only by the ring), each response slot is copied once into private memory
 * before any field is looked at, and the copy must name a request that
 * is on the ring (id in range and in flight, not already completed),
 * with the same operation and a known status. Any violation puts the
 * device in the error state and fails all outstanding I/O with -EPROTO.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "bf.h"

static int bf_violation(struct bf_queue *q, const char *what, uint64_t id,
			int detail)
{
	struct xf_blkfront *bf = q->bf;

	bf_set_error(bf, -EPROTO, "%s: queue %u: %s (id %" PRIu64 ", %d)",
		     bf->fe_path, q->idx, what, id, detail);
	q->error_seen = true;
	bf_fail_inflight(q, -EPROTO);
	bf_fail_queued(q, -EPROTO);
	return -EPROTO;
}

/* Ring requests taken away from the ring without a response: their
 * pages stay granted until the connection is released, because the
 * backend may still be using them. */
void bf_fail_inflight(struct bf_queue *q, int status)
{
	struct bf_conn *c = q->conn;

	if (!c)
		return;
	for (unsigned int i = 0; i < c->nr_ents; i++) {
		struct bf_shadow *sh = &c->shadow[i];

		if (sh->state != BF_SH_INFLIGHT)
			continue;
		sh->state = BF_SH_ZOMBIE;
		c->inflight--;
		bf_io_part_done(q, sh->io, status);
	}
}

static bool bf_op_matches(const struct bf_shadow *sh, uint8_t op)
{
	if (op == sh->op)
		return true;
	/* Backends answer an indirect request with either the indirect
	 * opcode or the operation it carried (Linux blkback does the
	 * latter). */
	return sh->op == XF_BLKIF_OP_INDIRECT && op == sh->indirect_op;
}

/* What a response for an id that is not in flight shows the backend
 * did. */
static const char *not_in_flight(const struct bf_shadow *sh)
{
	if (sh->state == BF_SH_FREE && sh->answered)
		return "response for a request not in flight (already "
		       "completed: answered twice, or a stale id)";
	if (sh->state == BF_SH_FREE)
		return "response for a request not in flight (never issued)";
	return "response for a request not in flight (taken back)";
}

static void bf_copy_out(struct bf_shadow *sh)
{
	struct xf_blkfront_io *io = sh->io;

	for (unsigned int i = 0; i < sh->nseg; i++) {
		uint64_t pos = (uint64_t)i * XF_PAGE_SIZE;
		uint64_t len = sh->len - pos < XF_PAGE_SIZE ? sh->len - pos
							    : XF_PAGE_SIZE;

		memcpy((uint8_t *)io->buf + sh->off + pos, sh->seg[i]->addr,
		       len);
	}
}

static int bf_complete_one(struct bf_queue *q, struct bf_conn *c,
			   unsigned int id, int16_t rsp_status)
{
	struct xf_blkfront *bf = q->bf;
	struct bf_shadow *sh = &c->shadow[id];
	uint8_t wire_op = sh->op == XF_BLKIF_OP_INDIRECT ? sh->indirect_op
							 : sh->op;
	bool busy = false;
	int status = 0;

	if (rsp_status == XF_BLKIF_RSP_ERROR) {
		status = -EIO;
	} else if (rsp_status == XF_BLKIF_RSP_EOPNOTSUPP) {
		status = -EOPNOTSUPP;
		/* As Linux: a refused flush/barrier turns the feature off.
		 * Unlike Linux, later flushes fail instead of being skipped,
		 * and the loss of durability is counted and reported. */
		if (wire_op == XF_BLKIF_OP_FLUSH_DISKCACHE ||
		    wire_op == XF_BLKIF_OP_WRITE_BARRIER) {
			atomic_bool *f = wire_op == XF_BLKIF_OP_FLUSH_DISKCACHE
					 ? &bf->feat_flush : &bf->feat_barrier;

			if (atomic_exchange(f, false))
				bf_post_event(bf,
					XF_BLKFRONT_EV_DURABILITY_DEGRADED);
			atomic_fetch_add(&bf->degraded, 1);
		} else if (wire_op == XF_BLKIF_OP_DISCARD) {
			atomic_store(&bf->feat_discard, false);
		} else {
			status = -EIO;
		}
	}
	if (status == 0 && wire_op == XF_BLKIF_OP_READ)
		bf_copy_out(sh);

	for (unsigned int i = 0; i < sh->nseg; i++)
		if (bf_page_put(bf, c, sh->seg[i]))
			busy = true;
	for (unsigned int i = 0; i < sh->nind; i++)
		if (bf_page_put(bf, c, sh->ind[i]))
			busy = true;
	/* XSA-396: a grant the backend still maps means it may still be
	 * writing the data (or reading what we write next): the part fails,
	 * it is never reported done with data from a page still in use. */
	if (busy)
		status = -EPROTO;
	sh->nseg = 0;
	sh->nind = 0;
	sh->state = BF_SH_FREE;
	sh->answered = true;
	c->inflight--;
	bf_conn_free_id(c, id);
	bf_io_part_done(q, sh->io, status);
	sh->io = NULL;
	if (busy)
		return bf_violation(q, "backend still maps a grant of a "
				    "completed request (XSA-396)", id, 0);
	return 0;
}

int bf_process_responses(struct bf_queue *q)
{
	struct bf_conn *c = q->conn;

	if (!c || q->error_seen)
		return -EPROTO;
	for (;;) {
		xf_ring_idx prod;
		int n = xf_front_ring_responses(&c->ring, &prod);

		if (n < 0)
			return bf_violation(q, "rsp_prod more than a ring ahead "
					    "of rsp_cons", prod, n);
		/* ring.h: one response per request, so rsp_prod never passes
		 * what we pushed. RING_RESPONSE_PROD_OVERFLOW only bounds it
		 * by the ring size; inside that, the slots beyond our own
		 * requests hold stale bytes (old responses, or requests read
		 * as responses) that the checks below would blame on their
		 * id or operation instead of on rsp_prod. */
		if ((xf_ring_idx)(prod - c->ring.rsp_cons) >
		    (xf_ring_idx)(c->ring.req_prod_pvt - c->ring.rsp_cons))
			return bf_violation(q, "rsp_prod beyond the requests "
					    "pushed", prod,
					    (int)(c->ring.req_prod_pvt -
						  c->ring.rsp_cons));
		while (n-- > 0) {
			union {
				struct xf_blkif_response r64;
				struct xf_blkif_x86_32_response r32;
			} raw;
			struct xf_blkif_rsp rsp;
			struct bf_shadow *sh;
			size_t sz = c->abi == XF_BLKIF_ABI_X86_32 ?
				    sizeof(raw.r32) : sizeof(raw.r64);

			/* One copy of the slot; every check below looks at
			 * the private copy, never at the shared page. */
			xf_front_ring_take_response(&c->ring, &raw, sz);
			xf_blkif_decode_rsp(c->abi, &raw, &rsp);
			q->st.responses++;
			q->charge_ns += q->bf->cfg.cpu_ns_per_completion;
			if (rsp.id >= c->nr_ents)
				return bf_violation(q, "response id out of "
						    "range", rsp.id,
						    (int)c->nr_ents);
			sh = &c->shadow[rsp.id];
			if (sh->state != BF_SH_INFLIGHT)
				return bf_violation(q, not_in_flight(sh),
						    rsp.id, sh->state);
			if (!bf_op_matches(sh, rsp.operation))
				return bf_violation(q, "response operation "
						    "does not match the "
						    "request", rsp.id,
						    rsp.operation);
			if (rsp.status != XF_BLKIF_RSP_OKAY &&
			    rsp.status != XF_BLKIF_RSP_ERROR &&
			    rsp.status != XF_BLKIF_RSP_EOPNOTSUPP)
				return bf_violation(q, "unknown response "
						    "status", rsp.id,
						    rsp.status);
			int r = bf_complete_one(q, c, (unsigned int)rsp.id,
						rsp.status);
			if (r)
				return r;
		}
		int more = xf_front_ring_final_check_as(
			&c->ring, q->bf->cfg.event_index_bug);

		if (more < 0)
			return bf_violation(q, "rsp_prod more than a ring ahead "
					    "of rsp_cons", 0, more);
		if (!more)
			return 0;
	}
}
