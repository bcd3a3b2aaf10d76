/* SPDX-License-Identifier: MIT */
/* Fragment layouts: how a built frame is handed to the frontend, which
 * decides the TX slot chain the backend sees (bug class 11). */
#include <errno.h>

#include <xfront/traffic.h>

/* A MAC address: the classic too-short first fragment. */
#define TINY_FIRST_DEFAULT 6u

int xf_traffic_frag_split(const struct xf_traffic_frag_layout *l,
			  const uint8_t *data, uint32_t len,
			  struct xf_net_frag *frags, unsigned int max)
{
	static const struct xf_traffic_frag_layout linear;
	unsigned int want, parts, n = 0;
	uint32_t first = 0, off = 0, rest;

	if (!l)
		l = &linear;
	if (!frags || !data || len == 0)
		return -EINVAL;
	switch (l->kind) {
	case XF_TRAFFIC_FRAGS_LINEAR:
		want = l->nfrags ? l->nfrags : 1;
		if (want != 1)
			return -EINVAL;
		break;
	case XF_TRAFFIC_FRAGS_TINY_FIRST:
		want = l->nfrags ? l->nfrags : 2;
		if (want < 2)
			return -EINVAL;
		first = l->first_frag ? l->first_frag : TINY_FIRST_DEFAULT;
		break;
	case XF_TRAFFIC_FRAGS_MANY:
		want = l->nfrags ? l->nfrags : XF_TRAFFIC_FRAGS_OVER_LIMIT;
		break;
	default:
		return -EINVAL;
	}
	if (want > XF_NETFRONT_MAX_FRAGS)
		return -EINVAL;
	/* A frame no longer than the tiny head has nothing to split off. */
	if (first >= len)
		first = 0;
	if (l->kind == XF_TRAFFIC_FRAGS_TINY_FIRST && !first)
		want = 1;
	parts = first ? want - 1 : want;
	rest = len - first;
	/* Never an empty fragment: a short frame gets fewer parts. */
	if (parts > rest)
		parts = rest;
	if ((first ? 1 : 0) + parts > max)
		return -ENOSPC;
	if (first) {
		frags[n].data = data;
		frags[n++].len = first;
		off = first;
	}
	for (unsigned int i = 0; i < parts; i++) {
		uint32_t sz = rest / parts + (i < rest % parts ? 1 : 0);

		frags[n].data = data + off;
		frags[n++].len = sz;
		off += sz;
	}
	return (int)n;
}
