// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/metrics.h>

void xf_ctrs_init(struct xf_ctrs *c)
{
	memset(c, 0, sizeof(*c));
}

void xf_ctrs_free(struct xf_ctrs *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static struct xf_ctr *ctrs_find(const struct xf_ctrs *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return &c->v[i];
	return NULL;
}

static struct xf_ctr *ctrs_get_or_add(struct xf_ctrs *c, const char *name)
{
	struct xf_ctr *e = ctrs_find(c, name), *v;
	char *dup;

	if (e)
		return e;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;

		v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->v = v;
		c->cap = cap;
	}
	dup = strdup(name);
	if (!dup)
		return NULL;
	e = &c->v[c->n++];
	e->name = dup;
	e->value = 0;
	return e;
}

int xf_ctrs_add(struct xf_ctrs *c, const char *name, uint64_t delta)
{
	struct xf_ctr *e = ctrs_get_or_add(c, name);

	if (!e)
		return -ENOMEM;
	e->value += delta;
	return 0;
}

int xf_ctrs_set(struct xf_ctrs *c, const char *name, uint64_t value)
{
	struct xf_ctr *e = ctrs_get_or_add(c, name);

	if (!e)
		return -ENOMEM;
	e->value = value;
	return 0;
}

uint64_t xf_ctrs_get(const struct xf_ctrs *c, const char *name)
{
	const struct xf_ctr *e = ctrs_find(c, name);

	return e ? e->value : 0;
}

int xf_ctrs_lookup(const struct xf_ctrs *c, const char *name, uint64_t *out)
{
	const struct xf_ctr *e = ctrs_find(c, name);

	if (!e)
		return -ENOENT;
	*out = e->value;
	return 0;
}

int xf_ctrs_merge(struct xf_ctrs *dst, const struct xf_ctrs *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int r = xf_ctrs_add(dst, src->v[i].name, src->v[i].value);

		if (r)
			return r;
	}
	return 0;
}

double xf_jain_index(const double *x, size_t n)
{
	double s = 0, sq = 0;

	for (size_t i = 0; i < n; i++) {
		s += x[i];
		sq += x[i] * x[i];
	}
	if (!n || sq == 0)
		return 1.0;
	return s * s / ((double)n * sq);
}
