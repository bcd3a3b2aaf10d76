/* SPDX-License-Identifier: MIT */
/* Guest wall clock: base, steps forwards and backwards, saturation,
 * and that monotonic time, timers and the sim schedule never see a
 * step. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <xfront/runtime.h>

#include "xt.h"

#define MS 1000000ull
#define HOUR (3600ull * 1000000000ull)

static struct xf_rt *new_rt(enum xf_rt_mode mode)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt = NULL;

	xf_rt_config_init(&cfg);
	cfg.mode = mode;
	cfg.nr_vcpus = 2;
	ck_assert_int_eq(xf_rt_new(&cfg, &rt), 0);
	return rt;
}

/* An actor that records the times its timers fire and, on chosen
 * runs, steps the wall clock. */
struct ticker {
	struct xf_actor a;
	uint64_t fired[8];
	uint64_t wall[8];
	unsigned int n;
	int64_t step_on_run[8];
	uint64_t period;
};

static void tick_run(struct xf_actor *a)
{
	struct ticker *t = (struct ticker *)a;
	uint64_t now = xf_rt_now_ns(a->rt);

	if (t->n >= 8)
		return;
	t->fired[t->n] = now;
	if (t->step_on_run[t->n])
		xf_rt_step_wall_clock(a->rt, t->step_on_run[t->n]);
	t->wall[t->n] = xf_rt_wall_ns(a->rt);
	xf_rt_charge(a->rt, 1000);
	t->n++;
	if (t->n < 8)
		xf_actor_set_timer(a, now + t->period);
}

static const struct xf_actor_ops tick_ops = { .run = tick_run };

static void idle_run(struct xf_actor *a)
{
	(void)a;
}

static const struct xf_actor_ops idle_ops = { .run = idle_run };

START_TEST(sim_base_and_steps)
{
	struct xf_rt *rt = new_rt(XF_RT_SIM);
	struct xf_actor idle;

	/* A far timer keeps the sim from returning idle before until_ns. */
	memset(&idle, 0, sizeof(idle));
	ck_assert_int_eq(xf_actor_add(rt, &idle, &idle_ops, "idle", 0), 0);
	xf_actor_set_timer(&idle, 1000 * MS);
	ck_assert_uint_eq(xf_rt_wall_ns(rt), XF_RT_SIM_WALL_EPOCH_NS);
	ck_assert_int_eq(xf_rt_run(rt, 5 * MS), 0);
	ck_assert_uint_eq(xf_rt_now_ns(rt), 5 * MS);
	ck_assert_uint_eq(xf_rt_wall_ns(rt), XF_RT_SIM_WALL_EPOCH_NS + 5 * MS);

	xf_rt_step_wall_clock(rt, (int64_t)HOUR);
	ck_assert_uint_eq(xf_rt_now_ns(rt), 5 * MS);
	ck_assert_uint_eq(xf_rt_wall_ns(rt),
			  XF_RT_SIM_WALL_EPOCH_NS + 5 * MS + HOUR);
	ck_assert_int_eq(xf_rt_wall_offset_ns(rt), (int64_t)HOUR);
	ck_assert_uint_eq(xf_rt_clock_ns(rt, XF_CLOCK_MONOTONIC), 5 * MS);
	ck_assert_uint_eq(xf_rt_clock_ns(rt, XF_CLOCK_WALL),
			  XF_RT_SIM_WALL_EPOCH_NS + 5 * MS + HOUR);

	xf_rt_step_wall_clock(rt, -2 * (int64_t)HOUR);
	ck_assert_uint_eq(xf_rt_now_ns(rt), 5 * MS);
	ck_assert_uint_eq(xf_rt_wall_ns(rt),
			  XF_RT_SIM_WALL_EPOCH_NS + 5 * MS - HOUR);
	ck_assert_int_eq(xf_rt_wall_offset_ns(rt), -(int64_t)HOUR);

	/* Wall time keeps advancing with monotonic time after a step. */
	ck_assert_int_eq(xf_rt_run(rt, 7 * MS), 0);
	ck_assert_uint_eq(xf_rt_wall_ns(rt),
			  XF_RT_SIM_WALL_EPOCH_NS + 7 * MS - HOUR);
	xf_actor_remove(&idle);
	xf_rt_free(rt);
}
END_TEST

START_TEST(sim_saturation)
{
	struct xf_rt *rt = new_rt(XF_RT_SIM);

	/* Below the epoch reads as 0, never wraps to a huge time. */
	xf_rt_step_wall_clock(rt, INT64_MIN);
	ck_assert_uint_eq(xf_rt_wall_ns(rt), 0);
	xf_rt_step_wall_clock(rt, -1);
	ck_assert_int_eq(xf_rt_wall_offset_ns(rt), INT64_MIN);
	ck_assert_uint_eq(xf_rt_wall_ns(rt), 0);
	xf_rt_step_wall_clock(rt, INT64_MAX);
	ck_assert_int_eq(xf_rt_wall_offset_ns(rt), -1);
	ck_assert_uint_eq(xf_rt_wall_ns(rt), XF_RT_SIM_WALL_EPOCH_NS - 1);
	xf_rt_step_wall_clock(rt, INT64_MAX);
	xf_rt_step_wall_clock(rt, INT64_MAX);
	ck_assert_int_eq(xf_rt_wall_offset_ns(rt), INT64_MAX);
	ck_assert_uint_eq(xf_rt_wall_ns(rt),
			  XF_RT_SIM_WALL_EPOCH_NS + (uint64_t)INT64_MAX);
	xf_rt_free(rt);
}
END_TEST

/* Steps made from inside run() move neither timers nor the schedule:
 * the same actors with and without steps fire at the same times and
 * give the same trace. */
static void run_tickers(bool step, uint64_t *fired, uint64_t *wall,
			uint64_t *hash)
{
	struct xf_rt *rt = new_rt(XF_RT_SIM);
	struct ticker t[2];

	memset(t, 0, sizeof(t));
	for (unsigned int i = 0; i < 2; i++) {
		t[i].period = i ? 3 * MS / 2 : MS;
		ck_assert_int_eq(xf_actor_add(rt, &t[i].a, &tick_ops,
					      i ? "t1" : "t0", i), 0);
	}
	if (step) {
		/* At 5 ms and 4.5 ms: times no other run shares. */
		t[0].step_on_run[5] = (int64_t)HOUR;
		t[1].step_on_run[3] = -3 * (int64_t)HOUR;
	}
	xf_actor_kick(&t[0].a);
	xf_actor_kick(&t[1].a);
	ck_assert_int_eq(xf_rt_run(rt, UINT64_MAX), 0);
	for (unsigned int i = 0; i < 2; i++) {
		ck_assert_uint_eq(t[i].n, 8);
		memcpy(fired + 8 * i, t[i].fired, sizeof(t[i].fired));
		memcpy(wall + 8 * i, t[i].wall, sizeof(t[i].wall));
	}
	*hash = xf_rt_trace_hash(rt);
	for (unsigned int i = 0; i < 2; i++)
		xf_actor_remove(&t[i].a);
	xf_rt_free(rt);
}

START_TEST(sim_steps_do_not_move_timers)
{
	uint64_t f0[16], f1[16], w0[16], w1[16], h0, h1;

	run_tickers(false, f0, w0, &h0);
	run_tickers(true, f1, w1, &h1);
	ck_assert_mem_eq(f0, f1, sizeof(f0));
	ck_assert_uint_eq(h0, h1);
	/* Timers fire on the monotonic schedule. */
	for (unsigned int i = 0; i < 8; i++) {
		ck_assert_uint_eq(f0[i], i * MS);
		ck_assert_uint_eq(f0[8 + i], i * 3 * MS / 2);
	}
	/* Undisturbed: wall = epoch + monotonic time. */
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(w0[i], XF_RT_SIM_WALL_EPOCH_NS + f0[i]);
	/* Disturbed: each step shows in every reading from the run that
	 * made it on, whichever actor reads. */
	for (unsigned int i = 0; i < 16; i++) {
		int64_t off = 0;

		if (f1[i] >= 5 * MS)
			off += (int64_t)HOUR;
		if (f1[i] >= 9 * MS / 2)
			off -= 3 * (int64_t)HOUR;
		ck_assert_uint_eq(w1[i], (uint64_t)((int64_t)
				  (XF_RT_SIM_WALL_EPOCH_NS + f1[i]) + off));
	}
}
END_TEST

START_TEST(real_tracks_realtime)
{
	struct xf_rt *rt = new_rt(XF_RT_REAL);
	struct timespec ts;
	uint64_t before, after, w, m0, m1;

	m0 = xf_rt_now_ns(rt);
	xf_rt_step_wall_clock(rt, 5 * (int64_t)HOUR);
	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	w = xf_rt_wall_ns(rt);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	m1 = xf_rt_now_ns(rt);
	ck_assert_uint_ge(w, before + 5 * HOUR);
	ck_assert_uint_le(w, after + 5 * HOUR);
	/* The monotonic clock did not take the 5 h step (a step would put
	 * it 5 h ahead; this bounds nothing about how fast the test runs). */
	ck_assert_uint_lt(m1 - m0, 5 * HOUR);

	xf_rt_step_wall_clock(rt, -10 * (int64_t)HOUR);
	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	w = xf_rt_wall_ns(rt);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	ck_assert_uint_ge(w, before - 5 * HOUR);
	ck_assert_uint_le(w, after - 5 * HOUR);
	xf_rt_free(rt);
}
END_TEST

XT_SUITE("runtime-wallclock")
{
	TCase *tc = xt_tcase("wallclock");

	tcase_add_test(tc, sim_base_and_steps);
	tcase_add_test(tc, sim_saturation);
	tcase_add_test(tc, sim_steps_do_not_move_timers);
	tcase_add_test(tc, real_tracks_realtime);
}
