/* SPDX-License-Identifier: MIT */
/*
 * The xenstore tree and its operations, applied either to the live tree
 * or to a transaction's private snapshot. Permission rules follow
 * xenstored: dom0 is privileged; the owner (perms[0].domid) has full
 * access; others get their own entry or else the default perms[0].perm.
 * A created node takes its parent's perms, and an unprivileged creator
 * becomes its owner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock-private.h"

struct mock_node *mock_node_new(const char *name, struct mock_node *parent,
				const struct xf_xs_perm *perms,
				unsigned int nperms)
{
	struct mock_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	n->perms = malloc(nperms * sizeof(*perms));
	if (!n->name || !n->perms) {
		free(n->name);
		free(n->perms);
		free(n);
		return NULL;
	}
	memcpy(n->perms, perms, nperms * sizeof(*perms));
	n->nperms = nperms;
	if (parent) {
		struct mock_node **pp = &parent->child;

		/* Children keep creation order, so directory listings and
		 * watch firing are deterministic. */
		while (*pp)
			pp = &(*pp)->next;
		*pp = n;
		n->parent = parent;
	}
	return n;
}

void mock_node_free(struct mock_node *n)
{
	while (n) {
		struct mock_node *next = n->next;

		mock_node_free(n->child);
		free(n->name);
		free(n->value);
		free(n->perms);
		free(n);
		n = next;
	}
}

struct mock_node *mock_node_clone(const struct mock_node *n,
				  struct mock_node *parent)
{
	struct mock_node *c = mock_node_new(n->name, parent, n->perms,
					    n->nperms);
	const struct mock_node *ch;

	if (!c)
		return NULL;
	c->gen = n->gen;
	c->len = n->len;
	if (n->value) {
		c->value = malloc(n->len + 1);
		if (!c->value)
			goto fail;
		memcpy(c->value, n->value, n->len + 1);
	}
	for (ch = n->child; ch; ch = ch->next)
		if (!mock_node_clone(ch, c))
			goto fail;
	return c;
fail:
	if (!parent)
		mock_node_free(c);
	/* With a parent, c is linked and the caller frees the whole
	 * partial copy from its root. */
	return NULL;
}

static const char path_chars[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-_@/";

int mock_path_canon(xf_domid domid, const char *in, char **out,
		    size_t *rel_skip)
{
	char prefix[32] = "";
	size_t plen, ilen;
	char *s;

	if (!in || !*in)
		return -EINVAL;
	/* A relative path is relative to the caller's home, as in
	 * xenstored. */
	if (in[0] != '/')
		snprintf(prefix, sizeof(prefix), "/local/domain/%u/",
			 (unsigned int)domid);
	plen = strlen(prefix);
	ilen = strlen(in);
	if (plen + ilen > MOCK_XS_PATH_MAX)
		return -EINVAL;
	/* Whole-string library calls, not a test per character: every
	 * store operation passes here, and under coverage instrumentation
	 * (the fuzz targets) each character's tests were a large part of a
	 * store-heavy run. */
	if (in[strspn(in, path_chars)] != '\0' || strstr(in, "//"))
		return -EINVAL;
	if (ilen > 1 && in[ilen - 1] == '/')
		return -EINVAL;
	s = malloc(plen + ilen + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, prefix, plen);
	memcpy(s + plen, in, ilen + 1);
	*out = s;
	if (rel_skip)
		*rel_skip = plen;
	return 0;
}

/* Detaches n (not the root) from its parent's child list. */
static void unlink_node(struct mock_node *n)
{
	struct mock_node **pp;

	for (pp = &n->parent->child; *pp != n; pp = &(*pp)->next)
		;
	*pp = n->next;
	n->next = NULL;
	n->parent = NULL;
}

static struct mock_node *child_find(struct mock_node *n, const char *name,
				    size_t len)
{
	struct mock_node *c;

	for (c = n->child; c; c = c->next)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

/* Exact node or NULL; *deepest gets the deepest existing ancestor (or
 * the node itself) and *rest the path remaining below it. */
static struct mock_node *lookup(struct mock_node *root, const char *path,
				struct mock_node **deepest, const char **rest)
{
	struct mock_node *n = root;
	const char *p = path + 1;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct mock_node *c = child_find(n, p, len);

		if (!c)
			break;
		n = c;
		p += len;
		if (*p == '/')
			p++;
	}
	if (deepest)
		*deepest = n;
	if (rest)
		*rest = p;
	return *p ? NULL : n;
}

struct mock_node *mock_node_lookup(struct mock_node *root, const char *path)
{
	return lookup(root, path, NULL, NULL);
}

static unsigned int node_perm(const struct mock_node *n, xf_domid domid)
{
	unsigned int i;

	if (domid == 0)
		return XF_XS_PERM_BOTH;
	if (!n->nperms)
		return XF_XS_PERM_NONE;
	if (n->perms[0].domid == domid)
		return XF_XS_PERM_BOTH;
	for (i = 1; i < n->nperms; i++)
		if (n->perms[i].domid == domid)
			return n->perms[i].perm;
	return n->perms[0].perm;
}

static bool may(const struct mock_node *n, xf_domid domid, unsigned int want)
{
	return (node_perm(n, domid) & want) == want;
}

/* Records the first access to path inside a transaction, with the
 * generation it had in the snapshot, for the conflict check. Every
 * change inside a transaction notes the nodes it touches, creates or
 * removes before changing them, so the first access always sees the
 * node as it was at txn_start (0: absent then). */
static uint32_t path_hash(const char *path)
{
	size_t len = strlen(path), i;
	uint32_t h = 2166136261u;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	return h;
}

static int note(struct mock_sctx *c, const char *path,
		const struct mock_node *n)
{
	struct mock_access *a, **pp;
	uint32_t h;

	if (!c->txn)
		return 0;
	/* Hashed: removing a subtree notes every node in it, and a list
	 * made that quadratic. */
	h = path_hash(path);
	pp = &c->txn->acc_hash[h % MOCK_TXN_ACC_BUCKETS];
	for (a = *pp; a; a = a->hnext)
		if (a->hash == h && !strcmp(a->path, path))
			return 0;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->path = strdup(path))) {
		free(a);
		return -ENOMEM;
	}
	a->gen = n ? n->gen : 0;
	a->hash = h;
	a->hnext = *pp;
	*pp = a;
	a->next = c->txn->acc;
	c->txn->acc = a;
	return 0;
}

static char *node_path(const struct mock_node *n)
{
	size_t len = 0, pos;
	const struct mock_node *m;
	char *s;

	if (!n->parent)
		return strdup("/");
	for (m = n; m->parent; m = m->parent)
		len += 1 + strlen(m->name);
	s = malloc(len + 1);
	if (!s)
		return NULL;
	s[len] = '\0';
	pos = len;
	for (m = n; m->parent; m = m->parent) {
		size_t l = strlen(m->name);

		pos -= l;
		memcpy(s + pos, m->name, l);
		s[--pos] = '/';
	}
	return s;
}

static int note_node(struct mock_sctx *c, const struct mock_node *n)
{
	char *p;
	int rc;

	if (!c->txn)
		return 0;
	p = node_path(n);
	if (!p)
		return -ENOMEM;
	rc = note(c, p, n);
	free(p);
	return rc;
}

/* Notes n, its siblings and everything below them. rm uses it on the
 * removed node's children, as xenstored does: the transaction then
 * conflicts with a concurrent change anywhere in the removed subtree,
 * and re-creating a removed path in the same transaction compares
 * against the generation the node had, not against "absent". */
static int note_subtree(struct mock_sctx *c, const struct mock_node *n)
{
	int rc;

	if (!c->txn)
		return 0;
	for (; n; n = n->next) {
		rc = note_node(c, n);
		if (!rc)
			rc = note_subtree(c, n->child);
		if (rc)
			return rc;
	}
	return 0;
}

static void touch(struct mock_sctx *c, struct mock_node *n)
{
	n->gen = ++c->hv->gen;
}

static void changed(struct mock_sctx *c, const char *path, bool removed)
{
	if (!c->txn)
		mock_watch_fire(c->hv, path, removed, c->wq);
}

/* A value written (val) or a subtree removed (val NULL) on the live
 * tree: the store hook sees it; a transaction's changes reach it when
 * the commit replays them here. */
static void stored(struct mock_sctx *c, const char *path, const char *val,
		   size_t len)
{
	if (!c->txn && c->hv->store_hook)
		c->hv->store_hook(c->hv->store_hook_opaque, path, val, len);
}

static struct mock_op *op_new(struct mock_sctx *c, enum mock_op_kind kind,
			      const char *path)
{
	struct mock_op *op;

	if (!c->txn)
		return NULL;
	op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->kind = kind;
	op->path = strdup(path);
	if (!op->path) {
		free(op);
		return NULL;
	}
	return op;
}

static void op_free(struct mock_op *op)
{
	if (!op)
		return;
	free(op->path);
	free(op->val);
	free(op->perms);
	free(op);
}

static void op_log(struct mock_sctx *c, struct mock_op *op)
{
	if (!op)
		return;
	XF_FIFO_PUSH(&c->txn->ops, op, next);
}

int mock_st_read(struct mock_sctx *c, const char *path, char **val,
		 size_t *len)
{
	struct mock_node *n = lookup(c->root, path, NULL, NULL);
	int rc = note(c, path, n);
	char *v;

	if (rc)
		return rc;
	if (!n)
		return -ENOENT;
	if (!may(n, c->domid, XF_XS_PERM_READ))
		return -EACCES;
	v = malloc(n->len + 1);
	if (!v)
		return -ENOMEM;
	if (n->value)
		memcpy(v, n->value, n->len);
	v[n->len] = '\0';
	*val = v;
	if (len)
		*len = n->len;
	return 0;
}

/* Notes, as absent, every path from the first missing component
 * (rest, inside path) down to path itself. They are recorded before
 * the nodes exist in the snapshot, so a later access inside the same
 * transaction finds them already noted and the commit check expects
 * them still absent from the live tree: only a concurrent creation at
 * the same path conflicts, never the transaction's own. */
static int note_created(struct mock_sctx *c, const char *path,
			const char *rest)
{
	char prefix[MOCK_XS_PATH_MAX + 1];
	int rc;

	if (!c->txn)
		return 0;
	while (*rest) {
		const char *e = strchr(rest, '/');
		size_t end = e ? (size_t)(e - path) : strlen(path);

		memcpy(prefix, path, end);
		prefix[end] = '\0';
		rc = note(c, prefix, NULL);
		if (rc)
			return rc;
		rest = path + end;
		if (*rest == '/')
			rest++;
	}
	return 0;
}

/* Finds or creates path (with missing parents). *created says whether
 * the node is new. Checks write permission on the node or, when it is
 * created, on its deepest existing ancestor. */
static int get_or_create(struct mock_sctx *c, const char *path,
			 struct mock_node **out, bool *created)
{
	struct mock_node *deep, *n;
	const char *rest;
	int rc;

	n = lookup(c->root, path, &deep, &rest);
	*created = false;
	if (n) {
		rc = note(c, path, n);
		if (rc)
			return rc;
		if (!may(n, c->domid, XF_XS_PERM_WRITE))
			return -EACCES;
		*out = n;
		return 0;
	}
	rc = note_node(c, deep);
	if (rc)
		return rc;
	if (!may(deep, c->domid, XF_XS_PERM_WRITE))
		return -EACCES;
	rc = note_created(c, path, rest);
	if (rc)
		return rc;
	touch(c, deep);
	n = deep;
	while (*rest) {
		const char *e = strchr(rest, '/');
		size_t len = e ? (size_t)(e - rest) : strlen(rest);
		char name[MOCK_XS_PATH_MAX + 1];
		struct mock_node *child;

		memcpy(name, rest, len);
		name[len] = '\0';
		child = mock_node_new(name, n, n->perms, n->nperms);
		if (!child) {
			/* Undo the partial chain so the tree (or snapshot)
			 * keeps matching the logged operations. */
			if (n != deep) {
				while (n->parent != deep)
					n = n->parent;
				unlink_node(n);
				mock_node_free(n);
			}
			return -ENOMEM;
		}
		if (c->domid != 0)
			child->perms[0].domid = c->domid;
		touch(c, child);
		n = child;
		rest += len;
		if (*rest == '/')
			rest++;
	}
	*created = true;
	*out = n;
	return 0;
}

int mock_st_write(struct mock_sctx *c, const char *path, const char *val,
		  size_t len)
{
	struct mock_op *op = op_new(c, MOCK_OP_WRITE, path);
	struct mock_node *n;
	bool created;
	char *v;
	int rc;

	if (c->txn && !op)
		return -ENOMEM;
	v = malloc(len + 1);
	if (!v) {
		op_free(op);
		return -ENOMEM;
	}
	memcpy(v, val, len);
	v[len] = '\0';
	if (op) {
		op->val = malloc(len + 1);
		if (!op->val) {
			free(v);
			op_free(op);
			return -ENOMEM;
		}
		memcpy(op->val, v, len + 1);
		op->len = len;
	}
	rc = get_or_create(c, path, &n, &created);
	if (rc) {
		free(v);
		op_free(op);
		return rc;
	}
	free(n->value);
	n->value = v;
	n->len = len;
	touch(c, n);
	op_log(c, op);
	changed(c, path, false);
	stored(c, path, v, len);
	return 0;
}

int mock_st_mkdir(struct mock_sctx *c, const char *path)
{
	struct mock_op *op = op_new(c, MOCK_OP_MKDIR, path);
	struct mock_node *n;
	bool created;
	int rc;

	if (c->txn && !op)
		return -ENOMEM;
	rc = get_or_create(c, path, &n, &created);
	if (rc || !created) {
		op_free(op);
		return rc;
	}
	op_log(c, op);
	changed(c, path, false);
	return 0;
}

int mock_st_rm(struct mock_sctx *c, const char *path)
{
	struct mock_op *op;
	struct mock_node *n, *deep;
	const char *rest;
	int rc;

	if (!strcmp(path, "/"))
		return -EINVAL;
	n = lookup(c->root, path, &deep, &rest);
	rc = note(c, path, n);
	if (rc)
		return rc;
	if (!n) {
		/* xenstored: removing a missing node whose parent exists
		 * succeeds. */
		return strchr(rest, '/') ? -ENOENT : 0;
	}
	if (!may(n, c->domid, XF_XS_PERM_WRITE))
		return -EACCES;
	rc = note_node(c, n->parent);
	if (!rc)
		rc = note_subtree(c, n->child);
	if (rc)
		return rc;
	op = op_new(c, MOCK_OP_RM, path);
	if (c->txn && !op)
		return -ENOMEM;
	touch(c, n->parent);
	unlink_node(n);
	mock_node_free(n);
	op_log(c, op);
	changed(c, path, true);
	stored(c, path, NULL, 0);
	return 0;
}

int mock_st_directory(struct mock_sctx *c, const char *path, char ***names,
		      unsigned int *n)
{
	struct mock_node *node = lookup(c->root, path, NULL, NULL), *ch;
	unsigned int cnt = 0, i = 0;
	char **v;
	int rc = note(c, path, node);

	if (rc)
		return rc;
	if (!node)
		return -ENOENT;
	if (!may(node, c->domid, XF_XS_PERM_READ))
		return -EACCES;
	for (ch = node->child; ch; ch = ch->next)
		cnt++;
	v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (ch = node->child; ch; ch = ch->next) {
		v[i] = strdup(ch->name);
		if (!v[i]) {
			while (i)
				free(v[--i]);
			free(v);
			return -ENOMEM;
		}
		i++;
	}
	*names = v;
	*n = cnt;
	return 0;
}

int mock_st_get_perms(struct mock_sctx *c, const char *path,
		      struct xf_xs_perm **perms, unsigned int *n)
{
	struct mock_node *node = lookup(c->root, path, NULL, NULL);
	struct xf_xs_perm *p;
	int rc = note(c, path, node);

	if (rc)
		return rc;
	if (!node)
		return -ENOENT;
	if (!may(node, c->domid, XF_XS_PERM_READ))
		return -EACCES;
	p = malloc(node->nperms * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p, node->perms, node->nperms * sizeof(*p));
	*perms = p;
	*n = node->nperms;
	return 0;
}

int mock_st_set_perms(struct mock_sctx *c, const char *path,
		      const struct xf_xs_perm *perms, unsigned int n)
{
	struct mock_node *node;
	struct xf_xs_perm *p;
	struct mock_op *op;
	unsigned int i;
	int rc;

	if (!perms || n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (perms[i].perm > XF_XS_PERM_BOTH)
			return -EINVAL;
	node = lookup(c->root, path, NULL, NULL);
	rc = note(c, path, node);
	if (rc)
		return rc;
	if (!node)
		return -ENOENT;
	/* Only the owner (or dom0) may change permissions, and only dom0
	 * may give a node away. */
	if (c->domid != 0 && node->perms[0].domid != c->domid)
		return -EACCES;
	if (c->domid != 0 && perms[0].domid != node->perms[0].domid)
		return -EPERM;
	op = op_new(c, MOCK_OP_SET_PERMS, path);
	if (c->txn && !op)
		return -ENOMEM;
	p = malloc(n * sizeof(*p));
	if (!p || (op && !(op->perms = malloc(n * sizeof(*p))))) {
		free(p);
		op_free(op);
		return -ENOMEM;
	}
	memcpy(p, perms, n * sizeof(*p));
	if (op) {
		memcpy(op->perms, perms, n * sizeof(*p));
		op->nperms = n;
	}
	free(node->perms);
	node->perms = p;
	node->nperms = n;
	touch(c, node);
	op_log(c, op);
	changed(c, path, false);
	return 0;
}
