/* SPDX-License-Identifier: MIT */
/*
 * The disk model: a durable image, a volatile write cache, and a log of
 * what became durable when.
 *
 * Reads see the "current" view, an overlay of memory chunks over the
 * durable store. A completed write updates the overlay at once and is
 * queued as a cache record holding its own copy of the data. Overlay
 * chunks exist only while some cached record touches them (a reference
 * count per chunk), so memory follows the dirty data, not the disk; records
 * leave the cache, oldest first, when a flush covers them, when cache
 * pressure destages them, or when a power loss decides their fate.
 * Because records are applied to the durable store in completion order
 * (and a FUA write first destages older overlapping records), the durable
 * store never holds data older than what it replaced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dk_priv.h"

void xf_blkdisk_config_init(struct xf_blkdisk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->size_bytes = 64ull << 20;
	cfg->sector_size = 512;
	cfg->cache_mode = XF_BLKDISK_CACHE_HONOUR;
	cfg->cache_limit_bytes = 64ull << 20;
}

static bool pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

int xf_blkdisk_new(const struct xf_blkdisk_config *cfg,
		   struct xf_blkdisk **out)
{
	struct xf_blkdisk *d;
	int r;

	if (!cfg || !out || !pow2(cfg->sector_size) || cfg->sector_size < 512 ||
	    cfg->sector_size > XF_PAGE_SIZE || !cfg->size_bytes ||
	    cfg->size_bytes % cfg->sector_size ||
	    (cfg->physical_sector_size &&
	     (cfg->physical_sector_size % cfg->sector_size ||
	      !pow2(cfg->physical_sector_size))) ||
	    (unsigned int)cfg->cache_mode > XF_BLKDISK_CACHE_WRITE_THROUGH)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->cfg.path = NULL;
	if (!d->cfg.physical_sector_size)
		d->cfg.physical_sector_size = cfg->sector_size;
	d->size = cfg->size_bytes;
	d->next_write_id = 1;
	d->next_flush_id = 1;
	r = cfg->path ? dk_store_init_file(&d->durable, cfg->path, d->size)
		      : dk_store_init_mem(&d->durable, d->size);
	if (r < 0) {
		free(d);
		return r;
	}
	r = dk_store_init_mem(&d->cur, d->size);
	d->nr_refs = d->cur.nr_chunks;
	d->refs = calloc(d->nr_refs ? d->nr_refs : 1, sizeof(*d->refs));
	if (r < 0 || !d->refs) {
		dk_store_fini(&d->cur);
		dk_store_fini(&d->durable);
		free(d->refs);
		free(d);
		return r < 0 ? r : -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return 0;
}

void dk_rec_free(struct dk_rec *c)
{
	free(c->data);
	free(c);
}

void dk_cache_free(struct xf_blkdisk *d)
{
	struct dk_rec *c;

	while ((c = XF_FIFO_POP(&d->cache, next)))
		dk_rec_free(c);
}

void xf_blkdisk_free(struct xf_blkdisk *d)
{
	if (!d)
		return;
	dk_cache_free(d);
	dk_store_fini(&d->cur);
	dk_store_fini(&d->durable);
	free(d->refs);
	free(d->flushes);
	free(d->log);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

uint64_t xf_blkdisk_size_bytes(const struct xf_blkdisk *d)
{
	return __atomic_load_n(&d->size, __ATOMIC_RELAXED);
}

unsigned int xf_blkdisk_sector_size(const struct xf_blkdisk *d)
{
	return d->cfg.sector_size;
}

unsigned int xf_blkdisk_physical_sector_size(const struct xf_blkdisk *d)
{
	return d->cfg.physical_sector_size;
}

enum xf_blkdisk_cache_mode xf_blkdisk_cache_mode(const struct xf_blkdisk *d)
{
	return __atomic_load_n(&d->cfg.cache_mode, __ATOMIC_RELAXED);
}

void xf_blkdisk_set_cache_mode(struct xf_blkdisk *d,
			       enum xf_blkdisk_cache_mode m)
{
	__atomic_store_n(&d->cfg.cache_mode, m, __ATOMIC_RELAXED);
}

uint64_t xf_blkdisk_generation(struct xf_blkdisk *d)
{
	uint64_t g;

	pthread_mutex_lock(&d->lock);
	g = d->generation;
	pthread_mutex_unlock(&d->lock);
	return g;
}

/* ---- data paths ---- */

static int check_range(struct xf_blkdisk *d, uint64_t sector, size_t len)
{
	uint64_t off = sector << XF_BLKIF_SECTOR_SHIFT;

	if (len % 512 || sector > (UINT64_MAX >> XF_BLKIF_SECTOR_SHIFT) ||
	    off > d->size || len > d->size - off)
		return -ERANGE;
	return 0;
}

int xf_blkdisk_read(struct xf_blkdisk *d, uint64_t sector, void *buf,
		    size_t len)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = check_range(d, sector, len);
	if (!r)
		r = dk_overlay_read(&d->cur, &d->durable,
				    sector << XF_BLKIF_SECTOR_SHIFT, buf, len);
	pthread_mutex_unlock(&d->lock);
	return r;
}

int xf_blkdisk_read_durable(struct xf_blkdisk *d, uint64_t sector, void *buf,
			    size_t len)
{
	int r;

	pthread_mutex_lock(&d->lock);
	r = check_range(d, sector, len);
	if (!r)
		r = dk_store_read(&d->durable, sector << XF_BLKIF_SECTOR_SHIFT,
				  buf, len);
	pthread_mutex_unlock(&d->lock);
	return r;
}

static void chunk_span(uint64_t sector, uint64_t nr, size_t *first,
		       size_t *last)
{
	uint64_t off = sector << XF_BLKIF_SECTOR_SHIFT;
	uint64_t end = (sector + nr) << XF_BLKIF_SECTOR_SHIFT;

	*first = (size_t)(off >> DK_CHUNK_SHIFT);
	*last = (size_t)((end - 1) >> DK_CHUNK_SHIFT);
}

static void refs_get(struct xf_blkdisk *d, uint64_t sector, uint64_t nr)
{
	size_t a, b;

	if (!nr)
		return;
	chunk_span(sector, nr, &a, &b);
	for (size_t i = a; i <= b && i < d->nr_refs; i++)
		d->refs[i]++;
}

/* Once no cached record touches a chunk, the durable store holds its
 * current data: the overlay copy can go. */
static void refs_put(struct xf_blkdisk *d, uint64_t sector, uint64_t nr)
{
	size_t a, b;

	if (!nr)
		return;
	chunk_span(sector, nr, &a, &b);
	for (size_t i = a; i <= b && i < d->nr_refs; i++)
		if (d->refs[i] && --d->refs[i] == 0)
			dk_overlay_drop_chunk(&d->cur, i);
}

/* After a write went to the durable store: keep the overlay chunks that
 * exist (they hold other cached data) in step; create none. */
static int overlay_follow(struct xf_blkdisk *d, uint64_t off, const void *buf,
			  size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		size_t i = (size_t)(off >> DK_CHUNK_SHIFT);
		size_t n = DK_CHUNK_SIZE - (size_t)(off & (DK_CHUNK_SIZE - 1));
		int r;

		if (n > len)
			n = len;
		if (i < d->nr_refs && d->refs[i]) {
			r = dk_overlay_write(&d->cur, &d->durable, off, p, n);
			if (r < 0)
				return r;
		}
		if (p)
			p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int xf_blkdisk_fill(struct xf_blkdisk *d, uint64_t sector, const void *buf,
		    size_t len)
{
	uint64_t off = sector << XF_BLKIF_SECTOR_SHIFT;
	int r;

	pthread_mutex_lock(&d->lock);
	r = check_range(d, sector, len);
	if (!r)
		r = dk_store_write(&d->durable, off, buf, len);
	if (!r)
		r = overlay_follow(d, off, buf, len);
	pthread_mutex_unlock(&d->lock);
	return r;
}

bool dk_overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

int dk_rec_apply(struct xf_blkdisk *d, const struct dk_rec *c)
{
	return dk_store_write(&d->durable, c->sector << XF_BLKIF_SECTOR_SHIFT,
			      c->data, c->nr_sectors << XF_BLKIF_SECTOR_SHIFT);
}

static void account_leave(struct xf_blkdisk *d, const struct dk_rec *c)
{
	d->st.dirty_writes--;
	d->st.dirty_bytes -= c->nr_sectors << XF_BLKIF_SECTOR_SHIFT;
}

/* Pops the oldest record and makes it durable. */
static int destage_head(struct xf_blkdisk *d)
{
	struct dk_rec *c = XF_FIFO_POP(&d->cache, next);
	int r;

	r = dk_rec_apply(d, c);
	refs_put(d, c->sector, c->nr_sectors);
	account_leave(d, c);
	d->st.durable_writes++;
	dk_set_fate(d, c->log_idx, XF_BLKDISK_FATE_DURABLE, 0);
	dk_rec_free(c);
	return r;
}

/* Before a write goes straight to the durable store, older cached data
 * for the same sectors must reach it first (in order), or a later flush
 * would put the older data back over the newer. A cache may destage
 * early, so this is legal device behaviour. */
static int destage_overlapping(struct xf_blkdisk *d, uint64_t sector,
			       uint64_t nr)
{
	struct dk_rec *c, *last = NULL;
	int r = 0;

	for (c = d->cache.head; c; c = c->next)
		if (dk_overlaps(c->sector, c->nr_sectors, sector, nr))
			last = c;
	while (last && !r) {
		bool stop = d->cache.head == last;

		r = destage_head(d);
		d->st.destaged_writes++;
		if (stop)
			break;
	}
	return r;
}

/* Any generation: a direct write (tests, checkers). */
#define DK_ANY_GEN UINT64_MAX

int64_t xf_blkdisk_write(struct xf_blkdisk *d, uint64_t sector,
			 const void *buf, size_t len, unsigned int flags,
			 uint64_t now_ns)
{
	return xf_blkdisk_write_gen(d, DK_ANY_GEN, sector, buf, len, flags,
				    now_ns);
}

int64_t xf_blkdisk_write_gen(struct xf_blkdisk *d, uint64_t gen,
			     uint64_t sector, const void *buf, size_t len,
			     unsigned int flags, uint64_t now_ns)
{
	uint64_t off = sector << XF_BLKIF_SECTOR_SHIFT;
	uint64_t nr = len >> XF_BLKIF_SECTOR_SHIFT;
	enum xf_blkdisk_cache_mode mode = xf_blkdisk_cache_mode(d);
	bool fua = (flags & XF_BLKDISK_W_FUA) ||
		   ((flags & XF_BLKDISK_W_BARRIER) && d->cfg.barrier_fua);
	bool durable = mode == XF_BLKDISK_CACHE_WRITE_THROUGH ||
		       (fua &&
			mode != XF_BLKDISK_CACHE_IGNORE_FUA &&
			mode != XF_BLKDISK_CACHE_IGNORE_FLUSH);
	struct xf_blkdisk_log_entry *e;
	struct dk_rec *c = NULL;
	size_t gidx;
	int64_t id;
	int r;

	pthread_mutex_lock(&d->lock);
	r = check_range(d, sector, len);
	if (!r && gen != DK_ANY_GEN && gen != d->generation)
		r = -ESTALE;
	if (r < 0)
		goto out;
	if (!durable) {
		c = calloc(1, sizeof(*c));
		if (!c || (buf && !(c->data = malloc(len)))) {
			free(c);
			r = -ENOMEM;
			goto out;
		}
		if (buf)
			memcpy(c->data, buf, len);
	} else {
		r = destage_overlapping(d, sector, nr);
		if (!r)
			r = dk_store_write(&d->durable, off, buf, len);
		if (r < 0)
			goto out;
	}
	if (c) {
		r = dk_overlay_write(&d->cur, &d->durable, off, buf, len);
		if (r == 0)
			refs_get(d, sector, nr);
	} else {
		r = overlay_follow(d, off, buf, len);
	}
	if (r < 0) {
		if (c)
			dk_rec_free(c);
		goto out;
	}
	id = (int64_t)d->next_write_id++;
	d->last_completed = (uint64_t)id;
	gidx = dk_log_add(d);
	e = dk_log_at(d, gidx);
	if (e) {
		e->kind = XF_BLKDISK_LOG_WRITE;
		e->id = (uint64_t)id;
		e->sector = sector;
		e->nr_sectors = nr;
		e->flags = flags;
		e->submit_ns = now_ns;
		e->complete_ns = now_ns;
		e->fate = durable ? XF_BLKDISK_FATE_DURABLE
				  : XF_BLKDISK_FATE_CACHED;
	}
	d->st.writes++;
	d->st.write_bytes += len;
	if (flags & XF_BLKDISK_W_DISCARD)
		d->st.discards++;
	if (durable) {
		d->st.durable_writes++;
	} else {
		c->id = (uint64_t)id;
		c->sector = sector;
		c->nr_sectors = nr;
		c->log_idx = gidx;
		XF_FIFO_PUSH(&d->cache, c, next);
		d->st.dirty_writes++;
		d->st.dirty_bytes += len;
		while (d->cfg.cache_limit_bytes && !XF_FIFO_EMPTY(&d->cache) &&
		       d->st.dirty_bytes > d->cfg.cache_limit_bytes) {
			r = destage_head(d);
			d->st.destaged_writes++;
			if (r < 0)
				goto out;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return id;
out:
	pthread_mutex_unlock(&d->lock);
	return r;
}

int64_t xf_blkdisk_flush_begin(struct xf_blkdisk *d, uint8_t kind,
			       uint64_t now_ns)
{
	struct dk_flush *f;
	int64_t id;

	if (kind != XF_BLKIF_OP_FLUSH_DISKCACHE &&
	    kind != XF_BLKIF_OP_WRITE_BARRIER)
		return -EINVAL;
	if (xf_blkdisk_cache_mode(d) == XF_BLKDISK_CACHE_EOPNOTSUPP)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&d->lock);
	if (d->nr_flushes == d->cap_flushes) {
		size_t cap = d->cap_flushes ? d->cap_flushes * 2 : 16;

		f = realloc(d->flushes, cap * sizeof(*f));
		if (!f) {
			pthread_mutex_unlock(&d->lock);
			return -ENOMEM;
		}
		d->flushes = f;
		d->cap_flushes = cap;
	}
	id = d->next_flush_id++;
	f = &d->flushes[d->nr_flushes++];
	f->id = id;
	f->kind = kind;
	f->submit_ns = now_ns;
	/* Only writes already completed are covered (dm-log-writes rule). */
	f->covers_upto = d->last_completed;
	pthread_mutex_unlock(&d->lock);
	return id;
}

int xf_blkdisk_flush_end(struct xf_blkdisk *d, int64_t flush_id,
			 uint64_t now_ns)
{
	enum xf_blkdisk_cache_mode mode = xf_blkdisk_cache_mode(d);
	struct xf_blkdisk_log_entry *e;
	struct dk_flush f;
	bool honour;
	size_t i;
	int r = 0;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nr_flushes; i++)
		if (d->flushes[i].id == flush_id)
			break;
	if (i == d->nr_flushes) {
		pthread_mutex_unlock(&d->lock);
		return -ENOENT;
	}
	f = d->flushes[i];
	d->flushes[i] = d->flushes[--d->nr_flushes];
	honour = mode == XF_BLKDISK_CACHE_HONOUR ||
		 mode == XF_BLKDISK_CACHE_WRITE_THROUGH ||
		 (mode == XF_BLKDISK_CACHE_IGNORE_FUA &&
		  f.kind == XF_BLKIF_OP_FLUSH_DISKCACHE);
	if (honour) {
		while (!XF_FIFO_EMPTY(&d->cache) &&
		       d->cache.head->id <= f.covers_upto && !r)
			r = destage_head(d);
	} else {
		d->st.flushes_ignored++;
	}
	d->st.flushes++;
	e = dk_log_at(d, dk_log_add(d));
	if (e) {
		e->kind = XF_BLKDISK_LOG_FLUSH;
		e->id = (uint64_t)f.id;
		e->flush_kind = f.kind;
		e->submit_ns = f.submit_ns;
		e->complete_ns = now_ns;
		e->covers_upto = f.covers_upto;
		e->durable = honour;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

int xf_blkdisk_resize(struct xf_blkdisk *d, uint64_t new_bytes)
{
	int r = 0;

	if (!new_bytes || new_bytes % d->cfg.sector_size)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	/* Shrinking must not leave cached data beyond the end. */
	while (!XF_FIFO_EMPTY(&d->cache) && new_bytes < d->size) {
		r = destage_head(d);
		d->st.destaged_writes++;
		if (r < 0)
			goto out;
	}
	r = dk_store_resize(&d->durable, new_bytes);
	if (!r)
		r = dk_store_resize(&d->cur, new_bytes);
	if (!r && d->cur.nr_chunks != d->nr_refs) {
		size_t cnt = d->cur.nr_chunks ? d->cur.nr_chunks : 1;
		uint32_t *n = realloc(d->refs, cnt * sizeof(*n));

		if (!n) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = d->nr_refs; i < d->cur.nr_chunks; i++)
			n[i] = 0;
		d->refs = n;
		d->nr_refs = d->cur.nr_chunks;
	}
	if (!r)
		__atomic_store_n(&d->size, new_bytes, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&d->lock);
	return r;
}
