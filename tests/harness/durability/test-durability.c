// SPDX-License-Identifier: MIT
/* The durability checker on constructed histories: losses it must find,
 * legal outcomes it must accept. */
#include <errno.h>
#include <stdlib.h>
#include <xfront/durability.h>

#include "dur-fixture.h"
#include "xt.h"

START_TEST(flushed_write_lost_is_found)
{
	uint64_t f;

	write_acked(1, 100, 8);
	f = flush_ok();
	write_acked(2, 100, 4); /* not flushed: may or may not survive */
	/* power loss: everything blank */
	check_verdict(XF_DUR_LOSS);
	ck_assert_uint_eq(rep.sectors_lost, 8);
	ck_assert_uint_eq(rep.writes_lost, 1);
	ck_assert_uint_eq(rep.nlosses, 1);
	ck_assert_int_eq(rep.losses[0].kind, XF_DUR_LOSS_BLANK);
	ck_assert_uint_eq(rep.losses[0].sector, 100);
	ck_assert_uint_eq(rep.losses[0].nr_sectors, 8);
	ck_assert_uint_eq(rep.losses[0].write_id, 1);
	ck_assert_uint_eq(rep.losses[0].flush_id, f);
}
END_TEST

START_TEST(later_unguaranteed_write_is_legal)
{
	write_acked(1, 100, 8);
	flush_ok();
	write_acked(2, 100, 4);
	see(100, 4, 2); /* the later write survived */
	see(104, 4, 1); /* the flushed one */
	check_verdict(XF_DUR_OK);
	ck_assert_uint_eq(rep.unguaranteed_kept, 4);
	ck_assert_uint_eq(rep.guaranteed_ok, NR - 4);
	ck_assert_uint_eq(rep.sectors_lost, 0);
}
END_TEST

START_TEST(older_write_back_is_loss)
{
	uint64_t f2;

	write_acked(1, 100, 2);
	flush_ok();
	write_acked(2, 100, 2);
	f2 = flush_ok();
	see(100, 2, 1);
	check_verdict(XF_DUR_LOSS);
	ck_assert_uint_eq(rep.nlosses, 1);
	ck_assert_int_eq(rep.losses[0].kind, XF_DUR_LOSS_OLDER);
	ck_assert_uint_eq(rep.losses[0].write_id, 2);
	ck_assert_uint_eq(rep.losses[0].found_id, 1);
	ck_assert_uint_eq(rep.losses[0].flush_id, f2);
}
END_TEST

START_TEST(flush_before_ack_does_not_cover)
{
	uint64_t f;

	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 1), 0);
	f = xf_dur_flush_submit(d);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	ck_assert_int_eq(xf_dur_flush_done(d, f, 0), 0);
	check_verdict(XF_DUR_OK);
}
END_TEST

START_TEST(fua_is_guaranteed_at_ack)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 5, 110, 2), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 5, 0, true), 0);
	check_verdict(XF_DUR_LOSS);
	ck_assert_uint_eq(rep.losses[0].write_id, 5);
	ck_assert_uint_eq(rep.losses[0].flush_id, 0);
	ck_assert_uint_eq(rep.losses[0].nr_sectors, 2);
}
END_TEST

START_TEST(concurrent_writes_either_may_win)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 100, 1), 0);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 100, 1), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 2, 0, false), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 1, 0, false), 0);
	flush_ok();
	see(100, 1, 1);
	check_verdict(XF_DUR_OK);
	ck_assert_uint_eq(rep.unguaranteed_kept, 1);
}
END_TEST

START_TEST(failed_write_may_have_landed)
{
	write_acked(1, 100, 1);
	flush_ok();
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 100, 1), 0);
	ck_assert_int_eq(xf_dur_write_done(d, 2, -EIO, false), 0);
	flush_ok();
	see(100, 1, 2);
	check_verdict(XF_DUR_OK);
}
END_TEST

START_TEST(eopnotsupp_is_degraded_not_pass)
{
	uint64_t f;

	write_acked(1, 100, 1);
	f = xf_dur_flush_submit(d);
	ck_assert_int_eq(xf_dur_flush_done(d, f, -EOPNOTSUPP), 0);
	check_verdict(XF_DUR_DEGRADED);
	ck_assert_uint_eq(rep.flushes_unsupported, 1);
	ck_assert_str_eq(rep.degraded_why,
			 "the backend refused flush (EOPNOTSUPP)");
	ck_assert_str_eq(xf_dur_verdict_name(rep.verdict), "degraded");
}
END_TEST

START_TEST(corrupt_and_unknown)
{
	write_acked(1, 100, 1);
	flush_ok();
	seen[0] = (struct xf_dur_seen){ XF_DUR_SEEN_CORRUPT, 0 };
	see(101, 1, 77); /* a write never submitted there */
	check_verdict(XF_DUR_LOSS);
	ck_assert_uint_eq(rep.sectors_corrupt, 1);
	ck_assert_uint_eq(rep.nlosses, 2);
	ck_assert_int_eq(rep.losses[0].kind, XF_DUR_LOSS_CORRUPT);
	ck_assert_int_eq(rep.losses[1].kind, XF_DUR_LOSS_UNKNOWN);
	ck_assert_uint_eq(rep.losses[1].found_id, 77);
}
END_TEST

START_TEST(baseline_carries_over)
{
	write_acked(1, 100, 1);
	flush_ok();
	see(100, 1, 1);
	check_verdict(XF_DUR_OK);
	/* second power loss, nothing written: the old data must stay */
	check_verdict(XF_DUR_OK);
	seen[0] = (struct xf_dur_seen){ XF_DUR_SEEN_BLANK, 0 };
	check_verdict(XF_DUR_LOSS);
}
END_TEST

START_TEST(bad_calls)
{
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 99, 1), -ERANGE);
	ck_assert_int_eq(xf_dur_write_submit(d, 1, 110, 7), -ERANGE);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 100, 1), 0);
	ck_assert_int_eq(xf_dur_write_submit(d, 2, 100, 1), -EINVAL);
	ck_assert_int_eq(xf_dur_write_done(d, 9, 0, false), -ENOENT);
	ck_assert_int_eq(xf_dur_flush_done(d, 9, 0), -ENOENT);
	/* list capped, counts complete */
	for (uint64_t i = 0; i < NR; i++)
		write_acked(10 + i, 100 + i, 1);
	flush_ok();
	ck_assert_int_eq(xf_dur_check(d, seen, 3, &rep), 0);
	ck_assert_uint_eq(rep.nlosses, 3);
	ck_assert_uint_eq(rep.writes_lost, NR);
}
END_TEST

XT_SUITE("harness-durability")
{
	TCase *tc = xt_tcase_fixture("check", setup, teardown, 0);

	tcase_add_test(tc, flushed_write_lost_is_found);
	tcase_add_test(tc, later_unguaranteed_write_is_legal);
	tcase_add_test(tc, older_write_back_is_loss);
	tcase_add_test(tc, flush_before_ack_does_not_cover);
	tcase_add_test(tc, fua_is_guaranteed_at_ack);
	tcase_add_test(tc, concurrent_writes_either_may_win);
	tcase_add_test(tc, failed_write_may_have_landed);
	tcase_add_test(tc, eopnotsupp_is_degraded_not_pass);
	tcase_add_test(tc, corrupt_and_unknown);
	tcase_add_test(tc, baseline_carries_over);
	tcase_add_test(tc, bad_calls);
}
