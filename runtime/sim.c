/* SPDX-License-Identifier: MIT */
/*
 * Sim driver: one thread, virtual time, a seeded event queue.
 *
 * The queue is a binary min-heap ordered by (time, key, seq). key is
 * drawn from a seeded generator when an event is queued, so events at
 * equal times run in an order that is a pure function of the seed.
 *
 * vCPU cost model: each vCPU is free again at free_at[v]. An event for
 * an actor on a busy vCPU is re-queued at free_at[v] (it waits: that is
 * the queueing delay). While run() executes, xf_rt_charge() advances the
 * vCPU-local clock; kicks and xf_rt_now_ns() use that clock, and when
 * run() returns the vCPU is busy until it. Global time only moves
 * forward, to the start time of each event taken from the queue.
 */
#include <errno.h>
#include <stdlib.h>

#include "rt_private.h"

/* Separate stream from xf_rt_rand() so that actors drawing numbers do
 * not perturb the scheduler's tie-breaks (and vice versa). */
#define SIM_TIE_SEED_SALT 0x5851f42d4c957f2dull

static bool ev_less(const struct sim_ev *a, const struct sim_ev *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->key != b->key)
		return a->key < b->key;
	return a->seq < b->seq;
}

static void heap_set(struct sim_state *s, size_t i, struct sim_ev *ev)
{
	s->heap[i] = ev;
	ev->idx = (uint32_t)i;
}

static void heap_up(struct sim_state *s, size_t i)
{
	struct sim_ev *ev = s->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!ev_less(ev, s->heap[p]))
			break;
		heap_set(s, i, s->heap[p]);
		i = p;
	}
	heap_set(s, i, ev);
}

static void heap_down(struct sim_state *s, size_t i)
{
	struct sim_ev *ev = s->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct sim_ev *best = ev;

		if (l < s->nr && ev_less(s->heap[l], best)) {
			m = l;
			best = s->heap[l];
		}
		if (r < s->nr && ev_less(s->heap[r], best)) {
			m = r;
			best = s->heap[r];
		}
		if (m == i)
			break;
		heap_set(s, i, best);
		i = m;
	}
	heap_set(s, i, ev);
}

static void heap_remove(struct sim_state *s, struct sim_ev *ev)
{
	size_t i = ev->idx;
	struct sim_ev *last;

	if (i == SIM_EV_NOT_QUEUED)
		return;
	ev->idx = SIM_EV_NOT_QUEUED;
	last = s->heap[--s->nr];
	if (i == s->nr)
		return;
	heap_set(s, i, last);
	if (i > 0 && ev_less(last, s->heap[(i - 1) / 2]))
		heap_up(s, i);
	else
		heap_down(s, i);
}

/* Capacity is reserved in sim_actor_add (two events per actor), so
 * queueing never allocates and never fails. */
static void heap_push(struct sim_state *s, struct sim_ev *ev, uint64_t time)
{
	ev->time = time;
	ev->key = xf_rng_next(&s->tie);
	ev->seq = s->seq++;
	s->heap[s->nr] = ev;
	heap_up(s, s->nr++);
}

int sim_init(struct xf_rt *rt)
{
	struct sim_state *s = &rt->sim;

	xf_rng_seed(&s->tie, rt->cfg.seed ^ SIM_TIE_SEED_SALT);
	s->cap = 64;
	s->heap = calloc(s->cap, sizeof(*s->heap));
	return s->heap ? 0 : -ENOMEM;
}

void sim_fini(struct xf_rt *rt)
{
	free(rt->sim.heap);
	rt->sim.heap = NULL;
}

int sim_actor_add(struct xf_rt *rt, struct rt_actor *ra)
{
	struct sim_state *s = &rt->sim;
	size_t need = 2 * (s->nr_actors + 1);

	(void)ra;
	if (need > s->cap) {
		size_t ncap = s->cap * 2;
		struct sim_ev **h;

		while (ncap < need)
			ncap *= 2;
		h = realloc(s->heap, ncap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap = ncap;
	}
	s->nr_actors++;
	return 0;
}

void sim_actor_remove(struct xf_rt *rt, struct rt_actor *ra)
{
	struct sim_state *s = &rt->sim;

	heap_remove(s, &ra->run_ev);
	heap_remove(s, &ra->timer_ev);
	s->nr_actors--;
}

/* The caller's notion of "now": the running actor's local clock. */
static uint64_t sim_cur(const struct sim_state *s)
{
	return s->running ? s->local : s->now;
}

uint64_t sim_now(const struct xf_rt *rt)
{
	return sim_cur(&rt->sim);
}

uint64_t sim_wall(const struct xf_rt *rt)
{
	return rt->sim.end > rt->sim.now ? rt->sim.end : rt->sim.now;
}

static void sim_kick_at(struct sim_state *s, struct rt_actor *ra, uint64_t t)
{
	struct sim_ev *ev = &ra->run_ev;

	if (ev->idx != SIM_EV_NOT_QUEUED) {
		if (ev->time <= t)
			return;
		heap_remove(s, ev);
	}
	heap_push(s, ev, t);
}

void sim_kick(struct xf_rt *rt, struct rt_actor *ra)
{
	sim_kick_at(&rt->sim, ra, sim_cur(&rt->sim));
}

void sim_set_timer(struct xf_rt *rt, struct rt_actor *ra, uint64_t when)
{
	struct sim_state *s = &rt->sim;
	uint64_t cur = sim_cur(s);

	heap_remove(s, &ra->timer_ev);
	if (when == UINT64_MAX)
		return;
	/* A deadline already in the past fires now; time never goes back. */
	heap_push(s, &ra->timer_ev, when < cur ? cur : when);
}

void sim_charge(struct xf_rt *rt, uint64_t cost_ns)
{
	struct sim_state *s = &rt->sim;

	if (!s->running)
		return;
	s->local += cost_ns;
	rt_stat_add(&rt->stats[s->running->a->vcpu].busy_ns, cost_ns);
}

int sim_run(struct xf_rt *rt, uint64_t until_ns)
{
	struct sim_state *s = &rt->sim;

	if (s->running)
		return -EBUSY; /* no nested xf_rt_run() from inside run() */

	while (!atomic_load_explicit(&rt->stop, memory_order_relaxed)) {
		struct sim_ev *ev;
		struct rt_actor *ra;
		struct xf_actor *a;
		unsigned int v;

		if (s->nr == 0)
			break;
		ev = s->heap[0];
		if (ev->time > until_ns) {
			if (until_ns > s->now)
				s->now = until_ns;
			break;
		}
		heap_remove(s, ev);
		s->now = ev->time;
		ra = ev->ra;
		if (ev->kind == SIM_EV_TIMER) {
			sim_kick_at(s, ra, s->now);
			continue;
		}
		a = ra->a;
		v = a->vcpu;
		if (s->free_at[v] > s->now) {
			heap_push(s, ev, s->free_at[v]);
			continue;
		}

		s->running = ra;
		s->local = s->now;
		rt_trace_record(rt, s->now, a->name, v);
		a->ops->run(a);
		s->running = NULL;
		/* run() may have removed other actors but not itself, so a
		 * and v are still valid. */
		s->free_at[v] = s->local;
		if (s->local > s->end)
			s->end = s->local;
		rt_stat_add(&rt->stats[v].runs, 1);
	}
	return 0;
}
