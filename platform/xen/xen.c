/* SPDX-License-Identifier: MIT */
/* xen platform: open/close and the own domid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "xen_priv.h"

/* DOMID_FIRST_RESERVED: ids from here on are not domains. */
#define XENP_DOMID_LIMIT 0x7FF0u

static void quiet_vmessage(xentoollog_logger *l, xentoollog_level lvl,
			   int errnoval, const char *ctx, const char *fmt,
			   va_list al)
{
	(void)l;
	(void)lvl;
	(void)errnoval;
	(void)ctx;
	(void)fmt;
	(void)al;
}

static void quiet_progress(xentoollog_logger *l, const char *ctx,
			   const char *doing, int percent, unsigned long done,
			   unsigned long total)
{
	(void)l;
	(void)ctx;
	(void)doing;
	(void)percent;
	(void)done;
	(void)total;
}

static void quiet_destroy(xentoollog_logger *l)
{
	(void)l;
}

/* Shared by every handle and never freed: the libraries only call it. */
static xentoollog_logger quiet_logger = {
	.vmessage = quiet_vmessage,
	.progress = quiet_progress,
	.destroy = quiet_destroy,
};

xentoollog_logger *xenp_quiet_logger(void)
{
	return &quiet_logger;
}

static int parse_domid(const char *s, xf_domid *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= XENP_DOMID_LIMIT)
		return -EINVAL;
	*out = (xf_domid)v;
	return 0;
}

/* Before xen-init-dom0 has run, dom0 has no "domid" key yet. */
static int dom0_by_capabilities(xf_domid *out)
{
	char buf[128] = "";
	FILE *f = fopen("/proc/xen/capabilities", "re");
	size_t n;

	if (!f)
		return -ENOENT;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!strstr(buf, "control_d"))
		return -ENOENT;
	*out = 0;
	return 0;
}

static int read_own_domid(xf_domid *out)
{
	struct xs_handle *h = xs_open(0);
	unsigned int len = 0;
	char *v;
	int rc;

	if (!h)
		return xenp_err();
	/* Relative: xenstored resolves it under this connection's home
	 * /local/domain/<own id>. */
	v = xs_read(h, XBT_NULL, "domid", &len);
	if (v) {
		rc = parse_domid(v, out);
		free(v);
	} else {
		rc = xenp_err();
		if (rc == -ENOENT)
			rc = dom0_by_capabilities(out);
	}
	xs_close(h);
	return rc;
}

int xf_xen_platform_open(struct xf_platform **out)
{
	struct xenp_platform *xp;
	xf_domid domid = 0;
	int rc;

	if (!out)
		return -EINVAL;
	rc = read_own_domid(&domid);
	if (rc)
		return rc;
	xp = calloc(1, sizeof(*xp));
	if (!xp)
		return -ENOMEM;
	xp->gt = xengnttab_open(xenp_quiet_logger(), 0);
	if (!xp->gt)
		xp->gt_err = xenp_err();
	xp->gs = xengntshr_open(xenp_quiet_logger(), 0);
	if (!xp->gs)
		xp->gs_err = xenp_err();

	xp->pub.name = "xen";
	xp->pub.domid = domid;
	xp->pub.store = &xenp_store_ops;
	xp->pub.gnt = &xenp_gnt_ops;
	xp->pub.evtchn = &xenp_evtchn_ops;
	xp->pub.impl = xp;
	*out = &xp->pub;
	return 0;
}

void xf_xen_platform_close(struct xf_platform *p)
{
	struct xenp_platform *xp;

	if (!p)
		return;
	xp = xenp_of(p);
	if (xp->gt)
		xengnttab_close(xp->gt);
	if (xp->gs)
		xengntshr_close(xp->gs);
	free(xp);
}
