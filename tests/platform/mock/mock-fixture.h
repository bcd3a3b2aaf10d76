/* SPDX-License-Identifier: MIT */
/* Shared fixture for the mock platform tests: one hv, dom0 and two
 * guests. */
#ifndef XFRONT_TEST_MOCK_FIXTURE_H
#define XFRONT_TEST_MOCK_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/platform.h>
#include <xfront/mock.h>

static struct xf_mock_hv *hv;
static struct xf_platform *d0, *d1, *d2;

static void fx_setup(void)
{
	ck_assert_int_eq(xf_mock_hv_new(&hv), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, 0, &d0), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, 1, &d1), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, 2, &d2), 0);
}

static void fx_teardown(void)
{
	xf_mock_hv_free(hv);
	hv = NULL;
}

static inline bool fd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static inline struct xf_mock_stats stats_of(uint32_t domid)
{
	struct xf_mock_stats st;

	xf_mock_stats(hv, domid, &st);
	return st;
}

/* An interdomain event channel: u opens *hu and allocates *pu unbound
 * for b, b opens *hb and binds it as *pb. */
static inline void evtchn_link(struct xf_platform *u, struct xf_evtch **hu,
			       xf_port *pu, struct xf_platform *b,
			       struct xf_evtch **hb, xf_port *pb)
{
	ck_assert_int_eq(u->evtchn->open(u, hu), 0);
	ck_assert_int_eq(b->evtchn->open(b, hb), 0);
	ck_assert_int_eq(u->evtchn->alloc_unbound(*hu, b->domid, pu), 0);
	ck_assert_int_eq(b->evtchn->bind_interdomain(*hb, u->domid, *pu, pb),
			 0);
}

/* g grants n zeroed pages writable to m (refs, g's view *gp) and m maps
 * them writable (*mp). */
static inline void share_map(struct xf_platform *g, struct xf_platform *m,
			     unsigned int n, xf_gref *refs, uint8_t **gp,
			     uint8_t **mp)
{
	ck_assert_int_eq(g->gnt->share(g, m->domid, n, true, refs,
				       (void **)gp), 0);
	ck_assert_int_eq(m->gnt->map(m, g->domid, n, refs, true,
				     (void **)mp), 0);
}

struct wake_count {
	unsigned int n;
};

static inline void count_wake(void *opaque)
{
	__atomic_fetch_add(&((struct wake_count *)opaque)->n, 1,
			   __ATOMIC_RELAXED);
}

static inline void strv_free(char **v, unsigned int n)
{
	while (n)
		free(v[--n]);
	free(v);
}

#endif
