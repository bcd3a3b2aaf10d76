/* SPDX-License-Identifier: MIT */
/* The disk model on its own: the volatile cache, what a flush covers,
 * the cache modes, every power-loss choice, the durability log, cache
 * pressure and the file-backed image. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xfront/blkif.h>
#include <xfront/blkdisk.h>

#include "xt.h"

#define SZ (1u << 20)

static struct xf_blkdisk *mk(enum xf_blkdisk_cache_mode m)
{
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;

	xf_blkdisk_config_init(&c);
	c.size_bytes = SZ;
	c.cache_mode = m;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	return d;
}

/* Writes 8 sectors of byte v at sector s. */
static int64_t wr(struct xf_blkdisk *d, uint64_t s, uint8_t v,
		  unsigned int flags, uint64_t t)
{
	uint8_t b[4096];

	memset(b, v, sizeof(b));
	return xf_blkdisk_write(d, s, b, sizeof(b), flags, t);
}

/* The durable byte at sector s (0 when never written). */
static uint8_t dur(struct xf_blkdisk *d, uint64_t s)
{
	uint8_t b[512];

	ck_assert_int_eq(xf_blkdisk_read_durable(d, s, b, 512), 0);
	return b[0];
}

static uint8_t cur(struct xf_blkdisk *d, uint64_t s)
{
	uint8_t b[512];

	ck_assert_int_eq(xf_blkdisk_read(d, s, b, 512), 0);
	return b[0];
}

static int64_t flush(struct xf_blkdisk *d, uint8_t kind, uint64_t t0,
		     uint64_t t1)
{
	int64_t f = xf_blkdisk_flush_begin(d, kind, t0);

	ck_assert_int_gt(f, 0);
	ck_assert_int_eq(xf_blkdisk_flush_end(d, f, t1), 0);
	return f;
}

START_TEST(flush_covers_exactly_completed_before_submit)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
	int64_t a, b, f;

	a = wr(d, 0, 0xa1, 0, 10);
	ck_assert_int_eq(a, 1);
	f = xf_blkdisk_flush_begin(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 20);
	b = wr(d, 8, 0xb2, 0, 30); /* completes while the flush runs */
	ck_assert_int_eq(b, 2);
	ck_assert_int_eq(xf_blkdisk_flush_end(d, f, 40), 0);
	ck_assert_uint_eq(dur(d, 0), 0xa1);
	ck_assert_uint_eq(dur(d, 8), 0);
	ck_assert_uint_eq(cur(d, 8), 0xb2);
	/* The log says the same. */
	{
		struct xf_blkdisk_log_entry *e;
		size_t n;
		uint64_t dropped;

		ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, &dropped), 0);
		ck_assert_uint_eq(n, 3);
		ck_assert_uint_eq(dropped, 0);
		ck_assert_int_eq(e[0].kind, XF_BLKDISK_LOG_WRITE);
		ck_assert_uint_eq(e[0].id, 1);
		ck_assert_uint_eq(e[0].sector, 0);
		ck_assert_uint_eq(e[0].nr_sectors, 8);
		ck_assert_uint_eq(e[0].complete_ns, 10);
		ck_assert_int_eq(e[0].fate, XF_BLKDISK_FATE_DURABLE);
		ck_assert_int_eq(e[1].kind, XF_BLKDISK_LOG_WRITE);
		ck_assert_int_eq(e[1].fate, XF_BLKDISK_FATE_CACHED);
		ck_assert_int_eq(e[2].kind, XF_BLKDISK_LOG_FLUSH);
		ck_assert_uint_eq(e[2].submit_ns, 20);
		ck_assert_uint_eq(e[2].complete_ns, 40);
		ck_assert_uint_eq(e[2].covers_upto, 1);
		ck_assert(e[2].durable);
		free(e);
	}
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(power_loss_after_flush_keeps_flushed)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
	struct xf_blkdisk_stats st;

	wr(d, 0, 1, 0, 1);
	wr(d, 8, 2, 0, 2);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 3, 4);
	wr(d, 16, 3, 0, 5);
	wr(d, 0, 4, 0, 6); /* overwrite of flushed data, not flushed */
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.dirty_writes, 2);
	ck_assert_uint_eq(st.dirty_bytes, 8192);
	ck_assert_int_eq(xf_blkdisk_power_loss(d, XF_BLKDISK_LOSS_NONE, 1, 7),
			 0);
	ck_assert_uint_eq(cur(d, 0), 1);
	ck_assert_uint_eq(cur(d, 8), 2);
	ck_assert_uint_eq(cur(d, 16), 0);
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.lost_writes, 2);
	ck_assert_uint_eq(st.dirty_bytes, 0);
	ck_assert_uint_eq(xf_blkdisk_generation(d), 1);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(ignore_flush_loses_everything)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_IGNORE_FLUSH);
	struct xf_blkdisk_log_entry *e;
	size_t n;

	wr(d, 0, 1, 0, 1);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 2, 3);
	flush(d, XF_BLKIF_OP_WRITE_BARRIER, 4, 5);
	ck_assert_uint_eq(dur(d, 0), 0);
	ck_assert_int_eq(xf_blkdisk_power_loss(d, XF_BLKDISK_LOSS_NONE, 1, 6),
			 0);
	ck_assert_uint_eq(cur(d, 0), 0);
	ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, NULL), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert(!e[1].durable);
	ck_assert_int_eq(e[0].fate, XF_BLKDISK_FATE_LOST);
	ck_assert_uint_eq(e[0].power_loss_id, 1);
	ck_assert_int_eq(e[3].kind, XF_BLKDISK_LOG_POWER_LOSS);
	free(e);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(ignore_fua_honours_flush_not_barrier)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_IGNORE_FUA);

	wr(d, 0, 1, 0, 1);
	flush(d, XF_BLKIF_OP_WRITE_BARRIER, 2, 3);
	ck_assert_uint_eq(dur(d, 0), 0);
	wr(d, 8, 2, XF_BLKDISK_W_FUA, 4);
	ck_assert_uint_eq(dur(d, 8), 0);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 5, 6);
	ck_assert_uint_eq(dur(d, 0), 1);
	ck_assert_uint_eq(dur(d, 8), 2);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(write_through_and_fua)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_WRITE_THROUGH);

	wr(d, 0, 1, 0, 1);
	ck_assert_uint_eq(dur(d, 0), 1);
	xf_blkdisk_free(d);

	d = mk(XF_BLKDISK_CACHE_HONOUR);
	wr(d, 0, 1, 0, 1);            /* cached */
	wr(d, 0, 2, XF_BLKDISK_W_FUA, 2); /* durable, newer */
	ck_assert_uint_eq(dur(d, 0), 2);
	/* A later flush must not put the older cached data back. */
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 3, 4);
	ck_assert_uint_eq(dur(d, 0), 2);
	ck_assert_uint_eq(cur(d, 0), 2);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(eopnotsupp_mode_refuses_flush)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_EOPNOTSUPP);

	ck_assert_int_eq(xf_blkdisk_flush_begin(d, XF_BLKIF_OP_FLUSH_DISKCACHE,
						1), -EOPNOTSUPP);
	ck_assert_int_eq(xf_blkdisk_flush_end(d, 1, 2), -ENOENT);
	xf_blkdisk_free(d);
}
END_TEST

/* Ten non-overlapping cached writes; LOSS_ALL keeps all, NONE none. */
START_TEST(loss_all_and_none)
{
	for (int all = 0; all < 2; all++) {
		struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);

		for (unsigned int i = 0; i < 10; i++)
			wr(d, i * 8, (uint8_t)(i + 1), 0, i);
		ck_assert_int_eq(xf_blkdisk_power_loss(
					 d, all ? XF_BLKDISK_LOSS_ALL
						: XF_BLKDISK_LOSS_NONE,
					 5, 100),
				 0);
		for (unsigned int i = 0; i < 10; i++)
			ck_assert_uint_eq(dur(d, i * 8),
					  all ? (uint8_t)(i + 1) : 0);
		xf_blkdisk_free(d);
	}
}
END_TEST

/* Subset: what the log calls survived is on the disk, what it calls lost
 * is not; the same seed gives the same outcome; seeds differ. */
static uint64_t subset_run(uint64_t seed, unsigned int *kept)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
	struct xf_blkdisk_log_entry *e;
	uint64_t mask = 0;
	size_t n;

	for (unsigned int i = 0; i < 40; i++)
		wr(d, i * 8, (uint8_t)(i + 1), 0, i);
	ck_assert_int_eq(xf_blkdisk_power_loss(d, XF_BLKDISK_LOSS_SUBSET,
					       seed, 100), 0);
	ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, NULL), 0);
	*kept = 0;
	for (unsigned int i = 0; i < 40; i++) {
		bool on = dur(d, i * 8) == (uint8_t)(i + 1);

		ck_assert_int_eq(e[i].kind, XF_BLKDISK_LOG_WRITE);
		if (e[i].fate == XF_BLKDISK_FATE_SURVIVED) {
			ck_assert(on);
			mask |= 1ull << i;
			(*kept)++;
		} else {
			ck_assert_int_eq(e[i].fate, XF_BLKDISK_FATE_LOST);
			ck_assert(!on);
			ck_assert_uint_eq(dur(d, i * 8), 0);
		}
	}
	free(e);
	xf_blkdisk_free(d);
	return mask;
}

START_TEST(loss_subset_seeded)
{
	unsigned int k1, k2, k3;
	uint64_t m1 = subset_run(11, &k1), m2 = subset_run(11, &k2),
		 m3 = subset_run(12, &k3);

	ck_assert_uint_eq(m1, m2);
	ck_assert_uint_ne(m1, m3);
	ck_assert_uint_gt(k1, 5);
	ck_assert_uint_lt(k1, 35);
}
END_TEST

/* Reorder: three writes to one place; some seed makes an older write
 * win, and the log marks the hidden newer one superseded. */
START_TEST(loss_reorder_can_resurrect_old_data)
{
	bool older_won = false;

	for (uint64_t seed = 1; seed < 64 && !older_won; seed++) {
		struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
		struct xf_blkdisk_log_entry *e;
		size_t n;
		uint8_t v;

		wr(d, 0, 1, 0, 1);
		wr(d, 0, 2, 0, 2);
		wr(d, 0, 3, 0, 3);
		ck_assert_int_eq(xf_blkdisk_power_loss(
					 d, XF_BLKDISK_LOSS_REORDER, seed, 9),
				 0);
		v = dur(d, 0);
		ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, NULL), 0);
		if (v != 0 && e[v - 1].fate != XF_BLKDISK_FATE_SURVIVED)
			ck_abort_msg("value %u on disk but its write is %d", v,
				     e[v - 1].fate);
		for (unsigned int i = v; i < 3; i++) {
			if (e[i].fate == XF_BLKDISK_FATE_SUPERSEDED) {
				older_won = true;
				ck_assert_uint_lt(v, i + 1);
			}
		}
		free(e);
		xf_blkdisk_free(d);
	}
	ck_assert(older_won);
}
END_TEST

/* Torn: a 32-sector write survives sector by sector. */
START_TEST(loss_torn_per_sector)
{
	bool torn = false;

	for (uint64_t seed = 1; seed < 16 && !torn; seed++) {
		struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
		struct xf_blkdisk_log_entry *e;
		uint8_t b[16384];
		unsigned int kept = 0;
		size_t n;

		memset(b, 7, sizeof(b));
		ck_assert_int_eq(xf_blkdisk_write(d, 0, b, sizeof(b), 0, 1), 1);
		ck_assert_int_eq(xf_blkdisk_power_loss(d, XF_BLKDISK_LOSS_TORN,
						       seed, 2), 0);
		for (unsigned int s = 0; s < 32; s++) {
			uint8_t v = dur(d, s);

			ck_assert(v == 0 || v == 7);
			kept += v == 7;
		}
		ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, NULL), 0);
		if (kept > 0 && kept < 32) {
			ck_assert_int_eq(e[0].fate, XF_BLKDISK_FATE_TORN);
			torn = true;
		} else {
			ck_assert_int_eq(e[0].fate,
					 kept ? XF_BLKDISK_FATE_SURVIVED
					      : XF_BLKDISK_FATE_LOST);
		}
		free(e);
		xf_blkdisk_free(d);
	}
	ck_assert(torn);
}
END_TEST

START_TEST(cache_pressure_destages_oldest)
{
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;
	struct xf_blkdisk_stats st;

	xf_blkdisk_config_init(&c);
	c.size_bytes = SZ;
	c.cache_limit_bytes = 8192;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	wr(d, 0, 1, 0, 1);
	wr(d, 8, 2, 0, 2);
	ck_assert_uint_eq(dur(d, 0), 0);
	wr(d, 16, 3, 0, 3);
	ck_assert_uint_eq(dur(d, 0), 1);
	ck_assert_uint_eq(dur(d, 8), 0);
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.destaged_writes, 1);
	ck_assert_uint_eq(st.dirty_bytes, 8192);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(log_limit_drops_oldest)
{
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;
	struct xf_blkdisk_log_entry *e;
	uint64_t dropped;
	size_t n;

	xf_blkdisk_config_init(&c);
	c.size_bytes = SZ;
	c.log_limit = 8;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	for (unsigned int i = 0; i < 20; i++)
		wr(d, i * 8, 1, 0, i);
	ck_assert_int_eq(xf_blkdisk_log(d, &e, &n, &dropped), 0);
	ck_assert_uint_le(n, 8);
	ck_assert_uint_eq(n + dropped, 20);
	ck_assert_uint_eq(e[n - 1].id, 20);
	free(e);
	/* Fates of dropped entries are simply not recorded. */
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 30, 31);
	xf_blkdisk_free(d);
}
END_TEST

START_TEST(file_backed_image)
{
	char path[] = "xf-blkdisk-XXXXXX";
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	xf_blkdisk_config_init(&c);
	c.size_bytes = SZ;
	c.path = path;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	wr(d, 8, 5, 0, 1);
	ck_assert_uint_eq(cur(d, 8), 5);
	ck_assert_uint_eq(dur(d, 8), 0);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 2, 3);
	wr(d, 16, 6, 0, 4);
	xf_blkdisk_free(d);
	/* Reopen: the durable image is the file. */
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	ck_assert_uint_eq(cur(d, 8), 5);
	ck_assert_uint_eq(cur(d, 16), 0);
	xf_blkdisk_free(d);
	unlink(path);
}
END_TEST

START_TEST(bad_configs_and_ranges)
{
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;
	uint8_t b[512];

	xf_blkdisk_config_init(&c);
	c.sector_size = 1000;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), -EINVAL);
	xf_blkdisk_config_init(&c);
	c.size_bytes = 4096 + 512;
	c.sector_size = 4096;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), -EINVAL);
	d = mk(XF_BLKDISK_CACHE_HONOUR);
	ck_assert_int_eq(xf_blkdisk_read(d, SZ / 512, b, 512), -ERANGE);
	ck_assert_int_eq(xf_blkdisk_read(d, UINT64_MAX, b, 512), -ERANGE);
	ck_assert_int_eq(xf_blkdisk_write(d, SZ / 512 - 0, b, 512, 0, 0),
			 -ERANGE);
	ck_assert_int_eq(xf_blkdisk_resize(d, 2 * SZ), 0);
	ck_assert_int_eq(xf_blkdisk_write(d, SZ / 512, b, 512, 0, 0), 1);
	xf_blkdisk_free(d);
}
END_TEST

/* A whole-disk discard on a 64 GiB sparse disk costs no memory: the
 * zeroes are not materialised (this would run out of memory otherwise),
 * and tearing it at a power loss stays bounded. */
START_TEST(huge_discard_is_sparse)
{
	struct xf_blkdisk_config c;
	struct xf_blkdisk *d;
	uint64_t sectors = (64ull << 30) >> 9;

	xf_blkdisk_config_init(&c);
	c.size_bytes = 64ull << 30;
	c.cache_limit_bytes = 0;
	ck_assert_int_eq(xf_blkdisk_new(&c, &d), 0);
	wr(d, 0, 9, XF_BLKDISK_W_FUA, 1);
	wr(d, sectors - 8, 9, 0, 2);
	ck_assert_int_eq(xf_blkdisk_write(d, 0, NULL, c.size_bytes,
					  XF_BLKDISK_W_DISCARD, 3), 3);
	ck_assert_uint_eq(cur(d, 0), 0);
	ck_assert_uint_eq(cur(d, sectors - 8), 0);
	ck_assert_uint_eq(dur(d, 0), 9);
	wr(d, 8, 4, 0, 4); /* a write into a discarded chunk */
	ck_assert_uint_eq(cur(d, 8), 4);
	ck_assert_uint_eq(cur(d, 16), 0);
	ck_assert_int_eq(xf_blkdisk_power_loss(d, XF_BLKDISK_LOSS_TORN, 3, 5),
			 0);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 6, 7);
	ck_assert_int_eq(xf_blkdisk_write(d, 0, NULL, c.size_bytes,
					  XF_BLKDISK_W_DISCARD, 8), 5);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 9, 10);
	ck_assert_uint_eq(dur(d, 0), 0);
	xf_blkdisk_free(d);
}
END_TEST

/* Overlay memory follows the dirty data: gone once flushed, kept while
 * a chunk still holds cached data; FUA and write-through create none. */
START_TEST(overlay_memory_follows_dirty_data)
{
	struct xf_blkdisk *d = mk(XF_BLKDISK_CACHE_HONOUR);
	struct xf_blkdisk_stats st;

	for (unsigned int i = 0; i < 10; i++)
		wr(d, (uint64_t)i * 128, 1, 0, i); /* 10 chunks of 64 KiB */
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.overlay_mem_bytes, 10 * 65536);
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 20, 21);
	wr(d, 8, 2, 0, 22); /* chunk 0 dirty again */
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.overlay_mem_bytes, 65536);
	ck_assert_uint_eq(st.image_mem_bytes, 10 * 65536);
	ck_assert_uint_eq(cur(d, 0), 1);
	ck_assert_uint_eq(cur(d, 8), 2);
	ck_assert_uint_eq(cur(d, 128), 1);
	/* A FUA write into a clean chunk creates no overlay... */
	wr(d, 256, 3, XF_BLKDISK_W_FUA, 23);
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.overlay_mem_bytes, 65536);
	ck_assert_uint_eq(cur(d, 256), 3);
	/* ...and into a dirty one keeps that chunk current. */
	wr(d, 16, 4, XF_BLKDISK_W_FUA, 24);
	ck_assert_uint_eq(cur(d, 16), 4);
	ck_assert_uint_eq(dur(d, 16), 4);
	ck_assert_uint_eq(cur(d, 8), 2);
	ck_assert_uint_eq(dur(d, 8), 0); /* still only cached */
	flush(d, XF_BLKIF_OP_FLUSH_DISKCACHE, 25, 26);
	xf_blkdisk_stats(d, &st);
	ck_assert_uint_eq(st.overlay_mem_bytes, 0);
	ck_assert_uint_eq(cur(d, 8), 2);
	xf_blkdisk_free(d);
}
END_TEST

XT_SUITE("blkback-disk")
{
	TCase *t = xt_tcase("disk");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, flush_covers_exactly_completed_before_submit);
	tcase_add_test(t, power_loss_after_flush_keeps_flushed);
	tcase_add_test(t, ignore_flush_loses_everything);
	tcase_add_test(t, ignore_fua_honours_flush_not_barrier);
	tcase_add_test(t, write_through_and_fua);
	tcase_add_test(t, eopnotsupp_mode_refuses_flush);
	tcase_add_test(t, loss_all_and_none);
	tcase_add_test(t, loss_subset_seeded);
	tcase_add_test(t, loss_reorder_can_resurrect_old_data);
	tcase_add_test(t, loss_torn_per_sector);
	tcase_add_test(t, cache_pressure_destages_oldest);
	tcase_add_test(t, log_limit_drops_oldest);
	tcase_add_test(t, file_backed_image);
	tcase_add_test(t, bad_configs_and_ranges);
	tcase_add_test(t, huge_discard_is_sparse);
	tcase_add_test(t, overlay_memory_follows_dirty_data);
}
