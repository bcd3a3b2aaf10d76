/* SPDX-License-Identifier: MIT */
/*
 * Data movement between the frontend's granted pages and local buffers.
 * With persistent grants negotiated, each gref is mapped the first time
 * it is seen and kept mapped until disconnect (the frontend promised to
 * reuse them). As Linux blkback, every such map is writable, indirect
 * pages and reads of guest memory included (blkif.h lets the backend
 * assume so): a grant that cannot be mapped writable fails the request
 * with an error. Past the per-queue limit a segment is mapped writable
 * for this request only. Without persistent grants every segment is a
 * grant copy: nothing of the frontend stays mapped between requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

#define COPY_BATCH 64

static unsigned int hash_gref(xf_gref g, unsigned int cap)
{
	return (unsigned int)((g * 2654435761u) & (cap - 1));
}

static struct bb_pgrant *pg_find(struct bb_queue *q, xf_gref g)
{
	unsigned int i;

	if (!q->pg)
		return NULL;
	for (i = hash_gref(g, q->pg_cap); q->pg[i].used;
	     i = (i + 1) & (q->pg_cap - 1))
		if (q->pg[i].gref == g)
			return &q->pg[i];
	return NULL;
}

/* Keeps a mapped page until disconnect. false when the table is full
 * (or cannot grow): then the page is for this request only. */
static bool pg_insert(struct bb_queue *q, xf_gref g, void *addr)
{
	unsigned int i;

	if (q->pg_count >= q->pg_max)
		return false;
	if (!q->pg) {
		unsigned int cap = 16;

		while (cap < 2 * q->pg_max)
			cap <<= 1;
		q->pg = calloc(cap, sizeof(*q->pg));
		if (!q->pg)
			return false;
		q->pg_cap = cap;
	}
	for (i = hash_gref(g, q->pg_cap); q->pg[i].used;
	     i = (i + 1) & (q->pg_cap - 1))
		;
	q->pg[i].used = true;
	q->pg[i].gref = g;
	q->pg[i].addr = addr;
	q->pg_count++;
	q->st.persistent_maps++;
	return true;
}

static int copy_batch(struct bb_queue *q, struct xf_gnt_copy_seg *s,
		      unsigned int n)
{
	struct xf_platform *p = q->bb->p;
	int r;

	if (!n)
		return 0;
	r = p->gnt->copy(p, s, n);
	if (r < 0)
		return r;
	q->st.grant_copy_segs += n;
	for (unsigned int i = 0; i < n; i++)
		if (s[i].status != 0)
			return -EIO;
	return 0;
}

int bb_io_xfer(struct bb_queue *q, struct bb_xfer *x, unsigned int n,
	       bool to_grant)
{
	struct xf_gnt_copy_seg segs[COPY_BATCH];
	unsigned int nc = 0;
	int r = 0;

	for (unsigned int i = 0; i < n && !r; i++) {
		if (x[i].offset + (unsigned int)x[i].len > XF_PAGE_SIZE)
			return -EINVAL;
		if (q->persistent) {
			struct xf_platform *p = q->bb->p;
			struct bb_pgrant *pg = pg_find(q, x[i].gref);
			bool transient = false;
			uint8_t *page;

			if (pg) {
				q->st.persistent_hits++;
				page = pg->addr;
			} else {
				void *addr;

				/* Writable even for reads of guest memory:
				 * blkif.h note 8, the frontend grants
				 * persistent pages read-write. */
				if (p->gnt->map(p, q->bb->cfg.frontend_id, 1,
						&x[i].gref, true, &addr) < 0) {
					r = -EIO;
					break;
				}
				page = addr;
				transient = !pg_insert(q, x[i].gref, addr);
			}
			if (to_grant)
				memcpy(page + x[i].offset, x[i].local,
				       x[i].len);
			else
				memcpy(x[i].local, page + x[i].offset,
				       x[i].len);
			if (transient)
				p->gnt->unmap(p, page, 1);
			continue;
		}
		segs[nc] = (struct xf_gnt_copy_seg){
			.to_grant = to_grant,
			.domid = q->bb->cfg.frontend_id,
			.gref = x[i].gref,
			.offset = x[i].offset,
			.local = x[i].local,
			.len = x[i].len,
		};
		if (++nc == COPY_BATCH) {
			r = copy_batch(q, segs, nc);
			nc = 0;
		}
	}
	if (!r)
		r = copy_batch(q, segs, nc);
	return r < 0 ? -EIO : 0;
}

int bb_io_segs(struct bb_queue *q, struct bb_req *r, bool to_grant)
{
	struct bb_xfer x[XF_BLKIF_MAX_SEGMENTS_PER_REQUEST];
	struct bb_xfer *xv = x;
	size_t off = 0;
	int ret;

	if (r->nseg > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		xv = malloc(r->nseg * sizeof(*xv));
		if (!xv)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < r->nseg; i++) {
		unsigned int n = r->seg[i].last_sect - r->seg[i].first_sect + 1;

		/* Validated: first <= last < 8, so offset and length fit in
		 * the page. */
		xv[i] = (struct bb_xfer){
			.gref = r->seg[i].gref,
			.offset = (uint16_t)(r->seg[i].first_sect
					     << XF_BLKIF_SECTOR_SHIFT),
			.len = (uint16_t)(n << XF_BLKIF_SECTOR_SHIFT),
			.local = r->buf + off,
		};
		off += (size_t)n << XF_BLKIF_SECTOR_SHIFT;
	}
	ret = bb_io_xfer(q, xv, r->nseg, to_grant);
	if (xv != x)
		free(xv);
	return ret;
}

void bb_io_unmap_all(struct bb_queue *q)
{
	struct xf_platform *p = q->bb->p;

	if (q->pg) {
		for (unsigned int i = 0; i < q->pg_cap; i++) {
			if (q->pg[i].used)
				p->gnt->unmap(p, q->pg[i].addr, 1);
			q->pg[i].used = false;
		}
	}
	q->pg_count = 0;
}
