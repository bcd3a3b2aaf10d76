/* SPDX-License-Identifier: MIT */
/* Private to the disk model (disk.c, dk_log.c, dk_loss.c). */
#ifndef DK_PRIV_H
#define DK_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xfront/blkdisk.h>
#include <xfront/blkif.h>
#include <xfront/util.h>
#include "dk_store.h"

struct dk_rec {
	struct dk_rec *next;
	uint64_t id;
	uint64_t sector;
	uint64_t nr_sectors;
	uint8_t *data; /* NULL: zeroes */
	size_t log_idx; /* global log index, SIZE_MAX none */
};

struct dk_flush {
	int64_t id;
	uint8_t kind;
	uint64_t submit_ns;
	uint64_t covers_upto;
};

struct xf_blkdisk {
	pthread_mutex_t lock;
	struct xf_blkdisk_config cfg;
	uint64_t size;
	struct dk_store durable;
	struct dk_store cur;
	uint32_t *refs;           /* cached records touching each chunk */
	size_t nr_refs;
	XF_FIFO(struct dk_rec) cache; /* cached records, oldest first */
	uint64_t next_write_id;   /* ids start at 1 */
	int64_t next_flush_id;
	uint64_t last_completed;  /* highest write id completed */
	struct dk_flush *flushes;
	size_t nr_flushes, cap_flushes;
	struct xf_blkdisk_log_entry *log;
	size_t log_n, log_cap;
	size_t log_base;          /* global index of log[0] */
	uint64_t log_dropped;
	uint64_t generation;
	struct xf_blkdisk_stats st;
};

void dk_rec_free(struct dk_rec *c);
/* Frees every cached record (no accounting). */
void dk_cache_free(struct xf_blkdisk *d);
/* Writes a cached record to the durable store. */
int dk_rec_apply(struct xf_blkdisk *d, const struct dk_rec *c);
bool dk_overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn);

/* Log entries by global index (SIZE_MAX or dropped: NULL). With d->lock
 * held. */
struct xf_blkdisk_log_entry *dk_log_at(struct xf_blkdisk *d, size_t gidx);
size_t dk_log_add(struct xf_blkdisk *d);
void dk_set_fate(struct xf_blkdisk *d, size_t gidx, enum xf_blkdisk_fate f,
		 uint64_t pl_id);


#endif /* DK_PRIV_H */
