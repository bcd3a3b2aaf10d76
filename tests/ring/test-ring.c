// SPDX-License-Identifier: MIT
/* Generic ring: index arithmetic, notification hold-off, final checks,
 * overflow detection and copy-once reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/ring.h>

#include "xt.h"

#define SLOT 16u

static _Alignas(4096) uint8_t page[4 * XF_PAGE_SIZE];

struct pair {
	struct xf_front_ring f;
	struct xf_back_ring b;
	struct xf_sring_hdr *s;
};

/* Both ends attached at idx with the shared indices set as a ring that
 * has carried idx messages each way would have them. */
static void setup_pair(struct pair *p, size_t bytes, size_t slot,
		       xf_ring_idx idx)
{
	memset(page, 0xa5, sizeof(page));
	p->s = (struct xf_sring_hdr *)page;
	xf_sring_init(page, bytes);
	p->s->req_prod = idx;
	p->s->rsp_prod = idx;
	p->s->req_event = idx + 1;
	p->s->rsp_event = idx + 1;
	ck_assert_int_eq(xf_front_ring_attach(&p->f, page, bytes, slot, idx), 0);
	ck_assert_int_eq(xf_back_ring_attach(&p->b, page, bytes, slot, idx), 0);
}

/* The frontend queues n requests (contents left alone) and pushes them;
 * whether the push asks to notify the backend. */
static bool post_requests(struct pair *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		xf_front_ring_next_request(&p->f);
	return xf_front_ring_push_requests(&p->f);
}

/* With n requests pending, the backend's final check reports them and
 * leaves req_event alone (it does not re-arm). */
static void expect_back_final_check_pending(struct pair *p, int n)
{
	p->s->req_event = 77;
	ck_assert_int_eq(xf_back_ring_final_check(&p->b), n);
	ck_assert_uint_eq(p->s->req_event, 77);
}

static void put_u64(void *slot, uint64_t v)
{
	memcpy(slot, &v, sizeof(v));
}

static uint64_t get_u64(const void *buf)
{
	uint64_t v;

	memcpy(&v, buf, sizeof(v));
	return v;
}

START_TEST(nr_ents_rounds_down_to_power_of_two)
{
	/* Ring bytes, slot size and the entries that fit. */
	static const struct {
		size_t bytes, slot;
		unsigned int want;
	} c[] = {
		{ 4096, 112, 32 }, { 4096, 108, 32 }, { 4096, 12, 256 },
		{ 4096, 8, 256 }, { 8192, 112, 64 }, { 65536, 112, 512 },
		{ 4096, 4032, 1 }, { 4096, 2016, 2 }, { 4096, 2017, 1 },
		{ 4096, 4033, 0 }, { 64, 8, 0 }, { 10, 8, 0 }, { 4096, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(xf_ring_nr_ents(c[i].bytes, c[i].slot) ==
			      c[i].want, "xf_ring_nr_ents(%zu, %zu) != %u",
			      c[i].bytes, c[i].slot, c[i].want);
}
END_TEST

START_TEST(init_sets_indices_and_clears_only_header)
{
	struct xf_sring_hdr *s = (struct xf_sring_hdr *)page;
	unsigned int i;

	memset(page, 0xa5, sizeof(page));
	xf_sring_init(page, XF_PAGE_SIZE);
	ck_assert_uint_eq(s->req_prod, 0);
	ck_assert_uint_eq(s->rsp_prod, 0);
	ck_assert_uint_eq(s->req_event, 1);
	ck_assert_uint_eq(s->rsp_event, 1);
	for (i = 16; i < XF_SRING_HDR_SIZE; i++)
		ck_assert_uint_eq(page[i], 0);
	/* SHARED_RING_INIT does not touch the slots. */
	for (i = XF_SRING_HDR_SIZE; i < XF_PAGE_SIZE; i++)
		ck_assert_uint_eq(page[i], 0xa5);
}
END_TEST

START_TEST(attach_validates_and_sets_private_indices)
{
	struct xf_front_ring f;
	struct xf_back_ring b;

	ck_assert_int_eq(xf_front_ring_attach(&f, page, 64, 8, 0), -EINVAL);
	ck_assert_int_eq(xf_back_ring_attach(&b, page, 4096, 5000, 0), -EINVAL);
	ck_assert_int_eq(xf_front_ring_attach(&f, NULL, 4096, 8, 0), -EINVAL);
	ck_assert_int_eq(xf_front_ring_attach(&f, page, 4096, 112, 77), 0);
	ck_assert_uint_eq(f.req_prod_pvt, 77);
	ck_assert_uint_eq(f.rsp_cons, 77);
	ck_assert_uint_eq(f.nr_ents, 32);
	ck_assert_int_eq(xf_back_ring_attach(&b, page, 8192, 112, 0xfffffff0u), 0);
	ck_assert_uint_eq(b.rsp_prod_pvt, 0xfffffff0u);
	ck_assert_uint_eq(b.req_cons, 0xfffffff0u);
	ck_assert_uint_eq(b.nr_ents, 64);
}
END_TEST

START_TEST(slot_addresses_mask_the_index)
{
	struct xf_sring_hdr *s = (struct xf_sring_hdr *)page;

	ck_assert_ptr_eq(xf_ring_slot(s, 32, 112, 0), page + 64);
	ck_assert_ptr_eq(xf_ring_slot(s, 32, 112, 31), page + 64 + 31 * 112);
	ck_assert_ptr_eq(xf_ring_slot(s, 32, 112, 32), page + 64);
	ck_assert_ptr_eq(xf_ring_slot(s, 32, 112, 0xffffffffu),
			 page + 64 + 31 * 112);
}
END_TEST

START_TEST(free_requests_and_full)
{
	struct pair p;
	unsigned int i;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0);
	ck_assert_uint_eq(p.f.nr_ents, 128); /* (4096-64)/16 = 252 -> 128 */
	for (i = 0; i < 128; i++) {
		ck_assert_uint_eq(xf_front_ring_free_requests(&p.f), 128 - i);
		ck_assert(!xf_front_ring_full(&p.f));
		ck_assert_ptr_eq(xf_front_ring_next_request(&p.f),
				 page + 64 + i * SLOT);
	}
	ck_assert(xf_front_ring_full(&p.f));
	ck_assert_ptr_null(xf_front_ring_next_request(&p.f));
	ck_assert_uint_eq(p.f.req_prod_pvt, 128);
	/* Nothing is visible until the push. */
	ck_assert_uint_eq(p.s->req_prod, 0);
	ck_assert(xf_front_ring_push_requests(&p.f));
	ck_assert_uint_eq(p.s->req_prod, 128);
}
END_TEST

/* Run batches of requests and responses through the ring from start,
 * checking every message arrives once and in order. */
static void run_traffic(xf_ring_idx start, size_t bytes)
{
	static const unsigned int batches[] = { 1, 3, 7, 31, 2, 64, 5, 127 };
	struct pair p;
	uint64_t next_id = 1, expect_req = 1, expect_rsp = 1;
	unsigned int round;

	setup_pair(&p, bytes, SLOT, start);
	for (round = 0; round < 200; round++) {
		unsigned int want = batches[round % 8], i;
		uint8_t buf[SLOT];
		xf_ring_idx prod;
		int n;

		for (i = 0; i < want && !xf_front_ring_full(&p.f); i++)
			put_u64(xf_front_ring_next_request(&p.f), next_id++);
		xf_front_ring_push_requests(&p.f);

		n = xf_back_ring_requests(&p.b, &prod);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_eq(prod, p.f.req_prod_pvt);
		ck_assert_int_eq(n, (int)(p.f.req_prod_pvt - p.b.req_cons));
		/* Respond to an odd-sized subset; the rest wait. */
		for (i = 0; i < (unsigned int)n && i < want + 2; i++) {
			void *slot;

			ck_assert(!xf_back_ring_cons_overflow(&p.b));
			xf_back_ring_take_request(&p.b, buf, sizeof(buf));
			ck_assert_uint_eq(get_u64(buf), expect_req++);
			slot = xf_back_ring_next_response(&p.b);
			ck_assert_ptr_nonnull(slot);
			put_u64(slot, get_u64(buf) | (1ull << 63));
		}
		xf_back_ring_push_responses(&p.b);

		n = xf_front_ring_responses(&p.f, &prod);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_eq(prod, p.b.rsp_prod_pvt);
		while (n-- > 0) {
			xf_front_ring_take_response(&p.f, buf, sizeof(buf));
			ck_assert_uint_eq(get_u64(buf), expect_rsp++ | (1ull << 63));
		}
		ck_assert_uint_le(p.f.req_prod_pvt - p.f.rsp_cons, p.f.nr_ents);
	}
	ck_assert_uint_gt(expect_rsp, 1000);
	/* The indices really wrapped when started near 2^32. */
	if (start > 0xffff0000u)
		ck_assert_uint_lt(p.f.rsp_cons, start);
}

START_TEST(traffic_from_zero)
{
	run_traffic(0, XF_PAGE_SIZE);
}
END_TEST

START_TEST(traffic_wraps_index_near_2_32)
{
	run_traffic(0xffffff00u, XF_PAGE_SIZE);
	run_traffic(0xfffffffdu, XF_PAGE_SIZE);
	run_traffic(0xffffffffu, 2 * XF_PAGE_SIZE);
}
END_TEST

/* Producer at old, pushing to new, with the peer's event at ev. */
static bool front_notify(xf_ring_idx old, xf_ring_idx new_prod, xf_ring_idx ev)
{
	struct pair p;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, old);
	p.s->req_event = ev;
	p.f.req_prod_pvt = new_prod;
	return xf_front_ring_push_requests(&p.f);
}

static bool back_notify(xf_ring_idx old, xf_ring_idx new_prod, xf_ring_idx ev)
{
	struct pair p;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, old);
	p.s->rsp_event = ev;
	p.b.req_cons = new_prod;
	p.b.rsp_prod_pvt = new_prod;
	return xf_back_ring_push_responses(&p.b);
}

START_TEST(notify_iff_event_in_pushed_range)
{
	/* Notify exactly when old < ev <= new (mod 2^32). */
	ck_assert(!front_notify(5, 10, 5));
	ck_assert(front_notify(5, 10, 6));
	ck_assert(front_notify(5, 10, 10));
	ck_assert(!front_notify(5, 10, 11));
	ck_assert(!front_notify(5, 10, 4));
	ck_assert(!front_notify(5, 5, 5));   /* empty push */
	ck_assert(!front_notify(5, 5, 6));
	ck_assert(front_notify(0xfffffffeu, 3, 0xffffffffu));
	ck_assert(front_notify(0xfffffffeu, 3, 0));
	ck_assert(front_notify(0xfffffffeu, 3, 3));
	ck_assert(!front_notify(0xfffffffeu, 3, 4));
	ck_assert(!front_notify(0xfffffffeu, 3, 0xfffffffeu));
	ck_assert(!back_notify(5, 10, 5));
	ck_assert(back_notify(5, 10, 6));
	ck_assert(back_notify(5, 10, 10));
	ck_assert(!back_notify(5, 10, 11));
	ck_assert(back_notify(0xffffffffu, 1, 0));
	ck_assert(!back_notify(0xffffffffu, 1, 2));
}
END_TEST

START_TEST(push_publishes_producer_index)
{
	struct pair p;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 100);
	/* Peer's event at 101: first of the two new requests wakes it. */
	ck_assert(post_requests(&p, 2));
	ck_assert_uint_eq(p.s->req_prod, 102);
	/* Nothing new: no notification even though the event is stale. */
	ck_assert(!xf_front_ring_push_requests(&p.f));
}
END_TEST

START_TEST(front_final_check_arms_event)
{
	struct pair p;
	uint8_t buf[SLOT];

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 40);
	p.s->rsp_event = 7; /* stale */
	ck_assert_int_eq(xf_front_ring_final_check(&p.f), 0);
	ck_assert_uint_eq(p.s->rsp_event, 41);

	/* One request; the backend answers it: the armed event fires. */
	post_requests(&p, 1);
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), 1);
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	ck_assert_ptr_nonnull(xf_back_ring_next_response(&p.b));
	ck_assert(xf_back_ring_push_responses(&p.b));

	/* Work pending: the final check reports it without re-arming. */
	p.s->rsp_event = 1000;
	ck_assert_int_eq(xf_front_ring_final_check(&p.f), 1);
	ck_assert_uint_eq(p.s->rsp_event, 1000);
	xf_front_ring_take_response(&p.f, buf, sizeof(buf));
	ck_assert_int_eq(xf_front_ring_final_check(&p.f), 0);
	ck_assert_uint_eq(p.s->rsp_event, 42);
}
END_TEST

START_TEST(back_final_check_arms_event)
{
	struct pair p;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0xfffffffeu);
	ck_assert_int_eq(xf_back_ring_final_check(&p.b), 0);
	ck_assert_uint_eq(p.s->req_event, 0xffffffffu);

	ck_assert(post_requests(&p, 3));
	expect_back_final_check_pending(&p, 3);
}
END_TEST

START_TEST(back_wait_requests_arms_at_req_prod)
{
	struct pair p;
	uint8_t buf[SLOT];

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0xfffffffdu);
	/* Two posted, three needed: req_event goes past the posted ones
	 * (req_prod + 1, not req_cons + 1), so the next push notifies. */
	post_requests(&p, 2);
	p.s->req_event = 5;
	ck_assert_int_eq(xf_back_ring_wait_requests(&p.b, 3), 0);
	/* req_prod is 0xffffffff: req_event wraps to 0. */
	ck_assert_uint_eq(p.s->req_event, 0);
	ck_assert_uint_eq(p.b.req_cons, 0xfffffffdu);
	ck_assert(post_requests(&p, 1));
	/* Enough now: the count, req_event left alone. */
	p.s->req_event = 77;
	ck_assert_int_eq(xf_back_ring_wait_requests(&p.b, 3), 3);
	ck_assert_int_eq(xf_back_ring_wait_requests(&p.b, 1), 3);
	ck_assert_uint_eq(p.s->req_event, 77);
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	ck_assert_int_eq(xf_back_ring_wait_requests(&p.b, 3), 0);
	ck_assert_uint_eq(p.s->req_event, 0xfffffffdu + 4u);
	/* The final check would not have armed it: requests are there. */
	expect_back_final_check_pending(&p, 2);
}
END_TEST

START_TEST(response_prod_overflow_is_eio)
{
	struct pair p;
	xf_ring_idx prod = 0;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0xfffffff0u);
	/* Exactly a ring's worth is possible (RING_RESPONSE_PROD_OVERFLOW
	 * uses >), one more is not. */
	p.s->rsp_prod = 0xfffffff0u + p.f.nr_ents;
	ck_assert_int_eq(xf_front_ring_responses(&p.f, &prod),
			 (int)p.f.nr_ents);
	ck_assert_uint_eq(prod, 0xfffffff0u + p.f.nr_ents);
	p.s->rsp_prod = 0xfffffff0u + p.f.nr_ents + 1;
	ck_assert_int_eq(xf_front_ring_responses(&p.f, &prod), -EIO);
	ck_assert_uint_eq(prod, 0xfffffff0u + p.f.nr_ents + 1);
	ck_assert_int_eq(xf_front_ring_final_check(&p.f), -EIO);
	/* Moved backwards. */
	p.s->rsp_prod = 0xffffffefu;
	ck_assert_int_eq(xf_front_ring_responses(&p.f, NULL), -EIO);
	p.s->rsp_prod = 0x80000000u;
	ck_assert_int_eq(xf_front_ring_responses(&p.f, NULL), -EIO);
}
END_TEST

START_TEST(request_prod_overflow_is_eio)
{
	struct pair p;
	uint8_t buf[SLOT];

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0xffffff00u);
	p.s->req_prod = 0xffffff00u + p.b.nr_ents;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), (int)p.b.nr_ents);
	p.s->req_prod = 0xffffff00u + p.b.nr_ents + 1;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), -EIO);
	ck_assert_int_eq(xf_back_ring_final_check(&p.b), -EIO);
	ck_assert_int_eq(xf_back_ring_wait_requests(&p.b, 1), -EIO);

	/* Consume 4 without answering: still bounded by rsp_prod_pvt. */
	p.s->req_prod = 0xffffff00u + 10;
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), 6);
	p.s->req_prod = 0xffffff00u + p.b.nr_ents;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL),
			 (int)p.b.nr_ents - 4);
	p.s->req_prod = 0xffffff00u + p.b.nr_ents + 1;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), -EIO);
	/* req_prod moved back behind req_cons. */
	p.s->req_prod = 0xffffff00u + 2;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), -EIO);
	p.s->req_prod = 0xffffff00u + 4;
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), 0);
}
END_TEST

START_TEST(cons_overflow_and_response_guard)
{
	struct pair p;
	uint8_t buf[SLOT];
	unsigned int i;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0xffffffc0u);
	/* No request consumed: no response slot to hand out. */
	ck_assert_ptr_null(xf_back_ring_next_response(&p.b));
	p.s->req_prod = p.b.req_cons + p.b.nr_ents;
	for (i = 0; i < p.b.nr_ents; i++) {
		ck_assert(!xf_back_ring_cons_overflow(&p.b));
		xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	}
	ck_assert(xf_back_ring_cons_overflow(&p.b));
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), 0);
	ck_assert_ptr_nonnull(xf_back_ring_next_response(&p.b));
	ck_assert(!xf_back_ring_cons_overflow(&p.b));
	for (i = 1; i < p.b.nr_ents; i++)
		ck_assert_ptr_nonnull(xf_back_ring_next_response(&p.b));
	ck_assert_ptr_null(xf_back_ring_next_response(&p.b));
}
END_TEST

START_TEST(take_copies_slot_and_zero_fills_tail)
{
	struct pair p;
	uint8_t buf[SLOT + 8];
	void *slot;
	unsigned int i;

	setup_pair(&p, XF_PAGE_SIZE, SLOT, 0);
	slot = xf_front_ring_next_request(&p.f);
	for (i = 0; i < SLOT; i++)
		((uint8_t *)slot)[i] = (uint8_t)(i + 1);
	xf_front_ring_push_requests(&p.f);
	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(xf_back_ring_requests(&p.b, NULL), 1);
	xf_back_ring_take_request(&p.b, buf, sizeof(buf));
	for (i = 0; i < SLOT; i++)
		ck_assert_uint_eq(buf[i], i + 1);
	for (; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_uint_eq(p.b.req_cons, 1);
}
END_TEST

START_TEST(copy_in_any_alignment)
{
	static const uint8_t zero[96];
	uint8_t src[96], dst[96], want[96];
	unsigned int so, d, len, i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 37 + 11);
	for (so = 0; so < 8; so++)
		for (d = 0; d < 8; d++)
			for (len = 0; len <= 80; len += 1) {
				memset(dst, 0, sizeof(dst));
				xf_shm_copy_in(dst + d, src + so, len);
				/* Exactly len bytes land at dst + d. */
				memcpy(want, zero, sizeof(want));
				memcpy(want + d, src + so, len);
				ck_assert(memcmp(dst, want, sizeof(dst)) == 0);
			}
}
END_TEST

XT_SUITE("ring-ring")
{
	TCase *tc = xt_tcase("core");

	tcase_add_test(tc, nr_ents_rounds_down_to_power_of_two);
	tcase_add_test(tc, init_sets_indices_and_clears_only_header);
	tcase_add_test(tc, attach_validates_and_sets_private_indices);
	tcase_add_test(tc, slot_addresses_mask_the_index);
	tcase_add_test(tc, free_requests_and_full);
	tcase_add_test(tc, traffic_from_zero);
	tcase_add_test(tc, traffic_wraps_index_near_2_32);
	tcase_add_test(tc, notify_iff_event_in_pushed_range);
	tcase_add_test(tc, push_publishes_producer_index);
	tcase_add_test(tc, front_final_check_arms_event);
	tcase_add_test(tc, back_final_check_arms_event);
	tcase_add_test(tc, back_wait_requests_arms_at_req_prod);
	tcase_add_test(tc, response_prod_overflow_is_eio);
	tcase_add_test(tc, request_prod_overflow_is_eio);
	tcase_add_test(tc, cons_overflow_and_response_guard);
	tcase_add_test(tc, take_copies_slot_and_zero_fills_tail);
	tcase_add_test(tc, copy_in_any_alignment);
}
