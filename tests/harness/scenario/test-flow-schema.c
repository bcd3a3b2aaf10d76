// SPDX-License-Identifier: MIT
/* Scenario keys of UDP flows: msg_size counts the stream bytes of one
 * datagram, after the flow's 16-byte header, and a size no datagram can
 * carry is refused at load with its file:line (one IPv4 datagram holds
 * at most 65,507 bytes of UDP payload; udp6 datagrams are not
 * fragmented and must fit the 1500-byte MTU). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_FIXTURE("xf-flowkeys")

/* A flow line 5 of proto and msg_size. */
static int load_flow(const char *proto, const char *msg)
{
	return xt_scn_loadf(&fx,
		 "scenario { name = 'x', description = 'test' }\n"
		 "vm { name = 'vm1' }\n"
		 "vif { name = 'a', vm = 'vm1' }\n"
		 "vif { name = 'b', vm = 'vm1' }\n"
		 "flow { name = 'f', from = 'a', to = 'b', proto = '%s',"
		 " msg_size = %s }\n"
		 "expect { bad_checksums = 0 }\n", proto, msg);
}

START_TEST(largest_udp_datagram_accepted)
{
	ck_assert_int_eq(load_flow("udp", "65491"), 0);
	ck_assert_uint_eq(diag.n, 0);
	ck_assert_int_eq(load_flow("udp6", "1436"), 0);
	ck_assert_int_eq(load_flow("udp", "1"), 0);
	/* TCP sends are GSO super-frames: not bounded here. */
	ck_assert_int_eq(load_flow("tcp", "'1M'"), 0);
}
END_TEST

START_TEST(oversize_udp_refused)
{
	ck_assert_int_ne(load_flow("udp", "65492"), 0);
	xt_scn_assert_diag(&diag, XT_SCN_FILE ":5: flow 'f': msg_size = "
			   "65492 is over 65491 for proto = \"udp\": one IPv4 "
			   "datagram carries at most 65507 bytes of UDP "
			   "payload, 65491 after the flow's 16-byte header");
}
END_TEST

START_TEST(udp6_over_mtu_refused)
{
	ck_assert_int_ne(load_flow("udp6", "'4k'"), 0);
	xt_scn_assert_diag(&diag, XT_SCN_FILE ":5: flow 'f': msg_size = "
			   "4096 is over 1436 for proto = \"udp6\": IPv6 "
			   "datagrams are not fragmented, one must fit a "
			   "1500-byte packet with its headers and the flow's "
			   "16-byte header");
}
END_TEST

XT_SUITE("scenario-flow-schema")
{
	TCase *tc = xt_tcase_fixture("msg_size", setup, teardown, 30);

	tcase_add_test(tc, largest_udp_datagram_accepted);
	tcase_add_test(tc, oversize_udp_refused);
	tcase_add_test(tc, udp6_over_mtu_refused);
}
