/* SPDX-License-Identifier: MIT */
/*
 * The mock platform the blkback, blkfront and netfront targets run on:
 * one hypervisor with a backend and a frontend domain, made at the first
 * input and reset after each one (xf_mock_hv_reset()), because a new
 * domain's grant memory windows cost far more than the run itself. The
 * reset refuses while a store or event channel handle is left open, so
 * it also checks that the input's run closed them all.
 *
 * The grant page cache holds every page a run shares (netfront shares
 * a page per rx and tx buffer of each queue), so that no run pays a
 * page fault and a hole punch per page: the cache survives the reset.
 *
 * XF_FUZZ_FRESH_HV=1 makes a new hypervisor for every input instead, as
 * a reference that reuse must not change.
 */
#ifndef XF_FUZZ_MOCK_H
#define XF_FUZZ_MOCK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/mock.h>
#include <xfront/platform.h>

#include "fuzz.h"

/* Pages per domain: more than any run shares at once. */
#define FZ_MOCK_GRANT_CACHE 4096

struct fz_mock {
	struct xf_mock_hv *hv;
	struct xf_platform *be, *fe;
};

/* The hypervisor for this input, as new. */
static inline void fz_mock_get(struct fz_mock *m, xf_domid be_domid,
			       xf_domid fe_domid)
{
	if (m->hv)
		return;
	FZ_CHECK(xf_mock_hv_new(&m->hv) == 0);
	FZ_CHECK(xf_mock_domain_new(m->hv, be_domid, &m->be) == 0);
	FZ_CHECK(xf_mock_domain_new(m->hv, fe_domid, &m->fe) == 0);
	xf_mock_set_grant_cache(m->hv, FZ_MOCK_GRANT_CACHE);
}

/* Everything the store holds, in directory order, into the outcome. */
static inline void fz_mock_outcome_store(struct xf_platform *p,
					 struct xf_xs *xs, const char *path)
{
	char **names = NULL, *val = NULL;
	unsigned int n = 0, i;
	size_t len = 0;

	fz_outcome(path, strlen(path) + 1);
	if (p->store->read(xs, XF_TXN_NONE, path, &val, &len) == 0) {
		fz_outcome(val, len + 1);
		free(val);
	}
	if (p->store->directory(xs, XF_TXN_NONE, path, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		char sub[512];

		snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ? path : "",
			 names[i]);
		fz_mock_outcome_store(p, xs, sub);
	}
	xf_strv_free(names, n);
}

/* What the run left in the mock (store and counters) into the outcome;
 * nothing unless the replay program asked for outcomes. */
static inline void fz_mock_outcome(struct fz_mock *m)
{
	struct xf_mock_stats st;
	struct xf_xs *xs;

	if (!fz_outcome_wanted())
		return;
	FZ_CHECK(m->be->store->open(m->be, &xs) == 0);
	fz_mock_outcome_store(m->be, xs, "/");
	m->be->store->close(xs);
	xf_mock_stats(m->hv, ~(uint32_t)0, &st);
	/* Measured by the kernel, not by the mock: may differ between
	 * equal runs. */
	st.gnt_mem_pages = 0;
	st.gnt_cached_pages = 0;
	fz_outcome(&st, sizeof(st));
}

/* Ends the input: the hypervisor back to new, or freed. */
static inline void fz_mock_put(struct fz_mock *m)
{
	const char *fresh = getenv("XF_FUZZ_FRESH_HV");

	if (fresh && *fresh && strcmp(fresh, "0")) {
		xf_mock_hv_free(m->hv);
		m->hv = NULL;
		return;
	}
	FZ_CHECK(xf_mock_hv_reset(m->hv) == 0);
}

#endif /* XF_FUZZ_MOCK_H */
