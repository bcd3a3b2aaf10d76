/* SPDX-License-Identifier: MIT */
/* netfront object lifetime, public entry points and the error state. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_priv.h"

static const char *const drop_names[XF_NF_DROP_NR] = {
	[XF_NF_DROP_BACKEND_ERROR] = "backend-error",
	[XF_NF_DROP_BACKEND_DROPPED] = "backend-dropped",
	[XF_NF_DROP_DEVICE_ERROR] = "device-error",
	[XF_NF_DROP_TOO_BIG] = "too-big",
	[XF_NF_DROP_BAD_FRAME] = "bad-frame",
	[XF_NF_DROP_CLOSED] = "closed",
	[XF_NF_DROP_RX_STATUS] = "rx-status",
	[XF_NF_DROP_RX_CSUM] = "rx-csum",
	[XF_NF_DROP_RX_NO_CONSUMER] = "rx-no-consumer",
	[XF_NF_DROP_NO_MEMORY] = "no-memory",
	[XF_NF_DROP_RX_BAD_RESPONSE] = "rx-bad-response",
};

const char *xf_netfront_drop_name(enum xf_netfront_drop d)
{
	return xf_name_of(drop_names, XF_NAMES_N(drop_names), (unsigned int)d,
			  "unknown");
}

int nf_drop_errno(int drop)
{
	switch (drop) {
	case XF_NF_DROP_BACKEND_ERROR:
		return -EIO;
	case XF_NF_DROP_BACKEND_DROPPED:
		return -ENOBUFS;
	case XF_NF_DROP_DEVICE_ERROR:
		return -EPROTO;
	case XF_NF_DROP_TOO_BIG:
		return -EMSGSIZE;
	case XF_NF_DROP_BAD_FRAME:
		return -EINVAL;
	case XF_NF_DROP_CLOSED:
		return -ESHUTDOWN;
	default:
		return 0;
	}
}

void xf_netfront_config_init(struct xf_netfront_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_queues = 1;
}

void nf_log(struct xf_netfront *nf, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!nf->cfg.ops || !nf->cfg.ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nf->cfg.ops->log(nf->cfg.opaque, buf);
}

void nf_set_state(struct xf_netfront *nf, enum xf_netfront_state st)
{
	int old = atomic_exchange(&nf->state, (int)st);

	if (old != (int)st && nf->cfg.ops && nf->cfg.ops->state)
		nf->cfg.ops->state(nf->cfg.opaque, st);
}

void nf_vset_error(struct xf_netfront *nf, const char *fmt, va_list ap)
{
	bool was;

	pthread_mutex_lock(&nf->lock);
	was = atomic_exchange(&nf->broken, true);
	if (!was) {
		vsnprintf(nf->err, sizeof(nf->err), fmt, ap);
		nf->st.errors++;
	}
	pthread_mutex_unlock(&nf->lock);
	if (was)
		return;
	nf_log(nf, "%s: error: %s", nf->dir, nf->err);
	nf_set_state(nf, XF_NETFRONT_ERROR);
	/* Every queue flushes its frames with DEVICE_ERROR when it runs. */
	for (unsigned int i = 0; i < nf->max_queues; i++)
		nf_queue_kick(&nf->q[i]);
}

void nf_set_error(struct xf_netfront *nf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nf_vset_error(nf, fmt, ap);
	va_end(ap);
}

void nf_stat_add(struct xf_netfront *nf, uint64_t *field, uint64_t v)
{
	pthread_mutex_lock(&nf->lock);
	*field += v;
	pthread_mutex_unlock(&nf->lock);
}

static int read_own_dir(struct xf_netfront *nf)
{
	const struct xf_platform *p = nf->p;
	char path[NF_PATH_MAX + 32];
	char *v = NULL;
	uint64_t u;
	int rc;

	snprintf(path, sizeof(path), "%s/mac", nf->dir);
	rc = xf_xs_read_str(p, nf->xs, XF_TXN_NONE, path, &v);
	if (rc < 0) {
		nf_log(nf, "%s: cannot read mac: %d", nf->dir, rc);
		return rc;
	}
	rc = xf_mac_parse(v, nf->mac);
	free(v);
	if (rc < 0) {
		nf_log(nf, "%s/mac: not a MAC address", nf->dir);
		return rc;
	}
	snprintf(path, sizeof(path), "%s/mtu", nf->dir);
	rc = xf_xs_read_uint(p, nf->xs, XF_TXN_NONE, path, 65535, &u);
	nf->feat.mtu = rc == 0 && u >= 68 ? (unsigned int)u : 1500;
	snprintf(path, sizeof(path), "%s/trusted", nf->dir);
	rc = xf_xs_read_uint(p, nf->xs, XF_TXN_NONE, path, 1, &u);
	/* Every response is copied once anyway; trusted=0 is recorded. */
	nf->feat.trusted = rc != 0 || u != 0;
	snprintf(path, sizeof(path), "%s/backend", nf->dir);
	rc = xf_xs_read_str(p, nf->xs, XF_TXN_NONE, path, &v);
	if (rc < 0) {
		nf_log(nf, "%s: cannot read backend: %d", nf->dir, rc);
		return rc;
	}
	if (strlen(v) >= sizeof(nf->be)) {
		free(v);
		return -ENAMETOOLONG;
	}
	strcpy(nf->be, v);
	free(v);
	snprintf(path, sizeof(path), "%s/backend-id", nf->dir);
	rc = xf_xs_read_uint(p, nf->xs, XF_TXN_NONE, path, 0xfffe, &u);
	if (rc < 0) {
		nf_log(nf, "%s: bad backend-id: %d", nf->dir, rc);
		return rc;
	}
	nf->be_id = (xf_domid)u;
	return 0;
}

int xf_netfront_new(const struct xf_netfront_config *cfg,
		    struct xf_netfront **out)
{
	struct xf_netfront *nf;
	unsigned int i, maxq;
	int rc;

	if (!cfg || !cfg->plat || !cfg->rt || !cfg->dev_path || !out)
		return -EINVAL;
	maxq = cfg->max_queues ? cfg->max_queues : 1;
	if (maxq > XF_NETFRONT_MAX_QUEUES)
		return -EINVAL;
	if (cfg->event_index_bug != XF_RING_EVIDX_OK &&
	    cfg->event_index_bug != XF_RING_EVIDX_STALE &&
	    cfg->event_index_bug != XF_RING_EVIDX_AHEAD)
		return -EINVAL;
	if (cfg->rx_high_watermark &&
	    cfg->rx_low_watermark > cfg->rx_high_watermark)
		return -EINVAL;
	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	nf->cfg = *cfg;
	nf->p = cfg->plat;
	nf->rt = cfg->rt;
	nf->max_queues = maxq;
	pthread_mutex_init(&nf->lock, NULL);
	atomic_init(&nf->state, XF_NETFRONT_INIT);
	atomic_init(&nf->broken, false);
	atomic_init(&nf->lose_events, 0);
	if (cfg->dev_path[0] == '/')
		rc = snprintf(nf->dir, sizeof(nf->dir), "%s", cfg->dev_path);
	else
		rc = snprintf(nf->dir, sizeof(nf->dir), "/local/domain/%u/%s",
			      nf->p->domid, cfg->dev_path);
	if (rc < 0 || (size_t)rc >= sizeof(nf->dir)) {
		rc = -ENAMETOOLONG;
		goto err_free;
	}
	rc = nf->p->store->open(nf->p, &nf->xs);
	if (rc < 0)
		goto err_free;
	rc = read_own_dir(nf);
	if (rc < 0)
		goto err_xs;
	for (i = 0; i < maxq; i++) {
		rc = nf_queue_init(nf, i);
		if (rc < 0)
			goto err_q;
	}
	rc = nf_xb_init(nf);
	if (rc < 0)
		goto err_q;
	*out = nf;
	return 0;
err_q:
	while (i-- > 0)
		nf_queue_fini(&nf->q[i]);
err_xs:
	nf->p->store->close(nf->xs);
err_free:
	pthread_mutex_destroy(&nf->lock);
	free(nf);
	return rc;
}

int xf_netfront_start(struct xf_netfront *nf)
{
	int rc;

	if (!nf)
		return -EINVAL;
	if (atomic_load(&nf->state) != XF_NETFRONT_INIT)
		return -EALREADY;
	nf_set_state(nf, XF_NETFRONT_WAIT_BACKEND);
	rc = nf_xb_watch_backend(nf);
	if (rc < 0)
		return rc;
	xf_actor_kick(&nf->xb_actor);
	return 0;
}

static uint32_t flow_hash(const uint8_t *d, uint32_t len)
{
	struct xf_pkt_info pi;
	uint32_t h = 2166136261u;
	uint32_t end;

	if (xf_pkt_parse(d, len, &pi) < 0)
		return 0;
	end = pi.l4_off + 4;
	/* Addresses and ports: FNV-1a keeps a flow on one queue. */
	for (uint32_t i = pi.l3_off + (pi.ip_version == 4 ? 12 : 8);
	     i < pi.l4_off; i++)
		h = (h ^ d[i]) * 16777619u;
	for (uint32_t i = pi.l4_off; i < end; i++)
		h = (h ^ d[i]) * 16777619u;
	/* FNV's low bits are weak; mix before the modulo. */
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

int xf_netfront_send(struct xf_netfront *nf, int queue,
		     const struct xf_net_frame *f, uint64_t cookie)
{
	struct nf_txframe *fr;
	struct nf_queue *q;
	uint32_t len = 0, off = 0;
	unsigned int qi, st, limit, nq;

	if (!nf || !f || !f->frags || f->nr_frags == 0 ||
	    f->nr_frags > XF_NETFRONT_MAX_FRAGS)
		return -EINVAL;
	for (unsigned int i = 0; i < f->nr_frags; i++) {
		if (!f->frags[i].data && f->frags[i].len)
			return -EINVAL;
		len += f->frags[i].len;
		if (len > XF_NET_MAX_FRAME)
			return -EMSGSIZE;
	}
	if (len == 0)
		return -EINVAL;
	st = (unsigned int)atomic_load(&nf->state);
	if (atomic_load(&nf->broken))
		return -EPROTO;
	if (st == XF_NETFRONT_CLOSING || st == XF_NETFRONT_CLOSED)
		return -ESHUTDOWN;
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	fr->data = malloc(len);
	if (!fr->data) {
		free(fr);
		return -ENOMEM;
	}
	/* The caller's buffers are copied now: the backend never sees them
	 * and the caller may reuse them at once. */
	for (unsigned int i = 0; i < f->nr_frags; i++) {
		memcpy(fr->data + off, f->frags[i].data, f->frags[i].len);
		off += f->frags[i].len;
		fr->slot_len[i] = f->frags[i].len;
	}
	fr->nr_slots = f->nr_frags;
	fr->len = len;
	fr->flags = f->flags;
	fr->gso_size = f->gso_size;
	fr->gso_type = f->gso_type;
	fr->cookie = cookie;
	fr->drop = -1;
	/* Only the negotiated queues are serviced: a frame parked on any
	 * other would never complete. Queue 0 until the first connect. */
	nq = atomic_load(&nf->nr_queues);
	if (nq == 0)
		nq = 1;
	if (queue >= 0)
		qi = (unsigned int)queue % nq;
	else
		qi = flow_hash(fr->data, len) % nq;
	q = &nf->q[qi];
	limit = nf->cfg.tx_backlog_max ? nf->cfg.tx_backlog_max : 4096;
	pthread_mutex_lock(&q->bl_lock);
	if (q->bl_len >= limit) {
		pthread_mutex_unlock(&q->bl_lock);
		nf_tx_free_frame(fr);
		return -EAGAIN;
	}
	XF_FIFO_PUSH(&q->bl, fr, next);
	q->bl_len++;
	pthread_mutex_unlock(&q->bl_lock);
	nf_queue_kick(q);
	return 0;
}

int xf_netfront_mcast(struct xf_netfront *nf, const uint8_t
		      mac[XF_ETH_ALEN], bool add)
{
	struct nf_txframe *fr;

	if (!nf || !mac)
		return -EINVAL;
	if (atomic_load(&nf->state) != XF_NETFRONT_CONNECTED)
		return -ENOTCONN;
	if (!nf->feat.multicast_control)
		return -EOPNOTSUPP;
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	fr->mcast = true;
	fr->mcast_add = add;
	memcpy(fr->mcast_addr, mac, XF_ETH_ALEN);
	fr->drop = -1;
	nf_bl_push(&nf->q[0], fr);
	nf_queue_kick(&nf->q[0]);
	return 0;
}

int xf_netfront_mcast_filter(struct xf_netfront *nf, bool on)
{
	char path[NF_PATH_MAX + 32];

	if (!nf)
		return -EINVAL;
	if (atomic_load(&nf->state) != XF_NETFRONT_CONNECTED)
		return -ENOTCONN;
	if (!nf->feat.dynamic_multicast)
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "%s/request-multicast-control", nf->dir);
	return xf_xs_printf(nf->p, nf->xs, XF_TXN_NONE, path, "%u",
			    on ? 1u : 0u);
}

int xf_netfront_suspend(struct xf_netfront *nf)
{
	if (!nf)
		return -EINVAL;
	nf->suspended = true;
	xf_actor_kick(&nf->xb_actor);
	return 0;
}

int xf_netfront_resume(struct xf_netfront *nf)
{
	if (!nf)
		return -EINVAL;
	if (!nf->suspended)
		return -EINVAL;
	nf->suspended = false;
	/* The toolstack may have recreated our directory with a different
	 * backend: read it again, and leave the error state (as Linux only
	 * does on resume or remove+add). */
	if (read_own_dir(nf) == 0) {
		pthread_mutex_lock(&nf->lock);
		nf->err[0] = '\0';
		pthread_mutex_unlock(&nf->lock);
		atomic_store(&nf->broken, false);
	}
	nf->xb_state = XF_XENBUS_UNKNOWN;
	nf->resync = false;
	nf_set_state(nf, XF_NETFRONT_WAIT_BACKEND);
	nf_xb_watch_backend(nf);
	xf_actor_kick(&nf->xb_actor);
	return 0;
}

int xf_netfront_close(struct xf_netfront *nf)
{
	if (!nf)
		return -EINVAL;
	nf->close_req = true;
	nf_set_state(nf, XF_NETFRONT_CLOSING);
	xf_actor_kick(&nf->xb_actor);
	return 0;
}

void xf_netfront_free(struct xf_netfront *nf)
{
	struct nf_region *r, *n;

	if (!nf)
		return;
	xf_actor_remove(&nf->xb_actor);
	for (unsigned int i = 0; i < nf->max_queues; i++)
		xf_actor_remove(&nf->q[i].actor);
	for (unsigned int i = 0; i < nf->max_queues; i++) {
		struct nf_queue *q = &nf->q[i];

		pthread_mutex_lock(&q->lock);
		nf_queue_quiesce(q, XF_NF_DROP_CLOSED);
		nf_tx_flush_all(q, XF_NF_DROP_CLOSED);
		nf_queue_release(q);
		nf_unlock_deliver(q);
	}
	nf_release_retry(nf);
	/* Whatever the backend still maps is abandoned here; the platform
	 * counts it as a leak. */
	for (r = nf->release; r; r = n) {
		n = r->next;
		free(r->refs);
		free(r);
	}
	for (unsigned int i = 0; i < nf->max_queues; i++)
		nf_queue_fini(&nf->q[i]);
	if (nf->watched_be[0])
		nf->p->store->unwatch(nf->xs, nf->watched_be, "be");
	nf->p->store->close(nf->xs);
	pthread_mutex_destroy(&nf->lock);
	free(nf);
}

enum xf_netfront_state xf_netfront_state(const struct xf_netfront *nf)
{
	return (enum xf_netfront_state)atomic_load(&nf->state);
}

const char *xf_netfront_error(const struct xf_netfront *nf)
{
	return atomic_load(&nf->broken) ? nf->err : NULL;
}

void xf_netfront_mac(const struct xf_netfront *nf, uint8_t mac[XF_ETH_ALEN])
{
	memcpy(mac, nf->mac, XF_ETH_ALEN);
}

unsigned int xf_netfront_nr_queues(const struct xf_netfront *nf)
{
	return nf->nr_queues;
}

void xf_netfront_features(const struct xf_netfront *nf,
			  struct xf_netfront_features *out)
{
	*out = nf->feat;
}

void xf_netfront_stats(const struct xf_netfront *nf,
		       struct xf_netfront_stats *out)
{
	struct xf_netfront *m = (struct xf_netfront *)nf;

	pthread_mutex_lock(&m->lock);
	*out = nf->st;
	pthread_mutex_unlock(&m->lock);
	/* The watchdog's counters live in the queues only (as blkfront's
	 * do): summed here, one queue lock at a time. */
	for (unsigned int i = 0; i < nf->max_queues; i++) {
		struct nf_queue *q = &m->q[i];

		pthread_mutex_lock(&q->lock);
		out->watchdog_checks += q->wd_checks;
		out->watchdog_recoveries += q->wd_recoveries;
		out->watchdog_responses += q->wd_responses;
		out->tx_timeouts += q->tx_timeouts;
		out->tx_timeout_slots += q->tx_timeout_slots;
		out->events_lost += q->events_lost;
		pthread_mutex_unlock(&q->lock);
	}
}

/* The oldest tx slots still out, oldest first, for hang reports. */
static void tx_oldest(const struct nf_queue *q,
		      struct xf_netfront_queue_info *out)
{
	uint64_t now = xf_rt_now_ns(q->nf->rt);

	for (unsigned int id = 0; id < q->nr_tx; id++) {
		uint64_t age;
		unsigned int k;

		if (!q->tx_owner[id])
			continue;
		age = now > q->tx_at[id] ? now - q->tx_at[id] : 0;
		k = out->ntx_oldest < XF_NETFRONT_DUMP_TX ?
		    out->ntx_oldest++ : XF_NETFRONT_DUMP_TX;
		while (k > 0 && out->tx_oldest[k - 1].age_ns < age) {
			if (k < XF_NETFRONT_DUMP_TX)
				out->tx_oldest[k] = out->tx_oldest[k - 1];
			k--;
		}
		if (k < XF_NETFRONT_DUMP_TX) {
			out->tx_oldest[k].id = (uint16_t)id;
			out->tx_oldest[k].age_ns = age;
		}
	}
}

int xf_netfront_queue_info(const struct xf_netfront *nf, unsigned int queue,
			   struct xf_netfront_queue_info *out)
{
	struct nf_queue *q;

	if (!nf || !out || queue >= nf->max_queues)
		return -EINVAL;
	q = (struct nf_queue *)&nf->q[queue];
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&q->bl_lock);
	out->tx_backlog = q->bl_len;
	pthread_mutex_unlock(&q->bl_lock);
	pthread_mutex_lock(&q->lock);
	out->set_up = q->set_up;
	if (q->set_up && !q->quiesced) {
		out->port_tx = q->port_tx;
		out->port_rx = q->port_rx;
		out->tx_inflight = q->nr_tx - q->tx_nfree + q->tx_extras_out;
		out->rx_posted = q->rx_posted;
		xf_front_ring_indices(&q->tx, &out->tx_ring);
		xf_front_ring_indices(&q->rx, &out->rx_ring);
		out->grants = q->tx_ring_pg.n + q->rx_ring_pg.n +
			      q->tx_bufs.n + q->rx_bufs.n;
		tx_oldest(q, out);
	}
	out->timer_armed = q->timer_at != UINT64_MAX;
	out->notify_received = q->notify_received;
	out->watchdog_checks = q->wd_checks;
	out->watchdog_recoveries = q->wd_recoveries;
	out->watchdog_responses = q->wd_responses;
	out->tx_timeouts = q->tx_timeouts;
	out->tx_timeout_slots = q->tx_timeout_slots;
	out->events_lost = q->events_lost;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int xf_netfront_lose_events(struct xf_netfront *nf, unsigned int n)
{
	if (!nf)
		return -EINVAL;
	atomic_store(&nf->lose_events, n);
	return 0;
}
