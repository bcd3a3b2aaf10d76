// SPDX-License-Identifier: MIT
/*
 * Builds the world a scenario describes, runs it, tears it down.
 *
 * vCPU layout (runtime vCPUs): every VM's vCPUs first, then one
 * completion vCPU per disk of VMs with completion = "per-disk", then one
 * backend vCPU per disk (the backend's work never competes with the
 * guest's), then the harness's controller vCPU. On the xen platform the
 * backends are the dom0 kernel's (xenhost.c): no backend vCPUs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine-priv.h"
#include "net.h"

#define CONNECT_TIMEOUT_NS 5000000000ull
#define TICK_NS 100000000ull

void eng_fail(struct eng *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e->failed)
		return;
	e->failed = true;
	e->err_rc = rc;
	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	xf_rt_stop(e->rt);
}

struct eng_disk *eng_disk_by_name(struct eng *e, const char *name)
{
	for (unsigned int i = 0; i < e->ndisks; i++)
		if (!strcmp(e->disks[i].name, name))
			return &e->disks[i];
	return NULL;
}

struct eng_vm *eng_vm_by_name(struct eng *e, const char *name)
{
	for (unsigned int i = 0; i < e->nvms; i++)
		if (!strcmp(e->vms[i].obj->name, name))
			return &e->vms[i];
	return NULL;
}

struct eng_host *eng_host_by_name(struct eng *e, const char *name)
{
	for (unsigned int i = 0; i < e->nhosts; i++)
		if (e->hosts[i].obj && !strcmp(e->hosts[i].obj->name, name))
			return &e->hosts[i];
	return NULL;
}

const char *eng_host_name(const struct eng_host *h)
{
	return h->obj ? h->obj->name : "host0";
}

/* Backend features a scenario's `backend` (disk) or `blk` (host) table
 * asks for; the same keys in both. */
void eng_blk_features(struct xf_blkback_features *f,
		      const struct xf_scn_obj *be)
{
	f->persistent = xf_scn_bool(be, "persistent_grants");
	f->max_indirect_segments =
		(unsigned int)xf_scn_int(be, "indirect_segments");
	f->max_ring_page_order = (unsigned int)xf_scn_int(be, "ring_page_order");
	f->max_queues = (unsigned int)xf_scn_int(be, "queues");
	f->flush = xf_scn_bool(be, "flush");
	f->barrier = xf_scn_bool(be, "barrier");
	f->discard = xf_scn_bool(be, "discard");
	if (xf_blkback_sectors_unit_parse(xf_scn_str(be, "sectors_unit"),
					  &f->sectors_unit))
		f->sectors_unit = XF_BLKBACK_SECTORS_512;
}

/* The hostile mode of a `backend` (disk) or `blk` (host) table; the
 * schema's names are xf_blkback_hostile_names(). */
void eng_blk_hostile(struct xf_blkback_config *c, const struct xf_scn_obj *be)
{
	if (xf_blkback_hostile_parse(xf_scn_str(be, "hostile"), &c->hostile))
		c->hostile = XF_BLKBACK_HOSTILE_NONE;
	c->hostile_after = (uint64_t)xf_scn_int(be, "hostile_after");
}

/* XF_BB_LENIENT_* from a host's blk.lenient table, each key the disk's
 * backend.lenient table sets overriding the host's. Either may be NULL.
 * The schema's keys are xf_blkback_lenient_names(), bit i for name i. */
uint32_t eng_blk_lenient(const struct xf_scn_obj *host,
			 const struct xf_scn_obj *be)
{
	const char *const *names = xf_blkback_lenient_names();
	const struct xf_scn_obj *hl, *dl;
	uint32_t bits = 0;

	hl = host ? xf_scn_sub(xf_scn_sub(host, "blk"), "lenient") : NULL;
	dl = be ? xf_scn_sub(be, "lenient") : NULL;
	for (unsigned int i = 0; names[i]; i++) {
		bool on = false;

		if (hl && xf_scn_isset(hl, names[i]))
			on = xf_scn_bool(hl, names[i]);
		if (dl && xf_scn_isset(dl, names[i]))
			on = xf_scn_bool(dl, names[i]);
		if (on)
			bits |= 1u << i;
	}
	return bits;
}

/* Backend queues that can ever run: the frontend uses at most what the
 * backend offers and at most what it asks for (eng_frontend_start()), so
 * only that many backend vCPUs are made. */
static unsigned int fe_queues(const struct xf_scn_obj *disk,
			      const struct xf_scn_obj *vm)
{
	unsigned int n = (unsigned int)xf_scn_int(disk, "queues");

	if (!vm || !strcmp(xf_scn_str(vm, "completion"), "vcpu0"))
		return 1;
	if (!n)
		n = (unsigned int)xf_scn_int(vm, "vcpus");
	return n > XF_BLKFRONT_MAX_QUEUES ? XF_BLKFRONT_MAX_QUEUES : n;
}

unsigned int eng_blk_backend_vcpus(const struct xf_scn_obj *disk,
				   const struct xf_scn_obj *vm)
{
	unsigned int be = (unsigned int)xf_scn_int(xf_scn_sub(disk, "backend"),
						   "queues");
	unsigned int fe = fe_queues(disk, vm);

	return be < fe ? be : fe;
}

enum xf_blkdisk_cache_mode eng_flush_mode(const char *name)
{
	enum xf_blkdisk_cache_mode cm;

	return xf_blkdisk_cache_mode_parse(name, &cm) ? XF_BLKDISK_CACHE_HONOUR :
						       cm;
}

static enum xf_blkdisk_cache_mode cache_mode(const struct xf_scn_obj *m)
{
	if (!strcmp(xf_scn_str(m, "cache"), "none"))
		return XF_BLKDISK_CACHE_WRITE_THROUGH;
	return eng_flush_mode(xf_scn_str(m, "flush_mode"));
}

static struct xf_blklat lat(double base_us, double jitter_us)
{
	struct xf_blklat l = { XF_BLKLAT_FIXED,
			       (uint64_t)(base_us * 1000), 0, 0 };

	if (jitter_us > 0) {
		l.kind = XF_BLKLAT_UNIFORM;
		l.param_ns = (uint64_t)(jitter_us * 1000);
	}
	if (base_us <= 0 && jitter_us <= 0)
		l.kind = XF_BLKLAT_NONE;
	return l;
}

static void bf_event(struct xf_blkfront *bf, enum xf_blkfront_event ev,
		     void *opaque)
{
	struct eng_disk *d = opaque;
	struct eng *e = d->e;
	uint64_t now = xf_rt_now_ns(e->rt);

	(void)bf;
	pthread_mutex_lock(&e->lock);
	switch (ev) {
	case XF_BLKFRONT_EV_CONNECTED:
		eng_reconnect_connected(e, d, now);
		if (!d->connected)
			d->connected_ns = now;
		d->connected = true;
		break;
	case XF_BLKFRONT_EV_DISCONNECTED:
		eng_reconnect_begin(d, now);
		break;
	case XF_BLKFRONT_EV_UNPLUGGED:
		eng_reconnect_gave_up(d);
		break;
	case XF_BLKFRONT_EV_DURABILITY_DEGRADED:
		d->degraded++;
		break;
	case XF_BLKFRONT_EV_TIMEOUT:
		eng_reconnect_gave_up(d);
		d->timeouts++;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&e->lock);
	xf_actor_kick(&e->ctl);
}

int eng_backend_start(struct eng_disk *d)
{
	int r = xf_vbd_create(d->e->dom0, &d->vbd);

	if (r && r != -EEXIST)
		return r;
	return xf_blkback_new(&d->bcfg, &d->bb);
}

void eng_disk_init(struct eng *e, struct eng_disk *d, unsigned int idx,
		   unsigned int *next_vcpu)
{
	const struct xf_scn_obj *o = d->obj;

	snprintf(d->name, sizeof(d->name), "%s", o->name);
	d->e = e;
	if (d->vm->obj && !strcmp(xf_scn_str(d->vm->obj, "completion"),
				  "per-disk")) {
		d->irq_vcpu = (*next_vcpu)++;
		snprintf(e->vcpu_names[d->irq_vcpu], 64, "%s/%s-irq",
			 d->vm->obj->name, o->name);
		e->vcpu_guest[d->irq_vcpu] = true;
	} else {
		d->irq_vcpu = ~0u;
	}
	xf_vbd_config_init(&d->vbd);
	d->vbd.frontend_id = d->vm->domid;
	d->vbd.backend_id = d->host->domid;
	d->vbd.devid = 51712 + 16 * idx;
	d->vbd.readonly = xf_scn_bool(o, "readonly");
}

static int build_disk(struct eng *e, struct eng_disk *d, unsigned int idx,
		      unsigned int *next_vcpu)
{
	const struct xf_scn_obj *o = d->obj;
	const struct xf_scn_obj *be = xf_scn_sub(o, "backend");
	const struct xf_scn_obj *m = xf_scn_sub(o, "model");
	struct xf_blkdisk_config dc;
	char node[64], fe_dir[96], be_dir[96];
	unsigned int bvcpu;
	int r;

	eng_disk_init(e, d, idx, next_vcpu);
	if (e->xen)
		return eng_xen_build_disk(e, d);
	xf_blkdisk_config_init(&dc);
	dc.size_bytes = (uint64_t)xf_scn_int(o, "size");
	dc.sector_size = (unsigned int)xf_scn_int(o, "sector_size");
	dc.cache_mode = cache_mode(m);
	if (strcmp(xf_scn_str(m, "image"), "memory"))
		dc.path = xf_scn_str(m, "image");
	r = xf_blkdisk_new(&dc, &d->disk);
	if (r)
		return r;
	if (xf_scn_int(m, "iops") || xf_scn_int(m, "bw")) {
		struct xf_blkbudget_config bc = {
			.iops = (uint64_t)xf_scn_int(m, "iops"),
			.bytes_per_sec = (uint64_t)xf_scn_int(m, "bw"),
		};

		r = xf_blkbudget_new(&bc, &d->budget);
		if (r)
			return r;
	}
	/* One backend vCPU per backend queue: blkback puts queue i on
	 * vCPU queue_vcpu + i, and the backend must never steal guest
	 * vCPU time. */
	bvcpu = *next_vcpu;
	for (unsigned int q = 0; q < eng_blk_backend_vcpus(o, d->vm->obj);
	     q++) {
		snprintf(e->vcpu_names[*next_vcpu], 64, "%s/blkback-%s-q%u",
			 eng_host_name(d->host), o->name, q);
		(*next_vcpu)++;
	}

	xf_blkback_config_init(&d->bcfg);
	d->bcfg.platform = d->host->p;
	d->bcfg.rt = e->rt;
	d->bcfg.frontend_id = d->vm->domid;
	d->bcfg.devid = d->vbd.devid;
	d->bcfg.disk = d->disk;
	d->bcfg.budget = d->host->budget ? d->host->budget : d->budget;
	eng_blk_features(&d->bcfg.features, be);
	d->bcfg.lenient = eng_blk_lenient(d->host->obj, be);
	eng_blk_hostile(&d->bcfg, be);
	d->bcfg.features.readonly = xf_scn_bool(o, "readonly");
	d->bcfg.latency.read = lat(xf_scn_num(m, "latency_us"),
				   xf_scn_num(m, "jitter_us"));
	d->bcfg.latency.write = d->bcfg.latency.read;
	d->bcfg.latency.discard = d->bcfg.latency.read;
	d->bcfg.latency.flush = lat(xf_scn_num(m, "flush_latency_us"), 0);
	d->bcfg.path = !strcmp(xf_scn_str(be, "path"), "stuck-initwait") ?
		       XF_BLKBACK_PATH_STUCK_INITWAIT :
		       !strcmp(xf_scn_str(be, "path"), "skip-initwait") ?
		       XF_BLKBACK_PATH_SKIP_INITWAIT : XF_BLKBACK_PATH_NORMAL;
	d->bcfg.cpu_ns_per_request = (uint64_t)(xf_scn_num(be, "cpu_us") * 1000);
	d->bcfg.vcpu = bvcpu;
	d->bcfg.queue_vcpu = bvcpu;
	d->bcfg.name = d->name;
	eng_dance_blk_config(&d->bcfg, be, true);
	snprintf(fe_dir, sizeof(fe_dir), "/local/domain/%u/device/vbd/%u",
		 d->vm->domid, d->vbd.devid);
	snprintf(be_dir, sizeof(be_dir), "/local/domain/%u/backend/vbd/%u/%u",
		 d->host->domid, d->vm->domid, d->vbd.devid);
	r = eng_xbt_add(e, &(struct eng_xbt_dev){
		.name = d->name, .type = "vbd", .fe_domid = d->vm->domid,
		.devid = d->vbd.devid, .fe_dir = fe_dir, .be_dir = be_dir,
		.timeout_ns = (uint64_t)xf_scn_int(o, "connect_timeout"),
		.line = o->line });
	if (r)
		return r;
	r = eng_backend_start(d);
	/* A restarted backend starts afresh. */
	d->bcfg.initial_state = 0;
	if (r)
		return r;
	snprintf(node, sizeof(node), "device/vbd/%u", d->vbd.devid);
	return eng_frontend_start(e, d, node);
}

enum xf_ring_evidx_bug eng_evidx_bug(const char *name)
{
	static const char *const names[] = {
		[XF_RING_EVIDX_OK] = "ok",
		[XF_RING_EVIDX_STALE] = "stale",
		[XF_RING_EVIDX_AHEAD] = "ahead",
	};
	enum xf_ring_evidx_bug bug = XF_RING_EVIDX_OK;

	(void)XF_NAME_PARSE(names, name, &bug);
	return bug;
}

int eng_frontend_start(struct eng *e, struct eng_disk *d, const char *node)
{
	const struct xf_scn_obj *o = d->obj;
	const char *pol = xf_scn_str(d->vm->obj, "completion");
	struct xf_blkfront_config fc;

	xf_blkfront_config_init(&fc);
	fc.platform = d->vm->p;
	fc.rt = e->rt;
	fc.nodename = node;
	fc.xenbus_vcpu = d->vm->vcpu0;
	d->nqueues = (unsigned int)xf_scn_int(o, "queues");
	if (!d->nqueues)
		d->nqueues = d->vm->nvcpus;
	if (!strcmp(pol, "vcpu0"))
		/* One ring, one event channel, bound to vCPU 0. */
		d->nqueues = 1;
	if (d->nqueues > XF_BLKFRONT_MAX_QUEUES)
		d->nqueues = XF_BLKFRONT_MAX_QUEUES;
	fc.max_queues = (int)d->nqueues;
	for (unsigned int q = 0; q < XF_BLKFRONT_MAX_QUEUES; q++) {
		if (d->irq_vcpu != ~0u)
			fc.queue_vcpu[q] = (int)d->irq_vcpu;
		else if (!strcmp(pol, "vcpu0"))
			fc.queue_vcpu[q] = (int)d->vm->vcpu0;
		else
			fc.queue_vcpu[q] = (int)(d->vm->vcpu0 +
						 q % d->vm->nvcpus);
	}
	fc.connect_timeout_ns = (uint64_t)xf_scn_int(o, "connect_timeout");
	fc.watchdog_period_ns = (uint64_t)xf_scn_int(o, "watchdog");
	fc.event_index_bug = eng_evidx_bug(xf_scn_str(o, "event_index_bug"));
	fc.timeout_clock = !strcmp(xf_scn_str(o, "timeout_clock"), "wall") ?
			   XF_CLOCK_WALL : XF_CLOCK_MONOTONIC;
	fc.sectors_unit = !strcmp(xf_scn_str(o, "sectors_unit"),
				  "sector-size") ?
			  XF_BLKFRONT_SECTORS_SECTOR_SIZE :
			  XF_BLKFRONT_SECTORS_512;
	fc.event = bf_event;
	fc.event_opaque = d;
	return xf_blkfront_new(&fc, &d->bf);
}

static int target_submit(void *ctx, struct xf_blkfront_io *io)
{
	return xf_blkfront_submit(ctx, io);
}

static bool want_durability(struct eng *e, const struct xf_scn_obj *disk)
{
	const struct xf_scn_obj *m = xf_scn_sub(disk, "model");

	(void)e;
	return strcmp(xf_scn_str(m, "cache"), "none") != 0;
}

static int build_jobs(struct eng *e)
{
	size_t n = xf_scn_count(e->scn, "job"), total = 0;
	uint64_t dur = (uint64_t)xf_scn_int(e->scn->scenario, "duration");

	for (size_t i = 0; i < n; i++)
		total += (size_t)xf_scn_int(xf_scn_nth(e->scn, "job", i),
					   "numjobs");
	e->jobs = calloc(total ? total : 1, sizeof(*e->jobs));
	if (!e->jobs)
		return -ENOMEM;
	/* All results first: workloads keep pointers into the array. */
	for (size_t i = 0; i < total; i++) {
		struct xf_job_result *jr;
		int r = xf_result_add_job(e->res, &jr);

		if (r)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xf_scn_obj *o = xf_scn_nth(e->scn, "job", i);
		struct eng_disk *d = eng_disk_by_name(e, xf_scn_str(o, "disk"));
		const struct xf_scn_obj *vmo = d->vm->obj;
		unsigned int nj = (unsigned int)xf_scn_int(o, "numjobs");
		uint64_t size = (uint64_t)xf_scn_int(o, "size");
		uint64_t off = (uint64_t)xf_scn_int(o, "offset");
		uint64_t bs = (uint64_t)xf_scn_int(o, "bs");
		/* The disk as the guest sees it (sectors_unit). */
		uint64_t dsize = (uint64_t)xf_scn_disk_guest_size(d->obj);
		bool spread = !strcmp(xf_scn_str(vmo, "preparation"),
				      "spread");
		unsigned int *placed = &d->vm->jobs_placed;

		if (!size)
			size = dsize - off;
		for (unsigned int k = 0; k < nj; k++) {
			struct eng_job *j = &e->jobs[e->njobs];
			struct xf_wl_config c;
			struct xf_wl_target t = {
				.submit = target_submit, .ctx = d->bf,
				.size_bytes = dsize,
				.sector_size = (unsigned int)
					xf_scn_int(d->obj, "sector_size"),
				.nr_queues = d->nqueues,
			};
			unsigned int local;
			int r;

			j->e = e;
			j->obj = o;
			j->bs = (uint64_t)xf_scn_int(o, "bs");
			j->d = d;
			j->res = &e->res->jobs[e->njobs];
			if (nj > 1)
				snprintf(j->res->name, sizeof(j->res->name),
					 "%s.%u", o->name, k);
			else
				snprintf(j->res->name, sizeof(j->res->name),
					 "%s", o->name);
			snprintf(j->res->disk, sizeof(j->res->disk), "%s",
				 d->name);
			snprintf(j->res->vm, sizeof(j->res->vm), "%s",
				 vmo->name);
			xf_wl_config_init(&c);
			c.name = j->res->name;
			xf_wl_rw_parse(xf_scn_str(o, "rw"), &c.rw);
			c.bs = (uint32_t)bs;
			c.iodepth = (unsigned int)xf_scn_int(o, "iodepth");
			c.rwmixread = (unsigned int)xf_scn_int(o, "rwmixread");
			c.offset = off;
			c.size = size;
			c.verify = xf_scn_bool(o, "verify");
			if (c.verify && nj > 1) {
				/* verify clones get disjoint slices */
				uint64_t slice = size / nj / bs * bs;

				c.offset = off + k * slice;
				c.size = slice;
			}
			c.io_size = (uint64_t)xf_scn_int(o, "io_size");
			c.runtime_ns = (uint64_t)xf_scn_int(o, "runtime");
			if (!c.runtime_ns)
				c.runtime_ns = dur;
			c.startdelay_ns = (uint64_t)xf_scn_int(o, "startdelay");
			c.rate_iops = (uint64_t)xf_scn_int(o, "rate_iops");
			c.fsync = (uint64_t)xf_scn_int(o, "fsync");
			c.fua = xf_scn_bool(o, "fua");
			if (xf_scn_int(o, "vcpu") >= 0)
				local = (unsigned int)xf_scn_int(o, "vcpu");
			else
				/* spread: the VM's jobs round-robin over
				 * its vCPUs */
				local = spread ? (*placed)++ % d->vm->nvcpus :
					0;
			c.vcpu = d->vm->vcpu0 + local;
			c.queue = local % d->nqueues;
			c.queue_spread = !strcmp(xf_scn_str(vmo,
							    "completion"),
						 "driver");
			c.prep_cost_ns = (uint64_t)(xf_scn_num(vmo,
					"prep_cost_us") * 1000);
			c.completion_cost_ns = (uint64_t)(xf_scn_num(vmo,
					"completion_cost_us") * 1000);
			c.job_index = e->njobs + 1;
			if (c.verify && want_durability(e, d->obj)) {
				uint64_t ss = t.sector_size;

				r = xf_dur_new(c.offset / ss, c.size / bs * bs /
					       ss, &j->dur);
				if (r)
					return r;
				c.dur = j->dur;
			}
			r = xf_wl_new(e->rt, &t, &c, j->res, &j->wl);
			if (r)
				return r;
			xf_wl_set_observer(j->wl, eng_observe, j);
			if (c.startdelay_ns + c.runtime_ns > e->end_ns)
				e->end_ns = c.startdelay_ns + c.runtime_ns;
			e->njobs++;
		}
	}
	return 0;
}

static void start_run(struct eng *e, uint64_t now)
{
	e->started = true;
	e->t0 = now;
	e->deadline_ns = now + e->end_ns +
		(uint64_t)xf_scn_int(e->scn->scenario, "timeout");
	for (size_t i = 0; i < e->scn->nobjs; i++) {
		const struct xf_scn_obj *f = e->scn->objs[i];

		if (!strcmp(f->kind->name, "fault"))
			eng_add_timer(e, now + (uint64_t)xf_scn_int(f, "at"),
				      T_FAULT, f, NULL, NULL);
	}
	for (size_t i = 0; i < e->scn->nhooks; i++)
		if (e->scn->hooks[i].event == XF_SCN_HOOK_TIME)
			eng_add_timer(e, now + e->scn->hooks[i].n, T_HOOK,
				      NULL, &e->scn->hooks[i], NULL);
	/* About 50 points per plot: per-second rates at a resolution the
	 * run's length allows (1 ms .. 1 s). */
	uint64_t iv = e->end_ns / 50;

	if (iv < 1000000)
		iv = 1000000;
	if (iv > 1000000000)
		iv = 1000000000;
	iv = iv / 1000000 * 1000000;
	eng_net_start(e, now);
	e->deadline_ns = now + e->end_ns +
		(uint64_t)xf_scn_int(e->scn->scenario, "timeout");
	for (unsigned int i = 0; i < e->njobs; i++) {
		xf_series_free(&e->jobs[i].res->series);
		xf_series_init(&e->jobs[i].res->series, now, iv);
		xf_wl_start(e->jobs[i].wl);
	}
}

static double iops_so_far(struct eng *e, uint64_t now)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < e->njobs; i++)
		n += xf_wl_completions(e->jobs[i].wl);
	return now > e->t0 ? (double)n * 1e9 / (double)(now - e->t0) : 0;
}

/* Real clocks are absolute, so the wait counts from the build; an
 * emulated dom0 with kernel backends needs longer than the mock. */
static uint64_t connect_wait(const struct eng *e)
{
	return e->xen ? 6 * CONNECT_TIMEOUT_NS : CONNECT_TIMEOUT_NS;
}

static void ctl_run(struct xf_actor *a)
{
	struct eng *e = (struct eng *)((char *)a - offsetof(struct eng, ctl));
	uint64_t now = xf_rt_now_ns(e->rt), next = UINT64_MAX;
	bool all = true, mig_busy;

	if (e->finished || e->failed)
		return;
	if (!e->started) {
		for (unsigned int i = 0; i < e->ndisks; i++)
			all &= e->disks[i].connected;
		all &= eng_net_connected(e);
		if (all || eng_dance_early(e)) {
			start_run(e, now);
		} else if (now >= e->build_ns + connect_wait(e)) {
			/* Run anyway: the frontend's own connect timeout
			 * decides what its I/O gets; the scenario's
			 * expectations judge it. */
			for (unsigned int i = 0; i < e->ndisks; i++) {
				char n[96];

				if (e->disks[i].connected)
					continue;
				snprintf(n, sizeof(n), "%s.never_connected",
					 e->disks[i].name);
				xf_ctrs_set(&e->res->counters, n, 1);
			}
			start_run(e, now);
		} else {
			xf_actor_set_timer(a, e->build_ns + connect_wait(e));
			return;
		}
	}
	/* Hooks run on workload and queue threads and may add timers or
	 * migrations (realloc) at any moment in real mode: walk both
	 * under the engine lock, which hooks hold too. */
	pthread_mutex_lock(&e->lock);
	eng_mig_poll(e);
	for (size_t i = 0; i < e->ntimers && !e->failed; i++) {
		struct eng_timer *t = &e->timers[i];

		if (t->done)
			continue;
		if (t->when <= now) {
			t->done = true;
			eng_timer_fire(e, t);
			/* firing may add timers (realloc) */
			t = &e->timers[i];
		} else if (t->when < next) {
			next = t->when;
		}
	}
	mig_busy = eng_mig_busy(e);
	pthread_mutex_unlock(&e->lock);
	if (e->failed)
		return;
	/* A migration under way finishes before the run does: its
	 * measurements would be half of one. A flow is active until every
	 * frame it sent has arrived or is known lost (net.c: the drain);
	 * its receiver wakes us when it has. */
	if (e->jobs_done >= e->njobs && !eng_net_active(e) && !mig_busy) {
		e->finished = true;
		e->res->elapsed_ns = now - e->t0;
		xf_rt_stop(e->rt);
		return;
	}
	if (now >= e->deadline_ns) {
		e->finished = true;
		e->res->elapsed_ns = now - e->t0;
		for (unsigned int i = 0; i < e->njobs; i++)
			xf_wl_finish(e->jobs[i].wl);
		eng_net_finish(e, now);
		xf_rt_stop(e->rt);
		return;
	}
	if (now >= e->last_progress + TICK_NS) {
		e->last_progress = now;
		if (e->o->progress)
			e->o->progress(e->o->progress_opaque, now - e->t0,
				       e->end_ns, iops_so_far(e, now));
	}
	if (e->last_progress + TICK_NS < next)
		next = e->last_progress + TICK_NS;
	if (e->deadline_ns < next)
		next = e->deadline_ns;
	xf_actor_set_timer(a, next);
}

static const struct xf_actor_ops ctl_ops = { .run = ctl_run };

static int count_vcpus(struct eng *e, unsigned int *n)
{
	unsigned int v = 0;

	for (size_t i = 0; i < xf_scn_count(e->scn, "vm"); i++) {
		const struct xf_scn_obj *vm = xf_scn_nth(e->scn, "vm", i);

		v += (unsigned int)xf_scn_int(vm, "vcpus");
	}
	for (size_t i = 0; i < xf_scn_count(e->scn, "disk"); i++) {
		const struct xf_scn_obj *d = xf_scn_nth(e->scn, "disk", i);
		const struct xf_scn_obj *vm = xf_scn_find(e->scn, "vm",
			xf_scn_str(d, "vm"));

		v += (e->xen ? 0 : eng_blk_backend_vcpus(d, vm)) +
		     !strcmp(xf_scn_str(vm, "completion"), "per-disk");
	}
	*n = v + eng_net_vcpus(e) + 1;
	return *n <= XF_RT_MAX_VCPUS ? 0 : -E2BIG;
}

static int build(struct eng *e)
{
	struct xf_rt_config rc;
	unsigned int next = 0;
	int r;

	r = count_vcpus(e, &e->nvcpus);
	if (r) {
		snprintf(e->err, sizeof(e->err), "%s:%d: the scenario needs "
			 "%u vCPUs (VMs + per-disk + backends + 1), at most "
			 "%d", e->scn->path, e->scn->scenario->line,
			 e->nvcpus, XF_RT_MAX_VCPUS);
		return -EINVAL;
	}
	xf_rt_config_init(&rc);
	rc.mode = strcmp(e->o->mode ? e->o->mode : "sim", "real") ?
		  XF_RT_SIM : XF_RT_REAL;
	rc.seed = e->seed;
	rc.nr_vcpus = e->nvcpus;
	r = xf_rt_new(&rc, &e->rt);
	if (r)
		return r;
	e->build_ns = xf_rt_now_ns(e->rt);
	r = e->xen ? eng_xen_open(e) : xf_mock_hv_new(&e->hv);
	if (r)
		return r;
	if (!e->xen)
		r = xf_mock_domain_new(e->hv, 0, &e->dom0);
	if (!r)
		r = eng_xbt_new(e);
	if (r)
		return r;
	/* Hosts: backend domains 100+. A scenario without hosts has one. */
	e->nhosts = (unsigned int)xf_scn_count(e->scn, "host");
	if (!e->nhosts)
		e->nhosts = 1;
	for (unsigned int i = 0; i < e->nhosts; i++) {
		struct eng_host *h = &e->hosts[i];

		h->obj = xf_scn_nth(e->scn, "host", i);
		h->domid = e->xen ? e->dom0->domid : (xf_domid)(100 + i);
		h->p = e->dom0;
		h->link_gbps = h->obj ? xf_scn_num(h->obj, "link_gbps") : 10;
		r = e->xen ? 0 : xf_mock_domain_new(e->hv, h->domid, &h->p);
		if (r)
			return r;
		if (h->obj && (xf_scn_int(h->obj, "storage_iops") ||
			       xf_scn_int(h->obj, "storage_bw"))) {
			struct xf_blkbudget_config bc = {
				.iops = (uint64_t)xf_scn_int(h->obj,
							     "storage_iops"),
				.bytes_per_sec = (uint64_t)xf_scn_int(h->obj,
							"storage_bw"),
			};

			r = xf_blkbudget_new(&bc, &h->budget);
			if (r)
				return r;
		}
	}
	e->nvms = (unsigned int)xf_scn_count(e->scn, "vm");
	for (unsigned int i = 0; i < e->nvms; i++) {
		struct eng_vm *v = &e->vms[i];
		const char *hn;

		v->obj = xf_scn_nth(e->scn, "vm", i);
		v->domid = (xf_domid)(1 + i);
		v->nvcpus = (unsigned int)xf_scn_int(v->obj, "vcpus");
		v->vcpu0 = next;
		for (unsigned int c = 0; c < v->nvcpus; c++) {
			snprintf(e->vcpu_names[next], 64, "%s/vcpu%u",
				 v->obj->name, c);
			e->vcpu_guest[next++] = true;
		}
		hn = xf_scn_str(v->obj, "host");
		v->host = hn ? eng_host_by_name(e, hn) : NULL;
		if (!v->host)
			v->host = &e->hosts[0];
		if (e->xen) {
			/* Every frontend lives in this domain. */
			v->domid = e->dom0->domid;
			v->p = e->dom0;
		}
		r = e->xen ? 0 : xf_mock_domain_new(e->hv, v->domid, &v->p);
		if (r)
			return r;
	}
	e->ndisks = (unsigned int)xf_scn_count(e->scn, "disk");
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct eng_disk *d = &e->disks[i];

		d->obj = xf_scn_nth(e->scn, "disk", i);
		d->vm = eng_vm_by_name(e, xf_scn_str(d->obj, "vm"));
		d->host = d->vm->host;
		r = build_disk(e, d, i, &next);
		if (r) {
			snprintf(e->err, sizeof(e->err), "%s:%d: disk '%s': "
				 "could not set up: %s", e->scn->path,
				 d->obj->line, d->obj->name, strerror(-r));
			/* Validation passed: what fails now is the machine
			 * (an image gone, memory), a failed run of its own in
			 * the results, not bad input that stops the others. */
			return r == -EINVAL ? -EIO : r;
		}
	}
	r = eng_net_build(e, &next);
	if (r)
		return r;
	e->ctl_vcpu = next;
	snprintf(e->vcpu_names[next], 64, "harness");
	r = xf_actor_add(e->rt, &e->ctl, &ctl_ops, "harness", e->ctl_vcpu);
	if (r)
		return r;
	r = build_jobs(e);
	if (r) {
		snprintf(e->err, sizeof(e->err), "could not create the jobs: "
			 "%s", strerror(-r));
		return r;
	}
	return 0;
}

static void teardown_devices(struct eng *e)
{
	/* Backends first: they unmap, so the frontends' revokes succeed
	 * and anything still shared afterwards is a real leak. */
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct eng_disk *d = &e->disks[i];

		if (d->bb)
			xf_blkback_free(d->bb);
		for (unsigned int k = 0; k < d->nold; k++)
			xf_blkback_free(d->old_bb[k]);
		free(d->old_bb);
		d->old_bb = NULL;
		d->bb = NULL;
		d->nold = d->cap_old = 0;
	}
	for (unsigned int i = 0; i < e->ndisks; i++) {
		struct eng_disk *d = &e->disks[i];

		if (d->bf)
			xf_blkfront_free(d->bf);
		if (d->disk)
			xf_blkdisk_free(d->disk);
		if (d->budget)
			xf_blkbudget_free(d->budget);
	}
	/* Jobs last: freeing a frontend completes what it still holds
	 * (-ENODEV) into them. */
	for (unsigned int i = 0; i < e->njobs; i++) {
		xf_wl_free(e->jobs[i].wl);
		xf_dur_free(e->jobs[i].dur);
	}
	free(e->jobs);
	e->njobs = 0;
	e->ndisks = 0;
	e->jobs = NULL;
}

static void teardown(struct eng *e)
{
	teardown_devices(e);
	eng_net_teardown(e);
	eng_xbt_free(e);
	if (e->xen)
		eng_xen_teardown(e);
	for (unsigned int i = 0; i < e->nhosts; i++)
		if (e->hosts[i].budget)
			xf_blkbudget_free(e->hosts[i].budget);
	if (e->ctl.rt)
		xf_actor_remove(&e->ctl);
	if (e->hv)
		xf_mock_hv_free(e->hv);
	if (e->rt)
		xf_rt_free(e->rt);
	free(e->timers);
	free(e->migs);
	xf_dur_report_free(&e->dur_acc);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->ev_lock);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int xf_engine_run(struct xf_scn *scn, const struct xf_engine_opts *o,
		  struct xf_result **out, char *err, size_t errlen)
{
	struct eng *e;
	struct xf_result *res;
	struct timespec ts0, ts1;
	int r;

	*out = NULL;
	r = xf_engine_check(scn, o, err, errlen);
	if (r)
		return r;
	e = calloc(1, sizeof(*e));
	r = xf_result_new(&res);
	if (!e || r) {
		free(e);
		xf_result_free(res);
		return -ENOMEM;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->ev_lock, NULL);
	e->scn = scn;
	e->o = o;
	e->res = res;
	e->xen = o->platform && !strcmp(o->platform, "xen");
	e->seed = o->has_seed ? o->seed :
		  (uint64_t)xf_scn_int(scn->scenario, "seed");
	res->path = strdup(scn->path);
	res->scenario = strdup(scn->scenario->name ? scn->scenario->name :
			       scn->path);
	res->description = strdup(xf_scn_str(scn->scenario, "description"));
	res->variant = dup_or_null(scn->variant);
	for (size_t i = 0; i < scn->nvariants && scn->variant; i++)
		if (!strcmp(scn->variants[i].name, scn->variant))
			res->variant_description =
				strdup(scn->variants[i].description);
	res->params = strdup(o->params ? o->params : "");
	snprintf(res->mode, sizeof(res->mode), "%s",
		 o->mode ? o->mode : "sim");
	snprintf(res->platform, sizeof(res->platform), "%s",
		 o->platform ? o->platform : "mock");
	res->seed = e->seed;
	res->duration_ns = (uint64_t)xf_scn_int(scn->scenario, "duration");
	res->started_unix = (int64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	r = build(e);
	if (!r && eng_interrupt_watch(e->rt)) {
		xf_actor_kick(&e->ctl);
		r = xf_rt_run(e->rt, UINT64_MAX);
		eng_interrupt_unwatch();
	}
	/* A run that finished before the signal landed is whole. */
	if (!r && !e->finished && xf_engine_interrupted()) {
		snprintf(e->err, sizeof(e->err), "interrupted");
		r = -EINTR;
	} else if (!r && !e->finished && !e->failed) {
		eng_fail(e, -EDEADLK, "the run stopped with work left and "
			 "nothing runnable");
	}
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	res->wall_s = (double)(ts1.tv_sec - ts0.tv_sec) +
		      (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
	if (r) {
		snprintf(err, errlen, "%s", e->err[0] ? e->err :
			 strerror(-r));
		teardown(e);
		free(e);
		xf_result_free(res);
		return r == -E2BIG ? -EINVAL : r;
	}
	if (e->failed && e->err_rc == -EINVAL && e->err[0] &&
	    strstr(e->err, scn->path) == e->err) {
		/* A hook misused the language: bad input, not a result. */
		snprintf(err, errlen, "%s", e->err);
		teardown(e);
		free(e);
		xf_result_free(res);
		return -EINVAL;
	}
	eng_collect(e);
	eng_net_collect(e);
	/* Wedges first: a wedged device is dumped as stuck. */
	eng_xbt_collect(e);
	eng_stuck_collect(e);
	if (e->failed)
		res->error = strdup(e->err);
	if (e->xen)
		eng_xen_close(e);
	teardown_devices(e);
	/* The vifs too: a netfront still alive holds its grants and ports
	 * legitimately, and would be counted as leaking. */
	eng_net_teardown(e);
	eng_leaks(e);
	eng_expect(e);
	teardown(e);
	if (e->check_err[0]) {
		snprintf(err, errlen, "%s", e->check_err);
		free(e);
		xf_result_free(res);
		return -EINVAL;
	}
	free(e);
	*out = res;
	return 0;
}
