/* SPDX-License-Identifier: MIT */
/* Mock netback internals. */
#ifndef XF_NETBACK_PRIV_H
#define XF_NETBACK_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include <xfront/xenbus.h>
#include <xfront/ring.h>
#include <xfront/platform.h>
#include <xfront/netback.h>
#include <xfront/pkt.h>
#include <xfront/util.h>

#define NB_PATH_MAX 256
#define NB_MAX_QUEUES 16
#define NB_MAX_MCAST 64
#define NB_MAX_SWITCH_PORTS 256
#define NB_MAC_TABLE 1024
/* Linux 6.1 netif.h: XEN_NETIF_EXTRA_TYPE_XDP = 5 is valid, and
 * XEN_NETIF_EXTRA_TYPE_MAX = 6 (Xen 4.17's header, and so
 * XF_NETIF_EXTRA_TYPE_MAX, stop at 5). */
#define NB_EXTRA_TYPE_LIMIT 6

/* A frame's checksum state, as an skb's ip_summed. */
enum nb_csum {
	NB_CSUM_NONE = 0,     /* as it is: nobody vouched for it */
	NB_CSUM_UNNECESSARY,  /* the sender said it is right */
	NB_CSUM_PARTIAL,      /* L4 checksum not filled in yet */
};

/* A frame inside the backend: contiguous, owned. */
struct nb_frame {
	struct nb_frame *next;
	uint8_t *data;
	uint32_t len;
	uint16_t gso_size;
	uint8_t gso_type;
	uint8_t csum;           /* enum nb_csum */
	uint64_t due_ns;        /* latency queue */
};

/* Frames linked through next. */
typedef XF_FIFO(struct nb_frame) nb_framelist;

struct nb_pcap;

struct nb_queue {
	struct xf_back_ring tx, rx;
	void *tx_map, *rx_map;
	xf_port port_tx, port_rx; /* local ports; equal unless split */
	uint64_t tx_next_ns;      /* rate limiter */
};

struct xf_nb_switch {
	struct xf_rt *rt;
	pthread_mutex_t lock;
	struct xf_nb_vif *ports[NB_MAX_SWITCH_PORTS];
	unsigned int nr_ports;
	struct {
		uint8_t mac[6];
		struct xf_nb_vif *vif;
		bool used;
	} table[NB_MAC_TABLE];
	struct nb_pcap *pcap;
	uint32_t pcap_points;
	struct xf_nb_switch_stats st;
};

struct xf_nb_vif {
	struct xf_nb_vif_config cfg;
	struct xf_platform *p;
	struct xf_rt *rt;
	struct xf_actor actor;
	struct xf_xs *xs;
	struct xf_evtch *evh;
	char fe_dir[NB_PATH_MAX];
	char be_dir[NB_PATH_MAX];
	char fe_state_path[NB_PATH_MAX + 8];
	char fe_mc_path[NB_PATH_MAX + 32];

	int be_state;             /* what we wrote */
	/* dance.c: initial state taken; handshake delay running until;
	 * xf_nb_vif_set_state() request (0: none). */
	bool initial_done;
	bool delay_armed;
	uint64_t delay_due_ns;
	_Atomic int set_state;
	int set_fe_state;         /* frontend's state at the last set_state,
				     -1: none (see dance.c apply()) */
	bool probed;
	bool stale;               /* fe keys from an earlier session */
	int fatal_fe_state;       /* frontend state a connect failed in
				     (xenbus_dev_fatal), -1: none */
	bool reconfigured;        /* wrote Reconfigured for a Reconfiguring
				     frontend: Linux's dev->state is 8,
				     its be->state unchanged */
	bool connected;
	_Atomic bool is_connected;
	char err[256];
	_Atomic bool broken;
	_Atomic uint32_t bugs;
	_Atomic uint32_t loss_ppm;

	struct xf_nb_peer peer;
	unsigned int nr_queues;
	struct nb_queue q[NB_MAX_QUEUES];
	uint8_t mcast[NB_MAX_MCAST][6];
	unsigned int nr_mcast;
	bool mcast_filter;        /* sampled request-multicast-control */

	/* Latency queue (tx side, only the vif's own actor). */
	nb_framelist lat;

	/* Frames waiting for guest rx buffers; others push under rx_lock. */
	pthread_mutex_t rx_lock;
	nb_framelist rx;
	unsigned int rx_len;
	unsigned int rx_peak;    /* most rx_len seen */

	struct nb_pcap *pcap;     /* per-vif capture */
	pthread_mutex_t st_lock;
	struct xf_nb_vif_stats st;
};

/* vif.c */
void nb_log(struct xf_nb_vif *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nb_set_error(struct xf_nb_vif *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nb_stat_add(struct xf_nb_vif *v, uint64_t *field, uint64_t v_);
void nb_drop(struct xf_nb_vif *v, enum xf_nb_drop d);
struct nb_frame *nb_frame_new(const uint8_t *data, uint32_t len);
void nb_frame_free(struct nb_frame *f);
/* Frees every frame of *q, leaving it empty. */
void nb_frames_free(nb_framelist *q);

/* toolstack.c: runs step in a transaction on a fresh connection of ts,
 * retried while it conflicts (-EAGAIN); an error of step aborts it. */
typedef int (*nb_ts_step)(struct xf_platform *ts, struct xf_xs *xs,
			  xf_txn t, const void *arg);
int nb_ts_txn(struct xf_platform *ts, nb_ts_step step, const void *arg);

/* xenbus.c */
void nb_xb_step(struct xf_nb_vif *v);
/* Publishes the features and the first state (probe()). */
int nb_xb_probe(struct xf_nb_vif *v);
int nb_xb_write_state(struct xf_nb_vif *v, int st);

/* dance.c: the state probe() writes first (the initial state once,
 * then InitWait); nb_dance_check: -EINVAL for a bad initial_state;
 * nb_dance_start: from xf_nb_vif_new(), the initial state at once;
 * nb_dance_step: the vif's xenbus step, after a set_state request and
 * the handshake delay (false: held, its timer set). */
int nb_dance_first_state(struct xf_nb_vif *v);
int nb_dance_check(const struct xf_nb_vif_config *c);
void nb_dance_start(struct xf_nb_vif *v);
bool nb_dance_step(struct xf_nb_vif *v);
void nb_disconnect(struct xf_nb_vif *v);

/* tx.c */
/* Consumes tx requests; returns the time the rate limiter allows the
 * next frame (0 if none pending), or UINT64_MAX when idle. */
uint64_t nb_tx_process(struct xf_nb_vif *v, struct nb_queue *q);
/* Releases latency-queue frames whose time has come; returns the next
 * due time or UINT64_MAX. */
uint64_t nb_tx_release(struct xf_nb_vif *v);

/* rx.c */
void nb_rx_enqueue(struct xf_nb_vif *v, struct nb_frame *f);
void nb_rx_process(struct xf_nb_vif *v);
void nb_rx_flush(struct xf_nb_vif *v);

/* switch.c */
/* Hands a frame from vif src to its switch (or back to src when it is
 * looped back). Takes ownership. */
void nb_switch_input(struct xf_nb_vif *src, struct nb_frame *f);
int nb_switch_attach(struct xf_nb_switch *sw, struct xf_nb_vif *v);
void nb_switch_detach(struct xf_nb_switch *sw, struct xf_nb_vif *v);

/* offload.c */
/* Ingress, as xenvif_tx_submit(): the frame's checksum state from the
 * tx flags (csum_blank: partial; data_validated: unnecessary; a GSO
 * frame is partial either way). Nothing is filled in, except with
 * XF_NB_LENIENT_CSUM_FILL; XF_NB_BUG_CSUM_UNFILLED loses the partial
 * state of a csum_blank frame. */
void nb_offload_ingress(struct xf_nb_vif *v, struct nb_frame *f,
			uint16_t txflags);
/* Egress segmentation: appends f's segments to *out and frees f, or
 * appends f itself, offload cleared, when it cannot be segmented. f is
 * on no list. */
void nb_offload_segment(struct xf_nb_vif *v, struct nb_frame *f,
			nb_framelist *out);
/* Egress: the first rx slot's checksum flags, as xenvif_rx_data_slot():
 * partial -> csum_blank | data_validated when the guest takes partial
 * checksums (else filled here, no flag), unnecessary -> data_validated.
 * Counts rx_validated and rx_csum_bad. */
uint16_t nb_offload_rx_flags(struct xf_nb_vif *v, struct nb_frame *f);

/* pcap.c */
int nb_pcap_open(const char *path, struct nb_pcap **out);
void nb_pcap_close(struct nb_pcap *pc);
/* Writes out what is buffered; 0, or -errno of the first write that
 * failed (a full disk) since the capture was opened. NULL: 0. */
int nb_pcap_sync(struct nb_pcap *pc);
void nb_pcap_write(struct nb_pcap *pc, uint64_t ts_ns, const uint8_t *data,
		   uint32_t len);
/* Writes to the vif's and the switch's captures as configured. */
void nb_capture(struct xf_nb_vif *v, uint32_t point, const uint8_t *data,
		uint32_t len);

#endif
