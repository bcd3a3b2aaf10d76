/* SPDX-License-Identifier: MIT */
/* Performance model: latency distributions and token-bucket budgets that
 * several backends share. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

/* ---- latency ---- */

static uint64_t clamp_ns(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 1.8e19)
		return UINT64_MAX / 2;
	return (uint64_t)v;
}

uint64_t xf_blklat_sample(const struct xf_blklat *l, struct xf_rng *rng)
{
	double u, u2;

	switch (l->kind) {
	case XF_BLKLAT_NONE:
		return 0;
	case XF_BLKLAT_FIXED:
		return l->base_ns;
	case XF_BLKLAT_UNIFORM:
		if (l->param_ns == UINT64_MAX)
			return l->base_ns + xf_rng_next(rng);
		return l->base_ns + xf_rng_next(rng) % (l->param_ns + 1);
	case XF_BLKLAT_EXPONENTIAL:
		u = xf_rng_double(rng);
		return l->base_ns + clamp_ns(-log1p(-u) * (double)l->param_ns);
	case XF_BLKLAT_LOGNORMAL:
		/* Box-Muller; u in (0, 1] so the log is finite. */
		u = 1.0 - xf_rng_double(rng);
		u2 = xf_rng_double(rng);
		return l->base_ns +
		       clamp_ns((double)l->param_ns *
				exp(l->sigma * sqrt(-2.0 * log(u)) *
				    cos(2.0 * M_PI * u2)));
	}
	return 0;
}

uint64_t bb_model_service_ns(const struct xf_blkback_latency *l, uint8_t op,
			     uint64_t bytes, struct xf_rng *rng)
{
	const struct xf_blklat *d;

	switch (op) {
	case XF_BLKIF_OP_READ:
		d = &l->read;
		break;
	case XF_BLKIF_OP_WRITE:
		d = &l->write;
		break;
	case XF_BLKIF_OP_DISCARD:
		d = &l->discard;
		bytes = 0; /* no data moves */
		break;
	default:
		d = &l->flush;
		break;
	}
	return xf_blklat_sample(d, rng) + ((bytes * l->ns_per_kib) >> 10);
}

/* ---- budget (GCRA form of a token bucket) ---- */

struct xf_blkbudget {
	pthread_mutex_t lock;
	struct xf_blkbudget_config cfg;
	/* Theoretical arrival times: a request conforms at t when
	 * t >= tat - tolerance. Reserving books the slot, so callers that
	 * arrive while the budget is spent queue up behind each other. */
	double ops_tat;
	double bytes_tat;
	struct xf_blkbudget_stats st;
};

int xf_blkbudget_new(const struct xf_blkbudget_config *cfg,
		     struct xf_blkbudget **out)
{
	struct xf_blkbudget *b;

	if (!cfg || !out)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	if (!b->cfg.iops_burst)
		b->cfg.iops_burst = 1;
	if (!b->cfg.bytes_burst)
		b->cfg.bytes_burst = 128 * 1024;
	pthread_mutex_init(&b->lock, NULL);
	*out = b;
	return 0;
}

void xf_blkbudget_free(struct xf_blkbudget *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Earliest start for cost units at now, in a bucket that refills rate
 * units per second and holds burst units. */
static double gcra_start(double tat, double now, double cost, double rate,
			 double burst)
{
	double t_unit = 1e9 / rate;
	double tolerance = (burst > cost ? burst - cost : 0) * t_unit;
	double start = tat - tolerance;

	return start > now ? start : now;
}

static double gcra_book(double tat, double start, double cost, double rate)
{
	return (tat > start ? tat : start) + cost * 1e9 / rate;
}

uint64_t xf_blkbudget_reserve(struct xf_blkbudget *b, uint64_t now_ns,
			      uint64_t bytes)
{
	double now = (double)now_ns, start = now, s;
	uint64_t r;

	pthread_mutex_lock(&b->lock);
	if (b->cfg.iops) {
		s = gcra_start(b->ops_tat, now, 1.0, (double)b->cfg.iops,
			       (double)b->cfg.iops_burst);
		if (s > start)
			start = s;
	}
	if (b->cfg.bytes_per_sec && bytes) {
		s = gcra_start(b->bytes_tat, now, (double)bytes,
			       (double)b->cfg.bytes_per_sec,
			       (double)b->cfg.bytes_burst);
		if (s > start)
			start = s;
	}
	if (b->cfg.iops)
		b->ops_tat = gcra_book(b->ops_tat, start, 1.0,
				       (double)b->cfg.iops);
	if (b->cfg.bytes_per_sec && bytes)
		b->bytes_tat = gcra_book(b->bytes_tat, start, (double)bytes,
					 (double)b->cfg.bytes_per_sec);
	r = start > now ? (uint64_t)ceil(start) : now_ns;
	b->st.ops++;
	b->st.bytes += bytes;
	if (r > now_ns) {
		b->st.delayed_ops++;
		b->st.delay_ns += r - now_ns;
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

void xf_blkbudget_stats(struct xf_blkbudget *b, struct xf_blkbudget_stats *out)
{
	pthread_mutex_lock(&b->lock);
	*out = b->st;
	pthread_mutex_unlock(&b->lock);
}
