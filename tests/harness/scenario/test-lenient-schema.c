// SPDX-License-Identifier: MIT
/* Scenario keys of the netback leniencies (vif.backend.lenient and the
 * host default host.net.lenient) and of the netfront switches
 * (vif.frontend.rx_bad_response_fatal, rx_wait_partial): defaults,
 * every key accepted, and typos refused with file:line and a
 * suggestion. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-lenient")

/* One per XF_NB_LENIENT_* bit, the bit's name in lower case. */
static const char *const keys[] = {
	"connect_on_initialised", "direct_states", "tx_cross_page",
	"tx_bad_gso", "tx_extra_type", "tx_extra_limit", "tx_short_first",
	"csum_fill",
};
#define NKEYS (sizeof(keys) / sizeof(*keys))

#define HEAD \
	"scenario { name = 'x', description = 'test' }\n"   /* 1 */ \
	"vm { name = 'vm1' }\n"                               /* 2 */
#define TAIL \
	"vif { name = 'b', vm = 'vm1' }\n" \
	"flow { name = 'f', from = 'a', to = 'b' }\n" \
	"expect { bad_checksums = 0 }\n"

static const struct xf_scn_obj *vif_lenient(const char *vif)
{
	const struct xf_scn_obj *v = xf_scn_find(scn, "vif", vif);

	ck_assert_ptr_nonnull(v);
	return xf_scn_sub(xf_scn_sub(v, "backend"), "lenient");
}

START_TEST(defaults_are_linux)
{
	const struct xf_scn_obj *l, *fe;

	ck_assert_int_eq(load(HEAD "vif { name = 'a', vm = 'vm1' }\n" TAIL),
			 0);
	l = vif_lenient("a");
	ck_assert_ptr_nonnull(l);
	for (size_t i = 0; i < NKEYS; i++) {
		ck_assert_msg(!xf_scn_bool(l, keys[i]), "%s on", keys[i]);
		ck_assert(!xf_scn_isset(l, keys[i]));
	}
	fe = xf_scn_sub(xf_scn_find(scn, "vif", "a"), "frontend");
	ck_assert(!xf_scn_bool(fe, "rx_bad_response_fatal"));
	ck_assert(!xf_scn_bool(fe, "rx_wait_partial"));
}
END_TEST

/* Every key, on a vif and on a host, read back as written and with
 * the line it was written on. */
START_TEST(every_key_accepted)
{
	char src[4096], tbl[1024] = "";
	const struct xf_scn_obj *l, *h, *fe;

	for (size_t i = 0; i < NKEYS; i++) {
		size_t n = strlen(tbl);

		snprintf(tbl + n, sizeof(tbl) - n, "%s%s = %s", i ? ", " : "",
			 keys[i], i % 2 ? "false" : "true");
	}
	snprintf(src, sizeof(src), HEAD
		 "host { name = 'h', net = {\n"                   /* 3 */
		 "  lenient = { %s } } }\n"                       /* 4 */
		 "vm { name = 'vm2', host = 'h' }\n"              /* 5 */
		 "vif { name = 'a', vm = 'vm2',\n"                /* 6 */
		 "  frontend = { rx_bad_response_fatal = true,\n" /* 7 */
		 "               rx_wait_partial = true },\n"     /* 8 */
		 "  backend = { lenient = {\n"                    /* 9 */
		 "    %s } } }\n"                                 /* 10 */
		 TAIL, tbl, tbl);
	ck_assert_int_eq(load(src), 0);
	ck_assert_uint_eq(diag.n, 0);
	l = vif_lenient("a");
	h = xf_scn_sub(xf_scn_sub(xf_scn_find(scn, "host", "h"), "net"),
		       "lenient");
	ck_assert_ptr_nonnull(h);
	for (size_t i = 0; i < NKEYS; i++) {
		ck_assert(xf_scn_isset(l, keys[i]));
		ck_assert(xf_scn_bool(l, keys[i]) == !(i % 2));
		ck_assert_int_eq(xf_scn_line(l, keys[i]), 10);
		ck_assert(xf_scn_isset(h, keys[i]));
		ck_assert(xf_scn_bool(h, keys[i]) == !(i % 2));
		ck_assert_int_eq(xf_scn_line(h, keys[i]), 4);
	}
	fe = xf_scn_sub(xf_scn_find(scn, "vif", "a"), "frontend");
	ck_assert(xf_scn_bool(fe, "rx_bad_response_fatal"));
	ck_assert(xf_scn_bool(fe, "rx_wait_partial"));
	ck_assert_int_eq(xf_scn_line(fe, "rx_wait_partial"), 8);
}
END_TEST

START_TEST(typos_refused_with_line_and_suggestion)
{
	ck_assert_int_eq(load(HEAD
		"host { name = 'h', net = { lenient = {\n"       /* 3 */
		"  csum_fil = true } } }\n"                      /* 4 */
		"vif { name = 'a', vm = 'vm1',\n"                /* 5 */
		"  backend = { lenient = {\n"                    /* 6 */
		"    tx_crosspage = true,\n"                     /* 7 */
		"    direct_states = 1 } },\n"                   /* 8 */
		"  frontend = { rx_wait_partal = true,\n"        /* 9 */
		"    rx_bad_response_fatal = 'yes' } }\n"        /* 10 */
		"vif { name = 'c', vm = 'vm1',\n"                /* 11 */
		"  backend = { lenient = true } }\n"             /* 12 */
		TAIL), -EINVAL);
	xt_scn_assert_diag(&diag, "t.lua:4: host 'h': net: lenient: unknown "
			   "key 'csum_fil' (did you mean 'csum_fill'?)");
	xt_scn_assert_diag(&diag, "t.lua:7: vif 'a': backend: lenient: "
			   "unknown key 'tx_crosspage' (did you mean "
			   "'tx_cross_page'?)");
	xt_scn_assert_diag(&diag, "t.lua:8: vif 'a': backend: lenient: "
			   "direct_states: expected true or false, got 1");
	xt_scn_assert_diag(&diag, "t.lua:9: vif 'a': frontend: unknown key "
			   "'rx_wait_partal' (did you mean "
			   "'rx_wait_partial'?)");
	xt_scn_assert_diag(&diag, "t.lua:10: vif 'a': frontend: "
			   "rx_bad_response_fatal: expected true or false, got "
			   "\"yes\"");
	xt_scn_assert_diag(&diag, "t.lua:12: vif 'c': backend: lenient: "
			   "expected a table, got boolean");
	ck_assert_ptr_null(scn);
}
END_TEST

XT_SUITE("scenario-lenient-schema")
{
	TCase *tc = xt_tcase_fixture("keys", setup, teardown, 30);

	tcase_add_test(tc, defaults_are_linux);
	tcase_add_test(tc, every_key_accepted);
	tcase_add_test(tc, typos_refused_with_line_and_suggestion);
}
