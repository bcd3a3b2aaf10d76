/* SPDX-License-Identifier: MIT */
/*
 * Grant tables. Each domain's granted pages live in one memfd, mapped
 * once (MAP_SHARED) into a reserved window: a share hands out page
 * slots of that window, reused through a free bitmap and zeroed with
 * memset, so the common share/unshare makes no system call. A mapper
 * likewise maps each granter's whole memfd once per protection (a
 * "view"); mapping pages that are consecutive in the granter's memfd
 * and mapped by nobody else returns a pointer into that view, so it
 * aliases the granted memory as a real grant map does. Any other
 * multi-page map reserves a contiguous range and maps each page at
 * consecutive addresses with MAP_FIXED, as before.
 *
 * Without munmap on unshare/unmap, stale pointers would still reach
 * memory; under AddressSanitizer, freed slots and unmapped view pages
 * are poisoned so such use is still reported.
 *
 * The memory of a revoked grant goes back to the kernel (a hole punched
 * in the memfd), so a domain's footprint follows what it shares now,
 * not its peak. A live granter cannot revoke a mapped grant (-EBUSY);
 * a dead granter's mapped pages are released with their last mapping.
 * Reusing a released page costs a page fault, so a bounded number of
 * revoked pages stay "warm" for the next shares; past the limit the
 * highest ones (the peak, since slots are taken lowest first) go.
 *
 * Grefs are allocated monotonically per granting domain, so a gref is
 * never reused while mapped and stale grefs are not silently re-aimed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock-private.h"

#if defined(__SANITIZE_ADDRESS__)
#define MOCK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MOCK_ASAN 1
#endif
#endif
#ifdef MOCK_ASAN
#include <sanitizer/asan_interface.h>
#define mem_poison(p, len) ASAN_POISON_MEMORY_REGION(p, len)
#define mem_unpoison(p, len) ASAN_UNPOISON_MEMORY_REGION(p, len)
#else
#define mem_poison(p, len) ((void)(p), (void)(len))
#define mem_unpoison(p, len) ((void)(p), (void)(len))
#endif

#define PS ((size_t)XF_PAGE_SIZE)
#define MOCK_GNT_MAX 65536u      /* grants per domain */
/* Page slots per memfd: twice the grants, so fragmentation of
 * multi-page shares rarely runs out of contiguous room. Only address
 * space is reserved. */
#define MOCK_VIEW_PAGES (2 * MOCK_GNT_MAX)
#define MOCK_GROW_PAGES 1024u
#define MOCK_SMALL_MAP 16u

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

/* Grant memory is accounted and released page by page: a huge page
 * would hold 2 MiB for one live grant. */
static void no_huge(void *p, size_t len)
{
	(void)madvise(p, len, MADV_NOHUGEPAGE);
}

static void *reserve(void)
{
	void *p = mmap(NULL, MOCK_VIEW_PAGES * PS, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unreserve(void *p)
{
	/* Leave no poisoned shadow behind for whoever gets the range. */
	mem_unpoison(p, MOCK_VIEW_PAGES * PS);
	munmap(p, MOCK_VIEW_PAGES * PS);
}

static bool slot_free(const struct mock_dom *d, uint32_t i)
{
	return d->free_bm[i / 64] >> (i % 64) & 1;
}

static void slots_mark(struct mock_dom *d, uint32_t off, unsigned int n,
		       bool free)
{
	unsigned int i;

	for (i = off; i < off + n; i++) {
		if (free)
			d->free_bm[i / 64] |= (uint64_t)1 << (i % 64);
		else
			d->free_bm[i / 64] &= ~((uint64_t)1 << (i % 64));
	}
	if (free && off / 64 < d->free_hint)
		d->free_hint = off / 64;
}

/* Lowest run of n free slots, or -1. */
static int64_t slots_find(struct mock_dom *d, unsigned int n)
{
	uint32_t w, nw = (d->memfd_pages + 63) / 64, i, run = 0, start = 0;

	while (d->free_hint < nw && !d->free_bm[d->free_hint])
		d->free_hint++;
	for (w = d->free_hint; w < nw; w++) {
		if (!d->free_bm[w]) {
			run = 0;
			continue;
		}
		if (n == 1)
			return (int64_t)w * 64 + __builtin_ctzll(d->free_bm[w]);
		for (i = w * 64; i < (w + 1) * 64 && i < d->memfd_pages; i++) {
			if (!slot_free(d, i)) {
				run = 0;
				continue;
			}
			if (!run++)
				start = i;
			if (run == n)
				return start;
		}
	}
	return -1;
}

static int memfd_grow(struct mock_dom *d)
{
	uint32_t grow = MOCK_VIEW_PAGES - d->memfd_pages;

	if (d->memfd < 0) {
		d->memfd = memfd_create("xf-mock-grants", MFD_CLOEXEC);
		if (d->memfd < 0)
			return -errno;
	}
	if (!d->view && !(d->view = reserve()))
		return -ENOMEM;
	if (!d->free_bm &&
	    !(d->free_bm = calloc(MOCK_VIEW_PAGES / 64, sizeof(uint64_t))))
		return -ENOMEM;
	if (!d->warm_bm &&
	    !(d->warm_bm = calloc(MOCK_VIEW_PAGES / 64, sizeof(uint64_t))))
		return -ENOMEM;
	if (!grow)
		return -ENOSPC;
	if (grow > MOCK_GROW_PAGES)
		grow = MOCK_GROW_PAGES;
	if (ftruncate(d->memfd, (off_t)(d->memfd_pages + grow) * PS))
		return -errno;
	if (mmap(d->view + d->memfd_pages * PS, grow * PS,
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d->memfd,
		 (off_t)d->memfd_pages * PS) == MAP_FAILED)
		return -errno;
	no_huge(d->view + d->memfd_pages * PS, grow * PS);
	mem_poison(d->view + d->memfd_pages * PS, grow * PS);
	slots_mark(d, d->memfd_pages, grow, true);
	d->memfd_pages += grow;
	return 0;
}

/* Hands the memory of n slots from off back to the kernel; they read
 * as zero until written again. The hole also drops every view's page
 * table entries for them. Should punching fail, the memory merely
 * stays allocated: a slot is zeroed again when shared. */
static void slots_release_memory(struct mock_dom *d, uint32_t off,
				 unsigned int n)
{
	if (d->memfd >= 0 && n)
		(void)fallocate(d->memfd,
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)off * (off_t)PS, (off_t)n * (off_t)PS);
}

uint64_t mock_gnt_mem_pages(const struct mock_dom *d)
{
	struct stat st;

	if (d->memfd < 0 || fstat(d->memfd, &st))
		return 0;
	return (uint64_t)st.st_blocks * 512u / PS;
}

static bool warm(const struct mock_dom *d, uint32_t i)
{
	return d->warm_bm[i / 64] >> (i % 64) & 1;
}

static void warm_set(struct mock_dom *d, uint32_t i, bool on)
{
	if (on)
		d->warm_bm[i / 64] |= (uint64_t)1 << (i % 64);
	else
		d->warm_bm[i / 64] &= ~((uint64_t)1 << (i % 64));
}

void mock_gnt_cache_trim(struct mock_dom *d, uint32_t keep)
{
	int64_t i, j;

	if (!d->warm_bm)
		return;
	/* From the top: slots are taken lowest first, so the low warm
	 * ones are the likeliest to be reused. */
	for (i = (int64_t)d->memfd_pages - 1; i >= 0 && d->warm_pages > keep;
	     i = j) {
		uint32_t len = 0;

		if (!d->warm_bm[i / 64]) {
			j = i - i % 64 - 1;
			continue;
		}
		for (j = i; j >= 0 && warm(d, (uint32_t)j) &&
			    d->warm_pages - len > keep; j--) {
			warm_set(d, (uint32_t)j, false);
			len++;
		}
		if (!len) {
			j = i - 1;
			continue;
		}
		slots_release_memory(d, (uint32_t)(j + 1), len);
		d->warm_pages -= len;
	}
}

static int slots_alloc(struct mock_dom *d, unsigned int n, uint32_t *off)
{
	int64_t i;
	uint32_t k;
	int rc;

	while ((i = d->free_bm ? slots_find(d, n) : -1) < 0) {
		rc = memfd_grow(d);
		if (rc)
			return rc;
	}
	slots_mark(d, (uint32_t)i, n, false);
	for (k = (uint32_t)i; k < (uint32_t)i + n; k++) {
		if (warm(d, k)) {
			warm_set(d, k, false);
			d->warm_pages--;
		}
	}
	*off = (uint32_t)i;
	return 0;
}

/* d's window on gd's memory, backed up to gd's current size. */
static struct mock_view *view_get(struct mock_dom *d, struct mock_dom *gd,
				  bool writable)
{
	struct mock_view *v;

	for (v = d->views; v; v = v->next)
		if (v->gd == gd && v->writable == writable)
			break;
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return NULL;
		v->base = reserve();
		if (!v->base) {
			free(v);
			return NULL;
		}
		v->gd = gd;
		v->writable = writable;
		v->next = d->views;
		d->views = v;
	}
	if (v->pages < gd->memfd_pages) {
		uint32_t grow = gd->memfd_pages - v->pages;

		if (mmap(v->base + v->pages * PS, grow * PS,
			 writable ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED | MAP_FIXED, gd->memfd,
			 (off_t)v->pages * PS) == MAP_FAILED)
			return NULL;
		no_huge(v->base + v->pages * PS, grow * PS);
		mem_poison(v->base + v->pages * PS, grow * PS);
		v->pages = gd->memfd_pages;
	}
	return v;
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

	for (i = 0; i < m->n; i++) {
		struct mock_grant *g = m->g[i];

		if (!--g->map_count && g->revoked)
			slots_release_memory(g->owner, g->pgoff, 1);
	}
}

static int gnt_share(struct xf_platform *pl, xf_domid domid, unsigned int n,
		     bool writable, xf_gref *refs, void **addr)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct mock_share *s;
	struct mock_grant *gs;
	unsigned int i;
	uint32_t off;
	uint8_t *a;
	int rc;

	if (!n || !refs || !addr)
		return -EINVAL;
	/* One block: the share, its grant pointers and the grants. */
	s = calloc(1, sizeof(*s) + n * (sizeof(*s->g) + sizeof(*gs)));
	if (!s)
		return -ENOMEM;
	s->g = (struct mock_grant **)(s + 1);
	gs = (struct mock_grant *)(s->g + n);
	pthread_mutex_lock(&d->hv->lock);
	if (d->dead) {
		rc = -ESRCH;
		goto out;
	}
	if (d->ngrants + n > MOCK_GNT_MAX) {
		rc = -ENOSPC;
		goto out;
	}
	rc = slots_alloc(d, n, &off);
	if (rc)
		goto out;
	a = d->view + off * PS;
	mem_unpoison(a, n * PS);
	memset(a, 0, n * PS);
	for (i = 0; i < n; i++) {
		struct mock_grant *g = &gs[i];

		g->ref = ref_alloc(d);
		g->to = domid;
		g->writable = writable;
		g->pgoff = off + i;
		g->addr = a + i * PS;
		g->owner = d;
		g->next = d->gnt[g->ref % MOCK_GNT_BUCKETS];
		d->gnt[g->ref % MOCK_GNT_BUCKETS] = g;
		s->g[i] = g;
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
out:
	pthread_mutex_unlock(&d->hv->lock);
	free(s);
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
	for (i = 0; i < n; i++)
		gnt_unlink(d, s->g[i]);
	/* Nobody maps these pages (checked above): their memory may go,
	 * after a stay in the cache. Zeroed again when shared. */
	mem_poison(s->addr, n * PS);
	slots_mark(d, s->g[0]->pgoff, n, true);
	for (i = 0; i < n; i++)
		warm_set(d, s->g[0]->pgoff + i, true);
	d->warm_pages += n;
	if (d->warm_pages > d->hv->gnt_cache_max)
		mock_gnt_cache_trim(d, d->hv->gnt_cache_max / 2);
	*pp = s->next;
	d->ngrants -= n;
	d->st.gnt_shared_pages -= n;
	free(s);
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

/* Where a map of grants g[0..n) goes without its own mmap: pages
 * consecutive in the granter's memfd and mapped by nobody (so a view
 * page is never shared by two live maps). */
static bool view_usable(struct mock_grant *const *g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (g[i]->map_count || g[i]->pgoff != g[0]->pgoff + i)
			return false;
	return true;
}

static int gnt_map(struct xf_platform *pl, xf_domid domid, unsigned int n,
		   const xf_gref *refs, bool writable, void **addr)
{
	struct mock_dom *d = mock_dom_of(pl), *gd;
	uint32_t small[MOCK_SMALL_MAP], *offs = small;
	struct mock_view *v;
	struct mock_map *m;
	unsigned int i;
	int rc;

	if (!n || !refs || !addr)
		return -EINVAL;
	m = calloc(1, sizeof(*m) + n * sizeof(*m->g));
	if (!m)
		return -ENOMEM;
	m->g = (struct mock_grant **)(m + 1);
	pthread_mutex_lock(&d->hv->lock);
	rc = -ESRCH;
	if (d->dead || !(gd = mock_dom_find(d->hv, domid)))
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
	}
	if (view_usable(m->g, n)) {
		rc = -ENOMEM;
		v = view_get(d, gd, writable);
		if (!v)
			goto out;
		m->addr = v->base + m->g[0]->pgoff * PS;
		mem_unpoison(m->addr, n * PS);
	} else {
		rc = -ENOMEM;
		if (n > MOCK_SMALL_MAP && !(offs = malloc(n * sizeof(*offs))))
			goto out;
		for (i = 0; i < n; i++)
			offs[i] = m->g[i]->pgoff;
		rc = pages_map(gd->memfd, offs, n,
			       writable ? PROT_READ | PROT_WRITE : PROT_READ,
			       &m->addr);
		if (rc)
			goto out;
		m->own_vma = true;
	}
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
	rc = 0;
out:
	pthread_mutex_unlock(&d->hv->lock);
	free(m);
	if (offs != small)
		free(offs);
	return rc;
}

static void map_release_memory(struct mock_map *m)
{
	if (m->own_vma)
		munmap(m->addr, m->n * PS);
	else
		mem_poison(m->addr, m->n * PS);
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
	map_release_memory(m);
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
		unsigned int run = 0;

		notify_fire(d, s->addr, s->n * PS, &s->notify, wq);
		/* Revoked with the domain: unmapped pages give their memory
		 * back now (in runs), mapped ones with their last mapping. */
		for (i = 0; i <= s->n; i++) {
			if (i < s->n) {
				s->g[i]->revoked = true;
				if (!s->g[i]->map_count) {
					run++;
					continue;
				}
				d->st.gnt_leaked++;
			}
			if (run)
				slots_release_memory(d,
						     s->g[i - run]->pgoff,
						     run);
			run = 0;
		}
		d->st.gnt_shared_pages -= s->n;
	}
	mock_gnt_cache_trim(d, 0);
}

void mock_gnt_domain_free(struct mock_dom *d)
{
	struct mock_share *s;
	struct mock_view *v;
	struct mock_map *m;

	while ((m = d->maps)) {
		d->maps = m->next;
		if (m->own_vma)
			munmap(m->addr, m->n * PS);
		free(m);
	}
	while ((v = d->views)) {
		d->views = v->next;
		unreserve(v->base);
		free(v);
	}
	while ((s = d->shares)) {
		d->shares = s->next;
		free(s);
	}
	if (d->view)
		unreserve(d->view);
	d->view = NULL;
	free(d->free_bm);
	d->free_bm = NULL;
	free(d->warm_bm);
	d->warm_bm = NULL;
	d->warm_pages = 0;
	if (d->memfd >= 0)
		close(d->memfd);
	d->memfd = -1;
}

void mock_gnt_domain_drop_maps(struct mock_dom *d)
{
	struct mock_map *m;

	while ((m = d->maps)) {
		d->maps = m->next;
		map_release_memory(m);
		free(m);
	}
}

void mock_gnt_domain_reset(struct mock_dom *d)
{
	struct mock_view *v, **pp;
	struct mock_share *s;
	unsigned int i;

	/* Every map is gone (mock_gnt_domain_drop_maps() on every domain
	 * first), so no grant is mapped: what was shared goes back to the
	 * free slots as an unshare would give it back. */
	while ((s = d->shares)) {
		d->shares = s->next;
		for (i = 0; i < s->n; i++)
			gnt_unlink(d, s->g[i]);
		mem_poison(s->addr, s->n * PS);
		slots_mark(d, s->g[0]->pgoff, s->n, true);
		for (i = 0; i < s->n; i++)
			warm_set(d, s->g[0]->pgoff + i, true);
		d->warm_pages += s->n;
		free(s);
	}
	d->ngrants = 0;
	/* The cache stays, as it would after those unshares: reusing warm
	 * pages instead of faulting fresh ones in is what makes a reset
	 * cheap for a domain that shares hundreds of pages per run. */
	if (d->warm_pages > d->hv->gnt_cache_max)
		mock_gnt_cache_trim(d, d->hv->gnt_cache_max / 2);

	/* A destroyed granter is freed by the reset and its address may
	 * come back as a new domain: a view must never outlive its
	 * memfd's owner. */
	for (pp = &d->views; (v = *pp);) {
		if (v->gd->dead) {
			*pp = v->next;
			unreserve(v->base);
			free(v);
		} else {
			pp = &v->next;
		}
	}
	d->free_hint = 0;
	d->next_ref = MOCK_GNT_FIRST_REF;
}

const struct xf_gnt_ops mock_gnt_ops = {
	.share = gnt_share,
	.unshare = gnt_unshare,
	.map = gnt_map,
	.unmap = gnt_unmap,
	.set_unmap_notify = gnt_set_unmap_notify,
	.copy = gnt_copy,
};
