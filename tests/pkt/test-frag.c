/* SPDX-License-Identifier: MIT */
/* IPv4 fragmentation and reassembly (pkt/frag.c): a UDP datagram cut for
 * a 1500-byte MTU comes back whole in any order; duplicates are ignored;
 * a missing fragment drops the datagram after the timeout, when room is
 * needed or at the end; overlaps and bad fragments are counted bad.
 * Datagrams come from the traffic builder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt-frag.h>
#include <xfront/pkt.h>
#include <xfront/traffic.h>

#include "xt.h"

static const uint8_t ma[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
static const uint8_t mb[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 };

#define MTU 1500u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
#define MAXF 64

static uint8_t dg[XF_NET_MAX_FRAME];
static uint32_t dg_len;
static uint8_t fr[MAXF][MTU + 18];
static uint32_t fr_len[MAXF];
static unsigned int nfr;
static struct xf_pkt_reasm *ra;

/* A UDP datagram of payload bytes with IP id `id`, DF cleared, cut into
 * fr[]. */
static void make(uint32_t payload, uint16_t id)
{
	struct xf_traffic_flow fl;
	int n;

	xf_traffic_flow_init(&fl, 3, XF_TRAFFIC_UDP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, payload,
					  XF_TRAFFIC_CSUM_GOOD, dg, sizeof(dg),
					  &dg_len), 0);
	put16(dg + 18, id);
	dg[20] &= ~0x40; /* DF */
	n = xf_pkt_frag4_count(dg, dg_len, MTU);
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n, MAXF);
	nfr = (unsigned int)n;
	for (unsigned int k = 0; k < nfr; k++)
		ck_assert_int_eq(xf_pkt_frag4_build(dg, dg_len, MTU, k, fr[k],
						    sizeof(fr[k]), &fr_len[k]),
				 0);
}

static void setup(void)
{
	ck_assert_int_eq(xf_pkt_reasm_new(NULL, &ra), 0);
}

static void teardown(void)
{
	xf_pkt_reasm_free(ra);
	ra = NULL;
}

static int feed(unsigned int k, uint64_t now, const uint8_t **out,
		uint32_t *out_len)
{
	return xf_pkt_reasm_input(ra, fr[k], fr_len[k], now, out, out_len);
}

static struct xf_pkt_reasm_stats stats(void)
{
	struct xf_pkt_reasm_stats s;

	xf_pkt_reasm_stats(ra, &s);
	return s;
}

/* The reassembled frame is the datagram: headers (length, id, no flags,
 * checksum recomputed) and every payload byte. */
static void assert_whole(const uint8_t *out, uint32_t out_len)
{
	ck_assert_uint_eq(out_len, dg_len);
	ck_assert_mem_eq(out, dg, 20); /* MACs, type, version .. flags */
	ck_assert_mem_eq(out + 26, dg + 26, dg_len - 26);
	ck_assert_uint_eq(xt_be16(out + 16), dg_len - 14);
	ck_assert_int_eq(xf_pkt_csum_verify(out, out_len), 0);
}

START_TEST(cut_into_mtu_pieces)
{
	struct xf_pkt_info pi;

	make(60000 - 16, 7);
	/* 60,008 bytes of IP payload in 1,480-byte pieces. */
	ck_assert_uint_eq(xf_pkt_frag4_unit(MTU, 20), 1480);
	ck_assert_uint_eq(nfr, (60008 + 1479) / 1480);
	for (unsigned int k = 0; k < nfr; k++) {
		uint16_t fo = xt_be16(fr[k] + 20);

		ck_assert_uint_le(fr_len[k] - 14, MTU);
		ck_assert_uint_eq(fo & 0x1fff, k * 1480 / 8);
		ck_assert_uint_eq(!!(fo & 0x2000), k + 1 < nfr);
		ck_assert_uint_eq(xt_be16(fr[k] + 18), 7);
		ck_assert_uint_eq(xt_be16(fr[k] + 16), fr_len[k] - 14);
		/* Every header checksum right: sums to 0xffff. */
		ck_assert_uint_eq(xf_pkt_csum_fold(
			xf_pkt_csum_add(0, fr[k] + 14, 20)), 0);
		/* A fragment is no UDP frame to parse. */
		ck_assert_int_eq(xf_pkt_parse(fr[k], fr_len[k], &pi),
				 -EPROTONOSUPPORT);
	}
	ck_assert_uint_eq(fr_len[nfr - 1] - 34, 60008 - (nfr - 1) * 1480);
}
END_TEST

START_TEST(fits_or_df_or_bad_mtu)
{
	struct xf_traffic_flow fl;
	uint8_t f[2048], out[2048];
	uint32_t len, ol;

	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_UDP, 4, ma, mb);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 1000, XF_TRAFFIC_CSUM_GOOD,
					  f, sizeof(f), &len), 0);
	ck_assert_int_eq(xf_pkt_frag4_count(f, len, MTU), 1);
	ck_assert_int_eq(xf_pkt_frag4_build(f, len, MTU, 0, out, sizeof(out),
					    &ol), 0);
	ck_assert_uint_eq(ol, len);
	ck_assert_mem_eq(out, f, len);
	ck_assert_int_eq(xf_pkt_frag4_build(f, len, MTU, 1, out, sizeof(out),
					    &ol), -ERANGE);
	/* The builder sets DF: too big for 576 and not to be cut. */
	ck_assert_int_eq(xf_pkt_frag4_count(f, len, 576), -EMSGSIZE);
	ck_assert_int_eq(xf_pkt_frag4_count(f, len, 67), -EINVAL);
	f[20] &= ~0x40;
	ck_assert_int_eq(xf_pkt_frag4_count(f, len, 576), 2);
	/* Not a fragment: the reassembler leaves it to the caller. */
	ck_assert_int_eq(xf_pkt_reasm_input(ra, f, len, 0,
					    &(const uint8_t *){ NULL }, &ol),
			 0);
	ck_assert_uint_eq(stats().fragments, 0);
}
END_TEST

START_TEST(in_order)
{
	const uint8_t *out = NULL;
	uint32_t ol = 0;

	make(60000 - 16, 1);
	for (unsigned int k = 0; k + 1 < nfr; k++)
		ck_assert_int_eq(feed(k, k, &out, &ol), 1);
	ck_assert_int_eq(feed(nfr - 1, nfr, &out, &ol), 2);
	assert_whole(out, ol);
	ck_assert_uint_eq(stats().fragments, nfr);
	ck_assert_uint_eq(stats().reassembled, 1);
	ck_assert_uint_eq(stats().dropped + stats().bad, 0);
}
END_TEST

START_TEST(out_of_order_and_duplicates)
{
	const uint8_t *out = NULL;
	uint32_t ol = 0;
	unsigned int i;

	make(30000, 2);
	/* Last first, then the odd ones backwards, the even ones forwards,
	 * fragment 3 and the last twice. */
	ck_assert_int_eq(feed(nfr - 1, 0, &out, &ol), 1);
	ck_assert_int_eq(feed(nfr - 1, 0, &out, &ol), 1);
	for (i = nfr - 1; i-- > 0;)
		if (i % 2)
			ck_assert_int_eq(feed(i, 0, &out, &ol), 1);
	ck_assert_int_eq(feed(3, 0, &out, &ol), 1);
	for (i = 0; i + 1 < nfr; i += 2)
		ck_assert_int_eq(feed(i, 0, &out, &ol),
				 i + 2 >= nfr - 1 ? 2 : 1);
	assert_whole(out, ol);
	ck_assert_uint_eq(stats().duplicates, 2);
	ck_assert_uint_eq(stats().reassembled, 1);
	ck_assert_uint_eq(stats().bad + stats().dropped, 0);
}
END_TEST

START_TEST(interleaved_datagrams)
{
	static uint8_t f2[MAXF][MTU + 18];
	static uint32_t l2[MAXF];
	const uint8_t *out = NULL;
	uint32_t ol = 0;
	unsigned int n2;

	make(5000, 11);
	memcpy(f2, fr, sizeof(fr));
	memcpy(l2, fr_len, sizeof(fr_len));
	n2 = nfr;
	make(5000, 12);
	ck_assert_uint_eq(n2, nfr);
	for (unsigned int k = 0; k < nfr; k++) {
		ck_assert_int_eq(xf_pkt_reasm_input(ra, f2[k], l2[k], 0, &out,
						    &ol), k + 1 < nfr ? 1 : 2);
		ck_assert_int_eq(feed(k, 0, &out, &ol), k + 1 < nfr ? 1 : 2);
	}
	assert_whole(out, ol);
	ck_assert_uint_eq(stats().reassembled, 2);
}
END_TEST

START_TEST(missing_fragment_times_out)
{
	const uint8_t *out = NULL;
	uint32_t ol = 0;

	make(8000, 3);
	for (unsigned int k = 0; k < nfr; k++)
		if (k != 2)
			ck_assert_int_eq(feed(k, 1000, &out, &ol), 1);
	ck_assert_uint_eq(xf_pkt_reasm_expire(ra, 1000 + 29999999999ull), 0);
	ck_assert_uint_eq(xf_pkt_reasm_expire(ra, 1000 + 30000000000ull), 1);
	ck_assert_uint_eq(stats().dropped, 1);
	ck_assert_uint_eq(stats().dropped_bytes, 8024 - 1480);
	/* The late fragment starts a datagram of its own, never done. */
	ck_assert_int_eq(feed(2, 30000001000ull, &out, &ol), 1);
	ck_assert_uint_eq(xf_pkt_reasm_expire(ra, UINT64_MAX), 1);
	ck_assert_uint_eq(stats().dropped, 2);
	ck_assert_uint_eq(stats().reassembled, 0);
}
END_TEST

START_TEST(missing_fragment_dropped_for_room)
{
	struct xf_pkt_reasm_config c = { .max_datagrams = 2 };
	const uint8_t *out = NULL;
	uint32_t ol = 0;

	xf_pkt_reasm_free(ra);
	ck_assert_int_eq(xf_pkt_reasm_new(&c, &ra), 0);
	for (uint16_t id = 1; id <= 3; id++) {
		make(3000, id);
		ck_assert_int_eq(feed(0, id, &out, &ol), 1);
	}
	/* Datagram 1, the oldest, made room for 3. */
	ck_assert_uint_eq(stats().dropped, 1);
	ck_assert_int_eq(feed(1, 4, &out, &ol), 1);
	ck_assert_int_eq(feed(2, 4, &out, &ol), 2);
	assert_whole(out, ol);
}
END_TEST

/* Datagram A (id 5) loses its first fragment; more than max_dist
 * fragments of others later, B reuses id 5: A is given up and B comes
 * back whole (joined to A's pieces, B's first fragment would complete
 * A, a datagram made of two). */
START_TEST(reused_id_never_joins_stale_datagram)
{
	struct xf_pkt_reasm_config c = { .max_dist = 8 };
	static uint8_t a[MAXF][MTU + 18];
	static uint32_t al[MAXF];
	const uint8_t *out = NULL;
	uint32_t ol = 0;
	unsigned int na;

	xf_pkt_reasm_free(ra);
	ck_assert_int_eq(xf_pkt_reasm_new(&c, &ra), 0);
	make(6000, 5);
	memcpy(a, fr, sizeof(fr));
	memcpy(al, fr_len, sizeof(fr_len));
	na = nfr;
	for (unsigned int k = 1; k < na; k++)
		ck_assert_int_eq(xf_pkt_reasm_input(ra, a[k], al[k], 0, &out,
						    &ol), 1);
	for (uint16_t id = 100; id < 103; id++) {
		make(6000, id);
		for (unsigned int k = 0; k < nfr; k++)
			ck_assert_int_eq(feed(k, 0, &out, &ol),
					 k + 1 < nfr ? 1 : 2);
	}
	ck_assert_uint_eq(stats().dropped, 0);
	make(5992, 5);
	for (unsigned int k = 0; k < nfr; k++)
		ck_assert_int_eq(feed(k, 0, &out, &ol), k + 1 < nfr ? 1 : 2);
	assert_whole(out, ol);
	ck_assert_uint_eq(stats().dropped, 1);
	ck_assert_uint_eq(stats().bad, 0);
}
END_TEST

START_TEST(overlap_discards_datagram)
{
	const uint8_t *out = NULL;
	uint32_t ol = 0;
	uint8_t odd[MTU + 18];

	make(6000, 4);
	ck_assert_int_eq(feed(0, 0, &out, &ol), 1);
	/* Fragment 1 moved back by 8 bytes: overlaps fragment 0. */
	memcpy(odd, fr[1], fr_len[1]);
	put16(odd + 20, (uint16_t)(0x2000 | (1480 / 8 - 1)));
	put16(odd + 24, 0);
	put16(odd + 24, xf_pkt_csum_fold(xf_pkt_csum_add(0, odd + 14, 20)));
	ck_assert_int_eq(xf_pkt_reasm_input(ra, odd, fr_len[1], 0, &out, &ol),
			 -EBADMSG);
	ck_assert_uint_eq(stats().bad, 1);
	/* The datagram is gone: the rest never completes it. */
	for (unsigned int k = 1; k < nfr; k++)
		ck_assert_int_eq(feed(k, 0, &out, &ol), 1);
	ck_assert_uint_eq(stats().reassembled, 0);
}
END_TEST

START_TEST(bad_fragments)
{
	const uint8_t *out = NULL;
	uint32_t ol = 0;
	uint8_t b[MTU + 18];

	make(6000, 5);
	/* Header checksum wrong. */
	memcpy(b, fr[0], fr_len[0]);
	b[24] ^= 1;
	ck_assert_int_eq(xf_pkt_reasm_input(ra, b, fr_len[0], 0, &out, &ol),
			 -EBADMSG);
	/* A middle piece not a multiple of 8 long. */
	memcpy(b, fr[1], fr_len[1]);
	put16(b + 16, (uint16_t)(fr_len[1] - 14 - 3));
	put16(b + 24, 0);
	put16(b + 24, xf_pkt_csum_fold(xf_pkt_csum_add(0, b + 14, 20)));
	ck_assert_int_eq(xf_pkt_reasm_input(ra, b, fr_len[1] - 3, 0, &out,
					    &ol), -EBADMSG);
	/* Past 65,535 bytes. */
	memcpy(b, fr[1], fr_len[1]);
	put16(b + 20, 0x2000 | 0x1fff);
	put16(b + 24, 0);
	put16(b + 24, xf_pkt_csum_fold(xf_pkt_csum_add(0, b + 14, 20)));
	ck_assert_int_eq(xf_pkt_reasm_input(ra, b, fr_len[1], 0, &out, &ol),
			 -EBADMSG);
	ck_assert_uint_eq(stats().bad, 3);
	/* Two different ends: the second last fragment discards it. */
	ck_assert_int_eq(feed(nfr - 1, 0, &out, &ol), 1);
	memcpy(b, fr[nfr - 1], fr_len[nfr - 1]);
	put16(b + 16, (uint16_t)(fr_len[nfr - 1] - 14 - 8));
	put16(b + 24, 0);
	put16(b + 24, xf_pkt_csum_fold(xf_pkt_csum_add(0, b + 14, 20)));
	ck_assert_int_eq(xf_pkt_reasm_input(ra, b, fr_len[nfr - 1] - 8, 0,
					    &out, &ol), -EBADMSG);
	ck_assert_uint_eq(stats().bad, 4);
	ck_assert_uint_eq(stats().fragments, 5);
	ck_assert_uint_eq(stats().reassembled, 0);
}
END_TEST

static unsigned int emitted;

static int count_emit(void *opaque, uint8_t *f, uint32_t len)
{
	const uint8_t **o = opaque;
	uint32_t ol;

	emitted++;
	return xf_pkt_reasm_input(ra, f, len, 0, o, &ol) < 0;
}

START_TEST(largest_datagram)
{
	const uint8_t *out = NULL;

	/* 65,507 bytes of UDP payload: the flow's 16-byte header and the
	 * rest. Built by hand, as it is over one Ethernet frame's limit. */
	static uint8_t big[14 + 65535];
	int n;

	memset(big, 0xab, sizeof(big));
	memcpy(big, mb, 6);
	memcpy(big + 6, ma, 6);
	put16(big + 12, 0x0800);
	big[14] = 0x45;
	big[15] = 0;
	put16(big + 16, 65535);
	put16(big + 18, 9);
	put16(big + 20, 0);
	big[22] = 64;
	big[23] = 17;
	put16(big + 24, 0);
	put16(big + 24, xf_pkt_csum_fold(xf_pkt_csum_add(0, big + 14, 20)));
	n = xf_pkt_frag4(big, sizeof(big), MTU, count_emit, &out);
	ck_assert_int_eq(n, (65515 + 1479) / 1480);
	ck_assert_uint_eq(emitted, (unsigned int)n);
	ck_assert_uint_eq(stats().reassembled, 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_mem_eq(out + 34, big + 34, 65535 - 20);
}
END_TEST

XT_SUITE("pkt-frag")
{
	TCase *tc = xt_tcase_fixture("frag", setup, teardown, 30);

	tcase_add_test(tc, cut_into_mtu_pieces);
	tcase_add_test(tc, fits_or_df_or_bad_mtu);
	tcase_add_test(tc, in_order);
	tcase_add_test(tc, out_of_order_and_duplicates);
	tcase_add_test(tc, interleaved_datagrams);
	tcase_add_test(tc, missing_fragment_times_out);
	tcase_add_test(tc, missing_fragment_dropped_for_room);
	tcase_add_test(tc, reused_id_never_joins_stale_datagram);
	tcase_add_test(tc, overlap_discards_datagram);
	tcase_add_test(tc, bad_fragments);
	tcase_add_test(tc, largest_datagram);
}
