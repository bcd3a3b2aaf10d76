/* SPDX-License-Identifier: MIT */
/* netfront <-> mock netback end to end: handshake, TX/RX, teardown. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

START_TEST(loopback_connects_and_echoes)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	uint8_t buf[2048];
	uint32_t len;

	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	ck_assert(xf_nb_vif_connected(vm->vif));
	len = nt_udp_frame(buf, vm->mac, vm->mac, 200, 7);
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 42), 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_ok, 1);
	ck_assert_uint_eq(vm->done_cookies, 42);
	ck_assert_uint_eq(vm->nr_rx, 1);
	ck_assert_uint_eq(vm->rx[0].len, len);
	ck_assert_mem_eq(vm->rx[0].data, buf, len);
	/* Sent with no checksum flag: Linux netback vouches for nothing
	 * (xenvif_rx_data_slot() flags only partial or validated frames). */
	ck_assert(!(vm->rx[0].flags & XF_NET_F_DATA_VALIDATED));
}
END_TEST

START_TEST(switch_two_vms)
{
	struct nt_vm *a, *b;
	uint8_t buf[2048];
	uint32_t len;
	struct xf_nb_switch_stats ss;

	nt_pair_new(&env, &a, &b);
	nt_pair_start(a, b);
	len = nt_udp_frame(buf, a->mac, b->mac, 1000, 1);
	ck_assert_int_eq(nt_send(a, buf, len, 0, 0, 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, 1);
	ck_assert_uint_eq(a->nr_rx, 0);
	ck_assert_mem_eq(b->rx[0].data, buf, len);
	/* b answers: a's MAC was learnt, so this one is forwarded. */
	len = nt_udp_frame(buf, b->mac, a->mac, 500, 2);
	ck_assert_int_eq(nt_send(b, buf, len, 0, 0, 2), 0);
	nt_run(&env);
	ck_assert_uint_eq(a->nr_rx, 1);
	ck_assert_mem_eq(a->rx[0].data, buf, len);
	xf_nb_switch_stats(env.sw, &ss);
	ck_assert_uint_eq(ss.flooded, 1);
	ck_assert_uint_eq(ss.forwarded, 1);
}
END_TEST

START_TEST(multi_slot_frames_both_ways)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len;
	struct xf_netfront_stats st;

	nt_vm_start(vm);
	nt_run(&env);
	len = nt_udp_frame(buf, vm->mac, vm->mac, 9000, 3);
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->nr_rx, 1);
	ck_assert_uint_eq(vm->rx[0].len, len);
	ck_assert_mem_eq(vm->rx[0].data, buf, len);
	ck_assert_uint_eq(vm->rx[0].nr_slots, 3);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.tx_slots, 3);
	free(buf);
}
END_TEST

START_TEST(many_frames_recycle_grants)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	uint8_t buf[2048];
	uint32_t len;
	struct xf_netfront_stats st;

	nt_vm_start(vm);
	nt_run(&env);
	/* Far more frames than tx ids or rx buffers: ids and grants must
	 * be recycled and the rx ring refilled. */
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 200; i++) {
			len = nt_udp_frame(buf, vm->mac, vm->mac,
					   (uint32_t)(64 + i), (uint8_t)i);
			ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
		}
		nt_run(&env);
	}
	ck_assert_uint_eq(vm->done_ok, 2000);
	ck_assert_uint_eq(vm->nr_rx, 2000);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.rx_frames, 2000);
	ck_assert_uint_gt(st.rx_refills, 1);
}
END_TEST

START_TEST(rx_refill_watermarks)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront_stats st;
	struct xf_nb_vif_stats vs;

	vm->ncfg.rx_low_watermark = 8;
	vm->ncfg.rx_high_watermark = 32;
	nt_vm_start(vm);
	nt_run(&env);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.rx_refills, 1);
	/* 100 frames through at most 32 posted buffers: refilled in
	 * batches each time fewer than 8 were left. */
	nt_send_udp(vm, vm->mac, 100, 100);
	nt_run(&env);
	ck_assert_uint_eq(vm->nr_rx, 100);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_ge(st.rx_refills, 1 + (100 - 32) / 24);
	ck_assert_uint_le(st.rx_refills, 1 + 100 / 24 + 1);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_RX_QUEUE_FULL], 0);
}
END_TEST

START_TEST(bad_config_rejected)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront *nf = NULL;

	vm->ncfg.rx_low_watermark = 64;
	vm->ncfg.rx_high_watermark = 32;
	ck_assert_int_eq(xf_netfront_new(&vm->ncfg, &nf), -EINVAL);
	vm->ncfg.rx_low_watermark = 0;
	vm->ncfg.max_queues = XF_NETFRONT_MAX_QUEUES + 1;
	ck_assert_int_eq(xf_netfront_new(&vm->ncfg, &nf), -EINVAL);
	vm->ncfg.max_queues = 1;
	vm->ncfg.dev_path = "device/vif/9";
	ck_assert_int_lt(xf_netfront_new(&vm->ncfg, &nf), 0);
	ck_assert_ptr_null(nf);
}
END_TEST

START_TEST(send_argument_errors)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	uint8_t *buf = calloc(1, 70000);
	uint32_t lens[2] = { 40000, 40000 };

	nt_vm_start(vm);
	nt_run(&env);
	ck_assert_int_eq(nt_send_frags(vm, buf, lens, 2, 0, 0, 1), -EMSGSIZE);
	ck_assert_int_eq(nt_send(vm, buf, 0, 0, 0, 1), -EINVAL);
	ck_assert_int_eq(xf_netfront_send(vm->nf, 0, NULL, 1), -EINVAL);
	/* A GSO request on a frame with no TCP in it: one completion. */
	ck_assert_int_eq(nt_send(vm, buf, 100, 0, 1000, 7), 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_err, 1);
	ck_assert_int_eq(vm->last_status, -EINVAL);
	free(buf);
}
END_TEST

START_TEST(vcpu_cost_model)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_rt_vcpu_stats v0, v1;

	/* Queue on vCPU 1, backend on vCPU 0: each pays its own cost. */
	vm->ncfg.queue_vcpu[0] = 1;
	vm->ncfg.nr_queue_vcpus = 1;
	vm->ncfg.tx_cost_ns = 20000;
	vm->ncfg.rx_cost_ns = 30000;
	vm->vcfg.vcpu = 0;
	vm->vcfg.cost_ns_per_frame = 5000;
	nt_vm_start(vm);
	nt_run(&env);
	nt_send_udp(vm, vm->mac, 100, 100);
	nt_run(&env);
	ck_assert_uint_eq(vm->nr_rx, 100);
	ck_assert_int_eq(xf_rt_vcpu_stats(env.rt, 0, &v0), 0);
	ck_assert_int_eq(xf_rt_vcpu_stats(env.rt, 1, &v1), 0);
	ck_assert_uint_ge(v1.busy_ns, 100 * (20000 + 30000));
	ck_assert_uint_ge(v0.busy_ns, 100 * 2 * 5000);
	ck_assert_uint_lt(v0.busy_ns, 100 * (20000 + 30000));
}
END_TEST

START_TEST(close_releases_grants_and_ports)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_mock_stats ms;

	nt_vm_start(vm);
	nt_run(&env);
	xf_mock_stats(env.hv, 1, &ms);
	ck_assert_uint_gt(ms.gnt_shared_pages, 0);
	nt_close_clean(vm);
}
END_TEST

/* Big frames need many rx slots at once: when fewer are posted the
 * backend must arm req_event at req_prod + 1 so the frontend's next
 * refill wakes it (xenvif_rx_ring_slots_available()). */
static void burst_of_big_frames_all_arrive(unsigned int n)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len;
	unsigned int sent = 0;

	nt_vm_start(vm);
	nt_run(&env);
	for (unsigned int i = 0; i < n; i++) {
		len = nt_udp_frame(buf, vm->mac, vm->mac, 60000 - 42,
				   (uint8_t)i);
		if (nt_send(vm, buf, len, 0, 0, 1) == 0)
			sent++;
	}
	nt_run(&env);
	ck_assert_uint_eq(sent, n);
	ck_assert_uint_eq(vm->done_ok, n);
	ck_assert_uint_eq(vm->nr_rx, n);
	free(buf);
}

START_TEST(burst_of_60_big_frames_all_arrive)
{
	burst_of_big_frames_all_arrive(60);
}
END_TEST

START_TEST(burst_of_200_big_frames_all_arrive)
{
	burst_of_big_frames_all_arrive(200);
}
END_TEST

XT_SUITE("netfront-basic")
{
	TCase *tc = xt_tcase_fixture("basic", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, loopback_connects_and_echoes);
	tcase_add_test(tc, switch_two_vms);
	tcase_add_test(tc, multi_slot_frames_both_ways);
	tcase_add_test(tc, many_frames_recycle_grants);
	tcase_add_test(tc, rx_refill_watermarks);
	tcase_add_test(tc, bad_config_rejected);
	tcase_add_test(tc, send_argument_errors);
	tcase_add_test(tc, vcpu_cost_model);
	tcase_add_test(tc, close_releases_grants_and_ports);
	tcase_add_test(tc, burst_of_60_big_frames_all_arrive);
	tcase_add_test(tc, burst_of_200_big_frames_all_arrive);
}
