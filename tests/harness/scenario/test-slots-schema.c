// SPDX-License-Identifier: MIT
/* Scenario keys for TX fragment layouts and netfront switches (the slot
 * limit scenarios): defaults, accepted values, and every validation
 * error with its file:line message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-slots")

#define HEAD \
	"scenario { name = 'x', description = 'test' }\n"   /* 1 */ \
	"vm { name = 'vm1' }\n"                               /* 2 */ \
	"vif { name = 'a', vm = 'vm1' }\n"                    /* 3 */ \
	"vif { name = 'b', vm = 'vm1' }\n"                    /* 4 */
#define EXPECT "expect { bad_checksums = 0 }\n"


/* vif 'a': its frontend's sg and tx_layout, its backend's mode. */
static void assert_vif_a(bool sg, const char *tx_layout, const char *mode)
{
	const struct xf_scn_obj *v = xf_scn_find(scn, "vif", "a");

	ck_assert(xf_scn_bool(xf_scn_sub(v, "frontend"), "sg") == sg);
	ck_assert_str_eq(xf_scn_str(xf_scn_sub(v, "frontend"), "tx_layout"),
			 tx_layout);
	ck_assert_str_eq(xf_scn_str(xf_scn_sub(v, "backend"), "mode"), mode);
}

START_TEST(defaults_are_linear_and_fixed)
{
	const struct xf_scn_obj *f;

	ck_assert_int_eq(load(HEAD
		"flow { name = 'f', from = 'a', to = 'b' }\n" EXPECT), 0);
	ck_assert_uint_eq(diag.n, 0);
	f = xf_scn_find(scn, "flow", "f");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(xf_scn_str(f, "frag_layout"), "linear");
	ck_assert(!xf_scn_isset(f, "nfrags"));
	ck_assert_int_eq(xf_scn_int(f, "nfrags"), 0);
	ck_assert_int_eq(xf_scn_int(f, "first_frag"), 6);
	assert_vif_a(true, "pullup", "correct");
}
END_TEST

START_TEST(layouts_and_switches_accepted)
{
	const struct xf_scn_obj *f;

	ck_assert_int_eq(load(
		"scenario { name = 'x', description = 'test' }\n"
		"vm { name = 'vm1' }\n"
		"vif { name = 'a', vm = 'vm1',\n"
		"  frontend = { sg = false, tx_layout = 'raw' },\n"
		"  backend = { mode = 'drop-short-first' } }\n"
		"vif { name = 'b', vm = 'vm1' }\n"
		"flow { name = 't', from = 'a', to = 'b',\n"
		"  frag_layout = 'tiny-first', first_frag = 13, nfrags = 3 }\n"
		"flow { name = 'm', from = 'a', to = 'b',\n"
		"  frag_layout = 'many', nfrags = 64 }\n"
		"flow { name = 'k', from = 'a', to = 'b', first_frag = '4k',\n"
		"  frag_layout = 'tiny-first' }\n" EXPECT), 0);
	ck_assert_uint_eq(diag.n, 0);
	f = xf_scn_find(scn, "flow", "t");
	ck_assert_str_eq(xf_scn_str(f, "frag_layout"), "tiny-first");
	ck_assert_int_eq(xf_scn_int(f, "first_frag"), 13);
	ck_assert_int_eq(xf_scn_int(f, "nfrags"), 3);
	ck_assert_int_eq(xf_scn_line(f, "first_frag"), 8);
	f = xf_scn_find(scn, "flow", "m");
	ck_assert_int_eq(xf_scn_int(f, "nfrags"), 64);
	f = xf_scn_find(scn, "flow", "k");
	ck_assert_int_eq(xf_scn_int(f, "first_frag"), 4096);
	assert_vif_a(false, "raw", "drop-short-first");
}
END_TEST

START_TEST(bad_values_reported_with_line)
{
	ck_assert_int_eq(load(HEAD
		"flow { name = 'f', from = 'a', to = 'b',\n"
		"  frag_layout = 'tiny',\n"
		"  nfrags = 65,\n"
		"  first_frag = 0 }\n"
		"flow { name = 'g', from = 'a', to = 'b',\n"
		"  frag_layout = 'many',\n"
		"  nfrags = 0,\n"
		"  first_frag = '8k' }\n"
		"flow { name = 'h', from = 'a', to = 'b', nfrags = 2.5 }\n"
		EXPECT), -EINVAL);
	assert_diag("t.lua:6: flow 'f': frag_layout = \"tiny\" is not one of "
		    "\"linear\", \"tiny-first\", \"many\"");
	assert_diag("t.lua:7: flow 'f': nfrags = 65 is out of range (1..64)");
	assert_diag("t.lua:8: flow 'f': first_frag = 0 is out of range "
		    "(1..4096)");
	assert_diag("t.lua:11: flow 'g': nfrags = 0 is out of range (1..64)");
	assert_diag("t.lua:12: flow 'g': first_frag = \"8k\" is out of range "
		    "(1..4096)");
	assert_diag("t.lua:13: flow 'h': nfrags: expected an integer, got "
		    "2.5");
	ck_assert_ptr_null(scn);
}
END_TEST

START_TEST(keys_need_their_layout)
{
	ck_assert_int_eq(load(HEAD
		"flow { name = 'f', from = 'a', to = 'b',\n"
		"  nfrags = 19 }\n"
		"flow { name = 'g', from = 'a', to = 'b',\n"
		"  frag_layout = 'many',\n"
		"  first_frag = 4 }\n"
		"flow { name = 'h', from = 'a', to = 'b',\n"
		"  frag_layout = 'tiny-first',\n"
		"  nfrags = 1 }\n"
		"flow { name = 'i', from = 'a', to = 'b', first_frag = 2 }\n"
		EXPECT), -EINVAL);
	assert_diag("t.lua:6: flow 'f': nfrags = 19 needs frag_layout = "
		    "\"many\" or \"tiny-first\"");
	assert_diag("t.lua:9: flow 'g': first_frag needs frag_layout = "
		    "\"tiny-first\" (frag_layout is \"many\")");
	assert_diag("t.lua:12: flow 'h': frag_layout = \"tiny-first\" needs "
		    "nfrags >= 2 (the tiny first fragment and the rest)");
	assert_diag("t.lua:13: flow 'i': first_frag needs frag_layout = "
		    "\"tiny-first\" (frag_layout is \"linear\")");
	ck_assert_uint_eq(diag.n, 4);
}
END_TEST

START_TEST(frontend_table_validated)
{
	ck_assert_int_eq(load(
		"scenario { name = 'x', description = 'test' }\n"
		"vm { name = 'vm1' }\n"
		"vif { name = 'a', vm = 'vm1',\n"
		"  frontend = { sgg = false,\n"
		"    tx_layout = 'linearize' },\n"
		"  backend = { mode = 'drop-short' } }\n"
		"vif { name = 'b', vm = 'vm1', frontend = { sg = 'off' } }\n"
		"flow { name = 'f', from = 'a', to = 'b' }\n" EXPECT),
		-EINVAL);
	assert_diag("t.lua:4: vif 'a': frontend: unknown key 'sgg' (did you "
		    "mean 'sg'?)");
	assert_diag("t.lua:5: vif 'a': frontend: tx_layout = \"linearize\" is "
		    "not one of \"pullup\", \"raw\"");
	assert_diag("t.lua:6: vif 'a': backend: mode = \"drop-short\" is not "
		    "one of \"correct\", \"no-csum-fill\", \"bad-gso\", "
		    "\"drop\", \"drop-short-first\"");
	assert_diag("t.lua:7: vif 'b': frontend: sg: expected true or false, "
		    "got \"off\"");
}
END_TEST

XT_SUITE("scenario-slots-schema")
{
	TCase *tc = xt_tcase_fixture("schema", setup, teardown, 0);

	tcase_add_test(tc, defaults_are_linear_and_fixed);
	tcase_add_test(tc, layouts_and_switches_accepted);
	tcase_add_test(tc, bad_values_reported_with_line);
	tcase_add_test(tc, keys_need_their_layout);
	tcase_add_test(tc, frontend_table_validated);
}
