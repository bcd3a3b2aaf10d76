/* SPDX-License-Identifier: MIT */
/*
 * The xenbus actor: watches the frontend directory and the backend's
 * state, and runs the vbd state machine (blkif.h "STATE DIAGRAMS").
 *
 * Each run re-reads what it needs and acts on the current pair of
 * states, so coalesced or repeated watch events are harmless. Every
 * legal skip path is accepted: a backend that goes straight to
 * Initialised or Connected gets the skipped work done first; a repeated
 * Connected is a resize; Closing/Closed/re-Initialising and directory
 * removal take I/O back for reissue on the next connection. A backend
 * that is Closing or Closed with "online" = 0 is a toolstack unplug:
 * the device ends (bf_unplug). A backend found Connected or Closing
 * (after a resume, or at the start) is closed first (Closing, Closed,
 * then Initialising), as Linux blkback ignores Initialising while
 * Connected. A close cycle asked for is dance.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bf.h"

static int bf_write_state(struct xf_blkfront *bf, int state)
{
	char path[BF_PATH_MAX + 8];
	int r;

	snprintf(path, sizeof(path), "%s/state", bf->fe_path);
	r = xf_xs_printf(bf->p, bf->xs, XF_TXN_NONE, path, "%d", state);
	if (!r)
		bf->fe_state = state;
	return r;
}

void bf_arm_deadline(struct xf_blkfront *bf, uint64_t timeout)
{
	uint64_t now = bf_clock_now(bf);

	bf->deadline_ns = now + timeout < now ? UINT64_MAX : now + timeout;
}

static void bf_kick_queues(struct xf_blkfront *bf)
{
	bf_kick_all_queues(bf);
}

/* The backend stopped serving our rings: take in-flight I/O back. */
static void bf_disconnect(struct xf_blkfront *bf)
{
	bool was_connected = bf->state == XF_BLKFRONT_CONNECTED;

	bf_take_back_inflight(bf);
	bf->release_pending = true;
	if (bf->state == XF_BLKFRONT_CONNECTED)
		bf->state = XF_BLKFRONT_RECONNECTING;
	if (was_connected) {
		bf_post_event(bf, XF_BLKFRONT_EV_DISCONNECTED);
		bf_arm_deadline(bf, bf->cfg.connect_timeout_ns);
	}
}

/* A backend in these states maps nothing of ours. */
static bool bf_be_released(int be_state)
{
	return be_state == XF_XENBUS_UNKNOWN ||
	       be_state == XF_XENBUS_INITIALISING ||
	       be_state == XF_XENBUS_INITWAIT ||
	       be_state == XF_XENBUS_CLOSED;
}

static void bf_clear_error(struct xf_blkfront *bf)
{
	pthread_mutex_lock(&bf->err_lock);
	bf->err = 0;
	bf->errmsg[0] = 0;
	pthread_mutex_unlock(&bf->err_lock);
	/* Connections of the failed session hold only zombies now. */
	bf_take_back_inflight(bf);
	bf->release_pending = true;
	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		pthread_mutex_lock(&bf->q[i].lock);
		bf->q[i].error_seen = false;
		pthread_mutex_unlock(&bf->q[i].lock);
	}
	atomic_store(&bf->fail_mode, BF_HOLD);
}

static void bf_unwatch_be(struct xf_blkfront *bf)
{
	if (bf->be_watched[0])
		bf->p->store->unwatch(bf->xs, bf->be_watched, "be");
	bf->be_watched[0] = 0;
	bf->be_path[0] = 0;
}

/* A backend state from the store; Unknown when absent or unreadable. */
static int bf_read_be_state(struct xf_blkfront *bf, const char *be)
{
	char path[BF_PATH_MAX + 8];
	uint64_t st;

	snprintf(path, sizeof(path), "%s/state", be);
	if (xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, 255, &st))
		return XF_XENBUS_UNKNOWN;
	return (int)st;
}

/* A backend in these states may still serve rings we dropped. */
static bool bf_be_serving(int be_state)
{
	return be_state == XF_XENBUS_CONNECTED ||
	       be_state == XF_XENBUS_CLOSING;
}

/* The state a (re)starting handshake writes first. A backend still
 * Connected or Closing (serving the rings dropped at a resume, or
 * found so at the start: connected before this frontend ran) must
 * close before it can be asked for new rings: Linux blkback ignores
 * Initialising unless it is Closed (frontend_changed()), so the
 * frontend goes Closing, then Closed, then Initialising (bf_step). */
static int bf_first_state(struct xf_blkfront *bf, const char *be)
{
	bf->resume_pending = false;
	if (bf_be_serving(bf_read_be_state(bf, be)))
		return XF_XENBUS_CLOSING;
	return XF_XENBUS_INITIALISING;
}

/* Reads the frontend directory and the backend state. Returns false
 * when there is nothing to act on (directory absent or incomplete). */
static bool bf_read_dirs(struct xf_blkfront *bf)
{
	char path[BF_PATH_MAX + 32];
	char *be = NULL;
	uint64_t id;
	int r;

	snprintf(path, sizeof(path), "%s/backend", bf->fe_path);
	r = xf_xs_read_str(bf->p, bf->xs, XF_TXN_NONE, path, &be);
	if (r == -ENOENT) {
		if (bf->have_fe_dir) {
			/* Device removed: the toolstack tears the backend
			 * down with it. Hold I/O for its re-appearance. */
			bf->have_fe_dir = false;
			bf_disconnect(bf);
			bf_unwatch_be(bf);
			bf->fe_state = XF_XENBUS_UNKNOWN;
			bf->be_state = bf->be_prev = XF_XENBUS_UNKNOWN;
			bf_release_old_conns(bf);
			bf->release_pending = false;
		}
		return false;
	}
	if (r)
		return false;
	snprintf(path, sizeof(path), "%s/backend-id", bf->fe_path);
	if (xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, UINT16_MAX,
			    &id) || strlen(be) >= sizeof(bf->be_path)) {
		free(be);
		return false;
	}
	if (!bf->have_fe_dir) {
		bf->have_fe_dir = true;
		if (atomic_load(&bf->fail_mode) == BF_FAIL_PROTO)
			bf_clear_error(bf);
		if (bf->state == XF_BLKFRONT_UNPLUGGED) {
			/* Re-attached after an unplug: a new device. */
			bf->info.reason[0] = 0;
			atomic_store(&bf->fail_mode, BF_HOLD);
		}
		if (bf->state == XF_BLKFRONT_ERROR ||
		    bf->state == XF_BLKFRONT_UNPLUGGED)
			bf->state = XF_BLKFRONT_RECONNECTING;
		if (bf->state != XF_BLKFRONT_CONNECTING &&
		    bf->deadline_ns == UINT64_MAX)
			bf_arm_deadline(bf, bf->cfg.connect_timeout_ns);
		bf_write_state(bf, bf_first_state(bf, be));
		bf->be_prev = XF_XENBUS_UNKNOWN;
	}
	if (strcmp(be, bf->be_watched)) {
		bf_unwatch_be(bf);
		snprintf(bf->be_path, sizeof(bf->be_path), "%s", be);
		/* The backend directory may appear later; the watch fires
		 * when it does. */
		if (!bf->p->store->watch(bf->xs, bf->be_path, "be"))
			snprintf(bf->be_watched, sizeof(bf->be_watched), "%s",
				 be);
	}
	free(be);
	bf->be_id = (xf_domid)id;
	snprintf(bf->info.backend, sizeof(bf->info.backend), "%s",
		 bf->be_path);
	bf->info.backend_id = bf->be_id;
	snprintf(path, sizeof(path), "%s/virtual-device", bf->fe_path);
	if (!xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, UINT32_MAX,
			     &id))
		bf->handle = (uint16_t)id;
	bf->be_state = bf_read_be_state(bf, bf->be_path);
	return true;
}

static void bf_connect(struct xf_blkfront *bf)
{
	if (bf_read_connected(bf, true))
		return;
	bf_redistribute(bf, bf->nr_queues);
	atomic_store(&bf->fail_mode, BF_HOLD);
	bf_set_live(bf, true);
	bf_write_state(bf, XF_XENBUS_CONNECTED);
	bf->state = XF_BLKFRONT_CONNECTED;
	bf->info.connects++;
	bf->deadline_ns = UINT64_MAX;
	bf_post_event(bf, XF_BLKFRONT_EV_CONNECTED);
}

#define BF_RETRY_NS 10000000ull /* 10 ms */

static void bf_talk(struct xf_blkfront *bf)
{
	/* Rings of an earlier attempt that never reached Initialised. */
	bf_take_back_inflight(bf);
	bf_release_old_conns(bf);
	bf->release_pending = false;
	if (bf_talk_to_backend(bf) ||
	    bf_write_state(bf, XF_XENBUS_INITIALISED)) {
		/* Unless it raised the error state, try again soon (within
		 * connect_timeout_ns). */
		if (atomic_load(&bf->fail_mode) != BF_FAIL_PROTO)
			bf->retry_at_ns = bf_clock_now(bf) + BF_RETRY_NS;
	}
}

static bool bf_fe_up(int fe)
{
	return fe == XF_XENBUS_INITIALISED || fe == XF_XENBUS_CONNECTED;
}

/* Backend sits in Initialising while we wait for InitWait: after a
 * grace period take the frontend skip path of blkif.h and talk. */
static void bf_grace(struct xf_blkfront *bf, uint64_t now)
{
	bool waiting = bf->be_state == XF_XENBUS_INITIALISING &&
		       (bf->fe_state == XF_XENBUS_INITIALISING ||
			bf->fe_state == XF_XENBUS_UNKNOWN);

	if (!waiting || bf->cfg.initwait_grace_ns == UINT64_MAX) {
		bf->grace_at_ns = UINT64_MAX;
		return;
	}
	if (bf->grace_at_ns == UINT64_MAX) {
		bf->grace_at_ns = now + bf->cfg.initwait_grace_ns;
		if (bf->grace_at_ns < now)
			bf->grace_at_ns = UINT64_MAX - 1;
	}
	if (now < bf->grace_at_ns)
		return;
	bf->grace_at_ns = UINT64_MAX;
	bf_talk(bf);
}

static void bf_step(struct xf_blkfront *bf, uint64_t now)
{
	int be = bf->be_state, fe = bf->fe_state;
	bool went_back = bf->be_prev >= XF_XENBUS_INITWAIT &&
			 bf->be_prev <= XF_XENBUS_CONNECTED &&
			 be < bf->be_prev;

	switch (be) {
	case XF_XENBUS_UNKNOWN:
	case XF_XENBUS_INITIALISING:
		if (bf_fe_up(fe) && (went_back || fe == XF_XENBUS_CONNECTED)) {
			/* Backend restarted under us. */
			bf_disconnect(bf);
			bf_write_state(bf, XF_XENBUS_INITIALISING);
		} else if (fe == XF_XENBUS_CLOSING ||
			   fe == XF_XENBUS_CLOSED) {
			bf_write_state(bf, XF_XENBUS_INITIALISING);
		}
		bf_grace(bf, now);
		break;
	case XF_XENBUS_INITWAIT:
	case XF_XENBUS_INITIALISED:
		if (fe == XF_XENBUS_CONNECTED ||
		    (fe == XF_XENBUS_INITIALISED && went_back)) {
			bf_disconnect(bf);
			fe = XF_XENBUS_INITIALISING;
		} else if (fe == XF_XENBUS_CLOSING || fe == XF_XENBUS_CLOSED) {
			fe = XF_XENBUS_INITIALISING;
		}
		if (fe == XF_XENBUS_INITIALISING || fe == XF_XENBUS_UNKNOWN)
			bf_talk(bf);
		break;
	case XF_XENBUS_CONNECTED:
		if (fe == XF_XENBUS_INITIALISING || fe == XF_XENBUS_UNKNOWN) {
			/* Backend skipped InitWait: do the skipped work. */
			bf_talk(bf);
			fe = bf->fe_state;
		}
		if (fe == XF_XENBUS_INITIALISED) {
			bf_connect(bf);
		} else if (fe == XF_XENBUS_CONNECTED) {
			if (bf_read_connected(bf, false) == 1)
				bf_post_event(bf, XF_BLKFRONT_EV_RESIZED);
		}
		break;
	case XF_XENBUS_CLOSING:
		if (fe != XF_XENBUS_CLOSED) {
			bf_disconnect(bf);
			bf_write_state(bf, XF_XENBUS_CLOSED);
		}
		break;
	case XF_XENBUS_CLOSED:
		if (fe == XF_XENBUS_INITIALISING)
			break; /* already asked for a new connection */
		if (fe != XF_XENBUS_CLOSED) {
			bf_disconnect(bf);
			bf_write_state(bf, XF_XENBUS_CLOSED);
		}
		/* The backend let go of everything: release, then ask for a
		 * new connection (Linux blkback answers a frontend that goes
		 * Initialising while it is Closed with InitWait). */
		bf_release_old_conns(bf);
		bf->release_pending = false;
		bf_write_state(bf, XF_XENBUS_INITIALISING);
		break;
	default:
		break; /* Reconfiguring/Reconfigured: not used by vbd */
	}
}

static bool bf_all_drained(struct xf_blkfront *bf)
{
	bool idle = true;

	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		if ((q->conn && q->conn->inflight) || !XF_FIFO_EMPTY(&q->fifo))
			idle = false;
		pthread_mutex_unlock(&q->lock);
	}
	return idle;
}

static void bf_fail_all(struct xf_blkfront *bf, int status, bool inflight)
{
	for (unsigned int i = 0; i < bf->nr_alloc; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		if (inflight) {
			bf_fail_inflight(q, status);
			q->live = false;
			if (q->conn) {
				q->conn->next = q->old;
				q->old = q->conn;
				q->conn = NULL;
			}
		}
		bf_fail_queued(q, status);
		pthread_mutex_unlock(&q->lock);
	}
	bf_kick_queues(bf);
}

/* The toolstack's detach (libxl request_close: backend online = 0,
 * then Closing) ends the device instead of starting a reconnect. Only
 * an explicit 0 counts: Linux blkfront never reads the key, and a
 * backend directory without it is not being unplugged. */
static bool bf_be_unplugged(struct xf_blkfront *bf)
{
	char path[BF_PATH_MAX + 8];
	uint64_t online;

	if (bf->be_state != XF_XENBUS_CLOSING &&
	    bf->be_state != XF_XENBUS_CLOSED)
		return false;
	snprintf(path, sizeof(path), "%s/online", bf->be_path);
	return !xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, UINT32_MAX,
				&online) && online == 0;
}

/* Every in-flight and queued io fails with -ENODEV now (holding them
 * for a reconnect that will not come only delays the same outcome),
 * the frontend writes Closed as Linux blkfront_closing() does, and the
 * grants go once the backend is Closed. */
static void bf_unplug(struct xf_blkfront *bf)
{
	snprintf(bf->info.reason, sizeof(bf->info.reason),
		 "unplugged by the toolstack: %.120s/online = 0, backend "
		 "state %s", bf->be_path, bf->be_state == XF_XENBUS_CLOSING ?
		 "Closing" : "Closed");
	bf->state = XF_BLKFRONT_UNPLUGGED;
	bf->deadline_ns = UINT64_MAX;
	bf->grace_at_ns = UINT64_MAX;
	atomic_store(&bf->fail_mode, BF_FAIL_GONE);
	bf_fail_all(bf, -ENODEV, true);
	bf->release_pending = true;
	if (bf->fe_state != XF_XENBUS_CLOSED)
		bf_write_state(bf, XF_XENBUS_CLOSED);
	bf_post_event(bf, XF_BLKFRONT_EV_UNPLUGGED);
}

static void bf_step_close(struct xf_blkfront *bf, uint64_t now)
{
	if (bf->close_phase == 0) {
		bf->close_phase = 1;
		bf->state = XF_BLKFRONT_CLOSING;
		bf_arm_deadline(bf, bf->cfg.close_timeout_ns);
		/* Queued work never reaches the backend; in-flight work
		 * may finish. */
		bf_fail_all(bf, -ENODEV, false);
	}
	if (bf->close_phase == 1) {
		if (!bf_all_drained(bf) && now < bf->deadline_ns &&
		    bf->fe_state == XF_XENBUS_CONNECTED &&
		    atomic_load(&bf->fail_mode) == BF_HOLD)
			return;
		bf_fail_all(bf, -ENODEV, true);
		bf->release_pending = true;
		if (bf->have_fe_dir)
			bf_write_state(bf, XF_XENBUS_CLOSED);
		bf->close_phase = 2;
		bf_arm_deadline(bf, bf->cfg.close_timeout_ns);
	}
	if (bf->close_phase == 2) {
		if (bf->have_fe_dir && !bf_be_released(bf->be_state) &&
		    now < bf->deadline_ns)
			return;
		bf_release_old_conns(bf);
		bf->release_pending = false;
		bf_unwatch_be(bf);
		bf->state = XF_BLKFRONT_CLOSED;
		bf->deadline_ns = UINT64_MAX;
		atomic_store(&bf->closed, true);
		atomic_store(&bf->fail_mode, BF_FAIL_GONE);
		bf_post_event(bf, XF_BLKFRONT_EV_CLOSED);
	}
}

static void bf_resume(struct xf_blkfront *bf)
{
	atomic_store(&bf->suspended, false);
	if (atomic_load(&bf->fail_mode) != BF_HOLD)
		bf_clear_error(bf);
	/* A backend that is gone with the old host, or that let go, maps
	 * nothing: drop its grants and ports now (a page it still maps is
	 * parked and counted). One still serving the old rings (resumed in
	 * place) keeps them until it is Closed. */
	if (bf->be_path[0] && bf_be_serving(bf_read_be_state(bf, bf->be_path))) {
		bf->release_pending = true;
	} else {
		bf_release_old_conns(bf);
		bf->release_pending = false;
	}
	bf_unwatch_be(bf);
	bf->have_fe_dir = false; /* re-read everything, as on appearance */
	bf->resume_pending = true;
	bf->info.reason[0] = 0;
	bf->fe_state = XF_XENBUS_UNKNOWN;
	bf->be_state = bf->be_prev = XF_XENBUS_UNKNOWN;
	bf->state = XF_BLKFRONT_RECONNECTING;
	bf_arm_deadline(bf, bf->cfg.connect_timeout_ns);
}

static void bf_timeouts(struct xf_blkfront *bf, uint64_t now)
{
	uint64_t next;

	if (now >= bf->deadline_ns && (bf->state == XF_BLKFRONT_CONNECTING ||
				       bf->state == XF_BLKFRONT_RECONNECTING)) {
		bf->state = XF_BLKFRONT_GONE;
		bf->deadline_ns = UINT64_MAX;
		if (atomic_load(&bf->fail_mode) == BF_HOLD)
			atomic_store(&bf->fail_mode, BF_FAIL_GONE);
		bf_post_event(bf, XF_BLKFRONT_EV_TIMEOUT);
		bf_kick_queues(bf);
	}
	next = bf->deadline_ns < bf->grace_at_ns ? bf->deadline_ns
						 : bf->grace_at_ns;
	if (bf->retry_at_ns < next)
		next = bf->retry_at_ns;
	/* Never arm a time already past: that would spin. */
	if (next != UINT64_MAX && next > now)
		xf_actor_set_timer(&bf->xb_actor,
				   bf_clock_to_timer(bf, next, now));
}

void bf_xenbus_run(struct xf_actor *a)
{
	struct xf_blkfront *bf = (struct xf_blkfront *)((char *)a -
		offsetof(struct xf_blkfront, xb_actor));
	char *path, *token;
	uint64_t now;

	while (bf->p->store->read_watch(bf->xs, &path, &token) == 0) {
		free(path);
		free(token);
	}
	pthread_mutex_lock(&bf->lock);
	if (atomic_load(&bf->closed))
		goto out;
	/* Every deadline here is on the configured timeout clock
	 * (monotonic unless a broken wall-clock driver is reproduced). */
	now = bf_clock_now(bf);
	bf->retry_at_ns = UINT64_MAX; /* every run retries what failed */
	if (atomic_exchange(&bf->req_resume, false)) {
		/* Resume without suspend (e.g. to leave the error state):
		 * take in-flight work back as a suspend would. */
		if (!atomic_load(&bf->suspended))
			bf_take_back_inflight(bf);
		bf_resume(bf);
	}
	if (atomic_load(&bf->suspended))
		goto out;
	bool present = bf_read_dirs(bf);

	if (atomic_load(&bf->closing)) {
		bf_step_close(bf, now);
		goto timers;
	}
	if (atomic_load(&bf->fail_mode) == BF_FAIL_PROTO) {
		bf->state = XF_BLKFRONT_ERROR;
		bf->deadline_ns = UINT64_MAX;
		if (bf->release_pending && bf_be_released(bf->be_state)) {
			bf_release_old_conns(bf);
			bf->release_pending = false;
		}
		goto out;
	}
	if (present && bf->state != XF_BLKFRONT_UNPLUGGED &&
	    bf_be_unplugged(bf))
		bf_unplug(bf);
	if (present) {
		if (bf->release_pending && bf_be_released(bf->be_state)) {
			bf_release_old_conns(bf);
			bf->release_pending = false;
		}
		if (bf->state == XF_BLKFRONT_UNPLUGGED)
			goto timers;
		if (bf_dance_step(bf))
			goto timers;
		bf_step(bf, now);
		if (bf->be_state != XF_XENBUS_INITIALISING)
			bf->grace_at_ns = UINT64_MAX;
		bf->be_prev = bf->be_state;
		/* A failed handshake step may have raised the error. */
		if (atomic_load(&bf->fail_mode) == BF_FAIL_PROTO) {
			bf->state = XF_BLKFRONT_ERROR;
			bf->deadline_ns = UINT64_MAX;
			goto out;
		}
	}
timers:
	bf_timeouts(bf, now);
out:
	bf->info.state = bf->state;
	pthread_mutex_unlock(&bf->lock);
	bf_deliver_events(bf);
}

int bf_xb_write_state(struct xf_blkfront *bf, int state)
{
	return bf_write_state(bf, state);
}

void bf_xb_disconnect(struct xf_blkfront *bf)
{
	bf_disconnect(bf);
}
