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

/* The message a sequence number stands for, in xfront's structs: both
 * implementations write it and readers check against it. */
struct msg {
	uint32_t seq;
	size_t len; /* bytes of u that go on the wire */
	union {
		struct xf_blkif_req blk;
		struct xf_blkif_rsp blk_rsp;
		struct xf_netif_tx_request tx;
		struct xf_netif_extra_info extra;
		struct xf_netif_tx_response tx_rsp;
		struct xf_netif_rx_request rx;
		struct xf_netif_rx_response rx_rsp;
	} u;
};

struct kind;

/* One direction (requests or responses) of one ring kind. */
struct way {
	void (*want)(struct msg *m);
	/* Fills Xen's structs in an entry already zeroed. */
	void (*xen)(void *entry, const struct msg *m);
	void (*xf)(const struct kind *k, void *slot, const struct msg *m);
	void (*check)(const struct kind *k, const void *copy,
		      const struct msg *m);
};

struct kind {
	const char *name;
	size_t slot;
	enum xf_blkif_abi abi; /* blkif only */
	struct way req, rsp;
};

static void want(const struct way *w, uint32_t seq, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->seq = seq;
	w->want(m);
}

static void put_xen(const struct kind *k, const struct way *w, void *e,
		    uint32_t seq)
{
	struct msg m;

	want(w, seq, &m);
	memset(e, 0, k->slot);
	w->xen(e, &m);
}

static void put_xf(const struct kind *k, const struct way *w, void *slot,
		   uint32_t seq)
{
	struct msg m;

	want(w, seq, &m);
	w->xf(k, slot, &m);
}

static void check_msg(const struct kind *k, const struct way *w,
		      const void *copy, uint32_t seq)
{
	struct msg m;

	want(w, seq, &m);
	w->check(k, copy, &m);
}

/* ---------------------------------------------------------------- */
/* blkif */

static void blk_want(struct msg *m)
{
	static const uint8_t ops[] = {
		BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER,
		BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
		BLKIF_OP_READ,
	};
	struct xf_blkif_req *r = &m->u.blk;
	uint32_t seq = m->seq;
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

static void blk_rsp_want(struct msg *m)
{
	struct msg q = { .seq = m->seq };

	blk_want(&q);
	m->u.blk_rsp.id = q.u.blk.id;
	m->u.blk_rsp.operation = q.u.blk.operation;
	m->u.blk_rsp.status = (int16_t)((int)(m->seq % 3) - 2);
}

/* Xen's field names are the same in the native and in Linux's x86_32
 * layout, but for the handle of a discard. */
#define XEN_BLK_FILL(disc, disc_handle, ind, rw, w)			\
	do {								\
		unsigned int i_;					\
									\
		if ((w)->operation == BLKIF_OP_DISCARD) {		\
			(disc).flag = (w)->discard_flag;		\
			(disc).disc_handle = (w)->handle;		\
			(disc).id = (w)->id;				\
			(disc).sector_number = (w)->sector_number;	\
			(disc).nr_sectors = (w)->nr_sectors;		\
		} else if ((w)->operation == BLKIF_OP_INDIRECT) {	\
			(ind).indirect_op = (w)->indirect_op;		\
			(ind).nr_segments = (w)->nr_indirect_segments;	\
			(ind).id = (w)->id;				\
			(ind).sector_number = (w)->sector_number;	\
			(ind).handle = (w)->handle;			\
			for (i_ = 0;					\
			     i_ < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i_++) \
				(ind).indirect_grefs[i_] =		\
					(w)->indirect_grefs[i_];	\
		} else {						\
			(rw).nr_segments = (w)->nr_segments;		\
			(rw).handle = (w)->handle;			\
			(rw).id = (w)->id;				\
			(rw).sector_number = (w)->sector_number;	\
			for (i_ = 0; i_ < (w)->nr_segments; i_++) {	\
				(rw).seg[i_].gref = (w)->seg[i_].gref;	\
				(rw).seg[i_].first_sect =		\
					(w)->seg[i_].first_sect;	\
				(rw).seg[i_].last_sect =		\
					(w)->seg[i_].last_sect;		\
			}						\
		}							\
	} while (0)

#define XEN_BLK_RSP(d, w)						\
	((d)->id = (w)->id, (d)->operation = (w)->operation,		\
	 (d)->status = (w)->status)

static void xen_blk_req(void *e, const struct msg *m)
{
	((struct blkif_request *)e)->operation = m->u.blk.operation;
	XEN_BLK_FILL(*(struct blkif_request_discard *)e, handle,
		     *(struct blkif_request_indirect *)e,
		     *(struct blkif_request *)e, &m->u.blk);
}

static void xen_blk32_req(void *e, const struct msg *m)
{
	struct linux_blkif_x86_32_request *d = e;

	d->operation = m->u.blk.operation;
	XEN_BLK_FILL(d->u.discard, _pad1, d->u.indirect, d->u.rw, &m->u.blk);
}

static void xen_blk_rsp(void *e, const struct msg *m)
{
	XEN_BLK_RSP((struct blkif_response *)e, &m->u.blk_rsp);
}

static void xen_blk32_rsp(void *e, const struct msg *m)
{
	XEN_BLK_RSP((struct linux_blkif_x86_32_response *)e, &m->u.blk_rsp);
}

static void xf_blk_req(const struct kind *k, void *slot, const struct msg *m)
{
	xf_blkif_encode_req(k->abi, slot, &m->u.blk);
}

static void xf_blk_rsp(const struct kind *k, void *slot, const struct msg *m)
{
	xf_blkif_encode_rsp(k->abi, slot, &m->u.blk_rsp);
}

static void check_blk_req(const struct kind *k, const void *copy,
			  const struct msg *m)
{
	struct xf_blkif_req got;

	xf_blkif_decode_req(k->abi, copy, &got);
	ck_assert_msg(memcmp(&m->u.blk, &got, sizeof(got)) == 0,
		      "request %u decodes differently", m->seq);
}

static void check_blk_rsp(const struct kind *k, const void *copy,
			  const struct msg *m)
{
	struct xf_blkif_rsp got;

	xf_blkif_decode_rsp(k->abi, copy, &got);
	ck_assert_uint_eq(got.id, m->u.blk_rsp.id);
	ck_assert_uint_eq(got.operation, m->u.blk_rsp.operation);
	ck_assert_int_eq(got.status, m->u.blk_rsp.status);
}

/* ---------------------------------------------------------------- */
/* netif: xfront's structs are the wire layout, without padding, so its
 * writer copies them into a zeroed slot and a reader compares bytes. */

_Static_assert(sizeof(struct xf_netif_tx_request) == 12 &&
	       sizeof(struct xf_netif_tx_response) == 4 &&
	       sizeof(struct xf_netif_rx_request) == 8 &&
	       sizeof(struct xf_netif_rx_response) == 8,
	       "netif structs have no padding");
_Static_assert(XF_NETIF_TX_SLOT_SIZE == sizeof(union netif_tx_sring_entry) &&
	       XF_NETIF_RX_SLOT_SIZE == sizeof(union netif_rx_sring_entry),
	       "netif slot sizes");

static void xf_net(const struct kind *k, void *slot, const struct msg *m)
{
	memset(slot, 0, k->slot);
	memcpy(slot, &m->u, m->len);
}

static void check_net(const struct kind *k, const void *copy,
		      const struct msg *m)
{
	ck_assert_msg(memcmp(copy, &m->u, m->len) == 0,
		      "%s message %u reads back differently", k->name, m->seq);
}

/* tx requests are interleaved with extra-info slots. */
static bool tx_is_extra(uint32_t seq)
{
	return seq % 4 == 3;
}

static void tx_extra_want(struct msg *m)
{
	static const uint8_t types[] = {
		XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
		XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
	};
	struct xf_netif_extra_info *x = &m->u.extra;
	uint32_t seq = m->seq;
	unsigned int i;

	m->len = sizeof(*x);
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

static void tx_want(struct msg *m)
{
	struct xf_netif_tx_request *t = &m->u.tx;
	uint32_t seq = m->seq;

	if (tx_is_extra(seq)) {
		tx_extra_want(m);
		return;
	}
	m->len = sizeof(*t);
	t->gref = 0x20000 + seq * 3;
	t->offset = (uint16_t)((seq * 61) % 4096);
	t->flags = (uint16_t)(seq & 0xf);
	t->id = (uint16_t)seq;
	t->size = (uint16_t)(seq * 977);
}

static void xen_extra(struct netif_extra_info *d,
		      const struct xf_netif_extra_info *w)
{
	unsigned int i;

	d->type = w->type;
	d->flags = w->flags;
	if (w->type == XEN_NETIF_EXTRA_TYPE_GSO) {
		d->u.gso.size = w->u.gso.size;
		d->u.gso.type = w->u.gso.type;
		d->u.gso.features = w->u.gso.features;
	} else if (w->type == XEN_NETIF_EXTRA_TYPE_HASH) {
		d->u.hash.type = w->u.hash.type;
		d->u.hash.algorithm = w->u.hash.algorithm;
		for (i = 0; i < 4; i++)
			d->u.hash.value[i] = w->u.hash.value[i];
	} else {
		for (i = 0; i < 6; i++)
			d->u.mcast.addr[i] = w->u.mcast.addr[i];
	}
}

static void xen_tx_req(void *e, const struct msg *m)
{
	struct netif_tx_request *d = e;

	if (tx_is_extra(m->seq)) {
		xen_extra(e, &m->u.extra);
		return;
	}
	d->gref = m->u.tx.gref;
	d->offset = m->u.tx.offset;
	d->flags = m->u.tx.flags;
	d->id = m->u.tx.id;
	d->size = m->u.tx.size;
}

static int16_t net_status(uint32_t seq)
{
	return (int16_t)((int)(seq % 4) - 2); /* DROPPED .. NULL */
}

static void tx_rsp_want(struct msg *m)
{
	m->len = sizeof(m->u.tx_rsp);
	m->u.tx_rsp.id = (uint16_t)m->seq;
	m->u.tx_rsp.status = net_status(m->seq);
}

static void xen_tx_rsp(void *e, const struct msg *m)
{
	struct netif_tx_response *d = e;

	d->id = m->u.tx_rsp.id;
	d->status = m->u.tx_rsp.status;
}

static void rx_want(struct msg *m)
{
	m->len = sizeof(m->u.rx);
	m->u.rx.id = (uint16_t)m->seq;
	m->u.rx.gref = 0x40000 + m->seq;
}

static void xen_rx_req(void *e, const struct msg *m)
{
	struct netif_rx_request *d = e;

	d->id = m->u.rx.id;
	d->gref = m->u.rx.gref;
}

static void rx_rsp_want(struct msg *m)
{
	struct xf_netif_rx_response *r = &m->u.rx_rsp;

	m->len = sizeof(*r);
	r->id = (uint16_t)m->seq;
	r->offset = (uint16_t)(m->seq % 4096);
	r->flags = (uint16_t)(m->seq & 0x1f);
	r->status = (int16_t)(m->seq % 1515);
	if (m->seq % 9 == 0)
		r->status = XF_NETIF_RSP_ERROR;
}

static void xen_rx_rsp(void *e, const struct msg *m)
{
	struct netif_rx_response *d = e;

	d->id = m->u.rx_rsp.id;
	d->offset = m->u.rx_rsp.offset;
	d->flags = m->u.rx_rsp.flags;
	d->status = m->u.rx_rsp.status;
}

static const struct kind blk64 = {
	"blkif x86_64", sizeof(union blkif_sring_entry), XF_BLKIF_ABI_X86_64,
	{ blk_want, xen_blk_req, xf_blk_req, check_blk_req },
	{ blk_rsp_want, xen_blk_rsp, xf_blk_rsp, check_blk_rsp },
};
static const struct kind blk32 = {
	"blkif x86_32", sizeof(union linux_blkif_x86_32_sring_entry),
	XF_BLKIF_ABI_X86_32,
	{ blk_want, xen_blk32_req, xf_blk_req, check_blk_req },
	{ blk_rsp_want, xen_blk32_rsp, xf_blk_rsp, check_blk_rsp },
};
static const struct kind ntx = {
	"netif tx", sizeof(union netif_tx_sring_entry), XF_BLKIF_ABI_X86_64,
	{ tx_want, xen_tx_req, xf_net, check_net },
	{ tx_rsp_want, xen_tx_rsp, xf_net, check_net },
};
static const struct kind nrx = {
	"netif rx", sizeof(union netif_rx_sring_entry), XF_BLKIF_ABI_X86_64,
	{ rx_want, xen_rx_req, xf_net, check_net },
	{ rx_rsp_want, xen_rx_rsp, xf_net, check_net },
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

/* Both rings made the same notify or final-check decision; count it. */
static void agree(int xen, int xf, unsigned long *yes, unsigned long *no)
{
	ck_assert_int_eq(xf, xen);
	if (xen)
		(*yes)++;
	else
		(*no)++;
}

/* A producer writes message seq into the next entry of each page: the
 * same offset on both. */
static void produce(const struct kind *k, const struct way *w,
		    const uint8_t *xp, const uint8_t *fp, uint32_t seq,
		    void *e, void *s)
{
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq((uint8_t *)e - xp, (uint8_t *)s - fp);
	put_xen(k, w, e, seq);
	put_xf(k, w, s, seq);
}

/* Xen's consumer copied message seq out of its page into xc; xfront's
 * takes it out of the other page, with fbr a request, else a response. */
static void take_both(const struct kind *k, const struct way *w,
		      struct xf_front_ring *ffr, struct xf_back_ring *fbr,
		      const void *xc, size_t xlen, uint32_t seq)
{
	uint8_t fc[128];

	ck_assert_uint_le(k->slot, sizeof(fc));
	if (fbr)
		xf_back_ring_take_request(fbr, fc, k->slot);
	else
		xf_front_ring_take_response(ffr, fc, k->slot);
	ck_assert(memcmp(xc, fc, xlen) == 0);
	check_msg(k, w, fc, seq);
}

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
	__typeof__(xs->ring[0].req) xq;	/* copies Xen's consumers take */ \
	__typeof__(xs->ring[0].rsp) xa;					\
									\
	ck_assert_ptr_nonnull(xp);					\
	ck_assert_ptr_nonnull(fp);					\
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
			for (i = 0; i < n; i++, pseq++, xfr.req_prod_pvt++) \
				produce(k, &k->req, xp, fp, pseq,	\
					RING_GET_REQUEST(&xfr,		\
							 xfr.req_prod_pvt), \
					xf_front_ring_next_request(&ffr)); \
			if (RING_FULL(&xfr))				\
				ck_assert_ptr_null(			\
					xf_front_ring_next_request(&ffr)); \
			st->reqs += n;					\
			if (xfr.req_prod_pvt < before)			\
				st->wrapped++;				\
			break;						\
		case 2: /* front publishes */				\
			RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&xfr, xn);	\
			agree(!!xn, xf_front_ring_push_requests(&ffr),	\
			      &st->notify_yes, &st->notify_no);		\
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
				ck_assert_int_eq(			\
					RING_REQUEST_CONS_OVERFLOW(&xbr, \
							xbr.req_cons),	\
					xf_back_ring_cons_overflow(&fbr)); \
				RING_COPY_REQUEST(&xbr, xbr.req_cons, &xq); \
				xbr.req_cons++;				\
				take_both(k, &k->req, NULL, &fbr, &xq,	\
					  sizeof(xq), cseq);		\
			}						\
			break;						\
		case 4: /* back answers some consumed requests */	\
			n = umin(batch(&seed, RING_SIZE(&xbr)),		\
				 xbr.req_cons - xbr.rsp_prod_pvt);	\
			for (i = 0; i < n; i++, rseq++, xbr.rsp_prod_pvt++) \
				produce(k, &k->rsp, xp, fp, rseq,	\
					RING_GET_RESPONSE(&xbr,		\
							  xbr.rsp_prod_pvt), \
					xf_back_ring_next_response(&fbr)); \
			if (xbr.req_cons == xbr.rsp_prod_pvt)		\
				ck_assert_ptr_null(			\
					xf_back_ring_next_response(&fbr)); \
			st->rsps += n;					\
			break;						\
		case 5: /* back publishes */				\
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&xbr, xn);	\
			agree(!!xn, xf_back_ring_push_responses(&fbr),	\
			      &st->notify_yes, &st->notify_no);		\
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
				RING_COPY_RESPONSE(&xfr, xfr.rsp_cons, &xa); \
				xfr.rsp_cons++;				\
				take_both(k, &k->rsp, &ffr, NULL, &xa,	\
					  sizeof(xa), crseq);		\
			}						\
			break;						\
		}							\
		case 7: /* front about to sleep */			\
			RING_FINAL_CHECK_FOR_RESPONSES(&xfr, xn);	\
			agree(xn, xf_front_ring_final_check(&ffr),	\
			      &st->final_busy, &st->final_idle);	\
			break;						\
		default: /* back about to sleep */			\
			RING_FINAL_CHECK_FOR_REQUESTS(&xbr, xn);	\
			agree(xn, xf_back_ring_final_check(&fbr),	\
			      &st->final_busy, &st->final_idle);	\
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
/* Writes message seq both ways into entries prefilled with fill. */
static void encode_both(const struct kind *k, const struct way *w,
			const char *what, uint8_t fill, uint32_t seq)
{
	uint8_t xe[128], fe[128];

	memset(xe, fill, sizeof(xe));
	memset(fe, fill, sizeof(fe));
	put_xen(k, w, xe, seq);
	put_xf(k, w, fe, seq);
	ck_assert_msg(memcmp(xe, fe, sizeof(xe)) == 0, "%s %s %u", k->name,
		      what, seq);
	check_msg(k, w, fe, seq);
}

START_TEST(encoders_match_xen_fields)
{
	static const struct kind *kinds[] = { &blk64, &blk32, &ntx, &nrx };
	unsigned int k;
	uint32_t seq;

	for (k = 0; k < 4; k++)
		for (seq = 0; seq < 2000; seq++) {
			encode_both(kinds[k], &kinds[k]->req, "request", 0x11,
				    seq);
			encode_both(kinds[k], &kinds[k]->rsp, "response", 0x22,
				    seq);
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
