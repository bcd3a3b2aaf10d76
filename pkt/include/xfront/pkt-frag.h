/* SPDX-License-Identifier: MIT */
/*
 * IPv4 fragmentation and reassembly (RFC 791), as a Linux guest does it
 * for a UDP datagram larger than its MTU when no UDP offload applies
 * (net/ipv4/ip_output.c ip_do_fragment(), net/ipv4/ip_fragment.c
 * ip_defrag()). Frames are Ethernet II (optional 802.1Q) + IPv4; the
 * sender's and the receiver's side share this code.
 *
 * Contract: 0 (or a count) or a negative errno; nothing prints. A
 * reassembler is used by one thread at a time.
 */
#ifndef XFRONT_PKT_FRAG_H
#define XFRONT_PKT_FRAG_H

#include <stdint.h>
#include <xfront/pkt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An IPv4 datagram's largest total length, and the largest UDP payload
 * it carries (65535 - 20 - 8). */
#define XF_IP4_MAX_DATAGRAM 65535u
#define XF_IP4_MAX_UDP_PAYLOAD 65507u

/* Fragments the IPv4 packet in frame f (len bytes) needs for a link MTU
 * (bytes of IP packet per frame, 68..65535): 1 when it fits. Each
 * fragment but the last carries (mtu - header) rounded down to 8 bytes
 * of the packet's payload. -EMSGSIZE when it does not fit and has DF
 * set, -EINVAL for a bad MTU, -EBADMSG / -EPROTONOSUPPORT for a frame
 * that is no whole, unfragmented IPv4 packet. */
int xf_pkt_frag4_count(const uint8_t *f, uint32_t len, uint32_t mtu);
/* Payload bytes of the packet in every fragment but the last, for an
 * IPv4 header of ihl bytes: (mtu - ihl) & ~7. */
uint32_t xf_pkt_frag4_unit(uint32_t mtu, uint32_t ihl);
/* Builds fragment k (from 0) of f into out: f's link and IPv4 headers
 * (options copied into every fragment), the k-th piece of its payload,
 * MF and the offset set, total length and header checksum right.
 * -ERANGE for k past the last, -ENOSPC when out is too small, else as
 * xf_pkt_frag4_count(). A packet that fits comes back whole. */
int xf_pkt_frag4_build(const uint8_t *f, uint32_t len, uint32_t mtu,
		       unsigned int k, uint8_t *out, uint32_t outsz,
		       uint32_t *out_len);
/* Every fragment of f in order, to emit() (as xf_pkt_gso_segment's);
 * the fragment count. */
int xf_pkt_frag4(const uint8_t *f, uint32_t len, uint32_t mtu,
		 xf_pkt_emit_fn emit, void *opaque);

/* Reassembly, keyed as Linux keys it (source, destination, protocol,
 * IP id). A fragment that duplicates one already held (same offset and
 * length) is ignored; one that overlaps otherwise, runs past 65535
 * bytes, contradicts the datagram's end or has a bad header checksum
 * is bad, and an overlap discards the whole datagram (RFC 5722, as
 * net/ipv4/inet_fragment.c inet_frag_queue_insert() does for IPv4
 * too). An incomplete datagram is dropped when it is older than the
 * timeout, when room is needed for a newer one (the oldest goes), when
 * more than max_dist fragments arrived since its last one, or at
 * xf_pkt_reasm_expire(r, UINT64_MAX). */
struct xf_pkt_reasm_config {
	unsigned int max_datagrams;  /* in progress at once; 0: 64 */
	uint64_t timeout_ns;         /* 0: 30 s (Linux ipfrag_time) */
	/* Fragments (of any datagram) that may arrive between two of one
	 * datagram; past that, its next fragment finds it given up and
	 * starts afresh, so a reused IP id never completes a stale
	 * datagram (Linux's ipfrag_max_dist, ip_frag_too_far(): 64, but
	 * per source host; here over every source). 0: 1024. */
	unsigned int max_dist;
};

struct xf_pkt_reasm_stats {
	uint64_t fragments;          /* fragments taken (every verdict) */
	uint64_t reassembled;        /* datagrams completed */
	uint64_t duplicates;         /* fragments ignored as duplicates */
	uint64_t dropped;            /* incomplete datagrams dropped */
	uint64_t dropped_bytes;      /* payload bytes they held */
	uint64_t bad;                /* bad fragments (see above) */
};

struct xf_pkt_reasm;
int xf_pkt_reasm_new(const struct xf_pkt_reasm_config *c,
		     struct xf_pkt_reasm **out);
void xf_pkt_reasm_free(struct xf_pkt_reasm *r);
/* Takes one frame at time now_ns. 0: not an IPv4 fragment (the caller
 * handles the frame itself); 1: a fragment held, its datagram not
 * complete; 2: its datagram completed: *out and *out_len give the whole
 * frame (the first fragment's link and IP headers, MF and offset
 * cleared, length and header checksum right), valid until the next
 * call; -EBADMSG: a bad fragment (counted in bad); -ENOMEM. Datagrams
 * past their timeout are dropped first. */
int xf_pkt_reasm_input(struct xf_pkt_reasm *r, const uint8_t *f,
		       uint32_t len, uint64_t now_ns, const uint8_t **out,
		       uint32_t *out_len);
/* Drops every incomplete datagram older than the timeout at now_ns
 * (UINT64_MAX: all of them). Returns how many it dropped. */
unsigned int xf_pkt_reasm_expire(struct xf_pkt_reasm *r, uint64_t now_ns);
void xf_pkt_reasm_stats(const struct xf_pkt_reasm *r,
			struct xf_pkt_reasm_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_PKT_FRAG_H */
