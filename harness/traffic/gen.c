/* SPDX-License-Identifier: MIT */
/* Stream generator: cuts a flow's byte stream into frames or GSO
 * super-frames and feeds them to a netfront. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/traffic.h>

struct xf_traffic_gen {
	struct xf_traffic_gen_config c;
	uint64_t off;
	uint64_t frames;
	uint8_t *buf;
	uint64_t sent_bytes;
	/* A frame built but refused with -EAGAIN, sent first next time. */
	bool pending;
	uint32_t pending_len;
	uint32_t pending_plen;
	struct xf_net_frame pf;
	struct xf_net_frag pfrags[XF_NETFRONT_MAX_FRAGS];
};

int xf_traffic_gen_new(const struct xf_traffic_gen_config *c,
		       struct xf_traffic_gen **out)
{
	struct xf_traffic_gen *g;

	if (!c || !out)
		return -EINVAL;
	if (c->flow.proto == XF_TRAFFIC_TCP && c->flow.mss == 0)
		return -EINVAL;
	if (c->gso && c->flow.proto != XF_TRAFFIC_TCP)
		return -EINVAL;
	/* A bad layout is refused now, not at the first frame. */
	if (c->frags.kind != XF_TRAFFIC_FRAGS_LINEAR ||
	    c->frags.nfrags > 1) {
		static const uint8_t probe[XF_NETFRONT_MAX_FRAGS];
		struct xf_net_frag fr[XF_NETFRONT_MAX_FRAGS];

		if (xf_traffic_frag_split(&c->frags, probe, sizeof(probe), fr,
					  XF_NETFRONT_MAX_FRAGS) < 0)
			return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->buf = malloc(XF_NET_MAX_FRAME);
	if (!g->buf) {
		free(g);
		return -ENOMEM;
	}
	g->c = *c;
	if (!g->c.frame_payload)
		g->c.frame_payload = c->flow.proto == XF_TRAFFIC_TCP ?
				     c->flow.mss : 1024;
	if (!g->c.gso_payload)
		g->c.gso_payload = 60000;
	*out = g;
	return 0;
}

void xf_traffic_gen_free(struct xf_traffic_gen *g)
{
	if (!g)
		return;
	free(g->buf);
	free(g);
}

bool xf_traffic_gen_done(const struct xf_traffic_gen *g)
{
	return !g->pending && g->off >= g->c.total_bytes;
}

uint64_t xf_traffic_gen_frames(const struct xf_traffic_gen *g)
{
	return g->frames;
}

uint64_t xf_traffic_gen_sent_bytes(const struct xf_traffic_gen *g)
{
	return g->sent_bytes;
}

int xf_traffic_gen_next(struct xf_traffic_gen *g, uint8_t *buf,
			uint32_t bufsz, uint32_t *len, struct xf_net_frame *f,
			struct xf_net_frag *frag)
{
	return xf_traffic_gen_next_frags(g, buf, bufsz, len, f, frag, 1);
}

/* Payload bytes of every frame but the last: the stream is cut at
 * fixed points, so a frame number alone names its bytes. */
static uint32_t frame_max(const struct xf_traffic_gen *g)
{
	uint32_t max = g->c.gso ? g->c.gso_payload : g->c.frame_payload;

	if (max > XF_NET_MAX_FRAME - xf_traffic_hdr_len(&g->c.flow))
		max = XF_NET_MAX_FRAME - xf_traffic_hdr_len(&g->c.flow);
	return max;
}

int xf_traffic_gen_frame_range(const struct xf_traffic_gen *g,
			       uint64_t frame, uint64_t *off, uint32_t *len)
{
	uint64_t max, o;

	if (!g || !off || !len)
		return -EINVAL;
	max = frame_max(g);
	if (max == 0)
		return -EINVAL;
	if (frame == 0 || frame - 1 >= g->c.total_bytes / max +
	    (g->c.total_bytes % max != 0))
		return -ERANGE;
	o = (frame - 1) * max;
	*off = o;
	*len = (uint32_t)(g->c.total_bytes - o < max ?
			  g->c.total_bytes - o : max);
	return 0;
}

int xf_traffic_gen_probe(const struct xf_traffic_gen *g, uint64_t off,
			 uint8_t *buf, uint32_t bufsz, uint32_t *len)
{
	if (!g || !buf || !len)
		return -EINVAL;
	return xf_traffic_build(&g->c.flow, off, 0, XF_TRAFFIC_CSUM_GOOD, buf,
				bufsz, len);
}

static int gen_next(struct xf_traffic_gen *g, uint8_t *buf, uint32_t bufsz,
		    uint32_t *len, struct xf_net_frame *f,
		    struct xf_net_frag *frags, unsigned int nmax,
		    uint32_t *plen_out)
{
	uint64_t left = g->c.total_bytes - g->off;
	uint32_t plen, max;
	bool gso;
	int rc;

	if (g->off >= g->c.total_bytes)
		return 0;
	max = frame_max(g);
	plen = left < max ? (uint32_t)left : max;
	rc = xf_traffic_build(&g->c.flow, g->off, plen, g->c.csum, buf, bufsz,
			      len);
	if (rc < 0)
		return rc;
	gso = g->c.gso && plen > g->c.flow.mss;
	if (f) {
		memset(f, 0, sizeof(*f));
		rc = xf_traffic_frag_split(&g->c.frags, buf, *len, frags, nmax);
		/* The stream does not advance: the same frame comes again. */
		if (rc < 0)
			return rc;
		f->frags = frags;
		f->nr_frags = (unsigned int)rc;
		if (g->c.csum == XF_TRAFFIC_CSUM_OFFLOAD)
			f->flags = XF_NET_F_CSUM_BLANK;
		f->gso_size = gso ? g->c.flow.mss : 0;
	}
	g->off += plen;
	g->frames++;
	if (plen_out)
		*plen_out = plen;
	return 1;
}

int xf_traffic_gen_next_frags(struct xf_traffic_gen *g, uint8_t *buf,
			      uint32_t bufsz, uint32_t *len,
			      struct xf_net_frame *f, struct xf_net_frag *frags,
			      unsigned int max)
{
	if (f && !frags)
		return -EINVAL;
	return gen_next(g, buf, bufsz, len, f, frags, max, NULL);
}

int xf_traffic_gen_send(struct xf_traffic_gen *g, struct xf_netfront *nf,
			int queue, unsigned int max_frames)
{
	unsigned int sent = 0;
	int rc;

	while (sent < max_frames) {
		if (!g->pending) {
			rc = gen_next(g, g->buf, XF_NET_MAX_FRAME,
				      &g->pending_len, &g->pf, g->pfrags,
				      XF_NETFRONT_MAX_FRAGS, &g->pending_plen);
			if (rc <= 0)
				return rc < 0 ? rc : (int)sent;
			g->pending = true;
		}
		rc = xf_netfront_send(nf, queue, &g->pf,
				      g->c.cookie_base + g->frames);
		if (rc == -EAGAIN)
			return sent ? (int)sent : -EAGAIN;
		g->pending = false;
		if (rc < 0)
			return rc;
		g->sent_bytes += g->pending_plen;
		sent++;
	}
	return (int)sent;
}
