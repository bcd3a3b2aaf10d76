/* SPDX-License-Identifier: MIT */
/* Every validation rule of the backend, driven by a raw frontend: each
 * bad request is answered BLKIF_RSP_ERROR (or EOPNOTSUPP for a feature
 * not offered), counted under its reason, and the ring keeps working. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"
#include "xt.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

static void start(void)
{
	fx_up(&F, false, 2);
}

static uint64_t rejects(enum xf_blkback_reject why)
{
	struct xf_blkback_stats st;

	xf_blkback_stats(F.bb, &st);
	return st.rejects[why];
}

/* The request is refused for why, and a good read still works. */
static void expect_reject(const struct xf_blkif_req *r,
			  enum xf_blkback_reject why, int status)
{
	struct xf_blkif_req ok;
	uint64_t before = rejects(why);

	ck_assert_int_eq(fx_do(&F, r), status);
	ck_assert_uint_eq(rejects(why), before + 1);
	fx_rw(&ok, &F, XF_BLKIF_OP_READ, 999, 0, 8);
	ck_assert_int_eq(fx_do(&F, &ok), XF_BLKIF_RSP_OKAY);
}

/* One rule of the backend: the request (fx_rw(op, sector, nsect) over
 * the two shared data pages, then the fields below), on a backend set up
 * as asked, and how it is answered. */
static const struct vcase {
	const char *name;
	const char *preset; /* NULL: "linux" */
	bool readonly;
	unsigned int sector_size; /* 0: 512 */
	uint8_t op;
	uint64_t sector;
	unsigned int nsect;
	uint64_t nr_sectors;
	uint8_t ind_op; /* with op INDIRECT */
	uint16_t nr_ind;
	uint8_t nr_segments; /* 0: as built */
	bool seg1; /* seg[1] gets first/last */
	uint8_t first, last;
	bool seg0; /* seg[0] gets first0/last0 */
	uint8_t first0, last0;
	uint32_t lenient; /* XF_BB_LENIENT_* */
	xf_gref gref0, igref0; /* 0: as built */
	bool accepted; /* else refused for why with status */
	enum xf_blkback_reject why;
	int16_t status;
} vcases[] = {
#define END ((1u << 20) >> 9)
#define REFUSED(w) .why = XF_BLKBACK_REJ_##w, .status = XF_BLKIF_RSP_ERROR
#define UNSUPPORTED .why = XF_BLKBACK_REJ_UNSUPPORTED, \
		    .status = XF_BLKIF_RSP_EOPNOTSUPP
#define ACCEPTED .accepted = true, .status = XF_BLKIF_RSP_OKAY
#define UNKNOWN .why = XF_BLKBACK_REJ_UNKNOWN_OP, \
		.status = XF_BLKIF_RSP_EOPNOTSUPP
	/* Linux dispatch_other_io(): EOPNOTSUPP, the ring carries on. */
	{ "reserved op", .op = XF_BLKIF_OP_RESERVED_1, .nsect = 8,
	  UNKNOWN },
	{ "op 7", .op = 7, .nsect = 8, UNKNOWN },
	{ "op 42", .op = 42, .nsect = 8, UNKNOWN },
	{ "op 255", .op = 255, .nsect = 8, UNKNOWN },
	{ "op 7, lenient", .op = 7, .nsect = 8,
	  .lenient = XF_BB_LENIENT_UNKNOWN_OP_ERROR, REFUSED(UNKNOWN_OP) },

	{ "read-only: write", .readonly = true, .op = XF_BLKIF_OP_WRITE,
	  .nsect = 8, REFUSED(READONLY) },
	{ "read-only: flush", .readonly = true,
	  .op = XF_BLKIF_OP_FLUSH_DISKCACHE, REFUSED(READONLY) },
	{ "read-only: barrier", .readonly = true,
	  .op = XF_BLKIF_OP_WRITE_BARRIER, REFUSED(READONLY) },
	{ "read-only: discard", .readonly = true, .op = XF_BLKIF_OP_DISCARD,
	  .nr_sectors = 8, REFUSED(READONLY) },
	{ "read-only: indirect write", .readonly = true,
	  .op = XF_BLKIF_OP_INDIRECT, .nsect = 8, .ind_op = XF_BLKIF_OP_WRITE,
	  .nr_ind = 12, REFUSED(READONLY) },

	/* Zero segments only for a flush. */
	{ "no segments: read", .op = XF_BLKIF_OP_READ, REFUSED(NO_SEGMENTS) },
	{ "no segments: write", .op = XF_BLKIF_OP_WRITE, REFUSED(NO_SEGMENTS) },
	{ "no segments: flush", .op = XF_BLKIF_OP_FLUSH_DISKCACHE, ACCEPTED },
	{ "no segments: indirect", .op = XF_BLKIF_OP_INDIRECT,
	  .ind_op = XF_BLKIF_OP_READ, REFUSED(NO_SEGMENTS) },

	{ "12 segments", .op = XF_BLKIF_OP_READ, .nsect = 8, .nr_segments = 12,
	  REFUSED(TOO_MANY_SEGMENTS) },
	{ "255 segments", .op = XF_BLKIF_OP_READ, .nsect = 8,
	  .nr_segments = 255, REFUSED(TOO_MANY_SEGMENTS) },
	{ "257 indirect segments", .op = XF_BLKIF_OP_INDIRECT, .nsect = 8,
	  .nr_segments = 255, .ind_op = XF_BLKIF_OP_READ, .nr_ind = 257,
	  REFUSED(TOO_MANY_SEGMENTS) },

	{ "indirect flush", .op = XF_BLKIF_OP_INDIRECT,
	  .ind_op = XF_BLKIF_OP_FLUSH_DISKCACHE, .nr_ind = 12,
	  REFUSED(BAD_INDIRECT) },
	{ "indirect indirect", .op = XF_BLKIF_OP_INDIRECT,
	  .ind_op = XF_BLKIF_OP_INDIRECT, .nr_ind = 12, REFUSED(BAD_INDIRECT) },
	/* An indirect page the frontend never granted. */
	{ "indirect page not granted", .op = XF_BLKIF_OP_INDIRECT,
	  .ind_op = XF_BLKIF_OP_READ, .nr_ind = 12, .igref0 = 0xdead,
	  REFUSED(GRANT) },
	{ "indirect not offered", .preset = "no-indirect",
	  .op = XF_BLKIF_OP_INDIRECT, .ind_op = XF_BLKIF_OP_READ, .nr_ind = 12,
	  REFUSED(BAD_INDIRECT) },

	{ "segment 4..3", .op = XF_BLKIF_OP_WRITE, .nsect = 16, .seg1 = true,
	  .first = 4, .last = 3, REFUSED(SECT_ORDER) },
	{ "segment 0..8", .op = XF_BLKIF_OP_WRITE, .nsect = 16, .seg1 = true,
	  .first = 0, .last = 8, REFUSED(SECT_RANGE) },
	{ "segment 200..255", .op = XF_BLKIF_OP_WRITE, .nsect = 16,
	  .seg1 = true, .first = 200, .last = 255, REFUSED(SECT_RANGE) },

	{ "4k disk: read at sector 1", .sector_size = 4096,
	  .op = XF_BLKIF_OP_READ, .sector = 1, .nsect = 8,
	  REFUSED(MISALIGNED) },
	{ "4k disk: read of 4 sectors", .sector_size = 4096,
	  .op = XF_BLKIF_OP_READ, .nsect = 4, REFUSED(MISALIGNED) },
	/* Linux checks every segment: the total (8) is aligned, the
	 * segments (4 + 4) are not. */
	{ "4k disk: segments 4..7 + 0..3", .sector_size = 4096,
	  .op = XF_BLKIF_OP_WRITE, .nsect = 16, .seg0 = true, .first0 = 4,
	  .last0 = 7, .seg1 = true, .first = 0, .last = 3,
	  REFUSED(MISALIGNED) },
	{ "4k disk: segments 4..7 + 0..3, lenient", .sector_size = 4096,
	  .op = XF_BLKIF_OP_WRITE, .nsect = 16, .seg0 = true, .first0 = 4,
	  .last0 = 7, .seg1 = true, .first = 0, .last = 3,
	  .lenient = XF_BB_LENIENT_REQUEST_ALIGNMENT, ACCEPTED },
	{ "4k disk: segments 0..7 + 0..7", .sector_size = 4096,
	  .op = XF_BLKIF_OP_WRITE, .nsect = 16, ACCEPTED },
	{ "4k disk: discard of 3 sectors", .sector_size = 4096,
	  .op = XF_BLKIF_OP_DISCARD, .sector = 8, .nr_sectors = 3,
	  REFUSED(MISALIGNED) },

	{ "read of the last 8 sectors", .op = XF_BLKIF_OP_READ,
	  .sector = END - 8, .nsect = 8, ACCEPTED },
	{ "read past the end", .op = XF_BLKIF_OP_READ, .sector = END - 4,
	  .nsect = 8, REFUSED(PAST_END) },
	{ "write at UINT64_MAX - 2", .op = XF_BLKIF_OP_WRITE,
	  .sector = UINT64_MAX - 2, .nsect = 8, REFUSED(PAST_END) },
	{ "discard past the end", .op = XF_BLKIF_OP_DISCARD, .sector = END - 8,
	  .nr_sectors = 16, REFUSED(PAST_END) },
	{ "discard overflow", .op = XF_BLKIF_OP_DISCARD,
	  .sector = UINT64_MAX - 7, .nr_sectors = 16,
	  REFUSED(DISCARD_OVERFLOW) },

	/* A flush or barrier not offered: Linux dispatches it, and a
	 * device without a write cache completes it OKAY. */
	{ "minimal: flush", .preset = "minimal",
	  .op = XF_BLKIF_OP_FLUSH_DISKCACHE, ACCEPTED },
	{ "minimal: barrier", .preset = "minimal",
	  .op = XF_BLKIF_OP_WRITE_BARRIER, ACCEPTED },
	{ "minimal: barrier with data", .preset = "minimal",
	  .op = XF_BLKIF_OP_WRITE_BARRIER, .nsect = 8, ACCEPTED },
	{ "minimal: flush, lenient", .preset = "minimal",
	  .op = XF_BLKIF_OP_FLUSH_DISKCACHE,
	  .lenient = XF_BB_LENIENT_FLUSH_UNOFFERED, UNSUPPORTED },
	{ "minimal: barrier, lenient", .preset = "minimal",
	  .op = XF_BLKIF_OP_WRITE_BARRIER,
	  .lenient = XF_BB_LENIENT_FLUSH_UNOFFERED, UNSUPPORTED },
	/* A discard not offered stays EOPNOTSUPP (no discard support in
	 * the device: __blkdev_issue_discard()). */
	{ "minimal: discard", .preset = "minimal", .op = XF_BLKIF_OP_DISCARD,
	  .nr_sectors = 8, UNSUPPORTED },

	{ "write from an unknown grant", .op = XF_BLKIF_OP_WRITE, .nsect = 8,
	  .gref0 = 0xbeef, REFUSED(GRANT) },
	{ "read into an unknown grant", .op = XF_BLKIF_OP_READ, .nsect = 8,
	  .gref0 = 0xbeef, REFUSED(GRANT) },
#undef ACCEPTED
#undef UNKNOWN
#undef UNSUPPORTED
#undef REFUSED
#undef END
};

static uint64_t all_rejects(void)
{
	uint64_t n = 0;

	for (int i = 0; i < XF_BLKBACK_REJ_NR; i++)
		n += rejects((enum xf_blkback_reject)i);
	return n;
}

/* Loop index: the row of vcases. */
START_TEST(validation_rule)
{
	const struct vcase *c = &vcases[_i];
	struct xf_blkif_req r, ok;
	uint64_t before;

	if (c->preset)
		ck_assert_int_eq(xf_blkback_features_preset(c->preset,
							    &F.cfg.features),
				 0);
	F.vbd.readonly = c->readonly;
	F.cfg.lenient = c->lenient;
	if (c->sector_size)
		F.dcfg.sector_size = c->sector_size;
	start();
	fx_rw(&r, &F, c->op, 1, c->sector, c->nsect);
	r.nr_sectors = c->nr_sectors;
	if (c->op == XF_BLKIF_OP_INDIRECT) {
		r.indirect_op = c->ind_op;
		r.nr_indirect_segments = c->nr_ind;
	}
	if (c->nr_segments)
		r.nr_segments = c->nr_segments;
	if (c->seg1) {
		r.seg[1].first_sect = c->first;
		r.seg[1].last_sect = c->last;
	}
	if (c->seg0) {
		r.seg[0].first_sect = c->first0;
		r.seg[0].last_sect = c->last0;
	}
	if (c->gref0)
		r.seg[0].gref = c->gref0;
	if (c->igref0)
		r.indirect_grefs[0] = c->igref0;
	before = c->accepted ? all_rejects() : rejects(c->why);
	ck_assert_msg(fx_do(&F, &r) == c->status, "%s: not status %d",
		      c->name, c->status);
	if (c->accepted)
		ck_assert_msg(all_rejects() == before, "%s: refused", c->name);
	else
		ck_assert_msg(rejects(c->why) == before + 1,
			      "%s: not refused for %s", c->name,
			      xf_blkback_reject_name(c->why));
	/* The ring keeps working. */
	fx_rw(&ok, &F, XF_BLKIF_OP_READ, 999, 0, 8);
	ck_assert_int_eq(fx_do(&F, &ok), XF_BLKIF_RSP_OKAY);
}
END_TEST

/* Segments inside indirect pages are checked like direct ones. */
START_TEST(indirect_bad_segment)
{
	struct xf_blkif_req r;
	struct xf_blkif_request_segment *ind;
	void *ipage;

	start();
	fx_indirect(&r, &F, XF_BLKIF_OP_READ, 0, 12, false, &ipage);
	ind = ipage;
	ind[11].first_sect = 5;
	ind[11].last_sect = 2;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_ORDER, XF_BLKIF_RSP_ERROR);
	ind[11].first_sect = 0;
	ind[11].last_sect = 8;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_RANGE, XF_BLKIF_RSP_ERROR);
	ind[11].last_sect = 7;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
}
END_TEST

/* A frontend that moves req_prod more than a ring ahead gets its ring
 * halted with an error: no crash, no more processing. */
START_TEST(req_prod_overflow_halts)
{
	struct xf_blkback_stats st;
	struct xf_blkif_rsp rsp[4];
	struct xf_sring_hdr *h;

	start();
	h = F.q[0].ring;
	xf_shm_store_release(&h->req_prod, 1000);
	F.fe->evtchn->notify(F.q[0].evh, F.q[0].port);
	fx_run(&F);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.ring_overflows, 1);
	ck_assert_uint_eq(st.responses, 0);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 4), 0);
	ck_assert_str_ne(xf_blkback_last_error(F.bb), "");
	/* A reconnect gives a fresh ring. */
	fx_reconnect(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, 1, 0, 8),
			 XF_BLKIF_RSP_OKAY);
}
END_TEST

/* Garbage in every slot of a full ring: one answer each, no hang. */
START_TEST(ring_full_of_garbage)
{
	struct xf_blkif_rsp rsp[64];
	struct fx_queue *q;
	uint64_t rng = 12345;
	unsigned int got;

	start();
	q = &F.q[0];
	for (unsigned int i = 0; i < q->fr.nr_ents; i++) {
		uint8_t *slot = xf_front_ring_next_request(&q->fr);

		for (size_t b = 0; b < xf_blkif_slot_size(F.abi); b++) {
			rng = rng * 6364136223846793005ull +
			      1442695040888963407ull;
			slot[b] = (uint8_t)(rng >> 56);
		}
		/* keep the id recognisable */
		memcpy(slot + 8, &(uint64_t){ i }, 8);
	}
	if (xf_front_ring_push_requests(&q->fr))
		F.fe->evtchn->notify(q->evh, q->port);
	fx_run(&F);
	got = fx_responses(&F, 0, rsp, 64);
	ck_assert_uint_eq(got, q->fr.nr_ents);
	for (unsigned int i = 0; i < got; i++)
		ck_assert(rsp[i].status == XF_BLKIF_RSP_ERROR ||
			  rsp[i].status == XF_BLKIF_RSP_EOPNOTSUPP ||
			  rsp[i].status == XF_BLKIF_RSP_OKAY);
}
END_TEST

/* Seeded mutation: valid requests of every kind with random bytes
 * flipped in the slot, indirect pages full of mutated descriptors. Every
 * request gets exactly one answer, nothing is left in flight, and the
 * backend stays usable. */
static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 17;
}

START_TEST(mutated_requests)
{
	static const uint8_t ops[] = {
		XF_BLKIF_OP_READ, XF_BLKIF_OP_WRITE, XF_BLKIF_OP_WRITE_BARRIER,
		XF_BLKIF_OP_FLUSH_DISKCACHE, XF_BLKIF_OP_DISCARD,
		XF_BLKIF_OP_INDIRECT,
	};
	uint64_t x = (uint64_t)_i * 7919 + 1;
	enum xf_blkif_abi abi = _i % 2 ? XF_BLKIF_ABI_X86_32
				       : XF_BLKIF_ABI_X86_64;
	struct xf_blkif_rsp rsp[64];
	struct xf_blkback_stats st;
	struct fx_queue *q;
	void *ipage;
	xf_gref iref;
	unsigned int sent = 0, got = 0;

	fx_start(&F);
	fx_connect(&F, 1, 0, abi, _i % 3 == 0);
	fx_share_data(&F, 11);
	ck_assert_int_eq(F.fe->gnt->share(F.fe, FX_BACK, 1, true, &iref,
					  &ipage), 0);
	q = &F.q[0];
	for (unsigned int round = 0; round < 8; round++) {
		struct xf_blkif_request_segment *ind = ipage;
		unsigned int n = 1 + (unsigned int)(lcg(&x) % q->fr.nr_ents);

		for (unsigned int k = 0; k < 512; k++) {
			ind[k].gref = F.data_refs[lcg(&x) % 11];
			ind[k].first_sect = (uint8_t)(lcg(&x) % 8);
			ind[k].last_sect = 7;
			if (lcg(&x) % 50 == 0)
				ind[k].first_sect = (uint8_t)lcg(&x);
			if (lcg(&x) % 50 == 0)
				ind[k].gref = (xf_gref)lcg(&x);
		}
		for (unsigned int k = 0; k < n; k++) {
			struct xf_blkif_req r;
			uint8_t *slot;

			fx_rw(&r, &F, XF_BLKIF_OP_READ, sent, 0,
			      1 + (unsigned int)(lcg(&x) % 88));
			r.operation = ops[lcg(&x) % sizeof(ops)];
			r.sector_number = lcg(&x) % 2100;
			r.nr_sectors = lcg(&x) % 64;
			r.indirect_op = (uint8_t)(lcg(&x) % 3);
			r.nr_indirect_segments = (uint16_t)(lcg(&x) % 300);
			r.indirect_grefs[0] = iref;
			slot = xf_front_ring_next_request(&q->fr);
			xf_blkif_encode_req(abi, slot, &r);
			for (unsigned int b = 0; b < 3; b++)
				if (lcg(&x) % 4 == 0)
					slot[lcg(&x) %
					     xf_blkif_slot_size(abi)] =
						(uint8_t)lcg(&x);
			sent++;
		}
		if (xf_front_ring_push_requests(&q->fr))
			F.fe->evtchn->notify(q->evh, q->port);
		fx_run(&F);
		got += fx_responses(&F, 0, rsp, 64);
		got += fx_responses(&F, 0, rsp, 64);
		ck_assert_uint_eq(got, sent);
	}
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.responses, sent);
	ck_assert_uint_eq(st.inflight, 0);
	ck_assert_uint_eq(st.ring_overflows, 0);
	ck_assert_int_eq(xf_blkback_state(F.bb), XF_XENBUS_CONNECTED);
	xf_blkback_free(F.bb);
	F.bb = NULL;
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
}
END_TEST

XT_SUITE("blkback-validate")
{
	TCase *t = xt_tcase("validate");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, validation_rule, 0,
			    (int)(sizeof(vcases) / sizeof(vcases[0])));
	tcase_add_test(t, indirect_bad_segment);
	tcase_add_test(t, req_prod_overflow_halts);
	tcase_add_test(t, ring_full_of_garbage);
	tcase_add_loop_test(t, mutated_requests, 0, 24);
}
