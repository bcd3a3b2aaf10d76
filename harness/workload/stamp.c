// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <xfront/util.h>
#include <xfront/workload.h>

/* Sector layout: magic, lba, write id, generation, job, then payload
 * derived from those, then a 64-bit FNV-1a checksum over the rest. */
struct stamp_hdr {
	uint64_t magic;
	uint64_t lba;
	uint64_t write_id;
	uint32_t generation;
	uint32_t job;
};

/* FNV-1a over 64-bit words (sector sizes are multiples of 8): fast
 * enough to stamp and check every sector of every I/O. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

void xf_wl_stamp_fill(void *sector, unsigned int ss,
		      const struct xf_wl_stamp *s)
{
	struct stamp_hdr h = { XF_WL_MAGIC, s->lba, s->write_id,
			       s->generation, s->job };
	uint8_t *p = sector;
	uint64_t x = s->write_id * 0x9e3779b97f4a7c15ull ^ s->lba, sum;

	memcpy(p, &h, sizeof(h));
	for (size_t i = sizeof(h); i + 8 <= ss - 8; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	sum = fnv1a(p, ss - 8);
	memcpy(p + ss - 8, &sum, 8);
}

int xf_wl_stamp_decode(const void *sector, unsigned int ss,
		       struct xf_wl_stamp *s)
{
	const uint8_t *p = sector;
	struct stamp_hdr h;
	uint64_t sum;
	size_t i;

	for (i = 0; i < ss && !p[i]; i++)
		;
	if (i == ss)
		return -ENODATA;
	memcpy(&h, p, sizeof(h));
	memcpy(&sum, p + ss - 8, 8);
	if (h.magic != XF_WL_MAGIC || sum != fnv1a(p, ss - 8))
		return -EBADMSG;
	s->lba = h.lba;
	s->write_id = h.write_id;
	s->generation = h.generation;
	s->job = h.job;
	return 0;
}

int xf_wl_rw_parse(const char *s, enum xf_wl_rw *out)
{
	static const char *const rw_names[] = {
		[XF_WL_READ] = "read",
		[XF_WL_WRITE] = "write",
		[XF_WL_RANDREAD] = "randread",
		[XF_WL_RANDWRITE] = "randwrite",
		[XF_WL_RW] = "rw",
		[XF_WL_RANDRW] = "randrw",
		[XF_WL_TRIM] = "trim",
	};

	/* fio's other spelling of rw. */
	if (s && !strcmp(s, "readwrite"))
		s = "rw";
	return XF_NAME_PARSE(rw_names, s, out);
}
