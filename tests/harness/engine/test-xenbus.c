// SPDX-License-Identifier: MIT
/*
 * What a scenario sees of the xenbus dance, in sim mode: every state
 * write of each device's frontend and backend in order (a disk's and a
 * vif's normal connect, exactly), expect { xenbus = ... } on the final
 * states, r.xenbus in check(r), and a handshake that stops reported as
 * a wedge that fails the run unless expected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>
#include <xfront/xenbus.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-xenbus")

#define HEAD "scenario { name = \"x\", description = \"xenbus\", " \
	     "duration = \"20ms\" }\nvm { name = \"vm0\" }\n"
#define DISK "disk { name = \"d0\", vm = \"vm0\", size = \"16M\" }\n" \
	     "job { name = \"rr\", disk = \"d0\", rw = \"randread\" }\n"

/* A trace as "f:State b:State ...", and its times non-decreasing. */
static void trace_str(const char *dev, char *buf, size_t len)
{
	const struct xf_xenbus_trace *t = xf_result_xenbus_find(res, dev);
	size_t o = 0;

	ck_assert_msg(t != NULL, "no trace for %s", dev);
	buf[0] = 0;
	for (size_t k = 0; k < t->nev && o < len; k++) {
		if (k)
			ck_assert_uint_ge(t->ev[k].t_ns, t->ev[k - 1].t_ns);
		o += (size_t)snprintf(buf + o, len - o, "%s%c:%s",
				      k ? " " : "",
				      t->ev[k].backend ? 'b' : 'f',
				      xf_xenbus_state_name(t->ev[k].state));
	}
}

static const struct xf_expect_result *expect_line(const char *what)
{
	for (size_t i = 0; i < res->nexpects; i++)
		if (!strncmp(res->expects[i].what, what, strlen(what)))
			return &res->expects[i];
	return NULL;
}

/* The toolstack creates both directories in Initialising (frontend
 * first, as libxl does), then each driver walks its side: blkback to
 * InitWait once it has its device, blkfront to Initialised with its
 * rings, blkback to Connected, blkfront to Connected; netfront skips
 * Initialised (xennet_connect() switches straight to Connected). */
START_TEST(normal_connect_disk_and_vif)
{
	char got[1024];

	xt_scn_run(&fx, HEAD DISK
		   "vif { name = \"v0\", vm = \"vm0\" }\n"
		   "expect { hangs = 0 }\n", &res);
	ck_assert_uint_eq(res->nxenbus, 2);
	trace_str("d0", got, sizeof(got));
	ck_assert_str_eq(got, "f:Initialising b:Initialising f:Initialising "
			 "b:InitWait f:Initialised b:Connected f:Connected");
	trace_str("v0", got, sizeof(got));
	ck_assert_str_eq(got, "f:Initialising b:Initialising b:InitWait "
			 "f:Connected b:Connected");
	ck_assert_uint_eq(res->nwedges, 0);
	ck_assert(res->pass);
}
END_TEST

START_TEST(final_states_pass_and_fail)
{
	const struct xf_expect_result *x;

	xt_scn_run(&fx, HEAD DISK
		   "expect { xenbus = { d0 = { frontend_final = \"connected\","
		   " backend_final = \"CONNECTED\" } } }\n", &res);
	x = expect_line("xenbus[d0] frontend final = Connected");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->pass);
	ck_assert_str_eq(x->measured, "Connected");
	ck_assert_int_eq(x->line, 5);
	ck_assert(expect_line("xenbus[d0] backend final = Connected")->pass);
	ck_assert(res->pass);

	xt_scn_run(&fx, HEAD DISK
		   "expect { xenbus = { d0 = { backend_final = \"InitWait\" } "
		   "} }\n", &res);
	x = expect_line("xenbus[d0] backend final = InitWait");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->pass);
	ck_assert_str_eq(x->measured, "Connected");
	ck_assert(!res->pass);
}
END_TEST

START_TEST(check_reads_the_trace)
{
	const struct xf_expect_result *x;

	xt_scn_run(&fx, HEAD DISK
		   "expect { check = function(r)\n"
		   "  local t = r.xenbus.d0\n"
		   "  local s = {}\n"
		   "  for _, e in ipairs(t) do\n"
		   "    assert(math.type(e.t_ns) == 'integer')\n"
		   "    s[#s + 1] = e.side .. ':' .. e.state\n"
		   "  end\n"
		   "  return r.double_completions == 0 and r.bad_checksums == 0"
		   " and r.bad_segments == 0 and r.gbps == 0 and"
		   " r.wedges == 0, table.concat(s, ' ', 4, 5)\n"
		   "end }\n", &res);
	x = expect_line("check(r)");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x->measured, "backend:InitWait frontend:Initialised");
	ck_assert(x->pass);
}
END_TEST

/* The mock backend that never leaves InitWait: the frontend gives up
 * (connect_timeout), the handshake stays where it stopped. */
#define STUCK HEAD "disk { name = \"d0\", vm = \"vm0\", size = \"16M\", " \
	      "connect_timeout = \"100ms\",\n" \
	      "       backend = { path = \"stuck-initwait\" } }\n" \
	      "job { name = \"rr\", disk = \"d0\", rw = \"randread\" }\n"

START_TEST(wedge_reported_and_fails_by_default)
{
	const struct xf_expect_result *x;

	xt_scn_run(&fx, STUCK "expect { io_errors_min = 1 }\n", &res);
	ck_assert_uint_eq(res->nwedges, 1);
	ck_assert_str_eq(res->wedges[0].device, "d0");
	ck_assert_int_eq(res->wedges[0].frontend, XF_XENBUS_INITIALISED);
	ck_assert_int_eq(res->wedges[0].backend, XF_XENBUS_INITWAIT);
	ck_assert_uint_ge(res->wedges[0].idle_ns, 100000000);
	ck_assert_msg(!strncmp(res->wedges[0].text, "d0: frontend Initialised, "
			       "backend InitWait, no state change for ", 62),
		      "%s", res->wedges[0].text);
	x = expect_line("wedged[d0] <= 0 (default)");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->pass);
	ck_assert_int_eq(x->line, 3);
	ck_assert(expect_line("I/O errors >= 1")->pass);
	ck_assert(!res->pass);

	/* Expected: a bound replaces the default. */
	xt_scn_run(&fx, STUCK "expect { io_errors_min = 1, wedges = 1 }\n",
		   &res);
	ck_assert_uint_eq(res->nwedges, 1);
	ck_assert_ptr_null(expect_line("wedged[d0]"));
	ck_assert(expect_line("wedged devices <= 1")->pass);
	ck_assert(res->pass);
}
END_TEST

START_TEST(unknown_device_or_state_refused)
{
	ck_assert_int_eq(xt_scn_load(&fx, HEAD DISK
		"expect { xenbus = { d9 = { backend_final = \"Connected\" } } "
		"}\n", NULL, NULL), -EINVAL);
	xt_scn_assert_diag(&diag, "t.lua:5: expect: xenbus.d9: no disk or vif "
			   "named 'd9' (disks: d0; vifs: none)");
	xf_scn_diag_free(&diag);
	xf_scn_diag_init(&diag);
	ck_assert_int_eq(xt_scn_load(&fx, HEAD DISK
		"expect { xenbus = {\n  d0 = { frontend_final = \"Conected\" "
		"} } }\n", NULL, NULL), -EINVAL);
	xt_scn_assert_diag(&diag, "t.lua:6: expect: xenbus.d0: frontend_final"
			   " = \"Conected\" is not one of \"Unknown\", "
			   "\"Initialising\", \"InitWait\", \"Initialised\", "
			   "\"Connected\", \"Closing\", \"Closed\", "
			   "\"Reconfiguring\", \"Reconfigured\"");
	xf_scn_diag_free(&diag);
	xf_scn_diag_init(&diag);
	ck_assert_int_eq(xt_scn_load(&fx, HEAD DISK
		"expect { xenbus = { d0 = { final = \"Closed\" } } }\n", NULL,
		NULL), -EINVAL);
	xt_scn_assert_diag(&diag, "t.lua:5: expect: xenbus.d0: unknown key "
			   "'final'");
}
END_TEST

/* The xen platform's path (xenstore watches, the value read when the
 * event arrives), taken on the mock: per side, the same run's states in
 * order, possibly fewer (a state overwritten before its event is read),
 * never one that side did not write, and the same final states. Across
 * the sides the order is the order the events were read. */
static void side_of(const char *trace, char side, char *out, size_t len)
{
	char buf[1024], *save = NULL;
	size_t o = 0;

	snprintf(buf, sizeof(buf), "%s", trace);
	out[0] = 0;
	for (char *w = strtok_r(buf, " ", &save); w && o < len;
	     w = strtok_r(NULL, " ", &save))
		if (w[0] == side)
			o += (size_t)snprintf(out + o, len - o, "%s ", w);
}

START_TEST(watch_path_sees_the_dance)
{
	static const char src[] = HEAD DISK
		"vif { name = \"v0\", vm = \"vm0\" }\n"
		"expect { xenbus = { d0 = { frontend_final = \"Connected\", "
		"backend_final = \"Connected\" },\n"
		"  v0 = { frontend_final = \"Connected\", backend_final = "
		"\"Connected\" } } }\n";
	struct xf_engine_opts o = { .mode = "sim", .xenbus_watch = true };
	char hook[2][1024], watch[1024], err[512];
	static const char *const dev[] = { "d0", "v0" };

	xt_scn_run(&fx, src, &res);
	for (int i = 0; i < 2; i++)
		trace_str(dev[i], hook[i], sizeof(hook[i]));
	xf_result_free(res);
	res = NULL;
	ck_assert_int_eq(xf_engine_run(scn, &o, &res, err, sizeof(err)), 0);
	ck_assert_msg(res->pass, "watch path: final states not Connected");
	for (int i = 0; i < 2; i++) {
		trace_str(dev[i], watch, sizeof(watch));
		for (int s = 0; s < 2; s++) {
			char hs[512], ws[512], *save = NULL;
			const char *h = hs;

			side_of(hook[i], s ? 'b' : 'f', hs, sizeof(hs));
			side_of(watch, s ? 'b' : 'f', ws, sizeof(ws));
			ck_assert_msg(ws[0], "%s: nothing seen on side %d",
				      dev[i], s);
			for (char *w = strtok_r(ws, " ", &save); w;
			     w = strtok_r(NULL, " ", &save)) {
				const char *at = strstr(h, w);

				ck_assert_msg(at, "%s: %s not in order in %s",
					      dev[i], w, hs);
				h = at + strlen(w);
			}
		}
	}
}
END_TEST

XT_SUITE("harness-xenbus")
{
	TCase *tc = xt_tcase_fixture("xenbus", setup, teardown, 60);

	tcase_add_test(tc, normal_connect_disk_and_vif);
	tcase_add_test(tc, final_states_pass_and_fail);
	tcase_add_test(tc, check_reads_the_trace);
	tcase_add_test(tc, wedge_reported_and_fails_by_default);
	tcase_add_test(tc, unknown_device_or_state_refused);
	tcase_add_test(tc, watch_path_sees_the_dance);
}
