/* SPDX-License-Identifier: MIT */
/*
 * Event channels with Xen's pending and mask bits. A notify sets the
 * peer port pending (coalescing while it already is) and queues it on
 * the peer handle unless masked. pending() hands a port out and leaves
 * it masked, as the Linux evtchn device does, until unmask(), which
 * re-queues it if a notify arrived meanwhile.
 *
 * Closing a port makes its peer unbound (with this domain as remote, so
 * it can be bound again, as in Xen); notifies on an unbound port are
 * dropped silently and return 0, as EVTCHNOP_send does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock-private.h"

static struct mock_port *port_get(struct mock_dom *d, xf_port port)
{
	if (port == 0 || port >= d->nports)
		return NULL;
	return d->ports[port];
}

static int port_alloc(struct mock_dom *d, struct xf_evtch *h,
		      struct mock_port **out)
{
	struct mock_port *p;
	unsigned int i;

	/* Lowest free port first, as Xen does: port reuse is real. */
	for (i = 1; i < d->nports; i++)
		if (!d->ports[i])
			break;
	if (i >= d->nports) {
		unsigned int n = d->nports ? 2 * d->nports : 16;
		struct mock_port **v;

		if (n > MOCK_EVTCHN_MAX)
			n = MOCK_EVTCHN_MAX;
		if (i >= n)
			return -ENOSPC;
		v = realloc(d->ports, n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memset(v + d->nports, 0, (n - d->nports) * sizeof(*v));
		d->ports = v;
		d->nports = n;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->port = i;
	p->h = h;
	d->ports[i] = p;
	d->st.evtchn_open_ports++;
	*out = p;
	return 0;
}

static void queue_port(struct mock_port *p, struct mock_wakeq *wq)
{
	struct xf_evtch *h = p->h;
	bool was_empty = XF_FIFO_EMPTY(&h->q);

	p->queued = true;
	XF_FIFO_PUSH(&h->q, p, qnext);
	if (was_empty)
		mock_efd_set(h->efd);
	mock_wakeq_add(wq, h->wake_fn, h->wake_opaque);
}

static void dequeue_port(struct mock_port *p)
{
	struct xf_evtch *h = p->h;

	if (!p->queued)
		return;
	XF_FIFO_REMOVE(&h->q, p, qnext);
	p->queued = false;
	if (XF_FIFO_EMPTY(&h->q))
		mock_efd_clear(h->efd);
}

static void close_port(struct mock_dom *d, struct mock_port *p)
{
	if (p->state == MOCK_PORT_INTERDOMAIN) {
		struct mock_dom *rd = mock_dom_find(d->hv, p->remote_dom);
		struct mock_port *rp = rd ? port_get(rd, p->remote_port) : NULL;

		if (rp) {
			rp->state = MOCK_PORT_UNBOUND;
			rp->remote_dom = d->domid;
		}
	}
	dequeue_port(p);
	d->ports[p->port] = NULL;
	d->st.evtchn_open_ports--;
	free(p);
}

int mock_evtchn_send(struct mock_dom *d, xf_port port, struct mock_wakeq *wq)
{
	struct mock_port *lp = port_get(d, port), *rp;
	struct mock_dom *rd;

	if (!lp)
		return -EINVAL;
	if (lp->drop_next) {
		lp->drop_next--;
		d->st.evtchn_dropped++;
		return 0;
	}
	if (lp->state != MOCK_PORT_INTERDOMAIN)
		return 0;
	rd = mock_dom_find(d->hv, lp->remote_dom);
	rp = rd ? port_get(rd, lp->remote_port) : NULL;
	if (!rp)
		return 0;
	d->st.evtchn_notifies++;
	if (rp->pending) {
		d->st.evtchn_coalesced++;
		return 0;
	}
	rp->pending = true;
	if (!rp->masked && !rp->queued)
		queue_port(rp, wq);
	return 0;
}

static int ev_open(struct xf_platform *pl, struct xf_evtch **out)
{
	struct mock_dom *d = mock_dom_of(pl);
	struct xf_evtch *h = calloc(1, sizeof(*h));
	int fd;

	if (!h)
		return -ENOMEM;
	fd = mock_efd_new();
	if (fd < 0) {
		free(h);
		return fd;
	}
	h->efd = fd;
	h->hv = d->hv;
	h->dom = d;
	pthread_mutex_lock(&d->hv->lock);
	if (d->dead) {
		pthread_mutex_unlock(&d->hv->lock);
		close(fd);
		free(h);
		return -ESRCH;
	}
	h->next = d->evtchs;
	d->evtchs = h;
	pthread_mutex_unlock(&d->hv->lock);
	*out = h;
	return 0;
}

static void handle_unbind_all(struct xf_evtch *h)
{
	struct mock_dom *d = h->dom;
	unsigned int i;

	for (i = 1; i < d->nports; i++)
		if (d->ports[i] && d->ports[i]->h == h)
			close_port(d, d->ports[i]);
}

static void ev_close(struct xf_evtch *h)
{
	struct xf_mock_hv *hv;
	struct xf_evtch **pp;

	if (!h)
		return;
	hv = h->hv;
	pthread_mutex_lock(&hv->lock);
	handle_unbind_all(h);
	for (pp = &h->dom->evtchs; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	pthread_mutex_unlock(&hv->lock);
	close(h->efd);
	free(h);
}

static int ev_alloc_unbound(struct xf_evtch *h, xf_domid remote,
			    xf_port *port)
{
	struct mock_port *p;
	int rc;

	if (!port)
		return -EINVAL;
	pthread_mutex_lock(&h->hv->lock);
	rc = h->dom->dead ? -ESRCH : port_alloc(h->dom, h, &p);
	if (!rc) {
		p->state = MOCK_PORT_UNBOUND;
		p->remote_dom = remote;
		*port = p->port;
	}
	pthread_mutex_unlock(&h->hv->lock);
	return rc;
}

static int ev_bind_interdomain(struct xf_evtch *h, xf_domid remote,
			       xf_port remote_port, xf_port *local_port)
{
	struct mock_dom *d = h->dom, *rd;
	struct mock_port *lp, *rp;
	struct mock_wakeq wq;
	int rc;

	if (!local_port)
		return -EINVAL;
	mock_wakeq_init(&wq);
	pthread_mutex_lock(&h->hv->lock);
	if (d->dead) {
		rc = -ESRCH;
		goto out;
	}
	rd = mock_dom_find(h->hv, remote);
	if (!rd) {
		rc = -ESRCH;
		goto out;
	}
	rp = port_get(rd, remote_port);
	if (!rp || rp->state != MOCK_PORT_UNBOUND ||
	    rp->remote_dom != d->domid) {
		rc = -EINVAL;
		goto out;
	}
	rc = port_alloc(d, h, &lp);
	if (rc)
		goto out;
	lp->state = MOCK_PORT_INTERDOMAIN;
	lp->remote_dom = remote;
	lp->remote_port = remote_port;
	rp->state = MOCK_PORT_INTERDOMAIN;
	rp->remote_dom = d->domid;
	rp->remote_port = lp->port;
	/* Xen marks the new local port pending: notifies sent to the
	 * unbound remote port were lost, so the binder must look. */
	lp->pending = true;
	queue_port(lp, &wq);
	*local_port = lp->port;
out:
	pthread_mutex_unlock(&h->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

/* Locked: the port of h, or NULL. */
static struct mock_port *own_port(struct xf_evtch *h, xf_port port)
{
	struct mock_port *p;

	if (h->dom->dead)
		return NULL;
	p = port_get(h->dom, port);
	return p && p->h == h ? p : NULL;
}

static int ev_unbind(struct xf_evtch *h, xf_port port)
{
	struct mock_port *p;
	int rc = -EINVAL;

	pthread_mutex_lock(&h->hv->lock);
	p = own_port(h, port);
	if (p) {
		close_port(h->dom, p);
		rc = 0;
	}
	pthread_mutex_unlock(&h->hv->lock);
	return rc;
}

static int ev_notify(struct xf_evtch *h, xf_port port)
{
	struct mock_wakeq wq;
	int rc = -EINVAL;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&h->hv->lock);
	if (own_port(h, port))
		rc = mock_evtchn_send(h->dom, port, &wq);
	pthread_mutex_unlock(&h->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

static int ev_pending(struct xf_evtch *h)
{
	struct mock_port *p;
	int rc = -EAGAIN;

	pthread_mutex_lock(&h->hv->lock);
	p = XF_FIFO_POP(&h->q, qnext);
	if (p) {
		if (XF_FIFO_EMPTY(&h->q))
			mock_efd_clear(h->efd);
		p->queued = false;
		p->pending = false;
		/* Stays masked until unmask(), as libxenevtchn. */
		p->masked = true;
		h->dom->st.evtchn_delivered++;
		rc = (int)p->port;
	}
	pthread_mutex_unlock(&h->hv->lock);
	return rc;
}

static int ev_unmask(struct xf_evtch *h, xf_port port)
{
	struct mock_wakeq wq;
	struct mock_port *p;
	int rc = -EINVAL;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&h->hv->lock);
	p = own_port(h, port);
	if (p) {
		p->masked = false;
		if (p->pending && !p->queued)
			queue_port(p, &wq);
		rc = 0;
	}
	pthread_mutex_unlock(&h->hv->lock);
	mock_wakeq_run(&wq);
	return rc;
}

static int ev_fd(struct xf_evtch *h)
{
	return h->efd;
}

static int ev_set_wakeup(struct xf_evtch *h, xf_wakeup_fn fn, void *opaque)
{
	bool queued;

	pthread_mutex_lock(&h->hv->lock);
	h->wake_fn = fn;
	h->wake_opaque = opaque;
	queued = !XF_FIFO_EMPTY(&h->q);
	pthread_mutex_unlock(&h->hv->lock);
	/* Ports queued before the hook existed must not be missed. */
	if (queued && fn)
		fn(opaque);
	return 0;
}

void mock_evtchn_domain_destroy(struct mock_dom *d)
{
	unsigned int i;
	struct xf_evtch *h;

	for (i = 1; i < d->nports; i++)
		if (d->ports[i])
			close_port(d, d->ports[i]);
	for (h = d->evtchs; h; h = h->next)
		mock_efd_clear(h->efd);
}

void mock_evtchn_domain_free(struct mock_dom *d)
{
	struct xf_evtch *h;
	unsigned int i;

	for (i = 1; i < d->nports; i++)
		free(d->ports[i]);
	free(d->ports);
	d->ports = NULL;
	d->nports = 0;
	while ((h = d->evtchs)) {
		d->evtchs = h->next;
		close(h->efd);
		free(h);
	}
}

int xf_mock_evtchn_drop_next(struct xf_mock_hv *hv, xf_domid domid,
			     xf_port port, unsigned int n)
{
	struct mock_dom *d;
	struct mock_port *p;
	int rc = -ESRCH;

	pthread_mutex_lock(&hv->lock);
	d = mock_dom_find(hv, domid);
	if (d) {
		p = port_get(d, port);
		rc = p ? 0 : -EINVAL;
		if (p)
			p->drop_next = n;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int xf_mock_evtchn_state(struct xf_mock_hv *hv, xf_domid domid, xf_port port,
			 bool *pending, bool *masked)
{
	struct mock_dom *d;
	struct mock_port *p = NULL;

	pthread_mutex_lock(&hv->lock);
	d = mock_dom_find(hv, domid);
	if (d)
		p = port_get(d, port);
	if (p) {
		*pending = p->pending;
		*masked = p->masked;
	}
	pthread_mutex_unlock(&hv->lock);
	return !d ? -ESRCH : p ? 0 : -EINVAL;
}

const struct xf_evtchn_ops mock_evtchn_ops = {
	.open = ev_open,
	.close = ev_close,
	.alloc_unbound = ev_alloc_unbound,
	.bind_interdomain = ev_bind_interdomain,
	.unbind = ev_unbind,
	.notify = ev_notify,
	.pending = ev_pending,
	.unmask = ev_unmask,
	.fd = ev_fd,
	.set_wakeup = ev_set_wakeup,
};
