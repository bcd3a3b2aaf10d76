/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "xt.h"
#include "xt-blk.h"

void xt_blk_done(struct xf_blkfront_io *io, int status)
{
	struct xt_done *d = io->opaque;

	/* Status first: whoever sees the count sees the status. */
	atomic_store(&d->status, status);
	atomic_fetch_add(&d->calls, 1);
}

void xt_blk_io(struct xf_blkfront_io *io, enum xf_blkfront_op op,
	       uint64_t off, uint64_t len, void *buf, struct xt_done *d)
{
	memset(io, 0, sizeof(*io));
	io->op = op;
	io->offset_bytes = off;
	io->len_bytes = len;
	io->buf = buf;
	io->done = xt_blk_done;
	io->opaque = d;
}

void xt_blk_ios(struct xf_blkfront_io *io, struct xt_done *d,
		unsigned int n, enum xf_blkfront_op op, uint64_t off,
		uint64_t len, uint8_t *buf, bool spread)
{
	for (unsigned int i = 0; i < n; i++) {
		atomic_store(&d[i].calls, 0);
		atomic_store(&d[i].status, 0);
		xt_blk_io(&io[i], op, off + i * len, len, buf + i * len,
			  &d[i]);
		if (spread)
			io[i].queue = i;
	}
}

void xt_blk_expect_once(struct xt_done *d, unsigned int n, int status)
{
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(d[i].calls, 1);
		ck_assert_int_eq(d[i].status, status);
	}
}
