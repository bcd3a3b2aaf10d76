/* SPDX-License-Identifier: MIT */
#ifndef XF_ENGINE_PRIV_H
#define XF_ENGINE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/durability.h>
#include <xfront/engine.h>
#include <xfront/mock.h>
#include <xfront/runtime.h>
#include <xfront/util.h>
#include <xfront/workload.h>

#define ENG_MAX 64

struct eng;
struct eng_net;
struct eng_xbt;
struct eng_xen;

struct eng_host {
	const struct xf_scn_obj *obj;
	xf_domid domid;
	struct xf_platform *p;
	struct xf_blkbudget *budget;
	unsigned int vcpu;       /* backend vCPU */
	double link_gbps;        /* migration link */
	bool migrating;          /* in one migration (source or dest.) */
};

/* What a VM's completed migrations measured: the last one's phases
 * (times are on the run's clock, from its start) and the count. */
struct eng_mig_stats {
	unsigned int done;
	unsigned int rounds;     /* live pre-copy rounds */
	uint64_t wait_ns;        /* queued behind a busy host or the VM */
	uint64_t total_ns;       /* start of pre-copy to resume */
	uint64_t downtime_ns;    /* paused: last copy + switch-over */
	uint64_t resume_ns;      /* switch-over to every frontend Connected */
	uint64_t start_ns, end_ns;
	uint64_t bytes;          /* memory sent, every round */
	uint64_t final_bytes;    /* sent while paused */
	unsigned int pending;    /* requests not done (set at collect) */
};

struct eng_vm {
	const struct xf_scn_obj *obj;
	xf_domid domid;
	struct xf_platform *p;
	unsigned int vcpu0, nvcpus;
	unsigned int jobs_placed;
	struct eng_host *host;
	bool migrating;
	/* Guest pages the backends wrote (disk reads) since the start: a
	 * running migration re-sends them like pages the guest dirtied. */
	uint64_t io_dirty_bytes;
	struct eng_mig_stats mig;
};

/* RESUMING: the hosts are free again (the VM runs on the destination)
 * but its frontends are still reconnecting. */
enum eng_mig_phase { MIG_QUEUED, MIG_PRECOPY, MIG_STOPCOPY, MIG_RESUMING,
		     MIG_DONE };

/* One migrate request, from a fault or a hook. Runtime-clock times. */
struct eng_mig {
	struct eng_vm *vm;
	struct eng_host *src, *dst;  /* src: where the VM is when it starts */
	int line;                    /* scenario line that asked for it */
	enum eng_mig_phase phase;
	unsigned int rounds;
	uint64_t queued_ns, start_ns, round_ns, pause_ns, switch_ns;
	uint64_t round_bytes;        /* being sent in this round */
	uint64_t sent_bytes;
	uint64_t io_mark;            /* VM's I/O-dirtied bytes at round start */
};

struct eng_disk {
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_vm *vm;
	struct eng_host *host;
	struct xf_blkdisk *disk;
	struct xf_blkbudget *budget;
	struct xf_blkback_config bcfg;
	struct xf_blkback *bb;
	/* Crashed or migrated-away ones, freed at the end: their actors
	 * may still be running until then. */
	struct xf_blkback **old_bb;
	unsigned int nold, cap_old;
	struct xf_vbd_config vbd;
	struct xf_blkfront *bf;
	unsigned int irq_vcpu;   /* per-disk completion vCPU or ~0 */
	unsigned int nqueues;
	bool connected;
	uint64_t connected_ns;
	/* Reconnect being measured (reconnect.c): open since rc_from_ns;
	 * rc_up once the frontend reported Connected again; rc_gave_up
	 * once it failed its I/O instead (timeout, unplug). */
	bool rc_open, rc_up, rc_gave_up;
	uint64_t rc_from_ns, max_reconnect_ns;
	uint64_t flushes, writes, completions;
	uint64_t degraded, timeouts;
	char name[64];
};

struct eng_job {
	struct eng *e;
	const struct xf_scn_obj *obj;
	struct eng_disk *d;
	struct xf_wl_job *wl;
	struct xf_job_result *res;
	struct xf_dur *dur;
	uint64_t bs;             /* block size: read once, not per I/O */
};

enum eng_timer_kind { T_FAULT, T_HOOK, T_UNSTALL, T_RECREATE,
		      T_RESTART, T_MIG };

struct eng_timer {
	uint64_t when;
	enum eng_timer_kind kind;
	const struct xf_scn_obj *fault; /* T_FAULT */
	struct xf_scn_hook *hook;       /* T_HOOK */
	struct eng_disk *d;
	bool done;
	size_t mig;                     /* T_MIG: index in eng.migs */
};

struct eng {
	struct xf_scn *scn;
	const struct xf_engine_opts *o;
	struct xf_result *res;
	struct xf_rt *rt;
	struct xf_mock_hv *hv;
	struct xf_platform *dom0;
	uint64_t seed;
	struct eng_host hosts[ENG_MAX];
	unsigned int nhosts;
	struct eng_vm vms[ENG_MAX];
	unsigned int nvms;
	struct eng_disk disks[ENG_MAX];
	unsigned int ndisks;
	struct eng_job *jobs;
	unsigned int njobs;
	unsigned int nvcpus, ctl_vcpu;
	char vcpu_names[XF_RT_MAX_VCPUS][64];
	bool vcpu_guest[XF_RT_MAX_VCPUS];
	struct xf_actor ctl;
	/* Hooks (one Lua state), counters, timers, migrations. Taken only
	 * by the entry points: the controller's run, the workload observer
	 * and blkfront's event callback; what they call (timers firing,
	 * hooks, actions, migration steps) runs with it held and never
	 * takes it again. No frontend calls back into the engine from
	 * inside a call the engine makes. */
	pthread_mutex_t lock;
	/* res->events only: taken by callers that hold lock and by
	 * callers that do not. */
	pthread_mutex_t ev_lock;
	bool started, finished, failed;
	uint64_t t0, end_ns, deadline_ns, last_progress;
	unsigned int jobs_done;
	struct eng_net *net;
	bool xen;                 /* --platform xen: dom0, kernel backends */
	struct eng_xen *xh;
	struct eng_xbt *xbt;      /* xenbus-trace.c */
	uint64_t build_ns;        /* runtime clock when the world was built */
	struct eng_timer *timers;
	size_t ntimers;
	struct eng_mig *migs;     /* every migrate request, in arrival order */
	size_t nmigs;
	char err[512];
	char check_err[512]; /* first error raised by an expect's check() */
	int err_rc;
	uint64_t inflight_total, writes_total, flushes_total,
		 completions_total;
	uint64_t power_cuts;
	struct xf_dur_report dur_acc;
	bool dur_checked;
	enum xf_dur_verdict verdict;
};

/* One action being taken: its fault (or hook) object and what its
 * target names, resolved by the actions table's target kind. */
struct act {
	struct eng *e;
	const struct xf_scn_obj *f;
	const char *name, *target;
	struct eng_vm *vm;       /* ACT_VM */
	struct eng_disk *d;      /* ACT_DISK, ACT_DISK_OR_VIF (NULL: a vif) */
	uint64_t now, dur;       /* when it is taken; its duration key */
	char *err;
	size_t len;
};

/* dance.c: the actions that drive the xenbus dance, on a disk (c->d) or
 * else the vif named c->target (-ENOENT: none). With e->lock held. */
int eng_act_unplug(struct act *c);
int eng_act_set_backend_state(struct act *c);
int eng_act_close_frontend(struct act *c);
int eng_act_reopen_frontend(struct act *c);
/* The scenario's backend table (be): initial_state (first start only,
 * first) and handshake_delay into a backend's config. */
void eng_dance_blk_config(struct xf_blkback_config *c,
			  const struct xf_scn_obj *be, bool first);
/* A scenario that sets initial_state or handshake_delay on any backend
 * looks at the handshake itself: its timeline (jobs, flows, faults,
 * hooks) starts at once, not when every device has connected. */
bool eng_dance_early(const struct eng *e);

/* actions.c. eng_action, eng_timer_fire, eng_run_hook: with e->lock
 * held. */
int eng_action(struct eng *e, const struct xf_scn_obj *fault, char *err,
	       size_t len);
void eng_timer_fire(struct eng *e, struct eng_timer *t);
int eng_add_timer(struct eng *e, uint64_t when, enum eng_timer_kind k,
		  const struct xf_scn_obj *f, struct xf_scn_hook *h,
		  struct eng_disk *d);
void eng_run_hook(struct eng *e, struct xf_scn_hook *h);
void eng_observe(void *opaque, struct xf_wl_job *wl, int kind, int status);

/* reconnect.c: a disk's reconnect time (e->lock held). begin: it
 * stopped serving (disconnect, resume); connected: the frontend says it
 * is back; completed: an I/O of the disk completed successfully;
 * gave_up: the frontend failed the I/O (timeout, unplug); never: still
 * open at the end and not given up on. */
void eng_reconnect_begin(struct eng_disk *d, uint64_t now);
void eng_reconnect_connected(struct eng *e, struct eng_disk *d,
			     uint64_t now);
void eng_reconnect_completed(struct eng_disk *d, uint64_t now);
void eng_reconnect_gave_up(struct eng_disk *d);
bool eng_reconnect_never(const struct eng_disk *d);

int eng_backend_start(struct eng_disk *d);
/* Parks the disk's backend until teardown (its actors may still run). */
int eng_retire_backend(struct eng_disk *d);
/* Suspends (or resumes) every blkfront and netfront of the VM; stops at
 * the first error. */
int eng_vm_suspend(struct eng *e, struct eng_vm *vm, bool resume);
/* collect.c: counter "<prefix>.<key>" = v (set) or += v (add) in the
 * run's result. */
/* The frontends' event_index_bug knob from its scenario name (the
 * loader has validated it against the schema's list). */
enum xf_ring_evidx_bug eng_evidx_bug(const char *name);

/* interrupt.c: false (do not run) when interrupted already; else the
 * runtime is stopped by xf_engine_interrupt() until unwatched. */
bool eng_interrupt_watch(struct xf_rt *rt);
void eng_interrupt_unwatch(void);

void eng_ctr_set(struct eng *e, const char *prefix, const char *key,
		 uint64_t v);
void eng_ctr_add(struct eng *e, const char *prefix, const char *key,
		 uint64_t v);

/* A counter the engine copies from a stats struct into the result (as
 * Linux's xennet_stats[]): its key, where the field is, its width (any
 * unsigned integer or bool; anything else does not compile), a divisor
 * (1, or 1000 for ns -> us), and what `xfront list counters` says of
 * it: its unit (one of the words in counters.c) and one line of help. */
struct eng_ctr {
	const char *key;
	size_t off;
	unsigned char size;
	unsigned int div;
	const char *unit;
	const char *help;
};
#define ENG_CTR_SIZE(x) _Generic((x), bool: 1, unsigned char: 1,	\
	unsigned short: 2, unsigned int: sizeof(unsigned int),		\
	unsigned long: sizeof(unsigned long),				\
	unsigned long long: sizeof(unsigned long long))
#define ENG_CTR_DIV(key, type, field, div, unit, help)			\
	{ key, offsetof(type, field), ENG_CTR_SIZE(((type *)0)->field), div, \
	  unit, help }
#define ENG_CTR(key, type, field, unit, help)				\
	ENG_CTR_DIV(key, type, field, 1, unit, help)
/* A counter set by hand (eng_ctr_set(), xf_ctrs_set()): documented in
 * a table next to the code that sets it. */
#define ENG_DOC(key, unit, help) { key, 0, 0, 1, unit, help }
#define ENG_N(a) (sizeof(a) / sizeof((a)[0]))
/* "<prefix>.<key>" for each entry of t, in table order, from the struct
 * at src: set, or added to when add. */
void eng_ctrs_copy(struct eng *e, const char *prefix,
		   const struct eng_ctr *t, size_t n, const void *src,
		   bool add);

/* counters.c: the documentation of every key check(r) and ctx:counter
 * read. Each file that sets counters hands its tables to a walk; the
 * walk stops at the entry asked for. */
struct eng_doc_walk;
/* Every entry of t, as "<placeholder>.<key>" of group g. */
void eng_doc_table(struct eng_doc_walk *w, enum xf_counter_group g,
		   const struct eng_ctr *t, size_t n, unsigned int where);
/* One entry: "<placeholder>.<prefix><name>" (name from a name table,
 * e.g. a drop reason). */
void eng_doc_one(struct eng_doc_walk *w, enum xf_counter_group g,
		 const char *prefix, const char *name, const char *unit,
		 const char *help, unsigned int where);
void eng_collect_docs(struct eng_doc_walk *w);
void eng_expect_docs(struct eng_doc_walk *w);
void eng_net_docs(struct eng_doc_walk *w);
void eng_mig_docs(struct eng_doc_walk *w);
void eng_actions_docs(struct eng_doc_walk *w);

/* migrate.c: live migration, pre-copy then stop-and-copy, one at a
 * time per host. Requests wait in arrival order for their hosts. All
 * with e->lock held. */
int eng_mig_request(struct eng *e, struct eng_vm *vm, struct eng_host *to,
		    int line, char *err, size_t len);
void eng_mig_timer(struct eng *e, size_t idx);
/* Queued or running migrations: the run does not end before them. */
bool eng_mig_busy(const struct eng *e);
/* From the controller: notices migrated VMs whose frontends are back. */
void eng_mig_poll(struct eng *e);
void eng_mig_collect(struct eng *e);

/* engine.c: by scenario name, or NULL. */
struct eng_disk *eng_disk_by_name(struct eng *e, const char *name);
struct eng_vm *eng_vm_by_name(struct eng *e, const char *name);
struct eng_host *eng_host_by_name(struct eng *e, const char *name);
/* A host's name in reports and vCPU names ("host0": the implicit one of
 * a scenario without hosts). */
const char *eng_host_name(const struct eng_host *h);

/* engine.c: what every platform's disk starts with: name, per-disk
 * completion vCPU, device config (disk idx). */
void eng_disk_init(struct eng *e, struct eng_disk *d, unsigned int idx,
		   unsigned int *next_vcpu);
/* engine.c: the frontend of a disk whose backend is ready; node is the
 * frontend's xenstore directory. */
int eng_frontend_start(struct eng *e, struct eng_disk *d, const char *node);

/* xenhost.c: the xen platform. Frontends live in this (dom0) domain;
 * a "xen host" serves disks with the kernel's blkback over loop devices
 * on image files the engine creates. */
int eng_xen_open(struct eng *e);
int eng_xen_build_disk(struct eng *e, struct eng_disk *d);
/* Closes every frontend in order (runs the runtime until they are
 * Closed or a timeout), so the kernel backend lets go of the grants. */
void eng_xen_close(struct eng *e);
/* After the frontends are freed: backend/frontend directories, loop
 * devices, image files, the platform. */
void eng_xen_teardown(struct eng *e);

/* xenbus-trace.c: the xenbus state trace of every device. new: after
 * the platform is open (mock: the store hook; xen: a watch connection
 * and its actor). add: before anything writes the device's state keys;
 * fe_dir/be_dir (absolute directories) are what the xen platform
 * watches, the mock matches paths by type, fe_domid and devid.
 * collect: into the result, with the wedged devices. free: before the
 * platform and the runtime go. */
struct eng_xbt_dev {
	const char *name;
	const char *type;        /* "vbd", "vif" */
	xf_domid fe_domid;
	unsigned int devid;
	const char *fe_dir, *be_dir;
	uint64_t timeout_ns;     /* no state change this long: a wedge */
	int line;
};
int eng_xbt_new(struct eng *e);
int eng_xbt_add(struct eng *e, const struct eng_xbt_dev *d);
void eng_xbt_collect(struct eng *e);
void eng_xbt_free(struct eng *e);

/* collect.c */
void eng_collect(struct eng *e);
/* collect.c: an event for the report's timelines ("power_cut d0"). */
void eng_event(struct eng *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* stuck.c: devices with work left at the end, as they were (hang
 * reports); before teardown. */
void eng_stuck_collect(struct eng *e);
void eng_expect(struct eng *e);
void eng_leaks(struct eng *e);

void eng_fail(struct eng *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The blkback leniency bits for a disk served by host (NULL: none). */
void eng_blk_hostile(struct xf_blkback_config *c,
		     const struct xf_scn_obj *be);
uint32_t eng_blk_lenient(const struct xf_scn_obj *host,
			 const struct xf_scn_obj *be);
/* Backend vCPUs a disk needs: its backend's queues that can run. */
unsigned int eng_blk_backend_vcpus(const struct xf_scn_obj *disk,
				   const struct xf_scn_obj *vm);
void eng_blk_features(struct xf_blkback_features *f,
		      const struct xf_scn_obj *be);
/* A scenario's flush_mode name (the disk model's cache modes; the
 * schema allows honour, ignore-flush, ignore-fua, eopnotsupp). */
enum xf_blkdisk_cache_mode eng_flush_mode(const char *name);

#endif
