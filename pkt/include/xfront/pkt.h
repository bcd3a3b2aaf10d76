/* SPDX-License-Identifier: MIT */
/*
 * Packet helpers for Ethernet II (optional 802.1Q), IPv4/IPv6 and
 * TCP/UDP: header parsing, Internet checksums, software TCP segmentation
 * and a gratuitous ARP. One implementation serves netfront, the mock
 * netback and the traffic checker, so the judge runs the code it judges
 * and a checksum bug shows on both sides alike.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_PKT_H
#define XFRONT_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_ETH_ALEN 6
#define XF_ETH_HLEN 14


enum xf_pkt_l4 {
	XF_PKT_L4_NONE = 0,
	XF_PKT_L4_TCP = 6,
	XF_PKT_L4_UDP = 17,
};

struct xf_pkt_info {
	uint16_t ethertype;      /* after any VLAN tag */
	uint8_t ip_version;      /* 0, 4 or 6 */
	uint8_t l4;              /* enum xf_pkt_l4 */
	uint32_t l3_off, l4_off, payload_off;
	uint32_t l4_len;         /* L4 header + payload, from the IP header */
	uint32_t csum_off;       /* offset of the L4 checksum field */
};

/* Parses headers; -EPROTONOSUPPORT for non-IP or non-TCP/UDP frames,
 * -EBADMSG for truncated or inconsistent headers. */
int xf_pkt_parse(const uint8_t *f, uint32_t len, struct xf_pkt_info *out);
/* RFC 1071 sum of a buffer, folded but not complemented; chainable. */
uint32_t xf_pkt_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t xf_pkt_csum_fold(uint32_t sum);
/* Recomputes the IPv4 header checksum (if IPv4) and the L4 checksum. */
int xf_pkt_csum_fill(uint8_t *f, uint32_t len);
/* 0 when IPv4 header and L4 checksums are right, -EBADMSG when wrong,
 * -EPROTONOSUPPORT when the frame has no checksum we know. */
int xf_pkt_csum_verify(const uint8_t *f, uint32_t len);

/* Software TCP segmentation of a super-frame into frames with at most
 * mss payload bytes each: headers copied, IP lengths/ids and TCP seq
 * fixed, FIN/PSH only on the last, checksums filled. emit() gets each
 * segment (a private buffer, valid during the call); a non-zero return
 * stops. Returns the number of segments or -errno. */
typedef int (*xf_pkt_emit_fn)(void *opaque, uint8_t *seg, uint32_t len);
int xf_pkt_gso_segment(const uint8_t *f, uint32_t len, uint16_t mss,
		       xf_pkt_emit_fn emit, void *opaque);

/* GSO type for a parsed TCP frame: TCPV4/TCPV6, or NONE if not TCP. */
uint8_t xf_pkt_gso_type(const struct xf_pkt_info *pi);

/* Builds a 42-byte gratuitous ARP announcement (broadcast, sender =
 * target = ip4, network byte order) into buf. */
uint32_t xf_pkt_build_garp(uint8_t *buf, const uint8_t mac[XF_ETH_ALEN],
			   uint32_t ip4_be);

/* "aa:bb:cc:dd:ee:ff" <-> bytes. */
int xf_mac_parse(const char *s, uint8_t mac[XF_ETH_ALEN]);
void xf_mac_format(const uint8_t mac[XF_ETH_ALEN], char out[18]);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_PKT_H */
