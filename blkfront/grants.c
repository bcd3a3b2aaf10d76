/* SPDX-License-Identifier: MIT */
/*
 * Granted data pages. blkfront owns every page it grants: the platform
 * can only share pages it allocated itself (gntshr semantics).
 *
 * Persistent mode: pages stay granted for the connection and are reused
 * from a LIFO (blkif.h: LIFO in the frontend pairs with an LRU in the
 * backend). Data pages are granted writable whatever the operation,
 * because a later request may need the backend to write them (blkif.h
 * note 8). Indirect pages too: Linux blkback maps every persistent
 * grant writable (blkif.h allows it), so a read-only one fails the
 * whole request. Otherwise each request gets freshly shared zeroed pages and
 * revokes them on completion; a refused revoke means the backend still
 * maps the page after answering (XSA-396): the page is parked, never
 * reused or freed, and counted.
 */
#include <errno.h>
#include <stdlib.h>

#include "bf.h"

static struct bf_page *bf_share_one(struct xf_blkfront *bf,
				    const struct bf_conn *c, bool writable)
{
	struct bf_page *pg = calloc(1, sizeof(*pg));
	void *addr = NULL;
	xf_gref ref;

	if (!pg)
		return NULL;
	if (bf->p->gnt->share(bf->p, c->be_id, 1, writable, &ref, &addr)) {
		free(pg);
		return NULL;
	}
	pg->addr = addr;
	pg->gref = ref;
	pg->npages = 1;
	return pg;
}

struct bf_page *bf_page_get(struct xf_blkfront *bf, struct bf_queue *q,
			    struct bf_conn *c, bool indirect, bool writable)
{
	struct bf_page *pg;

	if (c->persistent) {
		struct bf_pool *pool = indirect ? &c->ind_pool : &c->data_pool;

		if (pool->head) {
			pg = pool->head;
			pool->head = pg->next;
			pool->nfree--;
			pg->next = NULL;
			if (!indirect)
				q->st.persistent_hits++;
			return pg;
		}
		pg = bf_share_one(bf, c, true);
		if (!pg)
			return NULL;
		pg->persistent = true;
		pg->indirect = indirect;
		pool->total++;
		q->st.pages_shared++;
		return pg;
	}
	pg = bf_share_one(bf, c, writable);
	if (pg)
		q->st.pages_shared++;
	return pg;
}

void bf_park_page(struct xf_blkfront *bf, struct bf_page *pg)
{
	pthread_mutex_lock(&bf->err_lock);
	pg->next = bf->zombies;
	bf->zombies = pg;
	bf->zombie_pages += pg->npages;
	pthread_mutex_unlock(&bf->err_lock);
	atomic_fetch_add(&bf->grants_busy, 1);
}

int bf_page_put(struct xf_blkfront *bf, struct bf_conn *c,
		struct bf_page *pg)
{
	if (pg->persistent) {
		struct bf_pool *pool = pg->indirect ? &c->ind_pool
						    : &c->data_pool;

		pg->next = pool->head;
		pool->head = pg;
		pool->nfree++;
		return 0;
	}
	int r = bf->p->gnt->unshare(bf->p, pg->addr, pg->npages);

	if (r) {
		bf_park_page(bf, pg);
		return r;
	}
	free(pg);
	return 0;
}

void bf_page_release(struct xf_blkfront *bf, struct bf_page *pg)
{
	if (bf->p->gnt->unshare(bf->p, pg->addr, pg->npages)) {
		bf_park_page(bf, pg);
		return;
	}
	free(pg);
}

void bf_pool_release(struct xf_blkfront *bf, struct bf_pool *pool)
{
	while (pool->head) {
		struct bf_page *pg = pool->head;

		pool->head = pg->next;
		bf_page_release(bf, pg);
	}
	pool->nfree = 0;
	pool->total = 0;
}

/* Parked pages may be released once the backend finally unmapped them
 * (after it closed). */
void bf_zombies_retry(struct xf_blkfront *bf)
{
	struct bf_page *keep = NULL, *pg;

	pthread_mutex_lock(&bf->err_lock);
	pg = bf->zombies;
	bf->zombies = NULL;
	while (pg) {
		struct bf_page *next = pg->next;

		if (bf->p->gnt->unshare(bf->p, pg->addr, pg->npages)) {
			pg->next = keep;
			keep = pg;
		} else {
			bf->zombie_pages -= pg->npages;
			free(pg);
		}
		pg = next;
	}
	bf->zombies = keep;
	pthread_mutex_unlock(&bf->err_lock);
}
