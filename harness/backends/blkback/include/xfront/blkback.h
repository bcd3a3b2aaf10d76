/* SPDX-License-Identifier: MIT */
/*
 * xfront mock blkback: a block backend on any xfront platform (built for
 * the mock one), a disk model with a volatile write cache that can lose
 * data, latency and shared IOPS/bandwidth budgets, fault injection, and
 * the dom0 toolstack steps that create and remove vbd devices.
 *
 * Four object families:
 *  - xf_vbd_*       toolstack: create / close / destroy / migrate the
 *                   xenstore directories of a vbd (acts as dom0).
 *  - xf_blkdisk_*   a disk: durable image + volatile cache + durability
 *                   log. Independent of any backend, so two backends (two
 *                   "hosts" before and after a migration) can share one.
 *  - xf_blkbudget_* a token-bucket IOPS/bandwidth budget that several
 *                   backends may share (contention between VMs).
 *  - xf_blkback_*   the backend: xenbus state machine and one actor per
 *                   queue that consumes, validates and answers requests.
 *
 * Units: sector numbers and counts at this API are 512-byte units unless
 * the name says otherwise (the blkif convention); times are ns from
 * xf_rt_now_ns().
 *
 * Threading: a disk and a budget have an internal lock and may be used
 * from any thread. A backend's fault/control calls (xf_blkback_crash,
 * ..._freeze, ..._resize_notify, ...) are thread-safe and asynchronous:
 * they post a request and kick the backend's control actor, which acts
 * on it when it next runs (in sim mode: at the caller's current time).
 * xf_blkback_new() may be called at any time, also from an actor while
 * the runtime runs. xf_blkback_free(): in sim mode anywhere but inside
 * the backend's own actors; in real mode only while xf_rt_run() is not
 * running (removing an actor does not wait for a run() in progress on
 * another vCPU).
 *
 * Every function returning int returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_BLKBACK_H
#define XFRONT_BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/ring.h>
#include <xfront/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Toolstack (dom0 side of device creation). */

struct xf_vbd_config {
	xf_domid frontend_id;
	xf_domid backend_id;
	uint32_t devid;          /* virtual-device and dir name, e.g. 51712 */
	const char *device_type; /* NULL: "disk" */
	const char *params;      /* NULL: "mock" */
	const char *type;        /* NULL: "phy" */
	bool readonly;           /* mode "r" instead of "w" */
	int trusted;             /* -1: no key; 0/1: frontend "trusted" key */
	/* Write the keys one by one, frontend dir first, instead of in one
	 * transaction (exposes the intermediate states to watchers). */
	bool no_transaction;
};

/* Defaults: devid 51712, trusted -1, everything else NULL/false. */
void xf_vbd_config_init(struct xf_vbd_config *c);

/* /local/domain/<front>/device/vbd/<devid> and
 * /local/domain/<back>/backend/vbd/<front>/<devid>; -ENAMETOOLONG when
 * len is too short. */
int xf_vbd_frontend_path(const struct xf_vbd_config *c, char *buf,
			 size_t len);
int xf_vbd_backend_path(const struct xf_vbd_config *c, char *buf,
			size_t len);

/*
 * Creates both directories with state=1 (Initialising), frontend dir
 * first. Frontend dir: backend, backend-id, virtual-device, device-type,
 * state, [trusted]; owned by the frontend, readable by the backend.
 * Backend dir: frontend, frontend-id, params, mode, type, online=1,
 * state; owned by the backend domain, readable by the frontend.
 * dom0 is a platform acting as a privileged domain. Retries transaction
 * conflicts; -EEXIST when either directory already exists.
 */
int xf_vbd_create(struct xf_platform *dom0, const struct xf_vbd_config *c);

/* Graceful removal request, as libxl does: backend online=0 and backend
 * state=5 (Closing). The backend then closes with the frontend and ends
 * in Closed; call xf_vbd_destroy() afterwards. */
int xf_vbd_request_close(struct xf_platform *dom0,
			 const struct xf_vbd_config *c);

/* Removes both directories (surprise removal when the devices are still
 * connected). Missing directories are not an error. */
int xf_vbd_destroy(struct xf_platform *dom0, const struct xf_vbd_config *c);

/* Migration / backend switch: destroys both directories and re-creates
 * them at state 1 pointing to new_backend_id; c->backend_id is updated. */
int xf_vbd_migrate(struct xf_platform *dom0, struct xf_vbd_config *c,
		   xf_domid new_backend_id);

/* ------------------------------------------------------------------ */
/* Disk model. */

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

/* ------------------------------------------------------------------ */
/* Budget: token buckets shared by the backends that reference it. An I/O
 * reserves one op and its bytes; it starts when both buckets allow. */

struct xf_blkbudget_config {
	uint64_t iops;          /* 0: unlimited */
	uint64_t iops_burst;    /* ops allowed at once; 0: 1 */
	uint64_t bytes_per_sec; /* 0: unlimited */
	uint64_t bytes_burst;   /* 0: 128 KiB */
};

struct xf_blkbudget;

int xf_blkbudget_new(const struct xf_blkbudget_config *cfg,
		     struct xf_blkbudget **out);
/* No backend may still reference it. */
void xf_blkbudget_free(struct xf_blkbudget *b);
/* Returns the time (>= now_ns) at which an I/O of bytes may start, and
 * books it. Thread-safe. */
uint64_t xf_blkbudget_reserve(struct xf_blkbudget *b, uint64_t now_ns,
			      uint64_t bytes);

struct xf_blkbudget_stats {
	uint64_t ops;
	uint64_t bytes;
	uint64_t delayed_ops; /* had to wait */
	uint64_t delay_ns;    /* total wait */
};
void xf_blkbudget_stats(struct xf_blkbudget *b,
			struct xf_blkbudget_stats *out);

/* ------------------------------------------------------------------ */
/* Latency model: service time of one request after it may start. */

enum xf_blklat_kind {
	XF_BLKLAT_NONE = 0,     /* 0 ns */
	XF_BLKLAT_FIXED,        /* base_ns */
	XF_BLKLAT_UNIFORM,      /* uniform in [base_ns, base_ns + param_ns] */
	XF_BLKLAT_EXPONENTIAL,  /* base_ns + Exp(mean param_ns) */
	XF_BLKLAT_LOGNORMAL,    /* base_ns + param_ns * exp(sigma * N(0,1)),
				 * param_ns is the median */
};

/* "none", "fixed", "uniform", "exponential", "lognormal". */
int xf_blklat_kind_parse(const char *name, enum xf_blklat_kind *out);
const char *xf_blklat_kind_name(enum xf_blklat_kind k);

struct xf_blklat {
	enum xf_blklat_kind kind;
	uint64_t base_ns;
	uint64_t param_ns;
	double sigma;
};

struct xf_blkback_latency {
	struct xf_blklat read, write, flush, discard; /* barrier: flush */
	uint64_t ns_per_kib; /* transfer time added per KiB of data */
};

/* Draws one sample; rng_state is 4 x uint64_t (xoshiro256**), seeded
 * by the caller. Exposed for tests and for the harness. */
uint64_t xf_blklat_sample(const struct xf_blklat *l, uint64_t rng_state[4]);

/* ------------------------------------------------------------------ */
/* Backend. */

#define XF_BLKBACK_MAX_QUEUES 16

/* Unit of the "sectors" key (the disk size) the backend publishes. The
 * blkif.h text before 2024 said "in units of sector-size"; Linux blkback
 * has always written 512-byte units (the block layer's capacity), Linux
 * blkfront reads it so, and blkif.h was amended in 2024 to say 512-byte
 * units. With 512-byte sectors both agree; with 4096-byte sectors they
 * differ by 8x. */
enum xf_blkback_sectors_unit {
	XF_BLKBACK_SECTORS_512 = 0,         /* Linux blkback (default) */
	XF_BLKBACK_SECTORS_SECTOR_SIZE = 1, /* the pre-2024 blkif.h text, as
					     * QEMU's xen-block wrote it
					     * until its 2024 fix */
};

/* "512", "sector-size"; parse: -EINVAL for an unknown name; name: "?"
 * for an unknown value. */
int xf_blkback_sectors_unit_parse(const char *name,
				  enum xf_blkback_sectors_unit *out);
const char *xf_blkback_sectors_unit_name(enum xf_blkback_sectors_unit u);

struct xf_blkback_features {
	bool persistent;                    /* feature-persistent, published
					     * at connect as Linux does */
	unsigned int max_indirect_segments; /* 0: key absent */
	unsigned int max_ring_page_order;   /* 0..XF_MAX_RING_PAGE_ORDER */
	bool legacy_max_ring_pages;         /* also publish max-ring-pages */
	unsigned int max_queues;            /* <= 1: no multi-queue key */
	bool flush;                         /* feature-flush-cache */
	bool barrier;                       /* feature-barrier */
	bool discard;                       /* feature-discard + keys */
	uint32_t discard_granularity;       /* bytes; 0: sector size */
	uint32_t discard_alignment;
	bool discard_secure;
	/* info bits; read-only is also implied by mode "r". */
	bool readonly;
	bool cdrom;
	bool removable;
	/* Unit of the "sectors" key; every preset uses 512 (Linux). */
	enum xf_blkback_sectors_unit sectors_unit;
};

/* A named feature set: "linux" (everything: persistent, 256 indirect,
 * order 4, 4 queues, flush, barrier, discard), "qemu" (no persistent, no
 * indirect, order 4, no multi-queue, flush, discard), "minimal" (none
 * of them: one page, one queue, no flush), "no-persistent",
 * "no-indirect", "few-indirect" (32), "single-queue", "no-flush",
 * "barrier-only", "legacy-ring" (order 2 via max-ring-pages too). All
 * publish "sectors" in 512-byte units. -ENOENT for an unknown name. */
int xf_blkback_features_preset(const char *name,
			       struct xf_blkback_features *out);
/* NULL-terminated list of preset names. */
const char *const *xf_blkback_feature_presets(void);

/* How the backend walks the xenbus states. */
enum xf_blkback_path {
	/* Initialising -> InitWait -> (front Initialised/Connected) ->
	 * Connected. */
	XF_BLKBACK_PATH_NORMAL = 0,
	/* Publishes features but stays in Initialising; connects when the
	 * frontend reaches Initialised/Connected (straight to Connected). */
	XF_BLKBACK_PATH_SKIP_INITWAIT,
	/* Publishes features and InitWait, then never connects. */
	XF_BLKBACK_PATH_STUCK_INITWAIT,
};

/* Error injection: matching requests are answered with status and not
 * performed. */
struct xf_blkback_error_rule {
	unsigned int ops;  /* mask of 1u << XF_BLKIF_OP_* (indirect requests
			    * match their inner op) */
	int16_t status;    /* XF_BLKIF_RSP_ERROR or XF_BLKIF_RSP_EOPNOTSUPP */
	uint32_t ppm;      /* chance per match, parts per million; 0: all */
	uint64_t skip;     /* let this many matches through first */
	uint64_t count;    /* fire at most this often; 0: unlimited */
};
#define XF_BLKBACK_MAX_ERROR_RULES 8

struct xf_blkback_config {
	struct xf_platform *platform; /* the backend's domain */
	struct xf_rt *rt;
	xf_domid frontend_id;
	uint32_t devid;
	struct xf_blkdisk *disk;      /* required; not owned */
	struct xf_blkbudget *budget;  /* optional; not owned, may be shared */
	struct xf_blkback_features features;
	struct xf_blkback_latency latency;
	enum xf_blkback_path path;
	unsigned int vcpu;            /* control actor's vCPU */
	/* Queue i runs on vCPU (queue_vcpu + i) % nr_vcpus. */
	unsigned int queue_vcpu;
	/* Persistent mappings kept per queue; beyond it a segment is
	 * mapped (writable, as every persistent grant) for one request.
	 * 0: 4096. */
	unsigned int max_persistent_grants;
	/* CPU charged (xf_rt_charge) per request handled. */
	uint64_t cpu_ns_per_request;
	/* Crash once this many requests were consumed (0: never); the
	 * crash happens with that request in flight. */
	uint64_t crash_after_requests;
	const char *name;             /* actor names; NULL: "blkback" */
};

/* Defaults: features "linux", no latency, no budget, normal path,
 * vCPU 0, devid 51712. platform, rt, frontend_id and disk must be set;
 * xf_blkback_new() refuses an unknown features.sectors_unit (-EINVAL). */
void xf_blkback_config_init(struct xf_blkback_config *cfg);

struct xf_blkback;

/*
 * Registers the actors and starts: the backend waits for its xenstore
 * directory (created by xf_vbd_create, before or after this call),
 * publishes its features and follows the frontend. It survives its
 * directory being removed (it disconnects and waits for it to come
 * back, e.g. device re-appearance).
 */
int xf_blkback_new(const struct xf_blkback_config *cfg,
		   struct xf_blkback **out);
/* Unmaps and unbinds everything, removes the actors. Leaves xenstore as
 * it is (the toolstack owns the directories). */
void xf_blkback_free(struct xf_blkback *bb);

/* The backend's own state (enum xf_xenbus_state as last written);
 * XF_XENBUS_UNKNOWN before it found its directory. */
int xf_blkback_state(const struct xf_blkback *bb);

/* Why the backend last refused to connect or halted a ring ("" when
 * none). Valid until the next call on bb from the control vCPU. */
const char *xf_blkback_last_error(const struct xf_blkback *bb);

/* What was negotiated at the last connect. */
struct xf_blkback_conn_info {
	bool connected;
	unsigned int nr_queues;
	unsigned int ring_page_order;
	unsigned int ring_entries;
	enum xf_blkif_abi abi;
	bool persistent;
	unsigned int connects;      /* successful connects so far */
};
void xf_blkback_conn_info(const struct xf_blkback *bb,
			  struct xf_blkback_conn_info *out);

/* Why requests were refused (BLKIF_RSP_ERROR unless noted). */
enum xf_blkback_reject {
	XF_BLKBACK_REJ_UNKNOWN_OP = 0,
	XF_BLKBACK_REJ_READONLY,      /* write/flush/barrier/discard on r/o */
	XF_BLKBACK_REJ_NO_SEGMENTS,   /* nr_segments 0 on read/write */
	XF_BLKBACK_REJ_TOO_MANY_SEGMENTS, /* > 11, or > indirect maximum */
	XF_BLKBACK_REJ_BAD_INDIRECT,  /* not offered, or inner op not r/w */
	XF_BLKBACK_REJ_SECT_ORDER,    /* first_sect > last_sect */
	XF_BLKBACK_REJ_SECT_RANGE,    /* last_sect >= 8 (page crossing) */
	XF_BLKBACK_REJ_MISALIGNED,    /* not aligned to sector-size */
	XF_BLKBACK_REJ_PAST_END,
	XF_BLKBACK_REJ_DISCARD_OVERFLOW,
	XF_BLKBACK_REJ_GRANT,         /* grant copy/map failed */
	XF_BLKBACK_REJ_UNSUPPORTED,   /* feature not offered: EOPNOTSUPP */
	XF_BLKBACK_REJ_POWER_LOSS,    /* in flight across a power loss */
	XF_BLKBACK_REJ_NR,
};

/* "unknown-op", "read-only", "no-segments", "too-many-segments",
 * "bad-indirect", "sect-order", "sect-range", "misaligned", "past-end",
 * "discard-overflow", "grant", "unsupported", "power-loss". */
const char *xf_blkback_reject_name(enum xf_blkback_reject r);

struct xf_blkback_stats {
	uint64_t requests[8];       /* by ring operation (index = op, 7 =
				     * unknown ops) */
	uint64_t segments;          /* data segments handled */
	uint64_t indirect_requests;
	uint64_t indirect_segments;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t responses;
	uint64_t persistent_maps;   /* new persistent mappings */
	uint64_t persistent_hits;   /* segments served by an existing one */
	uint64_t grant_copy_segs;
	uint64_t notify_sent;       /* responses pushed with a notification */
	uint64_t notify_received;   /* event-channel events handled */
	uint64_t rsp_error;         /* BLKIF_RSP_ERROR answers */
	uint64_t rsp_eopnotsupp;
	/* Valid discards that start or end off the grid discard_alignment
	 * + k * discard_granularity (bytes; sector * 512 on the wire),
	 * counted once per request. Only when features.discard_granularity
	 * is set (0 otherwise). A discard ending at a disk end that is off
	 * the grid counts too: the rule is the grid, not the disk. */
	uint64_t discard_off_grid;
	uint64_t rejects[XF_BLKBACK_REJ_NR];
	uint64_t injected_errors;
	uint64_t ring_overflows;    /* rings halted for prod overflow */
	uint64_t dropped;           /* in flight at disconnect/crash: no
				     * response */
	uint64_t connects;
	uint64_t disconnects;
	uint64_t inflight;          /* now */
	uint64_t cache_dirty_bytes; /* the disk's, now */
};
void xf_blkback_stats(struct xf_blkback *bb, struct xf_blkback_stats *out);
/* One queue's share (queue-level counters only: dropped, connects,
 * disconnects and cache_dirty_bytes stay 0). -ENOENT for a queue index
 * the backend never had. */
int xf_blkback_queue_stats(struct xf_blkback *bb, unsigned int queue,
			   struct xf_blkback_stats *out);

/* Faults and control (asynchronous, see the threading note above). */

/* Adds an error rule (-ENOSPC when XF_BLKBACK_MAX_ERROR_RULES exist);
 * clear removes all rules. */
int xf_blkback_add_error_rule(struct xf_blkback *bb,
			      const struct xf_blkback_error_rule *r);
void xf_blkback_clear_error_rules(struct xf_blkback *bb);
/* Stop responding: no request consumed, no response pushed, state kept.
 * false resumes (pending completions are then delivered). */
void xf_blkback_freeze(struct xf_blkback *bb, bool frozen);
/* Crash: in-flight requests dropped without response, mappings and
 * event channels dropped, state Closed written, backend directory
 * removed. The backend stays dead (ignores its directory coming back). */
void xf_blkback_crash(struct xf_blkback *bb);
/* Crash when n more requests have been consumed (0 cancels). */
void xf_blkback_crash_after(struct xf_blkback *bb, uint64_t n);
/* Disappear: like a destroyed backend domain: everything dropped and
 * the backend directory removed, no state written. Stays dead. */
void xf_blkback_disappear(struct xf_blkback *bb);
/* After xf_blkdisk_resize(): rewrites sectors and Connected again (the
 * resize signal Linux frontends understand). */
void xf_blkback_resize_notify(struct xf_blkback *bb);
/* Replace the feature set used at the next publish (next InitWait),
 * e.g. before a restart with different features. */
void xf_blkback_set_features(struct xf_blkback *bb,
			     const struct xf_blkback_features *f);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_BLKBACK_H */
