/* SPDX-License-Identifier: MIT */
/* Steps the runtime suites repeat around their test actors. */
#ifndef XF_TESTS_RUNTIME_ACTORS_H
#define XF_TESTS_RUNTIME_ACTORS_H

#include <check.h>
#include <stdarg.h>
#include <stdint.h>

#include <xfront/runtime.h>

/* Adds actor a (ops, name) on vcpu and kicks it. */
static inline void start_actor(struct xf_rt *rt, struct xf_actor *a,
			       const struct xf_actor_ops *ops,
			       const char *name, unsigned int vcpu)
{
	ck_assert_int_eq(xf_actor_add(rt, a, ops, name, vcpu), 0);
	xf_actor_kick(a);
}

/* Runs until nothing is left to do (or an actor stops the runtime). */
static inline void run_idle(struct xf_rt *rt)
{
	ck_assert_int_eq(xf_rt_run(rt, UINT64_MAX), 0);
}

static inline struct xf_rt_vcpu_stats vcpu_stats(struct xf_rt *rt,
						 unsigned int vcpu)
{
	struct xf_rt_vcpu_stats st;

	ck_assert_int_eq(xf_rt_vcpu_stats(rt, vcpu, &st), 0);
	return st;
}

/* Removes the n actors that follow, then frees rt. */
static inline void rt_done(struct xf_rt *rt, unsigned int n, ...)
{
	va_list ap;

	va_start(ap, n);
	while (n--)
		xf_actor_remove(va_arg(ap, struct xf_actor *));
	va_end(ap);
	xf_rt_free(rt);
}

#endif
