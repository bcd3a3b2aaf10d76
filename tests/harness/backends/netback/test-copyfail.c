/* SPDX-License-Identifier: MIT */
/* Grant copies that fail outright: the backend answers the frame's slots
 * with errors and counts a copy-failed drop, never "len bytes" for data
 * it never copied; failed notifies are counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *a, *b;
static struct xf_gnt_ops wrapped;
static const struct xf_gnt_ops *orig_gnt;
static const struct xf_evtchn_ops *orig_evt;
static struct xf_evtchn_ops wrapped_evt;
static bool fail_to_grant, fail_from_grant, fail_notify;
static unsigned int copy_failures;

static int copy_maybe_fail(struct xf_platform *p, struct xf_gnt_copy_seg *segs,
			   unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if ((segs[i].to_grant && fail_to_grant) ||
		    (!segs[i].to_grant && fail_from_grant)) {
			copy_failures++;
			return -EIO;
		}
	}
	return orig_gnt->copy(p, segs, n);
}

static int notify_maybe_fail(struct xf_evtch *h, xf_port port)
{
	if (fail_notify)
		return -EIO;
	return orig_evt->notify(h, port);
}

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	nt_pair_new(&env, &a, &b);
	orig_gnt = env.dom0->gnt;
	wrapped = *orig_gnt;
	wrapped.copy = copy_maybe_fail;
	env.dom0->gnt = &wrapped;
	orig_evt = env.dom0->evtchn;
	wrapped_evt = *orig_evt;
	wrapped_evt.notify = notify_maybe_fail;
	env.dom0->evtchn = &wrapped_evt;
	fail_to_grant = fail_from_grant = fail_notify = false;
	copy_failures = 0;
	nt_pair_start(a, b);
}

static void teardown(void)
{
	env.dom0->gnt = orig_gnt;
	env.dom0->evtchn = orig_evt;
	nt_env_fini(&env);
}

/* a sends b n frames, then the sim runs until idle. */
static void send_udp(unsigned int n, uint32_t payload)
{
	nt_send_udp(a, b->mac, n, payload);
	nt_run(&env);
}

START_TEST(rx_copy_failure_answers_error)
{
	struct xf_nb_vif_stats vb;
	struct xf_netfront_stats fb;

	fail_to_grant = true;
	send_udp(3, 100);
	ck_assert_uint_ge(copy_failures, 3);
	/* Nothing delivered: the guest saw errors, not 100-byte frames. */
	ck_assert_uint_eq(b->nr_rx, 0);
	xf_netfront_stats(b->nf, &fb);
	ck_assert_uint_eq(fb.drops[XF_NF_DROP_RX_STATUS], 3);
	ck_assert_uint_eq(fb.rx_frames, 0);
	xf_nb_vif_stats(b->vif, &vb);
	ck_assert_uint_eq(vb.drops[XF_NB_DROP_COPY_FAILED], 3);
	ck_assert_uint_eq(vb.rx_frames, 0);
	ck_assert_str_eq(xf_nb_drop_name(XF_NB_DROP_COPY_FAILED),
			 "copy-failed");

	/* The ring is still usable once copies work again. */
	fail_to_grant = false;
	send_udp(2, 100);
	ck_assert_uint_eq(b->nr_rx, 2);
}
END_TEST

START_TEST(rx_copy_failure_multi_slot)
{
	struct xf_nb_vif_stats vb;
	struct xf_netfront_stats fb;

	fail_to_grant = true;
	send_udp(1, 6000);
	ck_assert_uint_eq(b->nr_rx, 0);
	xf_netfront_stats(b->nf, &fb);
	ck_assert_uint_eq(fb.rx_frames, 0);
	xf_nb_vif_stats(b->vif, &vb);
	ck_assert_uint_eq(vb.drops[XF_NB_DROP_COPY_FAILED], 1);
	fail_to_grant = false;
	send_udp(1, 6000);
	ck_assert_uint_eq(b->nr_rx, 1);
	ck_assert_uint_gt(b->rx[0].len, 6000);
}
END_TEST

START_TEST(tx_copy_failure_counts_drop)
{
	struct xf_nb_vif_stats va;

	fail_from_grant = true;
	send_udp(4, 100);
	ck_assert_uint_eq(b->nr_rx, 0);
	xf_nb_vif_stats(a->vif, &va);
	ck_assert_uint_eq(va.drops[XF_NB_DROP_COPY_FAILED], 4);
	ck_assert_uint_eq(va.tx_frames, 0);
}
END_TEST

START_TEST(failed_notify_is_counted)
{
	struct xf_nb_vif_stats va, vb;

	fail_notify = true;
	send_udp(1, 100);
	xf_nb_vif_stats(a->vif, &va);
	xf_nb_vif_stats(b->vif, &vb);
	/* a's tx responses and b's rx responses each wanted a notify. */
	ck_assert_uint_ge(va.notify_failed, 1);
	ck_assert_uint_ge(vb.notify_failed, 1);
	fail_notify = false;
}
END_TEST

XT_SUITE("netback-copyfail")
{
	TCase *tc = xt_tcase_fixture("copyfail", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rx_copy_failure_answers_error);
	tcase_add_test(tc, rx_copy_failure_multi_slot);
	tcase_add_test(tc, tx_copy_failure_counts_drop);
	tcase_add_test(tc, failed_notify_is_counted);
}
