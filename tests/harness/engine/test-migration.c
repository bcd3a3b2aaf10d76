// SPDX-License-Identifier: MIT
/*
 * The engine's live-migration model, run in sim mode (virtual time, so
 * every figure is exact and repeatable): pre-copy rounds and their
 * duration from memory, dirty rate and the slower link; the pause only
 * covering stop-and-copy; one migration per host at a time, first come
 * first served; in-flight I/O re-issued exactly once; a vif moved to a
 * host without GSO stops using it; bad migrate requests. And how a
 * disk's reconnect is measured (suite harness-reconnect): a resume,
 * after a migration or in place, and a backend restart, each to the
 * first I/O completed after it; "never" when nothing completed; the
 * toolstack's unplug failing the I/O at once with a stated reason.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

#define PAGE 4096u
#define STOP_BYTES (50u * PAGE)

XT_SCN_RUN_FIXTURE("xf-mig")
static char err[1024];


/* Loads and runs src in sim mode; the run must succeed. */
static void run(const char *src)
{
	xt_scn_run(&fx, src, &res);
}

static uint64_t ctr(const char *name)
{
	return xt_scn_ctr(res, NULL, name);
}

static bool has_diag(const char *want)
{
	for (size_t i = 0; i < diag.n; i++)
		if (strstr(diag.msg[i], want))
			return true;
	return false;
}

/* libxl's default precopy policy over a constant dirty rate, without
 * I/O: what the engine must reproduce to the nanosecond. */
struct model {
	unsigned int rounds;
	uint64_t total_ns, down_ns, bytes, final;
};

static uint64_t pages_up(uint64_t b)
{
	return (b + PAGE - 1) / PAGE * PAGE;
}

static uint64_t xfer(uint64_t bytes, double gbps)
{
	return (uint64_t)ceil((double)bytes * 8.0 / gbps);
}

static void model(uint64_t mem, double rate, double gbps,
		  unsigned int max_rounds, uint64_t sw_ns, struct model *m)
{
	uint64_t send = pages_up(mem), t = 0, dirty;

	memset(m, 0, sizeof(*m));
	for (;;) {
		uint64_t ns = xfer(send, gbps);

		t += ns;
		m->bytes += send;
		m->rounds++;
		dirty = pages_up((uint64_t)(rate * (double)ns / 1e9));
		if (dirty > pages_up(mem))
			dirty = pages_up(mem);
		if (dirty < STOP_BYTES || m->rounds >= max_rounds)
			break;
		send = dirty;
	}
	m->final = dirty;
	m->bytes += dirty;
	m->down_ns = xfer(dirty, gbps) + sw_ns;
	m->total_ns = t + m->down_ns;
}

/* Runs a scenario of duration dur: hosts src and dst (with their extra
 * keys), then body. */
static void two_host_run(const char *dur, const char *src_keys,
			 const char *dst_keys, const char *body)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "scenario { name = 'm', description = 'x', duration = '%s' }\n"
		 "host { name = 'src'%s }\n"
		 "host { name = 'dst'%s }\n"
		 "%s", dur, src_keys, dst_keys, body);
	run(buf);
}

/* A migrate fault for vm1 (one line). */
#define MIG(at, to) "fault { at = " at ", action = 'migrate', " \
	"target = 'vm1', to = '" to "' }\n"

/* The same with moves (faults or hooks, migrating vm1), and expect. */
static void migrate_run(const char *dur, const char *src_keys,
			const char *dst_keys, const char *body,
			const char *moves, const char *expect)
{
	char buf[3072];

	snprintf(buf, sizeof(buf), "%s%sexpect { %s }\n", body, moves,
		 expect);
	two_host_run(dur, src_keys, dst_keys, buf);
}

/* vm1 on src (vm_keys) with a 16 MiB disk d1 and a job on it (job_keys),
 * moved by moves over 20 ms without an I/O error. */
static void vm1_run(const char *vm_keys, const char *src_keys,
		    const char *dst_keys, const char *job_keys,
		    const char *moves)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "vm { name = 'vm1', host = 'src'%s }\n"
		 "disk { name = 'd1', vm = 'vm1', size = '16M' }\n"
		 "job { name = 'j', disk = 'd1'%s }\n", vm_keys, job_keys);
	migrate_run("20ms", src_keys, dst_keys, body, moves, "io_errors = 0");
}

/* One VM writing (writes do not dirty guest memory: the backend reads
 * it), migrating at 10 ms. */
static void one_vm(const char *vm_keys, const char *src_keys,
		   const char *dst_keys)
{
	vm1_run(vm_keys, src_keys, dst_keys, ", rw = 'write', iodepth = 2",
		MIG("'10ms'", "dst"));
}

START_TEST(duration_follows_memory_and_link)
{
	struct model m;

	/* 8 Gbit/s moves one byte per ns. Round 0: 64 MiB in 67108864 ns,
	 * 64 MiB/s dirties 4503599 bytes = 1100 pages; round 1: 4505600
	 * ns, 74 pages; round 2: 303104 ns, 5 pages, under the 50-page
	 * threshold: paused, 20480 bytes, plus 1 ms of switch-over. */
	one_vm(", memory = '64M', dirty_rate = '64M'", ", link_gbps = 8",
	       ", link_gbps = 8");
	ck_assert_uint_eq(ctr("vm1.migrations"), 1);
	ck_assert_uint_eq(ctr("vm1.migrations_pending"), 0);
	ck_assert_uint_eq(ctr("vm1.precopy_rounds"), 3);
	ck_assert_uint_eq(ctr("vm1.stopcopy_bytes"), 20480);
	ck_assert_uint_eq(ctr("vm1.migration_bytes"),
			  67108864 + 4505600 + 303104 + 20480);
	ck_assert_uint_eq(ctr("vm1.downtime_us"), (20480 + 1000000) / 1000);
	ck_assert_uint_eq(ctr("vm1.migration_us"),
			  (67108864 + 4505600 + 303104 + 20480 + 1000000) /
			  1000);
	ck_assert_uint_eq(ctr("vm1.migration_start_us"), 10000);
	ck_assert_uint_eq(ctr("vm1.migration_wait_us"), 0);
	/* The same through the reference model. */
	model(64 << 20, 64 << 20, 8, 5, 1000000, &m);
	ck_assert_uint_eq(m.rounds, 3);
	ck_assert_uint_eq(ctr("vm1.migration_us"), m.total_ns / 1000);
	/* The disk now lives on dst: it reconnected there. */
	ck_assert_uint_eq(ctr("d1.connects"), 2);
}
END_TEST

START_TEST(slower_end_sets_the_link)
{
	struct model m;

	one_vm(", memory = '32M', dirty_rate = '8M', switchover = '2ms'",
	       ", link_gbps = 1", ", link_gbps = 40");
	model(32 << 20, 8 << 20, 1, 5, 2000000, &m);
	ck_assert_uint_eq(ctr("vm1.precopy_rounds"), m.rounds);
	ck_assert_uint_eq(ctr("vm1.migration_us"), m.total_ns / 1000);
	ck_assert_uint_eq(ctr("vm1.downtime_us"), m.down_ns / 1000);
	ck_assert_uint_eq(ctr("vm1.migration_bytes"), m.bytes);
	/* 32 MiB over 1 Gbit/s alone takes 268 ms. */
	ck_assert_uint_ge(ctr("vm1.migration_us"), 268435);
}
END_TEST

START_TEST(no_convergence_stops_at_max_rounds)
{
	struct model m;

	/* Dirtying faster than the link: every round re-sends all of the
	 * memory; the policy gives up after its rounds and the pause
	 * carries all of it. */
	one_vm(", memory = '16M', dirty_rate = '2G'", ", link_gbps = 8",
	       ", link_gbps = 8");
	ck_assert_uint_eq(ctr("vm1.precopy_rounds"), 5);
	ck_assert_uint_eq(ctr("vm1.stopcopy_bytes"), 16 << 20);
	model(16 << 20, 2.0 * (1 << 30), 8, 5, 1000000, &m);
	ck_assert_uint_eq(ctr("vm1.downtime_us"), m.down_ns / 1000);
	ck_assert_uint_eq(ctr("vm1.migration_us"), m.total_ns / 1000);
	one_vm(", memory = '16M', dirty_rate = '2G', precopy_max_rounds = 2",
	       ", link_gbps = 8", ", link_gbps = 8");
	ck_assert_uint_eq(ctr("vm1.precopy_rounds"), 2);
}
END_TEST

START_TEST(disk_reads_dirty_memory)
{
	struct model m;

	/* Same VM, but reading: every read lands in guest pages, so the
	 * rounds after the first carry more than the dirty rate alone. */
	migrate_run("100ms", ", link_gbps = 8", ", link_gbps = 8",
		    "vm { name = 'vm1', host = 'src', memory = '64M',"
		    " dirty_rate = '64M' }\n"
		    "disk { name = 'd1', vm = 'vm1', size = '16M',"
		    " model = { latency_us = 100 } }\n"
		    "job { name = 'j', disk = 'd1', rw = 'randread', bs = '64k',"
		    " iodepth = 4 }\n", MIG("'10ms'", "dst"), "io_errors = 0");
	model(64 << 20, 64 << 20, 8, 5, 1000000, &m);
	ck_assert_uint_gt(ctr("vm1.migration_bytes"), m.bytes);
	ck_assert_uint_gt(ctr("vm1.migration_us"), m.total_ns / 1000);
}
END_TEST

START_TEST(pause_is_stop_and_copy_only)
{
	uint64_t down, pause = 0;

	/* I/O keeps going during pre-copy; it stops only while the VM is
	 * paused: the longest gap is the downtime plus the re-issued
	 * requests' service time, far from the migration's length. */
	migrate_run("150ms", "", "",
		    "vm { name = 'vm1', host = 'src', memory = '64M',"
		    " switchover = '3ms' }\n"
		    "disk { name = 'd1', vm = 'vm1', size = '16M',"
		    " model = { latency_us = 100 } }\n"
		    "job { name = 'j', disk = 'd1', rw = 'randrw', iodepth = 2 }\n",
		    MIG("'20ms'", "dst"), "io_errors = 0");
	down = ctr("vm1.downtime_us") * 1000;
	for (size_t i = 0; i < res->njobs; i++)
		if (res->jobs[i].max_pause_ns > pause)
			pause = res->jobs[i].max_pause_ns;
	ck_assert_uint_ge(down, 3000000);
	ck_assert_uint_ge(pause, down);
	ck_assert_uint_le(pause, down + 1000000);
	ck_assert_uint_gt(ctr("vm1.migration_us") * 1000, 10 * pause);
	ck_assert_uint_eq(res->jobs[0].hangs, 0);
}
END_TEST

START_TEST(busy_host_waits_in_order)
{
	const char *src =
		"scenario { name = 'm', description = 'x', duration = '20ms' }\n"
		"for _, h in ipairs({ 'a', 'b', 'c', 'dst', 'x', 'z' }) do\n"
		"  host { name = h } end\n"
		"local from = { 'a', 'b', 'c', 'b' }\n"
		"local to = { 'dst', 'dst', 'x', 'z' }\n"
		"for i = 1, 4 do\n"
		"  vm { name = 'vm' .. i, host = from[i], memory = '16M' }\n"
		"  disk { name = 'd' .. i, vm = 'vm' .. i, size = '16M' }\n"
		"  job { name = 'j' .. i, disk = 'd' .. i, rw = 'write' }\n"
		"  fault { at = '5ms', action = 'migrate', target = 'vm' .. i,\n"
		"          to = to[i] }\n"
		"end\n"
		"expect { io_errors = 0 }\n";

	run(src);
	/* vm1 a->dst starts at once; vm2 b->dst waits for dst and starts
	 * the moment vm1 ends; vm3 c->x shares nothing and starts at once;
	 * vm4 b->z could start (b and z are free) but vm2 asked for b
	 * first: it waits for vm2 to end. */
	ck_assert_uint_eq(ctr("vm1.migration_start_us"), 5000);
	ck_assert_uint_eq(ctr("vm1.migration_wait_us"), 0);
	ck_assert_uint_eq(ctr("vm2.migration_start_us"),
			  ctr("vm1.migration_end_us"));
	ck_assert_uint_eq(ctr("vm2.migration_wait_us"),
			  ctr("vm1.migration_us"));
	ck_assert_uint_eq(ctr("vm3.migration_wait_us"), 0);
	ck_assert_uint_eq(ctr("vm3.migration_start_us"), 5000);
	ck_assert_uint_eq(ctr("vm4.migration_start_us"),
			  ctr("vm2.migration_end_us"));
	for (int i = 1; i <= 4; i++) {
		char k[64];

		snprintf(k, sizeof(k), "vm%d.migrations", i);
		ck_assert_uint_eq(ctr(k), 1);
		snprintf(k, sizeof(k), "d%d.connects", i);
		ck_assert_uint_eq(ctr(k), 2);
	}
}
END_TEST

START_TEST(same_vm_twice_and_back)
{
	/* A VM asked to move twice: the second request waits for the
	 * first (and its reconnect) and starts from where it went. */
	vm1_run(", memory = '8M'", "", "", ", rw = 'randrw', verify = true",
		MIG("'5ms'", "dst") MIG("'6ms'", "src"));
	ck_assert_uint_eq(ctr("vm1.migrations"), 2);
	ck_assert_uint_eq(ctr("d1.connects"), 3);
	ck_assert_uint_gt(ctr("vm1.migration_wait_us"), 0);
	ck_assert_uint_eq(res->jobs[0].verify_errors, 0);
	ck_assert_uint_eq(res->jobs[0].double_completions, 0);
}
END_TEST

START_TEST(reissue_exactly_once)
{
	/* Verified 64 KiB I/O in flight at the pause, resumed against a
	 * backend with 8 indirect segments and one queue: re-issued (and
	 * re-split), each completes once, data intact. */
	migrate_run("120ms", "",
		    ", blk = { persistent_grants = false,"
		    " indirect_segments = 8, queues = 1 }",
		    "vm { name = 'vm1', host = 'src', vcpus = 2,"
		    " completion = 'driver', memory = '32M' }\n"
		    "disk { name = 'd1', vm = 'vm1', size = '32M',"
		    " backend = { queues = 2, indirect_segments = 32 },"
		    " model = { latency_us = 1000 } }\n"
		    "job { name = 'j', disk = 'd1', rw = 'randrw', bs = '64k',"
		    " iodepth = 8, verify = true }\n", MIG("'10ms'", "dst"),
		    "io_errors = 0");
	ck_assert_uint_gt(ctr("d1.reissued"), 0);
	ck_assert_uint_eq(ctr("d1.queues"), 1);
	ck_assert_uint_eq(ctr("d1.connects"), 2);
	for (size_t i = 0; i < res->njobs; i++) {
		ck_assert_uint_eq(res->jobs[i].double_completions, 0);
		ck_assert_uint_eq(res->jobs[i].verify_errors, 0);
		ck_assert_uint_eq(res->jobs[i].hangs, 0);
		ck_assert_uint_eq(res->jobs[i].rd.errors +
				  res->jobs[i].wr.errors, 0);
	}
	ck_assert(res->pass);
}
END_TEST

static void vif_run(bool gso)
{
	migrate_run("60ms", "", gso ?
		    ", net = { gso_tcpv4 = true, gso_tcpv6 = true }" :
		    ", net = { gso_tcpv4 = false, gso_tcpv6 = false }",
		    "vm { name = 'vm1', host = 'src', memory = '16M' }\n"
		    "vm { name = 'vm2', host = 'src', memory = '16M' }\n"
		    "vif { name = 'vif1', vm = 'vm1' }\n"
		    "vif { name = 'vif2', vm = 'vm2' }\n"
		    "flow { name = 'f', from = 'vif1', to = 'vif2',"
		    " msg_size = '60k', rate = '200M' }\n",
		    MIG("'10ms'", "dst"), "bad_checksums = 0");
	ck_assert_uint_eq(ctr("vm1.migrations"), 1);
	ck_assert_uint_eq(ctr("vif1.moves"), 1);
	ck_assert_uint_eq(ctr("vif1.connects"), 2);
	ck_assert_uint_gt(ctr("vif1.last_backend.tx_frames"), 0);
	ck_assert_uint_eq(ctr("vif2.rx.bad_csum"), 0);
	ck_assert_uint_eq(ctr("vif2.rx.validated_but_bad"), 0);
	ck_assert_uint_eq(ctr("vif2.rx.bad_seg"), 0);
	ck_assert_uint_eq(ctr("f.tx.never_completed"), 0);
	ck_assert_uint_eq(ctr("f.tx.dup_completions"), 0);
	ck_assert_uint_eq(ctr("f.tx.ok"), ctr("f.tx.sent"));
	ck_assert_uint_eq(ctr("f.rx.contiguous"), ctr("f.tx.bytes"));
	/* GSO was in use before the move either way. */
	ck_assert_uint_gt(ctr("vif1.backend.tx_gso_frames"),
			  ctr("vif1.last_backend.tx_gso_frames"));
}

START_TEST(vif_offload_off_on_no_gso_host)
{
	vif_run(false);
	ck_assert_uint_eq(ctr("vif1.feature.gso_tcpv4"), 0);
	ck_assert_uint_eq(ctr("vif1.feature.gso_tcpv6"), 0);
	ck_assert_uint_eq(ctr("vif1.last_backend.tx_gso_frames"), 0);
	ck_assert_uint_gt(ctr("vif1.tx.sw_gso"), 0);
	/* Checksum offload is still offered there, and still used. */
	ck_assert_uint_eq(ctr("vif1.feature.csum"), 1);
}
END_TEST

START_TEST(vif_offload_kept_on_gso_host)
{
	vif_run(true);
	ck_assert_uint_eq(ctr("vif1.feature.gso_tcpv4"), 1);
	ck_assert_uint_gt(ctr("vif1.last_backend.tx_gso_frames"), 0);
	ck_assert_uint_eq(ctr("vif1.tx.sw_gso"), 0);
}
END_TEST

START_TEST(deterministic)
{
	uint64_t h, us;

	one_vm(", memory = '8M'", "", "");
	h = res->trace_hash;
	us = ctr("vm1.migration_us");
	one_vm(", memory = '8M'", "", "");
	ck_assert_uint_eq(res->trace_hash, h);
	ck_assert_uint_eq(ctr("vm1.migration_us"), us);
}
END_TEST

#define BAD_HEAD \
	"scenario { name = 'm', description = 'x' }\n"          /* 1 */ \
	"host { name = 'src' }\n"                                /* 2 */ \
	"host { name = 'dst' }\n"                                /* 3 */ \
	"vm { name = 'vm1', host = 'src' }\n"                    /* 4 */ \
	"disk { name = 'd1', vm = 'vm1' }\n"                     /* 5 */ \
	"job { name = 'j', disk = 'd1' }\n"                      /* 6 */ \
	"expect { io_errors = 0 }\n"                             /* 7 */

START_TEST(bad_input)
{
	ck_assert_int_eq(load(BAD_HEAD
		"fault { at = 1, action = 'migrate', target = 'vm1',\n"
		"  to = 'src' }\n"), -EINVAL);
	ck_assert(has_diag("t.lua:9: fault: migrate: vm 'vm1' is already on "
			   "host 'src' (to = \"src\")"));
	ck_assert_int_eq(load(BAD_HEAD
		MIG("1", "dst") MIG("2", "dst")),
		-EINVAL);
	ck_assert(has_diag("t.lua:9: fault: migrate: vm 'vm1' is on host 'dst' "
			   "by then (the migration at line 8 takes it there)"));
	/* Timeline order, not file order: this one runs first. */
	ck_assert_int_eq(load(BAD_HEAD
		MIG("2", "src") MIG("1", "dst")),
		0);
	ck_assert_int_eq(load(BAD_HEAD
		MIG("1", "mars")),
		-EINVAL);
	ck_assert(has_diag("t.lua:8: fault: to = \"mars\": no host named "
			   "'mars' (declared: src, dst)"));
	ck_assert_int_eq(load(BAD_HEAD
		"vm { name = 'vm2', memory = '512k', dirty_rate = -5,\n"
		"  precopy_max_rounds = 0 }\n"
		"host { name = 'h', link_gbps = 0 }\n"), -EINVAL);
	ck_assert(has_diag("t.lua:8: vm 'vm2': memory = \"512k\" is out of "
			   "range"));
	ck_assert(has_diag("t.lua:8: vm 'vm2': dirty_rate = -5 is out of "
			   "range"));
	ck_assert(has_diag("t.lua:9: vm 'vm2': precopy_max_rounds = 0 is out "
			   "of range"));
	ck_assert(has_diag("t.lua:10: host 'h': link_gbps = 0 is out of "
			   "range"));
	ck_assert_int_eq(load(BAD_HEAD
		"host { name = 'h2', net = { gso = false } }\n"), -EINVAL);
	ck_assert(has_diag("t.lua:8: host 'h2': net: unknown key 'gso'"));
}
END_TEST

START_TEST(bad_runtime_request)
{
	struct xf_engine_opts o = { .mode = "sim" };

	/* A hook can only be judged when it runs. */
	ck_assert_int_eq(load(BAD_HEAD
		"at('1ms', function(ctx) ctx:migrate('vm1', 'src') end)\n"), 0);
	ck_assert_int_eq(xf_engine_run(scn, &o, &res, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "t.lua:8:") == err &&
		      strstr(err, "vm 'vm1' is already on host 'src'"),
		      "%s", err);
}
END_TEST

START_TEST(hook_migrates)
{
	/* The same model from a hook, at an exact point of the I/O. */
	vm1_run(", memory = '8M'", "", "", ", rw = 'write'",
		"on_write(100, function(ctx) ctx:migrate('vm1', 'dst') end)\n");
	ck_assert_uint_eq(ctr("vm1.migrations"), 1);
	ck_assert_uint_gt(ctr("vm1.migration_start_us"), 0);
	ck_assert_uint_eq(ctr("d1.connects"), 2);
}
END_TEST

/* One VM, one 16 MiB disk with 1 ms requests, randread iodepth 4 over
 * 200 ms, and what the caller adds (faults, hooks, disk keys). */
static void disk_run(const char *disk_keys, const char *rest)
{
	xt_scn_runf(&fx, &res,
		 "scenario { name = 'rc', description = 'd', duration = '200ms',"
		 " timeout = '2s' }\n"
		 "vm { name = 'vm0' }\n"
		 "disk { name = 'd0', vm = 'vm0', size = '16M',"
		 " model = { latency_us = 1000 }%s }\n"
		 "job { name = 'rr', disk = 'd0', rw = 'randread', iodepth = 4 }\n"
		 "%s", disk_keys, rest);
}

static const struct xf_expect_result *expect_line(const char *what)
{
	for (size_t i = 0; i < res->nexpects; i++)
		if (strstr(res->expects[i].what, what))
			return &res->expects[i];
	return NULL;
}

/* Each reconnect measured to the first completion after Connected:
 * resumed in place with the backend still Connected (the frontend
 * closes first; the resume is a reconnect: one 1 ms request); a
 * backend restart (5 ms away plus one request, not just to Connected);
 * a disconnection at run time 0 (0 is a time, not "none": 20 ms away
 * plus one request). */
static const struct {
	const char *what;
	uint64_t reconnect_ns;
} measured[] = {
	{ "at('50ms', function(ctx) ctx:suspend('vm0') end)\n"
	  "at('60ms', function(ctx) ctx:resume('vm0') end)\n", 1000000 },
	{ "fault { at = '50ms', action = 'restart_backend', target = 'd0',"
	  " duration = '5ms' }\n", 6000000 },
	{ "on_inflight(4, function(ctx) ctx:remove_device('d0', '20ms') end)\n",
	  21000000 },
};

START_TEST(reconnect_to_first_completion)
{
	char rest[512];

	snprintf(rest, sizeof(rest), "%sexpect { io_errors = 0, hangs = 0 }\n",
		 measured[_i].what);
	disk_run("", rest);
	ck_assert_uint_eq(ctr("d0.connects"), 2);
	ck_assert_uint_eq(ctr("reconnects_never_completed"), 0);
	ck_assert_uint_eq(ctr("reconnect_max_ns"), measured[_i].reconnect_ns);
	ck_assert(res->pass);
}
END_TEST

/* The backend comes back and stalls before answering what was re-issued:
 * nothing completes after the reconnect. The reconnect never completed:
 * no time (UINT64_MAX, null in JSON), counted, and the block that bounds
 * hung I/O fails on it with a line of its own. */
START_TEST(reconnect_never_completed)
{
	const struct xf_expect_result *x;

	disk_run("", "fault { at = '50ms', action = 'restart_backend',"
		 " target = 'd0', duration = '5ms' }\n"
		 "fault { at = '55500us', action = 'stall_backend',"
		 " target = 'd0' }\n"
		 "expect { hangs = 4 }\n"
		 "expect { reconnect_max_ms = 1000 }\n");
	ck_assert_uint_eq(ctr("d0.connects"), 2);
	ck_assert_uint_eq(ctr("reconnects_never_completed"), 1);
	ck_assert_uint_eq(ctr("reconnect_max_ns"), UINT64_MAX);
	x = expect_line("reconnects never completed <= 0");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->pass);
	ck_assert_str_eq(x->measured, "1");
	x = expect_line("reconnect ms <= 1000");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->pass);
	ck_assert_str_eq(x->measured, "never");
	ck_assert(!res->pass);
}
END_TEST

/* A frontend that gave up (connect timeout after a crash) failed its
 * I/O with -ENODEV: not a hang, not "never". */
START_TEST(gave_up_is_not_never)
{
	disk_run(", connect_timeout = '20ms'",
		 "fault { at = '50ms', action = 'crash_backend',"
		 " target = 'd0' }\n"
		 "expect { hangs = 0, io_errors_min = 1 }\n");
	ck_assert_uint_eq(ctr("d0.timeouts"), 1);
	ck_assert_uint_eq(ctr("reconnects_never_completed"), 0);
	ck_assert_uint_eq(ctr("reconnect_max_ns"), 0);
	ck_assert(res->pass);
}
END_TEST

/* The toolstack's detach (online = 0, Closing): the I/O in flight fails
 * at once, with the reason in the results, and no connect timeout runs
 * (the default 30 s would hold it). */
START_TEST(unplug_fails_at_once)
{
	disk_run("", "fault { at = '50ms', action = 'unplug', target = 'd0' }\n"
		 "expect { hangs = 0, io_errors_min = 1 }\n");
	ck_assert_uint_eq(ctr("d0.timeouts"), 0);
	ck_assert_uint_eq(res->jobs[0].rd.errors, 4);
	ck_assert_uint_le(res->elapsed_ns, 51000000);
	ck_assert_uint_eq(ctr("reconnects_never_completed"), 0);
	ck_assert_uint_eq(res->nnotes, 1);
	ck_assert_str_eq(res->notes[0].device, "d0");
	ck_assert_str_eq(res->notes[0].state, "unplugged");
	ck_assert_msg(strstr(res->notes[0].reason, "unplugged by the toolstack"
			     ": /local/domain/100/backend/vbd/") &&
		      strstr(res->notes[0].reason, "online = 0, backend state "
			     "Closing"), "reason: %s", res->notes[0].reason);
	ck_assert(res->pass);
}
END_TEST

XT_SUITE("harness-reconnect")
{
	TCase *t = xt_tcase_fixture("reconnect", setup, teardown, 60);

	tcase_add_loop_test(t, reconnect_to_first_completion, 0,
			    (int)(sizeof(measured) / sizeof(measured[0])));
	tcase_add_test(t, reconnect_never_completed);
	tcase_add_test(t, gave_up_is_not_never);
	tcase_add_test(t, unplug_fails_at_once);
}

/* A destination host's blk.hostile makes the backend the disk migrates
 * to hostile: the source answers well, the destination breaks the
 * protocol after 5 good answers; the disk ends in its error state, every
 * I/O ended once, nothing leaked. _i = 1: a host without the key; the
 * disk's own mode goes along and counts afresh: 4000 good answers are
 * more than the source gives until the switch (40,000 IOPS until about
 * 80 ms: some 3200) and fewer than the destination gives in the rest
 * (some 4700), so only the destination's own count reaches them. */
START_TEST(hostile_destination)
{
	char src[1024];

	snprintf(src, sizeof(src),
		 "scenario { name = 'x', description = 'test',"
		 " duration = '200ms' }\n"
		 "host { name = 'src' }\n"
		 "host { name = 'dst'%s }\n"
		 "vm { name = 'vm1', host = 'src', vcpus = 2,"
		 " memory = '32M' }\n"
		 "disk { name = 'd1', vm = 'vm1', size = '64M',"
		 " model = { latency_us = 100 },"
		 " backend = { hostile = 'unknown-status',"
		 " hostile_after = %s } }\n"
		 "job { name = 'io', disk = 'd1', rw = 'randrw', bs = '4k',"
		 " iodepth = 4 }\n"
		 "fault { at = '50ms', action = 'migrate', target = 'vm1',"
		 " to = 'dst' }\n"
		 "expect { hangs = 0, double_completions = 0, leaks = 0 }\n",
		 _i ? "" : ", blk = { hostile = 'wrong-op', hostile_after = 5 }",
		 _i ? "4000" : "1000000");
	run(src);
	ck_assert_uint_eq(ctr("vm1.migrations"), 1);
	ck_assert_uint_eq(ctr("d1.protocol_errors"), 1);
	ck_assert_uint_eq(ctr("d1.backend.hostile_acts"), 1);
	ck_assert_uint_eq(res->nnotes, 1);
	ck_assert_str_eq(res->notes[0].state, "error");
	ck_assert_msg(strstr(res->notes[0].reason,
			     _i ? "unknown response status"
				: "response operation does not match"),
		      "note: %s", res->notes[0].reason);
}
END_TEST

XT_SUITE("harness-migration")
{
	TCase *t = xt_tcase_fixture("model", setup, teardown, 60);

	tcase_add_test(t, duration_follows_memory_and_link);
	tcase_add_test(t, slower_end_sets_the_link);
	tcase_add_test(t, no_convergence_stops_at_max_rounds);
	tcase_add_test(t, disk_reads_dirty_memory);
	tcase_add_test(t, pause_is_stop_and_copy_only);
	tcase_add_test(t, busy_host_waits_in_order);
	tcase_add_test(t, same_vm_twice_and_back);
	tcase_add_test(t, reissue_exactly_once);
	tcase_add_test(t, vif_offload_off_on_no_gso_host);
	tcase_add_test(t, vif_offload_kept_on_gso_host);
	tcase_add_test(t, deterministic);
	tcase_add_test(t, bad_input);
	tcase_add_test(t, bad_runtime_request);
	tcase_add_test(t, hook_migrates);
	tcase_add_loop_test(t, hostile_destination, 0, 2);
}
