// SPDX-License-Identifier: MIT
/* The scenario language: every validation error with its file:line
 * message, defaults and normalisation, variants, params, hooks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-scn")

static int load_opts(const char *src, const char *variant,
		     const struct xf_scn_opts *o)
{
	return xt_scn_load(&fx, src, variant, o);
}


#define HEAD \
	"scenario { name = 'x', description = 'test' }\n" /* 1 */ \
	"vm { name = 'vm0', vcpus = 4 }\n"                   /* 2 */

#define DISK "disk { name = 'd0', vm = 'vm0' }\n"             /* 3 */
#define JOB "job { name = 'j', disk = 'd0' }\n"               /* 4 */
#define EXPECT "expect { iops_min = 1 }\n"                    /* 5 */


START_TEST(valid_defaults_and_units)
{
	const struct xf_scn_obj *j, *d;

	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', size = '2G',\n"
		"  model = { latency_us = 20, flush_mode = 'ignore-flush' } }\n"
		"job { name = 'j', disk = 'd0', rw = 'randwrite', bs = '16k',\n"
		"  iodepth = 32, runtime = '1500ms', startdelay = 0.25 }\n"
		EXPECT), 0);
	ck_assert_uint_eq(diag.n, 0);
	j = xf_scn_find(scn, "job", "j");
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(xf_scn_int(j, "bs"), 16384);
	ck_assert_int_eq(xf_scn_int(j, "iodepth"), 32);
	ck_assert_int_eq(xf_scn_int(j, "runtime"), 1500000000);
	ck_assert_int_eq(xf_scn_int(j, "startdelay"), 250000000);
	ck_assert_int_eq(xf_scn_int(j, "numjobs"), 1);     /* default */
	ck_assert_int_eq(xf_scn_int(j, "rwmixread"), 50);  /* default */
	ck_assert_str_eq(xf_scn_str(j, "rw"), "randwrite");
	ck_assert(!xf_scn_bool(j, "verify"));
	d = xf_scn_find(scn, "disk", "d0");
	ck_assert_int_eq(xf_scn_int(d, "size"), 2ll << 30);
	ck_assert(xf_scn_num(xf_scn_sub(d, "model"), "latency_us") == 20);
	ck_assert_str_eq(xf_scn_str(xf_scn_sub(d, "model"), "flush_mode"),
			 "ignore-flush");
	/* untouched sub-table: defaults */
	/* What Linux blkback offers on a loop device. */
	ck_assert_int_eq(xf_scn_int(xf_scn_sub(d, "backend"), "queues"), 4);
	ck_assert_int_eq(xf_scn_int(xf_scn_sub(d, "backend"),
				    "ring_page_order"), 4);
	ck_assert_int_eq(xf_scn_int(xf_scn_sub(d, "backend"),
				    "indirect_segments"), 256);
	ck_assert(xf_scn_bool(xf_scn_sub(d, "backend"), "barrier"));
	ck_assert(xf_scn_bool(xf_scn_sub(d, "backend"), "discard"));
	ck_assert(xf_scn_bool(xf_scn_sub(d, "backend"), "persistent_grants"));
	/* Every leniency off: Linux. */
	ck_assert(!xf_scn_bool(xf_scn_sub(xf_scn_sub(d, "backend"),
					  "lenient"), "request_alignment"));
	ck_assert_int_eq(xf_scn_int(scn->scenario, "duration"), 2000000000);
	ck_assert_uint_eq(xf_scn_count(scn, "job"), 1);
	ck_assert_int_eq(xf_scn_line(j, "iodepth"), 6);
}
END_TEST

/* disk.backend.lenient and host.blk.lenient: booleans, unknown keys
 * refused with file:line and a suggestion. */
START_TEST(blk_lenient_table)
{
	const struct xf_scn_obj *d, *h;

	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', backend = { lenient = {\n"
		"  request_alignment = true, indirect_rsp_op = false } } }\n"
		"host { name = 'h0', blk = { lenient = { mode_optional = true } } }\n"
		JOB EXPECT), 0);
	d = xf_scn_sub(xf_scn_sub(xf_scn_find(scn, "disk", "d0"), "backend"),
		       "lenient");
	ck_assert(xf_scn_bool(d, "request_alignment"));
	ck_assert(xf_scn_isset(d, "indirect_rsp_op"));
	ck_assert(!xf_scn_bool(d, "indirect_rsp_op"));
	ck_assert(!xf_scn_isset(d, "mode_optional"));
	h = xf_scn_sub(xf_scn_sub(xf_scn_find(scn, "host", "h0"), "blk"),
		       "lenient");
	ck_assert(xf_scn_bool(h, "mode_optional"));
}
END_TEST

START_TEST(blk_lenient_unknown_key)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', backend = { lenient = {\n"
		"  request_alignmen = true } } }\n"
		"host { name = 'h0', blk = { lenient = { mode = 1 } } }\n"
		JOB EXPECT), -EINVAL);
	assert_diag("t.lua:4: disk 'd0': backend: lenient: unknown key "
		    "'request_alignmen' (did you mean 'request_alignment'?)");
	assert_diag("t.lua:5: host 'h0': blk: lenient: unknown key 'mode'");
	ck_assert_ptr_null(scn);
}
END_TEST

START_TEST(unknown_key_suggests)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0',\n"
		"  backend = { quees = 2 } }\n"
		"job { name = 'j', disk = 'd0', iodeth = 3 }\n" EXPECT),
		-EINVAL);
	assert_diag("t.lua:4: disk 'd0': backend: unknown key 'quees' "
		    "(did you mean 'queues'?)");
	assert_diag("t.lua:5: job 'j': unknown key 'iodeth' "
		    "(did you mean 'iodepth'?)");
	ck_assert_ptr_null(scn);
}
END_TEST

START_TEST(wrong_types)
{
	ck_assert_int_eq(load(HEAD DISK
		"job { name = 'j', disk = 'd0',\n"
		"  iodepth = 'deep',\n"
		"  verify = 1,\n"
		"  bs = '4q',\n"
		"  runtime = {},\n"
		"  numjobs = 1.5 }\n" EXPECT), -EINVAL);
	assert_diag("t.lua:5: job 'j': iodepth: expected an integer, got "
		    "\"deep\"");
	assert_diag("t.lua:6: job 'j': verify: expected true or false, got 1");
	assert_diag("t.lua:7: job 'j': bs = \"4q\": expected a size (bytes, "
		    "or a string like \"4k\", \"1M\")");
	assert_diag("t.lua:8: job 'j': runtime: expected a duration "
		    "(seconds, or a string like \"500ms\"), got table");
	assert_diag("t.lua:9: job 'j': numjobs: expected an integer, got 1.5");
}
END_TEST

START_TEST(out_of_range)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0',\n"
		"  backend = { ring_page_order = 5 } }\n"
		"job { name = 'j', disk = 'd0',\n"
		"  iodepth = 0,\n"
		"  bs = '8M',\n"
		"  rwmixread = 101 }\n" EXPECT), -EINVAL);
	assert_diag("t.lua:4: disk 'd0': backend: ring_page_order = 5 is out "
		    "of range (0..4)");
	assert_diag("t.lua:6: job 'j': iodepth = 0 is out of range (1..4096)");
	assert_diag("t.lua:7: job 'j': bs = \"8M\" is out of range "
		    "(512..4194304)");
	assert_diag("t.lua:8: job 'j': rwmixread = 101 is out of range "
		    "(0..100)");
}
END_TEST

/* What the disk model refuses at set-up is refused at load, with the
 * line, so no file of the run starts. */
START_TEST(disk_setup_refusals_at_load)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', size = 4097 }\n"
		"disk { name = 'd1', vm = 'vm0', size = '16M',\n"
		"  model = { image = '/nonexistent-dir/x.img' } }\n"
		"disk { name = 'd2', vm = 'vm0', size = '1M',\n"
		"  sector_size = 4096 }\n"
		JOB EXPECT), -EINVAL);
	assert_diag("t.lua:3: disk 'd0': size = 4097 is not a multiple of "
		    "sector_size 512");
	assert_diag("t.lua:5: disk 'd1': model.image "
		    "\"/nonexistent-dir/x.img\": No such file or directory");
	ck_assert_uint_eq(diag.n, 2);
}
END_TEST

START_TEST(bad_enum)
{
	ck_assert_int_eq(load(HEAD DISK
		"job { name = 'j', disk = 'd0', rw = 'randwr' }\n" EXPECT),
		-EINVAL);
	assert_diag("t.lua:4: job 'j': rw = \"randwr\" is not one of \"read\", "
		    "\"write\", \"randread\", \"randwrite\", \"rw\", "
		    "\"readwrite\", \"randrw\", \"trim\"");
}
END_TEST

START_TEST(missing_and_unresolved)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0' }\n"
		"job { name = 'j', disk = 'nope' }\n"
		"expect { vm = 'vm9', p99_max_us = 10 }\n"), -EINVAL);
	assert_diag("t.lua:3: disk 'd0': missing required key 'vm' (guest "
		    "the disk is attached to)");
	assert_diag("t.lua:4: job 'j': disk = \"nope\": no disk named 'nope' "
		    "(declared: d0)");
	assert_diag("t.lua:5: expect: vm = \"vm9\": no vm named 'vm9' "
		    "(declared: vm0)");
}
END_TEST

START_TEST(model_level_errors)
{
	ck_assert_int_eq(load("vm { name = 'vm0' }\n"
			      "vm { name = 'vm0' }\n"), -EINVAL);
	assert_diag("t.lua:1: missing scenario { name = ..., description = "
		    "... } block");
	assert_diag("t.lua:2: vm 'vm0': name already used by the vm at "
		    "line 1");
	assert_diag("t.lua:1: nothing to run: declare a job { ... } or flow "
		    "{ ... }");
	assert_diag("t.lua:1: no expect { ... }: a scenario must state what "
		    "it proves");
	ck_assert_int_eq(load(HEAD DISK JOB "expect { name = 'e' }\n"),
			 -EINVAL);
	assert_diag("t.lua:5: expect: states no condition (e.g. iops_min = "
		    "..., lost_writes = 0)");
	ck_assert_int_eq(load("scenario { name = 'x' }\n"), -EINVAL);
	assert_diag("t.lua:1: scenario 'x': missing required key 'description' "
		    "(one line: the field behaviour and what the expectations "
		    "prove)");
}
END_TEST

START_TEST(job_fits_disk)
{
	ck_assert_int_eq(load(HEAD
		"disk { name = 'd0', vm = 'vm0', size = '1M', sector_size = 4096,\n"
		"  readonly = true }\n"
		"job { name = 'j', disk = 'd0', rw = 'write',\n"
		"  bs = 512,\n"
		"  size = '2M',\n"
		"  vcpu = 4 }\n" EXPECT), -EINVAL);
	assert_diag("t.lua:6: job 'j': bs = 512 is not a multiple of disk "
		    "'d0' sector_size 4096");
	assert_diag("t.lua:7: job 'j': region (offset 0, size 2097152) does "
		    "not fit disk 'd0' (1048576 bytes) or is smaller than bs");
	assert_diag("t.lua:5: job 'j': rw = \"write\" on read-only disk 'd0'");
	assert_diag("t.lua:8: job 'j': vcpu = 4 but vm 'vm0' has 4 vCPUs");
}
END_TEST

START_TEST(faults_and_hooks)
{
	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"fault { at = '1s', action = 'power_cut', target = 'vm0' }\n"
		"fault { action = 'restart_backend', target = 'd0' }\n"
		"fault { at = 1, action = 'power_cut', target = 'd9' }\n"
		"fault { at = 1, action = 'migrate', target = 'vm0' }\n"
		"fault { at = 1, action = 'explode', target = 'd0' }\n"
		"on_inflight(0, function(ctx) end)\n"
		"on_flush(3, 'not a function')\n"
		"on_flush(3, function(ctx) end, 'd7')\n"), -EINVAL);
	assert_diag("t.lua:6: fault: power_cut needs a disk target, 'vm0' is "
		    "a vm");
	assert_diag("t.lua:7: fault: missing required key 'at' (when, from "
		    "the start of the run; use a hook such as on_flush(n, fn) "
		    "for event-driven faults)");
	assert_diag("t.lua:8: fault: target = \"d9\": no disk, vif, vm or "
		    "host has that name");
	assert_diag("t.lua:9: fault: migrate needs to = \"<host>\"");
	assert_diag("t.lua:10: fault: action = \"explode\" is not one of "
		    "\"power_cut\", \"restart_backend\", \"crash_backend\", "
		    "\"stall_backend\", \"resume_backend\", \"remove_device\", "
		    "\"recreate_device\", \"error\", \"drop_notify\", "
		    "\"clock_step\", \"migrate\", \"suspend\", \"resume\", "
		    "\"set_flush_mode\", \"unplug\", \"set_backend_state\", "
		    "\"close_frontend\", \"reopen_frontend\"");
	assert_diag("t.lua:11: on_inflight: first argument: expected a count "
		    ">= 1");
	assert_diag("t.lua:12: on_flush: second argument: expected a "
		    "function (ctx)");
	assert_diag("t.lua:13: hook: no disk or vif named 'd7'");
}
END_TEST

START_TEST(lua_errors_have_lines)
{
	ck_assert_int_eq(load(HEAD "disk { name = 'd0', vm = 'vm0' \n"),
			 -EINVAL);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert_msg(!strncmp(diag.msg[0], "t.lua:4: '}' expected (to close "
			       "'{' at line 3)", 44), "%s", diag.msg[0]);
	ck_assert_int_eq(load(HEAD DISK "local x = nil + 1\n"), -EINVAL);
	ck_assert_msg(!strncmp(diag.msg[1], "t.lua:4: attempt to perform "
			       "arithmetic on a nil value", 52),
		      "%s", diag.msg[1]);
	ck_assert_ptr_null(strstr(diag.msg[1], "traceback"));
	ck_assert_int_eq(load(HEAD "dsk { name = 'd0' }\n"), -EINVAL);
	assert_diag("t.lua:3: unknown name 'dsk' (did you mean 'disk'?)");
	ck_assert_int_eq(load(HEAD "local f = io.open('x')\n"), -EINVAL);
	assert_diag("t.lua:3: unknown name 'io'");
	ck_assert_int_eq(load(HEAD "disk 'd0'\n"), -EINVAL);
	assert_diag("t.lua:3: disk: expected a table: disk { key = value, "
		    "... }");
}
END_TEST

START_TEST(variants_and_pick)
{
	static const char src[] = HEAD
		"variants { {'broken', 'pinned'}, 'fixed' }\n"
		"disk { name = 'd0', vm = 'vm0' }\n"
		"job { name = 'j', disk = 'd0',\n"
		"  iodepth = pick { broken = 1, fixed = 8 } }\n"
		"if variant == 'fixed' then expect { iops_min = 2 }\n"
		"else expect { iops_max = 3 } end\n";
	const struct xf_scn_obj *e;

	ck_assert_int_eq(load(src), 0);
	ck_assert_uint_eq(scn->nvariants, 2);
	ck_assert_str_eq(scn->variants[0].name, "broken");
	ck_assert_str_eq(scn->variants[0].description, "pinned");
	ck_assert_str_eq(scn->variants[1].name, "fixed");
	ck_assert_int_eq(load_opts(src, "fixed", NULL), 0);
	ck_assert_str_eq(scn->variant, "fixed");
	ck_assert_int_eq(xf_scn_int(xf_scn_find(scn, "job", "j"), "iodepth"),
			 8);
	e = xf_scn_nth(scn, "expect", 0);
	ck_assert(xf_scn_isset(e, "iops_min"));
	ck_assert_int_eq(load_opts(src, "broken", NULL), 0);
	ck_assert_int_eq(xf_scn_int(xf_scn_find(scn, "job", "j"), "iodepth"),
			 1);
	ck_assert_int_eq(load_opts(src, "other", NULL), -EINVAL);
	assert_diag("t.lua:6: no variant named 'other'");
	ck_assert_int_eq(load(HEAD DISK "job { name = 'j', disk = 'd0',\n"
			      "  iodepth = pick { x = 1 } }\n" EXPECT),
			 -EINVAL);
	assert_diag("t.lua:5: pick: no value for variant '(none)' and no "
		    "default");
}
END_TEST

START_TEST(params)
{
	static const char src[] = HEAD DISK
		"job { name = 'j', disk = 'd0', iodepth = param('qd', 4),\n"
		"  verify = param('verify', false) }\n" EXPECT;
	struct xf_scn_param p[] = { { "qd", "16" }, { "verify", "true" },
				    { "duration", "500ms" },
				    { "bogus", "1" } };
	struct xf_scn_opts o = { .params = p, .nparams = 4 };
	const struct xf_scn_obj *j;

	ck_assert_int_eq(load_opts(src, NULL, &o), 0);
	j = xf_scn_find(scn, "job", "j");
	ck_assert_int_eq(xf_scn_int(j, "iodepth"), 16);
	ck_assert(xf_scn_bool(j, "verify"));
	ck_assert_int_eq(xf_scn_int(scn->scenario, "duration"), 500000000);
	ck_assert_uint_eq(xf_scn_unused_params(scn, &o, &diag), 1);
	assert_diag("t.lua:1: --set bogus: the scenario has no parameter "
		    "'bogus'");
	p[0].value = "many";
	ck_assert_int_eq(load_opts(src, NULL, &o), -EINVAL);
	assert_diag("t.lua:4: --set qd=many: expected a number");
	p[0].value = "0";
	ck_assert_int_eq(load_opts(src, NULL, &o), -EINVAL);
	assert_diag("t.lua:4: job 'j': iodepth = 0 is out of range (1..4096)");
}
END_TEST

struct act_log {
	int calls;
	char action[32], target[32];
	int64_t duration;
};

static int act(void *opaque, const struct xf_scn_obj *f, char *err,
	       size_t len)
{
	struct act_log *l = opaque;

	l->calls++;
	snprintf(l->action, sizeof(l->action), "%s", xf_scn_str(f, "action"));
	snprintf(l->target, sizeof(l->target), "%s", xf_scn_str(f, "target"));
	l->duration = xf_scn_int(f, "duration");
	if (!strcmp(l->target, "refuse")) {
		snprintf(err, len, "cannot do that");
		return -EINVAL;
	}
	return 0;
}

static int counter(void *opaque, const char *name, double *out)
{
	(void)opaque;
	if (strcmp(name, "inflight"))
		return -ENOENT;
	*out = 10;
	return 0;
}

START_TEST(hooks_run)
{
	struct xf_scn_ctx_ops ops = { .action = act, .counter = counter };
	struct act_log l = { 0 };
	char err[256];

	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"on_inflight(10, function(ctx)\n"
		"  if ctx:counter('inflight') == 10 then\n"
		"    ctx:stall_backend('d0', '5ms') end end, 'd0')\n"
		"on_flush(3, function(ctx) ctx:counter('nope') end)\n"
		"at('1s', function(ctx) ctx:power_cut('refuse') end)\n"
		"at(2, function(ctx) ctx:fault { action = 'zap' } end)\n"),
		0);
	ck_assert_uint_eq(scn->nhooks, 4);
	ck_assert_int_eq(scn->hooks[0].event, XF_SCN_HOOK_INFLIGHT);
	ck_assert_uint_eq(scn->hooks[0].n, 10);
	ck_assert_str_eq(scn->hooks[0].target, "d0");
	ck_assert_uint_eq(scn->hooks[2].n, 1000000000);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[0], &ops, &l, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(l.calls, 1);
	ck_assert_str_eq(l.action, "stall_backend");
	ck_assert_str_eq(l.target, "d0");
	ck_assert_int_eq(l.duration, 5000000);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[1], &ops, &l, err,
					 sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, "t.lua:9: ctx:counter: no counter named "
			       "'nope' (counters: power_cuts,", 56), "%s", err);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[2], &ops, &l, err,
					 sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.lua:10: cannot do that");
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[3], &ops, &l, err,
					 sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "t.lua:11: ctx:fault: action = \"zap\" is "
			     "not one of") == err, "%s", err);
}
END_TEST

struct print_log {
	int n;
	char last[128];
};

static void print_cb(void *opaque, const char *msg)
{
	struct print_log *pl = opaque;

	pl->n++;
	snprintf(pl->last, sizeof(pl->last), "%s", msg);
}

static int load_with_short_lived_opts(const struct xf_scn_param *ps,
				      size_t n, struct print_log *pl)
{
	/* The opts struct is gone before the hooks run, as the CLI's is;
	 * poisoned first so a use after free cannot pass by luck. */
	struct xf_scn_opts *o = calloc(1, sizeof(*o));
	int r;

	ck_assert_ptr_nonnull(o);
	*o = (struct xf_scn_opts){ .params = ps, .nparams = n,
				   .log = print_cb, .log_opaque = pl };
	r = load_opts(HEAD DISK JOB EXPECT
		      "at('1ms', function(ctx)\n"
		      "  print('depth', param('depth', 1))\n"
		      "end)\n", NULL, o);
	memset(o, 0, sizeof(*o));
	free(o);
	return r;
}

START_TEST(hooks_print_and_param_after_load)
{
	struct xf_scn_param p[] = { { "depth", "7" } };
	struct xf_scn_ctx_ops ops = { .action = act, .counter = counter };
	struct act_log l = { 0 };
	struct print_log pl = { 0 };
	char err[256];

	ck_assert_int_eq(load_with_short_lived_opts(p, 1, &pl), 0);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[0], &ops, &l, err,
					 sizeof(err)), 0);
	ck_assert_int_eq(pl.n, 1);
	ck_assert_str_eq(pl.last, "depth\t7");
}
END_TEST

START_TEST(runaway_code_is_bounded)
{
	struct xf_scn_ctx_ops ops = { .action = act, .counter = counter };
	struct act_log l = { 0 };
	char err[256];

	/* An endless loop ends in a located error, not a hang. */
	ck_assert_int_eq(load(HEAD "local n = 0\n"
			      "while true do n = n + 1 end\n"), -EINVAL);
	assert_diag("t.lua:4: scenario code ran for more than 200 million "
		    "Lua instructions (an endless loop?)");
	/* A runaway table hits the memory cap. */
	ck_assert_int_eq(load(HEAD "local t = {}\n"
			      "for i = 1, 1e9 do t[i] = string.rep('x', 4096) "
			      ".. i end\n"), -EINVAL);
	ck_assert_msg(strstr(diag.msg[diag.n - 1], "not enough memory"),
		      "%s", diag.msg[diag.n - 1]);
	/* A hook gets a fresh budget per call and the same treatment. */
	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"at('1s', function(ctx) while true do end end)\n"), 0);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[0], &ops, &l, err,
					 sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.lua:6: scenario code ran for more than 200 "
			 "million Lua instructions (an endless loop?)");
}
END_TEST

START_TEST(check_function)
{
	struct xf_scn_metric m[] = { { "iops", 1500 }, { "p99_us", 80 } };
	char msg[256];
	bool ok;

	ck_assert_int_eq(load(HEAD DISK JOB
		"expect { check = function(r)\n"
		"  return r.iops > 1000 and r.p99_us < 50, 'p99 too high' end }\n"),
		0);
	ck_assert_int_eq(xf_scn_run_check(scn, xf_scn_nth(scn, "expect", 0),
					  m, 2, NULL, 0, &ok, msg,
					  sizeof(msg)), 0);
	ck_assert(!ok);
	ck_assert_str_eq(msg, "p99 too high");
	m[1].value = 20;
	ck_assert_int_eq(xf_scn_run_check(scn, xf_scn_nth(scn, "expect", 0),
					  m, 2, NULL, 0, &ok, msg,
					  sizeof(msg)), 0);
	ck_assert(ok);
	/* r is strict: a field the run did not measure is an error that
	 * names it, and the nearest field when one is close. */
	ck_assert_int_eq(xf_scn_run_check(scn, xf_scn_nth(scn, "expect", 0),
					  m, 0, NULL, 0, &ok, msg,
					  sizeof(msg)),
			 -EINVAL);
	ck_assert_msg(!strncmp(msg, "t.lua:6: check(r): r.iops: no such field",
			       40), "%s", msg);
	m[0].name = "iopz";
	ck_assert_int_eq(xf_scn_run_check(scn, xf_scn_nth(scn, "expect", 0),
					  m, 2, NULL, 0, &ok, msg, sizeof(msg)),
			 -EINVAL);
	ck_assert_msg(strstr(msg, "r.iops: no such field (did you mean "
			     "r.iopz?"), "%s", msg);
}
END_TEST

/* ctx:restart_backend(d, delay): the delay is the restart's duration,
 * as stall_backend's second argument is (it was dropped). */
START_TEST(restart_backend_sugar_takes_the_delay)
{
	struct xf_scn_ctx_ops ops = { .action = act, .counter = counter };
	struct act_log l = { 0 };
	char err[256];

	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"at('1ms', function(ctx) ctx:restart_backend('d0', '5ms') end)\n"),
		0);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[0], &ops, &l, err,
					 sizeof(err)), 0);
	ck_assert_str_eq(l.action, "restart_backend");
	ck_assert_int_eq(l.duration, 5000000);
}
END_TEST

/* The mock netback has no crash, restart, stall or removal faults: a
 * vif target for them is refused at load, not when the fault fires. */
START_TEST(disk_only_faults_refuse_vifs)
{
	static const char *const disk_only[] = {
		"crash_backend", "restart_backend", "stall_backend",
		"resume_backend", "remove_device", "recreate_device",
	};
	char src[1024], want[160];

	for (size_t i = 0; i < sizeof(disk_only) / sizeof(*disk_only); i++) {
		snprintf(src, sizeof(src), HEAD DISK JOB EXPECT
			 "vif { name = 'v0', vm = 'vm0' }\n"
			 "fault { at = '1ms', action = '%s', target = 'v0' }\n",
			 disk_only[i]);
		xf_scn_diag_free(&diag);
		xf_scn_diag_init(&diag);
		ck_assert_int_eq(load(src), -EINVAL);
		snprintf(want, sizeof(want), "t.lua:7: fault: %s needs a disk "
			 "target, 'v0' is a vif", disk_only[i]);
		assert_diag(want);
	}
}
END_TEST

/* Map entries come in source order whatever Lua's table order is
 * (string hashes are seeded per state): the expectations they make
 * must be the same in every run. */
START_TEST(map_entries_in_source_order)
{
	static const char *const names[] = { "zz", "d0", "mm", "aa", "qq" };
	struct xf_scn_obj *const *it;
	size_t n;

	ck_assert_int_eq(load(HEAD
		"disk { name = 'zz', vm = 'vm0' }\n"
		"disk { name = 'd0', vm = 'vm0' }\n"
		"disk { name = 'mm', vm = 'vm0' }\n"
		"disk { name = 'aa', vm = 'vm0' }\n"
		"disk { name = 'qq', vm = 'vm0' }\n"
		"job { name = 'j', disk = 'd0' }\n"
		"expect { xenbus = {\n"
		"  zz = { frontend_final = 'Connected' },\n"
		"  d0 = { frontend_final = 'Connected' },\n"
		"  mm = { frontend_final = 'Connected' },\n"
		"  aa = { frontend_final = 'Connected' },\n"
		"  qq = { frontend_final = 'Connected' } } }\n"), 0);
	n = xf_scn_map(xf_scn_nth(scn, "expect", 0), "xenbus", &it);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(it[i]->name, names[i]);
}
END_TEST

/* A mistake in objects a loop builds is reported once, with a count,
 * not once per object; different mistakes on one line stay apart. */
START_TEST(loop_built_mistake_once)
{
	ck_assert_int_eq(load(HEAD
		"for i = 0, 3 do disk { name = 'd' .. i, vm = 'vm0', sise = 1 }"
		" end\n"
		"disk { name = 'x', vm = 'vm0', colour = 1, sise = 1 }\n"
		"job { name = 'j', disk = 'd0' }\n" EXPECT), -EINVAL);
	assert_diag("t.lua:3: disk 'd0': unknown key 'sise' (did you mean "
		    "'size'?) (and 3 more like it)");
	assert_diag("t.lua:4: disk 'x': unknown key 'colour'");
	assert_diag("t.lua:4: disk 'x': unknown key 'sise' (did you mean "
		    "'size'?)");
	ck_assert_uint_eq(diag.n, 3);
}
END_TEST

/* A misspelt ctx method is found at load, with its line, even in a
 * hook that never fires; one the scan cannot see (the argument has
 * another name) is a clear error when the hook runs. */
START_TEST(unknown_ctx_method)
{
	struct xf_scn_ctx_ops ops = { 0 };
	char err[2048];

	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"at('10ms', function(ctx)\n"
		"  ctx:power_cutt('d0') end)\n"
		"-- ctx:not_a_method in a comment is fine\n"), -EINVAL);
	ck_assert_uint_eq(diag.n, 1);
	ck_assert_msg(!strncmp(diag.msg[0], "t.lua:7: ctx:power_cutt: no such "
			       "method (did you mean 'power_cut'?; methods: "
			       "fault, counter, now, power_cut,", 95), "%s",
		      diag.msg[0]);
	ck_assert_int_eq(load(HEAD DISK JOB EXPECT
		"at('10ms', function(c)\n"
		"  c:close_frontnd('d0') end)\n"), 0);
	ck_assert_int_eq(xf_scn_run_hook(scn, &scn->hooks[0], &ops, NULL, err,
					 sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, "t.lua:7: ctx:close_frontnd: no such "
			       "method (did you mean 'close_frontend'?; "
			       "methods: fault,", 81), "%s", err);
}
END_TEST

START_TEST(value_parsers)
{
	int64_t v;

	ck_assert_int_eq(xf_scn_parse_size("4k", &v), 0);
	ck_assert_int_eq(v, 4096);
	ck_assert_int_eq(xf_scn_parse_size("1.5M", &v), 0);
	ck_assert_int_eq(v, 1572864);
	ck_assert_int_eq(xf_scn_parse_size("2GiB", &v), 0);
	ck_assert_int_eq(v, 2ll << 30);
	ck_assert_int_eq(xf_scn_parse_size("12x", &v), -EINVAL);
	ck_assert_int_eq(xf_scn_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(xf_scn_parse_duration("250us", &v), 0);
	ck_assert_int_eq(v, 250000);
	ck_assert_int_eq(xf_scn_parse_duration("1.5", &v), 0);
	ck_assert_int_eq(v, 1500000000);
	ck_assert_int_eq(xf_scn_parse_duration("2m", &v), 0);
	ck_assert_int_eq(v, 120000000000ll);
	ck_assert_int_eq(xf_scn_parse_duration("soon", &v), -EINVAL);
}
END_TEST

/* A scenario without a name takes its file's: a symlink runs a library
 * scenario under the link's name, with the library file's lines. */
START_TEST(name_from_file_and_links)
{
	static const char lib[] =
		"scenario { description = 'test' }\n"      /* 1 */
		"vm { name = 'vm0', vcpus = 4 }\n"         /* 2 */
		DISK JOB EXPECT;
	FILE *f;

	ck_assert_int_eq(mkdir("lib", 0755), 0);
	ck_assert_int_eq(mkdir("set", 0755), 0);
	f = fopen("lib/io-aborted.lua", "w");
	ck_assert_ptr_nonnull(f);
	fputs(lib, f);
	fclose(f);
	ck_assert_int_eq(symlink("../lib/io-aborted.lua", "set/io-errors.lua"),
			 0);
	ck_assert_int_eq(symlink("../lib/gone.lua", "set/gone.lua"), 0);

	ck_assert_int_eq(xf_scn_load("lib/io-aborted.lua", NULL, NULL, &scn,
				     &diag), 0);
	ck_assert_str_eq(scn->scenario->name, "io-aborted");
	ck_assert_str_eq(xf_scn_str(scn->scenario, "name"), "io-aborted");
	xf_scn_free(scn);
	scn = NULL;
	ck_assert_int_eq(xf_scn_load("set/io-errors.lua", NULL, NULL, &scn,
				     &diag), 0);
	ck_assert_str_eq(scn->path, "set/io-errors.lua");
	ck_assert_str_eq(scn->scenario->name, "io-errors");
	ck_assert_int_eq(xf_scn_line(xf_scn_nth(scn, "job", 0), "disk"), 4);
	xf_scn_free(scn);
	scn = NULL;
	ck_assert_int_eq(xf_scn_load("set/gone.lua", NULL, NULL, &scn, &diag),
			 -ENOENT);

	ck_assert_int_eq(load_opts("scenario { description = 'test' }\n"
				   "vm { name = 'vm0' }\n" DISK JOB EXPECT,
				   NULL, NULL), 0);
	ck_assert_str_eq(scn->scenario->name, "t");
	f = fopen("a b.lua", "w");
	ck_assert_ptr_nonnull(f);
	fputs(lib, f);
	fclose(f);
	xf_scn_free(scn);
	scn = NULL;
	ck_assert_int_eq(xf_scn_load("a b.lua", NULL, NULL, &scn, &diag),
			 -EINVAL);
	assert_diag("a b.lua:1: scenario: no name, and the file name 'a b' "
		    "cannot be one: names may use only letters, digits, '.', "
		    "'_' and '-' (add name = ...)");
	unlink("a b.lua");
	unlink("set/gone.lua");
	unlink("set/io-errors.lua");
	unlink("lib/io-aborted.lua");
	rmdir("set");
	rmdir("lib");
}
END_TEST

XT_SUITE("harness-scenario")
{
	TCase *tc = xt_tcase_fixture("load", setup, teardown, 30);

	tcase_add_test(tc, valid_defaults_and_units);
	tcase_add_test(tc, unknown_key_suggests);
	tcase_add_test(tc, blk_lenient_table);
	tcase_add_test(tc, blk_lenient_unknown_key);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, bad_enum);
	tcase_add_test(tc, disk_setup_refusals_at_load);
	tcase_add_test(tc, unknown_ctx_method);
	tcase_add_test(tc, loop_built_mistake_once);
	tcase_add_test(tc, map_entries_in_source_order);
	tcase_add_test(tc, disk_only_faults_refuse_vifs);
	tcase_add_test(tc, restart_backend_sugar_takes_the_delay);
	tcase_add_test(tc, missing_and_unresolved);
	tcase_add_test(tc, model_level_errors);
	tcase_add_test(tc, job_fits_disk);
	tcase_add_test(tc, faults_and_hooks);
	tcase_add_test(tc, hooks_print_and_param_after_load);
	tcase_add_test(tc, lua_errors_have_lines);
	tcase_add_test(tc, variants_and_pick);
	tcase_add_test(tc, params);
	tcase_add_test(tc, hooks_run);
	tcase_add_test(tc, check_function);
	tcase_add_test(tc, runaway_code_is_bounded);
	tcase_add_test(tc, value_parsers);
	tcase_add_test(tc, name_from_file_and_links);
}
