// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/metrics.h>

#define NS_PER_S 1000000000ull

void xf_series_init(struct xf_series *s, uint64_t start_ns,
		    uint64_t interval_ns)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = start_ns;
	s->interval_ns = interval_ns ? interval_ns : NS_PER_S;
}

void xf_series_free(struct xf_series *s)
{
	free(s->ops);
	free(s->bytes);
	s->ops = s->bytes = NULL;
	s->n = s->cap = 0;
}

static int series_grow(struct xf_series *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 16;
	uint64_t *o, *b;

	if (n <= s->cap)
		goto zero;
	while (cap < n)
		cap *= 2;
	o = realloc(s->ops, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	s->ops = o;
	b = realloc(s->bytes, cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	s->bytes = b;
	s->cap = cap;
zero:
	if (n > s->n) {
		memset(s->ops + s->n, 0, (n - s->n) * sizeof(*s->ops));
		memset(s->bytes + s->n, 0, (n - s->n) * sizeof(*s->bytes));
		s->n = n;
	}
	return 0;
}

static size_t series_slot(const struct xf_series *s, uint64_t when_ns)
{
	if (when_ns <= s->start_ns)
		return 0;
	return (size_t)((when_ns - s->start_ns) / s->interval_ns);
}

int xf_series_add(struct xf_series *s, uint64_t when_ns, uint64_t ops,
		  uint64_t bytes)
{
	size_t i = series_slot(s, when_ns);
	int r = series_grow(s, i + 1);

	if (r)
		return r;
	s->ops[i] += ops;
	s->bytes[i] += bytes;
	return 0;
}

int xf_series_extend(struct xf_series *s, uint64_t when_ns)
{
	uint64_t span = when_ns > s->start_ns ? when_ns - s->start_ns : 0;
	size_t n = (size_t)((span + s->interval_ns - 1) / s->interval_ns);

	return series_grow(s, n);
}

int xf_series_merge(struct xf_series *dst, const struct xf_series *src)
{
	int r;

	if (dst->interval_ns != src->interval_ns ||
	    dst->start_ns != src->start_ns)
		return -EINVAL;
	r = series_grow(dst, src->n);
	if (r)
		return r;
	for (size_t i = 0; i < src->n; i++) {
		dst->ops[i] += src->ops[i];
		dst->bytes[i] += src->bytes[i];
	}
	return 0;
}
