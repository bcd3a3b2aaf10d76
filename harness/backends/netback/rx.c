/* SPDX-License-Identifier: MIT */
/* Guest receive: queue frames for the guest, segment what it cannot take
 * whole, validate checksums, and grant-copy into its posted buffers with
 * responses in the slots of the requests they answer (netif.h). */
#include <errno.h>
#include <string.h>

#include "nb_priv.h"

void nb_rx_enqueue(struct xf_nb_vif *v, struct nb_frame *f)
{
	unsigned int max = v->cfg.rx_queue_max ? v->cfg.rx_queue_max :
			   XF_NB_RX_QUEUE_MAX_DEFAULT;
	bool full;

	pthread_mutex_lock(&v->rx_lock);
	full = v->rx_len >= max;
	if (!full) {
		XF_FIFO_PUSH(&v->rx, f, next);
		v->rx_len++;
		if (v->rx_len > v->rx_peak)
			v->rx_peak = v->rx_len;
	}
	pthread_mutex_unlock(&v->rx_lock);
	if (full) {
		nb_drop(v, XF_NB_DROP_RX_QUEUE_FULL);
		nb_frame_free(f);
		return;
	}
	xf_actor_kick(&v->actor);
}

static struct nb_frame *rx_pop(struct xf_nb_vif *v)
{
	struct nb_frame *f;

	pthread_mutex_lock(&v->rx_lock);
	f = XF_FIFO_POP(&v->rx, next);
	if (f)
		v->rx_len--;
	pthread_mutex_unlock(&v->rx_lock);
	return f;
}

/* Puts frames taken but not delivered back ahead of everything queued,
 * in their order; *back is left empty. */
static void rx_push_front(struct xf_nb_vif *v, nb_framelist *back)
{
	unsigned int n = 0;

	for (const struct nb_frame *f = back->head; f; f = f->next)
		n++;
	pthread_mutex_lock(&v->rx_lock);
	XF_FIFO_SPLICE_FRONT(&v->rx, back, next);
	v->rx_len += n;
	pthread_mutex_unlock(&v->rx_lock);
}

void nb_rx_flush(struct xf_nb_vif *v)
{
	struct nb_frame *f;

	while ((f = rx_pop(v))) {
		nb_drop(v, XF_NB_DROP_NOT_CONNECTED);
		nb_frame_free(f);
	}
}

static bool mcast_allowed(struct xf_nb_vif *v, const struct nb_frame *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (!v->mcast_filter || !(f->data[0] & 1) ||
	    memcmp(f->data, bcast, 6) == 0)
		return true;
	for (unsigned int i = 0; i < v->nr_mcast; i++)
		if (memcmp(v->mcast[i], f->data, 6) == 0)
			return true;
	return false;
}

static bool peer_gso(struct xf_nb_vif *v, uint8_t type)
{
	if (!v->peer.sg)
		return false;
	if (type == XF_NETIF_GSO_TYPE_TCPV4)
		return v->peer.gso_tcpv4;
	if (type == XF_NETIF_GSO_TYPE_TCPV6)
		return v->peer.gso_tcpv6;
	return false;
}

static unsigned int pick_queue(struct xf_nb_vif *v, const struct nb_frame *f)
{
	struct xf_pkt_info pi;
	uint32_t h = 2166136261u;
	uint32_t from;

	if (v->nr_queues == 1 || xf_pkt_parse(f->data, f->len, &pi) < 0)
		return 0;
	/* Addresses and ports (FNV-1a): a flow stays on one queue. */
	from = pi.l3_off + (pi.ip_version == 4 ? 12 : 8);
	for (uint32_t i = from; i < pi.l4_off + 4 && i < f->len; i++) {
		h = (h ^ f->data[i]) * 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h % v->nr_queues;
}

/* Bytes of a frame one rx slot carries: a page less the headroom the
 * frontend asked for (xenvif_rx_data_slot() starts every slot's copy at
 * xdp_headroom). 0 when the headroom leaves nothing: Linux's copy loop
 * does not guard against that, the mock drops such frames. */
static uint32_t slot_room(const struct xf_nb_vif *v)
{
	return v->peer.xdp_headroom < XF_PAGE_SIZE ?
		       XF_PAGE_SIZE - v->peer.xdp_headroom : 0;
}

/* Puts one frame on queue q. Returns 0, or -EAGAIN when the guest has
 * not posted enough buffers. Slots as xenvif_rx_skb() fills them: the
 * first data slot, the extras (GSO, then XDP when the frontend asked
 * for headroom; EXTRA_FLAG_MORE on all but the last), the other data
 * slots. Unlike Linux's xenvif_update_needed_slots(), the XDP extra
 * and the headroom are counted in what must be posted. */
static int rx_put(struct xf_nb_vif *v, struct nb_queue *q,
		  struct nb_frame *f, bool *notify)
{
	struct xf_gnt_copy_seg seg[XF_NETIF_NR_SLOTS_MIN];
	struct xf_netif_rx_request req[XF_NETIF_NR_SLOTS_MIN + 2];
	const uint32_t head = v->peer.xdp_headroom, room = slot_room(v);
	unsigned int nslots, need, nextra, k = 0, e = 0, i;
	uint16_t flags = 0;
	int copy_rc;
	int avail;

	nslots = (f->len + room - 1) / room;
	if (nslots == 0)
		nslots = 1;
	nextra = (f->gso_size ? 1 : 0) + (head ? 1 : 0);
	need = nslots + nextra;
	/* Fewer buffers than the frame needs: req_event is armed so that
	 * the guest's next refill wakes us. */
	avail = xf_back_ring_wait_requests(&q->rx, need);
	if (avail < 0) {
		nb_set_error(v, "rx req_prod %u more than a ring ahead",
			     xf_shm_read_once(&q->rx.sring->req_prod));
		return -EPROTO;
	}
	if (avail == 0)
		return -EAGAIN;
	for (i = 0; i < need; i++)
		xf_back_ring_take_request(&q->rx, &req[i], sizeof(req[i]));
	flags = nb_offload_rx_flags(v, f);
	/* Data goes into the buffers of the data slots, after the
	 * headroom; the extra slots' buffers stay unused (their response
	 * slots carry the extras). */
	for (i = 0; i < need; i++) {
		uint32_t off = k * room;
		uint32_t len;

		if (i >= 1 && i <= nextra)
			continue;
		len = f->len - off > room ? room : f->len - off;
		seg[k].to_grant = true;
		seg[k].domid = v->cfg.fe_domid;
		seg[k].gref = req[i].gref;
		seg[k].offset = (uint16_t)head;
		seg[k].local = f->data + off;
		seg[k].len = (uint16_t)len;
		seg[k].status = 0;
		k++;
	}
	/* A copy that fails outright leaves every segment's status
	 * meaningless: answer every slot of the frame with an error rather
	 * than "len bytes" for data that never arrived. */
	copy_rc = v->p->gnt->copy(v->p, seg, k);
	if (copy_rc < 0)
		nb_drop(v, XF_NB_DROP_COPY_FAILED);
	k = 0;
	for (i = 0; i < need; i++) {
		uint8_t slot[XF_NETIF_RX_SLOT_SIZE];

		memset(slot, 0, sizeof(slot));
		if (i >= 1 && i <= nextra) {
			struct xf_netif_extra_info x;

			memset(&x, 0, sizeof(x));
			if (f->gso_size && e == 0) {
				x.type = XF_NETIF_EXTRA_TYPE_GSO;
				x.u.gso.size = f->gso_size;
				x.u.gso.type = f->gso_type;
			} else {
				x.type = XF_NETIF_EXTRA_TYPE_XDP;
				x.u.xdp.headroom = (uint16_t)head;
			}
			if (++e < nextra)
				x.flags = XF_NETIF_EXTRA_FLAG_MORE;
			memcpy(slot, &x, sizeof(x));
		} else {
			struct xf_netif_rx_response r;

			memset(&r, 0, sizeof(r));
			r.id = req[i].id;
			/* xenvif_rx_data_slot(): offset 0, the status counts
			 * the headroom with the bytes. */
			r.offset = 0;
			r.status = copy_rc < 0 || seg[k].status ?
					   XF_NETIF_RSP_ERROR :
					   (int16_t)(head + seg[k].len);
			if (k == 0) {
				r.flags = flags;
				if (nextra)
					r.flags |= XF_NETRXF_extra_info;
			}
			if (k + 1 < nslots)
				r.flags |= XF_NETRXF_more_data;
			memcpy(slot, &r, sizeof(r));
			k++;
		}
		memcpy(xf_back_ring_next_response(&q->rx), slot, sizeof(slot));
	}
	*notify = true;
	if (copy_rc < 0)
		return 0;
	pthread_mutex_lock(&v->st_lock);
	v->st.rx_frames++;
	v->st.rx_bytes += f->len;
	if (f->gso_size)
		v->st.rx_gso_frames++;
	pthread_mutex_unlock(&v->st_lock);
	nb_capture(v, XF_NB_PCAP_RX, f->data, f->len);
	if (v->cfg.cost_ns_per_frame)
		xf_rt_charge(v->rt, v->cfg.cost_ns_per_frame);
	*notify = true;
	return 0;
}

void nb_rx_process(struct xf_nb_vif *v)
{
	bool notify[NB_MAX_QUEUES] = { false };
	struct nb_frame *f;

	/* Served whether or not the frontend wrote feature-rx-notify:
	 * Linux xenbus.c:read_xenbus_vif_flags() only shortens the drain
	 * timeout and turns stall detection off without it, and
	 * interface.c:xenvif_start_xmit() queues for the guest all the
	 * same (a guest that posts no buffers loses frames to the queue
	 * limit, rx-queue-full). */
	while ((f = rx_pop(v))) {
		unsigned int qi;
		int rc;

		if (!mcast_allowed(v, f)) {
			nb_drop(v, XF_NB_DROP_MCAST_FILTER);
			nb_frame_free(f);
			continue;
		}
		if (f->gso_size && !peer_gso(v, f->gso_type)) {
			nb_framelist segs = XF_FIFO_INIT;

			nb_offload_segment(v, f, &segs);
			f = XF_FIFO_POP(&segs, next);
			rx_push_front(v, &segs);
		}
		if (!slot_room(v) || (f->len > slot_room(v) && !v->peer.sg)) {
			nb_drop(v, XF_NB_DROP_RX_TOO_BIG);
			nb_frame_free(f);
			continue;
		}
		if ((f->len + slot_room(v) - 1) / slot_room(v) >
		    XF_NETIF_NR_SLOTS_MIN) {
			nb_drop(v, XF_NB_DROP_RX_TOO_BIG);
			nb_frame_free(f);
			continue;
		}
		qi = pick_queue(v, f);
		rc = rx_put(v, &v->q[qi], f, &notify[qi]);
		if (rc == -EAGAIN) {
			nb_framelist back = XF_FIFO_INIT;

			XF_FIFO_PUSH(&back, f, next);
			rx_push_front(v, &back);
			break;
		}
		nb_frame_free(f);
		if (rc < 0)
			break;
	}
	for (unsigned int i = 0; i < v->nr_queues; i++) {
		struct nb_queue *q = &v->q[i];

		if (notify[i] && xf_back_ring_push_responses(&q->rx) &&
		    v->p->evtchn->notify(v->evh, q->port_rx) < 0)
			nb_stat_add(v, &v->st.notify_failed, 1);
	}
}
