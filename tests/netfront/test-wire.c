/* SPDX-License-Identifier: MIT */
/* What netfront puts on the tx ring: slot layout, flags, extra info,
 * checksum/GSO fallbacks, slot limits, grant recycling. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rawback.h"
#include "xt.h"

static struct nt_env env;
static struct rawback rb;
static struct nt_vm *vm;
static uint8_t (*slots)[12];
/* The frame sent, and what the backend reads back of it. */
static uint8_t *buf, *got;

static const char *const all_feat[] = {
	"feature-rx-copy=1", "feature-sg=1", "feature-gso-tcpv4=1",
	"feature-gso-tcpv6=1", "feature-ipv6-csum-offload=1", NULL,
};
static const char *const bare_feat[] = {
	"feature-rx-copy=1", "feature-sg=1", "feature-no-csum-offload=1",
	NULL,
};

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = nt_vm_new(&env, 1, true);
	slots = calloc(512, 12);
	buf = malloc(XF_NET_MAX_FRAME);
	got = malloc(XF_NET_MAX_FRAME);
}

static void teardown(void)
{
	rb_fini(&rb);
	nt_env_fini(&env);
	free(slots);
	free(buf);
	free(got);
}

static struct xf_netif_tx_request req(unsigned int i)
{
	struct xf_netif_tx_request r;

	memcpy(&r, slots[i], sizeof(r));
	return r;
}

static struct xf_netif_extra_info extra(unsigned int i)
{
	struct xf_netif_extra_info e;

	memcpy(&e, slots[i], sizeof(e));
	return e;
}

/* A TCP frame into buf. */
static uint32_t tcp_frame(uint8_t ipv, uint32_t payload,
			  enum xf_traffic_csum cs)
{
	struct xf_traffic_flow fl;
	uint32_t len;

	xf_traffic_flow_init(&fl, 3, XF_TRAFFIC_TCP, ipv, vm->mac, vm->mac);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, payload, cs, buf,
					  XF_NET_MAX_FRAME, &len), 0);
	return len;
}

/* Sends buf as one frame; returns how many tx slots it took. */
static unsigned int send_take(uint32_t len, uint32_t flags, uint16_t gso,
			      uint64_t cookie)
{
	ck_assert_int_eq(nt_send(vm, buf, len, flags, gso, cookie), 0);
	nt_run(&env);
	return rb_tx_take(&rb, 0, slots, 512);
}

/* The same with buf split into n fragments of lens bytes. */
static unsigned int send_frags_take(const uint32_t *lens, unsigned int n)
{
	ck_assert_int_eq(nt_send_frags(vm, buf, lens, n, 0, 0, 1), 0);
	nt_run(&env);
	return rb_tx_take(&rb, 0, slots, 512);
}

/* Answers slots 0..n-1 OKAY and lets the frontend see it. */
static void respond_okay(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rb_tx_respond(&rb, 0, req(i).id, XF_NETIF_RSP_OKAY);
	rb_push(&rb, 0);
	nt_run(&env);
}

/* Reassembles a tx chain's data starting at slot i from the grants. */
static uint32_t gather(unsigned int i, unsigned int n, uint8_t *out)
{
	struct xf_netif_tx_request r0 = req(i);
	uint32_t rest = 0, off = 0;
	unsigned int k, first_data = i;

	for (k = i + 1; k < n; k++)
		if (!(r0.flags & XF_NETTXF_extra_info) || k > i + 1)
			rest += req(k).size;
	rb_read_grant(&rb, r0.gref, r0.offset, out, (uint16_t)(r0.size - rest));
	off = r0.size - rest;
	for (k = first_data + 1; k < n; k++) {
		struct xf_netif_tx_request r;

		if ((r0.flags & XF_NETTXF_extra_info) && k == i + 1)
			continue;
		r = req(k);
		rb_read_grant(&rb, r.gref, r.offset, out + off, r.size);
		off += r.size;
	}
	return off;
}

START_TEST(multi_slot_layout)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 9000, 1);
	unsigned int n;

	rb_start(&rb, vm, all_feat);
	n = send_take(len, 0, 0, 1);
	ck_assert_uint_eq(n, 3);
	/* First slot: the whole frame's size; later slots: their own. */
	ck_assert_uint_eq(req(0).size, len);
	ck_assert_uint_eq(req(0).flags, XF_NETTXF_more_data);
	ck_assert_uint_eq(req(1).size, 4096);
	ck_assert_uint_eq(req(1).flags, XF_NETTXF_more_data);
	ck_assert_uint_eq(req(2).size, len - 8192);
	ck_assert_uint_eq(req(2).flags, 0);
	ck_assert_uint_eq(gather(0, n, got), len);
	ck_assert_mem_eq(got, buf, len);
	/* Answer: the frame completes once, all its ids come back. */
	respond_okay(n);
	ck_assert_uint_eq(vm->done_ok, 1);
}
END_TEST

START_TEST(gso_extra_info_and_csum_blank)
{
	uint32_t len = tcp_frame(4, 30000, XF_TRAFFIC_CSUM_OFFLOAD);
	struct xf_netif_extra_info e;
	unsigned int n;

	rb_start(&rb, vm, all_feat);
	n = send_take(len, XF_NET_F_CSUM_BLANK, 1460, 9);
	/* 8 data slots for 30054 bytes plus one GSO extra after the first. */
	ck_assert_uint_eq(n, 9);
	ck_assert_uint_eq(req(0).flags, XF_NETTXF_csum_blank |
			  XF_NETTXF_data_validated | XF_NETTXF_extra_info |
			  XF_NETTXF_more_data);
	ck_assert_uint_eq(req(0).size, len);
	e = extra(1);
	ck_assert_uint_eq(e.type, XF_NETIF_EXTRA_TYPE_GSO);
	ck_assert_uint_eq(e.flags, 0);
	ck_assert_uint_eq(e.u.gso.size, 1460);
	ck_assert_uint_eq(e.u.gso.type, XF_NETIF_GSO_TYPE_TCPV4);
	ck_assert_uint_eq(req(8).flags, 0);
	ck_assert_uint_eq(gather(0, n, got), len);
	/* Sent as is: the checksum stays blank for the backend. */
	ck_assert_mem_eq(got, buf, len);
}
END_TEST

START_TEST(gso_v6_type)
{
	uint32_t len = tcp_frame(6, 20000, XF_TRAFFIC_CSUM_OFFLOAD);

	rb_start(&rb, vm, all_feat);
	ck_assert_uint_ge(send_take(len, XF_NET_F_CSUM_BLANK, 1440, 1), 2);
	ck_assert_uint_eq(extra(1).u.gso.type, XF_NETIF_GSO_TYPE_TCPV6);
	ck_assert_uint_eq(extra(1).u.gso.size, 1440);
}
END_TEST

START_TEST(software_fallbacks_without_offloads)
{
	uint32_t len = tcp_frame(4, 5000, XF_TRAFFIC_CSUM_OFFLOAD);
	struct xf_netfront_stats st;
	unsigned int n, i = 0, frames = 0;
	uint32_t total = 0;

	rb_start(&rb, vm, bare_feat);
	/* No GSO and no checksum offload: segmented and checksummed here. */
	n = send_take(len, XF_NET_F_CSUM_BLANK, 1000, 1);
	while (i < n) {
		struct xf_netif_tx_request r = req(i);
		struct xf_pkt_info pi;
		uint32_t l;

		ck_assert_uint_eq(r.flags & (XF_NETTXF_csum_blank |
					     XF_NETTXF_extra_info), 0);
		l = gather(i, i + 1, got);
		ck_assert_int_eq(xf_pkt_csum_verify(got, l), 0);
		ck_assert_int_eq(xf_pkt_parse(got, l, &pi), 0);
		ck_assert_uint_le(l - pi.payload_off, 1000);
		total += l - pi.payload_off;
		frames++;
		i++;
	}
	ck_assert_uint_eq(frames, 5);
	ck_assert_uint_eq(total, 5000);
	respond_okay(n);
	/* One completion for the one frame the caller sent. */
	ck_assert_uint_eq(vm->done_ok, 1);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.tx_sw_gso, 1);
}
END_TEST

START_TEST(csum_fallback_fills_checksum)
{
	uint32_t len = tcp_frame(4, 500, XF_TRAFFIC_CSUM_OFFLOAD);
	struct xf_netfront_stats st;

	rb_start(&rb, vm, bare_feat);
	ck_assert_int_eq(xf_pkt_csum_verify(buf, len), -EBADMSG);
	ck_assert_uint_eq(send_take(len, XF_NET_F_CSUM_BLANK, 0, 1), 1);
	ck_assert_uint_eq(req(0).flags, XF_NETTXF_data_validated);
	rb_read_grant(&rb, req(0).gref, 0, got, (uint16_t)len);
	ck_assert_int_eq(xf_pkt_csum_verify(got, len), 0);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.tx_sw_csum, 1);
}
END_TEST

START_TEST(tiny_first_fragment_is_pulled_up)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 1000, 1);
	uint32_t lens[3] = { 6, 20, len - 26 };
	struct xf_pkt_info pi;

	rb_start(&rb, vm, all_feat);
	ck_assert_int_eq(xf_pkt_parse(buf, len, &pi), 0);
	ck_assert_uint_eq(send_frags_take(lens, 3), 1);
	ck_assert_uint_eq(req(0).size, len);
}
END_TEST

START_TEST(raw_layout_keeps_tiny_first_slot)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 1000, 1);
	uint32_t lens[3] = { 6, 20, len - 26 };

	vm->ncfg.tx_raw_layout = true;
	rb_start(&rb, vm, all_feat);
	ck_assert_uint_eq(send_frags_take(lens, 3), 3);
	ck_assert_uint_eq(req(0).size, len);
	ck_assert_uint_eq(req(1).size, 20);
	ck_assert_uint_eq(req(2).size, len - 26);
	ck_assert_uint_eq(gather(0, 3, got), len);
	ck_assert_mem_eq(got, buf, len);
}
END_TEST

START_TEST(slot_limit_respected)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 60000, 1);
	uint32_t lens[40];
	struct xf_netfront_stats st;
	unsigned int n;
	uint32_t left = len;

	for (int i = 0; i < 40; i++) {
		lens[i] = i == 39 ? left : len / 40;
		left -= lens[i];
	}
	rb_start(&rb, vm, all_feat);
	n = send_frags_take(lens, 40);
	ck_assert_uint_le(n, XF_NETIF_NR_SLOTS_MIN);
	ck_assert_uint_eq(n, (len + 4095) / 4096);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.tx_linearized, 1);
}
END_TEST

START_TEST(no_sg_big_frame_dropped_with_reason)
{
	static const char *const nosg[] = { "feature-rx-copy=1", NULL };
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 9000, 1);
	struct xf_netfront_stats st;

	rb_start(&rb, vm, nosg);
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_err, 1);
	ck_assert_int_eq(vm->last_status, -EMSGSIZE);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_TOO_BIG], 1);
}
END_TEST

START_TEST(tx_ids_recycled_after_response)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 100, 1);
	unsigned int n, total = 0;

	rb_start(&rb, vm, all_feat);
	/* Three times the ring: only possible if ids come back. */
	for (int i = 0; i < 768; i++)
		ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	for (int round = 0; round < 10 && total < 768; round++) {
		nt_run(&env);
		n = rb_tx_take(&rb, 0, slots, 512);
		ck_assert_uint_le(n, 256);
		for (unsigned int i = 0; i < n; i++) {
			ck_assert_uint_lt(req(i).id, 256);
			rb_tx_respond(&rb, 0, req(i).id, XF_NETIF_RSP_OKAY);
		}
		rb_push(&rb, 0);
		total += n;
	}
	nt_run(&env);
	ck_assert_uint_eq(total, 768);
	ck_assert_uint_eq(vm->done_ok, 768);
}
END_TEST

START_TEST(backend_error_and_dropped_statuses)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 100, 1);
	struct xf_netfront_stats st;

	rb_start(&rb, vm, all_feat);
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 2), 0);
	nt_run(&env);
	ck_assert_uint_eq(rb_tx_take(&rb, 0, slots, 512), 2);
	rb_tx_respond(&rb, 0, req(0).id, XF_NETIF_RSP_ERROR);
	rb_tx_respond(&rb, 0, req(1).id, XF_NETIF_RSP_DROPPED);
	rb_push(&rb, 0);
	nt_run(&env);
	ck_assert_uint_eq(vm->done_err, 2);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_BACKEND_ERROR], 1);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_BACKEND_DROPPED], 1);
	ck_assert_ptr_null(xf_netfront_error(vm->nf));
}
END_TEST

START_TEST(multicast_control_request)
{
	static const char *const mc[] = { "feature-rx-copy=1",
					  "feature-multicast-control=1", NULL };
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	struct xf_netfront_stats st;

	rb_start(&rb, vm, mc);
	ck_assert_int_eq(xf_netfront_mcast(vm->nf, group, true), 0);
	nt_run(&env);
	ck_assert_uint_eq(rb_tx_take(&rb, 0, slots, 512), 2);
	ck_assert_uint_eq(req(0).flags, XF_NETTXF_extra_info);
	ck_assert_uint_eq(req(0).size, 0);
	ck_assert_uint_eq(extra(1).type, XF_NETIF_EXTRA_TYPE_MCAST_ADD);
	ck_assert_mem_eq(extra(1).u.mcast.addr, group, 6);
	rb_tx_respond(&rb, 0, req(0).id, XF_NETIF_RSP_OKAY);
	rb_tx_respond(&rb, 0, 0, XF_NETIF_RSP_NULL);
	rb_push(&rb, 0);
	nt_run(&env);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.mcast_sent, 1);
	/* Not a frame of the caller's: no tx_done. */
	ck_assert_uint_eq(vm->done_ok + vm->done_err, 0);
}
END_TEST

XT_SUITE("netfront-wire")
{
	TCase *tc = xt_tcase_fixture("tx", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, multi_slot_layout);
	tcase_add_test(tc, gso_extra_info_and_csum_blank);
	tcase_add_test(tc, gso_v6_type);
	tcase_add_test(tc, software_fallbacks_without_offloads);
	tcase_add_test(tc, csum_fallback_fills_checksum);
	tcase_add_test(tc, tiny_first_fragment_is_pulled_up);
	tcase_add_test(tc, raw_layout_keeps_tiny_first_slot);
	tcase_add_test(tc, slot_limit_respected);
	tcase_add_test(tc, no_sg_big_frame_dropped_with_reason);
	tcase_add_test(tc, tx_ids_recycled_after_response);
	tcase_add_test(tc, backend_error_and_dropped_statuses);
	tcase_add_test(tc, multicast_control_request);
}
