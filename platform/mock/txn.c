/* SPDX-License-Identifier: MIT */
/*
 * Transactions: a private snapshot of the tree plus a log of what was
 * touched. Commit fails with -EAGAIN (applying nothing) when any node
 * the transaction read, listed, wrote or removed changed since the
 * snapshot, or when a node it created (implicitly too) or found absent
 * now exists; its own creations are not conflicts. Otherwise the
 * logged operations are replayed on the live tree, which fires the
 * watches for the paths written, as xenstored does (not for parents
 * created implicitly).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mock-private.h"

void mock_txn_free(struct mock_txn *t)
{
	struct mock_access *a, *an;
	struct mock_op *o, *on;

	if (!t)
		return;
	mock_node_free(t->root);
	for (a = t->acc; a; a = an) {
		an = a->next;
		free(a->path);
		free(a);
	}
	for (o = t->ops.head; o; o = on) {
		on = o->next;
		free(o->path);
		free(o->val);
		free(o->perms);
		free(o);
	}
	free(t);
}

int mock_txn_commit(struct xf_mock_hv *hv, xf_domid domid,
		    struct mock_txn *t, struct mock_wakeq *wq)
{
	struct mock_sctx c = {
		.hv = hv, .root = hv->root, .domid = domid, .wq = wq,
	};
	struct mock_access *a;
	struct mock_op *o;

	for (a = t->acc; a; a = a->next) {
		struct mock_node *n = mock_node_lookup(hv->root, a->path);

		if ((n ? n->gen : 0) != a->gen)
			return -EAGAIN;
	}
	/* Nothing the operations depend on changed, so the replay sees
	 * the same nodes and permissions the snapshot did. */
	for (o = t->ops.head; o; o = o->next) {
		switch (o->kind) {
		case MOCK_OP_WRITE:
			mock_st_write(&c, o->path, o->val, o->len);
			break;
		case MOCK_OP_MKDIR:
			mock_st_mkdir(&c, o->path);
			break;
		case MOCK_OP_RM:
			mock_st_rm(&c, o->path);
			break;
		case MOCK_OP_SET_PERMS:
			mock_st_set_perms(&c, o->path, o->perms, o->nperms);
			break;
		}
	}
	return 0;
}
