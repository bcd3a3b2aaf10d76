/* SPDX-License-Identifier: MIT */
/*
 * xfront runtime: event-driven actors on vCPUs, a clock, and two drivers.
 *
 * Every component (frontend queue, backend, workload, fault injector) is
 * an actor: the runtime calls its run() when it was kicked (an event
 * channel or xenstore watch became readable, a timer expired, another
 * actor poked it). run() makes all the progress it can and returns; it
 * never blocks or sleeps. Time is only read through xf_rt_now_ns().
 *
 * Drivers:
 *  - XF_RT_SIM: one thread, virtual time, a seeded scheduler. Same seed,
 *    same interleaving, bit for bit. A vCPU cost model: xf_rt_charge()
 *    makes the actor's vCPU busy for that long, so utilisation and
 *    queueing on a vCPU are simulated.
 *  - XF_RT_REAL: one thread per vCPU (pinned when asked), monotonic wall
 *    clock, epoll on eventfds with optional spin-before-block;
 *    xf_rt_charge() burns that much CPU time.
 *
 * Threading: in real mode, run() of actors on one vCPU are serialised;
 * actors on different vCPUs run concurrently. xf_actor_kick() may be
 * called from any thread. All other calls on an actor come from its own
 * vCPU thread (or before xf_rt_run()). In sim mode everything happens on
 * the thread that calls xf_rt_run().
 *
 * Sim cost model: each vCPU is busy until some virtual time. An actor
 * kicked at t runs at max(t, time its vCPU becomes free) (it queues
 * behind the vCPU's other work); during run() xf_rt_charge() advances
 * that vCPU's local clock, and kicks, timers and xf_rt_now_ns() inside
 * run() use the local clock. Events at equal times are ordered by a key
 * drawn from the seed when they are queued.
 */
#ifndef XFRONT_RUNTIME_H
#define XFRONT_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_RT_MAX_VCPUS 64

enum xf_rt_mode {
	XF_RT_SIM = 0,
	XF_RT_REAL = 1,
};

struct xf_rt_config {
	enum xf_rt_mode mode;
	uint64_t seed;           /* sim: scheduler tie-breaks; both: xf_rt_rand */
	unsigned int nr_vcpus;   /* 1..XF_RT_MAX_VCPUS */
	/* real: host CPU to pin vCPU i to, or -1 (default) for no pinning. */
	int pin_cpu[XF_RT_MAX_VCPUS];
	/* real: spin this long polling before blocking in epoll. */
	uint64_t spin_before_block_ns;
};

/* Fills defaults: sim, seed 1, 1 vCPU, no pinning, no spin. */
void xf_rt_config_init(struct xf_rt_config *cfg);

struct xf_rt;
struct xf_actor;

struct xf_actor_ops {
	/* Make progress. Must not block. */
	void (*run)(struct xf_actor *a);
};

/* Actors are embedded in the component's own struct (container_of). */
struct xf_actor {
	const struct xf_actor_ops *ops;
	const char *name;
	struct xf_rt *rt;
	unsigned int vcpu;
	void *priv; /* runtime-private state */
};

/* -EINVAL: no or too many vCPUs, unknown mode, or (real) a pin_cpu
 * outside this process's CPU affinity. */
int xf_rt_new(const struct xf_rt_config *cfg, struct xf_rt **out);
/* All actors must have been removed. */
void xf_rt_free(struct xf_rt *rt);
enum xf_rt_mode xf_rt_mode(const struct xf_rt *rt);
unsigned int xf_rt_nr_vcpus(const struct xf_rt *rt);

/* Registers a (zero-initialised except ops/name) actor on a vCPU. The
 * actor is not runnable until kicked. */
int xf_actor_add(struct xf_rt *rt, struct xf_actor *a, const struct
		 xf_actor_ops *ops, const char *name, unsigned int vcpu);
/* Cancels its timer, forgets its fds/hooks. Not from inside its run(). */
void xf_actor_remove(struct xf_actor *a);

/* Make runnable (at the caller's current time in sim). Thread-safe;
 * kicks coalesce while the actor is already runnable. */
void xf_actor_kick(struct xf_actor *a);

/* One-shot timer per actor: kick at absolute time when_ns (replaces any
 * earlier setting). UINT64_MAX cancels. */
void xf_actor_set_timer(struct xf_actor *a, uint64_t when_ns);

/* Real mode: kick the actor whenever fd is readable (level-triggered;
 * the actor drains it). Sim mode: -ENOTSUP (use a wakeup hook that
 * calls xf_actor_kick instead). Keep fd open until it is unwatched or
 * the actor removed; unwatching an fd not watched gives -ENOENT. */
int xf_actor_watch_fd(struct xf_actor *a, int fd);
int xf_actor_unwatch_fd(struct xf_actor *a, int fd);

/* A xf_wakeup_fn-compatible trampoline: opaque is the actor. */
void xf_actor_wakeup(void *actor);

/* Current time: virtual in sim (the running actor's vCPU-local time),
 * CLOCK_MONOTONIC in real. */
uint64_t xf_rt_now_ns(struct xf_rt *rt);

/*
 * Guest wall clock, separate from the monotonic clock above: what a
 * guest's CLOCK_REALTIME shows. Sim: XF_RT_SIM_WALL_EPOCH_NS plus the
 * virtual monotonic time plus an offset; real: CLOCK_REALTIME plus the
 * offset. The offset starts at 0 and is changed only by
 * xf_rt_step_wall_clock(), which models a step as a misbehaving guest
 * agent (or an NTP step) causes, forwards (delta > 0) or backwards.
 * xf_rt_now_ns(), timers and the scheduler are never affected: every
 * timeout must use xf_rt_now_ns(); the wall clock is for reports and
 * for reproducing drivers that wrongly time out on it. A step that
 * would take the wall clock below 0 reads as 0. Both are thread-safe.
 */
#define XF_RT_SIM_WALL_EPOCH_NS (1767225600ull * 1000000000ull) /* 2026-01-01 UTC */
uint64_t xf_rt_wall_ns(struct xf_rt *rt);
void xf_rt_step_wall_clock(struct xf_rt *rt, int64_t delta_ns);
/* Sum of all steps so far (the current offset from the undisturbed
 * wall clock). */
int64_t xf_rt_wall_offset_ns(struct xf_rt *rt);

/* Which clock a component measures its timeouts on. MONOTONIC is the
 * only correct choice; WALL exists to reproduce drivers that time out
 * on the wall clock and so misbehave when it is stepped. */
enum xf_rt_clock {
	XF_CLOCK_MONOTONIC = 0,
	XF_CLOCK_WALL = 1,
};
/* xf_rt_now_ns() or xf_rt_wall_ns(). */
uint64_t xf_rt_clock_ns(struct xf_rt *rt, enum xf_rt_clock clock);

/* The running actor's vCPU spends cost_ns of CPU. Sim: advances that
 * vCPU's local clock and busy time; real: burns the CPU. */
void xf_rt_charge(struct xf_rt *rt, uint64_t cost_ns);

/* Deterministic per-runtime PRNG (xoshiro256**, seeded from cfg.seed).
 * Real mode: shared by the vCPU threads under a lock; the stream is the
 * seeded one but which thread draws which value depends on timing. */
uint64_t xf_rt_rand(struct xf_rt *rt);

/* Runs until xf_rt_stop(), until no actor is runnable and no timer is
 * armed (sim: -EDEADLK is NOT returned, it just returns 0), or until
 * time reaches until_ns (UINT64_MAX: no limit).
 *
 * until_ns is absolute, in xf_rt_now_ns() time (virtual in sim,
 * CLOCK_MONOTONIC in real). Sim: events at times <= until_ns run, later
 * ones stay queued for the next xf_rt_run(), and the clock is left at
 * until_ns. Real: while any fd is watched the runtime cannot tell idle
 * from "waiting for a peer", so it runs until stop or until_ns; with no
 * watched fd it also returns when idle. A stop requested while
 * xf_rt_run() is not running makes the next one return at once.
 * Returns 0, -EBUSY when called from inside run(), or a real-mode
 * thread error (e.g. pinning failed: -EINVAL/-errno). */
int xf_rt_run(struct xf_rt *rt, uint64_t until_ns);
/* Thread-safe; xf_rt_run() returns soon after. */
void xf_rt_stop(struct xf_rt *rt);

struct xf_rt_vcpu_stats {
	uint64_t busy_ns;     /* charged CPU time */
	uint64_t runs;        /* actor run() calls */
	uint64_t wall_ns;     /* time covered by the stats: sim, virtual
			       * time so far (incl. the last charge);
			       * real, time the vCPU thread existed */
};
int xf_rt_vcpu_stats(struct xf_rt *rt, unsigned int vcpu,
		     struct xf_rt_vcpu_stats *out);

/* Sim: an event trace for determinism checks: a running hash over
 * (time, actor name, vcpu) of every run(), and the count. Real mode
 * keeps no trace (hash of nothing, length 0). */
uint64_t xf_rt_trace_hash(const struct xf_rt *rt);
uint64_t xf_rt_trace_len(const struct xf_rt *rt);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_RUNTIME_H */
