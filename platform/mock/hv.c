/* SPDX-License-Identifier: MIT */
/*
 * The mock hypervisor: domain lifecycle, lookup and statistics.
 *
 * A destroyed domain's struct (and its xf_platform) stays allocated
 * until xf_mock_hv_free(), so handles and mappings the dead domain's
 * code still holds can be closed safely afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock-private.h"

_Static_assert(sizeof(struct xf_mock_stats) % sizeof(uint64_t) == 0,
	       "xf_mock_stats holds only uint64_t counters");

int xf_mock_hv_new(struct xf_mock_hv **out)
{
	static const struct xf_xs_perm root_perm = { 0, XF_XS_PERM_NONE };
	struct xf_mock_hv *hv;

	if (!out)
		return -EINVAL;
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return -ENOMEM;
	hv->root = mock_node_new("", NULL, &root_perm, 1);
	if (!hv->root) {
		free(hv);
		return -ENOMEM;
	}
	pthread_mutex_init(&hv->lock, NULL);
	hv->next_txn = 1;
	hv->gnt_cache_max = MOCK_GNT_CACHE_DEFAULT;
	*out = hv;
	return 0;
}

struct mock_dom *mock_dom_find(struct xf_mock_hv *hv, xf_domid domid)
{
	struct mock_dom *d;

	for (d = hv->doms; d; d = d->next)
		if (d->domid == domid && !d->dead)
			return d;
	return NULL;
}

static void home_path(char *buf, size_t len, xf_domid domid)
{
	snprintf(buf, len, "/local/domain/%u", (unsigned int)domid);
}

/* Locked. As a toolstack does: the domain owns its home directory. */
static int home_make(struct xf_mock_hv *hv, xf_domid domid,
		     struct mock_wakeq *wq)
{
	struct mock_sctx c = { .hv = hv, .root = hv->root, .domid = 0,
			       .wq = wq };
	struct xf_xs_perm perm = { domid, XF_XS_PERM_NONE };
	char home[32];
	int rc;

	home_path(home, sizeof(home), domid);
	rc = mock_st_mkdir(&c, home);
	if (!rc)
		rc = mock_st_set_perms(&c, home, &perm, 1);
	return rc;
}

int xf_mock_domain_new(struct xf_mock_hv *hv, xf_domid domid,
		       struct xf_platform **out)
{
	struct mock_wakeq wq;
	struct mock_dom *d, **pp;
	int rc;

	if (!hv || !out)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->plat.name = "mock";
	d->plat.domid = domid;
	d->plat.store = &mock_store_ops;
	d->plat.gnt = &mock_gnt_ops;
	d->plat.evtchn = &mock_evtchn_ops;
	d->plat.impl = d;
	d->hv = hv;
	d->domid = domid;
	d->memfd = -1;
	d->next_ref = MOCK_GNT_FIRST_REF;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	if (mock_dom_find(hv, domid)) {
		rc = -EEXIST;
		goto fail;
	}
	rc = home_make(hv, domid, &wq);
	if (rc)
		goto fail;
	for (pp = &hv->doms; *pp; pp = &(*pp)->next)
		;
	*pp = d;
	mock_watch_fire(hv, "@introduceDomain", false, &wq);
	pthread_mutex_unlock(&hv->lock);
	mock_wakeq_run(&wq);
	*out = &d->plat;
	return 0;
fail:
	pthread_mutex_unlock(&hv->lock);
	mock_wakeq_run(&wq);
	free(d);
	return rc;
}

void xf_mock_domain_destroy(struct xf_platform *p)
{
	struct mock_dom *d;
	struct xf_mock_hv *hv;
	struct mock_wakeq wq;
	struct mock_sctx c;
	struct xf_xs *xs;
	char home[32];

	if (!p)
		return;
	d = mock_dom_of(p);
	hv = d->hv;
	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	if (d->dead) {
		pthread_mutex_unlock(&hv->lock);
		return;
	}
	d->dead = true;
	/* Mappings first: their unmap notifies go out on ports that are
	 * closed just after. */
	mock_gnt_domain_destroy(d, &wq);
	mock_evtchn_domain_destroy(d);
	for (xs = hv->conns; xs; xs = xs->next)
		if (xs->dom == d)
			mock_xs_detach(xs);
	/* As the toolstack does on domain death. */
	c = (struct mock_sctx){ .hv = hv, .root = hv->root, .domid = 0,
				.wq = &wq };
	home_path(home, sizeof(home), d->domid);
	mock_st_rm(&c, home);
	mock_watch_fire(hv, "@releaseDomain", false, &wq);
	pthread_mutex_unlock(&hv->lock);
	mock_wakeq_run(&wq);
}

void xf_mock_hv_free(struct xf_mock_hv *hv)
{
	struct mock_dom *d;
	struct xf_xs *xs;

	if (!hv)
		return;
	for (d = hv->doms; d; d = d->next)
		xf_mock_domain_destroy(&d->plat);
	while ((xs = hv->conns)) {
		hv->conns = xs->next;
		mock_xs_detach(xs);
		close(xs->efd);
		free(xs);
	}
	while ((d = hv->doms)) {
		hv->doms = d->next;
		mock_gnt_domain_free(d);
		mock_evtchn_domain_free(d);
		free(d);
	}
	mock_node_free(hv->root);
	pthread_mutex_destroy(&hv->lock);
	free(hv);
}

/* Locked. Whether a caller still holds a handle into hv. */
static bool hv_busy(const struct xf_mock_hv *hv)
{
	const struct mock_dom *d;

	if (hv->conns)
		return true;
	for (d = hv->doms; d; d = d->next)
		if (d->evtchs)
			return true;
	return false;
}

int xf_mock_hv_reset(struct xf_mock_hv *hv)
{
	static const struct xf_xs_perm root_perm = { 0, XF_XS_PERM_NONE };
	struct mock_dom *d, **pp;
	struct mock_node *root;
	struct mock_wakeq wq;
	int rc = 0;

	if (!hv)
		return -EINVAL;
	root = mock_node_new("", NULL, &root_perm, 1);
	if (!root)
		return -ENOMEM;
	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	if (hv_busy(hv)) {
		pthread_mutex_unlock(&hv->lock);
		mock_node_free(root);
		return -EBUSY;
	}
	/* Shares and maps left over go as hv_free() would drop them (a
	 * frontend may have had to leave a grant its backend still maps).
	 * The live domains keep their grant memory windows (the expensive
	 * part of a domain) and their caches of freed pages, and start
	 * over from there: grefs from the first again, counters at zero. */
	for (d = hv->doms; d; d = d->next)
		if (!d->dead)
			mock_gnt_domain_drop_maps(d);
	for (d = hv->doms; d; d = d->next) {
		if (!d->dead) {
			mock_gnt_domain_reset(d);
			memset(&d->st, 0, sizeof(d->st));
		}
	}
	/* Destroyed domains go as hv_free() would free them; no handle of
	 * theirs is left (checked above). */
	for (pp = &hv->doms; (d = *pp);) {
		if (!d->dead) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		mock_gnt_domain_free(d);
		mock_evtchn_domain_free(d);
		free(d);
	}
	mock_node_free(hv->root);
	hv->root = root;
	hv->gen = 0;
	hv->next_txn = 1;
	/* The home directories, in creation order, as creating these
	 * domains made them in a new hv. Nobody watches, so no event is
	 * queued. */
	for (d = hv->doms; d && !rc; d = d->next)
		rc = home_make(hv, d->domid, &wq);
	pthread_mutex_unlock(&hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

void xf_mock_stats(struct xf_mock_hv *hv, uint32_t domid,
		   struct xf_mock_stats *out)
{
	const size_t nf = sizeof(*out) / sizeof(uint64_t);
	uint64_t acc[sizeof(*out) / sizeof(uint64_t)] = { 0 };
	struct mock_dom *d;
	size_t i;

	pthread_mutex_lock(&hv->lock);
	for (d = hv->doms; d; d = d->next) {
		uint64_t f[sizeof(*out) / sizeof(uint64_t)];

		if (domid != ~(uint32_t)0 && d->domid != domid)
			continue;
		d->st.gnt_mem_pages = mock_gnt_mem_pages(d);
		d->st.gnt_cached_pages = d->warm_pages;
		memcpy(f, &d->st, sizeof(f));
		for (i = 0; i < nf; i++)
			acc[i] += f[i];
	}
	pthread_mutex_unlock(&hv->lock);
	memcpy(out, acc, sizeof(*out));
}

void xf_mock_set_grant_cache(struct xf_mock_hv *hv, unsigned int pages)
{
	struct mock_dom *d;

	pthread_mutex_lock(&hv->lock);
	hv->gnt_cache_max = pages;
	for (d = hv->doms; d; d = d->next)
		mock_gnt_cache_trim(d, pages);
	pthread_mutex_unlock(&hv->lock);
}

struct xf_mock_hv *xf_mock_platform_hv(struct xf_platform *p)
{
	return mock_dom_of(p)->hv;
}

void xf_mock_set_store_hook(struct xf_mock_hv *hv, xf_mock_store_hook_fn fn,
			    void *opaque)
{
	pthread_mutex_lock(&hv->lock);
	hv->store_hook = fn;
	hv->store_hook_opaque = opaque;
	pthread_mutex_unlock(&hv->lock);
}
