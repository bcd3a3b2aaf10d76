/* SPDX-License-Identifier: MIT */
/*
 * xfront traffic: frame generators for TCP-like and UDP-like flows (real
 * Ethernet + IPv4/IPv6 + TCP/UDP headers, checksums right, wrong or left
 * for offload, any size, MSS and GSO) and a receiver that verifies every
 * frame: checksums, payload position in the stream (segmentation), and
 * throughput.
 *
 * Payload bytes are a function of (flow id, stream offset), so a receiver
 * can check each byte without having seen the sender.
 *
 * Contract: 0 or -errno, nothing prints. A generator or receiver is used
 * by one thread at a time.
 */
#ifndef XFRONT_TRAFFIC_H
#define XFRONT_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/netfront.h>
#include <xfront/pkt-frag.h>

#ifdef __cplusplus
extern "C" {
#endif

enum xf_traffic_proto {
	XF_TRAFFIC_TCP = 0,
	XF_TRAFFIC_UDP = 1,
};

enum xf_traffic_csum {
	XF_TRAFFIC_CSUM_GOOD = 0,    /* computed */
	XF_TRAFFIC_CSUM_BAD = 1,     /* deliberately wrong L4 checksum */
	XF_TRAFFIC_CSUM_OFFLOAD = 2, /* left blank, XF_NET_F_CSUM_BLANK */
};

struct xf_traffic_flow {
	uint32_t id;                 /* selects the payload pattern */
	enum xf_traffic_proto proto;
	uint8_t ip_version;          /* 4 or 6 */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t src_ip[16], dst_ip[16]; /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	uint32_t isn;                /* TCP initial sequence number */
	uint16_t mss;                /* TCP: payload bytes per segment */
};

/* Fills a flow with test addresses: 10.0.0.1 -> 10.0.0.2 (or
 * fd00::1 -> fd00::2), ports 1000+id -> 2000+id, MSS 1460 (1440 v6). */
void xf_traffic_flow_init(struct xf_traffic_flow *fl, uint32_t id,
			  enum xf_traffic_proto proto, uint8_t ip_version,
			  const uint8_t src_mac[6], const uint8_t dst_mac[6]);

/* Byte at a stream offset of a flow. */
uint8_t xf_traffic_pattern(uint32_t flow_id, uint64_t off);

/* Header bytes before the payload (Ethernet + IP + TCP/UDP; UDP payloads
 * also start with a 16-byte stream header). */
uint32_t xf_traffic_hdr_len(const struct xf_traffic_flow *fl);

/* The flow's own header at the start of every UDP datagram's payload
 * (magic, flow id, stream offset), and the most stream bytes one
 * datagram carries: the largest UDP payload of an IPv4 datagram
 * (XF_IP4_MAX_UDP_PAYLOAD, 65,507) less that header. */
#define XF_TRAFFIC_UDP_HDR_LEN 16u
#define XF_TRAFFIC_UDP_MAX_DATA (XF_IP4_MAX_UDP_PAYLOAD - XF_TRAFFIC_UDP_HDR_LEN)

/* Builds one frame carrying payload_len bytes from stream offset off.
 * -EMSGSIZE when it does not fit buf or 64 KiB. */
int xf_traffic_build(const struct xf_traffic_flow *fl, uint64_t off,
		     uint32_t payload_len, enum xf_traffic_csum csum,
		     uint8_t *buf, uint32_t bufsz, uint32_t *len_out);

/* How a frame is cut into fragments for xf_netfront_send(). The
 * frontend lays slots out along the fragments (one or more per
 * fragment, never crossing a page), so this chooses the TX slot chain:
 * a first fragment shorter than the Ethernet header, or more fragments
 * than a chain may have slots (XEN_NETIF_NR_SLOTS_MIN = 18), reproduce
 * the slot-limit bug class ("skb rides the rocket: 19 slots"). */
enum xf_traffic_frags {
	XF_TRAFFIC_FRAGS_LINEAR = 0,     /* one fragment */
	XF_TRAFFIC_FRAGS_TINY_FIRST = 1, /* first_frag bytes, then the rest
					    in nfrags - 1 equal parts */
	XF_TRAFFIC_FRAGS_MANY = 2,       /* nfrags equal parts */
};

/* One more than a TX chain may carry: the smallest "rocket". */
#define XF_TRAFFIC_FRAGS_OVER_LIMIT 19u

struct xf_traffic_frag_layout {
	enum xf_traffic_frags kind;
	unsigned int nfrags;         /* 0: 1 linear, 2 tiny-first,
					XF_TRAFFIC_FRAGS_OVER_LIMIT many */
	uint32_t first_frag;         /* tiny-first: first fragment's bytes
					(0: 6, a MAC address) */
};

/* Cuts len bytes at data into fragments per the layout (all zero:
 * linear). Never makes an empty fragment: a frame shorter than the
 * layout gets fewer (a frame not longer than first_frag stays whole).
 * Returns the fragment count, -EINVAL for a bad layout (unknown kind,
 * more than XF_NETFRONT_MAX_FRAGS fragments, tiny-first with nfrags 1),
 * -ENOSPC when more than max fragments are needed. */
int xf_traffic_frag_split(const struct xf_traffic_frag_layout *l,
			  const uint8_t *data, uint32_t len,
			  struct xf_net_frag *frags, unsigned int max);

/* Generator: a stream of total_bytes, cut into frames of frame_payload
 * bytes (TCP: at most mss unless gso), or into GSO super-frames of
 * gso_payload bytes with gso_size = mss. UDP over IPv4 with ip_mtu set:
 * a datagram of frame_payload stream bytes (at most
 * XF_TRAFFIC_UDP_MAX_DATA) whose IP packet exceeds ip_mtu goes as IP
 * fragments (xf_pkt_frag4_build, DF clear, IP id unique per flow and
 * datagram, the UDP checksum computed even with csum OFFLOAD, as Linux
 * resolves it before ip_do_fragment()); each fragment is a frame of its
 * own (a cookie, a frame number, its share of the stream bytes). */
struct xf_traffic_gen_config {
	struct xf_traffic_flow flow;
	uint64_t total_bytes;
	uint32_t frame_payload;      /* 0: mss (TCP) or 1024 (UDP) */
	uint32_t ip_mtu;             /* UDP over IPv4: fragment above it
					(68..65535; 0: never, a datagram
					stays within one frame) */
	bool gso;                    /* TCP only */
	uint32_t gso_payload;        /* 0: 60000 */
	enum xf_traffic_csum csum;
	struct xf_traffic_frag_layout frags; /* zero: one fragment */
	/* xf_traffic_gen_send's cookies are cookie_base + frame number
	 * (from 1), so several generators can share one netfront. */
	uint64_t cookie_base;
};

struct xf_traffic_gen;
int xf_traffic_gen_new(const struct xf_traffic_gen_config *c,
		       struct xf_traffic_gen **out);
void xf_traffic_gen_free(struct xf_traffic_gen *g);
/* Next frame into buf; 1 = produced, 0 = stream done. f (optional) is
 * filled to hand to xf_netfront_send (it points into buf). One
 * fragment: -ENOSPC when the config's layout needs more (use
 * xf_traffic_gen_next_frags). */
int xf_traffic_gen_next(struct xf_traffic_gen *g, uint8_t *buf,
			uint32_t bufsz, uint32_t *len, struct xf_net_frame *f,
			struct xf_net_frag *frag);
/* The same, with f's fragments cut per the config's layout into
 * frags[max] (XF_NETFRONT_MAX_FRAGS always suffices). */
int xf_traffic_gen_next_frags(struct xf_traffic_gen *g, uint8_t *buf,
			      uint32_t bufsz, uint32_t *len,
			      struct xf_net_frame *f, struct xf_net_frag *frags,
			      unsigned int max);
/* Sends frames through a netfront until the stream ends or the backlog
 * is full (-EAGAIN: call again later). Returns frames sent. */
int xf_traffic_gen_send(struct xf_traffic_gen *g, struct xf_netfront *nf,
			int queue, unsigned int max_frames);
bool xf_traffic_gen_done(const struct xf_traffic_gen *g);
/* Frames one full-sized datagram or frame of the stream takes: its IP
 * fragments, else 1. */
unsigned int xf_traffic_gen_frames_per_send(const struct xf_traffic_gen *g);
uint64_t xf_traffic_gen_frames(const struct xf_traffic_gen *g);
/* Payload bytes in the frames xf_traffic_gen_send handed over. */
uint64_t xf_traffic_gen_sent_bytes(const struct xf_traffic_gen *g);
/* The stream range frame number `frame` (from 1, as in the cookies)
 * carries: [*off, *off + *len) (of a fragment: the stream bytes in its
 * piece of the datagram). It depends on the configuration only,
 * so any thread may ask, e.g. from a tx_done callback. -ERANGE for 0 or
 * a number past the end of the stream. */
int xf_traffic_gen_frame_range(const struct xf_traffic_gen *g,
			       uint64_t frame, uint64_t *off, uint32_t *len);
/* A probe: a frame of the flow with no payload, placed at stream offset
 * off (the end of what was sent before it), checksums computed (never
 * left to offload), one fragment. It travels the path of the flow's
 * data behind everything sent before it; a receiver counts it in
 * xf_traffic_rx_flow_stats.probes and .resolved and in no other
 * verdict: its arrival proves every earlier frame of the flow arrived
 * or was dropped on the way (the path is FIFO per flow). */
int xf_traffic_gen_probe(const struct xf_traffic_gen *g, uint64_t off,
			 uint8_t *buf, uint32_t bufsz, uint32_t *len);

/* Receiver. */
struct xf_traffic_rx_stats {
	uint64_t frames;             /* all frames seen */
	uint64_t good;               /* checksum right and payload right */
	uint64_t bad_csum;           /* IPv4 header or L4 checksum wrong */
	uint64_t validated_but_bad;  /* flagged data_validated, yet wrong */
	uint64_t bad_seg;            /* payload not where the stream says,
					or a segment above the MSS */
	uint64_t dup;                /* data already received */
	uint64_t other;              /* not a registered flow */
	uint64_t gso_frames;         /* super-frames received whole */
	uint64_t payload_bytes;      /* good payload */
	uint64_t probes;             /* drain probes, in no other field */
	/* IPv4 fragments, reassembled before any other check: a whole
	 * datagram counts once in frames and the verdicts. */
	uint64_t fragments;          /* fragments taken */
	uint64_t reassembled;        /* datagrams completed from them */
	uint64_t reasm_dropped;      /* incomplete datagrams given up */
	uint64_t reasm_bad;          /* bad fragments (overlap, header) */
	uint64_t first_ns, last_ns;
	uint64_t throughput_bps;     /* payload bits per second */
};

struct xf_traffic_rx;
int xf_traffic_rx_new(struct xf_traffic_rx **out);
void xf_traffic_rx_free(struct xf_traffic_rx *rx);
/* Registers a flow to verify (matched by protocol and ports). When
 * check_mss is set, a non-GSO TCP segment above fl->mss is bad_seg. */
int xf_traffic_rx_expect(struct xf_traffic_rx *rx,
			 const struct xf_traffic_flow *fl, bool check_mss);
/* Checks one frame. flags/gso_size as delivered (XF_NET_F_*). */
void xf_traffic_rx_frame(struct xf_traffic_rx *rx, const uint8_t *data,
			 uint32_t len, uint32_t flags, uint16_t gso_size,
			 uint64_t now_ns);
/* Contiguous payload bytes received for a flow from offset 0. */
uint64_t xf_traffic_rx_contiguous(const struct xf_traffic_rx *rx,
				  uint32_t flow_id);
/* One registered flow's share of the verdicts. Every payload byte that
 * reached the receiver is in payload_bytes (good, duplicates once) or
 * bad_bytes (in a frame that failed a check), so a sender can tell
 * what arrived from what never did. */
struct xf_traffic_rx_flow_stats {
	uint64_t good;               /* frames that passed every check */
	uint64_t payload_bytes;      /* good payload, duplicates once */
	uint64_t contiguous;         /* as xf_traffic_rx_contiguous() */
	uint64_t bad;                /* frames that failed a check */
	uint64_t bad_bytes;          /* their payload (stream bytes) */
	/* Every stream byte below this has arrived or was lost on the way
	 * (the path is FIFO per flow): the highest end of a good frame or
	 * the highest probe offset. */
	uint64_t resolved;
	uint64_t probes;             /* probes (no payload) */
};
/* -ENOENT when no flow with that id is registered. */
int xf_traffic_rx_flow_stats(const struct xf_traffic_rx *rx,
			     uint32_t flow_id,
			     struct xf_traffic_rx_flow_stats *out);
void xf_traffic_rx_stats(const struct xf_traffic_rx *rx,
			 struct xf_traffic_rx_stats *out);
/* The end of the run: datagrams still missing fragments are dropped
 * (counted in reasm_dropped). Their bytes are in no flow's verdict:
 * lost, like a datagram Linux gives up on (ReasmFails). */
void xf_traffic_rx_finish(struct xf_traffic_rx *rx);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_TRAFFIC_H */
