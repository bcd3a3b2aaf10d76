/* SPDX-License-Identifier: MIT */
/* xen platform: xenstore over libxenstore. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include <xfront/platform.h>
#include <xfront/xen.h>
#include "xen_priv.h"

/* A registered watch, for dropping events that were queued before the
 * watch was removed. */
struct xenp_watch {
	struct xenp_watch *next;
	char *path;
	char *token;
};

struct xf_xs {
	struct xs_handle *h;
	int fd;
	pthread_mutex_t lock; /* watches */
	struct xenp_watch *watches;
};

static void free_watch(struct xenp_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

static bool path_at_or_below(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(base, path, n))
		return false;
	/* "/" (or any base ending in '/') already ends at a boundary. */
	return path[n] == '\0' || path[n] == '/' || (n && base[n - 1] == '/');
}

/* An event belongs to a live watch when the token matches and the path
 * is the watched path or below it. */
static bool event_is_live(struct xf_xs *xs, const char *path,
			  const char *token)
{
	struct xenp_watch *w;
	bool live = false;

	pthread_mutex_lock(&xs->lock);
	for (w = xs->watches; w && !live; w = w->next)
		live = !strcmp(w->token, token) &&
		       path_at_or_below(path, w->path);
	pthread_mutex_unlock(&xs->lock);
	return live;
}

static int store_open(struct xf_platform *p, struct xf_xs **out)
{
	struct xf_xs *xs;
	int err;

	(void)p;
	if (!out)
		return -EINVAL;
	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	/* Not XS_UNWATCH_FILTER: libxenstore 4.17 leaks the body of every
	 * event it filters. read_watch() drops stale events instead. */
	xs->h = xs_open(0);
	if (!xs->h) {
		err = xenp_err();
		free(xs);
		return err;
	}
	pthread_mutex_init(&xs->lock, NULL);
	/* Create the watch pipe now, so the fd is stable and readable
	 * exactly while events are queued. */
	xs->fd = xs_fileno(xs->h);
	if (xs->fd < 0) {
		err = xenp_err();
		xs_close(xs->h);
		pthread_mutex_destroy(&xs->lock);
		free(xs);
		return err;
	}
	*out = xs;
	return 0;
}

static void store_close(struct xf_xs *xs)
{
	if (!xs)
		return;
	xs_close(xs->h);
	while (xs->watches) {
		struct xenp_watch *w = xs->watches;

		xs->watches = w->next;
		free_watch(w);
	}
	pthread_mutex_destroy(&xs->lock);
	free(xs);
}

static int store_read(struct xf_xs *xs, xf_txn t, const char *path,
		      char **val, size_t *len)
{
	unsigned int n = 0;
	char *v;

	if (!path || !val)
		return -EINVAL;
	/* libxenstore NUL-terminates the value it returns. */
	v = xs_read(xs->h, t, path, &n);
	if (!v)
		return xenp_err();
	*val = v;
	if (len)
		*len = n;
	return 0;
}

static int store_write(struct xf_xs *xs, xf_txn t, const char *path,
		       const void *val, size_t len)
{
	if (!path || (!val && len))
		return -EINVAL;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (!xs_write(xs->h, t, path, val ? val : "", (unsigned int)len))
		return xenp_err();
	return 0;
}

static int store_mkdir(struct xf_xs *xs, xf_txn t, const char *path)
{
	if (!path)
		return -EINVAL;
	if (!xs_mkdir(xs->h, t, path))
		return xenp_err();
	return 0;
}

static int store_rm(struct xf_xs *xs, xf_txn t, const char *path)
{
	if (!path)
		return -EINVAL;
	if (!xs_rm(xs->h, t, path))
		return xenp_err();
	return 0;
}

/* libxenstore returns one block holding the array and the strings; the
 * platform contract is an array of separately allocated strings. */
static int store_directory(struct xf_xs *xs, xf_txn t, const char *path,
			   char ***names, unsigned int *n)
{
	unsigned int num = 0, i;
	char **v, **copy;

	if (!path || !names || !n)
		return -EINVAL;
	v = xs_directory(xs->h, t, path, &num);
	if (!v)
		return xenp_err();
	copy = calloc(num ? num : 1, sizeof(*copy));
	if (!copy) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < num; i++) {
		copy[i] = strdup(v[i]);
		if (!copy[i]) {
			xf_strv_free(copy, i);
			free(v);
			return -ENOMEM;
		}
	}
	free(v);
	*names = copy;
	*n = num;
	return 0;
}

static int store_get_perms(struct xf_xs *xs, xf_txn t, const char *path,
			   struct xf_xs_perm **perms, unsigned int *n)
{
	unsigned int num = 0, i;
	struct xs_permissions *v;
	struct xf_xs_perm *out;

	if (!path || !perms || !n)
		return -EINVAL;
	v = xs_get_permissions(xs->h, t, path, &num);
	if (!v)
		return xenp_err();
	out = calloc(num ? num : 1, sizeof(*out));
	if (!out) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < num; i++) {
		out[i].domid = (xf_domid)v[i].id;
		/* Only read/write: the other bits are xenstored-internal. */
		out[i].perm = v[i].perms & XF_XS_PERM_BOTH;
	}
	free(v);
	*perms = out;
	*n = num;
	return 0;
}

static int store_set_perms(struct xf_xs *xs, xf_txn t, const char *path,
			   const struct xf_xs_perm *perms, unsigned int n)
{
	struct xs_permissions *v;
	unsigned int i;
	int rc = 0;

	if (!path || !perms || !n)
		return -EINVAL;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (perms[i].perm & ~(unsigned int)XF_XS_PERM_BOTH) {
			free(v);
			return -EINVAL;
		}
		v[i].id = perms[i].domid;
		v[i].perms = perms[i].perm;
	}
	if (!xs_set_permissions(xs->h, t, path, v, n))
		rc = xenp_err();
	free(v);
	return rc;
}

static int store_watch(struct xf_xs *xs, const char *path, const char *token)
{
	struct xenp_watch *w;
	int rc;

	if (!path || !token)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free_watch(w);
		return -ENOMEM;
	}
	/* Listed before registering: the initial event may be queued by
	 * the reader thread before xs_watch() returns. */
	pthread_mutex_lock(&xs->lock);
	w->next = xs->watches;
	xs->watches = w;
	pthread_mutex_unlock(&xs->lock);
	if (xs_watch(xs->h, path, token))
		return 0;
	rc = xenp_err();
	pthread_mutex_lock(&xs->lock);
	for (struct xenp_watch **pp = &xs->watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&xs->lock);
	free_watch(w);
	return rc;
}

static int store_unwatch(struct xf_xs *xs, const char *path,
			 const char *token)
{
	struct xenp_watch *w = NULL;

	if (!path || !token)
		return -EINVAL;
	if (!xs_unwatch(xs->h, path, token))
		return xenp_err();
	pthread_mutex_lock(&xs->lock);
	for (struct xenp_watch **pp = &xs->watches; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, path) &&
		    !strcmp((*pp)->token, token)) {
			w = *pp;
			*pp = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&xs->lock);
	if (w)
		free_watch(w);
	return 0;
}

static int store_read_watch(struct xf_xs *xs, char **path, char **token)
{
	char **v;
	char *p, *tok;

	if (!path || !token)
		return -EINVAL;
	/* xs_check_watch never blocks: EAGAIN when the queue is empty.
	 * Events of watches removed meanwhile are dropped, so after
	 * unwatch() none of its events is returned. */
	for (;;) {
		v = xs_check_watch(xs->h);
		if (!v)
			return xenp_err();
		if (event_is_live(xs, v[XS_WATCH_PATH], v[XS_WATCH_TOKEN]))
			break;
		free(v);
	}
	p = strdup(v[XS_WATCH_PATH]);
	tok = strdup(v[XS_WATCH_TOKEN]);
	free(v);
	if (!p || !tok) {
		free(p);
		free(tok);
		return -ENOMEM;
	}
	*path = p;
	*token = tok;
	return 0;
}

static int store_txn_start(struct xf_xs *xs, xf_txn *t)
{
	xs_transaction_t x;

	if (!t)
		return -EINVAL;
	x = xs_transaction_start(xs->h);
	if (x == XBT_NULL)
		return xenp_err();
	*t = x;
	return 0;
}

static int store_txn_end(struct xf_xs *xs, xf_txn t, bool abort)
{
	if (t == XF_TXN_NONE)
		return -EINVAL;
	/* A conflict is reported as EAGAIN; the caller retries. */
	if (!xs_transaction_end(xs->h, t, abort))
		return xenp_err();
	return 0;
}

static int store_fd(struct xf_xs *xs)
{
	return xs->fd;
}

static int store_set_wakeup(struct xf_xs *xs, xf_wakeup_fn fn, void *opaque)
{
	(void)xs;
	(void)fn;
	(void)opaque;
	return -ENOTSUP;
}

const struct xf_store_ops xenp_store_ops = {
	.open = store_open,
	.close = store_close,
	.read = store_read,
	.write = store_write,
	.mkdir = store_mkdir,
	.rm = store_rm,
	.directory = store_directory,
	.get_perms = store_get_perms,
	.set_perms = store_set_perms,
	.watch = store_watch,
	.unwatch = store_unwatch,
	.read_watch = store_read_watch,
	.txn_start = store_txn_start,
	.txn_end = store_txn_end,
	.fd = store_fd,
	.set_wakeup = store_set_wakeup,
};
