// SPDX-License-Identifier: MIT
/*
 * Fuzz target: blkfront facing a hostile backend.
 *
 * A fake backend on the mock platform (sim runtime) publishes features
 * whose values come from the input (sane, edge, or garbage), follows the
 * xenbus handshake, maps the rings, and then answers the frontend's
 * requests the way the input says: right, with foreign or repeated ids,
 * wrong operations, unknown statuses, raw slot bytes, an rsp_prod beyond
 * the ring, slots rewritten after the push, late mappings of data grants
 * (XSA-396 class), state flips and surprise removal.
 *
 * Invariants (abort on violation):
 *  - every I/O accepted by xf_blkfront_submit() completes exactly once,
 *    with a documented status; a refused one never completes;
 *  - an error state always comes with an error code and a message;
 *  - nothing crashes, leaks or overruns (sanitizers).
 *
 * Input: 4 config bytes, then per-key selectors for the backend's
 * feature keys, then opcodes (see the switch below).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

#include "fuzz-backend.h"
#include "fuzz-mock.h"
#include "fuzz.h"

#define FE_DOMID 1
#define BE_DOMID 0
#define NR_IOS 32
#define MAX_TAKEN 256
#define MAX_LATE_MAPS 8
#define MAX_STEPS 512
#define STEP_NS 1000000ull

struct io_slot {
	struct xf_blkfront_io io;
	uint8_t *buf;
	bool inflight;
	unsigned int accepted, calls;
};

struct taken {
	uint64_t id;
	uint8_t op;
	xf_gref gref; /* first data segment, for late maps */
};

struct be_queue {
	void *ring;
	unsigned int pages;
	struct xf_back_ring br;
	xf_port port;
	struct taken taken[MAX_TAKEN];
	unsigned int nr_taken;
	bool unasked;  /* we answered beyond req_cons: our indices lie */
};

struct be {
	struct fz_be xb;    /* directories, state, handles */
	bool connected;
	enum xf_blkif_abi abi;
	size_t slot;
	unsigned int nq;
	struct be_queue q[XF_BLKFRONT_MAX_QUEUES];
	void *late[MAX_LATE_MAPS];
	unsigned int nr_late;
	uint64_t sectors;
	unsigned int sector_size;
};

static struct fz_mock mock;
static struct xf_rt *rt;
static uint64_t until;
static struct io_slot ios[NR_IOS];
static unsigned int events[XF_BLKFRONT_EV_CLOSED + 1];

static void run_for(uint64_t ns)
{
	until += ns;
	FZ_CHECK(xf_rt_run(rt, until) == 0);
}

static void io_done(struct xf_blkfront_io *io, int status)
{
	struct io_slot *s = io->opaque;

	FZ_CHECK(s >= ios && s < ios + NR_IOS);
	FZ_CHECK(s->inflight);
	s->inflight = false;
	s->calls++;
	FZ_CHECK(status == 0 || status == -EIO || status == -EOPNOTSUPP ||
		 status == -ENODEV || status == -EPROTO ||
		 status == -ENOMEM || status == -EINVAL);
	fz_outcome_u64((uint64_t)(s - ios));
	fz_outcome_u64((uint64_t)(int64_t)status);
}

static void on_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	(void)bf;
	(void)opaque;
	FZ_CHECK((unsigned int)ev <= XF_BLKFRONT_EV_CLOSED);
	events[ev]++;
	fz_outcome_u64(ev);
}

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

/* One feature key: absent, sane, edge or garbage, as the input says. */
static void be_key(struct be *b, struct fz_in *in, bool sane,
		   const char *key, unsigned long long typical)
{
	char path[192];
	uint8_t sel = sane ? 3 : fz_u8(in);

	switch (sel % 9) {
	case 0:
		snprintf(path, sizeof(path), "%s/%s", b->xb.dir, key);
		b->xb.p->store->rm(b->xb.xs, XF_TXN_NONE, path);
		break;
	case 1:
		be_wr(b, key, "0");
		break;
	case 2:
		be_wr(b, key, "1");
		break;
	case 3:
	case 4:
		be_wr_num(b, key, typical);
		break;
	case 5:
		be_wr_num(b, key, fz_u32(in));
		break;
	case 6:
		be_wr_num(b, key, fz_u64(in));
		break;
	case 7:
		be_wr(b, key, (sel & 0x10) ? "18446744073709551616" : "-1");
		break;
	case 8: {
		char v[9];

		fz_bytes(in, v, 8);
		v[8] = '\0';
		be_wr(b, key, v);
		break;
	}
	}
}

static void be_publish(struct be *b, struct fz_in *in, bool sane)
{
	be_key(b, in, sane, "multi-queue-max-queues", 2);
	be_key(b, in, sane, "max-ring-page-order", 2);
	be_key(b, in, sane, "max-ring-pages", 4);
	be_key(b, in, sane, "feature-max-indirect-segments", 64);
	be_key(b, in, sane, "feature-persistent", 1);
}

static void be_publish_disk(struct be *b, struct fz_in *in, bool sane)
{
	be_wr_num(b, "sectors", b->sectors);
	if (b->sector_size != 512 || !sane)
		be_key(b, in, sane, "sector-size", b->sector_size);
	be_key(b, in, sane, "info", 0);
	be_key(b, in, sane, "physical-sector-size", b->sector_size);
	be_key(b, in, sane, "feature-flush-cache", 1);
	be_key(b, in, sane, "feature-barrier", 1);
	be_key(b, in, sane, "feature-discard", 1);
	be_key(b, in, sane, "discard-secure", 1);
	be_key(b, in, sane, "discard-granularity", b->sector_size);
	be_key(b, in, sane, "discard-alignment", 0);
}

static void be_disconnect(struct be *b)
{
	struct xf_platform *p = b->xb.p;
	unsigned int i;

	for (i = 0; i < b->nq; i++) {
		struct be_queue *q = &b->q[i];

		if (q->ring) {
			FZ_CHECK(p->gnt->unmap(p, q->ring, q->pages) == 0);
			p->evtchn->unbind(b->xb.evh, q->port);
		}
		memset(q, 0, sizeof(*q));
	}
	b->nq = 0;
	b->connected = false;
}

/* Maps what the frontend published, as a (correct) backend would.
 * Returns false when the keys are unusable. */
static bool be_connect(struct be *b)
{
	struct xf_platform *p = b->xb.p;
	const char *fe = b->xb.fe_dir;
	uint64_t v, order = 0, nq = 1;
	char *proto = NULL;
	unsigned int i, j;

	b->abi = XF_BLKIF_ABI_X86_64;
	{
		char path[192];

		snprintf(path, sizeof(path), "%s/protocol", fe);
		if (xf_xs_read_str(p, b->xb.xs, XF_TXN_NONE, path,
				   &proto) == 0) {
			if (xf_blkif_abi_parse(proto, &b->abi) < 0) {
				free(proto);
				return false;
			}
			free(proto);
		}
	}
	b->slot = xf_blkif_slot_size(b->abi);
	if (fz_be_fe_uint(&b->xb, fe, "multi-queue-num-queues", &v) == 0)
		nq = v;
	if (nq < 1 || nq > XF_BLKFRONT_MAX_QUEUES)
		return false;
	if (fz_be_fe_uint(&b->xb, fe, "ring-page-order", &v) == 0)
		order = v;
	if (order > XF_MAX_RING_PAGE_ORDER)
		return false;
	for (i = 0; i < nq; i++) {
		struct be_queue *q = &b->q[i];
		xf_gref refs[XF_MAX_RING_PAGES];
		char dir[192];
		xf_port rport;

		if (nq == 1)
			snprintf(dir, sizeof(dir), "%s", fe);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", fe, i);
		for (j = 0; j < (1u << order); j++) {
			char key[24];

			if (order)
				snprintf(key, sizeof(key), "ring-ref%u", j);
			else
				snprintf(key, sizeof(key), "ring-ref");
			if (fz_be_fe_uint(&b->xb, dir, key, &v) < 0)
				goto fail;
			refs[j] = (xf_gref)v;
		}
		if (fz_be_fe_uint(&b->xb, dir, "event-channel", &v) < 0)
			goto fail;
		if (p->gnt->map(p, FE_DOMID, 1u << order, refs, true,
				&q->ring) < 0) {
			q->ring = NULL;
			goto fail;
		}
		q->pages = 1u << order;
		if (p->evtchn->bind_interdomain(b->xb.evh, FE_DOMID,
						(xf_port)v, &rport) < 0) {
			p->gnt->unmap(p, q->ring, q->pages);
			q->ring = NULL;
			goto fail;
		}
		q->port = rport;
		FZ_CHECK(xf_back_ring_attach(&q->br, q->ring,
					     (size_t)q->pages * XF_PAGE_SIZE,
					     b->slot, 0) == 0);
		b->nq = i + 1;
	}
	b->connected = true;
	return true;
fail:
	be_disconnect(b);
	return false;
}

static struct be *be_of(struct fz_be *xb)
{
	return (struct be *)((char *)xb - offsetof(struct be, xb));
}

/* What the disk keys published at connect come from. */
struct follow_arg {
	struct fz_in *in;
	bool sane;
};

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

static void hook_connected(struct fz_be *xb, void *arg)
{
	const struct follow_arg *a = arg;

	be_publish_disk(be_of(xb), a->in, a->sane);
}

static const struct fz_be_ops be_ops = {
	.connect = hook_connect,
	.disconnect = hook_disconnect,
	.connected = hook_connected,
};

/* A (mostly) well-behaved backend state machine. */
static void be_follow(struct be *b, struct fz_in *in, bool sane)
{
	struct follow_arg a = { in, sane };

	fz_be_follow(&b->xb, &a);
}

static void be_notify(struct be *b, struct be_queue *q)
{
	b->xb.p->evtchn->notify(b->xb.evh, q->port);
}

/* Takes every visible request (the frontend is trusted to be sane here:
 * this target fuzzes the frontend, not the ring). */
static void be_take(struct be *b, struct be_queue *q)
{
	uint8_t slot[128];
	struct xf_blkif_req r;
	int n = xf_back_ring_requests(&q->br, NULL);

	/* blkfront never overflows its own ring; only our own unasked
	 * answers can make the indices inconsistent. */
	FZ_CHECK(n >= 0 || q->unasked);
	while (n-- > 0 && q->nr_taken < MAX_TAKEN) {
		xf_back_ring_take_request(&q->br, slot, b->slot);
		xf_blkif_decode_req(b->abi, slot, &r);
		q->taken[q->nr_taken].id = r.id;
		q->taken[q->nr_taken].op = r.operation;
		q->taken[q->nr_taken].gref =
			r.operation == XF_BLKIF_OP_INDIRECT ?
				r.indirect_grefs[0] :
				r.seg[0].gref;
		q->nr_taken++;
	}
}

static void be_answer(struct be *b, struct be_queue *q, struct fz_in *in,
		      uint8_t how)
{
	struct xf_blkif_rsp rsp = { 0 };
	struct taken t = { 0 };
	uint8_t *slot;
	unsigned int k;

	if (q->nr_taken) {
		k = fz_u8(in) % q->nr_taken;
		t = q->taken[k];
		if (!(how & 0x40)) /* 0x40: answer it again later */
			q->taken[k] = q->taken[--q->nr_taken];
	}
	rsp.id = t.id;
	rsp.operation = t.op;
	rsp.status = XF_BLKIF_RSP_OKAY;
	switch ((how >> 3) & 7) {
	case 1:
		rsp.id = fz_u64(in);
		break;
	case 2:
		rsp.operation = fz_u8(in);
		break;
	case 3:
		rsp.status = (int16_t)fz_u16(in);
		break;
	case 4:
		rsp.status = XF_BLKIF_RSP_ERROR;
		break;
	case 5:
		rsp.status = XF_BLKIF_RSP_EOPNOTSUPP;
		break;
	case 6:
		/* A neighbour's id: maybe queued but not pushed yet. */
		rsp.id = t.id + 1 + fz_u8(in) % 4;
		break;
	default:
		break;
	}
	/* Straight into the slot at rsp_prod_pvt, even when no request is
	 * waiting for it: a hostile backend may answer what was never
	 * asked. */
	slot = xf_ring_slot(q->br.sring, q->br.nr_ents, b->slot,
			    q->br.rsp_prod_pvt);
	xf_blkif_encode_rsp(b->abi, slot, &rsp);
	if (q->br.rsp_prod_pvt == q->br.req_cons)
		q->unasked = true;
	q->br.rsp_prod_pvt++;
	if (how & 0x80) {
		(void)xf_back_ring_push_responses(&q->br);
		be_notify(b, q);
	}
}

static void io_submit(struct xf_blkfront *bf, struct fz_in *in)
{
	uint8_t k = fz_u8(in), op = fz_u8(in);
	struct io_slot *s = &ios[k % NR_IOS];
	uint64_t units = fz_u8(in) % 40;
	uint64_t unit = (op & 0x80) ? 4096 : 512;
	int r;

	if (s->inflight)
		return;
	FZ_CHECK(s->calls == s->accepted);
	free(s->buf);
	memset(&s->io, 0, sizeof(s->io));
	s->io.op = (enum xf_blkfront_op)(op % 5);
	s->io.flags = (op >> 3) & 3;
	s->io.queue = fz_u8(in);
	s->io.offset_bytes = (uint64_t)fz_u16(in) * unit;
	s->io.len_bytes = units * unit;
	if (op & 0x20)
		s->io.len_bytes += 1; /* misaligned: must be refused */
	s->buf = malloc(s->io.len_bytes ? s->io.len_bytes : 1);
	FZ_CHECK(s->buf);
	memset(s->buf, 0xab, s->io.len_bytes);
	s->io.buf = (op & 0x40) ? NULL : s->buf;
	s->io.done = io_done;
	s->io.opaque = s;
	s->inflight = true;
	r = xf_blkfront_submit(bf, &s->io);
	if (r == 0) {
		s->accepted++;
	} else {
		FZ_CHECK(r == -EINVAL || r == -EROFS || r == -ENODEV ||
			 r == -EOPNOTSUPP);
		FZ_CHECK(s->inflight); /* no callback for a refused io */
		s->inflight = false;
	}
}

static void check_state(struct xf_blkfront *bf)
{
	struct xf_blkfront_info info;
	char msg[256];
	int e;

	FZ_CHECK(xf_blkfront_get_info(bf, &info) == 0);
	FZ_CHECK((unsigned int)info.state <= XF_BLKFRONT_CLOSED);
	FZ_CHECK(xf_blkfront_state_name(info.state) != NULL);
	msg[0] = '\0';
	e = xf_blkfront_error(bf, msg, sizeof(msg));
	if (info.state == XF_BLKFRONT_ERROR) {
		FZ_CHECK(e < 0);
		FZ_CHECK(msg[0] != '\0');
	}
	FZ_CHECK(e <= 0);
	fz_outcome_u64(info.state);
	fz_outcome_u64(info.connects);
	fz_outcome_u64(info.protocol_errors);
	fz_outcome_u64(info.grants_busy);
	fz_outcome_u64(info.sectors);
	fz_outcome_u64(info.nr_queues << 8 | info.ring_page_order);
	fz_outcome_u64(info.max_indirect_segments << 1 | info.persistent);
	fz_outcome_u64((uint64_t)(int64_t)e);
	fz_outcome(msg, strlen(msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	struct xf_platform *dom0, *fep;
	struct xf_rt_config rc;
	struct xf_vbd_config vc;
	struct xf_blkfront_config fc;
	struct xf_blkfront *bf;
	struct be *b;
	uint8_t c0, c1, c2, c3;
	unsigned int steps = 0, i;
	bool sane;

	fz_init(&in, data, size);
	c0 = fz_u8(&in);
	c1 = fz_u8(&in);
	c2 = fz_u8(&in);
	c3 = fz_u8(&in);
	sane = c0 & 1;
	memset(ios, 0, sizeof(ios));
	memset(events, 0, sizeof(events));

	b = calloc(1, sizeof(*b));
	FZ_CHECK(b);
	fz_mock_get(&mock, BE_DOMID, FE_DOMID);
	dom0 = mock.be;
	fep = mock.fe;
	xf_rt_config_init(&rc);
	rc.seed = c3;
	rc.nr_vcpus = 1 + (c2 & 1);
	FZ_CHECK(xf_rt_new(&rc, &rt) == 0);
	until = xf_rt_now_ns(rt);

	xf_vbd_config_init(&vc);
	vc.frontend_id = FE_DOMID;
	vc.backend_id = BE_DOMID;
	vc.trusted = (c0 >> 1) % 3 - 1; /* absent, 0 or 1 */
	vc.readonly = c0 & 0x08;
	FZ_CHECK(xf_vbd_create(dom0, &vc) == 0);

	fz_be_open(&b->xb, dom0, &be_ops);
	FZ_CHECK(xf_vbd_backend_path(&vc, b->xb.dir, sizeof(b->xb.dir)) == 0);
	FZ_CHECK(xf_vbd_frontend_path(&vc, b->xb.fe_dir,
				      sizeof(b->xb.fe_dir)) == 0);
	b->sector_size = (c0 & 0x10) ? 4096 : 512;
	b->sectors = (c0 & 0x20) ? fz_u64(&in) : 4096;
	be_publish(b, &in, sane);
	be_state(b, XF_XENBUS_INITWAIT);

	xf_blkfront_config_init(&fc);
	fc.platform = fep;
	fc.rt = rt;
	fc.nodename = b->xb.fe_dir;
	fc.max_queues = 1 + (c1 & 1);
	fc.max_ring_page_order = (c1 >> 1) & 3;
	fc.max_indirect_segments = (c1 & 0x08) ? 0 : 64;
	fc.persistent = (c1 >> 4) & 1;
	fc.abi = (c1 & 0x20) ? XF_BLKIF_ABI_X86_32 : XF_BLKIF_ABI_X86_64;
	fc.connect_timeout_ns = 200 * STEP_NS;
	fc.close_timeout_ns = 100 * STEP_NS;
	fc.event = on_event;
	FZ_CHECK(xf_blkfront_new(&fc, &bf) == 0);

	for (i = 0; i < 4; i++) {
		run_for(STEP_NS);
		be_follow(b, &in, sane);
	}

	while (fz_left(&in) && steps++ < MAX_STEPS) {
		uint8_t op = fz_u8(&in);
		struct be_queue *q = b->nq ? &b->q[(op >> 4) % b->nq] : NULL;

		switch ((op & 0x0f) % 12) {
		case 0:
		case 1:
			io_submit(bf, &in);
			break;
		case 2:
			run_for((uint64_t)(op >> 4) * STEP_NS / 2);
			fz_be_drain_events(&b->xb);
			be_follow(b, &in, sane);
			break;
		case 3:
			if (q)
				be_take(b, q);
			break;
		case 4:
		case 5:
			if (q)
				be_answer(b, q, &in, fz_u8(&in));
			break;
		case 6:
			if (q) { /* push what was written, or a wild rsp_prod */
				if (op & 0x80) {
					int16_t d = (int16_t)fz_u16(&in);

					/* The frontend may take the slots
					 * ahead as answers: our indices lie
					 * from here on. */
					if (d)
						q->unasked = true;
					xf_shm_store_release(
						&q->br.sring->rsp_prod,
						q->br.rsp_prod_pvt + d);
				} else
					(void)xf_back_ring_push_responses(
						&q->br);
				be_notify(b, q);
			}
			break;
		case 7:
			if (q) {
				/* Raw bytes over a slot after its push: a
				 * response already published, or a request
				 * already consumed (the frontend must never
				 * read either again). */
				xf_ring_idx base = (op & 0x80) ?
							   q->br.req_cons :
							   q->br.rsp_prod_pvt;
				uint8_t *slot = xf_ring_slot(
					q->br.sring, q->br.nr_ents, b->slot,
					base - 1 - (fz_u8(&in) % 4));

				fz_bytes(&in, slot, fz_u8(&in) % (b->slot + 1));
			}
			break;
		case 8:
			be_state(b, 1 + fz_u8(&in) % 8);
			break;
		case 9:
			if (!b->xb.gone) { /* resize */
				b->sectors = (op & 0x80) ? fz_u64(&in) :
							   fz_u16(&in);
				be_wr_num(b, "sectors", b->sectors);
				if (b->xb.state == XF_XENBUS_CONNECTED)
					be_state(b, XF_XENBUS_CONNECTED);
			}
			break;
		case 10:
			/* A data grant mapped late and kept (XSA-396). */
			if (q && q->nr_taken && b->nr_late < MAX_LATE_MAPS) {
				void *addr;
				struct taken *t =
					&q->taken[fz_u8(&in) % q->nr_taken];

				if (dom0->gnt->map(dom0, FE_DOMID, 1, &t->gref,
						   false, &addr) == 0)
					b->late[b->nr_late++] = addr;
			}
			break;
		case 11:
			if (op & 0x80) {
				if (!b->xb.gone) {
					/* Surprise removal. */
					xf_vbd_destroy(dom0, &vc);
					b->xb.gone = true;
				}
			} else if (op & 0x40) {
				xf_blkfront_suspend(bf);
			} else {
				xf_blkfront_resume(bf);
			}
			break;
		}
		check_state(bf);
	}

	/* What was published at the end of the hostile part: ring-refs,
	 * ports and states. */
	fz_mock_outcome(&mock);

	/* Orderly end: the backend stays well-behaved from here on. */
	xf_blkfront_close(bf);
	for (i = 0; i < 300 && !events[XF_BLKFRONT_EV_CLOSED]; i++) {
		run_for(STEP_NS);
		fz_be_drain_events(&b->xb);
		be_follow(b, &in, true);
	}
	check_state(bf);
	if (getenv("XF_FUZZ_DEBUG")) {
		struct xf_blkfront_info info;
		unsigned int acc = 0, ok = 0;

		xf_blkfront_get_info(bf, &info);
		for (i = 0; i < NR_IOS; i++) {
			acc += ios[i].accepted;
			ok += ios[i].calls;
		}
		fprintf(stderr, "blkfront: state %s connects %llu "
			"protocol_errors %llu grants_busy %llu ios %u/%u "
			"closed %u\n", xf_blkfront_state_name(info.state),
			(unsigned long long)info.connects,
			(unsigned long long)info.protocol_errors,
			(unsigned long long)info.grants_busy, ok, acc,
			events[XF_BLKFRONT_EV_CLOSED]);
	}
	xf_blkfront_free(bf);
	for (i = 0; i < NR_IOS; i++) {
		FZ_CHECK(!ios[i].inflight);
		FZ_CHECK(ios[i].calls == ios[i].accepted);
		free(ios[i].buf);
	}
	for (i = 0; i < b->nr_late; i++)
		b->xb.p->gnt->unmap(b->xb.p, b->late[i], 1);
	be_disconnect(b);
	fz_be_close(&b->xb);
	xf_rt_free(rt);
	rt = NULL;
	fz_mock_outcome(&mock);
	fz_mock_put(&mock);
	free(b);
	return 0;
}
