/* SPDX-License-Identifier: MIT */
/*
 * xfront blkfront: a user-space Xen PV block frontend (blkif.h).
 *
 * One struct xf_blkfront drives one virtual block device (a frontend
 * xenstore directory such as /local/domain/<domid>/device/vbd/<vdev>):
 * the xenbus handshake, multi-queue multi-page rings, persistent grants,
 * indirect descriptors, flush/barrier/discard, and reconnects.
 *
 * Actors (see xfront/runtime.h): one xenbus actor (watches, handshake,
 * timeouts) and one actor per queue, each with its own event-channel
 * handle, placed on the vCPU the config names. Completion callbacks run
 * in the run() of the queue actor that owns the I/O.
 *
 * Data pages: the platform can only grant pages it allocated (gntshr),
 * so blkfront owns every granted page. Writes are copied from the
 * caller's buffer into granted pages when the request is issued; reads
 * are copied out into the caller's buffer on completion.
 *
 * Every call returns 0 or a negative errno and never prints.
 *
 * Threading: xf_blkfront_submit(), _suspend(), _resume(), _close() and
 * the getters may be called from any thread, including from completion
 * and event callbacks. xf_blkfront_new()/_free() must be called while no
 * library actor is running (before xf_rt_run() or after it returned, or
 * from an actor of the caller's own outside any blkfront callback).
 */
#ifndef XFRONT_BLKFRONT_H
#define XFRONT_BLKFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/blkif.h>
#include <xfront/platform.h>
#include <xfront/ring.h>
#include <xfront/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_BLKFRONT_MAX_QUEUES 16
/* Largest indirect request: 8 indirect pages of 512 segments. */
#define XF_BLKFRONT_MAX_INDIRECT_SEGMENTS \
	(XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * \
	 (XF_PAGE_SIZE / 8u))

enum xf_blkfront_op {
	XF_BLKFRONT_READ = 0,
	XF_BLKFRONT_WRITE = 1,
	XF_BLKFRONT_FLUSH = 2,   /* commit the backend's volatile cache */
	XF_BLKFRONT_DISCARD = 3,
};

/* Write flag: force unit access. Emulated: sent as WRITE_BARRIER when
 * the backend offers feature-barrier, otherwise as a write followed by
 * FLUSH_DISKCACHE when it offers feature-flush-cache, otherwise as a
 * plain write. That last write is not known to be durable (nothing can
 * ask the backend to commit it): it is counted in fua_unprotected, and
 * the first one on each connection raises
 * XF_BLKFRONT_EV_DURABILITY_DEGRADED and counts durability_degraded. */
#define XF_BLKFRONT_F_FUA (1u << 0)
/* Discard flag: secure discard (BLKIF_DISCARD_SECURE); -EOPNOTSUPP when
 * the backend does not offer discard-secure. */
#define XF_BLKFRONT_F_SECURE (1u << 1)

struct xf_blkfront;
struct xf_blkfront_io;

/* Completion. status: 0; -EIO (backend answered BLKIF_RSP_ERROR);
 * -EOPNOTSUPP (operation not offered or refused by the backend);
 * -ENODEV (device closed or unplugged, or gone longer than
 * connect_timeout_ns);
 * -EPROTO (the backend violated the protocol: device in error state);
 * -ENOMEM (could not grant pages with nothing in flight to wait for);
 * -EINVAL (when it was issued the I/O no longer fit the disk: a new
 * sector size after a reconnect, or a disk that is smaller than when
 * it was submitted; nothing was sent for the part that did not fit).
 * The io may be reused or freed from inside the callback. */
typedef void (*xf_blkfront_done_fn)(struct xf_blkfront_io *io, int status);

/* Library-private bookkeeping embedded in each io (no allocation on the
 * submission path). Do not touch while the io is in flight. */
struct xf_blkfront_unit {
	struct xf_blkfront_unit *next;
	struct xf_blkfront_io *io;
	uint64_t off, len;   /* byte range within the io still to issue */
	uint64_t seq;        /* submission order, for reissue ordering */
	uint8_t kind;        /* data, or the flush of a flush/FUA io */
	bool fence;          /* reissued flush/barrier, or a unit of an
			      * io that is a fence already: its io is a
			      * device-wide fence */
	bool heap;
};

struct xf_blkfront_io_priv {
	struct xf_blkfront_unit unit0;
	struct xf_blkfront_io *done_next;
	uint64_t seq;
	unsigned int pending; /* units queued + parts on the ring */
	unsigned int queue;   /* queue that owns it now */
	int status;           /* first error wins */
	uint8_t fua_mode;
	bool fua_flushed;
	bool fua_counted;     /* already in fua_unprotected */
	/* Device-wide reissue fence (this io is a reissued flush/barrier):
	 * list link, and how many earlier non-read ios are still open. */
	bool is_fence;
	struct xf_blkfront_io *fence_next;
	uint64_t fence_before;
};

struct xf_blkfront_io {
	/* Filled by the caller. */
	enum xf_blkfront_op op;
	unsigned int flags;       /* XF_BLKFRONT_F_* */
	unsigned int queue;       /* queue hint, taken modulo nr_queues */
	uint64_t offset_bytes;    /* multiple of sector-size */
	uint64_t len_bytes;       /* multiple of sector-size; 0 for flush */
	void *buf;                /* read/write data, len_bytes long; must
				   * stay valid until completion */
	xf_blkfront_done_fn done;
	void *opaque;
	/* Library-private. */
	struct xf_blkfront_io_priv priv;
};

enum xf_blkfront_state {
	XF_BLKFRONT_CONNECTING = 0, /* first handshake in progress */
	XF_BLKFRONT_CONNECTED,
	XF_BLKFRONT_RECONNECTING,   /* backend went away; I/O is held */
	XF_BLKFRONT_SUSPENDED,      /* xf_blkfront_suspend(); I/O is held */
	XF_BLKFRONT_GONE,           /* not back within connect_timeout_ns:
				     * I/O fails -ENODEV until reconnected */
	XF_BLKFRONT_ERROR,          /* backend violated the protocol or
				     * published bad values; I/O fails;
				     * cleared by resume or by device
				     * removal and re-appearance */
	XF_BLKFRONT_CLOSING,
	XF_BLKFRONT_CLOSED,
	XF_BLKFRONT_UNPLUGGED,      /* the toolstack detached the device
				     * (backend online = 0 and Closing or
				     * Closed); I/O fails -ENODEV,
				     * info.reason says why; left when the
				     * device directory is removed and
				     * re-created (a re-attach) */
};

const char *xf_blkfront_state_name(enum xf_blkfront_state s);

enum xf_blkfront_event {
	XF_BLKFRONT_EV_CONNECTED = 0,   /* first connect or a reconnect */
	XF_BLKFRONT_EV_DISCONNECTED,    /* backend left; I/O held */
	XF_BLKFRONT_EV_RESIZED,         /* backend re-announced Connected
					 * with a new "sectors" */
	XF_BLKFRONT_EV_TIMEOUT,         /* connect_timeout_ns expired */
	XF_BLKFRONT_EV_ERROR,           /* see xf_blkfront_error() */
	XF_BLKFRONT_EV_DURABILITY_DEGRADED, /* flush/barrier refused with
					 * EOPNOTSUPP (feature now off), or
					 * a FUA write sent plain because
					 * the backend offers neither
					 * barrier nor flush (once per
					 * connection) */
	XF_BLKFRONT_EV_CLOSED,          /* xf_blkfront_close() finished */
	XF_BLKFRONT_EV_UNPLUGGED,       /* the toolstack detached the
					 * device: state UNPLUGGED */
};

/* Called from a library actor's run() (the xenbus actor, or a queue
 * actor for ERROR and DURABILITY_DEGRADED). May call submit/getters;
 * must not call xf_blkfront_free(). */
typedef void (*xf_blkfront_event_fn)(struct xf_blkfront *bf,
				     enum xf_blkfront_event ev,
				     void *opaque);

/* Fault-reproduction knob (config event_index_bug): deliberately wrong
 * handling of rsp_event in the final check for responses, as buggy
 * frontends have shipped. The backend then stops notifying, the I/O
 * stalls (lost wakeup), and only the watchdog recovers it. */
/* How the frontend reads the backend's "sectors" key (the disk size).
 * Linux xen-blkback writes it in 512-byte units (the block layer's
 * capacity) whatever "sector-size" is, Linux xen-blkfront reads it so
 * (set_capacity), and blkif.h was amended in 2024 to say "units of
 * 512b"; its earlier text said "units of sector-size", which some
 * frontends (Windows PV drivers) and QEMU's xen-block until 2024
 * followed. With 512-byte sectors the readings agree; with 4096-byte
 * sectors they differ by 8x: too large, and I/O to the upper part fails
 * at the backend; too small, and most of the disk is unreachable.
 * Nothing in xenstore says which convention a backend follows, so there
 * is no automatic choice. */
enum xf_blkfront_sectors_unit {
	XF_BLKFRONT_SECTORS_512 = 0,         /* Linux (default) */
	/* sectors x sector-size. Also writes feature-large-sector-size =
	 * 1, as the frontends that read it so do (the pre-2024 meaning of
	 * that key); the 512 reading does not write it, as Linux, and
	 * blkif.h now says frontends should not. */
	XF_BLKFRONT_SECTORS_SECTOR_SIZE = 1,
};

struct xf_blkfront_config {
	struct xf_platform *platform; /* the frontend's domain */
	struct xf_rt *rt;
	/* Frontend directory: absolute, or relative to
	 * /local/domain/<own domid>. */
	const char *nodename;
	unsigned int xenbus_vcpu;
	/* Frontend limits (negotiated = min(limit, backend offer)).
	 * -1 means the default given. */
	int max_queues;            /* default 4, at most MAX_QUEUES */
	int max_ring_page_order;   /* default XF_MAX_RING_PAGE_ORDER */
	int max_indirect_segments; /* default 256; 0 = no indirect */
	int persistent;            /* default 1 (advertise and use) */
	int trusted;               /* default -1: read "trusted" from the
				    * frontend dir (absent = 1) */
	/* vCPU of queue i; -1 (default) = i % nr_vcpus. */
	int queue_vcpu[XF_BLKFRONT_MAX_QUEUES];
	enum xf_blkif_abi abi;     /* written as "protocol" */
	/* How long I/O is held while (re)connecting before it fails with
	 * -ENODEV. 0 = default 30 s; UINT64_MAX = forever. */
	uint64_t connect_timeout_ns;
	/* A backend that stays in Initialising this long is talked to
	 * anyway (blkif.h lets the frontend skip waiting for InitWait;
	 * default transport parameters then apply unless the backend
	 * already published its features). 0 = 200 ms; UINT64_MAX =
	 * wait for InitWait forever. */
	uint64_t initwait_grace_ns;
	/* After a Closed frontend state, how long close() waits for the
	 * backend to close before releasing grants anyway. 0 = 5 s. */
	uint64_t close_timeout_ns;
	/* vCPU cost model (xf_rt_charge): CPU spent per ring request
	 * built (charged to the submitting actor's vCPU) and per response
	 * handled (charged to the queue's vCPU). 0 = free. */
	uint64_t cpu_ns_per_request;
	uint64_t cpu_ns_per_completion;
	xf_blkfront_event_fn event;
	void *event_opaque;
	/* Fault-reproduction knob. The clock every timeout of this device
	 * is measured on (connect_timeout_ns, initwait_grace_ns,
	 * close_timeout_ns, the watchdog's stall period). Default
	 * XF_CLOCK_MONOTONIC, the only correct setting: a wall-clock step
	 * (xf_rt_step_wall_clock) then changes nothing. XF_CLOCK_WALL is a
	 * deliberately broken variant, a driver that times out on the
	 * wall clock: a forward step makes the next check see every armed
	 * timeout as expired (spurious XF_BLKFRONT_EV_TIMEOUT while
	 * connecting or reconnecting, spurious watchdog recoveries during
	 * I/O); a backward step postpones them by the step. Timers are
	 * still scheduled on the runtime's monotonic timer; only the
	 * expiry decision reads the chosen clock. */
	enum xf_rt_clock timeout_clock;
	/* Lost-wakeup watchdog (as xenvbd's): while a queue has requests
	 * on the ring it ticks every watchdog_period_ns (monotonic). A
	 * tick that finds responses on the ring no notification announced
	 * (rsp_prod moved, rsp_cons did not), or requests outstanding with
	 * no response consumed for a whole period (on timeout_clock),
	 * polls the ring (consumes the responses) and re-notifies the
	 * backend (in case a request notification was lost), counting
	 * watchdog_recoveries. A stall is thus recovered within one to two
	 * periods. A backend slower than the period is re-kicked needlessly
	 * (harmless, but counted). 0 (default) = off: no timer, no extra
	 * runs, results identical to a build without the watchdog. */
	uint64_t watchdog_period_ns;
	/* Fault-reproduction knob: see enum xf_ring_evidx_bug. */
	enum xf_ring_evidx_bug event_index_bug;
	/* Discard. blkif has no discard size limit and, like Linux
	 * xen-blkfront, the default 0 sends each discard as one request.
	 * Otherwise (512-byte units) a longer discard is split into several
	 * BLKIF_OP_DISCARD requests of at most this size (rounded down to
	 * the discard granularity, at least one granule) whose interior
	 * boundaries fall on the backend's grid discard-alignment + k *
	 * discard-granularity, as Linux's bio_split_discard does; the io
	 * still completes once (first error wins). */
	uint64_t max_discard_sectors;
	/* Trim each discard to the whole granules it covers; a discard that
	 * covers none completes 0 without a request (discard is advisory).
	 * Default off: the backend decides what a partial granule means
	 * (Linux passes such discards down, and a backend may zero or
	 * deallocate those sectors), and trimming changes what a later read
	 * of the edges returns. Turn it on for a backend that only honours
	 * whole granules anyway, to save requests. */
	bool discard_whole_granules;
	/* Unit the backend's "sectors" key is read in (see enum
	 * xf_blkfront_sectors_unit). Default XF_BLKFRONT_SECTORS_512, what
	 * Linux blkback writes. Whichever unit: a size that is not a whole
	 * number of sector-size and physical-sector-size puts the device in
	 * the error state with the keys and values named (never truncated);
	 * I/O past the end the frontend believes is refused locally
	 * (-EINVAL); I/O past the backend's real end, when the frontend
	 * believes a larger disk, fails with -EIO (BLKIF_RSP_ERROR). */
	enum xf_blkfront_sectors_unit sectors_unit;
	/* Leniency switch, off by default. Linux blkfront_connect() reads
	 * "sectors", "info" and "sector-size" with one xenbus_gather() and
	 * refuses a Connected backend that lacks any of them
	 * (xenbus_dev_fatal "reading backend fields"); so does this
	 * frontend: the device goes to the error state naming the missing
	 * key. On, a missing "info" is taken as 0 and a missing
	 * "sector-size" as 512 (what this frontend did before), which hides
	 * a backend that would not work with Linux guests. A missing
	 * "sectors" is refused either way. */
	bool missing_info_defaults;
};

void xf_blkfront_config_init(struct xf_blkfront_config *cfg);

/* Creates the device and its actors and starts the handshake (it runs
 * when the runtime runs). -EINVAL for a bad config, -ENOMEM, or an
 * error from the platform. */
int xf_blkfront_new(const struct xf_blkfront_config *cfg,
		    struct xf_blkfront **out);

/* Queues io. Returns 0 and then calls io->done exactly once, or returns
 * an error and never calls it: -EINVAL (misaligned, zero length, past
 * the end of the disk once its size is known (size_bytes), buf missing,
 * unknown op or flags), -EROFS (write/discard on a read-only
 * disk), -ENODEV (device closing or closed). The I/O is held while the
 * device is not connected; it never gets dropped. */
int xf_blkfront_submit(struct xf_blkfront *bf, struct xf_blkfront_io *io);

/* Suspend: stops issuing, takes every in-flight request back for
 * reissue, and forgets the rings; nothing is written to xenstore (a
 * frozen guest writes nothing). Resume: clears an error state and
 * redoes the handshake, reading the backend path and its features again
 * (they may differ). In xenbus terms a resume first reads the state of
 * the backend the frontend directory names:
 *  - Initialising, InitWait or Closed (a new backend after a migration,
 *    a restarted one, or one that already let go): the old grants and
 *    ports are dropped at once, the frontend writes Initialising and
 *    connects as on first contact (InitWait -> rings -> Initialised ->
 *    backend Connected -> Connected).
 *  - Connected or Closing (resumed in place, the backend left alone: it
 *    still serves the rings that were dropped): the frontend writes
 *    Closing, then Closed once the backend is Closing, waits for the
 *    backend's Closed and only then releases the old grants and writes
 *    Initialising. A backend that is Connected ignores a frontend's
 *    Initialising (Linux blkback, frontend_changed()), so asking for a
 *    new connection without closing first would wedge the disk; this is
 *    the walk of Linux's xenbus_reset_frontend() and of the Windows PV
 *    drivers' resume.
 * I/O held meanwhile waits at most connect_timeout_ns from the resume.
 * Held I/O is reissued once, re-split for the new limits. A reissued
 * flush, barrier or FUA-as-barrier write is a device-wide fence: it is
 * sent only once every earlier non-read io (any queue) completed, and
 * every io submitted after it (any queue, reads included, and new
 * submissions too) waits until it completed. Resume without a suspend
 * first takes in-flight work back the same way. Pages a backend still
 * maps when they are released are parked, never reused, and counted in
 * grants_busy. */
int xf_blkfront_suspend(struct xf_blkfront *bf);
int xf_blkfront_resume(struct xf_blkfront *bf);

/* Starts an orderly close: queued I/O fails with -ENODEV, in-flight I/O
 * drains, the frontend goes Closed, and once the backend closed (or
 * close_timeout_ns passed) every grant and event channel is released
 * and XF_BLKFRONT_EV_CLOSED is raised. */
int xf_blkfront_close(struct xf_blkfront *bf);

/* A frontend close cycle, as a Windows frontend probes before it
 * connects. close_cycle: in-flight I/O is taken back and held with
 * everything queued (state RECONNECTING once it was connected; the
 * connect timeout runs), the frontend writes Closing, then Closed once
 * the backend is Closing or Closed, and releases its rings once the
 * backend is Closed. It stays so until reopen: once the backend is
 * Closed the frontend writes Initialising and connects as usual, and
 * the held I/O is sent again. Asynchronous (the xenbus actor acts).
 * -EBUSY while closing or suspended; a reopen without a cycle does
 * nothing. */
int xf_blkfront_close_cycle(struct xf_blkfront *bf);
int xf_blkfront_reopen(struct xf_blkfront *bf);

/* Unplug. A toolstack detaching the device (libxl's request_close, as
 * `xl block-detach` does) writes the backend's "online" = 0 and its
 * state Closing. The frontend takes a backend in Closing or Closed whose
 * "online" reads 0 as the end of the device, not as a reconnect: it
 * completes every in-flight and queued io with -ENODEV at once (new
 * submissions too), writes Closed, releases the grants once the backend
 * is Closed, enters XF_BLKFRONT_UNPLUGGED and raises
 * XF_BLKFRONT_EV_UNPLUGGED; info.reason names the keys. A missing
 * "online" is not an unplug (Linux blkfront never reads it; a backend
 * that restarts keeps the device). Removing the directories without
 * that signal is a backend or device that may come back and is held as
 * a reconnect (connect_timeout_ns). */

/* Removes the actors and releases everything left. I/O still
 * outstanding is completed with -ENODEV from the calling thread. */
void xf_blkfront_free(struct xf_blkfront *bf);

struct xf_blkfront_info {
	enum xf_blkfront_state state;
	char backend[256];          /* backend path */
	xf_domid backend_id;
	/* Disk, from the backend's Connected state. */
	uint64_t sectors;           /* the "sectors" key as published */
	uint64_t size_bytes;        /* capacity in use: sectors x the unit
				     * they are read in (sectors_unit) */
	enum xf_blkfront_sectors_unit sectors_unit; /* from the config */
	uint32_t sector_size;
	uint32_t physical_sector_size;
	uint32_t vdisk_info;        /* XF_VDISK_* */
	bool read_only, cdrom, removable;
	/* Negotiated transport. */
	unsigned int nr_queues;
	unsigned int ring_page_order;
	unsigned int ring_entries;
	unsigned int max_indirect_segments; /* 0: no indirect */
	unsigned int max_request_bytes;     /* one ring request carries */
	bool persistent;
	bool trusted;               /* false: bounce through fresh pages */
	enum xf_blkif_abi abi;
	/* Offered by the backend at the last connect. */
	bool flush, barrier, discard, discard_secure;
	uint32_t discard_granularity, discard_alignment; /* as published */
	/* The discard grid in use (bytes): granularity >= sector_size, a
	 * multiple of it; alignment < granularity. Published values that
	 * cannot describe a sector-aligned grid are not used:
	 * discard-granularity 0 means none (grid = sectors); one that is
	 * not a multiple of sector-size, or an alignment that is not, makes
	 * the grid plain sectors; an alignment >= granularity is taken
	 * modulo the granularity (the same grid, as Linux does). Any such
	 * adjustment is explained in discard_note ("" when none). */
	uint32_t discard_granularity_used, discard_alignment_used;
	char discard_note[128];
	/* Still usable now (a refused flush/barrier turns it off). */
	bool flush_active, barrier_active, discard_active;
	/* Counters since xf_blkfront_new(). */
	uint64_t connects;          /* completed handshakes */
	uint64_t resizes;
	uint64_t durability_degraded; /* flush/barrier refused (EOPNOTSUPP),
				       * plus one per connection on which a
				       * FUA write went out unprotected */
	uint64_t fua_unprotected;   /* FUA writes sent as plain writes:
				     * neither barrier nor flush offered
				     * (each write once, also when a
				     * reconnect sends it again) */
	uint64_t protocol_errors;
	uint64_t grants_busy;       /* unshare refused: backend still maps
				     * the page (XSA-396 class) */
	uint64_t watchdog_recoveries; /* sum over the queues */
	/* Why the device stopped, when it stopped for a stated reason
	 * other than the error state (see xf_blkfront_error()): the
	 * toolstack's unplug (state UNPLUGGED). "" otherwise. */
	char reason[192];
};

/* state is XF_BLKFRONT_ERROR from the moment the error is raised (an
 * XF_BLKFRONT_EV_ERROR handler or a completion with -EPROTO already sees
 * it), not only after the xenbus actor has next run. */
int xf_blkfront_get_info(struct xf_blkfront *bf,
			 struct xf_blkfront_info *out);

struct xf_blkfront_queue_stats {
	unsigned int vcpu;
	uint64_t ios_submitted, ios_completed;
	uint64_t requests;          /* ring requests pushed */
	uint64_t segments;          /* data segments in them */
	uint64_t indirect_requests;
	uint64_t responses;         /* ring responses consumed */
	uint64_t notify_sent, notify_received;
	uint64_t notify_failed;     /* event-channel notifies refused */
	uint64_t persistent_hits;   /* segment served from the pool */
	uint64_t persistent_grants; /* pages in the pool now */
	uint64_t pages_shared;      /* share() calls (pages) */
	uint64_t reissued;          /* parts taken back for reissue */
	uint64_t discard_skipped;   /* discard ranges completed without a
				     * request: no whole granule in them
				     * (discard_whole_granules) */
	uint64_t errors;            /* ios completed with status != 0 */
	/* Watchdog (watchdog_period_ns). checks: ticks that looked at the
	 * ring (no notification in the same run); recoveries: of those,
	 * ticks that found unannounced responses or a period without
	 * progress, so polled the ring and re-notified the backend;
	 * responses: responses found waiting without a notification at
	 * those ticks (lost response wakeups recovered). */
	uint64_t watchdog_checks;
	uint64_t watchdog_recoveries;
	uint64_t watchdog_responses;
	/* The queue's local event-channel port now (0: none), e.g. for
	 * xf_mock_evtchn_drop_next(frontend domid, port, n) to drop
	 * request notifications. */
	uint32_t port;
};

/* -EINVAL when q >= the configured max_queues. */
int xf_blkfront_queue_stats(struct xf_blkfront *bf, unsigned int q,
			    struct xf_blkfront_queue_stats *out);

/* What a stuck queue looks like, for a hang report: the ring's indices,
 * the requests on it (the oldest XF_BLKFRONT_DUMP_REQS, oldest first,
 * with their age in the runtime's clock), what is granted and the
 * queue's port. A snapshot under the queue lock; the shared indices
 * are read once each and may be moving. */
#define XF_BLKFRONT_DUMP_REQS 16

struct xf_blkfront_dump_req {
	uint32_t id;
	uint8_t op;                 /* XF_BLKIF_OP_* on the wire */
	uint64_t age_ns;
};

struct xf_blkfront_queue_dump {
	bool has_ring;              /* false: no connection now */
	struct xf_ring_indices ring;
	unsigned int inflight;      /* requests on the ring */
	unsigned int nreqs;         /* of those, in reqs[] */
	struct xf_blkfront_dump_req reqs[XF_BLKFRONT_DUMP_REQS];
	unsigned int queued;        /* I/O parts waiting to go on the ring */
	unsigned int ring_grants;   /* ring pages granted */
	unsigned int data_grants;   /* pages of in-flight requests (data
				     * and indirect) plus the persistent
				     * pools */
	uint32_t port;              /* local port, 0 none */
};

/* -EINVAL when q >= the configured max_queues. */
int xf_blkfront_queue_dump(struct xf_blkfront *bf, unsigned int q,
			   struct xf_blkfront_queue_dump *out);

/* 0 when the device is not in the error state; otherwise the error
 * (-EPROTO for a protocol violation, -EINVAL for bad xenstore values,
 * or the platform's error) and msg receives one line saying what
 * happened (may be NULL). */
int xf_blkfront_error(struct xf_blkfront *bf, char *msg, size_t len);

/* The device's frontend directory (absolute). */
const char *xf_blkfront_nodename(const struct xf_blkfront *bf);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_BLKFRONT_H */
