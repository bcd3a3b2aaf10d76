/* SPDX-License-Identifier: MIT */
/* Actor registration and the per-actor calls, dispatched to a driver. */
#include <errno.h>
#include <stdlib.h>

#include "rt_private.h"

int xf_actor_add(struct xf_rt *rt, struct xf_actor *a,
		 const struct xf_actor_ops *ops, const char *name,
		 unsigned int vcpu)
{
	struct rt_actor *ra;
	int err;

	if (!rt || !a || !ops || !ops->run || vcpu >= rt->cfg.nr_vcpus)
		return -EINVAL;
	ra = calloc(1, sizeof(*ra));
	if (!ra)
		return -ENOMEM;
	ra->a = a;
	ra->rt = rt;
	ra->run_ev.idx = SIM_EV_NOT_QUEUED;
	ra->run_ev.kind = SIM_EV_RUN;
	ra->run_ev.ra = ra;
	ra->timer_ev.idx = SIM_EV_NOT_QUEUED;
	ra->timer_ev.kind = SIM_EV_TIMER;
	ra->timer_ev.ra = ra;
	real_actor_init(ra);

	if (rt->cfg.mode == XF_RT_SIM)
		err = sim_actor_add(rt, ra);
	else
		err = real_actor_add(rt, ra, vcpu);
	if (err) {
		free(ra);
		return err;
	}
	a->ops = ops;
	a->name = name ? name : "";
	a->rt = rt;
	a->vcpu = vcpu;
	a->priv = ra;
	return 0;
}

void xf_actor_remove(struct xf_actor *a)
{
	struct rt_actor *ra;

	if (!a || !a->priv)
		return;
	ra = a->priv;
	if (ra->rt->cfg.mode == XF_RT_SIM)
		sim_actor_remove(ra->rt, ra);
	else
		real_actor_remove(ra->rt, ra);
	free(ra->watches);
	free(ra);
	a->priv = NULL;
}

void xf_actor_kick(struct xf_actor *a)
{
	struct rt_actor *ra = a->priv;

	if (!ra)
		return;
	if (ra->rt->cfg.mode == XF_RT_SIM)
		sim_kick(ra->rt, ra);
	else
		real_kick(ra->rt, ra);
}

void xf_actor_wakeup(void *actor)
{
	xf_actor_kick(actor);
}

void xf_actor_set_timer(struct xf_actor *a, uint64_t when_ns)
{
	struct rt_actor *ra = a->priv;

	if (!ra)
		return;
	if (ra->rt->cfg.mode == XF_RT_SIM)
		sim_set_timer(ra->rt, ra, when_ns);
	else
		real_set_timer(ra->rt, ra, when_ns);
}

int xf_actor_watch_fd(struct xf_actor *a, int fd)
{
	struct rt_actor *ra = a ? a->priv : NULL;

	if (!ra || fd < 0)
		return -EINVAL;
	if (ra->rt->cfg.mode == XF_RT_SIM)
		return -ENOTSUP;
	return real_watch_fd(ra->rt, ra, fd);
}

int xf_actor_unwatch_fd(struct xf_actor *a, int fd)
{
	struct rt_actor *ra = a ? a->priv : NULL;

	if (!ra || fd < 0)
		return -EINVAL;
	if (ra->rt->cfg.mode == XF_RT_SIM)
		return -ENOTSUP;
	return real_unwatch_fd(ra->rt, ra, fd);
}
