/* SPDX-License-Identifier: MIT */
/* IPv4 fragmentation and reassembly (RFC 791, overlaps per RFC 5722). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt-frag.h>

#include "pkt_util.h"

#define IP4_DF 0x4000u
#define IP4_MF 0x2000u
#define IP4_OFF_MASK 0x1fffu
#define LINK_MAX 18u            /* Ethernet + one 802.1Q tag */
#define IP4_HDR_MAX 60u
#define REASM_MAX_DEFAULT 64u
#define REASM_TIMEOUT_DEFAULT 30000000000ull /* Linux ipfrag_time, 30 s */
#define REASM_MAX_DIST_DEFAULT 1024u

struct ip4 {
	uint32_t l3;            /* offset of the IPv4 header */
	uint32_t ihl, tot;      /* header and packet length */
	uint16_t frag;          /* flags and offset field */
};

/* The link and IPv4 headers of f; no L4 parsing (fragments have none). */
static int ip4_locate(const uint8_t *f, uint32_t len, struct ip4 *ip)
{
	uint32_t l3 = XF_ETH_HLEN;
	uint16_t et;

	if (len < XF_ETH_HLEN)
		return -EBADMSG;
	et = pkt_get16(f + 12);
	if (et == 0x8100) {
		if (len < LINK_MAX)
			return -EBADMSG;
		et = pkt_get16(f + 16);
		l3 = LINK_MAX;
	}
	if (et != 0x0800)
		return -EPROTONOSUPPORT;
	if (len < l3 + 20 || (f[l3] >> 4) != 4)
		return -EBADMSG;
	ip->l3 = l3;
	ip->ihl = (uint32_t)(f[l3] & 0xf) * 4;
	ip->tot = pkt_get16(f + l3 + 2);
	ip->frag = pkt_get16(f + l3 + 6);
	if (ip->ihl < 20 || ip->tot < ip->ihl || len < l3 + ip->tot)
		return -EBADMSG;
	return 0;
}

static void ip4_set_csum(uint8_t *ip, uint32_t ihl)
{
	pkt_put16(ip + 10, 0);
	pkt_put16(ip + 10, xf_pkt_csum_fold(xf_pkt_csum_add(0, ip, ihl)));
}

uint32_t xf_pkt_frag4_unit(uint32_t mtu, uint32_t ihl)
{
	return mtu > ihl ? (mtu - ihl) & ~7u : 0;
}

/* f's headers, checked to be a whole packet that may be cut for mtu. */
static int frag_prep(const uint8_t *f, uint32_t len, uint32_t mtu,
		     struct ip4 *ip, unsigned int *count)
{
	uint32_t unit;
	int rc;

	if (!f || mtu < 68 || mtu > XF_IP4_MAX_DATAGRAM)
		return -EINVAL;
	rc = ip4_locate(f, len, ip);
	if (rc < 0)
		return rc;
	if (ip->frag & (IP4_MF | IP4_OFF_MASK))
		return -EPROTONOSUPPORT;
	if (ip->tot <= mtu) {
		*count = 1;
		return 0;
	}
	if (ip->frag & IP4_DF)
		return -EMSGSIZE;
	unit = xf_pkt_frag4_unit(mtu, ip->ihl);
	if (!unit)
		return -EINVAL;
	*count = (ip->tot - ip->ihl + unit - 1) / unit;
	return 0;
}

int xf_pkt_frag4_count(const uint8_t *f, uint32_t len, uint32_t mtu)
{
	struct ip4 ip;
	unsigned int n;
	int rc = frag_prep(f, len, mtu, &ip, &n);

	return rc < 0 ? rc : (int)n;
}

int xf_pkt_frag4_build(const uint8_t *f, uint32_t len, uint32_t mtu,
		       unsigned int k, uint8_t *out, uint32_t outsz,
		       uint32_t *out_len)
{
	uint32_t hl, unit, plen, off, piece, l;
	struct ip4 ip;
	unsigned int n;
	uint8_t *h;
	int rc;

	if (!out || !out_len)
		return -EINVAL;
	rc = frag_prep(f, len, mtu, &ip, &n);
	if (rc < 0)
		return rc;
	if (k >= n)
		return -ERANGE;
	hl = ip.l3 + ip.ihl;
	if (n == 1) {
		l = ip.l3 + ip.tot;
		if (l > outsz)
			return -ENOSPC;
		memcpy(out, f, l);
		*out_len = l;
		return 0;
	}
	unit = xf_pkt_frag4_unit(mtu, ip.ihl);
	plen = ip.tot - ip.ihl;
	off = k * unit;
	piece = plen - off < unit ? plen - off : unit;
	if (hl + piece > outsz)
		return -ENOSPC;
	memcpy(out, f, hl);
	memcpy(out + hl, f + hl + off, piece);
	h = out + ip.l3;
	pkt_put16(h + 2, (uint16_t)(ip.ihl + piece));
	pkt_put16(h + 6, (uint16_t)((k + 1 < n ? IP4_MF : 0) | off / 8));
	ip4_set_csum(h, ip.ihl);
	*out_len = hl + piece;
	return 0;
}

int xf_pkt_frag4(const uint8_t *f, uint32_t len, uint32_t mtu,
		 xf_pkt_emit_fn emit, void *opaque)
{
	uint8_t *buf;
	uint32_t l;
	int n, rc = 0;

	if (!emit)
		return -EINVAL;
	n = xf_pkt_frag4_count(f, len, mtu);
	if (n < 0)
		return n;
	buf = malloc(LINK_MAX + (mtu > IP4_HDR_MAX ? mtu : IP4_HDR_MAX));
	if (!buf)
		return -ENOMEM;
	for (int k = 0; k < n && !rc; k++) {
		rc = xf_pkt_frag4_build(f, len, mtu, (unsigned int)k, buf,
					LINK_MAX + mtu, &l);
		if (!rc && emit(opaque, buf, l))
			rc = -ECANCELED;
	}
	free(buf);
	return rc < 0 ? rc : n;
}

/* ------------------------------------------------------------------ */

struct piece {
	uint32_t start, end;
};

struct dgram {
	bool used;
	uint8_t key[9];         /* source, destination, protocol */
	uint16_t id;
	uint64_t first_ns;      /* its first fragment's arrival */
	uint64_t rid;           /* the reassembler's rid at its last one */
	uint8_t hdr[LINK_MAX + IP4_HDR_MAX];
	uint32_t l3, ihl;       /* of the first fragment; 0: not yet */
	bool have_last;
	uint32_t end;           /* payload length, once the last is in */
	uint32_t got;           /* payload bytes held (pieces disjoint) */
	uint32_t max_end;       /* highest end held */
	uint8_t *data;          /* XF_IP4_MAX_DATAGRAM bytes */
	struct piece *p;
	unsigned int np, cap;
};

struct xf_pkt_reasm {
	struct xf_pkt_reasm_config c;
	struct dgram *d;
	uint8_t *out;
	uint64_t rid;           /* fragments taken into datagrams */
	struct xf_pkt_reasm_stats st;
};

int xf_pkt_reasm_new(const struct xf_pkt_reasm_config *c,
		     struct xf_pkt_reasm **out)
{
	struct xf_pkt_reasm *r;

	if (!out)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (c)
		r->c = *c;
	if (!r->c.max_datagrams)
		r->c.max_datagrams = REASM_MAX_DEFAULT;
	if (!r->c.timeout_ns)
		r->c.timeout_ns = REASM_TIMEOUT_DEFAULT;
	if (!r->c.max_dist)
		r->c.max_dist = REASM_MAX_DIST_DEFAULT;
	r->d = calloc(r->c.max_datagrams, sizeof(*r->d));
	r->out = malloc(LINK_MAX + XF_IP4_MAX_DATAGRAM);
	if (!r->d || !r->out) {
		xf_pkt_reasm_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

static void dgram_release(struct dgram *d)
{
	free(d->data);
	free(d->p);
	memset(d, 0, sizeof(*d));
}

void xf_pkt_reasm_free(struct xf_pkt_reasm *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; r->d && i < r->c.max_datagrams; i++)
		dgram_release(&r->d[i]);
	free(r->d);
	free(r->out);
	free(r);
}

static void dgram_drop(struct xf_pkt_reasm *r, struct dgram *d)
{
	r->st.dropped++;
	r->st.dropped_bytes += d->got;
	dgram_release(d);
}

unsigned int xf_pkt_reasm_expire(struct xf_pkt_reasm *r, uint64_t now_ns)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->c.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (d->used && (now_ns == UINT64_MAX ||
				now_ns - d->first_ns >= r->c.timeout_ns)) {
			dgram_drop(r, d);
			n++;
		}
	}
	return n;
}

/* The datagram the fragment belongs to, a new one if none (the oldest
 * is dropped when all are taken); NULL when out of memory. */
static struct dgram *dgram_get(struct xf_pkt_reasm *r, const uint8_t *key,
			       uint16_t id, uint64_t now)
{
	struct dgram *free_d = NULL, *oldest = NULL;

	for (unsigned int i = 0; i < r->c.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (!d->used) {
			if (!free_d)
				free_d = d;
			continue;
		}
		if (d->id == id && !memcmp(d->key, key, sizeof(d->key)))
			return d;
		if (!oldest || d->first_ns < oldest->first_ns)
			oldest = d;
	}
	if (!free_d) {
		dgram_drop(r, oldest);
		free_d = oldest;
	}
	free_d->data = malloc(XF_IP4_MAX_DATAGRAM);
	if (!free_d->data)
		return NULL;
	free_d->used = true;
	memcpy(free_d->key, key, sizeof(free_d->key));
	free_d->id = id;
	free_d->first_ns = now;
	return free_d;
}

static int frag_bad(struct xf_pkt_reasm *r, struct dgram *d)
{
	r->st.bad++;
	if (d)
		dgram_release(d);
	return -EBADMSG;
}

int xf_pkt_reasm_input(struct xf_pkt_reasm *r, const uint8_t *f,
		       uint32_t len, uint64_t now_ns, const uint8_t **out,
		       uint32_t *out_len)
{
	uint32_t off, plen, end, hl;
	uint8_t key[9];
	struct dgram *d;
	struct ip4 ip;
	const uint8_t *h;
	bool mf;

	if (!r || !f || !out || !out_len)
		return -EINVAL;
	if (ip4_locate(f, len, &ip) < 0 ||
	    !(ip.frag & (IP4_MF | IP4_OFF_MASK)))
		return 0;
	r->st.fragments++;
	h = f + ip.l3;
	/* As ip_rcv_core() would: a bad header never reaches ip_defrag. */
	if (xf_pkt_csum_fold(xf_pkt_csum_add(0, h, ip.ihl)) != 0)
		return frag_bad(r, NULL);
	off = (uint32_t)(ip.frag & IP4_OFF_MASK) * 8;
	mf = ip.frag & IP4_MF;
	plen = ip.tot - ip.ihl;
	end = off + plen;
	/* Empty, past the largest datagram, or a middle piece that does
	 * not end on an 8-byte boundary. */
	if (!plen || end + ip.ihl > XF_IP4_MAX_DATAGRAM || (mf && plen % 8))
		return frag_bad(r, NULL);
	xf_pkt_reasm_expire(r, now_ns);
	memcpy(key, h + 12, 8);
	key[8] = h[9];
	d = dgram_get(r, key, pkt_get16(h + 4), now_ns);
	/* Too far behind: its id is being reused (ip_frag_too_far()). */
	if (d && d->np && r->rid - d->rid > r->c.max_dist) {
		dgram_drop(r, d);
		d = dgram_get(r, key, pkt_get16(h + 4), now_ns);
	}
	if (!d)
		return -ENOMEM;
	d->rid = ++r->rid;
	/* ip_frag_queue(): the end may be learnt once and never passed. */
	if (!mf && ((d->have_last && end != d->end) || end < d->max_end))
		return frag_bad(r, d);
	if (mf && d->have_last && end > d->end)
		return frag_bad(r, d);
	for (unsigned int i = 0; i < d->np; i++) {
		if (d->p[i].start == off && d->p[i].end == end) {
			r->st.duplicates++;
			return 1;
		}
		if (off < d->p[i].end && d->p[i].start < end)
			return frag_bad(r, d);
	}
	if (d->np == d->cap) {
		unsigned int cap = d->cap ? d->cap * 2 : 64;
		struct piece *p = realloc(d->p, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->p = p;
		d->cap = cap;
	}
	d->p[d->np].start = off;
	d->p[d->np++].end = end;
	memcpy(d->data + off, h + ip.ihl, plen);
	d->got += plen;
	if (end > d->max_end)
		d->max_end = end;
	if (!mf) {
		d->have_last = true;
		d->end = end;
	}
	if (off == 0) {
		d->l3 = ip.l3;
		d->ihl = ip.ihl;
		memcpy(d->hdr, f, ip.l3 + ip.ihl);
	}
	if (!d->have_last || d->got != d->end)
		return 1;
	hl = d->l3 + d->ihl;
	memcpy(r->out, d->hdr, hl);
	memcpy(r->out + hl, d->data, d->end);
	pkt_put16(r->out + d->l3 + 2, (uint16_t)(d->ihl + d->end));
	pkt_put16(r->out + d->l3 + 6, 0);
	ip4_set_csum(r->out + d->l3, d->ihl);
	*out = r->out;
	*out_len = hl + d->end;
	r->st.reassembled++;
	dgram_release(d);
	return 2;
}

void xf_pkt_reasm_stats(const struct xf_pkt_reasm *r,
			struct xf_pkt_reasm_stats *out)
{
	*out = r->st;
}
