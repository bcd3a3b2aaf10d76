/* SPDX-License-Identifier: MIT */
/*
 * The guest wall clock: monotonic time plus a base plus a steppable
 * offset. Kept apart from xf_rt_now_ns() so that a wall-clock step can
 * be injected without moving any timer or the sim scheduler.
 */
#include <time.h>

#include "rt_private.h"

static uint64_t wall_base(struct xf_rt *rt)
{
	struct timespec ts;

	if (rt->cfg.mode == XF_RT_SIM)
		return XF_RT_SIM_WALL_EPOCH_NS + sim_now(rt);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t xf_rt_wall_ns(struct xf_rt *rt)
{
	uint64_t base = wall_base(rt);
	int64_t off = atomic_load_explicit(&rt->wall_offset,
					   memory_order_relaxed);

	if (off >= 0)
		return base + (uint64_t)off >= base ? base + (uint64_t)off
						   : UINT64_MAX;
	/* -(off + 1) + 1 avoids negating INT64_MIN. */
	uint64_t back = (uint64_t)(-(off + 1)) + 1;

	return back > base ? 0 : base - back;
}

void xf_rt_step_wall_clock(struct xf_rt *rt, int64_t delta_ns)
{
	int64_t cur = atomic_load(&rt->wall_offset), next;

	do {
		/* Saturate rather than wrap: a huge step stays huge. */
		if (delta_ns > 0 && cur > INT64_MAX - delta_ns)
			next = INT64_MAX;
		else if (delta_ns < 0 && cur < INT64_MIN - delta_ns)
			next = INT64_MIN;
		else
			next = cur + delta_ns;
	} while (!atomic_compare_exchange_weak(&rt->wall_offset, &cur, next));
}

int64_t xf_rt_wall_offset_ns(struct xf_rt *rt)
{
	return atomic_load(&rt->wall_offset);
}

uint64_t xf_rt_clock_ns(struct xf_rt *rt, enum xf_rt_clock clock)
{
	return clock == XF_CLOCK_WALL ? xf_rt_wall_ns(rt) : xf_rt_now_ns(rt);
}
