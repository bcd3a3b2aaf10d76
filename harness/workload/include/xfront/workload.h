/* SPDX-License-Identifier: MIT */
/*
 * xfront block workloads: an fio-like job as an actor.
 *
 * A job keeps iodepth I/Os in flight against a target (blkfront, or
 * anything with the same submit contract), picks offsets and directions
 * in fio's vocabulary, and records latency, throughput and errors into
 * a struct xf_job_result. The vCPU cost model: each I/O charges
 * prep_cost_ns (xf_rt_charge) on the job's vCPU when it is prepared and
 * completion_cost_ns on whichever vCPU runs its completion (the target's
 * completion context), so a completion path pinned to one vCPU caps the
 * job at 1 / completion_cost_ns.
 *
 * verify: every write fills each sector with a self-describing pattern
 * (magic, LBA, write id, generation, job, checksum) and every read is
 * checked against the last acknowledged write of that block; I/Os never
 * overlap a block with a write in flight. With a durability tracker the
 * job reports each write and flush to it (see xfront/durability.h).
 *
 * Threading: the job's state is touched by its own actor and by
 * completions; in real mode those may be different threads, so a job
 * has a lock. Stats are read after the run.
 */
#ifndef XFRONT_WORKLOAD_H
#define XFRONT_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/blkfront.h>
#include <xfront/durability.h>
#include <xfront/result.h>
#include <xfront/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

enum xf_wl_rw {
	XF_WL_READ = 0, XF_WL_WRITE, XF_WL_RANDREAD, XF_WL_RANDWRITE,
	XF_WL_RW, XF_WL_RANDRW, XF_WL_TRIM,
};

/* fio names ("randrw", "readwrite" = "rw", ...); -EINVAL otherwise. */
int xf_wl_rw_parse(const char *s, enum xf_wl_rw *out);

/* Where I/O goes. submit has xf_blkfront_submit's contract: 0 and one
 * later io->done, or an error and no callback. */
struct xf_wl_target {
	int (*submit)(void *ctx, struct xf_blkfront_io *io);
	void *ctx;
	uint64_t size_bytes;
	unsigned int sector_size;
	unsigned int nr_queues;  /* queue hint spreads over these */
};

struct xf_wl_config {
	const char *name;
	enum xf_wl_rw rw;
	uint32_t bs;
	unsigned int iodepth;
	unsigned int rwmixread;   /* percent */
	uint64_t offset, size;    /* region; size 0: to the end */
	uint64_t io_size;         /* bytes; 0: until runtime */
	uint64_t runtime_ns;
	uint64_t startdelay_ns;
	bool verify;
	uint64_t rate_iops;       /* 0: unlimited */
	uint64_t fsync;           /* flush after every N writes; 0: never */
	bool fua;
	unsigned int vcpu;        /* submission actor's vCPU */
	unsigned int queue;       /* first queue hint */
	bool queue_spread;        /* round-robin I/Os over the queues (a
				   * driver that picks the completion
				   * vCPU itself) */
	uint64_t prep_cost_ns;
	uint64_t completion_cost_ns;
	uint32_t job_index;       /* in write ids and sector stamps */
	struct xf_dur *dur;       /* optional durability tracker */
};

void xf_wl_config_init(struct xf_wl_config *c);

struct xf_wl_job;

/* Registers the actor; the job starts when kicked (xf_wl_start). res
 * must outlive the job. */
int xf_wl_new(struct xf_rt *rt, const struct xf_wl_target *t,
	      const struct xf_wl_config *c, struct xf_job_result *res,
	      struct xf_wl_job **out);
/* In flight I/Os must have completed (or the target be gone). */
void xf_wl_free(struct xf_wl_job *j);
void xf_wl_start(struct xf_wl_job *j);
/* Stop issuing (I/Os in flight still complete). */
void xf_wl_stop(struct xf_wl_job *j);
/* Pause/resume issuing (e.g. across a power cut's check). */
void xf_wl_pause(struct xf_wl_job *j, bool paused);
bool xf_wl_done(const struct xf_wl_job *j);
unsigned int xf_wl_inflight(const struct xf_wl_job *j);
uint64_t xf_wl_inflight_writes(const struct xf_wl_job *j);
/* Completed flushes / acknowledged writes / completions so far. */
uint64_t xf_wl_flushes(const struct xf_wl_job *j);
uint64_t xf_wl_writes(const struct xf_wl_job *j);
uint64_t xf_wl_completions(const struct xf_wl_job *j);
/* Records I/Os still in flight as hangs (end of run). */
void xf_wl_finish(struct xf_wl_job *j);

/* Observer called after each completion (hooks), from the completion
 * context. kind: 0 read, 1 write, 2 flush, 3 trim; XF_WL_EV_DONE once
 * the job has finished (nothing more to issue, nothing in flight). */
#define XF_WL_EV_DONE 4
/* ... and XF_WL_EV_SUBMIT for each I/O about to be handed to the target,
 * from the job's own actor. It comes before the target sees the I/O, so
 * it always precedes that I/O's completion (in real mode the completion
 * may run on another thread before submit() returns). When the target
 * refuses the I/O, XF_WL_EV_SUBMIT_REFUSED (status: the error) retracts
 * it; no completion follows. */
#define XF_WL_EV_SUBMIT 5
#define XF_WL_EV_SUBMIT_REFUSED 6
typedef void (*xf_wl_observer_fn)(void *opaque, struct xf_wl_job *j,
				  int kind, int status);
void xf_wl_set_observer(struct xf_wl_job *j, xf_wl_observer_fn fn,
			void *opaque);

/* Self-describing sectors. */
#define XF_WL_MAGIC 0x78667276657269ULL /* "xfrveri" */
struct xf_wl_stamp {
	uint64_t lba;          /* 512-byte sector number */
	uint64_t write_id;
	uint32_t generation;
	uint32_t job;
};
/* Fills one sector of sector_size bytes. */
void xf_wl_stamp_fill(void *sector, unsigned int sector_size,
		      const struct xf_wl_stamp *s);
/* 0 valid (stamp filled), -ENODATA all zeroes, -EBADMSG bad checksum
 * or magic. */
int xf_wl_stamp_decode(const void *sector, unsigned int sector_size,
		       struct xf_wl_stamp *s);

/* Before a power loss: writes in flight now complete with unknown
 * content (verify skips them) whatever their status. */
void xf_wl_cut_begin(struct xf_wl_job *j);
/* After a power loss: the tracked region's per-sector content as seen
 * (from the durability check) becomes what the job expects to read. */
void xf_wl_resync(struct xf_wl_job *j, const struct xf_dur_seen *seen,
		  uint64_t first_sector, uint64_t nr_sectors);
/* The region the job covers, in 512-byte sectors. */
void xf_wl_region(const struct xf_wl_job *j, uint64_t *first_sector,
		  uint64_t *nr_sectors);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_WORKLOAD_H */
