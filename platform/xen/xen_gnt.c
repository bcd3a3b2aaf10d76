/* SPDX-License-Identifier: MIT */
/* xen platform: grants over libxengnttab (gntdev) and libxengntshr
 * (gntalloc). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/sys/gntdev.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "xen_priv.h"

static int share(struct xf_platform *p, xf_domid domid, unsigned int n,
		 bool writable, xf_gref *refs, void **addr)
{
	struct xenp_platform *xp = xenp_of(p);
	void *a;

	if (!n || !refs || !addr)
		return -EINVAL;
	if (!xp->gs)
		return xp->gs_err;
	/* gntalloc hands out freshly zeroed pages, contiguous, all or
	 * nothing. */
	a = xengntshr_share_pages(xp->gs, domid, n, refs, writable);
	if (!a)
		return xenp_err();
	*addr = a;
	return 0;
}

/* gntalloc cannot say whether the peer still maps the pages: dropping
 * our mapping lets the kernel end foreign access once the peer unmaps,
 * and free the pages only then. So there is no -EBUSY here. */
static int unshare(struct xf_platform *p, void *addr, unsigned int n)
{
	struct xenp_platform *xp = xenp_of(p);

	if (!addr || !n)
		return -EINVAL;
	if (!xp->gs)
		return xp->gs_err;
	if (xengntshr_unshare(xp->gs, addr, n))
		return xenp_err();
	return 0;
}

static int map(struct xf_platform *p, xf_domid domid, unsigned int n,
	       const xf_gref *refs, bool writable, void **addr)
{
	struct xenp_platform *xp = xenp_of(p);
	void *a;

	if (!n || !refs || !addr)
		return -EINVAL;
	if (!xp->gt)
		return xp->gt_err;
	/* One gntdev mapping for all n: it fails as a whole. The library
	 * does not write refs; its prototype just lacks the const. */
	a = xengnttab_map_domain_grant_refs(xp->gt, n, domid,
					    (uint32_t *)(uintptr_t)refs,
					    writable ? PROT_READ | PROT_WRITE
						     : PROT_READ);
	if (!a)
		return xenp_err();
	*addr = a;
	return 0;
}

static int unmap(struct xf_platform *p, void *addr, unsigned int n)
{
	struct xenp_platform *xp = xenp_of(p);

	if (!addr || !n)
		return -EINVAL;
	if (!xp->gt)
		return xp->gt_err;
	if (xengnttab_unmap(xp->gt, addr, n))
		return xenp_err();
	return 0;
}

/* libxengnttab only offers the notify at map time and for one page, so
 * this speaks to gntdev through the library's own fd, on the mapping
 * the library made (found by its address, as xengnttab_unmap does). */
static int set_unmap_notify(struct xf_platform *p, void *addr,
			    int clear_offset, xf_port port)
{
	struct xenp_platform *xp = xenp_of(p);
	struct ioctl_gntdev_get_offset_for_vaddr where = { 0 };
	struct ioctl_gntdev_unmap_notify notify = { 0 };
	int fd;

	if (!addr)
		return -EINVAL;
	if (!xp->gt)
		return xp->gt_err;
	fd = xengnttab_fd(xp->gt);
	where.vaddr = (uint64_t)(uintptr_t)addr;
	if (ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &where))
		return xenp_err();
	notify.index = where.offset;
	if (clear_offset >= 0) {
		if ((uint64_t)clear_offset >=
		    (uint64_t)where.count * XF_PAGE_SIZE)
			return -EINVAL;
		notify.index += (uint64_t)clear_offset;
		notify.action |= UNMAP_NOTIFY_CLEAR_BYTE;
	}
	if (port != ~(xf_port)0) {
		notify.event_channel_port = port;
		notify.action |= UNMAP_NOTIFY_SEND_EVENT;
	}
	if (ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &notify))
		return xenp_err();
	return 0;
}

static int16_t gntst_to_errno(int16_t st)
{
	switch (st) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
	case GNTST_bad_page:
	case GNTST_bad_copy_arg:
	case GNTST_address_too_big:
		return -EINVAL;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
		return -EFAULT;
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_no_device_space:
	case GNTST_no_space:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/* Segments Xen would reject for their shape are refused here with
 * -EINVAL, the rest go to gntdev in one call. */
static int copy(struct xf_platform *p, struct xf_gnt_copy_seg *segs,
		unsigned int n)
{
	struct xenp_platform *xp = xenp_of(p);
	xengnttab_grant_copy_segment_t *v;
	unsigned int *idx;
	unsigned int i, m = 0;
	int rc = 0;

	if (!n)
		return 0;
	if (!segs)
		return -EINVAL;
	if (!xp->gt) {
		for (i = 0; i < n; i++)
			segs[i].status = (int16_t)xp->gt_err;
		return xp->gt_err;
	}
	v = calloc(n, sizeof(*v));
	idx = calloc(n, sizeof(*idx));
	if (!v || !idx) {
		free(v);
		free(idx);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct xf_gnt_copy_seg *s = &segs[i];
		xengnttab_grant_copy_segment_t *g = &v[m];

		if (!s->len) {
			s->status = 0;
			continue;
		}
		if (!s->local ||
		    (unsigned int)s->offset + s->len > XF_PAGE_SIZE) {
			s->status = -EINVAL;
			continue;
		}
		if (s->to_grant) {
			g->source.virt = s->local;
			g->dest.foreign.ref = s->gref;
			g->dest.foreign.offset = s->offset;
			g->dest.foreign.domid = s->domid;
			g->flags = GNTCOPY_dest_gref;
		} else {
			g->source.foreign.ref = s->gref;
			g->source.foreign.offset = s->offset;
			g->source.foreign.domid = s->domid;
			g->dest.virt = s->local;
			g->flags = GNTCOPY_source_gref;
		}
		g->len = s->len;
		idx[m++] = i;
	}
	if (m && xengnttab_grant_copy(xp->gt, m, v)) {
		rc = xenp_err();
		for (i = 0; i < m; i++)
			segs[idx[i]].status = (int16_t)rc;
	} else {
		for (i = 0; i < m; i++)
			segs[idx[i]].status = gntst_to_errno(v[i].status);
	}
	free(v);
	free(idx);
	return rc;
}

const struct xf_gnt_ops xenp_gnt_ops = {
	.share = share,
	.unshare = unshare,
	.map = map,
	.unmap = unmap,
	.set_unmap_notify = set_unmap_notify,
	.copy = copy,
};
