/* SPDX-License-Identifier: MIT */
/*
 * Hostile modes (enum xf_blkback_hostile): after cfg.hostile_after good
 * responses the next one breaks one rule of io/ring.h or io/blkif.h,
 * once. Everything here runs with the queue's lock held, from
 * bb_respond(); the count and the once are the backend's, over all its
 * queues.
 */
#include <string.h>

#include "bb_priv.h"

#define SLOT_MAX 128

void bb_hostile_seen(struct bb_queue *q, uint64_t id)
{
	/* Only the hostile modes read the bitmap: nothing on the request
	 * path of a normal backend. */
	if (q->bb->cfg.hostile == XF_BLKBACK_HOSTILE_NONE)
		return;
	if (id < BB_SEEN_IDS)
		q->seen_ids[id / 64] |= 1ull << (id % 64);
}

static bool seen(const struct bb_queue *q, uint64_t id)
{
	return id < BB_SEEN_IDS && (q->seen_ids[id / 64] >> (id % 64)) & 1;
}

/* True when id names a request the frontend may legitimately be waiting
 * for: one this queue holds, or one pushed and not consumed yet (read
 * from its slot: a frontend reusing an id makes it in flight again). */
static bool busy(const struct bb_queue *q, uint64_t id)
{
	unsigned char slot[SLOT_MAX];
	struct xf_blkif_req req;
	xf_ring_idx prod, i;

	for (const struct bb_req *r = q->inflight.head; r; r = r->next)
		if (r->id == id)
			return true;
	if (q->barrier && q->barrier->id == id)
		return true;
	prod = xf_shm_load_acquire(&q->ring.sring->req_prod);
	if ((xf_ring_idx)(prod - q->ring.req_cons) > q->ring.nr_ents)
		return true; /* a frontend this broken: do not guess */
	for (i = q->ring.req_cons; i != prod; i++) {
		memcpy(slot, xf_ring_slot(q->ring.sring, q->ring.nr_ents,
					  q->slot_size, i), q->slot_size);
		xf_blkif_decode_req(q->abi, slot, &req);
		if (req.id == id)
			return true;
	}
	return false;
}

/* The lowest id this queue never saw and nobody waits for. */
static bool unpushed_id(const struct bb_queue *q, uint64_t self,
			uint64_t *out)
{
	unsigned int n = q->ring.nr_ents < BB_SEEN_IDS ? q->ring.nr_ents
						       : BB_SEEN_IDS;

	for (uint64_t id = 0; id < n; id++)
		if (id != self && !seen(q, id) && !busy(q, id)) {
			*out = id;
			return true;
		}
	return false;
}

/* A response in the slot at rsp_prod_pvt, whether or not a consumed
 * request is left to answer (the duplicate needs a slot of its own). */
static void write_raw(struct bb_queue *q, uint64_t id, uint8_t op,
		      int16_t status)
{
	struct xf_blkif_rsp rsp = { .id = id, .operation = op,
				    .status = status };

	xf_blkif_encode_rsp(q->abi, xf_ring_slot(q->ring.sring,
						 q->ring.nr_ents,
						 q->slot_size,
						 q->ring.rsp_prod_pvt), &rsp);
	q->ring.rsp_prod_pvt++;
	q->st.responses++;
}

bool bb_hostile_respond(struct bb_queue *q, uint64_t id, uint8_t op,
			int16_t status)
{
	struct xf_blkback *bb = q->bb;
	uint64_t other = 0;
	bool expected = false;

	if (bb->cfg.hostile == XF_BLKBACK_HOSTILE_NONE ||
	    atomic_load(&bb->hostile_done))
		return false;
	if (atomic_load(&bb->hostile_good) < bb->cfg.hostile_after)
		goto good;
	/* Modes that need a particular id wait for one. */
	if (bb->cfg.hostile == XF_BLKBACK_HOSTILE_ID_COMPLETED &&
	    (!q->have_last_id || q->last_id == id || busy(q, q->last_id)))
		goto good;
	if (bb->cfg.hostile == XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST &&
	    !unpushed_id(q, id, &other))
		goto good;
	if (!atomic_compare_exchange_strong(&bb->hostile_done, &expected,
					    true))
		return false;
	q->st.hostile_acts++;
	switch (bb->cfg.hostile) {
	case XF_BLKBACK_HOSTILE_RSP_PROD_BEYOND:
		write_raw(q, id, op, status);
		/* Published by the queue's next push; nothing is written in
		 * the slots up to it. */
		q->ring.rsp_prod_pvt =
			xf_shm_load_acquire(&q->ring.sring->req_prod) + 1;
		q->halted = true;
		bb_set_error(bb, "queue %u: hostile rsp-prod-beyond: rsp_prod "
			     "pushed to %u", q->idx, q->ring.rsp_prod_pvt);
		break;
	case XF_BLKBACK_HOSTILE_ID_OUT_OF_RANGE:
		write_raw(q, q->ring.nr_ents, op, status);
		break;
	case XF_BLKBACK_HOSTILE_ID_DUPLICATE:
		write_raw(q, id, op, status);
		write_raw(q, id, op, status);
		q->halted = true;
		bb_set_error(bb, "queue %u: hostile id-duplicate: id %llu "
			     "answered twice", q->idx,
			     (unsigned long long)id);
		break;
	case XF_BLKBACK_HOSTILE_ID_COMPLETED:
		write_raw(q, q->last_id, op, status);
		break;
	case XF_BLKBACK_HOSTILE_WRONG_OP:
		write_raw(q, id, op == XF_BLKIF_OP_READ ? XF_BLKIF_OP_WRITE
							 : XF_BLKIF_OP_READ,
			  status);
		break;
	case XF_BLKBACK_HOSTILE_UNKNOWN_STATUS:
		write_raw(q, id, op, -5);
		break;
	case XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST:
		write_raw(q, other, op, status);
		break;
	default:
		return false;
	}
	return true;
good:
	atomic_fetch_add(&bb->hostile_good, 1);
	q->last_id = id;
	q->have_last_id = true;
	return false;
}
