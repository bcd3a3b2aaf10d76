// SPDX-License-Identifier: MIT
/*
 * The generic shared ring, with the semantics of Xen's xen/io/ring.h
 * macros but C11 atomics instead of xen_mb()/xen_wmb()/xen_rmb(): ring
 * geometry, initialisation and attach (the hot per-request operations
 * are inline in the header).
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

/* The per-request operations (slots, push, take, final checks) are
 * static inline in <xfront/ring.h>. */

void xf_ring__copy_slot_long(void *dst, const void *slot, size_t slot_size,
			     size_t len)
{
	xf_shm_copy_in(dst, slot, slot_size);
	memset((uint8_t *)dst + slot_size, 0, len - slot_size);
}
