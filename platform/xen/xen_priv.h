/* SPDX-License-Identifier: MIT */
/* Private to the xen platform: the per-domain state and the ops tables. */
#ifndef XEN_PRIV_H
#define XEN_PRIV_H

#include <errno.h>
#include <xengnttab.h>
#include <xentoollog.h>
#include <xfront/platform.h>

struct xenp_platform {
	struct xf_platform pub; /* first: pub.impl points back here */
	xengnttab_handle *gt;   /* gntdev: map, unmap, copy */
	int gt_err;             /* -errno of the failed open, 0 if open */
	xengntshr_handle *gs;   /* gntalloc: share, unshare */
	int gs_err;
};

extern const struct xf_store_ops xenp_store_ops;
extern const struct xf_gnt_ops xenp_gnt_ops;
extern const struct xf_evtchn_ops xenp_evtchn_ops;

/* A logger that drops everything: libraries must not print. */
xentoollog_logger *xenp_quiet_logger(void);

/* The Xen libraries report -1/NULL + errno; a caller gets -errno, and
 * never 0 if a library forgot to set errno. */
static inline int xenp_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

static inline struct xenp_platform *xenp_of(struct xf_platform *p)
{
	return (struct xenp_platform *)p->impl;
}

#endif /* XEN_PRIV_H */
