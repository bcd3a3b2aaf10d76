/* SPDX-License-Identifier: MIT */
/* netfront internals shared by the xenbus, queue, tx and rx files. */
#ifndef XF_NETFRONT_PRIV_H
#define XF_NETFRONT_PRIV_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include <xfront/xenbus.h>
#include <xfront/ring.h>
#include <xfront/netif.h>
#include <xfront/platform.h>
#include <xfront/netfront.h>
#include <xfront/util.h>

#define NF_PATH_MAX 256
#define NF_ERR_MAX 256
#define NF_MAX_TX_SLOTS XF_NETIF_NR_SLOTS_MIN
/* The slot after which a multi-slot rx frame is rejected. */
#define NF_MAX_RX_SLOTS XF_NETIF_NR_SLOTS_MIN
#define NF_MAX_EXTRAS (XF_NETIF_EXTRA_TYPE_MAX - 1)
/* Linux 6.1 netif.h: XEN_NETIF_EXTRA_TYPE_XDP = 5 is valid and
 * XEN_NETIF_EXTRA_TYPE_MAX = 6 (XF_NETIF_EXTRA_TYPE_MAX follows Xen
 * 4.17's header, 5). */
#define NF_EXTRA_TYPE_LIMIT 6
#define NF_RX_BUF_MAX (XF_NET_MAX_FRAME + XF_PAGE_SIZE)

/* A frame waiting for or occupying tx slots. Software-segmented frames
 * become children; the parent completes when all children have. */
struct nf_txframe {
	struct nf_txframe *next;
	struct nf_txframe *parent;
	uint64_t cookie;
	uint8_t *data;
	uint32_t len;
	uint32_t flags;
	uint16_t gso_size;
	uint8_t gso_type;
	bool garp;              /* internal announcement: no tx_done */
	bool mcast;             /* dummy multicast-control request */
	bool mcast_add;
	bool segmented;         /* replaced by software segments */
	uint8_t mcast_addr[XF_ETH_ALEN];
	unsigned int nr_slots;
	uint32_t slot_len[XF_NETFRONT_MAX_FRAGS];
	unsigned int outstanding; /* slots on the ring, or live children */
	int status;             /* worst status so far */
	int drop;               /* drop reason or -1 */
};

typedef XF_FIFO(struct nf_txframe) nf_txlist;

struct nf_region {
	void *addr;
	unsigned int n;
	xf_gref *refs;
	struct nf_region *next; /* release list */
};

/* Receive reassembly state, kept across runs because a backend may push
 * a frame's slots in several batches. */
struct nf_rxstate {
	bool active;
	bool want_extra;
	bool want_more;
	bool dropped;
	bool bad;               /* a bad response: drop when complete */
	bool has_gso;
	int16_t first_status;
	uint32_t len;
	uint32_t rx_flags;
	unsigned int slots;
	unsigned int data_slots;
	unsigned int extras;
	uint16_t gso_size;
	uint8_t gso_type;
	uint8_t *buf;
};

struct nf_queue {
	struct xf_netfront *nf;
	unsigned int idx;
	struct xf_actor actor;
	pthread_mutex_t lock;        /* ring state; held by run() */
	/* Frames whose tx_done is due, and one deliverer at a time
	 * (deliver.c); under lock. */
	nf_txlist done;
	bool delivering;
	pthread_cond_t deliver_cv;
	/* Counts set-ups and quiesces: a delivery point that dropped the
	 * lock finds out whether the rings it worked on are still its. */
	unsigned int session;
	char log_pending[NF_PATH_MAX + 128]; /* logged at the next delivery */
	struct xf_evtch *evh;
	bool wakeup_hooked;
	bool fd_watched;

	/* Valid while set_up. */
	bool set_up;
	bool quiesced;
	struct nf_region tx_ring_pg, rx_ring_pg, tx_bufs, rx_bufs;
	struct xf_front_ring tx, rx;
	xf_port port_tx, port_rx;    /* equal unless split */
	unsigned int nr_tx, nr_rx;
	struct nf_txframe **tx_owner; /* per tx id */
	uint16_t *tx_free;            /* stack of free ids */
	unsigned int tx_nfree;
	unsigned int tx_extras_out;   /* extra slots awaiting RSP_NULL */
	unsigned int rx_posted;
	unsigned int rx_low, rx_high;
	struct nf_rxstate rxs;

	/* Watchdog and tx timeout (watchdog.c), under lock, run() only. */
	bool wd_armed;
	bool wd_tx_busy;              /* tx slots were out at the last run */
	uint64_t wd_tick_at;          /* next tick (monotonic) */
	uint64_t wd_progress;         /* last tx progress, or tx went busy */
	uint64_t wd_rsp_mark;         /* tx_rsp_seen at the last run */
	uint64_t tx_rsp_seen;         /* tx responses consumed */
	uint64_t *tx_at;              /* per tx id: when put on the ring */
	uint64_t tx_deadline;         /* earliest possible tx timeout */
	uint64_t timer_at;            /* the actor's timer; UINT64_MAX none */
	/* Counters; xf_netfront_stats() sums them over the queues. */
	uint64_t notify_received;
	uint64_t wd_checks, wd_recoveries, wd_responses;
	uint64_t tx_timeouts, tx_timeout_slots;
	uint64_t events_lost;
	_Atomic bool kicked;          /* nf_queue_kick() since the last run */

	/* Backlog, guarded by bl_lock (send() may run on any thread). */
	pthread_mutex_t bl_lock;
	nf_txlist bl;
	unsigned int bl_len;
};

struct xf_netfront {
	struct xf_netfront_config cfg;
	struct xf_platform *p;
	struct xf_rt *rt;
	struct xf_xs *xs;
	struct xf_actor xb_actor;
	bool xb_hooked;

	char dir[NF_PATH_MAX];
	char be[NF_PATH_MAX];
	char watched_be[NF_PATH_MAX + 16];
	xf_domid be_id;
	uint8_t mac[XF_ETH_ALEN];

	pthread_mutex_t lock;          /* stats, error text, release list */
	_Atomic int state;             /* enum xf_netfront_state */
	_Atomic bool broken;
	_Atomic unsigned int lose_events; /* xf_netfront_lose_events() */
	int xb_state;                  /* what we wrote to our state key;
					* Unknown after start and resume */
	bool resync;                   /* wrote Initialising over a live
					* backend; waiting for its InitWait */
	bool close_req;
	bool suspended;
	_Atomic int cycle_req;         /* dance.c: close cycle / reopen */
	int cycle;                     /* dance.c: where the cycle is */
	char unplug_reason[192];       /* dance.c: "" unless unplugged */
	bool want_garp;
	char err[NF_ERR_MAX];

	struct xf_netfront_features feat;
	/* Set up now; read by send() on any thread. */
	_Atomic unsigned int nr_queues;
	unsigned int max_queues;       /* actors registered */
	struct nf_queue q[XF_NETFRONT_MAX_QUEUES];
	struct nf_region *release;     /* grants the backend still maps */

	struct xf_netfront_stats st;
};

/* netfront.c */
void nf_log(struct xf_netfront *nf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The error state (first error only): text, state callback, every
 * queue kicked. Not with a queue lock held: see nf_queue_error(). */
void nf_set_error(struct xf_netfront *nf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nf_vset_error(struct xf_netfront *nf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void nf_set_state(struct xf_netfront *nf, enum xf_netfront_state st);
void nf_stat_add(struct xf_netfront *nf, uint64_t *field, uint64_t v);
int nf_drop_errno(int drop);

/* xenbus.c: its steps, for dance.c. */
void nf_xb_disconnect(struct xf_netfront *nf, bool release);
int nf_xb_write_state(struct xf_netfront *nf, int st);

/* dance.c: a close cycle's step and the unplug check, from the xenbus
 * actor with the backend's state bst (gone: its directory is). true:
 * it owns this run. */
bool nf_dance_step(struct xf_netfront *nf, int bst, bool gone);

/* queue.c */
int nf_queue_init(struct xf_netfront *nf, unsigned int idx);
/* A backend in state bst (or gone) maps nothing of ours: its rings and
 * grants can be released. */
bool nf_be_released(int bst, bool gone);
void nf_queue_fini(struct nf_queue *q);
int nf_queue_setup(struct nf_queue *q, bool split);
int nf_queue_write_keys(struct nf_queue *q, xf_txn t, const char *base,
			bool split);
/* Stops ring processing: in-flight tx frames go back to the backlog
 * (or are dropped), rx state is discarded, ports unbound. The frames it
 * ends are delivered at the caller's nf_unlock_deliver(). */
void nf_queue_quiesce(struct nf_queue *q, int drop);
/* Releases ring and buffer grants (to the release list if busy). */
void nf_queue_release(struct nf_queue *q);
void nf_release_retry(struct xf_netfront *nf);
void nf_queue_kick(struct nf_queue *q);

/* deliver.c: callbacks after the queue lock is dropped. Each is called
 * with q->lock held and returns with it held (nf_unlock_deliver: not). */
/* The due tx_done callbacks, then rx's (if given), then a pending log
 * line. false: the queue was quiesced or set up again meanwhile, the
 * rings the caller was working on are not its any more. */
bool nf_deliver(struct nf_queue *q, const struct xf_net_rx_frame *rx);
void nf_unlock_deliver(struct nf_queue *q);
/* nf_set_error() for an error found under q->lock: due callbacks first,
 * then the error state, with the lock dropped. */
void nf_queue_error(struct nf_queue *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tx.c */
void nf_tx_complete(struct nf_queue *q, struct nf_txframe *fr, int drop);
void nf_tx_free_frame(struct nf_txframe *fr);
void nf_bl_push_front(struct nf_queue *q, struct nf_txframe *fr);
void nf_bl_push(struct nf_queue *q, struct nf_txframe *fr);
/* Puts the n frames of *l, in order, at the head of the backlog. */
void nf_bl_push_list_front(struct nf_queue *q, nf_txlist *l, unsigned int n);
struct nf_txframe *nf_bl_pop(struct nf_queue *q);
/* Moves the backlog of a queue the current connection does not use to
 * one it does (returns that queue, else NULL). */
struct nf_queue *nf_bl_rehome(struct nf_queue *q);
void nf_tx_flush_all(struct nf_queue *q, int drop);
int nf_tx_responses(struct nf_queue *q);
/* -ESTALE: the session ended while callbacks ran (nf_deliver). */
int nf_tx_pump(struct nf_queue *q);
int nf_queue_garp(struct xf_netfront *nf);

/* rx.c */
/* -EIO on a protocol error, -ESTALE as nf_tx_pump(). */
int nf_rx_responses(struct nf_queue *q);
void nf_rx_refill(struct nf_queue *q);
void nf_rx_reset(struct nf_queue *q);

/* watchdog.c */
bool nf_wd_enabled(const struct xf_netfront *nf);
/* New session (queue set up): nothing armed yet. */
void nf_wd_reset(struct nf_queue *q);
/* Before a run's processing: a due tick looks for a lost wakeup. */
void nf_wd_before(struct nf_queue *q, bool notified, uint64_t now);
/* After processing: progress, tx timeouts, the next timer. Returns true
 * with *timer set when the actor's timer must change. */
bool nf_wd_after(struct nf_queue *q, uint64_t now, uint64_t *timer);
/* The queue is not in use: nothing armed. Same return as above. */
bool nf_wd_stop(struct nf_queue *q, uint64_t *timer);
/* RING_FINAL_CHECK_FOR_RESPONSES, or the event_index_bug variant. */

/* xenbus.c */
int nf_xb_init(struct xf_netfront *nf);
void nf_xb_run(struct xf_actor *a);
int nf_xb_watch_backend(struct xf_netfront *nf);

#endif
