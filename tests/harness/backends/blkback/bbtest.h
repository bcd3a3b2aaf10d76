/* SPDX-License-Identifier: MIT */
/* Test fixture for the mock blkback: a mock hypervisor, a sim runtime,
 * a disk, the toolstack-created vbd and a raw frontend built directly
 * on the ring core (no blkfront), so tests control every byte. */
#ifndef XFRONT_TEST_BBTEST_H
#define XFRONT_TEST_BBTEST_H

#include <check.h>
#include <xfront/xenbus.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/mock.h>

#include "xt-mock.h"

#define FX_MAXQ 4
#define FX_FRONT XT_GUEST
#define FX_BACK XT_DOM0

struct fx_queue {
	void *ring;
	xf_gref refs[XF_MAX_RING_PAGES];
	unsigned int pages;
	struct xf_front_ring fr;
	struct xf_evtch *evh;
	xf_port port;
};

struct fx {
	struct xf_mock_hv *hv;
	struct xf_platform *d0, *fe, *d2;
	struct xf_rt *rt;
	struct xf_blkdisk *disk;
	struct xf_blkdisk_config dcfg;
	struct xf_blkback *bb;
	struct xf_blkback_config cfg;
	struct xf_vbd_config vbd;
	struct xf_xs *xs; /* the frontend's connection */
	char fpath[128];
	char bpath[128];
	enum xf_blkif_abi abi;
	unsigned int nq;
	struct fx_queue q[FX_MAXQ];
	void *data;       /* shared data pages */
	xf_gref data_refs[64];
	unsigned int data_pages;
};

/* A latency of exactly ns. */
#define FX_FIXED_NS(ns) \
	((struct xf_blklat){ .kind = XF_BLKLAT_FIXED, .base_ns = (ns) })

/* Runtime driver used by fx_init (default sim). */
extern enum xf_rt_mode fx_rt_mode;

/* Hypervisor, domains 0/1/2, runtime (fx_rt_mode, 2 vCPUs), 1 MiB disk (or
 * dcfg as set by the caller before fx_init when dcfg_set), vbd front 1
 * back 0; the backend config gets the named feature preset. Nothing
 * runs yet. */
void fx_init(struct fx *f, const char *preset);
/* Creates the disk (from f->dcfg), the vbd and the backend, and runs
 * until idle. */
void fx_start(struct fx *f);
void fx_fini(struct fx *f);
void fx_run(struct fx *f);
void fx_run_until(struct fx *f, uint64_t ns);

int fx_bstate(struct fx *f);  /* -errno when absent */
int fx_fread(struct fx *f, const char *key, char *buf, size_t len);
int fx_bread(struct fx *f, const char *key, char *buf, size_t len);
/* -ENOENT when absent. */
int fx_bread_uint(struct fx *f, const char *key, uint64_t *v);
/* A backend key that must be there, as a number. */
uint64_t fx_bkey(struct fx *f, const char *key);
/* Whether the backend wrote key. */
bool fx_bhas(struct fx *f, const char *key);
void fx_fwrite(struct fx *f, const char *key, const char *val);
void fx_set_fstate(struct fx *f, int state);
/* The frontend writes state fs, the backend runs and must then be in
 * bs (a macro: a failure names the test's line). */
#define FX_STEP(f, fs, bs) do {						\
		fx_set_fstate(f, fs);					\
		fx_run(f);						\
		ck_assert_int_eq(fx_bstate(f), bs);			\
	} while (0)

/* Shares rings (2^order pages per queue) and event channels, writes the
 * keys (top level or queue-N/), protocol and feature-persistent, then
 * state Initialised. Does not run. */
void fx_offer(struct fx *f, unsigned int nq, unsigned int order,
	      enum xf_blkif_abi abi, bool persistent);
/* fx_offer + run; asserts backend Connected. */
void fx_connect(struct fx *f, unsigned int nq, unsigned int order,
		enum xf_blkif_abi abi, bool persistent);
/* Revokes rings and channels (after the backend let go). */
void fx_release_rings(struct fx *f);
/* The frontend goes Closed (the backend follows and lets go of every
 * grant), revokes its rings and starts over at Initialising: the backend
 * waits in InitWait again. */
void fx_reconnect(struct fx *f);
/* fx_start, one single-page queue (x86_64) connected, and data_pages
 * data pages shared. */
void fx_up(struct fx *f, bool persistent, unsigned int data_pages);
/* Asserts the backend domain maps no grant. */
void fx_assert_unmapped(struct fx *f);

/* Shares n data pages (writable) once. */
void fx_share_data(struct fx *f, unsigned int n);
void *fx_page(struct fx *f, unsigned int i);

/* Puts one request on queue qi and notifies when asked. */
void fx_submit(struct fx *f, unsigned int qi, const struct xf_blkif_req *r);
/* Reads up to max responses from queue qi. Returns the count. */
unsigned int fx_responses(struct fx *f, unsigned int qi,
			  struct xf_blkif_rsp *out, unsigned int max);
/* Submits, runs until idle, expects exactly one response; returns its
 * status (and checks the id echo and the op: the inner one for an
 * indirect request unless XF_BB_LENIENT_INDIRECT_RSP_OP). */
int fx_do(struct fx *f, const struct xf_blkif_req *r);
/* fx_do() of fx_rw(op, id, sector, nsect). */
int fx_do_rw(struct fx *f, uint8_t op, uint64_t id, uint64_t sector,
	     unsigned int nsect);

/* Request builders over the shared data pages: nsect 512-byte sectors
 * starting at page 0, at most 8 per segment. */
void fx_rw(struct xf_blkif_req *r, struct fx *f, uint8_t op, uint64_t id,
	   uint64_t sector, unsigned int nsect);
/* One 4 KiB segment on gref, at sector. */
void fx_seg(struct xf_blkif_req *r, uint8_t op, uint64_t id, uint64_t sector,
	    xf_gref gref);
/* An indirect request of op over nseg whole data pages (page i % the
 * pages shared) through one indirect page, granted writable or not, at
 * sector 0. *page is that page, for the caller to fill in further and to
 * unshare. */
void fx_indirect(struct xf_blkif_req *r, struct fx *f, uint8_t op,
		 uint64_t id, unsigned int nseg, bool writable, void **page);

#endif
