// SPDX-License-Identifier: MIT
/* blkif/netif wire formats: ABI names, geometry, encode/decode. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/blkif.h>
#include <xfront/netif.h>
#include <xfront/xenbus.h>

#include "xt.h"

static const enum xf_blkif_abi abis[] = { XF_BLKIF_ABI_X86_64,
					  XF_BLKIF_ABI_X86_32 };

START_TEST(abi_names_round_trip)
{
	enum xf_blkif_abi a = XF_BLKIF_ABI_X86_32;

	ck_assert_int_eq(xf_blkif_abi_parse("x86_64-abi", &a), 0);
	ck_assert_int_eq(a, XF_BLKIF_ABI_X86_64);
	ck_assert_int_eq(xf_blkif_abi_parse("x86_32-abi", &a), 0);
	ck_assert_int_eq(a, XF_BLKIF_ABI_X86_32);
	ck_assert_str_eq(xf_blkif_abi_name(XF_BLKIF_ABI_X86_64), "x86_64-abi");
	ck_assert_str_eq(xf_blkif_abi_name(XF_BLKIF_ABI_X86_32), "x86_32-abi");
	ck_assert_int_eq(xf_blkif_abi_parse("x86_32-abi ", &a), -EINVAL);
	ck_assert_int_eq(xf_blkif_abi_parse("arm-abi", &a), -EINVAL);
	ck_assert_int_eq(xf_blkif_abi_parse("", &a), -EINVAL);
	ck_assert_int_eq(xf_blkif_abi_parse(NULL, &a), -EINVAL);
	ck_assert_int_eq(a, XF_BLKIF_ABI_X86_32);
}
END_TEST

START_TEST(blkif_geometry)
{
	static const unsigned int want[] = { 32, 64, 128, 256, 512 };
	unsigned int o;

	ck_assert_uint_eq(xf_blkif_slot_size(XF_BLKIF_ABI_X86_64), 112);
	ck_assert_uint_eq(xf_blkif_slot_size(XF_BLKIF_ABI_X86_32), 108);
	ck_assert_uint_eq(xf_blkif_slot_size((enum xf_blkif_abi)7), 0);
	for (o = 0; o <= XF_MAX_RING_PAGE_ORDER; o++) {
		ck_assert_uint_eq(xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, o),
				  want[o]);
		ck_assert_uint_eq(xf_blkif_ring_size(XF_BLKIF_ABI_X86_32, o),
				  want[o]);
	}
	ck_assert_uint_eq(xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, 5), 0);
	ck_assert_uint_eq(XF_BLKIF_SEGS_PER_INDIRECT_FRAME, 512);
}
END_TEST

START_TEST(netif_geometry)
{
	static const unsigned int tx[] = { 256, 512, 1024, 2048, 4096 };
	static const unsigned int rx[] = { 256, 512, 1024, 2048, 4096 };
	unsigned int o;

	ck_assert_uint_eq(XF_NETIF_TX_SLOT_SIZE, 12);
	ck_assert_uint_eq(XF_NETIF_RX_SLOT_SIZE, 8);
	for (o = 0; o <= XF_MAX_RING_PAGE_ORDER; o++) {
		ck_assert_uint_eq(xf_netif_tx_ring_size(o), tx[o]);
		ck_assert_uint_eq(xf_netif_rx_ring_size(o), rx[o]);
	}
	ck_assert_uint_eq(xf_netif_tx_ring_size(5), 0);
	ck_assert_uint_eq(xf_netif_rx_ring_size(99), 0);
}
END_TEST

START_TEST(xenbus_state_names)
{
	ck_assert_str_eq(xf_xenbus_state_name(XF_XENBUS_UNKNOWN), "Unknown");
	ck_assert_str_eq(xf_xenbus_state_name(XF_XENBUS_INITWAIT), "InitWait");
	ck_assert_str_eq(xf_xenbus_state_name(XF_XENBUS_CONNECTED),
			 "Connected");
	ck_assert_str_eq(xf_xenbus_state_name(XF_XENBUS_CLOSED), "Closed");
	ck_assert_str_eq(xf_xenbus_state_name(XF_XENBUS_RECONFIGURED),
			 "Reconfigured");
	ck_assert_str_eq(xf_xenbus_state_name(9), "Invalid");
	ck_assert_str_eq(xf_xenbus_state_name(-1), "Invalid");
}
END_TEST

static struct xf_blkif_req make_req(uint8_t op, unsigned int variant)
{
	struct xf_blkif_req r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.operation = op;
	r.handle = (uint16_t)(0x5100 + variant);
	r.id = 0x0123456789abcdefull ^ variant;
	r.sector_number = 0xfedcba9876543210ull - variant;
	switch (op) {
	case XF_BLKIF_OP_DISCARD:
		r.discard_flag = variant & 1 ? XF_BLKIF_DISCARD_SECURE : 0;
		r.nr_sectors = 0x1000000001ull + variant;
		break;
	case XF_BLKIF_OP_INDIRECT:
		r.indirect_op = variant & 1 ? XF_BLKIF_OP_WRITE : XF_BLKIF_OP_READ;
		r.nr_indirect_segments = (uint16_t)(1 + variant * 97);
		for (i = 0; i < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
			r.indirect_grefs[i] = 0x70000000u + i * 3 + variant;
		break;
	default:
		r.nr_segments = (uint8_t)(variant % 12);
		for (i = 0; i < r.nr_segments; i++) {
			r.seg[i].gref = 0x10000u * (i + 1) + variant;
			r.seg[i].first_sect = (uint8_t)(i % 8);
			r.seg[i].last_sect = 7;
		}
	}
	return r;
}

static void check_req_equal(const struct xf_blkif_req *a,
			    const struct xf_blkif_req *b)
{
	unsigned int i;

	ck_assert_uint_eq(a->operation, b->operation);
	ck_assert_uint_eq(a->nr_segments, b->nr_segments);
	ck_assert_uint_eq(a->indirect_op, b->indirect_op);
	ck_assert_uint_eq(a->discard_flag, b->discard_flag);
	ck_assert_uint_eq(a->nr_indirect_segments, b->nr_indirect_segments);
	ck_assert_uint_eq(a->handle, b->handle);
	ck_assert_uint_eq(a->id, b->id);
	ck_assert_uint_eq(a->sector_number, b->sector_number);
	ck_assert_uint_eq(a->nr_sectors, b->nr_sectors);
	for (i = 0; i < XF_BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		ck_assert_uint_eq(a->seg[i].gref, b->seg[i].gref);
		ck_assert_uint_eq(a->seg[i].first_sect, b->seg[i].first_sect);
		ck_assert_uint_eq(a->seg[i].last_sect, b->seg[i].last_sect);
	}
	for (i = 0; i < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		ck_assert_uint_eq(a->indirect_grefs[i], b->indirect_grefs[i]);
}

START_TEST(request_round_trip_all_ops_both_abis)
{
	static const uint8_t ops[] = {
		XF_BLKIF_OP_READ, XF_BLKIF_OP_WRITE, XF_BLKIF_OP_WRITE_BARRIER,
		XF_BLKIF_OP_FLUSH_DISKCACHE, XF_BLKIF_OP_DISCARD,
		XF_BLKIF_OP_INDIRECT,
	};
	unsigned int a, o, v;

	for (a = 0; a < 2; a++)
		for (o = 0; o < sizeof(ops); o++)
			for (v = 0; v < 12; v++) {
				struct xf_blkif_req in = make_req(ops[o], v), out;
				uint8_t slot[128], copy[128];
				size_t sz = xf_blkif_slot_size(abis[a]);

				memset(slot, 0xcc, sizeof(slot));
				xf_blkif_encode_req(abis[a], slot, &in);
				/* The encoder never writes past the slot. */
				ck_assert_uint_eq(slot[sz], 0xcc);
				xf_shm_copy_in(copy, slot, sz);
				memset(&out, 0x77, sizeof(out));
				xf_blkif_decode_req(abis[a], copy, &out);
				check_req_equal(&in, &out);
			}
}
END_TEST

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static bool all_zero(const uint8_t *p, size_t from, size_t to)
{
	for (; from < to; from++)
		if (p[from])
			return false;
	return true;
}

/* Encodes r into a 112-byte slot prefilled with 0xff, so stale bytes
 * show. */
static void encode_over_ff(enum xf_blkif_abi abi, uint8_t s[112],
			   const struct xf_blkif_req *r)
{
	memset(s, 0xff, 112);
	xf_blkif_encode_req(abi, s, r);
}

/* Wire offsets, independent of the struct definitions. */
START_TEST(xsa216_rw_layout_no_stale_padding)
{
	struct xf_blkif_req r = make_req(XF_BLKIF_OP_WRITE, 11);
	uint8_t s[112];

	encode_over_ff(XF_BLKIF_ABI_X86_64, s, &r);
	ck_assert_uint_eq(s[0], XF_BLKIF_OP_WRITE);
	ck_assert_uint_eq(s[1], 11);
	ck_assert_uint_eq(rd16(s + 2), r.handle);
	ck_assert(all_zero(s, 4, 8));
	ck_assert_uint_eq(rd64(s + 8), r.id);
	ck_assert_uint_eq(rd64(s + 16), r.sector_number);
	ck_assert_uint_eq(rd32(s + 24 + 10 * 8), r.seg[10].gref);
	ck_assert_uint_eq(s[24 + 10 * 8 + 4], r.seg[10].first_sect);
	ck_assert_uint_eq(s[24 + 10 * 8 + 5], r.seg[10].last_sect);
	ck_assert(all_zero(s, 24 + 10 * 8 + 6, 24 + 11 * 8));

	encode_over_ff(XF_BLKIF_ABI_X86_32, s, &r);
	ck_assert_uint_eq(s[0], XF_BLKIF_OP_WRITE);
	ck_assert_uint_eq(rd16(s + 2), r.handle);
	ck_assert_uint_eq(rd64(s + 4), r.id);
	ck_assert_uint_eq(rd64(s + 12), r.sector_number);
	ck_assert_uint_eq(rd32(s + 20), r.seg[0].gref);
	ck_assert_uint_eq(rd32(s + 20 + 10 * 8), r.seg[10].gref);
	ck_assert(all_zero(s, 20 + 10 * 8 + 6, 108));
	ck_assert_uint_eq(s[108], 0xff);

	/* Fewer segments: the unused ones are zero, not stale. */
	r = make_req(XF_BLKIF_OP_READ, 2);
	encode_over_ff(XF_BLKIF_ABI_X86_64, s, &r);
	ck_assert(all_zero(s, 24 + 2 * 8 - 2, 112));
	ck_assert(all_zero(s, 4, 8));
}
END_TEST

/* An indirect request's id, handle (zero padding after it) and its
 * eight indirect grefs at these offsets, zeros after them up to end. */
static void assert_indirect_tail(const uint8_t *s, const struct xf_blkif_req *r,
				 size_t id, size_t handle, size_t grefs,
				 size_t end)
{
	ck_assert_uint_eq(rd64(s + id), r->id);
	ck_assert_uint_eq(rd16(s + handle), r->handle);
	ck_assert(all_zero(s, handle + 2, grefs));
	ck_assert_uint_eq(rd32(s + grefs), r->indirect_grefs[0]);
	ck_assert_uint_eq(rd32(s + grefs + 28), r->indirect_grefs[7]);
	ck_assert(all_zero(s, grefs + 32, end));
}

START_TEST(discard_and_indirect_wire_layout)
{
	struct xf_blkif_req r = make_req(XF_BLKIF_OP_DISCARD, 1);
	uint8_t s[112];

	encode_over_ff(XF_BLKIF_ABI_X86_64, s, &r);
	ck_assert_uint_eq(s[1], XF_BLKIF_DISCARD_SECURE);
	ck_assert_uint_eq(rd64(s + 8), r.id);
	ck_assert_uint_eq(rd64(s + 24), r.nr_sectors);
	ck_assert(all_zero(s, 32, 112));
	encode_over_ff(XF_BLKIF_ABI_X86_32, s, &r);
	ck_assert_uint_eq(rd64(s + 4), r.id);
	ck_assert_uint_eq(rd64(s + 12), r.sector_number);
	ck_assert_uint_eq(rd64(s + 20), r.nr_sectors);
	ck_assert(all_zero(s, 28, 108));

	r = make_req(XF_BLKIF_OP_INDIRECT, 3);
	encode_over_ff(XF_BLKIF_ABI_X86_64, s, &r);
	ck_assert_uint_eq(s[1], r.indirect_op);
	ck_assert_uint_eq(rd16(s + 2), r.nr_indirect_segments);
	ck_assert_uint_eq(rd64(s + 16), r.sector_number);
	assert_indirect_tail(s, &r, 8, 24, 28, 112);
	encode_over_ff(XF_BLKIF_ABI_X86_32, s, &r);
	assert_indirect_tail(s, &r, 4, 20, 24, 108);
}
END_TEST

START_TEST(decode_clamps_segment_copy)
{
	uint8_t s[112];
	struct xf_blkif_req r;
	unsigned int a;

	for (a = 0; a < 2; a++) {
		memset(s, 0xab, sizeof(s));
		s[0] = XF_BLKIF_OP_READ;
		s[1] = 200; /* hostile nr_segments */
		xf_blkif_decode_req(abis[a], s, &r);
		/* The field is reported as sent (for the caller to reject);
		 * only the 11 real segments are read. */
		ck_assert_uint_eq(r.nr_segments, 200);
		ck_assert_uint_eq(r.seg[10].gref, 0xababababu);
		ck_assert_uint_eq(r.nr_sectors, 0);
		ck_assert_uint_eq(r.indirect_grefs[0], 0);
	}
}
END_TEST

START_TEST(xsa216_response_layout_no_stale_padding)
{
	static const int16_t st[] = { XF_BLKIF_RSP_OKAY, XF_BLKIF_RSP_ERROR,
				      XF_BLKIF_RSP_EOPNOTSUPP, 0x7fff, -32768 };
	unsigned int a, i;

	for (a = 0; a < 2; a++)
		for (i = 0; i < 5; i++) {
			struct xf_blkif_rsp in = {
				.id = 0xdeadbeefcafef00dull + i,
				.operation = (uint8_t)(i + 1),
				.status = st[i],
			}, out;
			uint8_t s[120];
			size_t sz = xf_blkif_slot_size(abis[a]);

			memset(s, 0xff, sizeof(s));
			xf_blkif_encode_rsp(abis[a], s, &in);
			ck_assert_uint_eq(rd64(s), in.id);
			ck_assert_uint_eq(s[8], in.operation);
			ck_assert_uint_eq(s[9], 0);
			ck_assert_uint_eq(rd16(s + 10), (uint16_t)in.status);
			/* Whole slot rewritten: no stale request bytes. */
			ck_assert(all_zero(s, 12, sz));
			ck_assert_uint_eq(s[sz], 0xff);
			xf_blkif_decode_rsp(abis[a], s, &out);
			ck_assert_uint_eq(out.id, in.id);
			ck_assert_uint_eq(out.operation, in.operation);
			ck_assert_int_eq(out.status, in.status);
		}
}
END_TEST

XT_SUITE("ring-blkif")
{
	TCase *tc = xt_tcase("wire");

	tcase_add_test(tc, abi_names_round_trip);
	tcase_add_test(tc, blkif_geometry);
	tcase_add_test(tc, netif_geometry);
	tcase_add_test(tc, xenbus_state_names);
	tcase_add_test(tc, request_round_trip_all_ops_both_abis);
	tcase_add_test(tc, xsa216_rw_layout_no_stale_padding);
	tcase_add_test(tc, discard_and_indirect_wire_layout);
	tcase_add_test(tc, decode_clamps_segment_copy);
	tcase_add_test(tc, xsa216_response_layout_no_stale_padding);
}
