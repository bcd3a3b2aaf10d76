// SPDX-License-Identifier: MIT
/* Scenario keys and actions of the xenbus dance: backend.initial_state
 * and backend.handshake_delay on disks and vifs, set_backend_state,
 * close_frontend, reopen_frontend and unplug: defaults, accepted values
 * and every validation error with its file:line message. */
#include <errno.h>
#include <string.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-dance")


#define HEAD \
	"scenario { name = 'x', description = 'test' }\n"   /* 1 */ \
	"vm { name = 'vm0' }\n"                               /* 2 */
#define TAIL \
	"job { name = 'j', disk = 'd0' }\n" \
	"expect { hangs = 0 }\n"


START_TEST(defaults_start_as_usual)
{
	const struct xf_scn_obj *be;

	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0' }\n"
		"vif { name = 'a', vm = 'vm0' }\n" TAIL), 0);
	be = xf_scn_sub(xf_scn_find(scn, "disk", "d0"), "backend");
	ck_assert(!xf_scn_isset(be, "initial_state"));
	ck_assert_ptr_null(xf_scn_str(be, "initial_state"));
	ck_assert_int_eq(xf_scn_int(be, "handshake_delay"), 0);
	be = xf_scn_sub(xf_scn_find(scn, "vif", "a"), "backend");
	ck_assert(!xf_scn_isset(be, "initial_state"));
	ck_assert_int_eq(xf_scn_int(be, "handshake_delay"), 0);
}
END_TEST

START_TEST(keys_and_actions_accepted)
{
	const struct xf_scn_obj *be;

	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', backend = {\n"
		"  initial_state = 'connected', handshake_delay = '5ms' } }\n"
		"vif { name = 'a', vm = 'vm0', backend = {\n"
		"  initial_state = 'closed', handshake_delay = '1ms' } }\n"
		"fault { at = 1, action = 'set_backend_state', target = 'd0',\n"
		"  state = 'closed' }\n"
		"fault { at = 1, action = 'set_backend_state', target = 'a',\n"
		"  state = 'initwait' }\n"
		"fault { at = 1, action = 'close_frontend', target = 'd0' }\n"
		"fault { at = 2, action = 'reopen_frontend', target = 'a' }\n"
		"fault { at = 3, action = 'unplug', target = 'a' }\n"
		"at('4ms', function(ctx)\n"
		"  ctx:set_backend_state('d0', 'connected')\n"
		"  ctx:close_frontend('a') ctx:reopen_frontend('a')\n"
		"end)\n" TAIL), 0);
	be = xf_scn_sub(xf_scn_find(scn, "disk", "d0"), "backend");
	ck_assert_str_eq(xf_scn_str(be, "initial_state"), "connected");
	ck_assert_int_eq(xf_scn_int(be, "handshake_delay"), 5000000);
	be = xf_scn_sub(xf_scn_find(scn, "vif", "a"), "backend");
	ck_assert_str_eq(xf_scn_str(be, "initial_state"), "closed");
	ck_assert_int_eq(xf_scn_int(be, "handshake_delay"), 1000000);
	ck_assert_str_eq(xf_scn_str(xf_scn_nth(scn, "fault", 0), "state"),
			 "closed");
}
END_TEST

START_TEST(bad_state_names_list_the_allowed)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0',\n"                  /* 3 */
		"  backend = { initial_state = 'initialising' } }\n" /* 4 */
		"vif { name = 'a', vm = 'vm0',\n"                    /* 5 */
		"  backend = { initial_state = 'up' } }\n"           /* 6 */
		"fault { at = 1, action = 'set_backend_state',\n"    /* 7 */
		"  target = 'd0', state = 'open' }\n"                /* 8 */
		"fault { at = 1, action = 'set_backend_state',\n"    /* 9 */
		"  target = 'a' }\n"                                 /* 10 */
		"vif { name = 'b', vm = 'vm0',\n"                    /* 11 */
		"  backend = { handshake_delay = -1 } }\n"           /* 12 */
		TAIL), -EINVAL);
	assert_diag("t.lua:4: disk 'd0': backend: initial_state = "
		    "\"initialising\" is not one of \"initwait\", "
		    "\"connected\", \"closed\"");
	assert_diag("t.lua:6: vif 'a': backend: initial_state = \"up\" is "
		    "not one of \"initwait\", \"connected\", \"closed\"");
	assert_diag("t.lua:8: fault: state = \"open\" is not one of "
		    "\"initialising\", \"initwait\", \"initialised\", "
		    "\"connected\", \"closing\", \"closed\"");
	assert_diag("t.lua:9: fault: set_backend_state needs state = "
		    "\"<name>\" (initialising, initwait, initialised, "
		    "connected, closing, closed)");
	assert_diag("t.lua:12: vif 'b': backend: handshake_delay = -1 is out "
		    "of range (0us..1h)");
	/* One error for the bad name, not a second one for "no state". */
	ck_assert_uint_eq(diag.n, 5);
}
END_TEST

START_TEST(targets_checked)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0' }\n"                   /* 3 */
		"vif { name = 'a', vm = 'vm0' }\n"                     /* 4 */
		"fault { at = 1, action = 'power_cut', target = 'a' }\n"
		"fault { at = 1, action = 'close_frontend', target = 'vm0' }\n"
		"fault { at = 1, action = 'set_backend_state', target = 'vm0',\n"
		"  state = 'closed' }\n"
		"fault { at = 1, action = 'unplug', target = 'vm0' }\n"
		TAIL), -EINVAL);
	assert_diag("t.lua:5: fault: power_cut needs a disk target, 'a' is a "
		    "vif");
	assert_diag("t.lua:6: fault: close_frontend needs a disk or vif "
		    "target, 'vm0' is a vm");
	assert_diag("t.lua:7: fault: set_backend_state needs a disk or vif "
		    "target, 'vm0' is a vm");
	assert_diag("t.lua:9: fault: unplug needs a disk or vif target, "
		    "'vm0' is a vm");
}
END_TEST

XT_SUITE("scenario-dance-schema")
{
	TCase *tc = xt_tcase_fixture("schema", setup, teardown, 30);

	tcase_add_test(tc, defaults_start_as_usual);
	tcase_add_test(tc, keys_and_actions_accepted);
	tcase_add_test(tc, bad_state_names_list_the_allowed);
	tcase_add_test(tc, targets_checked);
}
