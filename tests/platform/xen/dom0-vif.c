/* SPDX-License-Identifier: MIT */
/*
 * Runs in dom0: raw netif tx and rx between xfront's ring core on the
 * xen platform (frontend, user space) and the dom0 kernel's xen-netback.
 * A frame pushed on the tx ring must appear on the vif (AF_PACKET); a
 * frame sent out of the vif must land in a posted rx buffer.
 *
 * The frontend lives under device/vif-user so that the dom0 kernel's own
 * netfront ignores it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xfront/ring.h>
#include <xfront/netif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/xen.h>
#include "dom0util.h"

#define FE "/local/domain/0/device/vif-user/0"
#define BE "/local/domain/0/backend/vif/0/0"
#define IFNAME "vif0.0" /* vif<frontend domid>.<handle> */
#define MAC "00:16:3e:00:00:01"
#define ETHTYPE 0x88b5 /* IEEE local experimental */
#define NRX 8
#define TX_PAYLOAD "XF-VIF-TX-FRAME"
#define RX_PAYLOAD "XF-VIF-RX-FRAME"

static const unsigned char fmac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };

static struct dt_ctx ctx;
static struct xf_platform *P;
static struct xf_xs *xs;
static struct xf_evtch *evh;
static xf_port port;
static struct xf_front_ring tx, rx;
static xf_gref rx_ref[NRX];
static unsigned char *rx_buf;

static void kick(bool need)
{
	if (need)
		P->evtchn->notify(evh, port);
}

static void post_rx(uint16_t id)
{
	struct xf_netif_rx_request *r = xf_front_ring_next_request(&rx);

	if (!r)
		return;
	r->id = id;
	r->pad = 0;
	r->gref = rx_ref[id];
}

static bool frame_is_ours(const unsigned char *f, size_t n, const char *pl)
{
	return n >= 14 + strlen(pl) && f[12] == (ETHTYPE >> 8) &&
	       f[13] == (ETHTYPE & 0xff) && !memcmp(f + 14, pl, strlen(pl));
}

static void test_tx(int s, unsigned char *txb, xf_gref txb_ref)
{
	struct xf_netif_tx_request *r;
	struct xf_netif_tx_response rsp;
	unsigned char buf[2048];
	bool seen = false;
	int n, rc;

	memset(txb, 0, 64);
	memset(txb, 0xff, 6);
	memcpy(txb + 6, fmac, 6);
	txb[12] = ETHTYPE >> 8;
	txb[13] = ETHTYPE & 0xff;
	memcpy(txb + 14, TX_PAYLOAD, strlen(TX_PAYLOAD));
	r = xf_front_ring_next_request(&tx);
	r->gref = txb_ref;
	r->offset = 0;
	r->flags = 0;
	r->id = 7;
	r->size = 64;
	kick(xf_front_ring_push_requests(&tx));

	uint64_t end = dt_now_ms() + 5000;
	while (!seen && dt_now_ms() < end) {
		if (dt_wait_fd(s, 200) <= 0)
			continue;
		ssize_t len = recv(s, buf, sizeof(buf), 0);
		if (len > 0 && frame_is_ours(buf, (size_t)len, TX_PAYLOAD))
			seen = true;
	}
	dt_check(&ctx, seen, "tx-frame-on-vif", "on " IFNAME);

	end = dt_now_ms() + 5000;
	for (;;) {
		xf_ring_idx prod;

		n = xf_front_ring_responses(&tx, &prod);
		if (n == 0)
			n = xf_front_ring_final_check(&tx);
		if (n != 0 || dt_now_ms() >= end)
			break;
		dt_evtchn_wait(P, evh, 100);
	}
	if (n > 0) {
		xf_front_ring_take_response(&tx, &rsp, sizeof(rsp));
		dt_check(&ctx, rsp.id == 7 && rsp.status == XF_NETIF_RSP_OKAY,
			 "tx-response", "id=%u status=%d", rsp.id, rsp.status);
	} else {
		rc = n;
		dt_check(&ctx, false, "tx-response", "none (rc=%d)", rc);
	}
}

static void test_rx(int s)
{
	unsigned char f[64] = { 0 };
	bool got = false;
	unsigned int frames = 0;

	memcpy(f, fmac, 6);
	memset(f + 6, 0xfe, 6);
	f[12] = ETHTYPE >> 8;
	f[13] = ETHTYPE & 0xff;
	memcpy(f + 14, RX_PAYLOAD, strlen(RX_PAYLOAD));
	ssize_t sent = send(s, f, sizeof(f), 0);
	dt_check(&ctx, sent == (ssize_t)sizeof(f), "rx-send-on-vif",
		 "sent=%zd errno=%d", sent, sent < 0 ? errno : 0);

	uint64_t end = dt_now_ms() + 5000;
	while (!got && dt_now_ms() < end) {
		struct xf_netif_rx_response r;
		xf_ring_idx prod;
		int n = xf_front_ring_responses(&rx, &prod);

		if (n == 0)
			n = xf_front_ring_final_check(&rx);
		if (n < 0) {
			dt_check(&ctx, false, "rx-ring", "rc=%d", n);
			return;
		}
		if (n == 0) {
			dt_evtchn_wait(P, evh, 100);
			continue;
		}
		xf_front_ring_take_response(&rx, &r, sizeof(r));
		frames++;
		/* Validate before touching the buffer: the id and the
		 * extent come from the backend. */
		if (r.id < NRX && r.status > 0 &&
		    (unsigned int)r.offset + (unsigned int)r.status <=
			    XF_PAGE_SIZE &&
		    !(r.flags & XF_NETRXF_more_data) &&
		    frame_is_ours(rx_buf + (size_t)r.id * XF_PAGE_SIZE +
					  r.offset,
				  (size_t)r.status, RX_PAYLOAD))
			got = true;
		if (r.id < NRX)
			post_rx(r.id);
		kick(xf_front_ring_push_requests(&rx));
	}
	dt_check(&ctx, got, "rx-frame-in-buffer", "after %u rx responses",
		 frames);
}

int main(void)
{
	xf_gref txr_ref = 0, rxr_ref = 0, txb_ref = 0;
	void *txr = NULL, *rxr = NULL, *txb = NULL, *rxb = NULL;
	long st = -1;
	int rc, s = -1;

	dt_init(&ctx, "vif");
	rc = xf_xen_platform_open(&P);
	if (!dt_check(&ctx, rc == 0, "platform-open", "rc=%d", rc))
		return dt_finish(&ctx);
	rc = P->store->open(P, &xs);
	rc = rc ? rc : P->evtchn->open(P, &evh);
	if (!dt_check(&ctx, rc == 0, "handles-open", "rc=%d", rc))
		return dt_finish(&ctx);

	uint64_t t0 = dt_now_ms();
	rc = dt_vif_toolstack(P, xs, FE, BE, 0, MAC);
	dt_check(&ctx, rc == 0, "toolstack", "rc=%d", rc);
	rc = dt_xs_wait_int(P, xs, BE "/state", XF_XENBUS_INITWAIT, 10000, &st);
	if (!dt_check(&ctx, rc == 0 && st == XF_XENBUS_INITWAIT,
		      "backend-initwait", "rc=%d state=%ld after %llu ms", rc,
		      st, (unsigned long long)(dt_now_ms() - t0)))
		goto out;

	rc = P->gnt->share(P, 0, 1, true, &txr_ref, &txr);
	rc = rc ? rc : P->gnt->share(P, 0, 1, true, &rxr_ref, &rxr);
	rc = rc ? rc : P->gnt->share(P, 0, 1, false, &txb_ref, &txb);
	rc = rc ? rc : P->gnt->share(P, 0, NRX, true, rx_ref, &rxb);
	rc = rc ? rc : P->evtchn->alloc_unbound(evh, 0, &port);
	if (!dt_check(&ctx, rc == 0, "frontend-resources", "rc=%d", rc))
		goto out;
	rx_buf = rxb;
	xf_sring_init(txr, XF_PAGE_SIZE);
	xf_sring_init(rxr, XF_PAGE_SIZE);
	rc = xf_front_ring_attach(&tx, txr, XF_PAGE_SIZE, XF_NETIF_TX_SLOT_SIZE,
				  0);
	rc = rc ? rc : xf_front_ring_attach(&rx, rxr, XF_PAGE_SIZE,
					    XF_NETIF_RX_SLOT_SIZE, 0);
	dt_check(&ctx, rc == 0 && tx.nr_ents == 256 && rx.nr_ents == 256,
		 "ring-attach", "rc=%d tx=%u rx=%u", rc, tx.nr_ents,
		 rx.nr_ents);
	for (uint16_t i = 0; i < NRX; i++)
		post_rx(i);
	xf_front_ring_push_requests(&rx);

	char tr[16], rr[16], ev[16];
	snprintf(tr, sizeof(tr), "%u", txr_ref);
	snprintf(rr, sizeof(rr), "%u", rxr_ref);
	snprintf(ev, sizeof(ev), "%u", port);
	const char *const conn_kv[] = { "tx-ring-ref", tr, "rx-ring-ref", rr,
					"event-channel", ev,
					"request-rx-copy", "1",
					"feature-rx-notify", "1",
					"state", "4", NULL };
	rc = dt_xs_write_all(P, xs, FE, conn_kv);
	dt_check(&ctx, rc == 0, "frontend-connected", "rc=%d", rc);
	dt_vif_hotplug_done(P, xs, BE);
	t0 = dt_now_ms();
	rc = dt_xs_wait_int(P, xs, BE "/state", XF_XENBUS_CONNECTED, 10000,
			    &st);
	if (!dt_check(&ctx, rc == 0 && st == XF_XENBUS_CONNECTED,
		      "backend-connected", "rc=%d state=%ld after %llu ms", rc,
		      st, (unsigned long long)(dt_now_ms() - t0)))
		goto close;

	s = dt_packet_socket(IFNAME, 0);
	if (!dt_check(&ctx, s >= 0, "vif-socket", "fd/rc=%d", s))
		goto close;
	test_tx(s, txb, txb_ref);
	test_rx(s);
	close(s);

close:
	dt_xenbus_close(&ctx, P, xs, FE, BE);
out:
	P->store->rm(xs, XF_TXN_NONE, BE);
	P->store->rm(xs, XF_TXN_NONE, FE);
	if (port)
		P->evtchn->unbind(evh, port);
	if (txr)
		P->gnt->unshare(P, txr, 1);
	if (rxr)
		P->gnt->unshare(P, rxr, 1);
	if (txb)
		P->gnt->unshare(P, txb, 1);
	if (rxb)
		P->gnt->unshare(P, rxb, NRX);
	P->evtchn->close(evh);
	P->store->close(xs);
	xf_xen_platform_close(P);
	return dt_finish(&ctx);
}
