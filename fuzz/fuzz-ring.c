// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the shared ring and blkif wire decoding, from both ends.
 *
 * Two fake shared ring pages: on one a well-behaved frontend consumes
 * responses that a hostile backend writes (producer index and slot bytes
 * from the input); on the other a well-behaved backend consumes requests
 * that a hostile frontend writes. The input is a schedule of opcodes.
 *
 * Invariants (abort on violation):
 *  - a consumer never sees more than one ring of entries, and the count
 *    equals the producer index it read minus its own consumer index;
 *  - an overflowing producer index gives -EIO, and only then;
 *  - a consumer that takes only what it was told never gets more than it
 *    asked for (frontend: never more responses than requests in flight;
 *    backend: never more unanswered requests than a ring);
 *  - decoding (both ABIs) reads only the private copy and gives the
 *    fields at their wire offsets; decode(encode(decode(x))) == decode(x).
 *
 * Input: byte 0: bit 0 ABI of the rings, bits 1-2 ring-page-order (0-3).
 * Then opcodes, see the switch below.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>

#include "fuzz.h"

#define MAX_STEPS 4096

struct front_model {
	struct xf_front_ring r;
	void *page;
	size_t bytes;
	enum xf_blkif_abi abi;
	size_t rsp_size;
	uint32_t produced;  /* requests pushed */
	uint32_t consumed;  /* responses taken */
	bool halted;        /* protocol violation seen: stop consuming */
};

struct back_model {
	struct xf_back_ring r;
	void *page;
	size_t bytes;
	enum xf_blkif_abi abi;
	size_t slot_size;
	bool halted;
};

static size_t rsp_size(enum xf_blkif_abi abi)
{
	return abi == XF_BLKIF_ABI_X86_32 ?
		       sizeof(struct xf_blkif_x86_32_response) :
		       sizeof(struct xf_blkif_response);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Decodes a response copy of exactly rsp_size(abi) bytes (heap, so an
 * over-read is caught) and checks the fields against the wire layout:
 * id at 0, operation at 8, status at 10 in both ABIs. */
static void check_rsp(enum xf_blkif_abi abi, const uint8_t *copy)
{
	struct xf_blkif_rsp rsp;

	xf_blkif_decode_rsp(abi, copy, &rsp);
	FZ_CHECK(rsp.id == get64(copy));
	FZ_CHECK(rsp.operation == copy[8]);
	FZ_CHECK((uint16_t)rsp.status == get16(copy + 10));
}

static bool same_req(const struct xf_blkif_req *a, const struct xf_blkif_req *b)
{
	unsigned int i;

	if (a->operation != b->operation || a->nr_segments != b->nr_segments ||
	    a->indirect_op != b->indirect_op ||
	    a->discard_flag != b->discard_flag ||
	    a->nr_indirect_segments != b->nr_indirect_segments ||
	    a->handle != b->handle || a->id != b->id ||
	    a->sector_number != b->sector_number ||
	    a->nr_sectors != b->nr_sectors)
		return false;
	for (i = 0; i < XF_BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		if (a->seg[i].gref != b->seg[i].gref ||
		    a->seg[i].first_sect != b->seg[i].first_sect ||
		    a->seg[i].last_sect != b->seg[i].last_sect)
			return false;
	for (i = 0; i < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		if (a->indirect_grefs[i] != b->indirect_grefs[i])
			return false;
	return true;
}

/* copy holds exactly slot_size(abi) bytes. */
static void check_req(enum xf_blkif_abi abi, const uint8_t *copy)
{
	size_t slot = xf_blkif_slot_size(abi);
	struct xf_blkif_req req, again;
	uint8_t *enc;

	xf_blkif_decode_req(abi, copy, &req);
	FZ_CHECK(req.operation == copy[0]);
	/* id follows op/nseg/handle: 8-aligned on x86_64, 4 on x86_32. */
	FZ_CHECK(req.id == get64(copy + (abi == XF_BLKIF_ABI_X86_32 ? 4 : 8)));
	if (req.operation == XF_BLKIF_OP_INDIRECT)
		FZ_CHECK(req.nr_indirect_segments == get16(copy + 2));
	else if (req.operation != XF_BLKIF_OP_DISCARD)
		FZ_CHECK(req.nr_segments == copy[1]);

	enc = malloc(slot);
	FZ_CHECK(enc);
	memset(enc, 0xa5, slot);
	xf_blkif_encode_req(abi, enc, &req);
	xf_blkif_decode_req(abi, enc, &again);
	FZ_CHECK(same_req(&req, &again));
	free(enc);
}

static void front_produce(struct front_model *m, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < k; i++) {
		unsigned int free_before = xf_front_ring_free_requests(&m->r);
		struct xf_blkif_req req;
		void *slot;

		FZ_CHECK(free_before <= m->r.nr_ents);
		slot = xf_front_ring_next_request(&m->r);
		FZ_CHECK((slot == NULL) == (free_before == 0));
		if (!slot)
			break;
		FZ_CHECK((uint8_t *)slot >= (uint8_t *)m->page +
						     XF_SRING_HDR_SIZE);
		FZ_CHECK((uint8_t *)slot + xf_blkif_slot_size(m->abi) <=
			 (uint8_t *)m->page + m->bytes);
		memset(&req, 0, sizeof(req));
		req.operation = XF_BLKIF_OP_READ;
		req.nr_segments = 1;
		req.id = m->produced;
		req.seg[0].last_sect = 7;
		xf_blkif_encode_req(m->abi, slot, &req);
		m->produced++;
	}
	(void)xf_front_ring_push_requests(&m->r);
	FZ_CHECK(xf_shm_read_once(&m->r.sring->req_prod) == m->r.req_prod_pvt);
}

static void front_consume(struct front_model *m, unsigned int want)
{
	xf_ring_idx prod;
	uint32_t outstanding = m->r.req_prod_pvt - m->r.rsp_cons;
	int n;

	if (m->halted)
		return;
	n = xf_front_ring_responses(&m->r, &prod);
	if (n == -EIO) {
		/* Only a producer index more than a ring ahead is refused. */
		FZ_CHECK((xf_ring_idx)(prod - m->r.rsp_cons) > m->r.nr_ents);
		m->halted = true;
		return;
	}
	FZ_CHECK(n >= 0);
	FZ_CHECK((unsigned int)n <= m->r.nr_ents);
	FZ_CHECK((xf_ring_idx)(prod - m->r.rsp_cons) == (unsigned int)n);
	/* More responses than requests in flight: a real frontend stops
	 * here (its id checks fail); this model does too. */
	if ((uint32_t)n > outstanding) {
		m->halted = true;
		return;
	}
	if (want > (unsigned int)n)
		want = (unsigned int)n;
	while (want--) {
		uint8_t *copy = malloc(m->rsp_size);
		uint8_t *other;
		size_t osz = rsp_size(m->abi == XF_BLKIF_ABI_X86_32 ?
					      XF_BLKIF_ABI_X86_64 :
					      XF_BLKIF_ABI_X86_32);

		FZ_CHECK(copy);
		xf_front_ring_take_response(&m->r, copy, m->rsp_size);
		m->consumed++;
		check_rsp(m->abi, copy);
		/* The same bytes seen through the other ABI. */
		other = malloc(osz);
		FZ_CHECK(other);
		memset(other, 0, osz);
		memcpy(other, copy, osz < m->rsp_size ? osz : m->rsp_size);
		check_rsp(m->abi == XF_BLKIF_ABI_X86_32 ? XF_BLKIF_ABI_X86_64 :
							 XF_BLKIF_ABI_X86_32,
			  other);
		free(other);
		free(copy);
	}
	FZ_CHECK(m->consumed <= m->produced);
	FZ_CHECK(xf_front_ring_free_requests(&m->r) <= m->r.nr_ents);
}

static void back_consume(struct back_model *m, unsigned int want)
{
	xf_ring_idx prod;
	int n;

	if (m->halted)
		return;
	n = xf_back_ring_requests(&m->r, &prod);
	if (n == -EIO) {
		bool over = (xf_ring_idx)(prod - m->r.rsp_prod_pvt) >
			    m->r.nr_ents;
		bool back = (xf_ring_idx)(m->r.req_cons - m->r.rsp_prod_pvt) >
			    (xf_ring_idx)(prod - m->r.rsp_prod_pvt);

		FZ_CHECK(over || back);
		m->halted = true;
		return;
	}
	FZ_CHECK(n >= 0);
	FZ_CHECK((unsigned int)n <= m->r.nr_ents);
	FZ_CHECK((unsigned int)n <= (xf_ring_idx)(prod - m->r.req_cons));
	FZ_CHECK((xf_ring_idx)(m->r.req_cons - m->r.rsp_prod_pvt) +
			 (unsigned int)n <=
		 m->r.nr_ents);
	if (want > (unsigned int)n)
		want = (unsigned int)n;
	while (want--) {
		uint8_t *copy = malloc(m->slot_size);
		size_t osz;
		uint8_t *other;

		FZ_CHECK(copy);
		FZ_CHECK(!xf_back_ring_cons_overflow(&m->r));
		xf_back_ring_take_request(&m->r, copy, m->slot_size);
		check_req(m->abi, copy);
		osz = xf_blkif_slot_size(m->abi == XF_BLKIF_ABI_X86_32 ?
						 XF_BLKIF_ABI_X86_64 :
						 XF_BLKIF_ABI_X86_32);
		other = malloc(osz);
		FZ_CHECK(other);
		memset(other, 0, osz);
		memcpy(other, copy, osz < m->slot_size ? osz : m->slot_size);
		check_req(m->abi == XF_BLKIF_ABI_X86_32 ? XF_BLKIF_ABI_X86_64 :
							 XF_BLKIF_ABI_X86_32,
			  other);
		free(other);
		free(copy);
	}
	FZ_CHECK((xf_ring_idx)(m->r.req_cons - m->r.rsp_prod_pvt) <=
		 m->r.nr_ents);
}

static void back_respond(struct back_model *m, unsigned int k)
{
	while (k--) {
		bool none = m->r.rsp_prod_pvt == m->r.req_cons;
		struct xf_blkif_rsp rsp = { 0 };
		void *slot = xf_back_ring_next_response(&m->r);

		FZ_CHECK((slot == NULL) == none);
		if (!slot)
			break;
		rsp.id = m->r.rsp_prod_pvt;
		rsp.status = XF_BLKIF_RSP_OKAY;
		xf_blkif_encode_rsp(m->abi, slot, &rsp);
	}
	(void)xf_back_ring_push_responses(&m->r);
	FZ_CHECK(xf_shm_read_once(&m->r.sring->rsp_prod) == m->r.rsp_prod_pvt);
}

/* A hostile write of slot bytes at any index of a ring. */
static void hostile_slot(struct fz_in *in, struct xf_sring_hdr *s,
			 unsigned int nr_ents, size_t slot_size)
{
	uint16_t idx = fz_u16(in);
	size_t len = fz_u8(in) % (slot_size + 1);
	uint8_t *slot = xf_ring_slot(s, nr_ents, slot_size, idx);

	fz_bytes(in, slot, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	struct front_model fm = { 0 };
	struct back_model bm = { 0 };
	unsigned int order, steps = 0;
	enum xf_blkif_abi abi;
	uint8_t cfg;

	fz_init(&in, data, size);
	cfg = fz_u8(&in);
	abi = (cfg & 1) ? XF_BLKIF_ABI_X86_32 : XF_BLKIF_ABI_X86_64;
	order = (cfg >> 1) & 3;

	fm.abi = bm.abi = abi;
	fm.bytes = bm.bytes = (size_t)XF_PAGE_SIZE << order;
	fm.rsp_size = rsp_size(abi);
	bm.slot_size = xf_blkif_slot_size(abi);
	fm.page = aligned_alloc(XF_PAGE_SIZE, fm.bytes);
	bm.page = aligned_alloc(XF_PAGE_SIZE, bm.bytes);
	FZ_CHECK(fm.page && bm.page);
	memset(fm.page, 0, fm.bytes);
	memset(bm.page, 0, bm.bytes);
	xf_sring_init(fm.page, fm.bytes);
	xf_sring_init(bm.page, bm.bytes);
	/* Start near the 2^32 wrap now and then: index arithmetic bugs
	 * live there. */
	{
		xf_ring_idx start = (cfg & 0x80) ? 0xfffffff0u : 0;

		FZ_CHECK(xf_front_ring_attach(&fm.r, fm.page, fm.bytes,
					      bm.slot_size, start) == 0);
		FZ_CHECK(xf_back_ring_attach(&bm.r, bm.page, bm.bytes,
					     bm.slot_size, start) == 0);
		xf_shm_write_once(&fm.r.sring->req_prod, start);
		xf_shm_write_once(&fm.r.sring->rsp_prod, start);
		xf_shm_write_once(&bm.r.sring->req_prod, start);
		xf_shm_write_once(&bm.r.sring->rsp_prod, start);
	}
	FZ_CHECK(fm.r.nr_ents == xf_blkif_ring_size(abi, order));
	FZ_CHECK(fm.r.nr_ents >= 1 &&
		 (fm.r.nr_ents & (fm.r.nr_ents - 1)) == 0);

	while (fz_left(&in) && steps++ < MAX_STEPS) {
		uint8_t op = fz_u8(&in);

		switch (op % 13) {
		case 0: /* frontend pushes requests */
			front_produce(&fm, fz_u8(&in));
			break;
		case 1: /* hostile backend: rsp_prod near rsp_cons */
			xf_shm_write_once(&fm.r.sring->rsp_prod,
					  fm.r.rsp_cons + (int16_t)fz_u16(&in));
			break;
		case 2: /* hostile backend: any rsp_prod */
			xf_shm_write_once(&fm.r.sring->rsp_prod, fz_u32(&in));
			break;
		case 3: /* hostile backend: response slot bytes */
			hostile_slot(&in, fm.r.sring, fm.r.nr_ents,
				     fm.r.slot_size);
			break;
		case 4: /* frontend consumes */
			front_consume(&fm, fz_u8(&in));
			break;
		case 5: {
			int n = xf_front_ring_final_check(&fm.r);

			FZ_CHECK(n == -EIO ||
				 (n >= 0 && (unsigned int)n <= fm.r.nr_ents));
			if (n == -EIO)
				fm.halted = true;
			break;
		}
		case 6: /* hostile peers: event indices */
			xf_shm_write_once(&fm.r.sring->req_event, fz_u32(&in));
			xf_shm_write_once(&bm.r.sring->rsp_event, fz_u32(&in));
			break;
		case 7: /* hostile frontend: req_prod near req_cons */
			xf_shm_write_once(&bm.r.sring->req_prod,
					  bm.r.req_cons + (int16_t)fz_u16(&in));
			break;
		case 8: /* hostile frontend: any req_prod */
			xf_shm_write_once(&bm.r.sring->req_prod, fz_u32(&in));
			break;
		case 9: /* hostile frontend: request slot bytes */
			hostile_slot(&in, bm.r.sring, bm.r.nr_ents,
				     bm.r.slot_size);
			break;
		case 10: /* backend consumes */
			back_consume(&bm, fz_u8(&in));
			break;
		case 11: /* backend answers */
			back_respond(&bm, fz_u8(&in));
			break;
		case 12: {
			int n = xf_back_ring_final_check(&bm.r);

			FZ_CHECK(n == -EIO ||
				 (n >= 0 && (unsigned int)n <= bm.r.nr_ents));
			if (n == -EIO)
				bm.halted = true;
			break;
		}
		}
	}
	free(fm.page);
	free(bm.page);
	return 0;
}
