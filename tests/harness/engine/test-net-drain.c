// SPDX-License-Identifier: MIT
/*
 * The drain rule of network runs, in sim mode (virtual time: exact and
 * repeatable). A run ends when every payload byte a flow's backend
 * accepted has arrived at the receiver (good or bad), or is shown lost
 * on the way (a probe, or a later frame, got through behind it), never
 * on a timer; what neither arrived nor is shown lost when the deadline
 * cuts the run is reported as in flight. Nothing goes missing silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-drain")

/* Loads and runs src in sim mode; the run must succeed. */
static void run(const char *src)
{
	xt_scn_run(&fx, src, &res);
}

static uint64_t ctr(const char *flow, const char *name)
{
	return xt_scn_ctr(res, flow, name);
}

/* The expectation line whose label starts with what, or NULL. */
static const struct xf_expect_result *expect_line(const char *what)
{
	for (size_t i = 0; i < res->nexpects; i++)
		if (!strncmp(res->expects[i].what, what, strlen(what)))
			return &res->expects[i];
	return NULL;
}

/* Every accepted byte either arrived or is lost (drained) or in flight
 * (cut off), exactly one of them, and every frame completed once. */
static void assert_accounted(const char *f)
{
	uint64_t sent = ctr(f, "net.sent_bytes");

	ck_assert_uint_gt(ctr(f, "tx.sent"), 0);
	ck_assert_uint_eq(ctr(f, "tx.never_completed"), 0);
	ck_assert_uint_eq(ctr(f, "tx.dup_completions"), 0);
	ck_assert_uint_eq(ctr(f, "tx.unknown_completions"), 0);
	ck_assert_uint_eq(ctr(f, "tx.ok"), ctr(f, "tx.sent"));
	ck_assert_uint_eq(sent, ctr(f, "tx.bytes"));
	ck_assert_uint_eq(ctr(f, "net.arrived_bytes") +
			  ctr(f, "net.lost_bytes") +
			  ctr(f, "net.in_flight_bytes"), sent);
	ck_assert_uint_eq(ctr(f, "net.unexplained_bytes"), 0);
	if (ctr(f, "net.drained"))
		ck_assert_uint_eq(ctr(f, "net.in_flight_bytes"), 0);
	else
		ck_assert_uint_eq(ctr(f, "net.lost_bytes"), 0);
}

/* Sender and receiver share one vCPU, the sender in 64-frame bursts:
 * the receiver lags far behind the last completion. The run waits for
 * it: every byte arrives. (With a fixed 5 ms drain, half of the TCP
 * stream was still on the way when the receivers were read.) */
static const char slow_receiver[] =
	"scenario { name = 'slow', description = 'x', duration = '1s' }\n"
	"vm { name = 'vm1' }\n"
	"vif { name = 'vif1', vm = 'vm1' }\n"
	"vif { name = 'vif2', vm = 'vm1' }\n"
	"flow { name = 'u', from = 'vif1', to = 'vif2', proto = 'udp',"
	" msg_size = '1k', bytes = '4M' }\n"
	"flow { name = 't', from = 'vif1', to = 'vif2', proto = 'tcp',"
	" msg_size = '60k', bytes = '16M' }\n"
	"expect { bad_checksums = 0 }\n";

START_TEST(slow_receiver_drained)
{
	run(slow_receiver);
	assert_accounted("t");
	assert_accounted("u");
	ck_assert_uint_eq(ctr("t", "net.drained"), 1);
	ck_assert_uint_eq(ctr("u", "net.drained"), 1);
	ck_assert_uint_eq(ctr("t", "tx.bytes"), 16u << 20);
	ck_assert_uint_eq(ctr("t", "net.arrived_bytes"), 16u << 20);
	ck_assert_uint_eq(ctr("t", "rx.contiguous"), 16u << 20);
	/* UDP has no window: what a full backlog dropped is counted. */
	ck_assert_uint_eq(ctr("u", "tx.bytes"), 4u << 20);
	if (ctr("u", "net.lost_bytes"))
		ck_assert_uint_gt(ctr("u", "net.path_drops"), 0);
	/* Ended on the drain, not on the 1 s runtime or the deadline. */
	ck_assert_uint_lt(res->elapsed_ns, 1000000000ull);
	ck_assert(res->pass);
}
END_TEST

/* vm2 migrates with a 20 ms switch-over while both flows still send and
 * end: the tail of each flow goes to a vif without a backend and is
 * lost, so no later frame can show it. Probes do, once vif2 is back. */
static const char lost_tail[] =
	"scenario { name = 'tail', description = 'x', duration = '30ms',"
	" timeout = '1s' }\n"
	"host { name = 'a' }\n"
	"host { name = 'b' }\n"
	"vm { name = 'vm1', host = 'a' }\n"
	"vm { name = 'vm2', host = 'a', memory = '16M', switchover = '%s' }\n"
	"vif { name = 'vif1', vm = 'vm1' }\n"
	"vif { name = 'vif2', vm = 'vm2' }\n"
	"flow { name = 'u', from = 'vif1', to = 'vif2', proto = 'udp',"
	" msg_size = '1k', rate = '20M' }\n"
	"flow { name = 't', from = 'vif1', to = 'vif2', proto = 'tcp',"
	" msg_size = '60k', rate = '100M' }\n"
	"fault { at = '1ms', action = 'migrate', target = 'vm2', to = 'b' }\n"
	"expect { bad_checksums = 0 }\n";

/* run() of a scenario template with its one %s filled in. */
static void run_with(const char *tmpl, const char *arg)
{
	char src[2048];

	snprintf(src, sizeof(src), tmpl, arg);
	run(src);
}

static void run_tail(const char *switchover)
{
	run_with(lost_tail, switchover);
}

START_TEST(lost_tail_found_by_probes)
{
	const char *flows[] = { "u", "t" };

	run_tail("20ms");
	for (int i = 0; i < 2; i++) {
		const char *f = flows[i];

		assert_accounted(f);
		ck_assert_uint_eq(ctr(f, "net.drained"), 1);
		ck_assert_uint_ge(ctr(f, "net.probes"), 1);
		ck_assert_uint_gt(ctr(f, "net.arrived_bytes"), 0);
		ck_assert_uint_gt(ctr(f, "net.lost_bytes"), 0);
		/* Explained: the receiver moved. */
		ck_assert_uint_eq(ctr(f, "net.path_moves"), 1);
	}
	/* The window held the TCP flow back while its tail was lost. */
	ck_assert_uint_gt(ctr("t", "net.window_waits"), 0);
	ck_assert_uint_eq(ctr("vm2", "migrations"), 1);
	/* Drained once vif2 was back, long before the deadline. */
	ck_assert_uint_gt(res->elapsed_ns, ctr("vm2", "migration_end_us") *
					   1000);
	ck_assert_uint_lt(res->elapsed_ns, 200000000ull);
}
END_TEST

/* Same seed, same interleaving: the same accounting to the byte. */
START_TEST(lost_tail_deterministic)
{
	static const char *const keys[] = {
		"net.sent_bytes", "net.arrived_bytes", "net.lost_bytes",
		"net.probes", "net.drain_us", "tx.sent",
	};
	uint64_t first[2][6], elapsed;

	run_tail("20ms");
	elapsed = res->elapsed_ns;
	for (int k = 0; k < 6; k++) {
		first[0][k] = ctr("u", keys[k]);
		first[1][k] = ctr("t", keys[k]);
	}
	run_tail("20ms");
	ck_assert_uint_eq(res->elapsed_ns, elapsed);
	for (int k = 0; k < 6; k++) {
		ck_assert_uint_eq(ctr("u", keys[k]), first[0][k]);
		ck_assert_uint_eq(ctr("t", keys[k]), first[1][k]);
	}
}
END_TEST

/* vif2 stays without a backend until the deadline cuts the run: what
 * did not arrive is reported in flight, not lost and not missing. */
START_TEST(cut_by_deadline_reports_in_flight)
{
	const char *flows[] = { "u", "t" };

	run_tail("1m");
	ck_assert_uint_eq(ctr("vm2", "migrations_pending"), 1);
	ck_assert_uint_ge(res->elapsed_ns, 1030000000ull);
	for (int i = 0; i < 2; i++) {
		const char *f = flows[i];

		assert_accounted(f);
		ck_assert_uint_eq(ctr(f, "net.drained"), 0);
		ck_assert_uint_gt(ctr(f, "net.in_flight_bytes"), 0);
		ck_assert_uint_eq(ctr(f, "net.in_flight_bytes"),
				  ctr(f, "net.sent_bytes") -
				  ctr(f, "net.arrived_bytes"));
	}
}
END_TEST

/* A flow to a vif on another bridge can deliver nothing: it drains as
 * soon as its frames complete, all of them lost and said why. */
START_TEST(unreachable_flow_drains_at_once)
{
	run("scenario { name = 'u', description = 'x', duration = '10ms' }\n"
	    "vm { name = 'vm1' }\n"
	    "vm { name = 'vm2' }\n"
	    "vif { name = 'vif1', vm = 'vm1' }\n"
	    "vif { name = 'vif2', vm = 'vm2', bridge = 'br1' }\n"
	    "flow { name = 'f', from = 'vif1', to = 'vif2', proto = 'udp',"
	    " msg_size = '1k', rate = '10M' }\n"
	    "expect { bad_checksums = 0 }\n");
	assert_accounted("f");
	ck_assert_uint_eq(ctr("f", "net.unreachable"), 1);
	ck_assert_uint_eq(ctr("f", "net.drained"), 1);
	ck_assert_uint_eq(ctr("f", "net.arrived_bytes"), 0);
	ck_assert_uint_eq(ctr("f", "net.lost_bytes"), ctr("f", "tx.bytes"));
	ck_assert_uint_lt(res->elapsed_ns, 20000000ull);
	/* Nothing delivered fails the run, though no block says so. */
	ck_assert(!res->pass);
	ck_assert_ptr_nonnull(expect_line("undelivered bytes[f] <= 0 "
					  "(default)"));
	ck_assert(!expect_line("undelivered bytes[f] <= 0 (default)")->pass);
	ck_assert(expect_line("stalled flows[f] <= 0 (default)")->pass);
}
END_TEST

/* From 10 ms on vif1 loses every notification and has no watchdog: its
 * flow stalls on tx completions. No block says anything about the flow,
 * yet the run fails, as it would for hung I/O. */
static const char stalled[] =
	"scenario { name = 'stall', description = 'x', duration = '50ms',"
	" timeout = '100ms' }\n"
	"vm { name = 'vm1' }\n"
	"vm { name = 'vm2' }\n"
	"vif { name = 'vif1', vm = 'vm1' }\n"
	"vif { name = 'vif2', vm = 'vm2' }\n"
	"flow { name = 'u', from = 'vif1', to = 'vif2', proto = 'udp',"
	" msg_size = '1k', rate = '20M' }\n"
	"flow { name = 'v', from = 'vif2', to = 'vif1', proto = 'udp',"
	" msg_size = '1k', rate = '1M' }\n"
	"at('10ms', function(ctx) ctx:drop_notify('vif1', 1000000000) end)\n"
	"expect { bad_checksums = 0 %s }\n";

static void run_stalled(const char *bounds)
{
	run_with(stalled, bounds);
}

START_TEST(stalled_flow_fails_by_default)
{
	const struct xf_expect_result *x;

	run_stalled("");
	ck_assert_uint_gt(ctr("u", "tx.never_completed"), 0);
	ck_assert(!res->pass);
	x = expect_line("stalled flows[u] <= 0 (default)");
	ck_assert_ptr_nonnull(x);
	ck_assert(!x->pass);
	/* (What it did send arrived: only the completions are lost.) */
	ck_assert_ptr_nonnull(expect_line("undelivered bytes[u] <= 0 "
					  "(default)"));
	/* vif1 still receives: v is fine. */
	x = expect_line("stalled flows[v] <= 0 (default)");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->pass);
}
END_TEST

/* A scenario that stalls on purpose says so: a bound for the flow (or
 * for every flow) replaces the default, for that flow only. */
START_TEST(stalled_flow_allowed_explicitly)
{
	run_stalled(", flow = 'u', stalled_flows = 1, undelivered_bytes = 2e6");
	ck_assert_msg(res->pass, "%s: %s", res->expects[0].what,
		      res->expects[0].measured);
	ck_assert_ptr_null(expect_line("stalled flows[u] <= 0 (default)"));
	ck_assert_ptr_null(expect_line("undelivered bytes[u] <= 0 (default)"));
	ck_assert_ptr_nonnull(expect_line("stalled flows[u] <= 1"));
	ck_assert_ptr_nonnull(expect_line("stalled flows[v] <= 0 (default)"));
	run_stalled(", stalled_flows = 1, undelivered_bytes = 2e6");
	ck_assert(res->pass);
	ck_assert_ptr_null(expect_line("stalled flows[v] <= 0 (default)"));
}
END_TEST

XT_SUITE("scenario-net-drain")
{
	TCase *tc = xt_tcase_fixture("drain", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, slow_receiver_drained);
	tcase_add_test(tc, lost_tail_found_by_probes);
	tcase_add_test(tc, lost_tail_deterministic);
	tcase_add_test(tc, cut_by_deadline_reports_in_flight);
	tcase_add_test(tc, unreachable_flow_drains_at_once);
	tcase_add_test(tc, stalled_flow_fails_by_default);
	tcase_add_test(tc, stalled_flow_allowed_explicitly);
}
