// SPDX-License-Identifier: MIT
/*
 * Layout equality with Xen's public headers: sizeof and offsetof of every
 * struct and field, ring geometry per ring-page-order and the protocol
 * constants.
 */
#include <stdio.h>
#include <stdlib.h>


#include "xt.h"

#ifndef XF_HAVE_XEN_HEADERS
XT_SUITE("abi-layout")
{
	xt_skip("Xen public headers (xen/io/blkif.h) not found; "
		"install libxen-dev to run the abi suite");
}
#else

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/netif.h>
#include <xfront/xenbus.h>

#include "xen_abi.h"

#define FSIZE(type, field) sizeof(((type *)0)->field)

/* Same offset and size of a field under (possibly) different names. */
#define SAME2(xtype, xfield, ftype, ffield) do {			\
	ck_assert_msg(offsetof(xtype, xfield) == offsetof(ftype, ffield), \
		      "offsetof(%s, %s) %zu != %zu", #ftype, #ffield,	\
		      offsetof(ftype, ffield), offsetof(xtype, xfield)); \
	ck_assert_msg(FSIZE(xtype, xfield) == FSIZE(ftype, ffield),	\
		      "sizeof(%s.%s) %zu != %zu", #ftype, #ffield,	\
		      FSIZE(ftype, ffield), FSIZE(xtype, xfield));	\
} while (0)
#define SAME(xtype, ftype, field) SAME2(xtype, field, ftype, field)
#define SAME_STMT(xtype, ftype, field) SAME(xtype, ftype, field);
/* Same size and alignment, and each field of list the same. */
#define SAME_ALL(list, xtype, ftype) do {				\
	SAME_SIZE(xtype, ftype);					\
	list(SAME_STMT, xtype, ftype)					\
} while (0)
#define SAME_SIZE(xtype, ftype) do {					\
	ck_assert_msg(sizeof(xtype) == sizeof(ftype),			\
		      "sizeof(%s) %zu != sizeof(%s) %zu", #ftype,	\
		      sizeof(ftype), #xtype, sizeof(xtype));		\
	ck_assert_uint_eq(_Alignof(xtype), _Alignof(ftype));		\
} while (0)

START_TEST(sring_header)
{
	SAME2(struct blkif_sring, req_prod, struct xf_sring_hdr, req_prod);
	SAME(struct blkif_sring, struct xf_sring_hdr, req_event);
	SAME(struct blkif_sring, struct xf_sring_hdr, rsp_prod);
	SAME(struct blkif_sring, struct xf_sring_hdr, rsp_event);
	SAME2(struct blkif_sring, pvt, struct xf_sring_hdr, pvt_pad);
	SAME2(struct blkif_sring, pvt.pvt_pad, struct xf_sring_hdr, pvt_pad);
	SAME2(struct blkif_sring, __pad, struct xf_sring_hdr, pad);
	ck_assert_uint_eq(offsetof(struct blkif_sring, ring), XF_SRING_HDR_SIZE);
	ck_assert_uint_eq(offsetof(struct netif_tx_sring, ring),
			  XF_SRING_HDR_SIZE);
	ck_assert_uint_eq(offsetof(struct netif_rx_sring, ring),
			  XF_SRING_HDR_SIZE);
	ck_assert_uint_eq(sizeof(struct xf_sring_hdr), XF_SRING_HDR_SIZE);
	ck_assert_uint_eq(sizeof(RING_IDX), sizeof(xf_ring_idx));
	ck_assert_uint_eq(sizeof(grant_ref_t), sizeof(xf_gref));
	ck_assert_uint_eq(sizeof(blkif_sector_t), sizeof(xf_blkif_sector));
}
END_TEST

START_TEST(blkif_structs)
{
	SAME_ALL(XT_BLKIF_SEGMENT_FIELDS, struct blkif_request_segment,
		 struct xf_blkif_request_segment);
	SAME_ALL(XT_BLKIF_REQUEST_FIELDS, struct blkif_request,
		 struct xf_blkif_request);
	SAME_ALL(XT_BLKIF_DISCARD_FIELDS, struct blkif_request_discard,
		 struct xf_blkif_request_discard);
	SAME_ALL(XT_BLKIF_INDIRECT_FIELDS, struct blkif_request_indirect,
		 struct xf_blkif_request_indirect);
	SAME_ALL(XT_BLKIF_RESPONSE_FIELDS, struct blkif_response,
		 struct xf_blkif_response);

	ck_assert_uint_eq(sizeof(union blkif_sring_entry),
			  xf_blkif_slot_size(XF_BLKIF_ABI_X86_64));
	ck_assert_uint_eq(XF_BLKIF_SEGS_PER_INDIRECT_FRAME,
			  XT_PAGE_SIZE / sizeof(struct blkif_request_segment));
}
END_TEST

/* The 32-bit guest layout, as a 64-bit Linux blkback reads it. */
START_TEST(blkif_x86_32_structs)
{
	typedef struct linux_blkif_x86_32_request L;
	typedef struct xf_blkif_x86_32_request F;
	typedef struct xf_blkif_x86_32_request_discard D;
	typedef struct xf_blkif_x86_32_request_indirect I;
	typedef struct linux_blkif_x86_32_response LR;
	typedef struct xf_blkif_x86_32_response FR;

	/* Linux's packed request is byte-aligned; only its size and the
	 * alignment of the ring entry (checked below) are wire-visible. */
	ck_assert_uint_eq(sizeof(L), sizeof(F));
	SAME(L, F, operation);
	SAME2(L, u.rw.nr_segments, F, nr_segments);
	SAME2(L, u.rw.handle, F, handle);
	SAME2(L, u.rw.id, F, id);
	SAME2(L, u.rw.sector_number, F, sector_number);
	SAME2(L, u.rw.seg, F, seg);
	SAME2(L, u.rw.seg[10], F, seg[10]);

	SAME2(L, operation, D, operation);
	SAME2(L, u.discard.flag, D, flag);
	SAME2(L, u.discard._pad1, D, handle);
	SAME2(L, u.discard.id, D, id);
	SAME2(L, u.discard.sector_number, D, sector_number);
	SAME2(L, u.discard.nr_sectors, D, nr_sectors);
	ck_assert_uint_eq(1 + sizeof(struct linux_blkif_x86_32_request_discard),
			  sizeof(D));

	SAME2(L, operation, I, operation);
	SAME2(L, u.indirect.indirect_op, I, indirect_op);
	SAME2(L, u.indirect.nr_segments, I, nr_segments);
	SAME2(L, u.indirect.id, I, id);
	SAME2(L, u.indirect.sector_number, I, sector_number);
	SAME2(L, u.indirect.handle, I, handle);
	SAME2(L, u.indirect._pad1, I, pad1);
	SAME2(L, u.indirect.indirect_grefs, I, indirect_grefs);
	SAME2(L, u.indirect._pad2, I, pad2);
	ck_assert_uint_eq(1 + sizeof(struct linux_blkif_x86_32_request_indirect),
			  sizeof(I));

	/* The "other" layout (flush, barrier without data) only has id. */
	SAME2(L, u.other.id, F, id);

	SAME_ALL(XT_BLKIF_RESPONSE_FIELDS, LR, FR);

	ck_assert_uint_eq(sizeof(union linux_blkif_x86_32_sring_entry),
			  xf_blkif_slot_size(XF_BLKIF_ABI_X86_32));
	ck_assert_uint_eq(_Alignof(union linux_blkif_x86_32_sring_entry),
			  _Alignof(F));
	ck_assert_uint_eq(offsetof(struct linux_blkif_x86_32_sring, ring),
			  XF_SRING_HDR_SIZE);
}
END_TEST

START_TEST(netif_structs)
{
	typedef struct netif_extra_info XE;
	typedef struct xf_netif_extra_info FE;

	SAME_ALL(XT_NETIF_TX_REQUEST_FIELDS, struct netif_tx_request,
		 struct xf_netif_tx_request);
	SAME_ALL(XT_NETIF_TX_RESPONSE_FIELDS, struct netif_tx_response,
		 struct xf_netif_tx_response);
	SAME_ALL(XT_NETIF_RX_REQUEST_FIELDS, struct netif_rx_request,
		 struct xf_netif_rx_request);
	SAME_ALL(XT_NETIF_RX_RESPONSE_FIELDS, struct netif_rx_response,
		 struct xf_netif_rx_response);
	SAME_ALL(XT_NETIF_EXTRA_FIELDS, XE, FE);
	ck_assert_uint_eq(_Alignof(union netif_tx_sring_entry),
			  _Alignof(struct xf_netif_tx_request));

	ck_assert_uint_eq(sizeof(union netif_tx_sring_entry),
			  XF_NETIF_TX_SLOT_SIZE);
	ck_assert_uint_eq(sizeof(union netif_rx_sring_entry),
			  XF_NETIF_RX_SLOT_SIZE);
}
END_TEST

/* Ring sizes per order, both through the name-tag and pointer forms. */
START_TEST(ring_sizes_per_order)
{
	unsigned int o = (unsigned int)_i;
	size_t bytes = (size_t)XT_PAGE_SIZE << o;
	blkif_sring_t *bs = NULL;
	netif_tx_sring_t *ts = NULL;
	netif_rx_sring_t *rs = NULL;
	linux_blkif_x86_32_sring_t *b32 = NULL;
	unsigned int xb = __CONST_RING_SIZE(blkif, bytes);
	unsigned int xt = __CONST_RING_SIZE(netif_tx, bytes);
	unsigned int xr = __CONST_RING_SIZE(netif_rx, bytes);
	unsigned int x32 = __CONST_RING_SIZE(linux_blkif_x86_32, bytes);

	ck_assert_uint_eq(xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, o), xb);
	ck_assert_uint_eq(xf_blkif_ring_size(XF_BLKIF_ABI_X86_32, o), x32);
	ck_assert_uint_eq(xf_netif_tx_ring_size(o), xt);
	ck_assert_uint_eq(xf_netif_rx_ring_size(o), xr);

	/* __RING_SIZE only does pointer arithmetic on its argument. */
	bs = (blkif_sring_t *)(uintptr_t)4096;
	ts = (netif_tx_sring_t *)(uintptr_t)4096;
	rs = (netif_rx_sring_t *)(uintptr_t)4096;
	b32 = (linux_blkif_x86_32_sring_t *)(uintptr_t)4096;
	ck_assert_uint_eq(xf_ring_nr_ents(bytes, sizeof(bs->ring[0])),
			  __RING_SIZE(bs, bytes));
	ck_assert_uint_eq(xf_ring_nr_ents(bytes, sizeof(ts->ring[0])),
			  __RING_SIZE(ts, bytes));
	ck_assert_uint_eq(xf_ring_nr_ents(bytes, sizeof(rs->ring[0])),
			  __RING_SIZE(rs, bytes));
	ck_assert_uint_eq(xf_ring_nr_ents(bytes, sizeof(b32->ring[0])),
			  __RING_SIZE(b32, bytes));
}
END_TEST

/* Odd slot sizes and lengths: the rounding equals __RD32. */
START_TEST(nr_ents_matches_rd32)
{
	size_t bytes, slot;

	for (slot = 1; slot <= 300; slot += 7)
		for (bytes = 65; bytes <= 70000; bytes += 997)
			ck_assert_uint_eq(xf_ring_nr_ents(bytes, slot),
					  __RD32((bytes - 64) / slot));
}
END_TEST

START_TEST(protocol_constants)
{
	ck_assert_int_eq(XF_BLKIF_OP_READ, BLKIF_OP_READ);
	ck_assert_int_eq(XF_BLKIF_OP_WRITE, BLKIF_OP_WRITE);
	ck_assert_int_eq(XF_BLKIF_OP_WRITE_BARRIER, BLKIF_OP_WRITE_BARRIER);
	ck_assert_int_eq(XF_BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_FLUSH_DISKCACHE);
	ck_assert_int_eq(XF_BLKIF_OP_RESERVED_1, BLKIF_OP_RESERVED_1);
	ck_assert_int_eq(XF_BLKIF_OP_DISCARD, BLKIF_OP_DISCARD);
	ck_assert_int_eq(XF_BLKIF_OP_INDIRECT, BLKIF_OP_INDIRECT);
	ck_assert_int_eq(XF_BLKIF_MAX_SEGMENTS_PER_REQUEST,
			 BLKIF_MAX_SEGMENTS_PER_REQUEST);
	ck_assert_int_eq(XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
			 BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	ck_assert_int_eq(XF_BLKIF_DISCARD_SECURE, BLKIF_DISCARD_SECURE);
	ck_assert_int_eq(XF_BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_EOPNOTSUPP);
	ck_assert_int_eq(XF_BLKIF_RSP_ERROR, BLKIF_RSP_ERROR);
	ck_assert_int_eq(XF_BLKIF_RSP_OKAY, BLKIF_RSP_OKAY);
	ck_assert_int_eq(XF_VDISK_CDROM, VDISK_CDROM);
	ck_assert_int_eq(XF_VDISK_REMOVABLE, VDISK_REMOVABLE);
	ck_assert_int_eq(XF_VDISK_READONLY, VDISK_READONLY);

	ck_assert_int_eq(XF_NETIF_NR_SLOTS_MIN, XEN_NETIF_NR_SLOTS_MIN);
	ck_assert_int_eq(XF_NETIF_MAX_TX_SIZE, XEN_NETIF_MAX_TX_SIZE);
	ck_assert_int_eq(XF_NETTXF_csum_blank, NETTXF_csum_blank);
	ck_assert_int_eq(XF_NETTXF_data_validated, NETTXF_data_validated);
	ck_assert_int_eq(XF_NETTXF_more_data, NETTXF_more_data);
	ck_assert_int_eq(XF_NETTXF_extra_info, NETTXF_extra_info);
	ck_assert_int_eq(XF_NETRXF_data_validated, NETRXF_data_validated);
	ck_assert_int_eq(XF_NETRXF_csum_blank, NETRXF_csum_blank);
	ck_assert_int_eq(XF_NETRXF_more_data, NETRXF_more_data);
	ck_assert_int_eq(XF_NETRXF_extra_info, NETRXF_extra_info);
	ck_assert_int_eq(XF_NETRXF_gso_prefix, NETRXF_gso_prefix);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_NONE);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_GSO);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_MCAST_ADD,
			 XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_MCAST_DEL,
			 XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_TYPE_HASH);
	ck_assert_int_eq(XF_NETIF_EXTRA_TYPE_MAX, XEN_NETIF_EXTRA_TYPE_MAX);
	ck_assert_int_eq(XF_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_EXTRA_FLAG_MORE);
	ck_assert_int_eq(XF_NETIF_GSO_TYPE_NONE, XEN_NETIF_GSO_TYPE_NONE);
	ck_assert_int_eq(XF_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_GSO_TYPE_TCPV4);
	ck_assert_int_eq(XF_NETIF_GSO_TYPE_TCPV6, XEN_NETIF_GSO_TYPE_TCPV6);
	ck_assert_int_eq(XF_NETIF_RSP_DROPPED, NETIF_RSP_DROPPED);
	ck_assert_int_eq(XF_NETIF_RSP_ERROR, NETIF_RSP_ERROR);
	ck_assert_int_eq(XF_NETIF_RSP_OKAY, NETIF_RSP_OKAY);
	ck_assert_int_eq(XF_NETIF_RSP_NULL, NETIF_RSP_NULL);

	ck_assert_int_eq(XF_XENBUS_UNKNOWN, XenbusStateUnknown);
	ck_assert_int_eq(XF_XENBUS_INITIALISING, XenbusStateInitialising);
	ck_assert_int_eq(XF_XENBUS_INITWAIT, XenbusStateInitWait);
	ck_assert_int_eq(XF_XENBUS_INITIALISED, XenbusStateInitialised);
	ck_assert_int_eq(XF_XENBUS_CONNECTED, XenbusStateConnected);
	ck_assert_int_eq(XF_XENBUS_CLOSING, XenbusStateClosing);
	ck_assert_int_eq(XF_XENBUS_CLOSED, XenbusStateClosed);
	ck_assert_int_eq(XF_XENBUS_RECONFIGURING, XenbusStateReconfiguring);
	ck_assert_int_eq(XF_XENBUS_RECONFIGURED, XenbusStateReconfigured);
	ck_assert_int_eq(XF_PAGE_SIZE, XT_PAGE_SIZE);
}
END_TEST

XT_SUITE("abi-layout")
{
	TCase *tc = xt_tcase("layout");

	tcase_add_test(tc, sring_header);
	tcase_add_test(tc, blkif_structs);
	tcase_add_test(tc, blkif_x86_32_structs);
	tcase_add_test(tc, netif_structs);
	tcase_add_loop_test(tc, ring_sizes_per_order, 0,
			    XF_MAX_RING_PAGE_ORDER + 1);
	tcase_add_test(tc, nr_ents_matches_rd32);
	tcase_add_test(tc, protocol_constants);
}
#endif
