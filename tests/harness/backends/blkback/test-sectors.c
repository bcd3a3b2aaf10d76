/* SPDX-License-Identifier: MIT */
/* The unit of the "sectors" key: 512-byte units by default (Linux
 * blkback), sector-size units on request (the pre-2024 blkif.h text),
 * on 512- and 4096-byte-sector disks, at connect, resize and after a
 * feature change; and whatever the backend publishes, it refuses I/O
 * past its real end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"
#include "xt.h"

#define DISK (1u << 20)

static struct fx F;

static void setup(void)
{
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

static uint64_t past_end_rejects(void)
{
	struct xf_blkback_stats st;

	xf_blkback_stats(F.bb, &st);
	return st.rejects[XF_BLKBACK_REJ_PAST_END];
}

/* Loop index: bit 0 = 4096-byte sectors, bit 1 = sector-size units. */
START_TEST(publishes_in_its_unit)
{
	unsigned int ss = (_i & 1) ? 4096 : 512;
	bool in_ss = _i & 2;
	uint64_t end = DISK / 512; /* the real end, in wire sectors */

	F.dcfg.sector_size = ss;
	F.dcfg.physical_sector_size = ss;
	F.cfg.features.sectors_unit = in_ss ? XF_BLKBACK_SECTORS_SECTOR_SIZE
					    : XF_BLKBACK_SECTORS_512;
	fx_up(&F, false, 0);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), DISK / (in_ss ? ss : 512));
	ck_assert_uint_eq(fx_bkey(&F, "sector-size"), ss);
	ck_assert_uint_eq(fx_bkey(&F, "physical-sector-size"), ss);

	/* What the backend serves does not depend on what it published:
	 * the last logical sector is there, the next one is not. */
	fx_share_data(&F, 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, 1, end - ss / 512,
				  ss / 512), XF_BLKIF_RSP_OKAY);
	ck_assert_uint_eq(past_end_rejects(), 0);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_READ, 2, end, ss / 512),
			 XF_BLKIF_RSP_ERROR);
	ck_assert_uint_eq(past_end_rejects(), 1);
	ck_assert_int_eq(fx_do_rw(&F, XF_BLKIF_OP_WRITE, 3, 8 * end - ss / 512,
				  ss / 512), XF_BLKIF_RSP_ERROR);
	ck_assert_uint_eq(past_end_rejects(), 2);
}
END_TEST

START_TEST(default_and_presets_are_512)
{
	const char *const *n = xf_blkback_feature_presets();
	struct xf_blkback_config c;
	struct xf_blkback_features f;

	xf_blkback_config_init(&c);
	ck_assert_int_eq(c.features.sectors_unit, XF_BLKBACK_SECTORS_512);
	for (; *n; n++) {
		memset(&f, 0xff, sizeof(f));
		ck_assert_int_eq(xf_blkback_features_preset(*n, &f), 0);
		ck_assert_msg(f.sectors_unit == XF_BLKBACK_SECTORS_512, "%s",
			      *n);
	}
}
END_TEST

/* Loop index: 0 = 512-byte units, 1 = sector-size units (4096). */
START_TEST(resize_keeps_the_unit)
{
	uint64_t unit = _i ? 4096 : 512;

	F.dcfg.sector_size = 4096;
	F.cfg.features.sectors_unit = _i ? XF_BLKBACK_SECTORS_SECTOR_SIZE
					 : XF_BLKBACK_SECTORS_512;
	fx_up(&F, false, 0);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), DISK / unit);
	ck_assert_int_eq(xf_blkdisk_resize(F.disk, 3 * DISK), 0);
	xf_blkback_resize_notify(F.bb);
	fx_run(&F);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), 3 * DISK / unit);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_CONNECTED);
}
END_TEST

/* A restarted "host" with the other convention publishes it at the next
 * connect, as any feature change does. */
START_TEST(set_features_switches_unit)
{
	struct xf_blkback_features f = F.cfg.features;

	F.dcfg.sector_size = 4096;
	fx_up(&F, false, 0);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), DISK / 512);
	f.sectors_unit = XF_BLKBACK_SECTORS_SECTOR_SIZE;
	xf_blkback_set_features(F.bb, &f);
	fx_reconnect(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), DISK / 4096);
	/* An unknown unit from set_features falls back to Linux's. */
	f.sectors_unit = (enum xf_blkback_sectors_unit)7;
	xf_blkback_set_features(F.bb, &f);
	fx_reconnect(&F);
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, false);
	ck_assert_uint_eq(fx_bkey(&F, "sectors"), DISK / 512);
}
END_TEST

START_TEST(new_refuses_unknown_unit)
{
	struct xf_blkback *bb = NULL;

	ck_assert_int_eq(xf_blkdisk_new(&F.dcfg, &F.disk), 0);
	F.cfg.disk = F.disk;
	F.cfg.features.sectors_unit = (enum xf_blkback_sectors_unit)2;
	ck_assert_int_eq(xf_blkback_new(&F.cfg, &bb), -EINVAL);
	ck_assert_ptr_null(bb);
}
END_TEST

START_TEST(unit_names)
{
	enum xf_blkback_sectors_unit u = XF_BLKBACK_SECTORS_512;

	ck_assert_int_eq(xf_blkback_sectors_unit_parse("sector-size", &u), 0);
	ck_assert_int_eq(u, XF_BLKBACK_SECTORS_SECTOR_SIZE);
	ck_assert_int_eq(xf_blkback_sectors_unit_parse("512", &u), 0);
	ck_assert_int_eq(u, XF_BLKBACK_SECTORS_512);
	ck_assert_int_eq(xf_blkback_sectors_unit_parse("4096", &u), -EINVAL);
	ck_assert_int_eq(xf_blkback_sectors_unit_parse(NULL, &u), -EINVAL);
	ck_assert_int_eq(u, XF_BLKBACK_SECTORS_512);
	ck_assert_str_eq(xf_blkback_sectors_unit_name(
			 XF_BLKBACK_SECTORS_SECTOR_SIZE), "sector-size");
	ck_assert_str_eq(xf_blkback_sectors_unit_name(XF_BLKBACK_SECTORS_512),
			 "512");
	ck_assert_str_eq(xf_blkback_sectors_unit_name(
			 (enum xf_blkback_sectors_unit)9), "?");
}
END_TEST

XT_SUITE("blkback-sectors")
{
	TCase *t = xt_tcase("sectors");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, publishes_in_its_unit, 0, 4);
	tcase_add_test(t, default_and_presets_are_512);
	tcase_add_loop_test(t, resize_keeps_the_unit, 0, 2);
	tcase_add_test(t, set_features_switches_unit);
	tcase_add_test(t, new_refuses_unknown_unit);
	tcase_add_test(t, unit_names);
}
