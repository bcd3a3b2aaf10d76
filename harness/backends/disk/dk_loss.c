/* SPDX-License-Identifier: MIT */
/* Power loss: what of the volatile cache reaches the durable image,
 * decided by a seed so that a run replays exactly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dk_priv.h"

static int apply_torn(struct xf_blkdisk *d, struct dk_rec *c, struct xf_rng *rng,
		      enum xf_blkdisk_fate *fate)
{
	uint64_t unit = d->cfg.sector_size >> XF_BLKIF_SECTOR_SHIFT;
	uint64_t kept = 0, total = 0;

	/* Huge records (a whole-disk discard) tear in at most 4096 pieces
	 * of whole logical sectors, to bound the work. */
	if (c->nr_sectors / unit > 4096)
		unit = (c->nr_sectors / 4096 + unit - 1) / unit * unit;

	for (uint64_t s = 0; s < c->nr_sectors; s += unit) {
		uint64_t left = c->nr_sectors - s;
		uint64_t n = left < unit ? left : unit;

		total++;
		if (xf_rng_next(rng) & 1) {
			int r = dk_store_write(
				&d->durable,
				(c->sector + s) << XF_BLKIF_SECTOR_SHIFT,
				c->data ? c->data + (s << XF_BLKIF_SECTOR_SHIFT)
					: NULL,
				n << XF_BLKIF_SECTOR_SHIFT);

			if (r < 0)
				return r;
			kept++;
		}
	}
	*fate = kept == 0 ? XF_BLKDISK_FATE_LOST
	      : kept == total ? XF_BLKDISK_FATE_SURVIVED
			      : XF_BLKDISK_FATE_TORN;
	return 0;
}

int xf_blkdisk_power_loss(struct xf_blkdisk *d,
			  enum xf_blkdisk_loss_mode mode, uint64_t seed,
			  uint64_t now_ns)
{
	struct xf_blkdisk_log_entry *e;
	struct dk_rec **v = NULL, *c;
	enum xf_blkdisk_fate *fate = NULL;
	struct xf_rng rng;
	uint64_t pl_id;
	size_t cnt = 0, i;
	int r = 0;

	if ((unsigned int)mode > XF_BLKDISK_LOSS_ALL)
		return -EINVAL;
	xf_rng_seed(&rng, seed);
	pthread_mutex_lock(&d->lock);
	for (c = d->cache.head; c; c = c->next)
		cnt++;
	if (cnt) {
		v = malloc(cnt * sizeof(*v));
		fate = calloc(cnt, sizeof(*fate));
		if (!v || !fate) {
			free(v);
			free(fate);
			pthread_mutex_unlock(&d->lock);
			return -ENOMEM;
		}
	}
	for (i = 0, c = d->cache.head; c; c = c->next)
		v[i++] = c;
	pl_id = ++d->st.power_losses;

	/* Decide each record's fate first, then apply the survivors. */
	for (i = 0; i < cnt; i++) {
		switch (mode) {
		case XF_BLKDISK_LOSS_NONE:
			fate[i] = XF_BLKDISK_FATE_LOST;
			break;
		case XF_BLKDISK_LOSS_ALL:
			fate[i] = XF_BLKDISK_FATE_SURVIVED;
			break;
		case XF_BLKDISK_LOSS_SUBSET:
		case XF_BLKDISK_LOSS_REORDER:
			fate[i] = (xf_rng_next(&rng) & 1)
					  ? XF_BLKDISK_FATE_SURVIVED
					  : XF_BLKDISK_FATE_LOST;
			break;
		case XF_BLKDISK_LOSS_TORN:
			fate[i] = XF_BLKDISK_FATE_TORN; /* decided below */
			break;
		}
	}
	if (mode == XF_BLKDISK_LOSS_REORDER && cnt > 1) {
		/* Fisher-Yates over the order of application; fates move
		 * with their records. */
		for (i = cnt - 1; i > 0; i--) {
			size_t j = (size_t)(xf_rng_next(&rng) % (i + 1));
			struct dk_rec *t = v[i];
			enum xf_blkdisk_fate tf = fate[i];

			v[i] = v[j];
			v[j] = t;
			fate[i] = fate[j];
			fate[j] = tf;
		}
	}
	for (i = 0; i < cnt && !r; i++) {
		if (mode == XF_BLKDISK_LOSS_TORN)
			r = apply_torn(d, v[i], &rng, &fate[i]);
		else if (fate[i] == XF_BLKDISK_FATE_SURVIVED)
			r = dk_rec_apply(d, v[i]);
	}
	if (mode == XF_BLKDISK_LOSS_REORDER) {
		/* A survivor applied after a newer overlapping survivor
		 * hides it: the newer one is superseded. */
		for (i = 0; i < cnt; i++) {
			if (fate[i] != XF_BLKDISK_FATE_SURVIVED)
				continue;
			for (size_t j = i + 1; j < cnt; j++) {
				if (fate[j] != XF_BLKDISK_FATE_SURVIVED &&
				    fate[j] != XF_BLKDISK_FATE_SUPERSEDED)
					continue;
				if (v[j]->id < v[i]->id &&
				    dk_overlaps(v[i]->sector, v[i]->nr_sectors,
					     v[j]->sector, v[j]->nr_sectors)) {
					fate[i] = XF_BLKDISK_FATE_SUPERSEDED;
					break;
				}
			}
		}
	}
	for (i = 0; i < cnt; i++) {
		dk_set_fate(d, v[i]->log_idx, fate[i], pl_id);
		if (fate[i] == XF_BLKDISK_FATE_LOST)
			d->st.lost_writes++;
		else if (fate[i] == XF_BLKDISK_FATE_TORN)
			d->st.torn_writes++;
		else
			d->st.survived_writes++;
	}
	dk_cache_free(d);
	d->st.dirty_writes = 0;
	d->st.dirty_bytes = 0;
	d->nr_flushes = 0; /* flushes in flight die with the power */
	dk_overlay_drop(&d->cur);
	memset(d->refs, 0, d->nr_refs * sizeof(*d->refs));
	d->generation++;
	e = dk_log_at(d, dk_log_add(d));
	if (e) {
		e->kind = XF_BLKDISK_LOG_POWER_LOSS;
		e->id = pl_id;
		e->submit_ns = now_ns;
		e->complete_ns = now_ns;
		e->loss_mode = mode;
		e->seed = seed;
		e->covers_upto = d->last_completed;
	}
	pthread_mutex_unlock(&d->lock);
	free(v);
	free(fate);
	return r;
}
