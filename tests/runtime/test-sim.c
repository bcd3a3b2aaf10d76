/* SPDX-License-Identifier: MIT */
/* Sim driver: determinism, tie-breaks, cost model, timers, run limits. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/runtime.h>

#include "actors.h"
#include "xt.h"

#define US 1000ull
#define MS 1000000ull

static struct xf_rt *new_sim(uint64_t seed, unsigned int nr_vcpus)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;

	xf_rt_config_init(&cfg);
	cfg.seed = seed;
	cfg.nr_vcpus = nr_vcpus;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
	ck_assert_ptr_nonnull(rt);
	return rt;
}

/* ------------------------------------------------------------------ */
/* A random workload: each run draws from xf_rt_rand to charge, kick
 * peers and arm timers, and folds what it saw into a state hash. */

#define W_ACTORS 7
#define W_RUNS 4000

struct w_actor {
	struct xf_actor a;
	struct w_world *w;
	unsigned int id;
	uint64_t runs;
};

struct w_world {
	struct w_actor act[W_ACTORS];
	uint64_t total;
	uint64_t state;
};

static void w_run(struct xf_actor *a)
{
	struct w_actor *me = (struct w_actor *)a;
	struct w_world *w = me->w;
	struct xf_rt *rt = a->rt;
	uint64_t r = xf_rt_rand(rt);

	me->runs++;
	w->total++;
	w->state = (w->state ^ (xf_rt_now_ns(rt) + me->id)) *
		   0x100000001b3ull;
	if (w->total >= W_RUNS)
		return;
	/* Coarse 10 us grid: many events land on equal times, so the
	 * tie-break order matters. */
	xf_rt_charge(rt, (r & 3) * 10 * US);
	xf_actor_kick(&w->act[(r >> 8) % W_ACTORS].a);
	if ((r >> 16) & 1)
		xf_actor_kick(&w->act[(r >> 20) % W_ACTORS].a);
	if ((r >> 24) % 3 == 0)
		xf_actor_set_timer(a, xf_rt_now_ns(rt) +
				   ((r >> 32) % 5) * 10 * US);
}

static const struct xf_actor_ops w_ops = { .run = w_run };
static const char *const w_names[W_ACTORS] = {
	"a0", "a1", "a2", "a3", "a4", "a5", "a6",
};

struct w_result {
	uint64_t hash, len, state, total, now;
	uint64_t runs[W_ACTORS];
	struct xf_rt_vcpu_stats st[3];
};

static void run_workload(uint64_t seed, struct w_result *res)
{
	struct xf_rt *rt = new_sim(seed, 3);
	struct w_world *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(w);
	for (unsigned int i = 0; i < W_ACTORS; i++) {
		w->act[i].w = w;
		w->act[i].id = i;
		ck_assert_int_eq(xf_actor_add(rt, &w->act[i].a, &w_ops,
					      w_names[i], i % 3), 0);
	}
	for (unsigned int i = 0; i < W_ACTORS; i++)
		xf_actor_kick(&w->act[i].a);
	run_idle(rt);

	memset(res, 0, sizeof(*res));
	res->hash = xf_rt_trace_hash(rt);
	res->len = xf_rt_trace_len(rt);
	res->state = w->state;
	res->total = w->total;
	res->now = xf_rt_now_ns(rt);
	for (unsigned int i = 0; i < W_ACTORS; i++)
		res->runs[i] = w->act[i].runs;
	for (unsigned int v = 0; v < 3; v++)
		ck_assert_int_eq(xf_rt_vcpu_stats(rt, v, &res->st[v]), 0);
	for (unsigned int i = 0; i < W_ACTORS; i++)
		xf_actor_remove(&w->act[i].a);
	xf_rt_free(rt);
	free(w);
}

START_TEST(same_seed_same_trace)
{
	struct w_result r1, r2;

	run_workload(42, &r1);
	run_workload(42, &r2);
	ck_assert_uint_ge(r1.total, W_RUNS);
	ck_assert_uint_eq(r1.len, r1.total);
	ck_assert_uint_eq(r1.hash, r2.hash);
	ck_assert_uint_eq(r1.len, r2.len);
	ck_assert_uint_eq(r1.state, r2.state);
	ck_assert_uint_eq(r1.now, r2.now);
	ck_assert_mem_eq(r1.runs, r2.runs, sizeof(r1.runs));
	ck_assert_mem_eq(r1.st, r2.st, sizeof(r1.st));
}
END_TEST

START_TEST(different_seed_different_trace)
{
	struct w_result r1, r2;

	run_workload(42, &r1);
	run_workload(43, &r2);
	ck_assert_uint_ne(r1.hash, r2.hash);
	ck_assert_uint_ne(r1.state, r2.state);
}
END_TEST

/* Pure tie-break: no actor draws random numbers, all are kicked at the
 * same instant; only the seed decides the order. */
#define TB_N 8
struct tb_actor {
	struct xf_actor a;
	unsigned int id;
	unsigned int *order;
	unsigned int *pos;
};

static void tb_run(struct xf_actor *a)
{
	struct tb_actor *t = (struct tb_actor *)a;

	t->order[(*t->pos)++] = t->id;
}

static const struct xf_actor_ops tb_ops = { .run = tb_run };

static void tie_order(uint64_t seed, unsigned int *order, uint64_t *hash)
{
	struct xf_rt *rt = new_sim(seed, TB_N);
	struct tb_actor act[TB_N];
	unsigned int pos = 0;

	memset(act, 0, sizeof(act));
	for (unsigned int i = 0; i < TB_N; i++) {
		act[i].id = i;
		act[i].order = order;
		act[i].pos = &pos;
		start_actor(rt, &act[i].a, &tb_ops, "tb", i);
	}
	run_idle(rt);
	ck_assert_uint_eq(pos, TB_N);
	*hash = xf_rt_trace_hash(rt);
	for (unsigned int i = 0; i < TB_N; i++)
		xf_actor_remove(&act[i].a);
	xf_rt_free(rt);
}

START_TEST(tie_break_follows_seed)
{
	unsigned int o1[TB_N], o2[TB_N], o3[TB_N];
	uint64_t h1, h2, h3;

	tie_order(7, o1, &h1);
	tie_order(7, o2, &h2);
	tie_order(8, o3, &h3);
	ck_assert_mem_eq(o1, o2, sizeof(o1));
	ck_assert_uint_eq(h1, h2);
	ck_assert_int_ne(memcmp(o1, o3, sizeof(o1)), 0);
	ck_assert_uint_ne(h1, h3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cost model. */

struct unit_actor {
	struct xf_actor a;
	unsigned int left;
	uint64_t cost;
	uint64_t first_start, last_start;
	unsigned int runs;
};

static void unit_run(struct xf_actor *a)
{
	struct unit_actor *u = (struct unit_actor *)a;

	if (u->runs++ == 0)
		u->first_start = xf_rt_now_ns(a->rt);
	u->last_start = xf_rt_now_ns(a->rt);
	if (!u->left)
		return;
	u->left--;
	xf_rt_charge(a->rt, u->cost);
	if (u->left)
		xf_actor_kick(a);
}

static const struct xf_actor_ops unit_ops = { .run = unit_run };

START_TEST(cost_one_vcpu_full_busy)
{
	struct xf_rt *rt = new_sim(1, 1);
	struct unit_actor u = { .left = 200, .cost = 50 * US };
	struct xf_rt_vcpu_stats st;

	start_actor(rt, &u.a, &unit_ops, "u", 0);
	run_idle(rt);
	st = vcpu_stats(rt, 0);
	ck_assert_uint_eq(st.wall_ns, 200 * 50 * US);
	ck_assert_uint_eq(st.busy_ns, 200 * 50 * US);
	ck_assert_uint_eq(st.runs, 200);
	ck_assert_uint_eq(u.last_start, 199 * 50 * US);
	rt_done(rt, 1, &u.a);
}
END_TEST

static uint64_t two_actors_elapsed(unsigned int nr_vcpus)
{
	struct xf_rt *rt = new_sim(3, nr_vcpus);
	struct unit_actor u[2] = {
		{ .left = 100, .cost = 50 * US },
		{ .left = 100, .cost = 50 * US },
	};
	struct xf_rt_vcpu_stats st;
	uint64_t busy = 0, wall;

	for (unsigned int i = 0; i < 2; i++) {
		start_actor(rt, &u[i].a, &unit_ops, "u", i % nr_vcpus);
	}
	run_idle(rt);
	for (unsigned int v = 0; v < nr_vcpus; v++) {
		st = vcpu_stats(rt, v);
		busy += st.busy_ns;
	}
	wall = st.wall_ns;
	ck_assert_uint_eq(busy, 200 * 50 * US);
	ck_assert_uint_eq(u[0].runs + u[1].runs, 200);
	for (unsigned int i = 0; i < 2; i++)
		xf_actor_remove(&u[i].a);
	xf_rt_free(rt);
	return wall;
}

START_TEST(cost_queueing_and_parallelism)
{
	/* Same vCPU: they queue behind each other. */
	ck_assert_uint_eq(two_actors_elapsed(1), 200 * 50 * US);
	/* Two vCPUs: they run in parallel and elapsed halves. */
	ck_assert_uint_eq(two_actors_elapsed(2), 100 * 50 * US);
}
END_TEST

/* One actor charges 100 us and kicks a peer mid-run; the peer on the
 * same vCPU waits for the vCPU, one on another vCPU starts at the
 * kick's local time. */
struct kicker {
	struct xf_actor a;
	struct unit_actor *peer;
};

static void kicker_run(struct xf_actor *a)
{
	struct kicker *k = (struct kicker *)a;

	xf_rt_charge(a->rt, 30 * US);
	ck_assert_uint_eq(xf_rt_now_ns(a->rt), 30 * US);
	xf_actor_kick(&k->peer->a);
	xf_rt_charge(a->rt, 70 * US);
}

static const struct xf_actor_ops kicker_ops = { .run = kicker_run };

static uint64_t peer_start(unsigned int peer_vcpu)
{
	struct xf_rt *rt = new_sim(5, 2);
	struct unit_actor peer = { .left = 0 };
	struct kicker k = { .peer = &peer };
	uint64_t start;

	ck_assert_int_eq(xf_actor_add(rt, &k.a, &kicker_ops, "k", 0), 0);
	ck_assert_int_eq(xf_actor_add(rt, &peer.a, &unit_ops, "p",
				      peer_vcpu), 0);
	xf_actor_kick(&k.a);
	run_idle(rt);
	ck_assert_uint_eq(peer.runs, 1);
	start = peer.first_start;
	rt_done(rt, 2, &k.a, &peer.a);
	return start;
}

START_TEST(kick_at_local_time)
{
	ck_assert_uint_eq(peer_start(1), 30 * US);
	ck_assert_uint_eq(peer_start(0), 100 * US);
}
END_TEST

START_TEST(kicks_coalesce)
{
	struct xf_rt *rt = new_sim(1, 1);
	struct unit_actor u = { .left = 0 };

	start_actor(rt, &u.a, &unit_ops, "u", 0);
	xf_actor_kick(&u.a);
	xf_actor_wakeup(&u.a);
	run_idle(rt);
	ck_assert_uint_eq(u.runs, 1);
	ck_assert_uint_eq(xf_rt_trace_len(rt), 1);
	rt_done(rt, 1, &u.a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Timers and run limits. */

#define TICKS 10
struct ticker {
	struct xf_actor a;
	uint64_t at[TICKS + 4];
	unsigned int n;
	uint64_t period;
	unsigned int limit;
};

static void ticker_run(struct xf_actor *a)
{
	struct ticker *t = (struct ticker *)a;

	ck_assert_uint_lt(t->n, TICKS + 4);
	t->at[t->n++] = xf_rt_now_ns(a->rt);
	if (t->n < t->limit)
		xf_actor_set_timer(a, xf_rt_now_ns(a->rt) + t->period);
}

static const struct xf_actor_ops ticker_ops = { .run = ticker_run };

START_TEST(timers_exact)
{
	struct xf_rt *rt = new_sim(1, 1);
	struct ticker t = { .period = 0, .limit = 0 };

	ck_assert_int_eq(xf_actor_add(rt, &t.a, &ticker_ops, "t", 0), 0);
	xf_actor_set_timer(&t.a, 5 * MS);
	xf_actor_set_timer(&t.a, 3 * MS + 7); /* replaces the 5 ms one */
	run_idle(rt);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(t.at[0], 3 * MS + 7);

	xf_actor_set_timer(&t.a, 9 * MS);
	xf_actor_set_timer(&t.a, UINT64_MAX); /* cancels */
	run_idle(rt);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_uint_eq(xf_rt_now_ns(rt), 3 * MS + 7);
	rt_done(rt, 1, &t.a);
}
END_TEST

START_TEST(run_until_stops_and_resumes)
{
	struct xf_rt *rt = new_sim(1, 1);
	struct ticker t = { .period = MS, .limit = TICKS };

	start_actor(rt, &t.a, &ticker_ops, "t", 0);
	ck_assert_int_eq(xf_rt_run(rt, 4 * MS + MS / 2), 0);
	ck_assert_uint_eq(t.n, 5); /* 0, 1, 2, 3, 4 ms */
	ck_assert_uint_eq(xf_rt_now_ns(rt), 4 * MS + MS / 2);
	ck_assert_int_eq(xf_rt_run(rt, 7 * MS), 0); /* inclusive */
	ck_assert_uint_eq(t.n, 8);
	run_idle(rt);
	ck_assert_uint_eq(t.n, TICKS);
	for (unsigned int i = 0; i < TICKS; i++)
		ck_assert_uint_eq(t.at[i], i * MS);
	rt_done(rt, 1, &t.a);
}
END_TEST

struct stopper {
	struct xf_actor a;
	unsigned int n, stop_at;
};

static void stopper_run(struct xf_actor *a)
{
	struct stopper *s = (struct stopper *)a;

	if (++s->n == s->stop_at)
		xf_rt_stop(a->rt);
	xf_rt_charge(a->rt, US);
	xf_actor_kick(a);
}

static const struct xf_actor_ops stopper_ops = { .run = stopper_run };

START_TEST(stop_from_run)
{
	struct xf_rt *rt = new_sim(1, 1);
	struct stopper s = { .stop_at = 10 };

	start_actor(rt, &s.a, &stopper_ops, "s", 0);
	run_idle(rt);
	ck_assert_uint_eq(s.n, 10);
	/* Still queued: a bounded second run continues from there. */
	ck_assert_int_eq(xf_rt_run(rt, 14 * US), 0);
	ck_assert_uint_eq(s.n, 15);
	rt_done(rt, 1, &s.a);
}
END_TEST

START_TEST(remove_cancels_events)
{
	struct xf_rt *rt = new_sim(1, 2);
	struct ticker t = { .limit = 0 };
	struct unit_actor u = { .left = 0 };

	ck_assert_int_eq(xf_actor_add(rt, &t.a, &ticker_ops, "t", 0), 0);
	ck_assert_int_eq(xf_actor_add(rt, &u.a, &unit_ops, "u", 1), 0);
	xf_actor_set_timer(&t.a, MS);
	xf_actor_kick(&t.a);
	xf_actor_kick(&u.a);
	xf_actor_remove(&t.a);
	run_idle(rt);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_uint_eq(u.runs, 1);
	rt_done(rt, 1, &u.a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Configuration and API errors. */

static void noop_run(struct xf_actor *a)
{
	(void)a;
}

static const struct xf_actor_ops noop_ops = { .run = noop_run };

START_TEST(config_errors)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;
	struct xf_actor a = { 0 };
	struct xf_rt_vcpu_stats st;

	xf_rt_config_init(&cfg);
	ck_assert_int_eq(cfg.mode, XF_RT_SIM);
	ck_assert_uint_eq(cfg.nr_vcpus, 1);
	ck_assert_int_eq(cfg.pin_cpu[XF_RT_MAX_VCPUS - 1], -1);
	cfg.nr_vcpus = 0;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);
	cfg.nr_vcpus = XF_RT_MAX_VCPUS + 1;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);
	cfg.nr_vcpus = 2;
	cfg.mode = (enum xf_rt_mode)7;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);
	ck_assert_ptr_null(rt);

	rt = new_sim(1, 2);
	ck_assert_int_eq(xf_rt_mode(rt), XF_RT_SIM);
	ck_assert_uint_eq(xf_rt_nr_vcpus(rt), 2);
	ck_assert_int_eq(xf_actor_add(rt, &a, &noop_ops, "a", 2), -EINVAL);
	ck_assert_int_eq(xf_actor_add(rt, &a, NULL, "a", 0), -EINVAL);
	ck_assert_int_eq(xf_actor_add(rt, &a, &noop_ops, "a", 1), 0);
	ck_assert_int_eq(xf_actor_watch_fd(&a, 0), -ENOTSUP);
	ck_assert_int_eq(xf_actor_unwatch_fd(&a, 0), -ENOTSUP);
	ck_assert_int_eq(xf_rt_vcpu_stats(rt, 2, &st), -EINVAL);
	rt_done(rt, 1, &a);
}
END_TEST

START_TEST(rand_seeded)
{
	struct xf_rt *r1 = new_sim(99, 1), *r2 = new_sim(99, 1);
	struct xf_rt *r3 = new_sim(100, 1);
	bool differs = false;

	for (int i = 0; i < 64; i++) {
		uint64_t a = xf_rt_rand(r1), b = xf_rt_rand(r2);
		uint64_t c = xf_rt_rand(r3);

		ck_assert_uint_eq(a, b);
		if (a != c)
			differs = true;
	}
	ck_assert(differs);
	xf_rt_free(r1);
	xf_rt_free(r2);
	xf_rt_free(r3);
}
END_TEST

XT_SUITE("runtime-sim")
{
	TCase *tc = xt_tcase("sim");

	tcase_add_test(tc, same_seed_same_trace);
	tcase_add_test(tc, different_seed_different_trace);
	tcase_add_test(tc, tie_break_follows_seed);
	tcase_add_test(tc, cost_one_vcpu_full_busy);
	tcase_add_test(tc, cost_queueing_and_parallelism);
	tcase_add_test(tc, kick_at_local_time);
	tcase_add_test(tc, kicks_coalesce);
	tcase_add_test(tc, timers_exact);
	tcase_add_test(tc, run_until_stops_and_resumes);
	tcase_add_test(tc, stop_from_run);
	tcase_add_test(tc, remove_cancels_events);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, rand_seeded);
}
