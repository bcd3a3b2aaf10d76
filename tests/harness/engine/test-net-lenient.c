// SPDX-License-Identifier: MIT
/*
 * The netback leniencies selected from a scenario, run in sim mode:
 * with vif.backend.lenient (or its host's net.lenient) a vif's netback
 * answers as the old lenient mock did, without it as Linux 6.1's
 * xen-netback. Two switches a netfront can provoke from a scenario:
 * tx_short_first (a first tx slot under 14 bytes, netfront sending the
 * caller's layout as is) and csum_fill (a csum_blank frame filled in at
 * ingress rather than passed on partial).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-lenient")

static uint64_t ctr(const char *obj, const char *name)
{
	return xt_scn_ctr(res, obj, name);
}

/* vm1 (on host h, whose net table is host_net) sends 50 TCP segments
 * with a 6-byte first fragment (flow f) and a few UDP datagrams laid
 * out linearly (flow g, checksum offloaded) from vif1 (backend table
 * vif_be) to vif2; netfront sends the fragments as given. */
static void run_short_first(const char *host_net, const char *vif_be)
{
	xt_scn_runf(&fx, &res,
		 "scenario { name = 'x', description = 'test',\n"
		 "  duration = '100ms' }\n"
		 "host { name = 'h', net = { %s } }\n"
		 "vm { name = 'vm1', host = 'h' }\n"
		 "vm { name = 'vm2', host = 'h' }\n"
		 "vif { name = 'vif1', vm = 'vm1',\n"
		 "  frontend = { tx_layout = 'raw' },\n"
		 "  backend = { %s } }\n"
		 "vif { name = 'vif2', vm = 'vm2' }\n"
		 "flow { name = 'f', from = 'vif1', to = 'vif2',\n"
		 "  proto = 'tcp', mss = 1460, tso = false,\n"
		 "  bytes = 50 * 1460, frag_layout = 'tiny-first',\n"
		 "  first_frag = 6 }\n"
		 "flow { name = 'g', from = 'vif1', to = 'vif2',\n"
		 "  proto = 'udp', msg_size = 1000, bytes = 10 * 1000 }\n"
		 "expect { flow = 'f', undelivered_bytes = 50 * 1460 }\n",
		 host_net, vif_be);
	ck_assert_uint_eq(ctr("f", "tx.sent"), 50);
	ck_assert_uint_eq(ctr("f", "tx.completed"), 50);
}

static void assert_dropped(void)
{
	/* xenvif_tx_build_gops(): a first slot under ETH_HLEN is
	 * xenvif_tx_err(), every slot answered with an error. */
	ck_assert_uint_eq(ctr("f", "tx.eio"), 50);
	ck_assert_uint_eq(ctr("f", "rx.bytes"), 0);
	ck_assert_uint_eq(ctr("vif1", "backend.drop.short-first-slot"), 50);
}

static void assert_delivered(void)
{
	ck_assert_uint_eq(ctr("f", "tx.ok"), 50);
	ck_assert_uint_eq(ctr("f", "rx.contiguous"), 50 * 1460);
	ck_assert_uint_eq(ctr("vif1", "backend.drop.short-first-slot"), 0);
}

/* Linux's answer without the switch, the old mock's with it. */
START_TEST(short_first_lenient_vs_linux)
{
	run_short_first("", "");
	assert_dropped();
	ck_assert_uint_eq(ctr("vif1", "backend.csum_filled"), 0);
	run_short_first("", "lenient = { tx_short_first = true }");
	assert_delivered();
}
END_TEST

/* The host's table makes every vif on it lenient; a vif's own key wins
 * over its host's, key by key: the host's other key still holds. */
START_TEST(host_default_and_vif_override)
{
	run_short_first("lenient = { tx_short_first = true }", "");
	assert_delivered();
	run_short_first("lenient = { tx_short_first = true, "
			"csum_fill = true }",
			"lenient = { tx_short_first = false }");
	assert_dropped();
	/* Only g's datagrams reach ingress: f's are all dropped. */
	ck_assert_uint_eq(ctr("vif1", "backend.csum_filled"),
			  ctr("g", "tx.sent"));
}
END_TEST

/* vif1 sends 50,000 bytes of UDP datagrams with checksum offload to vif2. */
static void run_csum(const char *vif_be)
{
	char src[2048];

	snprintf(src, sizeof(src),
		 "scenario { name = 'x', description = 'test',\n"
		 "  duration = '100ms' }\n"
		 "vm { name = 'vm1' }\n"
		 "vm { name = 'vm2' }\n"
		 "vif { name = 'vif1', vm = 'vm1', backend = { %s } }\n"
		 "vif { name = 'vif2', vm = 'vm2' }\n"
		 "flow { name = 'f', from = 'vif1', to = 'vif2',\n"
		 "  proto = 'udp', msg_size = 1000, bytes = 50 * 1000,\n"
		 "  csum_offload = true }\n"
		 "expect { bad_checksums = 0 }\n", vif_be);
	xt_scn_run(&fx, src, &res);
	ck_assert_uint_gt(ctr("f", "tx.sent"), 0);
	ck_assert_uint_eq(ctr("f", "tx.ok"), ctr("f", "tx.sent"));
	ck_assert_uint_eq(ctr("vif2", "rx.good"), ctr("f", "tx.sent"));
}

START_TEST(csum_fill_lenient_vs_linux)
{
	/* xenvif_tx_submit() keeps a csum_blank frame CHECKSUM_PARTIAL
	 * and the receiving vif hands it on csum_blank: nobody fills it
	 * in on the way. */
	run_csum("");
	ck_assert_uint_eq(ctr("vif1", "backend.csum_filled"), 0);
	ck_assert_uint_eq(ctr("vif2", "backend.csum_filled"), 0);
	run_csum("lenient = { csum_fill = true }");
	ck_assert_uint_eq(ctr("vif1", "backend.csum_filled"),
			  ctr("f", "tx.sent"));
}
END_TEST

XT_SUITE("scenario-net-lenient")
{
	TCase *tc = xt_tcase_fixture("lenient", setup, teardown, 60);

	tcase_add_test(tc, short_first_lenient_vs_linux);
	tcase_add_test(tc, host_default_and_vif_override);
	tcase_add_test(tc, csum_fill_lenient_vs_linux);
}
