/* SPDX-License-Identifier: MIT */
/* The learning switch's MAC table when ports go away at run time (a vif
 * detaching, as on migration): the entries of the others stay found, so
 * unicast keeps going to exactly one port instead of being flooded; and
 * every copy of a flooded frame keeps its checksum state. */
#include <stdlib.h>
#include <string.h>

#include <xfront/pkt.h>
#include <xfront/traffic.h>

#include "nettest.h"
#include "xt.h"

#define TABLE 1024 /* NB_MAC_TABLE in the switch */

static struct nt_env env;
static struct nt_vm *a, *b, *c, *d;

/* The switch's slot hash (FNV-1a of the six bytes, modulo the table
 * size), to build MACs that collide. */
static unsigned int slot_of(const uint8_t *mac)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h % TABLE;
}

static void setup(void)
{
	nt_env_init(&env, XF_RT_SIM, NULL);
	a = nt_vm_new(&env, 1, false);
	b = nt_vm_new(&env, 2, false);
	c = nt_vm_new(&env, 3, false);
	d = nt_vm_new(&env, 4, false);
	nt_vm_start(a);
	nt_vm_start(b);
	nt_vm_start(c);
	nt_vm_start(d);
	nt_run(&env);
	ck_assert_int_eq(xf_netfront_state(d->nf), XF_NETFRONT_CONNECTED);
}

static void teardown(void)
{
	nt_env_fini(&env);
}

static void send_from(struct nt_vm *vm, const uint8_t *src,
		      const uint8_t *dst)
{
	uint8_t buf[512];
	uint32_t len = nt_udp_frame(buf, src, dst, 64, 1);

	ck_assert_int_eq(nt_send(vm, buf, len, 0, 0, 1), 0);
	nt_run(&env);
}

static void clear_rx(void)
{
	nt_rx_clear(a);
	nt_rx_clear(b);
	nt_rx_clear(c);
	nt_rx_clear(d);
}

/* The vif of vm leaves the switch (its netfront first, as a guest that
 * migrated away). */
static void detach(struct nt_vm *vm)
{
	xf_netfront_free(vm->nf);
	vm->nf = NULL;
	xf_nb_vif_free(vm->vif);
	vm->vif = NULL;
	nt_run(&env);
}

/* The unicast frame c sends to dst reaches only vm, forwarded. */
static void expect_forwarded(const uint8_t *dst, struct nt_vm *vm)
{
	struct xf_nb_switch_stats before, after;
	struct nt_vm *other = vm == b ? d : b;

	clear_rx();
	xf_nb_switch_stats(env.sw, &before);
	send_from(c, c->mac, dst);
	xf_nb_switch_stats(env.sw, &after);
	ck_assert_uint_eq(vm->nr_rx, 1);
	ck_assert_uint_eq(other->nr_rx, 0);
	ck_assert_uint_eq(after.forwarded - before.forwarded, 1);
	ck_assert_uint_eq(after.flooded - before.flooded, 0);
}

/* x is learned on a, then y (same slot) on b, so y sits after x in the
 * probe run. a detaches: y must still be found. */
START_TEST(colliding_mac_survives_detach)
{
	uint8_t x[6] = { 0x02, 0, 0, 0, 0, 0x0a }, y[6] = { 0x02, 0, 0, 1 };
	unsigned int tries = 0;

	while (slot_of(y) != slot_of(x)) {
		ck_assert_uint_lt(++tries, 1u << 16);
		y[4] = (uint8_t)(tries >> 8);
		y[5] = (uint8_t)tries;
	}
	ck_assert_mem_ne(x, y, 6);
	send_from(a, x, d->mac);
	send_from(b, y, d->mac);
	expect_forwarded(y, b);
	expect_forwarded(x, a);
	detach(a);
	expect_forwarded(y, b);
	/* x is gone: flooded to the remaining ports. */
	clear_rx();
	send_from(c, c->mac, x);
	ck_assert_uint_eq(b->nr_rx, 1);
	ck_assert_uint_eq(d->nr_rx, 1);
	/* b re-learning y still updates its one entry. */
	send_from(b, y, d->mac);
	expect_forwarded(y, b);
}
END_TEST

/* A MAC (02:00:00:<tag>:xx:xx) whose home is the given slot. */
static void mac_at(unsigned int slot, uint8_t tag, uint8_t *mac)
{
	for (uint32_t i = 0; i < (1u << 16); i++) {
		const uint8_t m[6] = { 0x02, 0, 0, tag, (uint8_t)(i >> 8),
				       (uint8_t)i };

		if (slot_of(m) == slot) {
			memcpy(mac, m, 6);
			return;
		}
	}
	ck_abort_msg("no MAC for slot %u", slot);
}

/* A run that wraps the table's end: x, y, z all at home 1023 (so at
 * 1023, 0, 1), w at home 0 (so at 2). x leaves with a; y, z and w must
 * each shift back across the wrap and still be found. */
START_TEST(collision_run_across_table_end)
{
	uint8_t x[6], y[6], z[6], w[6];

	mac_at(TABLE - 1, 1, x);
	mac_at(TABLE - 1, 2, y);
	mac_at(TABLE - 1, 3, z);
	mac_at(0, 4, w);
	send_from(a, x, d->mac);
	send_from(b, y, d->mac);
	send_from(b, z, d->mac);
	send_from(b, w, d->mac);
	detach(a);
	expect_forwarded(y, b);
	expect_forwarded(z, b);
	expect_forwarded(w, b);
}
END_TEST

/* Without relying on the hash: a and b each learn many scattered MACs,
 * interleaved, so their probe runs mix (at this load some MACs of b sit
 * after one of a in a run); after a detaches, every MAC of b is still
 * forwarded to b alone. */
#define MANY 200

/* Distinct scattered unicast MACs: a bijective mix of i. */
static void many_mac(unsigned int i, uint8_t *mac)
{
	uint32_t x = (i + 1) * 2654435761u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	mac[0] = 0x02;
	mac[1] = 0x55;
	mac[2] = (uint8_t)(x >> 24);
	mac[3] = (uint8_t)(x >> 16);
	mac[4] = (uint8_t)(x >> 8);
	mac[5] = (uint8_t)x;
}

START_TEST(many_macs_survive_detach)
{
	struct xf_nb_switch_stats before, after;
	uint8_t mac[6];

	for (unsigned int i = 0; i < 2 * MANY; i++) {
		many_mac(i, mac);
		send_from(i % 2 ? b : a, mac, d->mac);
	}
	detach(a);
	clear_rx();
	xf_nb_switch_stats(env.sw, &before);
	for (unsigned int i = 1; i < 2 * MANY; i += 2) {
		many_mac(i, mac);
		send_from(c, c->mac, mac);
	}
	xf_nb_switch_stats(env.sw, &after);
	ck_assert_uint_eq(after.flooded - before.flooded, 0);
	ck_assert_uint_eq(after.forwarded - before.forwarded, MANY);
	ck_assert_uint_eq(b->nr_rx, MANY);
	ck_assert_uint_eq(d->nr_rx, 0);
}
END_TEST

/* A frame whose checksum the sender left to offload, to a MAC nobody
 * has sent from: flooded to a, b and d. Each copy must arrive as the
 * original does, its checksum filled in or flagged blank; the copies
 * used to lose that state and arrive blank and unflagged (a bad
 * checksum at every port but the last). */
START_TEST(flooded_copies_keep_checksum_state)
{
	static const uint8_t nobody[6] = { 0x02, 0, 0, 0x77, 0, 1 };
	struct nt_vm *rx[3] = { a, b, d };
	struct xf_traffic_flow fl;
	uint8_t buf[512];
	uint32_t len;

	/* TCP: a blank UDP checksum would read as "none" and pass. */
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_TCP, 4, c->mac, nobody);
	ck_assert_int_eq(xf_traffic_build(&fl, 0, 64, XF_TRAFFIC_CSUM_OFFLOAD,
					  buf, sizeof(buf), &len), 0);
	clear_rx();
	ck_assert_int_eq(nt_send(c, buf, len, XF_NET_F_CSUM_BLANK, 0, 1), 0);
	nt_run(&env);
	for (int i = 0; i < 3; i++) {
		const struct nt_rxf *f = &rx[i]->rx[0];

		ck_assert_uint_eq(rx[i]->nr_rx, 1);
		ck_assert_msg((f->flags & XF_NET_F_CSUM_BLANK) ||
			      xf_pkt_csum_verify(f->data, f->len) == 0,
			      "copy %d: checksum blank and not flagged", i);
		ck_assert_uint_eq(f->flags, rx[0]->rx[0].flags);
	}
}
END_TEST

XT_SUITE("netback-switch")
{
	TCase *tc = xt_tcase_fixture("switch", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, colliding_mac_survives_detach);
	tcase_add_test(tc, collision_run_across_table_end);
	tcase_add_test(tc, many_macs_survive_detach);
	tcase_add_test(tc, flooded_copies_keep_checksum_state);
}
