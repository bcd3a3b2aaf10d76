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

#include "xt-mock.h"

#define SB_FE_DOMID XT_GUEST
#define SB_BE_DOMID XT_DOM0
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
/* Starts a frontend on cfg (platform/rt/nodename/event filled in). */
/* (Re)creates both directories at state 1, as the toolstack does. */
void sb_create_dirs(struct sb *sb, int trusted);
void sb_front(struct sb *sb, struct xf_blkfront_config *cfg);
void sb_fini(struct sb *sb);

/* Runs the runtime until it is idle (sim) or for a few ms (real). */
void sb_run(struct sb *sb);

void sb_write(struct sb *sb, const char *key, const char *val);
void sb_rm(struct sb *sb, const char *key);
void sb_state(struct sb *sb, int state);
int sb_fe_state(struct sb *sb);
/* Frontend key as a string (NULL when absent); free() it. */
char *sb_fe_read(struct sb *sb, const char *key);
/* Publishes the disk properties for Connected. */
void sb_disk_props(struct sb *sb, uint64_t sectors, unsigned int ss);

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

/* Grant and event channel usage of the frontend domain. */
void sb_fe_stats(struct sb *sb, struct xf_mock_stats *st);

/* Full orderly close of the frontend with the scripted backend
 * following, then xf_blkfront_free(). */
void sb_close_front(struct sb *sb);

#endif
