/* SPDX-License-Identifier: MIT */
/* The endpoints and the four protocol kinds the traffic suites build
 * their flows from. */
#ifndef XF_TESTS_TRAFFIC_FLOWS_H
#define XF_TESTS_TRAFFIC_FLOWS_H

#include <xfront/traffic.h>

static const uint8_t ma[6] = { 0x00, 0x16, 0x3e, 0, 0, 1 };
static const uint8_t mb[6] = { 0x00, 0x16, 0x3e, 0, 0, 2 };

static const struct {
	enum xf_traffic_proto proto;
	uint8_t ipv;
} kinds[4] = {
	{ XF_TRAFFIC_TCP, 4 }, { XF_TRAFFIC_TCP, 6 },
	{ XF_TRAFFIC_UDP, 4 }, { XF_TRAFFIC_UDP, 6 },
};

#endif
