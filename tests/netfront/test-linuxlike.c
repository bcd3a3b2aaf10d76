/* SPDX-License-Identifier: MIT */
/* Behaviour that a Linux netback exposes and the mock reproduces: fewer
 * queues than the frontend would like, and the Closing/Closed order of
 * the close handshake (netback goes Closed only after the frontend). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *vm;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = nt_vm_new(&env, 1, true);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

static uint64_t be_state(void)
{
	struct xf_platform *p = env.dom0;
	struct xf_xs *xs;
	uint64_t v = 0;

	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, XF_TXN_NONE,
					 "/local/domain/0/backend/vif/1/0/state",
					 255, &v), 0);
	p->store->close(xs);
	return v;
}

/* Sends n frames on an explicit queue, cookies first..first+n-1. */
static void send_on(int queue, unsigned int n, uint64_t first)
{
	uint8_t buf[256];
	struct xf_net_frag fr;
	struct xf_net_frame f;

	for (unsigned int i = 0; i < n; i++) {
		fr.len = nt_udp_frame(buf, vm->mac, vm->mac, 64,
				      (uint8_t)(first + i));
		fr.data = buf;
		memset(&f, 0, sizeof(f));
		f.frags = &fr;
		f.nr_frags = 1;
		ck_assert_int_eq(xf_netfront_send(vm->nf, queue, &f,
						  first + i), 0);
	}
}

START_TEST(queue_hint_beyond_negotiated_count_completes)
{
	/* The frontend could use 4 queues, the backend offers 2. */
	vm->ncfg.max_queues = 4;
	vm->vcfg.feat.max_queues = 2;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 2);
	send_on(3, 10, 1);
	send_on(2, 10, 11);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 20);
	ck_assert_uint_eq(vm->done_err, 0);
	ck_assert_uint_eq(vm->done_cookies, 210);
	ck_assert_uint_eq(vm->nr_rx, 20);
}
END_TEST

START_TEST(frames_before_connect_use_queue_zero)
{
	/* Sent before the handshake: the count is not known yet. */
	vm->ncfg.max_queues = 4;
	vm->vcfg.feat.max_queues = 1;
	nt_vm_start(vm);
	send_on(3, 5, 1);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 1);
	ck_assert_uint_eq(vm->done_ok, 5);
	ck_assert_uint_eq(vm->done_cookies, 15);
}
END_TEST

START_TEST(reconnect_with_fewer_queues_moves_waiting_frames)
{
	struct xf_nb_features f;

	vm->ncfg.max_queues = 4;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 4);
	/* Frames wait on queues 2 and 3 while the backend is away; it
	 * comes back with a single queue. */
	send_on(3, 8, 1);
	send_on(2, 8, 9);
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_DISCONNECTED);
	ck_assert_uint_eq(vm->done_ok + vm->done_err, 0);
	f = vm->vcfg.feat;
	f.max_queues = 1;
	vm->vcfg.feat = f;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 1);
	/* Each frame completes exactly once. */
	ck_assert_uint_eq(vm->done_ok + vm->done_err, 16);
	ck_assert_uint_eq(vm->done_ok, 16);
	ck_assert_uint_eq(vm->done_cookies, 136);
	send_on(3, 2, 17);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 18);
}
END_TEST

START_TEST(backend_answers_closing_with_closing)
{
	/* The mock netback behaves as Linux: Closing for the frontend's
	 * Closing, and stays there until the frontend writes Closed. */
	struct xf_platform *p = vm->p;
	struct xf_xs *xs;

	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
	ck_assert_uint_eq(be_state(), 2);
	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_printf(p, xs, XF_TXN_NONE,
				      "/local/domain/1/device/vif/0/state",
				      "5"), 0);
	nt_run(&env);
	ck_assert_uint_eq(be_state(), 5);
	ck_assert_int_eq(xf_xs_printf(p, xs, XF_TXN_NONE,
				      "/local/domain/1/device/vif/0/state",
				      "6"), 0);
	nt_run(&env);
	ck_assert_uint_eq(be_state(), 6);
	p->store->close(xs);
}
END_TEST

START_TEST(close_completes_against_linux_order)
{
	vm->ncfg.max_queues = 2;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	nt_close_clean(vm);
	ck_assert_uint_eq(be_state(), 6);
}
END_TEST

START_TEST(close_before_connect_completes)
{
	nt_vm_start(vm);
	nt_close_clean(vm);
	ck_assert_uint_eq(be_state(), 6);
}
END_TEST

/* Every value the backend's state takes, in order, seen from a watch
 * whose wakeup hook runs at each write (so a walk the frontend would see
 * coalesced shows step by step). */
#define BE_STATE_PATH "/local/domain/0/backend/vif/1/0/state"
static struct xf_xs *trace_xs, *trace_rd;
static uint64_t trace[32];
static unsigned int ntrace;

static void trace_hook(void *opaque)
{
	struct xf_platform *p = env.dom0;
	char *wp, *wt;
	uint64_t v;

	(void)opaque;
	while (p->store->read_watch(trace_xs, &wp, &wt) == 0) {
		free(wp);
		free(wt);
	}
	if (xf_xs_read_uint(p, trace_rd, XF_TXN_NONE, BE_STATE_PATH, 255,
			    &v) < 0)
		return;
	if (ntrace < 32 && (ntrace == 0 || trace[ntrace - 1] != v))
		trace[ntrace++] = v;
}

static void trace_start(void)
{
	struct xf_platform *p = env.dom0;

	ntrace = 0;
	ck_assert_int_eq(p->store->open(p, &trace_xs), 0);
	ck_assert_int_eq(p->store->open(p, &trace_rd), 0);
	ck_assert_int_eq(p->store->set_wakeup(trace_xs, trace_hook, NULL), 0);
	ck_assert_int_eq(p->store->watch(trace_xs, BE_STATE_PATH, "t"), 0);
}

static void trace_stop(void)
{
	env.dom0->store->close(trace_xs);
	env.dom0->store->close(trace_rd);
}

static void fe_state(const char *st)
{
	struct xf_platform *p = vm->p;
	struct xf_xs *xs;

	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_printf(p, xs, XF_TXN_NONE,
				      "/local/domain/1/device/vif/0/state",
				      "%s", st), 0);
	p->store->close(xs);
}

static void assert_trace(const uint64_t *want, unsigned int n)
{
	char got[128] = "";

	for (unsigned int i = 0; i < ntrace; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), " %u",
			 (unsigned int)trace[i]);
	ck_assert_msg(ntrace >= n, "backend states:%s", got);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_msg(trace[i] == want[i], "backend states:%s", got);
}

/* A frontend re-initialising while the backend is Connected (a resume
 * in place): Linux set_backend_state() walks Connected, Closing,
 * Closed, InitWait, one state write each; the frontend then connects
 * again. XF_NB_LENIENT_DIRECT_STATES goes straight to InitWait. */
static void reinit_walk(uint32_t lenient, const uint64_t *want,
			unsigned int n)
{
	struct xf_netfront_stats st;

	vm->vcfg.lenient = lenient;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert(xf_nb_vif_connected(vm->vif));
	trace_start();
	fe_state("1");
	nt_run(&env);
	assert_trace(want, n);
	trace_stop();
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
}

START_TEST(reinit_while_connected_walks_to_initwait)
{
	static const uint64_t want[] = { 4, 5, 6, 2, 4 };

	reinit_walk(0, want, 5);
}
END_TEST

START_TEST(lenient_direct_states_skips_the_walk)
{
	static const uint64_t want[] = { 4, 2, 4 };

	reinit_walk(XF_NB_LENIENT_DIRECT_STATES, want, 3);
}
END_TEST

/* The frontend closing while Connected: Closing, then Closed. */
START_TEST(closed_while_connected_walks_through_closing)
{
	static const uint64_t want[] = { 4, 5, 6 };

	nt_vm_start(vm);
	nt_run(&env);
	trace_start();
	fe_state("6");
	nt_run(&env);
	assert_trace(want, 3);
	trace_stop();
}
END_TEST

XT_SUITE("netfront-linuxlike")
{
	TCase *tc = xt_tcase_fixture("linuxlike", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, queue_hint_beyond_negotiated_count_completes);
	tcase_add_test(tc, frames_before_connect_use_queue_zero);
	tcase_add_test(tc, reconnect_with_fewer_queues_moves_waiting_frames);
	tcase_add_test(tc, backend_answers_closing_with_closing);
	tcase_add_test(tc, close_completes_against_linux_order);
	tcase_add_test(tc, close_before_connect_completes);
	tcase_add_test(tc, reinit_while_connected_walks_to_initwait);
	tcase_add_test(tc, lenient_direct_states_skips_the_walk);
	tcase_add_test(tc, closed_while_connected_walks_through_closing);
}
