/* SPDX-License-Identifier: MIT */
/* How blkfront reads the backend's "sectors" key, against a scripted
 * backend: 512-byte units (Linux, the default) or sector-size units, on
 * 512- and 4096-byte-sector disks, matched and mismatched with what the
 * backend meant; sizes that are not whole sectors; I/O at and past the
 * end the frontend believes, including I/O held before the size was
 * known and after a shrinking resize. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"
#include "xt.h"
#include "xt-blk.h"

static struct sb sb;
static uint8_t buf[16384];

static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 2, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void start(enum xf_blkfront_sectors_unit unit)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = 1;
	cfg.sectors_unit = unit;
	sb_start(&sb, &cfg);
	sb_state(&sb, XF_XENBUS_INITWAIT);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISED);
	ck_assert_int_eq(sb_map_rings(&sb), 0);
}

/* Publishes the disk keys (pss 0: no physical-sector-size key) and
 * goes Connected. */
static void publish(uint64_t sectors, unsigned int ss, unsigned int pss)
{
	char v[32];

	sb_disk_props(&sb, sectors, ss);
	if (pss) {
		snprintf(v, sizeof(v), "%u", pss);
		sb_write(&sb, "physical-sector-size", v);
	}
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
}

static void connect(enum xf_blkfront_sectors_unit unit, uint64_t sectors,
		    unsigned int ss)
{
	start(unit);
	publish(sectors, ss, 0);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
}

static uint64_t size_seen(void)
{
	struct xf_blkfront_info info;

	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	return info.size_bytes;
}

static void mkio(struct xf_blkfront_io *io, enum xf_blkfront_op op,
		 uint64_t off, uint64_t len, struct xt_done *d)
{
	memset(d, 0, sizeof(*d));
	xt_blk_io(io, op, off, len, buf, d);
}

/* Submits one read and lets the scripted backend (a disk of
 * SB_DISK_BYTES) serve it; returns its one completion status. */
static int read_at(uint64_t off, uint64_t len)
{
	struct xf_blkfront_io io;
	struct xt_done d;

	mkio(&io, XF_BLKFRONT_READ, off, len, &d);
	return sb_submit_served(&sb, &io);
}

/* An I/O the frontend refuses: submit fails, nothing reaches the ring
 * and no callback runs. */
static void refused(enum xf_blkfront_op op, uint64_t off, uint64_t len)
{
	struct xf_blkfront_io io;
	struct xt_done d;

	mkio(&io, op, off, len, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), -EINVAL);
	sb_run(&sb);
	sb_expect_empty(&sb, 0);
	ck_assert_int_eq(d.calls, 0);
}

/* Matched: the backend publishes in the unit the frontend reads.
 * Loop index: bit 0 = 4096-byte sectors, bit 1 = sector-size units. */
START_TEST(matched_reading)
{
	unsigned int ss = (_i & 1) ? 4096 : 512;
	bool in_ss = _i & 2;
	uint64_t unit = in_ss ? ss : 512;
	struct xf_blkfront_info info;
	char *v;

	connect(in_ss ? XF_BLKFRONT_SECTORS_SECTOR_SIZE
		      : XF_BLKFRONT_SECTORS_512, SB_DISK_BYTES / unit, ss);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.sectors, SB_DISK_BYTES / unit);
	ck_assert_uint_eq(info.size_bytes, SB_DISK_BYTES);
	ck_assert_uint_eq(info.sector_size, ss);
	ck_assert_int_eq(info.sectors_unit, in_ss ?
			 XF_BLKFRONT_SECTORS_SECTOR_SIZE :
			 XF_BLKFRONT_SECTORS_512);
	/* feature-large-sector-size goes with the sector-size reading
	 * only (Linux blkfront never writes it). */
	v = sb_fe_read(&sb, "feature-large-sector-size");
	if (in_ss) {
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, "1");
	} else {
		ck_assert_ptr_null(v);
	}
	free(v);
	ck_assert_int_eq(read_at(SB_DISK_BYTES - ss, ss), 0);
	refused(XF_BLKFRONT_READ, SB_DISK_BYTES, ss);
	refused(XF_BLKFRONT_WRITE, SB_DISK_BYTES - ss, 2 * ss);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

/* The frontend reads sector-size units, the backend meant 512-byte
 * units (Linux blkback), 4096-byte sectors: the frontend believes an 8x
 * larger disk. Inside the real disk everything works; past it each I/O
 * reaches the backend, is answered BLKIF_RSP_ERROR and completes once
 * with -EIO; past the believed end it is refused locally. */
START_TEST(eight_times_larger)
{
	struct xf_blkfront_io io;
	struct xf_blkif_req req;
	struct xt_done d;
	uint64_t seen;

	connect(XF_BLKFRONT_SECTORS_SECTOR_SIZE, SB_DISK_BYTES / 512, 4096);
	seen = size_seen();
	ck_assert_uint_eq(seen, 8ull * SB_DISK_BYTES);
	ck_assert_int_eq(read_at(SB_DISK_BYTES - 4096, 4096), 0);

	/* First sector past the real end: it goes out as asked... */
	mkio(&io, XF_BLKFRONT_WRITE, SB_DISK_BYTES, 4096, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_WRITE, SB_DISK_BYTES / 512, &req);
	sb_expect_empty(&sb, 0);
	/* ... the backend cannot do it, and its error is the I/O's one
	 * completion. */
	ck_assert_int_eq(sb_do_io(&sb, &req), -ERANGE);
	sb_respond(&sb, 0, req.id, req.operation, XF_BLKIF_RSP_ERROR);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, -EIO);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);

	/* The last sector the frontend believes in, and an I/O straddling
	 * the real end: one request each, one -EIO each. */
	ck_assert_int_eq(read_at(seen - 4096, 4096), -EIO);
	ck_assert_int_eq(read_at(SB_DISK_BYTES - 4096, 8192), -EIO);
	refused(XF_BLKFRONT_READ, seen, 4096);
	/* Errors of single I/Os: the device itself is fine. */
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

/* The frontend reads 512-byte units, the backend meant sector-size
 * units: the frontend believes an 8x smaller disk and refuses I/O past
 * that locally; nothing reaches the backend. */
START_TEST(eight_times_smaller)
{
	uint64_t seen;

	connect(XF_BLKFRONT_SECTORS_512, SB_DISK_BYTES / 4096, 4096);
	seen = size_seen();
	ck_assert_uint_eq(seen, SB_DISK_BYTES / 8);
	ck_assert_int_eq(read_at(seen - 4096, 4096), 0);
	refused(XF_BLKFRONT_READ, seen, 4096);
	refused(XF_BLKFRONT_WRITE, SB_DISK_BYTES - 4096, 4096);
	refused(XF_BLKFRONT_DISCARD, seen - 4096, 8192);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

static const struct {
	enum xf_blkfront_sectors_unit unit;
	uint64_t sectors;
	unsigned int ss, pss;
	const char *msg[3];
} not_whole[] = {
	/* A count in 4096-byte units of an odd-sized disk read as 512:
	 * not a whole number of logical sectors. */
	{ XF_BLKFRONT_SECTORS_512, 1001, 4096, 0,
	  { "/sectors: 1001", "512512 bytes", "of sector-size 4096" } },
	{ XF_BLKFRONT_SECTORS_SECTOR_SIZE, (UINT64_MAX >> 12) + 1, 4096, 0,
	  { "/sectors: 4503599627370496", "overflows", "4096 bytes" } },
	{ XF_BLKFRONT_SECTORS_512, UINT64_MAX, 512, 0,
	  { "/sectors: 18446744073709551615", "overflows", "512 bytes" } },
};

/* Never truncated: an error state that names the keys and values. */
START_TEST(size_not_whole_sectors)
{
	struct xf_blkfront_info info;
	struct xf_blkfront_io io;
	struct xt_done d;
	char msg[256];

	start(not_whole[_i].unit);
	publish(not_whole[_i].sectors, not_whole[_i].ss, not_whole[_i].pss);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_int_ne(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, msg, sizeof(msg)), -EINVAL);
	for (unsigned int k = 0; k < 3; k++)
		ck_assert_msg(strstr(msg, not_whole[_i].msg[k]),
			      "'%s' not in: %s", not_whole[_i].msg[k], msg);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_ERROR], 1);
	/* I/O on the device fails once, without reaching a ring. */
	mkio(&io, XF_BLKFRONT_READ, 0, 512, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	xt_blk_expect_once(&d, 1, -EPROTO);
}
END_TEST

/* A 512e disk whose size is not a whole number of physical sectors (a
 * partition, an odd image) is accepted, as Linux does: the physical
 * sector size is an alignment hint. */
START_TEST(odd_size_512e_accepted)
{
	start(XF_BLKFRONT_SECTORS_512);
	publish(1001, 512, 4096);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
	ck_assert_uint_eq(size_seen(), 1001 * 512);
}
END_TEST

/* A zero-byte disk is legal (an empty drive): every I/O is past its
 * end, not "size unknown". */
START_TEST(zero_size_disk)
{
	connect(XF_BLKFRONT_SECTORS_512, 0, 512);
	ck_assert_uint_eq(size_seen(), 0);
	refused(XF_BLKFRONT_READ, 0, 512);
	refused(XF_BLKFRONT_DISCARD, 0, 512);
}
END_TEST

/* I/O submitted before the size is known is checked when it is issued:
 * the part that fits goes out, the one past the end completes once with
 * -EINVAL and sends nothing. */
START_TEST(held_io_checked_at_issue)
{
	struct xf_blkfront_io in, out;
	struct xt_done din, dout;
	struct xf_blkif_req req;

	start(XF_BLKFRONT_SECTORS_512);
	mkio(&in, XF_BLKFRONT_READ, 0, 4096, &din);
	mkio(&out, XF_BLKFRONT_READ, SB_DISK_BYTES, 4096, &dout);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &in), 0);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &out), 0);
	sb_run(&sb);
	ck_assert_int_eq(din.calls + dout.calls, 0);
	publish(SB_DISK_BYTES / 512, 4096, 0);
	xt_blk_expect_once(&dout, 1, -EINVAL);
	sb_expect_req(&sb, 0, XF_BLKIF_OP_READ, 0, &req);
	sb_expect_empty(&sb, 0);
	sb_respond(&sb, 0, req.id, XF_BLKIF_OP_READ, XF_BLKIF_RSP_OKAY);
	sb_run(&sb);
	xt_blk_expect_once(&din, 1, 0);
	ck_assert_int_eq(dout.calls, 1);
}
END_TEST

/* A resize is read in the same unit, and validated the same way. */
START_TEST(resize_in_the_unit)
{
	struct xf_blkfront_info info;
	char msg[256];

	connect(XF_BLKFRONT_SECTORS_512, SB_DISK_BYTES / 512, 4096);
	sb_write(&sb, "sectors", "4096"); /* 2 MiB in 512-byte units */
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_RESIZED], 1);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.sectors, 4096);
	ck_assert_uint_eq(info.size_bytes, 2u << 20);
	ck_assert_int_eq(read_at((2u << 20) - 4096, 4096), 0);
	refused(XF_BLKFRONT_READ, 2u << 20, 4096);
	/* Not a whole number of 4096-byte sectors. */
	sb_write(&sb, "sectors", "4100");
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_uint_eq(info.size_bytes, 2u << 20);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, "/sectors: 4100") &&
		      strstr(msg, "of sector-size 4096"), "message: %s", msg);
}
END_TEST

START_TEST(unknown_unit_refused)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	ck_assert_int_eq(cfg.sectors_unit, XF_BLKFRONT_SECTORS_512);
	sb_front_config(&sb, &cfg);
	cfg.sectors_unit = (enum xf_blkfront_sectors_unit)2;
	sb_expect_refused(&cfg);
}
END_TEST

XT_SUITE("blkfront-sectors")
{
	TCase *tc = xt_tcase_fixture("sectors", setup, teardown, 60);

	tcase_add_loop_test(tc, matched_reading, 0, 4);
	tcase_add_test(tc, eight_times_larger);
	tcase_add_test(tc, eight_times_smaller);
	tcase_add_loop_test(tc, size_not_whole_sectors, 0,
			    sizeof(not_whole) / sizeof(not_whole[0]));
	tcase_add_test(tc, odd_size_512e_accepted);
	tcase_add_test(tc, zero_size_disk);
	tcase_add_test(tc, held_io_checked_at_issue);
	tcase_add_test(tc, resize_in_the_unit);
	tcase_add_test(tc, unknown_unit_refused);
}
