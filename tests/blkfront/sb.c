/* SPDX-License-Identifier: MIT */
#include "sb.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	struct sb *sb = opaque;

	(void)bf;
	if ((unsigned int)ev < 8)
		sb->events[ev]++;
}

static void sb_mk(struct sb *sb, const char *path, xf_domid owner,
		  xf_domid reader)
{
	struct xf_xs_perm perms[2] = {
		{ .domid = owner, .perm = XF_XS_PERM_NONE },
		{ .domid = reader, .perm = XF_XS_PERM_READ },
	};

	ck_assert_int_eq(sb->dom0->store->mkdir(sb->xs, XF_TXN_NONE, path), 0);
	ck_assert_int_eq(sb->dom0->store->set_perms(sb->xs, XF_TXN_NONE, path,
						    perms, 2), 0);
}

static void sb_put(struct sb *sb, const char *dir, const char *key,
		   const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	ck_assert_int_eq(xf_xs_printf(sb->dom0, sb->xs, XF_TXN_NONE, path,
				      "%s", val), 0);
}

void sb_create_dirs(struct sb *sb, int trusted)
{
	char buf[64];

	snprintf(sb->fe_path, sizeof(sb->fe_path),
		 "/local/domain/%u/device/vbd/%u", SB_FE_DOMID, SB_DEVID);
	snprintf(sb->be_path, sizeof(sb->be_path),
		 "/local/domain/%u/backend/vbd/%u/%u", SB_BE_DOMID,
		 SB_FE_DOMID, SB_DEVID);
	sb_mk(sb, sb->fe_path, SB_FE_DOMID, SB_BE_DOMID);
	sb_put(sb, sb->fe_path, "backend", sb->be_path);
	snprintf(buf, sizeof(buf), "%u", SB_BE_DOMID);
	sb_put(sb, sb->fe_path, "backend-id", buf);
	snprintf(buf, sizeof(buf), "%u", SB_DEVID);
	sb_put(sb, sb->fe_path, "virtual-device", buf);
	sb_put(sb, sb->fe_path, "device-type", "disk");
	if (trusted >= 0)
		sb_put(sb, sb->fe_path, "trusted", trusted ? "1" : "0");
	sb_put(sb, sb->fe_path, "state", "1");
	sb_mk(sb, sb->be_path, SB_BE_DOMID, SB_FE_DOMID);
	sb_put(sb, sb->be_path, "frontend", sb->fe_path);
	snprintf(buf, sizeof(buf), "%u", SB_FE_DOMID);
	sb_put(sb, sb->be_path, "frontend-id", buf);
	sb_put(sb, sb->be_path, "mode", "w");
	sb_put(sb, sb->be_path, "state", "1");
}

void sb_init(struct sb *sb, enum xf_rt_mode mode, unsigned int nr_vcpus,
	     int trusted)
{
	struct xf_rt_config rc;

	memset(sb, 0, sizeof(*sb));
	sb->mode = mode;
	ck_assert_int_eq(xf_mock_hv_new(&sb->hv), 0);
	ck_assert_int_eq(xf_mock_domain_new(sb->hv, SB_BE_DOMID, &sb->dom0), 0);
	ck_assert_int_eq(xf_mock_domain_new(sb->hv, SB_FE_DOMID, &sb->fe), 0);
	xf_rt_config_init(&rc);
	rc.mode = mode;
	rc.nr_vcpus = nr_vcpus;
	ck_assert_int_eq(xf_rt_new(&rc, &sb->rt), 0);
	ck_assert_int_eq(sb->dom0->store->open(sb->dom0, &sb->xs), 0);
	ck_assert_int_eq(sb->dom0->evtchn->open(sb->dom0, &sb->evh), 0);
	sb->disk = calloc(1, SB_DISK_BYTES);
	ck_assert_ptr_nonnull(sb->disk);

	sb_create_dirs(sb, trusted);
}

void sb_front_config(struct sb *sb, struct xf_blkfront_config *cfg)
{
	cfg->platform = sb->fe;
	cfg->rt = sb->rt;
	cfg->nodename = "device/vbd/51712";
}

void sb_expect_refused(const struct xf_blkfront_config *cfg)
{
	struct xf_blkfront *bf = NULL;

	ck_assert_int_eq(xf_blkfront_new(cfg, &bf), -EINVAL);
	ck_assert_ptr_null(bf);
}

void sb_front(struct sb *sb, struct xf_blkfront_config *cfg)
{
	sb_front_config(sb, cfg);
	cfg->event = sb_event;
	cfg->event_opaque = sb;
	ck_assert_int_eq(xf_blkfront_new(cfg, &sb->bf), 0);
}

void sb_fini(struct sb *sb)
{
	if (sb->bf)
		xf_blkfront_free(sb->bf);
	sb_unmap_rings(sb);
	sb->dom0->evtchn->close(sb->evh);
	sb->dom0->store->close(sb->xs);
	xf_rt_free(sb->rt);
	xf_mock_hv_free(sb->hv);
	free(sb->disk);
}

void sb_run(struct sb *sb)
{
	if (sb->mode == XF_RT_SIM) {
		/* Bounded: blkfront keeps a connect-timeout timer armed. */
		xf_rt_run(sb->rt, xf_rt_now_ns(sb->rt) + 1000000ull);
	} else {
		for (int i = 0; i < 3; i++)
			xf_rt_run(sb->rt, xf_rt_now_ns(sb->rt) + 3000000ull);
	}
}

void sb_run_for(struct sb *sb, uint64_t ns)
{
	xf_rt_run(sb->rt, xf_rt_now_ns(sb->rt) + ns);
}

void sb_write(struct sb *sb, const char *key, const char *val)
{
	sb_put(sb, sb->be_path, key, val);
}

void sb_rm(struct sb *sb, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", sb->be_path, key);
	sb->dom0->store->rm(sb->xs, XF_TXN_NONE, path);
}

void sb_state(struct sb *sb, int state)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%d", state);
	sb_write(sb, "state", buf);
}

char *sb_fe_read(struct sb *sb, const char *key)
{
	char path[256], *v = NULL;

	snprintf(path, sizeof(path), "%s/%s", sb->fe_path, key);
	if (xf_xs_read_str(sb->dom0, sb->xs, XF_TXN_NONE, path, &v))
		return NULL;
	return v;
}

int sb_fe_state(struct sb *sb)
{
	char *v = sb_fe_read(sb, "state");
	int s = v ? atoi(v) : -1;

	free(v);
	return s;
}

void sb_disk_props(struct sb *sb, uint64_t sectors, unsigned int ss)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sectors);
	sb_write(sb, "sectors", buf);
	sb_write(sb, "info", "0");
	snprintf(buf, sizeof(buf), "%u", ss);
	sb_write(sb, "sector-size", buf);
}

static int sb_fe_uint(struct sb *sb, const char *key, uint64_t *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", sb->fe_path, key);
	return xf_xs_read_uint(sb->dom0, sb->xs, XF_TXN_NONE, path,
			       UINT32_MAX, v);
}

int sb_map_rings(struct sb *sb)
{
	uint64_t nq = 1, order = 0, port, ref;
	char key[64], *proto;
	int r;

	sb_fe_uint(sb, "multi-queue-num-queues", &nq);
	sb_fe_uint(sb, "ring-page-order", &order);
	if (nq < 1 || nq > SB_MAX_Q || order > XF_MAX_RING_PAGE_ORDER)
		return -EINVAL;
	proto = sb_fe_read(sb, "protocol");
	sb->abi = XF_BLKIF_ABI_X86_64;
	if (proto)
		xf_blkif_abi_parse(proto, &sb->abi);
	free(proto);
	sb->nq = (unsigned int)nq;
	sb->order = (unsigned int)order;
	for (unsigned int i = 0; i < sb->nq; i++) {
		struct sb_queue *q = &sb->q[i];
		xf_gref refs[XF_MAX_RING_PAGES];
		char dir[32] = "";

		if (nq > 1)
			snprintf(dir, sizeof(dir), "queue-%u/", i);
		q->npages = 1u << order;
		for (unsigned int j = 0; j < q->npages; j++) {
			if (order)
				snprintf(key, sizeof(key), "%sring-ref%u", dir,
					 j);
			else
				snprintf(key, sizeof(key), "%sring-ref", dir);
			r = sb_fe_uint(sb, key, &ref);
			if (r)
				return r;
			refs[j] = (xf_gref)ref;
		}
		snprintf(key, sizeof(key), "%sevent-channel", dir);
		r = sb_fe_uint(sb, key, &port);
		if (r)
			return r;
		r = sb->dom0->gnt->map(sb->dom0, SB_FE_DOMID, q->npages, refs,
				       true, &q->ring);
		if (r)
			return r;
		r = xf_back_ring_attach(&q->br, q->ring,
					(size_t)q->npages * XF_PAGE_SIZE,
					xf_blkif_slot_size(sb->abi), 0);
		if (r)
			return r;
		r = sb->dom0->evtchn->bind_interdomain(sb->evh, SB_FE_DOMID,
						       (xf_port)port,
						       &q->lport);
		if (r)
			return r;
		q->bound = true;
	}
	return 0;
}

void sb_unmap_rings(struct sb *sb)
{
	for (unsigned int i = 0; i < SB_MAX_Q; i++) {
		struct sb_queue *q = &sb->q[i];

		if (q->ring)
			sb->dom0->gnt->unmap(sb->dom0, q->ring, q->npages);
		if (q->bound)
			sb->dom0->evtchn->unbind(sb->evh, q->lport);
		memset(q, 0, sizeof(*q));
	}
	/* Drain stale events of the unbound ports. */
	int p;

	while ((p = sb->dom0->evtchn->pending(sb->evh)) >= 0)
		sb->dom0->evtchn->unmask(sb->evh, (xf_port)p);
}

int sb_pop(struct sb *sb, unsigned int qi, struct xf_blkif_req *req)
{
	struct sb_queue *q = &sb->q[qi];
	uint8_t slot[128];
	xf_ring_idx prod;
	int n;

	if (!q->ring)
		return -ENODEV;
	n = xf_back_ring_requests(&q->br, &prod);
	if (n <= 0)
		return n < 0 ? n : -EAGAIN;
	xf_back_ring_take_request(&q->br, slot, xf_blkif_slot_size(sb->abi));
	xf_blkif_decode_req(sb->abi, slot, req);
	return 0;
}

unsigned int sb_segments(struct sb *sb, const struct xf_blkif_req *req,
			 struct xf_blkif_request_segment *segs)
{
	if (req->operation != XF_BLKIF_OP_INDIRECT) {
		memcpy(segs, req->seg, req->nr_segments * sizeof(*segs));
		return req->nr_segments;
	}
	unsigned int n = req->nr_indirect_segments;
	unsigned int per = XF_BLKIF_SEGS_PER_INDIRECT_FRAME;

	for (unsigned int p = 0; p * per < n; p++) {
		void *page;

		ck_assert_int_eq(sb->dom0->gnt->map(sb->dom0, SB_FE_DOMID, 1,
						    &req->indirect_grefs[p],
						    false, &page), 0);
		unsigned int cnt = n - p * per < per ? n - p * per : per;

		memcpy(&segs[p * per], page, cnt * sizeof(*segs));
		sb->dom0->gnt->unmap(sb->dom0, page, 1);
	}
	return n;
}

int sb_do_io(struct sb *sb, const struct xf_blkif_req *req)
{
	static struct xf_blkif_request_segment segs[4096];
	uint8_t op = req->operation == XF_BLKIF_OP_INDIRECT ?
		     req->indirect_op : req->operation;
	uint64_t pos = req->sector_number * 512;
	unsigned int n;

	if (op == XF_BLKIF_OP_FLUSH_DISKCACHE || op == XF_BLKIF_OP_DISCARD)
		return 0;
	if (op != XF_BLKIF_OP_READ && op != XF_BLKIF_OP_WRITE &&
	    op != XF_BLKIF_OP_WRITE_BARRIER)
		return -EINVAL;
	n = sb_segments(sb, req, segs);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int off = segs[i].first_sect * 512u;
		unsigned int len = (segs[i].last_sect - segs[i].first_sect + 1)
				   * 512u;
		void *page;

		if (pos + len > SB_DISK_BYTES)
			return -ERANGE;
		if (sb->dom0->gnt->map(sb->dom0, SB_FE_DOMID, 1, &segs[i].gref,
				       op == XF_BLKIF_OP_READ, &page))
			return -EPERM;
		if (op == XF_BLKIF_OP_READ)
			memcpy((uint8_t *)page + off, sb->disk + pos, len);
		else
			memcpy(sb->disk + pos, (uint8_t *)page + off, len);
		sb->dom0->gnt->unmap(sb->dom0, page, 1);
		pos += len;
	}
	return 0;
}

void sb_respond(struct sb *sb, unsigned int qi, uint64_t id, uint8_t op,
		int16_t status)
{
	struct sb_queue *q = &sb->q[qi];
	struct xf_blkif_rsp rsp = { .id = id, .operation = op,
				    .status = status };
	void *slot = xf_ring_slot(q->br.sring, q->br.nr_ents,
				  q->br.slot_size, q->br.rsp_prod_pvt);

	/* Written at rsp_prod_pvt whatever was consumed: hostile tests
	 * answer requests that do not exist. */
	xf_blkif_encode_rsp(sb->abi, slot, &rsp);
	q->br.rsp_prod_pvt++;
	xf_back_ring_push_responses(&q->br);
	sb->dom0->evtchn->notify(sb->evh, q->lport);
}

unsigned int sb_serve_all(struct sb *sb)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < sb->nq; i++) {
		struct xf_blkif_req req;

		while (sb_pop(sb, i, &req) == 0) {
			int r = sb_do_io(sb, &req);

			sb_respond(sb, i, req.id, req.operation,
				   r ? XF_BLKIF_RSP_ERROR : XF_BLKIF_RSP_OKAY);
			n++;
		}
	}
	return n;
}

void sb_fe_stats(struct sb *sb, struct xf_mock_stats *st)
{
	xf_mock_stats(sb->hv, SB_FE_DOMID, st);
}

void sb_close_front(struct sb *sb)
{
	ck_assert_int_eq(xf_blkfront_close(sb->bf), 0);
	sb_run(sb);
	/* The frontend went Closed: the backend lets go and closes. */
	sb_unmap_rings(sb);
	sb_state(sb, XF_XENBUS_CLOSED);
	sb_run(sb);
	ck_assert_uint_eq(sb->events[XF_BLKFRONT_EV_CLOSED], 1);
	xf_blkfront_free(sb->bf);
	sb->bf = NULL;
}

void sb_close_clean(struct sb *sb)
{
	struct xf_mock_stats ms;

	sb_close_front(sb);
	sb_assert_released(sb);
	sb_fe_stats(sb, &ms);
	ck_assert_uint_eq(ms.gnt_revoke_busy, 0);
}

void sb_assert_released(struct sb *sb)
{
	struct xf_mock_stats ms;

	sb_fe_stats(sb, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 0);
	ck_assert_uint_eq(ms.evtchn_open_ports, 0);
}

void sb_remove_dirs(struct sb *sb)
{
	sb_unmap_rings(sb);
	ck_assert_int_eq(sb->dom0->store->rm(sb->xs, XF_TXN_NONE, sb->fe_path),
			 0);
	ck_assert_int_eq(sb->dom0->store->rm(sb->xs, XF_TXN_NONE, sb->be_path),
			 0);
}

void sb_start(struct sb *sb, struct xf_blkfront_config *cfg)
{
	sb_front(sb, cfg);
	sb_run(sb);
}

void sb_initwait(struct sb *sb)
{
	sb_state(sb, XF_XENBUS_INITWAIT);
	sb_run(sb);
}

void sb_connect(struct sb *sb, uint64_t sectors, unsigned int ss)
{
	sb_initwait(sb);
	sb_connected(sb, sectors, ss);
}

void sb_connected(struct sb *sb, uint64_t sectors, unsigned int ss)
{
	ck_assert_int_eq(sb_fe_state(sb), XF_XENBUS_INITIALISED);
	ck_assert_int_eq(sb_map_rings(sb), 0);
	sb_disk_props(sb, sectors, ss);
	sb_state(sb, XF_XENBUS_CONNECTED);
	sb_run(sb);
	ck_assert_int_eq(sb_fe_state(sb), XF_XENBUS_CONNECTED);
}

void sb_backend_closed(struct sb *sb)
{
	sb_unmap_rings(sb);
	sb_state(sb, XF_XENBUS_CLOSED);
	sb_run(sb);
}

unsigned int sb_pop_all(struct sb *sb, unsigned int qi,
			struct xf_blkif_req *reqs, unsigned int n)
{
	unsigned int k = 0;

	while (k < n && sb_pop(sb, qi, &reqs[k]) == 0)
		k++;
	return k;
}

void sb_answer(struct sb *sb, unsigned int qi,
	       const struct xf_blkif_req *reqs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int r = sb_do_io(sb, &reqs[i]);

		sb_respond(sb, qi, reqs[i].id, reqs[i].operation,
			   r ? XF_BLKIF_RSP_ERROR : XF_BLKIF_RSP_OKAY);
	}
}

void sb_expect_req(struct sb *sb, unsigned int qi, uint8_t op,
		   uint64_t sector, struct xf_blkif_req *req)
{
	ck_assert_int_eq(sb_pop(sb, qi, req), 0);
	ck_assert_uint_eq(req->operation, op);
	if (op != XF_BLKIF_OP_FLUSH_DISKCACHE)
		ck_assert_uint_eq(req->sector_number, sector);
}

void sb_expect_empty(struct sb *sb, unsigned int qi)
{
	struct xf_blkif_req req;

	ck_assert_int_eq(sb_pop(sb, qi, &req), -EAGAIN);
}

void sb_fill(uint8_t *b, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 31 + seed * 7 + 1);
}

void sb_mkwrite(struct xf_blkfront_io *io, struct done_rec *d, uint8_t *buf,
		size_t len, uint64_t off, unsigned int queue,
		unsigned int seed)
{
	sb_fill(buf, len, seed);
	rec_io(io, XF_BLKFRONT_WRITE, off, len, buf, d);
	io->queue = queue;
}

int sb_submit_served(struct sb *sb, struct xf_blkfront_io *io)
{
	struct done_rec *d = io->opaque;
	int before = d->calls;

	ck_assert_int_eq(xf_blkfront_submit(sb->bf, io), 0);
	sb_run(sb);
	ck_assert_uint_eq(sb_serve_all(sb), 1);
	sb_run(sb);
	ck_assert_int_eq(d->calls, before + 1);
	return d->status;
}

void sb_submit_pop(struct sb *sb, struct xf_blkfront_io *io,
		   struct xf_blkif_req *req)
{
	ck_assert_int_eq(xf_blkfront_submit(sb->bf, io), 0);
	sb_run(sb);
	ck_assert_int_eq(sb_pop(sb, 0, req), 0);
}
