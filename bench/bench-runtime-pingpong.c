/* SPDX-License-Identifier: MIT */
/*
 * Real-driver ring ping-pong throughput, as ratios against a comparator
 * measured in the same run, interleaved (A B C A B C ...), because
 * cross-core results on virtual machines drift between placement
 * regimes within seconds.
 *
 *   raw   two pinned threads busy-polling the same xfront blkif ring,
 *         no runtime, no notifications (the ceiling)
 *   block runtime, real driver, kicks through eventfd/epoll, no spin
 *   spin  runtime, real driver, spin_before_block_ns = --spin-us
 *
 * Usage: bench-runtime-pingpong [--rounds N] [--count N] [--qd N]
 *                               [--spin-us N] [--no-pin]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>
#include <xfront/runtime.h>

#define MAX_ROUNDS 64

struct pp {
	void *page;
	size_t slot_size;
	struct xf_front_ring fr;
	struct xf_back_ring br;
	struct xf_actor front, back;
	uint64_t n, qd, sent, received, errors;
	uint64_t notify_f2b, notify_b2f;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pp_init(struct pp *p, uint64_t n, uint64_t qd)
{
	memset(p, 0, sizeof(*p));
	p->page = aligned_alloc(XF_PAGE_SIZE, XF_PAGE_SIZE);
	if (!p->page)
		return -ENOMEM;
	p->slot_size = xf_blkif_slot_size(XF_BLKIF_ABI_X86_64);
	p->n = n;
	p->qd = qd;
	xf_sring_init(p->page, XF_PAGE_SIZE);
	if (xf_front_ring_attach(&p->fr, p->page, XF_PAGE_SIZE, p->slot_size,
				 0) ||
	    xf_back_ring_attach(&p->br, p->page, XF_PAGE_SIZE, p->slot_size,
				0))
		return -EINVAL;
	return 0;
}

/* Frontend step: reap responses, refill. Returns true if it pushed and
 * the backend asked to be notified. */
static bool front_step(struct pp *p)
{
	uint8_t buf[128];
	struct xf_blkif_rsp rsp;
	bool pushed = false;
	int avail = xf_front_ring_responses(&p->fr, NULL);

	if (avail < 0) {
		p->errors++;
		return false;
	}
	for (int i = 0; i < avail; i++) {
		xf_front_ring_take_response(&p->fr, buf, p->slot_size);
		xf_blkif_decode_rsp(XF_BLKIF_ABI_X86_64, buf, &rsp);
		if (rsp.id != p->received)
			p->errors++;
		p->received++;
	}
	while (p->sent < p->n && p->sent - p->received < p->qd) {
		struct xf_blkif_req req;
		void *slot = xf_front_ring_next_request(&p->fr);

		if (!slot)
			break;
		memset(&req, 0, sizeof(req));
		req.operation = XF_BLKIF_OP_READ;
		req.nr_segments = 1;
		req.id = p->sent++;
		req.seg[0].last_sect = 7;
		xf_blkif_encode_req(XF_BLKIF_ABI_X86_64, slot, &req);
		pushed = true;
	}
	return pushed && xf_front_ring_push_requests(&p->fr);
}

static bool back_step(struct pp *p)
{
	uint8_t buf[128];
	struct xf_blkif_req req;
	bool pushed = false;
	int avail = xf_back_ring_requests(&p->br, NULL);

	if (avail < 0) {
		p->errors++;
		return false;
	}
	for (int i = 0; i < avail; i++) {
		struct xf_blkif_rsp rsp;
		void *slot;

		xf_back_ring_take_request(&p->br, buf, p->slot_size);
		xf_blkif_decode_req(XF_BLKIF_ABI_X86_64, buf, &req);
		slot = xf_back_ring_next_response(&p->br);
		rsp.id = req.id;
		rsp.operation = req.operation;
		rsp.status = XF_BLKIF_RSP_OKAY;
		xf_blkif_encode_rsp(XF_BLKIF_ABI_X86_64, slot, &rsp);
		pushed = true;
	}
	return pushed && xf_back_ring_push_responses(&p->br);
}

/* ---- runtime actors ---- */

static void rt_front_run(struct xf_actor *a)
{
	struct pp *p = (struct pp *)((char *)a - offsetof(struct pp, front));

	for (;;) {
		if (front_step(p)) {
			p->notify_f2b++;
			xf_actor_kick(&p->back);
		}
		if (p->received == p->n || p->errors)
			return;
		if (xf_front_ring_final_check(&p->fr) <= 0)
			return;
	}
}

static void rt_back_run(struct xf_actor *a)
{
	struct pp *p = (struct pp *)((char *)a - offsetof(struct pp, back));

	for (;;) {
		if (back_step(p)) {
			p->notify_b2f++;
			xf_actor_kick(&p->front);
		}
		if (p->errors || xf_back_ring_final_check(&p->br) <= 0)
			return;
	}
}

static const struct xf_actor_ops front_ops = { .run = rt_front_run };
static const struct xf_actor_ops back_ops = { .run = rt_back_run };

static int run_rt(uint64_t n, uint64_t qd, uint64_t spin_ns, bool pin,
		  double *rate, double *notif)
{
	struct xf_rt_config cfg;
	struct xf_rt *rt;
	struct pp p;
	uint64_t t0, t1;
	int err;

	err = pp_init(&p, n, qd);
	if (err)
		return err;
	xf_rt_config_init(&cfg);
	cfg.mode = XF_RT_REAL;
	cfg.nr_vcpus = 2;
	cfg.spin_before_block_ns = spin_ns;
	if (pin) {
		cfg.pin_cpu[0] = 0;
		cfg.pin_cpu[1] = 1;
	}
	err = xf_rt_new(&cfg, &rt);
	if (err) {
		free(p.page);
		return err;
	}
	xf_actor_add(rt, &p.front, &front_ops, "front", 0);
	xf_actor_add(rt, &p.back, &back_ops, "back", 1);
	t0 = now_ns();
	xf_actor_kick(&p.front);
	err = xf_rt_run(rt, UINT64_MAX);
	t1 = now_ns();
	if (!err && (p.received != n || p.errors))
		err = -EIO;
	*rate = (double)n * 1e9 / (double)(t1 - t0);
	*notif = (double)(p.notify_f2b + p.notify_b2f) / (double)n;
	xf_actor_remove(&p.front);
	xf_actor_remove(&p.back);
	xf_rt_free(rt);
	free(p.page);
	return err;
}

/* ---- raw comparator ---- */

struct raw_arg {
	struct pp *p;
	int cpu;
	atomic_bool *done;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *raw_back(void *arg)
{
	struct raw_arg *ra = arg;

	pin_self(ra->cpu);
	while (!atomic_load_explicit(ra->done, memory_order_relaxed)) {
		back_step(ra->p);
		cpu_relax();
	}
	return NULL;
}

static int run_raw(uint64_t n, uint64_t qd, bool pin, double *rate)
{
	atomic_bool done = false;
	struct raw_arg ba;
	pthread_t th;
	struct pp p;
	uint64_t t0, t1;
	int err = pp_init(&p, n, qd);

	if (err)
		return err;
	ba.p = &p;
	ba.cpu = pin ? 1 : -1;
	ba.done = &done;
	if (pthread_create(&th, NULL, raw_back, &ba)) {
		free(p.page);
		return -EAGAIN;
	}
	pin_self(pin ? 0 : -1);
	t0 = now_ns();
	while (p.received < n && !p.errors) {
		front_step(&p);
		cpu_relax();
	}
	t1 = now_ns();
	atomic_store(&done, true);
	pthread_join(th, NULL);
	if (pin) {
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	*rate = (double)n * 1e9 / (double)(t1 - t0);
	free(p.page);
	return p.errors ? -EIO : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int rounds = 5;
	uint64_t count = 2000000, qd = 32, spin_us = 20;
	bool pin = true;
	double raw[MAX_ROUNDS], blk[MAX_ROUNDS], spn[MAX_ROUNDS];
	double rb[MAX_ROUNDS], rs[MAX_ROUNDS];
	double nb = 0, ns = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--qd") && i + 1 < argc)
			qd = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--spin-us") && i + 1 < argc)
			spin_us = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--no-pin"))
			pin = false;
		else {
			fprintf(stderr, "usage: %s [--rounds N] [--count N] "
				"[--qd N] [--spin-us N] [--no-pin]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || qd < 1 || count < 1) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}

	for (int r = 0; r < rounds; r++) {
		double nf = 0;
		int err = run_raw(count, qd, pin, &raw[r]);

		if (!err)
			err = run_rt(count, qd, 0, pin, &blk[r], &nf);
		nb += nf;
		if (!err)
			err = run_rt(count, qd, spin_us * 1000, pin, &spn[r],
				     &nf);
		ns += nf;
		if (err) {
			fprintf(stderr, "round %d failed: %s\n", r,
				strerror(-err));
			return 1;
		}
		rb[r] = blk[r] / raw[r];
		rs[r] = spn[r] / raw[r];
		printf("round %d: raw %.3f M/s  block %.3f M/s (%.3fx)  "
		       "spin %.3f M/s (%.3fx)\n", r, raw[r] / 1e6,
		       blk[r] / 1e6, rb[r], spn[r] / 1e6, rs[r]);
	}
	printf("qd %llu, %llu requests/run, %d rounds, pinned: %s\n",
	       (unsigned long long)qd, (unsigned long long)count, rounds,
	       pin ? "yes" : "no");
	printf("median raw busy-poll     %10.3f M req/s\n",
	       median(raw, rounds) / 1e6);
	printf("median runtime block     %10.3f M req/s  ratio %.3fx  "
	       "notifications/req %.5f\n", median(blk, rounds) / 1e6,
	       median(rb, rounds), nb / rounds);
	printf("median runtime spin %3llu us %10.3f M req/s  ratio %.3fx  "
	       "notifications/req %.5f\n", (unsigned long long)spin_us,
	       median(spn, rounds) / 1e6, median(rs, rounds), ns / rounds);
	return 0;
}
