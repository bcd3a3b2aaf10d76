/* SPDX-License-Identifier: MIT */
/*
 * Grant tables. Each domain's granted pages live in one memfd; the
 * granter and every mapper mmap the same file pages (MAP_SHARED), so a
 * mapping aliases the granted memory as a real grant map does. A
 * multi-page map reserves a contiguous range and maps each page at
 * consecutive addresses with MAP_FIXED.
 *
 * Grefs are allocated monotonically per granting domain, so a gref is
 * never reused while mapped and stale grefs are not silently re-aimed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mock-private.h"

#define PS ((size_t)XF_PAGE_SIZE)
#define MOCK_GNT_MAX 65536u      /* grants per domain */
#define MOCK_GROW_PAGES 256u

static struct mock_grant *gnt_find(struct mock_dom *d, xf_gref ref)
{
	struct mock_grant *g;

	for (g = d->gnt[ref % MOCK_GNT_BUCKETS]; g; g = g->next)
		if (g->ref == ref)
			return g;
	return NULL;
}

static void gnt_unlink(struct mock_dom *d, struct mock_grant *g)
{
	struct mock_grant **pp = &d->gnt[g->ref % MOCK_GNT_BUCKETS];

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
}

static xf_gref ref_alloc(struct mock_dom *d)
{
	xf_gref ref;

	do {
		ref = d->next_ref++;
		if (d->next_ref < MOCK_GNT_FIRST_REF)
			d->next_ref = MOCK_GNT_FIRST_REF;
	} while (ref < MOCK_GNT_FIRST_REF || gnt_find(d, ref));
	return ref;
}

static int pages_alloc(struct mock_dom *d, unsigned int n, uint32_t *offs)
{
	unsigned int i, need;

	if (d->memfd < 0) {
		d->memfd = memfd_create("xf-mock-grants", MFD_CLOEXEC);
		if (d->memfd < 0)
			return -errno;
	}
	need = n > d->nfree ? n - d->nfree : 0;
	if (need) {
		uint32_t grow = need > MOCK_GROW_PAGES ? need : MOCK_GROW_PAGES;

		if (ftruncate(d->memfd, (off_t)(d->memfd_pages + grow) * PS))
			return -errno;
		/* Room for every page, since all may be freed. */
		if (d->memfd_pages + grow > d->free_cap) {
			unsigned int cap = d->memfd_pages + grow;
			uint32_t *v = realloc(d->free_pgs, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			d->free_pgs = v;
			d->free_cap = cap;
		}
		/* Pushed in reverse so pops hand out ascending offsets,
		 * which mmap can merge into one mapping. */
		for (i = grow; i > 0; i--)
			d->free_pgs[d->nfree++] = d->memfd_pages + i - 1;
		d->memfd_pages += grow;
	}
	for (i = 0; i < n; i++)
		offs[i] = d->free_pgs[--d->nfree];
	return 0;
}

static void pages_free(struct mock_dom *d, const struct mock_grant *g)
{
	/* Give the memory back; a later share zeroes the page anyway. */
	fallocate(d->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)g->pgoff * PS, PS);
	d->free_pgs[d->nfree++] = g->pgoff;
}

/* Maps the pages at offs (in fd) at consecutive addresses. */
static int pages_map(int fd, const uint32_t *offs, unsigned int n, int prot,
		     void **out)
{
	uint8_t *base;
	unsigned int i = 0;

	base = mmap(NULL, n * PS, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	while (i < n) {
		unsigned int run = 1;

		while (i + run < n && offs[i + run] == offs[i] + run)
			run++;
		if (mmap(base + i * PS, run * PS, prot, MAP_SHARED | MAP_FIXED,
			 fd, (off_t)offs[i] * PS) == MAP_FAILED) {
			int rc = -errno;

			munmap(base, n * PS);
			return rc;
		}
		i += run;
	}
	*out = base;
	return 0;
}

/* Clears the byte and signals the port, as the Linux gntdev/gntalloc
 * drivers do when a mapping with an unmap notify goes away. */
static void notify_fire(struct mock_dom *d, uint8_t *base, size_t bytes,
			struct mock_unotify *un, struct mock_wakeq *wq)
{
	if (un->clear_offset >= 0 && (size_t)un->clear_offset < bytes)
		base[un->clear_offset] = 0;
	if (un->port != ~(xf_port)0)
		mock_evtchn_send(d, un->port, wq);
	un->clear_offset = -1;
	un->port = ~(xf_port)0;
}

static void grants_release(struct mock_map *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		m->g[i]->map_count--;
}

static int gnt_share(struct xf_platform *pl, xf_domid domid, unsigned int n,
		     bool writable, xf_gref *refs, void **addr)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct mock_share *s = NULL;
	uint32_t *offs = NULL;
	unsigned int i;
	void *a;
	int rc;

	if (!n || !refs || !addr)
		return -EINVAL;
	pthread_mutex_lock(&d->hv->lock);
	if (d->dead) {
		rc = -ESRCH;
		goto out;
	}
	if (d->ngrants + n > MOCK_GNT_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	offs = malloc(n * sizeof(*offs));
	if (!s || !offs || !(s->g = calloc(n, sizeof(*s->g))))
		goto out;
	for (i = 0; i < n; i++)
		if (!(s->g[i] = calloc(1, sizeof(**s->g))))
			goto out;
	rc = pages_alloc(d, n, offs);
	if (rc)
		goto out;
	rc = pages_map(d->memfd, offs, n, PROT_READ | PROT_WRITE, &a);
	if (rc) {
		for (i = 0; i < n; i++)
			d->free_pgs[d->nfree++] = offs[i];
		goto out;
	}
	memset(a, 0, n * PS);
	for (i = 0; i < n; i++) {
		struct mock_grant *g = s->g[i];

		g->ref = ref_alloc(d);
		g->to = domid;
		g->writable = writable;
		g->pgoff = offs[i];
		g->addr = (uint8_t *)a + i * PS;
		g->next = d->gnt[g->ref % MOCK_GNT_BUCKETS];
		d->gnt[g->ref % MOCK_GNT_BUCKETS] = g;
		refs[i] = g->ref;
	}
	s->addr = a;
	s->n = n;
	s->notify.clear_offset = -1;
	s->notify.port = ~(xf_port)0;
	s->next = d->shares;
	d->shares = s;
	d->ngrants += n;
	d->st.gnt_shared_pages += n;
	*addr = a;
	s = NULL;
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	if (s) {
		if (s->g)
			for (i = 0; i < n; i++)
				free(s->g[i]);
		free(s->g);
		free(s);
	}
	free(offs);
	return rc;
}

static int gnt_unshare(struct xf_platform *pl, void *addr, unsigned int n)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct mock_share *s, **pp;
	struct mock_wakeq wq;
	unsigned int i;
	int rc = -EINVAL;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&d->hv->lock);
	if (d->dead) {
		rc = -ESRCH;
		goto out;
	}
	for (pp = &d->shares; (s = *pp); pp = &s->next)
		if (s->addr == addr)
			break;
	if (!s || s->n != n)
		goto out;
	for (i = 0; i < n; i++) {
		if (s->g[i]->map_count) {
			/* The peer still maps it: freeing would hand its
			 * memory to someone else (XSA-396 class). */
			d->st.gnt_revoke_busy++;
			rc = -EBUSY;
			goto out;
		}
	}
	notify_fire(d, s->addr, n * PS, &s->notify, &wq);
	for (i = 0; i < n; i++) {
		gnt_unlink(d, s->g[i]);
		pages_free(d, s->g[i]);
		free(s->g[i]);
	}
	*pp = s->next;
	munmap(s->addr, n * PS);
	d->ngrants -= n;
	d->st.gnt_shared_pages -= n;
	free(s->g);
	free(s);
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

static int gnt_map(struct xf_platform *pl, xf_domid domid, unsigned int n,
		   const xf_gref *refs, bool writable, void **addr)
{
	struct mock_dom *d = mock_dom_of(pl), *gd;
	struct mock_map *m = NULL;
	uint32_t *offs = NULL;
	unsigned int i;
	int rc;

	if (!n || !refs || !addr)
		return -EINVAL;
	pthread_mutex_lock(&d->hv->lock);
	rc = -ESRCH;
	if (d->dead || !(gd = mock_dom_find(d->hv, domid)))
		goto out;
	rc = -ENOMEM;
	m = calloc(1, sizeof(*m));
	offs = malloc(n * sizeof(*offs));
	if (!m || !offs || !(m->g = calloc(n, sizeof(*m->g))))
		goto out;
	/* All or nothing: validate every gref before touching any. */
	for (i = 0; i < n; i++) {
		struct mock_grant *g = gnt_find(gd, refs[i]);

		if (!g) {
			rc = -ENOENT;
			goto out;
		}
		if (g->to != d->domid || (writable && !g->writable)) {
			rc = -EPERM;
			goto out;
		}
		m->g[i] = g;
		offs[i] = g->pgoff;
	}
	rc = pages_map(gd->memfd, offs, n,
		       writable ? PROT_READ | PROT_WRITE : PROT_READ, &m->addr);
	if (rc)
		goto out;
	for (i = 0; i < n; i++)
		m->g[i]->map_count++;
	m->n = n;
	m->notify.clear_offset = -1;
	m->notify.port = ~(xf_port)0;
	m->next = d->maps;
	d->maps = m;
	d->st.gnt_maps += n;
	d->st.gnt_mapped_pages += n;
	*addr = m->addr;
	m = NULL;
out:
	pthread_mutex_unlock(&d->hv->lock);
	if (m)
		free(m->g);
	free(m);
	free(offs);
	return rc;
}

static int gnt_unmap(struct xf_platform *pl, void *addr, unsigned int n)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct mock_map *m, **pp;
	struct mock_wakeq wq;
	int rc = -EINVAL;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&d->hv->lock);
	/* Allowed on a destroyed domain: it frees the detached copy. */
	for (pp = &d->maps; (m = *pp); pp = &m->next)
		if (m->addr == addr)
			break;
	if (!m || m->n != n)
		goto out;
	if (!m->orphan) {
		notify_fire(d, m->addr, n * PS, &m->notify, &wq);
		grants_release(m);
		d->st.gnt_mapped_pages -= n;
	}
	*pp = m->next;
	munmap(m->addr, n * PS);
	free(m->g);
	free(m);
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

static int gnt_set_unmap_notify(struct xf_platform *pl, void *addr,
				int clear_offset, xf_port port)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct mock_unotify *un = NULL;
	uint8_t *a = addr, *base = NULL;
	size_t bytes = 0;
	struct mock_share *s;
	struct mock_map *m;
	int rc = -EINVAL;

	pthread_mutex_lock(&d->hv->lock);
	if (d->dead) {
		rc = -ESRCH;
		goto out;
	}
	for (m = d->maps; m && !un; m = m->next) {
		if (!m->orphan && a >= (uint8_t *)m->addr &&
		    a < (uint8_t *)m->addr + m->n * PS) {
			un = &m->notify;
			base = m->addr;
			bytes = m->n * PS;
		}
	}
	for (s = d->shares; s && !un; s = s->next) {
		if (a >= (uint8_t *)s->addr &&
		    a < (uint8_t *)s->addr + s->n * PS) {
			un = &s->notify;
			base = s->addr;
			bytes = s->n * PS;
		}
	}
	if (!un)
		goto out;
	if (clear_offset >= 0) {
		size_t off = (size_t)(a - base) + (size_t)clear_offset;

		if (off >= bytes)
			goto out;
		un->clear_offset = (int)off;
	} else {
		un->clear_offset = -1;
	}
	un->port = port;
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	return rc;
}

static int16_t copy_one(struct mock_dom *d, struct xf_gnt_copy_seg *seg)
{
	struct mock_dom *gd;
	struct mock_grant *g;
	uint8_t *page;

	if ((size_t)seg->offset + seg->len > PS || (!seg->local && seg->len))
		return -EINVAL;
	gd = mock_dom_find(d->hv, seg->domid);
	if (!gd)
		return -ESRCH;
	g = gnt_find(gd, seg->gref);
	if (!g)
		return -ENOENT;
	if (g->to != d->domid || (seg->to_grant && !g->writable))
		return -EPERM;
	page = g->addr;
	if (seg->to_grant)
		memcpy(page + seg->offset, seg->local, seg->len);
	else
		memcpy(seg->local, page + seg->offset, seg->len);
	d->st.gnt_copies++;
	d->st.gnt_copy_bytes += seg->len;
	return 0;
}

static int gnt_copy(struct xf_platform *pl, struct xf_gnt_copy_seg *segs,
		    unsigned int n)
{
	struct mock_dom *d = mock_dom_of(pl);
	unsigned int i;
	int rc = 0;

	if (n && !segs)
		return -EINVAL;
	pthread_mutex_lock(&d->hv->lock);
	if (d->dead)
		rc = -ESRCH;
	for (i = 0; !rc && i < n; i++)
		segs[i].status = copy_one(d, &segs[i]);
	pthread_mutex_unlock(&d->hv->lock);
	return rc;
}

void mock_gnt_domain_destroy(struct mock_dom *d, struct mock_wakeq *wq)
{
	struct mock_share *s;
	struct mock_map *m;
	unsigned int i;

	for (m = d->maps; m; m = m->next) {
		if (m->orphan)
			continue;
		notify_fire(d, m->addr, m->n * PS, &m->notify, wq);
		grants_release(m);
		d->st.gnt_mapped_pages -= m->n;
		/* Detach from the granter's memory but keep the range
		 * valid: the dead domain's code may still be running in
		 * this process and unmap() later. */
		mmap(m->addr, m->n * PS, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		m->orphan = true;
	}
	for (s = d->shares; s; s = s->next) {
		notify_fire(d, s->addr, s->n * PS, &s->notify, wq);
		for (i = 0; i < s->n; i++)
			if (s->g[i]->map_count)
				d->st.gnt_leaked++;
		d->st.gnt_shared_pages -= s->n;
	}
}

void mock_gnt_domain_free(struct mock_dom *d)
{
	struct mock_share *s;
	struct mock_map *m;
	unsigned int i;

	while ((m = d->maps)) {
		d->maps = m->next;
		munmap(m->addr, m->n * PS);
		free(m->g);
		free(m);
	}
	while ((s = d->shares)) {
		d->shares = s->next;
		munmap(s->addr, s->n * PS);
		for (i = 0; i < s->n; i++)
			free(s->g[i]);
		free(s->g);
		free(s);
	}
	free(d->free_pgs);
	d->free_pgs = NULL;
	if (d->memfd >= 0)
		close(d->memfd);
	d->memfd = -1;
}

const struct xf_gnt_ops mock_gnt_ops = {
	.share = gnt_share,
	.unshare = gnt_unshare,
	.map = gnt_map,
	.unmap = gnt_unmap,
	.set_unmap_notify = gnt_set_unmap_notify,
	.copy = gnt_copy,
};
