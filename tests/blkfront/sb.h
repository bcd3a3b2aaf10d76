/* SPDX-License-Identifier: MIT */
/*
 * A scripted blkif backend for blkfront tests: the test decides every
 * xenstore write and every response, so it can walk any legal (or
 * illegal) path and send hostile responses. It runs in the test's own
 * thread between xf_rt_run() slices; it is not an actor.
 */
#ifndef TESTS_BLKFRONT_SB_H
#define TESTS_BLKFRONT_SB_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/xenbus.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

#include "done-rec.h"

#define SB_FE_DOMID 1
#define SB_BE_DOMID 0
#define SB_DEVID 51712
#define SB_DISK_BYTES (4u << 20)
#define SB_MAX_Q 16

struct sb_queue {
	void *ring;
	unsigned int npages;
	struct xf_back_ring br;
	xf_port lport;
	bool bound;
};

struct sb {
	enum xf_rt_mode mode;
	struct xf_mock_hv *hv;
	struct xf_platform *dom0; /* toolstack and backend */
	struct xf_platform *fe;
	struct xf_rt *rt;
	struct xf_xs *xs;
	struct xf_evtch *evh;
	char fe_path[128], be_path[128];
	enum xf_blkif_abi abi;
	unsigned int nq, order;
	struct sb_queue q[SB_MAX_Q];
	uint8_t *disk;
	/* Frontend-side observation. */
	struct xf_blkfront *bf;
	unsigned int events[8];
};

/* Hypervisor, domains 0 and 1, runtime (nr_vcpus), both directories at
 * state 1 (trusted: -1 = no key). */
void sb_init(struct sb *sb, enum xf_rt_mode mode, unsigned int nr_vcpus,
	     int trusted);
/* (Re)creates both directories at state 1, as the toolstack does. */
void sb_create_dirs(struct sb *sb, int trusted);
/* The toolstack removes both directories; the backend let go first
 * (rings unmapped). Does not run. */
void sb_remove_dirs(struct sb *sb);
/* Points cfg at the frontend domain, the runtime and the device. */
void sb_front_config(struct sb *sb, struct xf_blkfront_config *cfg);
/* Asserts that a frontend on cfg is refused with -EINVAL. */
void sb_expect_refused(const struct xf_blkfront_config *cfg);
/* Starts a frontend on cfg (platform/rt/nodename/event filled in). */
void sb_front(struct sb *sb, struct xf_blkfront_config *cfg);
/* sb_front(), then runs. */
void sb_start(struct sb *sb, struct xf_blkfront_config *cfg);
void sb_fini(struct sb *sb);

/* Runs the runtime until it is idle (sim) or for a few ms (real). */
void sb_run(struct sb *sb);
/* Runs sim time forward by ns (or less when nothing is left to do). */
void sb_run_for(struct sb *sb, uint64_t ns);

void sb_write(struct sb *sb, const char *key, const char *val);
void sb_rm(struct sb *sb, const char *key);
void sb_state(struct sb *sb, int state);
int sb_fe_state(struct sb *sb);
/* Frontend key as a string (NULL when absent); free() it. */
char *sb_fe_read(struct sb *sb, const char *key);
/* Publishes the disk properties for Connected. */
void sb_disk_props(struct sb *sb, uint64_t sectors, unsigned int ss);

/* The backend goes InitWait, then runs. */
void sb_initwait(struct sb *sb);
/* The backend side from the frontend's Initialised to Connected: its
 * rings are mapped, the disk (sectors in 512-byte units, sector size ss)
 * is published and the frontend goes Connected. */
void sb_connected(struct sb *sb, uint64_t sectors, unsigned int ss);
/* sb_initwait(), then sb_connected(). */
void sb_connect(struct sb *sb, uint64_t sectors, unsigned int ss);
/* The backend goes away without a word (rings unmapped, state Closed),
 * then runs: the frontend starts over. */
void sb_backend_closed(struct sb *sb);

/* Reads the frontend's transport keys, maps the rings and binds the
 * event channels. 0 or -errno. */
int sb_map_rings(struct sb *sb);
void sb_unmap_rings(struct sb *sb);

/* Takes the next request of queue qi. -EAGAIN when none. */
int sb_pop(struct sb *sb, unsigned int qi, struct xf_blkif_req *req);
/* Data segments of a request (indirect pages resolved). Returns n. */
unsigned int sb_segments(struct sb *sb, const struct xf_blkif_req *req,
			 struct xf_blkif_request_segment *segs);
/* Performs a read/write against sb->disk. Returns 0 or -errno. */
int sb_do_io(struct sb *sb, const struct xf_blkif_req *req);
/* Writes a response slot with any content, pushes, notifies. */
void sb_respond(struct sb *sb, unsigned int qi, uint64_t id, uint8_t op,
		int16_t status);
/* Pops, performs and answers every queued request; returns how many. */
unsigned int sb_serve_all(struct sb *sb);
/* Pops up to n requests of queue qi into reqs; returns how many. */
unsigned int sb_pop_all(struct sb *sb, unsigned int qi,
			struct xf_blkif_req *reqs, unsigned int n);
/* Performs and answers reqs on queue qi (ERROR where the I/O failed). */
void sb_answer(struct sb *sb, unsigned int qi,
	       const struct xf_blkif_req *reqs, unsigned int n);
/* Pops the next request of queue qi and asserts its operation and, but
 * for a flush, its sector. */
void sb_expect_req(struct sb *sb, unsigned int qi, uint8_t op,
		   uint64_t sector, struct xf_blkif_req *req);
/* Asserts queue qi holds no request. */
void sb_expect_empty(struct sb *sb, unsigned int qi);

/* Test data: len bytes of a pattern that differs with seed. */
void sb_fill(uint8_t *b, size_t len, unsigned int seed);
/* rec_io() of a write of len bytes of fresh data (seed) from buf at off,
 * on queue. */
void sb_mkwrite(struct xf_blkfront_io *io, struct done_rec *d, uint8_t *buf,
		size_t len, uint64_t off, unsigned int queue,
		unsigned int seed);
/* Submits io, runs, and takes the one request it made off queue 0. */
void sb_submit_pop(struct sb *sb, struct xf_blkfront_io *io,
		   struct xf_blkif_req *req);
/* Submits io (completing through rec_done), serves the one request it
 * makes and returns its status; asserts it completed exactly once. */
int sb_submit_served(struct sb *sb, struct xf_blkfront_io *io);

/* Grant and event channel usage of the frontend domain. */
void sb_fe_stats(struct sb *sb, struct xf_mock_stats *st);
/* Asserts the frontend domain shares no page and has no port open. */
void sb_assert_released(struct sb *sb);

/* Full orderly close of the frontend with the scripted backend
 * following, then xf_blkfront_free(). */
void sb_close_front(struct sb *sb);
/* sb_close_front(), sb_assert_released(), and no revoke ever found a
 * grant still mapped. */
void sb_close_clean(struct sb *sb);

#endif
