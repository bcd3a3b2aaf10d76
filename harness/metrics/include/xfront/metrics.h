/* SPDX-License-Identifier: MIT */
/*
 * xfront metrics: latency histograms, per-second time series, named
 * counters and fairness.
 *
 * Histogram: log-linear buckets in the style of HdrHistogram. Values
 * below 2 * XF_HIST_SUB are exact; above, each power of two is split
 * into XF_HIST_SUB linear sub-buckets, so any recorded value is known
 * to within 1/XF_HIST_SUB (1.6 %). Values above XF_HIST_MAX_VALUE are
 * clamped into the top bucket (max still records them exactly).
 * Histograms of the same shape merge by adding buckets.
 *
 * Nothing here allocates except xf_series (grows as time advances) and
 * xf_ctrs (grows with names). Not thread-safe: one writer per object,
 * merge afterwards.
 */
#ifndef XFRONT_METRICS_H
#define XFRONT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_HIST_SUB_BITS 6
#define XF_HIST_SUB (1u << XF_HIST_SUB_BITS)
#define XF_HIST_MAX_MSB 44 /* ~4.9 hours in ns */
#define XF_HIST_MAX_VALUE ((UINT64_C(1) << (XF_HIST_MAX_MSB + 1)) - 1)
#define XF_HIST_NBUCKETS \
	((XF_HIST_MAX_MSB - XF_HIST_SUB_BITS + 2) * XF_HIST_SUB)

struct xf_hist {
	uint64_t count;
	uint64_t min, max;      /* exact; min = UINT64_MAX when empty */
	double sum, sum_sq;     /* for mean and standard deviation */
	uint64_t bucket[XF_HIST_NBUCKETS];
};

void xf_hist_init(struct xf_hist *h);
void xf_hist_record(struct xf_hist *h, uint64_t value);
void xf_hist_record_n(struct xf_hist *h, uint64_t value, uint64_t n);
/* dst += src. */
void xf_hist_merge(struct xf_hist *dst, const struct xf_hist *src);

/* The value at percentile p (0 < p <= 100): the highest value equivalent
 * to the bucket holding the ceil(p * count / 100)-th smallest sample,
 * capped at the exact max. 0 when empty. */
uint64_t xf_hist_percentile(const struct xf_hist *h, double p);
double xf_hist_mean(const struct xf_hist *h);
double xf_hist_stddev(const struct xf_hist *h);

/* Bucket geometry, for iterating (CDF plots) and tests. */
unsigned int xf_hist_index(uint64_t value);
uint64_t xf_hist_bucket_low(unsigned int idx);
uint64_t xf_hist_bucket_high(unsigned int idx);

/* Iterates non-empty buckets in value order: returns the next index
 * >= from with a non-zero count, or XF_HIST_NBUCKETS at the end. */
unsigned int xf_hist_next(const struct xf_hist *h, unsigned int from);

/* The percentiles every report prints (fio's clat_ns set plus 99.9). */
#define XF_HIST_NR_STD_PCTS 7
extern const double xf_hist_std_pcts[XF_HIST_NR_STD_PCTS];

/* ------------------------------------------------------------------ */
/* Time series: operations and bytes per interval (1 s by default) of
 * virtual or real time, counted from a start time. */

struct xf_series {
	uint64_t start_ns;
	uint64_t interval_ns;
	size_t n;       /* intervals in use */
	size_t cap;
	uint64_t *ops;
	uint64_t *bytes;
};

/* interval_ns 0 means one second. */
void xf_series_init(struct xf_series *s, uint64_t start_ns,
		    uint64_t interval_ns);
void xf_series_free(struct xf_series *s);
/* -ENOMEM; events before start_ns land in interval 0. */
int xf_series_add(struct xf_series *s, uint64_t when_ns, uint64_t ops,
		  uint64_t bytes);
/* Extends the series with empty intervals up to when_ns (so idle tails
 * show as zero). */
int xf_series_extend(struct xf_series *s, uint64_t when_ns);
/* dst += src interval by interval (same start and interval). */
int xf_series_merge(struct xf_series *dst, const struct xf_series *src);

/* ------------------------------------------------------------------ */
/* Named counters (errors by kind, notifications, per-queue and per-vCPU
 * completions, ...): a small insertion-ordered map name -> uint64. */

struct xf_ctr {
	char *name;
	uint64_t value;
};

struct xf_ctrs {
	size_t n, cap;
	struct xf_ctr *v;
};

void xf_ctrs_init(struct xf_ctrs *c);
void xf_ctrs_free(struct xf_ctrs *c);
/* Adds delta to name (created at 0). -ENOMEM. */
int xf_ctrs_add(struct xf_ctrs *c, const char *name, uint64_t delta);
int xf_ctrs_set(struct xf_ctrs *c, const char *name, uint64_t value);
/* 0 for an unknown name. */
uint64_t xf_ctrs_get(const struct xf_ctrs *c, const char *name);
/* -ENOENT for an unknown name. */
int xf_ctrs_lookup(const struct xf_ctrs *c, const char *name,
		   uint64_t *out);
int xf_ctrs_merge(struct xf_ctrs *dst, const struct xf_ctrs *src);

/* ------------------------------------------------------------------ */
/* Jain's fairness index (sum x)^2 / (n * sum x^2): 1 when all equal,
 * 1/n when one takes everything. 1 for n == 0 or all zero. */
double xf_jain_index(const double *x, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_METRICS_H */
