/* SPDX-License-Identifier: MIT */
/* Runtime object, configuration, and dispatch to the sim/real driver. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "rt_private.h"

void xf_rt_config_init(struct xf_rt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = XF_RT_SIM;
	cfg->seed = 1;
	cfg->nr_vcpus = 1;
	for (unsigned int i = 0; i < XF_RT_MAX_VCPUS; i++)
		cfg->pin_cpu[i] = -1;
}

/* Reject pinning to CPUs this process may not use now, so a bad
 * --pin is reported at set-up rather than by a thread later. */
static int check_pinning(const struct xf_rt_config *cfg)
{
	cpu_set_t allowed;
	bool any = false;

	for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
		if (cfg->pin_cpu[i] < -1 || cfg->pin_cpu[i] >= CPU_SETSIZE)
			return -EINVAL;
		if (cfg->pin_cpu[i] >= 0)
			any = true;
	}
	if (!any)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return -errno;
	for (unsigned int i = 0; i < cfg->nr_vcpus; i++)
		if (cfg->pin_cpu[i] >= 0 &&
		    !CPU_ISSET(cfg->pin_cpu[i], &allowed))
			return -EINVAL;
	return 0;
}

int xf_rt_new(const struct xf_rt_config *cfg, struct xf_rt **out)
{
	struct xf_rt *rt;
	int err;

	if (!cfg || !out)
		return -EINVAL;
	if (cfg->mode != XF_RT_SIM && cfg->mode != XF_RT_REAL)
		return -EINVAL;
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > XF_RT_MAX_VCPUS)
		return -EINVAL;
	if (cfg->mode == XF_RT_REAL) {
		err = check_pinning(cfg);
		if (err)
			return err;
	}

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	rt->cfg = *cfg;
	atomic_init(&rt->stop, false);
	atomic_init(&rt->wall_offset, 0);
	pthread_mutex_init(&rt->rand_lock, NULL);
	xf_rng_seed(&rt->rng, cfg->seed);

	if (cfg->mode == XF_RT_SIM)
		err = sim_init(rt);
	else
		err = real_init(rt);
	if (err) {
		pthread_mutex_destroy(&rt->rand_lock);
		free(rt);
		return err;
	}
	*out = rt;
	return 0;
}

void xf_rt_free(struct xf_rt *rt)
{
	if (!rt)
		return;
	if (rt->cfg.mode == XF_RT_SIM)
		sim_fini(rt);
	else
		real_fini(rt);
	pthread_mutex_destroy(&rt->rand_lock);
	free(rt);
}

enum xf_rt_mode xf_rt_mode(const struct xf_rt *rt)
{
	return rt->cfg.mode;
}

unsigned int xf_rt_nr_vcpus(const struct xf_rt *rt)
{
	return rt->cfg.nr_vcpus;
}

uint64_t xf_rt_now_ns(struct xf_rt *rt)
{
	if (rt->cfg.mode == XF_RT_SIM)
		return sim_now(rt);
	return real_now();
}

void xf_rt_charge(struct xf_rt *rt, uint64_t cost_ns)
{
	if (rt->cfg.mode == XF_RT_SIM)
		sim_charge(rt, cost_ns);
	else
		real_charge(rt, cost_ns);
}

/* A stop that arrives while xf_rt_run() is not running makes the next
 * xf_rt_run() return at once; the flag is cleared when run returns. */
int xf_rt_run(struct xf_rt *rt, uint64_t until_ns)
{
	int ret;

	if (!rt)
		return -EINVAL;
	if (rt->cfg.mode == XF_RT_SIM)
		ret = sim_run(rt, until_ns);
	else
		ret = real_run(rt, until_ns);
	atomic_store(&rt->stop, false);
	return ret;
}

void xf_rt_stop(struct xf_rt *rt)
{
	atomic_store(&rt->stop, true);
	if (rt->cfg.mode == XF_RT_REAL)
		real_stop(rt);
}

/* Sim: one thread, so no lock and the sequence is a function of the seed
 * and the (deterministic) order of calls. Real: vCPU threads share one
 * generator under a mutex; each value is still from the seeded stream,
 * but which thread gets which value depends on thread timing. */
uint64_t xf_rt_rand(struct xf_rt *rt)
{
	uint64_t v;

	if (rt->cfg.mode == XF_RT_SIM)
		return xf_rng_next(&rt->rng);
	pthread_mutex_lock(&rt->rand_lock);
	v = xf_rng_next(&rt->rng);
	pthread_mutex_unlock(&rt->rand_lock);
	return v;
}
