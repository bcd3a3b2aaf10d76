// SPDX-License-Identifier: MIT
#include <math.h>
#include <string.h>
#include <xfront/metrics.h>

const double xf_hist_std_pcts[XF_HIST_NR_STD_PCTS] = {
	1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99,
};

void xf_hist_init(struct xf_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned int xf_hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 2 * XF_HIST_SUB)
		return (unsigned int)v;
	if (v > XF_HIST_MAX_VALUE)
		v = XF_HIST_MAX_VALUE;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - XF_HIST_SUB_BITS;
	return (shift + 1) * XF_HIST_SUB +
	       (unsigned int)((v >> shift) - XF_HIST_SUB);
}

uint64_t xf_hist_bucket_low(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * XF_HIST_SUB)
		return idx;
	shift = idx / XF_HIST_SUB - 1;
	return (uint64_t)(idx % XF_HIST_SUB + XF_HIST_SUB) << shift;
}

uint64_t xf_hist_bucket_high(unsigned int idx)
{
	unsigned int shift;

	if (idx < 2 * XF_HIST_SUB)
		return idx;
	shift = idx / XF_HIST_SUB - 1;
	return xf_hist_bucket_low(idx) + (UINT64_C(1) << shift) - 1;
}

void xf_hist_record_n(struct xf_hist *h, uint64_t v, uint64_t n)
{
	double d = (double)v;

	if (!n)
		return;
	h->bucket[xf_hist_index(v)] += n;
	h->count += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->sum += d * (double)n;
	h->sum_sq += d * d * (double)n;
}

void xf_hist_record(struct xf_hist *h, uint64_t v)
{
	xf_hist_record_n(h, v, 1);
}

void xf_hist_merge(struct xf_hist *dst, const struct xf_hist *src)
{
	if (!src->count)
		return;
	for (unsigned int i = 0; i < XF_HIST_NBUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sum_sq += src->sum_sq;
}

unsigned int xf_hist_next(const struct xf_hist *h, unsigned int from)
{
	while (from < XF_HIST_NBUCKETS && !h->bucket[from])
		from++;
	return from;
}

uint64_t xf_hist_percentile(const struct xf_hist *h, double p)
{
	uint64_t rank, seen = 0, v;

	if (!h->count)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	rank = (uint64_t)ceil(p * (double)h->count / 100.0);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < XF_HIST_NBUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			v = xf_hist_bucket_high(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double xf_hist_mean(const struct xf_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}

double xf_hist_stddev(const struct xf_hist *h)
{
	double m, var;

	if (h->count < 2)
		return 0.0;
	m = xf_hist_mean(h);
	var = h->sum_sq / (double)h->count - m * m;
	return var > 0 ? sqrt(var) : 0.0;
}
