/* SPDX-License-Identifier: MIT */
/*
 * xfront ring module: the Xen shared-ring protocol, the blkif/netif wire
 * formats and the platform API (xenstore, grants, event channels).
 *
 * Nothing here includes Xen headers. Layouts equal xen/io/{ring,blkif,
 * netif}.h byte for byte; tests/abi asserts that when libxen-dev is present.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_RING_H
#define XFRONT_RING_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_PAGE_SHIFT 12
#define XF_PAGE_SIZE (1u << XF_PAGE_SHIFT)
#define XF_MAX_RING_PAGE_ORDER 4
#define XF_MAX_RING_PAGES (1u << XF_MAX_RING_PAGE_ORDER)

typedef uint32_t xf_ring_idx;
typedef uint32_t xf_gref;
typedef uint32_t xf_port;
typedef uint16_t xf_domid;

/* ------------------------------------------------------------------ */
/* Shared-memory access. Every load/store of a field the peer can write
 * goes through one of these, so they can be grepped and audited. */

/* Acquire: later reads (slot contents) cannot move before this load. */
static inline uint32_t xf_shm_load_acquire(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)p,
				    memory_order_acquire);
}

/* Release: earlier writes (slot contents) are visible before this store. */
static inline void xf_shm_store_release(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, v, memory_order_release);
}

/* A single untorn read that the compiler may not repeat or elide. */
static inline uint32_t xf_shm_read_once(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)p,
				    memory_order_relaxed);
}

static inline void xf_shm_write_once(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, v, memory_order_relaxed);
}

/* Full fence: orders a preceding store against a following load (the
 * producer-index store against the event-index load), xen_mb(). */
static inline void xf_shm_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

/*
 * Copy a peer-writable slot into private memory exactly once.
 *
 * The peer can rewrite a slot at any time. Consumers must validate and
 * use one private snapshot: if the compiler were allowed to re-read the
 * shared slot after validation (double fetch, XSA-155), a hostile peer
 * could change a value between check and use. Every load below is
 * volatile, so each shared byte is read exactly once and the compiler
 * can neither repeat nor defer the reads. (Xen's RING_COPY_* means to do
 * this with a volatile struct copy, but its cast qualifies the pointer,
 * not the slot, so compilers may still read fields late.)
 *
 * Always inline (compilers weigh the whole body and may decline): with
 * a constant len, as at nearly every call, the copy folds into straight
 * 16-byte loads, seven for a 112-byte blkif slot.
 */
static inline __attribute__((always_inline)) void
xf_shm_copy_in(void *dst, const void *shared_src, size_t len)
{
	/* Chunk types that may be unaligned: x86_32 and netif slots are
	 * only 4-byte aligned, and tests copy from arbitrary buffers. A
	 * volatile load of one is a single (unaligned) load instruction. */
	typedef uint8_t xf_shm_chunk16_
		__attribute__((vector_size(16), aligned(1), may_alias));
	typedef uint64_t xf_shm_chunk8_ __attribute__((aligned(1), may_alias));
	typedef uint32_t xf_shm_chunk4_ __attribute__((aligned(1), may_alias));
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)shared_src;
	size_t i = 0;

	/* The private stores go through memcpy because dst may be
	 * unaligned. Blocks of 64, then at most one each of 32, 16, 8, 4
	 * bytes: with a constant len every test folds away (compilers do
	 * not unroll loops of volatile loads by themselves). */
	for (; i + 64 <= len; i += 64) {
		xf_shm_chunk16_ c0 = *(const volatile xf_shm_chunk16_ *)(s + i);
		xf_shm_chunk16_ c1 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 16);
		xf_shm_chunk16_ c2 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 32);
		xf_shm_chunk16_ c3 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 48);

		memcpy(d + i, &c0, sizeof(c0));
		memcpy(d + i + 16, &c1, sizeof(c1));
		memcpy(d + i + 32, &c2, sizeof(c2));
		memcpy(d + i + 48, &c3, sizeof(c3));
	}
	if (i + 32 <= len) {
		xf_shm_chunk16_ c0 = *(const volatile xf_shm_chunk16_ *)(s + i);
		xf_shm_chunk16_ c1 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 16);

		memcpy(d + i, &c0, sizeof(c0));
		memcpy(d + i + 16, &c1, sizeof(c1));
		i += 32;
	}
	if (i + 16 <= len) {
		xf_shm_chunk16_ c = *(const volatile xf_shm_chunk16_ *)(s + i);

		memcpy(d + i, &c, sizeof(c));
		i += 16;
	}
	if (i + 8 <= len) {
		uint64_t v = *(const volatile xf_shm_chunk8_ *)(s + i);

		memcpy(d + i, &v, sizeof(v));
		i += 8;
	}
	if (i + 4 <= len) {
		uint32_t v = *(const volatile xf_shm_chunk4_ *)(s + i);

		memcpy(d + i, &v, sizeof(v));
		i += 4;
	}
	for (; i < len; i++)
		d[i] = ((const volatile uint8_t *)s)[i];
}

/* ------------------------------------------------------------------ */
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

/* How a frontend arms rsp_event in its final check. Anything but OK is
 * broken on purpose, for scenarios that reproduce lost wakeups (the
 * frontends' event_index_bug switches have the same values). */
enum xf_ring_evidx {
	XF_RING_EVIDX_OK = 0,    /* rsp_event = rsp_cons + 1 */
	XF_RING_EVIDX_STALE = 1, /* never re-armed */
	XF_RING_EVIDX_AHEAD = 2, /* armed a whole ring ahead */
};

/* xf_front_ring_final_check(), or one of its broken variants. */
static inline int xf_front_ring_final_check_as(struct xf_front_ring *r,
					       enum xf_ring_evidx how)
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

static inline int xf_back_ring_final_check(struct xf_back_ring *r)
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

/* RING_REQUEST_CONS_OVERFLOW: true when consuming req_cons now would
 * overrun responses not yet produced. */
static inline bool xf_back_ring_cons_overflow(const struct xf_back_ring *r)
{
	return (xf_ring_idx)(r->req_cons - r->rsp_prod_pvt) >= r->nr_ents;
}

/* ------------------------------------------------------------------ */
/* blkif (xen/io/blkif.h). Segment and sector fields are in 512-byte
 * units regardless of the disk's sector-size. */

#define XF_BLKIF_OP_READ 0
#define XF_BLKIF_OP_WRITE 1
#define XF_BLKIF_OP_WRITE_BARRIER 2
#define XF_BLKIF_OP_FLUSH_DISKCACHE 3
#define XF_BLKIF_OP_RESERVED_1 4
#define XF_BLKIF_OP_DISCARD 5
#define XF_BLKIF_OP_INDIRECT 6

#define XF_BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8
#define XF_BLKIF_SEGS_PER_INDIRECT_FRAME \
	(XF_PAGE_SIZE / sizeof(struct xf_blkif_request_segment))

#define XF_BLKIF_DISCARD_SECURE (1u << 0)

#define XF_BLKIF_RSP_EOPNOTSUPP (-2)
#define XF_BLKIF_RSP_ERROR (-1)
#define XF_BLKIF_RSP_OKAY 0

#define XF_VDISK_CDROM 0x1
#define XF_VDISK_REMOVABLE 0x2
#define XF_VDISK_READONLY 0x4

#define XF_BLKIF_SECTOR_SHIFT 9

typedef uint64_t xf_blkif_sector;

struct xf_blkif_request_segment {
	xf_gref gref;
	uint8_t first_sect, last_sect;
};

/* Native x86_64 layouts (the ring of a 64-bit guest). */
struct xf_blkif_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	xf_blkif_sector sector_number;
	struct xf_blkif_request_segment seg[XF_BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct xf_blkif_request_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint64_t id;
	xf_blkif_sector sector_number;
	uint64_t nr_sectors;
};

struct xf_blkif_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	xf_blkif_sector sector_number;
	uint16_t handle;
	xf_gref indirect_grefs[XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint32_t pad; /* tail padding: 64 bytes, as Xen's x86_64 layout */
};

struct xf_blkif_response {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};

/* x86_32 ABI (protocol "x86_32-abi"): 64-bit fields are only 4-byte
 * aligned, so the structs are packed with 4-byte alignment. */
struct __attribute__((packed, aligned(4))) xf_blkif_x86_32_request {
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	xf_blkif_sector sector_number;
	struct xf_blkif_request_segment seg[XF_BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct __attribute__((packed, aligned(4))) xf_blkif_x86_32_request_discard {
	uint8_t operation;
	uint8_t flag;
	uint16_t handle;
	uint64_t id;
	xf_blkif_sector sector_number;
	uint64_t nr_sectors;
};

struct __attribute__((packed, aligned(4))) xf_blkif_x86_32_request_indirect {
	uint8_t operation;
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	xf_blkif_sector sector_number;
	uint16_t handle;
	uint16_t pad1;
	xf_gref indirect_grefs[XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint64_t pad2;
};

struct __attribute__((packed, aligned(4))) xf_blkif_x86_32_response {
	uint64_t id;
	uint8_t operation;
	uint8_t pad;
	int16_t status;
};

enum xf_blkif_abi {
	XF_BLKIF_ABI_X86_64 = 0, /* native for this build */
	XF_BLKIF_ABI_X86_32 = 1,
};

/* "x86_32-abi" / "x86_64-abi" <-> enum; -EINVAL for anything else. */
int xf_blkif_abi_parse(const char *protocol, enum xf_blkif_abi *out);
const char *xf_blkif_abi_name(enum xf_blkif_abi abi);

/* Slot size and ring entries for an ABI and ring-page-order. */
size_t xf_blkif_slot_size(enum xf_blkif_abi abi);
unsigned int xf_blkif_ring_size(enum xf_blkif_abi abi, unsigned int order);

/* ABI-independent decoded request. Encoding writes a whole slot (unused
 * bytes zeroed); decoding reads from a private copy of the slot. */
struct xf_blkif_req {
	uint8_t operation;
	uint8_t nr_segments;      /* read/write/barrier/flush */
	uint8_t indirect_op;      /* indirect */
	uint8_t discard_flag;     /* discard */
	uint16_t nr_indirect_segments; /* indirect */
	uint16_t handle;
	uint64_t id;
	xf_blkif_sector sector_number;
	uint64_t nr_sectors;      /* discard */
	struct xf_blkif_request_segment seg[XF_BLKIF_MAX_SEGMENTS_PER_REQUEST];
	xf_gref indirect_grefs[XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

struct xf_blkif_rsp {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};

/*
 * The codec functions are static inline for the common case (x86_64
 * read/write/barrier/flush requests, and responses), which is on every
 * I/O's path; the rest is out of line. Encoding zeroes the whole slot and
 * stores each field at its wire offset, so every byte the peer can read
 * is a field we meant to send or zero (XSA-216); the padding of our own
 * structs never reaches the slot (segments travel as masked words).
 * Slots may be unaligned (memcpy of a constant size compiles to one
 * move).
 */

/* Internal to the inline codec: zero n bytes (n a constant below 256
 * once inlined) with straight-line 16-byte stores; memset of an
 * unaligned buffer of this size compiles to rep stos, whose start-up
 * costs more than the stores themselves. */
static inline __attribute__((always_inline)) void
xf_blkif__zero(void *p, size_t n)
{
	typedef uint8_t xf_blkif_chunk16_
		__attribute__((vector_size(16), aligned(1), may_alias));
	const xf_blkif_chunk16_ z = { 0 };
	uint8_t *d = (uint8_t *)p;
	const uint64_t z8 = 0;

	if (n >= 128) {
		memcpy(d, &z, 16);
		memcpy(d + 16, &z, 16);
		memcpy(d + 32, &z, 16);
		memcpy(d + 48, &z, 16);
		memcpy(d + 64, &z, 16);
		memcpy(d + 80, &z, 16);
		memcpy(d + 96, &z, 16);
		memcpy(d + 112, &z, 16);
		d += 128;
		n -= 128;
	}
	if (n >= 64) {
		memcpy(d, &z, 16);
		memcpy(d + 16, &z, 16);
		memcpy(d + 32, &z, 16);
		memcpy(d + 48, &z, 16);
		d += 64;
		n -= 64;
	}
	if (n >= 32) {
		memcpy(d, &z, 16);
		memcpy(d + 16, &z, 16);
		d += 32;
		n -= 32;
	}
	if (n >= 16) {
		memcpy(d, &z, 16);
		d += 16;
		n -= 16;
	}
	if (n >= 8) {
		memcpy(d, &z8, 8);
		d += 8;
		n -= 8;
	}
	if (n >= 4) {
		memcpy(d, &z8, 4);
		d += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(d, &z8, 2);
		d += 2;
		n -= 2;
	}
	if (n)
		*d = 0;
}

/* Internal: the out-of-line rest of the request codec (x86_32 ABI,
 * discard, indirect), same contracts as the public functions below. */
void xf_blkif__encode_req(enum xf_blkif_abi abi, void *slot,
			  const struct xf_blkif_req *req);
void xf_blkif__decode_req(enum xf_blkif_abi abi, const void *private_copy,
			  struct xf_blkif_req *req);

/* Internal: the bytes of a segment that are fields (gref, first_sect,
 * last_sect) as a mask over the 8-byte segment, padding bytes clear.
 * Static storage, so the padding of the initialised member is zero;
 * compilers fold it to a constant. */
static inline uint64_t xf_blkif__seg_mask(void)
{
	static const union {
		struct xf_blkif_request_segment seg;
		uint64_t word;
	} m = { .seg = { 0xffffffffu, 0xff, 0xff } };

	return m.word;
}

/* Internal: x86_64 read/write/barrier/flush request (and unknown
 * operations, so a test can put them on the wire) into a whole slot. */
static inline void xf_blkif__encode_rw_64(void *slot,
					  const struct xf_blkif_req *r)
{
#define XF_W_(f) ((uint8_t *)slot + offsetof(struct xf_blkif_request, f))
	uint8_t *sg = XF_W_(seg);
	unsigned int i, n = r->nr_segments;

	if (n > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
	xf_blkif__zero(slot, sizeof(struct xf_blkif_request));
	/* operation and nr_segments are adjacent in both layouts. */
	memcpy(XF_W_(operation), &r->operation, 2);
	memcpy(XF_W_(handle), &r->handle, sizeof(r->handle));
	memcpy(XF_W_(id), &r->id, sizeof(r->id));
	memcpy(XF_W_(sector_number), &r->sector_number,
	       sizeof(r->sector_number));
	/* Usually one or two segments: unrolling would only add set-up. */
#pragma GCC unroll 1
	for (i = 0; i < n; i++, sg += sizeof(struct xf_blkif_request_segment)) {
		uint64_t w;

		/* One word per segment, the caller's padding masked off. */
		memcpy(&w, &r->seg[i], sizeof(w));
		w &= xf_blkif__seg_mask();
		memcpy(sg, &w, sizeof(w));
	}
#undef XF_W_
}

/* Internal: mirror image of xf_blkif__encode_rw_64(). Only the segments
 * that exist are read (at most 11, whatever nr_segments says). */
static inline void xf_blkif__decode_rw_64(const void *src,
					  struct xf_blkif_req *r)
{
#define XF_R_(f) \
	((const uint8_t *)src + offsetof(struct xf_blkif_request, f))
	const uint8_t *sg = XF_R_(seg);
	unsigned int i, n;

	/* Fields the operation does not use read as zero. */
	xf_blkif__zero(r, sizeof(*r));
	memcpy(&r->operation, XF_R_(operation), 2); /* and nr_segments */
	memcpy(&r->handle, XF_R_(handle), sizeof(r->handle));
	memcpy(&r->id, XF_R_(id), sizeof(r->id));
	memcpy(&r->sector_number, XF_R_(sector_number),
	       sizeof(r->sector_number));
	n = r->nr_segments;
	if (n > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n = XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
#pragma GCC unroll 1
	for (i = 0; i < n; i++, sg += sizeof(struct xf_blkif_request_segment)) {
		uint64_t w;

		/* One word per segment, the peer's padding masked off. */
		memcpy(&w, sg, sizeof(w));
		w &= xf_blkif__seg_mask();
		memcpy(&r->seg[i], &w, sizeof(w));
	}
#undef XF_R_
}

static inline void xf_blkif_encode_req(enum xf_blkif_abi abi, void *slot,
				       const struct xf_blkif_req *req)
{
	if (abi == XF_BLKIF_ABI_X86_32 ||
	    req->operation == XF_BLKIF_OP_DISCARD ||
	    req->operation == XF_BLKIF_OP_INDIRECT)
		xf_blkif__encode_req(abi, slot, req);
	else
		xf_blkif__encode_rw_64(slot, req);
}

static inline void xf_blkif_decode_req(enum xf_blkif_abi abi,
				       const void *private_copy,
				       struct xf_blkif_req *req)
{
	/* The operation byte is at offset 0 in every request layout. */
	uint8_t op = *(const uint8_t *)private_copy;

	if (abi == XF_BLKIF_ABI_X86_32 || op == XF_BLKIF_OP_DISCARD ||
	    op == XF_BLKIF_OP_INDIRECT)
		xf_blkif__decode_req(abi, private_copy, req);
	else
		xf_blkif__decode_rw_64(private_copy, req);
}

static inline void xf_blkif_encode_rsp(enum xf_blkif_abi abi, void *slot,
				       const struct xf_blkif_rsp *rsp)
{
	uint8_t *s = (uint8_t *)slot;

	/* The whole slot: the request it held must not linger. */
	if (abi == XF_BLKIF_ABI_X86_32) {
		xf_blkif__zero(s, sizeof(struct xf_blkif_x86_32_request));
		memcpy(s + offsetof(struct xf_blkif_x86_32_response, id),
		       &rsp->id, sizeof(rsp->id));
		s[offsetof(struct xf_blkif_x86_32_response, operation)] =
			rsp->operation;
		memcpy(s + offsetof(struct xf_blkif_x86_32_response, status),
		       &rsp->status, sizeof(rsp->status));
	} else {
		xf_blkif__zero(s, sizeof(struct xf_blkif_request));
		memcpy(s + offsetof(struct xf_blkif_response, id), &rsp->id,
		       sizeof(rsp->id));
		s[offsetof(struct xf_blkif_response, operation)] =
			rsp->operation;
		memcpy(s + offsetof(struct xf_blkif_response, status),
		       &rsp->status, sizeof(rsp->status));
	}
}

static inline void xf_blkif_decode_rsp(enum xf_blkif_abi abi,
				       const void *private_copy,
				       struct xf_blkif_rsp *rsp)
{
	const uint8_t *s = (const uint8_t *)private_copy;

	xf_blkif__zero(rsp, sizeof(*rsp));
	if (abi == XF_BLKIF_ABI_X86_32) {
		memcpy(&rsp->id,
		       s + offsetof(struct xf_blkif_x86_32_response, id),
		       sizeof(rsp->id));
		rsp->operation =
			s[offsetof(struct xf_blkif_x86_32_response, operation)];
		memcpy(&rsp->status,
		       s + offsetof(struct xf_blkif_x86_32_response, status),
		       sizeof(rsp->status));
	} else {
		memcpy(&rsp->id, s + offsetof(struct xf_blkif_response, id),
		       sizeof(rsp->id));
		rsp->operation =
			s[offsetof(struct xf_blkif_response, operation)];
		memcpy(&rsp->status,
		       s + offsetof(struct xf_blkif_response, status),
		       sizeof(rsp->status));
	}
}

/* ------------------------------------------------------------------ */
/* netif (xen/io/netif.h). */

#define XF_NETIF_NR_SLOTS_MIN 18
#define XF_NETIF_MAX_TX_SIZE 0xFFFF

#define XF_NETTXF_csum_blank (1u << 0)
#define XF_NETTXF_data_validated (1u << 1)
#define XF_NETTXF_more_data (1u << 2)
#define XF_NETTXF_extra_info (1u << 3)

#define XF_NETRXF_data_validated (1u << 0)
#define XF_NETRXF_csum_blank (1u << 1)
#define XF_NETRXF_more_data (1u << 2)
#define XF_NETRXF_extra_info (1u << 3)
#define XF_NETRXF_gso_prefix (1u << 4)

#define XF_NETIF_EXTRA_TYPE_NONE 0
#define XF_NETIF_EXTRA_TYPE_GSO 1
#define XF_NETIF_EXTRA_TYPE_MCAST_ADD 2
#define XF_NETIF_EXTRA_TYPE_MCAST_DEL 3
#define XF_NETIF_EXTRA_TYPE_HASH 4
#define XF_NETIF_EXTRA_TYPE_MAX 5

#define XF_NETIF_EXTRA_FLAG_MORE (1u << 0)

#define XF_NETIF_GSO_TYPE_NONE 0
#define XF_NETIF_GSO_TYPE_TCPV4 1
#define XF_NETIF_GSO_TYPE_TCPV6 2

#define XF_NETIF_RSP_DROPPED (-2)
#define XF_NETIF_RSP_ERROR (-1)
#define XF_NETIF_RSP_OKAY 0
#define XF_NETIF_RSP_NULL 1

struct xf_netif_tx_request {
	xf_gref gref;
	uint16_t offset;
	uint16_t flags;
	uint16_t id;
	uint16_t size;
};

struct xf_netif_extra_info {
	uint8_t type;
	uint8_t flags;
	union {
		struct {
			uint16_t size;
			uint8_t type;
			uint8_t pad;
			uint16_t features;
		} gso;
		struct {
			uint8_t addr[6];
		} mcast;
		struct {
			uint8_t type;
			uint8_t algorithm;
			uint8_t value[4];
		} hash;
		uint16_t pad[3];
	} u;
};

struct xf_netif_tx_response {
	uint16_t id;
	int16_t status;
};

struct xf_netif_rx_request {
	uint16_t id;
	uint16_t pad;
	xf_gref gref;
};

struct xf_netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	int16_t status;
};

/* Ring slot sizes: the union of request and response in each ring. */
#define XF_NETIF_TX_SLOT_SIZE sizeof(struct xf_netif_tx_request)
#define XF_NETIF_RX_SLOT_SIZE sizeof(struct xf_netif_rx_request)
unsigned int xf_netif_tx_ring_size(unsigned int order);
unsigned int xf_netif_rx_ring_size(unsigned int order);

/* ------------------------------------------------------------------ */
/* xenbus (xen/io/xenbus.h). */

enum xf_xenbus_state {
	XF_XENBUS_UNKNOWN = 0,
	XF_XENBUS_INITIALISING = 1,
	XF_XENBUS_INITWAIT = 2,
	XF_XENBUS_INITIALISED = 3,
	XF_XENBUS_CONNECTED = 4,
	XF_XENBUS_CLOSING = 5,
	XF_XENBUS_CLOSED = 6,
	XF_XENBUS_RECONFIGURING = 7,
	XF_XENBUS_RECONFIGURED = 8,
};

const char *xf_xenbus_state_name(int state);

/* ------------------------------------------------------------------ */
/* Platform API. One struct xf_platform per domain, passed explicitly:
 * a mock process hosts several domains at once. */

struct xf_platform;
struct xf_xs;    /* a xenstore connection (own watch queue) */
struct xf_evtch; /* an event-channel handle (own pending queue and fd) */

typedef uint32_t xf_txn; /* 0 = no transaction */
#define XF_TXN_NONE 0u

enum xf_xs_perm_bits {
	XF_XS_PERM_NONE = 0,
	XF_XS_PERM_READ = 1,
	XF_XS_PERM_WRITE = 2,
	XF_XS_PERM_BOTH = 3,
};

/* As xenstore: perms[0] names the owner and the default for everyone
 * else; later entries grant specific domains. */
struct xf_xs_perm {
	xf_domid domid;
	unsigned int perm; /* enum xf_xs_perm_bits */
};

/* Called from the thread that makes a handle readable, possibly with
 * internal locks held: it may only mark something runnable. The sim
 * driver uses it in place of the fd. */
typedef void (*xf_wakeup_fn)(void *opaque);

struct xf_store_ops {
	int (*open)(struct xf_platform *p, struct xf_xs **out);
	void (*close)(struct xf_xs *xs);
	/* *val is malloc'ed and NUL-terminated (len excludes the NUL). */
	int (*read)(struct xf_xs *xs, xf_txn t, const char *path, char **val,
		    size_t *len);
	int (*write)(struct xf_xs *xs, xf_txn t, const char *path,
		     const void *val, size_t len);
	int (*mkdir)(struct xf_xs *xs, xf_txn t, const char *path);
	int (*rm)(struct xf_xs *xs, xf_txn t, const char *path);
	/* *names: malloc'ed array of malloc'ed strings; free with
	 * xf_strv_free(). */
	int (*directory)(struct xf_xs *xs, xf_txn t, const char *path,
			 char ***names, unsigned int *n);
	int (*get_perms)(struct xf_xs *xs, xf_txn t, const char *path,
			 struct xf_xs_perm **perms, unsigned int *n);
	int (*set_perms)(struct xf_xs *xs, xf_txn t, const char *path,
			 const struct xf_xs_perm *perms, unsigned int n);
	/* A watch fires once on registration and on every change at or
	 * under path. Events queue on the connection. */
	int (*watch)(struct xf_xs *xs, const char *path, const char *token);
	int (*unwatch)(struct xf_xs *xs, const char *path, const char *token);
	/* Non-blocking: -EAGAIN when no event is queued. */
	int (*read_watch)(struct xf_xs *xs, char **path, char **token);
	int (*txn_start)(struct xf_xs *xs, xf_txn *t);
	/* -EAGAIN when the transaction conflicted; the caller retries. */
	int (*txn_end)(struct xf_xs *xs, xf_txn t, bool abort);
	int (*fd)(struct xf_xs *xs); /* readable while events are queued */
	/* -ENOTSUP where only the fd exists (xen platform). */
	int (*set_wakeup)(struct xf_xs *xs, xf_wakeup_fn fn, void *opaque);
};

/* Grant copy segment, as GNTTABOP_copy: one side is a grant of domid,
 * the other local memory. */
struct xf_gnt_copy_seg {
	bool to_grant;     /* true: local -> granted page */
	xf_domid domid;
	xf_gref gref;
	uint16_t offset;   /* within the granted page */
	void *local;
	uint16_t len;
	int16_t status;    /* out: 0 or -errno */
};

struct xf_gnt_ops {
	/* Frontend: allocate n zeroed pages and grant each to domid.
	 * Only pages allocated here can be granted (gntshr semantics). */
	int (*share)(struct xf_platform *p, xf_domid domid, unsigned int n,
		     bool writable, xf_gref *refs, void **addr);
	/* Revoke and free. -EBUSY when the peer still maps any page: the
	 * pages stay allocated and granted (counted as a leak if still
	 * so at teardown). */
	int (*unshare)(struct xf_platform *p, void *addr, unsigned int n);
	/* Backend: map n grants of domid contiguously, all or nothing. */
	int (*map)(struct xf_platform *p, xf_domid domid, unsigned int n,
		   const xf_gref *refs, bool writable, void **addr);
	int (*unmap)(struct xf_platform *p, void *addr, unsigned int n);
	/* When the mapping goes away (unmap or death of the mapper),
	 * clear byte at offset (if >= 0) and notify port (if != ~0). */
	int (*set_unmap_notify)(struct xf_platform *p, void *addr,
				int clear_offset, xf_port port);
	/* Each segment gets its own status; returns 0 when the call was
	 * made, even if some segments failed. */
	int (*copy)(struct xf_platform *p, struct xf_gnt_copy_seg *segs,
		    unsigned int n);
};

struct xf_evtchn_ops {
	int (*open)(struct xf_platform *p, struct xf_evtch **out);
	void (*close)(struct xf_evtch *h);
	int (*alloc_unbound)(struct xf_evtch *h, xf_domid remote,
			     xf_port *port);
	int (*bind_interdomain)(struct xf_evtch *h, xf_domid remote,
				xf_port remote_port, xf_port *local_port);
	int (*unbind)(struct xf_evtch *h, xf_port port);
	int (*notify)(struct xf_evtch *h, xf_port port);
	/* Next pending port (>= 0), which stays masked until unmask();
	 * -EAGAIN when none. */
	int (*pending)(struct xf_evtch *h);
	int (*unmask)(struct xf_evtch *h, xf_port port);
	int (*fd)(struct xf_evtch *h);
	int (*set_wakeup)(struct xf_evtch *h, xf_wakeup_fn fn, void *opaque);
};

struct xf_platform {
	const char *name; /* "mock" or "xen" */
	xf_domid domid;   /* the domain this instance acts as */
	const struct xf_store_ops *store;
	const struct xf_gnt_ops *gnt;
	const struct xf_evtchn_ops *evtchn;
	void *impl;
};

void xf_strv_free(char **v, unsigned int n);

/* Convenience wrappers over the ops tables. */
int xf_xs_read_str(const struct xf_platform *p, struct xf_xs *xs,
		   xf_txn t, const char *path, char **val);
int xf_xs_printf(const struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		 const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Parses an unsigned decimal value; -ENOENT when absent, -EINVAL when
 * not a number or above max. */
int xf_xs_read_uint(const struct xf_platform *p, struct xf_xs *xs,
		    xf_txn t, const char *path, uint64_t max, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_RING_H */
