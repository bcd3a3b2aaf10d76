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

#include "xt.h"
#include "xt-mock.h"

static struct xf_mock_hv *hv;
static struct xf_platform *d0, *d1, *d2;

static void fx_setup(void)
{
	xt_mock_pair(&hv, &d0, &d1);
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
