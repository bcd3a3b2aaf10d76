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

struct eng_vm;
struct eng_host;
/* The VM's vifs: suspend (netfront keeps its frames), resume. */
int eng_net_vm_suspend(struct eng *e, struct eng_vm *vm);
int eng_net_vm_resume(struct eng *e, struct eng_vm *vm);
/* Migration switch-over: each suspended vif gets a netback on host h
 * (h's net table, else its own backend table) and resumes. Runs on
 * each vif's backend vCPU, right after this call. */
int eng_net_vm_move(struct eng *e, struct eng_vm *vm, struct eng_host *h);
/* Every vif of the VM moved (if asked to) and Connected (or broken:
 * nothing more will happen to it). */
bool eng_net_vm_up(struct eng *e, const struct eng_vm *vm);
/* Bytes received into the VM's buffers so far. */
uint64_t eng_net_vm_rx_bytes(struct eng *e, const struct eng_vm *vm);
/* drop_notify on a vif: the next count notifications its frontend
 * receives (tx completions, rx frames) are lost on the way (any
 * platform). -ENOENT: no such vif. */
int eng_net_drop_notify(struct eng *e, const char *vif, unsigned int count);

#endif
