/* SPDX-License-Identifier: MIT */
#ifndef XF_ENGINE_NET_H
#define XF_ENGINE_NET_H

#include <stdbool.h>
#include <stdint.h>

struct eng;

/* vifs, their netbacks and netfronts, flows and receivers. */
int eng_net_build(struct eng *e, unsigned int *next_vcpu);
bool eng_net_connected(struct eng *e);
void eng_net_start(struct eng *e, uint64_t now);
/* Flows still sending or waiting for tx completions. */
unsigned int eng_net_active(struct eng *e);
void eng_net_finish(struct eng *e, uint64_t now);
void eng_net_collect(struct eng *e);
void eng_net_teardown(struct eng *e);
unsigned int eng_net_vcpus(struct eng *e);
/* Measured for expectations: bad checksums, bad segments, Gbit/s. */
void eng_net_measure(struct eng *e, const char *flow, double *bad_csum,
		     double *bad_seg, double *gbps);

#endif
