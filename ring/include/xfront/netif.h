/* SPDX-License-Identifier: MIT */
/*
 * The netif wire format (xen/io/netif.h): tx/rx request and response
 * layouts, flags, extra-info segments and ring sizes.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_NETIF_H
#define XFRONT_NETIF_H

#include <stdint.h>

#include <xfront/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* netif (xen/io/netif.h). */

#define XF_NETIF_NR_SLOTS_MIN 18
#define XF_NETIF_MAX_TX_SIZE 0xFFFF

#define XF_NETTXF_csum_blank (1u << 0)
#define XF_NETTXF_data_validated (1u << 1)
#define XF_NETTXF_more_data (1u << 2)
#define XF_NETTXF_extra_info (1u << 3)

#define XF_NETRXF_data_validated (1u << 0)
#define XF_NETRXF_csum_blank (1u << 1)
#define XF_NETRXF_more_data (1u << 2)
#define XF_NETRXF_extra_info (1u << 3)
#define XF_NETRXF_gso_prefix (1u << 4)

#define XF_NETIF_EXTRA_TYPE_NONE 0
#define XF_NETIF_EXTRA_TYPE_GSO 1
#define XF_NETIF_EXTRA_TYPE_MCAST_ADD 2
#define XF_NETIF_EXTRA_TYPE_MCAST_DEL 3
#define XF_NETIF_EXTRA_TYPE_HASH 4
#define XF_NETIF_EXTRA_TYPE_MAX 5
/* Linux 6.1 netif.h (XEN_NETIF_EXTRA_TYPE_XDP, after Xen 4.17's
 * header, whose XEN_NETIF_EXTRA_TYPE_MAX XF_NETIF_EXTRA_TYPE_MAX
 * follows): an rx extra carrying the headroom the frontend asked for
 * with xdp-headroom, at most XF_NETIF_MAX_XDP_HEADROOM bytes. */
#define XF_NETIF_EXTRA_TYPE_XDP 5
#define XF_NETIF_MAX_XDP_HEADROOM 0x7FFF

#define XF_NETIF_EXTRA_FLAG_MORE (1u << 0)

#define XF_NETIF_GSO_TYPE_NONE 0
#define XF_NETIF_GSO_TYPE_TCPV4 1
#define XF_NETIF_GSO_TYPE_TCPV6 2

#define XF_NETIF_RSP_DROPPED (-2)
#define XF_NETIF_RSP_ERROR (-1)
#define XF_NETIF_RSP_OKAY 0
#define XF_NETIF_RSP_NULL 1

struct xf_netif_tx_request {
	xf_gref gref;
	uint16_t offset;
	uint16_t flags;
	uint16_t id;
	uint16_t size;
};

struct xf_netif_extra_info {
	uint8_t type;
	uint8_t flags;
	union {
		struct {
			uint16_t size;
			uint8_t type;
			uint8_t pad;
			uint16_t features;
		} gso;
		struct {
			uint8_t addr[6];
		} mcast;
		struct {
			uint8_t type;
			uint8_t algorithm;
			uint8_t value[4];
		} hash;
		struct {
			uint16_t headroom;
			uint16_t pad[2];
		} xdp;
		uint16_t pad[3];
	} u;
};

struct xf_netif_tx_response {
	uint16_t id;
	int16_t status;
};

struct xf_netif_rx_request {
	uint16_t id;
	uint16_t pad;
	xf_gref gref;
};

struct xf_netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags;
	int16_t status;
};

/* Ring slot sizes: the union of request and response in each ring. */
#define XF_NETIF_TX_SLOT_SIZE sizeof(struct xf_netif_tx_request)
#define XF_NETIF_RX_SLOT_SIZE sizeof(struct xf_netif_rx_request)
unsigned int xf_netif_tx_ring_size(unsigned int order);
unsigned int xf_netif_rx_ring_size(unsigned int order);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_NETIF_H */
