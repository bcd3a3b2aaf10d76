// SPDX-License-Identifier: MIT
/* Convenience wrappers over the platform ops tables. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/platform.h>
#include <xfront/xenbus.h>

void xf_strv_free(char **v, unsigned int n)
{
	unsigned int i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int xf_xs_read_str(const struct xf_platform *p, struct xf_xs *xs,
		   xf_txn t, const char *path, char **val)
{
	char *v = NULL;
	size_t len = 0;
	int rc;

	if (!p || !p->store || !p->store->read || !path || !val)
		return -EINVAL;
	*val = NULL;
	rc = p->store->read(xs, t, path, &v, &len);
	if (rc < 0)
		return rc;
	if (!v)
		return -EIO;
	/* A value with an embedded NUL would be silently truncated by every
	 * string user: refuse it instead. */
	if (strlen(v) != len) {
		free(v);
		return -EINVAL;
	}
	*val = v;
	return 0;
}

int xf_xs_printf(const struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		 const char *path, const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int len, rc;

	if (!p || !p->store || !p->store->write || !path || !fmt)
		return -EINVAL;
	va_start(ap, fmt);
	len = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	rc = p->store->write(xs, t, path, buf, (size_t)len);
	free(buf);
	return rc;
}

/* Strict unsigned decimal: digits only, no sign, blanks or suffix. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int xf_xs_read_uint(const struct xf_platform *p, struct xf_xs *xs,
		    xf_txn t, const char *path, uint64_t max, uint64_t *out)
{
	char *v;
	uint64_t n;
	int rc;

	if (!out)
		return -EINVAL;
	rc = xf_xs_read_str(p, xs, t, path, &v);
	if (rc < 0)
		return rc;
	rc = parse_uint(v, max, &n);
	free(v);
	if (rc == 0)
		*out = n;
	return rc;
}

int xf_xs_read_scanu(const struct xf_platform *p, struct xf_xs *xs,
		     xf_txn t, const char *path, uint32_t *out)
{
	unsigned int v = 0;
	const char *c;
	bool neg = false;
	char *val;
	int rc = xf_xs_read_str(p, xs, t, path, &val);

	if (rc < 0)
		return rc;
	c = val;
	while (*c == ' ' || (*c >= '\t' && *c <= '\r'))
		c++;
	if (*c == '+' || *c == '-')
		neg = *c++ == '-';
	if (*c < '0' || *c > '9') {
		free(val);
		return -EINVAL;
	}
	/* Unsigned arithmetic wraps as the kernel's simple_strtoul into
	 * an unsigned int does. */
	for (; *c >= '0' && *c <= '9'; c++)
		v = v * 10u + (unsigned int)(*c - '0');
	free(val);
	*out = neg ? 0u - v : v;
	return 0;
}

int xf_xs_write_fatal(const struct xf_platform *p, struct xf_xs *xs,
		      const char *kind, unsigned int fe_domid,
		      unsigned int devid, int err, const char *msg)
{
	char path[160];

	snprintf(path, sizeof(path),
		 "/local/domain/%u/error/backend/%s/%u/%u/error",
		 (unsigned int)p->domid, kind, fe_domid, devid);
	return xf_xs_printf(p, (struct xf_xs *)xs, XF_TXN_NONE, path, "%d %s",
			    -err, msg);
}

int xf_xs_request_close(const struct xf_platform *p, struct xf_xs *xs,
			xf_txn t, const char *be_dir)
{
	char path[256];
	uint64_t st;
	bool closed;
	int r;

	snprintf(path, sizeof(path), "%s/state", be_dir);
	r = xf_xs_read_uint(p, xs, t, path, UINT32_MAX, &st);
	if (r == -ENOENT || (r < 0 && r != -EINVAL))
		return r;
	/* A backend already Closed is not sent back to Closing. */
	closed = !r && st == XF_XENBUS_CLOSED;
	snprintf(path, sizeof(path), "%s/online", be_dir);
	r = xf_xs_printf(p, xs, t, path, "%u", 0u);
	if (r || closed)
		return r;
	snprintf(path, sizeof(path), "%s/state", be_dir);
	return xf_xs_printf(p, xs, t, path, "%u", XF_XENBUS_CLOSING);
}

int xf_xs_rm_under(const struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		   const char *dir, const char *key_fmt, ...)
{
	va_list ap;
	char *key, *path;
	int len, rc;

	if (!p || !p->store || !p->store->rm || !dir || !key_fmt)
		return -EINVAL;
	va_start(ap, key_fmt);
	len = vasprintf(&key, key_fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	len = asprintf(&path, "%s/%s", dir, key);
	free(key);
	if (len < 0)
		return -ENOMEM;
	rc = p->store->rm(xs, t, path);
	free(path);
	return rc == -ENOENT ? 0 : rc;
}
