/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawback.h"

static void put(struct rawback *rb, const char *key, const char *val)
{
	char path[512];
	struct xf_platform *p = rb->env->dom0;

	snprintf(path, sizeof(path), "%s/%s", rb->be, key);
	ck_assert_int_eq(p->store->write(rb->xs, XF_TXN_NONE, path, val,
					 strlen(val)), 0);
}

void rb_init(struct rawback *rb, struct nt_vm *vm, const char *const *feat)
{
	struct xf_platform *p = vm->env->dom0;

	memset(rb, 0, sizeof(*rb));
	rb->env = vm->env;
	rb->vm = vm;
	snprintf(rb->be, sizeof(rb->be), "/local/domain/0/backend/vif/%u/0",
		 vm->domid);
	snprintf(rb->fe, sizeof(rb->fe), "/local/domain/%u/device/vif/0",
		 vm->domid);
	ck_assert_int_eq(p->store->open(p, &rb->xs), 0);
	ck_assert_int_eq(p->evtchn->open(p, &rb->evh), 0);
	for (; feat && *feat; feat++) {
		char key[128];
		const char *eq = strchr(*feat, '=');

		ck_assert_ptr_nonnull(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *feat), *feat);
		put(rb, key, eq + 1);
	}
	put(rb, "state", "2");
}

char *rb_fe_read(struct rawback *rb, const char *key)
{
	char path[512];
	char *v = NULL;

	snprintf(path, sizeof(path), "%s/%s", rb->fe, key);
	if (xf_xs_read_str(rb->env->dom0, rb->xs, XF_TXN_NONE, path, &v) < 0)
		return NULL;
	return v;
}

static unsigned int rd(struct rawback *rb, const char *key)
{
	char *v = rb_fe_read(rb, key);
	unsigned int x;

	ck_assert_msg(v != NULL, "missing frontend key %s", key);
	x = (unsigned int)strtoul(v, NULL, 10);
	free(v);
	return x;
}

void rb_connect(struct rawback *rb)
{
	struct xf_platform *p = rb->env->dom0;
	char *v = rb_fe_read(rb, "multi-queue-num-queues");
	char key[96], pre[32];

	rb->nq = v ? (unsigned int)strtoul(v, NULL, 10) : 1;
	free(v);
	ck_assert_uint_le(rb->nq, RB_MAX_Q);
	for (unsigned int i = 0; i < rb->nq; i++) {
		xf_gref g;
		xf_port port;

		if (rb->nq > 1)
			snprintf(pre, sizeof(pre), "queue-%u/", i);
		else
			pre[0] = '\0';
		snprintf(key, sizeof(key), "%stx-ring-ref", pre);
		g = rd(rb, key);
		ck_assert_int_eq(p->gnt->map(p, rb->vm->domid, 1, &g, true,
					     &rb->q[i].txmap), 0);
		snprintf(key, sizeof(key), "%srx-ring-ref", pre);
		g = rd(rb, key);
		ck_assert_int_eq(p->gnt->map(p, rb->vm->domid, 1, &g, true,
					     &rb->q[i].rxmap), 0);
		xf_back_ring_attach(&rb->q[i].tx, rb->q[i].txmap, XF_PAGE_SIZE,
				    XF_NETIF_TX_SLOT_SIZE, 0);
		xf_back_ring_attach(&rb->q[i].rx, rb->q[i].rxmap, XF_PAGE_SIZE,
				    XF_NETIF_RX_SLOT_SIZE, 0);
		snprintf(key, sizeof(key), "%sevent-channel-tx", pre);
		v = rb_fe_read(rb, key);
		rb->split = v != NULL;
		free(v);
		if (!rb->split) {
			snprintf(key, sizeof(key), "%sevent-channel", pre);
			port = rd(rb, key);
			ck_assert_int_eq(p->evtchn->bind_interdomain(
				rb->evh, rb->vm->domid, port, &rb->q[i].ptx), 0);
			rb->q[i].prx = rb->q[i].ptx;
		} else {
			port = rd(rb, key);
			ck_assert_int_eq(p->evtchn->bind_interdomain(
				rb->evh, rb->vm->domid, port, &rb->q[i].ptx), 0);
			snprintf(key, sizeof(key), "%sevent-channel-rx", pre);
			port = rd(rb, key);
			ck_assert_int_eq(p->evtchn->bind_interdomain(
				rb->evh, rb->vm->domid, port, &rb->q[i].prx), 0);
		}
	}
	put(rb, "state", "4");
}

void rb_offer(struct rawback *rb, struct nt_vm *vm, const char *const *feat)
{
	rb_init(rb, vm, feat);
	nt_vm_start_front(vm);
	nt_run(vm->env);
}

void rb_start(struct rawback *rb, struct nt_vm *vm, const char *const *feat)
{
	rb_offer(rb, vm, feat);
	rb_connect(rb);
	nt_run(vm->env);
	ck_assert_int_eq(xf_netfront_state(vm->nf), XF_NETFRONT_CONNECTED);
}

void rb_fini(struct rawback *rb)
{
	struct xf_platform *p;

	if (!rb->env)
		return;
	p = rb->env->dom0;

	for (unsigned int i = 0; i < rb->nq; i++) {
		if (rb->q[i].txmap)
			p->gnt->unmap(p, rb->q[i].txmap, 1);
		if (rb->q[i].rxmap)
			p->gnt->unmap(p, rb->q[i].rxmap, 1);
	}
	if (rb->nq)
		put(rb, "state", "6");
	p->evtchn->close(rb->evh);
	p->store->close(rb->xs);
	memset(rb, 0, sizeof(*rb));
}

unsigned int rb_tx_take(struct rawback *rb, unsigned int qi, uint8_t
			(*slots)[12], unsigned int max)
{
	xf_ring_idx prod;
	int n = xf_back_ring_requests(&rb->q[qi].tx, &prod);
	unsigned int k = 0;

	ck_assert_int_ge(n, 0);
	while (k < (unsigned int)n && k < max) {
		xf_back_ring_take_request(&rb->q[qi].tx, slots[k], 12);
		k++;
	}
	return k;
}

unsigned int rb_tx_take_reqs(struct rawback *rb, unsigned int qi,
			     struct xf_netif_tx_request *reqs,
			     unsigned int max)
{
	uint8_t slot[1][12];
	unsigned int k = 0;

	while (k < max && rb_tx_take(rb, qi, slot, 1) == 1)
		memcpy(&reqs[k++], slot[0], sizeof(reqs[0]));
	return k;
}

void rb_tx_respond(struct rawback *rb, unsigned int qi, uint16_t id,
		   int16_t status)
{
	struct xf_netif_tx_response r = { .id = id, .status = status };
	uint8_t slot[12] = { 0 };

	memcpy(slot, &r, sizeof(r));
	memcpy(xf_back_ring_next_response(&rb->q[qi].tx), slot, 12);
}

void rb_read_grant(struct rawback *rb, xf_gref g, uint16_t off, void *dst,
		   uint16_t len)
{
	struct xf_platform *p = rb->env->dom0;
	struct xf_gnt_copy_seg s = {
		.to_grant = false, .domid = rb->vm->domid, .gref = g,
		.offset = off, .local = dst, .len = len,
	};

	ck_assert_int_eq(p->gnt->copy(p, &s, 1), 0);
	ck_assert_int_eq(s.status, 0);
}

unsigned int rb_rx_take(struct rawback *rb, unsigned int qi,
			struct xf_netif_rx_request *req, unsigned int n)
{
	xf_ring_idx prod;
	int avail = xf_back_ring_requests(&rb->q[qi].rx, &prod);
	unsigned int k = 0;

	while (k < n && k < (unsigned int)avail) {
		xf_back_ring_take_request(&rb->q[qi].rx, &req[k], 8);
		k++;
	}
	return k;
}

void rb_rx_write(struct rawback *rb, xf_gref g, uint16_t off,
		 const void *src, uint16_t len)
{
	struct xf_platform *p = rb->env->dom0;
	struct xf_gnt_copy_seg s = {
		.to_grant = true, .domid = rb->vm->domid, .gref = g,
		.offset = off, .local = (void *)src, .len = len,
	};

	ck_assert_int_eq(p->gnt->copy(p, &s, 1), 0);
	ck_assert_int_eq(s.status, 0);
}

void rb_rx_respond(struct rawback *rb, unsigned int qi, const void *slot)
{
	memcpy(xf_back_ring_next_response(&rb->q[qi].rx), slot, 8);
}

void rb_push(struct rawback *rb, unsigned int qi)
{
	struct xf_platform *p = rb->env->dom0;

	xf_back_ring_push_responses(&rb->q[qi].tx);
	xf_back_ring_push_responses(&rb->q[qi].rx);
	p->evtchn->notify(rb->evh, rb->q[qi].ptx);
	if (rb->q[qi].prx != rb->q[qi].ptx)
		p->evtchn->notify(rb->evh, rb->q[qi].prx);
}
