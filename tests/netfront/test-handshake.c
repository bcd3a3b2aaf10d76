/* SPDX-License-Identifier: MIT */
/* The vif handshake against backends offering different feature sets:
 * which keys the frontend writes, and what it negotiates. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawback.h"
#include "xt.h"

static struct nt_env env;
static struct rawback rb;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
}

static void teardown(void)
{
	rb_fini(&rb);
	nt_env_fini(&env);
}

static void assert_key(const char *key, const char *want)
{
	char *v = rb_fe_read(&rb, key);

	if (!want) {
		ck_assert_msg(v == NULL, "key %s should be absent, is %s", key,
			      v);
		return;
	}
	ck_assert_msg(v != NULL, "key %s missing", key);
	ck_assert_str_eq(v, want);
	free(v);
}

static const char *const all_feat[] = {
	"feature-rx-copy=1", "feature-sg=1", "feature-gso-tcpv4=1",
	"feature-gso-tcpv6=1", "feature-ipv6-csum-offload=1",
	"feature-split-event-channels=1", "multi-queue-max-queues=4",
	"feature-multicast-control=1", NULL,
};

START_TEST(full_features_two_queues_split)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront_features f;

	vm->ncfg.max_queues = 2;
	rb_offer(&rb, vm, all_feat);
	/* Linux-style: straight to Connected, no Initialised. */
	ck_assert_msg(xf_netfront_state(vm->nf) == XF_NETFRONT_CONNECTING,
		      "state %d: %s", xf_netfront_state(vm->nf), vm->log);
	assert_key("state", "4");
	assert_key("multi-queue-num-queues", "2");
	assert_key("tx-ring-ref", NULL);
	assert_key("event-channel", NULL);
	assert_key("event-channel-tx", NULL);
	for (int q = 0; q < 2; q++) {
		char k[64];
		char *v;

		snprintf(k, sizeof(k), "queue-%d/tx-ring-ref", q);
		ck_assert_ptr_nonnull(v = rb_fe_read(&rb, k));
		free(v);
		snprintf(k, sizeof(k), "queue-%d/event-channel-rx", q);
		ck_assert_ptr_nonnull(v = rb_fe_read(&rb, k));
		free(v);
		snprintf(k, sizeof(k), "queue-%d/event-channel", q);
		assert_key(k, NULL);
	}
	assert_key("request-rx-copy", "1");
	assert_key("feature-rx-notify", "1");
	assert_key("feature-sg", "1");
	assert_key("feature-gso-tcpv4", "1");
	assert_key("feature-gso-tcpv6", "1");
	assert_key("feature-ipv6-csum-offload", "1");
	assert_key("feature-no-csum-offload", "0");
	assert_key("request-multicast-control", "1");
	rb_connect(&rb);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	xf_netfront_features(vm->nf, &f);
	ck_assert_uint_eq(f.nr_queues, 2);
	ck_assert(f.split_evtchn && f.sg && f.gso_tcpv4 && f.gso_tcpv6);
	ck_assert(f.tx_csum_v4 && f.tx_csum_v6);
	ck_assert(f.multicast_control && !f.dynamic_multicast);
	ck_assert_uint_eq(f.mtu, 1500);
}
END_TEST

START_TEST(minimal_backend_single_queue)
{
	static const char *const feat[] = { "feature-rx-copy=1", NULL };
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront_features f;
	char *v;

	vm->ncfg.max_queues = 4;
	rb_offer(&rb, vm, feat);
	assert_key("multi-queue-num-queues", NULL);
	ck_assert_ptr_nonnull(v = rb_fe_read(&rb, "tx-ring-ref"));
	free(v);
	ck_assert_ptr_nonnull(v = rb_fe_read(&rb, "event-channel"));
	free(v);
	assert_key("event-channel-tx", NULL);
	assert_key("request-multicast-control", NULL);
	rb_connect(&rb);
	nt_run(&env);
	xf_netfront_features(vm->nf, &f);
	ck_assert_uint_eq(f.nr_queues, 1);
	ck_assert(!f.sg && !f.gso_tcpv4 && !f.split_evtchn);
	/* netif.h defaults: IPv4 offload on, IPv6 off. */
	ck_assert(f.tx_csum_v4 && !f.tx_csum_v6);
}
END_TEST

START_TEST(no_csum_offload_backend)
{
	static const char *const feat[] = { "feature-rx-copy=1",
					    "feature-no-csum-offload=1", NULL };
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront_features f;

	rb_start(&rb, vm, feat);
	xf_netfront_features(vm->nf, &f);
	ck_assert(!f.tx_csum_v4 && !f.tx_csum_v6);
}
END_TEST

START_TEST(frontend_switches_turn_offloads_off)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_netfront_features f;

	vm->ncfg.no_sg = true;
	vm->ncfg.no_rx_csum = true;
	vm->ncfg.no_split_evtchn = true;
	vm->ncfg.no_multicast_control = true;
	vm->ncfg.no_tx_csum = true;
	rb_offer(&rb, vm, all_feat);
	assert_key("feature-sg", "0");
	assert_key("feature-gso-tcpv4", "0");
	assert_key("feature-gso-tcpv6", "0");
	assert_key("feature-no-csum-offload", "1");
	assert_key("feature-ipv6-csum-offload", "0");
	assert_key("request-multicast-control", NULL);
	assert_key("event-channel-tx", NULL);
	rb_connect(&rb);
	nt_run(&env);
	xf_netfront_features(vm->nf, &f);
	ck_assert(!f.sg && !f.gso_tcpv4 && !f.tx_csum_v4 && !f.split_evtchn);
}
END_TEST

START_TEST(refuses_backend_without_rx_copy)
{
	static const char *const feat[] = { "feature-sg=1", NULL };
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	const char *err;

	rb_offer(&rb, vm, feat);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_ERROR);
	err = xf_netfront_error(vm->nf);
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_nonnull(strstr(err, "feature-rx-copy"));
	assert_key("tx-ring-ref", NULL);
	assert_key("state", "5");
}
END_TEST

START_TEST(reads_mtu_and_trusted)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_platform *p = env.dom0;
	struct xf_netfront_features f;
	struct xf_xs *xs;
	uint8_t mac[6];

	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_printf(p, xs, 0,
				      "/local/domain/1/device/vif/0/mtu", "9000"), 0);
	ck_assert_int_eq(xf_xs_printf(p, xs, 0,
				      "/local/domain/1/device/vif/0/trusted", "0"), 0);
	p->store->close(xs);
	rb_offer(&rb, vm, all_feat);
	xf_netfront_features(vm->nf, &f);
	ck_assert_uint_eq(f.mtu, 9000);
	ck_assert(!f.trusted);
	xf_netfront_mac(vm->nf, mac);
	ck_assert_mem_eq(mac, vm->mac, 6);
}
END_TEST

START_TEST(bad_mac_is_rejected)
{
	struct nt_vm *vm = nt_vm_new(&env, 1, true);
	struct xf_platform *p = env.dom0;
	struct xf_netfront *nf = NULL;
	struct xf_xs *xs;

	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_printf(p, xs, 0,
				      "/local/domain/1/device/vif/0/mac", "zz"), 0);
	p->store->close(xs);
	ck_assert_int_eq(xf_netfront_new(&vm->ncfg, &nf), -EINVAL);
	ck_assert_ptr_null(nf);
}
END_TEST

XT_SUITE("netfront-handshake")
{
	TCase *tc = xt_tcase_fixture("handshake", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, full_features_two_queues_split);
	tcase_add_test(tc, minimal_backend_single_queue);
	tcase_add_test(tc, no_csum_offload_backend);
	tcase_add_test(tc, frontend_switches_turn_offloads_off);
	tcase_add_test(tc, refuses_backend_without_rx_copy);
	tcase_add_test(tc, reads_mtu_and_trusted);
	tcase_add_test(tc, bad_mac_is_rejected);
}
