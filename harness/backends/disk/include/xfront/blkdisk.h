/* SPDX-License-Identifier: MIT */
/*
 * xfront disk model: a durable image (memory or file) behind a volatile
 * write cache whose flush/FUA honouring is a mode, a power-loss fault
 * that decides each cached write's fate (lost, torn, survived), and a
 * durability log the checkers read. Independent of any backend, so two
 * backends (two "hosts" before and after a migration) can share one.
 *
 * Units: sector numbers and counts are 512-byte units; times are ns.
 * Threading: a disk has an internal lock and may be used from any thread.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_BLKDISK_H
#define XFRONT_BLKDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif


enum xf_blkdisk_cache_mode {
	/* Flush makes durable exactly the writes completed before it was
	 * submitted; a barrier drains, then pre-flushes. */
	XF_BLKDISK_CACHE_HONOUR = 0,
	/* Flush and barrier answer OK and make nothing durable. */
	XF_BLKDISK_CACHE_IGNORE_FLUSH,
	/* Flush honoured; barriers (the blkif carrier of FUA) keep their
	 * ordering but make nothing durable. */
	XF_BLKDISK_CACHE_IGNORE_FUA,
	/* Flush and barrier answer BLKIF_RSP_EOPNOTSUPP and do nothing. */
	XF_BLKDISK_CACHE_EOPNOTSUPP,
	/* No volatile cache: every write is durable when it completes. */
	XF_BLKDISK_CACHE_WRITE_THROUGH,
};

/* What survives of the volatile cache at a power loss (the durable image
 * always survives). */
enum xf_blkdisk_loss_mode {
	XF_BLKDISK_LOSS_NONE = 0,  /* every cached write is lost */
	XF_BLKDISK_LOSS_SUBSET,    /* each cached write survives with p=1/2,
				    * applied in completion order */
	XF_BLKDISK_LOSS_REORDER,   /* a random subset, applied in a random
				    * order (an older write may win) */
	XF_BLKDISK_LOSS_TORN,      /* each logical sector of each cached write
				    * survives with p=1/2 (shorn writes) */
	XF_BLKDISK_LOSS_ALL,       /* every cached write survives, in order */
};

/* Names as scenarios and reports spell them: "honour", "ignore-flush",
 * "ignore-fua", "eopnotsupp", "write-through"; "none", "subset",
 * "reorder", "torn", "all". parse: -EINVAL for an unknown name; name:
 * "?" for an unknown value. */
int xf_blkdisk_cache_mode_parse(const char *name,
				enum xf_blkdisk_cache_mode *out);
const char *xf_blkdisk_cache_mode_name(enum xf_blkdisk_cache_mode m);
int xf_blkdisk_loss_mode_parse(const char *name,
			       enum xf_blkdisk_loss_mode *out);
const char *xf_blkdisk_loss_mode_name(enum xf_blkdisk_loss_mode m);

struct xf_blkdisk_config {
	uint64_t size_bytes;           /* multiple of sector_size, > 0 */
	unsigned int sector_size;      /* 512 or 4096 (power of 2, >= 512) */
	unsigned int physical_sector_size; /* 0: = sector_size */
	/* NULL: sparse in-memory image (reads of unwritten data give
	 * zeroes). Otherwise the durable image lives in this file (opened
	 * read-write, created and extended to size_bytes if needed). */
	const char *path;
	enum xf_blkdisk_cache_mode cache_mode;
	/* Barrier data is written FUA (durable at completion) in honour
	 * mode. Default false, as Linux blkback (which adds no FUA). */
	bool barrier_fua;
	/* Dirty bytes above this are destaged oldest first (made durable,
	 * as a real cache does under pressure). 0: unlimited. */
	uint64_t cache_limit_bytes;
	/* Maximum durability-log entries kept; older ones are dropped and
	 * counted. 0: unlimited. */
	size_t log_limit;
};

/* Defaults: 64 MiB, 512-byte sectors, memory, honour, 64 MiB cache
 * limit, log unlimited. */
void xf_blkdisk_config_init(struct xf_blkdisk_config *cfg);

struct xf_blkdisk;

int xf_blkdisk_new(const struct xf_blkdisk_config *cfg,
		   struct xf_blkdisk **out);
/* No backend may still use the disk. */
void xf_blkdisk_free(struct xf_blkdisk *d);

uint64_t xf_blkdisk_size_bytes(const struct xf_blkdisk *d);
unsigned int xf_blkdisk_sector_size(const struct xf_blkdisk *d);
unsigned int xf_blkdisk_physical_sector_size(const struct xf_blkdisk *d);
enum xf_blkdisk_cache_mode xf_blkdisk_cache_mode(const struct xf_blkdisk *d);
void xf_blkdisk_set_cache_mode(struct xf_blkdisk *d,
			       enum xf_blkdisk_cache_mode m);
/* Grow or shrink (new_bytes multiple of sector_size). Backends using the
 * disk announce it with xf_blkback_resize_notify(). */
int xf_blkdisk_resize(struct xf_blkdisk *d, uint64_t new_bytes);

/* Direct access (the backend uses these; tests and checkers may too).
 * sector in 512-byte units; len a multiple of 512; -ERANGE past end. */
/* What a read sees now: cache over durable image. */
int xf_blkdisk_read(struct xf_blkdisk *d, uint64_t sector, void *buf,
		    size_t len);
/* The durable image only (what would survive XF_BLKDISK_LOSS_NONE). */
int xf_blkdisk_read_durable(struct xf_blkdisk *d, uint64_t sector, void *buf,
			    size_t len);
/* Overwrite current and durable image at once, no log (test setup). */
int xf_blkdisk_fill(struct xf_blkdisk *d, uint64_t sector, const void *buf,
		    size_t len);

/* Write completion into the cache (durable at once when fua or in
 * write-through mode). buf NULL writes zeroes (discard). Returns the
 * write id (> 0) or -errno. */
#define XF_BLKDISK_W_FUA (1u << 0)
#define XF_BLKDISK_W_DISCARD (1u << 1)
#define XF_BLKDISK_W_BARRIER (1u << 2) /* data of a barrier */
#define XF_BLKDISK_W_FLUSH (1u << 3)   /* data of a flush */
int64_t xf_blkdisk_write(struct xf_blkdisk *d, uint64_t sector,
			 const void *buf, size_t len, unsigned int flags,
			 uint64_t now_ns);

/* xf_blkdisk_write() for a request a backend accepted in generation gen
 * (xf_blkdisk_generation() then): -ESTALE, changing nothing, once a
 * power loss has moved the disk on. Checked under the disk lock, so a
 * power loss on another thread cannot slip between check and write. */
int64_t xf_blkdisk_write_gen(struct xf_blkdisk *d, uint64_t gen,
			     uint64_t sector, const void *buf, size_t len,
			     unsigned int flags, uint64_t now_ns);

/* A flush in two steps: begin at submission (snapshots which completed
 * writes it covers), end at completion (makes them durable unless the
 * cache mode ignores it). kind is XF_BLKIF_OP_FLUSH_DISKCACHE or
 * XF_BLKIF_OP_WRITE_BARRIER. begin returns a flush id (> 0). */
int64_t xf_blkdisk_flush_begin(struct xf_blkdisk *d, uint8_t kind,
			       uint64_t now_ns);
int xf_blkdisk_flush_end(struct xf_blkdisk *d, int64_t flush_id,
			 uint64_t now_ns);

/* Power loss: drops the cache, keeping the durable image plus a choice
 * of cached writes driven by seed (same seed, same outcome). Writes in
 * flight in backends at that moment complete with BLKIF_RSP_ERROR and
 * change nothing. */
int xf_blkdisk_power_loss(struct xf_blkdisk *d,
			  enum xf_blkdisk_loss_mode mode, uint64_t seed,
			  uint64_t now_ns);
/* Incremented by each power loss. */
uint64_t xf_blkdisk_generation(struct xf_blkdisk *d);

/* Durability log, in the order events happened. */
enum xf_blkdisk_log_kind {
	XF_BLKDISK_LOG_WRITE = 0,   /* write completed into the cache */
	XF_BLKDISK_LOG_FLUSH,       /* flush or barrier completed */
	XF_BLKDISK_LOG_POWER_LOSS,
};

/* Fate of a write, as known now. */
enum xf_blkdisk_fate {
	XF_BLKDISK_FATE_CACHED = 0, /* still only in the cache */
	XF_BLKDISK_FATE_DURABLE,    /* made durable (flush, FUA, destage,
				     * write-through) */
	XF_BLKDISK_FATE_LOST,       /* dropped by a power loss */
	XF_BLKDISK_FATE_SURVIVED,   /* cached at a power loss, kept whole */
	XF_BLKDISK_FATE_TORN,       /* cached at a power loss, partly kept */
	XF_BLKDISK_FATE_SUPERSEDED, /* flushed/kept, but overwritten on the
				     * durable image by an older write that
				     * a reordering power loss applied late */
};

/* "cached", "durable", "lost", "survived", "torn", "superseded". */
const char *xf_blkdisk_fate_name(enum xf_blkdisk_fate f);

struct xf_blkdisk_log_entry {
	enum xf_blkdisk_log_kind kind;
	uint64_t id;          /* write id or flush id; power-loss number */
	/* WRITE: range in 512-byte units; flags XF_BLKDISK_W_*. */
	uint64_t sector;
	uint64_t nr_sectors;
	unsigned int flags;
	enum xf_blkdisk_fate fate;
	/* WRITE: completion time. FLUSH: submit and completion time.
	 * POWER_LOSS: time. */
	uint64_t submit_ns;
	uint64_t complete_ns;
	/* FLUSH: kind (XF_BLKIF_OP_*), every write with id <= covers_upto
	 * completed before submission and is covered; durable says whether
	 * the cache mode honoured it. */
	uint8_t flush_kind;
	uint64_t covers_upto;
	bool durable;
	/* POWER_LOSS: mode and seed; and for WRITE entries decided by a
	 * power loss: that power loss's id. */
	enum xf_blkdisk_loss_mode loss_mode;
	uint64_t seed;
	uint64_t power_loss_id;
};

/* Copies the log: *out is malloc'ed (free()), *n entries. *dropped (may
 * be NULL) counts entries dropped by log_limit before the first one. */
int xf_blkdisk_log(struct xf_blkdisk *d, struct xf_blkdisk_log_entry **out,
		   size_t *n, uint64_t *dropped);
void xf_blkdisk_log_clear(struct xf_blkdisk *d);

struct xf_blkdisk_stats {
	uint64_t writes;          /* completed writes (incl. discards) */
	uint64_t write_bytes;
	uint64_t discards;
	uint64_t flushes;         /* completed flushes and barriers */
	uint64_t flushes_ignored; /* made nothing durable by mode */
	uint64_t dirty_writes;    /* writes now only in the cache */
	uint64_t dirty_bytes;
	uint64_t destaged_writes; /* made durable by cache pressure */
	uint64_t durable_writes;
	uint64_t power_losses;
	uint64_t lost_writes;     /* over all power losses */
	uint64_t torn_writes;
	uint64_t survived_writes;
	/* Memory held: the in-memory durable image (0 for a file) and the
	 * overlay that holds chunks with cached data. */
	uint64_t image_mem_bytes;
	uint64_t overlay_mem_bytes;
};
void xf_blkdisk_stats(struct xf_blkdisk *d, struct xf_blkdisk_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_BLKDISK_H */
