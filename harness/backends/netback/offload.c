/* SPDX-License-Identifier: MIT */
/* Offloads the backend performs for its guests, and their bug modes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nb_priv.h"

void nb_offload_ingress(struct xf_nb_vif *v, struct nb_frame *f,
			bool csum_blank)
{
	if (!csum_blank)
		return;
	if (atomic_load(&v->bugs) & XF_NB_BUG_CSUM_UNFILLED) {
		/* The field bug: forwarded with the checksum never filled
		 * in, and nothing downstream knows it is partial. */
		nb_stat_add(v, &v->st.csum_left_blank, 1);
		return;
	}
	if (xf_pkt_csum_fill(f->data, f->len) == 0)
		nb_stat_add(v, &v->st.csum_filled, 1);
}

struct seg_ctx {
	struct xf_nb_vif *v;
	nb_framelist segs;
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
	XF_FIFO_PUSH(&c->segs, s, next);
	return 0;
}

void nb_offload_segment(struct xf_nb_vif *v, struct nb_frame *f,
			nb_framelist *out)
{
	struct seg_ctx c = { .v = v, .segs = XF_FIFO_INIT };
	int n;

	c.bad = (atomic_load(&v->bugs) & XF_NB_BUG_BAD_SEGMENT) != 0;
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

bool nb_offload_validated(struct xf_nb_vif *v, const struct nb_frame *f)
{
	int rc = xf_pkt_csum_verify(f->data, f->len);

	if (rc == -EBADMSG)
		nb_stat_add(v, &v->st.rx_csum_bad, 1);
	if (atomic_load(&v->bugs) & XF_NB_BUG_VALIDATE_BAD)
		return true; /* the bug: validated without looking */
	return rc == 0;
}
