/* SPDX-License-Identifier: MIT */
/* Receiver: verifies checksums and each payload byte's stream position,
 * tracks reassembly per flow, and measures throughput. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt-frag.h>
#include <xfront/traffic.h>

#include "traffic_priv.h"

#define RX_MAX_FLOWS 64

struct range {
	uint64_t start, end;
};

struct rx_flow {
	struct xf_traffic_flow fl;
	bool check_mss;
	uint64_t good, payload_bytes;
	uint64_t bad, bad_bytes, resolved, probes;
	struct range *r;        /* sorted, disjoint, merged */
	unsigned int nr, cap;
};

struct xf_traffic_rx {
	struct rx_flow flows[RX_MAX_FLOWS];
	unsigned int nr_flows;
	struct xf_traffic_rx_stats st;
	struct xf_pkt_reasm *reasm;
};

int xf_traffic_rx_new(struct xf_traffic_rx **out)
{
	struct xf_traffic_rx *rx = calloc(1, sizeof(*rx));

	if (!rx)
		return -ENOMEM;
	if (xf_pkt_reasm_new(NULL, &rx->reasm)) {
		free(rx);
		return -ENOMEM;
	}
	*out = rx;
	return 0;
}

void xf_traffic_rx_free(struct xf_traffic_rx *rx)
{
	if (!rx)
		return;
	for (unsigned int i = 0; i < rx->nr_flows; i++)
		free(rx->flows[i].r);
	xf_pkt_reasm_free(rx->reasm);
	free(rx);
}

int xf_traffic_rx_expect(struct xf_traffic_rx *rx,
			 const struct xf_traffic_flow *fl, bool check_mss)
{
	if (rx->nr_flows >= RX_MAX_FLOWS)
		return -ENOSPC;
	rx->flows[rx->nr_flows].fl = *fl;
	rx->flows[rx->nr_flows].check_mss = check_mss;
	rx->nr_flows++;
	return 0;
}

static struct rx_flow *find(struct xf_traffic_rx *rx, uint8_t l4,
			    uint16_t sport, uint16_t dport)
{
	for (unsigned int i = 0; i < rx->nr_flows; i++) {
		struct rx_flow *f = &rx->flows[i];
		uint8_t p = f->fl.proto == XF_TRAFFIC_TCP ? 6 : 17;

		if (p == l4 && f->fl.sport == sport && f->fl.dport == dport)
			return f;
	}
	return NULL;
}

/* Adds [s, e); returns the number of bytes that were new. */
static uint64_t add_range(struct rx_flow *f, uint64_t s, uint64_t e)
{
	uint64_t covered = 0;
	unsigned int i, j;

	for (i = 0; i < f->nr; i++) {
		uint64_t a = f->r[i].start > s ? f->r[i].start : s;
		uint64_t b = f->r[i].end < e ? f->r[i].end : e;

		if (a < b)
			covered += b - a;
	}
	if (f->nr == f->cap) {
		unsigned int cap = f->cap ? f->cap * 2 : 16;
		struct range *n = realloc(f->r, cap * sizeof(*n));

		if (!n)
			return e - s - covered;
		f->r = n;
		f->cap = cap;
	}
	/* Insert, then merge neighbours that touch. */
	for (i = 0; i < f->nr && f->r[i].start < s; i++)
		;
	memmove(&f->r[i + 1], &f->r[i], (f->nr - i) * sizeof(*f->r));
	f->r[i].start = s;
	f->r[i].end = e;
	f->nr++;
	for (i = 0, j = 0; i < f->nr; i++) {
		if (j > 0 && f->r[i].start <= f->r[j - 1].end) {
			if (f->r[i].end > f->r[j - 1].end)
				f->r[j - 1].end = f->r[i].end;
		} else {
			f->r[j++] = f->r[i];
		}
	}
	f->nr = j;
	return e - s - covered;
}

static bool is_probe(const struct rx_flow *f, const struct xf_pkt_info *pi,
		     const uint8_t *pl, uint32_t plen)
{
	if (pi->l4 == XF_PKT_L4_TCP)
		return plen == 0;
	return plen == TRAFFIC_UDP_HDR && tr_get32(pl) == TRAFFIC_UDP_MAGIC &&
	       tr_get32(pl + 4) == f->fl.id;
}

/* A frame's stream offset. TCP carries only 32 bits of it (the
 * sequence number): unwrapped next to what this flow has resolved, so
 * streams past 4 GiB keep their place. */
static uint64_t stream_off(const struct rx_flow *f, const uint8_t *d,
			   const struct xf_pkt_info *pi, const uint8_t *pl)
{
	uint32_t rel;

	if (pi->l4 != XF_PKT_L4_TCP)
		return (uint64_t)tr_get32(pl + 8) << 32 | tr_get32(pl + 12);
	rel = tr_get32(d + pi->l4_off + 4) - f->fl.isn;
	if (f->resolved < UINT64_C(1) << 31)
		return rel;
	return f->resolved + (uint64_t)(int64_t)(int32_t)(rel -
						(uint32_t)f->resolved);
}

static void flow_bad(struct rx_flow *f, uint32_t bytes)
{
	f->bad++;
	f->bad_bytes += bytes;
}

void xf_traffic_rx_frame(struct xf_traffic_rx *rx, const uint8_t *d,
			 uint32_t len, uint32_t flags, uint16_t gso_size,
			 uint64_t now_ns)
{
	struct xf_traffic_rx_stats *st = &rx->st;
	struct xf_pkt_info pi;
	struct rx_flow *f;
	const uint8_t *pl = NULL;
	uint64_t off, fresh;
	uint32_t plen = 0, sbytes = 0;
	int rc;

	/* IPv4 fragments first: only a whole datagram is checked. */
	rc = xf_pkt_reasm_input(rx->reasm, d, len, now_ns, &d, &len);
	if (rc == 1 || rc < 0)
		return;
	if (rc == 2)
		flags &= ~(uint32_t)XF_NET_F_CSUM_BLANK;
	rc = xf_pkt_parse(d, len, &pi);
	f = rc < 0 ? NULL : find(rx, pi.l4, tr_get16(d + pi.l4_off),
				 tr_get16(d + pi.l4_off + 2));
	if (f) {
		pl = d + pi.payload_off;
		plen = pi.l4_off + pi.l4_len - pi.payload_off;
		/* Stream bytes the frame carries, whatever its verdict:
		 * the sender's accounting needs every byte that got here. */
		sbytes = plen;
		if (pi.l4 == XF_PKT_L4_UDP)
			sbytes = plen >= TRAFFIC_UDP_HDR ?
				 plen - TRAFFIC_UDP_HDR : 0;
		if (is_probe(f, &pi, pl, plen)) {
			/* No data, only its place in the path: in no
			 * other verdict and no throughput. */
			off = stream_off(f, d, &pi, pl);
			if (off > f->resolved)
				f->resolved = off;
			st->probes++;
			f->probes++;
			return;
		}
	}
	st->frames++;
	if (!st->first_ns)
		st->first_ns = now_ns;
	st->last_ns = now_ns;
	if (!f) {
		st->other++;
		return;
	}
	if (!(flags & XF_NET_F_CSUM_BLANK)) {
		rc = xf_pkt_csum_verify(d, len);
		if (rc == -EBADMSG) {
			st->bad_csum++;
			if (flags & XF_NET_F_DATA_VALIDATED)
				st->validated_but_bad++;
			flow_bad(f, sbytes);
			return;
		}
	}
	if (pi.l4 == XF_PKT_L4_TCP) {
		off = stream_off(f, d, &pi, pl);
		if (gso_size)
			st->gso_frames++;
		else if (f->check_mss && plen > f->fl.mss) {
			st->bad_seg++;
			flow_bad(f, sbytes);
			return;
		}
	} else {
		if (plen < TRAFFIC_UDP_HDR ||
		    tr_get32(pl) != TRAFFIC_UDP_MAGIC ||
		    tr_get32(pl + 4) != f->fl.id) {
			st->bad_seg++;
			flow_bad(f, sbytes);
			return;
		}
		off = stream_off(f, d, &pi, pl);
		pl += TRAFFIC_UDP_HDR;
		plen -= TRAFFIC_UDP_HDR;
	}
	for (uint32_t i = 0; i < plen; i++) {
		if (pl[i] != xf_traffic_pattern(f->fl.id, off + i)) {
			st->bad_seg++;
			flow_bad(f, sbytes);
			return;
		}
	}
	if (off + plen > f->resolved)
		f->resolved = off + plen;
	fresh = add_range(f, off, off + plen);
	if (fresh < plen)
		st->dup++;
	st->good++;
	st->payload_bytes += fresh;
	f->good++;
	f->payload_bytes += fresh;
	if (st->last_ns > st->first_ns) {
		double secs = (double)(st->last_ns - st->first_ns) / 1e9;

		st->throughput_bps =
			(uint64_t)((double)st->payload_bytes * 8 / secs);
	}
}

uint64_t xf_traffic_rx_contiguous(const struct xf_traffic_rx *rx,
				  uint32_t flow_id)
{
	for (unsigned int i = 0; i < rx->nr_flows; i++) {
		const struct rx_flow *f = &rx->flows[i];

		if (f->fl.id != flow_id)
			continue;
		if (f->nr && f->r[0].start == 0)
			return f->r[0].end;
		return 0;
	}
	return 0;
}

int xf_traffic_rx_flow_stats(const struct xf_traffic_rx *rx,
			     uint32_t flow_id,
			     struct xf_traffic_rx_flow_stats *out)
{
	for (unsigned int i = 0; i < rx->nr_flows; i++) {
		const struct rx_flow *f = &rx->flows[i];

		if (f->fl.id != flow_id)
			continue;
		out->good = f->good;
		out->payload_bytes = f->payload_bytes;
		out->contiguous = f->nr && f->r[0].start == 0 ? f->r[0].end : 0;
		out->bad = f->bad;
		out->bad_bytes = f->bad_bytes;
		out->resolved = f->resolved;
		out->probes = f->probes;
		return 0;
	}
	return -ENOENT;
}

void xf_traffic_rx_stats(const struct xf_traffic_rx *rx,
			 struct xf_traffic_rx_stats *out)
{
	struct xf_pkt_reasm_stats rs;

	*out = rx->st;
	xf_pkt_reasm_stats(rx->reasm, &rs);
	out->fragments = rs.fragments;
	out->reassembled = rs.reassembled;
	out->reasm_dropped = rs.dropped;
	out->reasm_bad = rs.bad;
}

void xf_traffic_rx_finish(struct xf_traffic_rx *rx)
{
	xf_pkt_reasm_expire(rx->reasm, UINT64_MAX);
}
