// SPDX-License-Identifier: MIT
/* The block workload against a fake in-memory target on the sim
 * runtime: self-describing sectors, the vCPU cost model, verification. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/workload.h>

#include "xt.h"

#define DISK_BYTES (1u << 20)
#define MAX_PENDING 256

/* A disk in memory that completes each I/O latency_ns after submission
 * from an actor on vCPU 0 (the "interrupt" vCPU). */
struct fake {
	struct xf_actor actor;
	struct xf_rt *rt;
	uint8_t *mem;
	uint64_t latency_ns;
	struct xf_blkfront_io *pend[MAX_PENDING];
	uint64_t due[MAX_PENDING];
	unsigned int npend;
	unsigned int corrupt_reads; /* flip a byte in this many reads */
};

static void fake_run(struct xf_actor *a)
{
	struct fake *f = (struct fake *)a;
	uint64_t now = xf_rt_now_ns(f->rt), next = UINT64_MAX;

	for (unsigned int i = 0; i < f->npend;) {
		struct xf_blkfront_io *io = f->pend[i];

		if (f->due[i] > now) {
			if (f->due[i] < next)
				next = f->due[i];
			i++;
			continue;
		}
		f->pend[i] = f->pend[--f->npend];
		f->due[i] = f->due[f->npend];
		if (io->op == XF_BLKFRONT_WRITE)
			memcpy(f->mem + io->offset_bytes, io->buf,
			       io->len_bytes);
		if (io->op == XF_BLKFRONT_READ) {
			memcpy(io->buf, f->mem + io->offset_bytes,
			       io->len_bytes);
			if (f->corrupt_reads) {
				f->corrupt_reads--;
				((uint8_t *)io->buf)[100] ^= 0xff;
			}
		}
		io->done(io, 0);
		now = xf_rt_now_ns(f->rt);
	}
	if (next != UINT64_MAX)
		xf_actor_set_timer(a, next);
}

static const struct xf_actor_ops fake_ops = { .run = fake_run };

static int fake_submit(void *ctx, struct xf_blkfront_io *io)
{
	struct fake *f = ctx;

	if (f->npend == MAX_PENDING)
		return -EBUSY;
	f->pend[f->npend] = io;
	f->due[f->npend++] = xf_rt_now_ns(f->rt) + f->latency_ns;
	/* its run() re-arms the timer for the earliest due I/O */
	xf_actor_kick(&f->actor);
	return 0;
}

static struct xf_rt *rt;
static struct fake fk;

static void setup(void)
{
	struct xf_rt_config c;

	xf_rt_config_init(&c);
	c.nr_vcpus = 2;
	c.seed = 5;
	ck_assert_int_eq(xf_rt_new(&c, &rt), 0);
	memset(&fk, 0, sizeof(fk));
	fk.rt = rt;
	fk.mem = calloc(1, DISK_BYTES);
	fk.latency_ns = 10000;
	ck_assert_int_eq(xf_actor_add(rt, &fk.actor, &fake_ops, "fake", 0),
			 0);
}

static void teardown(void)
{
	xf_actor_remove(&fk.actor);
	xf_rt_free(rt);
	free(fk.mem);
}

/* Runs one job of config c against target t to its end (obs, if not
 * NULL, sees its events); returns its result. */
static struct xf_job_result *run_job_on(const struct xf_wl_target *t,
					struct xf_wl_config *c,
					xf_wl_observer_fn obs)
{
	static struct xf_job_result res;
	struct xf_wl_job *j;

	memset(&res, 0, sizeof(res));
	xf_hist_init(&res.rd.clat);
	xf_hist_init(&res.wr.clat);
	xf_hist_init(&res.fl.clat);
	xf_series_init(&res.series, 0, 0);
	ck_assert_int_eq(xf_wl_new(rt, t, c, &res, &j), 0);
	if (obs)
		xf_wl_set_observer(j, obs, NULL);
	xf_wl_start(j);
	ck_assert_int_eq(xf_rt_run(rt, UINT64_MAX), 0);
	ck_assert(xf_wl_done(j));
	ck_assert_uint_eq(xf_wl_inflight(j), 0);
	xf_wl_free(j);
	xf_series_free(&res.series);
	return &res;
}

/* The same against the fake disk. */
static struct xf_job_result *run_job(struct xf_wl_config *c)
{
	struct xf_wl_target t = { fake_submit, &fk, DISK_BYTES, 512, 1 };

	return run_job_on(&t, c, NULL);
}

/* A job's default config with the given pattern, queue depth and run
 * time (0: the default). */
static struct xf_wl_config config(enum xf_wl_rw rw, unsigned int iodepth,
				  uint64_t runtime_ns)
{
	struct xf_wl_config c;

	xf_wl_config_init(&c);
	c.rw = rw;
	c.iodepth = iodepth;
	if (runtime_ns)
		c.runtime_ns = runtime_ns;
	return c;
}

static void assert_within(uint64_t v, uint64_t lo, uint64_t hi)
{
	ck_assert_uint_ge(v, lo);
	ck_assert_uint_le(v, hi);
}

START_TEST(stamp_roundtrip)
{
	uint8_t s[512] = { 0 };
	struct xf_wl_stamp in = { 77, 1000000005, 3, 2 }, out;

	ck_assert_int_eq(xf_wl_stamp_decode(s, 512, &out), -ENODATA);
	xf_wl_stamp_fill(s, 512, &in);
	ck_assert_int_eq(xf_wl_stamp_decode(s, 512, &out), 0);
	ck_assert_uint_eq(out.lba, 77);
	ck_assert_uint_eq(out.write_id, 1000000005);
	ck_assert_uint_eq(out.generation, 3);
	ck_assert_uint_eq(out.job, 2);
	s[300] ^= 1;
	ck_assert_int_eq(xf_wl_stamp_decode(s, 512, &out), -EBADMSG);
}
END_TEST

START_TEST(rw_names)
{
	enum xf_wl_rw rw;

	ck_assert_int_eq(xf_wl_rw_parse("randrw", &rw), 0);
	ck_assert_int_eq(rw, XF_WL_RANDRW);
	ck_assert_int_eq(xf_wl_rw_parse("readwrite", &rw), 0);
	ck_assert_int_eq(rw, XF_WL_RW);
	ck_assert_int_eq(xf_wl_rw_parse("randomread", &rw), -EINVAL);
}
END_TEST

/* Completions run on vCPU 0 at 50 us each: 100 ms give 2,000 I/Os
 * however deep the queue (virtual time, exact). */
/* A target that completes inline (as a real-mode completion on another
 * thread may, before submit() returns) and refuses every third I/O. */
struct order {
	unsigned int calls, submits, refused, completions;
	int outstanding;
	bool completion_before_submit;
};
static struct order ord;

static int inline_submit(void *ctx, struct xf_blkfront_io *io)
{
	(void)ctx;
	if (++ord.calls % 3 == 0)
		return -EIO;
	memset(io->buf, 0, io->len_bytes);
	io->done(io, 0);
	return 0;
}

static void order_obs(void *opaque, struct xf_wl_job *j, int kind,
		      int status)
{
	(void)opaque;
	(void)j;
	if (kind == XF_WL_EV_SUBMIT) {
		ord.submits++;
		ord.outstanding++;
	} else if (kind == XF_WL_EV_SUBMIT_REFUSED) {
		ck_assert_int_eq(status, -EIO);
		ord.refused++;
		ord.outstanding--;
	} else if (kind != XF_WL_EV_DONE) {
		if (ord.outstanding <= 0)
			ord.completion_before_submit = true;
		ord.completions++;
		ord.outstanding--;
	}
}

START_TEST(submit_event_precedes_completion)
{
	struct xf_wl_target t = { inline_submit, NULL, DISK_BYTES, 512, 1 };
	struct xf_wl_config c = config(XF_WL_RANDREAD, 1, 0);
	struct xf_job_result *r;

	memset(&ord, 0, sizeof(ord));
	c.io_size = 30 * 4096;
	c.prep_cost_ns = 1000;
	r = run_job_on(&t, &c, order_obs);
	ck_assert(!ord.completion_before_submit);
	ck_assert_uint_gt(ord.completions, 0);
	ck_assert_uint_gt(ord.refused, 0);
	ck_assert_uint_eq(ord.submits, ord.calls);
	ck_assert_uint_eq(ord.submits, ord.completions + ord.refused);
	ck_assert_int_eq(ord.outstanding, 0);
	ck_assert_uint_eq(r->rd.errors, ord.refused);
}
END_TEST

START_TEST(completion_cost_caps_iops)
{
	struct xf_wl_config c = config(XF_WL_RANDREAD, 16, 100000000);
	struct xf_job_result *r;

	c.vcpu = 1;
	c.completion_cost_ns = 50000;
	r = run_job(&c);
	assert_within(r->rd.ios, 1990, 2016);
	ck_assert_uint_eq(r->rd.errors, 0);
	/* latency includes queueing behind the busy vCPU */
	ck_assert_uint_gt(xf_hist_percentile(&r->rd.clat, 50), 100000);
}
END_TEST

START_TEST(prep_cost_charged_on_job_vcpu)
{
	struct xf_wl_config c = config(XF_WL_RANDWRITE, 4, 50000000);
	struct xf_rt_vcpu_stats st;
	struct xf_job_result *r;

	c.vcpu = 1;
	c.prep_cost_ns = 20000;
	r = run_job(&c);
	/* 4 I/Os per 10 us latency would be 20,000; prep on vCPU 1 caps
	 * it at one per 20 us: 2,500 in 50 ms. */
	assert_within(r->wr.ios, 2490, 2510);
	ck_assert_int_eq(xf_rt_vcpu_stats(rt, 1, &st), 0);
	ck_assert_uint_ge(st.busy_ns, 2490ull * 20000);
	ck_assert_int_eq(xf_rt_vcpu_stats(rt, 0, &st), 0);
	ck_assert_uint_eq(st.busy_ns, 0);
}
END_TEST

START_TEST(verify_clean_and_corrupt)
{
	struct xf_wl_config c = config(XF_WL_RANDRW, 8, 20000000);
	struct xf_job_result *r;

	c.size = 64 * 4096;
	c.verify = true;
	r = run_job(&c);
	ck_assert_uint_gt(r->rd.ios, 100);
	ck_assert_uint_gt(r->wr.ios, 100);
	ck_assert_uint_eq(r->verify_errors, 0);
	ck_assert_uint_eq(r->double_completions, 0);
	/* a fresh job expects a blank disk */
	memset(fk.mem, 0, DISK_BYTES);
	fk.corrupt_reads = 3;
	r = run_job(&c);
	ck_assert_uint_eq(r->verify_errors, 3);
}
END_TEST

START_TEST(rate_and_io_size_limits)
{
	struct xf_wl_config c = config(XF_WL_READ, 4, 100000000);
	struct xf_job_result *r;

	c.rate_iops = 1000;
	r = run_job(&c);
	assert_within(r->rd.ios, 99, 101);
	c = config(XF_WL_WRITE, 4, 0);
	c.io_size = 40 * 4096;
	r = run_job(&c);
	ck_assert_uint_eq(r->wr.ios, 40);
	ck_assert_uint_eq(r->wr.bytes, 40 * 4096);
}
END_TEST

START_TEST(bad_config)
{
	struct xf_wl_target t = { fake_submit, &fk, DISK_BYTES, 512, 1 };
	struct xf_wl_config c;
	struct xf_job_result res;
	struct xf_wl_job *j;

	xf_wl_config_init(&c);
	c.bs = 1000;
	ck_assert_int_eq(xf_wl_new(rt, &t, &c, &res, &j), -EINVAL);
	xf_wl_config_init(&c);
	c.size = 2 * DISK_BYTES;
	ck_assert_int_eq(xf_wl_new(rt, &t, &c, &res, &j), -EINVAL);
}
END_TEST

XT_SUITE("harness-workload")
{
	TCase *tc = xt_tcase_fixture("job", setup, teardown, 60);

	tcase_add_test(tc, stamp_roundtrip);
	tcase_add_test(tc, rw_names);
	tcase_add_test(tc, completion_cost_caps_iops);
	tcase_add_test(tc, submit_event_precedes_completion);
	tcase_add_test(tc, prep_cost_charged_on_job_vcpu);
	tcase_add_test(tc, verify_clean_and_corrupt);
	tcase_add_test(tc, rate_and_io_size_limits);
	tcase_add_test(tc, bad_config);
}
