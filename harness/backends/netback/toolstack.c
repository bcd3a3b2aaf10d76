/* SPDX-License-Identifier: MIT */
/* The toolstack's part of a vif: both xenstore directories at state 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nb_priv.h"

static int put(struct xf_platform *ts, struct xf_xs *xs, xf_txn t,
	       const char *dir, const char *key, const char *fmt,
	       unsigned int v)
{
	char path[NB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xf_xs_printf(ts, xs, t, path, fmt, v);
}

static int put_str(struct xf_platform *ts, struct xf_xs *xs, xf_txn t,
		   const char *dir, const char *key, const char *s)
{
	char path[NB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return ts->store->write(xs, t, path, s, strlen(s));
}

static int add_once(struct xf_platform *ts, struct xf_xs *xs, xf_txn t,
		    const struct xf_nb_vif_dirs *d, const char *fe,
		    const char *be)
{
	struct xf_xs_perm fp[2] = {
		{ .domid = d->fe_domid, .perm = XF_XS_PERM_NONE },
		{ .domid = d->be_domid, .perm = XF_XS_PERM_READ },
	};
	struct xf_xs_perm bp[2] = {
		{ .domid = d->be_domid, .perm = XF_XS_PERM_NONE },
		{ .domid = d->fe_domid, .perm = XF_XS_PERM_READ },
	};
	char mac[18];
	int rc;

	xf_mac_format(d->mac, mac);
	rc = ts->store->mkdir(xs, t, fe);
	if (rc == 0)
		rc = ts->store->set_perms(xs, t, fe, fp, 2);
	if (rc == 0)
		rc = put_str(ts, xs, t, fe, "backend", be);
	if (rc == 0)
		rc = put(ts, xs, t, fe, "backend-id", "%u", d->be_domid);
	if (rc == 0)
		rc = put_str(ts, xs, t, fe, "mac", mac);
	if (rc == 0)
		rc = put(ts, xs, t, fe, "handle", "%u", d->devid);
	if (rc == 0 && d->mtu)
		rc = put(ts, xs, t, fe, "mtu", "%u", d->mtu);
	if (rc == 0 && d->trusted >= 0)
		rc = put(ts, xs, t, fe, "trusted", "%u",
			 (unsigned int)d->trusted);
	if (rc == 0)
		rc = put(ts, xs, t, fe, "state", "%u", XF_XENBUS_INITIALISING);
	if (rc == 0)
		rc = ts->store->mkdir(xs, t, be);
	if (rc == 0)
		rc = ts->store->set_perms(xs, t, be, bp, 2);
	if (rc == 0)
		rc = put_str(ts, xs, t, be, "frontend", fe);
	if (rc == 0)
		rc = put(ts, xs, t, be, "frontend-id", "%u", d->fe_domid);
	if (rc == 0)
		rc = put_str(ts, xs, t, be, "mac", mac);
	if (rc == 0)
		rc = put(ts, xs, t, be, "handle", "%u", d->devid);
	if (rc == 0)
		rc = put(ts, xs, t, be, "state", "%u", XF_XENBUS_INITIALISING);
	return rc;
}

int nb_ts_txn(struct xf_platform *ts, nb_ts_step step, const void *arg)
{
	struct xf_xs *xs;
	int rc, tries;

	rc = ts->store->open(ts, &xs);
	if (rc < 0)
		return rc;
	for (tries = 0; tries < 32; tries++) {
		xf_txn t;

		rc = ts->store->txn_start(xs, &t);
		if (rc < 0)
			break;
		rc = step(ts, xs, t, arg);
		if (rc < 0) {
			ts->store->txn_end(xs, t, true);
			break;
		}
		rc = ts->store->txn_end(xs, t, false);
		if (rc != -EAGAIN)
			break;
	}
	ts->store->close(xs);
	return rc;
}

struct add_args {
	const struct xf_nb_vif_dirs *d;
	char fe[NB_PATH_MAX], be[NB_PATH_MAX];
};

static int add_step(struct xf_platform *ts, struct xf_xs *xs, xf_txn t,
		    const void *arg)
{
	const struct add_args *a = arg;

	return add_once(ts, xs, t, a->d, a->fe, a->be);
}

int xf_nb_toolstack_add_vif(struct xf_platform *ts,
			    const struct xf_nb_vif_dirs *d)
{
	struct add_args a = { .d = d };

	if (!ts || !d)
		return -EINVAL;
	snprintf(a.fe, sizeof(a.fe), "/local/domain/%u/device/vif/%u",
		 d->fe_domid, d->devid);
	snprintf(a.be, sizeof(a.be), "/local/domain/%u/backend/vif/%u/%u",
		 d->be_domid, d->fe_domid, d->devid);
	return nb_ts_txn(ts, add_step, &a);
}

int xf_nb_toolstack_remove_vif(struct xf_platform *ts, xf_domid fe,
			       xf_domid be, unsigned int devid)
{
	char path[NB_PATH_MAX];
	struct xf_xs *xs;
	int rc, rc2;

	if (!ts)
		return -EINVAL;
	rc = ts->store->open(ts, &xs);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%u", be,
		 fe, devid);
	rc = ts->store->rm(xs, XF_TXN_NONE, path);
	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u", fe,
		 devid);
	rc2 = ts->store->rm(xs, XF_TXN_NONE, path);
	ts->store->close(xs);
	return rc < 0 ? rc : rc2;
}
