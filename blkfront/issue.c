/* SPDX-License-Identifier: MIT */
/*
 * Turning queued units into ring requests: operation choice (flush vs
 * barrier, FUA emulation), splitting at what one request carries (11
 * segments = 44 KiB, or the negotiated indirect maximum), data copy into
 * granted pages and indirect segment pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bf.h"

#define BF_EAGAIN_ISSUE 1 /* out of pages with work in flight: retry */
#define BF_ISSUE_NOTHING 2 /* unit finished without a request */

static struct bf_shadow *bf_shadow_get(struct bf_conn *c, unsigned int *id)
{
	struct bf_shadow *sh;

	if (bf_conn_alloc_id(c, id))
		return NULL;
	sh = &c->shadow[*id];
	if (!sh->seg) {
		sh->seg = calloc(c->max_segs, sizeof(*sh->seg));
		if (!sh->seg) {
			bf_conn_free_id(c, *id);
			return NULL;
		}
	}
	sh->nseg = 0;
	sh->nind = 0;
	return sh;
}

static void bf_push_one(struct bf_queue *q, struct bf_conn *c,
			struct bf_shadow *sh, struct xf_blkfront_unit *u,
			struct xf_blkfront_io *io, struct xf_blkif_req *req)
{
	void *slot = xf_front_ring_next_request(&c->ring);

	/* The slot was checked free before building; only this function
	 * produces into the ring, under the queue lock. */
	xf_blkif_encode_req(c->abi, slot, req);
	sh->state = BF_SH_INFLIGHT;
	sh->issued_ns = xf_rt_now_ns(q->bf->rt);
	sh->io = io;
	sh->kind = u->kind;
	c->inflight++;
	io->priv.pending++;
	q->st.requests++;
	q->charge_ns += q->bf->cfg.cpu_ns_per_request;
}

static int bf_issue_flush(struct bf_queue *q, struct bf_conn *c,
			  struct xf_blkfront_unit *u)
{
	struct xf_blkfront *bf = q->bf;
	struct xf_blkif_req req;
	struct bf_shadow *sh;
	unsigned int id;
	uint8_t op;

	if (atomic_load(&bf->feat_flush))
		op = XF_BLKIF_OP_FLUSH_DISKCACHE;
	else if (atomic_load(&bf->feat_barrier))
		op = XF_BLKIF_OP_WRITE_BARRIER; /* empty barrier */
	else
		return -EOPNOTSUPP;
	sh = bf_shadow_get(c, &id);
	if (!sh)
		return c->inflight ? BF_EAGAIN_ISSUE : -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.operation = op;
	req.handle = c->handle;
	req.id = id;
	sh->op = op;
	sh->indirect_op = 0;
	sh->off = 0;
	sh->len = 0;
	bf_push_one(q, c, sh, u, u->io, &req);
	return 0;
}

/* A reconnect may have brought a larger sector size or a smaller disk,
 * and I/O held before the first connect was never checked against the
 * size: nothing past the end we believe goes out. */
static bool bf_unit_fits(struct xf_blkfront *bf, uint64_t off, uint64_t len)
{
	uint32_t ss = bf->info.sector_size;

	return !(off % ss) && !(len % ss) &&
	       off + len <= atomic_load(&bf->disk_bytes);
}

static int bf_issue_discard(struct bf_queue *q, struct bf_conn *c,
			    struct xf_blkfront_unit *u)
{
	struct xf_blkfront *bf = q->bf;
	struct xf_blkfront_io *io = u->io;
	uint64_t off = io->offset_bytes + u->off, len = u->len, chunk;
	struct xf_blkif_req req;
	struct bf_shadow *sh;
	unsigned int id;

	if (!atomic_load(&bf->feat_discard))
		return -EOPNOTSUPP;
	if ((io->flags & XF_BLKFRONT_F_SECURE) && !bf->info.discard_secure)
		return -EOPNOTSUPP;
	if (!bf_unit_fits(bf, off, len))
		return -EINVAL;
	/* Trimming is idempotent on one grid (split points are on it), so
	 * it is simply redone for each request; a unit reissued onto a new
	 * backend is trimmed to that backend's grid. */
	if (bf->cfg.discard_whole_granules) {
		if (!bf_discard_trim(bf, &off, &len)) {
			u->off += u->len;
			u->len = 0;
			q->st.discard_skipped++;
			return BF_ISSUE_NOTHING;
		}
		u->off = off - io->offset_bytes;
		u->len = len;
	}
	chunk = bf_discard_chunk(bf, off, len);
	sh = bf_shadow_get(c, &id);
	if (!sh)
		return c->inflight ? BF_EAGAIN_ISSUE : -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.operation = XF_BLKIF_OP_DISCARD;
	req.discard_flag = (io->flags & XF_BLKFRONT_F_SECURE) ?
			   XF_BLKIF_DISCARD_SECURE : 0;
	req.handle = c->handle;
	req.id = id;
	req.sector_number = off >> XF_BLKIF_SECTOR_SHIFT;
	req.nr_sectors = chunk >> XF_BLKIF_SECTOR_SHIFT;
	sh->op = XF_BLKIF_OP_DISCARD;
	sh->indirect_op = 0;
	sh->off = u->off;
	sh->len = chunk;
	bf_push_one(q, c, sh, u, io, &req);
	u->off += chunk;
	u->len -= chunk;
	return 0;
}

/* A FUA write goes out plain: nothing can make it durable. Reported
 * like a refused flush (the durability the caller asked for is not
 * there), once per connection so a stream of FUA writes raises one
 * event, and counted per write: once, although a reissue after a
 * reconnect decides again and may send it plain again. */
static void bf_fua_unprotected(struct xf_blkfront *bf,
			       struct xf_blkfront_io *io)
{
	if (!io->priv.fua_counted) {
		io->priv.fua_counted = true;
		atomic_fetch_add(&bf->fua_unprotected, 1);
	}
	if (atomic_exchange(&bf->fua_warned, true))
		return;
	atomic_fetch_add(&bf->degraded, 1);
	bf_post_event(bf, XF_BLKFRONT_EV_DURABILITY_DEGRADED);
}

static uint8_t bf_write_op(struct xf_blkfront *bf, struct xf_blkfront_io *io)
{
	if (!(io->flags & XF_BLKFRONT_F_FUA))
		return XF_BLKIF_OP_WRITE;
	if (io->priv.fua_mode == BF_FUA_UNDECIDED) {
		if (atomic_load(&bf->feat_barrier))
			io->priv.fua_mode = BF_FUA_BARRIER;
		else if (atomic_load(&bf->feat_flush))
			io->priv.fua_mode = BF_FUA_POSTFLUSH;
		else if (bf->info.flush || bf->info.barrier)
			/* Offered, then refused at runtime: still needs a
			 * flush, which will report EOPNOTSUPP. */
			io->priv.fua_mode = BF_FUA_POSTFLUSH;
		else
			io->priv.fua_mode = BF_FUA_NONE;
		if (io->priv.fua_mode == BF_FUA_NONE)
			bf_fua_unprotected(bf, io);
	}
	return io->priv.fua_mode == BF_FUA_BARRIER ? XF_BLKIF_OP_WRITE_BARRIER
						   : XF_BLKIF_OP_WRITE;
}

static void bf_unwind(struct xf_blkfront *bf, struct bf_conn *c,
		      struct bf_shadow *sh, unsigned int id)
{
	bf_shadow_release_pages(bf, c, sh, false);
	bf_conn_free_id(c, id);
}

static int bf_issue_rw(struct bf_queue *q, struct bf_conn *c,
		       struct xf_blkfront_unit *u)
{
	struct xf_blkfront *bf = q->bf;
	struct xf_blkfront_io *io = u->io;
	struct xf_blkif_req req;
	struct bf_shadow *sh;
	unsigned int id, nseg, max_segs;
	uint64_t chunk;
	uint8_t op;
	bool is_read = io->op == XF_BLKFRONT_READ;

	if (!bf_unit_fits(bf, io->offset_bytes + u->off, u->len))
		return -EINVAL;
	op = is_read ? XF_BLKIF_OP_READ : bf_write_op(bf, io);
	max_segs = XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
	if (c->indirect && op != XF_BLKIF_OP_WRITE_BARRIER)
		max_segs = c->max_segs;
	chunk = u->len;
	if (chunk > (uint64_t)max_segs * XF_PAGE_SIZE)
		chunk = (uint64_t)max_segs * XF_PAGE_SIZE;
	nseg = (unsigned int)((chunk + XF_PAGE_SIZE - 1) / XF_PAGE_SIZE);

	sh = bf_shadow_get(c, &id);
	if (!sh)
		return c->inflight ? BF_EAGAIN_ISSUE : -ENOMEM;
	memset(&req, 0, sizeof(req));
	for (unsigned int i = 0; i < nseg; i++) {
		uint64_t pos = (uint64_t)i * XF_PAGE_SIZE;
		uint64_t seglen = chunk - pos < XF_PAGE_SIZE ? chunk - pos
							     : XF_PAGE_SIZE;
		struct bf_page *pg = bf_page_get(bf, q, c, false, is_read);

		if (!pg) {
			bf_unwind(bf, c, sh, id);
			return c->inflight ? BF_EAGAIN_ISSUE : -ENOMEM;
		}
		sh->seg[sh->nseg++] = pg;
		if (!is_read) {
			memcpy(pg->addr, (uint8_t *)io->buf + u->off + pos,
			       seglen);
			/* A reused persistent page still holds an older
			 * request's bytes past seglen. */
			if (seglen < XF_PAGE_SIZE && pg->persistent)
				memset((uint8_t *)pg->addr + seglen, 0,
				       XF_PAGE_SIZE - seglen);
		}
	}
	if (nseg > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		unsigned int per = XF_BLKIF_SEGS_PER_INDIRECT_FRAME;
		unsigned int nind = (nseg + per - 1) / per;

		for (unsigned int p = 0; p < nind; p++) {
			struct bf_page *pg = bf_page_get(bf, q, c, true, false);
			struct xf_blkif_request_segment *segs;

			if (!pg) {
				bf_unwind(bf, c, sh, id);
				return c->inflight ? BF_EAGAIN_ISSUE : -ENOMEM;
			}
			sh->ind[sh->nind++] = pg;
			memset(pg->addr, 0, XF_PAGE_SIZE);
			segs = pg->addr;
			for (unsigned int i = 0; i < per; i++) {
				unsigned int s = p * per + i;
				uint64_t pos = (uint64_t)s * XF_PAGE_SIZE;

				if (s >= nseg)
					break;
				uint64_t len = chunk - pos < XF_PAGE_SIZE ?
					       chunk - pos : XF_PAGE_SIZE;

				segs[i].gref = sh->seg[s]->gref;
				segs[i].first_sect = 0;
				segs[i].last_sect = (uint8_t)((len >>
					XF_BLKIF_SECTOR_SHIFT) - 1);
			}
			req.indirect_grefs[p] = pg->gref;
		}
		req.operation = XF_BLKIF_OP_INDIRECT;
		req.indirect_op = op;
		req.nr_indirect_segments = (uint16_t)nseg;
		q->st.indirect_requests++;
	} else {
		for (unsigned int s = 0; s < nseg; s++) {
			uint64_t pos = (uint64_t)s * XF_PAGE_SIZE;
			uint64_t len = chunk - pos < XF_PAGE_SIZE ?
				       chunk - pos : XF_PAGE_SIZE;

			req.seg[s].gref = sh->seg[s]->gref;
			req.seg[s].first_sect = 0;
			req.seg[s].last_sect =
				(uint8_t)((len >> XF_BLKIF_SECTOR_SHIFT) - 1);
		}
		req.operation = op;
		req.nr_segments = (uint8_t)nseg;
	}
	req.handle = c->handle;
	req.id = id;
	req.sector_number = (io->offset_bytes + u->off) >> XF_BLKIF_SECTOR_SHIFT;
	sh->op = req.operation;
	sh->indirect_op = req.indirect_op;
	sh->off = u->off;
	sh->len = chunk;
	bf_push_one(q, c, sh, u, io, &req);
	q->st.segments += nseg;
	u->off += chunk;
	u->len -= chunk;
	return 0;
}

void bf_issue(struct bf_queue *q)
{
	struct bf_conn *c = q->conn;
	struct xf_blkfront_unit *u;
	bool pushed = false;

	if (!q->live || !c)
		return;
	while ((u = XF_FIFO_HEAD(&q->fifo))) {
		struct xf_blkfront_io *io = u->io;
		int r;

		if (!io->priv.status) {
			if (bf_fence_blocks(q->bf, u))
				break;
			if (xf_front_ring_full(&c->ring) || !c->free_count)
				break;
			if (u->kind == BF_U_FLUSH)
				r = bf_issue_flush(q, c, u);
			else if (io->op == XF_BLKFRONT_DISCARD)
				r = bf_issue_discard(q, c, u);
			else
				r = bf_issue_rw(q, c, u);
			if (r == BF_EAGAIN_ISSUE)
				break;
			if (r == BF_ISSUE_NOTHING) {
				r = 0;
			} else if (r == 0) {
				pushed = true;
				if (u->kind != BF_U_FLUSH && u->len)
					continue;
			}
		} else {
			/* The io already failed: the rest is not sent. */
			r = 0;
		}
		XF_FIFO_POP(&q->fifo, next);
		if (u->heap)
			free(u);
		bf_io_part_done(q, io, r < 0 ? r : 0);
	}
	if (pushed && xf_front_ring_push_requests(&c->ring))
		bf_notify(q, c);
}
