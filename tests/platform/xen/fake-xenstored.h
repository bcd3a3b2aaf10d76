/* SPDX-License-Identifier: MIT */
/*
 * A minimal xenstored speaking the xenstore wire protocol on a Unix
 * socket, in a thread of the test process. libxenstore connects to it
 * when XENSTORED_PATH names the socket. It keeps a flat key/value map
 * (no tree rules, no relative-path resolution), permissions as opaque
 * strings, per-connection watches (initial event on registration, events
 * for changes at or below the path) and transactions that fail with
 * EAGAIN when anything was written since they started. Reads of paths
 * starting with "/denied" fail with EACCES.
 */
#ifndef XF_FAKE_XENSTORED_H
#define XF_FAKE_XENSTORED_H

struct fxs;

/* Starts serving on sock_path; NULL on failure. */
struct fxs *fxs_start(const char *sock_path);
void fxs_stop(struct fxs *f);
/* Sets a key directly (no watch events). */
void fxs_set(struct fxs *f, const char *path, const char *value);

#endif /* XF_FAKE_XENSTORED_H */
