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
	fx_start(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	fx_share_data(&F, 2);
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

START_TEST(unknown_ops)
{
	struct xf_blkif_req r;
	static const uint8_t ops[] = { XF_BLKIF_OP_RESERVED_1, 7, 42, 255 };

	start();
	for (unsigned int i = 0; i < sizeof(ops); i++) {
		fx_rw(&r, &F, XF_BLKIF_OP_READ, i, 0, 8);
		r.operation = ops[i];
		expect_reject(&r, XF_BLKBACK_REJ_UNKNOWN_OP,
			      XF_BLKIF_RSP_ERROR);
	}
}
END_TEST

START_TEST(readonly_refuses_writes_flush_discard)
{
	struct xf_blkif_req r;

	F.vbd.readonly = true;
	start();
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	expect_reject(&r, XF_BLKBACK_REJ_READONLY, XF_BLKIF_RSP_ERROR);
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_FLUSH_DISKCACHE;
	expect_reject(&r, XF_BLKBACK_REJ_READONLY, XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_WRITE_BARRIER;
	expect_reject(&r, XF_BLKBACK_REJ_READONLY, XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_DISCARD;
	r.nr_sectors = 8;
	expect_reject(&r, XF_BLKBACK_REJ_READONLY, XF_BLKIF_RSP_ERROR);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_WRITE;
	r.nr_indirect_segments = 12;
	expect_reject(&r, XF_BLKBACK_REJ_READONLY, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(zero_segments_only_for_flush)
{
	struct xf_blkif_req r;

	start();
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_READ;
	expect_reject(&r, XF_BLKBACK_REJ_NO_SEGMENTS, XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_WRITE;
	expect_reject(&r, XF_BLKBACK_REJ_NO_SEGMENTS, XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_FLUSH_DISKCACHE;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_READ;
	r.nr_indirect_segments = 0;
	expect_reject(&r, XF_BLKBACK_REJ_NO_SEGMENTS, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(too_many_segments)
{
	struct xf_blkif_req r;

	start();
	fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, 0, 8);
	r.nr_segments = 12;
	expect_reject(&r, XF_BLKBACK_REJ_TOO_MANY_SEGMENTS,
		      XF_BLKIF_RSP_ERROR);
	r.nr_segments = 255;
	expect_reject(&r, XF_BLKBACK_REJ_TOO_MANY_SEGMENTS,
		      XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_READ;
	r.nr_indirect_segments = 257;
	expect_reject(&r, XF_BLKBACK_REJ_TOO_MANY_SEGMENTS,
		      XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(indirect_rules)
{
	struct xf_blkif_req r;

	start();
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_FLUSH_DISKCACHE;
	r.nr_indirect_segments = 12;
	expect_reject(&r, XF_BLKBACK_REJ_BAD_INDIRECT, XF_BLKIF_RSP_ERROR);
	r.indirect_op = XF_BLKIF_OP_INDIRECT;
	expect_reject(&r, XF_BLKBACK_REJ_BAD_INDIRECT, XF_BLKIF_RSP_ERROR);
	/* An indirect page the frontend never granted. */
	r.indirect_op = XF_BLKIF_OP_READ;
	r.indirect_grefs[0] = 0xdead;
	expect_reject(&r, XF_BLKBACK_REJ_GRANT, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(indirect_not_offered)
{
	struct xf_blkif_req r;

	ck_assert_int_eq(xf_blkback_features_preset("no-indirect",
						    &F.cfg.features), 0);
	start();
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_READ;
	r.nr_indirect_segments = 12;
	expect_reject(&r, XF_BLKBACK_REJ_BAD_INDIRECT, XF_BLKIF_RSP_ERROR);
}
END_TEST

/* Segments inside indirect pages are checked like direct ones. */
START_TEST(indirect_bad_segment)
{
	struct xf_blkif_req r;
	struct xf_blkif_request_segment *ind;
	void *ipage;
	xf_gref iref;

	start();
	ck_assert_int_eq(F.fe->gnt->share(F.fe, FX_BACK, 1, false, &iref,
					  &ipage), 0);
	ind = ipage;
	for (unsigned int i = 0; i < 12; i++)
		ind[i] = (struct xf_blkif_request_segment){
			.gref = F.data_refs[i % 2], .last_sect = 7 };
	ind[11].first_sect = 5;
	ind[11].last_sect = 2;
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_INDIRECT;
	r.indirect_op = XF_BLKIF_OP_READ;
	r.nr_indirect_segments = 12;
	r.indirect_grefs[0] = iref;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_ORDER, XF_BLKIF_RSP_ERROR);
	ind[11].first_sect = 0;
	ind[11].last_sect = 8;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_RANGE, XF_BLKIF_RSP_ERROR);
	ind[11].last_sect = 7;
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
}
END_TEST

START_TEST(segment_sector_rules)
{
	struct xf_blkif_req r;

	start();
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 16);
	r.seg[1].first_sect = 4;
	r.seg[1].last_sect = 3;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_ORDER, XF_BLKIF_RSP_ERROR);
	r.seg[1].first_sect = 0;
	r.seg[1].last_sect = 8;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_RANGE, XF_BLKIF_RSP_ERROR);
	r.seg[1].first_sect = 200;
	r.seg[1].last_sect = 255;
	expect_reject(&r, XF_BLKBACK_REJ_SECT_RANGE, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(misaligned_on_4k_disk)
{
	struct xf_blkif_req r;

	F.dcfg.sector_size = 4096;
	start();
	fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, 1, 8);
	expect_reject(&r, XF_BLKBACK_REJ_MISALIGNED, XF_BLKIF_RSP_ERROR);
	fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, 0, 4);
	expect_reject(&r, XF_BLKBACK_REJ_MISALIGNED, XF_BLKIF_RSP_ERROR);
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_DISCARD;
	r.sector_number = 8;
	r.nr_sectors = 3;
	expect_reject(&r, XF_BLKBACK_REJ_MISALIGNED, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(past_end)
{
	struct xf_blkif_req r;
	uint64_t end = (1u << 20) >> 9;

	start();
	fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, end - 8, 8);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, end - 4, 8);
	expect_reject(&r, XF_BLKBACK_REJ_PAST_END, XF_BLKIF_RSP_ERROR);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, UINT64_MAX - 2, 8);
	expect_reject(&r, XF_BLKBACK_REJ_PAST_END, XF_BLKIF_RSP_ERROR);
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_DISCARD;
	r.sector_number = end - 8;
	r.nr_sectors = 16;
	expect_reject(&r, XF_BLKBACK_REJ_PAST_END, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(discard_overflow)
{
	struct xf_blkif_req r;

	start();
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_DISCARD;
	r.sector_number = UINT64_MAX - 7;
	r.nr_sectors = 16;
	expect_reject(&r, XF_BLKBACK_REJ_DISCARD_OVERFLOW, XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(features_not_offered_are_eopnotsupp)
{
	struct xf_blkif_req r;

	ck_assert_int_eq(xf_blkback_features_preset("minimal",
						    &F.cfg.features), 0);
	start();
	memset(&r, 0, sizeof(r));
	r.operation = XF_BLKIF_OP_FLUSH_DISKCACHE;
	expect_reject(&r, XF_BLKBACK_REJ_UNSUPPORTED, XF_BLKIF_RSP_EOPNOTSUPP);
	r.operation = XF_BLKIF_OP_WRITE_BARRIER;
	expect_reject(&r, XF_BLKBACK_REJ_UNSUPPORTED, XF_BLKIF_RSP_EOPNOTSUPP);
	r.operation = XF_BLKIF_OP_DISCARD;
	r.nr_sectors = 8;
	expect_reject(&r, XF_BLKBACK_REJ_UNSUPPORTED, XF_BLKIF_RSP_EOPNOTSUPP);
}
END_TEST

START_TEST(unknown_grant_is_error)
{
	struct xf_blkif_req r;

	start();
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 8);
	r.seg[0].gref = 0xbeef;
	expect_reject(&r, XF_BLKBACK_REJ_GRANT, XF_BLKIF_RSP_ERROR);
	r.operation = XF_BLKIF_OP_READ;
	expect_reject(&r, XF_BLKBACK_REJ_GRANT, XF_BLKIF_RSP_ERROR);
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
	fx_set_fstate(&F, XF_XENBUS_CLOSED);
	fx_run(&F);
	fx_release_rings(&F);
	fx_set_fstate(&F, XF_XENBUS_INITIALISING);
	fx_run(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	{
		struct xf_blkif_req r;

		fx_rw(&r, &F, XF_BLKIF_OP_READ, 1, 0, 8);
		ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	}
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
	tcase_add_test(t, unknown_ops);
	tcase_add_test(t, readonly_refuses_writes_flush_discard);
	tcase_add_test(t, zero_segments_only_for_flush);
	tcase_add_test(t, too_many_segments);
	tcase_add_test(t, indirect_rules);
	tcase_add_test(t, indirect_not_offered);
	tcase_add_test(t, indirect_bad_segment);
	tcase_add_test(t, segment_sector_rules);
	tcase_add_test(t, misaligned_on_4k_disk);
	tcase_add_test(t, past_end);
	tcase_add_test(t, discard_overflow);
	tcase_add_test(t, features_not_offered_are_eopnotsupp);
	tcase_add_test(t, unknown_grant_is_error);
	tcase_add_test(t, req_prod_overflow_halts);
	tcase_add_test(t, ring_full_of_garbage);
	tcase_add_loop_test(t, mutated_requests, 0, 24);
}
