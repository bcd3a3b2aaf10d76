/* SPDX-License-Identifier: MIT */
/* Mock domain lifecycle: destroy cleans up and counts leaks. */
#include "mock-fixture.h"
#include "xt.h"

static void setup(void)
{
	fx_setup();
}

static void teardown(void)
{
	fx_teardown();
}

START_TEST(destroy_cleans_up_and_counts_leaks)
{
	struct xf_evtch *h1, *h2;
	struct xf_xs *x1, *x0;
	xf_port p1, p2;
	xf_gref refs[3], ref2;
	uint8_t *fe, *be, *fe2, *be2;
	char *v, *pth, *tok;
	size_t len;
	struct xf_mock_stats st;

	ck_assert_int_eq(d1->store->open(d1, &x1), 0);
	ck_assert_int_eq(d0->store->open(d0, &x0), 0);
	ck_assert_int_eq(d1->store->watch(x1, "/", "all"), 0);
	evtchn_link(d1, &h1, &p1, d2, &h2, &p2);
	/* dom1 shares 3 pages with dom2, dom2 maps 2 of them; dom1 also
	 * maps a page of dom2. */
	ck_assert_int_eq(d1->gnt->share(d1, 2, 3, true, refs, (void **)&fe),
			 0);
	ck_assert_int_eq(d2->gnt->map(d2, 1, 2, refs, true, (void **)&be), 0);
	ck_assert_int_eq(d2->gnt->share(d2, 1, 1, true, &ref2,
					(void **)&fe2), 0);
	ck_assert_int_eq(d1->gnt->map(d1, 2, 1, &ref2, true, (void **)&be2),
			 0);
	fe2[3] = 1;
	ck_assert_int_eq(d1->gnt->set_unmap_notify(d1, be2, 3, p1), 0);

	xf_mock_domain_destroy(d1);
	xf_mock_domain_destroy(d1); /* idempotent */

	st = stats_of(1);
	ck_assert_uint_eq(st.gnt_leaked, 2);
	ck_assert_uint_eq(st.gnt_mapped_pages, 0);
	ck_assert_uint_eq(st.evtchn_open_ports, 0);
	/* dom1's mapping went away: notify fired, dom2 may revoke. */
	ck_assert_uint_eq(fe2[3], 0);
	ck_assert_int_eq(d2->evtchn->pending(h2), (int)p2);
	ck_assert_int_eq(d2->gnt->unshare(d2, fe2, 1), 0);
	/* dom2's port is unbound now; notify is dropped. */
	ck_assert_int_eq(d2->evtchn->unmask(h2, p2), 0);
	ck_assert_int_eq(d2->evtchn->notify(h2, p2), 0);
	ck_assert_uint_eq(stats_of(2).evtchn_notifies, 0);
	/* The toolstack part: home removed. */
	ck_assert_int_eq(d0->store->read(x0, 0, "/local/domain/1", &v, &len),
			 -ENOENT);
	/* Dead handles fail cleanly and can still be closed. */
	ck_assert_int_eq(d1->store->read_watch(x1, &pth, &tok), -EAGAIN);
	ck_assert_int_eq(d1->store->read(x1, 0, "/", &v, &len), -ESRCH);
	ck_assert_int_eq(d1->evtchn->notify(h1, p1), -EINVAL);
	ck_assert_int_eq(d1->gnt->share(d1, 2, 1, true, refs, (void **)&fe),
			 -ESRCH);
	ck_assert_int_eq(d1->gnt->unmap(d1, be2, 1), 0);
	d1->store->close(x1);
	d1->evtchn->close(h1);
	/* dom2 still maps dom1's memory; unmapping it is fine. */
	be[0] = 1;
	ck_assert_int_eq(d2->gnt->unmap(d2, be, 2), 0);
	d2->evtchn->close(h2);
	d0->store->close(x0);
	/* The domid can be reused. */
	ck_assert_int_eq(xf_mock_domain_new(hv, 1, &d1), 0);
	ck_assert_uint_eq(stats_of(~0u).gnt_mapped_pages, 0);
}
END_TEST

START_TEST(hv_free_with_everything_open)
{
	struct xf_evtch *h;
	struct xf_xs *x;
	xf_gref ref;
	void *a, *m;
	xf_port p;
	xf_txn t;

	/* Nothing closed on purpose: hv_free must release it all (ASan
	 * checks for leaks). */
	ck_assert_int_eq(d1->store->open(d1, &x), 0);
	ck_assert_int_eq(d1->store->watch(x, "/local/domain/1", "w"), 0);
	ck_assert_int_eq(d1->store->txn_start(x, &t), 0);
	ck_assert_int_eq(d1->store->write(x, t, "k", "v", 1), 0);
	ck_assert_int_eq(d1->evtchn->open(d1, &h), 0);
	ck_assert_int_eq(d1->evtchn->alloc_unbound(h, 0, &p), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 1, true, &ref, &a), 0);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &ref, true, &m), 0);
}
END_TEST

XT_SUITE("mock-domain")
{
	TCase *tc = xt_tcase_fixture("domain", setup, teardown, 30);

	tcase_add_test(tc, destroy_cleans_up_and_counts_leaks);
	tcase_add_test(tc, hv_free_with_everything_open);
}
