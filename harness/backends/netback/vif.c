/* SPDX-License-Identifier: MIT */
/* The vif object: lifetime, its actor, stats and logging. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nb_priv.h"

static const char *const drop_names[XF_NB_DROP_NR] = {
	[XF_NB_DROP_LOSS] = "loss",
	[XF_NB_DROP_SHORT_FIRST] = "short-first-slot",
	[XF_NB_DROP_BAD_REQUEST] = "bad-request",
	[XF_NB_DROP_RX_QUEUE_FULL] = "rx-queue-full",
	[XF_NB_DROP_RX_TOO_BIG] = "rx-too-big",
	[XF_NB_DROP_MCAST_FILTER] = "mcast-filter",
	[XF_NB_DROP_NOT_CONNECTED] = "not-connected",
	[XF_NB_DROP_COPY_FAILED] = "copy-failed",
	[XF_NB_DROP_TOO_MANY_SLOTS] = "too-many-slots",
	[XF_NB_DROP_INCOMPLETE_CHAIN] = "incomplete-chain",
};

const char *xf_nb_drop_name(enum xf_nb_drop d)
{
	return XF_NAME_OF(drop_names, d, "unknown");
}

void xf_nb_features_default(struct xf_nb_features *f)
{
	memset(f, 0, sizeof(*f));
	f->rx_copy = true;
	f->sg = true;
	f->gso_tcpv4 = true;
	f->gso_tcpv6 = true;
	f->csum = true;
	f->ipv6_csum = true;
	f->split_evtchn = true;
	f->multicast_control = true;
	f->dynamic_multicast = true;
	f->xdp_headroom = true;
	f->max_queues = 4;
}

void xf_nb_vif_config_init(struct xf_nb_vif_config *c)
{
	memset(c, 0, sizeof(*c));
	xf_nb_features_default(&c->feat);
	c->max_slots = XF_NB_MAX_SLOTS_DEFAULT;
	c->fatal_skb_slots = XF_NB_FATAL_SKB_SLOTS_DEFAULT;
}

void nb_log(struct xf_nb_vif *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!v->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	v->cfg.log(v->cfg.log_opaque, buf);
}

void nb_set_error(struct xf_nb_vif *v, const char *fmt, ...)
{
	va_list ap;

	if (atomic_load(&v->broken))
		return;
	va_start(ap, fmt);
	vsnprintf(v->err, sizeof(v->err), fmt, ap);
	va_end(ap);
	atomic_store(&v->broken, true);
	nb_log(v, "%s: error: %s", v->be_dir, v->err);
}

void nb_stat_add(struct xf_nb_vif *v, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&v->st_lock);
	*field += n;
	pthread_mutex_unlock(&v->st_lock);
}

void nb_drop(struct xf_nb_vif *v, enum xf_nb_drop d)
{
	nb_stat_add(v, &v->st.drops[d], 1);
}

struct nb_frame *nb_frame_new(const uint8_t *data, uint32_t len)
{
	struct nb_frame *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->data = malloc(len ? len : 1);
	if (!f->data) {
		free(f);
		return NULL;
	}
	if (data)
		memcpy(f->data, data, len);
	f->len = len;
	return f;
}

void nb_frame_free(struct nb_frame *f)
{
	if (!f)
		return;
	free(f->data);
	free(f);
}

void nb_frames_free(nb_framelist *q)
{
	struct nb_frame *f;

	while ((f = XF_FIFO_POP(q, next)))
		nb_frame_free(f);
}

static struct xf_nb_vif *vif_of(struct xf_actor *a)
{
	return (struct xf_nb_vif *)((char *)a -
				    offsetof(struct xf_nb_vif, actor));
}

static void vif_run(struct xf_actor *a)
{
	struct xf_nb_vif *v = vif_of(a);
	uint64_t next = UINT64_MAX, t;
	int port;

	while ((port = v->p->evtchn->pending(v->evh)) >= 0)
		v->p->evtchn->unmask(v->evh, (xf_port)port);
	nb_dance_step(v);
	if (!v->connected || atomic_load(&v->broken)) {
		nb_rx_flush(v);
		return;
	}
	for (unsigned int i = 0; i < v->nr_queues; i++) {
		t = nb_tx_process(v, &v->q[i]);
		if (t < next)
			next = t;
		if (atomic_load(&v->broken))
			return;
	}
	t = nb_tx_release(v);
	if (t < next)
		next = t;
	nb_rx_process(v);
	if (next != UINT64_MAX)
		xf_actor_set_timer(&v->actor, next);
}

static const struct xf_actor_ops vif_ops = {
	.run = vif_run,
};

int xf_nb_vif_new(const struct xf_nb_vif_config *c, struct xf_nb_vif **out)
{
	struct xf_nb_vif *v;
	int rc;

	if (!c || !c->plat || !c->rt || !out)
		return -EINVAL;
	if (c->max_slots > XF_NB_SLOTS_LIMIT ||
	    c->fatal_skb_slots > XF_NB_SLOTS_LIMIT || nb_dance_check(c))
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->cfg = *c;
	if (!v->cfg.max_slots)
		v->cfg.max_slots = XF_NB_MAX_SLOTS_DEFAULT;
	if (!v->cfg.fatal_skb_slots)
		v->cfg.fatal_skb_slots = XF_NB_FATAL_SKB_SLOTS_DEFAULT;
	if (v->cfg.fatal_skb_slots < v->cfg.max_slots)
		v->cfg.fatal_skb_slots = v->cfg.max_slots;
	v->p = c->plat;
	v->rt = c->rt;
	atomic_init(&v->bugs, c->bugs);
	atomic_init(&v->loss_ppm, c->loss_ppm);
	atomic_init(&v->broken, false);
	atomic_init(&v->is_connected, false);
	v->fatal_fe_state = -1;
	v->set_fe_state = -1;
	pthread_mutex_init(&v->rx_lock, NULL);
	pthread_mutex_init(&v->st_lock, NULL);
	snprintf(v->be_dir, sizeof(v->be_dir),
		 "/local/domain/%u/backend/vif/%u/%u", v->p->domid,
		 c->fe_domid, c->devid);
	snprintf(v->fe_dir, sizeof(v->fe_dir), "/local/domain/%u/device/vif/%u",
		 c->fe_domid, c->devid);
	snprintf(v->fe_state_path, sizeof(v->fe_state_path), "%s/state",
		 v->fe_dir);
	if (c->pcap_path) {
		rc = nb_pcap_open(c->pcap_path, &v->pcap);
		if (rc < 0)
			goto err;
	}
	rc = v->p->store->open(v->p, &v->xs);
	if (rc < 0)
		goto err_pcap;
	rc = v->p->evtchn->open(v->p, &v->evh);
	if (rc < 0)
		goto err_xs;
	rc = xf_actor_add(v->rt, &v->actor, &vif_ops, "netback-vif",
			  c->vcpu < xf_rt_nr_vcpus(v->rt) ? c->vcpu : 0);
	if (rc < 0)
		goto err_evh;
	rc = v->p->store->set_wakeup(v->xs, xf_actor_wakeup, &v->actor);
	if (rc == -ENOTSUP)
		rc = xf_actor_watch_fd(&v->actor, v->p->store->fd(v->xs));
	if (rc == 0) {
		rc = v->p->evtchn->set_wakeup(v->evh, xf_actor_wakeup,
					      &v->actor);
		if (rc == -ENOTSUP)
			rc = xf_actor_watch_fd(&v->actor,
					       v->p->evtchn->fd(v->evh));
	}
	if (rc < 0)
		goto err_actor;
	if (c->sw) {
		rc = nb_switch_attach(c->sw, v);
		if (rc < 0)
			goto err_actor;
	}
	/* Both directories: the frontend's state, and ours (so removal of
	 * the device by the toolstack is seen). */
	snprintf(v->fe_mc_path, sizeof(v->fe_mc_path),
		 "%s/request-multicast-control", v->fe_dir);
	rc = v->p->store->watch(v->xs, v->fe_state_path, "fe");
	if (rc == 0)
		rc = v->p->store->watch(v->xs, v->be_dir, "be");
	if (rc == 0 && c->feat.dynamic_multicast)
		rc = v->p->store->watch(v->xs, v->fe_mc_path, "mc");
	if (rc < 0) {
		if (c->sw)
			nb_switch_detach(c->sw, v);
		goto err_actor;
	}
	nb_dance_start(v);
	xf_actor_kick(&v->actor);
	*out = v;
	return 0;
err_actor:
	xf_actor_remove(&v->actor);
err_evh:
	v->p->evtchn->close(v->evh);
err_xs:
	v->p->store->close(v->xs);
err_pcap:
	nb_pcap_close(v->pcap);
err:
	pthread_mutex_destroy(&v->rx_lock);
	pthread_mutex_destroy(&v->st_lock);
	free(v);
	return rc;
}

void xf_nb_vif_free(struct xf_nb_vif *v)
{
	char path[NB_PATH_MAX + 16];

	if (!v)
		return;
	xf_actor_remove(&v->actor);
	if (v->cfg.sw)
		nb_switch_detach(v->cfg.sw, v);
	/* Unmap first: the frontend may revoke its grants once it sees
	 * Closed. */
	nb_disconnect(v);
	snprintf(path, sizeof(path), "%s/state", v->be_dir);
	if (v->probed)
		xf_xs_printf(v->p, v->xs, XF_TXN_NONE, path, "%d",
			     XF_XENBUS_CLOSED);
	v->p->store->unwatch(v->xs, v->fe_state_path, "fe");
	v->p->store->unwatch(v->xs, v->be_dir, "be");
	if (v->cfg.feat.dynamic_multicast)
		v->p->store->unwatch(v->xs, v->fe_mc_path, "mc");
	v->p->evtchn->set_wakeup(v->evh, NULL, NULL);
	v->p->store->set_wakeup(v->xs, NULL, NULL);
	v->p->evtchn->close(v->evh);
	v->p->store->close(v->xs);
	nb_frames_free(&v->lat);
	nb_frames_free(&v->rx);
	nb_pcap_close(v->pcap);
	pthread_mutex_destroy(&v->rx_lock);
	pthread_mutex_destroy(&v->st_lock);
	free(v);
}

void xf_nb_vif_set_bugs(struct xf_nb_vif *v, uint32_t bugs)
{
	atomic_store(&v->bugs, bugs);
}

void xf_nb_vif_set_loss(struct xf_nb_vif *v, uint32_t loss_ppm)
{
	atomic_store(&v->loss_ppm, loss_ppm);
}

bool xf_nb_vif_connected(const struct xf_nb_vif *v)
{
	return atomic_load(&v->is_connected);
}

const char *xf_nb_vif_error(const struct xf_nb_vif *v)
{
	return atomic_load(&v->broken) ? v->err : NULL;
}

void xf_nb_vif_peer(const struct xf_nb_vif *v, struct xf_nb_peer *out)
{
	*out = v->peer;
}

void xf_nb_vif_stats(const struct xf_nb_vif *v, struct xf_nb_vif_stats *out)
{
	struct xf_nb_vif *m = (struct xf_nb_vif *)v;
	int perr = nb_pcap_sync(m->pcap);

	pthread_mutex_lock(&m->st_lock);
	*out = v->st;
	pthread_mutex_unlock(&m->st_lock);
	out->pcap_error = perr;
	pthread_mutex_lock(&m->rx_lock);
	out->rx_queue_peak = m->rx_peak;
	pthread_mutex_unlock(&m->rx_lock);
}
