/* SPDX-License-Identifier: MIT */
/* The mock netback against a hand-written (hostile) frontend: malformed
 * tx chains are answered with errors or stop the vif with a message,
 * never a crash or an overrun (XSA-423/432 class); slot limits as Linux
 * netback's xenvif_count_requests() applies them, and a packet cut by
 * req_prod is fatal as there, never waited for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettest.h"
#include <xfront/ring.h>

#include "xt.h"

static struct nt_env env;
static struct nt_vm *vm;
static struct xf_xs *xs;
static struct xf_evtch *evh;
static void *txpg, *rxpg, *bufs;
static xf_gref txref, rxref, bref[8];
static xf_port port;
static struct xf_front_ring tx;

static void fe_put(const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/1/device/vif/0/%s", key);
	ck_assert_int_eq(vm->p->store->write(xs, 0, path, val, strlen(val)),
			 0);
}

static bool no_rx_notify; /* connect without feature-rx-notify */

/* Rings, event channel and keys, then the frontend's state st. */
static void connect_raw_as(bool rx_copy, const char *st)
{
	struct xf_platform *p = vm->p;
	char v[32];

	ck_assert_int_eq(p->gnt->share(p, 0, 1, true, &txref, &txpg), 0);
	ck_assert_int_eq(p->gnt->share(p, 0, 1, true, &rxref, &rxpg), 0);
	ck_assert_int_eq(p->gnt->share(p, 0, 8, false, bref, &bufs), 0);
	xf_sring_init(txpg, XF_PAGE_SIZE);
	xf_sring_init(rxpg, XF_PAGE_SIZE);
	ck_assert_int_eq(xf_front_ring_attach(&tx, txpg, XF_PAGE_SIZE,
					      XF_NETIF_TX_SLOT_SIZE, 0), 0);
	ck_assert_int_eq(p->evtchn->alloc_unbound(evh, 0, &port), 0);
	snprintf(v, sizeof(v), "%u", txref);
	fe_put("tx-ring-ref", v);
	snprintf(v, sizeof(v), "%u", rxref);
	fe_put("rx-ring-ref", v);
	snprintf(v, sizeof(v), "%u", port);
	fe_put("event-channel", v);
	fe_put("request-rx-copy", rx_copy ? "1" : "0");
	if (!no_rx_notify)
		fe_put("feature-rx-notify", "1");
	fe_put("state", st);
	nt_run(&env);
}

static void connect_raw(bool rx_copy)
{
	connect_raw_as(rx_copy, "4");
}

static void setup(void)
{
	no_rx_notify = false;
	nt_env_init(&env, XF_RT_SIM, NULL);
	vm = nt_vm_new(&env, 1, true);
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	ck_assert_int_eq(vm->p->store->open(vm->p, &xs), 0);
	ck_assert_int_eq(vm->p->evtchn->open(vm->p, &evh), 0);
	nt_run(&env);
}

static void teardown(void)
{
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	if (txpg) {
		vm->p->gnt->unshare(vm->p, txpg, 1);
		vm->p->gnt->unshare(vm->p, rxpg, 1);
		vm->p->gnt->unshare(vm->p, bufs, 8);
		txpg = NULL;
	}
	vm->p->evtchn->close(evh);
	vm->p->store->close(xs);
	nt_env_fini(&env);
}

static void put(xf_gref g, uint16_t off, uint16_t flags, uint16_t id,
		uint16_t size)
{
	struct xf_netif_tx_request r = { .gref = g, .offset = off,
					 .flags = flags, .id = id,
					 .size = size };

	memcpy(xf_front_ring_next_request(&tx), &r, sizeof(r));
}

static void push(void)
{
	xf_front_ring_push_requests(&tx);
	vm->p->evtchn->notify(evh, port);
	nt_run(&env);
}

static unsigned int responses(struct xf_netif_tx_response *out,
			      unsigned int max)
{
	xf_ring_idx prod;
	int n = xf_front_ring_responses(&tx, &prod);
	unsigned int k = 0;

	ck_assert_int_ge(n, 0);
	while (k < (unsigned int)n && k < max)
		xf_front_ring_take_response(&tx, &out[k++], sizeof(*out));
	return k;
}

static void frame_in_buf(unsigned int i, uint32_t len)
{
	uint8_t f[2048];
	uint32_t l = nt_udp_frame(f, vm->mac, vm->mac, len - 42 - 16, 1);

	ck_assert_uint_eq(l, len);
	memcpy((uint8_t *)bufs + i * XF_PAGE_SIZE, f, len);
}

START_TEST(good_frame_accepted)
{
	struct xf_netif_tx_response r[4];
	struct xf_nb_vif_stats vs;

	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	frame_in_buf(0, 200);
	put(bref[0], 0, 0, 5, 200);
	push();
	ck_assert_uint_eq(responses(r, 4), 1);
	ck_assert_uint_eq(r[0].id, 5);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.tx_frames, 1);
}
END_TEST

START_TEST(refuses_frontend_without_rx_copy)
{
	connect_raw(false);
	ck_assert(!xf_nb_vif_connected(vm->vif));
	ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
	ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif), "rx-copy"));
}
END_TEST

/* As Linux netback's frontend_changed(): Initialised is ignored, the
 * rings are read on Connected. */
START_TEST(initialised_does_not_connect)
{
	connect_raw_as(true, "3");
	ck_assert(!xf_nb_vif_connected(vm->vif));
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	fe_put("state", "4");
	nt_run(&env);
	ck_assert(xf_nb_vif_connected(vm->vif));
}
END_TEST

START_TEST(lenient_connects_on_initialised)
{
	xf_nb_vif_free(vm->vif);
	vm->vcfg.lenient = XF_NB_LENIENT_CONNECT_ON_INITIALISED;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
	connect_raw_as(true, "3");
	ck_assert(xf_nb_vif_connected(vm->vif));
}
END_TEST

/* An extra-info slot of the given type and flags; a GSO one of
 * gso_type with gso_size. */
static void put_extra_gso(uint8_t type, uint8_t flags, uint8_t gso_type,
			  uint16_t gso_size)
{
	struct xf_netif_extra_info e;
	uint8_t slot[XF_NETIF_TX_SLOT_SIZE] = { 0 };

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.flags = flags;
	if (type == XF_NETIF_EXTRA_TYPE_GSO) {
		e.u.gso.type = gso_type;
		e.u.gso.size = gso_size;
	}
	memcpy(slot, &e, sizeof(e));
	memcpy(xf_front_ring_next_request(&tx), slot, sizeof(slot));
}

/* The same, GSO TCPv4. */
static void put_extra(uint8_t type, uint8_t flags, uint16_t gso_size)
{
	put_extra_gso(type, flags, XF_NETIF_GSO_TYPE_TCPV4, gso_size);
}

/* A frame of len bytes in buffer page 0, sent as a chain of n data
 * slots: the rest of the frame in 10-byte slots after the first, ids
 * id0, id0 + 1, ... With gso, a GSO extra follows the first slot. */
static void put_chain(unsigned int n, uint32_t len, uint16_t id0, bool gso)
{
	uint16_t first = (uint16_t)(len - 10 * (n - 1));

	ck_assert_uint_ge(first, XF_ETH_HLEN);
	put(bref[0], 0, (n > 1 ? XF_NETTXF_more_data : 0) |
		(gso ? XF_NETTXF_extra_info : 0), id0, (uint16_t)len);
	if (gso)
		put_extra(XF_NETIF_EXTRA_TYPE_GSO, 0, 100);
	for (unsigned int i = 1; i < n; i++)
		put(bref[0], (uint16_t)(first + 10 * (i - 1)),
		    i + 1 < n ? XF_NETTXF_more_data : 0,
		    (uint16_t)(id0 + i), 10);
}

/* The vif again, with these slot limits (0: the default). */
static void limits(unsigned int max_slots, unsigned int fatal)
{
	xf_nb_vif_free(vm->vif);
	vm->vcfg.max_slots = max_slots;
	vm->vcfg.fatal_skb_slots = fatal;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
}

/* Whether a chain of n data slots passes (every slot OKAY), is dropped
 * (every slot ERROR, the next frame still passes) or stops the vif (no
 * answer at all, not even to the next frame). */
enum verdict { PASSES, DROPPED, FATAL };

static void expect_chain(unsigned int n, enum verdict want)
{
	struct xf_netif_tx_response r[64];
	struct xf_nb_vif_stats vs;
	unsigned int got;

	frame_in_buf(0, 400);
	put_chain(n, 400, 100, false);
	put(bref[0], 0, 0, 7, 400);     /* a good frame after it */
	push();
	got = responses(r, 64);
	xf_nb_vif_stats(vm->vif, &vs);
	if (want == FATAL) {
		ck_assert_uint_eq(got, 0);
		ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
		ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
					     "fatal_skb_slots"));
		ck_assert_uint_eq(vs.tx_frames, 0);
		ck_assert_uint_eq(vs.drops[XF_NB_DROP_TOO_MANY_SLOTS], 0);
		return;
	}
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	ck_assert_uint_eq(got, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		int16_t status = want == PASSES ? XF_NETIF_RSP_OKAY :
						  XF_NETIF_RSP_ERROR;

		ck_assert_uint_eq(r[i].id, 100 + i);
		ck_assert_int_eq(r[i].status, status);
	}
	ck_assert_uint_eq(r[n].id, 7);
	ck_assert_int_eq(r[n].status, XF_NETIF_RSP_OKAY);
	ck_assert_uint_eq(vs.tx_frames, want == PASSES ? 2 : 1);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_TOO_MANY_SLOTS],
			  want == DROPPED ? 1 : 0);
	ck_assert_uint_eq(vs.tx_max_slots, n);
	ck_assert(xf_nb_vif_connected(vm->vif));
}

/* Default limits, as Linux netback: 18 and 19 slots pass (19 is the
 * first plus XEN_NETBK_LEGACY_SLOTS_MAX), 20 and 21 are dropped, 22
 * and more stop the vif (fatal_skb_slots = 20 after the first). */
static const struct {
	unsigned int n;
	enum verdict v;
} default_cases[] = {
	{ 1, PASSES }, { 18, PASSES }, { 19, PASSES }, { 20, DROPPED },
	{ 21, DROPPED }, { 22, FATAL }, { 30, FATAL },
};

START_TEST(default_slot_limits)
{
	connect_raw(true);
	expect_chain(default_cases[_i].n, default_cases[_i].v);
}
END_TEST

START_TEST(dropped_chain_answers_extras_with_null)
{
	struct xf_netif_tx_response r[32];
	struct xf_nb_vif_stats vs;

	connect_raw(true);
	frame_in_buf(0, 400);
	put_chain(20, 400, 100, true);
	push();
	ck_assert_uint_eq(responses(r, 32), 21);
	ck_assert_uint_eq(r[0].id, 100);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_ERROR);
	ck_assert_int_eq(r[1].status, XF_NETIF_RSP_NULL);
	for (unsigned int i = 2; i < 21; i++) {
		ck_assert_uint_eq(r[i].id, 100 + i - 1);
		ck_assert_int_eq(r[i].status, XF_NETIF_RSP_ERROR);
	}
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_TOO_MANY_SLOTS], 1);
	ck_assert_uint_eq(vs.tx_gso_frames, 0);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
}
END_TEST

/* The vif keeps dropping: several over-long chains in a row, then
 * traffic as usual. */
START_TEST(drops_repeat_and_vif_keeps_working)
{
	struct xf_netif_tx_response r[64];
	struct xf_nb_vif_stats vs;

	connect_raw(true);
	frame_in_buf(0, 400);
	for (int k = 0; k < 3; k++) {
		put_chain(21, 400, 100, false);
		push();
		ck_assert_uint_eq(responses(r, 64), 21);
	}
	put_chain(19, 400, 200, false);
	push();
	ck_assert_uint_eq(responses(r, 64), 19);
	ck_assert_int_eq(r[18].status, XF_NETIF_RSP_OKAY);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_TOO_MANY_SLOTS], 3);
	ck_assert_uint_eq(vs.tx_frames, 1);
}
END_TEST

/* Configured limits: max_slots 4, fatal_skb_slots 6. */
static const struct {
	unsigned int n;
	enum verdict v;
} small_cases[] = {
	{ 5, PASSES }, { 6, DROPPED }, { 7, DROPPED }, { 8, FATAL },
};

START_TEST(configured_slot_limits)
{
	limits(4, 6);
	connect_raw(true);
	expect_chain(small_cases[_i].n, small_cases[_i].v);
}
END_TEST

/* fatal_skb_slots below max_slots is raised to it (netback_init): with
 * both at 8 nothing is dropped, 9 slots pass and 10 are fatal. */
START_TEST(fatal_below_max_is_raised)
{
	limits(8, 2);
	connect_raw(true);
	expect_chain(9 + (unsigned int)_i, _i ? FATAL : PASSES);
}
END_TEST

START_TEST(slot_limits_out_of_range_refused)
{
	struct xf_nb_vif *v2 = NULL;
	struct xf_nb_vif_config c = vm->vcfg;

	c.max_slots = XF_NB_SLOTS_LIMIT + 1;
	ck_assert_int_eq(xf_nb_vif_new(&c, &v2), -EINVAL);
	c.max_slots = 0;
	c.fatal_skb_slots = XF_NB_SLOTS_LIMIT + 1;
	ck_assert_int_eq(xf_nb_vif_new(&c, &v2), -EINVAL);
	ck_assert_ptr_null(v2);
}
END_TEST

START_TEST(bad_chains_answered_with_errors)
{
	struct xf_netif_tx_response r[16];
	struct xf_nb_vif_stats vs;
	unsigned int n;

	connect_raw(true);
	frame_in_buf(0, 200);
	/* 1: first size smaller than the rest. */
	put(bref[0], 0, XF_NETTXF_more_data, 3, 50);
	put(bref[1], 0, 0, 4, 100);
	/* 2: a grant that does not exist. */
	put(0xdead, 0, 0, 6, 200);
	/* 3: shorter than an Ethernet header. */
	put(bref[0], 0, 0, 7, 10);
	/* 4: and a good one: the vif keeps working. */
	put(bref[0], 0, 0, 8, 200);
	push();
	n = responses(r, 16);
	ck_assert_uint_eq(n, 5);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(r[i].status, XF_NETIF_RSP_ERROR);
	ck_assert_uint_eq(r[4].id, 8);
	ck_assert_int_eq(r[4].status, XF_NETIF_RSP_OKAY);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_BAD_REQUEST], 2);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_SHORT_FIRST], 1);
	ck_assert_uint_eq(vs.tx_frames, 1);
}
END_TEST

/*
 * Packets Linux netback disables the vif for (xenvif_fatal_tx_err():
 * carrier off, nothing answered from there on), each after a good
 * frame and before another; with the switch named, the old mock's
 * answer: dropped (every data slot ERROR) or accepted, the vif alive.
 */
static const struct {
	const char *why;        /* in xf_nb_vif_error() */
	uint32_t lenient;       /* the switch that restores the old way */
	bool lenient_accepts;   /* there: OKAY (else ERROR) */
} fatal_cases[] = {
	{ "crosses a page", XF_NB_LENIENT_TX_CROSS_PAGE, false },
	{ "crosses a page", XF_NB_LENIENT_TX_CROSS_PAGE, false },
	{ "GSO extra with size 0", XF_NB_LENIENT_TX_BAD_GSO, false },
	{ "GSO extra of an unknown type", XF_NB_LENIENT_TX_BAD_GSO, true },
	{ "GSO extra of an unknown type", XF_NB_LENIENT_TX_BAD_GSO, true },
	{ "invalid extra type", XF_NB_LENIENT_TX_EXTRA_TYPE, true },
	{ "invalid extra type", XF_NB_LENIENT_TX_EXTRA_TYPE, true },
};

/* Puts fatal case i (ids 20, 21; slots: data, then extra or data). */
static void put_fatal_case(int i)
{
	switch (i) {
	case 0: /* a following slot over its page */
		put(bref[0], 0, XF_NETTXF_more_data, 20, 300);
		put(bref[1], 4000, 0, 21, 100);
		break;
	case 1: /* the first slot over its page */
		put(bref[0], 4000, 0, 20, 200);
		break;
	case 2: /* GSO size 0 */
	case 3: /* GSO type 3 */
	case 4: /* GSO type NONE */
		put(bref[0], 0, XF_NETTXF_extra_info, 20, 200);
		put_extra_gso(XF_NETIF_EXTRA_TYPE_GSO, 0,
			      i == 2 ? XF_NETIF_GSO_TYPE_TCPV4 :
			      i == 3 ? 3 : XF_NETIF_GSO_TYPE_NONE,
			      i == 2 ? 0 : 100);
		break;
	default: /* extra type 0, extra type 6 */
		put(bref[0], 0, XF_NETTXF_extra_info, 20, 200);
		put_extra(i == 5 ? 0 : 6, 0, 0);
		break;
	}
}

static void run_fatal_case(int i, bool lenient)
{
	struct xf_netif_tx_response r[16];
	struct xf_nb_vif_stats vs;
	unsigned int n;

	if (lenient) {
		xf_nb_vif_free(vm->vif);
		vm->vcfg.lenient = fatal_cases[i].lenient;
		ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
		nt_run(&env);
	}
	connect_raw(true);
	frame_in_buf(0, 200);
	put(bref[0], 0, 0, 7, 200);
	put_fatal_case(i);
	put(bref[0], 0, 0, 8, 200);
	push();
	n = responses(r, 16);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(r[0].id, 7);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	if (!lenient) {
		ck_assert_uint_eq(n, 1);
		ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
		ck_assert_msg(strstr(xf_nb_vif_error(vm->vif),
				     fatal_cases[i].why) != NULL,
			      "error '%s' lacks '%s'",
			      xf_nb_vif_error(vm->vif), fatal_cases[i].why);
		ck_assert_uint_eq(vs.tx_frames, 1);
		/* Stopped for good: nothing more is answered. */
		put(bref[0], 0, 0, 9, 200);
		push();
		ck_assert_uint_eq(responses(r, 16), 0);
		return;
	}
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	ck_assert_uint_eq(r[n - 1].id, 8);
	ck_assert_int_eq(r[n - 1].status, XF_NETIF_RSP_OKAY);
	ck_assert_uint_eq(r[1].id, 20);
	ck_assert_int_eq(r[1].status, fatal_cases[i].lenient_accepts ?
			 XF_NETIF_RSP_OKAY : XF_NETIF_RSP_ERROR);
	ck_assert_uint_eq(vs.tx_frames,
			  fatal_cases[i].lenient_accepts ? 3 : 2);
}

START_TEST(fatal_chains_stop_vif)
{
	run_fatal_case(_i, false);
}
END_TEST

START_TEST(lenient_fatal_chains_answered)
{
	run_fatal_case(_i, true);
}
END_TEST

/* Repeated extras of valid types (GSO, HASH, XDP) are all taken, the
 * later of a type replacing the earlier, as xenvif_get_extras() does:
 * a bad GSO extra overridden by a good one passes, a good one
 * overridden by a bad one stops the vif. Six extras: more than the old
 * mock's four, which XF_NB_LENIENT_TX_EXTRA_LIMIT brings back. */
static unsigned int put_repeated_extras(bool last_bad)
{
	put(bref[0], 0, XF_NETTXF_extra_info, 20, 200);
	put_extra(XF_NETIF_EXTRA_TYPE_GSO, XF_NETIF_EXTRA_FLAG_MORE,
		  last_bad ? 100 : 0);
	put_extra(XF_NETIF_EXTRA_TYPE_HASH, XF_NETIF_EXTRA_FLAG_MORE, 0);
	put_extra(XF_NETIF_EXTRA_TYPE_HASH, XF_NETIF_EXTRA_FLAG_MORE, 0);
	put_extra(5 /* XDP */, XF_NETIF_EXTRA_FLAG_MORE, 0);
	put_extra(XF_NETIF_EXTRA_TYPE_GSO, XF_NETIF_EXTRA_FLAG_MORE, 0);
	put_extra(XF_NETIF_EXTRA_TYPE_GSO, 0, last_bad ? 0 : 100);
	return 7;
}

START_TEST(repeated_extras_later_wins)
{
	struct xf_netif_tx_response r[16];
	struct xf_nb_vif_stats vs;
	bool last_bad = _i == 1;

	connect_raw(true);
	frame_in_buf(0, 200);
	put_repeated_extras(last_bad);
	push();
	xf_nb_vif_stats(vm->vif, &vs);
	if (last_bad) {
		ck_assert_uint_eq(responses(r, 16), 0);
		ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
					     "GSO extra with size 0"));
		return;
	}
	ck_assert_uint_eq(responses(r, 16), 7);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	for (unsigned int i = 1; i < 7; i++)
		ck_assert_int_eq(r[i].status, XF_NETIF_RSP_NULL);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	ck_assert_uint_eq(vs.tx_gso_frames, 1);
}
END_TEST

START_TEST(lenient_extra_limit_stops_vif)
{
	struct xf_netif_tx_response r[16];

	xf_nb_vif_free(vm->vif);
	vm->vcfg.lenient = XF_NB_LENIENT_TX_EXTRA_LIMIT;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
	connect_raw(true);
	frame_in_buf(0, 200);
	put_repeated_extras(false);
	push();
	ck_assert_uint_eq(responses(r, 16), 0);
	ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
				     "extra-info slots"));
}
END_TEST

START_TEST(req_prod_overflow_stops_vif)
{
	connect_raw(true);
	xf_shm_store_release(&tx.sring->req_prod, 5000);
	vm->p->evtchn->notify(evh, port);
	nt_run(&env);
	ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
	ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
				     "more than a ring ahead"));
}
END_TEST

/* The vif was stopped by an incomplete chain: the message, the counter,
 * nothing answered after the good frames, and nothing more ever. */
static void expect_incomplete(const char *why, unsigned int answered)
{
	struct xf_netif_tx_response r[64];
	struct xf_nb_vif_stats vs;

	ck_assert_uint_eq(responses(r, 64), answered);
	for (unsigned int i = 0; i < answered; i++)
		ck_assert_int_eq(r[i].status, XF_NETIF_RSP_OKAY);
	ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
	ck_assert_msg(strstr(xf_nb_vif_error(vm->vif), why) != NULL,
		      "error '%s' lacks '%s'", xf_nb_vif_error(vm->vif), why);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_INCOMPLETE_CHAIN], 1);
	ck_assert_str_eq(xf_nb_drop_name(XF_NB_DROP_INCOMPLETE_CHAIN),
			 "incomplete-chain");
	ck_assert_uint_eq(vs.tx_frames, answered);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_TOO_MANY_SLOTS], 0);
	/* The rest of the packet and a good frame afterwards change
	 * nothing: the vif has stopped, as Linux disables it. */
	put(bref[0], 0, 0, 60, 10);
	put(bref[0], 0, 0, 61, 400);
	push();
	ck_assert_uint_eq(responses(r, 64), 0);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.tx_frames, answered);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_INCOMPLETE_CHAIN], 1);
}

/* req_prod pushed in the middle of a packet: a chain of n slots of
 * which only the first k are on the ring (the k-th still has
 * more_data), after a good frame. Linux's xenvif_count_requests() finds
 * "slots >= work_to_do" and disables the vif; so does the mock, before
 * it looks at the slot limits (the 22- and 21-slot chains would be
 * fatal or dropped whole). */
static const struct {
	unsigned int n, k;
} cut_cases[] = {
	{ 2, 1 }, { 5, 1 }, { 5, 3 }, { 5, 4 }, { 21, 20 }, { 22, 21 },
};

START_TEST(partial_chain_is_fatal)
{
	unsigned int n = cut_cases[_i].n, k = cut_cases[_i].k;

	connect_raw(true);
	frame_in_buf(0, 400);
	put(bref[0], 0, 0, 7, 400);
	put_chain(n, 400, 100, false);
	/* Publish only the good frame and the first k slots of the
	 * chain. */
	tx.req_prod_pvt -= n - k;
	push();
	expect_incomplete("incomplete tx packet", 1);
	ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
				     "more slots than"));
}
END_TEST

/* A first slot announcing an extra-info slot (or an extra announcing
 * another with XEN_NETIF_EXTRA_FLAG_MORE) with req_prod right after it:
 * xenvif_get_extras() says "Missing extra info" and disables the vif. */
START_TEST(missing_extra_is_fatal)
{
	connect_raw(true);
	frame_in_buf(0, 400);
	put(bref[0], 0, 0, 7, 400);
	/* Case 2 with more_data too: the extra is looked for first. */
	put(bref[0], 0, XF_NETTXF_extra_info |
		(_i == 2 ? XF_NETTXF_more_data : 0), 100, 400);
	if (_i == 1)
		put_extra(XF_NETIF_EXTRA_TYPE_GSO, XF_NETIF_EXTRA_FLAG_MORE,
			  100);
	push();
	expect_incomplete("missing extra info", 1);
}
END_TEST

/* Data slots missing after complete extras. */
START_TEST(partial_chain_after_extra_is_fatal)
{
	connect_raw(true);
	frame_in_buf(0, 400);
	put(bref[0], 0, XF_NETTXF_extra_info | XF_NETTXF_more_data, 100,
	    400);
	put_extra(XF_NETIF_EXTRA_TYPE_GSO, 0, 100);
	push();
	expect_incomplete("more slots than", 0);
}
END_TEST

/* Complete chains are unaffected, however they are split across pushes
 * and across the ring's wrap: multi-slot, with a GSO extra, and several
 * in one push, more than a ring's worth in all. */
START_TEST(complete_chains_pass)
{
	struct xf_netif_tx_response r[64];
	struct xf_nb_vif_stats vs;
	unsigned int frames = 0, slots = 0;

	connect_raw(true);
	frame_in_buf(0, 400);
	for (uint16_t round = 0; round < 40; round++) {
		unsigned int got, want;

		put_chain(5, 400, 100, false);
		put_chain(3, 400, 110, true);
		put(bref[0], 0, 0, 120, 400);
		push();
		want = 5 + 4 + 1;
		got = responses(r, 64);
		ck_assert_uint_eq(got, want);
		for (unsigned int i = 0; i < got; i++) {
			bool null = i == 6;

			ck_assert_int_eq(r[i].status, null ? XF_NETIF_RSP_NULL :
					 XF_NETIF_RSP_OKAY);
		}
		ck_assert_uint_eq(r[9].id, 120);
		frames += 3;
		slots += want;
	}
	ck_assert_uint_gt(slots, 256);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.tx_frames, frames);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_INCOMPLETE_CHAIN], 0);
	ck_assert(xf_nb_vif_connected(vm->vif));
}
END_TEST

/* A multicast-control request: a zero-size first slot (with flags
 * besides extra_info) and one MCAST_ADD or MCAST_DEL extra for addr. */
static void put_mcast(bool add, const uint8_t *addr, uint16_t id,
		      uint16_t flags)
{
	struct xf_netif_extra_info e;
	uint8_t slot[XF_NETIF_TX_SLOT_SIZE] = { 0 };

	put(bref[0], 0, XF_NETTXF_extra_info | flags, id, 0);
	memset(&e, 0, sizeof(e));
	e.type = add ? XF_NETIF_EXTRA_TYPE_MCAST_ADD :
		       XF_NETIF_EXTRA_TYPE_MCAST_DEL;
	memcpy(e.u.mcast.addr, addr, 6);
	memcpy(slot, &e, sizeof(e));
	memcpy(xf_front_ring_next_request(&tx), slot, sizeof(slot));
}

/* n multicast-control requests for addr, each answered on its first
 * slot with want (its extra RSP_NULL). */
static void mcast_n(bool add, const uint8_t *addr, unsigned int n,
		    int16_t want)
{
	struct xf_netif_tx_response r[2];

	for (unsigned int i = 0; i < n; i++) {
		put_mcast(add, addr, (uint16_t)(300 + i), 0);
		push();
		ck_assert_uint_eq(responses(r, 2), 2);
		ck_assert_uint_eq(r[0].id, 300 + i);
		ck_assert_int_eq(r[0].status, want);
		ck_assert_int_eq(r[1].status, XF_NETIF_RSP_NULL);
	}
}

/* netback.c:xenvif_mcast_add() does not look for the address: adding
 * the same one 64 times fills the list (XEN_NETBK_MCAST_MAX) and the
 * 65th is refused with an ERROR; a delete frees one place. */
START_TEST(mcast_add_not_deduplicated_and_capped)
{
	static const uint8_t grp[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	struct xf_nb_vif_stats vs;

	connect_raw(true);
	mcast_n(true, grp, 64, XF_NETIF_RSP_OKAY);
	mcast_n(true, grp, 1, XF_NETIF_RSP_ERROR);
	mcast_n(false, grp, 1, XF_NETIF_RSP_OKAY);
	mcast_n(true, grp, 1, XF_NETIF_RSP_OKAY);
	mcast_n(true, grp, 1, XF_NETIF_RSP_ERROR);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.mcast_ops, 68);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
}
END_TEST

/* xenvif_tx_build_gops() answers a multicast-control request from its
 * first slot and extras and never counts the slots its more_data
 * announces: the next slot is a packet of its own. */
START_TEST(mcast_request_ends_at_its_extras)
{
	static const uint8_t grp[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct xf_netif_tx_response r[4];
	struct xf_nb_vif_stats vs;

	connect_raw(true);
	frame_in_buf(0, 200);
	put_mcast(true, grp, 7, XF_NETTXF_more_data);
	put(bref[0], 0, 0, 8, 200);
	push();
	ck_assert_uint_eq(responses(r, 4), 3);
	ck_assert_uint_eq(r[0].id, 7);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	ck_assert_int_eq(r[1].status, XF_NETIF_RSP_NULL);
	ck_assert_uint_eq(r[2].id, 8);
	ck_assert_int_eq(r[2].status, XF_NETIF_RSP_OKAY);
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.tx_frames, 1);
	ck_assert_uint_eq(vs.mcast_ops, 1);
}
END_TEST

/* netback.c:xenvif_tx_check_gop(): a slot whose grant copy (or map)
 * fails is answered ERROR and every other slot OKAY; the packet is
 * dropped and the vif carries on. Slot _i of three names a grant the
 * frontend never gave. */
START_TEST(tx_copy_failure_answered_per_slot)
{
	struct xf_netif_tx_response r[4];
	struct xf_nb_vif_stats vs;
	const xf_gref bad = 0x7ff0;

	connect_raw(true);
	frame_in_buf(0, 220);
	put(_i == 0 ? bad : bref[0], 0, XF_NETTXF_more_data, 20, 220);
	put(_i == 1 ? bad : bref[0], 200, XF_NETTXF_more_data, 21, 10);
	put(_i == 2 ? bad : bref[0], 210, 0, 22, 10);
	push();
	ck_assert_uint_eq(responses(r, 4), 3);
	for (int k = 0; k < 3; k++) {
		int16_t want = k == _i ? XF_NETIF_RSP_ERROR :
					 XF_NETIF_RSP_OKAY;

		ck_assert_uint_eq(r[k].id, 20 + k);
		ck_assert_int_eq(r[k].status, want);
	}
	xf_nb_vif_stats(vm->vif, &vs);
	ck_assert_uint_eq(vs.tx_frames, 0);
	ck_assert_uint_eq(vs.drops[XF_NB_DROP_BAD_REQUEST], 1);
	ck_assert_ptr_null(xf_nb_vif_error(vm->vif));
	put(bref[0], 0, 0, 23, 220);
	push();
	ck_assert_uint_eq(responses(r, 4), 1);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
}
END_TEST

/* Linux xenbus.c:read_xenbus_vif_flags(): a frontend without
 * feature-rx-notify gets a shorter drain timeout and no stall
 * detection, and its rx is served all the same. The vif is looped
 * back: the frame it transmits is what it receives. */
START_TEST(rx_served_without_rx_notify)
{
	struct xf_front_ring rx;
	struct xf_netif_rx_request rq = { .id = 3 };
	struct xf_netif_rx_response rs;
	struct xf_netif_tx_response r[2];
	struct xf_platform *p = vm->p;
	struct xf_nb_peer peer;
	xf_ring_idx prod;
	void *rbuf;

	no_rx_notify = true;
	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert(!peer.rx_notify);
	ck_assert_int_eq(p->gnt->share(p, 0, 1, true, &rq.gref, &rbuf), 0);
	ck_assert_int_eq(xf_front_ring_attach(&rx, rxpg, XF_PAGE_SIZE,
					      XF_NETIF_RX_SLOT_SIZE, 0), 0);
	memcpy(xf_front_ring_next_request(&rx), &rq, sizeof(rq));
	xf_front_ring_push_requests(&rx);
	frame_in_buf(0, 200);
	put(bref[0], 0, 0, 5, 200);
	push();
	ck_assert_uint_eq(responses(r, 2), 1);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	ck_assert_int_eq(xf_front_ring_responses(&rx, &prod), 1);
	xf_front_ring_take_response(&rx, &rs, sizeof(rs));
	ck_assert_uint_eq(rs.id, 3);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_mem_eq(rbuf, bufs, 200);
	ck_assert_int_eq(p->gnt->unshare(p, rbuf, 1), 0);
}
END_TEST

/* Linux netback_probe() offers feature-xdp-headroom (the module
 * parameter provides_xdp_headroom, on by default) and
 * read_xenbus_frontend_xdp() takes the frontend's xdp-headroom:
 * rx.c:xenvif_rx_data_slot() then copies every slot's data after the
 * headroom with offset 0 and the headroom counted in the status, and
 * xenvif_rx_next_skb() adds an XDP extra after the first slot. A 4000-
 * byte frame with 256 bytes of headroom takes two data slots (3840 +
 * 160 bytes) around the extra. */
START_TEST(rx_xdp_headroom)
{
	struct xf_front_ring rx;
	struct xf_netif_rx_response rs[4];
	struct xf_netif_extra_info x;
	struct xf_netif_tx_response r[2];
	struct xf_platform *p = vm->p;
	struct xf_nb_peer peer;
	xf_gref rref[4];
	xf_ring_idx prod;
	uint8_t frame[4096];
	uint8_t *rbuf;
	char *val = NULL;
	uint32_t len;

	fe_put("xdp-headroom", "256");
	fe_put("feature-sg", "1");
	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(xf_xs_read_str(env.dom0, xs, XF_TXN_NONE,
			 "/local/domain/0/backend/vif/1/0/feature-xdp-headroom",
			 &val), 0);
	ck_assert_str_eq(val, "1");
	free(val);
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert_uint_eq(peer.xdp_headroom, 256);
	ck_assert_int_eq(p->gnt->share(p, 0, 4, true, rref, (void **)&rbuf),
			 0);
	ck_assert_int_eq(xf_front_ring_attach(&rx, rxpg, XF_PAGE_SIZE,
					      XF_NETIF_RX_SLOT_SIZE, 0), 0);
	for (uint16_t i = 0; i < 4; i++) {
		struct xf_netif_rx_request rq = { .id = (uint16_t)(10 + i),
						  .gref = rref[i] };

		memcpy(xf_front_ring_next_request(&rx), &rq, sizeof(rq));
	}
	xf_front_ring_push_requests(&rx);
	len = nt_udp_frame(frame, vm->mac, vm->mac, 4000 - 42 - 16, 1);
	ck_assert_uint_eq(len, 4000);
	memcpy((uint8_t *)bufs + XF_PAGE_SIZE, frame, len);
	put(bref[1], 0, 0, 5, 4000);
	push();
	ck_assert_uint_eq(responses(r, 2), 1);
	ck_assert_int_eq(r[0].status, XF_NETIF_RSP_OKAY);
	ck_assert_int_eq(xf_front_ring_responses(&rx, &prod), 3);
	for (int i = 0; i < 3; i++)
		xf_front_ring_take_response(&rx, &rs[i], sizeof(rs[i]));
	ck_assert_uint_eq(rs[0].id, 10);
	ck_assert_uint_eq(rs[0].offset, 0);
	ck_assert_int_eq(rs[0].status, 4096);
	ck_assert(rs[0].flags & XF_NETRXF_extra_info);
	ck_assert(rs[0].flags & XF_NETRXF_more_data);
	memcpy(&x, &rs[1], sizeof(x));
	ck_assert_uint_eq(x.type, XF_NETIF_EXTRA_TYPE_XDP);
	ck_assert_uint_eq(x.flags, 0);
	ck_assert_uint_eq(x.u.xdp.headroom, 256);
	ck_assert_uint_eq(rs[2].id, 12);
	ck_assert_uint_eq(rs[2].offset, 0);
	ck_assert_int_eq(rs[2].status, 256 + 160);
	ck_assert(!(rs[2].flags & XF_NETRXF_more_data));
	ck_assert_mem_eq(rbuf + 256, frame, 3840);
	ck_assert_mem_eq(rbuf + 2 * XF_PAGE_SIZE + 256, frame + 3840, 160);
	ck_assert_int_eq(p->gnt->unshare(p, rbuf, 4), 0);
}
END_TEST

/* read_xenbus_frontend_xdp(): a headroom over XEN_NETIF_MAX_XDP_HEADROOM
 * is clamped to it; missing, it is 0 and rx is as without XDP. */
START_TEST(rx_xdp_headroom_clamped)
{
	struct xf_nb_peer peer;

	if (_i)
		fe_put("xdp-headroom", "40000");
	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert_uint_eq(peer.xdp_headroom,
			  _i ? XF_NETIF_MAX_XDP_HEADROOM : 0);
}
END_TEST

/* The backend's state key. */
static unsigned int be_state(void)
{
	char *val = NULL;
	unsigned int st;

	ck_assert_int_eq(xf_xs_read_str(env.dom0, xs, XF_TXN_NONE,
					"/local/domain/0/backend/vif/1/0/state",
					&val), 0);
	st = (unsigned int)atoi(val);
	free(val);
	return st;
}

/* Linux xenbus.c:frontend_changed(): a frontend's Reconfiguring re-reads
 * xdp-headroom (read_xenbus_frontend_xdp()) and is answered with
 * xenbus_switch_state(Reconfigured); be->state stays Connected, so the
 * frontend's Connected after it writes nothing and the key keeps 8.
 * The next frame lands after the new headroom. */
START_TEST(reconfiguring_rereads_xdp_headroom)
{
	struct xf_front_ring rx;
	struct xf_netif_rx_request rq = { .id = 4 };
	struct xf_netif_rx_response rs[2];
	struct xf_netif_tx_response r[2];
	struct xf_platform *p = vm->p;
	struct xf_nb_peer peer;
	xf_ring_idx prod;
	uint8_t *rbuf;

	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert_uint_eq(peer.xdp_headroom, 0);
	fe_put("xdp-headroom", "128");
	fe_put("state", "7");
	nt_run(&env);
	ck_assert_uint_eq(be_state(), 8);
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert_uint_eq(peer.xdp_headroom, 128);
	fe_put("state", "4");
	nt_run(&env);
	ck_assert_uint_eq(be_state(), 8);
	ck_assert(xf_nb_vif_connected(vm->vif));
	ck_assert_int_eq(p->gnt->share(p, 0, 1, true, &rq.gref,
				       (void **)&rbuf), 0);
	ck_assert_int_eq(xf_front_ring_attach(&rx, rxpg, XF_PAGE_SIZE,
					      XF_NETIF_RX_SLOT_SIZE, 0), 0);
	memcpy(xf_front_ring_next_request(&rx), &rq, sizeof(rq));
	rq.id = 5;
	memcpy(xf_front_ring_next_request(&rx), &rq, sizeof(rq));
	xf_front_ring_push_requests(&rx);
	frame_in_buf(0, 200);
	put(bref[0], 0, 0, 5, 200);
	push();
	ck_assert_uint_eq(responses(r, 2), 1);
	ck_assert_int_eq(xf_front_ring_responses(&rx, &prod), 2);
	xf_front_ring_take_response(&rx, &rs[0], sizeof(rs[0]));
	xf_front_ring_take_response(&rx, &rs[1], sizeof(rs[1]));
	ck_assert_uint_eq(rs[0].id, 4);
	ck_assert_int_eq(rs[0].status, 128 + 200);
	ck_assert_mem_eq(rbuf + 128, bufs, 200);
	ck_assert_int_eq(p->gnt->unshare(p, rbuf, 1), 0);
}
END_TEST

/* The vif again, offering split event channels or not. */
static void offer_split(bool split)
{
	xf_nb_vif_free(vm->vif);
	vm->vcfg.feat.split_evtchn = split;
	ck_assert_int_eq(xf_nb_vif_new(&vm->vcfg, &vm->vif), 0);
	nt_run(&env);
}

/* Linux xenbus.c:connect_data_rings() reads event-channel-tx/-rx first
 * and event-channel only when the pair is not there, whatever the
 * backend offered in feature-split-event-channels: a frontend that
 * writes both gets split channels (_i: whether they were offered). */
START_TEST(evtchn_pair_read_first)
{
	struct xf_nb_peer peer;
	xf_port ptx, prx;
	char v[32];

	offer_split(_i);
	ck_assert_int_eq(vm->p->evtchn->alloc_unbound(evh, 0, &ptx), 0);
	ck_assert_int_eq(vm->p->evtchn->alloc_unbound(evh, 0, &prx), 0);
	snprintf(v, sizeof(v), "%u", ptx);
	fe_put("event-channel-tx", v);
	snprintf(v, sizeof(v), "%u", prx);
	fe_put("event-channel-rx", v);
	connect_raw(true);
	ck_assert(xf_nb_vif_connected(vm->vif));
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert(peer.split_evtchn);
}
END_TEST

/* So a pair left by an earlier connection wins over the fresh
 * event-channel even on a backend that offers no split channels: its
 * ports are dead, the bind fails and the connect with it (what
 * netfront's removal of every transport key before writing its own
 * prevents). Without the pair, event-channel is used. */
START_TEST(stale_evtchn_pair_wins)
{
	struct xf_nb_peer peer;

	offer_split(false);
	if (_i) {
		fe_put("event-channel-tx", "999");
		fe_put("event-channel-rx", "998");
	}
	connect_raw(true);
	if (_i) {
		ck_assert(!xf_nb_vif_connected(vm->vif));
		ck_assert_ptr_nonnull(xf_nb_vif_error(vm->vif));
		ck_assert_ptr_nonnull(strstr(xf_nb_vif_error(vm->vif),
					     "cannot bind event channels"));
		return;
	}
	ck_assert(xf_nb_vif_connected(vm->vif));
	xf_nb_vif_peer(vm->vif, &peer);
	ck_assert(!peer.split_evtchn);
}
END_TEST

XT_SUITE("netback-hostile-front")
{
	TCase *tc = xt_tcase_fixture("hostile", setup, teardown, 0);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, good_frame_accepted);
	tcase_add_test(tc, mcast_add_not_deduplicated_and_capped);
	tcase_add_test(tc, mcast_request_ends_at_its_extras);
	tcase_add_test(tc, rx_served_without_rx_notify);
	tcase_add_loop_test(tc, tx_copy_failure_answered_per_slot, 0, 3);
	tcase_add_test(tc, rx_xdp_headroom);
	tcase_add_test(tc, reconfiguring_rereads_xdp_headroom);
	tcase_add_loop_test(tc, evtchn_pair_read_first, 0, 2);
	tcase_add_loop_test(tc, stale_evtchn_pair_wins, 0, 2);
	tcase_add_loop_test(tc, rx_xdp_headroom_clamped, 0, 2);
	tcase_add_test(tc, refuses_frontend_without_rx_copy);
	tcase_add_test(tc, initialised_does_not_connect);
	tcase_add_test(tc, lenient_connects_on_initialised);
	tcase_add_loop_test(tc, default_slot_limits, 0,
			    (int)(sizeof(default_cases) /
				  sizeof(default_cases[0])));
	tcase_add_test(tc, dropped_chain_answers_extras_with_null);
	tcase_add_test(tc, drops_repeat_and_vif_keeps_working);
	tcase_add_loop_test(tc, configured_slot_limits, 0,
			    (int)(sizeof(small_cases) /
				  sizeof(small_cases[0])));
	tcase_add_loop_test(tc, fatal_below_max_is_raised, 0, 2);
	tcase_add_test(tc, slot_limits_out_of_range_refused);
	tcase_add_test(tc, bad_chains_answered_with_errors);
	tcase_add_loop_test(tc, fatal_chains_stop_vif, 0,
			    (int)(sizeof(fatal_cases) /
				  sizeof(fatal_cases[0])));
	tcase_add_loop_test(tc, lenient_fatal_chains_answered, 0,
			    (int)(sizeof(fatal_cases) /
				  sizeof(fatal_cases[0])));
	tcase_add_loop_test(tc, repeated_extras_later_wins, 0, 2);
	tcase_add_test(tc, lenient_extra_limit_stops_vif);
	tcase_add_test(tc, req_prod_overflow_stops_vif);
	tcase_add_loop_test(tc, partial_chain_is_fatal, 0,
			    (int)(sizeof(cut_cases) / sizeof(cut_cases[0])));
	tcase_add_loop_test(tc, missing_extra_is_fatal, 0, 3);
	tcase_add_test(tc, partial_chain_after_extra_is_fatal);
	tcase_add_test(tc, complete_chains_pass);
}
