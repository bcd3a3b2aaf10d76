// SPDX-License-Identifier: MIT
/*
 * blkif wire format: protocol names, slot sizes and the encoding of
 * requests and responses for the x86_64 and x86_32 guest ABIs.
 *
 * Encoding zeroes the whole slot and stores each field at its wire
 * offset, so no stale bytes from an earlier message (or from our own
 * stack) ever reach the peer (XSA-216). Decoding reads a private copy the
 * caller took with xf_*_take_*(), never the shared slot itself.
 */
#include <errno.h>
#include <string.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/util.h>

_Static_assert(sizeof(struct xf_blkif_request_segment) == 8, "segment");
_Static_assert(sizeof(struct xf_blkif_request) == 112, "x86_64 request");
_Static_assert(sizeof(struct xf_blkif_request_discard) == 32, "discard");
_Static_assert(sizeof(struct xf_blkif_request_indirect) == 64, "indirect");
_Static_assert(sizeof(struct xf_blkif_response) == 16, "x86_64 response");
_Static_assert(sizeof(struct xf_blkif_x86_32_request) == 108, "x86_32 req");
_Static_assert(sizeof(struct xf_blkif_x86_32_request_discard) == 28,
	       "x86_32 discard");
_Static_assert(sizeof(struct xf_blkif_x86_32_request_indirect) == 64,
	       "x86_32 indirect");
_Static_assert(sizeof(struct xf_blkif_x86_32_response) == 12,
	       "x86_32 response");

#define MAX2(a, b) ((a) > (b) ? (a) : (b))
#define SLOT_X86_64 MAX2(sizeof(struct xf_blkif_request), \
			 sizeof(struct xf_blkif_response))
#define SLOT_X86_32 MAX2(sizeof(struct xf_blkif_x86_32_request), \
			 sizeof(struct xf_blkif_x86_32_response))

_Static_assert(SLOT_X86_64 >= sizeof(struct xf_blkif_request_discard) &&
	       SLOT_X86_64 >= sizeof(struct xf_blkif_request_indirect),
	       "every x86_64 request fits a slot");
_Static_assert(SLOT_X86_32 >= sizeof(struct xf_blkif_x86_32_request_discard) &&
	       SLOT_X86_32 >= sizeof(struct xf_blkif_x86_32_request_indirect),
	       "every x86_32 request fits a slot");

/* The xenstore "protocol" values. */
static const char *const abi_names[] = {
	[XF_BLKIF_ABI_X86_64] = "x86_64-abi",
	[XF_BLKIF_ABI_X86_32] = "x86_32-abi",
};

int xf_blkif_abi_parse(const char *protocol, enum xf_blkif_abi *out)
{
	if (!out)
		return -EINVAL;
	return XF_NAME_PARSE(abi_names, protocol, out);
}

const char *xf_blkif_abi_name(enum xf_blkif_abi abi)
{
	return XF_NAME_OF(abi_names, abi, "unknown-abi");
}

size_t xf_blkif_slot_size(enum xf_blkif_abi abi)
{
	switch (abi) {
	case XF_BLKIF_ABI_X86_64:
		return SLOT_X86_64;
	case XF_BLKIF_ABI_X86_32:
		return SLOT_X86_32;
	}
	return 0;
}

unsigned int xf_blkif_ring_size(enum xf_blkif_abi abi, unsigned int order)
{
	size_t slot = xf_blkif_slot_size(abi);

	if (slot == 0 || order > XF_MAX_RING_PAGE_ORDER)
		return 0;
	return xf_ring_nr_ents((size_t)XF_PAGE_SIZE << order, slot);
}

static unsigned int seg_count(unsigned int n)
{
	return n < XF_BLKIF_MAX_SEGMENTS_PER_REQUEST ?
		       n : XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/*
 * Wire access by offset. Encoding zeroes the whole slot and then stores
 * each field at its offset in the ABI's struct: every byte the peer can
 * read is a field we meant to send or zero (XSA-216), and no private
 * struct, with padding of its own, is ever copied out. Decoding loads
 * each field from the private copy the same way.
 */
#define FIELD_OFF(type, field) offsetof(type, field)
#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)

#define PUT(slot, off, val) do {					\
	__typeof__(val) v_ = (val);					\
	memcpy((uint8_t *)(slot) + (off), &v_, sizeof(v_));		\
} while (0)

/* Store field of wire struct type from a value of the same width. */
#define PUT_FIELD(slot, type, field, val) do {				\
	_Static_assert(FIELD_SIZE(type, field) == sizeof(val), #field);	\
	PUT(slot, FIELD_OFF(type, field), val);				\
} while (0)

/* Load field of wire struct type into dst, of the same width. */
#define GET_FIELD(dst, src, type, field) do {				\
	_Static_assert(FIELD_SIZE(type, field) == sizeof(dst), #field);	\
	memcpy(&(dst), (const uint8_t *)(src) + FIELD_OFF(type, field),	\
	       sizeof(dst));						\
} while (0)

/* The inline x86_64 read/write and response codec in <xfront/ring.h>
 * copies each field with the width of the neutral form's field. */
#define SAME_WIDTH(W, wf, N, nf) \
	_Static_assert(FIELD_SIZE(W, wf) == FIELD_SIZE(N, nf), #wf)
SAME_WIDTH(struct xf_blkif_request, operation, struct xf_blkif_req, operation);
SAME_WIDTH(struct xf_blkif_request, nr_segments, struct xf_blkif_req,
	   nr_segments);
SAME_WIDTH(struct xf_blkif_request, handle, struct xf_blkif_req, handle);
SAME_WIDTH(struct xf_blkif_request, id, struct xf_blkif_req, id);
SAME_WIDTH(struct xf_blkif_request, sector_number, struct xf_blkif_req,
	   sector_number);
SAME_WIDTH(struct xf_blkif_response, id, struct xf_blkif_rsp, id);
SAME_WIDTH(struct xf_blkif_response, operation, struct xf_blkif_rsp,
	   operation);
SAME_WIDTH(struct xf_blkif_response, status, struct xf_blkif_rsp, status);
SAME_WIDTH(struct xf_blkif_x86_32_response, id, struct xf_blkif_rsp, id);
SAME_WIDTH(struct xf_blkif_x86_32_response, operation, struct xf_blkif_rsp,
	   operation);
SAME_WIDTH(struct xf_blkif_x86_32_response, status, struct xf_blkif_rsp,
	   status);

/* ... writes a whole slot as the size of the request struct ... */
_Static_assert(SLOT_X86_64 == sizeof(struct xf_blkif_request) &&
	       SLOT_X86_32 == sizeof(struct xf_blkif_x86_32_request),
	       "slot = request");
/* ... moves segments as 8-byte words ... */
_Static_assert(sizeof(struct xf_blkif_request_segment) == sizeof(uint64_t),
	       "segment word");
/* ... and copies operation and nr_segments as one 2-byte unit. */
_Static_assert(offsetof(struct xf_blkif_request, nr_segments) ==
	       offsetof(struct xf_blkif_request, operation) + 1 &&
	       offsetof(struct xf_blkif_req, nr_segments) ==
	       offsetof(struct xf_blkif_req, operation) + 1,
	       "operation, nr_segments adjacent");

#define SEG_SIZE sizeof(struct xf_blkif_request_segment)
#define SEG_GREF offsetof(struct xf_blkif_request_segment, gref)
#define SEG_FIRST offsetof(struct xf_blkif_request_segment, first_sect)
#define SEG_LAST offsetof(struct xf_blkif_request_segment, last_sect)

/*
 * The two ABIs have the same field names; only offsets differ. These
 * macros fill/read one ABI's wire struct type W from/to the neutral
 * form. Encoders run on a slot already zeroed.
 */
#define ENCODE_RW(slot, W, r) do {					\
	unsigned int i_, n_ = seg_count((r)->nr_segments);		\
	uint8_t *sg_ = (uint8_t *)(slot) + offsetof(W, seg);		\
	PUT_FIELD(slot, W, operation, (r)->operation);			\
	PUT_FIELD(slot, W, nr_segments, (r)->nr_segments);		\
	PUT_FIELD(slot, W, handle, (r)->handle);			\
	PUT_FIELD(slot, W, id, (r)->id);				\
	PUT_FIELD(slot, W, sector_number, (r)->sector_number);		\
	for (i_ = 0; i_ < n_; i_++, sg_ += SEG_SIZE) {			\
		PUT(sg_, SEG_GREF, (r)->seg[i_].gref);			\
		PUT(sg_, SEG_FIRST, (r)->seg[i_].first_sect);		\
		PUT(sg_, SEG_LAST, (r)->seg[i_].last_sect);		\
	}								\
} while (0)

#define DECODE_RW(r, src, W) do {					\
	unsigned int i_, n_;						\
	const uint8_t *sg_ = (const uint8_t *)(src) + offsetof(W, seg);	\
	GET_FIELD((r)->operation, src, W, operation);			\
	GET_FIELD((r)->nr_segments, src, W, nr_segments);		\
	GET_FIELD((r)->handle, src, W, handle);				\
	GET_FIELD((r)->id, src, W, id);					\
	GET_FIELD((r)->sector_number, src, W, sector_number);		\
	n_ = seg_count((r)->nr_segments);				\
	for (i_ = 0; i_ < n_; i_++, sg_ += SEG_SIZE) {			\
		memcpy(&(r)->seg[i_].gref, sg_ + SEG_GREF, sizeof(xf_gref)); \
		(r)->seg[i_].first_sect = sg_[SEG_FIRST];		\
		(r)->seg[i_].last_sect = sg_[SEG_LAST];			\
	}								\
} while (0)

#define ENCODE_DISCARD(slot, W, r) do {					\
	PUT_FIELD(slot, W, operation, (r)->operation);			\
	PUT_FIELD(slot, W, flag, (r)->discard_flag);			\
	PUT_FIELD(slot, W, handle, (r)->handle);			\
	PUT_FIELD(slot, W, id, (r)->id);				\
	PUT_FIELD(slot, W, sector_number, (r)->sector_number);		\
	PUT_FIELD(slot, W, nr_sectors, (r)->nr_sectors);		\
} while (0)

#define DECODE_DISCARD(r, src, W) do {					\
	GET_FIELD((r)->operation, src, W, operation);			\
	GET_FIELD((r)->discard_flag, src, W, flag);			\
	GET_FIELD((r)->handle, src, W, handle);				\
	GET_FIELD((r)->id, src, W, id);					\
	GET_FIELD((r)->sector_number, src, W, sector_number);		\
	GET_FIELD((r)->nr_sectors, src, W, nr_sectors);			\
} while (0)

#define ENCODE_INDIRECT(slot, W, r) do {				\
	PUT_FIELD(slot, W, operation, (r)->operation);			\
	PUT_FIELD(slot, W, indirect_op, (r)->indirect_op);		\
	PUT_FIELD(slot, W, nr_segments, (r)->nr_indirect_segments);	\
	PUT_FIELD(slot, W, id, (r)->id);				\
	PUT_FIELD(slot, W, sector_number, (r)->sector_number);		\
	PUT_FIELD(slot, W, handle, (r)->handle);			\
	_Static_assert(FIELD_SIZE(W, indirect_grefs) ==			\
		       sizeof((r)->indirect_grefs), "indirect_grefs");	\
	memcpy((uint8_t *)(slot) + offsetof(W, indirect_grefs),	\
	       (r)->indirect_grefs, sizeof((r)->indirect_grefs));	\
} while (0)

#define DECODE_INDIRECT(r, src, W) do {					\
	GET_FIELD((r)->operation, src, W, operation);			\
	GET_FIELD((r)->indirect_op, src, W, indirect_op);		\
	GET_FIELD((r)->nr_indirect_segments, src, W, nr_segments);	\
	GET_FIELD((r)->id, src, W, id);					\
	GET_FIELD((r)->sector_number, src, W, sector_number);		\
	GET_FIELD((r)->handle, src, W, handle);				\
	GET_FIELD((r)->indirect_grefs, src, W, indirect_grefs);		\
} while (0)

static void encode_req_64(void *slot, const struct xf_blkif_req *r)
{
	switch (r->operation) {
	case XF_BLKIF_OP_DISCARD:
		xf_blkif__zero(slot, SLOT_X86_64);
		ENCODE_DISCARD(slot, struct xf_blkif_request_discard, r);
		break;
	case XF_BLKIF_OP_INDIRECT:
		xf_blkif__zero(slot, SLOT_X86_64);
		ENCODE_INDIRECT(slot, struct xf_blkif_request_indirect, r);
		break;
	default:
		xf_blkif__encode_rw_64(slot, r);
		break;
	}
}

static void encode_req_32(void *slot, const struct xf_blkif_req *r)
{
	xf_blkif__zero(slot, SLOT_X86_32);
	switch (r->operation) {
	case XF_BLKIF_OP_DISCARD:
		ENCODE_DISCARD(slot, struct xf_blkif_x86_32_request_discard, r);
		break;
	case XF_BLKIF_OP_INDIRECT:
		ENCODE_INDIRECT(slot, struct xf_blkif_x86_32_request_indirect,
				r);
		break;
	default:
		ENCODE_RW(slot, struct xf_blkif_x86_32_request, r);
		break;
	}
}

void xf_blkif__encode_req(enum xf_blkif_abi abi, void *slot,
			  const struct xf_blkif_req *req)
{
	if (abi == XF_BLKIF_ABI_X86_32)
		encode_req_32(slot, req);
	else
		encode_req_64(slot, req);
}

/* The operation byte is at offset 0 in every request layout. */
static void decode_req_64(const void *src, struct xf_blkif_req *r)
{
	switch (((const uint8_t *)src)[0]) {
	case XF_BLKIF_OP_DISCARD:
		/* Fields the operation does not use read as zero. */
		xf_blkif__zero(r, sizeof(*r));
		DECODE_DISCARD(r, src, struct xf_blkif_request_discard);
		break;
	case XF_BLKIF_OP_INDIRECT:
		xf_blkif__zero(r, sizeof(*r));
		DECODE_INDIRECT(r, src, struct xf_blkif_request_indirect);
		break;
	default:
		xf_blkif__decode_rw_64(src, r);
		break;
	}
}

static void decode_req_32(const void *src, struct xf_blkif_req *r)
{
	/* Fields the operation does not use read as zero. */
	xf_blkif__zero(r, sizeof(*r));
	switch (((const uint8_t *)src)[0]) {
	case XF_BLKIF_OP_DISCARD:
		DECODE_DISCARD(r, src, struct xf_blkif_x86_32_request_discard);
		break;
	case XF_BLKIF_OP_INDIRECT:
		DECODE_INDIRECT(r, src,
				struct xf_blkif_x86_32_request_indirect);
		break;
	default:
		DECODE_RW(r, src, struct xf_blkif_x86_32_request);
		break;
	}
}

void xf_blkif__decode_req(enum xf_blkif_abi abi, const void *private_copy,
			  struct xf_blkif_req *req)
{
	if (abi == XF_BLKIF_ABI_X86_32)
		decode_req_32(private_copy, req);
	else
		decode_req_64(private_copy, req);
}
