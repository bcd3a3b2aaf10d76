/* SPDX-License-Identifier: MIT */
/* blkfront internals shared between its source files. */
#ifndef XFRONT_BLKFRONT_BF_H
#define XFRONT_BLKFRONT_BF_H

#include <pthread.h>
#include <stdatomic.h>
#include <xfront/xenbus.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/platform.h>
#include <xfront/blkfront.h>
#include <xfront/util.h>

#define BF_PATH_MAX 256
#define BF_MAX_SECTOR_SIZE XF_PAGE_SIZE

/* Unit kinds. */
enum {
	BF_U_DATA = 0,  /* read/write/discard range */
	BF_U_FLUSH = 1, /* flush io, or the post-flush of a FUA write */
};

/* io->priv.fua_mode */
enum {
	BF_FUA_UNDECIDED = 0,
	BF_FUA_BARRIER,   /* each part as WRITE_BARRIER */
	BF_FUA_POSTFLUSH, /* parts as WRITE, then one flush */
	BF_FUA_NONE,      /* backend advertises no cache: plain write */
};

/* A page blkfront allocated and granted (share()); one page each. */
struct bf_page {
	struct bf_page *next;
	void *addr;
	xf_gref gref;
	unsigned int npages; /* >1 only for a parked ring */
	bool persistent;
	bool indirect;       /* persistent: which pool it returns to */
};

/* LIFO of persistently granted pages, as blkif.h recommends. */
struct bf_pool {
	struct bf_page *head;
	unsigned int nfree;
	unsigned int total;
};

enum bf_shadow_state {
	BF_SH_FREE = 0,
	BF_SH_INFLIGHT, /* pushed, waiting for its response */
	BF_SH_ZOMBIE,   /* taken back (reissue/error): pages kept until the
			 * backend has let go of the ring */
};

struct bf_shadow {
	enum bf_shadow_state state;
	uint8_t op;           /* wire operation */
	uint8_t indirect_op;
	uint8_t kind;
	struct xf_blkfront_io *io;
	uint64_t off, len;    /* byte range of io this request carries */
	unsigned int nseg, nind;
	struct bf_page **seg; /* [conn->max_segs], allocated on first use */
	uint64_t issued_ns;   /* runtime clock when pushed (hang dumps) */
	/* Answered at least once on this connection: a response for it
	 * while free is a second answer (or a stale id), not one for an id
	 * never issued. Only for the error message. */
	bool answered;
	struct bf_page *ind[XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

/* One connection of one queue: everything granted to one backend. */
struct bf_conn {
	struct bf_conn *next;
	xf_domid be_id;           /* the backend every page is granted to */
	uint16_t handle;          /* virtual-device, echoed in requests */
	void *ring_addr;
	unsigned int ring_pages;
	xf_gref ring_refs[XF_MAX_RING_PAGES];
	xf_port port;
	bool port_valid;
	struct xf_front_ring ring;
	unsigned int nr_ents;
	struct bf_shadow *shadow;
	unsigned int *free_ids; /* FIFO: a freed id is reused last */
	unsigned int free_head, free_count;
	unsigned int inflight;
	struct bf_pool data_pool; /* writable persistent pages */
	struct bf_pool ind_pool;  /* persistent indirect pages (writable:
				   * blkback maps persistent grants so) */
	/* Parameters in effect for this connection. */
	enum xf_blkif_abi abi;
	unsigned int max_segs;    /* per request: 11 or the indirect max */
	bool indirect;
	bool persistent;
};

/* Completed ios waiting for their callbacks, linked through
 * priv.done_next. */
typedef XF_FIFO(struct xf_blkfront_io) bf_iolist;

struct bf_queue {
	struct xf_actor actor;
	struct xf_blkfront *bf;
	unsigned int idx;
	pthread_mutex_t lock;
	struct xf_evtch *evh;
	bool fd_watched;
	struct bf_conn *conn;     /* current connection or NULL */
	struct bf_conn *old;      /* taken-back connections to release */
	bool live;                /* device connected: may issue */
	XF_FIFO(struct xf_blkfront_unit) fifo; /* linked through next */
	bf_iolist done;
	bool error_seen;          /* error state already applied */
	uint64_t charge_ns;       /* CPU to charge once the lock is gone */
	/* Watchdog: armed while requests are on the ring. progress is in
	 * timeout_clock time; tick_at in monotonic runtime time. */
	bool wd_armed;
	uint64_t wd_progress;
	uint64_t wd_tick_at;
	struct xf_blkfront_queue_stats st;
};

enum bf_fail_mode {
	BF_HOLD = 0,   /* keep queued I/O */
	BF_FAIL_GONE,  /* -ENODEV */
	BF_FAIL_PROTO, /* -EPROTO */
};

struct xf_blkfront {
	struct xf_blkfront_config cfg;
	struct xf_platform *p;
	struct xf_rt *rt;
	char fe_path[BF_PATH_MAX];
	char be_path[BF_PATH_MAX];
	char be_watched[BF_PATH_MAX];
	xf_domid be_id;
	uint16_t handle;
	struct xf_xs *xs;
	bool xs_fd_watched;
	struct xf_actor xb_actor;

	/* Device state: protected by lock (outer to the queue locks). */
	pthread_mutex_t lock;
	enum xf_blkfront_state state;
	int fe_state;             /* what we last wrote */
	int be_state;             /* what we last read */
	int be_prev;              /* be_state at the previous step */
	int close_phase;          /* 0 none, 1 draining, 2 waiting */
	bool have_fe_dir;
	bool release_pending;     /* old conns wait for the backend */
	bool resume_pending;      /* next appearance: close first if the
				   * backend still serves the old rings */
	uint64_t deadline_ns;     /* connect / close timeout, or MAX */
	uint64_t grace_at_ns;     /* talk without InitWait at, or MAX */
	uint64_t retry_at_ns;     /* retry a failed xenstore step, or MAX */
	unsigned int nr_queues;   /* negotiated, active queues */
	unsigned int nr_alloc;    /* queue structs (config max) */
	struct xf_blkfront_info info;
	struct bf_queue q[XF_BLKFRONT_MAX_QUEUES];
	struct bf_page *zombies;  /* pages the backend would not release
				   * (err_lock) */
	uint64_t zombie_pages;
	char names[XF_BLKFRONT_MAX_QUEUES + 1][24];
	atomic_uint ev_pending;   /* bitmask of enum xf_blkfront_event */

	/* Requests from other threads to the xenbus actor. */
	atomic_bool req_resume;
	atomic_bool req_close;
	atomic_bool suspended;
	atomic_bool closing;
	atomic_bool closed;
	atomic_int cycle_req;     /* dance.c: close cycle / reopen asked */
	int cycle;                /* dance.c: where the close cycle is */

	/* Read on the data path without the device lock. */
	atomic_int fail_mode;     /* enum bf_fail_mode */
	/* Queues submissions go to; changed only with every queue lock
	 * held, so a submitter re-checks it under its queue's lock. */
	atomic_uint nr_active;
	atomic_uint sector_size;
	atomic_uint_fast64_t disk_bytes; /* UINT64_MAX: not known yet */
	atomic_bool read_only;
	atomic_bool feat_flush, feat_barrier, feat_discard;
	atomic_uint_fast64_t seq;
	atomic_uint_fast64_t degraded;
	atomic_uint_fast64_t fua_unprotected;
	atomic_bool fua_warned;   /* this connection already reported it */
	/* Discard grid of this connection (bytes; gran >= sector size,
	 * align < gran). Written before the queues go live. */
	uint64_t dc_gran, dc_align;

	/* Device-wide reissue fences: ios sorted by seq, linked through
	 * io->priv.fence_next. Rebuilt with every queue lock held; then
	 * read and updated under fence_lock (a leaf lock taken inside a
	 * queue lock). nfences lets the data path skip the lock. */
	pthread_mutex_t fence_lock;
	struct xf_blkfront_io *fences;
	atomic_uint nfences;
	atomic_uint_fast64_t proto_errors;
	atomic_uint_fast64_t grants_busy;

	/* Error message (leaf lock). */
	pthread_mutex_t err_lock;
	int err;
	char errmsg[256];
};

/* device.c */
/* Enters the error state once (later calls keep the first message). */
void bf_set_error(struct xf_blkfront *bf, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void bf_kick_all_queues(struct xf_blkfront *bf);
/* Events are posted under locks and delivered by the actor's run()
 * after it dropped them. */
void bf_post_event(struct xf_blkfront *bf, enum xf_blkfront_event ev);
void bf_deliver_events(struct xf_blkfront *bf);
void bf_park_page(struct xf_blkfront *bf, struct bf_page *pg);

/* Now on the configured timeout clock. */
uint64_t bf_clock_now(struct xf_blkfront *bf);
/* Monotonic runtime time at which timeout-clock time when (> now, both
 * on the timeout clock) is expected to come. */
uint64_t bf_clock_to_timer(struct xf_blkfront *bf, uint64_t when,
			   uint64_t now);

/* grants.c */
struct bf_page *bf_page_get(struct xf_blkfront *bf, struct bf_queue *q,
			    struct bf_conn *c, bool indirect, bool writable);
/* Returns the page to its pool, or unshares it. -EBUSY (counted, page
 * parked) when the backend still maps a non-persistent page. */
int bf_page_put(struct xf_blkfront *bf, struct bf_conn *c,
		struct bf_page *pg);
/* Unshares unconditionally (teardown); busy pages are parked. */
void bf_page_release(struct xf_blkfront *bf, struct bf_page *pg);
void bf_pool_release(struct xf_blkfront *bf, struct bf_pool *pool);
void bf_zombies_retry(struct xf_blkfront *bf);

/* Kicks the backend on the queue's port, counting the outcome. */
static inline void bf_notify(struct bf_queue *q, const struct bf_conn *c)
{
	if (q->bf->p->evtchn->notify(q->evh, c->port) < 0)
		q->st.notify_failed++;
	else
		q->st.notify_sent++;
}

/* conn.c */
int bf_conn_new(struct xf_blkfront *bf, struct bf_queue *q,
		unsigned int order, unsigned int max_indirect,
		struct bf_conn **out);
void bf_conn_release(struct xf_blkfront *bf, struct bf_queue *q,
		     struct bf_conn *c);
int bf_conn_alloc_id(struct bf_conn *c, unsigned int *id);
void bf_conn_free_id(struct bf_conn *c, unsigned int id);
void bf_shadow_release_pages(struct xf_blkfront *bf, struct bf_conn *c,
			     struct bf_shadow *sh, bool at_teardown);

/* queue.c */
void bf_queue_run(struct xf_actor *a);
void bf_fifo_insert_sorted(struct bf_queue *q, struct xf_blkfront_unit *u);
/* io part finished with status; completes the io when nothing of it is
 * left. Queue lock held. */
void bf_io_part_done(struct bf_queue *q, struct xf_blkfront_io *io,
		     int status);
void bf_fail_queued(struct bf_queue *q, int status);
/* Runs the callbacks of everything on *done, emptying it. No lock
 * held. */
void bf_complete(bf_iolist *done);

/* issue.c */
void bf_issue(struct bf_queue *q);

/* discard.c */
/* Sets bf->dc_gran/dc_align and info's used values and note from what
 * the backend published. Device lock held, queues not live. */
void bf_discard_geometry(struct xf_blkfront *bf, uint64_t ss, uint64_t gran,
			 uint64_t align);
/* Trims [*off, *off + *len) (absolute bytes) to whole granules.
 * Returns false when none remains. */
bool bf_discard_trim(const struct xf_blkfront *bf, uint64_t *off,
		     uint64_t *len);
/* Length of the next discard request at absolute byte off of a range
 * len long: len, or a split whose end is on the grid. */
uint64_t bf_discard_chunk(const struct xf_blkfront *bf, uint64_t off,
			  uint64_t len);

/* fence.c */
/* Rebuilds the fence list from the queued units marked fence. Every
 * queue lock held (after taking work back). */
void bf_fence_rebuild(struct xf_blkfront *bf);
/* True when unit u must wait for a fence. Queue lock held. */
bool bf_fence_blocks(struct xf_blkfront *bf,
		     const struct xf_blkfront_unit *u);
/* io completed: releases what waited on it. Queue lock held. */
void bf_fence_io_done(struct xf_blkfront *bf, struct xf_blkfront_io *io);

/* complete.c */
/* Consumes responses. Returns 0, or -EPROTO after a violation (the
 * device is then in the error state). Queue lock held. */
int bf_process_responses(struct bf_queue *q);
void bf_fail_inflight(struct bf_queue *q, int status);

/* reconnect.c */
/* Takes every in-flight request of every queue back as queued units,
 * merges inactive queues into active ones (nr_active), in submission
 * order. Device lock held; takes the queue locks. */
void bf_take_back_inflight(struct xf_blkfront *bf);
void bf_redistribute(struct xf_blkfront *bf, unsigned int nr_active);
void bf_release_old_conns(struct xf_blkfront *bf);
void bf_set_live(struct xf_blkfront *bf, bool live);

/* xenbus.c */
void bf_xenbus_run(struct xf_actor *a);
/* Its steps, for dance.c: our state key; take I/O back for reissue. */
int bf_xb_write_state(struct xf_blkfront *bf, int state);
void bf_xb_disconnect(struct xf_blkfront *bf);

/* dance.c: the close cycle's step; true when it owns this run (the
 * handshake must not step). Device lock held. */
bool bf_dance_step(struct xf_blkfront *bf);
/* deadline_ns = now + timeout on the timeout clock, saturating. */
void bf_arm_deadline(struct xf_blkfront *bf, uint64_t timeout);

/* negotiate.c */
int bf_talk_to_backend(struct xf_blkfront *bf);
int bf_read_connected(struct xf_blkfront *bf, bool initial);

#endif
