/* SPDX-License-Identifier: MIT */
/* Backend restart, device removal and re-appearance, suspend/resume and
 * reconnect to a backend with other features, with frames in flight. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *vm;
static struct xf_traffic_flow fl;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = nt_vm_new(&env, 1, true);
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_UDP, 4, vm->mac, vm->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(vm->trx, &fl, false), 0);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

/* Frame i of the stream carries bytes [i*100, i*100+100). */
static void send_range(unsigned int from, unsigned int to)
{
	nt_send_stream(vm, &fl, from, to);
}

static void run_for(uint64_t ns)
{
	ck_assert_int_eq(xf_rt_run(env.rt, xf_rt_now_ns(env.rt) + ns), 0);
}

static unsigned int garps_received(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < vm->nr_rx; i++)
		if (vm->rx[i].len >= 14 && vm->rx[i].data[12] == 0x08 &&
		    vm->rx[i].data[13] == 0x06)
			n++;
	return n;
}

static void restart_backend(const struct xf_nb_features *f)
{
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	if (f)
		vm->vcfg.feat = *f;
	vm->vcfg.rate_frames_per_s = 0;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
}

/* The toolstack makes the vif's directories afresh (at state 1). */
static void add_vif_dirs(void)
{
	struct xf_nb_vif_dirs d = { .fe_domid = 1, .be_domid = 0, .devid = 0,
				    .mtu = 1500, .trusted = -1 };

	memcpy(d.mac, vm->mac, 6);
	ck_assert_int_eq(xf_nb_toolstack_add_vif(env.dom0, &d), 0);
}

START_TEST(backend_restart_with_frames_in_flight)
{
	struct xf_traffic_rx_stats rs;
	struct xf_netfront_stats st;
	struct xf_mock_stats ms;
	struct xf_nb_vif_stats vs;
	uint64_t lost;

	/* A slow backend leaves most frames on the ring, unanswered. */
	vm->vcfg.rate_frames_per_s = 1000;
	nt_vm_start(vm);
	run_for(1000000);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	send_range(0, 100);
	run_for(20000000);
	ck_assert_uint_lt(vm->done_ok, 100);
	ck_assert_uint_gt(vm->done_ok, 0);
	xf_nb_vif_stats(vm->vif, &vs);
	lost = vs.tx_frames - vs.rx_frames;
	restart_backend(NULL);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	/* Every frame completed exactly once, none lost, none twice. */
	ck_assert_uint_eq(vm->done_ok + vm->done_err, 100);
	ck_assert_uint_eq(vm->done_ok, 100);
	ck_assert_uint_eq(vm->done_cookies, 5050);
	xf_traffic_rx_stats(vm->trx, &rs);
	ck_assert_uint_eq(rs.dup, 0);
	ck_assert_uint_eq(rs.bad_seg + rs.bad_csum, 0);
	/* Frames the dying backend had accepted (answered) but not yet
	 * delivered are lost on the wire, as with a real host crash. */
	ck_assert_uint_le(lost, 1);
	ck_assert_uint_eq(rs.payload_bytes, (100 - lost) * 100);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
	ck_assert_uint_gt(st.tx_requeued, 0);
	/* Peers relearn the MAC: one announcement after the reconnect. */
	ck_assert_uint_eq(st.garp_sent, 1);
	ck_assert_uint_eq(garps_received(), 1);
	/* The old rings and buffers were all revoked. */
	xf_mock_stats(env.hv, 1, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 2 + 2 * 256u);
}
END_TEST

/* A backend restarted with fewer queues than the frontend's keys, still
 * Connected, ask for (the frontend is suspended, so the new vif reads
 * the old keys): its connect fails, and as Linux's xenbus_dev_fatal()
 * it writes "<errno> <why>" to its error node and Closing; the resumed
 * frontend starts over, and the vif connects to the one queue it now
 * offers (before, the vif stayed broken for good). */
START_TEST(restart_with_fewer_queues_reconnects)
{
	struct xf_nb_features one;
	struct xf_netfront_stats st;
	struct xf_xs *xs;
	char *err = NULL;

	vm->ncfg.max_queues = 2;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 2);
	ck_assert_int_eq(xf_netfront_suspend(vm->nf), 0);
	nt_run(&env);
	xf_nb_features_default(&one);
	one.max_queues = 1;
	restart_backend(&one);
	nt_run(&env);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(xf_netfront_resume(vm->nf), 0);
	nt_run(&env);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	ck_assert(xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 1);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
	ck_assert_int_eq(env.dom0->store->open(env.dom0, &xs), 0);
	ck_assert_int_eq(xf_xs_read_str(env.dom0, xs, XF_TXN_NONE,
		"/local/domain/0/error/backend/vif/1/0/error", &err), 0);
	ck_assert_msg(strncmp(err, "22 ", 3) == 0 &&
		      strstr(err, "queues") != NULL, "error node '%s'", err);
	free(err);
	env.dom0->store->close(xs);
	send_range(0, 10);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 10);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 1), 1000);
}
END_TEST

START_TEST(reconnect_to_backend_without_offloads)
{
	struct xf_nb_features bare;
	struct xf_netfront_features f;
	struct xf_netfront_stats st;
	struct xf_traffic_rx_stats rs;
	struct xf_traffic_flow tcp;
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len;

	xf_traffic_flow_init(&tcp, 2, XF_TRAFFIC_TCP, 4, vm->mac, vm->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(vm->trx, &tcp, true), 0);
	nt_vm_start(vm);
	nt_run(&env);
	xf_netfront_features(vm->nf, &f);
	ck_assert(f.gso_tcpv4 && f.tx_csum_v4);
	memset(&bare, 0, sizeof(bare));
	bare.rx_copy = true;
	bare.sg = true;
	bare.csum = false;
	restart_backend(&bare);
	nt_run(&env);
	xf_netfront_features(vm->nf, &f);
	ck_assert(!f.gso_tcpv4 && !f.tx_csum_v4);
	/* The application keeps asking for offloads; netfront does them. */
	ck_assert_int_eq(xf_traffic_build(&tcp, 0, 20000,
					  XF_TRAFFIC_CSUM_OFFLOAD, buf,
					  XF_NET_MAX_FRAME, &len), 0);
	ck_assert_int_eq(nt_send(vm, buf, len, XF_NET_F_CSUM_BLANK, tcp.mss,
				 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 1);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.tx_sw_gso, 1);
	xf_traffic_rx_stats(vm->trx, &rs);
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_eq(rs.bad_seg, 0);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 2), 20000);
	free(buf);
}
END_TEST

START_TEST(device_removal_and_reappearance)
{
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_nb_toolstack_remove_vif(env.dom0, 1, 0, 0), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_DISCONNECTED);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	send_range(0, 10);
	/* The frontend directory comes back too (a re-plug). */
	add_vif_dirs();
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert_uint_eq(vm->done_ok, 10);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 1), 1000);
	nt_close_clean(vm);
}
END_TEST

START_TEST(suspend_resume_to_new_backend)
{
	struct xf_netfront_features f;
	struct xf_netfront_stats st;

	nt_vm_start(vm);
	nt_run(&env);
	send_range(0, 5);
	ck_assert_int_eq(xf_netfront_suspend(vm->nf), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_SUSPENDED);
	/* Migration: the old backend is gone, both directories are made
	 * afresh at state 1, the new host has fewer features. */
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	ck_assert_int_eq(xf_nb_toolstack_remove_vif(env.dom0, 1, 0, 0), 0);
	add_vif_dirs();
	vm->vcfg.feat.split_evtchn = false;
	vm->vcfg.feat.gso_tcpv6 = false;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	send_range(5, 10);
	ck_assert_int_eq(xf_netfront_resume(vm->nf), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	xf_netfront_features(vm->nf, &f);
	ck_assert(!f.split_evtchn && !f.gso_tcpv6 && f.gso_tcpv4);
	ck_assert_uint_eq(vm->done_ok, 10);
	ck_assert_uint_eq(vm->done_cookies, 55);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 1), 1000);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.garp_sent, 1);
}
END_TEST

START_TEST(backend_close_then_reopen)
{
	struct xf_netfront_stats st;

	nt_vm_start(vm);
	nt_run(&env);
	for (int i = 0; i < 10; i++) {
		restart_backend(NULL);
		nt_run(&env);
		ck_assert_msg(xf_netfront_state(vm->nf) ==
			      XF_NETFRONT_CONNECTED, "round %d: %s", i,
			      vm->log);
		send_range((unsigned int)i * 10, (unsigned int)i * 10 + 10);
		nt_run(&env);
	}
	ck_assert_uint_eq(vm->done_ok, 100);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 1), 10000);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 11);
}
END_TEST

/* Suspend and resume on the same host, the backend left alone: it is
 * still Connected on the rings suspend released, and the frontend's
 * state key still says Connected. The frontend must write Initialising
 * and reconnect at the backend's InitWait (Linux netback walks
 * Connected, Closing, Closed, InitWait). */
START_TEST(suspend_resume_in_place)
{
	struct xf_netfront_stats st;
	struct xf_nb_vif_stats vs;

	nt_vm_start(vm);
	nt_run(&env);
	send_range(0, 5);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_suspend(vm->nf), 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_SUSPENDED);
	send_range(5, 10);
	ck_assert_int_eq(xf_netfront_resume(vm->nf), 0);
	nt_run(&env);
	ck_assert_msg(xf_netfront_state(vm->nf) == XF_NETFRONT_CONNECTED,
		      "state %d: %s", xf_netfront_state(vm->nf), vm->log);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.connects, 2);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.connects, 2);
	ck_assert_uint_eq(vm->done_ok, 10);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(vm->trx, 1), 1000);
}
END_TEST

static bool fe_has(const char *key)
{
	struct xf_platform *p = vm->p;
	struct xf_xs *xs;
	char path[128], *v = NULL;
	int rc;

	snprintf(path, sizeof(path), "/local/domain/1/device/vif/0/%s", key);
	ck_assert_int_eq(p->store->open(p, &xs), 0);
	rc = xf_xs_read_str(p, xs, XF_TXN_NONE, path, &v);
	free(v);
	p->store->close(xs);
	ck_assert(rc == 0 || rc == -ENOENT);
	return rc == 0;
}

/* The backend closes (the frontend answers with Initialising), then a
 * new one with features f comes up on the same directories. */
static void reopen_backend(const struct xf_nb_features *f)
{
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	nt_run(&env);
	vm->vcfg.feat = *f;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
}

/* Keys of the previous connection must not survive a reconnect: Linux
 * netback reads event-channel-tx/-rx before event-channel, whatever it
 * offered, so a stale pair would bind dead ports. */
START_TEST(reconnect_to_one_channel_removes_split_keys)
{
	struct xf_nb_features f;

	xf_nb_features_default(&f);
	f.max_queues = 1;
	vm->vcfg.feat = f;
	vm->ncfg.max_queues = 2;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert(fe_has("event-channel-tx") && fe_has("event-channel-rx"));
	ck_assert(!fe_has("event-channel"));
	f.split_evtchn = false;
	reopen_backend(&f);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert(fe_has("event-channel"));
	ck_assert(!fe_has("event-channel-tx"));
	ck_assert(!fe_has("event-channel-rx"));
	/* And back: one channel to split. */
	f.split_evtchn = true;
	reopen_backend(&f);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert(fe_has("event-channel-tx") && fe_has("event-channel-rx"));
	ck_assert(!fe_has("event-channel"));
	/* One queue to two leaves no top-level ring keys. */
	f.max_queues = 2;
	reopen_backend(&f);
	ck_assert_uint_eq(xf_netfront_nr_queues(vm->nf), 2);
	ck_assert(fe_has("queue-0/tx-ring-ref"));
	ck_assert(fe_has("queue-1/tx-ring-ref"));
	ck_assert(!fe_has("tx-ring-ref") && !fe_has("rx-ring-ref"));
	ck_assert(!fe_has("event-channel-tx"));
	send_range(0, 10);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 10);
}
END_TEST

/* A stale request-multicast-control = 1 would make the next backend
 * filter multicast the frontend no longer asks to filter. */
START_TEST(reconnect_without_multicast_removes_request_key)
{
	struct xf_nb_features f;

	xf_nb_features_default(&f);
	vm->vcfg.feat = f;
	nt_vm_start(vm);
	nt_run(&env);
	ck_assert(fe_has("request-multicast-control"));
	f.multicast_control = false;
	f.dynamic_multicast = false;
	reopen_backend(&f);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert(!fe_has("request-multicast-control"));
}
END_TEST

XT_SUITE("netfront-reconnect")
{
	TCase *tc = xt_tcase_fixture("reconnect", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, backend_restart_with_frames_in_flight);
	tcase_add_test(tc, restart_with_fewer_queues_reconnects);
	tcase_add_test(tc, reconnect_to_backend_without_offloads);
	tcase_add_test(tc, device_removal_and_reappearance);
	tcase_add_test(tc, suspend_resume_to_new_backend);
	tcase_add_test(tc, backend_close_then_reopen);
	tcase_add_test(tc, suspend_resume_in_place);
	tcase_add_test(tc, reconnect_to_one_channel_removes_split_keys);
	tcase_add_test(tc, reconnect_without_multicast_removes_request_key);
}
