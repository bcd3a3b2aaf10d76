// SPDX-License-Identifier: MIT
/*
 * The blkback leniency tables of a scenario: disk backend.lenient over a
 * host's blk.lenient, key by key, into the XF_BB_LENIENT_* bits the mock
 * blkback gets; and the schema's keys are blkback's names, in bit order.
 * The hostile mode likewise: disk backend.hostile / hostile_after into
 * the config, the schema's values being blkback's names in enum order
 * (the engine would otherwise fall back to no mode without a word).
 */
#include <errno.h>
#include <string.h>
#include <xfront/blkback.h>
#include <xfront/scenario.h>

#include "engine-priv.h"
#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-bblen")

#define HEAD \
	"scenario { name = 'x', description = 'test' }\n" \
	"host { name = 'h0', blk = { lenient = { mode_optional = true,\n" \
	"  request_alignment = true } } }\n" \
	"host { name = 'h1' }\n" \
	"vm { name = 'vm0', host = 'h0' }\n" \
	"vm { name = 'vm1', host = 'h1' }\n"
#define TAIL \
	"job { name = 'j', disk = 'd0' }\n" \
	"expect { iops_min = 1 }\n"

static uint32_t bits(const char *host, const char *disk)
{
	const struct xf_scn_obj *h = xf_scn_find(scn, "host", host);
	const struct xf_scn_obj *d = xf_scn_find(scn, "disk", disk);

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(d);
	return eng_blk_lenient(h, xf_scn_sub(d, "backend"));
}

START_TEST(disk_overrides_host_key_by_key)
{
	ck_assert_int_eq(xt_scn_load(&fx, HEAD
		"disk { name = 'd0', vm = 'vm0', backend = { lenient = {\n"
		"  request_alignment = false, indirect_rsp_op = true } } }\n"
		"disk { name = 'd1', vm = 'vm0' }\n"
		"disk { name = 'd2', vm = 'vm1' }\n"
		TAIL, NULL, NULL), 0);
	/* The host's mode_optional stays, its request_alignment is turned
	 * off by the disk, the disk adds indirect_rsp_op. */
	ck_assert_uint_eq(bits("h0", "d0"), XF_BB_LENIENT_MODE_OPTIONAL |
			  XF_BB_LENIENT_INDIRECT_RSP_OP);
	ck_assert_uint_eq(bits("h0", "d1"), XF_BB_LENIENT_MODE_OPTIONAL |
			  XF_BB_LENIENT_REQUEST_ALIGNMENT);
	/* No table anywhere: Linux. */
	ck_assert_uint_eq(bits("h1", "d2"), 0);
	ck_assert_uint_eq(eng_blk_lenient(NULL, NULL), 0);
}
END_TEST

START_TEST(schema_keys_are_blkback_names)
{
	const struct xf_scn_kind *k = xf_scn_kind_by_name("disk.backend.lenient");
	const char *const *names = xf_blkback_lenient_names();

	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->nfields, XF_BB_LENIENT_NR);
	for (size_t i = 0; i < k->nfields; i++)
		ck_assert_str_eq(k->fields[i].key, names[i]);
	ck_assert_ptr_null(names[XF_BB_LENIENT_NR]);
}
END_TEST

START_TEST(hostile_mode_into_config)
{
	const struct xf_scn_obj *d;
	struct xf_blkback_config c;

	ck_assert_int_eq(xt_scn_load(&fx, HEAD
		"disk { name = 'd0', vm = 'vm0', backend = {\n"
		"  hostile = 'unpushed-request', hostile_after = 7 } }\n"
		"disk { name = 'd1', vm = 'vm0' }\n"
		TAIL, NULL, NULL), 0);
	xf_blkback_config_init(&c);
	d = xf_scn_find(scn, "disk", "d0");
	eng_blk_hostile(&c, xf_scn_sub(d, "backend"));
	ck_assert_int_eq(c.hostile, XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST);
	ck_assert_uint_eq(c.hostile_after, 7);
	d = xf_scn_find(scn, "disk", "d1");
	eng_blk_hostile(&c, xf_scn_sub(d, "backend"));
	ck_assert_int_eq(c.hostile, XF_BLKBACK_HOSTILE_NONE);
	ck_assert_uint_eq(c.hostile_after, 0);
}
END_TEST

START_TEST(hostile_values_are_blkback_names)
{
	const struct xf_scn_kind *k = xf_scn_kind_by_name("disk.backend");
	const char *const *names = xf_blkback_hostile_names();
	const struct xf_scn_field *f = NULL;
	size_t i;

	ck_assert_ptr_nonnull(k);
	for (i = 0; i < k->nfields; i++)
		if (!strcmp(k->fields[i].key, "hostile"))
			f = &k->fields[i];
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(f->enums);
	for (i = 0; f->enums[i]; i++) {
		ck_assert_ptr_nonnull(names[i]);
		ck_assert_str_eq(f->enums[i], names[i]);
	}
	ck_assert_uint_eq(i, XF_BLKBACK_HOSTILE_NR);
	ck_assert_ptr_null(names[i]);
}
END_TEST

/* An unknown mode is refused at load with file:line and the list. */
START_TEST(hostile_unknown_mode_refused)
{
	ck_assert_int_eq(xt_scn_load(&fx, HEAD
		"disk { name = 'd0', vm = 'vm0', backend = {\n"
		"  hostile = 'id-twice' } }\n"
		TAIL, NULL, NULL), -EINVAL);
	xt_scn_assert_diag(&diag, "t.lua:8: disk 'd0': backend: hostile = "
			   "\"id-twice\" is not one of \"none\", "
			   "\"rsp-prod-beyond\", \"id-out-of-range\", "
			   "\"id-duplicate\", \"id-completed\", "
			   "\"wrong-op\", \"unknown-status\", "
			   "\"unpushed-request\"");
}
END_TEST

XT_SUITE("harness-blk-lenient")
{
	TCase *tc = xt_tcase_fixture("lenient", setup, teardown, 0);

	tcase_add_test(tc, disk_overrides_host_key_by_key);
	tcase_add_test(tc, schema_keys_are_blkback_names);
	tcase_add_test(tc, hostile_mode_into_config);
	tcase_add_test(tc, hostile_values_are_blkback_names);
	tcase_add_test(tc, hostile_unknown_mode_refused);
}
