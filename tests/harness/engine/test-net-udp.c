// SPDX-License-Identifier: MIT
/*
 * UDP flows send what msg_size asks, in sim mode: a datagram of msg_size
 * stream bytes (after the flow's 16-byte header), paced at the rate,
 * leaves as IPv4 fragments of the 1500-byte MTU when it is larger, and
 * the receiver reassembles it and checks the whole datagram. (Every
 * datagram used to carry 1,024 bytes whatever msg_size said: 175 of them
 * for msg_size 60,000 at 100M in 100 ms.) A datagram that lost a
 * fragment on the way is dropped by the reassembly and its bytes are
 * lost, explained by the drop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-udp")

static uint64_t ctr(const char *obj, const char *name)
{
	return xt_scn_ctr(res, obj, name);
}

/* One flow of msg_size bytes at 100M (104,857,600 bytes/s) for 100 ms;
 * the sender's backend as mode says. */
static void run_flow(unsigned int msg, const char *mode)
{
	char src[2048];

	snprintf(src, sizeof(src),
		 "scenario { name = 'u', description = 'x',"
		 " duration = '100ms' }\n"
		 "vm { name = 'vm1' }\n"
		 "vm { name = 'vm2' }\n"
		 "vif { name = 'vif1', vm = 'vm1',"
		 " backend = { mode = '%s' } }\n"
		 "vif { name = 'vif2', vm = 'vm2' }\n"
		 "flow { name = 'u', from = 'vif1', to = 'vif2',"
		 " proto = 'udp', msg_size = %u, rate = '100M' }\n"
		 "expect { bad_checksums = 0, flow = 'u',"
		 " undelivered_bytes = %s }\n",
		 mode, msg, strcmp(mode, "correct") ? "100000000" : "0");
	xt_scn_run(&fx, src, &res);
}

/* Datagrams the rate allows in 100 ms: one at 0, then one per
 * msg/rate. */
static uint64_t datagrams(unsigned int msg)
{
	return 100000000ull * 104857600ull / (msg * 1000000000ull) + 1;
}

START_TEST(large_datagrams_whole)
{
	uint64_t n = datagrams(60000);

	run_flow(60000, "correct");
	ck_assert_uint_eq(n, 175);
	ck_assert_uint_eq(ctr("u", "tx.bytes"), n * 60000);
	ck_assert_uint_eq(ctr("u", "rx.good"), n);
	ck_assert_uint_eq(ctr("u", "rx.bytes"), n * 60000);
	ck_assert_uint_eq(ctr("u", "rx.contiguous"), n * 60000);
	ck_assert_uint_eq(ctr("u", "rx.bad"), 0);
	/* 60,024 bytes of IP payload in 1,480-byte pieces: 41 frames. */
	ck_assert_uint_eq(ctr("u", "tx.sent"), n * 41);
	ck_assert_uint_eq(ctr("u", "tx.ok"), n * 41);
	ck_assert_uint_eq(ctr("vif2", "rx.fragments"), n * 41);
	ck_assert_uint_eq(ctr("vif2", "rx.reassembled"), n);
	ck_assert_uint_eq(ctr("vif2", "rx.frames"), n);
	ck_assert_uint_eq(ctr("vif2", "rx.reasm_dropped"), 0);
	ck_assert_uint_eq(ctr("vif2", "rx.reasm_bad"), 0);
	ck_assert_uint_eq(ctr("u", "net.lost_bytes"), 0);
	ck_assert(res->pass);
}
END_TEST

START_TEST(small_datagrams_unfragmented)
{
	uint64_t n = datagrams(1400);

	run_flow(1400, "correct");
	ck_assert_uint_eq(ctr("u", "tx.sent"), n);
	ck_assert_uint_eq(ctr("u", "rx.good"), n);
	ck_assert_uint_eq(ctr("u", "rx.bytes"), n * 1400);
	ck_assert_uint_eq(ctr("vif2", "rx.fragments"), 0);
	ck_assert(res->pass);
}
END_TEST

START_TEST(medium_datagrams_three_fragments)
{
	uint64_t n = datagrams(4000);

	run_flow(4000, "correct");
	ck_assert_uint_eq(n, 2622);
	ck_assert_uint_eq(ctr("u", "rx.good"), n);
	ck_assert_uint_eq(ctr("u", "rx.bytes"), n * 4000);
	ck_assert_uint_eq(ctr("vif2", "rx.fragments"), n * 3);
	ck_assert(res->pass);
}
END_TEST

START_TEST(lost_fragment_loses_datagram)
{
	uint64_t good, dropped;

	run_flow(60000, "drop");
	good = ctr("u", "rx.good");
	dropped = ctr("vif2", "rx.reasm_dropped");
	ck_assert_uint_gt(dropped, 0);
	ck_assert_uint_gt(good, 0);
	ck_assert_uint_eq(ctr("u", "rx.bytes"), good * 60000);
	ck_assert_uint_eq(ctr("u", "rx.bad"), 0);
	/* Every datagram was completed or given up. */
	ck_assert_uint_eq(good + dropped, datagrams(60000));
	ck_assert_uint_eq(ctr("u", "net.lost_bytes"),
			  ctr("u", "net.sent_bytes") - good * 60000);
	ck_assert_uint_gt(ctr("u", "net.path_drops"), 0);
	ck_assert_uint_eq(ctr("u", "net.unexplained_bytes"), 0);
	ck_assert(res->pass);
}
END_TEST

XT_SUITE("scenario-net-udp")
{
	TCase *tc = xt_tcase_fixture("udp", setup, teardown, 120);

	tcase_add_test(tc, large_datagrams_whole);
	tcase_add_test(tc, small_datagrams_unfragmented);
	tcase_add_test(tc, medium_datagrams_three_fragments);
	tcase_add_test(tc, lost_fragment_loses_datagram);
}
