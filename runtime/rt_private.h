/* SPDX-License-Identifier: MIT */
/* Runtime internals shared by the sim and real drivers. */
#ifndef XFRONT_RT_PRIVATE_H
#define XFRONT_RT_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xfront/runtime.h>
#include <xfront/util.h>

enum sim_ev_kind {
	SIM_EV_RUN = 0,
	SIM_EV_TIMER = 1,
};

#define SIM_EV_NOT_QUEUED UINT32_MAX

/* An entry of the sim event queue, embedded in its actor: each actor
 * has at most one pending run and one pending timer. */
struct sim_ev {
	uint64_t time;
	uint64_t key;   /* seeded tie-break between equal times */
	uint64_t seq;   /* last resort, keeps the order total */
	uint32_t idx;   /* heap position or SIM_EV_NOT_QUEUED */
	uint8_t kind;
	struct rt_actor *ra;
};

struct rt_watch {
	struct rt_actor *ra;
	int fd;
};

struct rt_actor {
	struct xf_actor *a;
	struct xf_rt *rt;

	/* sim */
	struct sim_ev run_ev;
	struct sim_ev timer_ev;

	/* real; queued/next/timer fields are under the vCPU's lock */
	struct rt_actor *next;
	bool queued;
	uint64_t timer_ns;   /* UINT64_MAX: not armed */
	uint32_t theap_idx;
	struct rt_watch **watches;
	unsigned int nr_watches;
	unsigned int cap_watches;
};

struct sim_state {
	struct sim_ev **heap;
	size_t nr, cap;
	size_t nr_actors;
	uint64_t now;        /* global virtual time */
	uint64_t end;        /* latest time any vCPU was busy until */
	uint64_t seq;
	struct rt_actor *running;
	uint64_t local;      /* running actor's vCPU-local clock */
	struct xf_rng tie;
	uint64_t free_at[XF_RT_MAX_VCPUS];
};

struct real_vcpu {
	struct xf_rt *rt;
	unsigned int id;
	pthread_t thread;
	bool started;
	int err;

	int epfd, evfd, tfd;
	uint64_t tfd_armed;         /* absolute deadline programmed, or 0 */

	pthread_mutex_t lock;
	XF_FIFO(struct rt_actor) runq; /* runnable, linked through next */
	bool sleeping;                 /* blocked (or about to) in epoll */
	struct rt_actor **theap;       /* timer min-heap */
	size_t theap_nr, theap_cap;
	size_t nr_actors;

	_Atomic unsigned int nr_runnable;
	_Atomic uint64_t next_timer;   /* heap minimum, for the spin loop */
	_Atomic unsigned int nr_watches;
};

struct rt_vcpu_stats_atomic {
	_Atomic uint64_t busy_ns;
	_Atomic uint64_t runs;
	_Atomic uint64_t wall_ns;
};

struct xf_rt {
	struct xf_rt_config cfg;
	atomic_bool stop;

	pthread_mutex_t rand_lock;
	struct xf_rng rng;

	uint64_t trace_hash;
	uint64_t trace_len;

	struct rt_vcpu_stats_atomic stats[XF_RT_MAX_VCPUS];

	/* Wall-clock steps (xf_rt_step_wall_clock); monotonic time never
	 * sees it. */
	_Atomic int64_t wall_offset;

	struct sim_state sim;

	/* real */
	struct real_vcpu *vcpus;
	pthread_mutex_t main_lock;
	pthread_cond_t main_cond;
	/* Queued actors + actors inside run() + armed timers: zero means
	 * nothing can make progress unless an fd or outside thread acts. */
	_Atomic uint64_t work;
	_Atomic unsigned int total_watches;
};

/* Single-writer counter update without a locked instruction: each vCPU's
 * stats are written only by that vCPU's thread (or the sim thread). */
static inline void rt_stat_add(_Atomic uint64_t *p, uint64_t v)
{
	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed)
			      + v, memory_order_relaxed);
}

void rt_trace_record(struct xf_rt *rt, uint64_t time, const char *name,
		     unsigned int vcpu);

int sim_init(struct xf_rt *rt);
void sim_fini(struct xf_rt *rt);
int sim_actor_add(struct xf_rt *rt, struct rt_actor *ra);
void sim_actor_remove(struct xf_rt *rt, struct rt_actor *ra);
void sim_kick(struct xf_rt *rt, struct rt_actor *ra);
void sim_set_timer(struct xf_rt *rt, struct rt_actor *ra, uint64_t when);
uint64_t sim_now(const struct xf_rt *rt);
void sim_charge(struct xf_rt *rt, uint64_t cost_ns);
int sim_run(struct xf_rt *rt, uint64_t until_ns);
uint64_t sim_wall(const struct xf_rt *rt);

int real_init(struct xf_rt *rt);
void real_fini(struct xf_rt *rt);
void real_actor_init(struct rt_actor *ra);
int real_actor_add(struct xf_rt *rt, struct rt_actor *ra, unsigned int vcpu);
void real_actor_remove(struct xf_rt *rt, struct rt_actor *ra);
void real_kick(struct xf_rt *rt, struct rt_actor *ra);
void real_set_timer(struct xf_rt *rt, struct rt_actor *ra, uint64_t when);
int real_watch_fd(struct xf_rt *rt, struct rt_actor *ra, int fd);
int real_unwatch_fd(struct xf_rt *rt, struct rt_actor *ra, int fd);
uint64_t real_now(void);
void real_charge(struct xf_rt *rt, uint64_t cost_ns);
int real_run(struct xf_rt *rt, uint64_t until_ns);
void real_stop(struct xf_rt *rt);

#endif /* XFRONT_RT_PRIVATE_H */
