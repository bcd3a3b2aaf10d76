/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbtest.h"

enum xf_rt_mode fx_rt_mode = XF_RT_SIM;

void fx_init(struct fx *f, const char *preset)
{
	struct xf_rt_config rc;

	memset(f, 0, sizeof(*f));
	xt_mock_pair(&f->hv, &f->d0, &f->fe);
	ck_assert_int_eq(xf_mock_domain_new(f->hv, 2, &f->d2), 0);
	xf_rt_config_init(&rc);
	rc.mode = fx_rt_mode;
	rc.nr_vcpus = 2;
	rc.seed = 7;
	ck_assert_int_eq(xf_rt_new(&rc, &f->rt), 0);
	xf_blkdisk_config_init(&f->dcfg);
	f->dcfg.size_bytes = 1u << 20;
	xf_vbd_config_init(&f->vbd);
	f->vbd.frontend_id = FX_FRONT;
	f->vbd.backend_id = FX_BACK;
	xf_blkback_config_init(&f->cfg);
	ck_assert_int_eq(xf_blkback_features_preset(preset, &f->cfg.features),
			 0);
	f->cfg.platform = f->d0;
	f->cfg.rt = f->rt;
	f->cfg.frontend_id = FX_FRONT;
	f->cfg.devid = f->vbd.devid;
	f->abi = XF_BLKIF_ABI_X86_64;
	ck_assert_int_eq(f->fe->store->open(f->fe, &f->xs), 0);
}

void fx_start(struct fx *f)
{
	ck_assert_int_eq(xf_blkdisk_new(&f->dcfg, &f->disk), 0);
	f->cfg.disk = f->disk;
	ck_assert_int_eq(xf_vbd_create(f->d0, &f->vbd), 0);
	ck_assert_int_eq(xf_vbd_frontend_path(&f->vbd, f->fpath,
					      sizeof(f->fpath)), 0);
	ck_assert_int_eq(xf_vbd_backend_path(&f->vbd, f->bpath,
					     sizeof(f->bpath)), 0);
	ck_assert_int_eq(xf_blkback_new(&f->cfg, &f->bb), 0);
	fx_run(f);
}

void fx_release_rings(struct fx *f)
{
	for (unsigned int i = 0; i < f->nq; i++) {
		struct fx_queue *q = &f->q[i];

		if (q->ring)
			ck_assert_int_eq(f->fe->gnt->unshare(f->fe, q->ring,
							     q->pages), 0);
		if (q->evh)
			f->fe->evtchn->close(q->evh);
		memset(q, 0, sizeof(*q));
	}
	f->nq = 0;
}

void fx_fini(struct fx *f)
{
	struct xf_mock_stats st;

	if (f->bb)
		xf_blkback_free(f->bb);
	fx_release_rings(f);
	if (f->data)
		ck_assert_int_eq(f->fe->gnt->unshare(f->fe, f->data,
						     f->data_pages), 0);
	xf_mock_stats(f->hv, UINT32_MAX, &st);
	/* Everything the backend mapped was given back. */
	ck_assert_uint_eq(st.gnt_mapped_pages, 0);
	ck_assert_uint_eq(st.gnt_revoke_busy, 0);
	f->fe->store->close(f->xs);
	xf_rt_free(f->rt);
	xf_mock_hv_free(f->hv);
	xf_blkdisk_free(f->disk);
}

void fx_run(struct fx *f)
{
	ck_assert_int_eq(xf_rt_run(f->rt, UINT64_MAX), 0);
}

void fx_run_until(struct fx *f, uint64_t ns)
{
	ck_assert_int_eq(xf_rt_run(f->rt, ns), 0);
}

static int rd(struct fx *f, const char *dir, const char *key, char *buf,
	      size_t len)
{
	char path[256];
	char *v = NULL;
	size_t n;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	r = f->fe->store->read(f->xs, XF_TXN_NONE, path, &v, &n);
	if (r < 0)
		return r;
	snprintf(buf, len, "%s", v);
	free(v);
	return 0;
}

int fx_fread(struct fx *f, const char *key, char *buf, size_t len)
{
	return rd(f, f->fpath, key, buf, len);
}

int fx_bread(struct fx *f, const char *key, char *buf, size_t len)
{
	return rd(f, f->bpath, key, buf, len);
}

int fx_bread_uint(struct fx *f, const char *key, uint64_t *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->bpath, key);
	return xf_xs_read_uint(f->fe, f->xs, XF_TXN_NONE, path, UINT64_MAX, v);
}

int fx_bstate(struct fx *f)
{
	uint64_t v;
	int r = fx_bread_uint(f, "state", &v);

	return r < 0 ? r : (int)v;
}

void fx_fwrite(struct fx *f, const char *key, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->fpath, key);
	ck_assert_int_eq(f->fe->store->write(f->xs, XF_TXN_NONE, path, val,
					     strlen(val)), 0);
}

void fx_set_fstate(struct fx *f, int state)
{
	char v[8];

	snprintf(v, sizeof(v), "%d", state);
	fx_fwrite(f, "state", v);
}

void fx_offer(struct fx *f, unsigned int nq, unsigned int order,
	      enum xf_blkif_abi abi, bool persistent)
{
	char key[192], val[32];

	ck_assert_uint_le(nq, FX_MAXQ);
	/* A previous connection's negotiation keys must not linger. */
	for (unsigned int i = 0; i < 3; i++) {
		static const char *const stale[] = {
			"ring-page-order", "multi-queue-num-queues",
			"num-ring-pages",
		};

		snprintf(key, sizeof(key), "%s/%s", f->fpath, stale[i]);
		f->fe->store->rm(f->xs, XF_TXN_NONE, key);
	}
	f->nq = nq;
	f->abi = abi;
	for (unsigned int i = 0; i < nq; i++) {
		struct fx_queue *q = &f->q[i];
		char pre[16] = "";

		q->pages = 1u << order;
		ck_assert_int_eq(f->fe->gnt->share(f->fe, FX_BACK, q->pages,
						   true, q->refs, &q->ring),
				 0);
		xf_sring_init(q->ring, (size_t)q->pages * XF_PAGE_SIZE);
		ck_assert_int_eq(xf_front_ring_attach(
					 &q->fr, q->ring,
					 (size_t)q->pages * XF_PAGE_SIZE,
					 xf_blkif_slot_size(abi), 0),
				 0);
		ck_assert_int_eq(f->fe->evtchn->open(f->fe, &q->evh), 0);
		ck_assert_int_eq(f->fe->evtchn->alloc_unbound(q->evh, FX_BACK,
							      &q->port),
				 0);
		if (nq > 1)
			snprintf(pre, sizeof(pre), "queue-%u/", i);
		for (unsigned int p = 0; p < q->pages; p++) {
			if (order)
				snprintf(key, sizeof(key), "%sring-ref%u", pre,
					 p);
			else
				snprintf(key, sizeof(key), "%sring-ref", pre);
			snprintf(val, sizeof(val), "%u", q->refs[p]);
			fx_fwrite(f, key, val);
		}
		snprintf(key, sizeof(key), "%sevent-channel", pre);
		snprintf(val, sizeof(val), "%u", q->port);
		fx_fwrite(f, key, val);
	}
	if (order) {
		snprintf(val, sizeof(val), "%u", order);
		fx_fwrite(f, "ring-page-order", val);
	}
	if (nq > 1) {
		snprintf(val, sizeof(val), "%u", nq);
		fx_fwrite(f, "multi-queue-num-queues", val);
	}
	fx_fwrite(f, "protocol", xf_blkif_abi_name(abi));
	fx_fwrite(f, "feature-persistent", persistent ? "1" : "0");
	fx_set_fstate(f, XF_XENBUS_INITIALISED);
}

void fx_connect(struct fx *f, unsigned int nq, unsigned int order,
		enum xf_blkif_abi abi, bool persistent)
{
	fx_offer(f, nq, order, abi, persistent);
	fx_run(f);
	ck_assert_msg(fx_bstate(f) == XF_XENBUS_CONNECTED,
		      "backend state %d: %s", fx_bstate(f),
		      xf_blkback_last_error(f->bb));
}

void fx_share_data(struct fx *f, unsigned int n)
{
	ck_assert_uint_le(n, 64);
	ck_assert_int_eq(f->fe->gnt->share(f->fe, FX_BACK, n, true,
					   f->data_refs, &f->data),
			 0);
	f->data_pages = n;
}

void *fx_page(struct fx *f, unsigned int i)
{
	return (uint8_t *)f->data + (size_t)i * XF_PAGE_SIZE;
}

void fx_submit(struct fx *f, unsigned int qi, const struct xf_blkif_req *r)
{
	struct fx_queue *q = &f->q[qi];
	void *slot = xf_front_ring_next_request(&q->fr);

	xf_blkif_encode_req(f->abi, slot, r);
	if (xf_front_ring_push_requests(&q->fr))
		f->fe->evtchn->notify(q->evh, q->port);
}

unsigned int fx_responses(struct fx *f, unsigned int qi,
			  struct xf_blkif_rsp *out, unsigned int max)
{
	struct fx_queue *q = &f->q[qi];
	unsigned char slot[128];
	unsigned int n = 0;
	int port;

	while ((port = f->fe->evtchn->pending(q->evh)) >= 0)
		f->fe->evtchn->unmask(q->evh, (xf_port)port);
	while (n < max) {
		int avail = xf_front_ring_responses(&q->fr, NULL);

		ck_assert_int_ge(avail, 0);
		if (avail == 0 && xf_front_ring_final_check(&q->fr) <= 0)
			break;
		xf_front_ring_take_response(&q->fr, slot,
					    xf_blkif_slot_size(f->abi));
		xf_blkif_decode_rsp(f->abi, slot, &out[n++]);
	}
	return n;
}

int fx_do(struct fx *f, const struct xf_blkif_req *r)
{
	struct xf_blkif_rsp rsp[2];

	fx_submit(f, 0, r);
	fx_run(f);
	ck_assert_uint_eq(fx_responses(f, 0, rsp, 2), 1);
	ck_assert_uint_eq(rsp[0].id, r->id);
	/* Linux answers an indirect request with its inner op. */
	ck_assert_uint_eq(rsp[0].operation,
			  r->operation == XF_BLKIF_OP_INDIRECT &&
			  !(f->cfg.lenient & XF_BB_LENIENT_INDIRECT_RSP_OP) ?
			  r->indirect_op : r->operation);
	return rsp[0].status;
}

int fx_do_rw(struct fx *f, uint8_t op, uint64_t id, uint64_t sector,
	     unsigned int nsect)
{
	struct xf_blkif_req r;

	fx_rw(&r, f, op, id, sector, nsect);
	return fx_do(f, &r);
}

void fx_rw(struct xf_blkif_req *r, struct fx *f, uint8_t op, uint64_t id,
	   uint64_t sector, unsigned int nsect)
{
	unsigned int i = 0;

	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->id = id;
	r->sector_number = sector;
	while (nsect) {
		unsigned int n = nsect > 8 ? 8 : nsect;

		ck_assert_uint_lt(i, XF_BLKIF_MAX_SEGMENTS_PER_REQUEST);
		ck_assert_uint_lt(i, f->data_pages);
		r->seg[i].gref = f->data_refs[i];
		r->seg[i].first_sect = 0;
		r->seg[i].last_sect = (uint8_t)(n - 1);
		nsect -= n;
		i++;
	}
	r->nr_segments = (uint8_t)i;
}

uint64_t fx_bkey(struct fx *f, const char *key)
{
	uint64_t v = 0;

	ck_assert_msg(fx_bread_uint(f, key, &v) == 0, "missing %s", key);
	return v;
}

bool fx_bhas(struct fx *f, const char *key)
{
	uint64_t v;

	return fx_bread_uint(f, key, &v) == 0;
}

void fx_reconnect(struct fx *f)
{
	fx_set_fstate(f, XF_XENBUS_CLOSED);
	fx_run(f);
	ck_assert_int_eq(fx_bstate(f), XF_XENBUS_CLOSED);
	fx_assert_unmapped(f);
	fx_release_rings(f);
	fx_set_fstate(f, XF_XENBUS_INITIALISING);
	fx_run(f);
	ck_assert_int_eq(fx_bstate(f), XF_XENBUS_INITWAIT);
}

void fx_up(struct fx *f, bool persistent, unsigned int data_pages)
{
	fx_start(f);
	fx_connect(f, 1, 0, XF_BLKIF_ABI_X86_64, persistent);
	if (data_pages)
		fx_share_data(f, data_pages);
}

void fx_assert_unmapped(struct fx *f)
{
	struct xf_mock_stats st;

	xf_mock_stats(f->hv, FX_BACK, &st);
	ck_assert_uint_eq(st.gnt_mapped_pages, 0);
}

void fx_seg(struct xf_blkif_req *r, uint8_t op, uint64_t id, uint64_t sector,
	    xf_gref gref)
{
	memset(r, 0, sizeof(*r));
	r->operation = op;
	r->id = id;
	r->sector_number = sector;
	r->nr_segments = 1;
	r->seg[0] = (struct xf_blkif_request_segment){ .gref = gref,
						       .last_sect = 7 };
}

void fx_indirect(struct xf_blkif_req *r, struct fx *f, uint8_t op,
		 uint64_t id, unsigned int nseg, bool writable, void **page)
{
	struct xf_blkif_request_segment *ind;
	xf_gref iref;

	ck_assert_uint_gt(f->data_pages, 0);
	ck_assert_uint_le(nseg, XF_BLKIF_SEGS_PER_INDIRECT_FRAME);
	ck_assert_int_eq(f->fe->gnt->share(f->fe, FX_BACK, 1, writable, &iref,
					   page), 0);
	ind = *page;
	for (unsigned int i = 0; i < nseg; i++)
		ind[i] = (struct xf_blkif_request_segment){
			.gref = f->data_refs[i % f->data_pages],
			.first_sect = 0, .last_sect = 7 };
	memset(r, 0, sizeof(*r));
	r->operation = XF_BLKIF_OP_INDIRECT;
	r->indirect_op = op;
	r->nr_indirect_segments = (uint16_t)nseg;
	r->id = id;
	r->indirect_grefs[0] = iref;
}
