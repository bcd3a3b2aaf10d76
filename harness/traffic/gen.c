/* SPDX-License-Identifier: MIT */
/* Stream generator: cuts a flow's byte stream into frames or GSO
 * super-frames and feeds them to a netfront. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt-frag.h>
#include <xfront/traffic.h>

#include "traffic_priv.h"

/* UDP/IPv4 headers of a datagram (IP, UDP, the flow's own): the first
 * bytes of its IP packet, and of its first fragment's piece. */
#define DG_IP_HDRS (20u + 8u + TRAFFIC_UDP_HDR)
#define DG_L4_HDRS (8u + TRAFFIC_UDP_HDR)
#define DG_BUF (XF_ETH_HLEN + XF_IP4_MAX_DATAGRAM)

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
	/* Fragmenting (UDP/IPv4, ip_mtu): the datagram being sent, its
	 * fragment count (0: none in progress) and the next one. */
	bool fragmenting;
	uint8_t *dg;
	uint32_t dg_len, dg_plen;
	unsigned int dg_n, dg_k;
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
	g->fragmenting = c->ip_mtu && c->flow.proto == XF_TRAFFIC_UDP &&
			 c->flow.ip_version == 4;
	if (g->fragmenting) {
		if (c->ip_mtu < 68 || c->ip_mtu > XF_IP4_MAX_DATAGRAM ||
		    g->c.frame_payload > XF_TRAFFIC_UDP_MAX_DATA) {
			xf_traffic_gen_free(g);
			return -EINVAL;
		}
		g->dg = malloc(DG_BUF);
		if (!g->dg) {
			xf_traffic_gen_free(g);
			return -ENOMEM;
		}
	}
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
	free(g->dg);
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

	if (g->fragmenting)
		return max;
	if (max > XF_NET_MAX_FRAME - xf_traffic_hdr_len(&g->c.flow))
		max = XF_NET_MAX_FRAME - xf_traffic_hdr_len(&g->c.flow);
	return max;
}

/* Frames a datagram of plen stream bytes takes (fragmenting only). */
static unsigned int dg_frames(const struct xf_traffic_gen *g, uint32_t plen)
{
	uint32_t unit = xf_pkt_frag4_unit(g->c.ip_mtu, 20);

	if (DG_IP_HDRS + plen <= g->c.ip_mtu)
		return 1;
	return (DG_L4_HDRS + plen + unit - 1) / unit;
}

/* The stream bytes in fragment k of a datagram of plen stream bytes:
 * [*s, *e) from the datagram's first. */
static void dg_piece(const struct xf_traffic_gen *g, uint32_t plen,
		     unsigned int k, uint32_t *s, uint32_t *e)
{
	uint32_t unit = xf_pkt_frag4_unit(g->c.ip_mtu, 20);
	uint32_t a = k * unit, b = a + unit;

	if (dg_frames(g, plen) == 1) {
		*s = 0;
		*e = plen;
		return;
	}
	*s = a > DG_L4_HDRS ? a - DG_L4_HDRS : 0;
	*e = b - DG_L4_HDRS < plen ? b - DG_L4_HDRS : plen;
}

unsigned int xf_traffic_gen_frames_per_send(const struct xf_traffic_gen *g)
{
	return g->fragmenting ? dg_frames(g, frame_max(g)) : 1;
}

int xf_traffic_gen_frame_range(const struct xf_traffic_gen *g,
			       uint64_t frame, uint64_t *off, uint32_t *len)
{
	uint64_t max, o, nsends, d, k, per;
	uint32_t plen, s, e;

	if (!g || !off || !len)
		return -EINVAL;
	max = frame_max(g);
	if (max == 0)
		return -EINVAL;
	nsends = g->c.total_bytes / max + (g->c.total_bytes % max != 0);
	per = xf_traffic_gen_frames_per_send(g);
	if (frame == 0)
		return -ERANGE;
	d = (frame - 1) / per;
	k = (frame - 1) % per;
	if (d >= nsends)
		return -ERANGE;
	o = d * max;
	plen = (uint32_t)(g->c.total_bytes - o < max ? g->c.total_bytes - o :
			  max);
	if (!g->fragmenting) {
		*off = o;
		*len = plen;
		return 0;
	}
	if (k >= dg_frames(g, plen))
		return -ERANGE;
	dg_piece(g, plen, (unsigned int)k, &s, &e);
	*off = o + s;
	*len = e - s;
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

/* The next fragment of the datagram at g->off into buf, the datagram
 * built first if none is in progress; *plen_out its stream bytes. */
static int frag_next(struct xf_traffic_gen *g, uint8_t *buf, uint32_t bufsz,
		     uint32_t *len, uint32_t *plen_out)
{
	enum xf_traffic_csum csum = g->c.csum == XF_TRAFFIC_CSUM_OFFLOAD ?
				    XF_TRAFFIC_CSUM_GOOD : g->c.csum;
	uint64_t left = g->c.total_bytes - g->off;
	uint32_t max = frame_max(g), s, e;
	int rc;

	if (!g->dg_n) {
		uint64_t dgno = g->off / max;

		g->dg_plen = left < max ? (uint32_t)left : max;
		rc = tr_build(&g->c.flow, g->off, g->dg_plen, csum, g->dg,
			      DG_BUF, DG_BUF, &g->dg_len);
		if (rc < 0)
			return rc;
		/* Reassembly keys on addresses and id, which the flows of a
		 * run share but for the id: the flow in its top 6 bits. */
		tr_put16(g->dg + XF_ETH_HLEN + 4, (uint16_t)
			 ((g->c.flow.id & 0x3f) << 10 | (dgno & 0x3ff)));
		g->dg[XF_ETH_HLEN + 6] &= (uint8_t)~0x40; /* DF */
		rc = xf_pkt_frag4_count(g->dg, g->dg_len, g->c.ip_mtu);
		if (rc < 0)
			return rc;
		g->dg_n = (unsigned int)rc;
		g->dg_k = 0;
	}
	rc = xf_pkt_frag4_build(g->dg, g->dg_len, g->c.ip_mtu, g->dg_k, buf,
				bufsz, len);
	if (rc < 0)
		return rc;
	dg_piece(g, g->dg_plen, g->dg_k, &s, &e);
	*plen_out = e - s;
	return 0;
}

static int gen_next(struct xf_traffic_gen *g, uint8_t *buf, uint32_t bufsz,
		    uint32_t *len, struct xf_net_frame *f,
		    struct xf_net_frag *frags, unsigned int nmax,
		    uint32_t *plen_out)
{
	uint64_t left = g->c.total_bytes - g->off;
	uint32_t plen, max;
	bool gso, cut;
	int rc;

	if (g->off >= g->c.total_bytes)
		return 0;
	max = frame_max(g);
	plen = left < max ? (uint32_t)left : max;
	/* A datagram that fits the MTU goes as it always did. */
	cut = g->fragmenting && (g->dg_n || dg_frames(g, plen) > 1);
	if (cut)
		rc = frag_next(g, buf, bufsz, len, &plen);
	else
		rc = xf_traffic_build(&g->c.flow, g->off, plen, g->c.csum, buf,
				      bufsz, len);
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
		if (g->c.csum == XF_TRAFFIC_CSUM_OFFLOAD && !cut)
			f->flags = XF_NET_F_CSUM_BLANK;
		f->gso_size = gso ? g->c.flow.mss : 0;
	}
	if (!cut) {
		g->off += plen;
	} else if (++g->dg_k == g->dg_n) {
		g->off += g->dg_plen;
		g->dg_n = 0;
	}
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
