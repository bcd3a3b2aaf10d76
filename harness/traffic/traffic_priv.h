/* SPDX-License-Identifier: MIT */
#ifndef XF_TRAFFIC_PRIV_H
#define XF_TRAFFIC_PRIV_H

#include <stdint.h>
#include <xfront/traffic.h>

#define TRAFFIC_UDP_HDR XF_TRAFFIC_UDP_HDR_LEN
#define TRAFFIC_UDP_MAGIC 0x58465452u /* "XFTR" */

/* xf_traffic_build() up to max_len bytes: an IPv4 datagram to be cut
 * into fragments may exceed one frame (XF_NET_MAX_FRAME). */
int tr_build(const struct xf_traffic_flow *fl, uint64_t off,
	     uint32_t payload_len, enum xf_traffic_csum csum, uint8_t *b,
	     uint32_t bufsz, uint32_t max_len, uint32_t *len_out);

static inline void tr_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void tr_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t tr_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t tr_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

#endif
