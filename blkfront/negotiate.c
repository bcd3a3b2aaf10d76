/* SPDX-License-Identifier: MIT */
/*
 * Feature negotiation (blkif.h, frontend side). Backend values are
 * untrusted input: numbers are parsed with bounds, negotiated values are
 * min(frontend limit, backend offer), and a value that cannot be used
 * (sector-size 0 or not a power of two, a malformed number) puts the
 * device in the error state with the key named.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bf.h"

#define BF_TXN_RETRIES 64

static int bf_read_num(struct xf_blkfront *bf, const char *dir,
		       const char *key, uint64_t max, uint64_t def,
		       uint64_t *out)
{
	char path[BF_PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	r = xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, max, out);
	if (r == -ENOENT) {
		*out = def;
		return 0;
	}
	if (r == -EINVAL)
		bf_set_error(bf, -EINVAL, "%s: bad value (not a number, or "
			     "above %" PRIu64 ")", path, max);
	return r;
}

static int bf_read_bool(struct xf_blkfront *bf, const char *dir,
			const char *key, bool *out)
{
	uint64_t v;
	int r = bf_read_num(bf, dir, key, UINT32_MAX, 0, &v);

	*out = !r && v;
	return r;
}

static unsigned int bf_log2_floor(uint64_t v)
{
	unsigned int o = 0;

	while (v >>= 1)
		o++;
	return o;
}

static int bf_wr(struct xf_blkfront *bf, xf_txn t, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bf_wr(struct xf_blkfront *bf, xf_txn t, const char *key,
		 const char *fmt, ...)
{
	char path[BF_PATH_MAX + 64], val[64];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", bf->fe_path, key);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return xf_xs_printf(bf->p, bf->xs, t, path, "%s", val);
}

static int bf_write_keys(struct xf_blkfront *bf, xf_txn t, unsigned int nq,
			 unsigned int order, bool persistent)
{
	const struct xf_platform *p = bf->p;
	static const char *const stale[] = {
		"ring-ref", "event-channel", "ring-page-order",
		"num-ring-pages", "multi-queue-num-queues",
	};
	char dir[BF_PATH_MAX + 32];
	int r = 0;

	/* Keys of an earlier connection must not survive into this one:
	 * a stale multi-queue-num-queues would contradict the new ring. */
	for (size_t i = 0; !r && i < sizeof(stale) / sizeof(stale[0]); i++)
		r = xf_xs_rm_under(p, bf->xs, t, bf->fe_path, "%s", stale[i]);
	for (unsigned int i = 0; !r && i < XF_MAX_RING_PAGES; i++)
		r = xf_xs_rm_under(p, bf->xs, t, bf->fe_path, "ring-ref%u", i);
	for (unsigned int i = 0; !r && i < XF_BLKFRONT_MAX_QUEUES; i++)
		r = xf_xs_rm_under(p, bf->xs, t, bf->fe_path, "queue-%u", i);
	if (r)
		return r;
	if (order > 0) {
		r = bf_wr(bf, t, "ring-page-order", "%u", order);
		r = r ? r : bf_wr(bf, t, "num-ring-pages", "%u", 1u << order);
	}
	if (!r && nq > 1)
		r = bf_wr(bf, t, "multi-queue-num-queues", "%u", nq);
	for (unsigned int i = 0; !r && i < nq; i++) {
		struct bf_conn *c = bf->q[i].conn;
		char path[BF_PATH_MAX + 64];

		if (nq == 1)
			snprintf(dir, sizeof(dir), "%s", bf->fe_path);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", bf->fe_path, i);
		if (order == 0) {
			snprintf(path, sizeof(path), "%s/ring-ref", dir);
			r = xf_xs_printf(p, bf->xs, t, path, "%u",
					 c->ring_refs[0]);
		}
		for (unsigned int j = 0; !r && order && j < c->ring_pages;
		     j++) {
			snprintf(path, sizeof(path), "%s/ring-ref%u", dir, j);
			r = xf_xs_printf(p, bf->xs, t, path, "%u",
					 c->ring_refs[j]);
		}
		if (!r) {
			snprintf(path, sizeof(path), "%s/event-channel", dir);
			r = xf_xs_printf(p, bf->xs, t, path, "%u", c->port);
		}
	}
	if (!r)
		r = bf_wr(bf, t, "protocol", "%s", xf_blkif_abi_name(bf->cfg.abi));
	if (!r)
		r = bf_wr(bf, t, "feature-persistent", "%u", persistent ? 1u : 0u);
	/* Ring sector fields are 512-byte units and data is aligned to
	 * sector-size, so any power-of-two sector size works here. The key
	 * is only written with the reading that goes with it: before 2024
	 * it meant "I count sectors in sector-size units", which QEMU's
	 * xen-block answered by writing "sectors" in those units (and since
	 * its 2024 fix refuses large sectors to a frontend that writes it).
	 * Linux blkfront never writes it and blkif.h now says not to. */
	if (!r && bf->cfg.sectors_unit == XF_BLKFRONT_SECTORS_SECTOR_SIZE)
		r = bf_wr(bf, t, "feature-large-sector-size", "1");
	else if (!r)
		r = xf_xs_rm_under(p, bf->xs, t, bf->fe_path,
				   "feature-large-sector-size");
	return r;
}

static void bf_drop_new_conns(struct xf_blkfront *bf, unsigned int nq)
{
	for (unsigned int i = 0; i < nq; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		if (q->conn) {
			bf_conn_release(bf, q, q->conn);
			q->conn = NULL;
		}
		pthread_mutex_unlock(&q->lock);
	}
}

/* Device lock held. Reads the backend's offer, grants rings, allocates
 * event channels and publishes the transport keys in one transaction. */
int bf_talk_to_backend(struct xf_blkfront *bf)
{
	const char *be = bf->be_path;
	uint64_t mq, mo, mp, ind, trusted = 1;
	bool pers;
	unsigned int nq, order, nind, created = 0;
	int r;

	if ((r = bf_read_num(bf, be, "multi-queue-max-queues", UINT32_MAX, 1,
			     &mq)) ||
	    (r = bf_read_num(bf, be, "max-ring-page-order", UINT32_MAX, 0,
			     &mo)) ||
	    (r = bf_read_num(bf, be, "max-ring-pages", UINT32_MAX, 1, &mp)) ||
	    (r = bf_read_num(bf, be, "feature-max-indirect-segments",
			     UINT32_MAX, 0, &ind)))
		return r;
	if (bf->cfg.trusted >= 0)
		trusted = (uint64_t)bf->cfg.trusted;
	else if ((r = bf_read_num(bf, bf->fe_path, "trusted", UINT32_MAX, 1,
				  &trusted)))
		return r;

	/* Absurd offers are clamped, not trusted: each is only an upper
	 * bound on what we use. */
	nq = (unsigned int)bf->cfg.max_queues;
	if (mq < nq)
		nq = mq ? (unsigned int)mq : 1;
	if (mp > 1 && bf_log2_floor(mp) > mo)
		mo = bf_log2_floor(mp);
	order = (unsigned int)bf->cfg.max_ring_page_order;
	if (mo < order)
		order = (unsigned int)mo;
	nind = (unsigned int)bf->cfg.max_indirect_segments;
	if (ind < nind)
		nind = (unsigned int)ind;
	if (nind <= XF_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		nind = 0;
	/* Untrusted backend: every request bounces through freshly
	 * granted zeroed pages, so pages are never reused (XSA-403).
	 * This is only our capability, advertised as feature-persistent:
	 * a Linux blkback publishes its own only when it connects, so
	 * whether both sides use persistent grants is settled at
	 * Connected (bf_read_connected), as Linux blkfront does. */
	pers = bf->cfg.persistent && trusted;

	for (created = 0; created < nq; created++) {
		struct bf_queue *q = &bf->q[created];
		struct bf_conn *c;

		r = bf_conn_new(bf, q, order, nind, &c);
		if (r)
			goto fail;
		pthread_mutex_lock(&q->lock);
		q->conn = c;
		q->error_seen = false;
		pthread_mutex_unlock(&q->lock);
	}
	for (int tries = 0;; tries++) {
		xf_txn t;

		r = bf->p->store->txn_start(bf->xs, &t);
		if (r)
			goto fail;
		r = bf_write_keys(bf, t, nq, order, pers);
		if (r) {
			bf->p->store->txn_end(bf->xs, t, true);
			goto fail;
		}
		r = bf->p->store->txn_end(bf->xs, t, false);
		if (r != -EAGAIN)
			break;
		if (tries >= BF_TXN_RETRIES)
			goto fail;
	}
	if (r)
		goto fail;
	bf->nr_queues = nq;
	bf->info.nr_queues = nq;
	bf->info.ring_page_order = order;
	bf->info.ring_entries = bf->q[0].conn->nr_ents;
	bf->info.max_indirect_segments = nind;
	bf->info.max_request_bytes = (nind ? nind :
		XF_BLKIF_MAX_SEGMENTS_PER_REQUEST) * XF_PAGE_SIZE;
	bf->info.persistent = false;
	bf->info.trusted = trusted != 0;
	bf->info.abi = bf->cfg.abi;
	return 0;
fail:
	bf_drop_new_conns(bf, created);
	/* A store refusal (e.g. EACCES while the toolstack is still
	 * setting permissions, a conflict storm) is retried later by the
	 * caller; it is not the backend's fault. */
	return r;
}

/*
 * The disk size in bytes: the "sectors" key times the configured unit.
 * Nothing in xenstore says which unit the backend meant. A size that is
 * not a whole number of logical sectors is the only visible sign of a
 * mismatch (or of a broken backend): an error naming the keys and
 * values, never a truncated disk. physical-sector-size is a hint for
 * alignment only: a 512e disk (or partition) whose size is not a whole
 * number of physical sectors is common and Linux accepts it, so that is
 * not checked, though blkif.h asks for it. A mismatch that stays whole (a 512-unit count read in
 * sector-size units always does) shows only as I/O errors at the
 * backend's end.
 */
static int bf_disk_bytes(struct xf_blkfront *bf, uint64_t sectors,
			 uint64_t ss, uint64_t *out)
{
	bool in_ss = bf->cfg.sectors_unit == XF_BLKFRONT_SECTORS_SECTOR_SIZE;
	uint64_t unit = in_ss ? ss : 512, bytes;
	const char *be = bf->be_path;

	if (sectors > UINT64_MAX / unit) {
		bf_set_error(bf, -EINVAL, "%s/sectors: %" PRIu64 " overflows "
			     "at %" PRIu64 " bytes each", be, sectors, unit);
		return -EINVAL;
	}
	bytes = sectors * unit;
	/* Only the 512 reading can give a partial logical sector. */
	if (bytes % ss) {
		bf_set_error(bf, -EINVAL, "%s/sectors: %" PRIu64 " x 512 = %"
			     PRIu64 " bytes is not a multiple of sector-size "
			     "%" PRIu64 " (a backend counting in sector-size "
			     "units?)", be, sectors, bytes, ss);
		return -EINVAL;
	}
	*out = bytes;
	return 0;
}

/* One of the keys Linux blkfront_connect() reads with xenbus_gather():
 * a missing one refuses the backend (error state naming it) unless
 * has_def gives it a default (the missing_info_defaults leniency). */
static int bf_read_gathered(struct xf_blkfront *bf, const char *key,
			    uint64_t max, bool has_def, uint64_t def,
			    uint64_t *out)
{
	char path[BF_PATH_MAX + 32];
	int r;

	snprintf(path, sizeof(path), "%s/%s", bf->be_path, key);
	r = xf_xs_read_uint(bf->p, bf->xs, XF_TXN_NONE, path, max, out);
	if (r == -ENOENT && has_def) {
		*out = def;
		return 0;
	}
	if (r == -ENOENT)
		bf_set_error(bf, -EINVAL, "%s: missing in state Connected "
			     "(Linux blkfront refuses the backend too)", path);
	else if (r)
		bf_set_error(bf, -EINVAL, "%s: bad value (not a number, or "
			     "above %" PRIu64 ")", path, max);
	return r ? -EINVAL : 0;
}

/* Device lock held. Reads the disk properties the backend published
 * for Connected. initial=false: a repeated Connected, only the size may
 * change. Returns 1 when the size changed. */
int bf_read_connected(struct xf_blkfront *bf, bool initial)
{
	const char *be = bf->be_path;
	uint64_t sectors, bytes, info, ss, pss, gran, align;
	bool flush, barrier, discard, secure, be_pers, lenient;
	int r;

	if (bf_read_gathered(bf, "sectors", UINT64_MAX, false, 0, &sectors))
		return -EINVAL;
	if (!initial) {
		if (sectors == bf->info.sectors)
			return 0;
		if (bf_disk_bytes(bf, sectors, bf->info.sector_size, &bytes))
			return -EINVAL;
		bf->info.sectors = sectors;
		bf->info.size_bytes = bytes;
		bf->info.resizes++;
		atomic_store(&bf->disk_bytes, bytes);
		return 1;
	}
	lenient = bf->cfg.missing_info_defaults;
	if (bf_read_gathered(bf, "sector-size", UINT32_MAX, lenient, 512,
			     &ss) ||
	    bf_read_gathered(bf, "info", UINT32_MAX, lenient, 0, &info))
		return -EINVAL;
	if (ss < 512 || (ss & (ss - 1)) || ss > BF_MAX_SECTOR_SIZE) {
		bf_set_error(bf, -EINVAL, "%s/sector-size: unsupported sector "
			     "size (need a power of two from 512 to %u)", be,
			     BF_MAX_SECTOR_SIZE);
		return -EINVAL;
	}
	if ((r = bf_read_num(bf, be, "physical-sector-size", UINT32_MAX, ss,
			     &pss)) ||
	    (r = bf_read_bool(bf, be, "feature-flush-cache", &flush)) ||
	    (r = bf_read_bool(bf, be, "feature-barrier", &barrier)) ||
	    (r = bf_read_bool(bf, be, "feature-discard", &discard)) ||
	    (r = bf_read_bool(bf, be, "discard-secure", &secure)) ||
	    (r = bf_read_num(bf, be, "discard-granularity", UINT32_MAX, ss,
			     &gran)) ||
	    (r = bf_read_num(bf, be, "discard-alignment", UINT32_MAX, 0,
			     &align)) ||
	    (r = bf_read_bool(bf, be, "feature-persistent", &be_pers)))
		return -EINVAL;
	if (pss < ss || pss % ss || (pss & (pss - 1))) {
		bf_set_error(bf, -EINVAL, "%s/physical-sector-size: %" PRIu64
			     " is not a power-of-two multiple of sector-size "
			     "%" PRIu64, be, pss, ss);
		return -EINVAL;
	}
	if (bf_disk_bytes(bf, sectors, ss, &bytes))
		return -EINVAL;
	bf->info.sectors = sectors;
	bf->info.size_bytes = bytes;
	bf->info.sector_size = (uint32_t)ss;
	bf->info.physical_sector_size = (uint32_t)pss;
	bf->info.vdisk_info = (uint32_t)info;
	bf->info.read_only = info & XF_VDISK_READONLY;
	bf->info.cdrom = info & XF_VDISK_CDROM;
	bf->info.removable = info & XF_VDISK_REMOVABLE;
	bf->info.flush = flush;
	bf->info.barrier = barrier;
	bf->info.discard = discard;
	bf->info.discard_secure = discard && secure;
	bf->info.discard_granularity = (uint32_t)gran;
	bf->info.discard_alignment = (uint32_t)align;
	/* Odd values are not fatal: discard is advisory, so the grid is
	 * only narrowed to what can be honoured, with the reason noted. */
	bf_discard_geometry(bf, ss, gran, align);
	/* A new connection: an unprotected FUA write is reported again. */
	atomic_store(&bf->fua_warned, false);
	/* Both sides must offer it (blkback decided the same way when it
	 * connected). The rings are not live yet: no request has used any
	 * connection's pages. */
	bf->info.persistent = be_pers && bf->cfg.persistent &&
			      bf->info.trusted;
	for (unsigned int i = 0; i < bf->nr_queues; i++) {
		struct bf_queue *q = &bf->q[i];

		pthread_mutex_lock(&q->lock);
		if (q->conn)
			q->conn->persistent = bf->info.persistent;
		pthread_mutex_unlock(&q->lock);
	}
	atomic_store(&bf->sector_size, (unsigned int)ss);
	atomic_store(&bf->disk_bytes, bytes);
	atomic_store(&bf->read_only, bf->info.read_only);
	atomic_store(&bf->feat_flush, flush);
	atomic_store(&bf->feat_barrier, barrier);
	atomic_store(&bf->feat_discard, discard);
	return 0;
}
