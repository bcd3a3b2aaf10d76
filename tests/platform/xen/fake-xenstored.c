/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "fake-xenstored.h"

#define FXS_NODES 256
#define FXS_CONNS 8
#define FXS_WATCHES 32
#define FXS_TXNS 8
#define FXS_TXN_OPS 32

struct fxs_node {
	char *path;
	char *val;
	size_t len;
	char perms[64];
	size_t perms_len;
};

struct fxs_watch {
	int conn; /* index into conns, -1 when free */
	char *path;
	char *token;
};

struct fxs_op {
	bool rm;
	char *path;
	char *val;
	size_t len;
};

struct fxs_txn {
	uint32_t id; /* 0 when free */
	unsigned long gen;
	unsigned int nops;
	struct fxs_op ops[FXS_TXN_OPS];
};

struct fxs {
	int lfd;
	int wake[2];
	pthread_t thr;
	pthread_mutex_t lock;
	char sock[108];
	int conns[FXS_CONNS];
	struct fxs_node nodes[FXS_NODES];
	struct fxs_watch watches[FXS_WATCHES];
	struct fxs_txn txns[FXS_TXNS];
	unsigned long gen;
	uint32_t next_txn;
};

static struct fxs_node *find(struct fxs *f, const char *path)
{
	for (int i = 0; i < FXS_NODES; i++)
		if (f->nodes[i].path && !strcmp(f->nodes[i].path, path))
			return &f->nodes[i];
	return NULL;
}

static void set_node(struct fxs *f, const char *path, const void *val,
		     size_t len)
{
	struct fxs_node *n = find(f, path);

	if (!n) {
		for (int i = 0; i < FXS_NODES && !n; i++)
			if (!f->nodes[i].path)
				n = &f->nodes[i];
		if (!n)
			return;
		n->path = strdup(path);
		memcpy(n->perms, "n0", 3);
		n->perms_len = 3;
	}
	free(n->val);
	n->val = malloc(len + 1);
	memcpy(n->val, val, len);
	n->val[len] = '\0';
	n->len = len;
}

static bool under(const char *path, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(path, base, n) &&
	       (path[n] == '\0' || path[n] == '/' || (n && base[n - 1] == '/'));
}

static void rm_nodes(struct fxs *f, const char *path)
{
	for (int i = 0; i < FXS_NODES; i++) {
		struct fxs_node *n = &f->nodes[i];

		if (n->path && under(n->path, path)) {
			free(n->path);
			free(n->val);
			memset(n, 0, sizeof(*n));
		}
	}
}

static int send_msg(int fd, uint32_t type, uint32_t req_id, uint32_t tx_id,
		    const void *body, size_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)len };
	char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return write(fd, buf, sizeof(h) + len) < 0 ? -errno : 0;
}

static int send_err(int fd, const struct xsd_sockmsg *h, const char *err)
{
	return send_msg(fd, XS_ERROR, h->req_id, h->tx_id, err, strlen(err) + 1);
}

static int send_ok(int fd, const struct xsd_sockmsg *h)
{
	return send_msg(fd, h->type, h->req_id, h->tx_id, "OK", 3);
}

static void fire(struct fxs *f, const char *path)
{
	char body[512];

	for (int i = 0; i < FXS_WATCHES; i++) {
		struct fxs_watch *w = &f->watches[i];
		int n;

		if (w->conn < 0 || !under(path, w->path))
			continue;
		n = snprintf(body, sizeof(body), "%s%c%s", path, '\0',
			     w->token);
		send_msg(f->conns[w->conn], XS_WATCH_EVENT, 0, 0, body,
			 (size_t)n + 1);
	}
}

static void drop_watch(struct fxs_watch *w)
{
	free(w->path);
	free(w->token);
	w->path = w->token = NULL;
	w->conn = -1;
}

static struct fxs_txn *txn_of(struct fxs *f, uint32_t id)
{
	for (int i = 0; i < FXS_TXNS; i++)
		if (id && f->txns[i].id == id)
			return &f->txns[i];
	return NULL;
}

static void txn_free(struct fxs_txn *t)
{
	for (unsigned int i = 0; i < t->nops; i++) {
		free(t->ops[i].path);
		free(t->ops[i].val);
	}
	memset(t, 0, sizeof(*t));
}

static void apply(struct fxs *f, bool rm, const char *path, const void *val,
		  size_t len)
{
	if (rm)
		rm_nodes(f, path);
	else
		set_node(f, path, val, len);
	f->gen++;
	fire(f, path);
}

/* Answers one request; the return value is only the send status. */
static int handle(struct fxs *f, int ci, const struct xsd_sockmsg *h,
		  char *body)
{
	int fd = f->conns[ci];
	size_t plen = strnlen(body, h->len);
	const char *path = body;
	struct fxs_node *n;
	struct fxs_txn *t = txn_of(f, h->tx_id);
	char out[1024];
	size_t o = 0;

	switch (h->type) {
	case XS_READ:
		if (!strncmp(path, "/denied", 7))
			return send_err(fd, h, "EACCES");
		n = find(f, path);
		if (!n)
			return send_err(fd, h, "ENOENT");
		return send_msg(fd, XS_READ, h->req_id, h->tx_id, n->val,
				n->len);
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM: {
		bool rm = h->type == XS_RM;
		const char *val = h->type == XS_WRITE ? body + plen + 1 : "";
		size_t len = h->type == XS_WRITE ? h->len - plen - 1 : 0;

		if (h->type == XS_MKDIR && find(f, path))
			return send_ok(fd, h);
		if (t) {
			if (t->nops == FXS_TXN_OPS)
				return send_err(fd, h, "ENOSPC");
			struct fxs_op *op = &t->ops[t->nops++];
			op->rm = rm;
			op->path = strdup(path);
			op->val = malloc(len + 1);
			memcpy(op->val, val, len);
			op->len = len;
		} else {
			apply(f, rm, path, val, len);
		}
		return send_ok(fd, h);
	}
	case XS_DIRECTORY: {
		size_t bl = strlen(path);
		bool any = find(f, path) != NULL;

		for (int i = 0; i < FXS_NODES; i++) {
			const char *p = f->nodes[i].path, *c, *e;
			size_t cl;

			if (!p || strncmp(p, path, bl) || p[bl] != '/')
				continue;
			any = true;
			c = p + bl + 1;
			e = strchr(c, '/');
			cl = e ? (size_t)(e - c) : strlen(c);
			/* Once per child name. */
			bool dup = false;
			for (size_t k = 0; k < o; k += strlen(out + k) + 1)
				if (strlen(out + k) == cl &&
				    !strncmp(out + k, c, cl))
					dup = true;
			if (dup || o + cl + 1 > sizeof(out))
				continue;
			memcpy(out + o, c, cl);
			out[o + cl] = '\0';
			o += cl + 1;
		}
		if (!any)
			return send_err(fd, h, "ENOENT");
		return send_msg(fd, XS_DIRECTORY, h->req_id, h->tx_id, out, o);
	}
	case XS_GET_PERMS:
		n = find(f, path);
		if (!n)
			return send_err(fd, h, "ENOENT");
		return send_msg(fd, XS_GET_PERMS, h->req_id, h->tx_id,
				n->perms, n->perms_len);
	case XS_SET_PERMS:
		n = find(f, path);
		if (!n)
			return send_err(fd, h, "ENOENT");
		if (h->len - plen - 1 > sizeof(n->perms))
			return send_err(fd, h, "E2BIG");
		n->perms_len = h->len - plen - 1;
		memcpy(n->perms, body + plen + 1, n->perms_len);
		return send_ok(fd, h);
	case XS_WATCH:
	case XS_UNWATCH: {
		const char *token = body + plen + 1;

		for (int i = 0; i < FXS_WATCHES; i++) {
			struct fxs_watch *w = &f->watches[i];

			if (h->type == XS_UNWATCH && w->conn == ci &&
			    !strcmp(w->path, path) &&
			    !strcmp(w->token, token)) {
				drop_watch(w);
				return send_ok(fd, h);
			}
			if (h->type == XS_WATCH && w->conn < 0) {
				w->conn = ci;
				w->path = strdup(path);
				w->token = strdup(token);
				send_ok(fd, h);
				/* xenstored fires every new watch once. */
				int m = snprintf(out, sizeof(out), "%s%c%s",
						 path, '\0', token);
				return send_msg(fd, XS_WATCH_EVENT, 0, 0, out,
						(size_t)m + 1);
			}
		}
		return send_err(fd, h, h->type == XS_WATCH ? "ENOSPC"
							  : "ENOENT");
	}
	case XS_TRANSACTION_START:
		for (int i = 0; i < FXS_TXNS; i++) {
			if (f->txns[i].id)
				continue;
			f->txns[i].id = ++f->next_txn;
			f->txns[i].gen = f->gen;
			int m = snprintf(out, sizeof(out), "%u",
					 f->txns[i].id);
			return send_msg(fd, XS_TRANSACTION_START, h->req_id,
					0, out, (size_t)m + 1);
		}
		return send_err(fd, h, "ENOSPC");
	case XS_TRANSACTION_END:
		if (!t)
			return send_err(fd, h, "ENOENT");
		if (body[0] == 'T') {
			if (t->gen != f->gen) {
				txn_free(t);
				return send_err(fd, h, "EAGAIN");
			}
			for (unsigned int i = 0; i < t->nops; i++)
				apply(f, t->ops[i].rm, t->ops[i].path,
				      t->ops[i].val, t->ops[i].len);
		}
		txn_free(t);
		return send_ok(fd, h);
	default:
		return send_err(fd, h, "EINVAL");
	}
}

static bool read_all(int fd, void *buf, size_t len)
{
	return recv(fd, buf, len, MSG_WAITALL) == (ssize_t)len;
}

static void close_conn(struct fxs *f, int ci)
{
	for (int i = 0; i < FXS_WATCHES; i++)
		if (f->watches[i].conn == ci)
			drop_watch(&f->watches[i]);
	close(f->conns[ci]);
	f->conns[ci] = -1;
}

static void *serve(void *arg)
{
	struct fxs *f = arg;

	for (;;) {
		struct pollfd pfd[2 + FXS_CONNS];
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = f->wake[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = f->lfd, .events = POLLIN };
		for (int i = 0; i < FXS_CONNS; i++)
			pfd[n++] = (struct pollfd){ .fd = f->conns[i],
						    .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			int c = accept(f->lfd, NULL, NULL);

			for (int i = 0; c >= 0 && i < FXS_CONNS; i++) {
				if (f->conns[i] < 0) {
					f->conns[i] = c;
					c = -1;
				}
			}
			if (c >= 0)
				close(c);
		}
		for (int i = 0; i < FXS_CONNS; i++) {
			struct xsd_sockmsg h;
			char body[XENSTORE_PAYLOAD_MAX + 1];

			if (f->conns[i] < 0 || !pfd[2 + i].revents)
				continue;
			if (!read_all(f->conns[i], &h, sizeof(h)) ||
			    h.len > XENSTORE_PAYLOAD_MAX ||
			    (h.len && !read_all(f->conns[i], body, h.len))) {
				close_conn(f, i);
				continue;
			}
			body[h.len] = '\0';
			pthread_mutex_lock(&f->lock);
			handle(f, i, &h, body);
			pthread_mutex_unlock(&f->lock);
		}
	}
	return NULL;
}

struct fxs *fxs_start(const char *sock_path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fxs *f = calloc(1, sizeof(*f));

	if (!f || strlen(sock_path) >= sizeof(sa.sun_path))
		goto fail;
	for (int i = 0; i < FXS_CONNS; i++)
		f->conns[i] = -1;
	for (int i = 0; i < FXS_WATCHES; i++)
		f->watches[i].conn = -1;
	snprintf(f->sock, sizeof(f->sock), "%s", sock_path);
	strcpy(sa.sun_path, sock_path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0)
		goto fail;
	if (bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(f->lfd, 8) < 0 || pipe(f->wake) < 0)
		goto fail_fd;
	pthread_mutex_init(&f->lock, NULL);
	if (pthread_create(&f->thr, NULL, serve, f))
		goto fail_fd;
	return f;
fail_fd:
	close(f->lfd);
fail:
	free(f);
	return NULL;
}

void fxs_set(struct fxs *f, const char *path, const char *value)
{
	pthread_mutex_lock(&f->lock);
	set_node(f, path, value, strlen(value));
	pthread_mutex_unlock(&f->lock);
}

void fxs_stop(struct fxs *f)
{
	if (!f)
		return;
	if (write(f->wake[1], "x", 1) < 0)
		return;
	pthread_join(f->thr, NULL);
	for (int i = 0; i < FXS_CONNS; i++)
		if (f->conns[i] >= 0)
			close_conn(f, i);
	for (int i = 0; i < FXS_NODES; i++) {
		free(f->nodes[i].path);
		free(f->nodes[i].val);
	}
	for (int i = 0; i < FXS_TXNS; i++)
		txn_free(&f->txns[i]);
	close(f->lfd);
	close(f->wake[0]);
	close(f->wake[1]);
	unlink(f->sock);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
