/* SPDX-License-Identifier: MIT */
#include "xt.h"
#include "xt-mock.h"

void xt_mock_pair(struct xf_mock_hv **hv, struct xf_platform **dom0,
		  struct xf_platform **guest)
{
	ck_assert_int_eq(xf_mock_hv_new(hv), 0);
	ck_assert_int_eq(xf_mock_domain_new(*hv, XT_DOM0, dom0), 0);
	ck_assert_int_eq(xf_mock_domain_new(*hv, XT_GUEST, guest), 0);
}
