/* SPDX-License-Identifier: MIT */
/* xoshiro256** (Blackman/Vigna), seeded through splitmix64 so that any
 * 64-bit seed, including 0, gives a well-mixed non-zero state. */
#include "rt_private.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rt_rng_seed(struct rt_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t rt_rng_next(struct rt_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Sim: one thread, so no lock and the sequence is a function of the seed
 * and the (deterministic) order of calls. Real: vCPU threads share one
 * generator under a mutex; each value is still from the seeded stream,
 * but which thread gets which value depends on thread timing. */
uint64_t xf_rt_rand(struct xf_rt *rt)
{
	uint64_t v;

	if (rt->cfg.mode == XF_RT_SIM)
		return rt_rng_next(&rt->rng);
	pthread_mutex_lock(&rt->rand_lock);
	v = rt_rng_next(&rt->rng);
	pthread_mutex_unlock(&rt->rand_lock);
	return v;
}
