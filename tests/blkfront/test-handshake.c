/* SPDX-License-Identifier: MIT */
/* blkfront xenbus handshake against a scripted backend: negotiation,
 * skip paths, resize, bad xenstore values, timeouts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb.h"
#include "xt.h"

static struct sb sb;

static void setup(void)
{
	sb_init(&sb, XF_RT_SIM, 2, -1);
}

static void teardown(void)
{
	sb_fini(&sb);
}

static void start(int max_queues, int order, int indirect)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	cfg.max_queues = max_queues;
	cfg.max_ring_page_order = order;
	cfg.max_indirect_segments = indirect;
	sb_start(&sb, &cfg);
}

static void fe_key_eq(const char *key, const char *want)
{
	char *v = sb_fe_read(&sb, key);

	if (!want) {
		ck_assert_msg(v == NULL, "%s present: %s", key, v);
		return;
	}
	ck_assert_msg(v != NULL, "%s missing", key);
	ck_assert_str_eq(v, want);
	free(v);
}

/* The frontend wrote key, whatever its value. */
static void fe_key_set(const char *key)
{
	char *v = sb_fe_read(&sb, key);

	ck_assert_msg(v != NULL, "%s missing", key);
	free(v);
}

START_TEST(normal_path_defaults)
{
	struct xf_blkfront_info info;

	start(-1, -1, -1);
	/* Frontend waits in Initialising for the backend. */
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
	sb_initwait(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISED);
	fe_key_eq("protocol", "x86_64-abi");
	/* Our own capability, as Linux blkfront writes it: whether it is
	 * used depends on the backend's key at Connected. */
	fe_key_eq("feature-persistent", "1");
	fe_key_eq("ring-page-order", NULL);
	fe_key_eq("multi-queue-num-queues", NULL);
	fe_key_eq("queue-0", NULL);
	fe_key_set("ring-ref");
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_uint_eq(info.sectors, 2048);
	ck_assert_uint_eq(info.sector_size, 512);
	ck_assert_uint_eq(info.nr_queues, 1);
	ck_assert_uint_eq(info.ring_page_order, 0);
	ck_assert_uint_eq(info.ring_entries, 32);
	ck_assert_uint_eq(info.max_indirect_segments, 0);
	ck_assert_uint_eq(info.max_request_bytes, 44 * 1024);
	ck_assert(!info.persistent && !info.flush && !info.discard);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_CONNECTED], 1);
	ck_assert_uint_eq(info.connects, 1);
}
END_TEST

START_TEST(multi_queue_multi_page)
{
	struct xf_blkfront_info info;

	start(4, -1, -1);
	sb_write(&sb, "multi-queue-max-queues", "8");
	sb_write(&sb, "max-ring-page-order", "2");
	sb_write(&sb, "feature-persistent", "1");
	sb_write(&sb, "feature-max-indirect-segments", "512");
	sb_initwait(&sb);
	fe_key_eq("multi-queue-num-queues", "4");
	fe_key_eq("ring-page-order", "2");
	fe_key_eq("num-ring-pages", "4");
	fe_key_eq("feature-persistent", "1");
	/* With several queues the transport keys live under queue-N. */
	fe_key_eq("ring-ref", NULL);
	fe_key_eq("event-channel", NULL);
	fe_key_eq("ring-ref0", NULL);
	for (int q = 0; q < 4; q++) {
		char key[64];

		for (int j = 0; j < 4; j++) {
			snprintf(key, sizeof(key), "queue-%d/ring-ref%d", q, j);
			fe_key_set(key);
		}
		snprintf(key, sizeof(key), "queue-%d/event-channel", q);
		fe_key_set(key);
	}
	fe_key_eq("queue-4", NULL);
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.nr_queues, 4);
	ck_assert_uint_eq(info.ring_page_order, 2);
	ck_assert_uint_eq(info.ring_entries, 128);
	/* min(frontend default 256, backend 512) */
	ck_assert_uint_eq(info.max_indirect_segments, 256);
	ck_assert(info.persistent);
	ck_assert_uint_eq(sb.nq, 4);
}
END_TEST

START_TEST(frontend_limits_win)
{
	struct xf_blkfront_info info;

	start(2, 1, 64);
	sb_write(&sb, "multi-queue-max-queues", "16");
	sb_write(&sb, "max-ring-page-order", "4");
	sb_write(&sb, "feature-max-indirect-segments", "512");
	sb_initwait(&sb);
	fe_key_eq("multi-queue-num-queues", "2");
	fe_key_eq("ring-page-order", "1");
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.max_indirect_segments, 64);
	ck_assert_uint_eq(info.max_request_bytes, 64 * 4096);
}
END_TEST

START_TEST(legacy_max_ring_pages)
{
	start(1, -1, -1);
	sb_write(&sb, "max-ring-pages", "4");
	sb_initwait(&sb);
	fe_key_eq("ring-page-order", "2");
	fe_key_eq("ring-ref", NULL);
	fe_key_set("ring-ref3");
	sb_connected(&sb, 2048, 512);
}
END_TEST

/* Backend publishes everything and goes straight to Connected without
 * InitWait: the frontend does the skipped work first. */
START_TEST(skip_to_connected)
{
	struct xf_blkfront_info info;

	start(-1, -1, -1);
	sb_write(&sb, "feature-flush-cache", "1");
	sb_disk_props(&sb, 4096, 512);
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
	ck_assert_int_eq(sb_map_rings(&sb), 0);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_uint_eq(info.sectors, 4096);
	ck_assert(info.flush);
}
END_TEST

/* Backend skips InitWait and goes to Initialised (default transport). */
START_TEST(skip_initwait_initialised)
{
	start(-1, -1, -1);
	sb_state(&sb, XF_XENBUS_INITIALISED);
	sb_run(&sb);
	sb_connected(&sb, 2048, 512);
}
END_TEST

START_TEST(repeated_connected_is_resize)
{
	struct xf_blkfront_info info;

	start(-1, -1, -1);
	sb_connect(&sb, 2048, 512);
	sb_state(&sb, XF_XENBUS_CONNECTED); /* same size: no event */
	sb_run(&sb);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_RESIZED], 0);
	sb_write(&sb, "sectors", "8192");
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_RESIZED], 1);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.sectors, 8192);
	ck_assert_uint_eq(info.resizes, 1);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_CONNECTED], 1);
}
END_TEST

static const struct {
	const char *key, *val;
	bool at_connect; /* published with the disk properties */
	const char *msg;
} bad_values[] = {
	{ "sector-size", "0", true, "sector-size" },
	{ "sector-size", "1000", true, "sector-size" },
	{ "sector-size", "256", true, "sector-size" },
	{ "sector-size", "65536", true, "sector-size" },
	{ "sector-size", "abc", true, "sector-size" },
	{ "physical-sector-size", "768", true, "physical-sector-size" },
	{ "sectors", "-5", true, "sectors" },
	{ "max-ring-page-order", "banana", false, "max-ring-page-order" },
	{ "multi-queue-max-queues", "99999999999999", false,
	  "multi-queue-max-queues" },
	{ "feature-max-indirect-segments", "1e9", false,
	  "feature-max-indirect-segments" },
};

START_TEST(bad_xenstore_values)
{
	struct xf_blkfront_info info;
	struct xf_blkfront_io io;
	char msg[256], buf[512];
	struct xt_done d = { 0, 0 };

	start(-1, -1, -1);
	if (!bad_values[_i].at_connect)
		sb_write(&sb, bad_values[_i].key, bad_values[_i].val);
	sb_initwait(&sb);
	if (bad_values[_i].at_connect) {
		ck_assert_int_eq(sb_map_rings(&sb), 0);
		sb_disk_props(&sb, 2048, 512);
		sb_write(&sb, bad_values[_i].key, bad_values[_i].val);
		sb_state(&sb, XF_XENBUS_CONNECTED);
		sb_run(&sb);
	}
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, msg, sizeof(msg)), -EINVAL);
	ck_assert_msg(strstr(msg, bad_values[_i].msg), "message: %s", msg);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_ERROR], 1);
	ck_assert_int_ne(sb_fe_state(&sb), XF_XENBUS_CONNECTED);

	/* I/O on a device in the error state fails, once. */
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, 512, buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(d.status, -EPROTO);
}
END_TEST

/* Linux blkfront_connect() gathers sectors, info and sector-size: a
 * Connected backend without one of them is refused, naming the key.
 * The missing_info_defaults leniency takes info as 0 and sector-size as
 * 512; a missing sectors is refused either way. Loop index: key (0
 * sectors, 1 info, 2 sector-size) + 3 with the leniency on. */
START_TEST(missing_disk_key_refused)
{
	static const char *const keys[] = { "sectors", "info", "sector-size" };
	const char *key = keys[_i % 3];
	bool lenient = _i >= 3;
	struct xf_blkfront_config cfg;
	struct xf_blkfront_info info;
	char msg[256], want[192];

	xf_blkfront_config_init(&cfg);
	cfg.missing_info_defaults = lenient;
	sb_start(&sb, &cfg);
	sb_initwait(&sb);
	ck_assert_int_eq(sb_map_rings(&sb), 0);
	sb_disk_props(&sb, 2048, 512);
	sb_write(&sb, "info", "4"); /* read-only: a default would differ */
	sb_rm(&sb, key);
	sb_state(&sb, XF_XENBUS_CONNECTED);
	sb_run(&sb);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	if (lenient && _i % 3) {
		ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
		ck_assert_uint_eq(info.sector_size, 512);
		ck_assert_uint_eq(info.vdisk_info, _i % 3 == 1 ? 0 : 4);
		return;
	}
	ck_assert_int_eq(info.state, XF_BLKFRONT_ERROR);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, msg, sizeof(msg)), -EINVAL);
	snprintf(want, sizeof(want), "%s/%s: missing in state Connected",
		 sb.be_path, key);
	ck_assert_msg(strstr(msg, want), "message: %s", msg);
	ck_assert_int_ne(sb_fe_state(&sb), XF_XENBUS_CONNECTED);
}
END_TEST

/* Absurd offers are only upper bounds: clamped to the frontend's. */
START_TEST(absurd_offers_are_clamped)
{
	struct xf_blkfront_info info;

	start(4, -1, -1);
	sb_write(&sb, "max-ring-page-order", "4294967295");
	sb_write(&sb, "multi-queue-max-queues", "4294967295");
	sb_write(&sb, "feature-max-indirect-segments", "4294967295");
	sb_connect(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.nr_queues, 4);
	ck_assert_uint_eq(info.ring_page_order, XF_MAX_RING_PAGE_ORDER);
	ck_assert_uint_eq(info.max_indirect_segments, 256);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
}
END_TEST

START_TEST(untrusted_disables_persistent)
{
	struct xf_blkfront_info info;

	sb_fini(&sb);
	sb_init(&sb, XF_RT_SIM, 1, 0);
	start(-1, -1, -1);
	sb_write(&sb, "feature-persistent", "1");
	sb_initwait(&sb);
	fe_key_eq("feature-persistent", "0");
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert(!info.persistent);
	ck_assert(!info.trusted);
}
END_TEST

START_TEST(abi_x86_32)
{
	struct xf_blkfront_config cfg;
	struct xf_blkfront_info info;

	xf_blkfront_config_init(&cfg);
	cfg.abi = XF_BLKIF_ABI_X86_32;
	sb_start(&sb, &cfg);
	sb_initwait(&sb);
	fe_key_eq("protocol", "x86_32-abi");
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_uint_eq(info.ring_entries,
			  xf_blkif_ring_size(XF_BLKIF_ABI_X86_32, 0));
	ck_assert_int_eq(sb.abi, XF_BLKIF_ABI_X86_32);
}
END_TEST

START_TEST(connect_timeout_fails_held_io)
{
	struct xf_blkfront_config cfg;
	struct xf_blkfront_info info;
	struct xf_blkfront_io io;
	char buf[512];
	struct xt_done d = { 0, 0 };

	xf_blkfront_config_init(&cfg);
	cfg.connect_timeout_ns = 5000000; /* 5 ms of virtual time */
	sb_front(&sb, &cfg);
	xt_blk_io(&io, XF_BLKFRONT_READ, 0, sizeof(buf), buf, &d);
	ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io), 0);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 0); /* held */
	for (int i = 0; i < 10; i++)
		sb_run(&sb);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_int_eq(d.status, -ENODEV);
	ck_assert_uint_eq(sb.events[XF_BLKFRONT_EV_TIMEOUT], 1);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_GONE);
	/* A late backend still connects, and I/O works again. */
	sb_connect(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
	ck_assert_int_eq(sb_submit_served(&sb, &io), 0);
	ck_assert_int_eq(d.calls, 2);
}
END_TEST

START_TEST(io_before_connect_is_held)
{
	struct xf_blkfront_io io[3];
	char buf[3][4096];
	struct xt_done d = { 0, 0 };

	start(-1, -1, -1);
	for (int i = 0; i < 3; i++) {
		memset(buf[i], 'a' + i, 4096);
		xt_blk_io(&io[i], XF_BLKFRONT_WRITE, (uint64_t)i * 4096, 4096,
		       buf[i], &d);
		io[i].queue = (unsigned int)i;
		ck_assert_int_eq(xf_blkfront_submit(sb.bf, &io[i]), 0);
	}
	sb_connect(&sb, 2048, 512);
	sb_run(&sb);
	/* One queue negotiated: every held io moved there. */
	ck_assert_uint_eq(sb_serve_all(&sb), 3);
	sb_run(&sb);
	ck_assert_int_eq(d.calls, 3);
	ck_assert_int_eq(d.status, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sb.disk[i * 4096 + 17], 'a' + i);
}
END_TEST

START_TEST(bad_config_rejected)
{
	struct xf_blkfront_config cfg;

	xf_blkfront_config_init(&cfg);
	sb_expect_refused(&cfg);
	sb_front_config(&sb, &cfg);
	cfg.max_queues = 0;
	sb_expect_refused(&cfg);
	cfg.max_queues = 1;
	cfg.max_ring_page_order = 9;
	sb_expect_refused(&cfg);
	cfg.max_ring_page_order = 0;
	cfg.queue_vcpu[0] = 7; /* only 2 vCPUs */
	sb_expect_refused(&cfg);
}
END_TEST

START_TEST(close_releases_everything)
{
	struct xf_mock_stats st;

	start(4, 2, -1);
	sb_write(&sb, "multi-queue-max-queues", "4");
	sb_write(&sb, "max-ring-page-order", "2");
	sb_connect(&sb, 2048, 512);
	sb_fe_stats(&sb, &st);
	ck_assert_uint_eq(st.gnt_shared_pages, 16);
	sb_close_clean(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_CLOSED);
}
END_TEST

/* A backend that publishes its features but stays in Initialising: after
 * the grace period the frontend talks anyway (blkif.h frontend skip). */
START_TEST(backend_never_initwait_grace)
{
	struct xf_blkfront_info info;

	start(-1, -1, -1);
	sb_write(&sb, "max-ring-page-order", "1");
	for (int i = 0; i < 150; i++)
		sb_run(&sb); /* 150 ms: still waiting */
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISING);
	for (int i = 0; i < 100; i++)
		sb_run(&sb);
	ck_assert_int_eq(sb_fe_state(&sb), XF_XENBUS_INITIALISED);
	fe_key_eq("ring-page-order", "1");
	sb_connected(&sb, 2048, 512);
	ck_assert_int_eq(xf_blkfront_get_info(sb.bf, &info), 0);
	ck_assert_int_eq(info.state, XF_BLKFRONT_CONNECTED);
}
END_TEST

/* The frontend may not write its directory yet (the toolstack has not
 * finished the permissions): no error state, retried until it works. */
START_TEST(store_refusal_is_retried)
{
	struct xf_xs_perm ro[2] = {
		{ .domid = SB_BE_DOMID, .perm = XF_XS_PERM_NONE },
		{ .domid = SB_FE_DOMID, .perm = XF_XS_PERM_READ },
	};
	struct xf_xs_perm rw[2] = {
		{ .domid = SB_FE_DOMID, .perm = XF_XS_PERM_NONE },
		{ .domid = SB_BE_DOMID, .perm = XF_XS_PERM_READ },
	};

	ck_assert_int_eq(sb.dom0->store->set_perms(sb.xs, XF_TXN_NONE,
						   sb.fe_path, ro, 2), 0);
	start(-1, -1, -1);
	sb_state(&sb, XF_XENBUS_INITWAIT);
	for (int i = 0; i < 30; i++)
		sb_run(&sb);
	ck_assert_int_ne(sb_fe_state(&sb), XF_XENBUS_INITIALISED);
	ck_assert_int_eq(xf_blkfront_error(sb.bf, NULL, 0), 0);
	ck_assert_int_eq(sb.dom0->store->set_perms(sb.xs, XF_TXN_NONE,
						   sb.fe_path, rw, 2), 0);
	for (int i = 0; i < 30; i++)
		sb_run(&sb);
	sb_connected(&sb, 2048, 512);
	sb_close_front(&sb);
	sb_assert_released(&sb);
}
END_TEST

XT_SUITE("blkfront-handshake")
{
	TCase *tc = xt_tcase_fixture("handshake", setup, teardown, 30);

	tcase_add_test(tc, normal_path_defaults);
	tcase_add_test(tc, multi_queue_multi_page);
	tcase_add_test(tc, frontend_limits_win);
	tcase_add_test(tc, legacy_max_ring_pages);
	tcase_add_test(tc, skip_to_connected);
	tcase_add_test(tc, skip_initwait_initialised);
	tcase_add_test(tc, backend_never_initwait_grace);
	tcase_add_test(tc, repeated_connected_is_resize);
	tcase_add_loop_test(tc, bad_xenstore_values, 0,
			    (int)(sizeof(bad_values) / sizeof(bad_values[0])));
	tcase_add_loop_test(tc, missing_disk_key_refused, 0, 6);
	tcase_add_test(tc, absurd_offers_are_clamped);
	tcase_add_test(tc, untrusted_disables_persistent);
	tcase_add_test(tc, abi_x86_32);
	tcase_add_test(tc, connect_timeout_fails_held_io);
	tcase_add_test(tc, io_before_connect_is_held);
	tcase_add_test(tc, bad_config_rejected);
	tcase_add_test(tc, close_releases_everything);
	tcase_add_test(tc, store_refusal_is_retried);
}
