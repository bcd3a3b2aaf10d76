/* SPDX-License-Identifier: MIT */
/*
 * Lost wakeups end to end against the mock blkback (sim mode): request
 * notifications dropped on the frontend's port (the backend never
 * learns of the requests), and a frontend with a wrong rsp_event
 * (event_index_bug) against a backend that honours it. Watchdog off:
 * the I/O stalls; on: everything completes, recoveries counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>
#include "done-rec.h"
#include "xt.h"

#define FE 1
#define BE 0
#define DISK_BYTES (4u << 20)
#define MS 1000000ull
#define SEC 1000000000ull

static struct xf_mock_hv *hv;
static struct xf_platform *dom0, *fe;
static struct xf_rt *rt;
static struct xf_blkdisk *disk;
static struct xf_vbd_config vc;
static struct xf_blkback *bb;
static struct xf_blkfront *bf;


static void run_for(uint64_t ns)
{
	xf_rt_run(rt, xf_rt_now_ns(rt) + ns);
}

static void start(uint64_t wd, enum xf_ring_evidx_bug bug)
{
	struct xf_rt_config rc;
	struct xf_blkdisk_config dc;
	struct xf_blkback_config bc;
	struct xf_blkfront_config cfg;
	struct xf_blkfront_info info;
	char path[128];

	ck_assert_int_eq(xf_mock_hv_new(&hv), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, BE, &dom0), 0);
	ck_assert_int_eq(xf_mock_domain_new(hv, FE, &fe), 0);
	xf_rt_config_init(&rc);
	rc.nr_vcpus = 2;
	ck_assert_int_eq(xf_rt_new(&rc, &rt), 0);
	xf_blkdisk_config_init(&dc);
	dc.size_bytes = DISK_BYTES;
	ck_assert_int_eq(xf_blkdisk_new(&dc, &disk), 0);
	xf_vbd_config_init(&vc);
	vc.frontend_id = FE;
	vc.backend_id = BE;
	ck_assert_int_eq(xf_vbd_create(dom0, &vc), 0);

	xf_blkback_config_init(&bc);
	bc.platform = dom0;
	bc.rt = rt;
	bc.frontend_id = FE;
	bc.devid = vc.devid;
	bc.disk = disk;
	ck_assert_int_eq(xf_blkback_features_preset("single-queue",
						    &bc.features), 0);
	ck_assert_int_eq(xf_blkback_new(&bc, &bb), 0);

	xf_blkfront_config_init(&cfg);
	ck_assert_int_eq(xf_vbd_frontend_path(&vc, path, sizeof(path)), 0);
	cfg.platform = fe;
	cfg.rt = rt;
	cfg.nodename = path;
	cfg.max_queues = 1;
	cfg.queue_vcpu[0] = 1;
	cfg.watchdog_period_ns = wd;
	cfg.event_index_bug = bug;
	ck_assert_int_eq(xf_blkfront_new(&cfg, &bf), 0);
	for (int i = 0; i < 100; i++) {
		run_for(MS);
		xf_blkfront_get_info(bf, &info);
		if (info.state == XF_BLKFRONT_CONNECTED)
			break;
	}
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
}

static void stop(void)
{
	struct xf_mock_stats ms;

	/* Backend first: it unmaps, so every grant can be revoked. */
	xf_blkback_free(bb);
	xf_blkfront_free(bf);
	xf_mock_stats(hv, FE, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 0);
	ck_assert_uint_eq(ms.evtchn_open_ports, 0);
	xf_rt_free(rt);
	xf_blkdisk_free(disk);
	xf_mock_hv_free(hv);
}

/* A 4 KiB write of buf at off. */
static void mkwrite(struct xf_blkfront_io *io, void *buf, uint64_t off,
		    struct done_rec *d)
{
	rec_io(io, XF_BLKFRONT_WRITE, off, 4096, buf, d);
}

/* Request notifications dropped: without the watchdog the backend
 * never looks at the ring. */
static void drop_request_notify(uint64_t wd)
{
	enum { N = 8 };
	static uint8_t buf[N][4096];
	struct xf_blkfront_io io[N];
	struct done_rec d[N];
	struct xf_blkfront_queue_stats st;
	struct xf_blkback_stats bs;

	memset(d, 0, sizeof(d));
	start(wd, XF_RING_EVIDX_OK);
	ck_assert_int_eq(xf_blkfront_queue_stats(bf, 0, &st), 0);
	ck_assert_uint_ne(st.port, 0);
	/* One lost notification is enough: the backend does not re-arm
	 * req_event until it looks at the ring, so no later push
	 * notifies. The watchdog's re-notify is not dropped. */
	ck_assert_int_eq(xf_mock_evtchn_drop_next(hv, FE, st.port, 1), 0);
	for (unsigned int i = 0; i < N; i++) {
		memset(buf[i], (int)(i + 1), 4096);
		mkwrite(&io[i], buf[i], i * 8192ull, &d[i]);
		ck_assert_int_eq(xf_blkfront_submit(bf, &io[i]), 0);
	}
	for (unsigned int s = 0; s < 10; s++)
		run_for(SEC);
	ck_assert_int_eq(xf_blkfront_queue_stats(bf, 0, &st), 0);
	xf_blkback_stats(bb, &bs);
	if (!wd) {
		for (unsigned int i = 0; i < N; i++)
			ck_assert_int_eq(d[i].calls, 0);
		ck_assert_uint_eq(bs.responses, 0);
		ck_assert_uint_eq(st.watchdog_recoveries, 0);
	} else {
		for (unsigned int i = 0; i < N; i++) {
			uint8_t back[4096];

			rec_expect_once(&d[i], 1, 0);
			ck_assert_int_eq(xf_blkdisk_read(disk, i * 16ull,
							 back, 4096), 0);
			ck_assert_mem_eq(back, buf[i], 4096);
		}
		ck_assert_uint_eq(bs.responses, N);
		ck_assert_uint_ge(st.watchdog_recoveries, 1);
		/* The responses were notified normally. */
		ck_assert_uint_eq(st.watchdog_responses, 0);
	}
	stop();
}

START_TEST(drop_request_notify_stalls)
{
	drop_request_notify(0);
}
END_TEST

START_TEST(drop_request_notify_recovered)
{
	drop_request_notify(500 * MS);
}
END_TEST

/* Twenty sequential writes with a stale rsp_event. */
static void stale_event(uint64_t wd)
{
	enum { N = 20 };
	static uint8_t buf[4096];
	struct xf_blkfront_io io;
	struct done_rec d;
	struct xf_blkfront_info info;
	struct xf_blkfront_queue_stats st;
	unsigned int done = 0;

	start(wd, XF_RING_EVIDX_STALE);
	for (unsigned int i = 0; i < N; i++) {
		memset(&d, 0, sizeof(d));
		mkwrite(&io, buf, i * 4096ull, &d);
		ck_assert_int_eq(xf_blkfront_submit(bf, &io), 0);
		for (unsigned int s = 0; s < 30 && !d.calls; s++)
			run_for(100 * MS);
		if (!d.calls)
			break;
		ck_assert_int_eq(d.status, 0);
		done++;
	}
	ck_assert_int_eq(xf_blkfront_queue_stats(bf, 0, &st), 0);
	ck_assert_int_eq(xf_blkfront_get_info(bf, &info), 0);
	if (!wd) {
		/* Only the first response crossed rsp_event. */
		ck_assert_uint_eq(done, 1);
		ck_assert_int_eq(d.calls, 0);
		ck_assert_uint_eq(info.watchdog_recoveries, 0);
		/* The write stays on the ring; free() completes it. */
		xf_blkfront_free(bf);
		bf = NULL;
		ck_assert_int_eq(d.calls, 1);
		ck_assert_int_ne(d.status, 0);
		xf_blkback_free(bb);
		xf_rt_free(rt);
		xf_blkdisk_free(disk);
		xf_mock_hv_free(hv);
		return;
	}
	ck_assert_uint_eq(done, N);
	/* Every recovery found the one response its write was waiting
	 * for. Some writes complete without one: the run that arms the
	 * watchdog on submission may find the backend already answered. */
	ck_assert_uint_ge(st.watchdog_recoveries, 1);
	ck_assert_uint_le(st.watchdog_recoveries, N - 1);
	ck_assert_uint_eq(st.watchdog_responses, st.watchdog_recoveries);
	ck_assert_uint_eq(info.watchdog_recoveries, st.watchdog_recoveries);
	ck_assert_uint_eq(st.notify_received, 1);
	stop();
}

START_TEST(stale_event_stalls)
{
	stale_event(0);
}
END_TEST

START_TEST(stale_event_recovered)
{
	stale_event(200 * MS);
}
END_TEST

XT_SUITE("blkfront-lost-wakeup")
{
	TCase *tc = xt_tcase("lost-wakeup");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, drop_request_notify_stalls);
	tcase_add_test(tc, drop_request_notify_recovered);
	tcase_add_test(tc, stale_event_stalls);
	tcase_add_test(tc, stale_event_recovered);
}
