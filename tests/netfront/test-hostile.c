/* SPDX-License-Identifier: MIT */
/* An untrusted backend. A malformed rx response drops its packet and
 * the queue carries on, as Linux xennet_get_responses() does (every
 * buffer accounted for once); with rx_bad_response_fatal, the old
 * answer, it puts the device into the error state with a clear message.
 * Malformed tx responses and more responses than buffers are fatal.
 * Nothing crashes and every frame still ends in exactly one completion.
 * Also the legal-but-unusual receive paths (extras, offsets, dropped
 * status, csum_blank). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rawback.h"
#include "xt.h"

static struct nt_env env;
static struct rawback rb;
static struct nt_vm *vm;
static struct xf_netif_rx_request rq[256];
static unsigned int nrq;

static const char *const feat[] = {
	"feature-rx-copy=1", "feature-sg=1", "feature-gso-tcpv4=1", NULL,
};

static void start(bool fatal, bool wait_partial)
{
	vm->ncfg.rx_bad_response_fatal = fatal;
	vm->ncfg.rx_wait_partial = wait_partial;
	rb_start(&rb, vm, feat);
	nrq = rb_rx_take(&rb, 0, rq, 256);
	ck_assert_uint_eq(nrq, 256);
}

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = nt_vm_new(&env, 1, true);
}

/* The old answer: every rx test below starts the frontend so. */
static void setup_fatal(void)
{
	setup();
	start(true, false);
}

static void teardown(void)
{
	rb_fini(&rb);
	nt_env_fini(&env);
}

static void rsp(uint16_t id, uint16_t off, uint16_t flags, int16_t status)
{
	struct xf_netif_rx_response r = {
		.id = id, .offset = off, .flags = flags, .status = status,
	};

	rb_rx_respond(&rb, 0, &r);
}

static void ext(uint8_t type, uint8_t flags, uint16_t gso_size)
{
	struct xf_netif_extra_info e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.flags = flags;
	e.u.gso.size = gso_size;
	e.u.gso.type = XF_NETIF_GSO_TYPE_TCPV4;
	rb_rx_respond(&rb, 0, &e);
}

static void expect_error_nopush(const char *needle);

static void expect_error(const char *needle)
{
	rb_push(&rb, 0);
	expect_error_nopush(needle);
}

static void expect_error_nopush(const char *needle)
{
	const char *err;
	uint8_t buf[256];
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 64, 1);

	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_ERROR);
	err = xf_netfront_error(vm->nf);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, needle) != NULL, "error '%s' lacks '%s'",
		      err, needle);
	ck_assert_uint_eq(vm->nr_rx, 0);
	/* Stays broken: new frames are refused, not silently lost. */
	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), -EPROTO);
}

START_TEST(rx_offset_plus_size_past_page)
{
	rsp(rq[0].id, 4000, 0, 200);
	expect_error("past the page");
}
END_TEST

START_TEST(rx_offset_past_page)
{
	rsp(rq[0].id, 5000, 0, 10);
	expect_error("past the page");
}
END_TEST

START_TEST(rx_overlong_more_data_chain)
{
	for (int i = 0; i < 19; i++)
		rsp(rq[i].id, 0, XF_NETRXF_more_data, 100);
	expect_error("more_data chain");
}
END_TEST

START_TEST(rx_overlong_extra_chain)
{
	rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
	for (int i = 0; i < 6; i++)
		ext(XF_NETIF_EXTRA_TYPE_GSO, XF_NETIF_EXTRA_FLAG_MORE, 1000);
	expect_error("extra-info chain");
}
END_TEST

START_TEST(rx_extra_invalid_type)
{
	rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
	ext(XF_NETIF_EXTRA_TYPE_NONE, 0, 0);
	expect_error("invalid type");
}
END_TEST

START_TEST(rx_gso_size_zero)
{
	rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
	ext(XF_NETIF_EXTRA_TYPE_GSO, 0, 0);
	expect_error("GSO extra with size 0");
}
END_TEST

START_TEST(rx_bad_id)
{
	rsp((uint16_t)(rq[0].id + 7), 0, 0, 100);
	expect_error("response id");
}
END_TEST

START_TEST(rx_rsp_prod_overflow)
{
	struct xf_sring_hdr *h = rb.q[0].rx.sring;

	xf_shm_store_release(&h->rsp_prod, h->rsp_prod + 1000);
	env.dom0->evtchn->notify(rb.evh, rb.q[0].prx);
	expect_error_nopush("more than a ring ahead");
}
END_TEST

/*
 * Bad rx responses (each from slot 0 on) and how Linux treats them:
 * drop the packet, or take it as it is. Each is followed by a good
 * frame, which must arrive; the slots of both are consumed exactly
 * once (rx_posted falls by their number, no refill yet).
 */
enum rx_verdict { RX_DROPPED, RX_DELIVERED };

static const struct {
	const char *name;
	enum rx_verdict linux_does;
	const char *fatal_says;   /* in the error, with rx_bad_response_fatal */
} rx_cases[] = {
	{ "offset + size past the page", RX_DROPPED, "past the page" },
	{ "offset past the page", RX_DROPPED, "past the page" },
	{ "20 slots", RX_DROPPED, "more_data chain" },
	{ "19 slots, first over 256 bytes", RX_DROPPED, "more_data chain" },
	{ "19 slots, first of 100 bytes", RX_DELIVERED, "more_data chain" },
	{ "six extras", RX_DELIVERED, "extra-info chain" },
	{ "extra of type 0", RX_DROPPED, "invalid type" },
	{ "extra of type 6", RX_DROPPED, "invalid type" },
	{ "XDP extra (5)", RX_DELIVERED, "invalid type" },
	{ "GSO size 0", RX_DROPPED, "GSO extra with size 0" },
	{ "GSO size 0 overridden by a later GSO extra", RX_DELIVERED,
	  "GSO extra with size 0" },
	{ "wrong id", RX_DELIVERED, "response id" },
};

/* Puts case i's responses; returns the slots they take. */
static unsigned int put_rx_case(int i)
{
	unsigned int n = 1;

	switch (i) {
	case 0:
		rsp(rq[0].id, 4000, 0, 200);
		break;
	case 1:
		rsp(rq[0].id, 5000, 0, 10);
		break;
	case 2: case 3: case 4:
		n = i == 2 ? 20 : 19;
		for (unsigned int k = 0; k < n; k++)
			rsp(rq[k].id, 0, k + 1 < n ? XF_NETRXF_more_data : 0,
			    k == 0 && i == 3 ? 1000 : 100);
		break;
	case 5:
		rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
		for (int k = 0; k < 6; k++)
			ext(XF_NETIF_EXTRA_TYPE_GSO,
			    k < 5 ? XF_NETIF_EXTRA_FLAG_MORE : 0, 1000);
		n = 7;
		break;
	case 6: case 7: case 8:
		rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
		ext(i == 6 ? 0 : i == 7 ? 6 : 5, 0, 0);
		n = 2;
		break;
	case 9:
		rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
		ext(XF_NETIF_EXTRA_TYPE_GSO, 0, 0);
		n = 2;
		break;
	case 10:
		rsp(rq[0].id, 0, XF_NETRXF_extra_info, 100);
		ext(XF_NETIF_EXTRA_TYPE_GSO, XF_NETIF_EXTRA_FLAG_MORE, 0);
		ext(XF_NETIF_EXTRA_TYPE_GSO, 0, 1000);
		n = 3;
		break;
	default:
		rsp((uint16_t)(rq[0].id + 7), 0, 0, 100);
		break;
	}
	return n;
}

/* A good frame in slot k; returns its length. */
static uint32_t put_good(unsigned int k, uint8_t *buf)
{
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 64, 3);

	rb_rx_write(&rb, rq[k].gref, 0, buf, (uint16_t)len);
	rsp(rq[k].id, 0, 0, (int16_t)len);
	return len;
}

static unsigned int rx_posted(void)
{
	struct xf_netfront_queue_info qi;

	ck_assert_int_eq(xf_netfront_queue_info(vm->nf, 0, &qi), 0);
	return qi.rx_posted;
}

START_TEST(rx_bad_response_as_linux)
{
	struct xf_netfront_stats st;
	uint8_t buf[256];
	unsigned int n;
	uint32_t len;
	bool dropped = rx_cases[_i].linux_does == RX_DROPPED;

	start(false, false);
	n = put_rx_case(_i);
	len = put_good(n, buf);
	rb_push(&rb, 0);
	nt_run(&env);
	ck_assert_msg(xf_netfront_state(vm->nf) == XF_NETFRONT_CONNECTED,
		      "%s: state %d, error %s", rx_cases[_i].name,
		      xf_netfront_state(vm->nf),
		      xf_netfront_error(vm->nf) ? xf_netfront_error(vm->nf) :
						  "-");
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_RX_BAD_RESPONSE], dropped);
	ck_assert_uint_eq(vm->nr_rx, dropped ? 1 : 2);
	ck_assert_uint_eq(vm->rx[vm->nr_rx - 1].len, len);
	ck_assert_mem_eq(vm->rx[vm->nr_rx - 1].data, buf, len);
	ck_assert_uint_eq(st.rx_slots, n + 1);
	ck_assert_uint_eq(rx_posted(), 256 - (n + 1));
	if (_i == 10)
		ck_assert_uint_eq(vm->rx[0].gso_size, 1000);
}
END_TEST

START_TEST(rx_bad_response_fatal_switch)
{
	const char *err;

	start(true, false);
	put_rx_case(_i);
	rb_push(&rb, 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_ERROR);
	err = xf_netfront_error(vm->nf);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, rx_cases[_i].fatal_says) != NULL,
		      "%s: error '%s' lacks '%s'", rx_cases[_i].name, err,
		      rx_cases[_i].fatal_says);
}
END_TEST

/* A chain pushed in two parts: Linux drops the first part ("Need more
 * slots"); rx_wait_partial (the old netfront) completes it. */
START_TEST(rx_chain_cut_by_rsp_prod)
{
	struct xf_netfront_stats st;
	uint8_t buf[256];
	bool wait = _i == 1;

	start(false, wait);
	rsp(rq[0].id, 0, XF_NETRXF_more_data, 100);
	rb_push(&rb, 0);
	nt_run(&env);
	rsp(rq[1].id, 0, 0, 100);
	put_good(2, buf);
	rb_push(&rb, 0);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.rx_slots, 3);
	ck_assert_uint_eq(rx_posted(), 253);
	if (wait) {
		ck_assert_uint_eq(st.drops[XF_NF_DROP_RX_BAD_RESPONSE], 0);
		ck_assert_uint_eq(vm->nr_rx, 2);
		ck_assert_uint_eq(vm->rx[0].len, 200);
		ck_assert_uint_eq(vm->rx[0].nr_slots, 2);
	} else {
		/* The second part reads as a packet of its own. */
		ck_assert_uint_eq(st.drops[XF_NF_DROP_RX_BAD_RESPONSE], 1);
		ck_assert_uint_eq(vm->nr_rx, 2);
		ck_assert_uint_eq(vm->rx[0].len, 100);
		ck_assert_uint_eq(vm->rx[0].nr_slots, 1);
	}
}
END_TEST

static void send_some(unsigned int n)
{
	uint8_t buf[256];
	uint32_t len = nt_udp_frame(buf, vm->mac, vm->mac, 64, 1);

	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	nt_run(&env);
}

/* Sends n frames and takes their requests; returns the first one's id. */
static uint16_t send_take(unsigned int n)
{
	struct xf_netif_tx_request r[8];

	send_some(n);
	ck_assert_uint_eq(rb_tx_take_reqs(&rb, 0, r, 8), n);
	return r[0].id;
}

START_TEST(tx_bad_id_fails_pending_frames_once)
{
	send_take(3);
	rb_tx_respond(&rb, 0, 300, XF_NETIF_RSP_OKAY);
	expect_error("not in flight");
	ck_assert_uint_eq(vm->done_err, 3);
	ck_assert_int_eq(vm->last_status, -EPROTO);
	ck_assert_uint_eq(vm->done_ok, 0);
}
END_TEST

START_TEST(tx_duplicate_id)
{
	uint16_t id = send_take(2);

	rb_tx_respond(&rb, 0, id, XF_NETIF_RSP_OKAY);
	rb_tx_respond(&rb, 0, id, XF_NETIF_RSP_OKAY);
	expect_error("not in flight");
	ck_assert_uint_eq(vm->done_ok, 1);
	ck_assert_uint_eq(vm->done_err, 1);
}
END_TEST

START_TEST(tx_unknown_status)
{
	rb_tx_respond(&rb, 0, send_take(1), 7);
	expect_error("unknown status");
	ck_assert_uint_eq(vm->done_err, 1);
}
END_TEST

/* RSP_NULL answers extra-info slots only: on a data slot the frame
 * would otherwise stay pending forever. */
START_TEST(tx_null_on_data_slot)
{
	rb_tx_respond(&rb, 0, send_take(1), XF_NETIF_RSP_NULL);
	expect_error("NULL status");
	ck_assert_uint_eq(vm->done_err, 1);
	ck_assert_uint_eq(vm->done_ok, 0);
}
END_TEST

START_TEST(rx_legal_paths)
{
	uint8_t buf[8192];
	uint32_t len;
	struct xf_traffic_flow fl;
	struct xf_netfront_stats st;

	/* 1: a frame split over two slots at odd offsets. */
	len = nt_udp_frame(buf, vm->mac, vm->mac, 3000, 2);
	rb_rx_write(&rb, rq[0].gref, 100, buf, 1000);
	rb_rx_write(&rb, rq[1].gref, 7, buf + 1000, (uint16_t)(len - 1000));
	rsp(rq[0].id, 100, XF_NETRXF_more_data | XF_NETRXF_data_validated,
	    1000);
	rsp(rq[1].id, 7, 0, (int16_t)(len - 1000));
	/* 2: a GSO super-frame with its extra, csum_blank: completed. */
	xf_traffic_flow_init(&fl, 4, XF_TRAFFIC_TCP, 4, vm->mac, vm->mac);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 3000, XF_TRAFFIC_CSUM_OFFLOAD,
					  buf + 4096, 4096, &len), 0);
	rb_rx_write(&rb, rq[2].gref, 0, buf + 4096, (uint16_t)len);
	rsp(rq[2].id, 0, XF_NETRXF_extra_info | XF_NETRXF_csum_blank,
	    (int16_t)len);
	ext(XF_NETIF_EXTRA_TYPE_GSO, 0, 1460);
	/* 3: a frame the backend reports as failed: dropped, counted. */
	rsp(rq[4].id, 0, 0, XF_NETIF_RSP_ERROR);
	rb_push(&rb, 0);
	nt_run(&env);
	ck_assert_ptr_null(xf_netfront_error(vm->nf));
	ck_assert_uint_eq(vm->nr_rx, 2);
	ck_assert_uint_eq(vm->rx[0].nr_slots, 2);
	ck_assert(vm->rx[0].flags & XF_NET_F_DATA_VALIDATED);
	ck_assert_mem_eq(vm->rx[0].data, buf, 1000);
	ck_assert_uint_eq(vm->rx[1].gso_size, 1460);
	ck_assert_uint_eq(vm->rx[1].nr_slots, 2);
	ck_assert_int_eq(xf_pkt_csum_verify(vm->rx[1].data, vm->rx[1].len), 0);
	xf_netfront_stats(vm->nf, &st);
	ck_assert_uint_eq(st.rx_csum_completed, 1);
	ck_assert_uint_eq(st.drops[XF_NF_DROP_RX_STATUS], 1);
}
END_TEST

XT_SUITE("netfront-hostile")
{
	TCase *tc = xt_tcase("hostile");
	TCase *lx = xt_tcase("linux");

	tcase_add_checked_fixture(lx, setup, teardown);
	tcase_set_timeout(lx, 30);
	tcase_add_loop_test(lx, rx_bad_response_as_linux, 0,
			    (int)(sizeof(rx_cases) / sizeof(rx_cases[0])));
	tcase_add_loop_test(lx, rx_bad_response_fatal_switch, 0,
			    (int)(sizeof(rx_cases) / sizeof(rx_cases[0])));
	tcase_add_loop_test(lx, rx_chain_cut_by_rsp_prod, 0, 2);
	tcase_add_checked_fixture(tc, setup_fatal, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, rx_offset_plus_size_past_page);
	tcase_add_test(tc, rx_offset_past_page);
	tcase_add_test(tc, rx_overlong_more_data_chain);
	tcase_add_test(tc, rx_overlong_extra_chain);
	tcase_add_test(tc, rx_extra_invalid_type);
	tcase_add_test(tc, rx_gso_size_zero);
	tcase_add_test(tc, rx_bad_id);
	tcase_add_test(tc, rx_rsp_prod_overflow);
	tcase_add_test(tc, tx_bad_id_fails_pending_frames_once);
	tcase_add_test(tc, tx_duplicate_id);
	tcase_add_test(tc, tx_unknown_status);
	tcase_add_test(tc, tx_null_on_data_slot);
	tcase_add_test(tc, rx_legal_paths);
}
