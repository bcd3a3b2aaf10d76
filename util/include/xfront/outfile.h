/* SPDX-License-Identifier: MIT */
/*
 * Output files written whole or not at all: the data goes to a
 * temporary file beside the target, which is flushed, fsynced and
 * renamed over the target only when every write succeeded. A reader
 * (or a CI job collecting results) sees the old file, the new file, or
 * no file, never a truncated one, whatever the disk does.
 */
#ifndef XFRONT_OUTFILE_H
#define XFRONT_OUTFILE_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xf_outfile {
	FILE *f;          /* write here between open and commit/abort */
	const char *path; /* the target; borrowed, must outlive the file */
	char tmp[4096];   /* the temporary file's name */
	int fd;           /* under f */
	int write_err;    /* errno of the first failed write, or 0 */
};

/* Creates the temporary file in path's directory (mode 0666 less the
 * umask, as fopen would). 0 or -errno; nothing to undo on error. o is
 * f's cookie: it must stay where it is until commit or abort. */
int xf_outfile_open(struct xf_outfile *o, const char *path);
/* Flushes, fsyncs, closes and renames onto the target. On any failure
 * (a write that failed earlier included) the temporary file is removed,
 * the target is left as it was, and -errno says why. */
int xf_outfile_commit(struct xf_outfile *o);
/* Closes and removes the temporary file; the target is untouched. */
void xf_outfile_abort(struct xf_outfile *o);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_OUTFILE_H */
