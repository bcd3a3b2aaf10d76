/* SPDX-License-Identifier: MIT */
/*
 * A counting wrapper around a struct xf_platform, so that a dom0 test can
 * assert that a library released every grant and event channel it took:
 * the xen platform itself keeps no such counters, and Xen offers none a
 * domain can read for its own grants.
 *
 * One wrapper per process (the counters are global): evtchn and store
 * calls reach the wrapper only through the real handles, which carry no
 * pointer back to it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dom0util.h"

static struct xf_platform *real_p;
static struct xf_platform wrap_p;
static struct xf_store_ops wrap_store;
static struct xf_gnt_ops wrap_gnt;
static struct xf_evtchn_ops wrap_evtchn;

static atomic_long c_shared, c_unshared, c_share_calls, c_share_fail;
static atomic_long c_ports, c_unbound, c_evh_open, c_evh_close;
static atomic_long c_xs_open, c_xs_close;

/* rc, after adding n to c if it is a success. */
static int counted(int rc, atomic_long *c, long n)
{
	if (rc == 0)
		atomic_fetch_add(c, n);
	return rc;
}

static int w_xs_open(struct xf_platform *p, struct xf_xs **out)
{
	(void)p;
	return counted(real_p->store->open(real_p, out), &c_xs_open, 1);
}

static void w_xs_close(struct xf_xs *xs)
{
	atomic_fetch_add(&c_xs_close, 1);
	real_p->store->close(xs);
}

static int w_share(struct xf_platform *p, xf_domid domid, unsigned int n,
		   bool writable, xf_gref *refs, void **addr)
{
	int rc;

	(void)p;
	atomic_fetch_add(&c_share_calls, 1);
	rc = real_p->gnt->share(real_p, domid, n, writable, refs, addr);
	if (rc == 0)
		atomic_fetch_add(&c_shared, (long)n);
	else
		atomic_fetch_add(&c_share_fail, 1);
	return rc;
}

static int w_unshare(struct xf_platform *p, void *addr, unsigned int n)
{
	(void)p;
	return counted(real_p->gnt->unshare(real_p, addr, n), &c_unshared,
		       (long)n);
}

static int w_map(struct xf_platform *p, xf_domid domid, unsigned int n,
		 const xf_gref *refs, bool writable, void **addr)
{
	(void)p;
	return real_p->gnt->map(real_p, domid, n, refs, writable, addr);
}

static int w_unmap(struct xf_platform *p, void *addr, unsigned int n)
{
	(void)p;
	return real_p->gnt->unmap(real_p, addr, n);
}

static int w_unmap_notify(struct xf_platform *p, void *addr, int off,
			  xf_port port)
{
	(void)p;
	return real_p->gnt->set_unmap_notify(real_p, addr, off, port);
}

static int w_copy(struct xf_platform *p, struct xf_gnt_copy_seg *segs,
		  unsigned int n)
{
	(void)p;
	return real_p->gnt->copy(real_p, segs, n);
}

static int w_evh_open(struct xf_platform *p, struct xf_evtch **out)
{
	(void)p;
	return counted(real_p->evtchn->open(real_p, out), &c_evh_open, 1);
}

static void w_evh_close(struct xf_evtch *h)
{
	atomic_fetch_add(&c_evh_close, 1);
	real_p->evtchn->close(h);
}

static int w_alloc_unbound(struct xf_evtch *h, xf_domid remote,
			   xf_port *port)
{
	return counted(real_p->evtchn->alloc_unbound(h, remote, port),
		       &c_ports, 1);
}

static int w_bind(struct xf_evtch *h, xf_domid remote, xf_port rport,
		  xf_port *lport)
{
	return counted(real_p->evtchn->bind_interdomain(h, remote, rport,
							  lport),
		       &c_ports, 1);
}

static int w_unbind(struct xf_evtch *h, xf_port port)
{
	return counted(real_p->evtchn->unbind(h, port), &c_unbound, 1);
}

struct xf_platform *dt_count_platform(struct xf_platform *real)
{
	real_p = real;
	wrap_store = *real->store;
	wrap_store.open = w_xs_open;
	wrap_store.close = w_xs_close;
	wrap_gnt = *real->gnt;
	wrap_gnt.share = w_share;
	wrap_gnt.unshare = w_unshare;
	wrap_gnt.map = w_map;
	wrap_gnt.unmap = w_unmap;
	wrap_gnt.set_unmap_notify = w_unmap_notify;
	wrap_gnt.copy = w_copy;
	wrap_evtchn = *real->evtchn;
	wrap_evtchn.open = w_evh_open;
	wrap_evtchn.close = w_evh_close;
	wrap_evtchn.alloc_unbound = w_alloc_unbound;
	wrap_evtchn.bind_interdomain = w_bind;
	wrap_evtchn.unbind = w_unbind;
	wrap_p = *real;
	wrap_p.store = &wrap_store;
	wrap_p.gnt = &wrap_gnt;
	wrap_p.evtchn = &wrap_evtchn;
	return &wrap_p;
}

void dt_count_get(struct dt_counts *out)
{
	out->pages_shared = atomic_load(&c_shared);
	out->pages_unshared = atomic_load(&c_unshared);
	out->share_calls = atomic_load(&c_share_calls);
	out->share_failed = atomic_load(&c_share_fail);
	out->ports_bound = atomic_load(&c_ports);
	out->ports_unbound = atomic_load(&c_unbound);
	out->evtchn_open = atomic_load(&c_evh_open);
	out->evtchn_closed = atomic_load(&c_evh_close);
	out->xs_open = atomic_load(&c_xs_open);
	out->xs_closed = atomic_load(&c_xs_close);
}
