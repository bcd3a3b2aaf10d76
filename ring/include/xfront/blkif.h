/* SPDX-License-Identifier: MIT */
/*
 * The blkif wire format (xen/io/blkif.h): request and response layouts
 * for the x86_64 and x86_32 ABIs and the copy-once codec between a ring
 * slot and ABI-independent structs.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_BLKIF_H
#define XFRONT_BLKIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xfront/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_BLKIF_H */
