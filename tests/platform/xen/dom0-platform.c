/* SPDX-License-Identifier: MIT */
/*
 * Runs in dom0: the xen platform against real xenstored, gntalloc,
 * gntdev and the event-channel device. dom0 plays both sides (it may map
 * its own grants and bind event channels to itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "dom0util.h"

#define BASE "/local/domain/0/data/xf-platform"

static struct dt_ctx ctx;
static struct xf_platform *P;

static bool has_name(char **names, unsigned int n, const char *want)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return true;
	return false;
}

/* Waits for a watch event whose path equals want; 0 when seen. */
static int wait_watch(struct xf_xs *xs, const char *want, const char *tok,
		      int timeout_ms)
{
	uint64_t end = dt_now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		char *path, *token;
		int rc = P->store->read_watch(xs, &path, &token);

		if (rc == 0) {
			bool hit = !strcmp(path, want) && !strcmp(token, tok);
			free(path);
			free(token);
			if (hit)
				return 0;
			continue;
		}
		if (rc != -EAGAIN)
			return rc;
		uint64_t now = dt_now_ms();
		if (now >= end)
			return -ETIMEDOUT;
		rc = dt_wait_fd(P->store->fd(xs), (int)(end - now));
		if (rc < 0)
			return rc;
	}
}

static void test_store(void)
{
	struct xf_xs *a = NULL, *b = NULL;
	char *v = NULL, **names = NULL;
	unsigned int n = 0;
	size_t len = 0;
	int rc;

	rc = P->store->open(P, &a);
	dt_check(&ctx, rc == 0, "xs-open", "rc=%d", rc);
	rc = rc ? rc : P->store->open(P, &b);
	if (!dt_check(&ctx, rc == 0, "xs-open-second", "rc=%d", rc))
		goto out;
	dt_check(&ctx, P->store->set_wakeup(a, NULL, NULL) == -ENOTSUP,
		 "xs-set-wakeup-enotsup", "fd only");

	P->store->rm(a, XF_TXN_NONE, BASE);
	rc = P->store->write(a, XF_TXN_NONE, BASE "/k", "hello", 5);
	dt_check(&ctx, rc == 0, "xs-write", "rc=%d", rc);
	rc = P->store->read(a, XF_TXN_NONE, BASE "/k", &v, &len);
	dt_check(&ctx, rc == 0 && len == 5 && v && !strcmp(v, "hello"),
		 "xs-read", "rc=%d len=%zu val=%s", rc, len, v ? v : "-");
	free(v);
	v = NULL;
	rc = P->store->read(a, XF_TXN_NONE, BASE "/absent", &v, NULL);
	dt_check(&ctx, rc == -ENOENT && !v, "xs-read-enoent", "rc=%d", rc);
	rc = P->store->mkdir(a, XF_TXN_NONE, BASE "/dir");
	dt_check(&ctx, rc == 0, "xs-mkdir", "rc=%d", rc);
	rc = P->store->directory(a, XF_TXN_NONE, BASE, &names, &n);
	dt_check(&ctx, rc == 0 && n == 2 && has_name(names, n, "k") &&
			       has_name(names, n, "dir"),
		 "xs-directory", "rc=%d n=%u", rc, n);
	if (!rc)
		xf_strv_free(names, n);

	struct xf_xs_perm set[2] = { { 0, XF_XS_PERM_NONE },
				     { 7, XF_XS_PERM_READ } };
	struct xf_xs_perm *got = NULL;
	rc = P->store->set_perms(a, XF_TXN_NONE, BASE "/k", set, 2);
	dt_check(&ctx, rc == 0, "xs-set-perms", "rc=%d", rc);
	rc = P->store->get_perms(a, XF_TXN_NONE, BASE "/k", &got, &n);
	dt_check(&ctx, rc == 0 && n == 2 && got[0].domid == 0 &&
			       got[0].perm == XF_XS_PERM_NONE &&
			       got[1].domid == 7 &&
			       got[1].perm == XF_XS_PERM_READ,
		 "xs-get-perms", "rc=%d n=%u", rc, n);
	free(got);

	/* Watch: fires once on registration, then on a change below. */
	rc = P->store->watch(b, BASE, "tok1");
	dt_check(&ctx, rc == 0, "xs-watch", "rc=%d", rc);
	rc = wait_watch(b, BASE, "tok1", 5000);
	dt_check(&ctx, rc == 0, "xs-watch-initial-event", "rc=%d", rc);
	char *wp = NULL, *wt = NULL;
	rc = P->store->read_watch(b, &wp, &wt);
	dt_check(&ctx, rc == -EAGAIN, "xs-read-watch-nonblocking",
		 "rc=%d (expect -EAGAIN with an empty queue)", rc);
	if (!rc) {
		free(wp);
		free(wt);
	}
	rc = dt_wait_fd(P->store->fd(b), 0);
	dt_check(&ctx, rc == 0, "xs-fd-idle", "poll=%d", rc);
	P->store->write(a, XF_TXN_NONE, BASE "/dir/x", "1", 1);
	rc = wait_watch(b, BASE "/dir/x", "tok1", 5000);
	dt_check(&ctx, rc == 0, "xs-watch-change-event", "rc=%d", rc);
	/* This event is queued (xenstored sends it before it answers the
	 * unwatch) but must not be returned once the watch is gone. */
	P->store->write(a, XF_TXN_NONE, BASE "/dir/x", "2", 1);
	rc = P->store->unwatch(b, BASE, "tok1");
	dt_check(&ctx, rc == 0, "xs-unwatch", "rc=%d", rc);
	wp = wt = NULL;
	rc = P->store->read_watch(b, &wp, &wt);
	dt_check(&ctx, rc == -EAGAIN, "xs-unwatch-drops-queued",
		 "rc=%d path=%s", rc, wp ? wp : "-");
	if (!rc) {
		free(wp);
		free(wt);
	}

	/* Transactions: a conflicting write makes the end fail with
	 * EAGAIN; an abort leaves no trace. */
	xf_txn t = 0;
	rc = P->store->txn_start(a, &t);
	dt_check(&ctx, rc == 0 && t != XF_TXN_NONE, "xs-txn-start", "rc=%d",
		 rc);
	v = NULL;
	P->store->read(a, t, BASE "/k", &v, NULL);
	free(v);
	P->store->write(a, t, BASE "/k", "from-txn", 8);
	P->store->write(b, XF_TXN_NONE, BASE "/k", "outside", 7);
	rc = P->store->txn_end(a, t, false);
	dt_check(&ctx, rc == -EAGAIN, "xs-txn-conflict-eagain", "rc=%d", rc);
	v = NULL;
	P->store->read(a, XF_TXN_NONE, BASE "/k", &v, NULL);
	dt_check(&ctx, v && !strcmp(v, "outside"), "xs-txn-conflict-no-effect",
		 "val=%s", v ? v : "-");
	free(v);
	const char *const kv[] = { "t1", "a", "t2", "b", NULL };
	rc = dt_xs_write_all(P, a, BASE, kv);
	dt_check(&ctx, rc == 0, "xs-txn-commit", "rc=%d", rc);
	rc = P->store->txn_start(a, &t);
	if (!rc) {
		P->store->write(a, t, BASE "/aborted", "x", 1);
		rc = P->store->txn_end(a, t, true);
	}
	v = NULL;
	int rc2 = P->store->read(a, XF_TXN_NONE, BASE "/aborted", &v, NULL);
	free(v);
	dt_check(&ctx, rc == 0 && rc2 == -ENOENT, "xs-txn-abort",
		 "end=%d read=%d", rc, rc2);

	rc = P->store->rm(a, XF_TXN_NONE, BASE);
	dt_check(&ctx, rc == 0, "xs-rm", "rc=%d", rc);
out:
	if (a)
		P->store->close(a);
	if (b)
		P->store->close(b);
}

static void test_evtchn(void)
{
	struct xf_evtch *h1 = NULL, *h2 = NULL;
	xf_port p1 = 0, p2 = 0;
	int rc;

	rc = P->evtchn->open(P, &h1);
	rc = rc ? rc : P->evtchn->open(P, &h2);
	if (!dt_check(&ctx, rc == 0, "evtchn-open", "rc=%d", rc))
		goto out;
	dt_check(&ctx, P->evtchn->set_wakeup(h1, NULL, NULL) == -ENOTSUP,
		 "evtchn-set-wakeup-enotsup", "fd only");
	rc = P->evtchn->alloc_unbound(h1, P->domid, &p1);
	dt_check(&ctx, rc == 0, "evtchn-alloc-unbound", "rc=%d port=%u", rc,
		 p1);
	rc = rc ? rc : P->evtchn->bind_interdomain(h2, P->domid, p1, &p2);
	if (!dt_check(&ctx, rc == 0, "evtchn-bind-interdomain",
		      "rc=%d port=%u", rc, p2))
		goto out;
	rc = P->evtchn->pending(h1);
	dt_check(&ctx, rc == -EAGAIN, "evtchn-pending-empty", "rc=%d", rc);

	rc = P->evtchn->notify(h2, p2);
	dt_check(&ctx, rc == 0, "evtchn-notify", "rc=%d", rc);
	rc = dt_wait_fd(P->evtchn->fd(h1), 5000);
	dt_check(&ctx, rc == 1, "evtchn-fd-readable", "poll=%d", rc);
	rc = P->evtchn->pending(h1);
	dt_check(&ctx, rc == (int)p1, "evtchn-pending-port", "rc=%d want=%u",
		 rc, p1);
	/* Still masked: further notifies coalesce into one pending bit
	 * that is delivered once unmask() re-enables the port. */
	P->evtchn->notify(h2, p2);
	P->evtchn->notify(h2, p2);
	rc = dt_wait_fd(P->evtchn->fd(h1), 200);
	int pend = P->evtchn->pending(h1);
	dt_check(&ctx, rc == 0 && pend == -EAGAIN, "evtchn-masked-until-unmask",
		 "poll=%d pending=%d", rc, pend);
	rc = P->evtchn->unmask(h1, p1);
	dt_check(&ctx, rc == 0, "evtchn-unmask", "rc=%d", rc);
	rc = dt_evtchn_wait(P, h1, 5000);
	dt_check(&ctx, rc == (int)p1, "evtchn-redelivered-after-unmask",
		 "rc=%d", rc);
	rc = dt_evtchn_wait(P, h1, 300);
	dt_check(&ctx, rc == -ETIMEDOUT, "evtchn-coalesced",
		 "rc=%d (one delivery for two notifies)", rc);
	/* The other direction. */
	P->evtchn->notify(h1, p1);
	rc = dt_evtchn_wait(P, h2, 5000);
	dt_check(&ctx, rc == (int)p2, "evtchn-reverse", "rc=%d", rc);
	rc = P->evtchn->unbind(h2, p2);
	dt_check(&ctx, rc == 0, "evtchn-unbind", "rc=%d", rc);
	rc = P->evtchn->unbind(h1, p1);
	dt_check(&ctx, rc == 0, "evtchn-unbind-peer", "rc=%d", rc);
	rc = P->evtchn->unbind(h1, p1);
	dt_check(&ctx, rc < 0, "evtchn-unbind-twice-fails", "rc=%d", rc);
out:
	if (h1)
		P->evtchn->close(h1);
	if (h2)
		P->evtchn->close(h2);
}

static bool all_zero(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_grants(void)
{
	xf_gref refs[2] = { 0, 0 };
	unsigned char *shared = NULL, *mapped = NULL;
	void *a = NULL;
	int rc;

	rc = P->gnt->share(P, P->domid, 2, true, refs, &a);
	shared = a;
	if (!dt_check(&ctx, rc == 0, "gnt-share", "rc=%d refs=%u,%u", rc,
		      refs[0], refs[1]))
		return;
	dt_check(&ctx, all_zero(shared, 2 * XF_PAGE_SIZE), "gnt-share-zeroed",
		 "2 pages");
	strcpy((char *)shared, "page0-from-gntshr");
	strcpy((char *)shared + XF_PAGE_SIZE, "page1-from-gntshr");

	rc = P->gnt->map(P, P->domid, 2, refs, true, &a);
	mapped = a;
	if (dt_check(&ctx, rc == 0, "gnt-map-multi", "rc=%d", rc)) {
		dt_check(&ctx,
			 !strcmp((char *)mapped, "page0-from-gntshr") &&
				 !strcmp((char *)mapped + XF_PAGE_SIZE,
					 "page1-from-gntshr"),
			 "gnt-map-contents", "contiguous, in order");
		strcpy((char *)mapped + 200, "via-gntdev");
		dt_check(&ctx, !strcmp((char *)shared + 200, "via-gntdev"),
			 "gnt-map-write-through", "same page");
		rc = P->gnt->unmap(P, mapped, 2);
		dt_check(&ctx, rc == 0, "gnt-unmap", "rc=%d", rc);
	}

	/* All or nothing: one bad reference fails the whole map. */
	xf_gref bad[2] = { refs[0], 0xfffff0u };
	a = NULL;
	rc = P->gnt->map(P, P->domid, 2, bad, true, &a);
	dt_check(&ctx, rc < 0 && !a, "gnt-map-all-or-nothing", "rc=%d", rc);

	/* Grant copy both ways, and a malformed segment next to good ones. */
	char in[32] = "", out[32] = "copied-into-grant";
	struct xf_gnt_copy_seg segs[3] = {
		{ .to_grant = false, .domid = P->domid, .gref = refs[0],
		  .offset = 0, .local = in, .len = 18 },
		{ .to_grant = true, .domid = P->domid, .gref = refs[1],
		  .offset = 1000, .local = out, .len = 18 },
		{ .to_grant = true, .domid = P->domid, .gref = refs[1],
		  .offset = 4090, .local = out, .len = 18 },
	};
	rc = P->gnt->copy(P, segs, 3);
	dt_check(&ctx, rc == 0 && segs[0].status == 0 &&
			       !strcmp(in, "page0-from-gntshr"),
		 "gnt-copy-from-grant", "rc=%d status=%d in=%s", rc,
		 segs[0].status, in);
	dt_check(&ctx, rc == 0 && segs[1].status == 0 &&
			       !strcmp((char *)shared + XF_PAGE_SIZE + 1000,
				       "copied-into-grant"),
		 "gnt-copy-to-grant", "status=%d", segs[1].status);
	dt_check(&ctx, segs[2].status == -EINVAL, "gnt-copy-bad-segment",
		 "status=%d", segs[2].status);
	struct xf_gnt_copy_seg badref = { .to_grant = false,
					  .domid = P->domid,
					  .gref = 0xfffff0u, .local = in,
					  .len = 4 };
	rc = P->gnt->copy(P, &badref, 1);
	dt_check(&ctx, rc == 0 && badref.status < 0, "gnt-copy-bad-ref",
		 "rc=%d status=%d", rc, badref.status);

	/* Unmap notify: clear a byte and signal a port when the mapping
	 * goes away. */
	struct xf_evtch *h1 = NULL, *h2 = NULL;
	xf_port p1 = 0, p2 = 0;
	rc = P->evtchn->open(P, &h1);
	rc = rc ? rc : P->evtchn->open(P, &h2);
	rc = rc ? rc : P->evtchn->alloc_unbound(h1, P->domid, &p1);
	rc = rc ? rc : P->evtchn->bind_interdomain(h2, P->domid, p1, &p2);
	a = NULL;
	rc = rc ? rc : P->gnt->map(P, P->domid, 1, &refs[1], true, &a);
	mapped = a;
	if (dt_check(&ctx, rc == 0, "gnt-notify-setup", "rc=%d", rc)) {
		mapped[77] = 0xaa;
		rc = P->gnt->set_unmap_notify(P, mapped, 77, p1);
		dt_check(&ctx, rc == 0, "gnt-set-unmap-notify", "rc=%d", rc);
		dt_check(&ctx, shared[XF_PAGE_SIZE + 77] == 0xaa,
			 "gnt-notify-byte-set", "0x%02x",
			 shared[XF_PAGE_SIZE + 77]);
		rc = P->gnt->unmap(P, mapped, 1);
		/* gntdev may finish the unmap asynchronously. */
		uint64_t until = dt_now_ms() + 2000;
		while (*(volatile unsigned char *)&shared[XF_PAGE_SIZE + 77] &&
		       dt_now_ms() < until)
			dt_wait_fd(-1, 10);
		dt_check(&ctx, rc == 0 && shared[XF_PAGE_SIZE + 77] == 0,
			 "gnt-unmap-notify-clears-byte", "rc=%d byte=0x%02x",
			 rc, shared[XF_PAGE_SIZE + 77]);
		rc = dt_evtchn_wait(P, h2, 5000);
		dt_check(&ctx, rc == (int)p2, "gnt-unmap-notify-event",
			 "rc=%d want=%u", rc, p2);
	}
	int dummy;
	rc = P->gnt->set_unmap_notify(P, &dummy, 0, ~(xf_port)0);
	dt_check(&ctx, rc == -EINVAL, "gnt-notify-unknown-addr", "rc=%d", rc);
	if (h1)
		P->evtchn->close(h1);
	if (h2)
		P->evtchn->close(h2);

	rc = P->gnt->unshare(P, shared, 2);
	dt_check(&ctx, rc == 0, "gnt-unshare", "rc=%d", rc);
	/* Revoked: the reference can no longer be mapped. The kernel may
	 * end foreign access lazily, so allow it a moment. */
	uint64_t end = dt_now_ms() + 3000;
	do {
		a = NULL;
		rc = P->gnt->map(P, P->domid, 1, &refs[0], true, &a);
		if (!rc)
			P->gnt->unmap(P, a, 1);
	} while (!rc && dt_now_ms() < end);
	dt_check(&ctx, rc < 0, "gnt-unshare-revokes", "map after: rc=%d", rc);
}

int main(void)
{
	int rc;

	dt_init(&ctx, "platform");
	rc = xf_xen_platform_open(&P);
	if (!dt_check(&ctx, rc == 0, "platform-open", "rc=%d", rc))
		return dt_finish(&ctx);
	dt_check(&ctx, !strcmp(P->name, "xen") && P->domid == 0,
		 "platform-domid", "name=%s domid=%u", P->name, P->domid);
	test_store();
	test_evtchn();
	test_grants();
	xf_xen_platform_close(P);
	return dt_finish(&ctx);
}
