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
 *  - xf_blkdisk_*   a disk (<xfront/blkdisk.h>, harness/backends/disk/):
 *                   durable image + volatile cache + durability log.
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
#include <xfront/blkdisk.h>
#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
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
 * state=5 (Closing), in one transaction; a backend already Closed is
 * left Closed (libxl__initiate_device_generic_remove()). The backend
 * then closes with the frontend and ends in Closed; call
 * xf_vbd_destroy() afterwards. */
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

/* Draws one sample from a generator the caller seeded. Exposed for tests
 * and for the harness. */
struct xf_rng;
uint64_t xf_blklat_sample(const struct xf_blklat *l, struct xf_rng *rng);

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

/* Leniency switches (bit mask, all off by default: the backend behaves
 * as Linux 6.1's xen-blkback). Each restores a behaviour of the older
 * mock and names the Linux function it departs from (sources under
 * drivers/block/xen-blkback/). */
/* xenbus.c:frontend_changed() acts on a frontend's Initialising only
 * when the backend is Closed (it then writes InitWait) and ignores it in
 * every other state: a frontend that re-initialises while the backend is
 * Connected or Closing waits forever. On, the mock drops the old rings
 * and offers InitWait again from Connected or Closing too, which hides
 * that wedge. */
#define XF_BB_LENIENT_REINIT_WHILE_CONNECTED (1u << 0)
/* xenbus.c:xen_blkbk_probe() writes only feature-max-indirect-segments,
 * multi-queue-max-queues and max-ring-page-order before InitWait;
 * connect() writes feature-flush-cache, the discard keys,
 * feature-barrier, feature-persistent, sectors, info, sector-size and
 * physical-sector-size in one transaction, then Connected. On, the flush,
 * barrier and discard keys (and the legacy max-ring-pages) are written
 * at InitWait, keys of features that are off are removed, the
 * multi-queue key is left out for one queue, and the disk keys are
 * written one by one at connect, outside any transaction. */
#define XF_BB_LENIENT_FEATURES_AT_INITWAIT (1u << 1)
/* blkback.c:dispatch_rw_block_io() checks the start sector and the
 * length of EACH segment (inline or from the indirect pages) against the
 * logical block size: with 4096-byte sectors every segment must be a
 * whole page. On, only the start sector and the request's total length
 * must be aligned. */
#define XF_BB_LENIENT_REQUEST_ALIGNMENT (1u << 2)
/* blkback.c:dispatch_rw_block_io() answers an indirect request with its
 * inner operation (READ or WRITE), on success (pending_req->operation)
 * and on failure (fail_response). On, the answer echoes
 * BLKIF_OP_INDIRECT. */
#define XF_BB_LENIENT_INDIRECT_RSP_OP (1u << 3)
/* blkback.c:__do_block_io_op() sends an operation it does not know to
 * dispatch_other_io(): BLKIF_RSP_EOPNOTSUPP. On, it is answered
 * BLKIF_RSP_ERROR. */
#define XF_BB_LENIENT_UNKNOWN_OP_ERROR (1u << 4)
/* blkback.c:__end_block_io_op(): a flush (barrier) the device refuses
 * with EOPNOTSUPP withdraws the feature, xen_blkbk_flush_diskcache()
 * (xen_blkbk_barrier()) writing feature-flush-cache = 0
 * (feature-barrier = 0). On, the keys stay as published. */
#define XF_BB_LENIENT_KEEP_FLUSH_FEATURE (1u << 5)
/* xenbus.c:backend_changed(): a missing mode is fatal ("reading mode",
 * xenbus_dev_fatal(): error node, then Closing) and no vbd is made. On,
 * a missing mode means read-write. */
#define XF_BB_LENIENT_MODE_OPTIONAL (1u << 6)
/* xenbus.c:backend_changed(): the vbd is read-only iff mode contains no
 * 'w' ("rw" is writable). On, it is read-only iff mode starts with 'r'
 * ("rw" is read-only, "w!" writable). */
#define XF_BB_LENIENT_MODE_FIRST_CHAR (1u << 7)
/* xenbus_read_unsigned() and xenbus_scanf("%u") (drivers/xen/xenbus/
 * xenbus_xs.c), used by connect_ring() for feature-persistent,
 * multi-queue-num-queues, ring-page-order, ring-ref* and event-channel
 * and by xenbus_dev_is_online() for online: leading digits count, what
 * follows is ignored, and any non-zero flag is true. On, a number must
 * be all digits and a flag exactly 1 ("2" is false). */
#define XF_BB_LENIENT_STRICT_NUMBERS (1u << 8)
/* xenbus.c:connect_ring() and read_per_ring_refs(): a ring-page-order
 * key (even 0) means ring-ref0..ring-ref<2^order - 1>, no such key means
 * one page in "ring-ref"; num-ring-pages is never read. On, the older
 * mock's keys: num-ring-pages (a power of two) stands for a missing
 * ring-page-order, and for one page "ring-ref" is read first and
 * "ring-ref0" stands in for it. */
#define XF_BB_LENIENT_RING_KEYS (1u << 9)
/* drivers/xen/xenbus/xenbus_probe_backend.c:xenbus_dev_is_online():
 * !!xenbus_read_unsigned(nodename, "online", 0), so a backend directory
 * without online is offline (a frontend's Closed then ends the device:
 * it never offers InitWait again). On, a missing online keeps the last
 * value read, online at first. */
#define XF_BB_LENIENT_ONLINE_DEFAULT (1u << 10)
/* xenbus.c:frontend_changed(): a frontend's Initialised or Connected
 * while the backend is Closing or Closed (online) disconnects and
 * connects straight to Connected, without InitWait. On, the older mock:
 * from Closed it writes InitWait first (features re-published) and then
 * connects, and from Closing it ignores the frontend. */
#define XF_BB_LENIENT_CONNECT_VIA_INITWAIT (1u << 11)
/* blkback.c:dispatch_rw_block_io() dispatches a flush or barrier
 * whatever feature-flush-cache/feature-barrier said; on a device without
 * a write cache block/blk-core.c:submit_bio_noacct() drops the preflush
 * and the request completes OKAY (a barrier still drains). The mock
 * takes a feature it does not offer as "no write cache": OKAY, no
 * pre-flush, data written plainly. On, such a request is answered
 * BLKIF_RSP_EOPNOTSUPP (counted unsupported). */
#define XF_BB_LENIENT_FLUSH_UNOFFERED (1u << 12)
#define XF_BB_LENIENT_NR 13

/* Scenario names of the bits, index = bit number: "reinit_while_connected",
 * "features_at_initwait", "request_alignment", "indirect_rsp_op",
 * "unknown_op_error", "keep_flush_feature", "mode_optional",
 * "mode_first_char", "strict_numbers", "ring_keys", "online_default",
 * "connect_via_initwait", "flush_unoffered". NULL-terminated. */
const char *const *xf_blkback_lenient_names(void);

/* Hostile modes: one misbehaviour of a broken or malicious backend,
 * for showing that a frontend survives it. Every mode acts on the
 * responses: after `hostile_after` good responses (counted over all
 * queues of the backend) the next one is the hostile act, once; the
 * backend's xf_blkback_stats.hostile_acts says whether it happened.
 * "Then normal": later responses are correct again (a frontend must go
 * on ignoring them). "Then stops": the act leaves the queue's indices
 * out of step with the frontend's, so that queue answers nothing more
 * (its requests are dropped at disconnect, as a hung backend's). The
 * rules are those of xen/include/public/io/ring.h and io/blkif.h. */
enum xf_blkback_hostile {
	XF_BLKBACK_HOSTILE_NONE = 0,
	/* rsp_prod pushed past every request the frontend pushed
	 * (req_prod + 1), the slots in between never written: a backend
	 * that publishes a private index it advanced too far, or one
	 * probing the frontend's ring handling. ring.h: a response is
	 * produced only for a consumed request, so rsp_prod never passes
	 * req_prod (RING_RESPONSE_PROD_OVERFLOW checks only the coarser
	 * "more than a ring"). The frontend would read stale slots as
	 * responses. Then stops. */
	XF_BLKBACK_HOSTILE_RSP_PROD_BEYOND,
	/* The response carries id = ring size, which no request carried:
	 * a backend that loses the id (a 32/64-bit ABI mix-up truncating
	 * or shifting it) or forges one. blkif.h: a response's id is the
	 * id of the request it answers ("copied from request"). That
	 * request is never answered. Then normal. */
	XF_BLKBACK_HOSTILE_ID_OUT_OF_RANGE,
	/* One request answered twice, in consecutive slots: a backend
	 * that completes a request on two paths (error and done, the
	 * double-completion bugs of real backends). ring.h/blkif.h: one
	 * response per request. Then stops. */
	XF_BLKBACK_HOSTILE_ID_DUPLICATE,
	/* The response carries the id of the last request this queue
	 * answered (not in flight again), instead of its own: a backend
	 * that answers from a stale copy (a use-after-free of its request
	 * record). blkif.h: id copied from the request answered. Waits
	 * for such an id (needs one answered response on the queue). That
	 * request is never answered. Then normal. */
	XF_BLKBACK_HOSTILE_ID_COMPLETED,
	/* The response's operation differs from the request's (READ for
	 * anything but READ, else WRITE): a backend answering with the
	 * wrong record's fields. blkif.h: operation "copied from
	 * request" (Linux blkback: pending_req->operation, the inner op of
	 * an indirect request). Then normal. */
	XF_BLKBACK_HOSTILE_WRONG_OP,
	/* The status is -5 (-EIO passed through) instead of one of
	 * BLKIF_RSP_OKAY/ERROR/EOPNOTSUPP: a backend that hands the host
	 * kernel's errno to the guest. blkif.h: status is a BLKIF_RSP_*.
	 * Then normal. */
	XF_BLKBACK_HOSTILE_UNKNOWN_STATUS,
	/* The response carries an id the frontend has not pushed: the
	 * lowest id the queue never saw and that is not among the pushed
	 * requests it has not consumed yet (with a frontend that hands out
	 * ids in order: its next free slot). A backend that reads a slot
	 * past req_prod (a missing read barrier or an off-by-one in
	 * RING_HAS_UNCONSUMED_REQUESTS) answers a request the frontend
	 * only queued. ring.h: requests up to req_prod only. That
	 * request is never answered. Then normal. */
	XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST,
	XF_BLKBACK_HOSTILE_NR,
};

/* "none", "rsp-prod-beyond", "id-out-of-range", "id-duplicate",
 * "id-completed", "wrong-op", "unknown-status", "unpushed-request".
 * parse: -EINVAL for an unknown name; name: "?" for an unknown value;
 * names: NULL-terminated, index = value. */
int xf_blkback_hostile_parse(const char *name, enum xf_blkback_hostile *out);
const char *xf_blkback_hostile_name(enum xf_blkback_hostile h);
const char *const *xf_blkback_hostile_names(void);

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
	uint32_t lenient;             /* XF_BB_LENIENT_*; 0: as Linux */
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
	/* The state the backend is found in before its frontend starts
	 * (XF_XENBUS_UNKNOWN, 0: none, it walks `path`): INITWAIT,
	 * CONNECTED (features, disk info and Connected written, no ring
	 * mapped: a backend left Connected by an earlier frontend, e.g.
	 * an iSCSI disk that connected before the guest booted) or
	 * CLOSED. Taken at its first attach only; when the directory
	 * exists at xf_blkback_new() that attach happens inside the call,
	 * so a frontend created afterwards finds it. Other values:
	 * xf_blkback_new() returns -EINVAL. */
	int initial_state;
	/* Waits this long before each step it takes unless it serves a
	 * connected frontend (InitWait, Connected, Closing, Closed, and
	 * the walk of a Connected backend without rings), re-reading both
	 * states when the delay is over; 0: steps at once. */
	uint64_t handshake_delay_ns;
	/* A hostile mode (above) and how many good responses come first;
	 * xf_blkback_new() refuses an unknown mode (-EINVAL). */
	enum xf_blkback_hostile hostile;
	uint64_t hostile_after;
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
	uint64_t hostile_acts;      /* the hostile mode's act: 0 or 1 */
	uint64_t ring_overflows;    /* rings halted for prod overflow */
	uint64_t dropped;           /* in flight at disconnect/crash: no
				     * response */
	uint64_t connects;
	uint64_t disconnects;
	uint64_t inflight;          /* now */
	uint64_t cache_dirty_bytes; /* the disk's, now */
};
void xf_blkback_stats(struct xf_blkback *bb, struct xf_blkback_stats *out);

/* The backend's side of queue q for hang reports: its ring indices
 * (req_cons, rsp_prod_pvt and the shared four), requests it holds and
 * whether it stopped on a protocol violation. -ENOTCONN: the queue has
 * no ring now; -EINVAL: no such queue. */
struct xf_blkback_queue_dump {
	struct xf_ring_indices ring;
	unsigned int inflight;
	bool halted;
	uint32_t port;
};
int xf_blkback_queue_dump(struct xf_blkback *bb, unsigned int q,
			  struct xf_blkback_queue_dump *out);
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
/* Writes the backend's own state key (the directory stays), then acts
 * as a backend in that state does (drivers/block/xen-blkback/xenbus.c
 * frontend_changed()): INITIALISING and CLOSED drop the rings first
 * (Closed without Closing: a backend that vanished from under the
 * frontend); INITWAIT drops them and publishes the features again;
 * CONNECTED and CLOSING keep whatever is mapped. Asynchronous like the
 * faults above. -EINVAL for a state outside Initialising..Closed. */
int xf_blkback_set_state(struct xf_blkback *bb, int state);

/* Replace the feature set used at the next publish (next InitWait),
 * e.g. before a restart with different features. */
void xf_blkback_set_features(struct xf_blkback *bb,
			     const struct xf_blkback_features *f);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_BLKBACK_H */
