/* SPDX-License-Identifier: MIT */
/*
 * xenstore connections: the xf_store_ops entry points. Each call takes
 * the hv lock, resolves the path and transaction, runs the tree
 * operation and calls wakeup hooks after unlocking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mock-private.h"

static bool alive(const struct xf_xs *xs)
{
	return xs->dom && !xs->dom->dead;
}

static int xs_open(struct xf_platform *p, struct xf_xs **out)
{
	struct mock_dom *d = mock_dom_of(p);
	struct xf_mock_hv *hv = d->hv;
	struct xf_xs *xs, **pp;
	int fd;

	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	fd = mock_efd_new();
	if (fd < 0) {
		free(xs);
		return fd;
	}
	xs->efd = fd;
	xs->hv = hv;
	xs->dom = d;
	pthread_mutex_lock(&hv->lock);
	if (d->dead) {
		pthread_mutex_unlock(&hv->lock);
		close(fd);
		free(xs);
		return -ESRCH;
	}
	/* Appended: watch firing order follows connection order. */
	for (pp = &hv->conns; *pp; pp = &(*pp)->next)
		;
	*pp = xs;
	pthread_mutex_unlock(&hv->lock);
	*out = xs;
	return 0;
}

static void xs_close(struct xf_xs *xs)
{
	struct xf_mock_hv *hv;
	struct xf_xs **pp;

	if (!xs)
		return;
	hv = xs->hv;
	pthread_mutex_lock(&hv->lock);
	for (pp = &hv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == xs) {
			*pp = xs->next;
			break;
		}
	}
	mock_xs_detach(xs);
	pthread_mutex_unlock(&hv->lock);
	close(xs->efd);
	free(xs);
}

/* Locked. Sets up c for transaction t (or the live tree). */
static int ctx_get(struct xf_xs *xs, xf_txn t, struct mock_sctx *c,
		   struct mock_wakeq *wq)
{
	struct mock_txn *txn;

	if (!alive(xs))
		return -ESRCH;
	c->hv = xs->hv;
	c->domid = xs->dom->domid;
	c->wq = wq;
	c->txn = NULL;
	c->root = xs->hv->root;
	if (t == XF_TXN_NONE)
		return 0;
	for (txn = xs->txns; txn; txn = txn->next) {
		if (txn->id == t) {
			c->txn = txn;
			c->root = txn->root;
			return 0;
		}
	}
	return -ENOENT;
}

enum xs_call {
	XS_READ,
	XS_WRITE,
	XS_MKDIR,
	XS_RM,
	XS_DIR,
	XS_GET_PERMS,
	XS_SET_PERMS,
};

struct xs_args {
	enum xs_call call;
	const char *val;
	size_t len;
	char **out_val;
	size_t *out_len;
	char ***names;
	unsigned int *n;
	struct xf_xs_perm **out_perms;
	const struct xf_xs_perm *perms;
};

static int xs_do(struct xf_xs *xs, xf_txn t, const char *path,
		 struct xs_args *a)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_wakeq wq;
	struct mock_sctx c;
	char *cpath = NULL;
	int rc;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	rc = ctx_get(xs, t, &c, &wq);
	if (!rc)
		rc = mock_path_canon(c.domid, path, &cpath, NULL);
	if (rc)
		goto out;
	switch (a->call) {
	case XS_READ:
		rc = mock_st_read(&c, cpath, a->out_val, a->out_len);
		break;
	case XS_WRITE:
		rc = mock_st_write(&c, cpath, a->val, a->len);
		break;
	case XS_MKDIR:
		rc = mock_st_mkdir(&c, cpath);
		break;
	case XS_RM:
		rc = mock_st_rm(&c, cpath);
		break;
	case XS_DIR:
		rc = mock_st_directory(&c, cpath, a->names, a->n);
		break;
	case XS_GET_PERMS:
		rc = mock_st_get_perms(&c, cpath, a->out_perms, a->n);
		break;
	case XS_SET_PERMS:
		rc = mock_st_set_perms(&c, cpath, a->perms, *a->n);
		break;
	}
out:
	pthread_mutex_unlock(&hv->lock);
	free(cpath);
	mock_wakeq_run(&wq);
	return rc;
}

static int xs_read(struct xf_xs *xs, xf_txn t, const char *path, char **val,
		   size_t *len)
{
	struct xs_args a = { .call = XS_READ, .out_val = val, .out_len = len };

	if (!val)
		return -EINVAL;
	return xs_do(xs, t, path, &a);
}

static int xs_write(struct xf_xs *xs, xf_txn t, const char *path,
		    const void *val, size_t len)
{
	struct xs_args a = { .call = XS_WRITE, .val = val, .len = len };

	if (!val && len)
		return -EINVAL;
	if (!val)
		a.val = "";
	return xs_do(xs, t, path, &a);
}

static int xs_mkdir(struct xf_xs *xs, xf_txn t, const char *path)
{
	struct xs_args a = { .call = XS_MKDIR };

	return xs_do(xs, t, path, &a);
}

static int xs_rm(struct xf_xs *xs, xf_txn t, const char *path)
{
	struct xs_args a = { .call = XS_RM };

	return xs_do(xs, t, path, &a);
}

static int xs_directory(struct xf_xs *xs, xf_txn t, const char *path,
			char ***names, unsigned int *n)
{
	struct xs_args a = { .call = XS_DIR, .names = names, .n = n };

	if (!names || !n)
		return -EINVAL;
	return xs_do(xs, t, path, &a);
}

static int xs_get_perms(struct xf_xs *xs, xf_txn t, const char *path,
			struct xf_xs_perm **perms, unsigned int *n)
{
	struct xs_args a = { .call = XS_GET_PERMS, .out_perms = perms, .n = n };

	if (!perms || !n)
		return -EINVAL;
	return xs_do(xs, t, path, &a);
}

static int xs_set_perms(struct xf_xs *xs, xf_txn t, const char *path,
			const struct xf_xs_perm *perms, unsigned int n)
{
	struct xs_args a = { .call = XS_SET_PERMS, .perms = perms, .n = &n };

	return xs_do(xs, t, path, &a);
}

static int xs_watch(struct xf_xs *xs, const char *path, const char *token)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_watch *w, **pp;
	struct mock_wakeq wq;
	int rc = 0;

	if (!path || !token)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->token = strdup(token);
	if (!w->token) {
		free(w);
		return -ENOMEM;
	}
	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	if (!alive(xs)) {
		rc = -ESRCH;
		goto fail;
	}
	if (path[0] == '@') {
		if (strcmp(path, "@introduceDomain") &&
		    strcmp(path, "@releaseDomain")) {
			rc = -EINVAL;
			goto fail;
		}
		w->path = strdup(path);
		rc = w->path ? 0 : -ENOMEM;
	} else {
		rc = mock_path_canon(xs->dom->domid, path, &w->path,
				     &w->rel_skip);
	}
	if (rc)
		goto fail;
	for (pp = &xs->watches; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, w->path) &&
		    !strcmp((*pp)->token, token)) {
			rc = -EEXIST;
			goto fail;
		}
	}
	*pp = w;
	/* The registration event, as xenstored sends it. */
	mock_watch_queue(xs, w, w->path, &wq);
	pthread_mutex_unlock(&hv->lock);
	mock_wakeq_run(&wq);
	return 0;
fail:
	pthread_mutex_unlock(&hv->lock);
	free(w->path);
	free(w->token);
	free(w);
	return rc;
}

static int xs_unwatch(struct xf_xs *xs, const char *path, const char *token)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_watch *w, **pp;
	struct mock_wevent *ev;
	char *cpath = NULL;
	size_t skip = 0;
	int rc = -ENOENT;

	if (!path || !token)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	if (!alive(xs)) {
		rc = -ESRCH;
		goto out;
	}
	if (path[0] == '@')
		cpath = strdup(path);
	else if (mock_path_canon(xs->dom->domid, path, &cpath, &skip))
		cpath = NULL;
	if (!cpath) {
		rc = -EINVAL;
		goto out;
	}
	for (pp = &xs->watches; (w = *pp); pp = &w->next) {
		XF_FIFO(struct mock_wevent) keep = XF_FIFO_INIT;
		size_t rl;

		if (strcmp(w->path, cpath) || strcmp(w->token, token))
			continue;
		*pp = w->next;
		/* Like libxenstore, drop queued events of this watch so a
		 * stale event cannot arrive after unwatch returns. */
		rl = strlen(w->path + w->rel_skip);
		while ((ev = XF_FIFO_POP(&xs->ev, next))) {
			if (!strcmp(ev->token, token) &&
			    !strncmp(ev->path, w->path + w->rel_skip, rl) &&
			    (ev->path[rl] == '\0' || ev->path[rl] == '/' ||
			     !strcmp(w->path + w->rel_skip, "/")))
				mock_wevent_free(ev);
			else
				XF_FIFO_PUSH(&keep, ev, next);
		}
		XF_FIFO_SPLICE(&xs->ev, &keep, next);
		if (XF_FIFO_EMPTY(&xs->ev))
			mock_efd_clear(xs->efd);
		free(w->path);
		free(w->token);
		free(w);
		rc = 0;
		break;
	}
out:
	pthread_mutex_unlock(&hv->lock);
	free(cpath);
	return rc;
}

static int xs_read_watch(struct xf_xs *xs, char **path, char **token)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_wevent *ev;

	if (!path || !token)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	ev = XF_FIFO_POP(&xs->ev, next);
	if (ev && XF_FIFO_EMPTY(&xs->ev))
		mock_efd_clear(xs->efd);
	pthread_mutex_unlock(&hv->lock);
	if (!ev)
		return -EAGAIN;
	*path = ev->path;
	*token = ev->token;
	free(ev);
	return 0;
}

static int xs_txn_start(struct xf_xs *xs, xf_txn *t)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_txn *txn;
	int rc = 0;

	if (!t)
		return -EINVAL;
	txn = calloc(1, sizeof(*txn));
	if (!txn)
		return -ENOMEM;
	pthread_mutex_lock(&hv->lock);
	if (!alive(xs)) {
		rc = -ESRCH;
		goto fail;
	}
	txn->root = mock_node_clone(hv->root, NULL);
	if (!txn->root) {
		rc = -ENOMEM;
		goto fail;
	}
	txn->id = hv->next_txn++;
	if (hv->next_txn == XF_TXN_NONE)
		hv->next_txn = 1;
	txn->next = xs->txns;
	xs->txns = txn;
	*t = txn->id;
	pthread_mutex_unlock(&hv->lock);
	return 0;
fail:
	pthread_mutex_unlock(&hv->lock);
	mock_txn_free(txn);
	return rc;
}

static int xs_txn_end(struct xf_xs *xs, xf_txn t, bool abort)
{
	struct xf_mock_hv *hv = xs->hv;
	struct mock_txn *txn = NULL, **pp;
	struct mock_wakeq wq;
	int rc = -ENOENT;

	mock_wakeq_init(&wq);
	pthread_mutex_lock(&hv->lock);
	for (pp = &xs->txns; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == t) {
			txn = *pp;
			*pp = txn->next;
			break;
		}
	}
	if (txn && abort) {
		rc = 0;
	} else if (txn && !alive(xs)) {
		rc = -ESRCH;
	} else if (txn) {
		rc = mock_txn_commit(hv, xs->dom->domid, txn, &wq);
		if (rc == -EAGAIN)
			xs->dom->st.xs_txn_conflicts++;
	}
	pthread_mutex_unlock(&hv->lock);
	mock_txn_free(txn);
	mock_wakeq_run(&wq);
	return rc;
}

static int xs_fd(struct xf_xs *xs)
{
	return xs->efd;
}

static int xs_set_wakeup(struct xf_xs *xs, xf_wakeup_fn fn, void *opaque)
{
	struct xf_mock_hv *hv = xs->hv;
	bool queued;

	pthread_mutex_lock(&hv->lock);
	xs->wake_fn = fn;
	xs->wake_opaque = opaque;
	queued = !XF_FIFO_EMPTY(&xs->ev);
	pthread_mutex_unlock(&hv->lock);
	/* Events queued before the hook existed must not be missed. */
	if (queued && fn)
		fn(opaque);
	return 0;
}

const struct xf_store_ops mock_store_ops = {
	.open = xs_open,
	.close = xs_close,
	.read = xs_read,
	.write = xs_write,
	.mkdir = xs_mkdir,
	.rm = xs_rm,
	.directory = xs_directory,
	.get_perms = xs_get_perms,
	.set_perms = xs_set_perms,
	.watch = xs_watch,
	.unwatch = xs_unwatch,
	.read_watch = xs_read_watch,
	.txn_start = xs_txn_start,
	.txn_end = xs_txn_end,
	.fd = xs_fd,
	.set_wakeup = xs_set_wakeup,
};
