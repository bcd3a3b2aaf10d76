// SPDX-License-Identifier: MIT
/*
 * The generic shared ring, with the semantics of Xen's xen/io/ring.h
 * macros but C11 atomics instead of xen_mb()/xen_wmb()/xen_rmb().
 *
 * Indices are free-running 32-bit counters; all arithmetic is modulo 2^32
 * and a slot is index & (nr_ents - 1). Every access to a field of the
 * shared header goes through an xf_shm_* helper.
 */
#include <errno.h>
#include <string.h>

#include <xfront/ring.h>

/* Round down to a power of two, as __RD32. */
static unsigned int rd32(size_t x)
{
	unsigned int p = 1;

	if (x == 0)
		return 0;
	if (x > 0xffffffffu)
		x = 0xffffffffu;
	while (p <= x / 2)
		p <<= 1;
	return p;
}

unsigned int xf_ring_nr_ents(size_t ring_bytes, size_t slot_size)
{
	if (slot_size == 0 || ring_bytes <= XF_SRING_HDR_SIZE)
		return 0;
	return rd32((ring_bytes - XF_SRING_HDR_SIZE) / slot_size);
}

void xf_sring_init(void *sring, size_t ring_bytes)
{
	struct xf_sring_hdr *s = sring;

	(void)ring_bytes; /* SHARED_RING_INIT leaves the slots alone */
	xf_shm_write_once(&s->req_prod, 0);
	xf_shm_write_once(&s->rsp_prod, 0);
	xf_shm_write_once(&s->req_event, 1);
	xf_shm_write_once(&s->rsp_event, 1);
	memset(s->pvt_pad, 0, sizeof(s->pvt_pad));
	memset(s->pad, 0, sizeof(s->pad));
}

int xf_front_ring_attach(struct xf_front_ring *r, void *sring,
			 size_t ring_bytes, size_t slot_size, xf_ring_idx idx)
{
	unsigned int n = xf_ring_nr_ents(ring_bytes, slot_size);

	if (!r || !sring || n == 0)
		return -EINVAL;
	r->req_prod_pvt = idx;
	r->rsp_cons = idx;
	r->nr_ents = n;
	r->slot_size = slot_size;
	r->sring = sring;
	return 0;
}

int xf_back_ring_attach(struct xf_back_ring *r, void *sring,
			size_t ring_bytes, size_t slot_size, xf_ring_idx idx)
{
	unsigned int n = xf_ring_nr_ents(ring_bytes, slot_size);

	if (!r || !sring || n == 0)
		return -EINVAL;
	r->rsp_prod_pvt = idx;
	r->req_cons = idx;
	r->nr_ents = n;
	r->slot_size = slot_size;
	r->sring = sring;
	return 0;
}

void *xf_ring_slot(struct xf_sring_hdr *sring, unsigned int nr_ents,
		   size_t slot_size, xf_ring_idx idx)
{
	return (uint8_t *)sring + XF_SRING_HDR_SIZE +
	       (size_t)(idx & (nr_ents - 1)) * slot_size;
}

/* Copy a peer-written slot of size len (at most the slot size; the tail
 * of dst beyond the slot is zeroed) exactly once. */
static void copy_slot(void *dst, const void *slot, size_t slot_size,
		      size_t len)
{
	if (len > slot_size) {
		memset((uint8_t *)dst + slot_size, 0, len - slot_size);
		len = slot_size;
	}
	xf_shm_copy_in(dst, slot, len);
}

/*
 * Producer side of RING_PUSH_*_AND_CHECK_NOTIFY. *prod is our own index
 * in the shared header, *event the peer's "wake me at" index.
 */
static bool push_and_check(uint32_t *prod, const uint32_t *event,
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
	return (xf_ring_idx)(new_prod - ev) < (xf_ring_idx)(new_prod - old_prod);
}

unsigned int xf_front_ring_free_requests(const struct xf_front_ring *r)
{
	return r->nr_ents - (r->req_prod_pvt - r->rsp_cons);
}

bool xf_front_ring_full(const struct xf_front_ring *r)
{
	return xf_front_ring_free_requests(r) == 0;
}

void *xf_front_ring_next_request(struct xf_front_ring *r)
{
	void *slot;

	if (xf_front_ring_full(r))
		return NULL;
	slot = xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
			    r->req_prod_pvt);
	r->req_prod_pvt++;
	return slot;
}

bool xf_front_ring_push_requests(struct xf_front_ring *r)
{
	return push_and_check(&r->sring->req_prod, &r->sring->req_event,
			      r->req_prod_pvt);
}

int xf_front_ring_responses(struct xf_front_ring *r, xf_ring_idx *prod)
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

void xf_front_ring_take_response(struct xf_front_ring *r, void *dst,
				 size_t rsp_size)
{
	copy_slot(dst, xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
				    r->rsp_cons),
		  r->slot_size, rsp_size);
	r->rsp_cons++;
}

int xf_front_ring_final_check(struct xf_front_ring *r)
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

int xf_back_ring_requests(struct xf_back_ring *r, xf_ring_idx *prod)
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

void xf_back_ring_take_request(struct xf_back_ring *r, void *dst,
			       size_t req_size)
{
	copy_slot(dst, xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
				    r->req_cons),
		  r->slot_size, req_size);
	r->req_cons++;
}

void *xf_back_ring_next_response(struct xf_back_ring *r)
{
	void *slot;

	if (r->rsp_prod_pvt == r->req_cons)
		return NULL;
	slot = xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
			    r->rsp_prod_pvt);
	r->rsp_prod_pvt++;
	return slot;
}

bool xf_back_ring_push_responses(struct xf_back_ring *r)
{
	return push_and_check(&r->sring->rsp_prod, &r->sring->rsp_event,
			      r->rsp_prod_pvt);
}

int xf_back_ring_final_check(struct xf_back_ring *r)
{
	int n = xf_back_ring_requests(r, NULL);

	if (n != 0)
		return n;
	xf_shm_write_once(&r->sring->req_event, r->req_cons + 1);
	/* Full fence: req_event must be visible before req_prod is read
	 * again (xen_mb), see xf_front_ring_final_check(). */
	xf_shm_mb();
	return xf_back_ring_requests(r, NULL);
}

bool xf_back_ring_cons_overflow(const struct xf_back_ring *r)
{
	return (xf_ring_idx)(r->req_cons - r->rsp_prod_pvt) >= r->nr_ents;
}
