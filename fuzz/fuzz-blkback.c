// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the mock blkback facing a hostile frontend.
 *
 * The request validator is private to the backend, so it is reached the
 * way a guest would reach it: a fake frontend on the mock platform (sim
 * runtime, one vCPU) performs the xenbus handshake with keys partly from
 * the input, then pushes request slots built from the input (structured
 * ones and raw bytes, grants valid or not, indirect pages with fuzzed
 * segment lists) and reads the responses.
 *
 * Invariants (abort on violation):
 *  - every request pushed gets exactly one response, carrying its id and
 *    its ring operation (the inner one for an indirect request) and a
 *    known status, unless the frontend itself
 *    broke the ring (req_prod overflow: then the ring must halt and
 *    answer nothing it had not consumed);
 *  - the backend never publishes more responses than requests in flight;
 *  - at teardown the backend maps none of the frontend's pages.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/blkback.h>
#include <xfront/mock.h>
#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

#include "fuzz-mock.h"
#include "fuzz.h"

#define FE_DOMID 1
#define BE_DOMID 0
#define NR_DATA 8
#define MAX_IDS 4096
#define MAX_STEPS 512
#define STEP_NS 1000000ull /* virtual time per run step */

struct fe {
	struct xf_platform *p;
	struct xf_xs *xs;
	struct xf_evtch *evh;
	xf_port port;
	char dir[128];
	void *ring_page;
	unsigned int ring_pages;
	struct xf_front_ring ring;
	enum xf_blkif_abi abi;
	size_t slot;
	void *data;
	xf_gref drefs[NR_DATA];
	/* Per id: ring operation, and whether in flight / answered. */
	uint8_t op[MAX_IDS];
	uint8_t state[MAX_IDS]; /* 0 unused, 1 queued, 2 pushed, 3 answered */
	uint32_t next_id;
	uint32_t queued_from; /* first id not yet pushed */
	uint32_t pushed, answered;
	bool broke_ring;      /* we pushed an overflowing req_prod */
};

static struct fz_mock mock;
static struct xf_rt *rt;
static uint64_t until;

static void run_for(uint64_t ns)
{
	until += ns;
	FZ_CHECK(xf_rt_run(rt, until) == 0);
}

static int fe_write(struct fe *f, const char *key, const char *fmt,
		    unsigned long long v)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", f->dir, key);
	return xf_xs_printf(f->p, f->xs, XF_TXN_NONE, path, fmt, v);
}

static int fe_write_str(struct fe *f, const char *key, const char *s)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", f->dir, key);
	return f->p->store->write(f->xs, XF_TXN_NONE, path, s, strlen(s));
}

/* Handshake with keys from the input. Returns true when connected. */
static bool fe_connect(struct fe *f, struct fz_in *in,
		       struct xf_blkback *bb)
{
	uint8_t k = fz_u8(in);
	unsigned int order = (k >> 1) & 3;
	xf_gref refs[XF_MAX_RING_PAGES];
	unsigned int i;

	f->abi = (k & 1) ? XF_BLKIF_ABI_X86_32 : XF_BLKIF_ABI_X86_64;
	f->slot = xf_blkif_slot_size(f->abi);
	f->ring_pages = 1u << order;
	FZ_CHECK(f->p->gnt->share(f->p, BE_DOMID, f->ring_pages, true, refs,
				  &f->ring_page) == 0);
	xf_sring_init(f->ring_page, (size_t)f->ring_pages * XF_PAGE_SIZE);
	FZ_CHECK(xf_front_ring_attach(&f->ring, f->ring_page,
				      (size_t)f->ring_pages * XF_PAGE_SIZE,
				      f->slot, 0) == 0);
	FZ_CHECK(f->p->evtchn->alloc_unbound(f->evh, BE_DOMID, &f->port) == 0);

	if (order == 0) {
		fe_write(f, (k & 0x08) ? "ring-ref0" : "ring-ref", "%llu",
			 refs[0]);
	} else {
		for (i = 0; i < f->ring_pages; i++) {
			char key[24];

			snprintf(key, sizeof(key), "ring-ref%u", i);
			fe_write(f, key, "%llu", refs[i]);
		}
		if (k & 0x08)
			fe_write(f, "num-ring-pages", "%llu", f->ring_pages);
		else
			fe_write(f, "ring-page-order", "%llu", order);
	}
	fe_write(f, "event-channel", "%llu", f->port);
	fe_write_str(f, "protocol", xf_blkif_abi_name(f->abi));
	fe_write(f, "feature-persistent", "%llu", (k >> 4) & 1);
	/* Now and then a hostile value in a key the backend parses. */
	switch (k >> 5) {
	case 1:
		fe_write_str(f, "multi-queue-num-queues",
			     (k & 0x08) ? "0" : "99999999999999999999");
		break;
	case 2:
		fe_write_str(f, "protocol", "x86_16-abi");
		break;
	case 3:
		fe_write(f, "ring-page-order", "%llu", 5 + (k & 7));
		break;
	case 4:
		fe_write_str(f, "event-channel", " 7");
		break;
	default:
		break;
	}
	fe_write(f, "state", "%llu", XF_XENBUS_INITIALISED);
	run_for(STEP_NS);
	return xf_blkback_state(bb) == XF_XENBUS_CONNECTED;
}

static uint8_t *id_field(struct fe *f, uint8_t *slot)
{
	return slot + (f->abi == XF_BLKIF_ABI_X86_32 ? 4 : 8);
}

static xf_gref pick_gref(struct fe *f, uint8_t b, struct fz_in *in)
{
	if (b & 0x80)
		return fz_u32(in);
	return f->drefs[b % NR_DATA];
}

/* Queues one request built from the input (not yet visible). */
static void fe_queue(struct fe *f, struct fz_in *in)
{
	uint8_t kind = fz_u8(in);
	uint8_t *slot;
	uint32_t id;

	if (f->next_id >= MAX_IDS)
		return;
	slot = xf_front_ring_next_request(&f->ring);
	if (!slot)
		return; /* ring full: a frontend waits */
	id = f->next_id++;
	if (kind & 1) {
		/* Raw slot bytes; only the id is ours, so that answers can
		 * be matched. */
		fz_bytes(in, slot, f->slot);
	} else {
		struct xf_blkif_req r;
		unsigned int i, n;

		memset(&r, 0, sizeof(r));
		r.operation = fz_u8(in) % 9;
		r.sector_number = fz_u16(in);
		if (kind & 0x40)
			r.sector_number = fz_u64(in);
		r.handle = 0;
		switch (r.operation) {
		case XF_BLKIF_OP_DISCARD:
			r.discard_flag = fz_u8(in) & 1;
			r.nr_sectors = fz_u16(in);
			if (kind & 0x20)
				r.nr_sectors = fz_u64(in);
			break;
		case XF_BLKIF_OP_INDIRECT:
			r.indirect_op = fz_u8(in) % 4;
			r.nr_indirect_segments = fz_u16(in) % 600;
			for (i = 0; i < XF_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST;
			     i++)
				r.indirect_grefs[i] = f->drefs[i % NR_DATA];
			if (kind & 0x20)
				r.indirect_grefs[0] = pick_gref(f, fz_u8(in),
								in);
			break;
		default:
			r.nr_segments = fz_u8(in) % 13;
			n = r.nr_segments < XF_BLKIF_MAX_SEGMENTS_PER_REQUEST ?
				    r.nr_segments :
				    XF_BLKIF_MAX_SEGMENTS_PER_REQUEST;
			for (i = 0; i < n; i++) {
				uint8_t s = fz_u8(in);

				r.seg[i].gref = pick_gref(f, fz_u8(in), in);
				r.seg[i].first_sect = s & 0x0f;
				r.seg[i].last_sect = s >> 4;
			}
			break;
		}
		xf_blkif_encode_req(f->abi, slot, &r);
	}
	memset(id_field(f, slot), 0, 8);
	memcpy(id_field(f, slot), &id, sizeof(id));
	/* Linux blkback answers an indirect request with its inner op
	 * (byte 1 of the slot in both ABIs). */
	f->op[id] = slot[0] == XF_BLKIF_OP_INDIRECT ? slot[1] : slot[0];
	f->state[id] = 1;
}

static void fe_push(struct fe *f)
{
	uint32_t i;

	if (f->broke_ring)
		return;
	for (i = f->queued_from; i < f->next_id; i++) {
		FZ_CHECK(f->state[i] == 1);
		f->state[i] = 2;
		f->pushed++;
	}
	f->queued_from = f->next_id;
	if (xf_front_ring_push_requests(&f->ring))
		f->p->evtchn->notify(f->evh, f->port);
}

/* Reads responses as a strict frontend would, checking the backend. */
static void fe_reap(struct fe *f)
{
	xf_ring_idx prod;
	uint32_t outstanding = f->pushed - f->answered;
	int n = xf_front_ring_responses(&f->ring, &prod);
	int port;

	while ((port = f->p->evtchn->pending(f->evh)) >= 0)
		f->p->evtchn->unmask(f->evh, (xf_port)port);
	FZ_CHECK(n >= 0);
	/* Never more answers than requests the backend could have seen. */
	FZ_CHECK((uint32_t)n <= outstanding);
	while (n-- > 0) {
		struct xf_blkif_x86_32_response raw32;
		struct xf_blkif_response raw64;
		struct xf_blkif_rsp rsp;
		void *buf = f->abi == XF_BLKIF_ABI_X86_32 ? (void *)&raw32 :
							   (void *)&raw64;

		xf_front_ring_take_response(&f->ring, buf,
					    f->abi == XF_BLKIF_ABI_X86_32 ?
						    sizeof(raw32) :
						    sizeof(raw64));
		xf_blkif_decode_rsp(f->abi, buf, &rsp);
		FZ_CHECK(rsp.id < f->next_id);
		FZ_CHECK(f->state[rsp.id] == 2); /* pushed, not answered */
		f->state[rsp.id] = 3;
		f->answered++;
		FZ_CHECK(rsp.operation == f->op[rsp.id]);
		FZ_CHECK(rsp.status == XF_BLKIF_RSP_OKAY ||
			 rsp.status == XF_BLKIF_RSP_ERROR ||
			 rsp.status == XF_BLKIF_RSP_EOPNOTSUPP);
		fz_outcome_u64(rsp.id);
		fz_outcome_u64((uint64_t)(int64_t)rsp.status);
	}
}

static void fe_poke_data(struct fe *f, struct fz_in *in)
{
	uint8_t pg = fz_u8(in) % NR_DATA;
	uint16_t off = fz_u16(in) % XF_PAGE_SIZE;
	size_t len = fz_u8(in);

	if (len > XF_PAGE_SIZE - off)
		len = XF_PAGE_SIZE - off;
	fz_bytes(in, (uint8_t *)f->data + (size_t)pg * XF_PAGE_SIZE + off,
		 len);
}

static const char *pick_preset(uint8_t b)
{
	const char *const *names = xf_blkback_feature_presets();
	unsigned int n = 0;

	while (names[n])
		n++;
	FZ_CHECK(n > 0);
	return names[b % n];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	struct xf_platform *dom0, *fep;
	struct xf_rt_config rc;
	struct xf_blkdisk_config dc;
	struct xf_blkdisk *disk;
	struct xf_vbd_config vc;
	struct xf_blkback_config bc;
	struct xf_blkback *bb;
	struct xf_blkback_stats st;
	struct xf_mock_stats ms;
	struct fe *f;
	uint8_t cfg, cfg2;
	unsigned int steps = 0;
	bool connected;

	fz_init(&in, data, size);
	cfg = fz_u8(&in);
	cfg2 = fz_u8(&in);

	f = calloc(1, sizeof(*f));
	FZ_CHECK(f);
	fz_mock_get(&mock, BE_DOMID, FE_DOMID);
	dom0 = mock.be;
	fep = mock.fe;
	xf_rt_config_init(&rc);
	rc.seed = cfg2;
	FZ_CHECK(xf_rt_new(&rc, &rt) == 0);
	until = xf_rt_now_ns(rt);

	xf_blkdisk_config_init(&dc);
	dc.size_bytes = 1u << 20;
	dc.sector_size = (cfg & 1) ? 4096 : 512;
	dc.cache_mode = (enum xf_blkdisk_cache_mode)((cfg >> 1) % 5);
	FZ_CHECK(xf_blkdisk_new(&dc, &disk) == 0);

	xf_vbd_config_init(&vc);
	vc.frontend_id = FE_DOMID;
	vc.backend_id = BE_DOMID;
	vc.readonly = cfg & 0x10;

	xf_blkback_config_init(&bc);
	bc.platform = dom0;
	bc.rt = rt;
	bc.frontend_id = FE_DOMID;
	bc.devid = vc.devid;
	bc.disk = disk;
	FZ_CHECK(xf_blkback_features_preset(pick_preset(cfg >> 5),
					    &bc.features) == 0);
	if (cfg & 0x08) {
		bc.latency.read.kind = XF_BLKLAT_FIXED;
		bc.latency.read.base_ns = 50000;
		bc.latency.write.kind = XF_BLKLAT_UNIFORM;
		bc.latency.write.base_ns = 10000;
		bc.latency.write.param_ns = 200000;
		bc.latency.flush = bc.latency.write;
	}
	bc.max_persistent_grants = (cfg2 & 1) ? 2 : 0;
	FZ_CHECK(xf_vbd_create(dom0, &vc) == 0);
	FZ_CHECK(xf_blkback_new(&bc, &bb) == 0);
	run_for(STEP_NS);
	FZ_CHECK(xf_blkback_state(bb) == XF_XENBUS_INITWAIT);

	f->p = fep;
	FZ_CHECK(fep->store->open(fep, &f->xs) == 0);
	FZ_CHECK(fep->evtchn->open(fep, &f->evh) == 0);
	FZ_CHECK(xf_vbd_frontend_path(&vc, f->dir, sizeof(f->dir)) == 0);
	FZ_CHECK(fep->gnt->share(fep, BE_DOMID, NR_DATA, true, f->drefs,
				 &f->data) == 0);

	connected = fe_connect(f, &in, bb);
	while (connected && fz_left(&in) && steps++ < MAX_STEPS) {
		uint8_t op = fz_u8(&in);

		switch ((op & 0x0f) % 10) {
		case 0:
		case 1:
		case 2:
			fe_queue(f, &in);
			break;
		case 3:
			fe_push(f);
			break;
		case 4:
			run_for((uint64_t)(op >> 4) * STEP_NS / 4);
			break;
		case 5:
			fe_reap(f);
			break;
		case 6:
			fe_poke_data(f, &in);
			break;
		case 7:
			if (op & 0x10) {
				/* Break the ring: req_prod more than a ring
				 * ahead of anything answered. */
				xf_shm_store_release(
					&f->ring.sring->req_prod,
					f->ring.req_prod_pvt +
						f->ring.nr_ents + 1 +
						fz_u16(&in));
				f->p->evtchn->notify(f->evh, f->port);
				f->broke_ring = true;
			} else {
				xf_blkback_freeze(bb, op & 0x20);
			}
			break;
		case 8: {
			struct xf_blkback_error_rule r = {
				.ops = fz_u8(&in),
				.status = (op & 0x10) ? XF_BLKIF_RSP_ERROR :
							XF_BLKIF_RSP_EOPNOTSUPP,
				.ppm = (uint32_t)fz_u8(&in) * 4000,
				.skip = fz_u8(&in) % 4,
				.count = fz_u8(&in) % 4,
			};

			xf_blkback_add_error_rule(bb, &r);
			break;
		}
		case 9:
			FZ_CHECK(xf_blkdisk_power_loss(
					 disk,
					 (enum xf_blkdisk_loss_mode)(op >> 4) %
						 5,
					 op, until) == 0);
			break;
		}
	}

	if (connected) {
		/* Let everything finish, then account. */
		xf_blkback_freeze(bb, false);
		run_for(1000 * STEP_NS);
		fe_reap(f);
		xf_blkback_stats(bb, &st);
		if (!f->broke_ring) {
			FZ_CHECK(f->answered == f->pushed);
			FZ_CHECK(st.ring_overflows == 0);
			FZ_CHECK(st.inflight == 0);
			FZ_CHECK(st.dropped == 0);
		} else {
			FZ_CHECK(f->answered <= f->pushed);
		}
		FZ_CHECK(st.responses == f->answered);
	}

	/* What the backend read into the data pages and published. */
	fz_outcome(f->data, (size_t)NR_DATA * XF_PAGE_SIZE);
	fz_mock_outcome(&mock);
	if (fz_outcome_wanted()) {
		memset(&st, 0, sizeof(st));
		xf_blkback_stats(bb, &st);
		fz_outcome(&st, sizeof(st));
		fz_outcome_u64(xf_blkback_state(bb));
	}
	xf_blkback_free(bb);
	/* Everything the backend mapped is unmapped again: the frontend can
	 * revoke every grant (XSA-396 class). */
	xf_mock_stats(mock.hv, BE_DOMID, &ms);
	FZ_CHECK(ms.gnt_mapped_pages == 0);
	if (f->ring_page)
		FZ_CHECK(fep->gnt->unshare(fep, f->ring_page, f->ring_pages) ==
			 0);
	FZ_CHECK(fep->gnt->unshare(fep, f->data, NR_DATA) == 0);
	fep->evtchn->close(f->evh);
	fep->store->close(f->xs);
	xf_blkdisk_free(disk);
	xf_rt_free(rt);
	rt = NULL;
	fz_mock_outcome(&mock);
	fz_mock_put(&mock);
	free(f);
	return 0;
}
