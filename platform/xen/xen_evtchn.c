/* SPDX-License-Identifier: MIT */
/* xen platform: event channels over libxenevtchn. */
#include <fcntl.h>
#include <stdlib.h>
#include <xenevtchn.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "xen_priv.h"

struct xf_evtch {
	xenevtchn_handle *h;
	int fd;
};

static int evtchn_open(struct xf_platform *p, struct xf_evtch **out)
{
	struct xf_evtch *e;
	int flags, err;

	(void)p;
	if (!out)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->h = xenevtchn_open(xenp_quiet_logger(), 0);
	if (!e->h) {
		err = xenp_err();
		free(e);
		return err;
	}
	e->fd = xenevtchn_fd(e->h);
	/* xenevtchn_pending() is a read() on this fd: non-blocking makes it
	 * return EAGAIN instead of sleeping when nothing is pending. */
	flags = fcntl(e->fd, F_GETFL);
	if (flags < 0 || fcntl(e->fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = xenp_err();
		xenevtchn_close(e->h);
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

static void evtchn_close(struct xf_evtch *e)
{
	if (!e)
		return;
	xenevtchn_close(e->h);
	free(e);
}

static int alloc_unbound(struct xf_evtch *e, xf_domid remote, xf_port *port)
{
	xenevtchn_port_or_error_t r;

	if (!port)
		return -EINVAL;
	r = xenevtchn_bind_unbound_port(e->h, remote);
	if (r < 0)
		return xenp_err();
	*port = (xf_port)r;
	return 0;
}

static int bind_interdomain(struct xf_evtch *e, xf_domid remote,
			    xf_port remote_port, xf_port *local_port)
{
	xenevtchn_port_or_error_t r;

	if (!local_port)
		return -EINVAL;
	r = xenevtchn_bind_interdomain(e->h, remote, remote_port);
	if (r < 0)
		return xenp_err();
	*local_port = (xf_port)r;
	return 0;
}

static int unbind(struct xf_evtch *e, xf_port port)
{
	if (xenevtchn_unbind(e->h, port))
		return xenp_err();
	return 0;
}

static int notify(struct xf_evtch *e, xf_port port)
{
	if (xenevtchn_notify(e->h, port))
		return xenp_err();
	return 0;
}

/* The kernel masks a port when it queues it; it stays masked until
 * unmask(), which is the contract. */
static int pending(struct xf_evtch *e)
{
	xenevtchn_port_or_error_t r = xenevtchn_pending(e->h);

	if (r < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : xenp_err();
	return (int)r;
}

static int unmask(struct xf_evtch *e, xf_port port)
{
	if (xenevtchn_unmask(e->h, port))
		return xenp_err();
	return 0;
}

static int evtchn_fd(struct xf_evtch *e)
{
	return e->fd;
}

static int evtchn_set_wakeup(struct xf_evtch *e, xf_wakeup_fn fn,
			     void *opaque)
{
	(void)e;
	(void)fn;
	(void)opaque;
	return -ENOTSUP;
}

const struct xf_evtchn_ops xenp_evtchn_ops = {
	.open = evtchn_open,
	.close = evtchn_close,
	.alloc_unbound = alloc_unbound,
	.bind_interdomain = bind_interdomain,
	.unbind = unbind,
	.notify = notify,
	.pending = pending,
	.unmask = unmask,
	.fd = evtchn_fd,
	.set_wakeup = evtchn_set_wakeup,
};
