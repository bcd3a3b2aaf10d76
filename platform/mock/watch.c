/* SPDX-License-Identifier: MIT */
/*
 * Watch matching and the per-connection event queue. As xenstored: a
 * change fires every watch at or above the changed path; removing a
 * subtree also fires the watches inside it, each with its own path.
 * "@"-paths (@introduceDomain, @releaseDomain) match exactly. Read
 * permission is not checked when firing.
 */
#include <stdlib.h>
#include <string.h>

#include "mock-private.h"

/* a is b or below b */
static bool under(const char *a, const char *b)
{
	size_t lb = strlen(b);

	if (!strcmp(b, "/"))
		return a[0] == '/';
	return !strncmp(a, b, lb) && (a[lb] == '\0' || a[lb] == '/');
}

void mock_wevent_free(struct mock_wevent *ev)
{
	free(ev->path);
	free(ev->token);
	free(ev);
}

void mock_watch_queue(struct xf_xs *xs, const struct mock_watch *w,
		      const char *path, struct mock_wakeq *wq)
{
	struct mock_wevent *ev = calloc(1, sizeof(*ev));
	bool was_empty = XF_FIFO_EMPTY(&xs->ev);

	/* Relative watches report relative paths. */
	if (path[0] == '/' && strlen(path) >= w->rel_skip)
		path += w->rel_skip;
	/* Out of memory loses the event, as a full xenstored queue
	 * would. */
	if (!ev)
		return;
	ev->path = strdup(path);
	ev->token = strdup(w->token);
	if (!ev->path || !ev->token) {
		mock_wevent_free(ev);
		return;
	}
	XF_FIFO_PUSH(&xs->ev, ev, next);
	xs->dom->st.xs_watch_events++;
	if (was_empty)
		mock_efd_set(xs->efd);
	mock_wakeq_add(wq, xs->wake_fn, xs->wake_opaque);
}

void mock_watch_fire(struct xf_mock_hv *hv, const char *path, bool removed,
		     struct mock_wakeq *wq)
{
	struct xf_xs *xs;
	struct mock_watch *w;

	for (xs = hv->conns; xs; xs = xs->next) {
		if (!xs->dom || xs->dom->dead)
			continue;
		for (w = xs->watches; w; w = w->next) {
			if (w->path[0] == '@' || path[0] == '@') {
				if (!strcmp(w->path, path))
					mock_watch_queue(xs, w, path, wq);
			} else if (under(path, w->path)) {
				mock_watch_queue(xs, w, path, wq);
			} else if (removed && under(w->path, path)) {
				mock_watch_queue(xs, w, w->path, wq);
			}
		}
	}
}

void mock_xs_detach(struct xf_xs *xs)
{
	struct mock_watch *w;
	struct mock_wevent *ev;
	struct mock_txn *t;

	while ((w = xs->watches)) {
		xs->watches = w->next;
		free(w->path);
		free(w->token);
		free(w);
	}
	while ((ev = XF_FIFO_POP(&xs->ev, next)))
		mock_wevent_free(ev);
	while ((t = xs->txns)) {
		xs->txns = t->next;
		mock_txn_free(t);
	}
	mock_efd_clear(xs->efd);
}
