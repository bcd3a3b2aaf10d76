/* SPDX-License-Identifier: MIT */
/* Completion recorder shared by the blkfront tests: counts callbacks and
 * keeps the last status, so a test can assert "exactly once, with X". */
#ifndef XF_TEST_DONE_REC_H
#define XF_TEST_DONE_REC_H

#include <xfront/blkfront.h>

struct done_rec {
	int calls;
	int status;
};

static inline void rec_done(struct xf_blkfront_io *io, int status)
{
	struct done_rec *d = io->opaque;

	d->calls++;
	d->status = status;
}

#endif
