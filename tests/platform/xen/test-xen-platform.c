/* SPDX-License-Identifier: MIT */
/*
 * The xen platform without Xen: opening fails cleanly with a negative
 * errno when there is no xenstored, prints nothing and leaves the out
 * pointer alone; against a fake xenstored (fake-xenstored.c) the store
 * ops translate libxenstore's results into the platform contract; grant
 * and event-channel calls fail with -errno where /dev/xen is absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "fake-xenstored.h"
#include "xt.h"

static char tmpdir[64];

static void setup(void)
{
	char sock[128];

	strcpy(tmpdir, "/tmp/xf-xen-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	/* libxenstore takes both the daemon socket and the xenbus device
	 * from XENSTORED_PATH: point it at nothing. */
	snprintf(sock, sizeof(sock), "%s/no-xenstored", tmpdir);
	setenv("XENSTORED_PATH", sock, 1);
}

static void teardown(void)
{
	unsetenv("XENSTORED_PATH");
	rmdir(tmpdir);
}

/* Runs fn with stdout and stderr redirected to a file; returns how many
 * bytes were written there. */
static long captured_output(void (*fn)(void *), void *arg)
{
	char path[128];
	int fd, save1, save2;
	long n;

	snprintf(path, sizeof(path), "%s/out", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	fflush(stderr);
	save1 = dup(1);
	save2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	n = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	return n;
}

struct open_result {
	int rc;
	struct xf_platform *p;
};

static void do_open(void *arg)
{
	struct open_result *r = arg;

	r->rc = xf_xen_platform_open(&r->p);
}

START_TEST(open_without_xenstored_fails_with_errno)
{
	struct xf_platform *sentinel = (struct xf_platform *)(uintptr_t)0x1;
	struct open_result r = { 0, sentinel };
	long out = captured_output(do_open, &r);

	ck_assert_int_lt(r.rc, 0);
	ck_assert_int_gt(r.rc, -4096);
	ck_assert_ptr_eq(r.p, sentinel);
	ck_assert_int_eq(out, 0);
}
END_TEST

START_TEST(open_rejects_null)
{
	ck_assert_int_eq(xf_xen_platform_open(NULL), -EINVAL);
	xf_xen_platform_close(NULL);
}
END_TEST

/* ---- against the fake xenstored ---- */

static struct fxs *fake;
static struct xf_platform *P;

static void fake_setup(void)
{
	char sock[128];

	strcpy(tmpdir, "/tmp/xf-xen-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sock, sizeof(sock), "%s/socket", tmpdir);
	fake = fxs_start(sock);
	ck_assert_ptr_nonnull(fake);
	setenv("XENSTORED_PATH", sock, 1);
	fxs_set(fake, "domid", "5");
	P = NULL;
}

static void fake_teardown(void)
{
	xf_xen_platform_close(P);
	fxs_stop(fake);
	unsetenv("XENSTORED_PATH");
	rmdir(tmpdir);
}

static void open_platform(void)
{
	ck_assert_int_eq(xf_xen_platform_open(&P), 0);
	ck_assert_ptr_nonnull(P);
}

static int readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms);
}

START_TEST(open_reads_own_domid)
{
	open_platform();
	ck_assert_str_eq(P->name, "xen");
	ck_assert_uint_eq(P->domid, 5);
	ck_assert_ptr_nonnull(P->store);
	ck_assert_ptr_nonnull(P->gnt);
	ck_assert_ptr_nonnull(P->evtchn);
}
END_TEST

START_TEST(open_rejects_bad_domid)
{
	struct xf_platform *p = NULL;

	fxs_set(fake, "domid", "5x");
	ck_assert_int_eq(xf_xen_platform_open(&p), -EINVAL);
	ck_assert_ptr_null(p);
	fxs_set(fake, "domid", "32752"); /* DOMID_FIRST_RESERVED */
	ck_assert_int_eq(xf_xen_platform_open(&p), -EINVAL);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(store_read_write_dir_perms)
{
	struct xf_xs *xs = NULL;
	char *v = NULL, **names = NULL;
	struct xf_xs_perm *perms = NULL;
	unsigned int n = 0;
	size_t len = 0;

	open_platform();
	ck_assert_int_eq(P->store->open(P, &xs), 0);
	ck_assert_int_eq(P->store->set_wakeup(xs, NULL, NULL), -ENOTSUP);
	ck_assert_int_ge(P->store->fd(xs), 0);

	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/a/k", "v\0w", 3),
			 0);
	ck_assert_int_eq(P->store->read(xs, XF_TXN_NONE, "/a/k", &v, &len),
			 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(v, "v\0w", 4), 0); /* NUL-terminated too */
	free(v);
	v = NULL;
	ck_assert_int_eq(P->store->read(xs, XF_TXN_NONE, "/a/none", &v, NULL),
			 -ENOENT);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(P->store->read(xs, XF_TXN_NONE, "/denied/x", &v,
					NULL),
			 -EACCES);
	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, NULL, "x", 1),
			 -EINVAL);

	ck_assert_int_eq(P->store->mkdir(xs, XF_TXN_NONE, "/a/d"), 0);
	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/a/d/x", "1", 1),
			 0);
	ck_assert_int_eq(P->store->directory(xs, XF_TXN_NONE, "/a", &names,
					     &n),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(!strcmp(names[0], "k") || !strcmp(names[1], "k"));
	ck_assert(!strcmp(names[0], "d") || !strcmp(names[1], "d"));
	xf_strv_free(names, n); /* separately allocated strings */
	ck_assert_int_eq(P->store->directory(xs, XF_TXN_NONE, "/zz", &names,
					     &n),
			 -ENOENT);

	struct xf_xs_perm set[2] = { { 5, XF_XS_PERM_NONE },
				     { 0, XF_XS_PERM_BOTH } };
	ck_assert_int_eq(P->store->set_perms(xs, XF_TXN_NONE, "/a/k", set, 2),
			 0);
	ck_assert_int_eq(P->store->get_perms(xs, XF_TXN_NONE, "/a/k", &perms,
					     &n),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(perms[0].domid, 5);
	ck_assert_uint_eq(perms[0].perm, XF_XS_PERM_NONE);
	ck_assert_uint_eq(perms[1].domid, 0);
	ck_assert_uint_eq(perms[1].perm, XF_XS_PERM_BOTH);
	free(perms);
	set[0].perm = 8;
	ck_assert_int_eq(P->store->set_perms(xs, XF_TXN_NONE, "/a/k", set, 2),
			 -EINVAL);
	ck_assert_int_eq(P->store->set_perms(xs, XF_TXN_NONE, "/a/k", set, 0),
			 -EINVAL);
	ck_assert_int_eq(P->store->get_perms(xs, XF_TXN_NONE, "/zz", &perms,
					     &n),
			 -ENOENT);

	ck_assert_int_eq(P->store->rm(xs, XF_TXN_NONE, "/a"), 0);
	ck_assert_int_eq(P->store->read(xs, XF_TXN_NONE, "/a/d/x", &v, NULL),
			 -ENOENT);
	P->store->close(xs);
}
END_TEST

/* Next event, waiting on the fd as a real-mode actor would. */
static int next_event(struct xf_xs *xs, char **path, char **token)
{
	int rc = P->store->read_watch(xs, path, token);

	if (rc != -EAGAIN)
		return rc;
	if (readable(P->store->fd(xs), 5000) != 1)
		return -ETIMEDOUT;
	return P->store->read_watch(xs, path, token);
}

/* The next watch event (waited for) is path with token (any token for
 * NULL). */
static void expect_event(struct xf_xs *xs, const char *path,
			 const char *token)
{
	char *p = NULL, *t = NULL;

	ck_assert_int_eq(next_event(xs, &p, &t), 0);
	ck_assert_str_eq(p, path);
	if (token)
		ck_assert_str_eq(t, token);
	free(p);
	free(t);
}

START_TEST(store_watch_events)
{
	struct xf_xs *xs = NULL;
	char *path = NULL, *token = NULL;

	open_platform();
	ck_assert_int_eq(P->store->open(P, &xs), 0);
	ck_assert_int_eq(P->store->read_watch(xs, &path, &token), -EAGAIN);
	ck_assert_int_eq(P->store->watch(xs, "/w", "tk"), 0);
	/* Fires once on registration. */
	expect_event(xs, "/w", "tk");
	ck_assert_int_eq(P->store->read_watch(xs, &path, &token), -EAGAIN);
	ck_assert_int_eq(readable(P->store->fd(xs), 0), 0);

	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/w/sub", "1", 1), 0);
	expect_event(xs, "/w/sub", "tk");
	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/wx", "1", 1), 0);
	ck_assert_int_eq(P->store->read_watch(xs, &path, &token), -EAGAIN);

	/* Queued before the unwatch, never returned after it. */
	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/w/sub", "2", 1), 0);
	ck_assert_int_eq(readable(P->store->fd(xs), 5000), 1);
	ck_assert_int_eq(P->store->unwatch(xs, "/w", "tk"), 0);
	ck_assert_int_eq(P->store->read_watch(xs, &path, &token), -EAGAIN);
	ck_assert_int_eq(readable(P->store->fd(xs), 0), 0);
	ck_assert_int_eq(P->store->unwatch(xs, "/w", "tk"), -ENOENT);

	/* A watch on the root sees everything. */
	ck_assert_int_eq(P->store->watch(xs, "/", "root"), 0);
	expect_event(xs, "/", NULL);
	ck_assert_int_eq(P->store->write(xs, XF_TXN_NONE, "/r/x", "1", 1), 0);
	expect_event(xs, "/r/x", "root");
	P->store->close(xs);
}
END_TEST

/* The value at path, read outside a transaction, is want. */
static void expect_str(struct xf_xs *xs, const char *path, const char *want)
{
	char *v = NULL;

	ck_assert_int_eq(P->store->read(xs, XF_TXN_NONE, path, &v, NULL), 0);
	ck_assert_str_eq(v, want);
	free(v);
}

START_TEST(store_transactions)
{
	struct xf_xs *a = NULL, *b = NULL;
	char *v = NULL;
	xf_txn t = XF_TXN_NONE;

	open_platform();
	ck_assert_int_eq(P->store->open(P, &a), 0);
	ck_assert_int_eq(P->store->open(P, &b), 0);

	ck_assert_int_eq(P->store->txn_start(a, &t), 0);
	ck_assert_uint_ne(t, XF_TXN_NONE);
	ck_assert_int_eq(P->store->write(a, t, "/t/k", "in", 2), 0);
	ck_assert_int_eq(P->store->write(b, XF_TXN_NONE, "/t/k", "out", 3), 0);
	ck_assert_int_eq(P->store->txn_end(a, t, false), -EAGAIN);
	expect_str(a, "/t/k", "out");

	ck_assert_int_eq(P->store->txn_start(a, &t), 0);
	ck_assert_int_eq(P->store->write(a, t, "/t/k", "in", 2), 0);
	ck_assert_int_eq(P->store->txn_end(a, t, false), 0);
	expect_str(b, "/t/k", "in");

	ck_assert_int_eq(P->store->txn_start(a, &t), 0);
	ck_assert_int_eq(P->store->write(a, t, "/t/gone", "x", 1), 0);
	ck_assert_int_eq(P->store->txn_end(a, t, true), 0);
	ck_assert_int_eq(P->store->read(b, XF_TXN_NONE, "/t/gone", &v, NULL),
			 -ENOENT);
	ck_assert_int_eq(P->store->txn_end(a, XF_TXN_NONE, false), -EINVAL);
	P->store->close(a);
	P->store->close(b);
}
END_TEST

struct evtchn_open_result {
	struct xf_platform *p;
	int rc;
	struct xf_evtch *h;
};

static void do_evtchn_open(void *arg)
{
	struct evtchn_open_result *r = arg;

	r->rc = r->p->evtchn->open(r->p, &r->h);
}

START_TEST(grants_and_evtchn_without_devices)
{
	struct xf_evtch *sentinel = (struct xf_evtch *)(uintptr_t)0x1;
	struct evtchn_open_result r;
	xf_gref ref = 0;
	void *addr = NULL;
	struct xf_gnt_copy_seg seg = { .len = 1, .local = &ref };

	open_platform();
	ck_assert_int_eq(P->gnt->unshare(P, NULL, 1), -EINVAL);
	ck_assert_int_eq(P->gnt->map(P, 0, 0, &ref, true, &addr), -EINVAL);
	ck_assert_int_eq(P->gnt->copy(P, &seg, 0), 0);
	if (access("/dev/xen/gntalloc", F_OK) != 0) {
		int rc = P->gnt->share(P, 0, 1, true, &ref, &addr);

		ck_assert_int_lt(rc, 0);
		ck_assert_int_gt(rc, -4096);
		ck_assert_ptr_null(addr);
	}
	if (access("/dev/xen/gntdev", F_OK) != 0) {
		ck_assert_int_lt(P->gnt->map(P, 0, 1, &ref, true, &addr), 0);
		seg.status = 0;
		ck_assert_int_lt(P->gnt->copy(P, &seg, 1), 0);
		ck_assert_int_lt(seg.status, 0);
		ck_assert_int_lt(P->gnt->set_unmap_notify(P, &ref, 0, 1), 0);
	}
	if (access("/dev/xen/evtchn", F_OK) != 0) {
		r = (struct evtchn_open_result){ P, 0, sentinel };
		ck_assert_int_eq(captured_output(do_evtchn_open, &r), 0);
		ck_assert_int_lt(r.rc, 0);
		ck_assert_int_gt(r.rc, -4096);
		ck_assert_ptr_eq(r.h, sentinel);
	}
}
END_TEST

XT_SUITE("xen-platform")
{
	TCase *tc = xt_tcase_fixture("open", setup, teardown, 0);

	tcase_add_test(tc, open_without_xenstored_fails_with_errno);
	tcase_add_test(tc, open_rejects_null);

	tc = xt_tcase_fixture("fake-xenstored", fake_setup, fake_teardown,
			      0);
	tcase_add_test(tc, open_reads_own_domid);
	tcase_add_test(tc, open_rejects_bad_domid);
	tcase_add_test(tc, store_read_write_dir_perms);
	tcase_add_test(tc, store_watch_events);
	tcase_add_test(tc, store_transactions);
	tcase_add_test(tc, grants_and_evtchn_without_devices);
}
