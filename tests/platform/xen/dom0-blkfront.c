/* SPDX-License-Identifier: MIT */
/*
 * Runs in dom0: the blkfront library (not raw ring code) on the xen
 * platform, in the runtime's real mode, against the dom0 kernel's
 * xen-blkback over a loop device. Checks the negotiated transport against
 * what blkback offers (indirect segments, persistent grants, multi-page
 * rings, multi-queue, flush, barrier, discard), writes and reads back
 * through the library (small, indirect-sized and concurrent I/O), checks
 * the data in the image file, flush, FUA, discard, and a close that
 * leaves no grant or event channel behind (counted by a wrapper platform
 * around the xen one).
 *
 * The frontend lives under device/vbd-user so that the dom0 kernel's own
 * blkfront ignores it. dom0-init.sh loads xen-blkback with max_queues=2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/blkfront.h>
#include <xfront/runtime.h>
#include <xfront/xen.h>
#include "dom0util.h"

#define VDEV 51728 /* xvdb */
#define FE "/local/domain/0/device/vbd-user/51728"
#define BE "/local/domain/0/backend/vbd/0/51728"
#define IMG "/tmp/xf-blkfront.img"
#define IMG_BYTES (32u << 20)
#define NCONC 32

static struct dt_ctx ctx;
static struct xf_platform *P, *W;
static struct xf_xs *xs;
static struct xf_rt *rt;
static struct xf_blkfront *bf;

static atomic_int ev_connected, ev_closed, ev_error, ev_degraded;
static atomic_int ios_done, io_failures;

static void on_event(struct xf_blkfront *b, enum xf_blkfront_event ev,
		     void *opaque)
{
	(void)b;
	(void)opaque;
	switch (ev) {
	case XF_BLKFRONT_EV_CONNECTED:
		atomic_fetch_add(&ev_connected, 1);
		break;
	case XF_BLKFRONT_EV_CLOSED:
		atomic_fetch_add(&ev_closed, 1);
		break;
	case XF_BLKFRONT_EV_ERROR:
	case XF_BLKFRONT_EV_TIMEOUT:
		atomic_fetch_add(&ev_error, 1);
		break;
	case XF_BLKFRONT_EV_DURABILITY_DEGRADED:
		atomic_fetch_add(&ev_degraded, 1);
		break;
	default:
		break;
	}
	xf_rt_stop(rt);
}

static void on_done(struct xf_blkfront_io *io, int status)
{
	*(int *)io->opaque = status;
	if (status)
		atomic_fetch_add(&io_failures, 1);
	atomic_fetch_add(&ios_done, 1);
	xf_rt_stop(rt);
}

static int want_done;
static bool all_done(void)
{
	return atomic_load(&ios_done) >= want_done ||
	       atomic_load(&ev_error) > 0;
}

static bool connected(void)
{
	return atomic_load(&ev_connected) > 0 || atomic_load(&ev_error) > 0;
}

static bool closed(void)
{
	return atomic_load(&ev_closed) > 0;
}

static long be_long(const char *key)
{
	return dt_xs_long(P, xs, BE, key);
}

/* Submits n ios and waits for all of them. Returns submit errors as a
 * negative count, else the number that completed with status 0. */
static int do_ios(struct xf_blkfront_io *io, int *st, unsigned int n,
		  int timeout_ms)
{
	int bad = 0, ok = 0;

	atomic_store(&ios_done, 0);
	want_done = 0;
	for (unsigned int i = 0; i < n; i++) {
		st[i] = -EINPROGRESS;
		io[i].done = on_done;
		io[i].opaque = &st[i];
		if (xf_blkfront_submit(bf, &io[i]) == 0)
			want_done++;
		else
			bad++;
	}
	if (bad)
		return -bad;
	dt_run_until(rt, all_done, timeout_ms);
	for (unsigned int i = 0; i < n; i++)
		ok += st[i] == 0;
	return ok;
}

static int one_io(enum xf_blkfront_op op, unsigned int flags, uint64_t off,
		  uint64_t len, void *buf)
{
	struct xf_blkfront_io io;
	int st;

	memset(&io, 0, sizeof(io));
	io.op = op;
	io.flags = flags;
	io.offset_bytes = off;
	io.len_bytes = len;
	io.buf = buf;
	int rc = do_ios(&io, &st, 1, 10000);
	return rc < 0 ? -EBADE : st;
}

static void pattern(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i >> 9) * 31u + i * 7u + seed);
}

static int read_image(uint64_t off, void *buf, size_t len)
{
	int fd = open(IMG, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static void queue_totals(const struct xf_blkfront_info *in,
			 struct xf_blkfront_queue_stats *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int q = 0; q < in->nr_queues; q++) {
		struct xf_blkfront_queue_stats s;

		if (xf_blkfront_queue_stats(bf, q, &s))
			continue;
		t->ios_submitted += s.ios_submitted;
		t->ios_completed += s.ios_completed;
		t->requests += s.requests;
		t->segments += s.segments;
		t->indirect_requests += s.indirect_requests;
		t->persistent_hits += s.persistent_hits;
		t->persistent_grants += s.persistent_grants;
		t->pages_shared += s.pages_shared;
		t->errors += s.errors;
	}
}

static void check_handshake(struct xf_blkfront_info *in)
{
	long ind = be_long("feature-max-indirect-segments");
	long pers = be_long("feature-persistent");
	long order = be_long("max-ring-page-order");
	long mq = be_long("multi-queue-max-queues");
	long fl = be_long("feature-flush-cache");
	long bar = be_long("feature-barrier");
	long disc = be_long("feature-discard");

	dt_note(&ctx, "blkback offers indirect=%ld persistent=%ld "
		"ring-order=%ld max-queues=%ld flush=%ld barrier=%ld "
		"discard=%ld gran=%ld", ind, pers, order, mq, fl, bar, disc,
		be_long("discard-granularity"));
	dt_note(&ctx, "negotiated queues=%u order=%u entries=%u indirect=%u "
		"max-request=%u persistent=%d sectors=%llu sector-size=%u "
		"flush=%d barrier=%d discard=%d gran=%u",
		in->nr_queues, in->ring_page_order, in->ring_entries,
		in->max_indirect_segments, in->max_request_bytes,
		in->persistent, (unsigned long long)in->sectors,
		in->sector_size, in->flush, in->barrier, in->discard,
		in->discard_granularity);
	dt_check(&ctx, ind == 256 && pers == 1 && order == 4 && mq == 2 &&
			       fl == 1 && bar == 1 && disc == 1,
		 "blkback-offers", "indirect=%ld persistent=%ld order=%ld "
		 "queues=%ld flush=%ld barrier=%ld discard=%ld", ind, pers,
		 order, mq, fl, bar, disc);
	dt_check(&ctx, in->max_indirect_segments == 256 &&
			       in->max_request_bytes == 256u * 4096u,
		 "indirect-negotiated", "segments=%u request=%u",
		 in->max_indirect_segments, in->max_request_bytes);
	/* blkback offers persistent grants (feature_persistent=1) and
	 * uses them when the frontend wrote feature-persistent=1. */
	dt_check(&ctx, in->persistent, "persistent-negotiated",
		 "negotiated=%d (blkback offers %ld)", in->persistent, pers);
	dt_check(&ctx, in->ring_page_order == 4 && in->ring_entries == 512,
		 "ring-order-negotiated", "order=%u entries=%u",
		 in->ring_page_order, in->ring_entries);
	dt_check(&ctx, in->nr_queues == 2, "multi-queue-negotiated",
		 "queues=%u (offered %ld, default limit 4)", in->nr_queues, mq);
	dt_check(&ctx, in->flush && in->barrier && in->discard &&
			       in->flush_active && in->discard_active,
		 "durability-features", "flush=%d barrier=%d discard=%d",
		 in->flush, in->barrier, in->discard);
	dt_check(&ctx, in->sectors * in->sector_size == IMG_BYTES &&
			       in->sector_size == 512 && !in->read_only,
		 "disk-geometry", "sectors=%llu sector-size=%u ro=%d",
		 (unsigned long long)in->sectors, in->sector_size,
		 in->read_only);
	/* What the frontend published for blkback. */
	char path[256], *v = NULL;
	snprintf(path, sizeof(path), "%s/queue-1/ring-ref15", FE);
	int rc = xf_xs_read_str(P, xs, XF_TXN_NONE, path, &v);
	free(v);
	v = NULL;
	snprintf(path, sizeof(path), "%s/feature-persistent", FE);
	xf_xs_read_str(P, xs, XF_TXN_NONE, path, &v);
	dt_note(&ctx, "frontend wrote feature-persistent=%s",
		v ? v : "(absent)");
	free(v);
	dt_check(&ctx, rc == 0, "frontend-ring-keys",
		 "queue-1/ring-ref15 rc=%d", rc);
}

static void test_io(const struct xf_blkfront_info *in)
{
	static uint8_t w[NCONC][64 << 10], r[NCONC][64 << 10];
	static uint8_t big_w[1 << 20], big_r[1 << 20], file[1 << 20];
	static struct xf_blkfront_io io[NCONC];
	static int st[NCONC];
	struct xf_blkfront_queue_stats t0, t1;
	int rc, n;

	queue_totals(in, &t0);
	/* 1: one 4 KiB write and read-back. */
	pattern(w[0], 4096, 1);
	rc = one_io(XF_BLKFRONT_WRITE, 0, 0, 4096, w[0]);
	dt_check(&ctx, rc == 0, "write-4k", "status=%d", rc);
	memset(r[0], 0, 4096);
	rc = one_io(XF_BLKFRONT_READ, 0, 0, 4096, r[0]);
	dt_check(&ctx, rc == 0 && !memcmp(w[0], r[0], 4096), "read-4k",
		 "status=%d", rc);

	/* 2: 1 MiB in one I/O: beyond 11 segments, so indirect requests. */
	pattern(big_w, sizeof(big_w), 2);
	rc = one_io(XF_BLKFRONT_WRITE, 0, 4u << 20, sizeof(big_w), big_w);
	dt_check(&ctx, rc == 0, "write-1m-indirect", "status=%d", rc);
	rc = one_io(XF_BLKFRONT_READ, 0, 4u << 20, sizeof(big_r), big_r);
	dt_check(&ctx, rc == 0 && !memcmp(big_w, big_r, sizeof(big_r)),
		 "read-1m-indirect", "status=%d", rc);

	/* 3: 32 concurrent 64 KiB writes (48 KiB > 44 KiB: indirect) over
	 * both queues, then read back concurrently. */
	memset(io, 0, sizeof(io));
	for (unsigned int i = 0; i < NCONC; i++) {
		pattern(w[i], sizeof(w[i]), 10 + i);
		io[i].op = XF_BLKFRONT_WRITE;
		io[i].queue = i;
		io[i].offset_bytes = (8u << 20) + (uint64_t)i * sizeof(w[i]);
		io[i].len_bytes = i % 2 ? sizeof(w[i]) : 48u << 10;
		io[i].buf = w[i];
	}
	n = do_ios(io, st, NCONC, 20000);
	dt_check(&ctx, n == NCONC, "write-concurrent", "%d of %d ok", n,
		 NCONC);
	for (unsigned int i = 0; i < NCONC; i++) {
		memset(r[i], 0, sizeof(r[i]));
		io[i].op = XF_BLKFRONT_READ;
		io[i].buf = r[i];
	}
	n = do_ios(io, st, NCONC, 20000);
	unsigned int same = 0;
	for (unsigned int i = 0; i < NCONC; i++)
		same += !memcmp(w[i], r[i], io[i].len_bytes);
	dt_check(&ctx, n == NCONC && same == NCONC, "read-concurrent",
		 "%d of %d ok, %u verified", n, NCONC, same);

	/* 4: flush, then the data must be in the image file. */
	rc = one_io(XF_BLKFRONT_FLUSH, 0, 0, 0, NULL);
	dt_check(&ctx, rc == 0, "flush", "status=%d", rc);
	rc = read_image(4u << 20, file, sizeof(file));
	dt_check(&ctx, rc == 0 && !memcmp(file, big_w, sizeof(file)),
		 "data-in-image", "rc=%d", rc);
	rc = read_image(8u << 20, file, 48u << 10);
	dt_check(&ctx, rc == 0 && !memcmp(file, w[0], 48u << 10),
		 "concurrent-data-in-image", "rc=%d", rc);

	/* 5: FUA write (a barrier with this backend). */
	pattern(w[0], 8192, 77);
	rc = one_io(XF_BLKFRONT_WRITE, XF_BLKFRONT_F_FUA, 12u << 20, 8192,
		    w[0]);
	dt_check(&ctx, rc == 0, "write-fua", "status=%d", rc);
	rc = one_io(XF_BLKFRONT_READ, 0, 12u << 20, 8192, r[0]);
	dt_check(&ctx, rc == 0 && !memcmp(w[0], r[0], 8192), "read-fua",
		 "status=%d", rc);

	/* 6: discard 1 MiB of written data: a loop device on tmpfs punches
	 * a hole, so it reads back as zeros. */
	rc = one_io(XF_BLKFRONT_DISCARD, 0, 4u << 20, 1u << 20, NULL);
	dt_check(&ctx, rc == 0, "discard", "status=%d", rc);
	memset(big_r, 0xee, sizeof(big_r));
	rc = one_io(XF_BLKFRONT_READ, 0, 4u << 20, sizeof(big_r), big_r);
	memset(file, 0, sizeof(file));
	dt_check(&ctx, rc == 0 && !memcmp(big_r, file, sizeof(file)),
		 "discard-reads-zero", "status=%d first byte 0x%02x", rc,
		 big_r[0]);

	/* 7: outside the disk: refused at submit. */
	struct xf_blkfront_io past;
	memset(&past, 0, sizeof(past));
	past.op = XF_BLKFRONT_READ;
	past.offset_bytes = IMG_BYTES;
	past.len_bytes = 4096;
	past.buf = r[0];
	past.done = on_done;
	past.opaque = &st[0];
	rc = xf_blkfront_submit(bf, &past);
	dt_check(&ctx, rc == -EINVAL, "read-past-end", "submit rc=%d", rc);
	if (rc == 0)
		dt_run_until(rt, all_done, 5000);
	past.offset_bytes = 100;
	rc = xf_blkfront_submit(bf, &past);
	dt_check(&ctx, rc == -EINVAL, "misaligned", "submit rc=%d", rc);
	if (rc == 0)
		dt_run_until(rt, all_done, 5000);

	queue_totals(in, &t1);
	dt_check(&ctx, !in->persistent ||
			       t1.persistent_hits > t0.persistent_hits,
		 "persistent-grants-reused", "negotiated=%d hits=%llu",
		 in->persistent,
		 (unsigned long long)(t1.persistent_hits - t0.persistent_hits));
	dt_check(&ctx, t1.indirect_requests > t0.indirect_requests &&
			       t1.errors == t0.errors,
		 "queue-stats", "requests=%llu segments=%llu indirect=%llu "
		 "persistent hits=%llu pool=%llu shared=%llu errors=%llu",
		 (unsigned long long)(t1.requests - t0.requests),
		 (unsigned long long)(t1.segments - t0.segments),
		 (unsigned long long)(t1.indirect_requests -
				      t0.indirect_requests),
		 (unsigned long long)(t1.persistent_hits - t0.persistent_hits),
		 (unsigned long long)t1.persistent_grants,
		 (unsigned long long)t1.pages_shared,
		 (unsigned long long)(t1.errors - t0.errors));
	dt_check(&ctx, atomic_load(&ev_degraded) == 0 &&
			       atomic_load(&ev_error) == 0,
		 "no-degradation", "degraded=%d errors=%d",
		 atomic_load(&ev_degraded), atomic_load(&ev_error));
}

int main(void)
{
	struct xf_blkfront_config cfg;
	struct xf_blkfront_info in;
	struct dt_counts cn;
	char loopdev[32] = "", msg[256] = "";
	unsigned int maj = 0, min = 0;
	int rc;

	dt_init(&ctx, "blkfront");
	if (!dt_open_counted(&ctx, &P, &W, &xs))
		return dt_finish(&ctx);

	rc = dt_disk_image(IMG, IMG_BYTES, NULL, 0);
	rc = rc ? rc : dt_loop_attach(IMG, loopdev, sizeof(loopdev), &maj,
				      &min);
	if (!dt_check(&ctx, rc == 0, "loop-attach", "rc=%d dev=%s %u:%u", rc,
		      loopdev, maj, min))
		return dt_finish(&ctx);
	uint64_t t0 = dt_now_ms();
	struct dt_vbd vbd = { .fe = FE, .be = BE, .vdev = VDEV, .major = maj,
			      .minor = min, .params = loopdev };
	rc = dt_vbd_toolstack(P, xs, &vbd);
	dt_check(&ctx, rc == 0, "toolstack", "rc=%d", rc);

	/* What blkback publishes before the frontend talks to it. */
	long st = -1;
	rc = dt_xs_wait_int(P, xs, BE "/state", XF_XENBUS_INITWAIT, 10000, &st);
	dt_check(&ctx, rc == 0 && st == XF_XENBUS_INITWAIT, "backend-initwait",
		 "rc=%d state=%ld after %llu ms", rc, st,
		 (unsigned long long)(dt_now_ms() - t0));
	dt_note(&ctx, "at InitWait blkback shows feature-persistent=%ld "
		"feature-max-indirect-segments=%ld max-ring-page-order=%ld "
		"(-1 = absent)", be_long("feature-persistent"),
		be_long("feature-max-indirect-segments"),
		be_long("max-ring-page-order"));
	t0 = dt_now_ms();

	if (!dt_rt_real(&ctx, 2, &rt))
		goto out;
	xf_blkfront_config_init(&cfg);
	cfg.platform = W;
	cfg.rt = rt;
	cfg.nodename = FE;
	cfg.abi = XF_BLKIF_ABI_X86_64;
	cfg.event = on_event;
	rc = xf_blkfront_new(&cfg, &bf);
	if (!dt_check(&ctx, rc == 0, "blkfront-new", "rc=%d", rc))
		goto out;
	bool ok = dt_run_until(rt, connected, 20000);
	xf_blkfront_error(bf, msg, sizeof(msg));
	memset(&in, 0, sizeof(in));
	xf_blkfront_get_info(bf, &in);
	if (!dt_check(&ctx, ok && atomic_load(&ev_error) == 0 &&
				    in.state == XF_BLKFRONT_CONNECTED,
		      "connected", "state=%s be-state=%ld after %llu ms %s",
		      xf_blkfront_state_name(in.state), be_long("state"),
		      (unsigned long long)(dt_now_ms() - t0), msg))
		goto close;
	check_handshake(&in);
	t0 = dt_now_ms();
	test_io(&in);
	dt_note(&ctx, "I/O took %llu ms",
		(unsigned long long)(dt_now_ms() - t0));

close:
	t0 = dt_now_ms();
	rc = xf_blkfront_close(bf);
	ok = rc == 0 && dt_run_until(rt, closed, 15000);
	xf_blkfront_get_info(bf, &in);
	long bst = be_long("state");
	dt_check(&ctx, ok && in.state == XF_BLKFRONT_CLOSED,
		 "close", "rc=%d state=%s be-state=%ld after %llu ms", rc,
		 xf_blkfront_state_name(in.state), bst,
		 (unsigned long long)(dt_now_ms() - t0));
	dt_check(&ctx, bst == XF_XENBUS_CLOSED, "backend-closed",
		 "be-state=%ld", bst);
	dt_check(&ctx, in.grants_busy == 0 && in.protocol_errors == 0 &&
			       in.connects == 1,
		 "info-counters", "grants_busy=%llu protocol_errors=%llu "
		 "connects=%llu", (unsigned long long)in.grants_busy,
		 (unsigned long long)in.protocol_errors,
		 (unsigned long long)in.connects);
	dt_check_released(&ctx);
out:
	if (bf)
		xf_blkfront_free(bf);
	if (rt)
		xf_rt_free(rt);
	dt_count_get(&cn);
	dt_check(&ctx, cn.pages_shared == cn.pages_unshared &&
			       cn.evtchn_open == cn.evtchn_closed &&
			       cn.xs_open == cn.xs_closed,
		 "freed", "pages %ld/%ld evtchn %ld/%ld xenstore %ld/%ld",
		 cn.pages_shared, cn.pages_unshared, cn.evtchn_open,
		 cn.evtchn_closed, cn.xs_open, cn.xs_closed);
	P->store->rm(xs, XF_TXN_NONE, BE);
	P->store->rm(xs, XF_TXN_NONE, FE);
	if (loopdev[0]) {
		rc = dt_loop_detach_wait(loopdev, 5000);
		dt_check(&ctx, rc == 0, "loop-detach", "rc=%d", rc);
	}
	P->store->close(xs);
	xf_xen_platform_close(P);
	unlink(IMG);
	return dt_finish(&ctx);
}
