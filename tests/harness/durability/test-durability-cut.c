// SPDX-License-Identifier: MIT
/* The durability checker across a power cut: I/O in flight at the cut
 * (it may land before or after it), flushes in flight, and a cut held
 * as one instant while another thread reports. */
#include <sched.h>
#include <stdatomic.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <xfront/durability.h>

#include "dur-fixture.h"
#include "xt.h"

/* The backend took the write only after the power loss: it lands, is
 * acknowledged and flushed; the next cut finds it. Legal, and its
 * acknowledgement is still known to the checker. */
START_TEST(inflight_write_landing_after_cut_is_legal)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	flush_ok();
	see(100, 8, 1);
	check_verdict(XF_DUR_OK);
	ck_assert_uint_eq(rep.unguaranteed_kept, 8);
	ck_assert_uint_eq(rep.sectors_lost, 0);
}
END_TEST

/* The write landed just before the loss and died with the cache; its
 * acknowledgement arrives after. Neither a later flush nor FUA makes
 * it guaranteed, so its absence is no loss. */
START_TEST(inflight_write_acked_after_cut_is_not_guaranteed)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 108, 8), 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 2, 0, true), 0);
	flush_ok();
	check_verdict(XF_DUR_OK);
	ck_assert_uint_eq(rep.sectors_lost, 0);
}
END_TEST

/* A write submitted after the cut is guaranteed as usual. */
START_TEST(write_after_cut_is_guaranteed)
{
	uint64_t f;

	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 104, 4), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 2, 0, false), 0);
	f = flush_ok();
	check_verdict(XF_DUR_LOSS);
	ck_assert_uint_eq(rep.sectors_lost, 4);
	ck_assert_uint_eq(rep.losses[0].write_id, 2);
	ck_assert_uint_eq(rep.losses[0].flush_id, f);
}
END_TEST

/* A later guaranteed write supersedes a carried one: the carried one
 * coming back is an older write, a loss. */
START_TEST(guaranteed_write_supersedes_carried_one)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 100, 8), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 2, 0, false), 0);
	flush_ok();
	see(100, 8, 1);
	check_verdict(XF_DUR_LOSS);
	ck_assert_int_eq(rep.losses[0].kind, XF_DUR_LOSS_OLDER);
	ck_assert_uint_eq(rep.losses[0].write_id, 2);
	ck_assert_uint_eq(rep.losses[0].found_id, 1);
}
END_TEST

/* A flush in flight at the cut had a cache to flush that is gone: its
 * completion guarantees nothing acknowledged before the cut. */
START_TEST(flush_in_flight_at_cut_guarantees_nothing)
{
	uint64_t f;

	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	f = xf_dur_flush_submit(d);
	ck_assert_uint_gt(f, 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_flush_done(d, f, 0), -ENOENT);
	check_verdict(XF_DUR_OK);
}
END_TEST

/* Only once: an acknowledgement of a carried write is not taken twice,
 * and what completed before the cut is not carried. */
START_TEST(carried_writes_complete_once)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 4, 100, 8), 0);
	ck_assert_int_eq(xf_dur_write_submit(d, 5, 108, 8), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 4, 0, false), 0);
	check_verdict(XF_DUR_OK);
	ck_assert_int_eq(xf_dur_write_done(d, 5, 0, false), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 5, 0, false), -ENOENT);
	ck_assert_int_eq(xf_dur_write_done(d, 4, 0, false), -ENOENT);
	/* ids keep increasing past the carried ones */
	ck_assert_int_eq(xf_dur_write_submit(d, 3, 100, 1), -EINVAL);
	ck_assert_int_eq(xf_dur_write_submit(d, 6, 100, 1), 0);
}
END_TEST

struct acker {
	atomic_bool started, done;
	int ret;
};

/* No ck_assert here: Check's assertions belong to the test's thread. */
static void *ack_fua(void *arg)
{
	struct acker *a = arg;

	atomic_store(&a->started, true);
	a->ret = xf_dur_write_done(d, 1, 0, true);
	atomic_store(&a->done, true);
	return NULL;
}

/* While the cut holds the checker, another thread's acknowledgement
 * waits: the write is in flight for the check, as it was for the disk.
 * Had the FUA acknowledgement slipped in, the blank sectors would be a
 * loss. */
START_TEST(hold_makes_the_cut_one_instant)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct acker a = { .ret = -1 };
	pthread_t t;

	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 8), 0);
	xf_dur_hold(d);
	ck_assert_int_eq(pthread_create(&t, NULL, ack_fua, &a), 0);
	while (!atomic_load(&a.started))
		sched_yield();
	/* The reporter is on its way into the checker: give it every
	 * chance to get through; the hold must stop it. */
	nanosleep(&ts, NULL);
	ck_assert(!atomic_load(&a.done));
	check_verdict(XF_DUR_OK);
	ck_assert(!atomic_load(&a.done));
	xf_dur_release(d);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert(atomic_load(&a.done));
	ck_assert_int_eq(a.ret, 0);
	check_verdict(XF_DUR_OK);
}
END_TEST

XT_SUITE("harness-durability-cut")
{
	TCase *tc = xt_tcase_fixture("cut", setup, teardown, 0);

	tcase_add_test(tc, inflight_write_landing_after_cut_is_legal);
	tcase_add_test(tc, inflight_write_acked_after_cut_is_not_guaranteed);
	tcase_add_test(tc, write_after_cut_is_guaranteed);
	tcase_add_test(tc, guaranteed_write_supersedes_carried_one);
	tcase_add_test(tc, flush_in_flight_at_cut_guarantees_nothing);
	tcase_add_test(tc, carried_writes_complete_once);
	tcase_add_test(tc, hold_makes_the_cut_one_instant);
}
