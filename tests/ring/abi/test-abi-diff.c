// SPDX-License-Identifier: MIT
/*
 * Differential test: the same operation sequence runs through Xen's own
 * ring.h macros on one page and through xfront's ring on another; after
 * every step the two shared pages must be equal byte for byte, and every
 * notify / final-check / count decision must agree.
 */
#include <stdio.h>
#include <stdlib.h>


#include "xt.h"

#ifndef XF_HAVE_XEN_HEADERS
XT_SUITE("abi-diff")
{
	xt_skip("Xen public headers (xen/io/ring.h) not found; "
		"install libxen-dev to run the abi suite");
}
#else

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/netif.h>

#include "xen_abi.h"

/* Steps per run; big rings get fewer, each step compares the whole ring. */
#define STEPS 4000
#define STEPS_BIG 2000

/* Per-kind message content, derived from a sequence number so both
 * implementations write the same message and readers can check it. */
struct kind {
	const char *name;
	size_t slot;
	void (*xen_req)(void *entry, uint32_t seq);
	void (*xf_req)(void *slot, uint32_t seq);
	void (*xen_rsp)(void *entry, uint32_t seq);
	void (*xf_rsp)(void *slot, uint32_t seq);
	void (*check_req)(const void *copy, uint32_t seq);
	void (*check_rsp)(const void *copy, uint32_t seq);
};

/* ---------------------------------------------------------------- */
/* blkif */

static void blk_expected(uint32_t seq, struct xf_blkif_req *r)
{
	static const uint8_t ops[] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER,
		BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
		BLKIF_OP_READ,
	};
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->operation = ops[seq % 7];
	r->handle = (uint16_t)(0x300 + (seq & 0xff));
	r->id = 0x9e3779b97f4a7c15ull * (seq + 1);
	r->sector_number = ((uint64_t)seq << 33) | (seq * 8u);
	switch (r->operation) {
	case BLKIF_OP_DISCARD:
		r->discard_flag = (seq >> 3) & 1;
		r->nr_sectors = (uint64_t)seq * 4096 + 1;
		break;
	case BLKIF_OP_INDIRECT:
		r->indirect_op = (seq >> 3) & 1;
		r->nr_indirect_segments = (uint16_t)(1 + seq % 4096);
		for (i = 0; i < (r->nr_indirect_segments + 511u) / 512u; i++)
			r->indirect_grefs[i] = seq * 16 + i + 1;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Flush without data, as blkfront sends it when empty. */
		if (seq & 8)
			break;
		/* fall through */
	default:
		r->nr_segments = (uint8_t)(seq % 12);
		for (i = 0; i < r->nr_segments; i++) {
			r->seg[i].gref = seq * 32 + i;
			r->seg[i].first_sect = (uint8_t)(i & 7);
			r->seg[i].last_sect = 7;
		}
	}
}

static void blk_rsp_expected(uint32_t seq, struct xf_blkif_rsp *r)
{
	struct xf_blkif_req q;

	blk_expected(seq, &q);
	r->id = q.id;
	r->operation = q.operation;
	r->status = (int16_t)((int)(seq % 3) - 2);
}

static void xen_blk_req(void *e, uint32_t seq)
{
	struct xf_blkif_req w;
	unsigned int i;

	blk_expected(seq, &w);
	memset(e, 0, sizeof(union blkif_sring_entry));
	if (w.operation == BLKIF_OP_DISCARD) {
		struct blkif_request_discard *d = e;

		d->operation = w.operation;
		d->flag = w.discard_flag;
		d->handle = w.handle;
		d->id = w.id;
		d->sector_number = w.sector_number;
		d->nr_sectors = w.nr_sectors;
	} else if (w.operation == BLKIF_OP_INDIRECT) {
		struct blkif_request_indirect *d = e;

		d->operation = w.operation;
		d->indirect_op = w.indirect_op;
		d->nr_segments = w.nr_indirect_segments;
		d->id = w.id;
		d->sector_number = w.sector_number;
		d->handle = w.handle;
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			d->indirect_grefs[i] = w.indirect_grefs[i];
	} else {
		struct blkif_request *d = e;

		d->operation = w.operation;
		d->nr_segments = w.nr_segments;
		d->handle = w.handle;
		d->id = w.id;
		d->sector_number = w.sector_number;
		for (i = 0; i < w.nr_segments; i++) {
			d->seg[i].gref = w.seg[i].gref;
			d->seg[i].first_sect = w.seg[i].first_sect;
			d->seg[i].last_sect = w.seg[i].last_sect;
		}
	}
}

static void xen_blk32_req(void *e, uint32_t seq)
{
	struct linux_blkif_x86_32_request *d = e;
	struct xf_blkif_req w;
	unsigned int i;

	blk_expected(seq, &w);
	memset(e, 0, sizeof(union linux_blkif_x86_32_sring_entry));
	d->operation = w.operation;
	if (w.operation == BLKIF_OP_DISCARD) {
		d->u.discard.flag = w.discard_flag;
		d->u.discard._pad1 = w.handle;
		d->u.discard.id = w.id;
		d->u.discard.sector_number = w.sector_number;
		d->u.discard.nr_sectors = w.nr_sectors;
	} else if (w.operation == BLKIF_OP_INDIRECT) {
		d->u.indirect.indirect_op = w.indirect_op;
		d->u.indirect.nr_segments = w.nr_indirect_segments;
		d->u.indirect.id = w.id;
		d->u.indirect.sector_number = w.sector_number;
		d->u.indirect.handle = w.handle;
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			d->u.indirect.indirect_grefs[i] = w.indirect_grefs[i];
	} else {
		d->u.rw.nr_segments = w.nr_segments;
		d->u.rw.handle = w.handle;
		d->u.rw.id = w.id;
		d->u.rw.sector_number = w.sector_number;
		for (i = 0; i < w.nr_segments; i++) {
			struct blkif_request_segment s = {
				.gref = w.seg[i].gref,
				.first_sect = w.seg[i].first_sect,
				.last_sect = w.seg[i].last_sect,
			};

			d->u.rw.seg[i] = s;
		}
	}
}

static void xf_blk_req(void *slot, uint32_t seq)
{
	struct xf_blkif_req w;

	blk_expected(seq, &w);
	xf_blkif_encode_req(XF_BLKIF_ABI_X86_64, slot, &w);
}

static void xf_blk32_req(void *slot, uint32_t seq)
{
	struct xf_blkif_req w;

	blk_expected(seq, &w);
	xf_blkif_encode_req(XF_BLKIF_ABI_X86_32, slot, &w);
}

static void xen_blk_rsp(void *e, uint32_t seq)
{
	struct blkif_response *d = e;
	struct xf_blkif_rsp w;

	blk_rsp_expected(seq, &w);
	memset(e, 0, sizeof(union blkif_sring_entry));
	d->id = w.id;
	d->operation = w.operation;
	d->status = w.status;
}

static void xen_blk32_rsp(void *e, uint32_t seq)
{
	struct linux_blkif_x86_32_response *d = e;
	struct xf_blkif_rsp w;

	blk_rsp_expected(seq, &w);
	memset(e, 0, sizeof(union linux_blkif_x86_32_sring_entry));
	d->id = w.id;
	d->operation = w.operation;
	d->status = w.status;
}

static void xf_blk_rsp(void *slot, uint32_t seq)
{
	struct xf_blkif_rsp w;

	blk_rsp_expected(seq, &w);
	xf_blkif_encode_rsp(XF_BLKIF_ABI_X86_64, slot, &w);
}

static void xf_blk32_rsp(void *slot, uint32_t seq)
{
	struct xf_blkif_rsp w;

	blk_rsp_expected(seq, &w);
	xf_blkif_encode_rsp(XF_BLKIF_ABI_X86_32, slot, &w);
}

static void check_blk_req_abi(enum xf_blkif_abi abi, const void *copy,
			      uint32_t seq)
{
	struct xf_blkif_req want, got;

	blk_expected(seq, &want);
	xf_blkif_decode_req(abi, copy, &got);
	ck_assert_msg(memcmp(&want, &got, sizeof(want)) == 0,
		      "request %u decodes differently", seq);
}

static void check_blk_req(const void *copy, uint32_t seq)
{
	check_blk_req_abi(XF_BLKIF_ABI_X86_64, copy, seq);
}

static void check_blk32_req(const void *copy, uint32_t seq)
{
	check_blk_req_abi(XF_BLKIF_ABI_X86_32, copy, seq);
}

static void check_blk_rsp_abi(enum xf_blkif_abi abi, const void *copy,
			      uint32_t seq)
{
	struct xf_blkif_rsp want, got;

	blk_rsp_expected(seq, &want);
	xf_blkif_decode_rsp(abi, copy, &got);
	ck_assert_uint_eq(got.id, want.id);
	ck_assert_uint_eq(got.operation, want.operation);
	ck_assert_int_eq(got.status, want.status);
}

static void check_blk_rsp(const void *copy, uint32_t seq)
{
	check_blk_rsp_abi(XF_BLKIF_ABI_X86_64, copy, seq);
}

static void check_blk32_rsp(const void *copy, uint32_t seq)
{
	check_blk_rsp_abi(XF_BLKIF_ABI_X86_32, copy, seq);
}

/* ---------------------------------------------------------------- */
/* netif: tx requests are interleaved with extra-info slots. */

static bool tx_is_extra(uint32_t seq)
{
	return seq % 4 == 3;
}

static void tx_extra_expected(uint32_t seq, struct xf_netif_extra_info *x)
{
	static const uint8_t types[] = {
		XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
		XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
	};
	unsigned int i;

	memset(x, 0, sizeof(*x));
	x->type = types[(seq / 4) % 4];
	x->flags = (seq >> 4) & XEN_NETIF_EXTRA_FLAG_MORE;
	switch (x->type) {
	case XEN_NETIF_EXTRA_TYPE_GSO:
		x->u.gso.size = (uint16_t)(1448 + seq % 100);
		x->u.gso.type = (uint8_t)(1 + (seq >> 5) % 2);
		x->u.gso.features = 0;
		break;
	case XEN_NETIF_EXTRA_TYPE_HASH:
		x->u.hash.type = (uint8_t)(seq % 5);
		x->u.hash.algorithm = 1;
		for (i = 0; i < 4; i++)
			x->u.hash.value[i] = (uint8_t)(seq >> (8 * i));
		break;
	default:
		for (i = 0; i < 6; i++)
			x->u.mcast.addr[i] = (uint8_t)(seq + i);
	}
}

static void tx_req_expected(uint32_t seq, struct xf_netif_tx_request *t)
{
	t->gref = 0x20000 + seq * 3;
	t->offset = (uint16_t)((seq * 61) % 4096);
	t->flags = (uint16_t)(seq & 0xf);
	t->id = (uint16_t)seq;
	t->size = (uint16_t)(seq * 977);
}

static void xen_tx_req(void *e, uint32_t seq)
{
	memset(e, 0, sizeof(union netif_tx_sring_entry));
	if (tx_is_extra(seq)) {
		struct netif_extra_info *d = e;
		struct xf_netif_extra_info w;
		unsigned int i;

		tx_extra_expected(seq, &w);
		d->type = w.type;
		d->flags = w.flags;
		if (w.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			d->u.gso.size = w.u.gso.size;
			d->u.gso.type = w.u.gso.type;
			d->u.gso.features = w.u.gso.features;
		} else if (w.type == XEN_NETIF_EXTRA_TYPE_HASH) {
			d->u.hash.type = w.u.hash.type;
			d->u.hash.algorithm = w.u.hash.algorithm;
			for (i = 0; i < 4; i++)
				d->u.hash.value[i] = w.u.hash.value[i];
		} else {
			for (i = 0; i < 6; i++)
				d->u.mcast.addr[i] = w.u.mcast.addr[i];
		}
	} else {
		struct netif_tx_request *d = e;
		struct xf_netif_tx_request w;

		tx_req_expected(seq, &w);
		d->gref = w.gref;
		d->offset = w.offset;
		d->flags = w.flags;
		d->id = w.id;
		d->size = w.size;
	}
}

static void xf_tx_req(void *slot, uint32_t seq)
{
	memset(slot, 0, XF_NETIF_TX_SLOT_SIZE);
	if (tx_is_extra(seq)) {
		struct xf_netif_extra_info w;

		tx_extra_expected(seq, &w);
		memcpy(slot, &w, sizeof(w));
	} else {
		struct xf_netif_tx_request w;

		tx_req_expected(seq, &w);
		memcpy(slot, &w, sizeof(w));
	}
}

static void check_tx_req(const void *copy, uint32_t seq)
{
	if (tx_is_extra(seq)) {
		struct xf_netif_extra_info w, g;

		tx_extra_expected(seq, &w);
		memcpy(&g, copy, sizeof(g));
		ck_assert(memcmp(&w, &g, sizeof(w)) == 0);
	} else {
		struct xf_netif_tx_request w, g;

		tx_req_expected(seq, &w);
		memcpy(&g, copy, sizeof(g));
		ck_assert_uint_eq(g.gref, w.gref);
		ck_assert_uint_eq(g.offset, w.offset);
		ck_assert_uint_eq(g.flags, w.flags);
		ck_assert_uint_eq(g.id, w.id);
		ck_assert_uint_eq(g.size, w.size);
	}
}

static int16_t net_status(uint32_t seq)
{
	return (int16_t)((int)(seq % 4) - 2); /* DROPPED .. NULL */
}

static void xen_tx_rsp(void *e, uint32_t seq)
{
	struct netif_tx_response *d = e;

	memset(e, 0, sizeof(union netif_tx_sring_entry));
	d->id = (uint16_t)seq;
	d->status = net_status(seq);
}

static void xf_tx_rsp(void *slot, uint32_t seq)
{
	struct xf_netif_tx_response w = {
		.id = (uint16_t)seq, .status = net_status(seq),
	};

	memset(slot, 0, XF_NETIF_TX_SLOT_SIZE);
	memcpy(slot, &w, sizeof(w));
}

static void check_tx_rsp(const void *copy, uint32_t seq)
{
	struct xf_netif_tx_response g;

	memcpy(&g, copy, sizeof(g));
	ck_assert_uint_eq(g.id, (uint16_t)seq);
	ck_assert_int_eq(g.status, net_status(seq));
}

static void xen_rx_req(void *e, uint32_t seq)
{
	struct netif_rx_request *d = e;

	memset(e, 0, sizeof(union netif_rx_sring_entry));
	d->id = (uint16_t)seq;
	d->gref = 0x40000 + seq;
}

static void xf_rx_req(void *slot, uint32_t seq)
{
	struct xf_netif_rx_request w = {
		.id = (uint16_t)seq, .gref = 0x40000 + seq,
	};

	memset(slot, 0, XF_NETIF_RX_SLOT_SIZE);
	memcpy(slot, &w, sizeof(w));
}

static void check_rx_req(const void *copy, uint32_t seq)
{
	struct xf_netif_rx_request g;

	memcpy(&g, copy, sizeof(g));
	ck_assert_uint_eq(g.id, (uint16_t)seq);
	ck_assert_uint_eq(g.pad, 0);
	ck_assert_uint_eq(g.gref, 0x40000 + seq);
}

static void rx_rsp_expected(uint32_t seq, struct xf_netif_rx_response *r)
{
	r->id = (uint16_t)seq;
	r->offset = (uint16_t)(seq % 4096);
	r->flags = (uint16_t)(seq & 0x1f);
	r->status = (int16_t)(seq % 1515);
	if (seq % 9 == 0)
		r->status = XF_NETIF_RSP_ERROR;
}

static void xen_rx_rsp(void *e, uint32_t seq)
{
	struct netif_rx_response *d = e;
	struct xf_netif_rx_response w;

	rx_rsp_expected(seq, &w);
	memset(e, 0, sizeof(union netif_rx_sring_entry));
	d->id = w.id;
	d->offset = w.offset;
	d->flags = w.flags;
	d->status = w.status;
}

static void xf_rx_rsp(void *slot, uint32_t seq)
{
	struct xf_netif_rx_response w;

	rx_rsp_expected(seq, &w);
	memset(slot, 0, XF_NETIF_RX_SLOT_SIZE);
	memcpy(slot, &w, sizeof(w));
}

static void check_rx_rsp(const void *copy, uint32_t seq)
{
	struct xf_netif_rx_response w, g;

	rx_rsp_expected(seq, &w);
	memcpy(&g, copy, sizeof(g));
	ck_assert_uint_eq(g.id, w.id);
	ck_assert_uint_eq(g.offset, w.offset);
	ck_assert_uint_eq(g.flags, w.flags);
	ck_assert_int_eq(g.status, w.status);
}

static const struct kind blk64 = {
	"blkif x86_64", sizeof(union blkif_sring_entry),
	xen_blk_req, xf_blk_req, xen_blk_rsp, xf_blk_rsp,
	check_blk_req, check_blk_rsp,
};
static const struct kind blk32 = {
	"blkif x86_32", sizeof(union linux_blkif_x86_32_sring_entry),
	xen_blk32_req, xf_blk32_req, xen_blk32_rsp, xf_blk32_rsp,
	check_blk32_req, check_blk32_rsp,
};
static const struct kind ntx = {
	"netif tx", sizeof(union netif_tx_sring_entry),
	xen_tx_req, xf_tx_req, xen_tx_rsp, xf_tx_rsp,
	check_tx_req, check_tx_rsp,
};
static const struct kind nrx = {
	"netif rx", sizeof(union netif_rx_sring_entry),
	xen_rx_req, xf_rx_req, xen_rx_rsp, xf_rx_rsp,
	check_rx_req, check_rx_rsp,
};

/* ---------------------------------------------------------------- */
/* The driver. */

static uint32_t rnd(uint64_t *s)
{
	/* xorshift64*: deterministic, so a failure replays exactly. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dull) >> 32);
}

static unsigned int batch(uint64_t *s, unsigned int nr_ents)
{
	static const unsigned int odd[] = { 1, 3, 7, 31 };
	uint32_t r = rnd(s);

	if (r % 5 < 4)
		return odd[r % 5];
	return 1 + (r >> 8) % nr_ents;
}

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

struct stats {
	unsigned long reqs, rsps, notify_yes, notify_no, final_busy,
		final_idle, wrapped;
};

/* One page of each; the Xen side is driven through tag's ring types. */
#define DEFINE_DIFF(tag)						\
static void diff_##tag(const struct kind *k, unsigned int order,	\
		       xf_ring_idx start, uint64_t seed, struct stats *st) \
{									\
	size_t bytes = (size_t)XT_PAGE_SIZE << order;			\
	uint8_t *xp = aligned_alloc(XT_PAGE_SIZE, bytes);		\
	uint8_t *fp = aligned_alloc(XT_PAGE_SIZE, bytes);		\
	tag##_sring_t *xs = (tag##_sring_t *)xp;			\
	struct xf_sring_hdr *fs = (struct xf_sring_hdr *)fp;		\
	tag##_front_ring_t xfr;						\
	tag##_back_ring_t xbr;						\
	struct xf_front_ring ffr;					\
	struct xf_back_ring fbr;					\
	uint32_t pseq = 0, cseq = 0, rseq = 0, crseq = 0;		\
	unsigned int step, i, n;					\
	unsigned int steps = order >= 3 ? STEPS_BIG : STEPS;		\
	uint8_t fc[128];						\
									\
	ck_assert_ptr_nonnull(xp);					\
	ck_assert_ptr_nonnull(fp);					\
	ck_assert_uint_le(k->slot, sizeof(fc));				\
	memset(xp, 0x5a, bytes);					\
	memset(fp, 0x5a, bytes);					\
	SHARED_RING_INIT(xs);						\
	xf_sring_init(fp, bytes);					\
	ck_assert(memcmp(xp, fp, bytes) == 0);				\
	/* As if start messages had already gone each way. */		\
	xs->req_prod = xs->rsp_prod = start;				\
	xs->req_event = xs->rsp_event = start + 1;			\
	fs->req_prod = fs->rsp_prod = start;				\
	fs->req_event = fs->rsp_event = start + 1;			\
	FRONT_RING_ATTACH(&xfr, xs, start, bytes);			\
	BACK_RING_ATTACH(&xbr, xs, start, bytes);			\
	ck_assert_int_eq(xf_front_ring_attach(&ffr, fp, bytes, k->slot,	\
					      start), 0);		\
	ck_assert_int_eq(xf_back_ring_attach(&fbr, fp, bytes, k->slot,	\
					     start), 0);		\
	ck_assert_uint_eq(ffr.nr_ents, RING_SIZE(&xfr));		\
	ck_assert_uint_eq(fbr.nr_ents, RING_SIZE(&xbr));		\
									\
	for (step = 0; step < steps; step++) {				\
		uint32_t op = rnd(&seed) % 9;				\
		int xn, fn;						\
		xf_ring_idx before = xfr.req_prod_pvt;			\
									\
		switch (op) {						\
		case 0:							\
		case 1: /* front queues a batch */			\
			ck_assert_uint_eq(xf_front_ring_free_requests(&ffr), \
					  RING_FREE_REQUESTS(&xfr));	\
			ck_assert_int_eq(xf_front_ring_full(&ffr),	\
					 RING_FULL(&xfr));		\
			n = umin(batch(&seed, RING_SIZE(&xfr)),		\
				 RING_FREE_REQUESTS(&xfr));		\
			for (i = 0; i < n; i++, pseq++) {		\
				void *e = RING_GET_REQUEST(&xfr,	\
						xfr.req_prod_pvt);	\
				void *s = xf_front_ring_next_request(&ffr); \
									\
				xfr.req_prod_pvt++;			\
				ck_assert_ptr_nonnull(s);		\
				ck_assert_uint_eq((uint8_t *)e - xp,	\
						  (uint8_t *)s - fp);	\
				k->xen_req(e, pseq);			\
				k->xf_req(s, pseq);			\
			}						\
			if (RING_FULL(&xfr))				\
				ck_assert_ptr_null(			\
					xf_front_ring_next_request(&ffr)); \
			st->reqs += n;					\
			if (xfr.req_prod_pvt < before)			\
				st->wrapped++;				\
			break;						\
		case 2: /* front publishes */				\
			RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&xfr, xn);	\
			fn = xf_front_ring_push_requests(&ffr);		\
			ck_assert_int_eq(!!xn, fn);			\
			if (xn)						\
				st->notify_yes++;			\
			else						\
				st->notify_no++;			\
			break;						\
		case 3: /* back consumes */				\
			ck_assert(!RING_REQUEST_PROD_OVERFLOW(&xbr,	\
							      xs->req_prod)); \
			xn = (int)RING_HAS_UNCONSUMED_REQUESTS(&xbr);	\
			fn = xf_back_ring_requests(&fbr, NULL);		\
			ck_assert_int_eq(fn, xn);			\
			n = umin(batch(&seed, RING_SIZE(&xbr)),		\
				 (unsigned int)xn);			\
			for (i = 0; i < n; i++, cseq++) {		\
				__typeof__(xs->ring[0].req) xc;		\
									\
				ck_assert_int_eq(			\
					RING_REQUEST_CONS_OVERFLOW(&xbr, \
							xbr.req_cons),	\
					xf_back_ring_cons_overflow(&fbr)); \
				RING_COPY_REQUEST(&xbr, xbr.req_cons, &xc); \
				xbr.req_cons++;				\
				xf_back_ring_take_request(&fbr, fc,	\
							  k->slot);	\
				ck_assert(memcmp(&xc, fc, sizeof(xc)) == 0); \
				k->check_req(fc, cseq);			\
			}						\
			break;						\
		case 4: /* back answers some consumed requests */	\
			n = umin(batch(&seed, RING_SIZE(&xbr)),		\
				 xbr.req_cons - xbr.rsp_prod_pvt);	\
			for (i = 0; i < n; i++, rseq++) {		\
				void *e = RING_GET_RESPONSE(&xbr,	\
						xbr.rsp_prod_pvt);	\
				void *s = xf_back_ring_next_response(&fbr); \
									\
				xbr.rsp_prod_pvt++;			\
				ck_assert_ptr_nonnull(s);		\
				k->xen_rsp(e, rseq);			\
				k->xf_rsp(s, rseq);			\
			}						\
			if (xbr.req_cons == xbr.rsp_prod_pvt)		\
				ck_assert_ptr_null(			\
					xf_back_ring_next_response(&fbr)); \
			st->rsps += n;					\
			break;						\
		case 5: /* back publishes */				\
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&xbr, xn);	\
			fn = xf_back_ring_push_responses(&fbr);		\
			ck_assert_int_eq(!!xn, fn);			\
			if (xn)						\
				st->notify_yes++;			\
			else						\
				st->notify_no++;			\
			break;						\
		case 6: { /* front consumes */				\
			xf_ring_idx prod = 0;				\
									\
			ck_assert(!RING_RESPONSE_PROD_OVERFLOW(&xfr,	\
							      xs->rsp_prod)); \
			xn = (int)RING_HAS_UNCONSUMED_RESPONSES(&xfr);	\
			fn = xf_front_ring_responses(&ffr, &prod);	\
			ck_assert_int_eq(fn, xn);			\
			ck_assert_uint_eq(prod, xs->rsp_prod);		\
			n = umin(batch(&seed, RING_SIZE(&xfr)),		\
				 (unsigned int)xn);			\
			for (i = 0; i < n; i++, crseq++) {		\
				__typeof__(xs->ring[0].rsp) xc;		\
									\
				RING_COPY_RESPONSE(&xfr, xfr.rsp_cons, &xc); \
				xfr.rsp_cons++;				\
				xf_front_ring_take_response(&ffr, fc,	\
							    k->slot);	\
				ck_assert(memcmp(&xc, fc, sizeof(xc)) == 0); \
				k->check_rsp(fc, crseq);		\
			}						\
			break;						\
		}							\
		case 7: /* front about to sleep */			\
			RING_FINAL_CHECK_FOR_RESPONSES(&xfr, xn);	\
			fn = xf_front_ring_final_check(&ffr);		\
			ck_assert_int_eq(fn, xn);			\
			if (xn)						\
				st->final_busy++;			\
			else						\
				st->final_idle++;			\
			break;						\
		default: /* back about to sleep */			\
			RING_FINAL_CHECK_FOR_REQUESTS(&xbr, xn);	\
			fn = xf_back_ring_final_check(&fbr);		\
			ck_assert_int_eq(fn, xn);			\
			if (xn)						\
				st->final_busy++;			\
			else						\
				st->final_idle++;			\
			break;						\
		}							\
		ck_assert_msg(memcmp(xp, fp, bytes) == 0,		\
			      "%s order %u start %#x: pages differ after " \
			      "step %u (op %u)", k->name, order, start,	\
			      step, op);				\
		ck_assert_uint_eq(ffr.req_prod_pvt, xfr.req_prod_pvt);	\
		ck_assert_uint_eq(ffr.rsp_cons, xfr.rsp_cons);		\
		ck_assert_uint_eq(fbr.rsp_prod_pvt, xbr.rsp_prod_pvt);	\
		ck_assert_uint_eq(fbr.req_cons, xbr.req_cons);		\
	}								\
	free(xp);							\
	free(fp);							\
}

DEFINE_DIFF(blkif)
DEFINE_DIFF(linux_blkif_x86_32)
DEFINE_DIFF(netif_tx)
DEFINE_DIFF(netif_rx)

enum ring_kind { K_BLK64, K_BLK32, K_TX, K_RX };

struct cfg {
	enum ring_kind kind;
	unsigned int order;
};

static const struct cfg cfgs[] = {
	{ K_BLK64, 0 }, { K_BLK64, 4 },
	{ K_BLK32, 0 }, { K_BLK32, 2 },
	{ K_TX, 0 }, { K_TX, 1 },
	{ K_RX, 0 }, { K_RX, 1 },
};

static void run(const struct cfg *c, xf_ring_idx start, uint64_t seed,
		struct stats *st)
{
	switch (c->kind) {
	case K_BLK64:
		diff_blkif(&blk64, c->order, start, seed, st);
		break;
	case K_BLK32:
		diff_linux_blkif_x86_32(&blk32, c->order, start, seed, st);
		break;
	case K_TX:
		diff_netif_tx(&ntx, c->order, start, seed, st);
		break;
	case K_RX:
		diff_netif_rx(&nrx, c->order, start, seed, st);
		break;
	}
}

static unsigned int cfg_nr_ents(const struct cfg *c)
{
	switch (c->kind) {
	case K_BLK64:
		return xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, c->order);
	case K_BLK32:
		return xf_blkif_ring_size(XF_BLKIF_ABI_X86_32, c->order);
	case K_TX:
		return xf_netif_tx_ring_size(c->order);
	case K_RX:
		return xf_netif_rx_ring_size(c->order);
	}
	return 0;
}

/* Index 0, near 2^31 and a few ring-lengths before 2^32, so the run
 * wraps the 32-bit indices. */
START_TEST(differential)
{
	const struct cfg *c = &cfgs[_i];
	unsigned int nr = cfg_nr_ents(c);
	const xf_ring_idx starts[] = {
		0, 0x7ffffffdu, (xf_ring_idx)(0u - 3 * nr - 5), 0xffffffffu,
	};
	unsigned int s;

	for (s = 0; s < 4; s++) {
		struct stats st = { 0 };

		run(c, starts[s], 0x1234567ull * (_i + 1) + s, &st);
		/* The run really exercised what it claims to. */
		ck_assert_uint_gt(st.reqs, 4 * nr);
		ck_assert_uint_gt(st.rsps, 4 * nr);
		ck_assert_uint_gt(st.notify_yes, 0);
		ck_assert_uint_gt(st.notify_no, 0);
		ck_assert_uint_gt(st.final_busy, 0);
		ck_assert_uint_gt(st.final_idle, 0);
		if (s >= 2)
			ck_assert_uint_gt(st.wrapped, 0);
	}
}
END_TEST

/* Encoding a request or response with xfront equals filling Xen's
 * structs field by field (after zeroing the entry). */
START_TEST(encoders_match_xen_fields)
{
	static const struct kind *kinds[] = { &blk64, &blk32, &ntx, &nrx };
	uint8_t xe[128], fe[128];
	unsigned int k;
	uint32_t seq;

	for (k = 0; k < 4; k++)
		for (seq = 0; seq < 2000; seq++) {
			memset(xe, 0x11, sizeof(xe));
			memset(fe, 0x11, sizeof(fe));
			kinds[k]->xen_req(xe, seq);
			kinds[k]->xf_req(fe, seq);
			ck_assert_msg(memcmp(xe, fe, sizeof(xe)) == 0,
				      "%s request %u", kinds[k]->name, seq);
			kinds[k]->check_req(fe, seq);
			memset(xe, 0x22, sizeof(xe));
			memset(fe, 0x22, sizeof(fe));
			kinds[k]->xen_rsp(xe, seq);
			kinds[k]->xf_rsp(fe, seq);
			ck_assert_msg(memcmp(xe, fe, sizeof(xe)) == 0,
				      "%s response %u", kinds[k]->name, seq);
			kinds[k]->check_rsp(fe, seq);
		}
}
END_TEST

XT_SUITE("abi-diff")
{
	TCase *tc = xt_tcase("differential");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, encoders_match_xen_fields);
	tcase_add_loop_test(tc, differential, 0,
			    (int)(sizeof(cfgs) / sizeof(cfgs[0])));
}
#endif
