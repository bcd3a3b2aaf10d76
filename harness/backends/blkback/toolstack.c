/* SPDX-License-Identifier: MIT */
/* The dom0 toolstack steps of a vbd's life: create the frontend and
 * backend directories (as libxl does), ask for a graceful close, remove
 * them, and re-create them against another backend domain. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

void xf_vbd_config_init(struct xf_vbd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->devid = 51712;
	c->trusted = -1;
}

static int fit(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xf_vbd_frontend_path(const struct xf_vbd_config *c, char *buf, size_t len)
{
	return fit(snprintf(buf, len, "/local/domain/%u/device/vbd/%u",
			    c->frontend_id, c->devid), len);
}

int xf_vbd_backend_path(const struct xf_vbd_config *c, char *buf, size_t len)
{
	return fit(snprintf(buf, len, "/local/domain/%u/backend/vbd/%u/%u",
			    c->backend_id, c->frontend_id, c->devid), len);
}

struct ts {
	struct xf_platform *p;
	struct xf_xs *xs;
	xf_txn t;
};

static int ts_write(struct ts *ts, const char *dir, const char *key,
		    const struct xf_xs_perm *perms, const char *f, ...)
	__attribute__((format(printf, 5, 6)));

/* Writes dir/key and gives it the directory's permissions explicitly, so
 * the result does not depend on inheritance. */
static int ts_write(struct ts *ts, const char *dir, const char *key,
		    const struct xf_xs_perm *perms, const char *f, ...)
{
	char path[BB_PATH_MAX + 64], val[BB_PATH_MAX];
	va_list ap;
	int n, r;

	n = snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	va_start(ap, f);
	n = vsnprintf(val, sizeof(val), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val))
		return -ENAMETOOLONG;
	r = ts->p->store->write(ts->xs, ts->t, path, val, (size_t)n);
	if (!r)
		r = ts->p->store->set_perms(ts->xs, ts->t, path, perms, 2);
	return r;
}

static int exists(struct ts *ts, const char *path);

/* mkdir for a level of the device paths, with n perms entries. A level
 * that exists already (another device made it) keeps its permissions. */
static int ts_mkdir(struct ts *ts, const char *path,
		    const struct xf_xs_perm *perms, unsigned int n)
{
	int r = exists(ts, path);

	if (r)
		return r < 0 ? r : 0;
	r = ts->p->store->mkdir(ts->xs, ts->t, path);
	if (!r)
		r = ts->p->store->set_perms(ts->xs, ts->t, path, perms, n);
	return r;
}

static int exists(struct ts *ts, const char *path)
{
	char *v = NULL;
	size_t len;
	int r = ts->p->store->read(ts->xs, ts->t, path, &v, &len);

	free(v);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

static int create_once(struct ts *ts, const struct xf_vbd_config *c)
{
	const struct xf_xs_perm fperm[2] = {
		{ c->frontend_id, XF_XS_PERM_NONE },
		{ c->backend_id, XF_XS_PERM_READ },
	};
	const struct xf_xs_perm bperm[2] = {
		{ c->backend_id, XF_XS_PERM_NONE },
		{ c->frontend_id, XF_XS_PERM_READ },
	};
	char f[BB_PATH_MAX], b[BB_PATH_MAX], tmp[BB_PATH_MAX];
	int r;

	r = xf_vbd_frontend_path(c, f, sizeof(f));
	if (!r)
		r = xf_vbd_backend_path(c, b, sizeof(b));
	if (r)
		return r;
	r = exists(ts, f);
	if (r == 0)
		r = exists(ts, b);
	if (r)
		return r < 0 ? r : -EEXIST;

	/* Frontend directory first: a backend that finds its own directory
	 * can rely on the frontend's being there. */
	/* Shared parents: the owner only (other devices live there too). */
	snprintf(tmp, sizeof(tmp), "/local/domain/%u/device", c->frontend_id);
	r = ts_mkdir(ts, tmp, fperm, 1);
	snprintf(tmp, sizeof(tmp), "/local/domain/%u/device/vbd",
		 c->frontend_id);
	if (!r)
		r = ts_mkdir(ts, tmp, fperm, 1);
	if (!r)
		r = ts_mkdir(ts, f, fperm, 2);
	if (!r)
		r = ts_write(ts, f, "backend", fperm, "%s", b);
	if (!r)
		r = ts_write(ts, f, "backend-id", fperm, "%u", c->backend_id);
	if (!r)
		r = ts_write(ts, f, "virtual-device", fperm, "%u", c->devid);
	if (!r)
		r = ts_write(ts, f, "device-type", fperm, "%s",
			     c->device_type ? c->device_type : "disk");
	if (!r && c->trusted >= 0)
		r = ts_write(ts, f, "trusted", fperm, "%d", c->trusted ? 1 : 0);
	if (!r)
		r = ts_write(ts, f, "state", fperm, "%d",
			     XF_XENBUS_INITIALISING);
	if (r)
		return r;

	snprintf(tmp, sizeof(tmp), "/local/domain/%u/backend", c->backend_id);
	r = ts_mkdir(ts, tmp, bperm, 1);
	snprintf(tmp, sizeof(tmp), "/local/domain/%u/backend/vbd",
		 c->backend_id);
	if (!r)
		r = ts_mkdir(ts, tmp, bperm, 1);
	snprintf(tmp, sizeof(tmp), "/local/domain/%u/backend/vbd/%u",
		 c->backend_id, c->frontend_id);
	if (!r)
		r = ts_mkdir(ts, tmp, bperm, 2);
	if (!r)
		r = ts_mkdir(ts, b, bperm, 2);
	if (!r)
		r = ts_write(ts, b, "frontend", bperm, "%s", f);
	if (!r)
		r = ts_write(ts, b, "frontend-id", bperm, "%u", c->frontend_id);
	if (!r)
		r = ts_write(ts, b, "params", bperm, "%s",
			     c->params ? c->params : "mock");
	if (!r)
		r = ts_write(ts, b, "mode", bperm, "%s",
			     c->readonly ? "r" : "w");
	if (!r)
		r = ts_write(ts, b, "type", bperm, "%s",
			     c->type ? c->type : "phy");
	if (!r)
		r = ts_write(ts, b, "device-type", bperm, "%s",
			     c->device_type ? c->device_type : "disk");
	if (!r)
		r = ts_write(ts, b, "online", bperm, "1");
	if (!r)
		r = ts_write(ts, b, "state", bperm, "%d",
			     XF_XENBUS_INITIALISING);
	return r;
}

/* Runs fn in a transaction, retrying conflicts; or without one. */
static int ts_run(struct xf_platform *dom0, const struct xf_vbd_config *c,
		  bool use_txn, int (*fn)(struct ts *, const struct
					  xf_vbd_config *))
{
	struct ts ts = { .p = dom0 };
	int r, tries = 0;

	if (!dom0 || !c)
		return -EINVAL;
	r = dom0->store->open(dom0, &ts.xs);
	if (r < 0)
		return r;
	do {
		ts.t = XF_TXN_NONE;
		if (use_txn) {
			r = dom0->store->txn_start(ts.xs, &ts.t);
			if (r < 0)
				break;
		}
		r = fn(&ts, c);
		if (use_txn) {
			int e = dom0->store->txn_end(ts.xs, ts.t, r != 0);

			if (!r)
				r = e;
		}
	} while (r == -EAGAIN && ++tries < 100);
	dom0->store->close(ts.xs);
	return r;
}

int xf_vbd_create(struct xf_platform *dom0, const struct xf_vbd_config *c)
{
	if (!c)
		return -EINVAL;
	return ts_run(dom0, c, !c->no_transaction, create_once);
}

static int close_once(struct ts *ts, const struct xf_vbd_config *c)
{
	char b[BB_PATH_MAX];
	int r = xf_vbd_backend_path(c, b, sizeof(b));

	if (r)
		return r;
	r = exists(ts, b);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	return xf_xs_request_close(ts->p, ts->xs, ts->t, b);
}

int xf_vbd_request_close(struct xf_platform *dom0,
			 const struct xf_vbd_config *c)
{
	return ts_run(dom0, c, true, close_once);
}

static int destroy_once(struct ts *ts, const struct xf_vbd_config *c)
{
	char f[BB_PATH_MAX], b[BB_PATH_MAX];
	int r = xf_vbd_frontend_path(c, f, sizeof(f));

	if (!r)
		r = xf_vbd_backend_path(c, b, sizeof(b));
	if (!r) {
		r = ts->p->store->rm(ts->xs, ts->t, b);
		if (r == -ENOENT)
			r = 0;
	}
	if (!r) {
		r = ts->p->store->rm(ts->xs, ts->t, f);
		if (r == -ENOENT)
			r = 0;
	}
	return r;
}

int xf_vbd_destroy(struct xf_platform *dom0, const struct xf_vbd_config *c)
{
	return ts_run(dom0, c, true, destroy_once);
}

int xf_vbd_migrate(struct xf_platform *dom0, struct xf_vbd_config *c,
		   xf_domid new_backend_id)
{
	int r;

	if (!c)
		return -EINVAL;
	r = xf_vbd_destroy(dom0, c);
	if (r < 0)
		return r;
	c->backend_id = new_backend_id;
	return xf_vbd_create(dom0, c);
}
