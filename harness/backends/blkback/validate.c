/* SPDX-License-Identifier: MIT */
/*
 * Request validation: the union of Linux blkback's dispatch checks and
 * QEMU's xen_block_parse_request. Runs on a private copy of the request
 * (copied once from the ring), decides completely before anything is
 * done, and never acts half-way.
 */
#include "bb_priv.h"

#define SECTS_PER_PAGE (XF_PAGE_SIZE >> XF_BLKIF_SECTOR_SHIFT)

static bool writes(uint8_t op)
{
	return op == XF_BLKIF_OP_WRITE || op == XF_BLKIF_OP_WRITE_BARRIER ||
	       op == XF_BLKIF_OP_FLUSH_DISKCACHE || op == XF_BLKIF_OP_DISCARD;
}

/* sector + n within the disk, without overflow. */
static bool fits(const struct bb_dev_view *v, uint64_t sector, uint64_t n)
{
	return sector <= v->size_sectors && n <= v->size_sectors - sector;
}

static bool aligned(const struct bb_dev_view *v, uint64_t sectors)
{
	uint64_t unit = v->sector_size >> XF_BLKIF_SECTOR_SHIFT;

	return unit <= 1 || sectors % unit == 0;
}

enum xf_blkback_reject bb_validate_segs(const struct bb_dev_view *v,
					uint64_t sector,
					const struct xf_blkif_request_segment
					*seg, unsigned int n,
					uint64_t *nr_sectors)
{
	bool per_seg = !(v->lenient & XF_BB_LENIENT_REQUEST_ALIGNMENT);
	bool seg_misaligned = false;
	uint64_t total = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t first = seg[i].first_sect, last = seg[i].last_sect;
		uint64_t nsec;

		if (last >= SECTS_PER_PAGE)
			return XF_BLKBACK_REJ_SECT_RANGE;
		if (first > last)
			return XF_BLKBACK_REJ_SECT_ORDER;
		nsec = (uint64_t)(last - first + 1);
		seg_misaligned |= !aligned(v, nsec);
		total += nsec;
	}
	/* Linux dispatch_rw_block_io(): (sector | seg[i].nsec) against the
	 * logical block mask for every segment, so with 4096-byte sectors a
	 * request whose total is aligned is still refused when one of its
	 * segments is a partial page. */
	if (!aligned(v, sector) || (per_seg && seg_misaligned) ||
	    !aligned(v, total))
		return XF_BLKBACK_REJ_MISALIGNED;
	if (!fits(v, sector, total))
		return XF_BLKBACK_REJ_PAST_END;
	*nr_sectors = total;
	return XF_BLKBACK_REJ_NR;
}

enum xf_blkback_reject bb_validate(const struct bb_dev_view *v,
				   const struct xf_blkif_req *r)
{
	uint8_t op = r->operation;
	unsigned int nseg;

	switch (op) {
	case XF_BLKIF_OP_READ:
	case XF_BLKIF_OP_WRITE:
	case XF_BLKIF_OP_WRITE_BARRIER:
	case XF_BLKIF_OP_FLUSH_DISKCACHE:
	case XF_BLKIF_OP_DISCARD:
		break;
	case XF_BLKIF_OP_INDIRECT:
		if (!v->max_indirect_segments ||
		    (r->indirect_op != XF_BLKIF_OP_READ &&
		     r->indirect_op != XF_BLKIF_OP_WRITE))
			return XF_BLKBACK_REJ_BAD_INDIRECT;
		op = r->indirect_op;
		break;
	default:
		return XF_BLKBACK_REJ_UNKNOWN_OP;
	}
	if (v->readonly && writes(op))
		return XF_BLKBACK_REJ_READONLY;
	/* Linux dispatches a flush or barrier whatever it advertised; a
	 * device without a write cache completes it OKAY (submit_bio_noacct()
	 * drops the preflush). Only XF_BB_LENIENT_FLUSH_UNOFFERED refuses. */
	if (((v->lenient & XF_BB_LENIENT_FLUSH_UNOFFERED) &&
	     ((op == XF_BLKIF_OP_FLUSH_DISKCACHE && !v->flush) ||
	      (op == XF_BLKIF_OP_WRITE_BARRIER && !v->barrier))) ||
	    (op == XF_BLKIF_OP_DISCARD && !v->discard) ||
	    (op == XF_BLKIF_OP_DISCARD &&
	     (r->discard_flag & XF_BLKIF_DISCARD_SECURE) &&
	     !v->discard_secure))
		return XF_BLKBACK_REJ_UNSUPPORTED;

	if (op == XF_BLKIF_OP_DISCARD) {
		if (r->sector_number + r->nr_sectors < r->sector_number)
			return XF_BLKBACK_REJ_DISCARD_OVERFLOW;
		if (!fits(v, r->sector_number, r->nr_sectors))
			return XF_BLKBACK_REJ_PAST_END;
		if (!aligned(v, r->sector_number) ||
		    !aligned(v, r->nr_sectors))
			return XF_BLKBACK_REJ_MISALIGNED;
		return XF_BLKBACK_REJ_NR;
	}

	if (r->operation == XF_BLKIF_OP_INDIRECT) {
		nseg = r->nr_indirect_segments;
		if (nseg == 0)
			return XF_BLKBACK_REJ_NO_SEGMENTS;
		if (nseg > v->max_indirect_segments)
			return XF_BLKBACK_REJ_TOO_MANY_SEGMENTS;
		/* Segments live in the indirect pages: checked once those
		 * are copied in. */
		return XF_BLKBACK_REJ_NR;
	}

	nseg = r->nr_segments;
	/* Only a cache flush or a barrier may carry no data. */
	if (nseg == 0 && op != XF_BLKIF_OP_FLUSH_DISKCACHE &&
	    op != XF_BLKIF_OP_WRITE_BARRIER)
		return XF_BLKBACK_REJ_NO_SEGMENTS;
	if (nseg > XF_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return XF_BLKBACK_REJ_TOO_MANY_SEGMENTS;
	if (nseg == 0)
		return XF_BLKBACK_REJ_NR;
	{
		uint64_t n;

		return bb_validate_segs(v, r->sector_number, r->seg, nseg, &n);
	}
}
