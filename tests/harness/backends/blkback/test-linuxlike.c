/* SPDX-License-Identifier: MIT */
/* Points where the mock blkback must behave as Linux blkback so that
 * frontend bugs show without Xen: feature-persistent appears only when
 * connecting, and every persistent grant is mapped writable (a read-only
 * one fails its request), indirect pages included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"
#include "xt.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F, "linux");
}

static void teardown(void)
{
	fx_fini(&F);
}

START_TEST(persistent_key_only_at_connect)
{
	uint64_t v;

	fx_start(&F);
	ck_assert_int_eq(fx_bstate(&F), XF_XENBUS_INITWAIT);
	ck_assert(!fx_bhas(&F, "feature-persistent"));
	fx_connect(&F, 1, 0, XF_BLKIF_ABI_X86_64, true);
	ck_assert_int_eq(fx_bread_uint(&F, "feature-persistent", &v), 0);
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(no_persistent_preset_writes_zero)
{
	struct xf_blkback_conn_info ci;

	fx_fini(&F);
	fx_init(&F, "no-persistent");
	fx_up(&F, true, 0);
	/* connect() writes the module parameter's value: 0. */
	ck_assert_uint_eq(fx_bkey(&F, "feature-persistent"), 0);
	xf_blkback_conn_info(F.bb, &ci);
	ck_assert(!ci.persistent);
}
END_TEST

/* 16 segments through one indirect page granted read-only or writable;
 * the data pages are writable. Returns the response status. */
static int indirect_write(bool persistent, bool ind_writable)
{
	struct xf_blkif_rsp rsp[2];
	struct xf_blkif_req r;
	void *ipage;
	int status;

	fx_up(&F, persistent, 16);
	fx_indirect(&r, &F, XF_BLKIF_OP_WRITE, 5, 16, ind_writable, &ipage);
	fx_submit(&F, 0, &r);
	fx_run(&F);
	ck_assert_uint_eq(fx_responses(&F, 0, rsp, 2), 1);
	status = rsp[0].status;
	/* The backend keeps persistent mappings until it disconnects. */
	xf_blkback_free(F.bb);
	F.bb = NULL;
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, ipage, 1), 0);
	return status;
}

START_TEST(read_only_persistent_indirect_page_fails)
{
	ck_assert_int_eq(indirect_write(true, false), XF_BLKIF_RSP_ERROR);
}
END_TEST

START_TEST(writable_persistent_indirect_page_works)
{
	ck_assert_int_eq(indirect_write(true, true), XF_BLKIF_RSP_OKAY);
}
END_TEST

START_TEST(read_only_indirect_page_fine_without_persistent)
{
	/* Grant copy only reads it: read-only is enough. */
	ck_assert_int_eq(indirect_write(false, false), XF_BLKIF_RSP_OKAY);
}
END_TEST

START_TEST(read_only_persistent_data_page_fails_even_for_write)
{
	struct xf_blkif_req r;
	void *page;
	xf_gref ref;

	fx_up(&F, true, 0);
	/* A write only reads guest memory, yet blkback maps it writable. */
	ck_assert_int_eq(F.fe->gnt->share(F.fe, FX_BACK, 1, false, &ref,
					  &page), 0);
	fx_seg(&r, XF_BLKIF_OP_WRITE, 9, 0, ref);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_ERROR);
	xf_blkback_free(F.bb);
	F.bb = NULL;
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, page, 1), 0);
}
END_TEST

START_TEST(beyond_persistent_limit_still_maps_writable)
{
	struct xf_blkback_stats st;
	struct xf_blkif_req r;
	void *page;
	xf_gref ref;

	F.cfg.max_persistent_grants = 1;
	fx_up(&F, true, 2);
	fx_rw(&r, &F, XF_BLKIF_OP_WRITE, 1, 0, 16);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_OKAY);
	xf_blkback_stats(F.bb, &st);
	ck_assert_uint_eq(st.persistent_maps, 1);
	ck_assert_uint_eq(st.grant_copy_segs, 0);
	/* The table is full: a read-only page still fails. */
	ck_assert_int_eq(F.fe->gnt->share(F.fe, FX_BACK, 1, false, &ref,
					  &page), 0);
	fx_seg(&r, XF_BLKIF_OP_WRITE, 2, 0, ref);
	ck_assert_int_eq(fx_do(&F, &r), XF_BLKIF_RSP_ERROR);
	/* Not kept mapped: it can be revoked at once. */
	ck_assert_int_eq(F.fe->gnt->unshare(F.fe, page, 1), 0);
}
END_TEST

XT_SUITE("blkback-linuxlike")
{
	TCase *tc = xt_tcase_fixture("linuxlike", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, persistent_key_only_at_connect);
	tcase_add_test(tc, no_persistent_preset_writes_zero);
	tcase_add_test(tc, read_only_persistent_indirect_page_fails);
	tcase_add_test(tc, writable_persistent_indirect_page_works);
	tcase_add_test(tc, read_only_indirect_page_fine_without_persistent);
	tcase_add_test(tc, read_only_persistent_data_page_fails_even_for_write);
	tcase_add_test(tc, beyond_persistent_limit_still_maps_writable);
}
