/* SPDX-License-Identifier: MIT */
/* Mock netback offloads between two guests on a switch: checksum fill
 * and validation, GSO pass-through and segmentation, and each bug mode
 * caught by the traffic receiver. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *a, *b;
static struct xf_traffic_flow fl;

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	nt_pair_new(&env, &a, &b);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

static void go(enum xf_traffic_proto proto, uint8_t ipv)
{
	nt_pair_start(a, b);
	xf_traffic_flow_init(&fl, 5, proto, ipv, a->mac, b->mac);
	ck_assert_int_eq(xf_traffic_rx_expect(b->trx, &fl, true), 0);
}

/* Streams total bytes from a to b and returns b's receiver stats. */
static void stream(uint64_t total, bool gso, enum xf_traffic_csum cs,
		   struct xf_traffic_rx_stats *rs)
{
	struct xf_traffic_gen_config gc = {
		.flow = fl, .total_bytes = total, .gso = gso, .csum = cs,
	};
	struct xf_traffic_gen *g;

	ck_assert_int_eq(xf_traffic_gen_new(&gc, &g), 0);
	nt_gen_drain(a, g);
	ck_assert_uint_eq(a->done_ok, xf_traffic_gen_frames(g));
	xf_traffic_gen_free(g);
	xf_traffic_rx_stats(b->trx, rs);
}

/* As Linux netback (xenvif_tx_submit(), xenvif_rx_data_slot()): a
 * csum_blank frame stays partial through both vifs and reaches the
 * receiving guest with csum_blank | data_validated; its netfront fills
 * the checksum in, and every frame checks out. */
START_TEST(csum_blank_delivered_partial)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats va, vb;
	struct xf_netfront_stats nb;

	go(XF_TRAFFIC_TCP, 4);
	stream(100000, false, XF_TRAFFIC_CSUM_OFFLOAD, &rs);
	xf_nb_vif_stats(a->vif, &va);
	xf_nb_vif_stats(b->vif, &vb);
	xf_netfront_stats(b->nf, &nb);
	ck_assert_uint_gt(va.tx_frames, 0);
	ck_assert_uint_eq(va.csum_filled + vb.csum_filled, 0);
	ck_assert_uint_eq(nb.rx_csum_completed, vb.rx_frames);
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_eq(rs.bad_seg, 0);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 5), 100000);
	ck_assert_uint_eq(vb.rx_validated, vb.rx_frames);
	for (unsigned int i = 0; i < b->nr_rx; i++)
		ck_assert(b->rx[i].flags & XF_NET_F_DATA_VALIDATED);
}
END_TEST

/* XF_NB_LENIENT_CSUM_FILL, the old mock: filled at ingress, validated
 * by the receiving vif's own check, nothing left to the guest. */
START_TEST(lenient_csum_fill_fills_at_ingress)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats va, vb;
	struct xf_netfront_stats nb;

	a->vcfg.lenient = XF_NB_LENIENT_CSUM_FILL;
	b->vcfg.lenient = XF_NB_LENIENT_CSUM_FILL;
	go(XF_TRAFFIC_TCP, 4);
	stream(100000, false, XF_TRAFFIC_CSUM_OFFLOAD, &rs);
	xf_nb_vif_stats(a->vif, &va);
	xf_nb_vif_stats(b->vif, &vb);
	xf_netfront_stats(b->nf, &nb);
	ck_assert_uint_eq(va.csum_filled, va.tx_frames);
	ck_assert_uint_eq(nb.rx_csum_completed, 0);
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_eq(vb.rx_validated, vb.rx_frames);
}
END_TEST

/* A receiving guest without checksum offload (feature-no-csum-offload)
 * gets the checksum filled in by its vif and no flag, as Linux's stack
 * does when xenvif_fix_features() has cleared NETIF_F_IP_CSUM. */
START_TEST(partial_filled_for_guest_without_csum_offload)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats vb;
	struct xf_netfront_stats nb;

	b->ncfg.no_rx_csum = true;
	go(XF_TRAFFIC_TCP, 4);
	stream(50000, false, XF_TRAFFIC_CSUM_OFFLOAD, &rs);
	xf_nb_vif_stats(b->vif, &vb);
	xf_netfront_stats(b->nf, &nb);
	ck_assert_uint_gt(vb.rx_frames, 0);
	ck_assert_uint_eq(vb.csum_filled, vb.rx_frames);
	ck_assert_uint_eq(vb.rx_validated, 0);
	ck_assert_uint_eq(nb.rx_csum_completed, 0);
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 5), 50000);
}
END_TEST

START_TEST(bug_csum_unfilled_detected)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats va, vb;

	a->vcfg.bugs = XF_NB_BUG_CSUM_UNFILLED;
	go(XF_TRAFFIC_TCP, 4);
	stream(20000, false, XF_TRAFFIC_CSUM_OFFLOAD, &rs);
	xf_nb_vif_stats(a->vif, &va);
	xf_nb_vif_stats(b->vif, &vb);
	ck_assert_uint_eq(va.csum_left_blank, va.tx_frames);
	ck_assert_uint_eq(rs.bad_csum, rs.frames);
	ck_assert_uint_gt(rs.frames, 0);
	ck_assert_uint_eq(rs.good, 0);
	/* The honest receiving side does not vouch for them. */
	ck_assert_uint_eq(rs.validated_but_bad, 0);
	ck_assert_uint_eq(vb.rx_csum_bad, vb.rx_frames);
}
END_TEST

/* UDP over IP version ipv with wrong checksums: every frame arrives
 * bad. */
static struct xf_traffic_rx_stats bad_csum_stream(uint8_t ipv)
{
	struct xf_traffic_rx_stats rs;

	go(XF_TRAFFIC_UDP, ipv);
	stream(20000, false, XF_TRAFFIC_CSUM_BAD, &rs);
	ck_assert_uint_gt(rs.frames, 0);
	ck_assert_uint_eq(rs.bad_csum, rs.frames);
	return rs;
}

START_TEST(bug_validate_bad_detected)
{
	struct xf_traffic_rx_stats rs;

	b->vcfg.bugs = XF_NB_BUG_VALIDATE_BAD;
	rs = bad_csum_stream(4);
	ck_assert_uint_eq(rs.validated_but_bad, rs.frames);
}
END_TEST

START_TEST(bad_csum_not_validated_without_bug)
{
	ck_assert_uint_eq(bad_csum_stream(6).validated_but_bad, 0);
}
END_TEST

static uint64_t rx_completed(struct nt_vm *vm)
{
	struct xf_netfront_stats st;

	xf_netfront_stats(vm->nf, &st);
	return st.rx_csum_completed;
}

/* total bytes of TCP over IP version ipv as GSO frames with checksum
 * offload; returns b's backend stats. */
static struct xf_nb_vif_stats gso_stream(uint8_t ipv, uint64_t total,
					 struct xf_traffic_rx_stats *rs)
{
	struct xf_nb_vif_stats vb;

	go(XF_TRAFFIC_TCP, ipv);
	stream(total, true, XF_TRAFFIC_CSUM_OFFLOAD, rs);
	xf_nb_vif_stats(b->vif, &vb);
	return vb;
}

START_TEST(gso_segmented_for_guest_without_gso)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats vb;

	b->ncfg.no_gso_tcpv4 = true;
	vb = gso_stream(4, 600000, &rs);
	ck_assert_uint_eq(vb.segmented, 10);
	ck_assert_uint_eq(rs.gso_frames, 0);
	ck_assert_uint_eq(rs.bad_seg, 0);
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_eq(rs.dup, 0);
	/* Reassembled stream equals what was sent. */
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 5), 600000);
	ck_assert_uint_eq(rs.good, vb.segments);
	for (unsigned int i = 0; i < b->nr_rx; i++)
		ck_assert_uint_le(b->rx[i].len, 14 + 20 + 20 + fl.mss);
}
END_TEST

START_TEST(gso_passed_whole_to_gso_guest)
{
	struct xf_traffic_rx_stats rs;
	struct xf_nb_vif_stats vb = gso_stream(6, 120000, &rs);

	ck_assert_uint_eq(vb.segmented, 0);
	ck_assert_uint_eq(vb.rx_gso_frames, 2);
	ck_assert_uint_eq(rs.gso_frames, 2);
	ck_assert_uint_eq(b->rx[0].gso_size, fl.mss);
	/* Every GSO frame is partial (xenvif_rx_data_slot()): b's netfront
	 * completed each super-frame's checksum. */
	ck_assert_uint_eq(vb.rx_validated, 2);
	ck_assert_uint_eq(rx_completed(b), 2);
	ck_assert_uint_eq(rs.bad_seg + rs.bad_csum, 0);
	ck_assert_uint_eq(xf_traffic_rx_contiguous(b->trx, 5), 120000);
}
END_TEST

START_TEST(bug_bad_segment_detected)
{
	struct xf_traffic_rx_stats rs;

	b->ncfg.no_gso_tcpv4 = true;
	b->vcfg.bugs = XF_NB_BUG_BAD_SEGMENT;
	gso_stream(4, 120000, &rs);
	/* Checksums are right; the stream positions are not. */
	ck_assert_uint_eq(rs.bad_csum, 0);
	ck_assert_uint_gt(rs.bad_seg, 0);
	ck_assert_uint_lt(xf_traffic_rx_contiguous(b->trx, 5), 120000);
}
END_TEST

/* A first slot shorter than an Ethernet header: Linux netback drops
 * the packet (xenvif_tx_build_gops()), and so does the vif by default;
 * XF_NB_LENIENT_TX_SHORT_FIRST accepts it (the old mock), and the
 * drop-short-first bug mode still drops it there. */
static void short_first(uint32_t lenient, uint32_t bugs, bool dropped)
{
	uint8_t buf[4096];
	uint32_t len = nt_udp_frame(buf, a->mac, b->mac, 1000, 1);
	uint32_t lens[2] = { 6, len - 6 };
	struct xf_nb_vif_stats va;

	a->ncfg.tx_raw_layout = true;
	a->vcfg.lenient = lenient;
	a->vcfg.bugs = bugs;
	go(XF_TRAFFIC_UDP, 4);
	ck_assert_int_eq(nt_send_frags(a, buf, lens, 2, 0, 0, 1), 0);
	nt_run(&env);
	xf_nb_vif_stats(a->vif, &va);
	if (dropped) {
		ck_assert_uint_eq(a->done_err, 1);
		ck_assert_int_eq(a->last_status, -EIO);
		ck_assert_uint_eq(b->nr_rx, 0);
		ck_assert_uint_eq(va.drops[XF_NB_DROP_SHORT_FIRST], 1);
	} else {
		ck_assert_uint_eq(a->done_ok, 1);
		ck_assert_uint_eq(b->nr_rx, 1);
		ck_assert_uint_eq(va.drops[XF_NB_DROP_SHORT_FIRST], 0);
	}
	ck_assert_ptr_null(xf_nb_vif_error(a->vif));
	/* A frontend that pulls the headers into slot one gets through. */
	ck_assert_int_eq(nt_send(a, buf, len, 0, 0, 2), 0);
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, dropped ? 1 : 2);
}

START_TEST(short_first_slot_dropped)
{
	short_first(0, 0, true);
}
END_TEST

START_TEST(lenient_short_first_slot_accepted)
{
	short_first(XF_NB_LENIENT_TX_SHORT_FIRST, 0, false);
}
END_TEST

START_TEST(bug_drop_short_first_slot)
{
	short_first(XF_NB_LENIENT_TX_SHORT_FIRST, XF_NB_BUG_DROP_SHORT_FIRST,
		    true);
}
END_TEST

START_TEST(no_sg_guest_gets_no_big_frames)
{
	uint8_t *buf = malloc(XF_NET_MAX_FRAME);
	uint32_t len = nt_udp_frame(buf, a->mac, b->mac, 8000, 1);
	struct xf_nb_vif_stats vb;

	b->ncfg.no_sg = true;
	go(XF_TRAFFIC_UDP, 4);
	ck_assert_int_eq(nt_send(a, buf, len, 0, 0, 1), 0);
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, 0);
	xf_nb_vif_stats(b->vif, &vb);
	ck_assert_uint_eq(vb.drops[XF_NB_DROP_RX_TOO_BIG], 1);
	free(buf);
}
END_TEST

START_TEST(features_published_per_instance)
{
	struct xf_platform *p = env.dom0;
	struct xf_xs *xs;
	uint64_t v;

	a->vcfg.feat.gso_tcpv6 = false;
	a->vcfg.feat.csum = false;
	a->vcfg.feat.max_queues = 8;
	go(XF_TRAFFIC_UDP, 4);
	ck_assert_int_eq(p->store->open(p, &xs), 0);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, 0,
		"/local/domain/0/backend/vif/1/0/feature-gso-tcpv6", 1, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, 0,
		"/local/domain/0/backend/vif/1/0/feature-no-csum-offload", 1,
		&v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, 0,
		"/local/domain/0/backend/vif/1/0/multi-queue-max-queues", 64,
		&v), 0);
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, 0,
		"/local/domain/0/backend/vif/1/0/feature-rx-copy", 1, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(xf_xs_read_uint(p, xs, 0,
		"/local/domain/0/backend/vif/1/0/state", 8, &v), 0);
	ck_assert_uint_eq(v, 4);
	p->store->close(xs);
}
END_TEST

XT_SUITE("netback-offload")
{
	TCase *tc = xt_tcase_fixture("offload", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, csum_blank_delivered_partial);
	tcase_add_test(tc, lenient_csum_fill_fills_at_ingress);
	tcase_add_test(tc, partial_filled_for_guest_without_csum_offload);
	tcase_add_test(tc, bug_csum_unfilled_detected);
	tcase_add_test(tc, bug_validate_bad_detected);
	tcase_add_test(tc, bad_csum_not_validated_without_bug);
	tcase_add_test(tc, gso_segmented_for_guest_without_gso);
	tcase_add_test(tc, gso_passed_whole_to_gso_guest);
	tcase_add_test(tc, bug_bad_segment_detected);
	tcase_add_test(tc, short_first_slot_dropped);
	tcase_add_test(tc, lenient_short_first_slot_accepted);
	tcase_add_test(tc, bug_drop_short_first_slot);
	tcase_add_test(tc, no_sg_guest_gets_no_big_frames);
	tcase_add_test(tc, features_published_per_instance);
}
