// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/durability.h>
#include <xfront/util.h>

#define IN_FLIGHT UINT64_MAX

struct dur_write {
	uint64_t id, sector, nr;
	uint64_t submit_seq, done_seq;
	bool ok;
	/* In flight at a power loss: it may have landed before the loss
	 * (and died with the cache) or after it, and its acknowledgement
	 * cannot tell which. Legal content, never guaranteed. */
	bool uncertain;
};

struct dur_flush {
	uint64_t id, submit_seq;
};

struct dur_sector {
	uint64_t g_id;        /* guaranteed write, 0: none */
	uint64_t g_flush;
	uint64_t base_id;     /* content at the last check */
	uint8_t base_kind;    /* enum xf_dur_seen_kind */
	bool dirty;           /* listed in d->dirty */
	uint32_t npend, cap;
	uint64_t *pend;       /* writes that may legally be there */
};

struct xf_dur {
	/* Workload threads report I/O while a power cut checks (real
	 * mode): every entry point takes it. Recursive, so that the
	 * thread holding it across a power cut (xf_dur_hold) can check. */
	pthread_mutex_t lock;
	uint64_t first, nr;
	uint64_t seq;
	struct dur_sector *sec;
	struct dur_write *w;
	size_t nw, capw;
	struct dur_flush *f;
	size_t nf, capf;
	uint64_t next_flush;
	uint64_t *dirty;
	size_t ndirty, capdirty;
	bool degraded;
	char why[128];
	uint64_t flushes_ok, flushes_failed, flushes_unsupported;
};

static const char *const verdict_names[] = {
	[XF_DUR_OK] = "ok",
	[XF_DUR_LOSS] = "loss",
	[XF_DUR_DEGRADED] = "degraded",
};

const char *xf_dur_verdict_name(enum xf_dur_verdict v)
{
	return XF_NAME_OF(verdict_names, v, "?");
}

int xf_dur_new(uint64_t first, uint64_t nr, struct xf_dur **out)
{
	struct xf_dur *d = calloc(1, sizeof(*d));

	if (!d || !nr)
		goto fail;
	d->first = first;
	d->nr = nr;
	d->sec = calloc(nr, sizeof(*d->sec));
	if (!d->sec)
		goto fail;
	for (uint64_t i = 0; i < nr; i++)
		d->sec[i].base_kind = XF_DUR_SEEN_BLANK;
	{
		pthread_mutexattr_t ma;

		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&d->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	*out = d;
	return 0;
fail:
	free(d);
	return nr ? -ENOMEM : -EINVAL;
}

static void clear_tracking(struct xf_dur *d)
{
	for (uint64_t i = 0; i < d->nr; i++) {
		free(d->sec[i].pend);
		d->sec[i].pend = NULL;
		d->sec[i].npend = d->sec[i].cap = 0;
		d->sec[i].g_id = d->sec[i].g_flush = 0;
		d->sec[i].dirty = false;
	}
	d->nf = d->ndirty = 0;
}

void xf_dur_free(struct xf_dur *d)
{
	if (!d)
		return;
	clear_tracking(d);
	pthread_mutex_destroy(&d->lock);
	free(d->sec);
	free(d->w);
	free(d->f);
	free(d->dirty);
	free(d);
}

static struct dur_write *find_write(struct xf_dur *d, uint64_t id)
{
	size_t lo = 0, hi = d->nw;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->w[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->nw && d->w[lo].id == id ? &d->w[lo] : NULL;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * elem);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

static int pend_add(struct xf_dur *d, uint64_t s, uint64_t id)
{
	struct dur_sector *x = &d->sec[s];

	if (x->npend == x->cap) {
		uint32_t c = x->cap ? 2 * x->cap : 2;
		uint64_t *p = realloc(x->pend, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		x->pend = p;
		x->cap = c;
	}
	x->pend[x->npend++] = id;
	if (!x->dirty) {
		size_t cap = d->capdirty;

		if (grow((void **)&d->dirty, &cap, d->ndirty + 1,
			 sizeof(*d->dirty)))
			return -ENOMEM;
		d->capdirty = cap;
		d->dirty[d->ndirty++] = s;
		x->dirty = true;
	}
	return 0;
}

static int write_submit(struct xf_dur *d, uint64_t id, uint64_t sector,
			uint64_t nr)
{
	struct dur_write *w;
	size_t cap = d->capw;

	if (sector < d->first || nr == 0 || sector - d->first + nr > d->nr)
		return -ERANGE;
	if (!id || (d->nw && d->w[d->nw - 1].id >= id))
		return -EINVAL;
	if (grow((void **)&d->w, &cap, d->nw + 1, sizeof(*d->w)))
		return -ENOMEM;
	d->capw = cap;
	w = &d->w[d->nw++];
	*w = (struct dur_write){ id, sector, nr, ++d->seq, IN_FLIGHT, false,
				 false };
	for (uint64_t i = 0; i < nr; i++)
		if (pend_add(d, sector - d->first + i, id))
			return -ENOMEM;
	return 0;
}

int xf_dur_write_submit(struct xf_dur *d, uint64_t id, uint64_t sector,
			uint64_t nr)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = write_submit(d, id, sector, nr);
	pthread_mutex_unlock(&d->lock);
	return r;
}

/* g becomes sector s's guaranteed write; writes that finished before
 * g was submitted cannot legally reappear, so they leave the list. */
static void guarantee(struct xf_dur *d, uint64_t s, const struct dur_write *g,
		      uint64_t flush_id)
{
	struct dur_sector *x = &d->sec[s];
	uint32_t k = 0;

	if (g->id <= x->g_id)
		return;
	x->g_id = g->id;
	x->g_flush = flush_id;
	for (uint32_t i = 0; i < x->npend; i++) {
		const struct dur_write *r = find_write(d, x->pend[i]);

		if (x->pend[i] == g->id ||
		    (r && r->done_seq != IN_FLIGHT &&
		     r->done_seq < g->submit_seq))
			continue;
		x->pend[k++] = x->pend[i];
	}
	x->npend = k;
}

/*
 * After a power loss the tracking starts afresh, except for writes still
 * in flight: the backend may take one only after the loss (it lands and
 * is acknowledged) or may have landed it just before (it died with the
 * cache, yet its acknowledgement can still arrive). Either content is
 * legal on its sectors; neither can be guaranteed. Flushes in flight
 * are forgotten: the cache they would have flushed is gone.
 */
static int new_epoch(struct xf_dur *d)
{
	size_t k = 0;

	clear_tracking(d);
	for (size_t i = 0; i < d->nw; i++) {
		if (d->w[i].done_seq != IN_FLIGHT)
			continue;
		d->w[k] = d->w[i];
		d->w[k++].uncertain = true;
	}
	d->nw = k;
	for (size_t i = 0; i < k; i++)
		for (uint64_t s = 0; s < d->w[i].nr; s++)
			if (pend_add(d, d->w[i].sector - d->first + s,
				     d->w[i].id))
				return -ENOMEM;
	return 0;
}

int xf_dur_write_done(struct xf_dur *d, uint64_t id, int status, bool fua)
{
	struct dur_write *w;

	pthread_mutex_lock(&d->lock);
	w = find_write(d, id);
	if (!w || w->done_seq != IN_FLIGHT) {
		pthread_mutex_unlock(&d->lock);
		return -ENOENT;
	}
	w->done_seq = ++d->seq;
	w->ok = status == 0;
	if (w->ok && fua && !w->uncertain)
		for (uint64_t i = 0; i < w->nr; i++)
			guarantee(d, w->sector - d->first + i, w, 0);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

uint64_t xf_dur_flush_submit(struct xf_dur *d)
{
	size_t cap;
	uint64_t id = 0;

	pthread_mutex_lock(&d->lock);
	cap = d->capf;
	if (!grow((void **)&d->f, &cap, d->nf + 1, sizeof(*d->f))) {
		d->capf = cap;
		d->f[d->nf] = (struct dur_flush){ ++d->next_flush, ++d->seq };
		id = d->f[d->nf++].id;
	}
	pthread_mutex_unlock(&d->lock);
	return id;
}

static void set_degraded(struct xf_dur *d, const char *why)
{
	size_t n = 0;

	if (d->degraded)
		return;
	d->degraded = true;
	while (why && why[n] && n < sizeof(d->why) - 1) {
		d->why[n] = why[n];
		n++;
	}
	d->why[n] = 0;
}

static int flush_done(struct xf_dur *d, uint64_t flush_id, int status)
{
	const struct dur_flush *f = NULL;
	size_t k = 0;

	for (size_t i = 0; i < d->nf; i++)
		if (d->f[i].id == flush_id)
			f = &d->f[i];
	if (!f)
		return -ENOENT;
	if (status == -EOPNOTSUPP) {
		d->flushes_unsupported++;
		set_degraded(d, "the backend refused flush (EOPNOTSUPP)");
		return 0;
	}
	if (status) {
		d->flushes_failed++;
		return 0;
	}
	d->flushes_ok++;
	for (size_t i = 0; i < d->ndirty; i++) {
		uint64_t s = d->dirty[i];
		struct dur_sector *x = &d->sec[s];
		const struct dur_write *best = NULL;

		for (uint32_t j = 0; j < x->npend; j++) {
			const struct dur_write *r = find_write(d, x->pend[j]);

			if (r && r->ok && !r->uncertain &&
			    r->done_seq < f->submit_seq &&
			    (!best || r->id > best->id))
				best = r;
		}
		if (best)
			guarantee(d, s, best, flush_id);
		if (x->npend)
			d->dirty[k++] = s;
		else
			x->dirty = false;
	}
	d->ndirty = k;
	return 0;
}

int xf_dur_flush_done(struct xf_dur *d, uint64_t flush_id, int status)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = flush_done(d, flush_id, status);
	pthread_mutex_unlock(&d->lock);
	return r;
}

void xf_dur_set_degraded(struct xf_dur *d, const char *why)
{
	pthread_mutex_lock(&d->lock);
	set_degraded(d, why);
	pthread_mutex_unlock(&d->lock);
}

static bool pending_has(const struct dur_sector *x, uint64_t id)
{
	for (uint32_t i = 0; i < x->npend; i++)
		if (x->pend[i] == id)
			return true;
	return false;
}

static int add_loss(struct xf_dur_report *rep, size_t max,
		    const struct xf_dur_loss *l)
{
	struct xf_dur_loss *last = rep->nlosses ?
		&rep->losses[rep->nlosses - 1] : NULL;
	struct xf_dur_loss *v;

	if (last && last->kind == l->kind && last->write_id == l->write_id &&
	    last->found_id == l->found_id &&
	    last->sector + last->nr_sectors == l->sector) {
		last->nr_sectors++;
		return 0;
	}
	if (l->write_id)
		rep->writes_lost++;
	if (rep->nlosses >= max)
		return 0;
	v = realloc(rep->losses, (rep->nlosses + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rep->losses = v;
	rep->losses[rep->nlosses++] = *l;
	return 0;
}

static int check(struct xf_dur *d, const struct xf_dur_seen *seen,
		 size_t max_losses, struct xf_dur_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	for (uint64_t i = 0; i < d->nr; i++) {
		const struct dur_sector *x = &d->sec[i];
		const struct xf_dur_seen *s = &seen[i];
		struct xf_dur_loss l = { .sector = d->first + i,
					 .nr_sectors = 1,
					 .write_id = x->g_id,
					 .flush_id = x->g_flush };
		bool legal;

		rep->sectors_checked++;
		if (s->kind == XF_DUR_SEEN_CORRUPT) {
			rep->sectors_corrupt++;
			l.kind = XF_DUR_LOSS_CORRUPT;
			if (add_loss(rep, max_losses, &l))
				return -ENOMEM;
			continue;
		}
		if (s->kind == XF_DUR_SEEN_WRITE && x->g_id &&
		    s->write_id == x->g_id) {
			rep->guaranteed_ok++;
			continue;
		}
		if (s->kind == XF_DUR_SEEN_WRITE &&
		    pending_has(x, s->write_id)) {
			rep->unguaranteed_kept++;
			continue;
		}
		/* Nothing guaranteed: the old content may stay. */
		legal = !x->g_id && s->kind == x->base_kind &&
			(s->kind == XF_DUR_SEEN_BLANK ||
			 s->write_id == x->base_id);
		if (legal) {
			rep->guaranteed_ok++;
			continue;
		}
		rep->sectors_lost++;
		if (s->kind == XF_DUR_SEEN_BLANK) {
			l.kind = XF_DUR_LOSS_BLANK;
		} else {
			l.found_id = s->write_id;
			l.kind = (s->write_id < x->g_id &&
				  (find_write(d, s->write_id) ||
				   s->write_id == x->base_id)) ?
				 XF_DUR_LOSS_OLDER : XF_DUR_LOSS_UNKNOWN;
		}
		if (add_loss(rep, max_losses, &l))
			return -ENOMEM;
	}
	rep->flushes_ok = d->flushes_ok;
	rep->flushes_failed = d->flushes_failed;
	rep->flushes_unsupported = d->flushes_unsupported;
	if (rep->sectors_lost || rep->sectors_corrupt)
		rep->verdict = XF_DUR_LOSS;
	else if (d->degraded)
		rep->verdict = XF_DUR_DEGRADED;
	else
		rep->verdict = XF_DUR_OK;
	snprintf(rep->degraded_why, sizeof(rep->degraded_why), "%s", d->why);
	/* What is on the disk now is the next baseline. */
	for (uint64_t i = 0; i < d->nr; i++) {
		d->sec[i].base_kind = (uint8_t)seen[i].kind;
		d->sec[i].base_id = seen[i].write_id;
	}
	return new_epoch(d);
}

int xf_dur_check(struct xf_dur *d, const struct xf_dur_seen *seen,
		 size_t max_losses, struct xf_dur_report *rep)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = check(d, seen, max_losses, rep);
	pthread_mutex_unlock(&d->lock);
	return r;
}

void xf_dur_hold(struct xf_dur *d)
{
	pthread_mutex_lock(&d->lock);
}

void xf_dur_release(struct xf_dur *d)
{
	pthread_mutex_unlock(&d->lock);
}

void xf_dur_report_free(struct xf_dur_report *rep)
{
	free(rep->losses);
	rep->losses = NULL;
	rep->nlosses = 0;
}
