// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/workload.h>

#define EXP_UNKNOWN UINT64_MAX /* content unknown (a failed write) */
#define BUSY_WRITE UINT16_MAX

enum { K_READ = 0, K_WRITE, K_FLUSH, K_TRIM };

struct wl_io {
	struct xf_blkfront_io io;
	struct xf_wl_job *job;
	uint64_t submit_ns;
	uint64_t write_id;     /* writes: id; flushes: tracker flush id */
	uint64_t block;
	int kind;
	bool busy;             /* handed to the target, not completed */
	unsigned int cut;      /* j->cuts when handed to the target */
	uint8_t *buf;
};

struct xf_wl_job {
	struct xf_actor actor;
	struct xf_rt *rt;
	struct xf_wl_target t;
	struct xf_wl_config c;
	struct xf_job_result *res;
	pthread_mutex_t lock;
	struct wl_io *ios;
	unsigned int *freel, nfree;
	uint64_t first_sector, nsectors; /* region, logical sectors */
	uint64_t nblocks, cursor;
	uint64_t *exp;      /* verify: expected write id per sector */
	uint16_t *busy;     /* verify: I/Os on each block */
	uint32_t generation;
	atomic_uint cuts;   /* power cuts begun (xf_wl_cut_begin) */
	unsigned int resynced;  /* cuts whose read-back is applied */
	unsigned int *wcut; /* verify: j->cuts of each block's last write */
	uint64_t start_ns, end_ns, next_rate_ns;
	bool started, issuing_done, stopped, paused, done, flush_inflight;
	uint64_t issued_bytes, seq, writes_since_flush, rr;
	unsigned int inflight;
	uint64_t inflight_writes, flushes, writes, completions;
	xf_wl_observer_fn obs;
	void *obs_opaque;
};

void xf_wl_config_init(struct xf_wl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "job";
	c->bs = 4096;
	c->iodepth = 1;
	c->rwmixread = 50;
	c->runtime_ns = 1000000000ull;
}

static void wl_run(struct xf_actor *a);
static const struct xf_actor_ops wl_ops = { .run = wl_run };

int xf_wl_new(struct xf_rt *rt, const struct xf_wl_target *t,
	      const struct xf_wl_config *c, struct xf_job_result *res,
	      struct xf_wl_job **out)
{
	struct xf_wl_job *j;
	uint64_t size;
	int r;

	if (!c->bs || !c->iodepth || !t->sector_size ||
	    c->bs % t->sector_size || c->offset % t->sector_size ||
	    c->offset >= t->size_bytes)
		return -EINVAL;
	size = c->size ? c->size : t->size_bytes - c->offset;
	if (c->offset + size > t->size_bytes || size < c->bs)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->rt = rt;
	j->t = *t;
	j->c = *c;
	j->res = res;
	j->first_sector = c->offset / t->sector_size;
	j->nblocks = size / c->bs;
	j->nsectors = j->nblocks * (c->bs / t->sector_size);
	pthread_mutex_init(&j->lock, NULL);
	j->ios = calloc(c->iodepth, sizeof(*j->ios));
	j->freel = calloc(c->iodepth, sizeof(*j->freel));
	if (!j->ios || !j->freel)
		goto nomem;
	for (unsigned int i = 0; i < c->iodepth; i++) {
		j->ios[i].job = j;
		j->ios[i].buf = aligned_alloc(4096, (c->bs + 4095) & ~4095u);
		if (!j->ios[i].buf)
			goto nomem;
		j->freel[j->nfree++] = c->iodepth - 1 - i;
	}
	if (c->verify) {
		j->exp = calloc(j->nsectors, sizeof(*j->exp));
		j->busy = calloc(j->nblocks, sizeof(*j->busy));
		j->wcut = calloc(j->nblocks, sizeof(*j->wcut));
		if (!j->exp || !j->busy || !j->wcut)
			goto nomem;
	}
	r = xf_actor_add(rt, &j->actor, &wl_ops, c->name, c->vcpu);
	if (r) {
		xf_wl_free(j);
		return r;
	}
	*out = j;
	return 0;
nomem:
	xf_wl_free(j);
	return -ENOMEM;
}

void xf_wl_free(struct xf_wl_job *j)
{
	if (!j)
		return;
	if (j->actor.rt)
		xf_actor_remove(&j->actor);
	for (unsigned int i = 0; j->ios && i < j->c.iodepth; i++)
		free(j->ios[i].buf);
	free(j->ios);
	free(j->freel);
	free(j->exp);
	free(j->busy);
	free(j->wcut);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

void xf_wl_set_observer(struct xf_wl_job *j, xf_wl_observer_fn fn,
			void *opaque)
{
	j->obs = fn;
	j->obs_opaque = opaque;
}

void xf_wl_start(struct xf_wl_job *j)
{
	xf_actor_kick(&j->actor);
}

void xf_wl_stop(struct xf_wl_job *j)
{
	pthread_mutex_lock(&j->lock);
	j->stopped = true;
	pthread_mutex_unlock(&j->lock);
	xf_actor_kick(&j->actor);
}

void xf_wl_pause(struct xf_wl_job *j, bool paused)
{
	pthread_mutex_lock(&j->lock);
	j->paused = paused;
	pthread_mutex_unlock(&j->lock);
	if (!paused)
		xf_actor_kick(&j->actor);
}

bool xf_wl_done(const struct xf_wl_job *j)
{
	return j->done;
}

unsigned int xf_wl_inflight(const struct xf_wl_job *j)
{
	return j->inflight;
}

uint64_t xf_wl_inflight_writes(const struct xf_wl_job *j)
{
	return j->inflight_writes;
}

uint64_t xf_wl_flushes(const struct xf_wl_job *j)
{
	return j->flushes;
}

uint64_t xf_wl_writes(const struct xf_wl_job *j)
{
	return j->writes;
}

uint64_t xf_wl_completions(const struct xf_wl_job *j)
{
	return j->completions;
}

void xf_wl_region(const struct xf_wl_job *j, uint64_t *first, uint64_t *nr)
{
	*first = j->first_sector;
	*nr = j->nsectors;
}

void xf_wl_finish(struct xf_wl_job *j)
{
	pthread_mutex_lock(&j->lock);
	j->res->hangs += j->inflight;
	j->stopped = true;
	pthread_mutex_unlock(&j->lock);
}

void xf_wl_cut_begin(struct xf_wl_job *j)
{
	/* Lock-free: the cutting thread may not take the job lock while
	 * it holds the checkers (a reporting workload thread holds the job
	 * lock and waits for them). */
	atomic_fetch_add(&j->cuts, 1);
}

void xf_wl_resync(struct xf_wl_job *j, const struct xf_dur_seen *seen,
		  uint64_t first, uint64_t nr)
{
	unsigned int cuts = atomic_load(&j->cuts);
	uint64_t spb = j->c.bs / j->t.sector_size;

	pthread_mutex_lock(&j->lock);
	j->generation++;
	for (uint64_t i = 0; j->exp && i < nr; i++) {
		uint64_t s = first + i;

		if (s < j->first_sector || s >= j->first_sector + j->nsectors)
			continue;
		/* Written after the cut began (real mode): the read-back
		 * may predate that write, which no cut has touched since. */
		if (j->wcut[(s - j->first_sector) / spb] == cuts)
			continue;
		j->exp[s - j->first_sector] =
			seen[i].kind == XF_DUR_SEEN_WRITE ? seen[i].write_id :
			seen[i].kind == XF_DUR_SEEN_BLANK ? 0 : EXP_UNKNOWN;
	}
	j->resynced = cuts;
	pthread_mutex_unlock(&j->lock);
}

static bool is_write_kind(const struct xf_wl_job *j)
{
	uint64_t r;

	switch (j->c.rw) {
	case XF_WL_WRITE:
	case XF_WL_RANDWRITE:
		return true;
	case XF_WL_RW:
	case XF_WL_RANDRW:
		r = xf_rt_rand(j->rt) % 100;
		return r >= j->c.rwmixread;
	default:
		return false;
	}
}

static bool is_random(const struct xf_wl_job *j)
{
	return j->c.rw == XF_WL_RANDREAD || j->c.rw == XF_WL_RANDWRITE ||
	       j->c.rw == XF_WL_RANDRW;
}

/* A block not in conflict with I/O in flight (verify keeps the content
 * of every block known: no overlap with a write in flight). */
static bool pick_block(struct xf_wl_job *j, bool write, uint64_t *out)
{
	uint64_t b = is_random(j) ? xf_rt_rand(j->rt) % j->nblocks :
		     j->cursor;

	for (uint64_t tries = 0; tries < j->nblocks && tries < 64; tries++) {
		uint64_t x = (b + tries) % j->nblocks;

		if (!j->busy || (!write && j->busy[x] != BUSY_WRITE) ||
		    (write && !j->busy[x])) {
			*out = x;
			if (!is_random(j))
				j->cursor = (x + 1) % j->nblocks;
			return true;
		}
	}
	return false;
}

static void wl_done(struct xf_blkfront_io *bio, int status);

static void fill_write(struct xf_wl_job *j, struct wl_io *w)
{
	unsigned int ss = j->t.sector_size;
	uint64_t s0 = j->first_sector + w->block * (j->c.bs / ss);

	for (uint32_t off = 0; off < j->c.bs; off += ss) {
		struct xf_wl_stamp st = {
			.lba = (s0 + off / ss) * (ss / 512),
			.write_id = w->write_id,
			.generation = j->generation,
			.job = j->c.job_index,
		};

		xf_wl_stamp_fill(w->buf + off, ss, &st);
	}
}

/* Called with the lock held; drops it around submit (a target may
 * complete inline). Returns false when nothing more can go now. */
static bool issue_one(struct xf_wl_job *j, uint64_t *now)
{
	struct wl_io *w;
	bool flush = false, write = false;
	uint64_t block = 0;
	int r;

	flush = j->c.fsync && j->writes_since_flush >= j->c.fsync &&
		!j->flush_inflight;
	if (!flush && j->c.rate_iops && *now < j->next_rate_ns) {
		xf_actor_set_timer(&j->actor, j->next_rate_ns);
		return false;
	}
	if (flush) {
		/* nothing to pick */
	} else if (j->c.rw == XF_WL_TRIM) {
		if (!pick_block(j, true, &block))
			return false;
	} else {
		write = is_write_kind(j);
		if (!pick_block(j, write, &block))
			return false;
	}
	if (!flush && j->c.rate_iops) {
		j->next_rate_ns += 1000000000ull / j->c.rate_iops;
		if (j->next_rate_ns < *now)
			j->next_rate_ns = *now;
	}
	w = &j->ios[j->freel[--j->nfree]];
	memset(&w->io, 0, sizeof(w->io));
	w->block = block;
	w->io.done = wl_done;
	w->io.opaque = w;
	w->io.queue = j->c.queue;
	if (j->c.queue_spread && j->t.nr_queues)
		w->io.queue = (unsigned int)((j->c.queue + j->rr++) %
					     j->t.nr_queues);
	if (flush) {
		w->kind = K_FLUSH;
		w->io.op = XF_BLKFRONT_FLUSH;
		j->flush_inflight = true;
		j->writes_since_flush = 0;
		w->write_id = j->c.dur ? xf_dur_flush_submit(j->c.dur) : 0;
	} else {
		w->io.offset_bytes = j->c.offset + block * j->c.bs;
		w->io.len_bytes = j->c.bs;
		w->io.buf = w->buf;
		j->issued_bytes += j->c.bs;
		if (j->c.rw == XF_WL_TRIM) {
			w->kind = K_TRIM;
			w->io.op = XF_BLKFRONT_DISCARD;
			w->io.buf = NULL;
		} else if (write) {
			w->kind = K_WRITE;
			w->io.op = XF_BLKFRONT_WRITE;
			w->io.flags = j->c.fua ? XF_BLKFRONT_F_FUA : 0;
			/* job 2's 45th write is 2000000045: unique per
			 * disk, increasing per job, readable in reports */
			w->write_id = (uint64_t)j->c.job_index *
				      1000000000ull + ++j->seq;
			if (j->c.verify)
				fill_write(j, w);
			j->inflight_writes++;
		} else {
			w->kind = K_READ;
			w->io.op = XF_BLKFRONT_READ;
		}
		if (j->busy)
			j->busy[block] = write || w->kind == K_TRIM ?
					 BUSY_WRITE : j->busy[block] + 1;
	}
	if (w->kind == K_WRITE && j->c.dur)
		xf_dur_write_submit(j->c.dur, w->write_id, j->first_sector +
				    block * (j->c.bs / j->t.sector_size),
				    j->c.bs / j->t.sector_size);
	j->inflight++;
	pthread_mutex_unlock(&j->lock);
	/* The vCPU cost model: preparing this I/O keeps our vCPU busy. */
	xf_rt_charge(j->rt, j->c.prep_cost_ns);
	*now = xf_rt_now_ns(j->rt);
	w->submit_ns = *now;
	w->busy = true;
	w->cut = atomic_load(&j->cuts);
	if (j->obs)
		j->obs(j->obs_opaque, j, XF_WL_EV_SUBMIT, 0);
	r = j->t.submit(j->t.ctx, &w->io);
	if (r && j->obs)
		j->obs(j->obs_opaque, j, XF_WL_EV_SUBMIT_REFUSED, r);
	pthread_mutex_lock(&j->lock);
	if (r) {
		/* Refused at submission: no callback will come. */
		w->busy = false;
		struct xf_dir_result *d = w->kind == K_READ ? &j->res->rd :
			w->kind == K_FLUSH ? &j->res->fl : &j->res->wr;

		d->errors++;
		j->inflight--;
		if (w->kind == K_WRITE) {
			j->inflight_writes--;
			if (j->c.dur)
				xf_dur_write_done(j->c.dur, w->write_id, r,
						  false);
		}
		if (w->kind == K_FLUSH) {
			j->flush_inflight = false;
			if (j->c.dur)
				xf_dur_flush_done(j->c.dur, w->write_id, r);
		}
		if (j->busy && w->kind != K_FLUSH)
			j->busy[w->block] = w->kind == K_READ ?
					    j->busy[w->block] - 1 : 0;
		j->freel[j->nfree++] = (unsigned int)(w - j->ios);
		j->issuing_done = true; /* the target refuses: stop */
		return false;
	}
	return true;
}

static void check_done(struct xf_wl_job *j, bool *became_done)
{
	*became_done = false;
	if (j->issuing_done && !j->inflight && !j->done) {
		j->done = true;
		*became_done = true;
	}
}

static void wl_run(struct xf_actor *a)
{
	struct xf_wl_job *j = (struct xf_wl_job *)((char *)a -
				offsetof(struct xf_wl_job, actor));
	uint64_t now = xf_rt_now_ns(j->rt);
	bool became_done;

	pthread_mutex_lock(&j->lock);
	if (!j->started) {
		j->started = true;
		j->start_ns = now + j->c.startdelay_ns;
		j->end_ns = j->start_ns + j->c.runtime_ns;
		j->next_rate_ns = j->start_ns;
		if (j->c.startdelay_ns) {
			xf_actor_set_timer(a, j->start_ns);
			pthread_mutex_unlock(&j->lock);
			return;
		}
	}
	if (now < j->start_ns) {
		xf_actor_set_timer(a, j->start_ns);
		pthread_mutex_unlock(&j->lock);
		return;
	}
	while (!j->issuing_done && !j->paused && j->nfree) {
		if (j->stopped || now >= j->end_ns ||
		    (j->c.io_size && j->issued_bytes >= j->c.io_size)) {
			j->issuing_done = true;
			break;
		}
		if (!issue_one(j, &now))
			break;
	}
	if (!j->issuing_done && !j->paused && now < j->end_ns &&
	    !j->c.rate_iops)
		/* Wake at the end of the runtime even if nothing completes. */
		xf_actor_set_timer(a, j->end_ns);
	if (j->stopped)
		j->issuing_done = true;
	check_done(j, &became_done);
	if (became_done)
		j->res->runtime_ns = now - j->start_ns;
	pthread_mutex_unlock(&j->lock);
	if (became_done && j->obs)
		j->obs(j->obs_opaque, j, XF_WL_EV_DONE, 0);
}

static void verify_read(struct xf_wl_job *j, struct wl_io *w)
{
	unsigned int ss = j->t.sector_size;
	uint64_t spb = j->c.bs / ss, s0 = w->block * spb;

	for (uint64_t i = 0; i < spb; i++) {
		uint64_t exp = j->exp[s0 + i];
		struct xf_wl_stamp st;
		int r = xf_wl_stamp_decode(w->buf + i * ss, ss, &st);
		uint64_t lba = (j->first_sector + s0 + i) * (ss / 512);

		if (exp == EXP_UNKNOWN)
			continue;
		if ((exp == 0 && r == -ENODATA) ||
		    (r == 0 && st.write_id == exp && st.lba == lba))
			continue;
		j->res->verify_errors++;
		return;
	}
}

static void wl_done(struct xf_blkfront_io *bio, int status)
{
	struct wl_io *w = bio->opaque;
	struct xf_wl_job *j = w->job;
	struct xf_dir_result *d;
	uint64_t now, lat, bytes = 0;
	bool became_done;
	int kind = w->kind;

	/* The vCPU cost model: completing this I/O keeps the completing
	 * vCPU busy (whichever vCPU the target completes on). */
	xf_rt_charge(j->rt, j->c.completion_cost_ns);
	now = xf_rt_now_ns(j->rt);
	lat = now > w->submit_ns ? now - w->submit_ns : 0;
	pthread_mutex_lock(&j->lock);
	if (!w->busy) {
		/* The target completed this I/O twice: count, ignore. */
		j->res->double_completions++;
		pthread_mutex_unlock(&j->lock);
		return;
	}
	w->busy = false;
	d = kind == K_READ ? &j->res->rd : kind == K_FLUSH ? &j->res->fl :
	    &j->res->wr;
	if (status) {
		d->errors++;
		/* The device is gone or broken: stop issuing, as fio does
		 * on an error it cannot continue past. */
		if (status == -ENODEV || status == -EPROTO)
			j->issuing_done = true;
	} else {
		d->ios++;
		if (kind != K_FLUSH)
			bytes = w->io.len_bytes;
		d->bytes += bytes;
		xf_hist_record(&d->clat, lat);
	}
	xf_series_add(&j->res->series, now, status ? 0 : 1, bytes);
	/* now was read before the lock: in real mode a completion on
	 * another vCPU may have recorded a later time meanwhile. */
	if (j->res->last_done_ns && now > j->res->last_done_ns &&
	    now - j->res->last_done_ns > j->res->max_pause_ns)
		j->res->max_pause_ns = now - j->res->last_done_ns;
	if (now > j->res->last_done_ns)
		j->res->last_done_ns = now;
	j->completions++;
	/* A read in flight at a power cut may have been served from the
	 * cache that died: it says nothing about what the disk holds. */
	if (kind == K_READ && !status && j->exp &&
	    w->cut == atomic_load(&j->cuts) && j->resynced == w->cut)
		verify_read(j, w);
	if (kind == K_WRITE) {
		j->inflight_writes--;
		if (!status) {
			j->writes++;
			j->writes_since_flush++;
		}
		if (j->c.dur)
			xf_dur_write_done(j->c.dur, w->write_id, status,
					  j->c.fua);
		if (j->exp) {
			uint64_t spb = j->c.bs / j->t.sector_size;

			/* A write in flight at a power cut may have died
			 * in the cache whatever its status says. */
			bool cut = w->cut != atomic_load(&j->cuts);

			for (uint64_t i = 0; i < spb; i++)
				j->exp[w->block * spb + i] = status || cut ?
					EXP_UNKNOWN : w->write_id;
			j->wcut[w->block] = w->cut;
		}
	}
	if (kind == K_TRIM && j->exp) {
		uint64_t spb = j->c.bs / j->t.sector_size;

		for (uint64_t i = 0; i < spb; i++)
			j->exp[w->block * spb + i] = EXP_UNKNOWN;
	}
	if (kind == K_FLUSH) {
		j->flush_inflight = false;
		if (!status)
			j->flushes++;
		if (j->c.dur && w->write_id)
			xf_dur_flush_done(j->c.dur, w->write_id, status);
		if (status == -EOPNOTSUPP)
			j->c.fsync = 0; /* as a real frontend: stop asking */
	}
	if (j->busy && kind != K_FLUSH)
		j->busy[w->block] = kind == K_READ ? j->busy[w->block] - 1 : 0;
	j->inflight--;
	j->freel[j->nfree++] = (unsigned int)(w - j->ios);
	check_done(j, &became_done);
	if (became_done)
		j->res->runtime_ns = now - j->start_ns;
	pthread_mutex_unlock(&j->lock);
	if (j->obs)
		j->obs(j->obs_opaque, j, kind, status);
	if (became_done && j->obs)
		j->obs(j->obs_opaque, j, XF_WL_EV_DONE, 0);
	else if (!became_done)
		xf_actor_kick(&j->actor);
}
