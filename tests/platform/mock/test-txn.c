/* SPDX-License-Identifier: MIT */
/*
 * Mock xenstore transactions: what conflicts and what does not. A
 * conflict is a change by someone else, since txn_start, to a node the
 * transaction read, listed, wrote or removed, or the appearance of a
 * node it found absent or created; nodes the transaction creates itself
 * (implicit parents included) never conflict on their own.
 */
#include "xs-helpers.h"
#include "xt.h"

static struct xf_xs *x0, *xb, *x1;

static void setup(void)
{
	fx_setup();
	ck_assert_int_eq(d0->store->open(d0, &x0), 0);
	ck_assert_int_eq(d0->store->open(d0, &xb), 0);
	ck_assert_int_eq(d1->store->open(d1, &x1), 0);
}

static void teardown(void)
{
	d0->store->close(x0);
	d0->store->close(xb);
	d1->store->close(x1);
	fx_teardown();
}

static int txn_begin(struct xf_platform *p, struct xf_xs *xs, xf_txn *t)
{
	int rc = p->store->txn_start(xs, t);

	ck_assert_int_ne(*t, XF_TXN_NONE);
	return rc;
}

static int txn_commit(struct xf_platform *p, struct xf_xs *xs, xf_txn t)
{
	return p->store->txn_end(xs, t, false);
}

START_TEST(implicit_dir_two_keys_commits)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/a/keep", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/x", "X"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/y", "Y"), 0);
	expect_val(d0, x0, 0, "/a/q/x", NULL);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/a/q/x", "X");
	expect_val(d0, x0, 0, "/a/q/y", "Y");
	expect_val(d0, x0, 0, "/a/q", "");
	ck_assert_uint_eq(stats_of(0).xs_txn_conflicts, 0);
}
END_TEST

START_TEST(implicit_dir_in_retry_loop_succeeds_first_time)
{
	xf_txn t;
	int tries = 0, rc;

	/* The usual frontend loop on a guest's own home. */
	do {
		ck_assert_int_eq(txn_begin(d1, x1, &t), 0);
		ck_assert_int_eq(wr(d1, x1, t, "device/vbd/51712/ring-ref",
				    "8"), 0);
		ck_assert_int_eq(wr(d1, x1, t,
				    "device/vbd/51712/event-channel", "3"), 0);
		ck_assert_int_eq(wr(d1, x1, t, "device/vbd/51712/state", "3"),
				 0);
		rc = txn_commit(d1, x1, t);
		tries++;
	} while (rc == -EAGAIN && tries < 5);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(tries, 1);
	expect_val(d0, x0, 0, "/local/domain/1/device/vbd/51712/state", "3");
	ck_assert_uint_eq(stats_of(1).xs_txn_conflicts, 0);
}
END_TEST

START_TEST(nested_implicit_creation_commits)
{
	struct xf_xs_perm p[2] = { { 0, XF_XS_PERM_NONE },
				   { 1, XF_XS_PERM_READ } };
	struct xf_xs_perm *got;
	unsigned int n;
	char **names;
	xf_txn t;

	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	/* /n1 does not exist: four levels appear at once. */
	ck_assert_int_eq(wr(d0, x0, t, "/n1/n2/n3/n4/k", "deep"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/n1/n2/n3/other", "o"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/n1/n2/m/k", "m"), 0);
	ck_assert_int_eq(d0->store->mkdir(x0, t, "/n1/n2/n3/n4/empty"), 0);
	ck_assert_int_eq(d0->store->set_perms(x0, t, "/n1/n2", p, 2), 0);
	/* Reading and listing its own new nodes is no conflict either. */
	expect_val(d0, x0, t, "/n1/n2/n3/n4/k", "deep");
	ck_assert_int_eq(d0->store->directory(x0, t, "/n1/n2", &names, &n),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "n3");
	ck_assert_str_eq(names[1], "m");
	strv_free(names, n);
	ck_assert_int_eq(d0->store->get_perms(x0, t, "/n1/n2/n3", &got, &n),
			 0);
	free(got);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);

	expect_val(d0, x0, 0, "/n1/n2/n3/n4/k", "deep");
	expect_val(d0, x0, 0, "/n1/n2/n3/other", "o");
	expect_val(d0, x0, 0, "/n1/n2/m/k", "m");
	expect_val(d0, x0, 0, "/n1/n2/n3/n4/empty", "");
	ck_assert_int_eq(d0->store->get_perms(x0, 0, "/n1/n2", &got, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[1].domid, 1);
	ck_assert_uint_eq(got[1].perm, XF_XS_PERM_READ);
	free(got);
}
END_TEST

START_TEST(rm_of_node_created_in_same_txn)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/a/keep", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/x", "X"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/y", "Y"), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/a/q/x"), 0);
	expect_val(d0, x0, t, "/a/q/x", NULL);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/a/q/x", NULL);
	expect_val(d0, x0, 0, "/a/q/y", "Y");

	/* A whole implicitly created subtree created and removed again. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/r/s/t", "T"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/r/s/u", "U"), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/a/r"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/keep", "2"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/a/r", NULL);
	expect_val(d0, x0, 0, "/a/keep", "2");
}
END_TEST

START_TEST(rm_then_recreate_existing_subtree_commits)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/r/s/t", "old"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/r/s/u", "old"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/r/s"), 0);
	/* Re-creating a removed path must compare against the node it
	 * replaced, not against "absent". */
	ck_assert_int_eq(wr(d0, x0, t, "/r/s/t", "new"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/r/s/t", "new");
	expect_val(d0, x0, 0, "/r/s/u", NULL);
}
END_TEST

START_TEST(rm_conflicts_with_change_inside_removed_subtree)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/r/s/t", "old"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/r"), 0);
	/* A grandchild's value changes: /r and /r/s keep their
	 * generation, only the removed subtree notices. */
	ck_assert_int_eq(wr(d0, xb, 0, "/r/s/t", "changed"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/r/s/t", "changed");
}
END_TEST

START_TEST(concurrent_create_of_same_dir_conflicts)
{
	xf_txn t;
	int tries = 0, rc;

	ck_assert_int_eq(wr(d0, x0, 0, "/a/keep", "1"), 0);
	do {
		ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
		ck_assert_int_eq(wr(d0, x0, t, "/a/q/x", "X"), 0);
		ck_assert_int_eq(wr(d0, x0, t, "/a/q/y", "Y"), 0);
		if (tries == 0)
			ck_assert_int_eq(d0->store->mkdir(xb, 0, "/a/q"), 0);
		rc = txn_commit(d0, x0, t);
		if (tries == 0) {
			ck_assert_int_eq(rc, -EAGAIN);
			expect_val(d0, x0, 0, "/a/q/x", NULL);
			expect_val(d0, x0, 0, "/a/q/y", NULL);
		}
		tries++;
	} while (rc == -EAGAIN && tries < 5);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(tries, 2);
	expect_val(d0, x0, 0, "/a/q/x", "X");
	ck_assert_uint_eq(stats_of(0).xs_txn_conflicts, 1);

	/* Same with a deeper implicit creation racing a deeper one. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/b/c/d/k", "txn"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/b/c/other", "outside"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/b/c/d/k", NULL);
}
END_TEST

START_TEST(watches_fire_on_commit_for_implicit_nodes)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/a/keep", "1"), 0);
	ck_assert_int_eq(d0->store->watch(xb, "/a", "A"), 0);
	ck_assert_int_eq(d0->store->watch(xb, "/a/q", "Q"), 0);
	ck_assert_int_eq(d0->store->watch(xb, "/a/q/x", "X"), 0);
	drain(d0, xb);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/x", "X"), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/y", "Y"), 0);
	expect_none(d0, xb);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	/* As xenstored: one event per written path, none for the parent
	 * created on the way. */
	expect_ev(d0, xb, "/a/q/x", "A");
	expect_ev(d0, xb, "/a/q/x", "Q");
	expect_ev(d0, xb, "/a/q/x", "X");
	expect_ev(d0, xb, "/a/q/y", "A");
	expect_ev(d0, xb, "/a/q/y", "Q");
	expect_none(d0, xb);

	/* A conflicting commit fires nothing. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/q/z/w", "W"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/q/z", "outside"), 0);
	expect_ev(d0, xb, "/a/q/z", "A");
	expect_ev(d0, xb, "/a/q/z", "Q");
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_none(d0, xb);
}
END_TEST

START_TEST(read_absent_then_created_conflicts)
{
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/p/exists", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	expect_val(d0, x0, t, "/p/none", NULL);
	ck_assert_int_eq(wr(d0, x0, t, "/elsewhere", "txn"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/p/none", "now"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/elsewhere", NULL);

	/* Same when the parent is missing too. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	expect_val(d0, x0, t, "/gone/deeper", NULL);
	ck_assert_int_eq(wr(d0, x0, t, "/elsewhere", "txn"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/gone/deeper", "now"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);

	/* And for a missing node the transaction removed. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/p/later"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/p/later", "now"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/p/later", "now");

	/* A read of an absent node that stays absent is fine. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	expect_val(d0, x0, t, "/p/none2", NULL);
	ck_assert_int_eq(wr(d0, x0, t, "/p/exists", "txn"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/unrelated", "x"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/p/exists", "txn");
}
END_TEST

START_TEST(directory_then_child_added_or_removed_conflicts)
{
	char **names;
	unsigned int n;
	xf_txn t;

	ck_assert_int_eq(wr(d0, x0, 0, "/dd/a", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->directory(x0, t, "/dd", &names, &n), 0);
	ck_assert_uint_eq(n, 1);
	strv_free(names, n);
	ck_assert_int_eq(wr(d0, x0, t, "/result", "1"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/dd/b", "2"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/result", NULL);

	/* A child added deeper down, through an implicit parent. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->directory(x0, t, "/dd", &names, &n), 0);
	strv_free(names, n);
	ck_assert_int_eq(wr(d0, xb, 0, "/dd/c/d", "3"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);

	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->directory(x0, t, "/dd", &names, &n), 0);
	ck_assert_uint_eq(n, 3);
	strv_free(names, n);
	ck_assert_int_eq(d0->store->rm(xb, 0, "/dd/b"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);

	/* A listed child's value changing leaves the listing valid. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->directory(x0, t, "/dd", &names, &n), 0);
	strv_free(names, n);
	ck_assert_int_eq(wr(d0, x0, t, "/result", "2"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/dd/a", "changed"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/result", "2");

	/* Listing a missing directory, which then appears. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(d0->store->directory(x0, t, "/nodir", &names, &n),
			 -ENOENT);
	ck_assert_int_eq(d0->store->mkdir(xb, 0, "/nodir"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
}
END_TEST

START_TEST(sibling_created_concurrently_under_written_parent_conflicts)
{
	xf_txn t;

	/* Both change /s's child list, as in xenstored. */
	ck_assert_int_eq(wr(d0, x0, 0, "/s/keep", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/s/mine", "1"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/s/theirs", "1"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), -EAGAIN);
	expect_val(d0, x0, 0, "/s/mine", NULL);

	/* Writing an existing node does not depend on its parent. */
	ck_assert_int_eq(txn_begin(d0, x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/s/keep", "2"), 0);
	ck_assert_int_eq(wr(d0, xb, 0, "/s/more", "1"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, t), 0);
	expect_val(d0, x0, 0, "/s/keep", "2");
}
END_TEST

START_TEST(two_txns_create_same_dir_second_conflicts)
{
	xf_txn ta, tb;

	ck_assert_int_eq(wr(d0, x0, 0, "/a/keep", "1"), 0);
	ck_assert_int_eq(txn_begin(d0, x0, &ta), 0);
	ck_assert_int_eq(txn_begin(d0, xb, &tb), 0);
	ck_assert_int_eq(wr(d0, x0, ta, "/a/q/x", "A"), 0);
	ck_assert_int_eq(wr(d0, xb, tb, "/a/q/y", "B"), 0);
	ck_assert_int_eq(txn_commit(d0, x0, ta), 0);
	ck_assert_int_eq(txn_commit(d0, xb, tb), -EAGAIN);
	expect_val(d0, x0, 0, "/a/q/x", "A");
	expect_val(d0, x0, 0, "/a/q/y", NULL);
}
END_TEST

XT_SUITE("mock-txn")
{
	TCase *tc = xt_tcase_fixture("txn", setup, teardown, 30);

	tcase_add_test(tc, implicit_dir_two_keys_commits);
	tcase_add_test(tc, implicit_dir_in_retry_loop_succeeds_first_time);
	tcase_add_test(tc, nested_implicit_creation_commits);
	tcase_add_test(tc, rm_of_node_created_in_same_txn);
	tcase_add_test(tc, rm_then_recreate_existing_subtree_commits);
	tcase_add_test(tc, rm_conflicts_with_change_inside_removed_subtree);
	tcase_add_test(tc, concurrent_create_of_same_dir_conflicts);
	tcase_add_test(tc, watches_fire_on_commit_for_implicit_nodes);
	tcase_add_test(tc, read_absent_then_created_conflicts);
	tcase_add_test(tc, directory_then_child_added_or_removed_conflicts);
	tcase_add_test(tc,
		       sibling_created_concurrently_under_written_parent_conflicts);
	tcase_add_test(tc, two_txns_create_same_dir_second_conflicts);
}
