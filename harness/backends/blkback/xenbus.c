/* SPDX-License-Identifier: MIT */
/*
 * The backend's xenbus state machine (the control actor).
 *
 * Each run re-reads what it depends on (its own directory, the
 * frontend's state) and reconciles, instead of trusting which watch
 * fired: watches coalesce, and the toolstack may remove and re-create
 * the directories between two runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_priv.h"

#define bb_of(a) ((struct xf_blkback *)((char *)(a) - \
					 offsetof(struct xf_blkback, ctl)))

static int rd_uint(struct xf_blkback *bb, const char *dir, const char *key,
		   uint64_t max, uint64_t *out)
{
	char path[BB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xf_xs_read_uint(bb->p, bb->xs, XF_TXN_NONE, path, max, out);
}

static int rd_str(struct xf_blkback *bb, const char *dir, const char *key,
		  char **out)
{
	char path[BB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xf_xs_read_str(bb->p, bb->xs, XF_TXN_NONE, path, out);
}

/* A number the frontend (or toolstack) wrote, read as Linux reads it:
 * xenbus_scanf("%u") (xenbus_read_unsigned() for flags), where leading
 * digits count and anything after them is ignored; -ENOENT when absent,
 * -EINVAL when no digit leads. With XF_BB_LENIENT_STRICT_NUMBERS the
 * older whole-number parse (at most max). */
static int rd_num(struct xf_blkback *bb, const char *dir, const char *key,
		  uint64_t max, uint64_t *out)
{
	char path[BB_PATH_MAX + 64];
	uint32_t v;
	int r;

	if (bb->cfg.lenient & XF_BB_LENIENT_STRICT_NUMBERS)
		return rd_uint(bb, dir, key, max, out);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	r = xf_xs_read_scanu(bb->p, bb->xs, XF_TXN_NONE, path, &v);
	if (!r)
		*out = v;
	return r;
}

/* A frontend flag as xenbus_read_unsigned(dir, key, 0): any non-zero
 * number is true (STRICT_NUMBERS: only 1). */
static bool rd_flag(struct xf_blkback *bb, const char *dir, const char *key)
{
	uint64_t v;

	if (bb->cfg.lenient & XF_BB_LENIENT_STRICT_NUMBERS)
		return rd_uint(bb, dir, key, 1, &v) == 0 && v == 1;
	return rd_num(bb, dir, key, UINT32_MAX, &v) == 0 && v != 0;
}

static int wr_t(struct xf_blkback *bb, xf_txn t, const char *key,
		const char *fmt, unsigned long long v)
{
	char path[BB_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", bb->bpath, key);
	return xf_xs_printf(bb->p, bb->xs, t, path, fmt, v);
}

static int wr(struct xf_blkback *bb, const char *key, const char *fmt,
	      unsigned long long v)
{
	return wr_t(bb, XF_TXN_NONE, key, fmt, v);
}

/* Writes key=v when on, removes the key when off, so a re-publish with a
 * smaller feature set leaves nothing stale behind. */
static int wr_opt(struct xf_blkback *bb, const char *key, bool on,
		  unsigned long long v)
{
	char path[BB_PATH_MAX + 64];
	int r;

	if (on)
		return wr(bb, key, "%llu", v);
	snprintf(path, sizeof(path), "%s/%s", bb->bpath, key);
	r = bb->p->store->rm(bb->xs, XF_TXN_NONE, path);
	return r == -ENOENT ? 0 : r;
}

int bb_write_state(struct xf_blkback *bb, int state)
{
	int r = wr(bb, "state", "%llu", (unsigned long long)state);

	if (!r) {
		bb->ts_state = state;
		atomic_store(&bb->state, state);
	}
	return r;
}

/* The older mock's InitWait set (XF_BB_LENIENT_FEATURES_AT_INITWAIT):
 * the connect-time features too, and keys of features that are off
 * removed. */
static int publish_lenient(struct xf_blkback *bb,
			   const struct xf_blkback_features *f)
{
	unsigned int gran;
	int r;

	gran = f->discard_granularity ? f->discard_granularity
				      : xf_blkdisk_sector_size(bb->cfg.disk);
	r = wr_opt(bb, "feature-flush-cache", f->flush, 1);
	if (!r)
		r = wr_opt(bb, "feature-barrier", f->barrier, 1);
	if (!r)
		r = wr_opt(bb, "feature-persistent", false, 0);
	if (!r)
		r = wr_opt(bb, "feature-max-indirect-segments",
			   f->max_indirect_segments > 0,
			   f->max_indirect_segments);
	if (!r)
		r = wr_opt(bb, "max-ring-page-order",
			   f->max_ring_page_order > 0, f->max_ring_page_order);
	if (!r)
		r = wr_opt(bb, "max-ring-pages",
			   f->legacy_max_ring_pages,
			   1ull << f->max_ring_page_order);
	if (!r)
		r = wr_opt(bb, "multi-queue-max-queues", f->max_queues > 1,
			   f->max_queues);
	if (!r)
		r = wr_opt(bb, "feature-discard", f->discard, 1);
	if (!r)
		r = wr_opt(bb, "discard-granularity", f->discard, gran);
	if (!r)
		r = wr_opt(bb, "discard-alignment", f->discard,
			   f->discard_alignment);
	if (!r)
		r = wr_opt(bb, "discard-secure",
			   f->discard && f->discard_secure, 1);
	return r;
}

/*
 * Before InitWait. Linux xen_blkbk_probe() (drivers/block/xen-blkback/
 * xenbus.c) writes feature-max-indirect-segments, multi-queue-max-queues
 * (also when it is 1) and max-ring-page-order (also when it is 0), each
 * on its own, and nothing else: every disk and cache feature waits for
 * connect(). Keys an earlier connection wrote stay, as in Linux. Only
 * "no indirect" (a preset Linux has no equivalent of) removes its key;
 * max-ring-pages is the legacy-ring preset's own.
 */
static int publish_features(struct xf_blkback *bb)
{
	struct xf_blkback_features f;
	int r;

	pthread_mutex_lock(&bb->lock);
	bb->live = bb->feat;
	bb->live.readonly |= bb->mode_ro;
	f = bb->live;
	pthread_mutex_unlock(&bb->lock);
	if (bb->cfg.lenient & XF_BB_LENIENT_FEATURES_AT_INITWAIT)
		return publish_lenient(bb, &f);
	r = wr_opt(bb, "feature-max-indirect-segments",
		   f.max_indirect_segments > 0, f.max_indirect_segments);
	if (!r)
		r = wr(bb, "multi-queue-max-queues", "%llu",
		       f.max_queues > 1 ? f.max_queues : 1);
	if (!r)
		r = wr(bb, "max-ring-page-order", "%llu",
		       f.max_ring_page_order);
	if (!r && f.legacy_max_ring_pages)
		r = wr(bb, "max-ring-pages", "%llu",
		       1ull << f.max_ring_page_order);
	return r;
}

static int write_disk_info_t(struct xf_blkback *bb, xf_txn t)
{
	struct xf_blkdisk *d = bb->cfg.disk;
	unsigned int ss = xf_blkdisk_sector_size(d);
	unsigned int info = 0, unit;
	int r;

	if (bb->live.readonly)
		info |= XF_VDISK_READONLY;
	if (bb->live.cdrom)
		info |= XF_VDISK_CDROM;
	if (bb->live.removable)
		info |= XF_VDISK_REMOVABLE;
	/* Linux blkback writes the block layer's capacity, 512-byte units
	 * whatever sector-size is (blkif.h says so since 2024); the older
	 * text's sector-size units are a deliberate option. The disk size
	 * is a multiple of sector-size, so both divisions are exact. */
	unit = 512;
	if (bb->live.sectors_unit == XF_BLKBACK_SECTORS_SECTOR_SIZE)
		unit = ss;
	r = wr_t(bb, t, "sectors", "%llu", xf_blkdisk_size_bytes(d) / unit);
	if (!r)
		r = wr_t(bb, t, "info", "%llu", info);
	if (!r)
		r = wr_t(bb, t, "sector-size", "%llu", ss);
	if (!r)
		r = wr_t(bb, t, "physical-sector-size", "%llu",
			 xf_blkdisk_physical_sector_size(d));
	return r;
}

static int write_disk_info(struct xf_blkback *bb)
{
	return write_disk_info_t(bb, XF_TXN_NONE);
}

/* Linux connect()'s keys in its order, in transaction t:
 * feature-flush-cache (xen_blkbk_flush_diskcache()), the discard block
 * (xen_blkbk_discard(): granularity, alignment and secure only when
 * discard is on, feature-discard always), feature-barrier
 * (xen_blkbk_barrier()), feature-persistent, then the disk keys. Off
 * features are written as 0, never removed. */
static int write_connect_keys(struct xf_blkback *bb, xf_txn t)
{
	const struct xf_blkback_features *f = &bb->live;
	unsigned int gran;
	uint64_t en = 1;
	int r;

	gran = f->discard_granularity ? f->discard_granularity
				      : xf_blkdisk_sector_size(bb->cfg.disk);
	/* xen_blkbk_discard(): discard-enable (toolstack, backend dir) = 0
	 * leaves out every discard key; discards are still performed. */
	if (rd_num(bb, bb->bpath, "discard-enable", UINT32_MAX, &en) < 0)
		en = 1;
	r = wr_t(bb, t, "feature-flush-cache", "%llu", f->flush);
	if (!r && en && f->discard) {
		r = wr_t(bb, t, "discard-granularity", "%llu", gran);
		if (!r)
			r = wr_t(bb, t, "discard-alignment", "%llu",
				 f->discard_alignment);
		if (!r)
			r = wr_t(bb, t, "discard-secure", "%llu",
				 f->discard_secure);
	}
	if (!r && en)
		r = wr_t(bb, t, "feature-discard", "%llu", f->discard);
	if (!r)
		r = wr_t(bb, t, "feature-barrier", "%llu", f->barrier);
	if (!r)
		r = wr_t(bb, t, "feature-persistent", "%llu", f->persistent);
	if (!r)
		r = write_disk_info_t(bb, t);
	return r;
}

/* All connect-time keys, visible at once (one transaction, retried on
 * conflict as connect() does); the state follows in its own write. */
static int publish_connect(struct xf_blkback *bb)
{
	int r;

	if (bb->cfg.lenient & XF_BB_LENIENT_FEATURES_AT_INITWAIT) {
		r = write_disk_info(bb);
		if (!r)
			r = wr_opt(bb, "feature-persistent",
				   bb->live.persistent, 1);
		return r;
	}
	for (;;) {
		xf_txn t;

		r = bb->p->store->txn_start(bb->xs, &t);
		if (r < 0)
			return r;
		r = write_connect_keys(bb, t);
		if (r < 0) {
			bb->p->store->txn_end(bb->xs, t, true);
			return r;
		}
		r = bb->p->store->txn_end(bb->xs, t, false);
		if (r != -EAGAIN)
			return r;
	}
}

static void disconnect_all(struct xf_blkback *bb)
{
	unsigned int dropped = 0;
	bool was;

	for (unsigned int i = 0; i < bb->nr_qalloc; i++) {
		struct bb_queue *q = &bb->q[i];

		pthread_mutex_lock(&q->lock);
		dropped += bb_queue_disconnect(q);
		pthread_mutex_unlock(&q->lock);
	}
	pthread_mutex_lock(&bb->lock);
	was = bb->info.connected;
	bb->info.connected = false;
	bb->dropped += dropped;
	if (was)
		bb->disconnects++;
	pthread_mutex_unlock(&bb->lock);
	bb->nr_queues = 0;
}

/* Reads one queue's event channel and ring references, in that order,
 * as Linux read_per_ring_refs(): "ring-ref" when the frontend wrote no
 * ring-page-order, else "ring-ref0".."ring-ref<2^order - 1>" (also for
 * order 0). XF_BB_LENIENT_RING_KEYS: "ring-ref0" also stands in for a
 * missing "ring-ref". */
static int read_queue_keys(struct xf_blkback *bb, const char *dir,
			   unsigned int order, bool multi_ref, xf_gref *refs,
			   xf_port *port)
{
	unsigned int n = 1u << order;
	uint64_t v;
	int r;

	r = rd_num(bb, dir, "event-channel", UINT32_MAX, &v);
	if (r < 0) {
		bb_set_error(bb, "%s: bad or missing event-channel (%d)", dir,
			     r);
		return r;
	}
	*port = (xf_port)v;
	for (unsigned int i = 0; i < n; i++) {
		char key[24];

		if (!multi_ref || (order == 0 && (bb->cfg.lenient &
						  XF_BB_LENIENT_RING_KEYS))) {
			r = rd_num(bb, dir, "ring-ref", UINT32_MAX, &v);
			if (r == -ENOENT &&
			    (bb->cfg.lenient & XF_BB_LENIENT_RING_KEYS))
				r = rd_num(bb, dir, "ring-ref0", UINT32_MAX,
					   &v);
		} else {
			snprintf(key, sizeof(key), "ring-ref%u", i);
			r = rd_num(bb, dir, key, UINT32_MAX, &v);
		}
		if (r < 0) {
			bb_set_error(bb, "%s: bad or missing ring-ref%s (%d)",
				     dir, multi_ref ? "N" : "", r);
			return r;
		}
		refs[i] = (xf_gref)v;
	}
	return 0;
}

static int do_connect(struct xf_blkback *bb)
{
	xf_gref refs[XF_MAX_RING_PAGES];
	enum xf_blkif_abi abi = XF_BLKIF_ABI_X86_64;
	unsigned int order = 0, nq = 1;
	bool persistent = false, multi_ref = true;
	char *proto = NULL;
	uint64_t v;
	int r;

	r = rd_str(bb, bb->fpath, "protocol", &proto);
	if (r == 0) {
		r = xf_blkif_abi_parse(proto, &abi);
		if (r < 0)
			bb_set_error(bb, "unknown protocol \"%s\"", proto);
		free(proto);
		if (r < 0)
			return r;
	} else if (r != -ENOENT) {
		return r;
	}

	r = rd_num(bb, bb->fpath, "multi-queue-num-queues", UINT32_MAX, &v);
	if (r == 0) {
		unsigned int max = bb->live.max_queues > 1 ? bb->live.max_queues
							    : 1;

		if (v < 1 || v > max) {
			bb_set_error(bb, "multi-queue-num-queues %llu not in "
				     "1..%u", (unsigned long long)v, max);
			return -EINVAL;
		}
		nq = (unsigned int)v;
	} else if (r != -ENOENT) {
		bb_set_error(bb, "bad multi-queue-num-queues (%d)", r);
		return r;
	}

	/* connect_ring(): ring-page-order present (even 0) means
	 * ring-ref%u keys; absent, one page and "ring-ref". Linux never
	 * reads num-ring-pages (XF_BB_LENIENT_RING_KEYS does). */
	r = rd_num(bb, bb->fpath, "ring-page-order", UINT32_MAX, &v);
	if (r == -ENOENT) {
		multi_ref = false;
		v = 0;
		r = -ENOENT;
		if (bb->cfg.lenient & XF_BB_LENIENT_RING_KEYS)
			r = rd_num(bb, bb->fpath, "num-ring-pages", UINT32_MAX,
				   &v);
		if (r == 0) {
			multi_ref = true;
			if (!v || (v & (v - 1))) {
				bb_set_error(bb, "num-ring-pages %llu is not a "
					     "power of two",
					     (unsigned long long)v);
				return -EINVAL;
			}
			for (order = 0; (1ull << order) < v; order++)
				;
			v = order;
		} else if (r == -ENOENT) {
			v = 0;
			r = 0;
		}
	}
	if (r < 0) {
		bb_set_error(bb, "bad ring-page-order (%d)", r);
		return r;
	}
	if (v > bb->live.max_ring_page_order) {
		bb_set_error(bb, "ring-page-order %llu above max %u",
			     (unsigned long long)v,
			     bb->live.max_ring_page_order);
		return -EINVAL;
	}
	order = (unsigned int)v;

	/* connect_ring(): the module's feature_persistent (here the
	 * offer) && xenbus_read_unsigned(fe, "feature-persistent", 0). */
	persistent = bb->live.persistent &&
		     rd_flag(bb, bb->fpath, "feature-persistent");

	for (unsigned int i = 0; i < nq; i++) {
		char dir[BB_PATH_MAX + 24];
		struct bb_queue *q = &bb->q[i];
		xf_port port;

		if (nq == 1)
			snprintf(dir, sizeof(dir), "%s", bb->fpath);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", bb->fpath, i);
		r = read_queue_keys(bb, dir, order, multi_ref, refs, &port);
		if (r == 0) {
			pthread_mutex_lock(&q->lock);
			r = bb_queue_connect(q, bb->cfg.frontend_id, refs,
					     order, port, abi, persistent);
			pthread_mutex_unlock(&q->lock);
			if (r < 0)
				bb_set_error(bb, "queue %u: cannot map ring or "
					     "bind event channel %u (%d)", i,
					     port, r);
		}
		if (r < 0) {
			disconnect_all(bb);
			return r;
		}
		bb->nr_queues = i + 1;
	}
	r = publish_connect(bb);
	if (r < 0) {
		disconnect_all(bb);
		return r;
	}
	pthread_mutex_lock(&bb->lock);
	bb->info.connected = true;
	bb->info.nr_queues = nq;
	bb->info.ring_page_order = order;
	bb->info.ring_entries = xf_blkif_ring_size(abi, order);
	bb->info.abi = abi;
	bb->info.persistent = persistent;
	bb->info.connects++;
	bb->connects++;
	pthread_mutex_unlock(&bb->lock);
	return 0;
}

/*
 * xenbus_dev_fatal() (drivers/xen/xenbus/xenbus_client.c): "<errno>
 * <message>" under the backend domain's error/<nodename>, i.e.
 * /local/domain/<be>/error/backend/vbd/<fe>/<devid>/error (never
 * removed), then Closing. The message is also last_error.
 */
static void bb_fatal(struct xf_blkback *bb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bb_fatal(struct xf_blkback *bb, int err, const char *fmt, ...)
{
	char msg[BB_ERR_MAX];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		bb_set_error(bb, "%s", msg);
	} else {
		pthread_mutex_lock(&bb->lock);
		snprintf(msg, sizeof(msg), "%s", bb->last_error);
		pthread_mutex_unlock(&bb->lock);
	}
	xf_xs_write_fatal(bb->p, bb->xs, "vbd", bb->cfg.frontend_id,
			  bb->cfg.devid, err, msg);
	bb_write_state(bb, XF_XENBUS_CLOSING);
}

static void connect_or_fail(struct xf_blkback *bb)
{
	int r;

	/* xen_update_blkif_status(): no connect before the vbd exists
	 * (backend_changed() gave up on a missing mode). */
	if (!bb->vbd_ok)
		return;
	r = do_connect(bb);
	if (r == 0) {
		bb_write_state(bb, XF_XENBUS_CONNECTED);
		bb_kick_queues(bb);
		return;
	}
	bb_fatal(bb, r, NULL);
}

void bb_detach(struct xf_blkback *bb)
{
	disconnect_all(bb);
	if (bb->fwatch) {
		bb->p->store->unwatch(bb->xs, bb->fstate_path, "fe");
		bb->fwatch = false;
	}
	bb->life = BB_LIFE_WAITING;
	bb->ts_state = XF_XENBUS_UNKNOWN;
	atomic_store(&bb->state, XF_XENBUS_UNKNOWN);
}

/* Our directory appeared: find the frontend and announce ourselves. */
static int attach(struct xf_blkback *bb)
{
	char *fe = NULL, *mode = NULL;
	int mode_err = 0;
	uint64_t v;
	int r;

	r = rd_str(bb, bb->bpath, "frontend", &fe);
	if (r < 0)
		return r;
	if (strlen(fe) >= sizeof(bb->fpath)) {
		free(fe);
		bb_set_error(bb, "frontend path too long");
		return -ENAMETOOLONG;
	}
	snprintf(bb->fpath, sizeof(bb->fpath), "%s", fe);
	free(fe);
	r = rd_uint(bb, bb->bpath, "frontend-id", UINT16_MAX, &v);
	if (r == 0 && v != bb->cfg.frontend_id) {
		bb_set_error(bb, "frontend-id %llu, expected %u",
			     (unsigned long long)v, bb->cfg.frontend_id);
		return -EINVAL;
	}
	/* Linux backend_changed(): read-only iff mode has no 'w'; no mode
	 * is fatal (after InitWait: probe ran first) and no vbd is made. */
	bb->mode_ro = false;
	bb->vbd_ok = true;
	r = rd_str(bb, bb->bpath, "mode", &mode);
	if (r == 0) {
		if (bb->cfg.lenient & XF_BB_LENIENT_MODE_FIRST_CHAR)
			bb->mode_ro = mode[0] == 'r';
		else
			bb->mode_ro = !strchr(mode, 'w');
		free(mode);
	} else if (!(bb->cfg.lenient & XF_BB_LENIENT_MODE_OPTIONAL)) {
		bb->vbd_ok = false;
		mode_err = r;
	}
	snprintf(bb->fstate_path, sizeof(bb->fstate_path), "%s/state",
		 bb->fpath);
	r = bb->p->store->watch(bb->xs, bb->fstate_path, "fe");
	if (r < 0)
		return r;
	bb->fwatch = true;
	bb->life = BB_LIFE_ATTACHED;
	bb->online = true;
	bb->ts_state = XF_XENBUS_INITIALISING;
	atomic_store(&bb->state, XF_XENBUS_INITIALISING);
	r = publish_features(bb);
	if (r == 0 && !bb_dance_initial(bb, &r) &&
	    bb->cfg.path != XF_BLKBACK_PATH_SKIP_INITWAIT)
		r = bb_write_state(bb, XF_XENBUS_INITWAIT);
	if (r == 0 && mode_err)
		bb_fatal(bb, mode_err, "reading %s/mode", bb->bpath);
	return r;
}

static void republish(struct xf_blkback *bb)
{
	if (publish_features(bb) == 0 &&
	    bb->cfg.path != XF_BLKBACK_PATH_SKIP_INITWAIT)
		bb_write_state(bb, XF_XENBUS_INITWAIT);
	else
		bb_write_state(bb, XF_XENBUS_INITIALISING);
}

static void follow_frontend(struct xf_blkback *bb, int fstate)
{
	int s = bb->ts_state;

	switch (fstate) {
	case XF_XENBUS_INITIALISED:
	case XF_XENBUS_CONNECTED:
		if (s == XF_XENBUS_CONNECTED)
			break; /* Linux: ignored (coalesced watches) */
		if (s == XF_XENBUS_CLOSED && bb->online &&
		    (bb->cfg.path == XF_BLKBACK_PATH_STUCK_INITWAIT ||
		     (bb->cfg.lenient & XF_BB_LENIENT_CONNECT_VIA_INITWAIT))) {
			/* Frontend skipped Initialising on its way back: the
			 * older mock offers InitWait first. */
			disconnect_all(bb);
			republish(bb);
			s = bb->ts_state;
		}
		if (bb->cfg.path == XF_BLKBACK_PATH_STUCK_INITWAIT)
			break;
		if (s == XF_XENBUS_INITWAIT ||
		    (s == XF_XENBUS_INITIALISING &&
		     bb->cfg.path == XF_BLKBACK_PATH_SKIP_INITWAIT)) {
			connect_or_fail(bb);
		} else if (!(bb->cfg.lenient &
			     XF_BB_LENIENT_CONNECT_VIA_INITWAIT) &&
			   bb->fe_event &&
			   (s == XF_XENBUS_CLOSING ||
			    (s == XF_XENBUS_CLOSED && bb->online))) {
			/* Linux frontend_changed(): from Closing or Closed
			 * too, disconnect and connect straight to Connected,
			 * no InitWait. Only on a frontend state event, as
			 * Linux acts on watch events: a backend that failed
			 * (Closing) or a toolstack's Closing must not make it
			 * retry by itself. */
			disconnect_all(bb);
			connect_or_fail(bb);
		}
		break;
	case XF_XENBUS_CLOSING:
		if (s != XF_XENBUS_CLOSING && s != XF_XENBUS_CLOSED)
			bb_write_state(bb, XF_XENBUS_CLOSING);
		break;
	case XF_XENBUS_CLOSED:
		/* Only now are the rings unmapped: the frontend revokes its
		 * grants after seeing us Closed. */
		disconnect_all(bb);
		if (s != XF_XENBUS_CLOSED)
			bb_write_state(bb, XF_XENBUS_CLOSED);
		break;
	default: /* Initialising, Unknown, Reconfiguring... */
		if (fstate != XF_XENBUS_INITIALISING)
			break;
		/* As Linux frontend_changed(): only a Closed backend
		 * answers Initialising; Connected and Closing ignore it
		 * unless the leniency switch is on. */
		if ((s == XF_XENBUS_CLOSED ||
		     ((bb->cfg.lenient &
		       XF_BB_LENIENT_REINIT_WHILE_CONNECTED) &&
		      (s == XF_XENBUS_CLOSING || s == XF_XENBUS_CONNECTED))) &&
		    bb->online) {
			/* Re-initialising frontend: drop the old rings and
			 * offer the (possibly new) features again. */
			disconnect_all(bb);
			republish(bb);
		}
		break;
	}
}

static void reconcile(struct xf_blkback *bb)
{
	uint64_t v, id;
	int fstate, r;

	r = rd_uint(bb, bb->bpath, "state", UINT32_MAX, &v);
	if (r == -ENOENT || (r == 0 && bb->life == BB_LIFE_WAITING &&
			     rd_uint(bb, bb->bpath, "frontend-id", UINT16_MAX,
				     &id) < 0)) {
		/* No directory, or the toolstack is still writing it. */
		if (bb->life == BB_LIFE_ATTACHED)
			bb_detach(bb);
		return;
	}
	if (r < 0)
		return;
	if (bb->life == BB_LIFE_ATTACHED && v == XF_XENBUS_INITIALISING &&
	    bb->ts_state != XF_XENBUS_INITIALISING) {
		/* Directory removed and re-created between two runs. */
		bb_detach(bb);
	}
	if (bb->life == BB_LIFE_WAITING) {
		r = attach(bb);
		if (r < 0) {
			if (bb->fwatch) {
				bb->p->store->unwatch(bb->xs, bb->fstate_path,
						      "fe");
				bb->fwatch = false;
			}
			bb->life = BB_LIFE_WAITING;
			return;
		}
		r = rd_uint(bb, bb->bpath, "state", UINT32_MAX, &v);
		if (r < 0)
			return;
	}
	if (v == XF_XENBUS_CLOSING && bb->ts_state != XF_XENBUS_CLOSING &&
	    bb->ts_state != XF_XENBUS_CLOSED) {
		/* The toolstack asks for removal (libxl writes Closing). */
		bb->ts_state = XF_XENBUS_CLOSING;
		atomic_store(&bb->state, XF_XENBUS_CLOSING);
	}
	/* xenbus_dev_is_online(): !!xenbus_read_unsigned(online, 0), so
	 * a missing key is offline (XF_BB_LENIENT_ONLINE_DEFAULT: the last
	 * value read, online at first). */
	r = rd_num(bb, bb->bpath, "online", 1, &v);
	if (r == 0)
		bb->online = bb->cfg.lenient & XF_BB_LENIENT_STRICT_NUMBERS ?
			     v == 1 : v != 0;
	else if (!(bb->cfg.lenient & XF_BB_LENIENT_ONLINE_DEFAULT))
		bb->online = false;

	r = xf_xs_read_uint(bb->p, bb->xs, XF_TXN_NONE, bb->fstate_path,
			    UINT32_MAX, &v);
	if (r == -ENOENT)
		fstate = XF_XENBUS_CLOSED; /* frontend gone */
	else if (r < 0)
		return;
	else
		fstate = (int)v;
	if (r == -ENOENT && bb->ts_state == XF_XENBUS_INITWAIT)
		return; /* not there yet: nothing to close */
	follow_frontend(bb, fstate);
}

static void ctl_run(struct xf_actor *a)
{
	struct xf_blkback *bb = bb_of(a);
	unsigned int reqs;
	char *path, *token;

	bb->fe_event = false;
	while (bb->p->store->read_watch(bb->xs, &path, &token) == 0) {
		if (!strcmp(token, "fe"))
			bb->fe_event = true;
		free(path);
		free(token);
	}
	reqs = atomic_exchange(&bb->reqs, 0);
	if (bb->life != BB_LIFE_DEAD && (reqs & BB_REQ_CRASH))
		bb_fault_crash_now(bb, true);
	if (bb->life != BB_LIFE_DEAD && (reqs & BB_REQ_DISAPPEAR))
		bb_fault_crash_now(bb, false);
	if (bb->life == BB_LIFE_DEAD)
		return;
	if (reqs & BB_REQ_SET_STATE)
		bb_dance_apply(bb);
	if (!bb_dance_hold(bb))
		reconcile(bb);
	if ((reqs & BB_REQ_RESIZE) && bb->ts_state == XF_XENBUS_CONNECTED &&
	    write_disk_info(bb) == 0)
		bb_write_state(bb, XF_XENBUS_CONNECTED);
	if (reqs & BB_REQ_UNFREEZE)
		bb_kick_queues(bb);
	/* __end_block_io_op() on BLK_STS_NOTSUPP: a plain write of 0,
	 * state untouched. */
	if ((reqs & BB_REQ_NO_FLUSH) && bb->life == BB_LIFE_ATTACHED)
		wr(bb, "feature-flush-cache", "%llu", 0);
	if ((reqs & BB_REQ_NO_BARRIER) && bb->life == BB_LIFE_ATTACHED)
		wr(bb, "feature-barrier", "%llu", 0);
}

const struct xf_actor_ops bb_ctl_ops = {
	.run = ctl_run,
};

void bb_fault_crash_now(struct xf_blkback *bb, bool write_closed)
{
	atomic_store(&bb->stopping, true);
	disconnect_all(bb);
	if (bb->life == BB_LIFE_ATTACHED && write_closed)
		bb_write_state(bb, XF_XENBUS_CLOSED);
	if (bb->fwatch) {
		bb->p->store->unwatch(bb->xs, bb->fstate_path, "fe");
		bb->fwatch = false;
	}
	bb->p->store->unwatch(bb->xs, bb->bpath, "be");
	bb->p->store->rm(bb->xs, XF_TXN_NONE, bb->bpath);
	bb->life = BB_LIFE_DEAD;
	atomic_store(&bb->state, write_closed ? XF_XENBUS_CLOSED
					      : XF_XENBUS_UNKNOWN);
}

int bb_publish_disk_info(struct xf_blkback *bb)
{
	return write_disk_info(bb);
}

void bb_drop_rings(struct xf_blkback *bb)
{
	disconnect_all(bb);
}

void bb_republish(struct xf_blkback *bb)
{
	republish(bb);
}
