/* SPDX-License-Identifier: MIT */
/* The disk's durability log and statistics. Entries have global indices
 * (cache records keep theirs to update a write's fate later); with
 * log_limit the oldest half is dropped when full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dk_priv.h"

struct xf_blkdisk_log_entry *dk_log_at(struct xf_blkdisk *d, size_t gidx)
{
	if (gidx == SIZE_MAX || gidx < d->log_base ||
	    gidx - d->log_base >= d->log_n)
		return NULL;
	return &d->log[gidx - d->log_base];
}

/* Returns the global index of a new zeroed entry, or SIZE_MAX when out of
 * memory (the entry is then only counted as dropped). */
size_t dk_log_add(struct xf_blkdisk *d)
{
	if (d->cfg.log_limit && d->log_n >= d->cfg.log_limit) {
		size_t drop = d->log_n / 2 ? d->log_n / 2 : 1;

		memmove(d->log, d->log + drop,
			(d->log_n - drop) * sizeof(*d->log));
		d->log_n -= drop;
		d->log_base += drop;
		d->log_dropped += drop;
	}
	if (d->log_n == d->log_cap) {
		size_t cap = d->log_cap ? d->log_cap * 2 : 256;
		struct xf_blkdisk_log_entry *n;

		n = realloc(d->log, cap * sizeof(*n));
		if (!n) {
			d->log_dropped++;
			return SIZE_MAX;
		}
		d->log = n;
		d->log_cap = cap;
	}
	memset(&d->log[d->log_n], 0, sizeof(d->log[0]));
	d->log_n++;
	return d->log_base + d->log_n - 1;
}

void dk_set_fate(struct xf_blkdisk *d, size_t gidx,
		     enum xf_blkdisk_fate f, uint64_t pl_id)
{
	struct xf_blkdisk_log_entry *e = dk_log_at(d, gidx);

	if (e) {
		e->fate = f;
		e->power_loss_id = pl_id;
	}
}

int xf_blkdisk_log(struct xf_blkdisk *d, struct xf_blkdisk_log_entry **out,
		   size_t *n, uint64_t *dropped)
{
	struct xf_blkdisk_log_entry *c;

	pthread_mutex_lock(&d->lock);
	c = malloc((d->log_n ? d->log_n : 1) * sizeof(*c));
	if (!c) {
		pthread_mutex_unlock(&d->lock);
		return -ENOMEM;
	}
	memcpy(c, d->log, d->log_n * sizeof(*c));
	*out = c;
	*n = d->log_n;
	if (dropped)
		*dropped = d->log_dropped;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void xf_blkdisk_log_clear(struct xf_blkdisk *d)
{
	pthread_mutex_lock(&d->lock);
	d->log_base += d->log_n;
	d->log_n = 0;
	d->log_dropped = 0;
	pthread_mutex_unlock(&d->lock);
}

void xf_blkdisk_stats(struct xf_blkdisk *d, struct xf_blkdisk_stats *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->st;
	out->image_mem_bytes = (uint64_t)d->durable.populated * DK_CHUNK_SIZE;
	out->overlay_mem_bytes = (uint64_t)d->cur.populated * DK_CHUNK_SIZE;
	pthread_mutex_unlock(&d->lock);
}
