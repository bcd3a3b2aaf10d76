/* SPDX-License-Identifier: MIT */
/* Discard geometry against a scripted backend: the exact requests on the
 * ring when a discard is split at max_discard_sectors on the backend's
 * granularity grid (64 KiB granules offset by 4 KiB, 4096- and 512-byte
 * sector disks), one completion per caller discard whatever happens to
 * its pieces, trimming to whole granules, and backend values that cannot
 * describe a usable grid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"
#include "xt.h"
#include "xt-blk.h"

#define KIB 1024ull

static struct sb sb;

static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 2, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

struct piece {
	uint64_t sector, nr; /* as on the wire: 512-byte units */
};

/* The backend offers discard with the given keys (NULL: key absent). */
static void connect_discard(unsigned int ss, const char *gran,
			    const char *align, uint64_t max_sectors,
			    bool whole)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	cfg.max_discard_sectors = max_sectors;
	cfg.discard_whole_granules = whole;
	sb_start(&sb, &cfg);
	sb_write(&sb, "feature-discard", "1");
	if (gran)
		sb_write(&sb, "discard-granularity", gran);
	if (align)
		sb_write(&sb, "discard-alignment", align);
	/* "sectors" in 512-byte units whatever sector-size is, as Linux
	 * blkback writes it. */
	sb_connect(&sb, SB_DISK_BYTES / 512, ss);
}

static void submit_discard(struct xf_blkfront_io *io, struct xt_done *d,
			   uint64_t off, uint64_t len)
{
	memset(d, 0, sizeof(*d));
	xt_blk_io(io, XF_BLKFRONT_DISCARD, off, len, NULL, d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, io), 0);
	sb_run(&sb);
}

/* Pops everything on queue 0 and checks it is exactly want[]. */
static unsigned int expect_ring(const struct piece *want, unsigned int n,
				struct xf_blkif_req *reqs)
{
	unsigned int k = sb_pop_all(&sb, 0, reqs, 64);

	ck_assert_uint_eq(k, n);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(reqs[i].operation, XF_BLKIF_OP_DISCARD);
		ck_assert_msg(reqs[i].sector_number == want[i].sector &&
			      reqs[i].nr_sectors == want[i].nr,
			      "piece %u: sector %llu nr %llu, want %llu %llu",
			      i, (unsigned long long)reqs[i].sector_number,
			      (unsigned long long)reqs[i].nr_sectors,
			      (unsigned long long)want[i].sector,
			      (unsigned long long)want[i].nr);
	}
	return k;
}

/* Answers the pieces in order (status per piece) and checks the caller
 * sees nothing until the last one, then exactly one completion. */
static void answer_all(const struct xf_blkif_req *reqs, unsigned int n,
		       const int16_t *status, struct xt_done *d)
{
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(d->calls, 0);
		sb_respond(&sb, 0, reqs[i].id, reqs[i].operation,
			   status ? status[i] : XF_BLKIF_RSP_OKAY);
		sb_run(&sb);
	}
	ck_assert_int_eq(d->calls, 1);
}

/* 64 KiB granules at 4 KiB + k * 64 KiB; mostly on a 4096-byte sector
 * disk with discards of at most 128 KiB (256 sectors). Worked by hand: a
 * piece that would end off the grid is shortened to the grid point
 * below. */
static const struct {
	unsigned int ss;
	uint64_t max_sectors, off, len;
	unsigned int n;
	struct piece p[10];
} splits[] = {
	/* 1 MiB from 0: 68 KiB to reach 68 KiB (on the grid), then
	 * 128 KiB steps, 60 KiB left at the end. */
	{ 4096, 256, 0, 1024 * KIB, 9,
	  { { 0, 136 }, { 136, 256 }, { 392, 256 }, { 648, 256 },
	    { 904, 256 }, { 1160, 256 }, { 1416, 256 }, { 1672, 256 },
	    { 1928, 120 } } },
	/* Shorter than the limit: one request, off the grid as asked. */
	{ 4096, 256, 8 * KIB, 40 * KIB, 1, { { 16, 80 } } },
	/* 100 KiB + 200 KiB: 100..196 KiB, then the rest. */
	{ 4096, 256, 100 * KIB, 200 * KIB, 2, { { 200, 192 }, { 392, 208 } } },
	/* Exactly the limit: not split. */
	{ 4096, 256, 4 * KIB, 128 * KIB, 1, { { 8, 256 } } },
	/* Starting on the grid: whole 128 KiB steps. */
	{ 4096, 256, 68 * KIB, 300 * KIB, 3,
	  { { 136, 256 }, { 392, 256 }, { 648, 88 } } },
	/* The same grid on a 512-byte sector disk: byte offsets, 512-byte
	 * sectors on the wire. 512 B + 200 KiB: 67.5 KiB to 68 KiB,
	 * 128 KiB, then 4.5 KiB. */
	{ 512, 256, 512, 200 * KIB, 3,
	  { { 1, 135 }, { 136, 256 }, { 392, 9 } } },
	/* No limit (the default): one request per discard, as before. */
	{ 4096, 0, 0, 1024 * KIB, 1, { { 0, 2048 } } },
};

START_TEST(split_on_grid)
{
	struct xf_blkfront_io io;
	struct xt_done d;
	struct xf_blkif_req reqs[64];
	struct xf_blkfront_info info;
	unsigned int n;

	connect_discard(splits[_i].ss, "65536", "4096", splits[_i].max_sectors,
			false);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.discard_granularity_used, 65536);
	ck_assert_uint_eq(info.discard_alignment_used, 4096);
	ck_assert_str_eq(info.discard_note, "");
	submit_discard(&io, &d, splits[_i].off, splits[_i].len);
	n = expect_ring(splits[_i].p, splits[_i].n, reqs);
	/* Contiguous, and every interior boundary is on the grid. */
	for (unsigned int i = 1; i < n; i++) {
		uint64_t b = reqs[i].sector_number * 512;

		ck_assert_uint_eq(b, (reqs[i - 1].sector_number +
				      reqs[i - 1].nr_sectors) * 512);
		ck_assert_uint_eq((b - 4096) % 65536, 0);
	}
	answer_all(reqs, n, NULL, &d);
	ck_assert_int_eq(d.status, 0);
}
END_TEST

/* One piece fails: the caller still gets one completion, with the
 * error, after every piece was answered. _i: which piece fails and how. */
START_TEST(error_in_one_piece_one_completion)
{
	struct xf_blkfront_io io;
	struct xt_done d;
	struct xf_blkif_req reqs[64];
	struct xf_blkfront_queue_stats qs;
	struct xf_blkfront_info info;
	int16_t st[9];
	unsigned int bad = _i == 0 ? 3 : _i == 1 ? 0 : 8;
	int16_t how = _i == 2 ? XF_BLKIF_RSP_EOPNOTSUPP : XF_BLKIF_RSP_ERROR;

	connect_discard(4096, "65536", "4096", 256, false);
	submit_discard(&io, &d, splits[0].off, splits[0].len);
	expect_ring(splits[0].p, 9, reqs);
	for (unsigned int i = 0; i < 9; i++)
		st[i] = i == bad ? how : XF_BLKIF_RSP_OKAY;
	answer_all(reqs, 9, st, &d);
	ck_assert_int_eq(d.status, how == XF_BLKIF_RSP_ERROR ? -EIO
							      : -EOPNOTSUPP);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.ios_completed, 1);
	ck_assert_uint_eq(qs.errors, 1);
	ck_assert_uint_eq(qs.requests, 9);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	/* EOPNOTSUPP turns discard off; an I/O error does not. */
	ck_assert(info.discard_active == (how == XF_BLKIF_RSP_ERROR));
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

/* Pieces not on the ring yet when one failed are not sent: a ring of 32
 * slots, a discard of 40 pieces, the first piece fails. */
START_TEST(error_stops_unsent_pieces)
{
	struct xf_blkfront_io io;
	struct xt_done d;
	struct xf_blkif_req req;
	struct xf_blkfront_queue_stats qs;
	unsigned int n = 0;

	connect_discard(4096, "65536", "4096", 128, false);
	/* 40 granules of 64 KiB from 4 KiB: 40 pieces. */
	submit_discard(&io, &d, 4 * KIB, 40 * 64 * KIB);
	for (;;) {
		if (sb_pop(&sb, 0, &req))
			break;
		ck_assert_uint_eq(req.nr_sectors, 128);
		ck_assert_uint_eq(req.sector_number, 8 + 128 * n);
		sb_respond(&sb, 0, req.id, req.operation,
			   n == 0 ? XF_BLKIF_RSP_ERROR : XF_BLKIF_RSP_OKAY);
		n++;
		sb_run(&sb);
	}
	/* 32 went out before the first answer; nothing after it. */
	ck_assert_uint_eq(n, 32);
	xt_blk_expect_once(&d, 1, -EIO);
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.requests, 32);
}
END_TEST

/* discard_whole_granules: trimmed to the granules covered; a discard
 * covering none completes 0 with nothing sent; trim and split combine. */
START_TEST(trim_to_whole_granules)
{
	static const struct piece t1[] = { { 8, 1920 } };
	static const struct piece t3[] = {
		{ 8, 256 }, { 264, 256 }, { 520, 256 }, { 776, 256 },
		{ 1032, 256 }, { 1288, 256 }, { 1544, 256 }, { 1800, 128 },
	};
	struct xf_blkfront_io io;
	struct xt_done d;
	struct xf_blkif_req reqs[64];
	struct xf_blkfront_queue_stats qs;
	bool split = _i;

	connect_discard(4096, "65536", "4096", split ? 256 : 0, true);
	/* 0..1 MiB covers the granules 4 KiB .. 964 KiB. */
	submit_discard(&io, &d, 0, 1024 * KIB);
	if (split) {
		expect_ring(t3, 8, reqs);
		answer_all(reqs, 8, NULL, &d);
	} else {
		expect_ring(t1, 1, reqs);
		answer_all(reqs, 1, NULL, &d);
	}
	ck_assert_int_eq(d.status, 0);
	/* 8..48 KiB holds no whole granule: advisory, so done, unsent. */
	submit_discard(&io, &d, 8 * KIB, 40 * KIB);
	ck_assert_int_eq(sb_pop(&sb, 0, &reqs[0]), -EAGAIN);
	xt_blk_expect_once(&d, 1, 0);
	/* Exactly one granule, on the grid: kept whole. */
	submit_discard(&io, &d, 68 * KIB, 64 * KIB);
	{
		static const struct piece one[] = { { 136, 128 } };

		expect_ring(one, 1, reqs);
		answer_all(reqs, 1, NULL, &d);
	}
	ck_assert_int_eq(xf_blkfront_queue_stats(sb.bf, 0, &qs), 0);
	ck_assert_uint_eq(qs.discard_skipped, 1);
	ck_assert_uint_eq(qs.ios_completed, 3);
	ck_assert_uint_eq(qs.requests, split ? 9 : 2);
}
END_TEST

/* Backend values that cannot describe a sector-aligned grid: the device
 * stays usable, the rule applied is visible in the info. _i picks the
 * case; each is then split with a 128 KiB limit. */
START_TEST(backend_geometry_validated)
{
	static const struct {
		const char *gran, *align;
		uint32_t g, a;
		const char *note; /* substring, or "" for none */
	} c[] = {
		/* not a multiple of the 4096-byte sector: sectors only */
		{ "6144", "0", 4096, 0, "discard-granularity 6144" },
		/* alignment >= granularity: the same grid, modulo */
		{ "65536", "69632", 65536, 4096, "discard-alignment 69632" },
		/* alignment off the sector grid: no usable grid */
		{ "65536", "512", 4096, 0, "discard-alignment 512" },
		/* granularity 0: none */
		{ "0", "0", 4096, 0, "" },
		/* absent keys: sector granularity (blkif.h default) */
		{ NULL, NULL, 4096, 0, "" },
	};
	struct xf_blkfront_info info;
	struct xf_blkfront_io io;
	struct xt_done d;
	struct xf_blkif_req reqs[64];
	unsigned int n;
	uint64_t end;

	connect_discard(4096, c[_i].gran, c[_i].align, 256, false);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
	ck_assert_uint_eq(info.discard_granularity_used, c[_i].g);
	ck_assert_uint_eq(info.discard_alignment_used, c[_i].a);
	if (c[_i].note[0])
		ck_assert_ptr_nonnull(strstr(info.discard_note, c[_i].note));
	else
		ck_assert_str_eq(info.discard_note, "");
	submit_discard(&io, &d, 0, 1024 * KIB);
	n = sb_pop_all(&sb, 0, reqs, 64);
	end = 0;
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(reqs[i].sector_number, end);
		ck_assert_uint_le(reqs[i].nr_sectors, 256);
		end += reqs[i].nr_sectors;
		if (i + 1 < n)
			ck_assert_uint_eq((end * 512 + 65536 - c[_i].a) %
					  c[_i].g, 0);
	}
	ck_assert_uint_eq(end, 2048);
	/* Only the modulo case has a grid that is not plain 128 KiB
	 * steps from 0. */
	ck_assert_uint_eq(n, _i == 1 ? 9 : 8);
	answer_all(reqs, n, NULL, &d);
	ck_assert_int_eq(d.status, 0);
}
END_TEST

XT_SUITE("blkfront-discard")
{
	TCase *tc = xt_tcase_fixture("discard", setup, teardown, 60);
	int nr = (int)(sizeof(splits) / sizeof(splits[0]));

	tcase_add_loop_test(tc, split_on_grid, 0, nr);
	tcase_add_loop_test(tc, error_in_one_piece_one_completion, 0, 3);
	tcase_add_test(tc, error_stops_unsent_pieces);
	tcase_add_loop_test(tc, trim_to_whole_granules, 0, 2);
	tcase_add_loop_test(tc, backend_geometry_validated, 0, 5);
}
