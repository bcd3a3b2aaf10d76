/* SPDX-License-Identifier: MIT */
/* Real driver: cross-thread kicks, timers, watched fds, stop, pinning.
 * No timing assertions beyond "it happened, and not too early". */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <xfront/runtime.h>

#include "actors.h"
#include "xt.h"

#define MS 1000000ull
#define SAFETY_NS (20ull * 1000 * MS)

static struct xf_rt *new_real(unsigned int nr_vcpus, uint64_t spin_ns)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;

	xf_rt_config_init(&cfg);
	cfg.mode = XF_RT_REAL;
	cfg.nr_vcpus = nr_vcpus;
	cfg.spin_before_block_ns = spin_ns;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
	ck_assert_int_eq(xf_rt_mode(rt), XF_RT_REAL);
	return rt;
}

/* ------------------------------------------------------------------ */
/* Two actors on two vCPUs bounce a token by kicking each other; when the
 * bouncing ends nothing is armed or watched, so run returns by itself. */

#define BOUNCES 20000

struct bouncer {
	struct xf_actor a;
	struct bouncer *peer;
	_Atomic unsigned int *token;  /* whose turn: 0 or 1 */
	unsigned int me;
	unsigned int runs, turns;
	_Atomic unsigned int *total;
	_Atomic int wrong_thread;
	unsigned int vcpu_seen;
};

static void bouncer_run(struct xf_actor *a)
{
	struct bouncer *b = (struct bouncer *)a;

	b->runs++;
	if (atomic_load(b->token) != b->me)
		return; /* spurious or coalesced: not our turn */
	b->turns++;
	if (atomic_fetch_add(b->total, 1) + 1 >= BOUNCES)
		return;
	atomic_store(b->token, 1 - b->me);
	xf_actor_kick(&b->peer->a);
}

static const struct xf_actor_ops bouncer_ops = { .run = bouncer_run };

static void bounce(uint64_t spin_ns)
{
	struct xf_rt *rt = new_real(2, spin_ns);
	_Atomic unsigned int token = 0, total = 0;
	struct bouncer b[2] = { 0 };
	struct xf_rt_vcpu_stats st0, st1;

	for (unsigned int i = 0; i < 2; i++) {
		b[i].peer = &b[1 - i];
		b[i].token = &token;
		b[i].total = &total;
		b[i].me = i;
		ck_assert_int_eq(xf_actor_add(rt, &b[i].a, &bouncer_ops,
					      i ? "b1" : "b0", i), 0);
	}
	xf_actor_kick(&b[0].a);
	run_idle(rt);
	ck_assert_uint_eq(atomic_load(&total), BOUNCES);
	ck_assert_uint_eq(b[0].turns + b[1].turns, BOUNCES);
	ck_assert_uint_eq(b[0].turns, BOUNCES / 2);
	st0 = vcpu_stats(rt, 0);
	st1 = vcpu_stats(rt, 1);
	ck_assert_uint_eq(st0.runs, b[0].runs);
	ck_assert_uint_eq(st1.runs, b[1].runs);
	ck_assert_uint_gt(st0.wall_ns, 0);
	for (unsigned int i = 0; i < 2; i++)
		xf_actor_remove(&b[i].a);
	xf_rt_free(rt);
}

START_TEST(kicks_across_threads)
{
	bounce(0);
}
END_TEST

START_TEST(kicks_across_threads_spin)
{
	bounce(50 * 1000);
}
END_TEST

/* ------------------------------------------------------------------ */

struct timed {
	struct xf_actor a;
	uint64_t deadline, ran_at;
	unsigned int runs;
};

static void timed_run(struct xf_actor *a)
{
	struct timed *t = (struct timed *)a;

	t->runs++;
	t->ran_at = xf_rt_now_ns(a->rt);
}

static const struct xf_actor_ops timed_ops = { .run = timed_run };

START_TEST(timers_fire)
{
	struct xf_rt *rt = new_real(2, 0);
	struct timed t[3] = { 0 };
	uint64_t now = xf_rt_now_ns(rt);

	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(xf_actor_add(rt, &t[i].a, &timed_ops, "t",
					      i % 2), 0);
	t[0].deadline = now + 2 * MS;
	t[1].deadline = now + 1 * MS;
	xf_actor_set_timer(&t[0].a, now + 50 * MS);
	xf_actor_set_timer(&t[0].a, t[0].deadline);   /* replaces */
	xf_actor_set_timer(&t[1].a, t[1].deadline);
	xf_actor_set_timer(&t[2].a, now + MS);
	xf_actor_set_timer(&t[2].a, UINT64_MAX);      /* cancelled */
	/* Runs until both timers fired and everything is idle. */
	ck_assert_int_eq(xf_rt_run(rt, now + SAFETY_NS), 0);
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert_uint_eq(t[i].runs, 1);
		ck_assert_uint_ge(t[i].ran_at, t[i].deadline);
	}
	ck_assert_uint_eq(t[2].runs, 0);
	for (unsigned int i = 0; i < 3; i++)
		xf_actor_remove(&t[i].a);
	xf_rt_free(rt);
}
END_TEST

/* A timer armed from inside run() on another vCPU's actor's behalf:
 * the sleeping target thread must notice the new deadline. */
struct arm_other {
	struct xf_actor a;
	struct timed *target;
};

static void arm_other_run(struct xf_actor *a)
{
	struct arm_other *o = (struct arm_other *)a;

	o->target->deadline = xf_rt_now_ns(a->rt) + MS;
	xf_actor_set_timer(&o->target->a, o->target->deadline);
}

static const struct xf_actor_ops arm_other_ops = { .run = arm_other_run };

START_TEST(timer_set_cross_thread)
{
	struct xf_rt *rt = new_real(2, 0);
	struct timed t = { 0 };
	struct arm_other o = { .target = &t };

	ck_assert_int_eq(xf_actor_add(rt, &t.a, &timed_ops, "t", 1), 0);
	start_actor(rt, &o.a, &arm_other_ops, "o", 0);
	ck_assert_int_eq(xf_rt_run(rt, xf_rt_now_ns(rt) + SAFETY_NS), 0);
	ck_assert_uint_eq(t.runs, 1);
	ck_assert_uint_ge(t.ran_at, t.deadline);
	rt_done(rt, 2, &t.a, &o.a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* watch_fd: a writer actor on vCPU 0 signals an eventfd that a reader
 * actor on vCPU 1 watches; the reader drains it and stops the runtime
 * after enough events (with a watched fd, run never returns by itself
 * for being idle). */

#define SIGNALS 200

struct efd_reader {
	struct xf_actor a;
	int fd;
	uint64_t got;
	unsigned int runs;
	struct efd_writer *w;
};

struct efd_writer {
	struct xf_actor a;
	int fd;
	unsigned int sent;
	_Atomic unsigned int acked;
};

static void writer_run(struct xf_actor *a)
{
	struct efd_writer *w = (struct efd_writer *)a;
	uint64_t one = 1;

	/* One outstanding signal at a time, so the reader sees each. */
	if (w->sent >= SIGNALS || atomic_load(&w->acked) != w->sent)
		return;
	ck_assert_int_eq(write(w->fd, &one, sizeof(one)), sizeof(one));
	w->sent++;
}

static void reader_run(struct xf_actor *a)
{
	struct efd_reader *r = (struct efd_reader *)a;
	uint64_t cnt;

	r->runs++;
	if (read(r->fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return;
	r->got += cnt;
	atomic_store(&r->w->acked, (unsigned int)r->got);
	if (r->got >= SIGNALS) {
		ck_assert_int_eq(xf_actor_unwatch_fd(a, r->fd), 0);
		ck_assert_int_eq(xf_actor_unwatch_fd(a, r->fd), -ENOENT);
		xf_rt_stop(a->rt);
		return;
	}
	xf_actor_kick(&r->w->a);
}

static const struct xf_actor_ops writer_ops = { .run = writer_run };
static const struct xf_actor_ops reader_ops = { .run = reader_run };

START_TEST(watch_fd_eventfd)
{
	struct xf_rt *rt = new_real(2, 0);
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct efd_writer w = { .fd = fd };
	struct efd_reader r = { .fd = fd, .w = &w };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(xf_actor_add(rt, &w.a, &writer_ops, "w", 0), 0);
	ck_assert_int_eq(xf_actor_add(rt, &r.a, &reader_ops, "r", 1), 0);
	ck_assert_int_eq(xf_actor_watch_fd(&r.a, fd), 0);
	ck_assert_int_eq(xf_actor_watch_fd(&r.a, -1), -EINVAL);
	xf_actor_kick(&w.a);
	ck_assert_int_eq(xf_rt_run(rt, xf_rt_now_ns(rt) + SAFETY_NS), 0);
	ck_assert_uint_eq(r.got, SIGNALS);
	ck_assert_uint_eq(w.sent, SIGNALS);
	ck_assert_uint_ge(r.runs, SIGNALS);
	rt_done(rt, 2, &w.a, &r.a);
	close(fd);
}
END_TEST

/* A watched fd that nobody writes: run returns at until_ns, not early
 * for being idle, and removing the actor drops the watch. */
START_TEST(watch_fd_runs_until_limit)
{
	struct xf_rt *rt = new_real(1, 0);
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct efd_reader r = { .fd = fd };
	uint64_t until;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(xf_actor_add(rt, &r.a, &reader_ops, "r", 0), 0);
	ck_assert_int_eq(xf_actor_watch_fd(&r.a, fd), 0);
	until = xf_rt_now_ns(rt) + 5 * MS;
	ck_assert_int_eq(xf_rt_run(rt, until), 0);
	ck_assert_uint_ge(xf_rt_now_ns(rt), until);
	ck_assert_uint_eq(r.runs, 0);
	xf_actor_remove(&r.a);
	/* No watches left: an idle runtime returns at once. */
	run_idle(rt);
	xf_rt_free(rt);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */

struct stopper {
	struct xf_actor a;
	unsigned int n, stop_at;
};

static void stopper_run(struct xf_actor *a)
{
	struct stopper *s = (struct stopper *)a;

	if (++s->n == s->stop_at) {
		xf_rt_stop(a->rt);
		return;
	}
	xf_actor_kick(a);
}

static const struct xf_actor_ops stopper_ops = { .run = stopper_run };

START_TEST(stop_from_run)
{
	struct xf_rt *rt = new_real(2, 0);
	struct stopper s = { .stop_at = 1000 };
	struct stopper busy = { .stop_at = 0 }; /* spins on vCPU 1 */

	ck_assert_int_eq(xf_actor_add(rt, &s.a, &stopper_ops, "s", 0), 0);
	ck_assert_int_eq(xf_actor_add(rt, &busy.a, &stopper_ops, "b", 1), 0);
	xf_actor_kick(&s.a);
	xf_actor_kick(&busy.a);
	run_idle(rt);
	/* busy never stops itself: returning proves the stop reached a
	 * thread that never blocks. */
	ck_assert_uint_eq(s.n, 1000);
	rt_done(rt, 2, &s.a, &busy.a);
}
END_TEST

START_TEST(charge_counts_busy)
{
	struct xf_rt *rt = new_real(1, 0);
	struct xf_rt_vcpu_stats st;
	struct stopper s = { .stop_at = 3 };
	uint64_t t0;

	start_actor(rt, &s.a, &stopper_ops, "s", 0);
	run_idle(rt);
	/* Charging outside a vCPU thread burns but is not attributed. */
	t0 = xf_rt_now_ns(rt);
	xf_rt_charge(rt, MS);
	ck_assert_uint_ge(xf_rt_now_ns(rt) - t0, MS);
	st = vcpu_stats(rt, 0);
	ck_assert_uint_eq(st.busy_ns, 0);
	ck_assert_uint_eq(st.runs, 3);
	rt_done(rt, 1, &s.a);
}
END_TEST

struct charger {
	struct xf_actor a;
	uint64_t before, after;
};

static void charger_run(struct xf_actor *a)
{
	struct charger *c = (struct charger *)a;

	c->before = xf_rt_now_ns(a->rt);
	xf_rt_charge(a->rt, 200 * 1000);
	c->after = xf_rt_now_ns(a->rt);
}

static const struct xf_actor_ops charger_ops = { .run = charger_run };

START_TEST(charge_burns_cpu)
{
	struct xf_rt *rt = new_real(1, 0);
	struct charger c = { 0 };
	struct xf_rt_vcpu_stats st;

	start_actor(rt, &c.a, &charger_ops, "c", 0);
	run_idle(rt);
	ck_assert_uint_ge(c.after - c.before, 200 * 1000);
	st = vcpu_stats(rt, 0);
	ck_assert_uint_eq(st.busy_ns, 200 * 1000);
	rt_done(rt, 1, &c.a);
}
END_TEST

START_TEST(pinning)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;
	struct stopper s = { .stop_at = 2 };
	cpu_set_t allowed;
	int cpu = -1;

	xf_rt_config_init(&cfg);
	cfg.mode = XF_RT_REAL;
	cfg.pin_cpu[0] = CPU_SETSIZE;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);
	cfg.pin_cpu[0] = -2;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);

	ck_assert_int_eq(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &allowed) && cpu < 0 && i < 1024)
			cpu = i;
	}
	/* A CPU outside this process's affinity cannot be pinned to. */
	if (cpu >= 0) {
		cfg.pin_cpu[0] = cpu;
		ck_assert_int_eq(xf_rt_new(&cfg, &rt), -EINVAL);
	}
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &allowed)) {
			cpu = i;
			break;
		}
	}
	cfg.pin_cpu[0] = cpu;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
	start_actor(rt, &s.a, &stopper_ops, "s", 0);
	run_idle(rt);
	ck_assert_uint_eq(s.n, 2);
	rt_done(rt, 1, &s.a);
}
END_TEST

START_TEST(rand_locked)
{
	struct xf_rt *rt = new_real(1, 0);
	struct xf_rt_config cfg;
	struct xf_rt *sim = NULL;

	xf_rt_config_init(&cfg);
	ck_assert_int_eq(xf_rt_new(&cfg, &sim), 0);
	/* Same seed, same stream in both drivers (single caller here). */
	for (int i = 0; i < 16; i++)
		ck_assert_uint_eq(xf_rt_rand(rt), xf_rt_rand(sim));
	xf_rt_free(sim);
	xf_rt_free(rt);
}
END_TEST

XT_SUITE("runtime-real")
{
	TCase *tc = xt_tcase("real");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kicks_across_threads);
	tcase_add_test(tc, kicks_across_threads_spin);
	tcase_add_test(tc, timers_fire);
	tcase_add_test(tc, timer_set_cross_thread);
	tcase_add_test(tc, watch_fd_eventfd);
	tcase_add_test(tc, watch_fd_runs_until_limit);
	tcase_add_test(tc, stop_from_run);
	tcase_add_test(tc, charge_counts_busy);
	tcase_add_test(tc, charge_burns_cpu);
	tcase_add_test(tc, pinning);
	tcase_add_test(tc, rand_locked);
}
