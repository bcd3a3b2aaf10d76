/* SPDX-License-Identifier: MIT */
/* Guest transmit: copy each request once, validate the chain, grant-copy
 * the data out, answer every slot, then ingress offloads and shaping. */
#include <errno.h>
#include <string.h>

#include "nb_priv.h"

/* Slots one chain may hold: a whole one-page tx ring (256 slots of 12
 * bytes), since extras are not limited in number; the chain never runs
 * past req_prod, which is at most a ring ahead. */
#define NB_MAX_CHAIN 256

struct chain {
	struct xf_netif_tx_request req[NB_MAX_CHAIN];
	bool is_extra[NB_MAX_CHAIN];
	/* As xenvif_get_extras(): extras[type - 1], the later slot of a
	 * type replacing the earlier; type 0 = not present. */
	struct xf_netif_extra_info ext[NB_EXTRA_TYPE_LIMIT - 1];
	unsigned int n;        /* slots incl. extras */
	unsigned int ndata;
	unsigned int nextra;
	bool too_many;         /* over max_slots: to be dropped */
};

/* Every slot of c: extras RSP_NULL, data slots status, or each[k] for
 * the k-th data slot when each is not NULL. */
static void respond_each(struct nb_queue *q, const struct chain *c,
			 int16_t status, const int16_t *each)
{
	for (unsigned int i = 0, k = 0; i < c->n; i++) {
		struct xf_netif_tx_response r;
		uint8_t slot[XF_NETIF_TX_SLOT_SIZE];

		memset(&r, 0, sizeof(r));
		memset(slot, 0, sizeof(slot));
		r.id = c->is_extra[i] ? 0 : c->req[i].id;
		r.status = c->is_extra[i] ? XF_NETIF_RSP_NULL :
			   each ? each[k++] : status;
		memcpy(slot, &r, sizeof(r));
		memcpy(xf_back_ring_next_response(&q->tx), slot, sizeof(slot));
	}
}

static void respond(struct nb_queue *q, const struct chain *c,
		    int16_t status)
{
	respond_each(q, c, status, NULL);
}

/* Copies the next chain out of the ring (not yet consumed). Returns 0
 * when complete (c->too_many set when it is to be dropped), -ENODATA
 * when a data slot announced by more_data is not on the ring, -EBADR
 * when an announced extra-info slot is not, -E2BIG for a malicious slot
 * count, -EINVAL for an invalid extra type, -EFAULT for a data slot
 * after the first that crosses its page, -EPROTO for more than four
 * extras (XF_NB_LENIENT_TX_EXTRA_LIMIT only). */
static int peek_chain(const struct xf_nb_vif *v, struct nb_queue *q,
		      unsigned int avail, struct chain *c)
{
	bool want_extra = false, more = true;

	/* No memset: every slot's entries are written before use. */
	c->n = 0;
	c->ndata = 0;
	c->nextra = 0;
	c->too_many = false;
	memset(c->ext, 0, sizeof(c->ext));
	while (more || want_extra) {
		uint8_t slot[XF_NETIF_TX_SLOT_SIZE];
		void *s;

		/* A frontend pushes req_prod only after a whole packet, so
		 * a chain running past it never completes: Linux
		 * (xenvif_get_extras(), xenvif_count_requests() with
		 * "slots >= work_to_do") treats it as fatal rather than
		 * waiting, and checks it before the slot limits. */
		if (c->n >= avail)
			return want_extra ? -EBADR : -ENODATA;
		if (!want_extra && c->ndata) {
			/* As xenvif_count_requests(): the limits count the
			 * slots after the first, and are checked before the
			 * next one is even looked at. */
			unsigned int after_first = c->ndata - 1;

			if (after_first >= v->cfg.fatal_skb_slots)
				return -E2BIG;
			if (after_first >= v->cfg.max_slots)
				c->too_many = true;
		}
		if (c->n >= NB_MAX_CHAIN)
			return -E2BIG;
		s = xf_ring_slot(q->tx.sring, q->tx.nr_ents,
				 XF_NETIF_TX_SLOT_SIZE, q->tx.req_cons + c->n);
		/* One read of the shared slot; all checks use the copy. */
		xf_shm_copy_in(slot, s, sizeof(slot));
		if (want_extra) {
			struct xf_netif_extra_info x;

			memcpy(&x, slot, sizeof(x));
			if ((v->cfg.lenient & XF_NB_LENIENT_TX_EXTRA_LIMIT) &&
			    c->nextra >= XF_NETIF_EXTRA_TYPE_MAX - 1)
				return -EPROTO;
			/* xenvif_get_extras(): "Invalid extra type" is
			 * fatal; any number of valid ones, the later of a
			 * type wins. */
			if (x.type == XF_NETIF_EXTRA_TYPE_NONE ||
			    x.type >= NB_EXTRA_TYPE_LIMIT) {
				if (!(v->cfg.lenient &
				      XF_NB_LENIENT_TX_EXTRA_TYPE))
					return -EINVAL;
			} else {
				c->ext[x.type - 1] = x;
			}
			c->is_extra[c->n] = true;
			want_extra = (x.flags & XF_NETIF_EXTRA_FLAG_MORE) != 0;
			c->nextra++;
			c->n++;
			/* xenvif_tx_build_gops() answers a multicast-control
			 * request from its first slot and extras alone and
			 * never calls xenvif_count_requests(): slots its
			 * more_data announces are read as the next packet. */
			if (!want_extra &&
			    (c->ext[XF_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type ||
			     c->ext[XF_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type))
				more = false;
			continue;
		}
		memcpy(&c->req[c->n], slot, sizeof(c->req[c->n]));
		c->is_extra[c->n] = false;
		/* xenvif_count_requests(): a following slot crossing its
		 * page is fatal, even in a packet already marked for drop;
		 * the first slot's own check comes later (build()). */
		if (c->ndata && (uint32_t)c->req[c->n].offset +
					c->req[c->n].size > XF_PAGE_SIZE &&
		    !(v->cfg.lenient & XF_NB_LENIENT_TX_CROSS_PAGE))
			return -EFAULT;
		more = (c->req[c->n].flags & XF_NETTXF_more_data) != 0;
		if (c->ndata == 0)
			want_extra = (c->req[c->n].flags &
				      XF_NETTXF_extra_info) != 0;
		c->ndata++;
		c->n++;
	}
	return 0;
}

/* The first slot's answer to a multicast-control request, as
 * xenvif_tx_build_gops() gives it: xenvif_mcast_add() appends without
 * looking for the address (a duplicate takes a place of its own) and
 * refuses a 65th (XEN_NETBK_MCAST_MAX, -ENOSPC: ERROR);
 * xenvif_mcast_del() removes the first match, OKAY either way. */
static int16_t handle_mcast(struct xf_nb_vif *v,
			    const struct xf_netif_extra_info *e)
{
	nb_stat_add(v, &v->st.mcast_ops, 1);
	if (e->type == XF_NETIF_EXTRA_TYPE_MCAST_ADD) {
		if (v->nr_mcast == NB_MAX_MCAST)
			return XF_NETIF_RSP_ERROR;
		memcpy(v->mcast[v->nr_mcast++], e->u.mcast.addr, 6);
		return XF_NETIF_RSP_OKAY;
	}
	for (unsigned int i = 0; i < v->nr_mcast; i++) {
		if (memcmp(v->mcast[i], e->u.mcast.addr, 6) == 0) {
			memmove(v->mcast[i], v->mcast[i + 1],
				(v->nr_mcast - i - 1) * sizeof(v->mcast[0]));
			v->nr_mcast--;
			break;
		}
	}
	return XF_NETIF_RSP_OKAY;
}

/* Why build() refused a packet the Linux way: the vif is to stop. */
enum fatal_why { FATAL_NONE, FATAL_FIRST_CROSSES_PAGE, FATAL_GSO_SIZE,
		 FATAL_GSO_TYPE };

/*
 * Checks the packet in the order of xenvif_tx_build_gops() after
 * xenvif_count_requests(), then grant-copies it out. Returns the frame;
 * or NULL with *status set for the responses (a drop), or NULL with
 * *fatal set when the vif must stop (nothing answered). A drop answered
 * slot by slot (a copy that failed for some slots) sets *per_slot and
 * each[k] for the k-th data slot.
 */
static struct nb_frame *build(struct xf_nb_vif *v, const struct chain *c,
			      int16_t *status, enum fatal_why *fatal,
			      int16_t *each, bool *per_slot)
{
	const struct xf_netif_extra_info *gso =
		&c->ext[XF_NETIF_EXTRA_TYPE_GSO - 1];
	struct xf_gnt_copy_seg seg[NB_MAX_CHAIN];
	const struct xf_netif_tx_request *first = NULL;
	uint32_t lenient = v->cfg.lenient;
	struct nb_frame *f;
	uint32_t rest = 0, first_len, off = 0;
	unsigned int k = 0;

	*status = XF_NETIF_RSP_ERROR;
	*fatal = FATAL_NONE;
	*per_slot = false;
	for (unsigned int i = 0; i < c->n; i++) {
		const struct xf_netif_tx_request *r = &c->req[i];

		if (c->is_extra[i])
			continue;
		/* Reached only with XF_NB_LENIENT_TX_CROSS_PAGE: a
		 * following slot over its page is a drop there. */
		if ((uint32_t)r->offset + r->size > XF_PAGE_SIZE &&
		    first != NULL) {
			nb_drop(v, XF_NB_DROP_BAD_REQUEST);
			return NULL;
		}
		if (!first)
			first = r;
		else
			rest += r->size;
	}
	/* xenvif_count_requests(): a slot larger than what remains of
	 * the packet's size is a drop (-EIO). */
	if (!first || first->size < rest) {
		nb_drop(v, XF_NB_DROP_BAD_REQUEST);
		return NULL;
	}
	first_len = first->size - rest;
	/* xenvif_tx_build_gops(): txreq.size, by now the first slot's own
	 * length, below ETH_HLEN is a drop. */
	if (first_len < XF_ETH_HLEN &&
	    (!(lenient & XF_NB_LENIENT_TX_SHORT_FIRST) ||
	     (atomic_load(&v->bugs) & XF_NB_BUG_DROP_SHORT_FIRST))) {
		nb_drop(v, XF_NB_DROP_SHORT_FIRST);
		return NULL;
	}
	if (first->size < XF_ETH_HLEN) {
		nb_drop(v, XF_NB_DROP_BAD_REQUEST);
		return NULL;
	}
	/* Then the first slot over its page: fatal. */
	if ((uint32_t)first->offset + first_len > XF_PAGE_SIZE) {
		if (!(lenient & XF_NB_LENIENT_TX_CROSS_PAGE)) {
			*fatal = FATAL_FIRST_CROSSES_PAGE;
			return NULL;
		}
		nb_drop(v, XF_NB_DROP_BAD_REQUEST);
		return NULL;
	}
	/* xenvif_set_skb_gso(): size 0, or a type other than TCPv4/v6
	 * (NONE included), is fatal. */
	if (gso->type && !(lenient & XF_NB_LENIENT_TX_BAD_GSO)) {
		if (gso->u.gso.size == 0) {
			*fatal = FATAL_GSO_SIZE;
			return NULL;
		}
		if (gso->u.gso.type != XF_NETIF_GSO_TYPE_TCPV4 &&
		    gso->u.gso.type != XF_NETIF_GSO_TYPE_TCPV6) {
			*fatal = FATAL_GSO_TYPE;
			return NULL;
		}
	} else if (gso->type && gso->u.gso.type && gso->u.gso.size == 0) {
		nb_drop(v, XF_NB_DROP_BAD_REQUEST);
		return NULL;
	}
	f = nb_frame_new(NULL, first->size);
	if (!f) {
		*status = XF_NETIF_RSP_DROPPED;
		return NULL;
	}
	for (unsigned int i = 0; i < c->n; i++) {
		const struct xf_netif_tx_request *r = &c->req[i];
		uint16_t len;

		if (c->is_extra[i])
			continue;
		len = (uint16_t)(k == 0 ? first_len : r->size);
		seg[k].to_grant = false;
		seg[k].domid = v->cfg.fe_domid;
		seg[k].gref = r->gref;
		seg[k].offset = r->offset;
		seg[k].local = f->data + off;
		seg[k].len = len;
		seg[k].status = 0;
		off += len;
		k++;
	}
	if (v->p->gnt->copy(v->p, seg, k) < 0) {
		nb_drop(v, XF_NB_DROP_COPY_FAILED);
		nb_frame_free(f);
		return NULL;
	}
	/* xenvif_tx_check_gop(): a slot whose copy (or map) failed is
	 * answered ERROR, the others OKAY, and the packet is dropped. */
	for (unsigned int i = 0; i < k; i++)
		if (seg[i].status != 0)
			*per_slot = true;
	if (*per_slot) {
		for (unsigned int i = 0; i < k; i++)
			each[i] = seg[i].status ? XF_NETIF_RSP_ERROR :
						  XF_NETIF_RSP_OKAY;
		nb_drop(v, XF_NB_DROP_BAD_REQUEST);
		nb_frame_free(f);
		return NULL;
	}
	if (gso->type) {
		f->gso_size = gso->u.gso.size;
		f->gso_type = gso->u.gso.type;
	}
	*status = XF_NETIF_RSP_OKAY;
	return f;
}

static void shape_and_forward(struct xf_nb_vif *v, struct nb_frame *f)
{
	uint32_t loss = atomic_load(&v->loss_ppm);

	if (loss && xf_rt_rand(v->rt) % 1000000u < loss) {
		nb_drop(v, XF_NB_DROP_LOSS);
		nb_frame_free(f);
		return;
	}
	if (v->cfg.latency_ns) {
		f->due_ns = xf_rt_now_ns(v->rt) + v->cfg.latency_ns;
		XF_FIFO_PUSH(&v->lat, f, next);
		return;
	}
	nb_switch_input(v, f);
}

uint64_t nb_tx_release(struct xf_nb_vif *v)
{
	uint64_t now = xf_rt_now_ns(v->rt);
	struct nb_frame *f;

	while ((f = XF_FIFO_HEAD(&v->lat)) && f->due_ns <= now)
		nb_switch_input(v, XF_FIFO_POP(&v->lat, next));
	return f ? f->due_ns : UINT64_MAX;
}

static uint64_t frame_cost_ns(struct xf_nb_vif *v, uint32_t len)
{
	uint64_t c = 0;

	if (v->cfg.rate_bytes_per_s)
		c += (uint64_t)len * 1000000000u / v->cfg.rate_bytes_per_s;
	if (v->cfg.rate_frames_per_s)
		c += 1000000000u / v->cfg.rate_frames_per_s;
	return c;
}

/* The longest chain seen, dropped ones included. */
static void note_slots(struct xf_nb_vif *v, const struct chain *c)
{
	pthread_mutex_lock(&v->st_lock);
	if (c->ndata > v->st.tx_max_slots)
		v->st.tx_max_slots = c->ndata;
	pthread_mutex_unlock(&v->st_lock);
}

/* The multicast-control extra of a packet: ADD, else DEL, as
 * xenvif_tx_build_gops() looks at them; NULL for none. */
static const struct xf_netif_extra_info *mcast_extra(const struct chain *c)
{
	const struct xf_netif_extra_info *add =
		&c->ext[XF_NETIF_EXTRA_TYPE_MCAST_ADD - 1];
	const struct xf_netif_extra_info *del =
		&c->ext[XF_NETIF_EXTRA_TYPE_MCAST_DEL - 1];

	return add->type ? add : del->type ? del : NULL;
}

uint64_t nb_tx_process(struct xf_nb_vif *v, struct nb_queue *q)
{
	struct chain c;
	xf_ring_idx prod;
	bool pushed = false;
	uint64_t wait = UINT64_MAX;
	int avail;

	for (;;) {
		avail = xf_back_ring_requests(&q->tx, &prod);
		if (avail < 0) {
			nb_set_error(v, "tx req_prod %u more than a ring ahead",
				     prod);
			break;
		}
		if (avail == 0) {
			if (xf_back_ring_final_check(&q->tx) > 0)
				continue;
			break;
		}
		if (v->cfg.rate_bytes_per_s || v->cfg.rate_frames_per_s) {
			uint64_t now = xf_rt_now_ns(v->rt);

			/* Credit exhausted: leave requests on the ring, as
			 * netback does, and come back when it refills. */
			if (now < q->tx_next_ns) {
				wait = q->tx_next_ns;
				break;
			}
		}
		int rc = peek_chain(v, q, (unsigned int)avail, &c);

		if (rc == -ENODATA || rc == -EBADR) {
			/* Fatal as in Linux; the chain stays unanswered. */
			nb_drop(v, XF_NB_DROP_INCOMPLETE_CHAIN);
			if (rc == -EBADR)
				nb_set_error(v, "incomplete tx packet: missing "
					     "extra info (announced by its "
					     "last slot, but req_prod ends "
					     "there)");
			else
				nb_set_error(v, "incomplete tx packet: asked "
					     "for more slots than the %u on "
					     "the ring (more_data set on the "
					     "last slot before req_prod)",
					     (unsigned int)avail);
			break;
		}
		if (rc == -E2BIG) {
			/* Linux disables the vif (carrier off) and leaves
			 * the chain unanswered; so do we. */
			nb_set_error(v, "malicious frontend: tx packet longer "
				     "than %u slots after its first "
				     "(fatal_skb_slots)",
				     v->cfg.fatal_skb_slots);
			break;
		}
		if (rc == -EINVAL) {
			nb_set_error(v, "invalid extra type in tx packet "
				     "(xenvif_get_extras)");
			break;
		}
		if (rc == -EFAULT) {
			nb_set_error(v, "tx slot crosses a page boundary "
				     "(offset + size > %u)", XF_PAGE_SIZE);
			break;
		}
		if (rc < 0) {
			nb_set_error(v, "tx packet with more than %u "
				     "extra-info slots",
				     XF_NETIF_EXTRA_TYPE_MAX - 1);
			break;
		}
		if (c.too_many) {
			/* Over max_slots but not malicious: netback answers
			 * every slot with an error and carries on. */
			q->tx.req_cons += c.n;
			note_slots(v, &c);
			nb_drop(v, XF_NB_DROP_TOO_MANY_SLOTS);
			respond(q, &c, XF_NETIF_RSP_ERROR);
			pushed = true;
			continue;
		}

		const struct xf_netif_extra_info *mc = mcast_extra(&c);
		struct nb_frame *f = NULL;
		int16_t status = XF_NETIF_RSP_OKAY;
		enum fatal_why fatal = FATAL_NONE;
		int16_t each[NB_MAX_CHAIN];
		bool per_slot = false;

		if (mc)
			status = handle_mcast(v, mc);
		else
			f = build(v, &c, &status, &fatal, each,
				  &per_slot);
		if (fatal != FATAL_NONE) {
			/* xenvif_fatal_tx_err(): the chain stays unanswered
			 * and nothing more is read. */
			nb_set_error(v, "%s",
				     fatal == FATAL_FIRST_CROSSES_PAGE ?
				     "tx slot crosses a page boundary "
				     "(offset + size > 4096)" :
				     fatal == FATAL_GSO_SIZE ?
				     "tx GSO extra with size 0" :
				     "tx GSO extra of an unknown type");
			break;
		}
		q->tx.req_cons += c.n;
		note_slots(v, &c);
		respond_each(q, &c, status, per_slot ? each : NULL);
		pushed = true;
		if (!f)
			continue;
		pthread_mutex_lock(&v->st_lock);
		v->st.tx_frames++;
		v->st.tx_bytes += f->len;
		if (f->gso_size)
			v->st.tx_gso_frames++;
		pthread_mutex_unlock(&v->st_lock);
		if (v->cfg.cost_ns_per_frame)
			xf_rt_charge(v->rt, v->cfg.cost_ns_per_frame);
		nb_offload_ingress(v, f, c.req[0].flags);
		nb_capture(v, XF_NB_PCAP_TX, f->data, f->len);
		q->tx_next_ns = (q->tx_next_ns > xf_rt_now_ns(v->rt) ?
				 q->tx_next_ns : xf_rt_now_ns(v->rt)) +
				frame_cost_ns(v, f->len);
		shape_and_forward(v, f);
	}
	if (pushed && xf_back_ring_push_responses(&q->tx) &&
	    v->p->evtchn->notify(v->evh, q->port_tx) < 0)
		nb_stat_add(v, &v->st.notify_failed, 1);
	return wait;
}
