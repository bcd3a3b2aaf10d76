/* SPDX-License-Identifier: MIT */
/*
 * One queue's connection to one backend: the granted ring pages, the
 * event channel, the shadow of every request on the ring and the
 * persistent page pools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bf.h"

int bf_conn_new(struct xf_blkfront *bf, struct bf_queue *q,
		unsigned int order, unsigned int max_indirect,
		struct bf_conn **out)
{
	struct bf_conn *c = calloc(1, sizeof(*c));
	size_t bytes;
	int r;

	if (!c)
		return -ENOMEM;
	c->abi = bf->cfg.abi;
	c->be_id = bf->be_id;
	c->handle = bf->handle;
	c->ring_pages = 1u << order;
	/* persistent: decided later, at backend Connected */
	c->indirect = max_indirect > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
	c->max_segs = c->indirect ? max_indirect
				  : XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
	bytes = (size_t)c->ring_pages * XF_PAGE_SIZE;
	r = bf->p->gnt->share(bf->p, c->be_id, c->ring_pages, true,
			      c->ring_refs, &c->ring_addr);
	if (r) {
		free(c);
		return r;
	}
	xf_sring_init(c->ring_addr, bytes);
	r = xf_front_ring_attach(&c->ring, c->ring_addr, bytes,
				 xf_blkif_slot_size(c->abi), 0);
	if (r)
		goto fail;
	c->nr_ents = c->ring.nr_ents;
	c->shadow = calloc(c->nr_ents, sizeof(*c->shadow));
	c->free_ids = calloc(c->nr_ents, sizeof(*c->free_ids));
	if (!c->shadow || !c->free_ids) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < c->nr_ents; i++)
		c->free_ids[i] = i;
	c->free_count = c->nr_ents;
	r = bf->p->evtchn->alloc_unbound(q->evh, c->be_id, &c->port);
	if (r)
		goto fail;
	c->port_valid = true;
	*out = c;
	return 0;
fail:
	bf_conn_release(bf, q, c);
	return r;
}

int bf_conn_alloc_id(struct bf_conn *c, unsigned int *id)
{
	if (!c->free_count)
		return -EBUSY;
	*id = c->free_ids[c->free_head];
	c->free_head = (c->free_head + 1) % c->nr_ents;
	c->free_count--;
	return 0;
}

void bf_conn_free_id(struct bf_conn *c, unsigned int id)
{
	unsigned int tail = (c->free_head + c->free_count) % c->nr_ents;

	c->free_ids[tail] = id;
	c->free_count++;
}

/* at_teardown: the connection is going away, so persistent pages are
 * revoked too instead of going back to the pool. */
void bf_shadow_release_pages(struct xf_blkfront *bf, struct bf_conn *c,
			     struct bf_shadow *sh, bool at_teardown)
{
	for (unsigned int i = 0; i < sh->nseg; i++) {
		if (at_teardown)
			bf_page_release(bf, sh->seg[i]);
		else
			bf_page_put(bf, c, sh->seg[i]);
		sh->seg[i] = NULL;
	}
	for (unsigned int i = 0; i < sh->nind; i++) {
		if (at_teardown)
			bf_page_release(bf, sh->ind[i]);
		else
			bf_page_put(bf, c, sh->ind[i]);
		sh->ind[i] = NULL;
	}
	sh->nseg = 0;
	sh->nind = 0;
}

void bf_conn_release(struct xf_blkfront *bf, struct bf_queue *q,
		     struct bf_conn *c)
{
	if (c->port_valid)
		bf->p->evtchn->unbind(q->evh, c->port);
	if (c->shadow) {
		for (unsigned int i = 0; i < c->nr_ents; i++) {
			struct bf_shadow *sh = &c->shadow[i];

			if (sh->state != BF_SH_FREE)
				bf_shadow_release_pages(bf, c, sh, true);
			free(sh->seg);
		}
	}
	bf_pool_release(bf, &c->data_pool);
	bf_pool_release(bf, &c->ind_pool);
	if (c->ring_addr &&
	    bf->p->gnt->unshare(bf->p, c->ring_addr, c->ring_pages)) {
		struct bf_page *pg = calloc(1, sizeof(*pg));

		/* The backend still maps the ring: never reuse it. Without
		 * memory for the note the pages just stay granted (the
		 * platform counts them). */
		if (pg) {
			pg->addr = c->ring_addr;
			pg->npages = c->ring_pages;
			bf_park_page(bf, pg);
		} else {
			atomic_fetch_add(&bf->grants_busy, 1);
		}
	}
	free(c->shadow);
	free(c->free_ids);
	free(c);
}
