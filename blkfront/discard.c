/* SPDX-License-Identifier: MIT */
/*
 * Discard geometry: the backend's grid (discard-alignment + k *
 * discard-granularity, in bytes), splitting a long discard so that every
 * interior boundary lies on that grid (as Linux's bio_split_discard), and
 * trimming a discard to the whole granules it covers.
 *
 * blkif.h gives both keys in bytes while requests carry 512-byte
 * sectors: all arithmetic here is in bytes, on ranges that are already
 * multiples of the logical sector size, and the grid is only used when
 * every grid point is itself sector-aligned.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bf.h"

void bf_discard_geometry(struct xf_blkfront *bf, uint64_t ss, uint64_t gran,
			 uint64_t align)
{
	char *note = bf->info.discard_note;
	size_t len = sizeof(bf->info.discard_note);

	note[0] = 0;
	if (!bf->info.discard || !gran) {
		/* "0 means none": every sector is its own granule. */
		gran = ss;
		align = 0;
	} else if (gran % ss) {
		snprintf(note, len, "discard-granularity %" PRIu64 " is not a "
			 "multiple of sector-size %" PRIu64 ": ignored, with "
			 "discard-alignment", gran, ss);
		gran = ss;
		align = 0;
	} else if (align % ss) {
		/* No grid point would be sector-aligned: the published grid
		 * cannot be honoured, and a guessed one would be wrong. */
		snprintf(note, len, "discard-alignment %" PRIu64 " is not a "
			 "multiple of sector-size %" PRIu64 ": ignored, with "
			 "discard-granularity", align, ss);
		gran = ss;
		align = 0;
	} else if (align >= gran) {
		snprintf(note, len, "discard-alignment %" PRIu64 " >= "
			 "discard-granularity %" PRIu64 ": used as %" PRIu64,
			 align, gran, align % gran);
		align %= gran;
	}
	bf->dc_gran = gran;
	bf->dc_align = align;
	bf->info.discard_granularity_used = (uint32_t)gran;
	bf->info.discard_alignment_used = (uint32_t)align;
}

/* Distance of byte x past the grid point at or below it. */
static uint64_t bf_grid_phase(const struct xf_blkfront *bf, uint64_t x)
{
	uint64_t g = bf->dc_gran;

	return (x % g + g - bf->dc_align) % g;
}

bool bf_discard_trim(const struct xf_blkfront *bf, uint64_t *off,
		     uint64_t *len)
{
	uint64_t start = *off, end = *off + *len, ph;

	ph = bf_grid_phase(bf, start);
	if (ph && start > UINT64_MAX - bf->dc_gran)
		return false;
	if (ph)
		start += bf->dc_gran - ph;
	ph = bf_grid_phase(bf, end);
	/* The grid point below end is negative: none below end. */
	end = ph > end ? 0 : end - ph;
	if (start >= end)
		return false;
	*off = start;
	*len = end - start;
	return true;
}

uint64_t bf_discard_chunk(const struct xf_blkfront *bf, uint64_t off,
			  uint64_t len)
{
	uint64_t max = bf->cfg.max_discard_sectors, ph;

	if (!max)
		return len;
	max = max > UINT64_MAX >> XF_BLKIF_SECTOR_SHIFT ?
	      UINT64_MAX : max << XF_BLKIF_SECTOR_SHIFT;
	max -= max % bf->dc_gran;
	if (!max)
		max = bf->dc_gran; /* a split point needs a whole granule */
	if (len <= max)
		return len;
	/* Stop at the last grid point before off + max, so the next
	 * request starts on the grid. max >= one granule > ph, so the
	 * chunk is never empty; off, max and the grid are sector-aligned,
	 * so it stays sector-aligned. */
	ph = bf_grid_phase(bf, off + max);
	return max - ph;
}
