/* SPDX-License-Identifier: MIT */
/*
 * xfront engine: turns a loaded scenario variant into a running world
 * (runtime, mock hypervisor, hosts with blkback, VMs with blkfront,
 * workloads, faults and hooks), runs it and fills a result with the
 * measurements and the verdict of every expectation. On the xen
 * platform (in a dom0, real mode) the frontends live in dom0 and the
 * disks are the kernel's blkback over loop devices.
 *
 * Sim mode is deterministic: same scenario, seed and parameters give
 * the same result (the runtime's trace hash proves the interleaving).
 */
#ifndef XFRONT_ENGINE_H
#define XFRONT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/result.h>
#include <xfront/scenario.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xf_engine_opts {
	const char *mode;        /* "sim" (default) or "real" */
	const char *platform;    /* "mock" (default) or "xen" */
	bool has_seed;
	uint64_t seed;           /* overrides scenario{seed} */
	const char *pcap_dir;    /* NULL: none */
	const char *params;      /* recorded in the result */
	/* The xenbus trace from xenstore watches, as on the xen platform,
	 * on the mock too (instead of its store hook, which sees every
	 * write): to exercise that path without a dom0. */
	bool xenbus_watch;
	/* Progress, from the controller actor, about every 100 ms of run
	 * time: done/total in ns of run time, IOPS so far. */
	void (*progress)(void *opaque, uint64_t done_ns, uint64_t total_ns,
			 double iops);
	void *progress_opaque;
};

/*
 * Whether the scenario can run with these options, before anything
 * runs: 0, or -EINVAL with "file:line: what is wrong" in err (a
 * mock-only feature on --platform xen: disk models, backend features,
 * faults, hooks, several hosts, network objects, durability and leak
 * expectations), or -ENOTSUP with a message for an unknown platform or
 * sim mode on xen. xf_engine_run() calls it too.
 */
int xf_engine_check(const struct xf_scn *scn, const struct xf_engine_opts *o,
		    char *err, size_t errlen);

/*
 * Runs one variant. 0 with *out filled (pass or fail is in the result;
 * a failure of the run itself, like a frontend that never connected,
 * is in (*out)->error and fails it). -EINVAL with a message in err for
 * scenario problems found only now (a hook calling an unknown action:
 * "file:line: ..."), -ENOTSUP for a platform or mode not available,
 * -ENOMEM.
 */
int xf_engine_run(struct xf_scn *scn, const struct xf_engine_opts *o,
		  struct xf_result **out, char *err, size_t errlen);

/*
 * Stops the run in progress as soon as its runtime can (that run then
 * returns -EINTR, its devices torn down as after a hang) and makes every
 * later xf_engine_run() return -EINTR at once. Thread-safe, not
 * async-signal-safe: call it from a thread that sigwait()s.
 */
void xf_engine_interrupt(void);
bool xf_engine_interrupted(void);

/*
 * The keys a scenario reads: r.<key> in expect { check = function(r) }
 * and ctx:counter(key) in hooks. Generated from the tables that set
 * them, so `xfront list counters` and docs/counters.md cannot miss one
 * the engine produces (the harness-counters test checks it).
 */
enum xf_counter_group {
	XF_CTR_RUN = 0,   /* "iops", "leaks": the run (or expect's scope) */
	XF_CTR_DISK,      /* "<disk>.ios" */
	XF_CTR_VIF,       /* "<vif>.rx.good" */
	XF_CTR_FLOW,      /* "<flow>.tx.bytes" */
	XF_CTR_SWITCH,    /* "switch.<switch>.forwarded" */
	XF_CTR_VM,        /* "<vm>.migrations" */
	XF_CTR_VCPU,      /* "<vcpu>.util", vCPU names like "vm0/vcpu1" */
	XF_CTR_CTX,       /* ctx:counter("d0.writes") */
	XF_CTR_GROUP_NR
};
/* Where a key can be read. */
#define XF_CTR_IN_CHECK 1u  /* r.<key> in check(r) */
#define XF_CTR_IN_CTX   2u  /* ctx:counter(key) in a hook */

struct xf_counter_doc {
	/* The key with its object as a placeholder: "<disk>.ios",
	 * "<vif>.backend.drop.rx-queue-full", "[<disk>.]writes" (ctx:
	 * the disk is optional). */
	char pattern[96];
	enum xf_counter_group group;
	unsigned int where;   /* XF_CTR_IN_* */
	const char *unit;     /* "count", "bytes", "us", ... (static) */
	const char *help;     /* one line (static) */
};

/* Entry i (from 0) in listing order, grouped by group: 0, or -ENOENT
 * past the last one. */
int xf_engine_counter_doc(size_t i, struct xf_counter_doc *out);
/* "run metrics", "per disk", ...; NULL for a group out of range. */
const char *xf_engine_counter_group_name(enum xf_counter_group g);
/* The placeholder of a group's objects, "<disk>" ("" for the run,
 * "switch.<switch>" for a switch). */
const char *xf_engine_counter_placeholder(enum xf_counter_group g);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_ENGINE_H */
