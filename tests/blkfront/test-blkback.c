/* SPDX-License-Identifier: MIT */
/* blkfront end to end against the mock blkback, in sim and real mode:
 * every feature preset, data integrity through the negotiated features,
 * features visible in the backend's statistics, backend crash and
 * migration to a host with fewer features with I/O in flight, and
 * teardown leak checks. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/blkif.h>
#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>

#include "xt.h"
#include "xt-blk.h"
#include "xt-mock.h"

#define FE XT_GUEST
#define BE XT_DOM0
#define BE2 2
#define DISK_BYTES (16u << 20)

struct env {
	enum xf_rt_mode mode;
	struct xf_mock_hv *hv;
	struct xf_platform *dom0, *fe, *dom2;
	struct xf_rt *rt;
	struct xf_blkdisk *disk;
	struct xf_vbd_config vc;
	struct xf_blkback *bb;
	struct xf_blkfront *bf;
	atomic_uint events[8];
};

static struct env E;
/* Service time of every backend request (0: instant). */
static uint64_t backend_latency_ns;
static enum xf_blkback_path backend_path = XF_BLKBACK_PATH_NORMAL;
static enum xf_blkif_abi front_abi = XF_BLKIF_ABI_X86_64;
static uint64_t front_timeout_ns;
static uint64_t front_cpu_completion_ns;
/* Discard grid of the backend (0: preset's) and frontend discard knobs. */
static uint32_t backend_discard_gran, backend_discard_align;
static uint64_t front_max_discard_sectors;
static bool front_whole_granules;
/* Disk sector size (0: 512) and the unit of "sectors" on each side. */
static unsigned int disk_sector_size;
static enum xf_blkback_sectors_unit backend_sectors_unit;
static enum xf_blkfront_sectors_unit front_sectors_unit;

static void on_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	(void)bf;
	(void)opaque;
	if ((unsigned int)ev < 8)
		atomic_fetch_add(&E.events[ev], 1);
}

static void run_slice(void)
{
	uint64_t slice = E.mode == XF_RT_SIM ? 1000000ull : 5000000ull;

	xf_rt_run(E.rt, xf_rt_now_ns(E.rt) + slice);
}

static bool run_until(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 2000; i++) {
		if (cond(arg))
			return true;
		run_slice();
	}
	return cond(arg);
}

static bool is_connected(void *arg)
{
	struct xf_blkfront_info info;

	(void)arg;
	xf_blkfront_get_info(E.bf, &info);
	return info.state == XF_BLKFRONT_CONNECTED &&
	       xf_blkback_state(E.bb) == XF_XENBUS_CONNECTED;
}

struct wait_n {
	struct xt_done *d;
	unsigned int n;
};

static bool all_done(void *arg)
{
	struct wait_n *w = arg;

	for (unsigned int i = 0; i < w->n; i++)
		if (!atomic_load(&w->d[i].calls))
			return false;
	return true;
}

static void env_init(enum xf_rt_mode mode)
{
	struct xf_rt_config rc;
	struct xf_blkdisk_config dc;

	memset(&E, 0, sizeof(E));
	E.mode = mode;
	xt_mock_pair(&E.hv, &E.dom0, &E.fe);
	ck_assert_int_eq(xf_mock_domain_new(E.hv, BE2, &E.dom2), 0);
	xf_rt_config_init(&rc);
	rc.mode = mode;
	rc.nr_vcpus = 4;
	ck_assert_int_eq(xf_rt_new(&rc, &E.rt), 0);
	xf_blkdisk_config_init(&dc);
	dc.size_bytes = DISK_BYTES;
	if (disk_sector_size)
		dc.sector_size = disk_sector_size;
	ck_assert_int_eq(xf_blkdisk_new(&dc, &E.disk), 0);
	xf_vbd_config_init(&E.vc);
	E.vc.frontend_id = FE;
	E.vc.backend_id = BE;
	ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);
}

static void backend_start(struct xf_platform *p, const char *preset)
{
	struct xf_blkback_config bc;

	xf_blkback_config_init(&bc);
	bc.platform = p;
	bc.rt = E.rt;
	bc.frontend_id = FE;
	bc.devid = E.vc.devid;
	bc.disk = E.disk;
	bc.path = backend_path;
	ck_assert_int_eq(xf_blkback_features_preset(preset, &bc.features), 0);
	bc.features.discard_granularity = backend_discard_gran;
	bc.features.discard_alignment = backend_discard_align;
	bc.features.sectors_unit = backend_sectors_unit;
	if (backend_latency_ns) {
		struct xf_blklat l = { .kind = XF_BLKLAT_FIXED,
				       .base_ns = backend_latency_ns };

		bc.latency.read = bc.latency.write = l;
		bc.latency.flush = bc.latency.discard = l;
	}
	ck_assert_int_eq(xf_blkback_new(&bc, &E.bb), 0);
}

static void frontend_start(void)
{
	struct xf_blkfront_config cfg;
	char path[128];

	xf_blkfront_config_init(&cfg);
	ck_assert_int_eq(xf_vbd_frontend_path(&E.vc, path, sizeof(path)), 0);
	cfg.platform = E.fe;
	cfg.rt = E.rt;
	cfg.nodename = path;
	cfg.event = on_event;
	cfg.abi = front_abi;
	cfg.connect_timeout_ns = front_timeout_ns;
	cfg.cpu_ns_per_completion = front_cpu_completion_ns;
	cfg.max_discard_sectors = front_max_discard_sectors;
	cfg.discard_whole_granules = front_whole_granules;
	cfg.sectors_unit = front_sectors_unit;
	if (front_cpu_completion_ns) {
		cfg.max_queues = 2;
		cfg.queue_vcpu[0] = 1;
		cfg.queue_vcpu[1] = 2;
	}
	ck_assert_int_eq(xf_blkfront_new(&cfg, &E.bf), 0);
}

/* env_init(mode), a backend of preset, a frontend, connected. */
static void env_up(enum xf_rt_mode mode, const char *preset)
{
	env_init(mode);
	backend_start(E.dom0, preset);
	frontend_start();
	ck_assert_msg(run_until(is_connected, NULL), "%s: not connected",
		      preset);
}

static bool is_closed(void *arg)
{
	(void)arg;
	return atomic_load(&E.events[XF_BLKFRONT_EV_CLOSED]) > 0;
}

/* Orderly close, then free everything; asserts no leaked grant or
 * event channel of the frontend domain. */
static void env_fini(void)
{
	if (E.bf) {
		ck_assert_int_eq(xf_blkfront_close(E.bf), 0);
		ck_assert(run_until(is_closed, NULL));
		xf_blkfront_free(E.bf);
	}
	if (E.bb)
		xf_blkback_free(E.bb);
	XT_MOCK_ASSERT_CLEAN(E.hv, FE);
	xf_rt_free(E.rt);
	xf_blkdisk_free(E.disk);
	xf_mock_hv_free(E.hv);
}

static void fill(uint8_t *b, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((i >> 9) * 131 + i * 7 + seed * 29 + 5);
}

/* Writes n ios of len bytes at stride, on queues 0..n-1, waits; then
 * reads them back and compares. */
static void write_read_verify(unsigned int n, uint64_t len, uint64_t base,
			      unsigned int seed)
{
	struct xf_blkfront_io *io = calloc(n, sizeof(*io));
	struct xt_done *d = calloc(n, sizeof(*d));
	uint8_t *w = malloc(n * len), *r = calloc(n, len);
	struct wait_n wn = { d, n };

	xt_blk_ios(io, d, n, XF_BLKFRONT_WRITE, base, len, w, true);
	for (unsigned int i = 0; i < n; i++) {
		fill(w + i * len, len, seed + i);
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, base + i * len, len,
		       w + i * len, &d[i]);
		io[i].queue = i;
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io[i]), 0);
	}
	ck_assert(run_until(all_done, &wn));
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(atomic_load(&d[i].calls), 1);
		ck_assert_int_eq(atomic_load(&d[i].status), 0);
		atomic_store(&d[i].calls, 0);
		io[i].op = XF_BLKFRONT_READ;
		io[i].buf = r + i * len;
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io[i]), 0);
	}
	ck_assert(run_until(all_done, &wn));
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(atomic_load(&d[i].calls), 1);
		ck_assert_int_eq(atomic_load(&d[i].status), 0);
	}
	ck_assert_mem_eq(r, w, n * len);
	/* And the backend's disk holds it. */
	uint8_t *disk = malloc(n * len);

	ck_assert_int_eq(xf_blkdisk_read(E.disk, base / 512, disk, n * len), 0);
	ck_assert_mem_eq(disk, w, n * len);
	free(disk);
	free(io);
	free(d);
	free(w);
	free(r);
}

static const char *const presets[] = {
	"linux", "qemu", "minimal", "no-persistent", "no-indirect",
	"few-indirect", "single-queue", "no-flush", "barrier-only",
	"legacy-ring",
};
#define NPRESETS (int)(sizeof(presets) / sizeof(presets[0]))

/* Loop index: preset * 2 + mode. */
START_TEST(preset_handshake_and_data)
{
	const char *preset = presets[_i / 2];
	struct xf_blkback_features f;
	struct xf_blkback_conn_info ci;
	struct xf_blkfront_info info;
	struct xf_blkback_stats bs;

	ck_assert_int_eq(xf_blkback_features_preset(preset, &f), 0);
	env_up(_i % 2 ? XF_RT_REAL : XF_RT_SIM, preset);
	xf_blkfront_get_info(E.bf, &info);
	xf_blkback_conn_info(E.bb, &ci);
	ck_assert_uint_eq(info.nr_queues, f.max_queues > 1 ?
			  (f.max_queues < 4 ? f.max_queues : 4) : 1);
	ck_assert_uint_eq(info.nr_queues, ci.nr_queues);
	ck_assert_uint_eq(info.ring_page_order, ci.ring_page_order);
	ck_assert_uint_eq(info.ring_page_order, f.max_ring_page_order);
	ck_assert_uint_eq(info.persistent, f.persistent);
	ck_assert_uint_eq(ci.persistent, f.persistent);
	ck_assert_uint_eq(info.max_indirect_segments,
			  f.max_indirect_segments > 11 ?
			  (f.max_indirect_segments < 256 ?
			   f.max_indirect_segments : 256) : 0);
	ck_assert_uint_eq(info.flush, f.flush);
	ck_assert_uint_eq(info.barrier, f.barrier);
	ck_assert_uint_eq(info.discard, f.discard);
	ck_assert_uint_eq(info.sectors, DISK_BYTES / 512);

	write_read_verify(8, 200 * 1024, 1 << 20, (unsigned int)_i);

	/* The negotiated features were used on the wire. */
	xf_blkback_stats(E.bb, &bs);
	if (info.max_indirect_segments)
		ck_assert_uint_gt(bs.indirect_requests, 0);
	else
		ck_assert_uint_eq(bs.indirect_requests, 0);
	if (info.persistent)
		ck_assert_uint_gt(bs.persistent_hits, 0);
	for (unsigned int q = 0; q < 4; q++) {
		struct xf_blkfront_queue_stats qs;

		ck_assert_int_eq(xf_blkfront_queue_stats(E.bf, q, &qs), 0);
		if (q < info.nr_queues)
			ck_assert_uint_gt(qs.ios_completed, 0);
		else
			ck_assert_uint_eq(qs.requests, 0);
	}
	env_fini();
}
END_TEST

static bool flush_done(void *arg)
{
	return atomic_load(&((struct xt_done *)arg)->calls) > 0;
}

/* Flush and FUA through a backend whose cache refuses flushes: the
 * frontend reports durability degraded. */
START_TEST(flush_eopnotsupp_reported)
{
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkfront_info info;

	env_init(XF_RT_SIM);
	xf_blkdisk_set_cache_mode(E.disk, XF_BLKDISK_CACHE_EOPNOTSUPP);
	backend_start(E.dom0, "no-persistent");
	frontend_start();
	ck_assert(run_until(is_connected, NULL));
	xt_blk_io(&io, XF_BLKFRONT_FLUSH, 0, 0, NULL, &d);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), 0);
	ck_assert(run_until(flush_done, &d));
	ck_assert_int_eq(atomic_load(&d.status), -EOPNOTSUPP);
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_ge(info.durability_degraded, 1);
	ck_assert(!info.flush_active);
	ck_assert_uint_eq(atomic_load(&E.events[
		XF_BLKFRONT_EV_DURABILITY_DEGRADED]), 1);
	env_fini();
}
END_TEST

/* A backend with 64 KiB discard granules at 4 KiB + k * 64 KiB counts
 * discards that start or end off that grid. A caller discard of 8 KiB ..
 * 1032 KiB: _i = 0 sent whole (one request, off the grid); _i = 1 split
 * at 128 KiB (9 requests, only the caller's own two edges off the grid,
 * every split point on it); _i = 2 trimmed to whole granules (68 KiB ..
 * 1028 KiB, nothing off the grid, the edges keep their data). */
START_TEST(discard_grid_end_to_end)
{
	const uint64_t off = 8 << 10, len = 1 << 20, end = off + len;
	const uint64_t t0 = 68 << 10, t1 = 1028 << 10;
	static uint8_t data[(1 << 20) + (64 << 10)], back[sizeof(data)];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkback_stats bs;
	struct xf_blkfront_info info;

	backend_discard_gran = 65536;
	backend_discard_align = 4096;
	front_max_discard_sectors = _i == 1 ? 256 : 0;
	front_whole_granules = _i == 2;
	env_up(XF_RT_SIM, "linux");
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(info.discard_granularity_used, 65536);
	ck_assert_uint_eq(info.discard_alignment_used, 4096);
	fill(data, sizeof(data), 9);
	ck_assert_int_eq(xf_blkdisk_fill(E.disk, 0, data, sizeof(data)), 0);
	xt_blk_io(&io, XF_BLKFRONT_DISCARD, off, len, NULL, &d);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), 0);
	ck_assert(run_until(flush_done, &d));
	run_slice();
	ck_assert_int_eq(atomic_load(&d.calls), 1);
	ck_assert_int_eq(atomic_load(&d.status), 0);
	xf_blkback_stats(E.bb, &bs);
	ck_assert_uint_eq(bs.requests[XF_BLKIF_OP_DISCARD],
			  _i == 1 ? 9 : 1);
	ck_assert_uint_eq(bs.discard_off_grid, _i == 0 ? 1 : _i == 1 ? 2 : 0);
	/* The mock zeroes what it discards. */
	ck_assert_int_eq(xf_blkdisk_read(E.disk, 0, back, sizeof(back)), 0);
	for (uint64_t b = 0; b < sizeof(back); b += 512) {
		bool gone = _i == 2 ? b >= t0 && b < t1 : b >= off && b < end;

		if (gone)
			ck_assert_uint_eq(back[b] | back[b + 511], 0);
		else
			ck_assert_mem_eq(back + b, data + b, 512);
	}
	env_fini();
	backend_discard_gran = backend_discard_align = 0;
	front_max_discard_sectors = 0;
	front_whole_granules = false;
}
END_TEST

/* With the backend frozen, submits n writes of len bytes of fresh data
 * (seed + i) from w + i * len at i * len, on queue i. */
static void submit_frozen_writes(struct xf_blkfront_io *io, struct xt_done *d,
				 uint8_t *w, unsigned int n, uint64_t len,
				 unsigned int seed)
{
	memset(d, 0, n * sizeof(*d));
	xf_blkback_freeze(E.bb, true);
	run_slice();
	for (unsigned int i = 0; i < n; i++) {
		fill(w + i * len, len, seed + i);
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, i * len, len, w + i * len,
		       &d[i]);
		io[i].queue = i;
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io[i]), 0);
	}
	run_slice();
}

/* Writes in flight at a frozen backend, then the guest suspends. */
static void suspend_with_writes(struct xf_blkfront_io *io, struct xt_done *d,
				uint8_t *w, unsigned int n, uint64_t len,
				unsigned int seed)
{
	submit_frozen_writes(io, d, w, n, len, seed);
	ck_assert_int_eq(xf_blkfront_suspend(E.bf), 0);
	run_slice();
}

/* Waits for io[0..n); each completed once, OK, its data on the disk
 * (read back through chk). */
static void expect_on_disk(struct xf_blkfront_io *io, struct xt_done *d,
			   unsigned int n, uint8_t *chk)
{
	struct wait_n wn = { d, n };

	ck_assert(run_until(all_done, &wn));
	xt_blk_expect_once(d, n, 0);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(xf_blkdisk_read(E.disk,
						 io[i].offset_bytes / 512, chk,
						 io[i].len_bytes), 0);
		ck_assert_mem_eq(chk, io[i].buf, io[i].len_bytes);
	}
}

static bool has_inflight(void *arg)
{
	struct xf_blkback_stats bs;

	(void)arg;
	xf_blkback_stats(E.bb, &bs);
	return bs.inflight > 0 || bs.requests[XF_BLKIF_OP_WRITE] +
				  bs.indirect_requests > 0;
}

/* Backend crashes with I/O in flight; the toolstack re-creates the
 * device and a new backend (alternating presets) takes over. Ten rounds
 * in one test; every I/O completes exactly once, data intact. */
START_TEST(crash_and_replace_x10)
{
	enum { NIO = 12, LEN = 96 * 1024 };
	static uint8_t w[NIO][LEN], chk[LEN];
	static const char *const rot[] = { "linux", "minimal", "qemu",
					   "few-indirect", "single-queue" };

	env_up(_i ? XF_RT_REAL : XF_RT_SIM, "linux");
	for (unsigned int round = 0; round < 10; round++) {
		struct xf_blkfront_io io[NIO];
		struct xt_done d[NIO];

		submit_frozen_writes(io, d, w[0], NIO, LEN, round * 100);
		(void)has_inflight;
		xf_blkback_crash(E.bb);
		run_slice();
		run_slice();
		for (unsigned int i = 0; i < NIO; i++)
			ck_assert_int_eq(atomic_load(&d[i].calls), 0);
		xf_blkback_free(E.bb);
		E.bb = NULL;
		xf_vbd_destroy(E.dom0, &E.vc);
		run_slice();
		ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);
		backend_start(E.dom0, rot[round % 5]);
		ck_assert_msg(run_until(is_connected, NULL),
			      "round %u: no reconnect", round);
		expect_on_disk(io, d, NIO, chk);
		/* Callbacks never run twice, even later. */
		run_slice();
		for (unsigned int i = 0; i < NIO; i++)
			ck_assert_int_eq(atomic_load(&d[i].calls), 1);
	}
	struct xf_blkfront_info info;

	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(info.connects, 11);
	ck_assert_uint_eq(info.protocol_errors, 0);
	env_fini();
}
END_TEST

static bool is_suspended_connected(void *arg)
{
	(void)arg;
	return is_connected(NULL);
}

/* Suspend with I/O in flight on a "linux" host, migrate to a "minimal"
 * host (one queue, one page, no indirect, no persistent), resume. */
START_TEST(migrate_to_fewer_features)
{
	enum { NIO = 8, LEN = 256 * 1024 };
	static uint8_t w[NIO][LEN], chk[LEN];
	struct xf_blkfront_io io[NIO];
	struct xt_done d[NIO];
	struct xf_blkfront_info info;

	env_up(_i ? XF_RT_REAL : XF_RT_SIM, "linux");
	suspend_with_writes(io, d, w[0], NIO, LEN, 77);
	xf_blkback_free(E.bb);
	E.bb = NULL;
	ck_assert_int_eq(xf_vbd_migrate(E.dom0, &E.vc, BE2), 0);
	backend_start(E.dom2, "minimal");
	ck_assert_int_eq(xf_blkfront_resume(E.bf), 0);
	ck_assert(run_until(is_suspended_connected, NULL));
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(info.backend_id, BE2);
	ck_assert_uint_eq(info.nr_queues, 1);
	ck_assert_uint_eq(info.max_indirect_segments, 0);
	ck_assert(!info.persistent);
	expect_on_disk(io, d, NIO, chk);
	env_fini();
}
END_TEST

static bool is_resized(void *arg)
{
	(void)arg;
	return atomic_load(&E.events[XF_BLKFRONT_EV_RESIZED]) > 0;
}

START_TEST(resize_from_backend)
{
	struct xf_blkfront_info info;

	env_up(XF_RT_SIM, "qemu");
	ck_assert_int_eq(xf_blkdisk_resize(E.disk, DISK_BYTES * 2), 0);
	xf_blkback_resize_notify(E.bb);
	ck_assert(run_until(is_resized, NULL));
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(info.sectors, 2 * (DISK_BYTES / 512));
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	env_fini();
}
END_TEST

/* A workload actor on its own vCPU keeps 32 I/Os in flight over all
 * queues; completions resubmit from the queue threads (real mode: truly
 * concurrent). Midway the backend crashes and is replaced. Every I/O
 * completes exactly once. */
#define WL_DEPTH 32
#define WL_TOTAL 3000

struct wl {
	struct xf_actor actor;
	struct xf_blkfront_io io[WL_DEPTH];
	uint8_t buf[WL_DEPTH][16384];
	atomic_bool busy[WL_DEPTH];
	atomic_uint submitted, completed, doubles, errors;
};

static struct wl *WL;

static void wl_submit(struct wl *w, unsigned int i)
{
	unsigned int n = atomic_fetch_add(&w->submitted, 1);

	if (n >= WL_TOTAL) {
		atomic_fetch_sub(&w->submitted, 1);
		return;
	}
	struct xf_blkfront_io *io = &w->io[i];

	io->op = (n % 3) ? XF_BLKFRONT_WRITE : XF_BLKFRONT_READ;
	if (n % 97 == 0)
		io->op = XF_BLKFRONT_FLUSH;
	io->flags = 0;
	io->queue = n;
	io->offset_bytes = (uint64_t)i * 16384;
	io->len_bytes = io->op == XF_BLKFRONT_FLUSH ? 0 :
			512u * (1 + n % 32);
	io->buf = w->buf[i];
	atomic_store(&w->busy[i], true);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, io), 0);
}

static void wl_done(struct xf_blkfront_io *io, int status)
{
	struct wl *w = WL;
	unsigned int i = (unsigned int)(io - w->io);

	if (!atomic_exchange(&w->busy[i], false))
		atomic_fetch_add(&w->doubles, 1);
	if (status)
		atomic_fetch_add(&w->errors, 1);
	atomic_fetch_add(&w->completed, 1);
	wl_submit(w, i);
}

static void wl_run(struct xf_actor *a)
{
	struct wl *w = (struct wl *)a;

	for (unsigned int i = 0; i < WL_DEPTH; i++)
		if (!atomic_load(&w->busy[i]))
			wl_submit(w, i);
}

static const struct xf_actor_ops wl_ops = { .run = wl_run };

static bool wl_finished(void *arg)
{
	struct wl *w = arg;

	return atomic_load(&w->completed) >= WL_TOTAL;
}

static bool wl_third(void *arg)
{
	struct wl *w = arg;

	return atomic_load(&w->completed) >= WL_TOTAL / 3;
}

START_TEST(concurrent_workload_with_crash)
{
	struct wl *w = calloc(1, sizeof(*w));

	WL = w;
	backend_latency_ns = 20000;
	env_up(_i ? XF_RT_REAL : XF_RT_SIM, "linux");
	for (unsigned int i = 0; i < WL_DEPTH; i++) {
		w->io[i].done = wl_done;
		w->io[i].opaque = w;
	}
	ck_assert_int_eq(xf_actor_add(E.rt, &w->actor, &wl_ops, "workload",
				      3), 0);
	xf_actor_kick(&w->actor);
	ck_assert(run_until(wl_third, w));
	/* Freeze first so the crash finds work in flight. */
	xf_blkback_freeze(E.bb, true);
	run_slice();
	xf_blkback_crash(E.bb);
	run_slice();
	xf_blkback_free(E.bb);
	E.bb = NULL;
	xf_vbd_destroy(E.dom0, &E.vc);
	run_slice();
	ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);
	backend_start(E.dom0, "few-indirect");
	ck_assert(run_until(wl_finished, w));
	run_slice();
	ck_assert_uint_eq(atomic_load(&w->completed), WL_TOTAL);
	ck_assert_uint_eq(atomic_load(&w->submitted), WL_TOTAL);
	ck_assert_uint_eq(atomic_load(&w->doubles), 0);
	ck_assert_uint_eq(atomic_load(&w->errors), 0);
	uint64_t reissued = 0;

	for (unsigned int q = 0; q < 4; q++) {
		struct xf_blkfront_queue_stats qs;

		xf_blkfront_queue_stats(E.bf, q, &qs);
		reissued += qs.reissued;
	}
	ck_assert_uint_gt(reissued, 0);
	xf_actor_remove(&w->actor);
	env_fini();
	backend_latency_ns = 0;
	free(w);
}
END_TEST

/* A backend that never enters InitWait (connects straight from
 * Initialising once the frontend is Initialised), and a 32-bit guest
 * ABI: both carry data correctly. */
START_TEST(skip_initwait_and_abi32)
{
	struct xf_blkback_conn_info ci;

	backend_path = _i & 1 ? XF_BLKBACK_PATH_SKIP_INITWAIT
			      : XF_BLKBACK_PATH_NORMAL;
	front_abi = _i & 2 ? XF_BLKIF_ABI_X86_32 : XF_BLKIF_ABI_X86_64;
	env_up(XF_RT_SIM, "linux");
	xf_blkback_conn_info(E.bb, &ci);
	ck_assert_int_eq(ci.abi, front_abi);
	write_read_verify(4, 100 * 1024, 0, 9);
	env_fini();
	backend_path = XF_BLKBACK_PATH_NORMAL;
	front_abi = XF_BLKIF_ABI_X86_64;
}
END_TEST

static bool fe_released(void *arg)
{
	struct xf_mock_stats ms;

	(void)arg;
	xf_mock_stats(E.hv, FE, &ms);
	return ms.gnt_shared_pages == 0 && ms.evtchn_open_ports == 0;
}

static bool gone_or_done(void *arg)
{
	return atomic_load(&((struct xt_done *)arg)->calls) > 0;
}

/* Graceful removal by the toolstack (libxl's request_close: online=0,
 * backend Closing) is an unplug, not a reconnect: the I/O in flight
 * fails with -ENODEV at once (not after the 30 s connect timeout), so
 * does new I/O, the frontend goes Closed, the reason is stated, and
 * every grant is released once the backend is Closed. The directories
 * removed and created again: a re-attach, the device connects again. */
START_TEST(toolstack_graceful_removal)
{
	enum { NIO = 4, LEN = 8192 };
	static uint8_t w[NIO][LEN];
	struct xf_blkfront_io io[NIO], late;
	struct xt_done d[NIO], dl = { 0, 0 };
	struct xf_blkfront_info info;

	env_up(XF_RT_SIM, "linux");
	write_read_verify(2, 8192, 0, 1);
	submit_frozen_writes(io, d, w[0], NIO, LEN, 3);
	ck_assert_int_eq(xf_vbd_request_close(E.dom0, &E.vc), 0);
	run_slice();
	xt_blk_expect_once(d, NIO, -ENODEV);
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_int_eq(info.state, XF_BLKFRONT_UNPLUGGED);
	ck_assert_msg(strstr(info.reason, "online = 0, backend state Closing"),
		      "reason: %s", info.reason);
	ck_assert_uint_eq(atomic_load(&E.events[XF_BLKFRONT_EV_UNPLUGGED]), 1);
	ck_assert_uint_eq(atomic_load(&E.events[XF_BLKFRONT_EV_TIMEOUT]), 0);
	xf_blkback_freeze(E.bb, false);
	ck_assert(run_until(fe_released, NULL));
	ck_assert_int_eq(xf_blkback_state(E.bb), XF_XENBUS_CLOSED);
	xt_blk_io(&late, XF_BLKFRONT_WRITE, 0, LEN, w[0], &dl);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &late), 0);
	run_slice();
	xt_blk_expect_once(&dl, 1, -ENODEV);
	ck_assert_int_eq(xf_vbd_destroy(E.dom0, &E.vc), 0);
	run_slice();
	ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);
	ck_assert(run_until(is_connected, NULL));
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_str_eq(info.reason, "");
	write_read_verify(2, 8192, 0, 2);
	env_fini();
}
END_TEST

/* The directories removed without an unplug (a device that may come
 * back): I/O is held, then fails with -ENODEV when the timeout
 * expires. */
START_TEST(directories_removed_hold_io)
{
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	struct xf_blkfront_info info;

	front_timeout_ns = 50000000; /* 50 ms */
	env_up(XF_RT_SIM, "linux");
	write_read_verify(2, 8192, 0, 1);
	ck_assert_int_eq(xf_vbd_destroy(E.dom0, &E.vc), 0);
	run_slice();
	xt_blk_io(&io, XF_BLKFRONT_WRITE, 0, sizeof(buf), buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), 0);
	run_slice();
	ck_assert_int_eq(atomic_load(&d.calls), 0);
	ck_assert(run_until(gone_or_done, &d));
	ck_assert_int_eq(atomic_load(&d.status), -ENODEV);
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_int_eq(info.state, XF_BLKFRONT_GONE);
	ck_assert_uint_eq(atomic_load(&E.events[XF_BLKFRONT_EV_TIMEOUT]), 1);
	ck_assert_uint_eq(atomic_load(&E.events[XF_BLKFRONT_EV_UNPLUGGED]), 0);
	env_fini();
	front_timeout_ns = 0;
}
END_TEST

static bool backend_connected_twice(void *arg)
{
	struct xf_blkback_conn_info ci;

	(void)arg;
	xf_blkback_conn_info(E.bb, &ci);
	return ci.connects >= 2 && is_connected(NULL);
}

/* Suspend with I/O in flight and resume on the same host, the backend
 * left alone (still Connected to the dropped rings). Linux blkback (the
 * mock's default) ignores Initialising while Connected, so the frontend
 * must close first: Closing, Closed, then Initialising. The backend
 * connects a second time, the held writes complete once and reach the
 * disk, and no grant had to be parked (the old rings were released only
 * after the backend's Closed). Loop index: sim, real. */
START_TEST(resume_in_place_reconnects)
{
	enum { NIO = 4, LEN = 64 * 1024 };
	static uint8_t w[NIO][LEN], chk[LEN];
	struct xf_blkfront_io io[NIO];
	struct xt_done d[NIO];
	struct xf_blkfront_info info;

	env_up(_i ? XF_RT_REAL : XF_RT_SIM, "linux");
	suspend_with_writes(io, d, w[0], NIO, LEN, 41);
	xf_blkback_freeze(E.bb, false);
	run_slice();
	ck_assert_int_eq(xf_blkfront_resume(E.bf), 0);
	ck_assert_msg(run_until(backend_connected_twice, NULL),
		      "no second connect: backend state %d",
		      xf_blkback_state(E.bb));
	expect_on_disk(io, d, NIO, chk);
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(info.connects, 2);
	ck_assert_uint_eq(info.grants_busy, 0);
	write_read_verify(2, 8192, 0, 5);
	env_fini();
}
END_TEST

static uint64_t backend_requests(void)
{
	struct xf_blkback_stats bs;
	uint64_t n = 0;

	xf_blkback_stats(E.bb, &bs);
	for (unsigned int i = 0; i < 8; i++)
		n += bs.requests[i];
	return n;
}

/* One I/O of len bytes at off, run to its completion; returns its
 * status after asserting it completed exactly once. */
static int one_io(enum xf_blkfront_op op, uint64_t off, uint64_t len)
{
	static uint8_t buf[16384];
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };

	xt_blk_io(&io, op, off, len, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), 0);
	ck_assert(run_until(flush_done, &d));
	/* A few more slices: a second completion would show now. */
	for (int i = 0; i < 5; i++)
		run_slice();
	ck_assert_int_eq(atomic_load(&d.calls), 1);
	return atomic_load(&d.status);
}

/*
 * The unit of "sectors" on both sides, on 512- and 4096-byte-sector
 * disks. Loop index: bit 0 = real mode, bit 1 = frontend reads
 * sector-size units, bit 2 = backend writes sector-size units, bit 3 =
 * 4096-byte sectors. Each side's belief: the backend serves its disk
 * (DISK_BYTES) and publishes it in its unit; the frontend uses the key
 * times its unit. Matched, or 512-byte sectors: the same size, the last
 * sector works, the next is refused locally. Frontend 8x too large: I/O
 * past the real end reaches the backend, is refused there (past-end)
 * and completes once with -EIO. Frontend 8x too small: I/O past its end
 * is refused locally and nothing reaches the backend.
 */
START_TEST(sectors_unit_matrix)
{
	unsigned int ss = (_i & 8) ? 4096 : 512;
	uint64_t be_unit = (_i & 4) ? ss : 512, fe_unit = (_i & 2) ? ss : 512;
	uint64_t believed = DISK_BYTES / be_unit * fe_unit, reqs;
	struct xf_blkfront_info info;
	struct xf_blkback_stats bs;
	struct xf_blkfront_io io;
	struct xt_done d = { 0, 0 };
	static uint8_t buf[8192];

	disk_sector_size = ss;
	backend_sectors_unit = (_i & 4) ? XF_BLKBACK_SECTORS_SECTOR_SIZE
					: XF_BLKBACK_SECTORS_512;
	front_sectors_unit = (_i & 2) ? XF_BLKFRONT_SECTORS_SECTOR_SIZE
				      : XF_BLKFRONT_SECTORS_512;
	env_up(_i & 1 ? XF_RT_REAL : XF_RT_SIM, "linux");
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_uint_eq(xf_blkdisk_size_bytes(E.disk), DISK_BYTES);
	ck_assert_uint_eq(info.sectors, DISK_BYTES / be_unit);
	ck_assert_uint_eq(info.size_bytes, believed);
	ck_assert_uint_eq(info.sector_size, ss);
	write_read_verify(2, 8192, 0, (unsigned int)_i);

	if (believed <= DISK_BYTES) {
		/* The last sector the frontend believes in is real. */
		ck_assert_int_eq(one_io(XF_BLKFRONT_WRITE, believed - ss, ss),
				 0);
		ck_assert_int_eq(one_io(XF_BLKFRONT_READ, believed - ss, ss),
				 0);
	} else {
		/* Past the real end: the backend answers BLKIF_RSP_ERROR,
		 * one error completion per I/O. */
		ck_assert_int_eq(one_io(XF_BLKFRONT_READ, DISK_BYTES - ss, ss),
				 0);
		ck_assert_int_eq(one_io(XF_BLKFRONT_WRITE, DISK_BYTES, ss),
				 -EIO);
		ck_assert_int_eq(one_io(XF_BLKFRONT_READ, believed - ss, ss),
				 -EIO);
		ck_assert_int_eq(one_io(XF_BLKFRONT_READ, DISK_BYTES - ss,
					2 * ss), -EIO);
		xf_blkback_stats(E.bb, &bs);
		ck_assert_uint_eq(bs.rejects[XF_BLKBACK_REJ_PAST_END], 3);
		ck_assert_uint_eq(bs.rsp_error, 3);
	}
	/* Past the end the frontend believes: refused locally. */
	reqs = backend_requests();
	xt_blk_io(&io, XF_BLKFRONT_READ, believed, ss, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), -EINVAL);
	if (believed < DISK_BYTES) {
		io.op = XF_BLKFRONT_WRITE;
		io.offset_bytes = DISK_BYTES - ss;
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), -EINVAL);
	}
	for (int i = 0; i < 5; i++)
		run_slice();
	ck_assert_int_eq(atomic_load(&d.calls), 0);
	ck_assert_uint_eq(backend_requests(), reqs);
	xf_blkfront_get_info(E.bf, &info);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	env_fini();
	disk_sector_size = 0;
	backend_sectors_unit = XF_BLKBACK_SECTORS_512;
	front_sectors_unit = XF_BLKFRONT_SECTORS_512;
}
END_TEST

/* Cost model: each response costs the queue's vCPU CPU time, and that
 * vCPU is the one the config placed the queue on. */
START_TEST(completion_cost_on_queue_vcpu)
{
	struct xf_rt_vcpu_stats vs1, vs2, vs3;
	struct xf_blkfront_queue_stats q0, q1;

	front_cpu_completion_ns = 50000;
	env_up(XF_RT_SIM, "linux");
	write_read_verify(8, 4096, 0, 3);
	ck_assert_int_eq(xf_blkfront_queue_stats(E.bf, 0, &q0), 0);
	ck_assert_int_eq(xf_blkfront_queue_stats(E.bf, 1, &q1), 0);
	ck_assert_uint_eq(q0.vcpu, 1);
	ck_assert_uint_eq(q1.vcpu, 2);
	ck_assert_uint_eq(q0.responses, 8);
	ck_assert_uint_eq(q1.responses, 8);
	ck_assert_int_eq(xf_rt_vcpu_stats(E.rt, 1, &vs1), 0);
	ck_assert_int_eq(xf_rt_vcpu_stats(E.rt, 2, &vs2), 0);
	ck_assert_int_eq(xf_rt_vcpu_stats(E.rt, 3, &vs3), 0);
	ck_assert_uint_ge(vs1.busy_ns, 8 * 50000);
	ck_assert_uint_ge(vs2.busy_ns, 8 * 50000);
	ck_assert_uint_lt(vs3.busy_ns, 50000);
	env_fini();
	front_cpu_completion_ns = 0;
}
END_TEST

XT_SUITE("blkfront-blkback")
{
	TCase *tc = xt_tcase("e2e");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, preset_handshake_and_data, 0, NPRESETS * 2);
	tcase_add_test(tc, flush_eopnotsupp_reported);
	tcase_add_loop_test(tc, discard_grid_end_to_end, 0, 3);
	tcase_add_loop_test(tc, crash_and_replace_x10, 0, 2);
	tcase_add_loop_test(tc, migrate_to_fewer_features, 0, 2);
	tcase_add_test(tc, resize_from_backend);
	tcase_add_loop_test(tc, concurrent_workload_with_crash, 0, 2);
	tcase_add_loop_test(tc, skip_initwait_and_abi32, 0, 4);
	tcase_add_test(tc, toolstack_graceful_removal);
	tcase_add_test(tc, directories_removed_hold_io);
	tcase_add_loop_test(tc, resume_in_place_reconnects, 0, 2);
	tcase_add_test(tc, completion_cost_on_queue_vcpu);
	tcase_add_loop_test(tc, sectors_unit_matrix, 0, 16);
}
