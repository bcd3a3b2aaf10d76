/* SPDX-License-Identifier: MIT */
/* Per-vCPU statistics and the sim event trace. */
#include <errno.h>

#include "rt_private.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	/* Byte by byte, little-endian, so the hash does not depend on the
	 * host's byte order. */
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

void rt_trace_record(struct xf_rt *rt, uint64_t time, const char *name,
		     unsigned int vcpu)
{
	uint64_t h = rt->trace_len ? rt->trace_hash : FNV_OFFSET;
	const char *n = name ? name : "";
	size_t len = 0;

	while (n[len])
		len++;
	h = fnv_u64(h, time);
	h = fnv_bytes(h, n, len + 1);
	h = fnv_u64(h, vcpu);
	rt->trace_hash = h;
	rt->trace_len++;
}

uint64_t xf_rt_trace_hash(const struct xf_rt *rt)
{
	return rt->trace_len ? rt->trace_hash : FNV_OFFSET;
}

uint64_t xf_rt_trace_len(const struct xf_rt *rt)
{
	return rt->trace_len;
}

int xf_rt_vcpu_stats(struct xf_rt *rt, unsigned int vcpu,
		     struct xf_rt_vcpu_stats *out)
{
	const struct rt_vcpu_stats_atomic *s;

	if (!rt || !out || vcpu >= rt->cfg.nr_vcpus)
		return -EINVAL;
	s = &rt->stats[vcpu];
	out->busy_ns = atomic_load_explicit(&s->busy_ns, memory_order_relaxed);
	out->runs = atomic_load_explicit(&s->runs, memory_order_relaxed);
	if (rt->cfg.mode == XF_RT_SIM)
		out->wall_ns = sim_wall(rt);
	else
		out->wall_ns = atomic_load_explicit(&s->wall_ns,
						    memory_order_relaxed);
	return 0;
}
