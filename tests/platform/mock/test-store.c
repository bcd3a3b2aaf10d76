/* SPDX-License-Identifier: MIT */
/* Mock xenstore: watches, permissions, transactions. */
#include "xs-helpers.h"
#include "xt.h"

static struct xf_xs *x0, *x1, *x2;

static void setup(void)
{
	fx_setup();
	ck_assert_int_eq(d0->store->open(d0, &x0), 0);
	ck_assert_int_eq(d1->store->open(d1, &x1), 0);
	ck_assert_int_eq(d2->store->open(d2, &x2), 0);
}

static void teardown(void)
{
	d0->store->close(x0);
	d1->store->close(x1);
	d2->store->close(x2);
	fx_teardown();
}

START_TEST(watch_fires_on_registration)
{
	expect_none(d0, x0);
	ck_assert(!fd_readable(d0->store->fd(x0)));
	ck_assert_int_eq(d0->store->watch(x0, "/some/where", "tok"), 0);
	ck_assert(fd_readable(d0->store->fd(x0)));
	/* Fires even though the node does not exist. */
	expect_ev(d0, x0, "/some/where", "tok");
	expect_none(d0, x0);
	ck_assert(!fd_readable(d0->store->fd(x0)));
	ck_assert_int_eq(d0->store->watch(x0, "/some/where", "tok"), -EEXIST);
}
END_TEST

START_TEST(watch_fires_on_change_at_and_under)
{
	ck_assert_int_eq(d0->store->watch(x0, "/a/b", "w"), 0);
	drain(d0, x0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/b", "1"), 0);
	expect_ev(d0, x0, "/a/b", "w");
	ck_assert_int_eq(wr(d0, x0, 0, "/a/b/c/d", "2"), 0);
	expect_ev(d0, x0, "/a/b/c/d", "w");
	ck_assert_int_eq(d0->store->mkdir(x0, 0, "/a/b/e"), 0);
	expect_ev(d0, x0, "/a/b/e", "w");
	/* mkdir of an existing node changes nothing. */
	ck_assert_int_eq(d0->store->mkdir(x0, 0, "/a/b/e"), 0);
	expect_none(d0, x0);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/a/b/c"), 0);
	expect_ev(d0, x0, "/a/b/c", "w");
	expect_none(d0, x0);
}
END_TEST

START_TEST(watch_fires_on_rm_of_node_and_ancestor)
{
	ck_assert_int_eq(wr(d0, x0, 0, "/a/b/c", "1"), 0);
	ck_assert_int_eq(d0->store->watch(x0, "/a/b/c", "deep"), 0);
	ck_assert_int_eq(d0->store->watch(x0, "/a/b", "mid"), 0);
	drain(d0, x0);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/a"), 0);
	/* A watch inside the removed subtree reports its own path. */
	expect_ev(d0, x0, "/a/b/c", "deep");
	expect_ev(d0, x0, "/a/b", "mid");
	expect_none(d0, x0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/b", "x"), 0);
	expect_ev(d0, x0, "/a/b", "mid");
	/* Fires for watches below even where no node exists. */
	ck_assert_int_eq(d0->store->rm(x0, 0, "/a/b"), 0);
	expect_ev(d0, x0, "/a/b/c", "deep");
	expect_ev(d0, x0, "/a/b", "mid");
	expect_none(d0, x0);
}
END_TEST

START_TEST(watch_not_on_unrelated_paths)
{
	ck_assert_int_eq(d0->store->watch(x0, "/a/b", "w"), 0);
	drain(d0, x0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/bc", "1"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/c/b", "1"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a", "1"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/b", "1"), 0);
	expect_none(d0, x0);
	ck_assert(!fd_readable(d0->store->fd(x0)));
	/* Another connection's watch does not leak here. */
	ck_assert_int_eq(d1->store->watch(x1, "/local/domain/1", "o"), 0);
	ck_assert_int_eq(wr(d1, x1, 0, "/local/domain/1/x", "1"), 0);
	expect_none(d0, x0);
}
END_TEST

START_TEST(unwatch_stops_and_drops_queued)
{
	ck_assert_int_eq(d0->store->watch(x0, "/a", "w"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/x", "1"), 0);
	ck_assert_int_eq(d0->store->unwatch(x0, "/a", "w"), 0);
	expect_none(d0, x0);
	ck_assert(!fd_readable(d0->store->fd(x0)));
	ck_assert_int_eq(wr(d0, x0, 0, "/a/x", "2"), 0);
	expect_none(d0, x0);
	ck_assert_int_eq(d0->store->unwatch(x0, "/a", "w"), -ENOENT);
}
END_TEST

START_TEST(watch_wakeup_hook_called)
{
	struct wake_count wc = { 0 };

	ck_assert_int_eq(d1->store->set_wakeup(x1, count_wake, &wc), 0);
	ck_assert_int_eq(wc.n, 0);
	ck_assert_int_eq(d1->store->watch(x1, "device", "dev"), 0);
	ck_assert_uint_ge(wc.n, 1);
	wc.n = 0;
	ck_assert_int_eq(wr(d0, x0, 0, "/local/domain/1/device/vbd", "x"), 0);
	ck_assert_uint_ge(wc.n, 1);
	/* Relative watch reports relative paths. */
	expect_ev(d1, x1, "device", "dev");
	expect_ev(d1, x1, "device/vbd", "dev");
	ck_assert_uint_ge(stats_of(1).xs_watch_events, 2);
}
END_TEST

START_TEST(read_write_dir_rm)
{
	char *v, **names;
	unsigned int n;
	size_t len;

	ck_assert_int_eq(wr(d0, x0, 0, "/t/a", "hello"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/t/b/c", ""), 0);
	ck_assert_int_eq(d0->store->read(x0, 0, "/t/a", &v, &len), 0);
	ck_assert_str_eq(v, "hello");
	ck_assert_uint_eq(len, 5);
	free(v);
	ck_assert_int_eq(d0->store->read(x0, 0, "/t/b", &v, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(v);
	ck_assert_int_eq(d0->store->directory(x0, 0, "/t", &names, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "a");
	ck_assert_str_eq(names[1], "b");
	strv_free(names, n);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/t/b"), 0);
	ck_assert_int_eq(d0->store->read(x0, 0, "/t/b/c", &v, &len), -ENOENT);
	/* Missing leaf with existing parent: success, as xenstored. */
	ck_assert_int_eq(d0->store->rm(x0, 0, "/t/b"), 0);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/t/q/r"), -ENOENT);
	ck_assert_int_eq(d0->store->read(x0, 0, "/t//a", &v, &len), -EINVAL);
	ck_assert_int_eq(d0->store->read(x0, 0, "/t/a/", &v, &len), -EINVAL);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/"), -EINVAL);
}
END_TEST

START_TEST(eacces_without_perms_then_ok_after_set_perms)
{
	struct xf_xs_perm p[2] = { { 1, XF_XS_PERM_NONE },
				   { 2, XF_XS_PERM_READ } };
	char *v;
	size_t len;
	char **names;
	unsigned int n;

	/* dom1 owns its home; dom2 has no access to it. */
	ck_assert_int_eq(wr(d1, x1, 0, "/local/domain/1/secret", "s"), 0);
	ck_assert_int_eq(d2->store->read(x2, 0, "/local/domain/1/secret",
					 &v, &len), -EACCES);
	ck_assert_int_eq(d2->store->directory(x2, 0, "/local/domain/1",
					      &names, &n), -EACCES);
	ck_assert_int_eq(wr(d2, x2, 0, "/local/domain/1/secret", "x"),
			 -EACCES);
	ck_assert_int_eq(wr(d2, x2, 0, "/local/domain/1/new", "x"), -EACCES);
	ck_assert_int_eq(d2->store->rm(x2, 0, "/local/domain/1/secret"),
			 -EACCES);
	/* Only the owner may change perms. */
	ck_assert_int_eq(d2->store->set_perms(x2, 0, "/local/domain/1/secret",
					      p, 2), -EACCES);
	ck_assert_int_eq(d1->store->set_perms(x1, 0, "/local/domain/1/secret",
					      p, 2), 0);
	ck_assert_int_eq(d2->store->read(x2, 0, "/local/domain/1/secret",
					 &v, &len), 0);
	ck_assert_str_eq(v, "s");
	free(v);
	/* Read does not imply write. */
	ck_assert_int_eq(wr(d2, x2, 0, "/local/domain/1/secret", "x"),
			 -EACCES);
	p[1].perm = XF_XS_PERM_BOTH;
	ck_assert_int_eq(d1->store->set_perms(x1, 0, "/local/domain/1/secret",
					      p, 2), 0);
	ck_assert_int_eq(wr(d2, x2, 0, "/local/domain/1/secret", "x"), 0);
	/* An unprivileged owner cannot give a node away. */
	p[0].domid = 2;
	ck_assert_int_eq(d1->store->set_perms(x1, 0, "/local/domain/1/secret",
					      p, 2), -EPERM);
	/* dom0 is privileged. */
	ck_assert_int_eq(d0->store->read(x0, 0, "/local/domain/1/secret",
					 &v, &len), 0);
	free(v);
}
END_TEST

START_TEST(new_node_inherits_perms_creator_owns)
{
	struct xf_xs_perm p[2] = { { 0, XF_XS_PERM_NONE },
				   { 1, XF_XS_PERM_BOTH } }, *got;
	unsigned int n;

	ck_assert_int_eq(d0->store->mkdir(x0, 0, "/shared"), 0);
	ck_assert_int_eq(d0->store->set_perms(x0, 0, "/shared", p, 2), 0);
	ck_assert_int_eq(wr(d1, x1, 0, "/shared/x/y", "1"), 0);
	ck_assert_int_eq(d1->store->get_perms(x1, 0, "/shared/x/y", &got,
					      &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[0].domid, 1);
	ck_assert_uint_eq(got[0].perm, XF_XS_PERM_NONE);
	ck_assert_uint_eq(got[1].domid, 1);
	free(got);
	/* dom0-created nodes keep the parent's owner. */
	ck_assert_int_eq(wr(d0, x0, 0, "/local/domain/2/k", "1"), 0);
	ck_assert_int_eq(d2->store->get_perms(x2, 0, "/local/domain/2/k",
					      &got, &n), 0);
	ck_assert_uint_eq(got[0].domid, 2);
	free(got);
}
END_TEST

START_TEST(txn_conflict_eagain_nothing_applied_then_retry)
{
	xf_txn t;
	char *v;
	size_t len;
	int tries = 0, rc;

	struct xf_xs_perm p[2] = { { 0, XF_XS_PERM_NONE },
				   { 1, XF_XS_PERM_BOTH } };

	ck_assert_int_eq(wr(d0, x0, 0, "/c/n", "0"), 0);
	ck_assert_int_eq(d0->store->set_perms(x0, 0, "/c", p, 2), 0);
	ck_assert_int_eq(d0->store->set_perms(x0, 0, "/c/n", p, 2), 0);
	ck_assert_int_eq(d0->store->watch(x0, "/c", "w"), 0);
	drain(d0, x0);
	do {
		ck_assert_int_eq(d1->store->txn_start(x1, &t), 0);
		ck_assert_int_ne(t, XF_TXN_NONE);
		ck_assert_int_eq(d1->store->read(x1, t, "/c/n", &v, &len), 0);
		ck_assert_int_eq(wr(d1, x1, t, "/c/n", "1"), 0);
		ck_assert_int_eq(wr(d1, x1, t, "/c/other", "1"), 0);
		free(v);
		/* Writes inside the transaction are private... */
		ck_assert_int_eq(d0->store->read(x0, 0, "/c/n", &v, &len), 0);
		ck_assert_str_eq(v, tries == 0 ? "0" : "9");
		free(v);
		expect_none(d0, x0);
		if (tries == 0)
			ck_assert_int_eq(wr(d0, x0, 0, "/c/n", "9"), 0);
		rc = d1->store->txn_end(x1, t, false);
		if (tries == 0) {
			ck_assert_int_eq(rc, -EAGAIN);
			/* ...and nothing of a conflicting one is applied. */
			ck_assert_int_eq(d0->store->read(x0, 0, "/c/other",
							 &v, &len), -ENOENT);
			expect_ev(d0, x0, "/c/n", "w");
			expect_none(d0, x0);
		}
		tries++;
	} while (rc == -EAGAIN && tries < 5);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(tries, 2);
	ck_assert_int_eq(d0->store->read(x0, 0, "/c/n", &v, &len), 0);
	ck_assert_str_eq(v, "1");
	free(v);
	/* Watches fire on commit. */
	expect_ev(d0, x0, "/c/n", "w");
	expect_ev(d0, x0, "/c/other", "w");
	ck_assert_uint_eq(stats_of(1).xs_txn_conflicts, 1);
	ck_assert_int_eq(d1->store->txn_end(x1, t, false), -ENOENT);
}
END_TEST

START_TEST(txn_unrelated_change_no_conflict_and_abort)
{
	xf_txn t;
	char *v;
	size_t len;

	ck_assert_int_eq(wr(d0, x0, 0, "/c/n", "0"), 0);
	ck_assert_int_eq(d0->store->txn_start(x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/c/n", "1"), 0);
	ck_assert_int_eq(wr(d1, x1, 0, "/local/domain/1/x", "1"), 0);
	ck_assert_int_eq(d0->store->txn_end(x0, t, false), 0);
	ck_assert_int_eq(d0->store->txn_start(x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/c/n", "2"), 0);
	ck_assert_int_eq(d0->store->rm(x0, t, "/c"), 0);
	ck_assert_int_eq(d0->store->read(x0, t, "/c/n", &v, &len), -ENOENT);
	ck_assert_int_eq(d0->store->txn_end(x0, t, true), 0);
	ck_assert_int_eq(d0->store->read(x0, 0, "/c/n", &v, &len), 0);
	ck_assert_str_eq(v, "1");
	free(v);
}
END_TEST

START_TEST(txn_create_conflicts_with_concurrent_create)
{
	xf_txn t;

	ck_assert_int_eq(d0->store->txn_start(x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/n/x", "txn"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/n/x", "outside"), 0);
	ck_assert_int_eq(d0->store->txn_end(x0, t, false), -EAGAIN);
}
END_TEST

START_TEST(domain_intro_release_watches)
{
	struct xf_platform *d3;

	ck_assert_int_eq(d0->store->watch(x0, "@introduceDomain", "i"), 0);
	ck_assert_int_eq(d0->store->watch(x0, "@releaseDomain", "r"), 0);
	ck_assert_int_eq(d0->store->watch(x0, "/local/domain/3", "h"), 0);
	drain(d0, x0);
	ck_assert_int_eq(xf_mock_domain_new(hv, 3, &d3), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, 3, &d3), -EEXIST);
	expect_ev(d0, x0, "/local/domain/3", "h");
	/* mkdir + set_perms of the home */
	expect_ev(d0, x0, "/local/domain/3", "h");
	expect_ev(d0, x0, "@introduceDomain", "i");
	xf_mock_domain_destroy(d3);
	expect_ev(d0, x0, "/local/domain/3", "h");
	expect_ev(d0, x0, "@releaseDomain", "r");
	expect_none(d0, x0);
}
END_TEST

/* What the store hook saw, one "path=value" or "-path" per change. */
static char hook_log[512];

static void hook_rec(void *opaque, const char *path, const char *val,
		     size_t len)
{
	size_t o = strlen(hook_log);

	ck_assert_ptr_eq(opaque, &hook_log);
	if (val)
		snprintf(hook_log + o, sizeof(hook_log) - o, "%s=%.*s;", path,
			 (int)len, val);
	else
		snprintf(hook_log + o, sizeof(hook_log) - o, "-%s;", path);
}

START_TEST(store_hook_sees_every_committed_write)
{
	xf_txn t;

	hook_log[0] = 0;
	xf_mock_set_store_hook(hv, hook_rec, &hook_log);
	/* Two writes in a row: both seen, not only the last. */
	ck_assert_int_eq(wr(d0, x0, 0, "/a/state", "1"), 0);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/state", "2"), 0);
	/* Relative paths arrive canonical; mkdir is no value. */
	ck_assert_int_eq(wr(d1, x1, 0, "device/x", "v"), 0);
	ck_assert_int_eq(d0->store->mkdir(x0, 0, "/a/dir"), 0);
	/* A transaction is seen at its commit only; an aborted one never. */
	ck_assert_int_eq(d0->store->txn_start(x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/state", "3"), 0);
	ck_assert_str_eq(hook_log, "/a/state=1;/a/state=2;"
			 "/local/domain/1/device/x=v;");
	ck_assert_int_eq(d0->store->txn_end(x0, t, false), 0);
	ck_assert_int_eq(d0->store->txn_start(x0, &t), 0);
	ck_assert_int_eq(wr(d0, x0, t, "/a/state", "9"), 0);
	ck_assert_int_eq(d0->store->txn_end(x0, t, true), 0);
	/* A denied write changes nothing and is not seen. */
	ck_assert_int_ne(wr(d2, x2, 0, "/local/domain/1/device/x", "no"), 0);
	ck_assert_int_eq(d0->store->rm(x0, 0, "/a"), 0);
	ck_assert_str_eq(hook_log, "/a/state=1;/a/state=2;"
			 "/local/domain/1/device/x=v;/a/state=3;-/a;");
	xf_mock_set_store_hook(hv, NULL, NULL);
	ck_assert_int_eq(wr(d0, x0, 0, "/a/state", "4"), 0);
	ck_assert_str_eq(hook_log, "/a/state=1;/a/state=2;"
			 "/local/domain/1/device/x=v;/a/state=3;-/a;");
}
END_TEST

XT_SUITE("mock-store")
{
	TCase *tc = xt_tcase_fixture("store", setup, teardown, 30);

	tcase_add_test(tc, watch_fires_on_registration);
	tcase_add_test(tc, watch_fires_on_change_at_and_under);
	tcase_add_test(tc, watch_fires_on_rm_of_node_and_ancestor);
	tcase_add_test(tc, watch_not_on_unrelated_paths);
	tcase_add_test(tc, unwatch_stops_and_drops_queued);
	tcase_add_test(tc, watch_wakeup_hook_called);
	tcase_add_test(tc, store_hook_sees_every_committed_write);
	tcase_add_test(tc, read_write_dir_rm);
	tcase_add_test(tc, eacces_without_perms_then_ok_after_set_perms);
	tcase_add_test(tc, new_node_inherits_perms_creator_owns);
	tcase_add_test(tc, txn_conflict_eagain_nothing_applied_then_retry);
	tcase_add_test(tc, txn_unrelated_change_no_conflict_and_abort);
	tcase_add_test(tc, txn_create_conflicts_with_concurrent_create);
	tcase_add_test(tc, domain_intro_release_watches);
}
