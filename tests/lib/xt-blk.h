/* SPDX-License-Identifier: MIT */
/* xt builders for blkfront I/O: a record of done callbacks, and I/Os
 * (alone or as arrays) that complete into it. */
#ifndef XFRONT_TESTS_XT_BLK_H
#define XFRONT_TESTS_XT_BLK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <xfront/blkfront.h>

/* How many times an I/O completed and its last status, so a test can
 * assert "exactly once, with X". Atomic: in real mode completions run on
 * the runtime's vCPU threads. */
struct xt_done {
	atomic_int calls;
	atomic_int status;
};

/* The done callback of an I/O whose opaque is a struct xt_done. */
void xt_blk_done(struct xf_blkfront_io *io, int status);

/* io, zeroed, for op over len bytes at off from or into buf, completing
 * into d. */
void xt_blk_io(struct xf_blkfront_io *io, enum xf_blkfront_op op,
	       uint64_t off, uint64_t len, void *buf, struct xt_done *d);

/* n I/Os of len bytes, back to back from off, io[i] on buf + i * len and
 * completing into d[i] (zeroed); io[i] asks for queue i when spread. */
void xt_blk_ios(struct xf_blkfront_io *io, struct xt_done *d,
		unsigned int n, enum xf_blkfront_op op, uint64_t off,
		uint64_t len, uint8_t *buf, bool spread);

/* Asserts that each of d[0..n) completed exactly once, with status. */
void xt_blk_expect_once(struct xt_done *d, unsigned int n, int status);

#endif
