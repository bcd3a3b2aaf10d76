/* SPDX-License-Identifier: MIT */
/* Mock grant tables: share/map aliasing, all-or-nothing multi-map,
 * revoke while mapped, unmap notify, copy, memory given back. */
#include <stdint.h>
#include <stdio.h>

#include "mock-fixture.h"
#include "xt.h"

#define PS XF_PAGE_SIZE

static void setup(void)
{
	fx_setup();
}

static void teardown(void)
{
	fx_teardown();
}

START_TEST(share_gives_zeroed_pages_unique_refs)
{
	xf_gref refs[4], more[2];
	uint8_t *a, *b;
	unsigned int i, j;

	ck_assert_int_eq(d1->gnt->share(d1, 2, 4, true, refs, (void **)&a), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 2, 2, true, more, (void **)&b), 0);
	for (i = 0; i < 4 * PS; i++)
		ck_assert_uint_eq(a[i], 0);
	for (i = 0; i < 4; i++) {
		for (j = i + 1; j < 4; j++)
			ck_assert_uint_ne(refs[i], refs[j]);
		for (j = 0; j < 2; j++)
			ck_assert_uint_ne(refs[i], more[j]);
	}
	ck_assert_uint_eq(((uintptr_t)a) % PS, 0);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 6);
	memset(a, 0xab, 4 * PS);
	ck_assert_int_eq(d1->gnt->unshare(d1, a, 4), 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, a, 4), -EINVAL);
	ck_assert_int_eq(d1->gnt->share(d1, 2, 4, true, refs, (void **)&a), 0);
	/* Reused memory comes back zeroed. */
	for (i = 0; i < 4 * PS; i++)
		ck_assert_uint_eq(a[i], 0);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 6);
}
END_TEST

START_TEST(map_aliases_granted_memory)
{
	xf_gref refs[3], rev[3];
	uint8_t *fe, *be;
	unsigned int i;

	ck_assert_int_eq(d1->gnt->share(d1, 0, 3, true, refs, (void **)&fe),
			 0);
	/* Map in a different order: the mapping must be contiguous and
	 * follow the ref order, not the granter's layout. */
	rev[0] = refs[2];
	rev[1] = refs[0];
	rev[2] = refs[1];
	ck_assert_int_eq(d0->gnt->map(d0, 1, 3, rev, true, (void **)&be), 0);
	for (i = 0; i < 3; i++)
		fe[i * PS + 7] = (uint8_t)(0x10 + i);
	ck_assert_uint_eq(be[0 * PS + 7], 0x12);
	ck_assert_uint_eq(be[1 * PS + 7], 0x10);
	ck_assert_uint_eq(be[2 * PS + 7], 0x11);
	be[PS + 100] = 0x5a;
	ck_assert_uint_eq(fe[100], 0x5a);
	ck_assert_uint_eq(stats_of(0).gnt_mapped_pages, 3);
	ck_assert_uint_eq(stats_of(0).gnt_maps, 3);
	ck_assert_int_eq(d0->gnt->unmap(d0, be, 3), 0);
	ck_assert_uint_eq(stats_of(0).gnt_mapped_pages, 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 3), 0);
}
END_TEST

START_TEST(multimap_all_or_nothing)
{
	xf_gref refs[3], bad[3], ro;
	struct xf_mock_stats before, after;
	uint8_t *fe, *rop;
	void *be = NULL;

	ck_assert_int_eq(d1->gnt->share(d1, 0, 3, true, refs, (void **)&fe),
			 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 1, false, &ro, (void **)&rop),
			 0);
	xf_mock_stats(hv, ~0u, &before);
	memcpy(bad, refs, sizeof(bad));
	bad[2] = 0xdead;
	ck_assert_int_eq(d0->gnt->map(d0, 1, 3, bad, true, &be), -ENOENT);
	ck_assert_ptr_null(be);
	/* A read-only grant cannot be mapped writable. */
	bad[2] = ro;
	ck_assert_int_eq(d0->gnt->map(d0, 1, 3, bad, true, &be), -EPERM);
	/* Grants for dom0 are not mappable by dom2. */
	ck_assert_int_eq(d2->gnt->map(d2, 1, 3, refs, true, &be), -EPERM);
	ck_assert_int_eq(d0->gnt->map(d0, 9, 3, refs, true, &be), -ESRCH);
	xf_mock_stats(hv, ~0u, &after);
	ck_assert_uint_eq(after.gnt_maps, before.gnt_maps);
	ck_assert_uint_eq(after.gnt_mapped_pages, before.gnt_mapped_pages);
	/* Nothing stays mapped: every page can be revoked. */
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 3), 0);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &ro, false, &be), 0);
	ck_assert_int_eq(d0->gnt->unmap(d0, be, 1), 0);
}
END_TEST

START_TEST(xsa396_revoke_while_mapped)
{
	xf_gref ref;
	uint8_t *fe, *be;

	share_map(d1, d0, 1, &ref, &fe, &be);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 1), -EBUSY);
	ck_assert_uint_eq(stats_of(1).gnt_revoke_busy, 1);
	/* The page stays valid and shared on both sides. */
	be[5] = 42;
	ck_assert_uint_eq(fe[5], 42);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 1);
	ck_assert_int_eq(d0->gnt->unmap(d0, be, 1), 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 1), 0);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 0);
	ck_assert_uint_eq(stats_of(1).gnt_revoke_busy, 1);
	/* The revoked gref is gone. */
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &ref, true, (void **)&be),
			 -ENOENT);
}
END_TEST

/* dom1 grants a page to mapper m, which maps it (fe, be), and an event
 * channel from dom1 (h1, p1, unbound) to m (hm, pm). */
struct notify_rig {
	struct xf_evtch *h1, *hm;
	xf_port p1, pm;
	xf_gref ref;
	uint8_t *fe, *be;
};

static struct notify_rig notify_rig(struct xf_platform *m)
{
	struct notify_rig r;

	evtchn_link(d1, &r.h1, &r.p1, m, &r.hm, &r.pm);
	share_map(d1, m, 1, &r.ref, &r.fe, &r.be);
	return r;
}

static void notify_rig_close(struct notify_rig *r, struct xf_platform *m)
{
	m->evtchn->close(r->hm);
	d1->evtchn->close(r->h1);
}

START_TEST(unmap_notify_clears_byte_and_signals_port)
{
	struct notify_rig r = notify_rig(d0);

	while (d0->evtchn->pending(r.hm) >= 0)
		;
	r.be[10] = 1;
	ck_assert_int_eq(d0->gnt->set_unmap_notify(d0, r.be, 10, r.pm), 0);
	ck_assert_int_eq(d0->gnt->set_unmap_notify(d0, r.be, PS, r.pm),
			 -EINVAL);
	ck_assert_int_eq(d0->gnt->set_unmap_notify(d0, r.fe, 0, r.pm),
			 -EINVAL);
	ck_assert_int_eq(d1->evtchn->pending(r.h1), -EAGAIN);
	ck_assert_uint_eq(r.fe[10], 1);
	ck_assert_int_eq(d0->gnt->unmap(d0, r.be, 1), 0);
	ck_assert_uint_eq(r.fe[10], 0);
	ck_assert_int_eq(d1->evtchn->pending(r.h1), (int)r.p1);
	notify_rig_close(&r, d0);
	ck_assert_int_eq(d1->gnt->unshare(d1, r.fe, 1), 0);
}
END_TEST

START_TEST(unmap_notify_on_mapper_death)
{
	struct notify_rig r = notify_rig(d2);

	r.fe[0] = 0xff;
	ck_assert_int_eq(d2->gnt->set_unmap_notify(d2, r.be, 0, r.pm), 0);
	xf_mock_domain_destroy(d2);
	ck_assert_uint_eq(r.fe[0], 0);
	ck_assert_int_eq(d1->evtchn->pending(r.h1), (int)r.p1);
	/* The mapping is released, so revoke works now. */
	ck_assert_int_eq(d1->gnt->unshare(d1, r.fe, 1), 0);
	ck_assert_uint_eq(stats_of(1).gnt_leaked, 0);
	/* The dead mapper's code can still clean up. */
	ck_assert_int_eq(d2->gnt->unmap(d2, r.be, 1), 0);
	notify_rig_close(&r, d2);
}
END_TEST

START_TEST(copy_segment_status)
{
	xf_gref rw, ro;
	uint8_t *prw, *pro, buf[64];
	struct xf_gnt_copy_seg s[6];

	ck_assert_int_eq(d1->gnt->share(d1, 0, 1, true, &rw, (void **)&prw),
			 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 1, false, &ro, (void **)&pro),
			 0);
	memset(buf, 0x77, sizeof(buf));
	pro[PS - 1] = 0x33;
	memset(s, 0, sizeof(s));
	s[0] = (struct xf_gnt_copy_seg){ .to_grant = true, .domid = 1,
		.gref = rw, .offset = 100, .local = buf, .len = 64 };
	s[1] = (struct xf_gnt_copy_seg){ .to_grant = false, .domid = 1,
		.gref = ro, .offset = PS - 1, .local = buf, .len = 1 };
	s[2] = (struct xf_gnt_copy_seg){ .to_grant = true, .domid = 1,
		.gref = ro, .offset = 0, .local = buf, .len = 1 };
	s[3] = (struct xf_gnt_copy_seg){ .to_grant = false, .domid = 1,
		.gref = rw, .offset = PS - 10, .local = buf, .len = 11 };
	s[4] = (struct xf_gnt_copy_seg){ .to_grant = false, .domid = 1,
		.gref = 0xbeef, .offset = 0, .local = buf, .len = 1 };
	s[5] = (struct xf_gnt_copy_seg){ .to_grant = false, .domid = 1,
		.gref = rw, .offset = 0, .local = buf, .len = 1 };
	ck_assert_int_eq(d0->gnt->copy(d0, s, 5), 0);
	ck_assert_int_eq(s[0].status, 0);
	ck_assert_uint_eq(prw[100], 0x77);
	ck_assert_uint_eq(prw[163], 0x77);
	ck_assert_uint_eq(prw[164], 0);
	ck_assert_int_eq(s[1].status, 0);
	ck_assert_uint_eq(buf[0], 0x33);
	ck_assert_int_eq(s[2].status, -EPERM);
	ck_assert_uint_eq(pro[0], 0);
	ck_assert_int_eq(s[3].status, -EINVAL);
	ck_assert_int_eq(s[4].status, -ENOENT);
	/* Granted to dom0, not dom2. */
	ck_assert_int_eq(d2->gnt->copy(d2, &s[5], 1), 0);
	ck_assert_int_eq(s[5].status, -EPERM);
	ck_assert_uint_eq(stats_of(0).gnt_copies, 2);
	ck_assert_uint_eq(stats_of(0).gnt_copy_bytes, 65);
}
END_TEST

START_TEST(granter_death_counts_leak)
{
	xf_gref refs[2];
	uint8_t *fe, *be;

	ck_assert_int_eq(d1->gnt->share(d1, 0, 2, true, refs, (void **)&fe),
			 0);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, refs, true, (void **)&be), 0);
	be[1] = 9;
	xf_mock_domain_destroy(d1);
	ck_assert_uint_eq(stats_of(1).gnt_leaked, 1);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 0);
	/* The peer's mapping stays valid memory. */
	ck_assert_uint_eq(be[1], 9);
	ck_assert_int_eq(d0->gnt->unmap(d0, be, 1), 0);
	/* Grants of a dead domain cannot be mapped. */
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &refs[1], true,
				      (void **)&be), -ESRCH);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 2), -ESRCH);
}
END_TEST

START_TEST(same_grant_mapped_twice)
{
	xf_gref ref;
	uint8_t *fe, *b1, *b2;

	share_map(d1, d0, 1, &ref, &fe, &b1);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &ref, false, (void **)&b2),
			 0);
	ck_assert_ptr_ne(b1, b2);
	b1[3] = 7;
	ck_assert_uint_eq(b2[3], 7);
	ck_assert_uint_eq(fe[3], 7);
	ck_assert_int_eq(d0->gnt->unmap(d0, b1, 1), 0);
	/* The other mapping still holds the page. */
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 1), -EBUSY);
	fe[4] = 8;
	ck_assert_uint_eq(b2[4], 8);
	ck_assert_int_eq(d0->gnt->unmap(d0, b2, 1), 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 1), 0);
}
END_TEST

START_TEST(reuse_keeps_multipage_contiguous)
{
	xf_gref one[64], refs[5];
	uint8_t *p[64], *fe, *be;
	unsigned int i;

	/* Leave the grant memory fragmented: every other page free. */
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(d1->gnt->share(d1, 0, 1, true, &one[i],
						(void **)&p[i]), 0);
	for (i = 0; i < 64; i += 2)
		ck_assert_int_eq(d1->gnt->unshare(d1, p[i], 1), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 5, true, refs, (void **)&fe),
			 0);
	for (i = 0; i < 5 * PS; i++)
		ck_assert_uint_eq(fe[i], 0);
	for (i = 0; i < 5; i++)
		fe[i * PS + 1] = (uint8_t)(0x40 + i);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 5, refs, true, (void **)&be), 0);
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(be[i * PS + 1], 0x40 + i);
	/* The odd single pages were not disturbed. */
	for (i = 1; i < 64; i += 2) {
		p[i][0] = (uint8_t)i;
		ck_assert_uint_eq(p[i][0], i);
	}
	ck_assert_int_eq(d0->gnt->unmap(d0, be, 5), 0);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, 5), 0);
	for (i = 1; i < 64; i += 2)
		ck_assert_int_eq(d1->gnt->unshare(d1, p[i], 1), 0);
	ck_assert_uint_eq(stats_of(1).gnt_shared_pages, 0);
}
END_TEST

static uint64_t mem_of(uint32_t domid)
{
	return stats_of(domid).gnt_mem_pages;
}

/* Memory of live grants: what the kernel holds minus the reuse cache. */
static uint64_t live_mem_of(uint32_t domid)
{
	struct xf_mock_stats st = stats_of(domid);

	ck_assert_uint_le(st.gnt_cached_pages, st.gnt_mem_pages);
	return st.gnt_mem_pages - st.gnt_cached_pages;
}

/*
 * The memory tests count pages the kernel holds for a domain's grants
 * (the memfd's st_blocks). Where shmem gets transparent huge pages
 * regardless of MADV_NOHUGEPAGE (shmem_enabled "force"), a first touch
 * allocates a whole huge page and a partly freed one is split, so a
 * count taken over part of a huge page depends on the host. The tests
 * therefore share, map and free in whole, aligned huge-page units
 * (slots are handed out lowest first from offset 0, and every shared
 * page is written): each unit then costs exactly its pages however the
 * kernel backs it, and every count below is exact on every host.
 */
static unsigned int unit_pages(void)
{
	static unsigned int u;
	unsigned long long bytes = 0;
	FILE *f;

	if (u)
		return u;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (fscanf(f, "%llu", &bytes) != 1)
			bytes = 0;
		fclose(f);
	}
	if (bytes < PS || bytes % PS)
		bytes = 2u << 20; /* x86-64's PMD size */
	u = (unsigned int)(bytes / PS);
	return u;
}

/* Share, write, map, write through the mapping, unmap, unshare, while a
 * long-lived grant stays: after every cycle the granter's memory is
 * back at its baseline. _i = 0: no reuse cache, the kernel's count
 * itself returns; _i = 1: default cache, live memory returns and what
 * stays beyond it is the bounded cache. */
START_TEST(grant_memory_returns_to_baseline)
{
	const unsigned int u = unit_pages();
	xf_gref *keep_refs = calloc(8 * u, sizeof(*keep_refs));
	xf_gref *refs = calloc(8 * u, sizeof(*refs));
	uint8_t *keep, *fe, *be;
	uint64_t base;
	unsigned int i, n, k;

	ck_assert_ptr_nonnull(keep_refs);
	ck_assert_ptr_nonnull(refs);
	if (_i == 0)
		xf_mock_set_grant_cache(hv, 0);
	ck_assert_uint_eq(mem_of(1), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, u, true, keep_refs,
					(void **)&keep), 0);
	for (i = 0; i < u; i++)
		keep[i * PS] = 0x11;
	base = mem_of(1);
	ck_assert_uint_eq(base, u);
	for (k = 0; k < 24; k++) {
		n = (1 + k % 8) * u;
		ck_assert_int_eq(d1->gnt->share(d1, 0, n, true, refs,
						(void **)&fe), 0);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(fe[i * PS + 7], 0);
			fe[i * PS + 7] = (uint8_t)(k + i);
		}
		ck_assert_uint_eq(live_mem_of(1), base + n);
		ck_assert_int_eq(d0->gnt->map(d0, 1, n, refs, true,
					      (void **)&be), 0);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(be[i * PS + 7], (uint8_t)(k + i));
			be[i * PS + 9] = 1;
		}
		ck_assert_uint_eq(live_mem_of(1), base + n);
		ck_assert_int_eq(d0->gnt->unmap(d0, be, n), 0);
		ck_assert_int_eq(d1->gnt->unshare(d1, fe, n), 0);
		ck_assert_uint_eq(live_mem_of(1), base);
		if (_i == 0) {
			ck_assert_uint_eq(mem_of(1), base);
		} else {
			ck_assert_uint_eq(mem_of(1),
					  base + stats_of(1).gnt_cached_pages);
			ck_assert_uint_le(stats_of(1).gnt_cached_pages, 256);
		}
	}
	/* The long-lived grant kept its memory and its bytes. */
	for (i = 0; i < u; i++)
		ck_assert_uint_eq(keep[i * PS], 0x11);
	ck_assert_int_eq(d1->gnt->unshare(d1, keep, u), 0);
	ck_assert_uint_eq(live_mem_of(1), 0);
	/* Emptying the cache gives back everything. */
	xf_mock_set_grant_cache(hv, 0);
	ck_assert_uint_eq(mem_of(1), 0);
	ck_assert_uint_eq(stats_of(1).gnt_cached_pages, 0);
	ck_assert_uint_eq(mem_of(~0u), 0);
	free(keep_refs);
	free(refs);
}
END_TEST

/* A peak of four units in single pages does not stay: with the default
 * cache, memory goes back to within the cache's bound. */
START_TEST(grant_memory_peak_does_not_stay)
{
	const unsigned int np = 4 * unit_pages();
	uint8_t **pg = calloc(np, sizeof(*pg));
	xf_gref ref;
	unsigned int i;

	ck_assert_ptr_nonnull(pg);
	for (i = 0; i < np; i++) {
		ck_assert_int_eq(d1->gnt->share(d1, 0, 1, true, &ref,
						(void **)&pg[i]), 0);
		pg[i][100] = 1;
	}
	ck_assert_uint_eq(mem_of(1), np);
	for (i = 0; i < np; i++)
		ck_assert_int_eq(d1->gnt->unshare(d1, pg[i], 1), 0);
	ck_assert_uint_eq(live_mem_of(1), 0);
	ck_assert_uint_le(mem_of(1), 256);
	/* The cache is reused first: sharing again costs no memory. */
	ck_assert_int_eq(d1->gnt->share(d1, 0, 1, true, &ref,
					(void **)&pg[0]), 0);
	ck_assert_uint_eq(pg[0][100], 0);
	ck_assert_uint_le(mem_of(1), 256);
	ck_assert_uint_eq(live_mem_of(1), 1);
	ck_assert_int_eq(d1->gnt->unshare(d1, pg[0], 1), 0);
	/* A destroyed domain keeps no cache. */
	xf_mock_domain_destroy(d1);
	ck_assert_uint_eq(mem_of(1), 0);
	free(pg);
}
END_TEST

/* Unshare while mapped is refused (XSA-396): the memory stays, also
 * after the peer unmaps, until the granter revokes for real. */
START_TEST(grant_memory_unshare_while_mapped)
{
	const unsigned int u = unit_pages();
	xf_gref *refs = calloc(u, sizeof(*refs));
	uint8_t *fe, *be;

	ck_assert_ptr_nonnull(refs);
	xf_mock_set_grant_cache(hv, 0);
	share_map(d1, d0, u, refs, &fe, &be);
	be[(u - 1) * PS] = 5;
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, u), -EBUSY);
	ck_assert_uint_eq(mem_of(1), u);
	ck_assert_uint_eq(fe[(u - 1) * PS], 5);
	ck_assert_int_eq(d0->gnt->unmap(d0, be, u), 0);
	ck_assert_uint_eq(mem_of(1), u);
	ck_assert_uint_eq(fe[(u - 1) * PS], 5);
	ck_assert_int_eq(d1->gnt->unshare(d1, fe, u), 0);
	ck_assert_uint_eq(mem_of(1), 0);
	ck_assert_uint_eq(stats_of(1).gnt_revoke_busy, 1);
	free(refs);
}
END_TEST

/* A granter that dies revokes everything: what nobody maps is released
 * at once, a mapped page when its last mapping goes (unmap). The mapped
 * page shares its unit with released ones, so this also shows a unit
 * given back all but one page. */
START_TEST(grant_memory_of_dead_granter)
{
	const unsigned int u = unit_pages();
	xf_gref *a = calloc(u, sizeof(*a)), *b = calloc(2 * u, sizeof(*b));
	uint8_t *fa, *fb, *m1, *m2;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(d1->gnt->share(d1, 0, u, true, a, (void **)&fa), 0);
	ck_assert_int_eq(d1->gnt->share(d1, 0, 2 * u, true, b, (void **)&fb),
			 0);
	ck_assert_uint_eq(mem_of(1), 3 * u);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &b[u + 1], true,
				      (void **)&m1), 0);
	ck_assert_int_eq(d0->gnt->map(d0, 1, 1, &b[u + 1], false,
				      (void **)&m2), 0);
	m1[10] = 77;
	xf_mock_domain_destroy(d1);
	ck_assert_uint_eq(stats_of(1).gnt_leaked, 1);
	ck_assert_uint_eq(mem_of(1), 1);
	ck_assert_uint_eq(m2[10], 77);
	ck_assert_int_eq(d0->gnt->unmap(d0, m1, 1), 0);
	ck_assert_uint_eq(mem_of(1), 1);
	ck_assert_uint_eq(m2[10], 77);
	ck_assert_int_eq(d0->gnt->unmap(d0, m2, 1), 0);
	ck_assert_uint_eq(mem_of(1), 0);
	free(a);
	free(b);
}
END_TEST

/* Both die, the granter first: the mapper's death drops the last
 * mapping and with it the memory. */
START_TEST(grant_memory_of_dead_granter_and_mapper)
{
	const unsigned int u = unit_pages();
	xf_gref *r = calloc(2 * u, sizeof(*r));
	uint8_t *fe, *be;

	ck_assert_ptr_nonnull(r);
	share_map(d1, d2, 2 * u, r, &fe, &be);
	xf_mock_domain_destroy(d1);
	ck_assert_uint_eq(mem_of(1), 2 * u);
	xf_mock_domain_destroy(d2);
	ck_assert_uint_eq(mem_of(1), 0);
	ck_assert_int_eq(d2->gnt->unmap(d2, be, 2 * u), 0);
	free(r);
}
END_TEST

XT_SUITE("mock-grant")
{
	TCase *tc = xt_tcase_fixture("grant", setup, teardown, 30);

	tcase_add_test(tc, share_gives_zeroed_pages_unique_refs);
	tcase_add_test(tc, map_aliases_granted_memory);
	tcase_add_test(tc, multimap_all_or_nothing);
	tcase_add_test(tc, xsa396_revoke_while_mapped);
	tcase_add_test(tc, unmap_notify_clears_byte_and_signals_port);
	tcase_add_test(tc, unmap_notify_on_mapper_death);
	tcase_add_loop_test(tc, grant_memory_returns_to_baseline, 0, 2);
	tcase_add_test(tc, grant_memory_peak_does_not_stay);
	tcase_add_test(tc, grant_memory_unshare_while_mapped);
	tcase_add_test(tc, grant_memory_of_dead_granter);
	tcase_add_test(tc, grant_memory_of_dead_granter_and_mapper);
	tcase_add_test(tc, copy_segment_status);
	tcase_add_test(tc, granter_death_counts_leak);
	tcase_add_test(tc, same_grant_mapped_twice);
	tcase_add_test(tc, reuse_keeps_multipage_contiguous);
}
