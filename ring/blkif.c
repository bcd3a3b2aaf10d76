// SPDX-License-Identifier: MIT
/*
 * blkif wire format: protocol names, slot sizes and the encoding of
 * requests and responses for the x86_64 and x86_32 guest ABIs.
 *
 * Encoding builds the message in a zeroed private struct and writes the
 * whole slot, so no stale bytes from an earlier message (or from our own
 * stack) ever reach the peer (XSA-216). Decoding reads a private copy the
 * caller took with xf_*_take_*(), never the shared slot itself.
 */
#include <errno.h>
#include <string.h>

#include <xfront/ring.h>

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

int xf_blkif_abi_parse(const char *protocol, enum xf_blkif_abi *out)
{
	if (!protocol || !out)
		return -EINVAL;
	if (strcmp(protocol, "x86_64-abi") == 0)
		*out = XF_BLKIF_ABI_X86_64;
	else if (strcmp(protocol, "x86_32-abi") == 0)
		*out = XF_BLKIF_ABI_X86_32;
	else
		return -EINVAL;
	return 0;
}

const char *xf_blkif_abi_name(enum xf_blkif_abi abi)
{
	switch (abi) {
	case XF_BLKIF_ABI_X86_64:
		return "x86_64-abi";
	case XF_BLKIF_ABI_X86_32:
		return "x86_32-abi";
	}
	return "unknown-abi";
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

/* Write msg into slot and zero the rest of the slot. */
static void put_slot(void *slot, size_t slot_size, const void *msg,
		     size_t len)
{
	memcpy(slot, msg, len);
	memset((uint8_t *)slot + len, 0, slot_size - len);
}

/*
 * The two ABIs have the same field names; only offsets differ. These
 * macros fill/read one ABI's structs from/to the neutral form.
 */
#define ENCODE_RW(w, r) do {						\
	unsigned int i_, n_ = seg_count((r)->nr_segments);		\
	(w).operation = (r)->operation;					\
	(w).nr_segments = (r)->nr_segments;				\
	(w).handle = (r)->handle;					\
	(w).id = (r)->id;						\
	(w).sector_number = (r)->sector_number;				\
	for (i_ = 0; i_ < n_; i_++)					\
		(w).seg[i_] = (r)->seg[i_];				\
} while (0)

#define DECODE_RW(r, w) do {						\
	unsigned int i_, n_ = seg_count((w).nr_segments);		\
	(r)->operation = (w).operation;					\
	(r)->nr_segments = (w).nr_segments;				\
	(r)->handle = (w).handle;					\
	(r)->id = (w).id;						\
	(r)->sector_number = (w).sector_number;				\
	for (i_ = 0; i_ < n_; i_++)					\
		(r)->seg[i_] = (w).seg[i_];				\
} while (0)

#define ENCODE_DISCARD(w, r) do {					\
	(w).operation = (r)->operation;					\
	(w).flag = (r)->discard_flag;					\
	(w).handle = (r)->handle;					\
	(w).id = (r)->id;						\
	(w).sector_number = (r)->sector_number;				\
	(w).nr_sectors = (r)->nr_sectors;				\
} while (0)

#define DECODE_DISCARD(r, w) do {					\
	(r)->operation = (w).operation;					\
	(r)->discard_flag = (w).flag;					\
	(r)->handle = (w).handle;					\
	(r)->id = (w).id;						\
	(r)->sector_number = (w).sector_number;				\
	(r)->nr_sectors = (w).nr_sectors;				\
} while (0)

#define ENCODE_INDIRECT(w, r) do {					\
	unsigned int i_;						\
	(w).operation = (r)->operation;					\
	(w).indirect_op = (r)->indirect_op;				\
	(w).nr_segments = (r)->nr_indirect_segments;			\
	(w).id = (r)->id;						\
	(w).sector_number = (r)->sector_number;				\
	(w).handle = (r)->handle;					\
	for (i_ = 0; i_ < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i_++) \
		(w).indirect_grefs[i_] = (r)->indirect_grefs[i_];	\
} while (0)

#define DECODE_INDIRECT(r, w) do {					\
	unsigned int i_;						\
	(r)->operation = (w).operation;					\
	(r)->indirect_op = (w).indirect_op;				\
	(r)->nr_indirect_segments = (w).nr_segments;			\
	(r)->id = (w).id;						\
	(r)->sector_number = (w).sector_number;				\
	(r)->handle = (w).handle;					\
	for (i_ = 0; i_ < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i_++) \
		(r)->indirect_grefs[i_] = (w).indirect_grefs[i_];	\
} while (0)

static void encode_req_64(void *slot, const struct xf_blkif_req *r)
{
	switch (r->operation) {
	case XF_BLKIF_OP_DISCARD: {
		struct xf_blkif_request_discard w;

		memset(&w, 0, sizeof(w));
		ENCODE_DISCARD(w, r);
		put_slot(slot, SLOT_X86_64, &w, sizeof(w));
		break;
	}
	case XF_BLKIF_OP_INDIRECT: {
		struct xf_blkif_request_indirect w;

		memset(&w, 0, sizeof(w));
		ENCODE_INDIRECT(w, r);
		put_slot(slot, SLOT_X86_64, &w, sizeof(w));
		break;
	}
	default: {
		/* read, write, barrier, flush; unknown operations too, so a
		 * test can put them on the wire. */
		struct xf_blkif_request w;

		memset(&w, 0, sizeof(w));
		ENCODE_RW(w, r);
		put_slot(slot, SLOT_X86_64, &w, sizeof(w));
		break;
	}
	}
}

static void encode_req_32(void *slot, const struct xf_blkif_req *r)
{
	switch (r->operation) {
	case XF_BLKIF_OP_DISCARD: {
		struct xf_blkif_x86_32_request_discard w;

		memset(&w, 0, sizeof(w));
		ENCODE_DISCARD(w, r);
		put_slot(slot, SLOT_X86_32, &w, sizeof(w));
		break;
	}
	case XF_BLKIF_OP_INDIRECT: {
		struct xf_blkif_x86_32_request_indirect w;

		memset(&w, 0, sizeof(w));
		ENCODE_INDIRECT(w, r);
		put_slot(slot, SLOT_X86_32, &w, sizeof(w));
		break;
	}
	default: {
		struct xf_blkif_x86_32_request w;

		memset(&w, 0, sizeof(w));
		ENCODE_RW(w, r);
		put_slot(slot, SLOT_X86_32, &w, sizeof(w));
		break;
	}
	}
}

void xf_blkif_encode_req(enum xf_blkif_abi abi, void *slot,
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
	case XF_BLKIF_OP_DISCARD: {
		struct xf_blkif_request_discard w;

		memcpy(&w, src, sizeof(w));
		DECODE_DISCARD(r, w);
		break;
	}
	case XF_BLKIF_OP_INDIRECT: {
		struct xf_blkif_request_indirect w;

		memcpy(&w, src, sizeof(w));
		DECODE_INDIRECT(r, w);
		break;
	}
	default: {
		struct xf_blkif_request w;

		memcpy(&w, src, sizeof(w));
		DECODE_RW(r, w);
		break;
	}
	}
}

static void decode_req_32(const void *src, struct xf_blkif_req *r)
{
	switch (((const uint8_t *)src)[0]) {
	case XF_BLKIF_OP_DISCARD: {
		struct xf_blkif_x86_32_request_discard w;

		memcpy(&w, src, sizeof(w));
		DECODE_DISCARD(r, w);
		break;
	}
	case XF_BLKIF_OP_INDIRECT: {
		struct xf_blkif_x86_32_request_indirect w;

		memcpy(&w, src, sizeof(w));
		DECODE_INDIRECT(r, w);
		break;
	}
	default: {
		struct xf_blkif_x86_32_request w;

		memcpy(&w, src, sizeof(w));
		DECODE_RW(r, w);
		break;
	}
	}
}

void xf_blkif_decode_req(enum xf_blkif_abi abi, const void *private_copy,
			 struct xf_blkif_req *req)
{
	/* Fields the operation does not use read as zero. */
	memset(req, 0, sizeof(*req));
	if (abi == XF_BLKIF_ABI_X86_32)
		decode_req_32(private_copy, req);
	else
		decode_req_64(private_copy, req);
}

void xf_blkif_encode_rsp(enum xf_blkif_abi abi, void *slot,
			 const struct xf_blkif_rsp *rsp)
{
	if (abi == XF_BLKIF_ABI_X86_32) {
		struct xf_blkif_x86_32_response w;

		memset(&w, 0, sizeof(w));
		w.id = rsp->id;
		w.operation = rsp->operation;
		w.status = rsp->status;
		put_slot(slot, SLOT_X86_32, &w, sizeof(w));
	} else {
		struct xf_blkif_response w;

		memset(&w, 0, sizeof(w));
		w.id = rsp->id;
		w.operation = rsp->operation;
		w.status = rsp->status;
		put_slot(slot, SLOT_X86_64, &w, sizeof(w));
	}
}

void xf_blkif_decode_rsp(enum xf_blkif_abi abi, const void *private_copy,
			 struct xf_blkif_rsp *rsp)
{
	memset(rsp, 0, sizeof(*rsp));
	if (abi == XF_BLKIF_ABI_X86_32) {
		struct xf_blkif_x86_32_response w;

		memcpy(&w, private_copy, sizeof(w));
		rsp->id = w.id;
		rsp->operation = w.operation;
		rsp->status = w.status;
	} else {
		struct xf_blkif_response w;

		memcpy(&w, private_copy, sizeof(w));
		rsp->id = w.id;
		rsp->operation = w.operation;
		rsp->status = w.status;
	}
}
