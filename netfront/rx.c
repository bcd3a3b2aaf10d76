/* SPDX-License-Identifier: MIT */
/* Receive: refill policy, response validation, reassembly of multi-slot
 * frames and extra-info chains, checksum completion. Runs with q->lock
 * held; the rx callback is made with it dropped (deliver.c). The
 * backend is untrusted: each response is copied once and checked before
 * anything is read from the page it names. A bad response drops its
 * packet and the queue carries on, as Linux xen-netfront.c:
 * xennet_get_responses() does (rx_bad_response_fatal: the error state
 * instead); only more responses than buffers posted is fatal. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nf_priv.h"

void nf_rx_reset(struct nf_queue *q)
{
	memset(&q->rxs, 0, offsetof(struct nf_rxstate, buf));
	q->rx_posted = 0;
}

void nf_rx_refill(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;
	unsigned int added = 0;

	/* Hysteresis: refill in batches once below the low watermark, so
	 * the backend is not notified for every single buffer. */
	if (q->rx_posted >= q->rx_low && q->rx_posted > 0)
		return;
	while (q->rx_posted < q->rx_high &&
	       xf_front_ring_free_requests(&q->rx) > 0) {
		struct xf_netif_rx_request req;
		xf_ring_idx idx = q->rx.req_prod_pvt;
		/* Responses land in the slot of their request (netif.h), so
		 * the id is the slot index and names a page of our own. */
		uint16_t id = (uint16_t)(idx & (q->nr_rx - 1));

		memset(&req, 0, sizeof(req));
		req.id = id;
		req.gref = q->rx_bufs.refs[id];
		memcpy(xf_front_ring_next_request(&q->rx), &req, sizeof(req));
		q->rx_posted++;
		added++;
	}
	if (!added)
		return;
	nf_stat_add(nf, &nf->st.rx_refills, 1);
	if (xf_front_ring_push_requests(&q->rx) &&
	    nf->p->evtchn->notify(q->evh, q->port_rx) < 0)
		nf_stat_add(nf, &nf->st.notify_failed, 1);
}

/* Counts the frame just completed; false when it is dropped, else *f
 * describes it (data in the reassembly buffer) for the rx callback. */
static bool rx_finish(struct nf_queue *q, struct xf_net_rx_frame *f)
{
	struct xf_netfront *nf = q->nf;
	struct nf_rxstate *s = &q->rxs;
	int drop = -1;

	memset(f, 0, sizeof(*f));
	f->data = s->buf;
	f->len = s->len;
	f->queue = q->idx;
	f->nr_slots = s->slots;
	f->gso_size = s->gso_size;
	f->gso_type = s->gso_type;
	if (s->rx_flags & XF_NETRXF_data_validated)
		f->flags |= XF_NET_F_DATA_VALIDATED;
	if (s->bad) {
		drop = XF_NF_DROP_RX_BAD_RESPONSE;
	} else if (s->dropped) {
		drop = XF_NF_DROP_RX_STATUS;
	} else if ((s->rx_flags & XF_NETRXF_csum_blank) &&
		   !nf->cfg.no_rx_csum_complete) {
		/* The backend left the checksum to us (CHECKSUM_PARTIAL). */
		if (xf_pkt_csum_fill(s->buf, s->len) == 0) {
			f->flags |= XF_NET_F_DATA_VALIDATED;
			nf_stat_add(nf, &nf->st.rx_csum_completed, 1);
		}
	} else if (s->rx_flags & XF_NETRXF_csum_blank) {
		f->flags |= XF_NET_F_CSUM_BLANK;
	} else if (nf->cfg.rx_verify_csum &&
		   !(f->flags & XF_NET_F_DATA_VALIDATED) && !s->gso_size &&
		   xf_pkt_csum_verify(s->buf, s->len) == -EBADMSG) {
		drop = XF_NF_DROP_RX_CSUM;
	}
	if (drop < 0 && (!nf->cfg.ops || !nf->cfg.ops->rx))
		drop = XF_NF_DROP_RX_NO_CONSUMER;
	pthread_mutex_lock(&nf->lock);
	if (drop >= 0) {
		nf->st.drops[drop]++;
	} else {
		nf->st.rx_frames++;
		nf->st.rx_bytes += s->len;
		nf->st.rx_queue_frames[q->idx]++;
	}
	nf->st.rx_slots += s->slots;
	pthread_mutex_unlock(&nf->lock);
	if (nf->cfg.rx_cost_ns)
		xf_rt_charge(nf->rt, nf->cfg.rx_cost_ns);
	return drop < 0;
}

static int rx_bad(struct nf_queue *q, const char *fmt, unsigned int a,
		  int b)
{
	char what[128];

	snprintf(what, sizeof(what), fmt, a, b);
	nf_queue_error(q, "queue %u: rx %s", q->idx, what);
	return -EIO;
}

/* A bad response: with rx_bad_response_fatal the error state (-EIO);
 * else the packet is marked to be dropped once its chain has been
 * consumed (0), the first reason logged at the next delivery, as
 * xennet_get_responses() warns and counts rx_errors. */
static int rx_reject(struct nf_queue *q, const char *fmt, unsigned int a,
		     int b)
{
	struct nf_rxstate *s = &q->rxs;
	char what[80];

	if (q->nf->cfg.rx_bad_response_fatal)
		return rx_bad(q, fmt, a, b);
	if (!s->bad) {
		s->bad = true;
		snprintf(what, sizeof(what), fmt, a, b);
		if (!q->log_pending[0])
			snprintf(q->log_pending, sizeof(q->log_pending),
				 "%s: queue %u: rx %s: packet dropped",
				 q->nf->dir, q->idx, what);
	}
	return 0;
}

static int rx_check_gso(struct nf_queue *q)
{
	struct nf_rxstate *s = &q->rxs;

	if (s->gso_size == 0)
		return rx_reject(q, "GSO extra with size %u (type %d)", 0,
				 s->gso_type);
	if (s->gso_type != XF_NETIF_GSO_TYPE_TCPV4 &&
	    s->gso_type != XF_NETIF_GSO_TYPE_TCPV6)
		return rx_reject(q, "GSO extra of size %u with bad type %d",
				 s->gso_size, s->gso_type);
	return 0;
}

static int rx_extra(struct nf_queue *q, const void *slot)
{
	struct nf_rxstate *s = &q->rxs;
	bool fatal = q->nf->cfg.rx_bad_response_fatal;
	struct xf_netif_extra_info e;
	int rc = 0;

	memcpy(&e, slot, sizeof(e));
	/* xennet_get_extras() takes any number of extras, the later of a
	 * type replacing the earlier; the old netfront took four. */
	if (++s->extras > NF_MAX_EXTRAS && fatal)
		return rx_bad(q, "extra-info chain longer than %u (type %d)",
			      NF_MAX_EXTRAS, e.type);
	if (e.type == XF_NETIF_EXTRA_TYPE_NONE ||
	    e.type >= (fatal ? XF_NETIF_EXTRA_TYPE_MAX : NF_EXTRA_TYPE_LIMIT))
		rc = rx_reject(q, "extra-info slot %u with invalid type %d",
			       s->extras, e.type);
	else if (e.type == XF_NETIF_EXTRA_TYPE_GSO) {
		/* Checked when the packet is complete, as
		 * xennet_set_skb_gso() does with the last GSO extra. */
		s->has_gso = true;
		s->gso_size = e.u.gso.size;
		s->gso_type = e.u.gso.type;
		if (fatal)
			rc = rx_check_gso(q);
	}
	/* MCAST, HASH and XDP extras carry nothing the receive path
	 * needs. */
	s->want_extra = (e.flags & XF_NETIF_EXTRA_FLAG_MORE) != 0;
	return rc;
}

static int rx_data(struct nf_queue *q, const struct xf_netif_rx_response *r,
		   xf_ring_idx idx)
{
	struct nf_rxstate *s = &q->rxs;
	bool fatal = q->nf->cfg.rx_bad_response_fatal;
	uint16_t want_id = (uint16_t)(idx & (q->nr_rx - 1));
	const uint8_t *page;
	int rc = 0;

	/* xennet_get_responses() finds the buffer by ring index and never
	 * looks at the id; the old netfront refused a wrong one. */
	if (fatal && r->id != want_id)
		return rx_bad(q, "response id %u in slot of request %d",
			      r->id, want_id);
	if (++s->data_slots > NF_MAX_RX_SLOTS && fatal)
		return rx_bad(q, "more_data chain longer than %u slots (%d)",
			      NF_MAX_RX_SLOTS, (int)s->data_slots);
	if (s->data_slots == 1)
		s->first_status = r->status;
	if (r->status < 0) {
		/* A dropped frame is legal: count it, keep the chain. */
		s->dropped = true;
	} else {
		uint32_t sz = (uint32_t)r->status;

		if ((fatal && r->offset >= XF_PAGE_SIZE) ||
		    (uint32_t)r->offset + sz > XF_PAGE_SIZE)
			rc = rx_reject(q, "offset %u + size %d past the page",
				       r->offset, r->status);
		else if (s->len + sz > NF_RX_BUF_MAX)
			rc = rx_reject(q, "frame longer than %u bytes (%d)",
				       NF_RX_BUF_MAX, (int)(s->len + sz));
		if (rc < 0)
			return rc;
		if (!s->bad) {
			page = (const uint8_t *)q->rx_bufs.addr +
			       (size_t)want_id * XF_PAGE_SIZE;
			/* Copied once out of the shared page. */
			xf_shm_copy_in(s->buf + s->len, page + r->offset, sz);
			s->len += sz;
		}
	}
	s->want_more = (r->flags & XF_NETRXF_more_data) != 0;
	return 0;
}

/* Checks a packet whose chain is complete the way Linux does after
 * xennet_get_responses(): the slot count (XEN_NETIF_NR_SLOTS_MIN, one
 * more for a small first slot: -E2BIG) and the last GSO extra
 * (xennet_set_skb_gso()). */
static int rx_check_complete(struct nf_queue *q)
{
	struct nf_rxstate *s = &q->rxs;
	unsigned int max = NF_MAX_RX_SLOTS + (s->first_status <= 256 ? 1 : 0);

	if (s->data_slots > max)
		return rx_reject(q, "more_data chain of %u slots (at most %d)",
				 s->data_slots, (int)max);
	return s->has_gso ? rx_check_gso(q) : 0;
}

/* Frame in the reassembly state dropped, its slots consumed: counted
 * as the rx callback's drops are. */
static void rx_count_drop(struct nf_queue *q, enum xf_netfront_drop d)
{
	struct xf_netfront *nf = q->nf;

	pthread_mutex_lock(&nf->lock);
	nf->st.drops[d]++;
	nf->st.rx_slots += q->rxs.slots;
	pthread_mutex_unlock(&nf->lock);
	memset(&q->rxs, 0, offsetof(struct nf_rxstate, buf));
}

int nf_rx_responses(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;
	struct nf_rxstate *s = &q->rxs;
	xf_ring_idx prod;
	int n, rc;

	n = xf_front_ring_responses(&q->rx, &prod);
	if (n < 0) {
		nf_queue_error(q, "queue %u: rx rsp_prod %u more than a "
			       "ring ahead of rsp_cons %u", q->idx, prod,
			       q->rx.rsp_cons);
		return -EIO;
	}
	if ((unsigned int)n > q->rx_posted)
		return rx_bad(q, "%u responses for %d posted buffers",
			      (unsigned int)n, (int)q->rx_posted);
	while (n-- > 0) {
		uint8_t slot[XF_NETIF_RX_SLOT_SIZE];
		struct xf_netif_rx_response r;
		xf_ring_idx idx = q->rx.rsp_cons;

		xf_front_ring_take_response(&q->rx, slot, sizeof(slot));
		q->rx_posted--;
		s->slots++;
		if (s->want_extra) {
			rc = rx_extra(q, slot);
		} else {
			memcpy(&r, slot, sizeof(r));
			if (!s->active) {
				s->active = true;
				s->rx_flags = r.flags;
			}
			rc = rx_data(q, &r, idx);
			/* Extras follow the first slot only. */
			if (rc == 0 && s->slots == 1 &&
			    (r.flags & XF_NETRXF_extra_info))
				s->want_extra = true;
		}
		if (rc == 0 && !s->want_extra && !s->want_more &&
		    !nf->cfg.rx_bad_response_fatal)
			rc = rx_check_complete(q);
		if (rc < 0)
			return rc;
		if (!s->want_extra && !s->want_more) {
			struct xf_net_rx_frame f;

			/* Called back here, before the refill below may
			 * notify the backend; the buffer is not touched
			 * until the callback has returned. */
			if (!nf_deliver(q, rx_finish(q, &f) ? &f : NULL))
				return -ESTALE;
			memset(s, 0, offsetof(struct nf_rxstate, buf));
		}
		/* Keep the ring fed while a burst drains. */
		nf_rx_refill(q);
	}
	/* A chain the backend did not push whole: xennet_get_responses()
	 * ("Need more slots") and xennet_get_extras() ("Missing extra
	 * info") drop it, consumed up to rsp_prod; rx_wait_partial waits
	 * for the rest instead. */
	if ((s->active || s->want_extra) && !nf->cfg.rx_wait_partial &&
	    !nf->cfg.rx_bad_response_fatal) {
		rx_reject(q, "chain cut by rsp_prod after %u slots (%d data)",
			  s->slots, (int)s->data_slots);
		rx_count_drop(q, XF_NF_DROP_RX_BAD_RESPONSE);
	}
	return 0;
}
