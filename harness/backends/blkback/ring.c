/* SPDX-License-Identifier: MIT */
/*
 * A queue actor: maps its ring, takes requests (each copied out of the
 * ring once) and hands them to submit.c, completes what is due
 * (complete.c) and pushes the responses. Barriers drain the queue first
 * and hold later requests until they complete.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

#define q_of(a) ((struct bb_queue *)((char *)(a) - \
				     offsetof(struct bb_queue, actor)))

/* The largest blkif slot of either ABI. */
#define SLOT_MAX 128

int bb_queue_connect(struct bb_queue *q, xf_domid front,
		     const xf_gref *refs, unsigned int order,
		     xf_port remote_port, enum xf_blkif_abi abi,
		     bool persistent)
{
	struct xf_blkback *bb = q->bb;
	struct xf_platform *p = bb->p;
	unsigned int n = 1u << order;
	size_t slot = xf_blkif_slot_size(abi);
	xf_port port;
	void *addr;
	int r;

	if (q->connected)
		bb_queue_disconnect(q);
	if (slot > SLOT_MAX)
		return -EINVAL;
	r = p->gnt->map(p, front, n, refs, true, &addr);
	if (r < 0)
		return r;
	r = p->evtchn->bind_interdomain(q->evh, front, remote_port, &port);
	if (r < 0) {
		p->gnt->unmap(p, addr, n);
		return r;
	}
	r = xf_back_ring_attach(&q->ring, addr, (size_t)n * XF_PAGE_SIZE, slot,
				0);
	if (r < 0) {
		p->evtchn->unbind(q->evh, port);
		p->gnt->unmap(p, addr, n);
		return r;
	}
	q->ring_addr = addr;
	q->ring_pages = n;
	q->port = port;
	q->abi = abi;
	q->slot_size = slot;
	q->persistent = persistent;
	q->pg_max = bb->cfg.max_persistent_grants;
	q->view = (struct bb_dev_view){
		.readonly = bb->live.readonly,
		.flush = bb->live.flush,
		.barrier = bb->live.barrier,
		.discard = bb->live.discard,
		.discard_secure = bb->live.discard_secure,
		.discard_granularity = bb->live.discard_granularity,
		.discard_alignment = bb->live.discard_alignment,
		.max_indirect_segments = bb->live.max_indirect_segments,
		.sector_size = xf_blkdisk_sector_size(bb->cfg.disk),
		.lenient = bb->cfg.lenient,
	};
	q->halted = false;
	memset(q->seen_ids, 0, sizeof(q->seen_ids));
	q->have_last_id = false;
	q->connected = true;
	return 0;
}

void bb_req_free(struct bb_req *r)
{
	if (r->seg != r->seg_inline)
		free(r->seg);
	free(r->buf);
	free(r);
}

unsigned int bb_queue_disconnect(struct bb_queue *q)
{
	struct xf_platform *p = q->bb->p;
	unsigned int dropped = 0;
	struct bb_req *r;

	while ((r = XF_FIFO_POP(&q->inflight, next))) {
		bb_req_free(r);
		dropped++;
	}
	q->nr_inflight = 0;
	if (q->barrier) {
		bb_req_free(q->barrier);
		q->barrier = NULL;
		dropped++;
	}
	q->barrier_active = false;
	if (!q->connected)
		return dropped;
	bb_io_unmap_all(q);
	p->evtchn->unbind(q->evh, q->port);
	p->gnt->unmap(p, q->ring_addr, q->ring_pages);
	q->ring_addr = NULL;
	q->connected = false;
	return dropped;
}

/* ---- responses ---- */

void bb_respond(struct bb_queue *q, uint64_t id, uint8_t op,
		    int16_t status)
{
	struct xf_blkif_rsp rsp = { .id = id, .operation = op,
				    .status = status };
	void *slot;

	/* A halted ring answers nothing: after a req_prod overflow or a
	 * hostile act its indices no longer agree with the frontend's, and
	 * a slot written now could overwrite an unconsumed request. */
	if (q->halted)
		return;
	if (bb_hostile_respond(q, id, op, status))
		return;
	slot = xf_back_ring_next_response(&q->ring);
	if (!slot)
		return; /* cannot happen: one response per consumed request */
	/* Encoding writes the whole slot: no stale bytes leak (XSA-216). */
	xf_blkif_encode_rsp(q->abi, slot, &rsp);
	q->st.responses++;
	if (status == XF_BLKIF_RSP_ERROR)
		q->st.rsp_error++;
	else if (status == XF_BLKIF_RSP_EOPNOTSUPP)
		q->st.rsp_eopnotsupp++;
}

static void push(struct bb_queue *q)
{
	if (xf_back_ring_push_responses(&q->ring)) {
		q->bb->p->evtchn->notify(q->evh, q->port);
		q->st.notify_sent++;
	}
}

void bb_reject(struct bb_queue *q, uint64_t id, uint8_t op,
		   enum xf_blkback_reject why)
{
	int16_t st = XF_BLKIF_RSP_ERROR;

	q->st.rejects[why]++;
	/* Linux dispatch_other_io(): an unknown operation is "not
	 * supported", not an error. */
	if (why == XF_BLKBACK_REJ_UNSUPPORTED ||
	    (why == XF_BLKBACK_REJ_UNKNOWN_OP &&
	     !(q->bb->cfg.lenient & XF_BB_LENIENT_UNKNOWN_OP_ERROR)))
		st = XF_BLKIF_RSP_EOPNOTSUPP;
	bb_respond(q, id, op, st);
}

uint8_t bb_rsp_op(const struct bb_queue *q, uint8_t ring_op,
		  uint8_t indirect_op)
{
	if (ring_op == XF_BLKIF_OP_INDIRECT &&
	    !(q->bb->cfg.lenient & XF_BB_LENIENT_INDIRECT_RSP_OP))
		return indirect_op;
	return ring_op;
}

/* ---- the actor ---- */

static void halt(struct bb_queue *q, const char *why)
{
	q->halted = true;
	q->st.ring_overflows++;
	bb_set_error(q->bb, "queue %u: %s; ring halted", q->idx, why);
}

/* Takes requests while the ring has some and no barrier holds them.
 * Returns how many were taken. */
static unsigned int consume(struct bb_queue *q, uint64_t now)
{
	unsigned char slot[SLOT_MAX];
	struct xf_blkif_req req;
	unsigned int taken = 0;
	int n;

	while (!q->barrier && !q->barrier_active && !q->halted) {
		if (atomic_load(&q->bb->stopping))
			break;
		n = xf_back_ring_requests(&q->ring, NULL);
		if (n == 0)
			n = xf_back_ring_final_check(&q->ring);
		if (n < 0) {
			halt(q, "frontend moved req_prod beyond the ring");
			break;
		}
		if (n == 0 || xf_back_ring_cons_overflow(&q->ring))
			break;
		/* The one read of the slot: everything below works on this
		 * private copy (XSA-155). */
		xf_back_ring_take_request(&q->ring, slot, q->slot_size);
		xf_blkif_decode_req(q->abi, slot, &req);
		bb_hostile_seen(q, req.id);
		taken++;
		if (bb_fault_count_request(q->bb))
			break; /* crashed with this request in flight */
		bb_submit(q, &req, now);
	}
	return taken;
}

static uint64_t next_due(struct bb_queue *q)
{
	return XF_FIFO_EMPTY(&q->inflight) ? UINT64_MAX
					  : q->inflight.head->due_ns;
}

static void queue_run(struct xf_actor *a)
{
	struct bb_queue *q = q_of(a);
	struct xf_blkback *bb = q->bb;
	struct xf_platform *p = bb->p;
	uint64_t now;
	int port;

	pthread_mutex_lock(&q->lock);
	/* Unmask before looking at the ring: a notification that arrives
	 * after we looked then raises a new event instead of being lost. */
	while ((port = p->evtchn->pending(q->evh)) >= 0) {
		p->evtchn->unmask(q->evh, (xf_port)port);
		q->st.notify_received++;
	}
	if (!q->connected || q->halted || atomic_load(&bb->frozen))
		goto out;
	now = xf_rt_now_ns(bb->rt);
	for (;;) {
		unsigned int done, taken;

		/* Crashed or disappeared: no response may become visible. */
		if (atomic_load(&bb->stopping))
			goto out;
		done = bb_complete_due(q, now);
		if (q->barrier && !q->nr_inflight)
			bb_start_barrier(q, now);
		taken = consume(q, now);
		if (atomic_load(&bb->stopping))
			goto out;
		push(q);
		/* Halted in this pass: push what came before, then stop
		 * (complete.c answers nothing more either). */
		if (q->halted)
			break;
		if (!done && !taken)
			break;
	}
	xf_actor_set_timer(a, next_due(q));
out:
	pthread_mutex_unlock(&q->lock);
}

const struct xf_actor_ops bb_queue_ops = {
	.run = queue_run,
};
