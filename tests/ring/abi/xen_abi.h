/* SPDX-License-Identifier: MIT */
/*
 * Xen's public io headers as the abi tests see them, plus the x86_32
 * blkif layout that a 64-bit backend uses for 32-bit guests (Xen's headers
 * only define the native layout).
 */
#ifndef XF_TEST_XEN_ABI_H
#define XF_TEST_XEN_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ring.h leaves the barriers to its user: xen_mb() and friends from
 * interface 0x00030208 on, mb() and friends before (user space gets the
 * old default interface version). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define xen_mb() mb()
#define xen_rmb() rmb()
#define xen_wmb() wmb()

#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

/* Xen ring pages are 4 KiB on x86 (the public io headers assume it). */
#define XT_PAGE_SIZE 4096u

/*
 * The fields of each wire struct that the layout checks compare, as
 * X-macro lists: X(xt, ft, field) for Xen's type xt and xfront's ft.
 */
#define XT_BLKIF_SEGMENT_FIELDS(X, xt, ft)				\
	X(xt, ft, gref) X(xt, ft, first_sect) X(xt, ft, last_sect)
#define XT_BLKIF_REQUEST_FIELDS(X, xt, ft)				\
	X(xt, ft, operation) X(xt, ft, nr_segments) X(xt, ft, handle)	\
	X(xt, ft, id) X(xt, ft, sector_number) X(xt, ft, seg)		\
	X(xt, ft, seg[10])
#define XT_BLKIF_DISCARD_FIELDS(X, xt, ft)				\
	X(xt, ft, operation) X(xt, ft, flag) X(xt, ft, handle)		\
	X(xt, ft, id) X(xt, ft, sector_number) X(xt, ft, nr_sectors)
#define XT_BLKIF_INDIRECT_FIELDS(X, xt, ft)				\
	X(xt, ft, operation) X(xt, ft, indirect_op) X(xt, ft, nr_segments) \
	X(xt, ft, id) X(xt, ft, sector_number) X(xt, ft, handle)	\
	X(xt, ft, indirect_grefs)
#define XT_BLKIF_RESPONSE_FIELDS(X, xt, ft)				\
	X(xt, ft, id) X(xt, ft, operation) X(xt, ft, status)
#define XT_NETIF_TX_REQUEST_FIELDS(X, xt, ft)				\
	X(xt, ft, gref) X(xt, ft, offset) X(xt, ft, flags) X(xt, ft, id) \
	X(xt, ft, size)
#define XT_NETIF_TX_RESPONSE_FIELDS(X, xt, ft)				\
	X(xt, ft, id) X(xt, ft, status)
#define XT_NETIF_RX_REQUEST_FIELDS(X, xt, ft)				\
	X(xt, ft, id) X(xt, ft, pad) X(xt, ft, gref)
#define XT_NETIF_RX_RESPONSE_FIELDS(X, xt, ft)				\
	X(xt, ft, id) X(xt, ft, offset) X(xt, ft, flags) X(xt, ft, status)
#define XT_NETIF_EXTRA_FIELDS(X, xt, ft)				\
	X(xt, ft, type) X(xt, ft, flags) X(xt, ft, u) X(xt, ft, u.gso)	\
	X(xt, ft, u.gso.size) X(xt, ft, u.gso.type) X(xt, ft, u.gso.pad) \
	X(xt, ft, u.gso.features) X(xt, ft, u.mcast)			\
	X(xt, ft, u.mcast.addr) X(xt, ft, u.hash) X(xt, ft, u.hash.type) \
	X(xt, ft, u.hash.algorithm) X(xt, ft, u.hash.value) X(xt, ft, u.pad)

/*
 * The i386 blkif layout as Linux xen-blkback declares it for a 64-bit
 * dom0 (drivers/block/xen-blkback/common.h): the operation byte, then a
 * packed union, so 64-bit fields are only 4-byte aligned; the response
 * uses pack(4).
 */
struct linux_blkif_x86_32_request_rw {
	uint8_t nr_segments;
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((__packed__));

struct linux_blkif_x86_32_request_discard {
	uint8_t flag;
	blkif_vdev_t _pad1;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
} __attribute__((__packed__));

struct linux_blkif_x86_32_request_other {
	uint8_t _pad1;
	blkif_vdev_t _pad2;
	uint64_t id;
} __attribute__((__packed__));

struct linux_blkif_x86_32_request_indirect {
	uint8_t indirect_op;
	uint16_t nr_segments;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	uint16_t _pad1;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	uint64_t _pad2;
} __attribute__((__packed__));

struct linux_blkif_x86_32_request {
	uint8_t operation;
	union {
		struct linux_blkif_x86_32_request_rw rw;
		struct linux_blkif_x86_32_request_discard discard;
		struct linux_blkif_x86_32_request_other other;
		struct linux_blkif_x86_32_request_indirect indirect;
	} u;
} __attribute__((__packed__));

#pragma pack(push, 4)
struct linux_blkif_x86_32_response {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};
#pragma pack(pop)

DEFINE_RING_TYPES(linux_blkif_x86_32, struct linux_blkif_x86_32_request,
		  struct linux_blkif_x86_32_response);

#endif
