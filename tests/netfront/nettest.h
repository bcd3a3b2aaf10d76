/* SPDX-License-Identifier: MIT */
/* Shared fixture for the netfront, netback and traffic suites: one mock
 * hypervisor, dom0 running mock netbacks, guests running netfronts. */
#ifndef XF_TESTS_NETTEST_H
#define XF_TESTS_NETTEST_H

#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/mock.h>
#include <xfront/netback.h>
#include <xfront/netfront.h>
#include <xfront/runtime.h>
#include <xfront/traffic.h>

#define NT_MAX_VMS 4
#define NT_MAX_RX 4096

struct nt_rxf {
	uint8_t *data;
	uint32_t len;
	uint32_t flags;
	uint16_t gso_size;
	unsigned int nr_slots;
	unsigned int queue;
};

struct nt_vm {
	struct nt_env *env;
	xf_domid domid;
	unsigned int devid;
	uint8_t mac[6];
	struct xf_platform *p;
	struct xf_netfront *nf;
	struct xf_nb_vif *vif;
	struct xf_netfront_config ncfg;
	struct xf_nb_vif_config vcfg;
	/* Delivered frames (copies) and completions. */
	struct nt_rxf rx[NT_MAX_RX];
	unsigned int nr_rx;
	uint64_t done_ok, done_err;
	int last_status;
	int status_count[8];     /* by -status: 0, EIO, ... coarse */
	uint64_t done_cookies;   /* sum of cookies seen */
	struct xf_traffic_rx *trx;
	char log[1024];
};

struct nt_env {
	struct xf_mock_hv *hv;
	struct xf_platform *dom0;
	struct xf_rt *rt;
	struct xf_nb_switch *sw;
	struct nt_vm vm[NT_MAX_VMS];
	unsigned int nr_vms;
};

void nt_env_init(struct nt_env *e, enum xf_rt_mode mode, const char *pcap);
void nt_env_fini(struct nt_env *e);
/* Creates the guest domain and the vif directories, and fills default
 * configs; tweak vm->ncfg / vm->vcfg, then nt_vm_start(). */
struct nt_vm *nt_vm_new(struct nt_env *e, xf_domid domid, bool loopback);
void nt_vm_start(struct nt_vm *vm);
/* Only the netfront (for tests that play the backend themselves). */
void nt_vm_start_front(struct nt_vm *vm);
/* Sim: runs until idle. */
void nt_run(struct nt_env *e);
/* vm 1 and vm 2 on the switch (not loopback), configs to tweak. */
void nt_pair_new(struct nt_env *e, struct nt_vm **a, struct nt_vm **b);
/* Sim: starts both and runs until idle; both are connected. */
void nt_pair_start(struct nt_vm *a, struct nt_vm *b);
/* Sim: closes vm's netfront and runs until idle; it is closed and the
 * guest has no grant shared, no event channel open, no revoke pending. */
void nt_close_clean(struct nt_vm *vm);
int nt_send(struct nt_vm *vm, const uint8_t *data, uint32_t len,
	    uint32_t flags, uint16_t gso, uint64_t cookie);
int nt_send_frags(struct nt_vm *vm, const uint8_t *data, const uint32_t
		  *lens, unsigned int n, uint32_t flags, uint16_t gso,
		  uint64_t cookie);
void nt_rx_clear(struct nt_vm *vm);
/* Hands all of g's stream to from's netfront (queue 0, up to 64
 * frames a call), running the sim between calls. */
void nt_gen_drain(struct nt_vm *from, struct xf_traffic_gen *g);
/* Frames from..to-1 of fl's stream, 100 bytes each (frame i carries
 * bytes [i*100, i*100+100)), cookie i + 1. */
void nt_send_stream(struct nt_vm *vm, struct xf_traffic_flow *fl,
		    unsigned int from, unsigned int to);
/* Sends n UDP frames of payload bytes (flow seed i for frame i), cookie 1. */
void nt_send_udp(struct nt_vm *from, const uint8_t *to_mac, unsigned int n,
		 uint32_t payload);
/* A simple UDP/IPv4 frame with a payload of len bytes between vms. */
uint32_t nt_udp_frame(uint8_t *buf, const uint8_t *src, const uint8_t *dst,
		      uint32_t payload, uint8_t seed);

#endif
