/* SPDX-License-Identifier: MIT */
/*
 * xfront netfront: a user-space Xen PV network frontend, plus the packet
 * helpers (checksums, header parsing, software segmentation) that the
 * frontend, the mock netback and the traffic generators share.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints. Log text goes to the optional
 * log callback.
 *
 * Threading: xf_netfront_send() and the getters may be called from any
 * thread. xf_netfront_new/start/suspend/resume/close/free are called from
 * the thread that drives the runtime (or before xf_rt_run()); free only
 * while none of the device's actors is running (in real mode: with the
 * runtime stopped).
 *
 * Callbacks run with no netfront lock held. rx and tx_done run on the
 * queue actor's vCPU; tx_done also on the xenbus actor's (frames that a
 * disconnect or a close ends) and in xf_netfront_free() (frames it ends);
 * state and log on the actor (or in the call) that changed the state.
 * They may call xf_netfront_send(), the getters, xf_netfront_stats() and
 * xf_netfront_queue_info(), but not free the device.
 *
 * Ordering: one queue's tx_done and rx callbacks never run concurrently;
 * a queue's tx_done calls come in the order it finished the frames, its
 * rx calls in ring order. The frames a queue finished before it found a
 * protocol error are called back before the XF_NETFRONT_ERROR state
 * callback, and every tx_done comes before XF_NETFRONT_CLOSED.
 */
#ifndef XFRONT_NETFRONT_H
#define XFRONT_NETFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/netif.h>
#include <xfront/pkt.h>
#include <xfront/platform.h>
#include <xfront/ring.h>
#include <xfront/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_NET_MAX_FRAME 0xFFFFu /* XEN_NETIF_MAX_TX_SIZE */
#define XF_NETFRONT_MAX_QUEUES 16
#define XF_NETFRONT_MAX_FRAGS 64

/* ------------------------------------------------------------------ */
/* Frames. */

/* The L4 checksum is not filled in (CHECKSUM_PARTIAL): whoever handles
 * the frame next must compute it. */
#define XF_NET_F_CSUM_BLANK (1u << 0)
/* The L4 checksum was verified (or is known good). */
#define XF_NET_F_DATA_VALIDATED (1u << 1)

struct xf_net_frag {
	const void *data;
	uint32_t len;
};

/* A frame as the application hands it over: a list of fragments (like an
 * skb's head + frags; the slot layout follows them), offload flags and
 * GSO info. gso_size > 0 means a TCP super-frame to be cut into
 * gso_size-byte segments (by the backend if it can, else in software). */
struct xf_net_frame {
	const struct xf_net_frag *frags;
	unsigned int nr_frags;
	uint32_t flags;          /* XF_NET_F_* */
	uint16_t gso_size;       /* MSS; 0 = not GSO */
	uint8_t gso_type;        /* XF_NETIF_GSO_TYPE_*; 0 = derive */
};

/* A received frame, contiguous, valid only during the rx callback. */
struct xf_net_rx_frame {
	const uint8_t *data;
	uint32_t len;
	uint32_t flags;          /* XF_NET_F_* */
	uint16_t gso_size;
	uint8_t gso_type;
	unsigned int queue;
	unsigned int nr_slots;   /* ring slots the frame used (extras too) */
};

/* ------------------------------------------------------------------ */
/* netfront. */

enum xf_netfront_state {
	XF_NETFRONT_INIT = 0,       /* created, not started */
	XF_NETFRONT_WAIT_BACKEND,   /* waiting for backend InitWait */
	XF_NETFRONT_CONNECTING,     /* keys written, backend not Connected */
	XF_NETFRONT_CONNECTED,      /* both sides Connected: traffic flows */
	XF_NETFRONT_DISCONNECTED,   /* backend closed or vanished */
	XF_NETFRONT_SUSPENDED,
	XF_NETFRONT_CLOSING,        /* xf_netfront_close() in progress */
	XF_NETFRONT_CLOSED,
	XF_NETFRONT_ERROR,          /* protocol violation; see error() */
};

/* Why a frame was dropped (tx_done status or rx drop counter). */
enum xf_netfront_drop {
	XF_NF_DROP_BACKEND_ERROR = 0, /* tx: NETIF_RSP_ERROR */
	XF_NF_DROP_BACKEND_DROPPED,   /* tx: NETIF_RSP_DROPPED */
	XF_NF_DROP_DEVICE_ERROR,      /* device entered the error state */
	XF_NF_DROP_TOO_BIG,           /* cannot be sent with the features */
	XF_NF_DROP_BAD_FRAME,         /* GSO/checksum request on a frame
					 that has no TCP/UDP to act on */
	XF_NF_DROP_CLOSED,            /* device closed with frame queued */
	XF_NF_DROP_RX_STATUS,         /* rx: negative status from backend */
	XF_NF_DROP_RX_CSUM,           /* rx: checksum verify failed */
	XF_NF_DROP_RX_NO_CONSUMER,    /* rx: no rx callback */
	XF_NF_DROP_NO_MEMORY,         /* tx: out of memory (e.g. while
					 segmenting in software) */
	XF_NF_DROP_RX_BAD_RESPONSE,   /* rx: malformed response (Linux's
					 rx_errors), see
					 rx_bad_response_fatal */
	XF_NF_DROP_NR
};
const char *xf_netfront_drop_name(enum xf_netfront_drop d);

/* tx_done status values: 0 or -errno, mapped from drop reasons:
 * BACKEND_ERROR -EIO, BACKEND_DROPPED -ENOBUFS, DEVICE_ERROR -EPROTO,
 * TOO_BIG -EMSGSIZE, BAD_FRAME -EINVAL, CLOSED -ESHUTDOWN. */

struct xf_netfront_ops {
	/* Every accepted frame gets exactly one tx_done. */
	void (*tx_done)(void *opaque, uint64_t cookie, int status);
	void (*rx)(void *opaque, const struct xf_net_rx_frame *f);
	void (*state)(void *opaque, enum xf_netfront_state st);
	void (*log)(void *opaque, const char *msg);
};

struct xf_netfront_config {
	struct xf_platform *plat;   /* the frontend domain */
	struct xf_rt *rt;
	/* Frontend directory, absolute ("/local/domain/1/device/vif/0") or
	 * relative to /local/domain/<domid> ("device/vif/0"). */
	const char *dev_path;
	unsigned int max_queues;    /* 0 = 1 */
	unsigned int xenbus_vcpu;
	/* vCPU of queue i; when nr_queue_vcpus == 0 queue i runs on
	 * i % nr_vcpus. */
	unsigned int queue_vcpu[XF_NETFRONT_MAX_QUEUES];
	unsigned int nr_queue_vcpus;
	/* Frontend-side switches (true = refuse even if the backend has it). */
	bool no_sg;
	bool no_tx_csum;            /* never send csum_blank (compute here) */
	bool no_rx_csum;            /* write feature-no-csum-offload=1 */
	bool no_ipv6_csum;
	bool no_gso_tcpv4;
	bool no_gso_tcpv6;
	bool no_split_evtchn;
	bool no_multicast_control;  /* do not write request-multicast-control */
	bool rx_verify_csum;        /* drop rx frames whose checksum is wrong
				       unless the backend validated them */
	bool no_rx_csum_complete;   /* deliver csum_blank rx frames as is */
	bool tx_no_requeue;         /* drop (not re-send) in-flight tx frames
				       on disconnect */
	/* Stricter than Linux (the old netfront): a malformed rx response
	 * (offset + size past the page, a wrong id, a more_data chain over
	 * 18 slots, more than four extras, an extra of type 0 or >= 5, a
	 * GSO extra of size 0 or an unknown type, a frame over the
	 * buffer) puts the device into the error state. Linux
	 * xen-netfront.c:xennet_get_responses() and xennet_get_extras()
	 * recycle the slots, drop the packet (rx_errors, here
	 * XF_NF_DROP_RX_BAD_RESPONSE) and carry on; they ignore the id
	 * (the buffer is found by ring index), take any number of extras
	 * (XDP, 5, included; the later of a type wins) and allow 19 slots
	 * when the first holds at most 256 bytes. */
	bool rx_bad_response_fatal;
	/* A chain the backend pushed only in part (more_data or an extra
	 * announced on the last slot before rsp_prod) is kept and completed
	 * by a later push. Linux xennet_get_responses() ("Need more
	 * slots") and xennet_get_extras() ("Missing extra info") drop it,
	 * consumed up to rsp_prod. */
	bool rx_wait_partial;
	/* Debug: send the caller's fragment layout as is, even a first slot
	 * shorter than the headers; with SG, a layout over the slot limit
	 * is dropped (-EMSGSIZE), not linearised (reproduces bug class 11,
	 * "skb rides the rocket"). */
	bool tx_raw_layout;
	/* RX refill: refill when fewer than low buffers are posted, up to
	 * high. 0 = defaults (ring/4 and ring). */
	unsigned int rx_low_watermark;
	unsigned int rx_high_watermark;
	unsigned int tx_backlog_max; /* frames queued per queue; 0 = 4096 */
	uint32_t garp_ip4_be;       /* sender IP for the gratuitous ARP */
	/* vCPU cost model: CPU time charged to the queue's vCPU per frame
	 * prepared for tx and per frame completed on rx (xf_rt_charge). */
	uint64_t tx_cost_ns;
	uint64_t rx_cost_ns;
	/*
	 * Lost-wakeup watchdog (as xenvif's receiver watchdog, and
	 * blkfront's): while a queue is connected its actor ticks every
	 * watchdog_period_ns on the monotonic clock (xf_rt_now_ns). A
	 * tick that finds tx or rx responses on the rings that no
	 * notification announced, or tx requests outstanding with no tx
	 * response consumed for a whole period (the backend may have lost
	 * our notification), consumes them exactly as an event would
	 * (rsp_event is then re-armed by the normal final check) and
	 * re-notifies the backend's tx channel. Counted in watchdog_checks,
	 * watchdog_recoveries and watchdog_responses. A stall is recovered
	 * within one to two periods; a backend slower than a period is
	 * re-kicked needlessly (harmless, counted). The tick runs while
	 * connected even when idle, so a lost rx wakeup on a receive-only
	 * queue is caught too: in sim mode a run with the watchdog on does
	 * not go idle by itself (run to a time). 0 (default) = off: no
	 * timer, no extra runs, behaviour identical to a netfront without
	 * the watchdog (sim traces unchanged; a run goes idle).
	 */
	uint64_t watchdog_period_ns;
	/*
	 * TX timeout (as a netdev's TX watchdog, dev_watchdog ->
	 * ndo_tx_timeout): a tx slot handed to the backend that has seen
	 * no response for tx_timeout_ns (monotonic) counts one tx_timeouts
	 * event per expiry check, the rings are polled and the backend is
	 * notified again; those slots are timed again from then, so a dead
	 * backend is re-kicked every tx_timeout_ns. Frames are NOT failed:
	 * the backend still owns their slots and grants, and each still
	 * completes exactly once (when answered, or at disconnect/close).
	 * 0 (default) = off.
	 */
	uint64_t tx_timeout_ns;
	/* Fault-reproduction knob for the tx and rx rings: see enum
	 * xf_ring_evidx_bug. Only the watchdog, or a send() that happens
	 * to poll the rings, recovers the stall. */
	enum xf_ring_evidx_bug event_index_bug;
	const struct xf_netfront_ops *ops;
	void *opaque;
};

void xf_netfront_config_init(struct xf_netfront_config *cfg);

struct xf_netfront;

/* Reads mac/mtu/trusted/backend from dev_path and registers actors. */
int xf_netfront_new(const struct xf_netfront_config *cfg,
		    struct xf_netfront **out);
/* Starts the handshake (watches the backend). */
int xf_netfront_start(struct xf_netfront *nf);
/* Queues a frame (copied before returning). queue < 0: pick by flow
 * hash. -EAGAIN when the backlog is full, -EPROTO in the error state,
 * -ESHUTDOWN when closed, -EMSGSIZE above 64 KiB, -EINVAL bad frame;
 * on those errors there is no tx_done. */
int xf_netfront_send(struct xf_netfront *nf, int queue,
		     const struct xf_net_frame *f, uint64_t cookie);
/* Adds/removes a multicast filter entry (dummy TX with MCAST extra).
 * -EOPNOTSUPP when the backend offers no multicast control. */
int xf_netfront_mcast(struct xf_netfront *nf, const uint8_t
		      mac[XF_ETH_ALEN], bool add);
/* Turns backend multicast filtering on/off after connect (writes
 * request-multicast-control). -EOPNOTSUPP unless the backend offers
 * feature-dynamic-multicast-control. */
int xf_netfront_mcast_filter(struct xf_netfront *nf, bool on);
/* Suspend: disconnects, releases grants/ports, keeps queued frames;
 * writes nothing (our state key still says Connected).
 * Resume: re-reads the (possibly recreated) directories and reconnects,
 * possibly to a backend with different features. In xenbus terms: a
 * backend in InitWait gets our keys and Connected; one still Connected
 * or Closing (resumed in place, on the rings we released) first gets
 * Initialising, and we wait for its InitWait (Linux netback walks
 * Connected, Closing, Closed, InitWait) before connecting. */
int xf_netfront_suspend(struct xf_netfront *nf);
int xf_netfront_resume(struct xf_netfront *nf);
/* Orderly close: Closing, wait for the backend to close and unmap,
 * release grants and ports, Closed. Progress is event-driven: the state
 * callback reports XF_NETFRONT_CLOSED. */
int xf_netfront_close(struct xf_netfront *nf);
/* A frontend close cycle (as a Windows frontend probes before it
 * connects). close_cycle: frames in flight go back to the backlog, the
 * frontend writes Closing, then Closed once the backend is no longer
 * Connected, and releases its rings once the backend let go (Closed);
 * state DISCONNECTED. reopen: once the backend is Closed and the rings
 * are released, Initialising, and the usual handshake (a Linux netback
 * answers InitWait); the backlog is sent on the new connection. -EBUSY
 * while closing, suspended, not started or closed; a reopen without a
 * cycle does nothing. */
int xf_netfront_close_cycle(struct xf_netfront *nf);
int xf_netfront_reopen(struct xf_netfront *nf);
/* Unplug: a backend in Closing or Closed whose "online" reads 0 (libxl's
 * request_close, `xl network-detach`) ends the device instead of a
 * reconnect: every frame in flight or queued completes at once
 * (XF_NF_DROP_CLOSED), the frontend writes Closing and Closed, releases
 * the grants once the backend is Closed, and ends XF_NETFRONT_CLOSED.
 * The reason is recorded: xf_netfront_unplug_reason() names the keys
 * (NULL when not unplugged). A missing "online" is not an unplug. */
const char *xf_netfront_unplug_reason(const struct xf_netfront *nf);
/* Frees everything; queued frames complete with -ESHUTDOWN. */
void xf_netfront_free(struct xf_netfront *nf);

enum xf_netfront_state xf_netfront_state(const struct xf_netfront *nf);
/* The error state's message, or NULL. */
const char *xf_netfront_error(const struct xf_netfront *nf);
void xf_netfront_mac(const struct xf_netfront *nf, uint8_t mac[XF_ETH_ALEN]);
unsigned int xf_netfront_nr_queues(const struct xf_netfront *nf);

/* Negotiated features (valid while connected). */
struct xf_netfront_features {
	bool sg, gso_tcpv4, gso_tcpv6;
	bool tx_csum_v4, tx_csum_v6; /* backend completes csum_blank */
	bool rx_notify, split_evtchn;
	bool multicast_control, dynamic_multicast;
	unsigned int nr_queues;
	unsigned int mtu;
	bool trusted;
};
void xf_netfront_features(const struct xf_netfront *nf,
			  struct xf_netfront_features *out);

struct xf_netfront_stats {
	uint64_t tx_frames, tx_bytes, tx_slots;
	uint64_t tx_sw_csum;       /* checksums computed here (fallback) */
	uint64_t tx_sw_gso;        /* super-frames segmented here */
	uint64_t tx_linearized;    /* frames re-laid out to fit the slots */
	uint64_t tx_requeued;      /* in flight at disconnect, re-sent */
	uint64_t rx_frames, rx_bytes, rx_slots;
	uint64_t rx_csum_completed;
	uint64_t rx_refills;       /* refill batches */
	uint64_t drops[XF_NF_DROP_NR];
	uint64_t connects;
	uint64_t garp_sent;
	uint64_t mcast_sent;
	uint64_t errors;           /* entries into the error state */
	uint64_t notify_failed;    /* event-channel notifies refused */
	uint64_t tx_queue_frames[XF_NETFRONT_MAX_QUEUES];
	uint64_t rx_queue_frames[XF_NETFRONT_MAX_QUEUES];
	/* Watchdog (watchdog_period_ns), summed over the queues. checks:
	 * ticks that looked; recoveries: ticks that found a lost wakeup and
	 * polled + re-notified; responses: tx and rx responses those ticks
	 * found unconsumed on the rings. */
	uint64_t watchdog_checks;
	uint64_t watchdog_recoveries;
	uint64_t watchdog_responses;
	/* TX timeout (tx_timeout_ns): expiries (backend re-notified) and
	 * the tx slots that had been unanswered that long. */
	uint64_t tx_timeouts;
	uint64_t tx_timeout_slots;
	uint64_t events_lost;      /* xf_netfront_lose_events() */
};
void xf_netfront_stats(const struct xf_netfront *nf,
		       struct xf_netfront_stats *out);

#define XF_NETFRONT_DUMP_TX 8

/* One queue's rings and counters. */
struct xf_netfront_queue_info {
	bool set_up;               /* rings and ports exist (connected or
				      connecting) */
	xf_port port_tx, port_rx;  /* local event-channel ports (equal unless
				      split); what xf_mock_evtchn_drop_next()
				      takes to drop our notifications */
	unsigned int tx_inflight;  /* tx slots awaiting a response */
	unsigned int tx_backlog;   /* frames queued, not on the ring yet */
	unsigned int rx_posted;    /* rx buffers on the ring */
	bool timer_armed;          /* watchdog / tx-timeout timer set */
	uint64_t notify_received;  /* runs that found an event pending */
	uint64_t watchdog_checks;
	uint64_t watchdog_recoveries;
	uint64_t watchdog_responses;
	uint64_t tx_timeouts;
	uint64_t tx_timeout_slots;
	uint64_t events_lost;
	/* For hang reports, when set_up: both rings' indices (shared ones
	 * read once each), the oldest tx slots still out with their age
	 * (since pushed, or since their last tx timeout), and the pages
	 * granted to the backend (rings and buffers). */
	struct xf_ring_indices tx_ring, rx_ring;
	unsigned int ntx_oldest;
	struct {
		uint16_t id;
		uint64_t age_ns;
	} tx_oldest[XF_NETFRONT_DUMP_TX];
	unsigned int grants;
};
/* -EINVAL for a queue index >= max_queues. Any thread, callbacks
 * included. */
int xf_netfront_queue_info(const struct xf_netfront *nf, unsigned int queue,
			   struct xf_netfront_queue_info *out);

/* Fault injection (lost wakeups, on any platform): the next n
 * event-channel notifications that reach this device's queues are lost
 * on the way. The queue acknowledges the port but does not look at its
 * rings for that event, as if it had never arrived; a run the queue
 * makes for another reason (a send(), a timer) still polls them. So the
 * backend's tx completions and rx frames sit on the rings until
 * something polls, and since rsp_event stays where it was, the backend
 * sends no further notification either. Replaces any count still
 * pending; 0 cancels. Counted in events_lost. Any thread. */
int xf_netfront_lose_events(struct xf_netfront *nf, unsigned int n);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_NETFRONT_H */
