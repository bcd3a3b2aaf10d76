// SPDX-License-Identifier: MIT
/* netif ring geometry: slot sizes are the request/response unions. */
#include <xfront/ring.h>
#include <xfront/netif.h>

_Static_assert(sizeof(struct xf_netif_tx_request) == 12, "tx request");
_Static_assert(sizeof(struct xf_netif_tx_response) == 4, "tx response");
_Static_assert(sizeof(struct xf_netif_extra_info) == 8, "extra info");
_Static_assert(sizeof(struct xf_netif_rx_request) == 8, "rx request");
_Static_assert(sizeof(struct xf_netif_rx_response) == 8, "rx response");
/* An extra-info slot travels in a tx request slot. */
_Static_assert(XF_NETIF_TX_SLOT_SIZE >= sizeof(struct xf_netif_tx_response) &&
	       XF_NETIF_TX_SLOT_SIZE >= sizeof(struct xf_netif_extra_info),
	       "tx slot");
_Static_assert(XF_NETIF_RX_SLOT_SIZE >= sizeof(struct xf_netif_rx_response) &&
	       XF_NETIF_RX_SLOT_SIZE >= sizeof(struct xf_netif_extra_info),
	       "rx slot");

static unsigned int ring_size(unsigned int order, size_t slot)
{
	if (order > XF_MAX_RING_PAGE_ORDER)
		return 0;
	return xf_ring_nr_ents((size_t)XF_PAGE_SIZE << order, slot);
}

unsigned int xf_netif_tx_ring_size(unsigned int order)
{
	return ring_size(order, XF_NETIF_TX_SLOT_SIZE);
}

unsigned int xf_netif_rx_ring_size(unsigned int order)
{
	return ring_size(order, XF_NETIF_RX_SLOT_SIZE);
}
