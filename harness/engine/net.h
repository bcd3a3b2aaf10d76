/* SPDX-License-Identifier: MIT */
/*
 * Network side of a run: each vif is a mock netback (on its host's
 * domain, plugged into a switch per bridge) and a netfront in its VM;
 * each flow is an actor that feeds a traffic generator into the sending
 * netfront; each receiving vif checks every frame with a traffic
 * receiver (checksums, segmentation, payload).
 *
 *   net-build.c    switches and vifs (netback + netfront): build, teardown
 *   net-flow.c     flows: generators, pacing, the TCP window, probes
 *   net-drain.c    the netfront callbacks: exactly-once completions,
 *                  arrivals, when a flow is drained
 *   net-move.c     suspend, resume and migration of a VM's vifs, lost
 *                  notifications
 *   net-results.c  counters and measurements of vifs, switches, flows
 */
#ifndef XF_ENGINE_NET_H
#define XF_ENGINE_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xfront/netback.h>
#include <xfront/netfront.h>
#include <xfront/traffic.h>
#include "engine-priv.h"

/* vifs, their netbacks and netfronts, flows and receivers. */
int eng_net_build(struct eng *e, unsigned int *next_vcpu);
bool eng_net_connected(struct eng *e);
void eng_net_start(struct eng *e, uint64_t now);
/* Flows still sending or waiting for tx completions. */
unsigned int eng_net_active(struct eng *e);
void eng_net_finish(struct eng *e, uint64_t now);
void eng_net_collect(struct eng *e);
void eng_net_teardown(struct eng *e);
unsigned int eng_net_vcpus(struct eng *e);
/* Measured for expectations: bad checksums, bad segments, Gbit/s. */
void eng_net_measure(struct eng *e, const char *flow, double *bad_csum,
		     double *bad_seg, double *gbps);
/* Measured for expectations, over the flow (every flow without one):
 * bytes sent and never delivered (good or bad), and flows that stalled:
 * frames never completed, or bytes still on the way at the end. */
struct eng_flow_health {
	double undelivered;   /* bytes */
	double sent;          /* bytes */
	double stalled;       /* flows */
	double never_completed; /* frames, over the stalled flows */
	double in_flight;     /* bytes, over the stalled flows */
};
void eng_net_flow_health(struct eng *e, const char *flow,
			 struct eng_flow_health *h);

/* The VM's vifs: suspend (netfront keeps its frames), or resume. */
int eng_net_vm_suspend(struct eng *e, struct eng_vm *vm, bool resume);
/* Migration switch-over: each suspended vif gets a netback on host h
 * (h's net table, else its own backend table) and resumes. Runs on
 * each vif's backend vCPU, right after this call. */
int eng_net_vm_move(struct eng *e, struct eng_vm *vm, struct eng_host *h);
/* Every vif of the VM moved (if asked to) and Connected (or broken:
 * nothing more will happen to it). */
bool eng_net_vm_up(struct eng *e, const struct eng_vm *vm);
/* Bytes received into the VM's buffers so far. */
uint64_t eng_net_vm_rx_bytes(struct eng *e, const struct eng_vm *vm);
/* drop_notify on a vif: the next count notifications its frontend
 * receives (tx completions, rx frames) are lost on the way (any
 * platform). -ENOENT: no such vif. */
int eng_net_drop_notify(struct eng *e, const char *vif, unsigned int count);

/* ------------------------------------------------------------------ */
/* Shared by the net files only. */

/* Cookies: flow index + 1 above this bit, frame number below it. */
#define FLOW_COOKIE_SHIFT 40
/* A drain probe's cookie: below the flow index, above any frame. */
#define FLOW_PROBE_BIT (UINT64_C(1) << (FLOW_COOKIE_SHIFT - 1))

struct eng_vif {
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vm *vm;
	struct xf_nb_vif *nb;
	unsigned int nb_vcpu;
	/* Migration: the netback swap runs on the backend's own vCPU (in
	 * real mode only that thread may remove its actor). */
	struct xf_actor mover;
	struct eng_host *move_to;
	_Atomic bool moving;         /* until the mover resumed netfront */
	unsigned int moves;
	_Atomic bool suspended;      /* by the engine, until resumed */
	struct xf_nb_vif_stats old;  /* netbacks it left behind, summed */
	/* Bytes netback wrote into guest buffers (a migration re-sends
	 * those pages); counted on the rx threads. */
	_Atomic uint64_t rx_bytes;
	struct xf_netfront *nf;
	/* Fed on the netfront's queue threads, read by the controller and
	 * the flows' drain checks: rx_lock. */
	struct xf_traffic_rx *rx;
	pthread_mutex_t rx_lock;
	struct xf_nb_vif_dirs dirs;
	uint8_t mac[6];
	unsigned int sw;         /* index of its switch (bridge) */
	_Atomic bool connected;
	/* Frames of its flows in netfront, tx_done not yet seen; dips
	 * below zero while a completion overtakes the sender's count. */
	_Atomic int64_t inflight;
	char path[64];
};

struct eng_flow {
	struct xf_actor actor;
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vif *from, *to;
	struct xf_traffic_gen *gen;
	struct xf_traffic_flow fl;
	/* Set before `started` (release), read by the flow's actor. */
	uint64_t end_ns, rate;
	uint64_t next_ns;        /* the flow's actor only */
	uint64_t start_ns;       /* when it started: UDP pacing */
	bool begun;              /* its receiver was up: it sends (actor) */
	bool waited;             /* for that (actor) */
	_Atomic bool started;    /* eng_net_start() has set it up */
	_Atomic bool stopped;    /* sends no more data */
	_Atomic bool finished;   /* stopped and every frame completed */
	_Atomic bool drained;    /* and every accepted byte arrived or lost */
	/* from == to, or on different bridges: nothing can arrive. */
	bool unreachable;
	/* Exactly-once accounting of tx_done, by frame number, and what the
	 * backend accepted (under the net lock: queues of one vif may
	 * complete on several threads). */
	uint8_t *done_map;
	uint64_t map_bits;
	uint64_t sent_frames;
	uint64_t completed, done_ok, done_eio, done_emsgsize, done_other;
	uint64_t dup, unknown;
	uint64_t ok_bytes, ok_end, err_bytes;
	uint64_t finished_ns, drained_ns;
	uint64_t window;         /* bytes; 0: none (UDP) */
	/* Frames on the way at most (TCP): the receiver's netback queues
	 * frames, not bytes. seg_bytes: the payload of one such frame
	 * (the MSS, or a GSO super-frame the receiver takes whole);
	 * frame_segs: the frames one send may become. */
	uint64_t window_frames, seg_bytes, frame_segs;
	uint64_t peak_frames;    /* most frames on the way before a send */
	_Atomic bool wnd_blocked; /* waits for its receiver */
	/* Probes (the flow's actor only). */
	uint64_t probe_ns, pto_ns, probes, resolved_seen, got_seen;
	uint64_t window_waits;   /* times the window filled */
	bool window_was_full;
};

struct eng_net {
	struct eng_vif vifs[ENG_MAX];
	unsigned int nvifs;
	struct eng_flow flows[ENG_MAX];
	unsigned int nflows;
	struct xf_nb_switch *sw[ENG_MAX];
	char swname[ENG_MAX][64];
	unsigned int nsw;
	pthread_mutex_t lock;
};

static inline struct eng_net *net(struct eng *e)
{
	return e->net;
}

/* dance.c: initial_state (first start only, first) and handshake_delay
 * of the backend table be into a netback's config. */
void eng_dance_nb_config(struct xf_nb_vif_config *c,
			 const struct xf_scn_obj *be, bool first);

/* net-build.c */
/* The netback of vif v on host h: features from be (the vif's own
 * backend table, or the host's net table after a migration). */
int eng_nb_start(struct eng *e, struct eng_vif *v, struct eng_host *h,
		 const struct xf_scn_obj *be);
struct eng_vif *eng_vif_by_name(struct eng_net *n, const char *name);

/* net-lenient.c: the XF_NB_LENIENT_* bits of vif's netback on host
 * (its scenario object, NULL for the implicit host): the vif's
 * backend.lenient keys, else the host's net.lenient ones. */
uint32_t eng_nb_lenient(const struct xf_scn_obj *vif,
			const struct xf_scn_obj *host);

/* net-flow.c: flow f (index idx) of the scenario, its actor added. */
int eng_flow_build(struct eng *e, struct eng_flow *f, unsigned int idx);

/* net-drain.c */
extern const struct xf_netfront_ops eng_nf_ops;
/* Nothing more can reach this vif's receiver. */
bool eng_vif_receiver_down(struct eng_vif *v);
/* Whether a finished flow has drained; marks it and wakes the
 * controller the first time. Any thread. */
bool eng_flow_check_drained(struct eng_flow *f);

/* net-move.c */
extern const struct xf_actor_ops eng_vif_mover_ops;
void eng_nb_stats_add(struct xf_nb_vif_stats *a,
		      const struct xf_nb_vif_stats *b);

#endif
