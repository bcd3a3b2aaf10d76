/* SPDX-License-Identifier: MIT */
/* The mock netback driven through the xenbus dance: the state it is
 * found in before its frontend starts (initial_state), the delay before
 * each handshake step, xf_nb_vif_set_state() and the toolstack's
 * xf_nb_toolstack_request_close(), followed in the store. */
#include <errno.h>
#include <stdio.h>

#include "nettest.h"
#include "xt.h"

#define BE_DIR "/local/domain/0/backend/vif/1/0"
#define FE_DIR "/local/domain/1/device/vif/0"

static struct nt_env env;
static struct nt_vm *vm;
static struct xf_xs *xs;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	ck_assert_int_eq(env.dom0->store->open(env.dom0, &xs), 0);
	vm = nt_vm_new(&env, 1, true);
}

static void teardown(void)
{
	env.dom0->store->close(xs);
	nt_env_fini(&env);
}

static int key(const char *dir, const char *k)
{
	char path[96];
	uint64_t v;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, k);
	r = xf_xs_read_uint(env.dom0, xs, XF_TXN_NONE, path, 255, &v);
	return r ? r : (int)v;
}

static void run_until(uint64_t ns)
{
	ck_assert_int_eq(xf_rt_run(env.rt, ns), 0);
}

/* Only the backend: the frontend directory stays as the toolstack made
 * it (Initialising). */
static void start_backend(void)
{
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
}

START_TEST(initial_connected_walks_back_on_initialising)
{
	vm->vcfg.initial_state = XF_XENBUS_CONNECTED;
	vm->vcfg.handshake_delay_ns = 1000000;
	start_backend();
	/* Found Connected, features published, nothing mapped. */
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(key(BE_DIR, "feature-rx-copy"), 1);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	run_until(500000);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CONNECTED);
	/* Then, as set_backend_state(): Closing, Closed, InitWait for a
	 * frontend at Initialising. */
	run_until(1500000);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_INITWAIT);
}
END_TEST

START_TEST(initial_connected_serves_after_the_walk)
{
	struct xf_netfront_stats st;

	vm->vcfg.initial_state = XF_XENBUS_CONNECTED;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CONNECTED);
	ck_assert(xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 1);
	nt_close_clean(vm);
}
END_TEST

START_TEST(initial_closed_answers_initialising)
{
	vm->vcfg.initial_state = XF_XENBUS_CLOSED;
	vm->vcfg.handshake_delay_ns = 1000000;
	start_backend();
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CLOSED);
	run_until(1500000);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_INITWAIT);
}
END_TEST

START_TEST(bad_initial_state_refused)
{
	vm->vcfg.initial_state = XF_XENBUS_CLOSING;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), -EINVAL);
	vm->vcfg.initial_state = XF_XENBUS_INITIALISING;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), -EINVAL);
	vm->vif = NULL;
}
END_TEST

START_TEST(set_closed_then_frontend_reconnects)
{
	struct xf_netfront_stats st;

	vm->vcfg.handshake_delay_ns = 1000000;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert(xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(xf_nb_vif_set_state(vm->vif, XF_XENBUS_CLOSED), 0);
	/* Closed without Closing, nothing mapped any more; the frontend
	 * starts over, and the vif answers only after its delay. */
	run_until(xf_rt_now_ns(env.rt) + 500000);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CLOSED);
	ck_assert_int_eq(key(FE_DIR, "state"), XF_XENBUS_INITIALISING);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	/* netfront starts over; the vif answers InitWait and connects. */
	nt_run(&env);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(key(FE_DIR, "state"), XF_XENBUS_CONNECTED);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
	nt_close_clean(vm);
}
END_TEST

START_TEST(set_state_out_of_range_refused)
{
	start_backend();
	ck_assert_int_eq(xf_nb_vif_set_state(vm->vif, 0), -EINVAL);
	ck_assert_int_eq(xf_nb_vif_set_state(vm->vif, 7), -EINVAL);
	ck_assert_int_eq(xf_nb_vif_set_state(NULL, 6), -EINVAL);
}
END_TEST

START_TEST(request_close_writes_online_and_closing)
{
	start_backend();
	nt_run(&env);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_INITWAIT);
	ck_assert_int_eq(xf_nb_toolstack_request_close(env.dom0, 1, 0, 0), 0);
	ck_assert_int_eq(key(BE_DIR, "online"), 0);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CLOSING);
	/* No such device. */
	ck_assert_int_eq(xf_nb_toolstack_request_close(env.dom0, 1, 0, 7),
			 -ENOENT);
}
END_TEST

START_TEST(request_close_leaves_closed_closed)
{
	vm->vcfg.initial_state = XF_XENBUS_CLOSED;
	vm->vcfg.handshake_delay_ns = 1000000;
	start_backend();
	ck_assert_int_eq(xf_nb_toolstack_request_close(env.dom0, 1, 0, 0), 0);
	ck_assert_int_eq(key(BE_DIR, "online"), 0);
	ck_assert_int_eq(key(BE_DIR, "state"), XF_XENBUS_CLOSED);
}
END_TEST

XT_SUITE("netback-dance")
{
	TCase *tc = xt_tcase_fixture("dance", setup, teardown, 60);

	tcase_add_test(tc, initial_connected_walks_back_on_initialising);
	tcase_add_test(tc, initial_connected_serves_after_the_walk);
	tcase_add_test(tc, initial_closed_answers_initialising);
	tcase_add_test(tc, bad_initial_state_refused);
	tcase_add_test(tc, set_closed_then_frontend_reconnects);
	tcase_add_test(tc, set_state_out_of_range_refused);
	tcase_add_test(tc, request_close_writes_online_and_closing);
	tcase_add_test(tc, request_close_leaves_closed_closed);
}
