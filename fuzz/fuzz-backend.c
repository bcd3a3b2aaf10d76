// SPDX-License-Identifier: MIT
/* The fake backend's xenbus side, shared by the frontend fuzz targets. */
#include <string.h>

#include "fuzz-backend.h"
#include "fuzz.h"

void fz_be_open(struct fz_be *b, struct xf_platform *p,
		const struct fz_be_ops *ops)
{
	b->p = p;
	b->ops = ops;
	FZ_CHECK(p->store->open(p, &b->xs) == 0);
	FZ_CHECK(p->evtchn->open(p, &b->evh) == 0);
}

void fz_be_close(struct fz_be *b)
{
	b->p->evtchn->close(b->evh);
	b->p->store->close(b->xs);
}

void fz_be_write(struct fz_be *b, const char *key, const char *val)
{
	char path[192];

	if (b->gone)
		return;
	snprintf(path, sizeof(path), "%s/%s", b->dir, key);
	b->p->store->write(b->xs, XF_TXN_NONE, path, val, strlen(val));
}

void fz_be_write_num(struct fz_be *b, const char *key, unsigned long long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", v);
	fz_be_write(b, key, val);
}

void fz_be_state(struct fz_be *b, int s)
{
	if (b->gone)
		return;
	fz_be_write_num(b, "state", (unsigned long long)s);
	b->state = s;
}

int fz_be_fe_uint(struct fz_be *b, const char *dir, const char *key,
		  uint64_t *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xf_xs_read_uint(b->p, b->xs, XF_TXN_NONE, path, UINT32_MAX, v);
}

void fz_be_drain_events(struct fz_be *b)
{
	int port;

	while ((port = b->p->evtchn->pending(b->evh)) >= 0)
		b->p->evtchn->unmask(b->evh, (xf_port)port);
}

void fz_be_follow(struct fz_be *b, void *arg)
{
	uint64_t fs;

	if (b->gone) {
		/* Removed by the toolstack: a backend tears down. */
		b->ops->disconnect(b, arg);
		return;
	}
	if (fz_be_fe_uint(b, b->fe_dir, "state", &fs) < 0)
		return;
	switch (fs) {
	case XF_XENBUS_INITIALISING:
		if (b->state == XF_XENBUS_CONNECTED ||
		    b->state == XF_XENBUS_CLOSING ||
		    b->state == XF_XENBUS_CLOSED) {
			b->ops->disconnect(b, arg);
			fz_be_state(b, XF_XENBUS_INITWAIT);
		}
		break;
	case XF_XENBUS_INITIALISED:
	case XF_XENBUS_CONNECTED:
		if (b->state != XF_XENBUS_INITWAIT)
			break;
		if (b->ops->connect(b, arg)) {
			if (b->ops->connected)
				b->ops->connected(b, arg);
			fz_be_state(b, XF_XENBUS_CONNECTED);
		} else {
			fz_be_state(b, XF_XENBUS_CLOSING);
		}
		break;
	case XF_XENBUS_CLOSING:
	case XF_XENBUS_CLOSED:
		b->ops->disconnect(b, arg);
		if (b->state != XF_XENBUS_CLOSED)
			fz_be_state(b, XF_XENBUS_CLOSED);
		break;
	default:
		break;
	}
}
