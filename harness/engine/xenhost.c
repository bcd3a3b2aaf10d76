// SPDX-License-Identifier: MIT
/*
 * The xen host: the engine on the xen platform in a dom0. Every
 * frontend lives in this domain (as the dom0 tests do) and every disk is
 * served by the kernel's xen-blkback over a loop device on a sparse
 * image file the engine creates and removes. The toolstack step is the
 * one xl's hotplug script would leave behind: the frontend directory
 * first (xenbus checks it exists when it probes the backend), then the
 * backend directory with physical-device (hex major:minor) last.
 *
 * Frontends use device/vbd-user/<vdev> so that the dom0 kernel's own
 * blkfront ignores them. This is setup and teardown code around a run,
 * not an actor, and it never waits for the kernel: each loop device is
 * attached with LO_FLAGS_AUTOCLEAR and held open by the engine until
 * teardown, so the kernel detaches it on its last close, the engine's
 * or blkback's, whichever lets go last.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "engine-priv.h"
#ifdef XF_HAVE_XEN
#include <xfront/platform.h>
#include <xfront/xen.h>
#endif

#define CLOSE_WAIT_NS 15000000000ull

struct eng_xdisk {
	char img[256];
	char loopdev[32];
	char fe[128], be[128];
	int loopfd;             /* held open until teardown (AUTOCLEAR) */
	bool img_made, looped, xs_written;
};

struct eng_xen {
	struct xf_platform *p;
	struct xf_xs *xs;
	struct eng_xdisk disks[ENG_MAX];
	unsigned int ndisks;
};

#ifdef XF_HAVE_XEN
int eng_xen_open(struct eng *e)
{
	struct eng_xen *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	e->xh = x;
	r = xf_xen_platform_open(&x->p);
	if (r) {
		snprintf(e->err, sizeof(e->err), "--platform xen: cannot open "
			 "the xen platform (%s); run in a Xen dom0 with "
			 "xenstored and the xen-gntdev, xen-gntalloc and "
			 "xen-evtchn modules", strerror(-r));
		x->p = NULL;
		/* no such platform here: the caller's input, not a run */
		return -ENOTSUP;
	}
	r = x->p->store->open(x->p, &x->xs);
	if (r) {
		snprintf(e->err, sizeof(e->err), "--platform xen: cannot "
			 "connect to xenstore: %s", strerror(-r));
		x->xs = NULL;
		return r;
	}
	e->dom0 = x->p;
	return 0;
}
#else
int eng_xen_open(struct eng *e)
{
	snprintf(e->err, sizeof(e->err), "--platform xen: this build has "
		 "no xen platform (libxen-dev was not found when it was "
		 "configured)");
	return -ENOTSUP;
}
#endif

static int write_dir(struct eng_xen *x, const char *dir,
		     const char *const *kv)
{
	const struct xf_store_ops *st = x->p->store;
	char path[256];
	int r = -EAGAIN;

	for (int tries = 0; tries < 16 && r == -EAGAIN; tries++) {
		xf_txn t;

		r = st->txn_start(x->xs, &t);
		if (r)
			return r;
		for (size_t i = 0; kv[i] && kv[i + 1] && !r; i += 2) {
			snprintf(path, sizeof(path), "%s/%s", dir, kv[i]);
			r = st->write(x->xs, t, path, kv[i + 1],
				      strlen(kv[i + 1]));
		}
		if (r) {
			st->txn_end(x->xs, t, true);
			return r;
		}
		r = st->txn_end(x->xs, t, false);
	}
	return r;
}

static int make_image(struct eng_xdisk *xd, const char *name,
		      uint64_t bytes)
{
	const char *dir = getenv("TMPDIR");
	int fd, r = 0;

	snprintf(xd->img, sizeof(xd->img), "%s/xfront-%s-XXXXXX",
		 dir && *dir ? dir : "/tmp", name);
	fd = mkstemp(xd->img);
	if (fd < 0)
		return -errno;
	xd->img_made = true;
	/* Sparse: only what the workload writes takes memory or disk. */
	if (ftruncate(fd, (off_t)bytes) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Binds the image with LO_FLAGS_AUTOCLEAR in one step (LOOP_CONFIGURE,
 * Linux 5.8) or, on older kernels, LOOP_SET_FD then LOOP_SET_STATUS64. */
static int loop_bind(int lfd, int ffd, bool ro)
{
#ifdef LOOP_CONFIGURE
	struct loop_config lc;

	memset(&lc, 0, sizeof(lc));
	lc.fd = (uint32_t)ffd;
	lc.info.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0);
	if (!ioctl(lfd, LOOP_CONFIGURE, &lc))
		return 0;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
#endif
	{
		struct loop_info64 li;
		int r = 0;

		if (ioctl(lfd, LOOP_SET_FD, ffd) < 0)
			return -errno;
		if (ioctl(lfd, LOOP_GET_STATUS64, &li) < 0) {
			r = -errno;
		} else {
			li.lo_flags |= LO_FLAGS_AUTOCLEAR;
			if (ioctl(lfd, LOOP_SET_STATUS64, &li) < 0)
				r = -errno;
		}
		if (r)
			ioctl(lfd, LOOP_CLR_FD, 0);
		return r;
	}
}

static int loop_attach(struct eng_xdisk *xd, bool ro, unsigned int *maj,
		       unsigned int *min)
{
	struct stat st;
	int ctl, n, lfd, ffd, r = 0;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	r = n < 0 ? -errno : 0;
	close(ctl);
	if (r)
		return r;
	snprintf(xd->loopdev, sizeof(xd->loopdev), "/dev/loop%d", n);
	lfd = open(xd->loopdev, O_RDWR | O_CLOEXEC);
	if (lfd < 0)
		return -errno;
	ffd = open(xd->img, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (ffd < 0) {
		r = -errno;
		close(lfd);
		return r;
	}
	r = loop_bind(lfd, ffd, ro);
	if (!r && fstat(lfd, &st) < 0)
		r = -errno;
	close(ffd);
	if (r) {
		/* Bound with AUTOCLEAR and opened by nobody else yet: this
		 * close detaches it. */
		close(lfd);
		return r;
	}
	/* Kept open until teardown: with AUTOCLEAR, the last close
	 * detaches, and blkback opens the device only once it reads
	 * physical-device. */
	xd->loopfd = lfd;
	xd->looped = true;
	*maj = major(st.st_rdev);
	*min = minor(st.st_rdev);
	return 0;
}

/* No waiting: blkback lets go of the device asynchronously once its
 * directory is gone, and whichever of us closes last detaches it. */
static void loop_release(struct eng_xdisk *xd)
{
	if (!xd->looped)
		return;
	close(xd->loopfd);
	xd->loopfd = -1;
	xd->looped = false;
}

int eng_xen_build_disk(struct eng *e, struct eng_disk *d)
{
	const struct xf_scn_obj *o = d->obj;
	struct eng_xen *x = e->xh;
	struct eng_xdisk *xd = &x->disks[x->ndisks++];
	bool ro = xf_scn_bool(o, "readonly");
	unsigned int maj = 0, min = 0;
	char dom[16], vdev[16], pdev[32];
	int r;

	r = make_image(xd, o->name, (uint64_t)xf_scn_int(o, "size"));
	if (!r)
		r = loop_attach(xd, ro, &maj, &min);
	if (r)
		return r;
	snprintf(xd->fe, sizeof(xd->fe), "/local/domain/%u/device/vbd-user/%u",
		 d->vm->domid, d->vbd.devid);
	snprintf(xd->be, sizeof(xd->be), "/local/domain/%u/backend/vbd/%u/%u",
		 d->host->domid, d->vm->domid, d->vbd.devid);
	snprintf(dom, sizeof(dom), "%u", d->host->domid);
	snprintf(vdev, sizeof(vdev), "%u", d->vbd.devid);
	snprintf(pdev, sizeof(pdev), "%x:%x", maj, min);
	/* Watched before the toolstack writes the first state. */
	r = eng_xbt_add(e, &(struct eng_xbt_dev){
		.name = d->name, .type = "vbd", .fe_domid = d->vm->domid,
		.devid = d->vbd.devid, .fe_dir = xd->fe, .be_dir = xd->be,
		.timeout_ns = (uint64_t)xf_scn_int(o, "connect_timeout"),
		.line = o->line });
	if (r)
		return r;
	xd->xs_written = true;
	{
		const char *const fe_kv[] = {
			"backend", xd->be, "backend-id", dom, "state", "1",
			"virtual-device", vdev, "device-type", "disk", NULL };

		r = write_dir(x, xd->fe, fe_kv);
	}
	snprintf(dom, sizeof(dom), "%u", d->vm->domid);
	if (!r) {
		/* physical-device last: it is what makes blkback open the
		 * device and go to InitWait. */
		const char *const be_kv[] = {
			"frontend", xd->fe, "frontend-id", dom,
			"online", "1", "state", "1", "type", "phy",
			"mode", ro ? "r" : "w", "dev", "xvda",
			"removable", "0", "params", xd->loopdev,
			"physical-device", pdev, NULL };

		r = write_dir(x, xd->be, be_kv);
	}
	if (r)
		return r;
	return eng_frontend_start(e, d, xd->fe);
}

static bool all_closed(struct eng *e)
{
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct xf_blkfront_info in;

		if (!e->disks[i].bf || xf_blkfront_get_info(e->disks[i].bf,
							    &in))
			continue;
		if (in.state != XF_BLKFRONT_CLOSED)
			return false;
	}
	return true;
}

void eng_xen_close(struct eng *e)
{
	uint64_t end;

	if (!e->rt)
		return;
	for (unsigned int i = 0; i < e->ndisks; i++)
		if (e->disks[i].bf)
			xf_blkfront_close(e->disks[i].bf);
	/* The controller stopped the runtime; run it again in slices so
	 * the close handshakes (and the kernel's unmaps) finish before the
	 * frontends are freed. */
	end = xf_rt_now_ns(e->rt) + CLOSE_WAIT_NS;
	while (!all_closed(e) && xf_rt_now_ns(e->rt) < end) {
		uint64_t until = xf_rt_now_ns(e->rt) + 50000000ull;

		if (xf_rt_run(e->rt, until < end ? until : end))
			break;
	}
}

void eng_xen_teardown(struct eng *e)
{
	struct eng_xen *x = e->xh;

	if (!x)
		return;
	for (unsigned int i = 0; x->xs && i < x->ndisks; i++) {
		struct eng_xdisk *xd = &x->disks[i];

		if (!xd->xs_written)
			continue;
		x->p->store->rm(x->xs, XF_TXN_NONE, xd->be);
		x->p->store->rm(x->xs, XF_TXN_NONE, xd->fe);
	}
	for (unsigned int i = 0; i < x->ndisks; i++) {
		struct eng_xdisk *xd = &x->disks[i];

		loop_release(xd);
		if (xd->img_made)
			unlink(xd->img);
	}
#ifdef XF_HAVE_XEN
	if (x->xs)
		x->p->store->close(x->xs);
	if (x->p)
		xf_xen_platform_close(x->p);
#endif
	free(x);
	e->xh = NULL;
	e->dom0 = NULL;
}
