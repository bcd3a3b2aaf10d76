// SPDX-License-Identifier: MIT
/*
 * Fuzz target: netfront facing a hostile backend.
 *
 * A fake netback on the mock platform (sim runtime) publishes features
 * from the input, follows the handshake, maps the tx and rx rings of
 * every queue, and then: answers tx requests with right, foreign or
 * repeated ids and any status; fills rx buffers (through grant copy)
 * with bytes from the input and answers them with any offset, size,
 * flags and extra-info chains (GSO size 0, unknown types, endless
 * more_data); moves rsp_prod anywhere; flips its state; disappears.
 * The application side sends frames built from the input.
 *
 * Invariants (abort on violation):
 *  - every frame accepted by xf_netfront_send() gets exactly one
 *    tx_done, with a documented status; a refused one gets none;
 *  - a received frame is readable over its whole length;
 *  - the error state comes with a message;
 *  - nothing crashes, leaks or overruns (sanitizers).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/mock.h>
#include <xfront/netback.h>
#include <xfront/netfront.h>
#include <xfront/ring.h>
#include <xfront/netif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

#include "fuzz-backend.h"
#include "fuzz-mock.h"
#include "fuzz.h"

#define FE_DOMID 1
#define BE_DOMID 0
#define DEVID 0
#define MAX_FRAMES 1024
#define MAX_TAKEN 256
#define MAX_STEPS 512
#define STEP_NS 1000000ull
#define NQ_MAX 2

struct be_tx_taken {
	uint16_t id;
	uint16_t flags;
};

struct be_queue {
	void *tx_page, *rx_page;
	struct xf_back_ring tx, rx;
	xf_port port_tx, port_rx; /* equal without split channels */
	bool split;
	struct be_tx_taken txt[MAX_TAKEN];
	unsigned int nr_txt;
	struct xf_netif_rx_request rxt[MAX_TAKEN];
	unsigned int nr_rxt;
	bool tx_unasked, rx_unasked;
};

struct be {
	struct fz_be xb;    /* directories, state, handles */
	unsigned int nq;
	struct be_queue q[NQ_MAX];
};

static struct fz_mock mock;
static struct xf_rt *rt;
static uint64_t until;
static uint8_t accepted[MAX_FRAMES], done[MAX_FRAMES];
static uint32_t next_cookie;
static bool closed_seen;
static volatile uint32_t rx_sink;

static void run_for(uint64_t ns)
{
	until += ns;
	FZ_CHECK(xf_rt_run(rt, until) == 0);
}

static void on_tx_done(void *opaque, uint64_t cookie, int status)
{
	(void)opaque;
	FZ_CHECK(cookie < next_cookie);
	FZ_CHECK(accepted[cookie]);
	FZ_CHECK(!done[cookie]);
	done[cookie] = 1;
	FZ_CHECK(status == 0 || status == -EIO || status == -ENOBUFS ||
		 status == -EPROTO || status == -EMSGSIZE ||
		 status == -EINVAL || status == -ESHUTDOWN);
	fz_outcome_u64(cookie);
	fz_outcome_u64((uint64_t)(int64_t)status);
}

static void on_rx(void *opaque, const struct xf_net_rx_frame *f)
{
	uint32_t i, sum = 0;

	(void)opaque;
	FZ_CHECK(f->len <= 2 * XF_NET_MAX_FRAME);
	FZ_CHECK(f->len == 0 || f->data);
	/* Touch every byte: an overrun shows up under ASan. */
	for (i = 0; i < f->len; i++)
		sum += f->data[i];
	rx_sink = sum;
	FZ_CHECK(f->nr_slots >= 1);
	fz_outcome_u64(f->len);
	fz_outcome_u64(sum);
	fz_outcome_u64(f->nr_slots);
}

static void on_state(void *opaque, enum xf_netfront_state st)
{
	(void)opaque;
	FZ_CHECK((unsigned int)st <= XF_NETFRONT_ERROR);
	if (st == XF_NETFRONT_CLOSED)
		closed_seen = true;
	fz_outcome_u64(st);
}

static const struct xf_netfront_ops nf_ops = {
	.tx_done = on_tx_done,
	.rx = on_rx,
	.state = on_state,
};

/* ---- the fake backend ---- */

static void be_wr(struct be *b, const char *key, const char *val)
{
	fz_be_write(&b->xb, key, val);
}

static void be_wr_num(struct be *b, const char *key, unsigned long long v)
{
	fz_be_write_num(&b->xb, key, v);
}

static void be_state(struct be *b, int s)
{
	fz_be_state(&b->xb, s);
}

static void be_key(struct be *b, struct fz_in *in, bool sane,
		   const char *key, unsigned long long typical)
{
	uint8_t sel = sane ? 2 : fz_u8(in);

	switch (sel % 6) {
	case 0:
		break; /* absent */
	case 1:
		be_wr(b, key, "0");
		break;
	case 2:
	case 3:
		be_wr_num(b, key, typical);
		break;
	case 4:
		be_wr_num(b, key, fz_u64(in));
		break;
	case 5: {
		char v[7];

		fz_bytes(in, v, 6);
		v[6] = '\0';
		be_wr(b, key, v);
		break;
	}
	}
}

static void be_publish(struct be *b, struct fz_in *in, bool sane)
{
	be_key(b, in, sane, "feature-rx-copy", 1);
	be_key(b, in, sane, "feature-sg", 1);
	be_key(b, in, sane, "feature-gso-tcpv4", 1);
	be_key(b, in, sane, "feature-gso-tcpv6", 1);
	be_key(b, in, sane, "feature-no-csum-offload", 0);
	be_key(b, in, sane, "feature-ipv6-csum-offload", 1);
	be_key(b, in, sane, "feature-split-event-channels", 1);
	be_key(b, in, sane, "multi-queue-max-queues", NQ_MAX);
	be_key(b, in, sane, "feature-multicast-control", 1);
	be_key(b, in, sane, "feature-rx-notify", 1);
}

static void be_disconnect(struct be *b)
{
	struct xf_platform *p = b->xb.p;
	unsigned int i;

	for (i = 0; i < b->nq; i++) {
		struct be_queue *q = &b->q[i];

		if (q->tx_page)
			FZ_CHECK(p->gnt->unmap(p, q->tx_page, 1) == 0);
		if (q->rx_page)
			FZ_CHECK(p->gnt->unmap(p, q->rx_page, 1) == 0);
		if (q->port_tx)
			p->evtchn->unbind(b->xb.evh, q->port_tx);
		if (q->split && q->port_rx)
			p->evtchn->unbind(b->xb.evh, q->port_rx);
		memset(q, 0, sizeof(*q));
	}
	b->nq = 0;
}

static bool be_bind(struct be *b, uint64_t remote, xf_port *out)
{
	return b->xb.p->evtchn->bind_interdomain(b->xb.evh, FE_DOMID,
					      (xf_port)remote, out) == 0;
}

static bool be_connect(struct be *b)
{
	struct xf_platform *p = b->xb.p;
	const char *fe = b->xb.fe_dir;
	uint64_t nq = 1, v, tref, rref;
	unsigned int i;

	if (fz_be_fe_uint(&b->xb, fe, "multi-queue-num-queues", &v) == 0)
		nq = v;
	if (nq < 1 || nq > NQ_MAX)
		return false;
	for (i = 0; i < nq; i++) {
		struct be_queue *q = &b->q[i];
		char dir[192];
		xf_gref g;

		if (nq == 1)
			snprintf(dir, sizeof(dir), "%s", fe);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", fe, i);
		b->nq = i + 1;
		if (fz_be_fe_uint(&b->xb, dir, "tx-ring-ref", &tref) < 0 ||
		    fz_be_fe_uint(&b->xb, dir, "rx-ring-ref", &rref) < 0)
			goto fail;
		g = (xf_gref)tref;
		if (p->gnt->map(p, FE_DOMID, 1, &g, true, &q->tx_page) < 0) {
			q->tx_page = NULL;
			goto fail;
		}
		g = (xf_gref)rref;
		if (p->gnt->map(p, FE_DOMID, 1, &g, true, &q->rx_page) < 0) {
			q->rx_page = NULL;
			goto fail;
		}
		if (fz_be_fe_uint(&b->xb, dir, "event-channel", &v) == 0) {
			if (!be_bind(b, v, &q->port_tx))
				goto fail;
			q->port_rx = q->port_tx;
		} else {
			q->split = true;
			if (fz_be_fe_uint(&b->xb, dir, "event-channel-tx",
					  &v) < 0 ||
			    !be_bind(b, v, &q->port_tx))
				goto fail;
			if (fz_be_fe_uint(&b->xb, dir, "event-channel-rx",
					  &v) < 0 ||
			    !be_bind(b, v, &q->port_rx))
				goto fail;
		}
		FZ_CHECK(xf_back_ring_attach(&q->tx, q->tx_page, XF_PAGE_SIZE,
					     XF_NETIF_TX_SLOT_SIZE, 0) == 0);
		FZ_CHECK(xf_back_ring_attach(&q->rx, q->rx_page, XF_PAGE_SIZE,
					     XF_NETIF_RX_SLOT_SIZE, 0) == 0);
	}
	return true;
fail:
	be_disconnect(b);
	return false;
}

static struct be *be_of(struct fz_be *xb)
{
	return (struct be *)((char *)xb - offsetof(struct be, xb));
}

static bool hook_connect(struct fz_be *xb, void *arg)
{
	(void)arg;
	return be_connect(be_of(xb));
}

static void hook_disconnect(struct fz_be *xb, void *arg)
{
	(void)arg;
	be_disconnect(be_of(xb));
}

static const struct fz_be_ops be_ops = {
	.connect = hook_connect,
	.disconnect = hook_disconnect,
};

static void be_follow(struct be *b)
{
	fz_be_follow(&b->xb, NULL);
}

static void be_take_tx(struct be_queue *q)
{
	int n = xf_back_ring_requests(&q->tx, NULL);

	FZ_CHECK(n >= 0 || q->tx_unasked);
	while (n-- > 0 && q->nr_txt < MAX_TAKEN) {
		struct xf_netif_tx_request r;

		xf_back_ring_take_request(&q->tx, &r, sizeof(r));
		q->txt[q->nr_txt].id = r.id;
		q->txt[q->nr_txt].flags = r.flags;
		q->nr_txt++;
	}
}

static void be_take_rx(struct be_queue *q)
{
	int n = xf_back_ring_requests(&q->rx, NULL);

	FZ_CHECK(n >= 0 || q->rx_unasked);
	while (n-- > 0 && q->nr_rxt < MAX_TAKEN) {
		xf_back_ring_take_request(&q->rx, &q->rxt[q->nr_rxt],
					  sizeof(q->rxt[0]));
		q->nr_rxt++;
	}
}

static void *next_slot(struct xf_back_ring *r, bool *unasked)
{
	void *slot = xf_ring_slot(r->sring, r->nr_ents, r->slot_size,
				  r->rsp_prod_pvt);

	if (r->rsp_prod_pvt == r->req_cons)
		*unasked = true;
	r->rsp_prod_pvt++;
	return slot;
}

static void be_push(struct be *b, struct xf_back_ring *r, xf_port port)
{
	(void)xf_back_ring_push_responses(r);
	b->xb.p->evtchn->notify(b->xb.evh, port);
}

static void be_answer_tx(struct be *b, struct be_queue *q, struct fz_in *in)
{
	uint8_t how = fz_u8(in);
	struct xf_netif_tx_response rsp = { 0 };
	struct be_tx_taken t = { 0 };

	if (q->nr_txt) {
		unsigned int k = (how & 0x40) ? fz_u8(in) % q->nr_txt : 0;

		t = q->txt[k];
		if (!(how & 0x20)) {
			memmove(&q->txt[k], &q->txt[k + 1],
				(q->nr_txt - k - 1) * sizeof(q->txt[0]));
			q->nr_txt--;
		}
	}
	rsp.id = t.id;
	rsp.status = XF_NETIF_RSP_OKAY;
	switch (how & 7) {
	case 1:
		rsp.id = fz_u16(in);
		break;
	case 2:
		rsp.status = (int16_t)fz_u16(in);
		break;
	case 3:
		rsp.status = XF_NETIF_RSP_ERROR;
		break;
	case 4:
		rsp.status = XF_NETIF_RSP_DROPPED;
		break;
	case 5:
		rsp.status = XF_NETIF_RSP_NULL;
		break;
	default:
		break;
	}
	memcpy(next_slot(&q->tx, &q->tx_unasked), &rsp, sizeof(rsp));
	if (how & 0x80)
		be_push(b, &q->tx, q->port_tx);
}

/* Fills the buffer of a taken rx request with input bytes (grant copy,
 * as netback does) and answers it, with fuzzed fields as asked.
 * how: bits 0-2 what (7: an extra-info slot; 1: foreign id; 2: any
 * status), bit 3 an offset follows, bit 6 a flags byte follows, bit 7
 * push and notify. */
static void be_answer_rx(struct be *b, struct be_queue *q, struct fz_in *in)
{
	uint8_t how = fz_u8(in);
	struct xf_netif_rx_response rsp = { 0 };
	struct xf_netif_rx_request t = { 0 };
	uint8_t *slot;

	if (q->nr_rxt) {
		t = q->rxt[0];
		memmove(&q->rxt[0], &q->rxt[1],
			(q->nr_rxt - 1) * sizeof(q->rxt[0]));
		q->nr_rxt--;
	}
	slot = next_slot(&q->rx, &q->rx_unasked);
	if ((how & 7) == 7) {
		/* An extra-info slot. */
		struct xf_netif_extra_info e;

		memset(&e, 0, sizeof(e));
		e.type = fz_u8(in) % 6;
		e.flags = fz_u8(in) & 1;
		e.u.gso.size = fz_u16(in);
		e.u.gso.type = fz_u8(in) % 4;
		memcpy(slot, &e, sizeof(e));
	} else {
		uint8_t pkt[256];
		uint16_t len = fz_u8(in);
		uint16_t off = (how & 0x08) ? fz_u16(in) : 0;
		struct xf_gnt_copy_seg seg = {
			.to_grant = true,
			.domid = FE_DOMID,
			.gref = t.gref,
			.offset = (uint16_t)(off % XF_PAGE_SIZE),
			.local = pkt,
		};

		fz_bytes(in, pkt, len);
		seg.len = (uint16_t)(len < XF_PAGE_SIZE - seg.offset ?
					     len :
					     XF_PAGE_SIZE - seg.offset);
		if (seg.len)
			b->xb.p->gnt->copy(b->xb.p, &seg, 1);
		rsp.id = t.id;
		rsp.offset = off;
		rsp.status = (int16_t)len;
		rsp.flags = (how & 0x40) ? fz_u8(in) : 0;
		if ((how & 7) == 1)
			rsp.id = fz_u16(in);
		else if ((how & 7) == 2)
			rsp.status = (int16_t)fz_u16(in);
		memcpy(slot, &rsp, sizeof(rsp));
	}
	if (how & 0x80)
		be_push(b, &q->rx, q->port_rx);
}

static void app_send(struct xf_netfront *nf, struct fz_in *in)
{
	static uint8_t buf[4][2048];
	struct xf_net_frag frags[4];
	struct xf_net_frame f;
	uint8_t h = fz_u8(in);
	unsigned int i, n = 1 + (h & 3);
	uint64_t cookie;
	int r;

	if (next_cookie >= MAX_FRAMES)
		return;
	for (i = 0; i < n; i++) {
		uint16_t len = fz_u16(in) % sizeof(buf[i]);

		fz_bytes(in, buf[i], len < 96 ? len : 96);
		/* Beyond the fuzzed head: a fixed pattern. */
		if (len > 96)
			memset(buf[i] + 96, 0x5a, len - 96);
		frags[i].data = buf[i];
		frags[i].len = len;
	}
	memset(&f, 0, sizeof(f));
	f.frags = frags;
	f.nr_frags = n;
	f.flags = (h >> 2) & 3;
	f.gso_size = (h & 0x10) ? fz_u16(in) : 0;
	f.gso_type = (h >> 5) & 3;
	cookie = next_cookie++;
	accepted[cookie] = 1; /* before: tx_done may run inside send */
	r = xf_netfront_send(nf, (h & 0x80) ? -1 : 0, &f, cookie);
	if (r < 0) {
		FZ_CHECK(r == -EAGAIN || r == -EPROTO || r == -ESHUTDOWN ||
			 r == -EMSGSIZE || r == -EINVAL);
		FZ_CHECK(!done[cookie]);
		accepted[cookie] = 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	struct xf_platform *dom0, *fep;
	struct xf_rt_config rc;
	struct xf_nb_vif_dirs vd;
	struct xf_netfront_config nc;
	struct xf_netfront *nf;
	struct be *b;
	uint8_t c0, c1;
	unsigned int steps = 0, i;
	bool sane, debug = getenv("XF_FUZZ_DEBUG") != NULL;

	fz_init(&in, data, size);
	c0 = fz_u8(&in);
	c1 = fz_u8(&in);
	sane = c0 & 1;
	memset(accepted, 0, sizeof(accepted));
	memset(done, 0, sizeof(done));
	next_cookie = 0;
	closed_seen = false;

	b = calloc(1, sizeof(*b));
	FZ_CHECK(b);
	fz_mock_get(&mock, BE_DOMID, FE_DOMID);
	dom0 = mock.be;
	fep = mock.fe;
	xf_rt_config_init(&rc);
	rc.seed = c1;
	FZ_CHECK(xf_rt_new(&rc, &rt) == 0);
	until = xf_rt_now_ns(rt);

	memset(&vd, 0, sizeof(vd));
	vd.fe_domid = FE_DOMID;
	vd.be_domid = BE_DOMID;
	vd.devid = DEVID;
	memcpy(vd.mac, "\x00\x16\x3e\x00\x00\x01", 6);
	vd.mtu = (c0 & 2) ? 9000 : 0;
	vd.trusted = (c0 >> 2) % 3 - 1;
	FZ_CHECK(xf_nb_toolstack_add_vif(dom0, &vd) == 0);

	fz_be_open(&b->xb, dom0, &be_ops);
	snprintf(b->xb.dir, sizeof(b->xb.dir),
		 "/local/domain/%u/backend/vif/%u/%u", BE_DOMID, FE_DOMID,
		 DEVID);
	snprintf(b->xb.fe_dir, sizeof(b->xb.fe_dir),
		 "/local/domain/%u/device/vif/%u", FE_DOMID, DEVID);
	be_publish(b, &in, sane);
	be_state(b, XF_XENBUS_INITWAIT);

	xf_netfront_config_init(&nc);
	nc.plat = fep;
	nc.rt = rt;
	nc.dev_path = b->xb.fe_dir;
	nc.max_queues = 1 + ((c0 >> 4) & 1);
	nc.no_sg = c0 & 0x20;
	nc.no_tx_csum = c0 & 0x40;
	nc.rx_verify_csum = c0 & 0x80;
	nc.no_split_evtchn = c1 & 1;
	nc.tx_no_requeue = c1 & 2;
	nc.tx_raw_layout = c1 & 4;
	nc.tx_backlog_max = 64;
	nc.ops = &nf_ops;
	FZ_CHECK(xf_netfront_new(&nc, &nf) == 0);
	FZ_CHECK(xf_netfront_start(nf) == 0);
	for (i = 0; i < 4; i++) {
		run_for(STEP_NS);
		be_follow(b);
	}

	while (fz_left(&in) && steps++ < MAX_STEPS) {
		uint8_t op = fz_u8(&in);
		struct be_queue *q = b->nq ? &b->q[(op >> 4) % b->nq] : NULL;

		if (debug)
			fprintf(stderr, "op %u (%u) nq %u state %d\n",
				op & 0x0f, op, b->nq, xf_netfront_state(nf));
		switch ((op & 0x0f) % 12) {
		case 0:
		case 1:
			app_send(nf, &in);
			break;
		case 2:
			run_for((uint64_t)(op >> 4) * STEP_NS / 2);
			fz_be_drain_events(&b->xb);
			be_follow(b);
			break;
		case 3:
			if (q) {
				be_take_tx(q);
				be_take_rx(q);
			}
			break;
		case 4:
			if (q)
				be_answer_tx(b, q, &in);
			break;
		case 5:
		case 6:
			if (q)
				be_answer_rx(b, q, &in);
			break;
		case 7:
			if (q) {
				struct xf_back_ring *r = (op & 0x80) ? &q->rx :
								       &q->tx;
				int16_t d = (int16_t)fz_u16(&in);

				/* Up to a ring ahead, the frontend takes the
				 * slots as answers and posts requests again:
				 * our indices lie from here on. */
				if (d)
					*((op & 0x80) ? &q->rx_unasked :
							&q->tx_unasked) = true;
				xf_shm_store_release(&r->sring->rsp_prod,
						     r->rsp_prod_pvt + d);
				b->xb.p->evtchn->notify(b->xb.evh, q->port_tx);
			}
			break;
		case 8:
			be_state(b, 1 + fz_u8(&in) % 8);
			break;
		case 9:
			if (!b->xb.gone && (op & 0x80)) {
				xf_nb_toolstack_remove_vif(dom0, FE_DOMID,
							   BE_DOMID, DEVID);
				b->xb.gone = true;
			} else if (op & 0x40) {
				xf_netfront_suspend(nf);
			} else {
				xf_netfront_resume(nf);
			}
			break;
		case 10: {
			uint8_t mac[6] = { 0x01, 0, 0x5e, 0, 0, fz_u8(&in) };
			int r = xf_netfront_mcast(nf, mac, op & 0x80);

			FZ_CHECK(r == 0 || r < 0);
			break;
		}
		case 11:
			if (q) { /* raw bytes over a response slot */
				struct xf_back_ring *r = (op & 0x80) ? &q->rx :
								       &q->tx;
				uint8_t *slot = xf_ring_slot(
					r->sring, r->nr_ents, r->slot_size,
					r->rsp_prod_pvt - 1 - (fz_u8(&in) % 4));

				fz_bytes(&in, slot, r->slot_size);
			}
			break;
		}
		if (xf_netfront_state(nf) == XF_NETFRONT_ERROR)
			FZ_CHECK(xf_netfront_error(nf) != NULL);
	}

	/* What was published at the end of the hostile part: ring-refs,
	 * ports and states. */
	fz_mock_outcome(&mock);

	xf_netfront_close(nf);
	for (i = 0; i < 300 && !closed_seen; i++) {
		run_for(STEP_NS);
		fz_be_drain_events(&b->xb);
		be_follow(b);
	}
	if (debug) {
		struct xf_netfront_stats st;
		unsigned int acc = 0, dn = 0;

		xf_netfront_stats(nf, &st);
		for (i = 0; i < next_cookie; i++) {
			acc += accepted[i];
			dn += done[i];
		}
		fprintf(stderr, "netfront: state %d connects %llu errors %llu "
			"rx %llu tx %u/%u closed %d err %s\n",
			xf_netfront_state(nf),
			(unsigned long long)st.connects,
			(unsigned long long)st.errors,
			(unsigned long long)st.rx_frames, dn, acc, closed_seen,
			xf_netfront_error(nf) ? xf_netfront_error(nf) : "-");
	}
	if (fz_outcome_wanted()) {
		struct xf_netfront_stats st;
		const char *err = xf_netfront_error(nf);

		memset(&st, 0, sizeof(st));
		xf_netfront_stats(nf, &st);
		fz_outcome(&st, sizeof(st));
		fz_outcome_u64((uint64_t)xf_netfront_state(nf));
		if (err)
			fz_outcome(err, strlen(err));
	}
	xf_netfront_free(nf);
	for (i = 0; i < next_cookie; i++)
		FZ_CHECK(done[i] == accepted[i]);
	be_disconnect(b);
	fz_be_close(&b->xb);
	xf_rt_free(rt);
	rt = NULL;
	fz_mock_outcome(&mock);
	fz_mock_put(&mock);
	free(b);
	return 0;
}
