/* SPDX-License-Identifier: MIT */
/*
 * Ping-pong over a real blkif shared ring between two actors, in both
 * drivers: a frontend actor produces requests, a backend actor answers
 * each one; a "notification" is xf_actor_kick() of the peer, sent only
 * when the push says the peer asked for it (req_event/rsp_event). Lost
 * wake-ups would hang the run (the idle runtime returns early and the
 * count is short), so this checks the ring's notify/final-check logic
 * and the runtime's kick delivery together.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/runtime.h>

#include "xt.h"

#define US 1000ull

struct pingpong;

struct pp_front {
	struct xf_actor a;
	struct pingpong *pp;
};

struct pp_back {
	struct xf_actor a;
	struct pingpong *pp;
};

struct pingpong {
	void *page;
	size_t slot_size;
	struct xf_front_ring fr;
	struct xf_back_ring br;
	struct pp_front front;
	struct pp_back back;
	unsigned int n, qd;
	uint64_t front_cost, back_cost;

	/* front-only */
	uint64_t sent, received, errors, front_notifies;
	/* back-only */
	uint64_t handled, back_errors, back_notifies;
};

static void front_run(struct xf_actor *a)
{
	struct pingpong *pp = ((struct pp_front *)a)->pp;
	uint8_t buf[XF_PAGE_SIZE];
	struct xf_blkif_rsp rsp;

	for (;;) {
		bool pushed = false;
		int avail = xf_front_ring_responses(&pp->fr, NULL);
		int more;

		if (avail < 0) {
			pp->errors++;
			return;
		}
		for (int i = 0; i < avail; i++) {
			xf_front_ring_take_response(&pp->fr, buf,
						    pp->slot_size);
			xf_blkif_decode_rsp(XF_BLKIF_ABI_X86_64, buf, &rsp);
			/* Responses come back in order with matching ids. */
			if (rsp.id != pp->received ||
			    rsp.operation != XF_BLKIF_OP_READ ||
			    rsp.status != XF_BLKIF_RSP_OKAY)
				pp->errors++;
			pp->received++;
			xf_rt_charge(a->rt, pp->front_cost);
		}
		while (pp->sent < pp->n && pp->sent - pp->received < pp->qd) {
			struct xf_blkif_req req;
			void *slot = xf_front_ring_next_request(&pp->fr);

			if (!slot)
				break;
			memset(&req, 0, sizeof(req));
			req.operation = XF_BLKIF_OP_READ;
			req.nr_segments = 1;
			req.id = pp->sent;
			req.sector_number = pp->sent * 8;
			req.seg[0].gref = (xf_gref)pp->sent;
			req.seg[0].first_sect = 0;
			req.seg[0].last_sect = 7;
			xf_blkif_encode_req(XF_BLKIF_ABI_X86_64, slot, &req);
			pp->sent++;
			pushed = true;
		}
		if (pushed && xf_front_ring_push_requests(&pp->fr)) {
			pp->front_notifies++;
			xf_actor_kick(&pp->back.a);
		}
		if (pp->received == pp->n)
			return;
		more = xf_front_ring_final_check(&pp->fr);
		if (more < 0) {
			pp->errors++;
			return;
		}
		if (more == 0)
			return;
	}
}

static void back_run(struct xf_actor *a)
{
	struct pingpong *pp = ((struct pp_back *)a)->pp;
	uint8_t buf[XF_PAGE_SIZE];
	struct xf_blkif_req req;

	for (;;) {
		bool pushed = false;
		int avail = xf_back_ring_requests(&pp->br, NULL);
		int more;

		if (avail < 0) {
			pp->back_errors++;
			return;
		}
		for (int i = 0; i < avail; i++) {
			struct xf_blkif_rsp rsp;
			void *slot;

			if (xf_back_ring_cons_overflow(&pp->br)) {
				pp->back_errors++;
				return;
			}
			xf_back_ring_take_request(&pp->br, buf, pp->slot_size);
			xf_blkif_decode_req(XF_BLKIF_ABI_X86_64, buf, &req);
			if (req.operation != XF_BLKIF_OP_READ ||
			    req.nr_segments != 1 ||
			    req.sector_number != req.id * 8 ||
			    req.seg[0].gref != (xf_gref)req.id)
				pp->back_errors++;
			xf_rt_charge(a->rt, pp->back_cost);
			slot = xf_back_ring_next_response(&pp->br);
			ck_assert_ptr_nonnull(slot);
			rsp.id = req.id;
			rsp.operation = req.operation;
			rsp.status = XF_BLKIF_RSP_OKAY;
			xf_blkif_encode_rsp(XF_BLKIF_ABI_X86_64, slot, &rsp);
			pp->handled++;
			pushed = true;
		}
		if (pushed && xf_back_ring_push_responses(&pp->br)) {
			pp->back_notifies++;
			xf_actor_kick(&pp->front.a);
		}
		more = xf_back_ring_final_check(&pp->br);
		if (more < 0) {
			pp->back_errors++;
			return;
		}
		if (more == 0)
			return;
	}
}

static const struct xf_actor_ops front_ops = { .run = front_run };
static const struct xf_actor_ops back_ops = { .run = back_run };

struct pp_case {
	enum xf_rt_mode mode;
	unsigned int nr_vcpus;
	unsigned int qd;
	unsigned int n;
	uint64_t spin_ns;
};

static const struct pp_case cases[] = {
	{ XF_RT_SIM, 2, 1, 2000, 0 },
	{ XF_RT_SIM, 2, 32, 20000, 0 },
	{ XF_RT_SIM, 1, 32, 20000, 0 },
	{ XF_RT_REAL, 2, 1, 5000, 0 },
	{ XF_RT_REAL, 2, 32, 100000, 0 },
	{ XF_RT_REAL, 2, 32, 100000, 20 * US },
	{ XF_RT_REAL, 1, 32, 50000, 0 },
};

static void pp_setup(struct pingpong *pp, struct xf_rt *rt,
		     const struct pp_case *c)
{
	memset(pp, 0, sizeof(*pp));
	pp->page = aligned_alloc(XF_PAGE_SIZE, XF_PAGE_SIZE);
	ck_assert_ptr_nonnull(pp->page);
	memset(pp->page, 0xa5, XF_PAGE_SIZE);
	pp->slot_size = xf_blkif_slot_size(XF_BLKIF_ABI_X86_64);
	pp->n = c->n;
	pp->qd = c->qd;
	xf_sring_init(pp->page, XF_PAGE_SIZE);
	ck_assert_int_eq(xf_front_ring_attach(&pp->fr, pp->page, XF_PAGE_SIZE,
					      pp->slot_size, 0), 0);
	ck_assert_int_eq(xf_back_ring_attach(&pp->br, pp->page, XF_PAGE_SIZE,
					     pp->slot_size, 0), 0);
	ck_assert_uint_eq(pp->fr.nr_ents, 32);
	pp->front.pp = pp;
	pp->back.pp = pp;
	ck_assert_int_eq(xf_actor_add(rt, &pp->front.a, &front_ops, "front",
				      0), 0);
	ck_assert_int_eq(xf_actor_add(rt, &pp->back.a, &back_ops, "back",
				      c->nr_vcpus - 1), 0);
}

static void pp_teardown(struct pingpong *pp)
{
	xf_actor_remove(&pp->front.a);
	xf_actor_remove(&pp->back.a);
	free(pp->page);
}

static void pp_check(const struct pingpong *pp)
{
	ck_assert_uint_eq(pp->errors, 0);
	ck_assert_uint_eq(pp->back_errors, 0);
	ck_assert_uint_eq(pp->sent, pp->n);
	ck_assert_uint_eq(pp->handled, pp->n);
	ck_assert_uint_eq(pp->received, pp->n);
	/* The first request must have been notified (the backend armed
	 * req_event = 1 at ring init), and event suppression may save
	 * notifications but never add one per request beyond the pushes. */
	ck_assert_uint_ge(pp->front_notifies, 1);
	ck_assert_uint_le(pp->front_notifies, pp->n);
	ck_assert_uint_ge(pp->back_notifies, 1);
	ck_assert_uint_le(pp->back_notifies, pp->n);
}

START_TEST(ring_pingpong)
{
	const struct pp_case *c = &cases[_i];
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;
	struct pingpong pp;
	struct xf_rt_vcpu_stats st;

	xf_rt_config_init(&cfg);
	cfg.mode = c->mode;
	cfg.nr_vcpus = c->nr_vcpus;
	cfg.spin_before_block_ns = c->spin_ns;
	cfg.seed = 11;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
	pp_setup(&pp, rt, c);
	if (c->mode == XF_RT_SIM) {
		pp.front_cost = 1 * US;
		pp.back_cost = 2 * US;
	}
	xf_actor_kick(&pp.front.a);
	/* No fd is watched: both drivers return once the exchange is over
	 * and nothing is runnable any more. */
	ck_assert_int_eq(xf_rt_run(rt, UINT64_MAX), 0);
	pp_check(&pp);

	if (c->mode == XF_RT_SIM) {
		uint64_t busy = 0;

		for (unsigned int v = 0; v < c->nr_vcpus; v++) {
			ck_assert_int_eq(xf_rt_vcpu_stats(rt, v, &st), 0);
			busy += st.busy_ns;
		}
		ck_assert_uint_eq(busy, (uint64_t)c->n * 3 * US);
		if (c->nr_vcpus == 2) {
			ck_assert_int_eq(xf_rt_vcpu_stats(rt, 1, &st), 0);
			ck_assert_uint_eq(st.busy_ns, (uint64_t)c->n * 2 * US);
			/* The backend's vCPU is the bottleneck: elapsed
			 * time is at least its busy time. */
			ck_assert_uint_ge(st.wall_ns, st.busy_ns);
		} else {
			/* One vCPU does everything, serially. */
			ck_assert_uint_eq(st.wall_ns, busy);
		}
	}
	pp_teardown(&pp);
	xf_rt_free(rt);
}
END_TEST

/* The same sim ping-pong twice: same seed, same trace, bit for bit. */
START_TEST(sim_pingpong_deterministic)
{
	uint64_t hash[2], len[2], now[2];

	for (int r = 0; r < 2; r++) {
		struct xf_rt_config cfg;
		struct xf_rt *rt = NULL;
		struct pingpong pp;

		xf_rt_config_init(&cfg);
		cfg.nr_vcpus = 2;
		cfg.seed = 5;
		ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
		pp_setup(&pp, rt, &cases[1]);
		pp.front_cost = 1 * US;
		pp.back_cost = 2 * US;
		xf_actor_kick(&pp.front.a);
		ck_assert_int_eq(xf_rt_run(rt, UINT64_MAX), 0);
		pp_check(&pp);
		hash[r] = xf_rt_trace_hash(rt);
		len[r] = xf_rt_trace_len(rt);
		now[r] = xf_rt_now_ns(rt);
		pp_teardown(&pp);
		xf_rt_free(rt);
	}
	ck_assert_uint_gt(len[0], 0);
	ck_assert_uint_eq(hash[0], hash[1]);
	ck_assert_uint_eq(len[0], len[1]);
	ck_assert_uint_eq(now[0], now[1]);
}
END_TEST

XT_SUITE("runtime-pingpong")
{
	TCase *tc = xt_tcase("pingpong");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, ring_pingpong, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, sim_pingpong_deterministic);
}
