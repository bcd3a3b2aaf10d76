/* SPDX-License-Identifier: MIT */
/* Backend side of the vif handshake, as Linux xen-netback/xenbus.c:
 * publish features, go to InitWait, connect when the frontend reports
 * Connected, Closing when it closes, Closed when it has closed, and
 * back to InitWait through Closing and Closed when it re-initialises.
 * Level-triggered: each step re-reads both states. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb_priv.h"

static int put(struct xf_nb_vif *v, const char *key, unsigned int val)
{
	char path[NB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", v->be_dir, key);
	return xf_xs_printf(v->p, v->xs, XF_TXN_NONE, path, "%u", val);
}

static int write_state(struct xf_nb_vif *v, int st)
{
	int rc = put(v, "state", (unsigned int)st);

	if (rc == 0) {
		v->be_state = st;
		v->reconfigured = false;
	}
	return rc;
}

/* A frontend flag as xenbus_read_unsigned(dir, key, 0): any non-zero
 * number is true (read_xenbus_vif_flags()). */
static bool fe_flag(struct xf_nb_vif *v, const char *key)
{
	char path[NB_PATH_MAX + 64];
	uint32_t x;

	snprintf(path, sizeof(path), "%s/%s", v->fe_dir, key);
	return xf_xs_read_scanu(v->p, v->xs, XF_TXN_NONE, path, &x) == 0 &&
	       x != 0;
}

static int fe_uint(struct xf_nb_vif *v, const char *base, const char *key,
		   uint64_t max, uint64_t *out)
{
	char path[NB_PATH_MAX + 96];

	snprintf(path, sizeof(path), "%s/%s", base, key);
	return xf_xs_read_uint(v->p, v->xs, XF_TXN_NONE, path, max, out);
}

static int probe(struct xf_nb_vif *v)
{
	const struct xf_nb_features *f = &v->cfg.feat;
	int rc = 0;

	rc |= put(v, "feature-rx-copy", f->rx_copy);
	rc |= put(v, "feature-rx-flip", 0);
	rc |= put(v, "feature-sg", f->sg);
	rc |= put(v, "feature-gso-tcpv4", f->gso_tcpv4);
	rc |= put(v, "feature-gso-tcpv6", f->gso_tcpv6);
	rc |= put(v, "feature-no-csum-offload", !f->csum);
	rc |= put(v, "feature-ipv6-csum-offload", f->ipv6_csum);
	rc |= put(v, "feature-split-event-channels", f->split_evtchn);
	rc |= put(v, "feature-multicast-control", f->multicast_control);
	rc |= put(v, "feature-dynamic-multicast-control",
		  f->dynamic_multicast);
	rc |= put(v, "feature-xdp-headroom", f->xdp_headroom);
	if (f->max_queues > 1) {
		rc |= put(v, "multi-queue-max-queues", f->max_queues);
	} else {
		char path[NB_PATH_MAX + 64];

		/* An earlier instance on this directory may have had more. */
		snprintf(path, sizeof(path), "%s/multi-queue-max-queues",
			 v->be_dir);
		v->p->store->rm(v->xs, XF_TXN_NONE, path);
	}
	if (rc)
		return -EIO;
	return write_state(v, nb_dance_first_state(v));
}

void nb_disconnect(struct xf_nb_vif *v)
{
	const struct xf_platform *p = v->p;

	for (unsigned int i = 0; i < v->nr_queues; i++) {
		struct nb_queue *q = &v->q[i];

		if (q->port_tx)
			p->evtchn->unbind(v->evh, q->port_tx);
		if (q->port_rx && q->port_rx != q->port_tx)
			p->evtchn->unbind(v->evh, q->port_rx);
		if (q->tx_map)
			p->gnt->unmap(v->p, q->tx_map, 1);
		if (q->rx_map)
			p->gnt->unmap(v->p, q->rx_map, 1);
		memset(q, 0, sizeof(*q));
	}
	v->nr_queues = 0;
	v->connected = false;
	atomic_store(&v->is_connected, false);
}

/* One queue's rings and channels, as connect_data_rings(): the
 * event-channel-tx/-rx pair first and event-channel only when the pair
 * cannot be read, whatever this backend offered in
 * feature-split-event-channels (so a stale pair wins over a fresh
 * event-channel, as in Linux). *split: the pair was used. */
static int connect_queue(struct xf_nb_vif *v, struct nb_queue *q,
			 const char *base, bool *split)
{
	const struct xf_platform *p = v->p;
	uint64_t tx_ref, rx_ref, ptx, prx;
	xf_gref ref;
	int rc;

	rc = fe_uint(v, base, "tx-ring-ref", UINT32_MAX, &tx_ref);
	if (rc == 0)
		rc = fe_uint(v, base, "rx-ring-ref", UINT32_MAX, &rx_ref);
	if (rc < 0) {
		nb_set_error(v, "%s: missing or bad ring-ref keys (%d)", base,
			     rc);
		return rc;
	}
	rc = fe_uint(v, base, "event-channel-tx", UINT32_MAX, &ptx);
	if (rc == 0)
		rc = fe_uint(v, base, "event-channel-rx", UINT32_MAX, &prx);
	*split = rc == 0;
	if (rc < 0) {
		rc = fe_uint(v, base, "event-channel", UINT32_MAX, &ptx);
		prx = ptx;
	}
	if (rc < 0) {
		nb_set_error(v, "%s: missing or bad event-channel keys (%d)",
			     base, rc);
		return rc;
	}
	ref = (xf_gref)tx_ref;
	rc = p->gnt->map(v->p, v->cfg.fe_domid, 1, &ref, true, &q->tx_map);
	if (rc == 0) {
		ref = (xf_gref)rx_ref;
		rc = p->gnt->map(v->p, v->cfg.fe_domid, 1, &ref, true,
				 &q->rx_map);
	}
	if (rc < 0) {
		nb_set_error(v, "%s: cannot map rings (%d)", base, rc);
		return rc;
	}
	xf_back_ring_attach(&q->tx, q->tx_map, XF_PAGE_SIZE,
			    XF_NETIF_TX_SLOT_SIZE, 0);
	xf_back_ring_attach(&q->rx, q->rx_map, XF_PAGE_SIZE,
			    XF_NETIF_RX_SLOT_SIZE, 0);
	rc = p->evtchn->bind_interdomain(v->evh, v->cfg.fe_domid,
					 (xf_port)ptx, &q->port_tx);
	if (rc == 0 && *split)
		rc = p->evtchn->bind_interdomain(v->evh, v->cfg.fe_domid,
						 (xf_port)prx, &q->port_rx);
	else
		q->port_rx = q->port_tx;
	if (rc < 0) {
		nb_set_error(v, "%s: cannot bind event channels (%d)", base,
			     rc);
		return rc;
	}
	return 0;
}

/* read_xenbus_frontend_xdp(), from read_xenbus_vif_flags() at connect
 * and on the frontend's Reconfiguring: read whether or not
 * feature-xdp-headroom was offered, clamped to
 * XEN_NETIF_MAX_XDP_HEADROOM; missing or unparsable is 0. */
static void read_xdp(struct xf_nb_vif *v)
{
	uint64_t h = 0;

	if (fe_uint(v, v->fe_dir, "xdp-headroom", UINT16_MAX, &h) < 0)
		h = 0;
	v->peer.xdp_headroom = h > XF_NETIF_MAX_XDP_HEADROOM ?
				       XF_NETIF_MAX_XDP_HEADROOM :
				       (unsigned int)h;
}

/* Returns 0 (connected, or waiting on stale rings) or the negative
 * errno of a failure, with the message in v->err. */
static int connect(struct xf_nb_vif *v)
{
	const struct xf_nb_features *f = &v->cfg.feat;
	struct xf_nb_peer *pe = &v->peer;
	char base[NB_PATH_MAX + 32];
	uint64_t nq = 1;
	bool split = false;
	int rc;

	if (!fe_flag(v, "request-rx-copy")) {
		nb_set_error(v, "frontend %s does not request rx-copy",
			     v->fe_dir);
		return -EOPNOTSUPP;
	}
	if (fe_uint(v, v->fe_dir, "multi-queue-num-queues", 65535, &nq) < 0)
		nq = 1;
	if (nq == 0 || nq > NB_MAX_QUEUES ||
	    (nq > 1 && nq > f->max_queues)) {
		nb_set_error(v, "frontend asks for %llu queues, max %u",
			     (unsigned long long)nq, f->max_queues);
		return -EINVAL;
	}
	memset(pe, 0, sizeof(*pe));
	for (unsigned int i = 0; i < nq; i++) {
		bool qsplit = false;

		if (nq == 1)
			snprintf(base, sizeof(base), "%s", v->fe_dir);
		else
			snprintf(base, sizeof(base), "%s/queue-%u", v->fe_dir,
				 i);
		v->nr_queues = i + 1;
		rc = connect_queue(v, &v->q[i], base, &qsplit);
		if (i == 0)
			split = qsplit;
		if (rc < 0) {
			nb_disconnect(v);
			return rc;
		}
		/* Rings a previous backend already answered on belong to an
		 * old session (we restarted while the frontend still says
		 * Connected): wait until the frontend writes again. */
		if (xf_shm_read_once(&v->q[i].tx.sring->rsp_prod) ||
		    xf_shm_read_once(&v->q[i].rx.sring->rsp_prod)) {
			nb_log(v, "%s: frontend rings are from an earlier "
			       "session; waiting for it to reconnect",
			       v->be_dir);
			nb_disconnect(v);
			v->stale = true;
			return 0;
		}
	}
	pe->nr_queues = (unsigned int)nq;
	pe->split_evtchn = split;
	pe->rx_notify = fe_flag(v, "feature-rx-notify");
	pe->sg = fe_flag(v, "feature-sg");
	pe->gso_tcpv4 = fe_flag(v, "feature-gso-tcpv4");
	pe->gso_tcpv6 = fe_flag(v, "feature-gso-tcpv6");
	pe->no_csum = fe_flag(v, "feature-no-csum-offload");
	pe->ipv6_csum = fe_flag(v, "feature-ipv6-csum-offload");
	pe->multicast_control = fe_flag(v, "request-multicast-control");
	read_xdp(v);
	/* Sampled now; honoured only if we offered the feature. */
	v->mcast_filter = pe->multicast_control &&
			  (f->multicast_control || f->dynamic_multicast);
	v->nr_mcast = 0;
	v->connected = true;
	atomic_store(&v->is_connected, true);
	nb_stat_add(v, &v->st.connects, 1);
	write_state(v, XF_XENBUS_CONNECTED);
	return 0;
}

/*
 * xenbus_dev_fatal() after a failed connect: "<errno> <message>" in
 * /local/domain/<be>/error/backend/vif/<fe>/<devid>/error (never
 * removed), then Closing. The frontend sees Closing, closes and starts
 * over, and the vif follows it through Closed to InitWait (which
 * clears the error) and connects to what it then writes. Until the
 * frontend's state changes, nothing is tried again (Linux acts on
 * watch events only; this vif steps on every wakeup). Linux's
 * set_backend_state() then also writes Connected over the Closing
 * (backend_switch_state() after backend_connect()); a frontend that
 * reads the state late sees only that, stays Connected on a vif that
 * serves nothing, and the device is lost until something else closes
 * it. The mock keeps the Closing.
 */
static void connect_fatal(struct xf_nb_vif *v, int err, int fe_state)
{
	if (xf_xs_write_fatal(v->p, v->xs, "vif", v->cfg.fe_domid,
			      v->cfg.devid, err, v->err) < 0)
		nb_log(v, "%s: cannot write its error node", v->be_dir);
	write_state(v, XF_XENBUS_CLOSING);
	v->fatal_fe_state = fe_state;
}

/* One step of Linux set_backend_state() from be_state towards target
 * (xen-netback/xenbus.c): returns the state to write next, or -1 when
 * the target is reached or this step is the connect. */
static int next_state(int cur, int target)
{
	switch (cur) {
	case XF_XENBUS_INITIALISING:
		return target == XF_XENBUS_CLOSED ? XF_XENBUS_CLOSED :
						    XF_XENBUS_INITWAIT;
	case XF_XENBUS_CLOSED:
		return target == XF_XENBUS_CLOSING ? XF_XENBUS_CLOSING :
						     XF_XENBUS_INITWAIT;
	case XF_XENBUS_INITWAIT:
		return target == XF_XENBUS_CONNECTED ? -1 : XF_XENBUS_CLOSING;
	case XF_XENBUS_CONNECTED:
		return XF_XENBUS_CLOSING;
	case XF_XENBUS_CLOSING:
	default:
		return XF_XENBUS_CLOSED;
	}
}

/*
 * Moves towards the state the frontend's implies, one state write per
 * step as Linux set_backend_state() does: a frontend that re-initialises
 * while we are Connected sees Closing, Closed, then InitWait (a watcher
 * may see them coalesced). Leaving Connected disconnects first. With
 * XF_NB_LENIENT_DIRECT_STATES the target is written at once instead.
 * Unlike Linux, a failed connect stops in InitWait (Linux writes
 * Connected regardless).
 */
static void set_backend_state(struct xf_nb_vif *v, int target, int fe_state)
{
	bool direct = v->cfg.lenient & XF_NB_LENIENT_DIRECT_STATES;

	while (v->be_state != target) {
		int next = next_state(v->be_state, target);

		if (v->be_state == XF_XENBUS_CONNECTED && v->connected)
			nb_disconnect(v);
		if (direct && target != XF_XENBUS_CONNECTED)
			next = target;
		else if (direct && v->be_state != XF_XENBUS_INITWAIT)
			next = XF_XENBUS_INITWAIT;
		if (next < 0) {
			int rc;

			if (v->stale || atomic_load(&v->broken))
				return;
			rc = connect(v); /* writes Connected on success */
			if (rc < 0)
				connect_fatal(v, rc, fe_state);
			if (!v->connected)
				return;
			continue;
		}
		if (next == XF_XENBUS_INITWAIT) {
			/* A frontend reopening after Closed: offer again. */
			atomic_store(&v->broken, false);
			if (probe(v) < 0)
				return;
			continue;
		}
		if (write_state(v, next) < 0)
			return;
	}
}

void nb_xb_step(struct xf_nb_vif *v)
{
	char *wp, *wt, *x = NULL;
	char path[NB_PATH_MAX + 16];
	uint64_t fst;
	int rc;

	while (v->p->store->read_watch(v->xs, &wp, &wt) == 0) {
		if (!strcmp(wt, "fe"))
			v->stale = false;
		free(wp);
		free(wt);
	}
	snprintf(path, sizeof(path), "%s/frontend", v->be_dir);
	if (xf_xs_read_str(v->p, v->xs, XF_TXN_NONE, path, &x) == -ENOENT) {
		/* The toolstack removed the device. */
		if (v->connected)
			nb_disconnect(v);
		v->probed = false;
		return;
	}
	free(x);
	if (!v->probed) {
		if (probe(v) < 0) {
			nb_log(v, "%s: cannot publish features", v->be_dir);
			return;
		}
		v->probed = true;
	}
	/* Dynamic multicast control: re-sampled on every change (the "mc"
	 * watch); the static variant was sampled once at connect. */
	if (v->connected && v->cfg.feat.dynamic_multicast) {
		bool on = fe_flag(v, "request-multicast-control");

		v->peer.multicast_control = on;
		v->mcast_filter = on;
	}
	rc = xf_xs_read_uint(v->p, v->xs, XF_TXN_NONE, v->fe_state_path, 255,
			     &fst);
	if (rc < 0) {
		if (v->connected)
			nb_disconnect(v);
		return;
	}
	if (v->fatal_fe_state >= 0) {
		if ((int)fst == v->fatal_fe_state)
			return;
		v->fatal_fe_state = -1;
	}
	switch ((int)fst) {
	case XF_XENBUS_INITIALISING:
		set_backend_state(v, XF_XENBUS_INITWAIT, (int)fst);
		break;
	case XF_XENBUS_INITIALISED:
		/* Linux frontend_changed() ignores Initialised: the rings
		 * are read when the frontend says Connected. */
		if (v->cfg.lenient & XF_NB_LENIENT_CONNECT_ON_INITIALISED)
			set_backend_state(v, XF_XENBUS_CONNECTED, (int)fst);
		break;
	case XF_XENBUS_CONNECTED:
		set_backend_state(v, XF_XENBUS_CONNECTED, (int)fst);
		break;
	case XF_XENBUS_CLOSING:
		/* As Linux netback: disconnect and answer Closing; Closed
		 * only follows the frontend's Closed. A frontend that waits
		 * for our Closed before writing its own hangs here, as it
		 * would on Linux. */
		set_backend_state(v, XF_XENBUS_CLOSING, (int)fst);
		break;
	case XF_XENBUS_CLOSED:
		set_backend_state(v, XF_XENBUS_CLOSED, (int)fst);
		break;
	case XF_XENBUS_RECONFIGURING:
		/* frontend_changed(): read_xenbus_frontend_xdp(), then
		 * xenbus_switch_state(Reconfigured), which skips the write
		 * when the device's cached state is already that. It is not
		 * backend_switch_state(): be->state stays Connected, so the
		 * frontend's Connected after it writes nothing and the store
		 * keeps saying Reconfigured. */
		read_xdp(v);
		if (!v->reconfigured &&
		    put(v, "state", XF_XENBUS_RECONFIGURED) == 0)
			v->reconfigured = true;
		break;
	default:
		break;
	}
}

int nb_xb_probe(struct xf_nb_vif *v)
{
	return probe(v);
}

int nb_xb_write_state(struct xf_nb_vif *v, int st)
{
	return write_state(v, st);
}
