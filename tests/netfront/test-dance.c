/* SPDX-License-Identifier: MIT */
/* netfront's part of the xenbus dance against the mock netback: the
 * close cycle (xf_netfront_close_cycle / xf_netfront_reopen) with frames
 * in flight, and the toolstack's unplug (online = 0, Closing), state by
 * state in the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

#define BE_DIR "/local/domain/0/backend/vif/1/0"
#define FE_DIR "/local/domain/1/device/vif/0"

static struct nt_env env;
static struct nt_vm *vm;
static struct xf_traffic_flow fl;
static struct xf_xs *xs;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	ck_assert_int_eq(env.dom0->store->open(env.dom0, &xs), 0);
	vm = nt_vm_new(&env, 1, true);
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_UDP, 4, vm->mac, vm->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(vm->trx, &fl, false), 0);
}

static void teardown(void)
{
	env.dom0->store->close(xs);
	nt_env_fini(&env);
}

static int state_of(const char *dir)
{
	char path[96];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(xf_xs_read_uint(env.dom0, xs, XF_TXN_NONE, path,
					 255, &v), 0);
	return (int)v;
}

static void send_range(unsigned int from, unsigned int to)
{
	nt_send_stream(vm, &fl, from, to);
}

START_TEST(close_cycle_and_reopen_keep_frames)
{
	struct xf_netfront_stats st;

	/* A slow backend leaves frames on the ring at the close. */
	vm->vcfg.rate_frames_per_s = 1000;
	nt_vm_start(vm);
	ck_assert_int_eq(xf_rt_run(env.rt, 1000000), 0);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	send_range(0, 20);
	ck_assert_int_eq(xf_rt_run(env.rt, 5000000), 0);
	ck_assert_uint_lt(vm->done_ok, 20);
	ck_assert_int_eq(xf_netfront_close_cycle(vm->nf), 0);
	nt_run(&env);
	/* Closing answered by the backend's Closing, then our Closed and
	 * its Closed; parked there until reopened. */
	ck_assert_int_eq(state_of(FE_DIR), XF_XENBUS_CLOSED);
	ck_assert_int_eq(state_of(BE_DIR), XF_XENBUS_CLOSED);
	ck_assert_int_eq(xf_netfront_state(vm->nf),
			 XF_NETFRONT_DISCONNECTED);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	ck_assert_uint_lt(vm->done_ok + vm->done_err, 20);
	ck_assert_int_eq(xf_netfront_reopen(vm->nf), 0);
	nt_run(&env);
	ck_assert_int_eq(state_of(FE_DIR), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(state_of(BE_DIR), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	/* Every frame completed once, on one of the two connections. */
	ck_assert_uint_eq(vm->done_ok, 20);
	ck_assert_uint_eq(vm->done_err, 0);
	ck_assert_uint_eq(vm->done_cookies, 210);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
	nt_close_clean(vm);
}
END_TEST

START_TEST(reopen_without_cycle_does_nothing)
{
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_reopen(vm->nf), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_int_eq(xf_netfront_close_cycle(NULL), -EINVAL);
	nt_close_clean(vm);
}
END_TEST

START_TEST(unplug_fails_frames_at_once)
{
	struct xf_mock_stats ms;
	const char *why;

	vm->vcfg.rate_frames_per_s = 1000;
	nt_vm_start(vm);
	ck_assert_int_eq(xf_rt_run(env.rt, 1000000), 0);
	ck_assert_ptr_null(xf_netfront_unplug_reason(vm->nf));
	send_range(0, 20);
	ck_assert_int_eq(xf_rt_run(env.rt, 5000000), 0);
	ck_assert_uint_lt(vm->done_ok, 20);
	ck_assert_int_eq(xf_nb_toolstack_request_close(env.dom0, 1, 0, 0), 0);
	ck_assert_int_eq(state_of(BE_DIR), XF_XENBUS_CLOSING);
	nt_run(&env);
	/* Every frame ended once: the ones in flight failed, none hangs. */
	ck_assert_uint_eq(vm->done_ok + vm->done_err, 20);
	ck_assert_uint_gt(vm->done_err, 0);
	ck_assert_uint_eq(vm->done_cookies, 210);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CLOSED);
	ck_assert_int_eq(state_of(FE_DIR), XF_XENBUS_CLOSED);
	ck_assert_int_eq(state_of(BE_DIR), XF_XENBUS_CLOSED);
	why = xf_netfront_unplug_reason(vm->nf);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "online = 0"));
	ck_assert_int_eq(nt_send(vm, (const uint8_t *)"0123456789abcdef",
				 16, 0, 0, 99), -ESHUTDOWN);
	xf_mock_stats(env.hv, 1, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 0);
}
END_TEST

START_TEST(closing_without_online_zero_is_no_unplug)
{
	nt_vm_start(vm);
	nt_run(&env);
	/* A backend restarting writes Closing but keeps online: the
	 * device stays and reconnects. */
	ck_assert_int_eq(xf_nb_vif_set_state(vm->vif, XF_XENBUS_CLOSING), 0);
	nt_run(&env);
	ck_assert_ptr_null(xf_netfront_unplug_reason(vm->nf));
	ck_assert_int_ne(xf_netfront_state(vm->nf), XF_NETFRONT_CLOSED);
}
END_TEST

XT_SUITE("netfront-dance")
{
	TCase *tc = xt_tcase_fixture("dance", setup, teardown, 60);

	tcase_add_test(tc, close_cycle_and_reopen_keep_frames);
	tcase_add_test(tc, reopen_without_cycle_does_nothing);
	tcase_add_test(tc, unplug_fails_frames_at_once);
	tcase_add_test(tc, closing_without_online_zero_is_no_unplug);
}
