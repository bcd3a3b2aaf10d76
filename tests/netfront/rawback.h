/* SPDX-License-Identifier: MIT */
/* A hand-driven backend for wire-level and hostile tests: the test reads
 * the frontend's requests and writes whatever responses it likes. */
#ifndef XF_TESTS_RAWBACK_H
#define XF_TESTS_RAWBACK_H

#include "nettest.h"
#include <xfront/ring.h>

#define RB_MAX_Q 4

struct rawback {
	struct nt_env *env;
	struct nt_vm *vm;
	struct xf_xs *xs;
	struct xf_evtch *evh;
	char be[256];
	char fe[256];
	unsigned int nq;
	bool split;
	struct {
		void *txmap, *rxmap;
		struct xf_back_ring tx, rx;
		xf_port ptx, prx;
	} q[RB_MAX_Q];
};

/* Publishes "key=value" features (NULL-terminated list) and InitWait. */
void rb_init(struct rawback *rb, struct nt_vm *vm, const char *const *feat);
/* Reads the frontend's keys, maps rings, binds ports, goes Connected. */
void rb_connect(struct rawback *rb);
/* rb_init, then the frontend started and run until idle. */
void rb_offer(struct rawback *rb, struct nt_vm *vm, const char *const *feat);
/* rb_offer and rb_connect: returns with the frontend connected. */
void rb_start(struct rawback *rb, struct nt_vm *vm, const char *const *feat);
void rb_fini(struct rawback *rb);
/* Reads the frontend key (relative to its dir); NULL when absent. */
char *rb_fe_read(struct rawback *rb, const char *key);
/* Copies up to max pending tx slots (12 bytes each); consumes them. */
unsigned int rb_tx_take(struct rawback *rb, unsigned int qi, uint8_t
			(*slots)[12], unsigned int max);
/* rb_tx_take, as requests (an extra-info slot comes out as one too). */
unsigned int rb_tx_take_reqs(struct rawback *rb, unsigned int qi,
			     struct xf_netif_tx_request *reqs,
			     unsigned int max);
void rb_tx_respond(struct rawback *rb, unsigned int qi, uint16_t id,
		   int16_t status);
/* Reads bytes of a tx grant. */
void rb_read_grant(struct rawback *rb, xf_gref g, uint16_t off, void *dst,
		   uint16_t len);
/* Takes n posted rx requests. Returns how many were available. */
unsigned int rb_rx_take(struct rawback *rb, unsigned int qi,
			struct xf_netif_rx_request *req, unsigned int n);
void rb_rx_write(struct rawback *rb, xf_gref g, uint16_t off,
		 const void *src, uint16_t len);
/* Puts a raw 8-byte response slot. */
void rb_rx_respond(struct rawback *rb, unsigned int qi, const void *slot);
void rb_push(struct rawback *rb, unsigned int qi);

#endif
