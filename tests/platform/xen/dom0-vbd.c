/* SPDX-License-Identifier: MIT */
/*
 * Runs in dom0: a raw blkif round trip between xfront's ring core on the
 * xen platform (frontend, user space) and the dom0 kernel's xen-blkback,
 * over a loop device. dom0 acts as toolstack, frontend domain and
 * backend domain at once.
 *
 * The frontend lives under device/vbd-user so that the dom0 kernel's own
 * blkfront ignores it; blkback only follows the backend's "frontend" key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/xen.h>
#include "dom0util.h"

#define VDEV 51712 /* xvda */
#define FE "/local/domain/0/device/vbd-user/51712"
#define BE "/local/domain/0/backend/vbd/0/51712"
#define IMG "/tmp/xf-vbd.img"
#define IMG_BYTES (16u << 20)
#define MAGIC0 "XF-VBD-SECTOR-0"
#define ABI XF_BLKIF_ABI_X86_64

static struct dt_ctx ctx;
static struct xf_platform *P;
static struct xf_xs *xs;
static struct xf_evtch *evh;
static xf_port port;
static struct xf_front_ring fr;
static uint64_t next_id = 100;

static int read_image(off_t off, void *buf, size_t len)
{
	int fd = open(IMG, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int xs_int(const char *path, long *out)
{
	uint64_t v;
	int rc = xf_xs_read_uint(P, xs, XF_TXN_NONE, path, UINT32_MAX, &v);

	if (!rc)
		*out = (long)v;
	return rc;
}

/* Submits one request and waits for its response (one in flight). */
static int do_io(uint8_t op, uint64_t sector, unsigned int nseg,
		 xf_gref gref, struct xf_blkif_rsp *rsp)
{
	struct xf_blkif_req req = { 0 };
	unsigned char copy[64];
	void *slot;
	int n, rc;

	req.operation = op;
	req.nr_segments = (uint8_t)nseg;
	req.handle = VDEV;
	req.id = next_id++;
	req.sector_number = sector;
	if (nseg) {
		req.seg[0].gref = gref;
		req.seg[0].first_sect = 0;
		req.seg[0].last_sect = 7;
	}
	slot = xf_front_ring_next_request(&fr);
	if (!slot)
		return -ENOSPC;
	xf_blkif_encode_req(ABI, slot, &req);
	if (xf_front_ring_push_requests(&fr)) {
		rc = P->evtchn->notify(evh, port);
		if (rc)
			return rc;
	}
	uint64_t end = dt_now_ms() + 10000;
	for (;;) {
		xf_ring_idx prod;

		n = xf_front_ring_responses(&fr, &prod);
		if (n < 0)
			return n;
		if (n == 0)
			n = xf_front_ring_final_check(&fr);
		if (n < 0)
			return n;
		if (n > 0)
			break;
		uint64_t now = dt_now_ms();
		if (now >= end)
			return -ETIMEDOUT;
		rc = dt_evtchn_wait(P, evh, (int)(end - now));
		if (rc < 0 && rc != -ETIMEDOUT)
			return rc;
	}
	xf_front_ring_take_response(&fr, copy, sizeof(struct xf_blkif_response));
	xf_blkif_decode_rsp(ABI, copy, rsp);
	if (rsp->id != req.id || rsp->operation != op)
		return -EPROTO;
	return 0;
}

int main(void)
{
	char loopdev[32] = "";
	unsigned int maj = 0, min = 0;
	xf_gref ring_ref = 0, data_ref[2] = { 0, 0 };
	void *ring = NULL, *data = NULL;
	unsigned char *d0, *d1;
	struct xf_blkif_rsp rsp;
	long st = -1, v;
	int rc;

	dt_init(&ctx, "vbd");
	rc = xf_xen_platform_open(&P);
	if (!dt_check(&ctx, rc == 0, "platform-open", "rc=%d", rc))
		return dt_finish(&ctx);
	rc = P->store->open(P, &xs);
	rc = rc ? rc : P->evtchn->open(P, &evh);
	if (!dt_check(&ctx, rc == 0, "handles-open", "rc=%d", rc))
		return dt_finish(&ctx);

	char head[512] = MAGIC0;
	rc = dt_disk_image(IMG, IMG_BYTES, head, sizeof(head));
	rc = rc ? rc : dt_loop_attach(IMG, loopdev, sizeof(loopdev), &maj,
				      &min);
	if (!dt_check(&ctx, rc == 0, "loop-attach", "rc=%d dev=%s %u:%u", rc,
		      loopdev, maj, min))
		return dt_finish(&ctx);

	uint64_t t0 = dt_now_ms();
	struct dt_vbd vbd = { .fe = FE, .be = BE, .vdev = VDEV, .major = maj,
			      .minor = min, .params = loopdev };
	rc = dt_vbd_toolstack(P, xs, &vbd);
	dt_check(&ctx, rc == 0, "toolstack", "rc=%d physical-device=%x:%x", rc,
		 maj, min);
	rc = dt_xs_wait_int(P, xs, BE "/state", XF_XENBUS_INITWAIT, 10000, &st);
	if (!dt_check(&ctx, rc == 0 && st == XF_XENBUS_INITWAIT,
		      "backend-initwait", "rc=%d state=%ld after %llu ms", rc,
		      st, (unsigned long long)(dt_now_ms() - t0)))
		goto out;

	/* Ring page and two data pages, all granted to the backend. */
	rc = P->gnt->share(P, 0, 1, true, &ring_ref, &ring);
	rc = rc ? rc : P->gnt->share(P, 0, 2, true, data_ref, &data);
	rc = rc ? rc : P->evtchn->alloc_unbound(evh, 0, &port);
	if (!dt_check(&ctx, rc == 0, "frontend-resources",
		      "rc=%d ring-ref=%u port=%u", rc, ring_ref, port))
		goto out;
	d0 = data;
	d1 = d0 + XF_PAGE_SIZE;
	xf_sring_init(ring, XF_PAGE_SIZE);
	rc = xf_front_ring_attach(&fr, ring, XF_PAGE_SIZE,
				  xf_blkif_slot_size(ABI), 0);
	dt_check(&ctx, rc == 0 && fr.nr_ents == 32, "ring-attach",
		 "rc=%d nr_ents=%u", rc, fr.nr_ents);

	char rr[16], ev[16];
	snprintf(rr, sizeof(rr), "%u", ring_ref);
	snprintf(ev, sizeof(ev), "%u", port);
	const char *const conn_kv[] = { "ring-ref", rr, "event-channel", ev,
					"protocol", xf_blkif_abi_name(ABI),
					"state", "3", NULL };
	rc = dt_xs_write_all(P, xs, FE, conn_kv);
	dt_check(&ctx, rc == 0, "frontend-initialised", "rc=%d", rc);
	t0 = dt_now_ms();
	rc = dt_xs_wait_int(P, xs, BE "/state", XF_XENBUS_CONNECTED, 10000,
			    &st);
	if (!dt_check(&ctx, rc == 0 && st == XF_XENBUS_CONNECTED,
		      "backend-connected", "rc=%d state=%ld after %llu ms", rc,
		      st, (unsigned long long)(dt_now_ms() - t0)))
		goto close;
	rc = xs_int(BE "/sectors", &v);
	dt_check(&ctx, rc == 0 && v == IMG_BYTES / 512, "backend-sectors",
		 "rc=%d sectors=%ld", rc, v);
	long flush = 0;
	xs_int(BE "/feature-flush-cache", &flush);
	xf_xs_printf(P, xs, XF_TXN_NONE, FE "/state", "%d",
		     XF_XENBUS_CONNECTED);

	/* Read sector 0..7: the magic written into the image. */
	memset(d0, 0xee, XF_PAGE_SIZE);
	rc = do_io(XF_BLKIF_OP_READ, 0, 1, data_ref[0], &rsp);
	dt_check(&ctx, rc == 0 && rsp.status == XF_BLKIF_RSP_OKAY &&
			       !memcmp(d0, MAGIC0, sizeof(MAGIC0)),
		 "read-sector0", "rc=%d status=%d data=%.15s", rc, rsp.status,
		 (char *)d0);

	/* Write sectors 8..15 with a pattern, read them back into the
	 * other page. */
	for (unsigned int i = 0; i < XF_PAGE_SIZE; i++)
		d0[i] = (unsigned char)(i * 7 + 3);
	rc = do_io(XF_BLKIF_OP_WRITE, 8, 1, data_ref[0], &rsp);
	dt_check(&ctx, rc == 0 && rsp.status == XF_BLKIF_RSP_OKAY, "write",
		 "rc=%d status=%d", rc, rsp.status);
	memset(d1, 0, XF_PAGE_SIZE);
	rc = do_io(XF_BLKIF_OP_READ, 8, 1, data_ref[1], &rsp);
	dt_check(&ctx, rc == 0 && rsp.status == XF_BLKIF_RSP_OKAY &&
			       !memcmp(d0, d1, XF_PAGE_SIZE),
		 "read-back", "rc=%d status=%d", rc, rsp.status);

	if (flush) {
		rc = do_io(XF_BLKIF_OP_FLUSH_DISKCACHE, 0, 0, 0, &rsp);
		dt_check(&ctx, rc == 0 && rsp.status == XF_BLKIF_RSP_OKAY,
			 "flush", "rc=%d status=%d", rc, rsp.status);
	} else {
		dt_check(&ctx, false, "flush",
			 "backend does not offer feature-flush-cache");
	}
	unsigned char file[XF_PAGE_SIZE];
	rc = read_image(8 * 512, file, sizeof(file));
	dt_check(&ctx, rc == 0 && !memcmp(file, d0, sizeof(file)),
		 "write-in-image", "rc=%d", rc);

	/* Out of range: the backend must answer with an error. */
	rc = do_io(XF_BLKIF_OP_READ, IMG_BYTES / 512, 1, data_ref[1], &rsp);
	dt_check(&ctx, rc == 0 && rsp.status == XF_BLKIF_RSP_ERROR,
		 "read-past-end-error", "rc=%d status=%d", rc, rsp.status);

close:
	dt_xenbus_close(&ctx, P, xs, FE, BE);
out:
	/* Toolstack teardown: backend first, so blkback lets go. */
	P->store->rm(xs, XF_TXN_NONE, BE);
	P->store->rm(xs, XF_TXN_NONE, FE);
	if (port)
		P->evtchn->unbind(evh, port);
	if (ring)
		P->gnt->unshare(P, ring, 1);
	if (data)
		P->gnt->unshare(P, data, 2);
	if (loopdev[0]) {
		rc = dt_loop_detach_wait(loopdev, 5000);
		dt_check(&ctx, rc == 0, "loop-detach", "rc=%d", rc);
	}
	P->evtchn->close(evh);
	P->store->close(xs);
	xf_xen_platform_close(P);
	unlink(IMG);
	return dt_finish(&ctx);
}
