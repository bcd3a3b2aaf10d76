/* SPDX-License-Identifier: MIT */
/*
 * xf_mock_hv_reset(): a reset hypervisor answers like a new one on which
 * the same domains were created, whatever ran on it before.
 */
#include <stdarg.h>
#include <stdio.h>

#include "xs-helpers.h"

/* What a caller can see of an hv: the whole store with perms, every
 * counter, and the answers to a fixed sequence of first operations
 * (the first gref, port and transaction id handed out, what a new page
 * and a new watch show, whether freed pages stay cached). The probes
 * change the hv, so each hv is fingerprinted once. */
struct fp {
	char s[16384];
	size_t n;
};

static void fp_add(struct fp *f, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(f->s + f->n, sizeof(f->s) - f->n, fmt, ap);
	va_end(ap);
	ck_assert(k >= 0 && (size_t)k < sizeof(f->s) - f->n);
	f->n += (size_t)k;
}

static void fp_store(struct fp *f, struct xf_platform *p, struct xf_xs *xs,
		     const char *path)
{
	struct xf_xs_perm *perms;
	unsigned int n, np, i;
	char **names, *v;
	size_t len;

	if (p->store->read(xs, 0, path, &v, &len) == 0) {
		fp_add(f, "%s=%s", path, v);
		free(v);
	} else {
		fp_add(f, "%s", path);
	}
	ck_assert_int_eq(p->store->get_perms(xs, 0, path, &perms, &np), 0);
	for (i = 0; i < np; i++)
		fp_add(f, " %u:%d", (unsigned int)perms[i].domid,
		       (int)perms[i].perm);
	free(perms);
	fp_add(f, "\n");
	ck_assert_int_eq(p->store->directory(xs, 0, path, &names, &n), 0);
	for (i = 0; i < n; i++) {
		char sub[512];

		snprintf(sub, sizeof(sub), "%s/%s",
			 strcmp(path, "/") ? path : "", names[i]);
		fp_store(f, p, xs, sub);
	}
	strv_free(names, n);
}

static void fp_stats(struct fp *f, struct xf_mock_hv *h, uint32_t domid)
{
	struct xf_mock_stats st;
	const uint64_t *v = (const uint64_t *)&st;
	size_t i;

	xf_mock_stats(h, domid, &st);
	/* The cache of freed pages survives a reset (tested on its own):
	 * what counts is the memory of live grants. */
	st.gnt_mem_pages -= st.gnt_cached_pages;
	st.gnt_cached_pages = 0;
	fp_add(f, "stats %d:", (int)domid);
	for (i = 0; i < sizeof(st) / sizeof(*v); i++)
		fp_add(f, " %llu", (unsigned long long)v[i]);
	fp_add(f, "\n");
}

static void fingerprint(struct fp *f, struct xf_mock_hv *h,
			struct xf_platform *p0, struct xf_platform *p1)
{
	struct xf_evtch *h0, *h1;
	struct xf_xs *x0, *x1;
	xf_gref refs[2], r2;
	uint8_t *a, *m;
	xf_port port, bport;
	xf_txn t;
	char ev[256], tok[64];
	unsigned int i, nz = 0;
	void *dummy;

	f->n = 0;
	f->s[0] = '\0';
	ck_assert_int_eq(p0->store->open(p0, &x0), 0);
	fp_store(f, p0, x0, "/");
	fp_stats(f, h, ~0u);
	fp_stats(f, h, p0->domid);
	fp_stats(f, h, p1->domid);
	fp_stats(f, h, 2);

	/* Grants: the first refs, zeroed memory, the cache. */
	ck_assert_int_eq(p1->gnt->share(p1, p0->domid, 2, true, refs,
					(void **)&a), 0);
	for (i = 0; i < 2 * XF_PAGE_SIZE; i++)
		nz += a[i] != 0;
	ck_assert_int_eq(p0->gnt->map(p0, p1->domid, 2, refs, true,
				      (void **)&m), 0);
	fp_add(f, "refs %u %u nonzero %u\n", (unsigned int)refs[0],
	       (unsigned int)refs[1], nz);
	ck_assert_int_eq(p0->gnt->unmap(p0, m, 2), 0);
	ck_assert_int_eq(p1->gnt->unshare(p1, a, 2), 0);
	fp_add(f, "map of dom2: %d\n",
	       p0->gnt->map(p0, 2, 1, refs, false, &dummy));
	ck_assert_int_eq(p1->gnt->share(p1, p0->domid, 1, false, &r2,
					(void **)&a), 0);
	fp_add(f, "ref %u\n", (unsigned int)r2);
	ck_assert_int_eq(p1->gnt->unshare(p1, a, 1), 0);
	fp_stats(f, h, p1->domid);

	/* Event channels: the first ports. */
	ck_assert_int_eq(p1->evtchn->open(p1, &h1), 0);
	ck_assert_int_eq(p0->evtchn->open(p0, &h0), 0);
	ck_assert_int_eq(p1->evtchn->alloc_unbound(h1, p0->domid, &port), 0);
	ck_assert_int_eq(p0->evtchn->bind_interdomain(h0, p1->domid, port,
						      &bport), 0);
	fp_add(f, "ports %u %u pending %d\n", (unsigned int)port,
	       (unsigned int)bport, p0->evtchn->pending(h0));
	p0->evtchn->close(h0);
	p1->evtchn->close(h1);

	/* Store: the first transaction, a watch. */
	ck_assert_int_eq(p1->store->open(p1, &x1), 0);
	ck_assert_int_eq(p1->store->txn_start(x1, &t), 0);
	fp_add(f, "txn %u\n", (unsigned int)t);
	ck_assert_int_eq(wr(p1, x1, t, "k", "v"), 0);
	ck_assert_int_eq(p1->store->txn_end(x1, t, true), 0);
	ck_assert_int_eq(p1->store->watch(x1, "@introduceDomain", "i"), 0);
	while (next_ev(p1, x1, ev, sizeof(ev), tok, sizeof(tok)) == 0)
		fp_add(f, "event %s %s\n", ev, tok);
	p1->store->close(x1);
	fp_store(f, p0, x0, "/");
	p0->store->close(x0);
	fp_stats(f, h, ~0u);
}

/* Leaves every kind of state behind: store nodes, perms, a transaction
 * and watches (closed), ports and a fault hook, shares, a map and a
 * share still mapped, cached pages, a destroyed domain. */
static void dirty(void)
{
	struct xf_evtch *h1, *h2;
	struct xf_xs *x1, *x2;
	xf_gref refs[8], r;
	xf_port p1, p2;
	void *a, *b, *m;
	xf_txn t;

	ck_assert_int_eq(d1->store->open(d1, &x1), 0);
	ck_assert_int_eq(d2->store->open(d2, &x2), 0);
	ck_assert_int_eq(d1->store->watch(x1, "/", "all"), 0);
	ck_assert_int_eq(wr(d1, x1, 0, "device/vbd/51712/state", "4"), 0);
	ck_assert_int_eq(wr(d2, x2, 0, "data", "x"), 0);
	ck_assert_int_eq(d1->store->txn_start(x1, &t), 0);
	ck_assert_int_eq(wr(d1, x1, t, "in-txn", "1"), 0);
	evtchn_link(d1, &h1, &p1, d0, &h2, &p2);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(hv, 1, p1, 3), 0);
	ck_assert_int_eq(d1->evtchn->notify(h1, p1), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 8, true, refs, &a), 0);
	memset(a, 0x5a, 8 * XF_PAGE_SIZE);
	ck_assert_int_eq(d1->gnt->unshare(d1, a, 8), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 3, true, refs, &a), 0);
	memset(a, 0xa5, 3 * XF_PAGE_SIZE);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 3, refs, true, &m), 0);
	ck_assert_int_eq(d0->gnt->share(d0, 1, 1, true, &r, &b), 0);
	memset(b, 0x33, XF_PAGE_SIZE);
	ck_assert_int_eq(d1->gnt->map(d1, 0, 1, &r, false, &m), 0);
	ck_assert_int_eq(d2->gnt->share(d2, 1, 1, true, &r, &b), 0);
	ck_assert_int_eq(d1->gnt->map(d1, 2, 1, &r, true, &m), 0);
	d1->evtchn->close(h1);
	d0->evtchn->close(h2);
	d1->store->close(x1);
	d2->store->close(x2);
	/* The map of dom1's pages and the two shares stay behind. */
	xf_mock_domain_destroy(d2);
}

START_TEST(reset_hv_answers_like_a_new_one)
{
	static struct fp want, got;
	struct xf_mock_hv *fresh;
	struct xf_platform *f0, *f1;

	ck_assert_int_eq(xf_mock_hv_new(&fresh), 0);
	ck_assert_int_eq(xf_mock_domain_new(fresh, 0, &f0), 0);
	ck_assert_int_eq(xf_mock_domain_new(fresh, 1, &f1), 0);
	fingerprint(&want, fresh, f0, f1);
	xf_mock_hv_free(fresh);

	dirty();
	ck_assert_int_eq(xf_mock_hv_reset(hv), 0);
	fingerprint(&got, hv, d0, d1);
	ck_assert_str_eq(got.s, want.s);

	/* And again after the probes' own traces: a reset repeats. */
	ck_assert_int_eq(xf_mock_hv_reset(hv), 0);
	fingerprint(&got, hv, d0, d1);
	ck_assert_str_eq(got.s, want.s);
}
END_TEST

START_TEST(reset_keeps_the_page_cache_and_its_limit)
{
	struct xf_mock_stats st;
	xf_gref refs[6];
	uint8_t *a;
	void *m;

	xf_mock_set_grant_cache(hv, 4);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 6, true, refs, (void **)&a),
			 0);
	memset(a, 0xee, 6 * XF_PAGE_SIZE);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 6, refs, true, &m), 0);
	/* Left shared and mapped: the reset drops both, and the 6 pages
	 * go to the cache, which is then cut as an unshare cuts it. */
	ck_assert_int_eq(xf_mock_hv_reset(hv), 0);
	st = stats_of(1);
	ck_assert_uint_eq(st.gnt_shared_pages, 0);
	ck_assert_uint_eq(st.gnt_cached_pages, 2);
	ck_assert_uint_eq(st.gnt_mem_pages - st.gnt_cached_pages, 0);
	/* Reused pages read as new ones. */
	ck_assert_int_eq(d1->gnt->share(d1, 0, 6, true, refs, (void **)&a),
			 0);
	ck_assert_uint_eq(refs[0], 8);
	ck_assert_uint_eq(a[0], 0);
	ck_assert_uint_eq(a[XF_PAGE_SIZE + 7], 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, a, 6), 0);
	/* The limit stayed 4: 6 freed pages are cut to 2. */
	ck_assert_uint_eq(stats_of(1).gnt_cached_pages, 2);
}
END_TEST

START_TEST(reset_refuses_while_a_handle_is_open)
{
	struct xf_evtch *h;
	struct xf_xs *x;
	xf_port p;

	ck_assert_int_eq(d1->store->open(d1, &x), 0);
	ck_assert_int_eq(wr(d1, x, 0, "kept", "1"), 0);
	ck_assert_int_eq(xf_mock_hv_reset(hv), -EBUSY);
	expect_val(d1, x, 0, "kept", "1");
	d1->store->close(x);

	ck_assert_int_eq(d1->evtchn->open(d1, &h), 0);
	ck_assert_int_eq(d1->evtchn->alloc_unbound(h, 0, &p), 0);
	ck_assert_int_eq(xf_mock_hv_reset(hv), -EBUSY);
	ck_assert_uint_eq(stats_of(1).evtchn_open_ports, 1);
	d1->evtchn->close(h);

	ck_assert_int_eq(xf_mock_hv_reset(hv), 0);
	ck_assert_int_eq(d1->store->open(d1, &x), 0);
	expect_val(d1, x, 0, "kept", NULL);
	d1->store->close(x);
	ck_assert_int_eq(xf_mock_hv_reset(NULL), -EINVAL);
}
END_TEST

START_TEST(destroyed_domid_comes_back_after_reset)
{
	struct xf_platform *n2;
	xf_gref ref;
	void *a, *m;

	ck_assert_int_eq(d2->gnt->share(d2, 1, 1, true, &ref, &a), 0);
	memset(a, 0x77, XF_PAGE_SIZE);
	ck_assert_int_eq(d1->gnt->map(d1, 2, 1, &ref, true, &m), 0);
	xf_mock_domain_destroy(d2);
	ck_assert_int_eq(xf_mock_hv_reset(hv), 0);
	/* The new dom2's memory is its own, never the old one's. */
	ck_assert_int_eq(xf_mock_domain_new(hv, 2, &n2), 0);
	ck_assert_int_eq(n2->gnt->share(n2, 1, 1, true, &ref, &a), 0);
	ck_assert_uint_eq(ref, 8);
	ck_assert_uint_eq(((uint8_t *)a)[0], 0);
	ck_assert_int_eq(d1->gnt->map(d1, 2, 1, &ref, true, &m), 0);
	ck_assert_uint_eq(((uint8_t *)m)[0], 0);
	((uint8_t *)m)[1] = 9;
	ck_assert_uint_eq(((uint8_t *)a)[1], 9);
	ck_assert_int_eq(d1->gnt->unmap(d1, m, 1), 0);
	ck_assert_int_eq(n2->gnt->unshare(n2, a, 1), 0);
}
END_TEST

static void setup(void)
{
	fx_setup();
}

static void teardown(void)
{
	fx_teardown();
}

XT_SUITE("mock-reset")
{
	TCase *tc = xt_tcase_fixture("reset", setup, teardown, 30);

	tcase_add_test(tc, reset_hv_answers_like_a_new_one);
	tcase_add_test(tc, reset_keeps_the_page_cache_and_its_limit);
	tcase_add_test(tc, reset_refuses_while_a_handle_is_open);
	tcase_add_test(tc, destroyed_domid_comes_back_after_reset);
}
