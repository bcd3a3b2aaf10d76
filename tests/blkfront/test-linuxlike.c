/* SPDX-License-Identifier: MIT */
/* blkfront against the mock blkback where it behaves as Linux blkback:
 * feature-persistent is published only when the backend connects, and
 * every persistent grant (indirect pages included) is mapped writable.
 * The frontend advertises its own capability, decides at Connected, and
 * large (indirect) requests work with persistent grants. Sim mode. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/platform.h>
#include <xfront/blkback.h>
#include <xfront/blkfront.h>
#include <xfront/mock.h>

#include "xt.h"
#include "xt-blk.h"
#include "xt-mock.h"

#define FE XT_GUEST
#define BE XT_DOM0
#define DISK_BYTES (8u << 20)
#define IO_LEN (256u * 1024) /* 64 segments: indirect */

static struct {
	struct xf_mock_hv *hv;
	struct xf_platform *dom0, *fe;
	struct xf_rt *rt;
	struct xf_blkdisk *disk;
	struct xf_vbd_config vc;
	struct xf_blkback *bb;
	struct xf_blkfront *bf;
	atomic_uint closed;
} E;

static void on_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	(void)bf;
	(void)opaque;
	if (ev == XF_BLKFRONT_EV_CLOSED)
		atomic_fetch_add(&E.closed, 1);
}

static void run(void)
{
	ck_assert_int_eq(xf_rt_run(E.rt, UINT64_MAX), 0);
}

static void setup(void)
{
	struct xf_rt_config rc;
	struct xf_blkdisk_config dc;

	memset(&E, 0, sizeof(E));
	xt_mock_pair(&E.hv, &E.dom0, &E.fe);
	xf_rt_config_init(&rc);
	rc.mode = XF_RT_SIM;
	rc.nr_vcpus = 2;
	ck_assert_int_eq(xf_rt_new(&rc, &E.rt), 0);
	xf_blkdisk_config_init(&dc);
	dc.size_bytes = DISK_BYTES;
	ck_assert_int_eq(xf_blkdisk_new(&dc, &E.disk), 0);
	xf_vbd_config_init(&E.vc);
	E.vc.frontend_id = FE;
	E.vc.backend_id = BE;
	ck_assert_int_eq(xf_vbd_create(E.dom0, &E.vc), 0);
}

static void teardown(void)
{
	struct xf_mock_stats ms;

	if (E.bf) {
		ck_assert_int_eq(xf_blkfront_close(E.bf), 0);
		run();
		ck_assert_uint_eq(atomic_load(&E.closed), 1);
		xf_blkfront_free(E.bf);
	}
	if (E.bb)
		xf_blkback_free(E.bb);
	xf_mock_stats(E.hv, FE, &ms);
	ck_assert_uint_eq(ms.gnt_shared_pages, 0);
	ck_assert_uint_eq(ms.gnt_revoke_busy, 0);
	xf_rt_free(E.rt);
	xf_blkdisk_free(E.disk);
	xf_mock_hv_free(E.hv);
}


/* A key of the frontend (fe) or backend directory; NULL when absent. */
static char *key(bool fe, const char *k)
{
	char dir[128], path[192];
	struct xf_xs *xs;
	char *v = NULL;

	if (fe)
		ck_assert_int_eq(xf_vbd_frontend_path(&E.vc, dir, sizeof(dir)),
				 0);
	else
		ck_assert_int_eq(xf_vbd_backend_path(&E.vc, dir, sizeof(dir)),
				 0);
	snprintf(path, sizeof(path), "%s/%s", dir, k);
	ck_assert_int_eq(E.dom0->store->open(E.dom0, &xs), 0);
	if (xf_xs_read_str(E.dom0, xs, XF_TXN_NONE, path, &v) < 0)
		v = NULL;
	E.dom0->store->close(xs);
	return v;
}

static void key_eq(bool fe, const char *k, const char *want)
{
	char *v = key(fe, k);

	if (!want)
		ck_assert_msg(!v, "%s present: %s", k, v);
	else
		ck_assert_msg(v && !strcmp(v, want), "%s: %s, want %s", k,
			      v ? v : "(absent)", want);
	free(v);
}

/* A backend of preset and a frontend (persistent: its knob), connected;
 * the frontend offered persistent grants unless told not to, the backend
 * published be_key (NULL: nothing), and both use them or not. */
static void start(const char *preset, int persistent, const char *be_key,
		  bool used, struct xf_blkfront_info *info)
{
	struct xf_blkback_config bc;
	struct xf_blkfront_config cfg;
	struct xf_blkback_conn_info ci;
	char path[128];

	xf_blkback_config_init(&bc);
	bc.platform = E.dom0;
	bc.rt = E.rt;
	bc.frontend_id = FE;
	bc.devid = E.vc.devid;
	bc.disk = E.disk;
	ck_assert_int_eq(xf_blkback_features_preset(preset, &bc.features), 0);
	ck_assert_int_eq(xf_blkback_new(&bc, &E.bb), 0);
	xf_blkfront_config_init(&cfg);
	ck_assert_int_eq(xf_vbd_frontend_path(&E.vc, path, sizeof(path)), 0);
	cfg.platform = E.fe;
	cfg.rt = E.rt;
	cfg.nodename = path;
	cfg.event = on_event;
	cfg.persistent = persistent;
	ck_assert_int_eq(xf_blkfront_new(&cfg, &E.bf), 0);
	run();
	xf_blkfront_get_info(E.bf, info);
	ck_assert_int_eq(info->state, XF_BLKFRONT_CONNECTED);
	key_eq(true, "feature-persistent", persistent ? "1" : "0");
	key_eq(false, "feature-persistent", be_key);
	xf_blkback_conn_info(E.bb, &ci);
	ck_assert(ci.persistent == used);
	ck_assert(info->persistent == used);
}

/* Writes then reads back IO_LEN bytes; both must succeed. */
static void write_read(unsigned int seed)
{
	uint8_t *w = malloc(IO_LEN), *r = calloc(1, IO_LEN);
	struct xf_blkfront_io io;
	struct xt_done d;

	for (unsigned int i = 0; i < IO_LEN; i++)
		w[i] = (uint8_t)(i * 7 + seed);
	for (int pass = 0; pass < 2; pass++) {
		memset(&d, 0, sizeof(d));
		xt_blk_io(&io, pass ? XF_BLKFRONT_READ : XF_BLKFRONT_WRITE,
		       1u << 20, IO_LEN, pass ? r : w, &d);
		ck_assert_int_eq(xf_blkfront_submit(E.bf, &io), 0);
		run();
		xt_blk_expect_once(&d, 1, 0);
	}
	ck_assert_mem_eq(r, w, IO_LEN);
	free(w);
	free(r);
}

START_TEST(persistent_used_when_backend_offers_it_at_connect)
{
	struct xf_blkfront_info info;
	struct xf_blkback_stats bs;

	start("linux", -1, "1", true, &info);
	ck_assert_uint_gt(info.max_indirect_segments, 11);
	write_read(3);
	write_read(4);
	xf_blkback_stats(E.bb, &bs);
	ck_assert_uint_gt(bs.indirect_requests, 0);
	ck_assert_uint_gt(bs.persistent_hits, 0);
	ck_assert_uint_eq(bs.grant_copy_segs, 0);
}
END_TEST

START_TEST(capability_advertised_without_backend_offer)
{
	struct xf_blkfront_info info;

	/* Linux connect() writes the module parameter: 0 when off. */
	start("no-persistent", -1, "0", false, &info);
	write_read(5);
}
END_TEST

START_TEST(frontend_without_persistent_writes_zero)
{
	struct xf_blkfront_info info;

	start("linux", 0, "1", false, &info);
	write_read(6);
}
END_TEST

XT_SUITE("blkfront-linuxlike")
{
	TCase *tc = xt_tcase_fixture("linuxlike", setup, teardown, 60);

	tcase_add_test(tc, persistent_used_when_backend_offers_it_at_connect);
	tcase_add_test(tc, capability_advertised_without_backend_offer);
	tcase_add_test(tc, frontend_without_persistent_writes_zero);
}
