/* SPDX-License-Identifier: MIT */
/* Completion recorder shared by the blkfront tests: counts callbacks and
 * keeps the last status, so a test can assert "exactly once, with X".
 * Atomic because in real mode the callback runs on a queue thread while
 * the test thread polls. */
#ifndef XF_TEST_DONE_REC_H
#define XF_TEST_DONE_REC_H

#include <check.h>
#include <stdatomic.h>
#include <string.h>
#include <xfront/blkfront.h>

struct done_rec {
	atomic_int calls;
	atomic_int status;
};

static inline void rec_done(struct xf_blkfront_io *io, int status)
{
	struct done_rec *d = io->opaque;

	/* Status first: whoever sees the call sees its status. */
	atomic_store(&d->status, status);
	atomic_fetch_add(&d->calls, 1);
}

/* A fresh I/O of len bytes at off through buf (queue 0, no flags) that
 * completes into d. */
static inline void rec_io(struct xf_blkfront_io *io, enum xf_blkfront_op op,
			  uint64_t off, uint64_t len, void *buf,
			  struct done_rec *d)
{
	memset(io, 0, sizeof(*io));
	io->op = op;
	io->offset_bytes = off;
	io->len_bytes = len;
	io->buf = buf;
	io->done = rec_done;
	io->opaque = d;
}

/* Asserts that each of d[0..n) completed exactly once, with status. */
static inline void rec_expect_once(struct done_rec *d, unsigned int n,
				   int status)
{
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(d[i].calls, 1);
		ck_assert_int_eq(d[i].status, status);
	}
}

#endif
