/* SPDX-License-Identifier: MIT */
/* Transmit: backlog, offload decisions and fallbacks, slot layout, tx
 * responses. Everything here runs with q->lock held; finished frames
 * wait on the done list for their tx_done (deliver.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nf_priv.h"

void nf_tx_free_frame(struct nf_txframe *fr)
{
	free(fr->data);
	free(fr);
}

void nf_bl_push(struct nf_queue *q, struct nf_txframe *fr)
{
	pthread_mutex_lock(&q->bl_lock);
	XF_FIFO_PUSH(&q->bl, fr, next);
	q->bl_len++;
	pthread_mutex_unlock(&q->bl_lock);
}

void nf_bl_push_front(struct nf_queue *q, struct nf_txframe *fr)
{
	pthread_mutex_lock(&q->bl_lock);
	XF_FIFO_PUSH_FRONT(&q->bl, fr, next);
	q->bl_len++;
	pthread_mutex_unlock(&q->bl_lock);
}

void nf_bl_push_list_front(struct nf_queue *q, nf_txlist *l, unsigned int n)
{
	pthread_mutex_lock(&q->bl_lock);
	XF_FIFO_SPLICE_FRONT(&q->bl, l, next);
	q->bl_len += n;
	pthread_mutex_unlock(&q->bl_lock);
}

static struct nf_txframe *bl_peek(struct nf_queue *q)
{
	struct nf_txframe *fr;

	pthread_mutex_lock(&q->bl_lock);
	fr = XF_FIFO_HEAD(&q->bl);
	pthread_mutex_unlock(&q->bl_lock);
	return fr;
}

struct nf_txframe *nf_bl_pop(struct nf_queue *q)
{
	struct nf_txframe *fr;

	pthread_mutex_lock(&q->bl_lock);
	fr = XF_FIFO_POP(&q->bl, next);
	if (fr)
		q->bl_len--;
	pthread_mutex_unlock(&q->bl_lock);
	return fr;
}

struct nf_queue *nf_bl_rehome(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;
	unsigned int nq = atomic_load(&nf->nr_queues);
	nf_txlist moved = XF_FIFO_INIT;
	struct nf_queue *to;
	unsigned int n;

	/* Before the first connect (nq == 0) frames wait where they are;
	 * send() then uses queue 0. */
	if (nq == 0 || q->idx < nq)
		return NULL;
	to = &nf->q[q->idx % nq];
	/* One lock at a time: send() pushes under a single bl_lock too, and
	 * it kicks the queue afterwards, so a frame that lands here after
	 * the detach is moved by the next run. */
	pthread_mutex_lock(&q->bl_lock);
	XF_FIFO_SPLICE(&moved, &q->bl, next);
	n = q->bl_len;
	q->bl_len = 0;
	pthread_mutex_unlock(&q->bl_lock);
	if (XF_FIFO_EMPTY(&moved))
		return NULL;
	pthread_mutex_lock(&to->bl_lock);
	XF_FIFO_SPLICE(&to->bl, &moved, next);
	to->bl_len += n;
	pthread_mutex_unlock(&to->bl_lock);
	return to;
}

/* Ends a frame exactly once: drop >= 0 names why it did not make it. */
void nf_tx_complete(struct nf_queue *q, struct nf_txframe *fr, int drop)
{
	struct xf_netfront *nf = q->nf;
	struct nf_txframe *parent = fr->parent;
	int status;

	if (drop < 0)
		drop = fr->drop;
	status = drop >= 0 ? nf_drop_errno(drop) : fr->status;
	pthread_mutex_lock(&nf->lock);
	if (drop >= 0 && drop < XF_NF_DROP_NR) {
		nf->st.drops[drop]++;
	} else if (!fr->mcast && !fr->segmented) {
		nf->st.tx_frames++;
		nf->st.tx_bytes += fr->len;
		nf->st.tx_queue_frames[q->idx]++;
	}
	pthread_mutex_unlock(&nf->lock);
	if (parent) {
		if (status && !parent->status) {
			parent->status = status;
			parent->drop = drop;
		}
		nf_tx_free_frame(fr);
		if (--parent->outstanding == 0)
			nf_tx_complete(q, parent, parent->drop);
		return;
	}
	if (fr->garp) {
		if (status == 0)
			nf_stat_add(nf, &nf->st.garp_sent, 1);
	} else if (fr->mcast) {
		if (status == 0)
			nf_stat_add(nf, &nf->st.mcast_sent, 1);
	} else if (nf->cfg.ops && nf->cfg.ops->tx_done) {
		/* Called back after the lock is dropped (deliver.c). */
		fr->status = status;
		XF_FIFO_PUSH(&q->done, fr, next);
		return;
	}
	nf_tx_free_frame(fr);
}

void nf_tx_flush_all(struct nf_queue *q, int drop)
{
	struct nf_txframe *fr;

	while ((fr = nf_bl_pop(q)))
		nf_tx_complete(q, fr, drop);
}

static void tx_rsp_error(struct nf_queue *q, const char *what,
			 unsigned int id, int status)
{
	nf_queue_error(q, "queue %u: tx response %s (id %u, status %d)",
		       q->idx, what, id, status);
}

int nf_tx_responses(struct nf_queue *q)
{
	struct xf_netif_tx_response rsp;
	xf_ring_idx prod;
	int n;

	n = xf_front_ring_responses(&q->tx, &prod);
	if (n < 0) {
		nf_queue_error(q, "queue %u: tx rsp_prod %u more than a "
			       "ring ahead of rsp_cons %u", q->idx, prod,
			       q->tx.rsp_cons);
		return -EIO;
	}
	while (n-- > 0) {
		struct nf_txframe *fr;

		/* Copied once; only the private copy is looked at. */
		xf_front_ring_take_response(&q->tx, &rsp, sizeof(rsp));
		/* NULL answers an extra-info slot only: one per extra sent.
		 * On a data slot it would leave that frame pending forever. */
		if (rsp.status == XF_NETIF_RSP_NULL) {
			if (q->tx_extras_out == 0) {
				tx_rsp_error(q, "with NULL status for a "
					     "data slot", rsp.id, rsp.status);
				return -EIO;
			}
			q->tx_extras_out--;
			q->tx_rsp_seen++;
			continue;
		}
		if (rsp.id >= q->nr_tx || !q->tx_owner[rsp.id]) {
			tx_rsp_error(q, "for an id not in flight", rsp.id,
				     rsp.status);
			return -EIO;
		}
		if (rsp.status != XF_NETIF_RSP_OKAY &&
		    rsp.status != XF_NETIF_RSP_ERROR &&
		    rsp.status != XF_NETIF_RSP_DROPPED) {
			tx_rsp_error(q, "with an unknown status", rsp.id,
				     rsp.status);
			return -EIO;
		}
		fr = q->tx_owner[rsp.id];
		q->tx_owner[rsp.id] = NULL;
		q->tx_rsp_seen++;
		/* The grant stays with the id: recycled for the next frame. */
		q->tx_free[q->tx_nfree++] = rsp.id;
		if (rsp.status == XF_NETIF_RSP_ERROR && fr->drop < 0)
			fr->drop = XF_NF_DROP_BACKEND_ERROR;
		else if (rsp.status == XF_NETIF_RSP_DROPPED && fr->drop < 0)
			fr->drop = XF_NF_DROP_BACKEND_DROPPED;
		if (--fr->outstanding == 0)
			nf_tx_complete(q, fr, -1);
	}
	return 0;
}

struct seg_ctx {
	struct nf_txframe *parent;
	nf_txlist segs;
	int err;
};

static int seg_emit(void *opaque, uint8_t *seg, uint32_t len)
{
	struct seg_ctx *c = opaque;
	struct nf_txframe *fr = calloc(1, sizeof(*fr));

	if (!fr || !(fr->data = malloc(len))) {
		free(fr);
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	memcpy(fr->data, seg, len);
	fr->len = len;
	fr->slot_len[0] = len;
	fr->nr_slots = 1;
	fr->parent = c->parent;
	fr->drop = -1;
	fr->flags = XF_NET_F_DATA_VALIDATED;
	XF_FIFO_PUSH(&c->segs, fr, next);
	c->parent->outstanding++;
	return 0;
}

/* Replaces the backlog head by its software segments. */
static int tx_sw_segment(struct nf_queue *q, struct nf_txframe *fr)
{
	struct seg_ctx c = { .parent = fr, .segs = XF_FIFO_INIT };
	struct nf_txframe *s;
	int rc;

	fr->outstanding = 0;
	rc = xf_pkt_gso_segment(fr->data, fr->len, fr->gso_size, seg_emit,
				&c);
	if (rc < 0 || c.err) {
		while ((s = XF_FIFO_POP(&c.segs, next)))
			nf_tx_free_frame(s);
		fr->outstanding = 0;
		return rc < 0 ? rc : c.err;
	}
	nf_stat_add(q->nf, &q->nf->st.tx_sw_gso, 1);
	/* The children, in order, at the head of the backlog. */
	nf_bl_push_list_front(q, &c.segs, fr->outstanding);
	/* The parent only waits for its children now. */
	fr->segmented = true;
	return 0;
}

/* Slot lengths for a frame under the negotiated features. Returns the
 * slot count, or -EMSGSIZE. */
static int tx_layout(struct nf_queue *q, const struct nf_txframe *fr,
		     uint32_t *out, bool *linearized)
{
	struct xf_netfront *nf = q->nf;
	unsigned int n = 0, max;
	uint32_t i, minfirst;
	struct xf_pkt_info pi;

	*linearized = false;
	max = nf->feat.sg ? NF_MAX_TX_SLOTS : 1;
	for (i = 0; i < fr->nr_slots; i++) {
		uint32_t l = fr->slot_len[i];

		while (l > 0) {
			uint32_t c = l > XF_PAGE_SIZE ? XF_PAGE_SIZE : l;

			if (n >= NF_MAX_TX_SLOTS + 1)
				goto repack;
			out[n++] = c;
			l -= c;
		}
	}
	if (!nf->cfg.tx_raw_layout && n > 1) {
		/* Backends drop a first slot shorter than the Ethernet
		 * header and want the protocol headers in it (XSA-423). */
		minfirst = XF_ETH_HLEN;
		if (xf_pkt_parse(fr->data, fr->len, &pi) == 0)
			minfirst = pi.payload_off;
		if (minfirst > XF_PAGE_SIZE)
			minfirst = XF_PAGE_SIZE;
		if (minfirst > fr->len)
			minfirst = fr->len;
		if (out[0] < minfirst) {
			*linearized = true;
			goto repack;
		}
	}
	if (n <= max)
		return (int)n;
repack:
	/* Raw layout sends the caller's chain or nothing: one over the slot
	 * limit is dropped, as Linux netfront did before it linearised
	 * ("skb rides the rocket"). Without SG the stack linearises, so a
	 * one-slot repack is still what the old driver saw. */
	if (nf->cfg.tx_raw_layout && nf->feat.sg)
		return -EMSGSIZE;
	*linearized = true;
	n = 0;
	for (uint32_t off = 0; off < fr->len; off += XF_PAGE_SIZE)
		out[n++] = fr->len - off > XF_PAGE_SIZE ? XF_PAGE_SIZE :
							  fr->len - off;
	if (n > max)
		return -EMSGSIZE;
	return (int)n;
}

static void put_extra(struct nf_queue *q, const struct xf_netif_extra_info *e)
{
	uint8_t slot[XF_NETIF_TX_SLOT_SIZE];
	void *dst = xf_front_ring_next_request(&q->tx);

	/* Whole slot written: no stale bytes reach the backend. */
	memset(slot, 0, sizeof(slot));
	memcpy(slot, e, sizeof(*e));
	memcpy(dst, slot, sizeof(slot));
	q->tx_extras_out++;
}

/* now: the tx-timeout stamp of the slot (0 when that is off). */
static uint16_t put_req(struct nf_queue *q, struct nf_txframe *fr,
			uint16_t flags, uint16_t size, const uint8_t *data,
			uint32_t len, uint64_t now)
{
	struct xf_netif_tx_request req;
	uint16_t id = q->tx_free[--q->tx_nfree];
	uint8_t *page = (uint8_t *)q->tx_bufs.addr + (size_t)id * XF_PAGE_SIZE;

	if (len)
		memcpy(page, data, len);
	q->tx_owner[id] = fr;
	q->tx_at[id] = now;
	fr->outstanding++;
	memset(&req, 0, sizeof(req));
	req.gref = q->tx_bufs.refs[id];
	req.offset = 0;
	req.flags = flags;
	req.id = id;
	req.size = size;
	memcpy(xf_front_ring_next_request(&q->tx), &req, sizeof(req));
	return id;
}

static bool csum_offload_ok(struct xf_netfront *nf, uint8_t ipver)
{
	if (nf->cfg.no_tx_csum)
		return false;
	return ipver == 6 ? nf->feat.tx_csum_v6 : nf->feat.tx_csum_v4;
}

static bool gso_offload_ok(struct xf_netfront *nf, uint8_t type)
{
	if (!nf->feat.sg)
		return false;
	if (type == XF_NETIF_GSO_TYPE_TCPV4)
		return nf->feat.gso_tcpv4;
	if (type == XF_NETIF_GSO_TYPE_TCPV6)
		return nf->feat.gso_tcpv6;
	return false;
}

static void send_mcast(struct nf_queue *q, struct nf_txframe *fr,
		       uint64_t now)
{
	struct xf_netif_extra_info e;

	put_req(q, fr, XF_NETTXF_extra_info, 0, NULL, 0, now);
	memset(&e, 0, sizeof(e));
	e.type = fr->mcast_add ? XF_NETIF_EXTRA_TYPE_MCAST_ADD :
				 XF_NETIF_EXTRA_TYPE_MCAST_DEL;
	memcpy(e.u.mcast.addr, fr->mcast_addr, XF_ETH_ALEN);
	put_extra(q, &e);
}

/* Decides offloads for the head frame. Returns 1 when it was replaced
 * (segmented or dropped) and the loop should look again, 0 when it is
 * ready with txflags and hw_gso set. */
static int tx_prepare(struct nf_queue *q, struct nf_txframe *fr,
		      uint16_t *txflags, bool *hw_gso)
{
	struct xf_netfront *nf = q->nf;
	struct xf_pkt_info pi;
	int rc;

	*txflags = 0;
	*hw_gso = false;
	if (fr->gso_size) {
		rc = xf_pkt_parse(fr->data, fr->len, &pi);
		if (rc < 0 || pi.l4 != XF_PKT_L4_TCP)
			goto bad;
		if (!fr->gso_type)
			fr->gso_type = xf_pkt_gso_type(&pi);
		if (gso_offload_ok(nf, fr->gso_type) &&
		    csum_offload_ok(nf, pi.ip_version)) {
			*hw_gso = true;
			*txflags = XF_NETTXF_csum_blank |
				   XF_NETTXF_data_validated;
			return 0;
		}
		/* The backend cannot segment: do it here. */
		nf_bl_pop(q);
		rc = tx_sw_segment(q, fr);
		if (rc < 0)
			nf_tx_complete(q, fr, rc == -ENOMEM ?
					      XF_NF_DROP_NO_MEMORY :
					      XF_NF_DROP_BAD_FRAME);
		return 1;
	}
	if (fr->flags & XF_NET_F_CSUM_BLANK) {
		rc = xf_pkt_parse(fr->data, fr->len, &pi);
		if (rc < 0)
			goto bad;
		if (csum_offload_ok(nf, pi.ip_version)) {
			*txflags = XF_NETTXF_csum_blank |
				   XF_NETTXF_data_validated;
			return 0;
		}
		/* Software fallback: the backend would forward it blank. */
		xf_pkt_csum_fill(fr->data, fr->len);
		fr->flags &= ~XF_NET_F_CSUM_BLANK;
		fr->flags |= XF_NET_F_DATA_VALIDATED;
		nf_stat_add(nf, &nf->st.tx_sw_csum, 1);
	}
	if (fr->flags & XF_NET_F_DATA_VALIDATED)
		*txflags = XF_NETTXF_data_validated;
	return 0;
bad:
	nf_bl_pop(q);
	nf_tx_complete(q, fr, XF_NF_DROP_BAD_FRAME);
	return 1;
}

int nf_tx_pump(struct nf_queue *q)
{
	struct xf_netfront *nf = q->nf;
	struct nf_txframe *fr;
	uint32_t lens[NF_MAX_TX_SLOTS + 2];
	bool pushed = false;
	/* Stamp for the tx timeout, read once per batch. */
	uint64_t now = nf->cfg.tx_timeout_ns ? xf_rt_now_ns(nf->rt) : 0;

	for (;;) {
		uint16_t txflags;
		bool hw_gso, lin;
		unsigned int need;
		uint32_t off;
		int n;

		/* A frame the last pass ended is called back before the
		 * next one charges the vCPU. */
		if (!nf_deliver(q, NULL))
			return -ESTALE;
		fr = bl_peek(q);
		if (!fr)
			break;

		if (fr->mcast) {
			if (xf_front_ring_free_requests(&q->tx) < 2 ||
			    q->tx_nfree < 1)
				break;
			nf_bl_pop(q);
			send_mcast(q, fr, now);
			pushed = true;
			continue;
		}
		if (tx_prepare(q, fr, &txflags, &hw_gso))
			continue;
		n = tx_layout(q, fr, lens, &lin);
		if (n < 0) {
			nf_bl_pop(q);
			nf_tx_complete(q, fr, XF_NF_DROP_TOO_BIG);
			continue;
		}
		need = (unsigned int)n + (hw_gso ? 1 : 0);
		if (xf_front_ring_free_requests(&q->tx) < need ||
		    q->tx_nfree < (unsigned int)n)
			break;
		nf_bl_pop(q);
		if (lin)
			nf_stat_add(nf, &nf->st.tx_linearized, 1);
		fr->outstanding = 0;
		fr->status = 0;
		off = 0;
		for (int i = 0; i < n; i++) {
			uint16_t fl = 0, size = (uint16_t)lens[i];

			if (i == 0) {
				fl = txflags;
				/* First slot: total frame size. */
				size = (uint16_t)fr->len;
				if (hw_gso)
					fl |= XF_NETTXF_extra_info;
			}
			if (i + 1 < n)
				fl |= XF_NETTXF_more_data;
			put_req(q, fr, fl, size, fr->data + off, lens[i], now);
			off += lens[i];
			if (i == 0 && hw_gso) {
				struct xf_netif_extra_info e;

				memset(&e, 0, sizeof(e));
				e.type = XF_NETIF_EXTRA_TYPE_GSO;
				e.u.gso.size = fr->gso_size;
				e.u.gso.type = fr->gso_type;
				put_extra(q, &e);
			}
		}
		nf_stat_add(nf, &nf->st.tx_slots, need);
		if (nf->cfg.tx_cost_ns)
			xf_rt_charge(nf->rt, nf->cfg.tx_cost_ns);
		pushed = true;
	}
	if (pushed && xf_front_ring_push_requests(&q->tx) &&
	    nf->p->evtchn->notify(q->evh, q->port_tx) < 0)
		nf_stat_add(nf, &nf->st.notify_failed, 1);
	return 0;
}

int nf_queue_garp(struct xf_netfront *nf)
{
	struct nf_txframe *fr = calloc(1, sizeof(*fr));

	if (!fr || !(fr->data = malloc(64))) {
		free(fr);
		return -ENOMEM;
	}
	fr->len = xf_pkt_build_garp(fr->data, nf->mac, nf->cfg.garp_ip4_be);
	fr->slot_len[0] = fr->len;
	fr->nr_slots = 1;
	fr->garp = true;
	fr->drop = -1;
	nf_bl_push_front(&nf->q[0], fr);
	nf_queue_kick(&nf->q[0]);
	return 0;
}
