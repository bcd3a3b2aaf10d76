/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt-mock.h"

static void on_done(void *opaque, uint64_t cookie, int status)
{
	struct nt_vm *vm = opaque;

	if (status == 0)
		vm->done_ok++;
	else
		vm->done_err++;
	vm->last_status = status;
	vm->done_cookies += cookie;
}

static void on_rx(void *opaque, const struct xf_net_rx_frame *f)
{
	struct nt_vm *vm = opaque;
	struct nt_rxf *r;

	if (vm->trx)
		xf_traffic_rx_frame(vm->trx, f->data, f->len, f->flags,
				    f->gso_size, xf_rt_now_ns(vm->env->rt));
	if (vm->nr_rx >= NT_MAX_RX)
		return;
	r = &vm->rx[vm->nr_rx++];
	r->data = malloc(f->len);
	memcpy(r->data, f->data, f->len);
	r->len = f->len;
	r->flags = f->flags;
	r->gso_size = f->gso_size;
	r->nr_slots = f->nr_slots;
	r->queue = f->queue;
}

static void on_log(void *opaque, const char *msg)
{
	struct nt_vm *vm = opaque;

	snprintf(vm->log, sizeof(vm->log), "%s", msg);
}

static const struct xf_netfront_ops nt_ops = {
	.tx_done = on_done,
	.rx = on_rx,
	.log = on_log,
};

void nt_env_init(struct nt_env *e, enum xf_rt_mode mode, const char *pcap)
{
	struct xf_rt_config rc;
	struct xf_nb_switch_config sc = { .pcap_path = pcap };

	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(xf_mock_hv_new(&e->hv), 0);
	ck_assert_int_eq(xf_mock_domain_new(e->hv, 0, &e->dom0), 0);
	xf_rt_config_init(&rc);
	rc.mode = mode;
	rc.nr_vcpus = 2;
	ck_assert_int_eq(xf_rt_new(&rc, &e->rt), 0);
	ck_assert_int_eq(xf_nb_switch_new(e->rt, &sc, &e->sw), 0);
}

void nt_rx_clear(struct nt_vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_rx; i++)
		free(vm->rx[i].data);
	vm->nr_rx = 0;
}

void nt_env_fini(struct nt_env *e)
{
	for (unsigned int i = 0; i < e->nr_vms; i++) {
		struct nt_vm *vm = &e->vm[i];

		if (vm->nf)
			xf_netfront_free(vm->nf);
		if (vm->vif)
			xf_nb_vif_free(vm->vif);
		nt_rx_clear(vm);
		xf_traffic_rx_free(vm->trx);
	}
	xf_nb_switch_free(e->sw);
	for (unsigned int i = 0; i < e->nr_vms; i++)
		xf_mock_domain_destroy(e->vm[i].p);
	xf_mock_domain_destroy(e->dom0);
	xf_mock_hv_free(e->hv);
	xf_rt_free(e->rt);
}

struct nt_vm *nt_vm_new(struct nt_env *e, xf_domid domid, bool loopback)
{
	struct nt_vm *vm = &e->vm[e->nr_vms++];
	struct xf_nb_vif_dirs d;

	memset(vm, 0, sizeof(*vm));
	vm->env = e;
	vm->domid = domid;
	vm->devid = 0;
	vm->mac[0] = 0x00;
	vm->mac[1] = 0x16;
	vm->mac[2] = 0x3e;
	vm->mac[5] = (uint8_t)domid;
	ck_assert_int_eq(xf_mock_domain_new(e->hv, domid, &vm->p), 0);
	memset(&d, 0, sizeof(d));
	d.fe_domid = domid;
	d.be_domid = 0;
	d.devid = 0;
	memcpy(d.mac, vm->mac, 6);
	d.mtu = 1500;
	d.trusted = -1;
	ck_assert_int_eq(xf_nb_toolstack_add_vif(e->dom0, &d), 0);
	xf_nb_vif_config_init(&vm->vcfg);
	vm->vcfg.plat = e->dom0;
	vm->vcfg.rt = e->rt;
	vm->vcfg.fe_domid = domid;
	vm->vcfg.sw = loopback ? NULL : e->sw;
	xf_netfront_config_init(&vm->ncfg);
	vm->ncfg.plat = vm->p;
	vm->ncfg.rt = e->rt;
	vm->ncfg.dev_path = "device/vif/0";
	vm->ncfg.ops = &nt_ops;
	vm->ncfg.opaque = vm;
	ck_assert_int_eq(xf_traffic_rx_new(&vm->trx), 0);
	return vm;
}

void nt_vm_start(struct nt_vm *vm)
{
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	ck_assert_int_eq(xf_netfront_new(&vm->ncfg, &vm->nf), 0);
	ck_assert_int_eq(xf_netfront_start(vm->nf), 0);
}

void nt_vm_start_front(struct nt_vm *vm)
{
	ck_assert_int_eq(xf_netfront_new(&vm->ncfg, &vm->nf), 0);
	ck_assert_int_eq(xf_netfront_start(vm->nf), 0);
}

void nt_run(struct nt_env *e)
{
	ck_assert_int_eq(xf_rt_run(e->rt, UINT64_MAX), 0);
}

void nt_pair_new(struct nt_env *e, struct nt_vm **a, struct nt_vm **b)
{
	*a = nt_vm_new(e, 1, false);
	*b = nt_vm_new(e, 2, false);
}

void nt_pair_start(struct nt_vm *a, struct nt_vm *b)
{
	nt_vm_start(a);
	nt_vm_start(b);
	nt_run(a->env);
	ck_assert_int_eq(xf_netfront_state(a->nf), XF_NETFRONT_CONNECTED);
	ck_assert_int_eq(xf_netfront_state(b->nf), XF_NETFRONT_CONNECTED);
}

void nt_close_clean(struct nt_vm *vm)
{
	ck_assert_int_eq(xf_netfront_close(vm->nf), 0);
	nt_run(vm->env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CLOSED);
	XT_MOCK_ASSERT_CLEAN(vm->env->hv, vm->domid);
}

int nt_send_frags(struct nt_vm *vm, const uint8_t *data, const uint32_t
		  *lens, unsigned int n, uint32_t flags, uint16_t gso,
		  uint64_t cookie)
{
	struct xf_net_frag fr[XF_NETFRONT_MAX_FRAGS];
	struct xf_net_frame f;
	uint32_t off = 0;

	for (unsigned int i = 0; i < n; i++) {
		fr[i].data = data + off;
		fr[i].len = lens[i];
		off += lens[i];
	}
	memset(&f, 0, sizeof(f));
	f.frags = fr;
	f.nr_frags = n;
	f.flags = flags;
	f.gso_size = gso;
	return xf_netfront_send(vm->nf, 0, &f, cookie);
}

int nt_send(struct nt_vm *vm, const uint8_t *data, uint32_t len,
	    uint32_t flags, uint16_t gso, uint64_t cookie)
{
	return nt_send_frags(vm, data, &len, 1, flags, gso, cookie);
}

uint32_t nt_udp_frame(uint8_t *buf, const uint8_t *src, const uint8_t *dst,
		      uint32_t payload, uint8_t seed)
{
	struct xf_traffic_flow fl;
	uint32_t len = 0;

	xf_traffic_flow_init(&fl, seed, XF_TRAFFIC_UDP, 4, src, dst);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, payload,
					  XF_TRAFFIC_CSUM_GOOD, buf,
					  XF_NET_MAX_FRAME, &len), 0);
	return len;
}

void nt_send_stream(struct nt_vm *vm, struct xf_traffic_flow *fl,
		    unsigned int from, unsigned int to)
{
	uint8_t buf[512];
	uint32_t len;

	for (unsigned int i = from; i < to; i++) {
		ck_assert_int_eq(xf_traffic_build(fl, (uint64_t)i * 100, 100,
						  XF_TRAFFIC_CSUM_GOOD, buf,
						  sizeof(buf), &len), 0);
		ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, i + 1), 0);
	}
}

void nt_send_udp(struct nt_vm *from, const uint8_t *to_mac, unsigned int n,
		 uint32_t payload)
{
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = nt_udp_frame(buf, from->mac, to_mac, payload,
					    (uint8_t)i);

		ck_assert_int_eq(nt_send(from, buf, len, 0, 0, 1), 0);
	}
	free(buf);
}

void nt_gen_drain(struct nt_vm *from, struct xf_traffic_gen *g)
{
	while (!xf_traffic_gen_done(g)) {
		int rc = xf_traffic_gen_send(g, from->nf, 0, 64);

		ck_assert(rc >= 0 || rc == -EAGAIN);
		nt_run(from->env);
	}
}
