/* SPDX-License-Identifier: MIT */
/*
 * xfront mock netback: vif backends on the mock platform, connected to a
 * learning software switch or looped back, with offload handling (checksum
 * fill/validate, GSO segmentation), per-instance feature sets, bug modes
 * that reproduce field failures, shaping (rate, loss, latency) and pcap
 * capture through libpcap's dumper.
 *
 * Contract: functions return 0 or a negative errno and never print.
 * Threading: each vif is one actor; frames cross between vifs through
 * locked queues, so vifs on different vCPUs work in real mode. Create and
 * free from the thread that drives the runtime (or before xf_rt_run()).
 */
#ifndef XFRONT_NETBACK_H
#define XFRONT_NETBACK_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/netif.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Toolstack: the xenstore directories of one vif. */

struct xf_nb_vif_dirs {
	xf_domid fe_domid;
	xf_domid be_domid;
	unsigned int devid;     /* vif/<devid>; also "handle" */
	uint8_t mac[6];
	unsigned int mtu;       /* 0: no mtu key */
	int trusted;            /* -1: no key; 0 or 1 */
};

/* Creates /local/domain/<fe>/device/vif/<devid> (backend, backend-id,
 * mac, handle, state=1, optional mtu/trusted) and
 * /local/domain/<be>/backend/vif/<fe>/<devid> (frontend, frontend-id,
 * mac, handle, state=1), owned by their domains and readable by the
 * peer. ts must be privileged (dom0). */
int xf_nb_toolstack_add_vif(struct xf_platform *ts,
			    const struct xf_nb_vif_dirs *d);
/* Graceful removal request, as libxl's request_close (`xl
 * network-detach`, libxl__initiate_device_generic_remove()): backend
 * online = 0 and state 5 (Closing) in one transaction; a backend already
 * Closed stays Closed. The frontend closes, the backend follows it to
 * Closed; remove the directories afterwards. -ENOENT when the backend
 * directory does not exist. */
int xf_nb_toolstack_request_close(struct xf_platform *ts, xf_domid fe,
				  xf_domid be, unsigned int devid);
/* Removes both directories (device removal). */
int xf_nb_toolstack_remove_vif(struct xf_platform *ts, xf_domid fe,
			       xf_domid be, unsigned int devid);

/* ------------------------------------------------------------------ */
/* pcap capture points (bit mask). */
#define XF_NB_PCAP_TX (1u << 0) /* guest -> backend, after ingress
				   processing (checksum fill) */
#define XF_NB_PCAP_RX (1u << 1) /* backend -> guest, as put on the ring */

/* ------------------------------------------------------------------ */
/* Switch ("host" network). */

struct xf_nb_switch_config {
	const char *pcap_path;  /* NULL: no capture */
	uint32_t pcap_points;   /* 0: both */
};

struct xf_nb_switch;
int xf_nb_switch_new(struct xf_rt *rt, const struct xf_nb_switch_config *c,
		     struct xf_nb_switch **out);
/* All vifs must have been freed first. Closes the capture. */
void xf_nb_switch_free(struct xf_nb_switch *sw);

struct xf_nb_switch_stats {
	uint64_t forwarded;     /* frames handed to a known port */
	uint64_t flooded;       /* frames sent to every other port */
	uint64_t dropped;       /* no other port */
	uint64_t pcap_frames;
	int pcap_error;         /* -errno of the capture's first failed write
				 * (buffered frames are written out first), 0 */
};
void xf_nb_switch_stats(const struct xf_nb_switch *sw,
			struct xf_nb_switch_stats *out);

/* ------------------------------------------------------------------ */
/* Backend vif. */

/* Backend features, as published in its xenstore directory. */
struct xf_nb_features {
	bool rx_copy;           /* feature-rx-copy (false: rx-flip only) */
	bool sg;
	bool gso_tcpv4;
	bool gso_tcpv6;
	bool csum;              /* false: feature-no-csum-offload=1 */
	bool ipv6_csum;
	bool split_evtchn;
	bool multicast_control;
	bool dynamic_multicast;
	bool xdp_headroom;      /* feature-xdp-headroom (Linux's module
				   parameter provides_xdp_headroom) */
	unsigned int max_queues; /* multi-queue-max-queues; 0/1: no key */
};

/* Fills the Linux netback default: everything on, 4 queues. */
void xf_nb_features_default(struct xf_nb_features *f);

/* Bug modes reproducing field failures (bit mask). */
#define XF_NB_BUG_CSUM_UNFILLED  (1u << 0) /* csum_blank forwarded blank */
#define XF_NB_BUG_BAD_SEGMENT    (1u << 1) /* all segments keep the first
					      segment's TCP seq */
#define XF_NB_BUG_VALIDATE_BAD   (1u << 2) /* data_validated even when the
					      checksum is wrong */
#define XF_NB_BUG_DROP_SHORT_FIRST (1u << 3) /* drop frames whose first
						 slot is < 14 bytes: what
						 Linux (and so the vif by
						 default) does; it matters
						 only with
						 XF_NB_LENIENT_TX_SHORT_FIRST,
						 which it overrides */

/* Leniencies: where the mock may be kinder than Linux 6.1 xen-netback
 * (bit mask, all off by default). Each names the Linux function it
 * departs from. */
/* Connect when the frontend writes Initialised, as for Connected. Linux
 * xen-netback/xenbus.c:frontend_changed() ignores Initialised and reads
 * the rings only on Connected. */
#define XF_NB_LENIENT_CONNECT_ON_INITIALISED (1u << 0)
/* Write the state the frontend's implies at once: InitWait straight
 * from Connected when the frontend re-initialises, Closed straight from
 * Connected when it closes. Linux xen-netback/xenbus.c:
 * set_backend_state() walks Connected, Closing, Closed (, InitWait),
 * one state write per step. */
#define XF_NB_LENIENT_DIRECT_STATES (1u << 1)
/* A tx slot crossing its page (offset + size > 4096) drops the packet
 * (every slot XF_NETIF_RSP_ERROR, counted bad-request, the vif carries
 * on). Linux xen-netback/netback.c: xenvif_count_requests() (a slot
 * after the first) and xenvif_tx_build_gops() (the first slot) call
 * xenvif_fatal_tx_err(): the vif stops, the chain is never answered. */
#define XF_NB_LENIENT_TX_CROSS_PAGE (1u << 2)
/* A GSO extra of size 0 (with a non-zero type) drops the packet; one of
 * an unknown type (NONE, or above TCPv6) is forwarded as it says. Linux
 * netback.c:xenvif_set_skb_gso(): both are fatal ("GSO size must not
 * be zero", "Bad GSO type"). */
#define XF_NB_LENIENT_TX_BAD_GSO (1u << 3)
/* An extra-info slot of an invalid type (0, or 6 and above) is skipped.
 * Linux netback.c:xenvif_get_extras(): "Invalid extra type", fatal. */
#define XF_NB_LENIENT_TX_EXTRA_TYPE (1u << 4)
/* Stricter than Linux: a tx packet with more than four extra-info
 * slots stops the vif (the mock's old limit). Linux
 * netback.c:xenvif_get_extras() takes any number; the later slot of a
 * type replaces the earlier. */
#define XF_NB_LENIENT_TX_EXTRA_LIMIT (1u << 5)
/* A first tx slot shorter than an Ethernet header is accepted when the
 * whole packet is not (only a packet under 14 bytes is dropped). Linux
 * netback.c:xenvif_tx_build_gops(): txreq.size, the first slot's own
 * length after xenvif_count_requests(), below ETH_HLEN is a drop
 * (xenvif_tx_err(): every slot ERROR), counted short-first-slot. */
#define XF_NB_LENIENT_TX_SHORT_FIRST (1u << 6)
/* Checksums the old mock's way: a csum_blank frame is filled in at
 * ingress, and rx frames carry data_validated when the mock verified
 * their checksum itself, never csum_blank. Linux netback.c:
 * xenvif_tx_submit() keeps the frame CHECKSUM_PARTIAL (GSO frames
 * too) and rx.c:xenvif_rx_data_slot() sets csum_blank | data_validated
 * for a partial one, data_validated for CHECKSUM_UNNECESSARY (the
 * sender's data_validated), nothing otherwise; a guest without
 * checksum offload for the frame's IP version gets it filled in. */
#define XF_NB_LENIENT_CSUM_FILL (1u << 7)

/* TX slot limits, counted as Linux netback's xenvif_count_requests()
 * counts them: the slots of a packet AFTER its first one (extra-info
 * slots not included). A packet with more than max_slots of them is
 * dropped: every slot answered XF_NETIF_RSP_ERROR, counted as
 * XF_NB_DROP_TOO_MANY_SLOTS, the vif carries on. More than
 * fatal_skb_slots is a malicious frontend: the vif stops (carrier off in
 * Linux), the chain is left unanswered and xf_nb_vif_error() says why.
 * With the defaults a packet of up to 19 slots passes, 20 or 21 are
 * dropped and 22 or more are fatal. So is a packet the frontend did not
 * push whole (more_data or extra_info on the last slot before req_prod):
 * no waiting for the rest, as in Linux; counted as
 * XF_NB_DROP_INCOMPLETE_CHAIN. */
#define XF_NB_MAX_SLOTS_DEFAULT 18       /* XEN_NETBK_LEGACY_SLOTS_MAX */
#define XF_NB_FATAL_SKB_SLOTS_DEFAULT 20 /* module param fatal_skb_slots */
#define XF_NB_SLOTS_LIMIT 250            /* largest value accepted */

/* Frames a vif queues for its guest before it drops (counted as
 * XF_NB_DROP_RX_QUEUE_FULL). Linux bounds that queue in bytes
 * (drivers/net/xen-netback/interface.c: XENVIF_RX_QUEUE_BYTES, checked
 * by rx.c xenvif_rx_queue_tail()); the mock in frames, so many small
 * frames fill it long before many bytes do. */
#define XF_NB_RX_QUEUE_MAX_DEFAULT 1024

struct xf_nb_vif_config {
	struct xf_platform *plat;  /* the backend domain */
	struct xf_rt *rt;
	xf_domid fe_domid;
	unsigned int devid;
	unsigned int vcpu;
	struct xf_nb_switch *sw;   /* NULL: loopback (tx comes back as rx) */
	struct xf_nb_features feat;
	uint32_t bugs;             /* XF_NB_BUG_* */
	uint32_t lenient;          /* XF_NB_LENIENT_* */
	/* Shaping, on frames the guest transmits. */
	uint64_t rate_bytes_per_s; /* 0: unlimited */
	uint64_t rate_frames_per_s;
	uint64_t latency_ns;
	uint32_t loss_ppm;         /* random loss, parts per million */
	unsigned int rx_queue_max; /* frames waiting for guest buffers;
				      0 = XF_NB_RX_QUEUE_MAX_DEFAULT */
	uint64_t cost_ns_per_frame; /* backend CPU per frame, each way */
	/* See XF_NB_MAX_SLOTS_DEFAULT. 0: the default; at most
	 * XF_NB_SLOTS_LIMIT (else xf_nb_vif_new() fails with -EINVAL);
	 * a fatal_skb_slots below max_slots is raised to it, as
	 * netback_init() does. */
	unsigned int max_slots;
	unsigned int fatal_skb_slots;
	const char *pcap_path;     /* per-vif capture, both directions */
	void (*log)(void *opaque, const char *msg);
	void *log_opaque;
	/* The state the backend is found in before its frontend starts
	 * (0: none, InitWait as usual): XF_XENBUS_INITWAIT, CONNECTED (no
	 * rings mapped: left Connected by an earlier frontend) or CLOSED,
	 * written with the features inside xf_nb_vif_new() when the
	 * directory exists. From there it follows the frontend as Linux
	 * set_backend_state() does (a Connected one walks Closing, Closed,
	 * InitWait when the frontend says Initialising). Other values:
	 * -EINVAL. */
	int initial_state;
	/* Waits this long before each xenbus step unless it serves a
	 * connected frontend (a walk written in one step counts as one);
	 * 0: at once. */
	uint64_t handshake_delay_ns;
};

void xf_nb_vif_config_init(struct xf_nb_vif_config *c);

struct xf_nb_vif;
/* Starts the backend for an existing directory pair: publishes the
 * features, goes to InitWait and connects when the frontend writes
 * Connected. */
int xf_nb_vif_new(const struct xf_nb_vif_config *c, struct xf_nb_vif **out);
/* Disconnects (unmaps, unbinds), writes state Closed, frees. Use it to
 * model a backend restart: a new vif on the same directories
 * reconnects. */
void xf_nb_vif_free(struct xf_nb_vif *v);

/* Runtime toggles (take effect for the next frame / next connect). */
void xf_nb_vif_set_bugs(struct xf_nb_vif *v, uint32_t bugs);
void xf_nb_vif_set_loss(struct xf_nb_vif *v, uint32_t loss_ppm);

/* Writes the backend's own state key (the directory stays) and acts as
 * a netback in that state: INITIALISING, INITWAIT and CLOSED unmap the
 * rings first (INITWAIT also publishes the features again); CONNECTED
 * and CLOSING keep what is mapped. Then it follows the frontend from
 * there (set_backend_state(), xen-netback/xenbus.c). Asynchronous: the
 * vif's actor acts on it when it next runs. -EINVAL for a state outside
 * Initialising..Closed. */
int xf_nb_vif_set_state(struct xf_nb_vif *v, int state);

bool xf_nb_vif_connected(const struct xf_nb_vif *v);
/* The hostile-frontend error message, or NULL. */
const char *xf_nb_vif_error(const struct xf_nb_vif *v);

enum xf_nb_drop {
	XF_NB_DROP_LOSS = 0,       /* random loss */
	XF_NB_DROP_SHORT_FIRST,    /* first slot < ETH_HLEN (Linux) */
	XF_NB_DROP_BAD_REQUEST,    /* malformed tx chain */
	XF_NB_DROP_RX_QUEUE_FULL,  /* guest not posting buffers */
	XF_NB_DROP_RX_TOO_BIG,     /* needs SG the guest lacks */
	XF_NB_DROP_MCAST_FILTER,   /* not in the guest's multicast list */
	XF_NB_DROP_NOT_CONNECTED,  /* arrived while disconnected */
	XF_NB_DROP_COPY_FAILED,    /* grant copy failed outright */
	XF_NB_DROP_TOO_MANY_SLOTS, /* more slots than max_slots allows */
	XF_NB_DROP_INCOMPLETE_CHAIN, /* tx chain cut by req_prod (a data or
					extra-info slot missing): fatal */
	XF_NB_DROP_NR
};
const char *xf_nb_drop_name(enum xf_nb_drop d);

/* What the frontend asked for at connect. */
struct xf_nb_peer {
	unsigned int nr_queues;
	bool split_evtchn;
	bool rx_notify, sg, gso_tcpv4, gso_tcpv6, no_csum, ipv6_csum;
	bool multicast_control;
	unsigned int xdp_headroom; /* xdp-headroom, at most
				      XF_NETIF_MAX_XDP_HEADROOM */
};
void xf_nb_vif_peer(const struct xf_nb_vif *v, struct xf_nb_peer *out);

struct xf_nb_vif_stats {
	uint64_t tx_frames, tx_bytes;  /* from the guest */
	uint64_t tx_gso_frames;        /* super-frames received */
	uint64_t rx_frames, rx_bytes;  /* to the guest */
	uint64_t rx_gso_frames;        /* super-frames passed whole */
	uint64_t csum_filled;          /* csum_blank completed here */
	uint64_t csum_left_blank;      /* bug mode */
	uint64_t segmented;            /* super-frames cut here */
	uint64_t segments;
	uint64_t rx_validated;         /* data_validated set */
	uint64_t rx_csum_bad;          /* delivered with a bad checksum */
	uint64_t mcast_ops;
	uint64_t drops[XF_NB_DROP_NR];
	uint64_t connects;
	uint64_t tx_max_slots;         /* longest chain seen (data slots,
					  dropped chains included) */
	uint64_t pcap_frames;
	int pcap_error;                /* as the switch's: 0 or -errno */
	uint64_t notify_failed;        /* event-channel notifies refused */
	uint64_t rx_queue_peak;        /* most frames queued for the guest
					  at once (of rx_queue_max) */
};
void xf_nb_vif_stats(const struct xf_nb_vif *v, struct xf_nb_vif_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_NETBACK_H */
