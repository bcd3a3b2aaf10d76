// SPDX-License-Identifier: MIT
/*
 * The TCP window of a flow, in sim mode. A receiving netback queues
 * frames, not bytes (XF_NB_RX_QUEUE_MAX_DEFAULT), so a window counted
 * only in bytes lets small segments overflow it: eight senders at MSS
 * 88 into one vif had 271,306 frames dropped as rx-queue-full in 200 ms
 * with a 256 KiB window alone (2,979 frames each). Bounded in frames
 * too, shared by the TCP flows into the vif, nothing is lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/netback.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-window")

static uint64_t ctr(const char *obj, const char *name)
{
	return xt_scn_ctr(res, obj, name);
}

/* n VMs, one vif each, one TCP flow each into vif 'sink' of its own VM.
 * Checksums computed by the senders: every drop is the queue's. */
static void run_senders(unsigned int n, unsigned int mss)
{
	char src[4096];
	int k;

	k = snprintf(src, sizeof(src),
		     "scenario { name = 'w', description = 'x',"
		     " duration = '200ms' }\n"
		     "vm { name = 'dst' }\n"
		     "vif { name = 'sink', vm = 'dst' }\n"
		     "for i = 1, %u do\n"
		     "  vm { name = 'vm' .. i }\n"
		     "  vif { name = 'vif' .. i, vm = 'vm' .. i }\n"
		     "  flow { name = 't' .. i, from = 'vif' .. i,"
		     " to = 'sink', proto = 'tcp', mss = %u, tso = false,"
		     " csum_offload = false }\n"
		     "end\n"
		     "expect { bad_checksums = 0 }\n", n, mss);
	ck_assert_int_lt(k, (int)sizeof(src));
	xt_scn_run(&fx, src, &res);
}

START_TEST(small_mss_many_senders_lose_nothing)
{
	uint64_t wf;

	run_senders(8, 88);
	ck_assert_uint_eq(ctr("sink", "backend.drop.rx-queue-full"), 0);
	ck_assert_uint_le(ctr("sink", "backend.rx_queue_peak"),
			  XF_NB_RX_QUEUE_MAX_DEFAULT);
	wf = ctr("t1", "net.window_frames");
	/* The eight windows together leave room in the queue. */
	ck_assert_uint_gt(wf, 0);
	ck_assert_uint_lt(8 * wf, XF_NB_RX_QUEUE_MAX_DEFAULT);
	for (int i = 1; i <= 8; i++) {
		char f[8];

		snprintf(f, sizeof(f), "t%d", i);
		ck_assert_uint_eq(ctr(f, "net.window_frames"), wf);
		ck_assert_uint_le(ctr(f, "net.in_flight_frames_peak"), wf);
		ck_assert_uint_gt(ctr(f, "net.window_waits"), 0);
		ck_assert_uint_gt(ctr(f, "tx.bytes"), 0);
		ck_assert_uint_eq(ctr(f, "net.lost_bytes"), 0);
		ck_assert_uint_eq(ctr(f, "net.arrived_bytes"),
				  ctr(f, "tx.bytes"));
	}
	ck_assert(res->pass);
}
END_TEST

/* At MSS 1460 the 256 KiB bind first, as before: 180 frames at most. */
START_TEST(full_mss_window_in_bytes)
{
	run_senders(1, 1460);
	ck_assert_uint_eq(ctr("t1", "net.window_bytes"), 256u * 1024);
	ck_assert_uint_gt(ctr("t1", "net.window_frames"),
			  256u * 1024 / 1460 + 1);
	ck_assert_uint_le(ctr("t1", "net.in_flight_frames_peak"),
			  256u * 1024 / 1460 + 1);
	ck_assert_uint_eq(ctr("sink", "backend.drop.rx-queue-full"), 0);
	ck_assert(res->pass);
}
END_TEST

XT_SUITE("scenario-net-window")
{
	TCase *tc = xt_tcase_fixture("window", setup, teardown, 120);

	tcase_add_test(tc, small_mss_many_senders_lose_nothing);
	tcase_add_test(tc, full_mss_window_in_bytes);
}
