/* SPDX-License-Identifier: MIT */
/*
 * xfront xen platform: struct xf_platform over the real dom0 libraries
 * (libxenstore, libxengnttab for gnttab and gntshr, libxenevtchn).
 *
 * Every call returns 0 (or a count/port) or a negative errno; the Xen
 * libraries' -1/errno convention is converted at this boundary. Nothing
 * prints: the libraries are opened with a silent logger.
 *
 * Where it differs from the mock platform:
 *
 * - set_wakeup() returns -ENOTSUP on xenstore connections and event
 *   channel handles: only the fd exists. Watch the fd (readable while a
 *   watch event or an event-channel notification is queued) and call
 *   read_watch() / pending() when it is; both never block and return
 *   -EAGAIN when nothing is queued.
 *
 * - share() uses gntalloc: n zeroed pages, contiguous, all or nothing,
 *   granted to one domain. unshare() cannot learn whether the peer still
 *   maps the pages, so it never returns -EBUSY: it unmaps them locally
 *   and the kernel ends foreign access as soon as the peer lets go (it
 *   retries in the background and frees the pages only then). The grant
 *   references therefore stay valid for a peer that still maps them; a
 *   peer that never unmaps leaks them, and Xen gives no counter for it.
 *
 * - map() maps n grants of one domain contiguously through gntdev, all or
 *   nothing. set_unmap_notify() applies to an address returned by map()
 *   (-EINVAL otherwise); the port must be one bound through an event
 *   channel handle of this process.
 *
 * - copy() statuses: 0, or -EINVAL (bad segment: offset + len beyond a
 *   page, or a grant Xen rejects as bad), -ESRCH (bad domain), -EPERM,
 *   -EFAULT, -EAGAIN, -ENOSPC, -EIO (other GNTST_ codes).
 *
 * - The own domid is read from xenstore ("domid" relative to the
 *   connection's home); in a dom0 where that key does not exist yet,
 *   /proc/xen/capabilities saying control_d gives 0.
 *
 * Handles may be used from several threads; one xenstore connection or
 * event channel handle should be polled by one actor at a time.
 */
#ifndef XFRONT_XEN_H
#define XFRONT_XEN_H

#include <xfront/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens the grant devices and learns the own domid. Fails with the
 * library's errno (e.g. -ENOENT without /dev/xen or xenstored, -EACCES
 * when not permitted); *out is left untouched then. A missing gntalloc
 * (or gntdev) does not fail the open: share() (or map/unmap/copy)
 * return that error when called. */
int xf_xen_platform_open(struct xf_platform **out);

/* Closes the grant devices. Pages still shared stay granted until the
 * peer unmaps them (see unshare above). NULL is ignored. */
void xf_xen_platform_close(struct xf_platform *p);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_XEN_H */
