// SPDX-License-Identifier: MIT
/*
 * Live migration as Xen's toolstack does it (libxc's save loop with
 * libxl's default precopy policy):
 *
 *  - pre-copy: the VM keeps running and doing I/O. Round 0 sends all of
 *    its memory; each later round sends what was dirtied during the one
 *    before (the guest's dirty rate, plus the pages its backends wrote:
 *    disk reads and received frames land in guest memory). It stops
 *    when fewer than 50 pages are left or after 5 rounds.
 *  - stop-and-copy: the VM is paused (its blkfronts and netfronts
 *    suspended), the last dirty pages go over the link, then the
 *    switch-over: the backends are re-created on the destination host
 *    with that host's features and the frontends resume there.
 *
 * The link is the slower of the two hosts' links. A host takes part in
 * one migration at a time: a request whose source, destination or VM is
 * busy waits, in arrival order, and never overtakes an earlier waiting
 * request that needs the same host or VM. Every phase ends on an engine
 * timer, so sim mode gives the same schedule bit for bit.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine-priv.h"
#include "net.h"

#define MIG_PAGE 4096u
/* libxl's simple_precopy_policy (SPP_TARGET_DIRTY_COUNT). */
#define MIG_STOP_PAGES 50u

static uint64_t pages_up(uint64_t bytes)
{
	return (bytes + MIG_PAGE - 1) / MIG_PAGE * MIG_PAGE;
}

static uint64_t mem_bytes(const struct eng_vm *vm)
{
	return pages_up((uint64_t)xf_scn_int(vm->obj, "memory"));
}

static double link_gbps(const struct eng_mig *m)
{
	return m->src->link_gbps < m->dst->link_gbps ? m->src->link_gbps :
	       m->dst->link_gbps;
}

/* 1 Gbit/s moves one bit per nanosecond. */
static uint64_t xfer_ns(const struct eng_mig *m, uint64_t bytes)
{
	return (uint64_t)ceil((double)bytes * 8.0 / link_gbps(m));
}

/* io_dirty_bytes is the observer's, under e->lock, which every caller
 * here holds. */
static uint64_t vm_io_bytes(struct eng *e, struct eng_vm *vm)
{
	return vm->io_dirty_bytes + eng_net_vm_rx_bytes(e, vm);
}

static int add_mig_timer(struct eng *e, uint64_t when, size_t idx)
{
	int r = eng_add_timer(e, when, T_MIG, NULL, NULL, NULL);

	if (!r)
		e->timers[e->ntimers - 1].mig = idx;
	return r;
}

/* The VM's latest unfinished request before index `before`, or NULL. */
static const struct eng_mig *last_unfinished(const struct eng *e,
					     const struct eng_vm *vm,
					     size_t before)
{
	for (size_t i = before; i-- > 0;)
		if (e->migs[i].vm == vm && e->migs[i].phase != MIG_DONE)
			return &e->migs[i];
	return NULL;
}

/* Where the VM will be when request idx gets its turn: the destination
 * of its latest earlier unfinished request, else where it is now. */
static struct eng_host *source_of(struct eng *e, size_t idx)
{
	const struct eng_mig *m = last_unfinished(e, e->migs[idx].vm, idx);

	return m ? m->dst : e->migs[idx].vm->host;
}

static void mig_fail(struct eng *e, const struct eng_mig *m, int r,
		     const char *what)
{
	eng_fail(e, r, "migrate (line %d) vm '%s' from host '%s' to host "
		 "'%s': %s: %s", m->line, m->vm->obj->name,
		 eng_host_name(m->src), eng_host_name(m->dst), what,
		 strerror(-r));
}

static void start(struct eng *e, size_t idx, uint64_t now)
{
	struct eng_mig *m = &e->migs[idx];
	int r;

	m->src = m->vm->host;
	m->src->migrating = m->dst->migrating = m->vm->migrating = true;
	m->phase = MIG_PRECOPY;
	eng_event(e, "%s pre-copy", m->vm->obj->name);
	m->start_ns = m->round_ns = now;
	m->round_bytes = mem_bytes(m->vm);
	m->io_mark = vm_io_bytes(e, m->vm);
	r = add_mig_timer(e, now + xfer_ns(m, m->round_bytes), idx);
	if (r)
		mig_fail(e, m, r, "scheduling pre-copy");
}

/* now: the instant the hosts became free (or the request came): in
 * real mode the switch-over's own work must not delay the next one. */
static void pump(struct eng *e, uint64_t now)
{
	for (size_t i = 0; i < e->nmigs && !e->failed; i++) {
		struct eng_mig *m = &e->migs[i];
		struct eng_host *src;
		bool blocked;

		if (m->phase != MIG_QUEUED)
			continue;
		src = source_of(e, i);
		blocked = m->vm->migrating || src->migrating ||
			  m->dst->migrating;
		/* First come, first served on every shared host or VM; a
		 * VM moves again once its frontends are back. */
		for (size_t k = 0; k < i && !blocked; k++) {
			const struct eng_mig *o = &e->migs[k];
			struct eng_host *os;

			if (o->vm == m->vm && o->phase != MIG_DONE) {
				blocked = true;
				break;
			}
			if (o->phase != MIG_QUEUED)
				continue;
			os = source_of(e, k);
			blocked = o->vm == m->vm || os == src ||
				  os == m->dst || o->dst == src ||
				  o->dst == m->dst;
		}
		if (!blocked)
			start(e, i, now);
	}
}

int eng_mig_request(struct eng *e, struct eng_vm *vm, struct eng_host *to,
		    int line, char *err, size_t len)
{
	const struct eng_mig *last = last_unfinished(e, vm, e->nmigs);
	struct eng_host *at = last ? last->dst : vm->host;
	bool later = last && last->phase != MIG_RESUMING;
	struct eng_mig *v;

	if (at == to) {
		snprintf(err, len, "migrate: vm '%s' is %s on host '%s'",
			 vm->obj->name, later ? "by then" : "already",
			 eng_host_name(to));
		return -EINVAL;
	}
	v = realloc(e->migs, (e->nmigs + 1) * sizeof(*v));
	if (!v) {
		snprintf(err, len, "migrate: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	e->migs = v;
	v[e->nmigs] = (struct eng_mig){
		.vm = vm, .dst = to, .line = line, .phase = MIG_QUEUED,
		.queued_ns = xf_rt_now_ns(e->rt),
	};
	e->nmigs++;
	pump(e, v[e->nmigs - 1].queued_ns);
	return 0;
}

/* The VM stops: its frontends take their in-flight work back and hold
 * new work until they resume on the destination. */
static int move_disk(struct eng *e, struct eng_disk *d, struct eng_host *h)
{
	int r;

	if (d->bb)
		xf_blkback_disappear(d->bb);
	r = eng_retire_backend(d);
	if (r)
		return r;
	r = xf_vbd_migrate(e->dom0, &d->vbd, h->domid);
	if (r)
		return r;
	d->host = h;
	d->bcfg.platform = h->p;
	d->bcfg.budget = h->budget ? h->budget : d->budget;
	/* The destination's blkback offers what its host table says; a
	 * host without one what the disk's own backend table says. */
	eng_blk_features(&d->bcfg.features, h->obj &&
			 xf_scn_isset(h->obj, "blk") ?
			 xf_scn_sub(h->obj, "blk") :
			 xf_scn_sub(d->obj, "backend"));
	d->bcfg.lenient = eng_blk_lenient(h->obj, xf_scn_sub(d->obj,
							     "backend"));
	/* A destination host's blk.hostile makes its backend hostile;
	 * otherwise the disk's mode goes with it (counted afresh). */
	if (h->obj && xf_scn_isset(xf_scn_sub(h->obj, "blk"), "hostile"))
		eng_blk_hostile(&d->bcfg, xf_scn_sub(h->obj, "blk"));
	r = xf_blkback_new(&d->bcfg, &d->bb);
	if (!r)
		r = xf_blkfront_resume(d->bf);
	if (!r)
		eng_reconnect_begin(d, xf_rt_now_ns(e->rt));
	return r;
}

static void stop_and_copy(struct eng *e, size_t idx, uint64_t now,
			  uint64_t dirty)
{
	struct eng_mig *m = &e->migs[idx];
	uint64_t sw = (uint64_t)xf_scn_int(m->vm->obj, "switchover");
	int r;

	m->phase = MIG_STOPCOPY;
	eng_event(e, "%s stop-and-copy", m->vm->obj->name);
	m->pause_ns = now;
	m->round_bytes = dirty;
	r = eng_vm_suspend(e, m->vm, false);
	/* Frontend calls may run callbacks that queue requests (realloc). */
	m = &e->migs[idx];
	if (r) {
		mig_fail(e, m, r, "suspending the frontends");
		return;
	}
	r = add_mig_timer(e, now + xfer_ns(m, dirty) + sw, idx);
	if (r)
		mig_fail(e, m, r, "scheduling stop-and-copy");
}

static void round_done(struct eng *e, size_t idx, uint64_t now)
{
	struct eng_mig *m = &e->migs[idx];
	uint64_t mem = mem_bytes(m->vm), io = vm_io_bytes(e, m->vm);
	double rate = (double)xf_scn_int(m->vm->obj, "dirty_rate");
	uint64_t dirty;
	int r;

	m->rounds++;
	m->sent_bytes += m->round_bytes;
	/* Pages dirtied while this round was on the wire; a page dirtied
	 * twice is sent once, so never more than the whole memory. */
	dirty = (uint64_t)(rate * (double)(now - m->round_ns) / 1e9) +
		(io - m->io_mark);
	dirty = pages_up(dirty);
	if (dirty > mem)
		dirty = mem;
	m->io_mark = io;
	if (dirty < MIG_STOP_PAGES * MIG_PAGE ||
	    m->rounds >= (unsigned int)xf_scn_int(m->vm->obj,
						  "precopy_max_rounds")) {
		stop_and_copy(e, idx, now, dirty);
		return;
	}
	m->round_bytes = dirty;
	m->round_ns = now;
	r = add_mig_timer(e, now + xfer_ns(m, dirty), idx);
	if (r)
		mig_fail(e, m, r, "scheduling pre-copy");
}

static void switch_over(struct eng *e, size_t idx, uint64_t now)
{
	struct eng_mig *m = &e->migs[idx];
	struct eng_vm *vm = m->vm;
	struct eng_host *dst = m->dst;
	struct eng_mig_stats *st = &vm->mig;
	int r = 0;

	for (unsigned int i = 0; i < e->ndisks && !r; i++)
		if (e->disks[i].vm == vm)
			r = move_disk(e, &e->disks[i], dst);
	if (!r)
		r = eng_net_vm_move(e, vm, dst);
	m = &e->migs[idx];
	m->sent_bytes += m->round_bytes;
	if (r) {
		mig_fail(e, m, r, "re-creating the backends");
		return;
	}
	vm->host = m->dst;
	m->phase = MIG_RESUMING;
	eng_event(e, "%s on %s", vm->obj->name, m->dst->obj->name);
	m->switch_ns = now;
	m->src->migrating = m->dst->migrating = vm->migrating = false;
	st->done++;
	st->rounds = m->rounds;
	st->wait_ns = m->start_ns - m->queued_ns;
	st->total_ns = now - m->start_ns;
	st->downtime_ns = now - m->pause_ns;
	st->start_ns = m->start_ns - e->t0;
	st->end_ns = now - e->t0;
	st->bytes = m->sent_bytes;
	st->final_bytes = m->round_bytes;
	st->resume_ns = 0;
	pump(e, now);
	/* A VM without devices is back at once: the controller's next run
	 * notices (eng_mig_poll). */
	xf_actor_kick(&e->ctl);
}

static bool vm_up(struct eng *e, const struct eng_vm *vm)
{
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct xf_blkfront_info info;

		if (e->disks[i].vm != vm ||
		    xf_blkfront_get_info(e->disks[i].bf, &info))
			continue;
		/* Broken or given up: it will not come back by itself;
		 * the expectations judge it. */
		if (info.state != XF_BLKFRONT_CONNECTED &&
		    info.state != XF_BLKFRONT_ERROR &&
		    info.state != XF_BLKFRONT_GONE &&
		    info.state != XF_BLKFRONT_CLOSED)
			return false;
	}
	return eng_net_vm_up(e, vm);
}

void eng_mig_poll(struct eng *e)
{
	uint64_t now = xf_rt_now_ns(e->rt);
	bool back = false;

	for (size_t i = 0; i < e->nmigs; i++) {
		struct eng_mig *m = &e->migs[i];

		if (m->phase != MIG_RESUMING || !vm_up(e, m->vm))
			continue;
		m->phase = MIG_DONE;
		eng_event(e, "%s resumed", m->vm->obj->name);
		m->vm->mig.resume_ns = now - m->switch_ns;
		back = true;
	}
	if (back)
		pump(e, now);
}

void eng_mig_timer(struct eng *e, size_t idx)
{
	uint64_t now = xf_rt_now_ns(e->rt);

	if (idx >= e->nmigs)
		return;
	if (e->migs[idx].phase == MIG_PRECOPY)
		round_done(e, idx, now);
	else if (e->migs[idx].phase == MIG_STOPCOPY)
		switch_over(e, idx, now);
}

bool eng_mig_busy(const struct eng *e)
{
	for (size_t i = 0; i < e->nmigs; i++)
		if (e->migs[i].phase != MIG_DONE)
			return true;
	return false;
}

static bool scenario_migrates(const struct eng *e)
{
	for (size_t i = 0; i < e->scn->nobjs; i++) {
		const struct xf_scn_obj *o = e->scn->objs[i];

		if (!strcmp(o->kind->name, "fault") &&
		    !strcmp(xf_scn_str(o, "action"), "migrate"))
			return true;
	}
	return e->nmigs > 0;
}

/* Times in us; all but the first two of the VM's last migration. */
static const struct eng_ctr mig_ctrs[] = {
	ENG_CTR("migrations", struct eng_mig_stats, done, "count",
		"live migrations of the VM that completed"),
	ENG_CTR("migrations_pending", struct eng_mig_stats, pending, "count",
		"migration requests not done when the run ended"),
	ENG_CTR_DIV("migration_wait_us", struct eng_mig_stats, wait_ns, 1000,
		    "us", "queued behind a busy host or the VM"),
	ENG_CTR_DIV("migration_us", struct eng_mig_stats, total_ns, 1000, "us",
		    "start of pre-copy to resume"),
	ENG_CTR_DIV("downtime_us", struct eng_mig_stats, downtime_ns, 1000,
		    "us", "paused: last copy and switch-over"),
	ENG_CTR_DIV("resume_us", struct eng_mig_stats, resume_ns, 1000, "us",
		    "switch-over to every frontend Connected"),
	ENG_CTR("precopy_rounds", struct eng_mig_stats, rounds, "count",
		"live pre-copy rounds"),
	ENG_CTR_DIV("migration_start_us", struct eng_mig_stats, start_ns,
		    1000, "us", "when pre-copy started, from the run's start"),
	ENG_CTR_DIV("migration_end_us", struct eng_mig_stats, end_ns, 1000,
		    "us", "when it ended, from the run's start"),
	ENG_CTR("migration_bytes", struct eng_mig_stats, bytes, "bytes",
		"memory sent, every round"),
	ENG_CTR("stopcopy_bytes", struct eng_mig_stats, final_bytes, "bytes",
		"memory sent while paused"),
};

void eng_mig_docs(struct eng_doc_walk *w)
{
	eng_doc_table(w, XF_CTR_VM, mig_ctrs, ENG_N(mig_ctrs),
		      XF_CTR_IN_CHECK);
}

void eng_mig_collect(struct eng *e)
{
	if (!scenario_migrates(e))
		return;
	for (unsigned int i = 0; i < e->nvms; i++) {
		const struct eng_vm *vm = &e->vms[i];
		struct eng_mig_stats st = vm->mig;

		st.pending = 0;
		for (size_t m = 0; m < e->nmigs; m++)
			st.pending += e->migs[m].vm == vm &&
				      e->migs[m].phase != MIG_DONE;
		eng_ctrs_copy(e, vm->obj->name, mig_ctrs, ENG_N(mig_ctrs), &st,
			      false);
	}
}
