/* SPDX-License-Identifier: MIT */
/* Xenstore helpers shared by the mock store and transaction tests. */
#ifndef XFRONT_TEST_MOCK_XS_HELPERS_H
#define XFRONT_TEST_MOCK_XS_HELPERS_H

#include <stdio.h>

#include "mock-fixture.h"

static inline int wr(struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		     const char *path, const char *v)
{
	return p->store->write(xs, t, path, v, strlen(v));
}

/* Reads the next watch event; returns -EAGAIN when none. */
static inline int next_ev(struct xf_platform *p, struct xf_xs *xs,
			  char *path, size_t plen, char *token, size_t tlen)
{
	char *pth, *tok;
	int rc = p->store->read_watch(xs, &pth, &tok);

	if (rc)
		return rc;
	snprintf(path, plen, "%s", pth);
	snprintf(token, tlen, "%s", tok);
	free(pth);
	free(tok);
	return 0;
}

static inline void drain(struct xf_platform *p, struct xf_xs *xs)
{
	char a[256], b[64];

	while (next_ev(p, xs, a, sizeof(a), b, sizeof(b)) == 0)
		;
}

static inline void expect_ev(struct xf_platform *p, struct xf_xs *xs,
			     const char *path, const char *token)
{
	char a[256], b[64];

	ck_assert_int_eq(next_ev(p, xs, a, sizeof(a), b, sizeof(b)), 0);
	ck_assert_str_eq(a, path);
	ck_assert_str_eq(b, token);
}

static inline void expect_none(struct xf_platform *p, struct xf_xs *xs)
{
	char a[256], b[64];

	ck_assert_int_eq(next_ev(p, xs, a, sizeof(a), b, sizeof(b)), -EAGAIN);
}

/* Asserts the value at path on the live tree (or ENOENT for NULL). */
static inline void expect_val(struct xf_platform *p, struct xf_xs *xs,
			      xf_txn t, const char *path, const char *want)
{
	char *v = NULL;
	size_t len;
	int rc = p->store->read(xs, t, path, &v, &len);

	if (!want) {
		ck_assert_int_eq(rc, -ENOENT);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(v, want);
	ck_assert_uint_eq(len, strlen(want));
	free(v);
}

#endif
