/* SPDX-License-Identifier: MIT */
/* Private to the blkback module: the backend and queue objects shared by
 * xenbus.c (control actor), ring.c (queue actors), validate.c, io.c and
 * faults.c. */
#ifndef BB_PRIV_H
#define BB_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <xfront/xenbus.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/util.h>

#define BB_PATH_MAX 128
#define BB_ERR_MAX 256
#define BB_SEEN_IDS 1024

/* What a queue validates requests against (snapshot at connect; the size
 * is re-read per request because of resize). */
struct bb_dev_view {
	bool readonly;
	bool flush, barrier, discard, discard_secure;
	uint32_t discard_granularity; /* bytes, as configured; 0: unset */
	uint32_t discard_alignment;
	unsigned int max_indirect_segments;
	unsigned int sector_size;
	uint64_t size_sectors; /* 512-byte units */
	uint32_t lenient;      /* XF_BB_LENIENT_* of the backend */
};

/* A persistently mapped grant (open-addressing table keyed by gref). */
struct bb_pgrant {
	xf_gref gref;
	bool used;
	void *addr;
};

/* One consumed request, alive until its response is pushed. */
struct bb_req {
	struct bb_req *next;
	uint64_t seq;          /* consumption order on this queue */
	uint64_t due_ns;       /* completion time */
	uint64_t submit_ns;
	uint64_t generation;   /* disk generation at submission */
	uint64_t id;           /* echoed */
	uint8_t ring_op;       /* answered with (bb_rsp_op()) */
	uint8_t op;            /* effective op (inner op for indirect) */
	uint8_t discard_flag;
	bool drained;          /* barrier: started after draining */
	int16_t status;        /* decided at submission when != OKAY */
	unsigned int nseg;
	/* nseg entries: seg_inline, or the private copy of the indirect
	 * pages (owned). */
	struct xf_blkif_request_segment *seg;
	struct xf_blkif_request_segment
		seg_inline[XF_BLKIF_MAX_SEGMENTS_PER_REQUEST];
	uint64_t sector;       /* 512-byte units */
	uint64_t nr_sectors;   /* 512-byte units (data or discard) */
	int64_t flush_id;      /* flush/barrier pre-flush, 0 none */
	uint8_t *buf;          /* write data (copied at submission) */
	size_t len;
};

struct bb_queue {
	struct xf_actor actor;
	struct xf_blkback *bb;
	unsigned int idx;
	char name[48];
	pthread_mutex_t lock; /* everything below; held by run() */
	struct xf_evtch *evh;
	bool connected;
	bool halted;           /* ring protocol violation: no more work */
	xf_port port;          /* local, bound */
	void *ring_addr;
	unsigned int ring_pages;
	struct xf_back_ring ring;
	enum xf_blkif_abi abi;
	size_t slot_size;
	bool persistent;
	struct bb_dev_view view;
	struct bb_pgrant *pg;
	unsigned int pg_cap;   /* table slots (power of 2) */
	unsigned int pg_count;
	unsigned int pg_max;
	XF_FIFO(struct bb_req) inflight; /* sorted by (due_ns, seq) */
	unsigned int nr_inflight;
	struct bb_req *barrier;   /* barrier waiting for the drain */
	bool barrier_active;      /* a barrier is in flight: hold new work */
	uint64_t seq;
	/* hostile.c: ids this connection consumed (below BB_SEEN_IDS) and
	 * the last one answered. */
	uint64_t seen_ids[BB_SEEN_IDS / 64];
	uint64_t last_id;
	bool have_last_id;
	struct xf_rng rng; /* one per queue: queues on other vCPUs never share it */
	struct xf_blkback_stats st; /* per-queue counters */
};

enum bb_life {
	BB_LIFE_WAITING = 0, /* no directory (yet / any more) */
	BB_LIFE_ATTACHED,    /* directory found, following the frontend */
	BB_LIFE_DEAD,        /* crashed or disappeared */
};

struct bb_error_state {
	struct xf_blkback_error_rule rule;
	uint64_t seen;
	uint64_t fired;
};

/* Control requests posted by the thread-safe API. */
#define BB_REQ_CRASH (1u << 0)
#define BB_REQ_DISAPPEAR (1u << 1)
#define BB_REQ_RESIZE (1u << 2)
#define BB_REQ_UNFREEZE (1u << 3)
/* A queue saw the device refuse a flush / barrier with EOPNOTSUPP: the
 * control actor withdraws the feature key. */
#define BB_REQ_NO_FLUSH (1u << 4)
#define BB_REQ_NO_BARRIER (1u << 5)
#define BB_REQ_SET_STATE (1u << 6)

struct xf_blkback {
	struct xf_actor ctl;
	char name[40];
	struct xf_blkback_config cfg;
	struct xf_platform *p;
	struct xf_rt *rt;
	struct xf_xs *xs;
	char bpath[BB_PATH_MAX];
	char fpath[BB_PATH_MAX];
	char fstate_path[BB_PATH_MAX + 8];
	bool fwatch;            /* watch on fstate_path registered */

	/* Control actor only. */
	enum bb_life life;
	bool online;
	bool mode_ro;           /* backend dir's mode makes it read-only */
	bool vbd_ok;            /* mode read (or optional): may connect */
	bool fe_event;          /* this run saw the frontend's state watch */
	int ts_state;           /* last state we wrote */
	unsigned int nr_queues; /* connected queues */
	bool initial_done;      /* cfg.initial_state taken (dance.c) */
	bool delay_armed;       /* handshake_delay_ns running until */
	uint64_t delay_due_ns;
	_Atomic int set_state;  /* xf_blkback_set_state() target */
	int set_fe_state;       /* frontend's state then; -1: none */

	_Atomic int state;      /* published xenbus state */
	_Atomic unsigned int reqs;
	atomic_bool frozen;
	atomic_bool stopping;   /* crash/disappear: answer nothing more */
	_Atomic uint64_t crash_after;
	_Atomic uint64_t hostile_good; /* good responses so far */
	atomic_bool hostile_done;      /* the hostile act happened */

	pthread_mutex_t lock;   /* fields below */
	struct xf_blkback_features feat;     /* next publish */
	struct xf_blkback_features live;     /* as published */
	struct bb_error_state rules[XF_BLKBACK_MAX_ERROR_RULES];
	unsigned int nr_rules;
	char last_error[BB_ERR_MAX];
	struct xf_blkback_conn_info info;
	uint64_t dropped;
	uint64_t connects;
	uint64_t disconnects;

	unsigned int nr_qalloc; /* queue objects created */
	struct bb_queue q[XF_BLKBACK_MAX_QUEUES];
};

/* backend.c */
void bb_set_error(struct xf_blkback *bb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bb_kick_queues(struct xf_blkback *bb);

/* xenbus.c: the control actor. */
extern const struct xf_actor_ops bb_ctl_ops;

/* Wrappers of xenbus.c's steps for dance.c. */
int bb_publish_disk_info(struct xf_blkback *bb);
void bb_drop_rings(struct xf_blkback *bb);
void bb_republish(struct xf_blkback *bb);

/* dance.c: initial_state, handshake_delay_ns, xf_blkback_set_state().
 * bb_dance_initial: at the first attach, writes the configured initial
 * state (result in *r) and returns true; false: walk as usual.
 * bb_dance_hold: true when the control actor must not step yet (its
 * timer is set). bb_dance_apply: a posted set_state request. */
bool bb_dance_initial(struct xf_blkback *bb, int *r);
bool bb_dance_hold(struct xf_blkback *bb);
void bb_dance_apply(struct xf_blkback *bb);
/* -EINVAL for an initial_state the backend cannot start in. */
int bb_dance_check(const struct xf_blkback_config *cfg);
/* From xf_blkback_new(), its actors set up: takes the initial state. */
void bb_dance_start(struct xf_blkback *bb);

/* ring.c: the queue actors. */
extern const struct xf_actor_ops bb_queue_ops;
/* With q->lock held: maps the ring, binds the channel. */
int bb_queue_connect(struct bb_queue *q, xf_domid front,
		     const xf_gref *refs, unsigned int order,
		     xf_port remote_port, enum xf_blkif_abi abi,
		     bool persistent);
/* With q->lock held: drops in-flight requests (no responses), persistent
 * maps, the ring and the channel. Returns the number dropped. */
unsigned int bb_queue_disconnect(struct bb_queue *q);

/* ring.c: with q->lock held. One response per consumed request; whole
 * slots are written (no stale bytes). */
void bb_req_free(struct bb_req *r);
void bb_respond(struct bb_queue *q, uint64_t id, uint8_t op, int16_t status);
/* Counts the reason and answers ERROR (EOPNOTSUPP for UNSUPPORTED, and
 * for UNKNOWN_OP unless XF_BB_LENIENT_UNKNOWN_OP_ERROR). */
void bb_reject(struct bb_queue *q, uint64_t id, uint8_t op,
	       enum xf_blkback_reject why);

/* The operation a response carries: Linux answers an indirect request
 * with its inner op (XF_BB_LENIENT_INDIRECT_RSP_OP: the ring op). */
uint8_t bb_rsp_op(const struct bb_queue *q, uint8_t ring_op,
		  uint8_t indirect_op);
/* A flush or barrier the device refused with EOPNOTSUPP: asks the control
 * actor to withdraw the feature (unless XF_BB_LENIENT_KEEP_FLUSH_FEATURE).
 * Any thread. */
void bb_withdraw_flush(struct xf_blkback *bb, uint8_t op);

/* submit.c: with q->lock held. */
void bb_submit(struct bb_queue *q, const struct xf_blkif_req *req,
	       uint64_t now);
/* Starts the waiting barrier (the queue has drained). */
void bb_start_barrier(struct bb_queue *q, uint64_t now);

/* complete.c: with q->lock held. Performs and answers everything due by
 * now; returns how many. */
unsigned int bb_complete_due(struct bb_queue *q, uint64_t now);

/* validate.c: checks a decoded request against the device. Returns
 * XF_BLKBACK_REJ_NR when valid, else the rule it breaks. */
enum xf_blkback_reject bb_validate(const struct bb_dev_view *v,
				   const struct xf_blkif_req *r);
/* Checks the segments of a request (direct or from indirect pages) and
 * sums their length in 512-byte units. */
enum xf_blkback_reject bb_validate_segs(const struct bb_dev_view *v,
					uint64_t sector,
					const struct xf_blkif_request_segment
					*seg, unsigned int n,
					uint64_t *nr_sectors);

/* io.c: data transfer between granted pages and local buffers, through
 * persistent mappings when negotiated, else grant copy. All with
 * q->lock held. */
struct bb_xfer {
	xf_gref gref;
	uint16_t offset;
	uint16_t len;
	uint8_t *local;
};
/* to_grant: local -> guest. Returns 0 or -EIO when any segment failed. */
int bb_io_xfer(struct bb_queue *q, struct bb_xfer *x, unsigned int n,
	       bool to_grant);
/* Moves r->buf to or from r's segments, in order. */
int bb_io_segs(struct bb_queue *q, struct bb_req *r, bool to_grant);
void bb_io_unmap_all(struct bb_queue *q);

/* faults.c */
/* Returns the status to inject for this request, or OKAY. */
int16_t bb_fault_check(struct bb_queue *q, uint8_t op);
/* Counts a consumed request; true when it triggers crash_after. */
bool bb_fault_count_request(struct xf_blkback *bb);
/* Control actor: acts on crash / disappear. */
void bb_fault_crash_now(struct xf_blkback *bb, bool write_closed);

/* hostile.c, with q->lock held. Records a consumed request's id. */
void bb_hostile_seen(struct bb_queue *q, uint64_t id);
/* Called by bb_respond() for each response: true when the hostile mode
 * wrote (or withheld) it instead. May halt the queue. */
bool bb_hostile_respond(struct bb_queue *q, uint64_t id, uint8_t op,
			int16_t status);

/* xenbus.c helpers used by faults.c */
void bb_detach(struct xf_blkback *bb);
int bb_write_state(struct xf_blkback *bb, int state);

/* model.c: service time of a request. */
uint64_t bb_model_service_ns(const struct xf_blkback_latency *l, uint8_t op,
			     uint64_t bytes, struct xf_rng *rng);

#endif /* BB_PRIV_H */
