/* SPDX-License-Identifier: MIT */
/*
 * The generic Xen shared ring (xen/io/ring.h): geometry, free-running
 * indices and the event-index notification rule, both ends. Layouts
 * equal Xen's byte for byte; tests/ring/abi asserts that when libxen-dev is
 * present.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_RING_H
#define XFRONT_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xfront/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Generic shared ring (xen/io/ring.h). */

/* The 64-byte header that starts every shared ring page. */
struct xf_sring_hdr {
	xf_ring_idx req_prod, req_event;
	xf_ring_idx rsp_prod, rsp_event;
	uint8_t pvt_pad[4];
	uint8_t pad[44];
};
#define XF_SRING_HDR_SIZE 64u

/* Number of slots: largest power of two that fits, as __RING_SIZE. */
unsigned int xf_ring_nr_ents(size_t ring_bytes, size_t slot_size);

/* SHARED_RING_INIT: indices 0, events 1, header padding zeroed. */
void xf_sring_init(void *sring, size_t ring_bytes);

struct xf_front_ring {
	xf_ring_idx req_prod_pvt;
	xf_ring_idx rsp_cons;
	unsigned int nr_ents;
	size_t slot_size;
	struct xf_sring_hdr *sring;
};

struct xf_back_ring {
	xf_ring_idx rsp_prod_pvt;
	xf_ring_idx req_cons;
	unsigned int nr_ents;
	size_t slot_size;
	struct xf_sring_hdr *sring;
};

/* FRONT_RING_ATTACH / BACK_RING_ATTACH (init = attach at index 0).
 * -EINVAL when the ring does not fit a single slot. */
int xf_front_ring_attach(struct xf_front_ring *r, void *sring,
			 size_t ring_bytes, size_t slot_size, xf_ring_idx idx);
int xf_back_ring_attach(struct xf_back_ring *r, void *sring,
			size_t ring_bytes, size_t slot_size, xf_ring_idx idx);

/*
 * The per-request ring operations below are static inline: they are a
 * handful of instructions each, and a call per slot cost more than the
 * work (the ring is on every I/O's path). Indices are free-running
 * 32-bit counters; all arithmetic is modulo 2^32 and a slot is
 * index & (nr_ents - 1). Every access to a field of the shared header
 * goes through an xf_shm_* helper.
 */

/* Address of slot idx (masked). The caller writes requests/responses
 * here; reads of peer data must use the copy functions below. */
static inline void *xf_ring_slot(struct xf_sring_hdr *sring,
				 unsigned int nr_ents, size_t slot_size,
				 xf_ring_idx idx)
{
	return (uint8_t *)sring + XF_SRING_HDR_SIZE +
	       (size_t)(idx & (nr_ents - 1)) * slot_size;
}

/* Internal: out of line, the rare case of xf_ring__copy_slot(). */
void xf_ring__copy_slot_long(void *dst, const void *slot, size_t slot_size,
			     size_t len);

/* Internal to the inline functions below. Copy a peer-written slot of
 * size slot_size into len bytes of dst exactly once; when len is larger
 * than the slot, the tail of dst beyond the slot is zeroed. */
static inline void xf_ring__copy_slot(void *dst, const void *slot,
				      size_t slot_size, size_t len)
{
	if (len <= slot_size) {
		/* The usual case: len is the caller's sizeof(), a
		 * constant, so the copy unrolls. */
		xf_shm_copy_in(dst, slot, len);
		return;
	}
	xf_ring__copy_slot_long(dst, slot, slot_size, len);
}

/*
 * Internal: producer side of RING_PUSH_*_AND_CHECK_NOTIFY. *prod is our
 * own index in the shared header, *event the peer's "wake me at" index.
 */
static inline bool xf_ring__push_and_check(uint32_t *prod,
					   const uint32_t *event,
					   xf_ring_idx new_prod)
{
	xf_ring_idx old_prod = xf_shm_read_once(prod);
	xf_ring_idx ev;

	/* Release: the slot contents written before are visible to the
	 * peer before it can observe the new producer index (xen_wmb). */
	xf_shm_store_release(prod, new_prod);
	/* Full fence: the producer-index store must be globally visible
	 * before we read the event index; otherwise the peer could set
	 * its event after our read yet miss our new index, and both sides
	 * would sleep (xen_mb). */
	xf_shm_mb();
	ev = xf_shm_read_once(event);
	/* Notify iff the event index lies in (old_prod, new_prod]. */
	return (xf_ring_idx)(new_prod - ev) <
	       (xf_ring_idx)(new_prod - old_prod);
}

static inline unsigned int
xf_front_ring_free_requests(const struct xf_front_ring *r)
{
	return r->nr_ents - (r->req_prod_pvt - r->rsp_cons);
}

static inline bool xf_front_ring_full(const struct xf_front_ring *r)
{
	return xf_front_ring_free_requests(r) == 0;
}

/* Slot at req_prod_pvt, then advances req_prod_pvt (visible to the
 * peer at the next push); NULL when the ring is full. */
static inline void *xf_front_ring_next_request(struct xf_front_ring *r)
{
	void *slot;

	if (xf_front_ring_full(r))
		return NULL;
	slot = xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
			    r->req_prod_pvt);
	r->req_prod_pvt++;
	return slot;
}

/* RING_PUSH_REQUESTS_AND_CHECK_NOTIFY. Returns true when the backend
 * asked to be notified. */
static inline bool xf_front_ring_push_requests(struct xf_front_ring *r)
{
	return xf_ring__push_and_check(&r->sring->req_prod,
				       &r->sring->req_event, r->req_prod_pvt);
}

/* Reads rsp_prod once (acquire) into *prod and checks it: returns the
 * number of unconsumed responses, or -EIO when the backend moved
 * rsp_prod more than a ring ahead (RING_RESPONSE_PROD_OVERFLOW). */
static inline int xf_front_ring_responses(struct xf_front_ring *r,
					  xf_ring_idx *prod)
{
	/* Acquire: response slots are read only after rsp_prod (xen_rmb);
	 * a single read so the check and the use see the same value. */
	xf_ring_idx p = xf_shm_load_acquire(&r->sring->rsp_prod);

	if (prod)
		*prod = p;
	/* RING_RESPONSE_PROD_OVERFLOW; also catches rsp_prod moved back
	 * behind rsp_cons, which wraps to a huge distance. */
	if ((xf_ring_idx)(p - r->rsp_cons) > r->nr_ents)
		return -EIO;
	return (int)(p - r->rsp_cons);
}

/* RING_COPY_RESPONSE of slot rsp_cons into dst; advances rsp_cons. */
static inline void xf_front_ring_take_response(struct xf_front_ring *r,
					       void *dst, size_t rsp_size)
{
	xf_ring__copy_slot(dst, xf_ring_slot(r->sring, r->nr_ents,
					     r->slot_size, r->rsp_cons),
			   r->slot_size, rsp_size);
	r->rsp_cons++;
}

/* RING_FINAL_CHECK_FOR_RESPONSES: arms rsp_event and re-checks.
 * Returns >0 when responses arrived meanwhile, 0 when idle, -EIO on
 * overflow. */
static inline int xf_front_ring_final_check(struct xf_front_ring *r)
{
	int n = xf_front_ring_responses(r, NULL);

	if (n != 0)
		return n;
	xf_shm_write_once(&r->sring->rsp_event, r->rsp_cons + 1);
	/* Full fence: rsp_event must be visible before rsp_prod is read
	 * again, or a response pushed in between would neither be seen
	 * here nor notified by the backend (xen_mb). */
	xf_shm_mb();
	return xf_front_ring_responses(r, NULL);
}

/* How a frontend arms rsp_event in its final check: the blkfront and
 * netfront event_index_bug knob. Anything but OK is broken on purpose,
 * for scenarios that show broken beside fixed; never use it otherwise.
 * A wrong rsp_event means the backend's pushes do not cross it, so no
 * notification comes: I/O stalls (a lost wakeup) until something polls
 * the ring, such as the frontend's watchdog. */
enum xf_ring_evidx_bug {
	XF_RING_EVIDX_OK = 0,    /* rsp_event = rsp_cons + 1 (correct) */
	XF_RING_EVIDX_STALE = 1, /* never re-armed: after the first
				  * notification none come */
	XF_RING_EVIDX_AHEAD = 2, /* armed a whole ring ahead (rsp_cons +
				  * ring entries): notified only when a
				  * full ring completes */
};

/* xf_front_ring_final_check(), or one of its broken variants. */
static inline int xf_front_ring_final_check_as(struct xf_front_ring *r,
					       enum xf_ring_evidx_bug how)
{
	int n;

	switch (how) {
	case XF_RING_EVIDX_STALE:
		/* rsp_event stays where it was: the backend's next push
		 * does not cross it and no notification comes. */
		return xf_front_ring_responses(r, NULL);
	case XF_RING_EVIDX_AHEAD:
		n = xf_front_ring_responses(r, NULL);
		if (n != 0)
			return n;
		/* Woken only after a whole ring of responses. */
		xf_shm_write_once(&r->sring->rsp_event,
				  r->rsp_cons + r->nr_ents);
		xf_shm_mb();
		return xf_front_ring_responses(r, NULL);
	default:
		return xf_front_ring_final_check(r);
	}
}

/* Backend side, mirror images. */
static inline int xf_back_ring_requests(struct xf_back_ring *r,
					xf_ring_idx *prod)
{
	/* Acquire: request slots are read only after req_prod (xen_rmb). */
	xf_ring_idx p = xf_shm_load_acquire(&r->sring->req_prod);
	xf_ring_idx req, rsp;

	if (prod)
		*prod = p;
	/* RING_REQUEST_PROD_OVERFLOW: more requests than the frontend may
	 * have outstanding. */
	if ((xf_ring_idx)(p - r->rsp_prod_pvt) > r->nr_ents)
		return -EIO;
	/* req_prod moved back behind what we already consumed. */
	if ((xf_ring_idx)(r->req_cons - r->rsp_prod_pvt) >
	    (xf_ring_idx)(p - r->rsp_prod_pvt))
		return -EIO;
	/* RING_HAS_UNCONSUMED_REQUESTS: never more than fit before the
	 * oldest response slot we still have to write. */
	req = p - r->req_cons;
	rsp = r->nr_ents - (r->req_cons - r->rsp_prod_pvt);
	return (int)(req < rsp ? req : rsp);
}

static inline void xf_back_ring_take_request(struct xf_back_ring *r,
					     void *dst, size_t req_size)
{
	xf_ring__copy_slot(dst, xf_ring_slot(r->sring, r->nr_ents,
					     r->slot_size, r->req_cons),
			   r->slot_size, req_size);
	r->req_cons++;
}

/* Slot at rsp_prod_pvt, then advances rsp_prod_pvt; NULL when every
 * consumed request already has a response (a response slot beyond
 * req_cons would overwrite an unconsumed request). */
static inline void *xf_back_ring_next_response(struct xf_back_ring *r)
{
	void *slot;

	if (r->rsp_prod_pvt == r->req_cons)
		return NULL;
	slot = xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
			    r->rsp_prod_pvt);
	r->rsp_prod_pvt++;
	return slot;
}

static inline bool xf_back_ring_push_responses(struct xf_back_ring *r)
{
	return xf_ring__push_and_check(&r->sring->rsp_prod,
				       &r->sring->rsp_event, r->rsp_prod_pvt);
}

/*
 * Returns the number of unconsumed requests when there are at least
 * `needed`, 0 when fewer (after arming req_event), -EIO on overflow.
 * req_event is armed at req_cons + 1 (arm_at_prod false:
 * RING_FINAL_CHECK_FOR_REQUESTS) or at req_prod + 1; either way the
 * loop re-reads req_prod after a full fence until it is stable, so a
 * push in between is either seen here or notifies.
 */
static inline int xf_ring__back_check(struct xf_back_ring *r,
				      unsigned int needed, bool arm_at_prod)
{
	xf_ring_idx prod;
	int n;

	do {
		n = xf_back_ring_requests(r, &prod);
		if (n < 0 || (unsigned int)n >= needed)
			return n;
		xf_shm_write_once(&r->sring->req_event,
				  (arm_at_prod ? prod : r->req_cons) + 1);
		/* Full fence: req_event must be visible before req_prod is
		 * read again, or a push in between would neither be seen
		 * here nor notify us (xen_mb). */
		xf_shm_mb();
	} while (xf_shm_read_once(&r->sring->req_prod) != prod);
	return 0;
}

static inline int xf_back_ring_final_check(struct xf_back_ring *r)
{
	return xf_ring__back_check(r, 1, false);
}

/*
 * For a backend that needs several requests at once (a netback putting
 * a multi-slot frame on the rx ring): as the final check, but on 0
 * req_event is req_prod + 1, so the frontend's next push notifies.
 * Arming at req_cons + 1, as the final check does, is not enough here:
 * that index lies behind the requests already posted, so later pushes
 * do not cross it and nobody wakes the backend. Linux
 * xen-netback/rx.c:xenvif_rx_ring_slots_available().
 */
static inline int xf_back_ring_wait_requests(struct xf_back_ring *r,
					     unsigned int needed)
{
	return xf_ring__back_check(r, needed, true);
}

/* RING_REQUEST_CONS_OVERFLOW: true when consuming req_cons now would
 * overrun responses not yet produced. */
static inline bool xf_back_ring_cons_overflow(const struct xf_back_ring *r)
{
	return (xf_ring_idx)(r->req_cons - r->rsp_prod_pvt) >= r->nr_ents;
}

/* One ring's indices as a stuck-device dump shows them: the shared
 * header's four, each read once (the peer may be writing them), and the
 * two private ones of the side that owns this ring structure. */
struct xf_ring_indices {
	xf_ring_idx req_prod, req_event, rsp_prod, rsp_event; /* shared */
	xf_ring_idx pvt;  /* front: req_prod_pvt; back: rsp_prod_pvt */
	xf_ring_idx cons; /* front: rsp_cons; back: req_cons */
};

static inline void xf_ring__shared_indices(const struct xf_sring_hdr *s,
					   struct xf_ring_indices *o)
{
	o->req_prod = xf_shm_read_once(&s->req_prod);
	o->req_event = xf_shm_read_once(&s->req_event);
	o->rsp_prod = xf_shm_read_once(&s->rsp_prod);
	o->rsp_event = xf_shm_read_once(&s->rsp_event);
}

static inline void xf_front_ring_indices(const struct xf_front_ring *r,
					 struct xf_ring_indices *o)
{
	xf_ring__shared_indices(r->sring, o);
	o->pvt = r->req_prod_pvt;
	o->cons = r->rsp_cons;
}

static inline void xf_back_ring_indices(const struct xf_back_ring *r,
					struct xf_ring_indices *o)
{
	xf_ring__shared_indices(r->sring, o);
	o->pvt = r->rsp_prod_pvt;
	o->cons = r->req_cons;
}

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_RING_H */
