// SPDX-License-Identifier: MIT
/* Faults on the timeline, hooks, and the actions both can take. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine-priv.h"
#include "net.h"

#define MAX_LOSSES_LISTED 100

int eng_add_timer(struct eng *e, uint64_t when, enum eng_timer_kind k,
		  const struct xf_scn_obj *f, struct xf_scn_hook *h,
		  struct eng_disk *d)
{
	struct eng_timer *v = realloc(e->timers,
				      (e->ntimers + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	e->timers = v;
	v[e->ntimers++] = (struct eng_timer){ when, k, f, h, d, false, 0 };
	xf_actor_kick(&e->ctl);
	return 0;
}

static uint64_t run_now(struct eng *e)
{
	uint64_t now = xf_rt_now_ns(e->rt);

	return now > e->t0 ? now - e->t0 : 0;
}

static uint64_t rt_now_cb(void *opaque)
{
	return run_now(opaque);
}

/* ctx:counter(key) besides power_cuts (expect.c documents that one:
 * r.power_cuts reads the same): of every disk, or of one as "d0.key". */
static const struct eng_ctr ctx_ctrs[] = {
	ENG_DOC("writes", "I/Os", "writes completed ok so far"),
	ENG_DOC("flushes", "I/Os", "flushes completed ok so far"),
	ENG_DOC("completions", "I/Os", "I/Os completed so far (any status)"),
	ENG_DOC("inflight", "I/Os", "I/Os the jobs have outstanding now"),
	ENG_DOC("inflight_writes", "I/Os",
		"writes the jobs have outstanding now"),
};

void eng_actions_docs(struct eng_doc_walk *w)
{
	eng_doc_table(w, XF_CTR_CTX, ctx_ctrs, ENG_N(ctx_ctrs), XF_CTR_IN_CTX);
}

static size_t counter_keys_cb(void *opaque, const char **keys, size_t max)
{
	size_t n = 0;

	(void)opaque;
	if (n < max)
		keys[n] = "power_cuts";
	n++;
	for (size_t i = 0; i < ENG_N(ctx_ctrs); i++, n++)
		if (n < max)
			keys[n] = ctx_ctrs[i].key;
	return n;
}

static int counter_cb(void *opaque, const char *name, double *out)
{
	struct eng *e = opaque;
	const char *dot = strchr(name, '.');
	const char *key = dot ? dot + 1 : name;
	uint64_t v = 0;
	bool any = false;
	size_t i;

	if (!strcmp(name, "power_cuts")) {
		*out = (double)e->power_cuts;
		return 0;
	}
	/* Only documented keys: a case below without its ctx_ctrs line
	 * is unreachable. */
	for (i = 0; i < ENG_N(ctx_ctrs) && strcmp(ctx_ctrs[i].key, key); i++)
		;
	if (i == ENG_N(ctx_ctrs))
		return -ENOENT;
	for (i = 0; i < e->ndisks; i++) {
		struct eng_disk *d = &e->disks[i];

		if (dot && (strlen(d->name) != (size_t)(dot - name) ||
			    strncmp(d->name, name, (size_t)(dot - name))))
			continue;
		any = true;
		if (!strcmp(key, "writes"))
			v += d->writes;
		else if (!strcmp(key, "flushes"))
			v += d->flushes;
		else if (!strcmp(key, "completions"))
			v += d->completions;
		else if (!strcmp(key, "inflight") ||
			 !strcmp(key, "inflight_writes")) {
			for (unsigned int k = 0; k < e->njobs; k++) {
				if (e->jobs[k].d != d)
					continue;
				v += strcmp(key, "inflight") ?
				     xf_wl_inflight_writes(e->jobs[k].wl) :
				     xf_wl_inflight(e->jobs[k].wl);
			}
		} else {
			return -ENOENT;
		}
	}
	if (!any)
		return -ENOENT;
	*out = (double)v;
	return 0;
}

static int action_cb(void *opaque, const struct xf_scn_obj *f, char *err,
		     size_t len)
{
	return eng_action(opaque, f, err, len);
}

static const struct xf_scn_ctx_ops ctx_ops = {
	.action = action_cb,
	.counter = counter_cb,
	.counter_keys = counter_keys_cb,
	.now_ns = rt_now_cb,
};

void eng_run_hook(struct eng *e, struct xf_scn_hook *h)
{
	char err[512];

	if (h->fired)
		return;
	h->fired = true;
	if (xf_scn_run_hook(e->scn, h, &ctx_ops, e, err, sizeof(err)))
		eng_fail(e, -EINVAL, "%s", err);
}

/* The counter each count-triggered hook watches. */
static const char *const hook_counters[] = {
	[XF_SCN_HOOK_INFLIGHT] = "inflight",
	[XF_SCN_HOOK_FLUSH] = "flushes",
	[XF_SCN_HOOK_WRITE] = "writes",
	[XF_SCN_HOOK_COMPLETE] = "completions",
};

static uint64_t hook_value(struct eng *e, const struct xf_scn_hook *h)
{
	const char *key = xf_name_of(hook_counters, XF_NAMES_N(hook_counters),
				     h->event, NULL);
	double v = 0;
	char name[96];

	if (!key)
		return 0;
	snprintf(name, sizeof(name), "%s%s%s", h->target ? h->target : "",
		 h->target ? "." : "", key);
	counter_cb(e, name, &v);
	return (uint64_t)v;
}

void eng_observe(void *opaque, struct xf_wl_job *wl, int kind, int status)
{
	struct eng_job *j = opaque;
	struct eng *e = j->e;
	struct eng_disk *d = j->d;

	(void)wl;
	/* A retracted submission changes no count and fires no hook. */
	if (kind == XF_WL_EV_SUBMIT_REFUSED)
		return;
	pthread_mutex_lock(&e->lock);
	if (kind == XF_WL_EV_DONE) {
		e->jobs_done++;
		pthread_mutex_unlock(&e->lock);
		xf_actor_kick(&e->ctl);
		return;
	}
	if (kind != XF_WL_EV_SUBMIT) {
		d->completions++;
		if (!status)
			eng_reconnect_completed(d, xf_rt_now_ns(e->rt));
		if (kind == 1 && !status)
			d->writes++;
		if (kind == 2 && !status)
			d->flushes++;
		/* blkback wrote the data into guest pages: a migration in
		 * progress has to send them again. */
		if (kind == 0 && !status)
			d->vm->io_dirty_bytes += j->bs;
	}
	for (size_t i = 0; i < e->scn->nhooks && !e->failed; i++) {
		struct xf_scn_hook *h = &e->scn->hooks[i];

		if (h->fired || h->event == XF_SCN_HOOK_TIME)
			continue;
		if (h->target && strcmp(h->target, d->name))
			continue;
		if (hook_value(e, h) >= h->n)
			eng_run_hook(e, h);
	}
	pthread_mutex_unlock(&e->lock);
}

static enum xf_blkdisk_loss_mode loss_mode(const char *s)
{
	enum xf_blkdisk_loss_mode lm;

	return xf_blkdisk_loss_mode_parse(s, &lm) ? XF_BLKDISK_LOSS_NONE : lm;
}

static const char *const loss_kinds[] = {
	[XF_DUR_LOSS_OLDER] = "older",
	[XF_DUR_LOSS_BLANK] = "blank",
	[XF_DUR_LOSS_CORRUPT] = "corrupt",
	[XF_DUR_LOSS_UNKNOWN] = "unknown",
};

static void merge_report(struct eng *e, struct eng_disk *d,
			 const struct xf_dur_report *rep)
{
	struct xf_result *res = e->res;

	e->dur_checked = true;
	if (rep->verdict == XF_DUR_LOSS ||
	    (rep->verdict == XF_DUR_DEGRADED && e->verdict == XF_DUR_OK)) {
		e->verdict = rep->verdict;
	}
	if (rep->degraded_why[0])
		snprintf(res->durability_why, sizeof(res->durability_why),
			 "%s", rep->degraded_why);
	res->lost_writes += rep->writes_lost;
	for (size_t i = 0; i < rep->nlosses &&
	     res->nlosses < MAX_LOSSES_LISTED; i++) {
		struct xf_loss_result l = {
			.sector = rep->losses[i].sector,
			.nr_sectors = rep->losses[i].nr_sectors,
			.write_id = rep->losses[i].write_id,
			.flush_id = rep->losses[i].flush_id,
			.found_id = rep->losses[i].found_id,
		};

		snprintf(l.disk, sizeof(l.disk), "%s", d->name);
		snprintf(l.kind, sizeof(l.kind), "%s",
			 xf_name_of(loss_kinds, XF_NAMES_N(loss_kinds),
				    rep->losses[i].kind, "unknown"));
		xf_result_add_loss(res, &l);
	}
}

/* Every checker of the disk, in job order (one fixed lock order). */
static void hold_checkers(struct eng *e, struct eng_disk *d, bool hold)
{
	for (unsigned int k = 0; k < e->njobs; k++) {
		if (e->jobs[k].d != d || !e->jobs[k].dur)
			continue;
		if (hold)
			xf_dur_hold(e->jobs[k].dur);
		else
			xf_dur_release(e->jobs[k].dur);
	}
}

/* What a reboot would find: the durable image as the power loss left
 * it, sector by sector. (In real mode the backend keeps writing into
 * the cache meanwhile; that happens after the cut.) */
static int read_back(struct eng_disk *d, struct eng_job *j, uint8_t *buf,
		     struct xf_dur_seen **out)
{
	unsigned int ss = (unsigned int)xf_scn_int(d->obj, "sector_size");
	struct xf_dur_seen *seen;
	uint64_t first, nr;

	xf_wl_region(j->wl, &first, &nr);
	seen = calloc(nr, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	for (uint64_t i = 0; i < nr; i++) {
		struct xf_wl_stamp st;
		uint64_t s512 = (first + i) * (ss / 512);
		int dr;

		if (xf_blkdisk_read_durable(d->disk, s512, buf, ss)) {
			seen[i].kind = XF_DUR_SEEN_CORRUPT;
			continue;
		}
		dr = xf_wl_stamp_decode(buf, ss, &st);
		if (dr == -ENODATA)
			seen[i].kind = XF_DUR_SEEN_BLANK;
		else if (dr || st.lba != s512)
			seen[i].kind = XF_DUR_SEEN_CORRUPT;
		else
			seen[i] = (struct xf_dur_seen){ XF_DUR_SEEN_WRITE,
							st.write_id };
	}
	*out = seen;
	return 0;
}

static int power_cut(struct eng *e, struct eng_disk *d)
{
	const struct xf_scn_obj *m = xf_scn_sub(d->obj, "model");
	unsigned int ss = (unsigned int)xf_scn_int(d->obj, "sector_size");
	uint64_t now = xf_rt_now_ns(e->rt);
	uint8_t *buf = malloc(ss);
	struct xf_dur_seen **seen = calloc(e->njobs ? e->njobs : 1,
					   sizeof(*seen));
	int r;

	if (!buf || !seen) {
		free(buf);
		free(seen);
		return -ENOMEM;
	}
	e->power_cuts++;
	/* The cut is one instant for the checkers too: an I/O the
	 * frontend sees end after the power loss is still in flight for
	 * the check. Workload threads reporting meanwhile wait. */
	for (unsigned int k = 0; k < e->njobs; k++)
		if (e->jobs[k].d == d)
			xf_wl_cut_begin(e->jobs[k].wl);
	hold_checkers(e, d, true);
	r = xf_blkdisk_power_loss(d->disk, loss_mode(xf_scn_str(m, "loss")),
				  e->seed * 1000003u + e->power_cuts, now);
	for (unsigned int k = 0; k < e->njobs && !r; k++) {
		struct eng_job *j = &e->jobs[k];
		struct xf_dur_report rep = { 0 };

		if (j->d != d || !j->dur)
			continue;
		r = read_back(d, j, buf, &seen[k]);
		/* A cut that could not be judged fails the run (the caller
		 * reports r): it must never pass unjudged. */
		if (!r)
			r = xf_dur_check(j->dur, seen[k], MAX_LOSSES_LISTED,
					 &rep);
		if (!r)
			merge_report(e, d, &rep);
		xf_dur_report_free(&rep);
	}
	hold_checkers(e, d, false);
	/* Only now: a workload thread waiting above holds its job lock,
	 * which xf_wl_resync() takes. */
	for (unsigned int k = 0; k < e->njobs; k++) {
		uint64_t first, nr;

		if (!seen[k])
			continue;
		xf_wl_region(e->jobs[k].wl, &first, &nr);
		xf_wl_resync(e->jobs[k].wl, seen[k], first, nr);
		free(seen[k]);
	}
	free(seen);
	free(buf);
	return r;
}

int eng_vm_suspend(struct eng *e, struct eng_vm *vm, bool resume)
{
	for (unsigned int i = 0; i < e->ndisks; i++) {
		int r;

		if (e->disks[i].vm != vm)
			continue;
		r = resume ? xf_blkfront_resume(e->disks[i].bf) :
			     xf_blkfront_suspend(e->disks[i].bf);
		if (r)
			return r;
		if (resume)
			eng_reconnect_begin(&e->disks[i], xf_rt_now_ns(e->rt));
	}
	return eng_net_vm_suspend(e, vm, resume);
}

int eng_retire_backend(struct eng_disk *d)
{
	if (!d->bb)
		return 0;
	if (d->nold == d->cap_old) {
		unsigned int cap = d->cap_old ? 2 * d->cap_old : 4;
		struct xf_blkback **v = realloc(d->old_bb, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->old_bb = v;
		d->cap_old = cap;
	}
	d->old_bb[d->nold++] = d->bb;
	d->bb = NULL;
	return 0;
}

void eng_timer_fire(struct eng *e, struct eng_timer *t)
{
	char err[512];
	int r = 0;

	switch (t->kind) {
	case T_FAULT:
		r = eng_action(e, t->fault, err, sizeof(err));
		if (r)
			eng_fail(e, -EINVAL, "%s:%d: fault: %s", e->scn->path,
				 t->fault->line, err);
		break;
	case T_HOOK:
		eng_run_hook(e, t->hook);
		break;
	case T_UNSTALL:
		if (t->d->bb)
			xf_blkback_freeze(t->d->bb, false);
		break;
	case T_RECREATE:
		r = xf_vbd_create(e->dom0, &t->d->vbd);
		if (r && r != -EEXIST)
			eng_fail(e, r, "disk '%s': re-creating the device: %s",
				 t->d->name, strerror(-r));
		break;
	case T_RESTART:
		r = eng_retire_backend(t->d);
		xf_vbd_destroy(e->dom0, &t->d->vbd);
		if (!r)
			r = eng_backend_start(t->d);
		if (r)
			eng_fail(e, r, "disk '%s': restarting the backend: %s",
				 t->d->name, strerror(-r));
		break;
	case T_MIG:
		eng_mig_timer(e, t->mig);
		break;
	}
}

enum act_target {
	ACT_NONE,        /* the target is not looked up */
	ACT_VM,
	ACT_DISK,
	ACT_DISK_OR_VIF, /* a disk, else a vif of that name */
};

static int act_clock_step(struct act *c)
{
	/* The guest's wall clock jumps; every correct timeout uses the
	 * monotonic clock and must not notice. */
	xf_rt_step_wall_clock(c->e->rt,
			      (int64_t)(xf_scn_num(c->f, "step_s") * 1e9));
	return 0;
}

static int vm_suspend_action(struct act *c, bool resume)
{
	int r = eng_vm_suspend(c->e, c->vm, resume);

	if (r)
		snprintf(c->err, c->len, "%s '%s': %s", c->name, c->target,
			 strerror(-r));
	return r;
}

static int act_suspend(struct act *c)
{
	return vm_suspend_action(c, false);
}

static int act_resume(struct act *c)
{
	return vm_suspend_action(c, true);
}

static int act_migrate(struct act *c)
{
	const char *to = xf_scn_str(c->f, "to") ? xf_scn_str(c->f, "to") : "";
	struct eng_host *h = eng_host_by_name(c->e, to);

	if (!h) {
		snprintf(c->err, c->len, "migrate: no host named '%s'", to);
		return -EINVAL;
	}
	/* Starts now or waits for its hosts; the phases run on timers
	 * (migrate.c). */
	return eng_mig_request(c->e, c->vm, h, c->f->line, c->err, c->len);
}

static int act_power_cut(struct act *c)
{
	int r = power_cut(c->e, c->d);

	if (r)
		snprintf(c->err, c->len, "power_cut '%s': %s", c->target,
			 strerror(-r));
	return r;
}

static int act_crash_backend(struct act *c)
{
	if (c->d->bb)
		xf_blkback_crash(c->d->bb);
	return 0;
}

static int act_restart_backend(struct act *c)
{
	if (c->d->bb)
		xf_blkback_crash(c->d->bb);
	return eng_add_timer(c->e, c->now + (c->dur ? c->dur : 1000000),
			     T_RESTART, NULL, NULL, c->d);
}

static int act_stall_backend(struct act *c)
{
	if (c->d->bb)
		xf_blkback_freeze(c->d->bb, true);
	return c->dur ? eng_add_timer(c->e, c->now + c->dur, T_UNSTALL, NULL,
				      NULL, c->d) : 0;
}

static int act_resume_backend(struct act *c)
{
	if (c->d->bb)
		xf_blkback_freeze(c->d->bb, false);
	return 0;
}

static int act_remove_device(struct act *c)
{
	int r = xf_vbd_destroy(c->e->dom0, &c->d->vbd);

	if (!r && c->dur)
		r = eng_add_timer(c->e, c->now + c->dur, T_RECREATE, NULL,
				  NULL, c->d);
	return r;
}

static int act_recreate_device(struct act *c)
{
	int r = xf_vbd_create(c->e->dom0, &c->d->vbd);

	return r == -EEXIST ? 0 : r;
}

static int act_error(struct act *c)
{
	const char *op = xf_scn_str(c->f, "op");
	struct xf_blkback_error_rule rule = {
		.status = !strcmp(xf_scn_str(c->f, "status"), "eopnotsupp") ?
			  XF_BLKIF_RSP_EOPNOTSUPP : XF_BLKIF_RSP_ERROR,
		.count = (uint64_t)xf_scn_int(c->f, "count"),
	};

	if (!strcmp(op, "read"))
		rule.ops = 1u << XF_BLKIF_OP_READ;
	else if (!strcmp(op, "write"))
		rule.ops = 1u << XF_BLKIF_OP_WRITE;
	else if (!strcmp(op, "flush"))
		rule.ops = 1u << XF_BLKIF_OP_FLUSH_DISKCACHE |
			   1u << XF_BLKIF_OP_WRITE_BARRIER;
	else
		rule.ops = 0xff;
	return c->d->bb ? xf_blkback_add_error_rule(c->d->bb, &rule) : 0;
}

static int act_drop_notify(struct act *c)
{
	struct eng_disk *d = c->d;
	unsigned int count = (unsigned int)xf_scn_int(c->f, "count");

	if (!d)
		return eng_net_drop_notify(c->e, c->target, count);
	/* Lose the frontend's next request notifications on every queue
	 * (a lost wakeup towards the backend). */
	for (unsigned int q = 0; q < d->nqueues; q++) {
		struct xf_blkfront_queue_stats qs;

		if (xf_blkfront_queue_stats(d->bf, q, &qs) || !qs.port)
			continue;
		xf_mock_evtchn_drop_next(c->e->hv, d->vm->domid, qs.port,
					 count);
	}
	return 0;
}

static int act_set_flush_mode(struct act *c)
{
	xf_blkdisk_set_cache_mode(c->d->disk,
		eng_flush_mode(xf_scn_str(c->f, "flush_mode")));
	return 0;
}

/* Every action a fault or a hook can take (the scenario schema lists the
 * same names). */
static const struct {
	const char *name;
	enum act_target target;
	int (*run)(struct act *c);
} actions[] = {
	{ "clock_step", ACT_NONE, act_clock_step },
	{ "suspend", ACT_VM, act_suspend },
	{ "resume", ACT_VM, act_resume },
	{ "migrate", ACT_VM, act_migrate },
	{ "power_cut", ACT_DISK, act_power_cut },
	{ "crash_backend", ACT_DISK, act_crash_backend },
	{ "restart_backend", ACT_DISK, act_restart_backend },
	{ "stall_backend", ACT_DISK, act_stall_backend },
	{ "resume_backend", ACT_DISK, act_resume_backend },
	{ "remove_device", ACT_DISK, act_remove_device },
	{ "recreate_device", ACT_DISK, act_recreate_device },
	{ "unplug", ACT_DISK_OR_VIF, eng_act_unplug },
	{ "set_backend_state", ACT_DISK_OR_VIF, eng_act_set_backend_state },
	{ "close_frontend", ACT_DISK_OR_VIF, eng_act_close_frontend },
	{ "reopen_frontend", ACT_DISK_OR_VIF, eng_act_reopen_frontend },
	{ "error", ACT_DISK, act_error },
	{ "drop_notify", ACT_DISK_OR_VIF, act_drop_notify },
	{ "set_flush_mode", ACT_DISK, act_set_flush_mode },
};

static int no_disk(struct act *c)
{
	snprintf(c->err, c->len, "%s: no disk named '%s'%s", c->name,
		 c->target, xf_scn_count(c->e->scn, "vif") ?
		 " (vif faults need the net module)" : "");
	return -EINVAL;
}

static int action_run(struct eng *e, const struct xf_scn_obj *f, char *err,
		      size_t len);

/* Every action that took effect is an event on the report's timelines. */
int eng_action(struct eng *e, const struct xf_scn_obj *f, char *err,
	       size_t len)
{
	const char *t = xf_scn_str(f, "target");
	int r = action_run(e, f, err, len);

	if (!r)
		eng_event(e, "%s%s%s", xf_scn_str(f, "action"),
			  t && t[0] ? " " : "", t ? t : "");
	return r;
}

static int action_run(struct eng *e, const struct xf_scn_obj *f, char *err,
		      size_t len)
{
	struct act c = {
		.e = e, .f = f, .name = xf_scn_str(f, "action"),
		.target = xf_scn_str(f, "target"),
		.now = xf_rt_now_ns(e->rt),
		.dur = (uint64_t)xf_scn_int(f, "duration"),
		.err = err, .len = len,
	};
	int r;

	for (size_t i = 0; i < ENG_N(actions); i++) {
		if (strcmp(actions[i].name, c.name))
			continue;
		switch (actions[i].target) {
		case ACT_NONE:
			break;
		case ACT_VM:
			c.vm = eng_vm_by_name(e, c.target);
			if (!c.vm) {
				snprintf(err, len, "%s: no vm named '%s'",
					 c.name, c.target);
				return -EINVAL;
			}
			break;
		case ACT_DISK:
		case ACT_DISK_OR_VIF:
			c.d = eng_disk_by_name(e, c.target);
			if (c.d)
				break;
			if (actions[i].target == ACT_DISK)
				return no_disk(&c);
			/* A vif of that name, else -ENOENT. */
			r = actions[i].run(&c);
			return r == -ENOENT ? no_disk(&c) : r;
		}
		return actions[i].run(&c);
	}
	snprintf(err, len, "%s is not supported by the mock platform yet",
		 c.name);
	return -ENOTSUP;
}
