/* SPDX-License-Identifier: MIT */
/* xt builder: the mock hypervisor with the two domains most suites
 * need, dom0 (toolstack and backends) and one guest (the frontend). */
#ifndef XFRONT_TESTS_XT_MOCK_H
#define XFRONT_TESTS_XT_MOCK_H

#include <xfront/mock.h>
#include <xfront/platform.h>

#define XT_DOM0 0
#define XT_GUEST 1

/* A new hypervisor with domains XT_DOM0 and XT_GUEST; asserts success.
 * More domains: xf_mock_domain_new(*hv, ...). xf_mock_hv_free() frees
 * it all. */
void xt_mock_pair(struct xf_mock_hv **hv, struct xf_platform **dom0,
		  struct xf_platform **guest);

/* domid holds no grant page, no port and no revoke the backend
 * refused: what a frontend must leave at teardown. A macro, so that a
 * failure names the test's line. */
#define XT_MOCK_ASSERT_CLEAN(hv, domid) do {				\
		struct xf_mock_stats xt_ms_;				\
									\
		xf_mock_stats(hv, domid, &xt_ms_);			\
		ck_assert_uint_eq(xt_ms_.gnt_shared_pages, 0);		\
		ck_assert_uint_eq(xt_ms_.evtchn_open_ports, 0);		\
		ck_assert_uint_eq(xt_ms_.gnt_revoke_busy, 0);		\
	} while (0)

#endif
