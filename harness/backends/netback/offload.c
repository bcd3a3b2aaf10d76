/* SPDX-License-Identifier: MIT */
/* Offloads the backend performs for its guests, and their bug modes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nb_priv.h"

void nb_offload_ingress(struct xf_nb_vif *v, struct nb_frame *f,
			uint16_t txflags)
{
	bool blank = (txflags & XF_NETTXF_csum_blank) != 0;

	f->csum = NB_CSUM_NONE;
	if (blank && (atomic_load(&v->bugs) & XF_NB_BUG_CSUM_UNFILLED)) {
		/* The field bug: forwarded with the checksum never filled
		 * in, and nothing downstream knows it is partial. */
		nb_stat_add(v, &v->st.csum_left_blank, 1);
		return;
	}
	if (v->cfg.lenient & XF_NB_LENIENT_CSUM_FILL) {
		if (blank && xf_pkt_csum_fill(f->data, f->len) == 0)
			nb_stat_add(v, &v->st.csum_filled, 1);
		return;
	}
	/* xenvif_tx_submit(): csum_blank is CHECKSUM_PARTIAL, else
	 * data_validated CHECKSUM_UNNECESSARY; checksum_setup() makes a
	 * GSO frame partial in any case. Nothing is filled in here. */
	if (blank || f->gso_size)
		f->csum = NB_CSUM_PARTIAL;
	else if (txflags & XF_NETTXF_data_validated)
		f->csum = NB_CSUM_UNNECESSARY;
}

/* Whether the guest takes a partial checksum of f's IP version: Linux
 * xenvif_fix_features() keeps NETIF_F_IP_CSUM only without
 * feature-no-csum-offload, NETIF_F_IPV6_CSUM only with
 * feature-ipv6-csum-offload; without them the stack fills it first. */
static bool peer_takes_partial(const struct xf_nb_vif *v,
			       const struct nb_frame *f)
{
	struct xf_pkt_info pi;

	if (xf_pkt_parse(f->data, f->len, &pi) < 0)
		return false;
	if (pi.ip_version == 4)
		return !v->peer.no_csum;
	if (pi.ip_version == 6)
		return v->peer.ipv6_csum;
	return false;
}

struct seg_ctx {
	struct xf_nb_vif *v;
	nb_framelist segs;
	uint8_t csum;           /* each segment's enum nb_csum */
	bool bad;
	uint32_t first_seq;
	bool have_seq;
	int err;
};

static int emit(void *opaque, uint8_t *seg, uint32_t len)
{
	struct seg_ctx *c = opaque;
	struct xf_pkt_info pi;
	struct nb_frame *s;

	if (c->bad && xf_pkt_parse(seg, len, &pi) == 0) {
		uint8_t *seq = seg + pi.l4_off + 4;

		/* Bug: the sequence number is never advanced, so every
		 * segment claims the first one's place in the stream. The
		 * checksum is recomputed: only reassembly can notice. */
		if (!c->have_seq) {
			memcpy(&c->first_seq, seq, 4);
			c->have_seq = true;
		} else {
			memcpy(seq, &c->first_seq, 4);
			xf_pkt_csum_fill(seg, len);
		}
	}
	s = nb_frame_new(seg, len);
	if (!s) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	s->csum = c->csum;
	XF_FIFO_PUSH(&c->segs, s, next);
	return 0;
}

void nb_offload_segment(struct xf_nb_vif *v, struct nb_frame *f,
			nb_framelist *out)
{
	struct seg_ctx c = { .v = v, .segs = XF_FIFO_INIT };
	int n;

	c.bad = (atomic_load(&v->bugs) & XF_NB_BUG_BAD_SEGMENT) != 0;
	/* Segmentation fills each segment's checksum; like skb_segment()
	 * for a device with checksum offload, they stay partial for a
	 * guest that takes that. */
	c.csum = f->csum == NB_CSUM_PARTIAL && peer_takes_partial(v, f) ?
			 NB_CSUM_PARTIAL : NB_CSUM_NONE;
	n = xf_pkt_gso_segment(f->data, f->len, f->gso_size, emit, &c);
	if (n < 0 || c.err) {
		nb_frames_free(&c.segs);
		/* Not segmentable: pass it on as a plain frame. */
		f->gso_size = 0;
		f->gso_type = 0;
		XF_FIFO_PUSH(out, f, next);
		return;
	}
	nb_stat_add(v, &v->st.segmented, 1);
	nb_stat_add(v, &v->st.segments, (uint64_t)n);
	XF_FIFO_SPLICE(out, &c.segs, next);
	nb_frame_free(f);
}

uint16_t nb_offload_rx_flags(struct xf_nb_vif *v, struct nb_frame *f)
{
	uint16_t flags = 0;
	int rc;

	if (f->csum == NB_CSUM_PARTIAL) {
		if (peer_takes_partial(v, f))
			flags = XF_NETRXF_csum_blank | XF_NETRXF_data_validated;
		else if (xf_pkt_csum_fill(f->data, f->len) == 0)
			nb_stat_add(v, &v->st.csum_filled, 1);
	} else if (f->csum == NB_CSUM_UNNECESSARY) {
		flags = XF_NETRXF_data_validated;
	}
	if (!(flags & XF_NETRXF_csum_blank)) {
		rc = xf_pkt_csum_verify(f->data, f->len);
		if (rc == -EBADMSG)
			nb_stat_add(v, &v->st.rx_csum_bad, 1);
		/* The old mock vouched for what it verified itself. */
		if (rc == 0 && (v->cfg.lenient & XF_NB_LENIENT_CSUM_FILL))
			flags |= XF_NETRXF_data_validated;
	}
	if (atomic_load(&v->bugs) & XF_NB_BUG_VALIDATE_BAD)
		flags |= XF_NETRXF_data_validated; /* without looking */
	if (flags & XF_NETRXF_data_validated)
		nb_stat_add(v, &v->st.rx_validated, 1);
	return flags;
}
