/* SPDX-License-Identifier: MIT */
/*
 * xfront results: what one run of one scenario variant measured, and
 * how its expectations came out. Filled by the engine, read by the
 * reports; plain data so a replay can compare two of them.
 */
#ifndef XFRONT_RESULT_H
#define XFRONT_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/metrics.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One direction of a job, as fio's read/write/trim sections. */
struct xf_dir_result {
	uint64_t ios;
	uint64_t bytes;
	uint64_t errors;
	struct xf_hist clat;     /* completion latency, ns */
};

struct xf_job_result {
	char name[64];           /* "job" or "job.2" for clone 2 */
	char disk[64];
	char vm[64];
	struct xf_dir_result rd, wr, fl; /* fl: flushes */
	struct xf_series series;   /* completions per second */
	uint64_t runtime_ns;       /* start to last completion */
	uint64_t verify_errors;
	uint64_t hangs;            /* never completed by the timeout */
	uint64_t double_completions;
	uint64_t aborted;          /* failed across a power loss */
	uint64_t max_pause_ns;     /* longest gap between completions */
	uint64_t last_done_ns;     /* (bookkeeping for max_pause_ns) */
};

struct xf_vcpu_result {
	char name[64];           /* "vm0/vcpu1", "vm0/disk0-irq", ... */
	bool guest;              /* a guest vCPU (not backend/harness) */
	uint64_t busy_ns, wall_ns;
	uint64_t completions;
};

struct xf_expect_result {
	char *what;              /* "iops >= 19600", "lost_writes <= 0" */
	char *measured;          /* whole, however long check() made it */
	int line;
	bool pass;
	/* An expect{mode = ...} block not checked in this run's mode:
	 * neither pass nor fail (pass is false); what names the block,
	 * measured says "not checked in <mode> mode". */
	bool skipped;
};

struct xf_loss_result {
	uint64_t sector, nr_sectors;
	uint64_t write_id, flush_id, found_id;
	char disk[64];
	char kind[16];
};

/* A device that stopped for a stated reason: the frontend's unplug
 * reason or its error-state message. */
struct xf_device_note {
	char device[64];
	char state[16];          /* frontend state at the end */
	char reason[256];
};

/* Something the scenario did to the run (a fault or hook action, a
 * migration phase), for markers on the report's timelines. */
struct xf_run_event {
	uint64_t t_ns;           /* since the run started */
	char what[80];           /* "power_cut d0", "vm0 stop-and-copy" */
};

/* A device that did not finish its work, as it was at the end of the
 * run: what a driver developer needs to tell who waits for whom. */
#define XF_STUCK_MAX_QUEUES 16
#define XF_STUCK_MAX_REQS 16

struct xf_stuck_ring {
	char name[8];               /* "" (blkif), "tx", "rx" */
	/* The frontend's view: shared indices and its private ones. */
	uint32_t req_prod, req_event, rsp_prod, rsp_event;
	uint32_t req_prod_pvt, rsp_cons;
	/* The mock backend's, when it has this ring. */
	bool has_backend;
	uint32_t req_cons, rsp_prod_pvt;
	unsigned int backend_inflight;
	bool backend_halted;        /* stopped on a protocol violation */
};

struct xf_stuck_queue {
	unsigned int queue;
	bool has_ring;              /* false: no rings (disconnected) */
	unsigned int nrings;
	struct xf_stuck_ring rings[2];
	unsigned int inflight;      /* requests / tx slots on the ring */
	unsigned int queued;        /* waiting in the frontend */
	unsigned int rx_posted;     /* vif: rx buffers on the ring */
	unsigned int grants;        /* pages the frontend has granted */
	unsigned int nreqs;         /* oldest in-flight requests */
	struct {
		uint32_t id;
		char op[16];        /* "read", "write", "flush", "tx" ... */
		uint64_t age_ns;
	} reqs[XF_STUCK_MAX_REQS];
	uint32_t port;
	bool has_evtchn;            /* pending/masked known (mock) */
	bool pending, masked;
};

struct xf_stuck_device {
	char device[64];
	char kind[8];               /* "disk", "vif" */
	char why[192];              /* "4 hung I/Os", "wedged: ..." */
	char frontend_view[24];     /* the frontend library's own state */
	char frontend_state[24];    /* xenbus states in the store at the end */
	char backend_state[24];
	unsigned int nqueues;
	struct xf_stuck_queue queues[XF_STUCK_MAX_QUEUES];
};

/* One write of a device's frontend or backend xenbus state key. */
struct xf_xenbus_event {
	uint64_t t_ns;           /* run's clock, from when the world was
				    built (sim: the simulated clock) */
	bool backend;            /* false: the frontend's key */
	int state;               /* enum xf_xenbus_state (0..8) */
};

/* Every state write of one disk or vif, both sides, in order. */
struct xf_xenbus_trace {
	char device[64];
	struct xf_xenbus_event *ev;
	size_t nev;
};

/* A device whose handshake made no progress for its connect timeout
 * by the end of the run. The states are the last written (-1: that
 * side never wrote one); text is the one-line report. */
struct xf_wedge {
	char device[64];
	int frontend, backend;
	uint64_t idle_ns;        /* since the last state write */
	int line;                /* the device's line in the scenario */
	char text[160];
};

struct xf_result {
	char *path;
	char *scenario;
	char *description;
	char *variant;            /* NULL: none */
	char *variant_description;
	char mode[8];             /* "sim" / "real" */
	char platform[8];         /* "mock" / "xen" */
	uint64_t seed;
	char *params;             /* "k=v,k=v" as given with --set */
	uint64_t duration_ns;     /* configured */
	uint64_t elapsed_ns;      /* run time in the run's clock */
	double wall_s;            /* host time the run took */
	uint64_t trace_hash, trace_len;
	struct xf_job_result *jobs;
	size_t njobs;
	struct xf_vcpu_result *vcpus;
	size_t nvcpus;
	struct xf_ctrs counters;  /* errors by kind, notifications, ... */
	/* durability */
	bool durability_checked;
	char durability[16];      /* "ok" / "loss" / "degraded" / "" */
	char durability_why[128];
	uint64_t power_cuts;
	uint64_t lost_writes;
	struct xf_loss_result *losses;
	size_t nlosses;
	struct xf_device_note *notes;
	size_t nnotes;
	struct xf_stuck_device *stuck;
	size_t nstuck;
	struct xf_run_event *events;
	size_t nevents;
	struct xf_xenbus_trace *xenbus; /* one per disk and vif */
	size_t nxenbus;
	struct xf_wedge *wedges;
	size_t nwedges;
	/* verdict */
	struct xf_expect_result *expects;
	size_t nexpects;
	char *error;              /* the run itself failed (message) */
	bool pass;
	int64_t started_unix;     /* timestamp; ignored by replay */
};

/* Aggregates over the jobs (all, or those matching a vm/job name). */
struct xf_totals {
	uint64_t ios, bytes, errors, verify_errors, hangs;
	double iops, bw_bytes;    /* per second of elapsed run time */
	struct xf_hist clat;      /* read + write */
};

int xf_result_new(struct xf_result **out);
void xf_result_free(struct xf_result *r);
/* -ENOMEM. Appends a zeroed entry and returns it in *out. */
int xf_result_add_job(struct xf_result *r, struct xf_job_result **out);
int xf_result_add_vcpu(struct xf_result *r, struct xf_vcpu_result **out);
int xf_result_add_expect(struct xf_result *r, const char *what,
			 const char *measured, int line, bool pass);
/* An expectation this run does not check (skipped = true). */
int xf_result_add_skipped(struct xf_result *r, const char *what,
			  const char *why, int line);
/* Expectations this run checked (not skipped). */
size_t xf_result_checked(const struct xf_result *r);
int xf_result_add_loss(struct xf_result *r, const struct xf_loss_result *l);
int xf_result_add_note(struct xf_result *r, const char *device,
		       const char *state, const char *reason);
int xf_result_add_event(struct xf_result *r, uint64_t t_ns,
			const char *what);
/* A zeroed stuck-device record appended to r, to fill in. */
int xf_result_add_stuck(struct xf_result *r, struct xf_stuck_device **out);
/* -ENOMEM. A device's (empty) trace, or the one it has already. */
int xf_result_xenbus_dev(struct xf_result *r, const char *device,
			 struct xf_xenbus_trace **out);
int xf_result_xenbus_add(struct xf_xenbus_trace *t,
			 const struct xf_xenbus_event *ev);
const struct xf_xenbus_trace *xf_result_xenbus_find(const struct xf_result *r,
						    const char *device);
int xf_result_add_wedge(struct xf_result *r, const struct xf_wedge *w);
/* vm / job NULL: every job. job may name a job or one clone. */
void xf_result_totals(const struct xf_result *r, const char *vm,
		      const char *job, struct xf_totals *out);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_RESULT_H */
