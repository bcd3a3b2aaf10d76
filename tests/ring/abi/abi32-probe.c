// SPDX-License-Identifier: MIT
/*
 * Compiled with -m32 (syntax only) by the abi suite: Xen's public headers
 * built for i386 define the native layout of a 32-bit guest, which is what
 * protocol "x86_32-abi" means. xfront's x86_32 structs (and the layout
 * Linux blkback uses for 32-bit guests) must match it field for field.
 * A mismatch fails the compilation, and so the test.
 */
#if !defined(__i386__)
#error "this probe must be compiled with -m32"
#endif

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/netif.h>

#include "xen_abi.h"

#define FSZ(t, f) sizeof(((t *)0)->f)
#define SAME2(xt, xfld, ft, ffld)					\
	_Static_assert(offsetof(xt, xfld) == offsetof(ft, ffld) &&	\
		       FSZ(xt, xfld) == FSZ(ft, ffld),			\
		       #ft "." #ffld " != i386 " #xt "." #xfld)
#define SAME(xt, ft, f) SAME2(xt, f, ft, f)
#define SAME_DECL(xt, ft, f) SAME(xt, ft, f);
#define SAME_SIZE(xt, ft)						\
	_Static_assert(sizeof(xt) == sizeof(ft), "sizeof " #ft " != i386 " #xt)

typedef struct blkif_request XR;
typedef struct blkif_request_discard XD;
typedef struct blkif_request_indirect XI;
typedef struct blkif_response XP;
typedef struct xf_blkif_x86_32_request FR;
typedef struct xf_blkif_x86_32_request_discard FD;
typedef struct xf_blkif_x86_32_request_indirect FI;
typedef struct xf_blkif_x86_32_response FP;
typedef struct linux_blkif_x86_32_request LR;
typedef struct linux_blkif_x86_32_response LP;

SAME_SIZE(XR, FR);
XT_BLKIF_REQUEST_FIELDS(SAME_DECL, XR, FR)
SAME(XR, FR, seg[10].gref);
SAME(XR, FR, seg[10].first_sect);
SAME(XR, FR, seg[10].last_sect);

SAME_SIZE(XD, FD);
XT_BLKIF_DISCARD_FIELDS(SAME_DECL, XD, FD)

SAME_SIZE(XI, FI);
XT_BLKIF_INDIRECT_FIELDS(SAME_DECL, XI, FI)
SAME2(XI, pad, FI, pad2);

SAME_SIZE(XP, FP);
XT_BLKIF_RESPONSE_FIELDS(SAME_DECL, XP, FP)

/* Linux blkback's view of a 32-bit guest equals the i386 native one. */
SAME_SIZE(XR, LR);
SAME(XR, LR, operation);
SAME2(XR, nr_segments, LR, u.rw.nr_segments);
SAME2(XR, handle, LR, u.rw.handle);
SAME2(XR, id, LR, u.rw.id);
SAME2(XR, sector_number, LR, u.rw.sector_number);
SAME2(XR, seg, LR, u.rw.seg);
SAME2(XD, flag, LR, u.discard.flag);
SAME2(XD, id, LR, u.discard.id);
SAME2(XD, nr_sectors, LR, u.discard.nr_sectors);
SAME2(XI, indirect_grefs, LR, u.indirect.indirect_grefs);
SAME2(XI, pad, LR, u.indirect._pad2);
SAME_SIZE(XP, LP);
SAME(XP, LP, status);

/* Ring geometry of a 32-bit guest, orders 0..4. */
_Static_assert(sizeof(union blkif_sring_entry) == sizeof(FR) &&
	       sizeof(union blkif_sring_entry) ==
	       sizeof(union linux_blkif_x86_32_sring_entry), "x86_32 slot");
#define RING_EQ(o)							\
	_Static_assert(__CONST_RING_SIZE(blkif, 4096 << (o)) ==		\
		       __CONST_RING_SIZE(linux_blkif_x86_32, 4096 << (o)), \
		       "x86_32 ring size, order " #o)
RING_EQ(0);
RING_EQ(1);
RING_EQ(2);
RING_EQ(3);
RING_EQ(4);
_Static_assert(offsetof(struct blkif_sring, ring) == XF_SRING_HDR_SIZE,
	       "sring header");

/* netif has no ABI variants: the same layout on i386. */
SAME_SIZE(struct netif_tx_request, struct xf_netif_tx_request);
XT_NETIF_TX_REQUEST_FIELDS(SAME_DECL, struct netif_tx_request,
			   struct xf_netif_tx_request)
SAME_SIZE(struct netif_rx_response, struct xf_netif_rx_response);
XT_NETIF_RX_RESPONSE_FIELDS(SAME_DECL, struct netif_rx_response,
			    struct xf_netif_rx_response)
SAME_SIZE(struct netif_extra_info, struct xf_netif_extra_info);
XT_NETIF_EXTRA_FIELDS(SAME_DECL, struct netif_extra_info,
		      struct xf_netif_extra_info)
SAME_SIZE(union netif_tx_sring_entry, struct xf_netif_tx_request);
SAME_SIZE(union netif_rx_sring_entry, struct xf_netif_rx_request);
