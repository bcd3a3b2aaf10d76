// SPDX-License-Identifier: MIT
/*
 * xfront's ring against Xen's own ring.h macros, same workload, same run,
 * interleaved (A B A B ...), printed as ratios: cross-core numbers on
 * virtual machines drift between placement regimes within seconds, so
 * only same-round ratios are comparable.
 *
 * Workload: a one-page blkif ring, a frontend issuing READs with one
 * segment up to --qd outstanding, a null backend answering each. Both
 * sides copy each peer-written slot once, as a hardened driver must.
 *
 *   xfront       xfront ring + blkif codec (zeroed slots, neutral form)
 *   xfront-ring  xfront ring, structs written in place as the Xen
 *                comparator does (the ring core's own cost)
 *   xen-macros   Xen's ring.h macros, barriers as Xen's tools define them
 *
 *   st    one thread alternating frontend and backend (no coherence
 *         traffic: the per-request software cost)
 *   poll  two pinned threads busy-polling (the cross-core ceiling)
 *
 * Usage: bench-ring [--mode st|poll|both] [--rounds N] [--count N]
 *                   [--qd N] [--no-pin]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xfront/ring.h>

#ifdef XF_HAVE_XEN_HEADERS
/* Latest interface; barriers as Xen's own tools define them on x86. */
#define __XEN_TOOLS__ 1
#define xen_barrier() __asm__ __volatile__("" ::: "memory")
#if defined(__x86_64__)
#define xen_mb() __asm__ __volatile__("lock addl $0, -32(%%rsp)" ::: "memory")
#else
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#define xen_rmb() xen_barrier()
#define xen_wmb() xen_barrier()
#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/ring.h>
#endif

#define MAX_ROUNDS 64

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	__asm__ __volatile__("" ::: "memory");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct run {
	void *page;
	uint64_t count, qd;
	bool pin;
	_Atomic uint64_t errors;
};

/* ------------------------------------------------------------------ */
/* xfront */

struct xf_side {
	struct xf_front_ring fr;
	struct xf_back_ring br;
	uint64_t sent, got;
	bool codec;
};

static void xf_front_raw(struct run *r, struct xf_side *s)
{
	struct xf_blkif_response rsp;
	int n;

	while (s->sent < r->count && s->sent - s->got < r->qd) {
		struct xf_blkif_request *q = xf_front_ring_next_request(&s->fr);

		q->operation = XF_BLKIF_OP_READ;
		q->nr_segments = 1;
		q->handle = 0;
		q->id = s->sent;
		q->sector_number = s->sent * 8;
		q->seg[0].gref = (xf_gref)s->sent;
		q->seg[0].first_sect = 0;
		q->seg[0].last_sect = 7;
		s->sent++;
	}
	xf_front_ring_push_requests(&s->fr);
	n = xf_front_ring_responses(&s->fr, NULL);
	if (n < 0)
		r->errors++;
	while (n-- > 0) {
		xf_front_ring_take_response(&s->fr, &rsp, sizeof(rsp));
		if (rsp.id != s->got++)
			r->errors++;
	}
}

static uint64_t xf_back_raw(struct run *r, struct xf_side *s)
{
	struct xf_blkif_request q;
	uint64_t done = 0;
	int n = xf_back_ring_requests(&s->br, NULL);

	if (n < 0)
		r->errors++;
	for (; n > 0; n--, done++) {
		struct xf_blkif_response *rsp;

		xf_back_ring_take_request(&s->br, &q, sizeof(q));
		rsp = xf_back_ring_next_response(&s->br);
		rsp->id = q.id;
		rsp->operation = q.operation;
		rsp->status = XF_BLKIF_RSP_OKAY;
	}
	if (done)
		xf_back_ring_push_responses(&s->br);
	return done;
}

static void xf_front_step(struct run *r, struct xf_side *s)
{
	struct xf_blkif_req q;
	uint8_t buf[sizeof(struct xf_blkif_response)];
	struct xf_blkif_rsp rsp;
	int n;

	if (!s->codec) {
		xf_front_raw(r, s);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.operation = XF_BLKIF_OP_READ;
	q.nr_segments = 1;
	q.seg[0].last_sect = 7;
	while (s->sent < r->count && s->sent - s->got < r->qd) {
		q.id = s->sent;
		q.sector_number = s->sent * 8;
		q.seg[0].gref = (xf_gref)s->sent;
		xf_blkif_encode_req(XF_BLKIF_ABI_X86_64,
				    xf_front_ring_next_request(&s->fr), &q);
		s->sent++;
	}
	xf_front_ring_push_requests(&s->fr);
	n = xf_front_ring_responses(&s->fr, NULL);
	if (n < 0)
		r->errors++;
	while (n-- > 0) {
		xf_front_ring_take_response(&s->fr, buf, sizeof(buf));
		xf_blkif_decode_rsp(XF_BLKIF_ABI_X86_64, buf, &rsp);
		if (rsp.id != s->got++)
			r->errors++;
	}
}

static uint64_t xf_back_step(struct run *r, struct xf_side *s)
{
	uint8_t buf[112];
	struct xf_blkif_req q;
	struct xf_blkif_rsp rsp = { .status = XF_BLKIF_RSP_OKAY };
	uint64_t done = 0;
	int n;

	if (!s->codec)
		return xf_back_raw(r, s);
	n = xf_back_ring_requests(&s->br, NULL);
	if (n < 0)
		r->errors++;
	for (; n > 0; n--, done++) {
		xf_back_ring_take_request(&s->br, buf, sizeof(buf));
		xf_blkif_decode_req(XF_BLKIF_ABI_X86_64, buf, &q);
		rsp.id = q.id;
		rsp.operation = q.operation;
		xf_blkif_encode_rsp(XF_BLKIF_ABI_X86_64,
				    xf_back_ring_next_response(&s->br), &rsp);
	}
	if (done)
		xf_back_ring_push_responses(&s->br);
	return done;
}

static void xf_setup(struct run *r, struct xf_side *s, bool codec)
{
	size_t slot = xf_blkif_slot_size(XF_BLKIF_ABI_X86_64);

	memset(s, 0, sizeof(*s));
	s->codec = codec;
	xf_sring_init(r->page, XF_PAGE_SIZE);
	xf_front_ring_attach(&s->fr, r->page, XF_PAGE_SIZE, slot, 0);
	xf_back_ring_attach(&s->br, r->page, XF_PAGE_SIZE, slot, 0);
}

static void xf_st(struct run *r, bool codec)
{
	struct xf_side s;

	xf_setup(r, &s, codec);
	while (s.got < r->count) {
		xf_front_step(r, &s);
		xf_back_step(r, &s);
	}
}

static void *xf_back_thread(void *arg)
{
	struct run *r = arg;
	struct xf_side *s = (struct xf_side *)(r + 1);
	uint64_t done = 0;

	if (r->pin)
		pin(1);
	while (done < r->count) {
		uint64_t n = xf_back_step(r, s);

		done += n;
		if (!n)
			cpu_relax();
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Xen's macros, the comparator */

#ifdef XF_HAVE_XEN_HEADERS
struct xen_side {
	blkif_front_ring_t fr;
	blkif_back_ring_t br;
	uint64_t sent, got;
};

static void xen_front_step(struct run *r, struct xen_side *s)
{
	int notify;
	RING_IDX rp, i;

	while (s->sent < r->count && s->sent - s->got < r->qd) {
		blkif_request_t *q = RING_GET_REQUEST(&s->fr,
						      s->fr.req_prod_pvt);

		q->operation = BLKIF_OP_READ;
		q->nr_segments = 1;
		q->handle = 0;
		q->id = s->sent;
		q->sector_number = s->sent * 8;
		q->seg[0].gref = (grant_ref_t)s->sent;
		q->seg[0].first_sect = 0;
		q->seg[0].last_sect = 7;
		s->fr.req_prod_pvt++;
		s->sent++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&s->fr, notify);
	(void)notify;
	rp = *(volatile RING_IDX *)&s->fr.sring->rsp_prod;
	xen_rmb();
	if (RING_RESPONSE_PROD_OVERFLOW(&s->fr, rp))
		r->errors++;
	for (i = s->fr.rsp_cons; i != rp; i++) {
		blkif_response_t rsp;

		RING_COPY_RESPONSE(&s->fr, i, &rsp);
		if (rsp.id != s->got++)
			r->errors++;
	}
	s->fr.rsp_cons = rp;
}

static uint64_t xen_back_step(struct run *r, struct xen_side *s)
{
	RING_IDX rp = *(volatile RING_IDX *)&s->br.sring->req_prod;
	uint64_t done = 0;
	int notify;

	xen_rmb();
	if (RING_REQUEST_PROD_OVERFLOW(&s->br, rp))
		r->errors++;
	while (s->br.req_cons != rp &&
	       !RING_REQUEST_CONS_OVERFLOW(&s->br, s->br.req_cons)) {
		blkif_request_t q;
		blkif_response_t *rsp;

		RING_COPY_REQUEST(&s->br, s->br.req_cons, &q);
		s->br.req_cons++;
		rsp = RING_GET_RESPONSE(&s->br, s->br.rsp_prod_pvt);
		rsp->id = q.id;
		rsp->operation = q.operation;
		rsp->status = BLKIF_RSP_OKAY;
		s->br.rsp_prod_pvt++;
		done++;
	}
	if (done)
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&s->br, notify);
	(void)notify;
	return done;
}

static void xen_setup(struct run *r, struct xen_side *s)
{
	memset(s, 0, sizeof(*s));
	SHARED_RING_INIT((blkif_sring_t *)r->page);
	FRONT_RING_INIT(&s->fr, (blkif_sring_t *)r->page, XF_PAGE_SIZE);
	BACK_RING_INIT(&s->br, (blkif_sring_t *)r->page, XF_PAGE_SIZE);
}

static void xen_st(struct run *r)
{
	struct xen_side s;

	xen_setup(r, &s);
	while (s.got < r->count) {
		xen_front_step(r, &s);
		xen_back_step(r, &s);
	}
}

static void *xen_back_thread(void *arg)
{
	struct run *r = arg;
	struct xen_side *s = (struct xen_side *)(r + 1);
	uint64_t done = 0;

	if (r->pin)
		pin(1);
	while (done < r->count) {
		uint64_t n = xen_back_step(r, s);

		done += n;
		if (!n)
			cpu_relax();
	}
	return NULL;
}
#endif

/* ------------------------------------------------------------------ */

enum impl { IMPL_XF, IMPL_XF_RING, IMPL_XEN, NR_IMPL };

/* Requests per second for one implementation in one mode. Both sides'
 * state follows struct run in one allocation, so the backend thread
 * finds it without globals. */
static double measure(enum impl impl, bool poll, uint64_t count,
		      uint64_t qd, bool do_pin, uint64_t *errors)
{
	size_t side = 256;
	struct run *r = aligned_alloc(64, sizeof(*r) + side);
	void *page = aligned_alloc(XF_PAGE_SIZE, XF_PAGE_SIZE);
	uint64_t t0, t1;

	if (!r || !page) {
		free(r);
		free(page);
		return 0;
	}
	memset(r, 0, sizeof(*r) + side);
	memset(page, 0, XF_PAGE_SIZE);
	r->page = page;
	r->count = count;
	r->qd = qd;
	r->pin = do_pin;
	if (do_pin)
		pin(0);
	t0 = now_ns();
	if (impl == IMPL_XF || impl == IMPL_XF_RING) {
		_Static_assert(sizeof(struct xf_side) <= 256, "side");
		if (!poll) {
			xf_st(r, impl == IMPL_XF);
		} else {
			struct xf_side *s = (struct xf_side *)(r + 1);
			pthread_t th;

			xf_setup(r, s, impl == IMPL_XF);
			pthread_create(&th, NULL, xf_back_thread, r);
			while (s->got < count) {
				xf_front_step(r, s);
				cpu_relax();
			}
			pthread_join(th, NULL);
		}
	}
#ifdef XF_HAVE_XEN_HEADERS
	if (impl == IMPL_XEN) {
		_Static_assert(sizeof(struct xen_side) <= 256, "side");
		if (!poll) {
			xen_st(r);
		} else {
			struct xen_side *s = (struct xen_side *)(r + 1);
			pthread_t th;

			xen_setup(r, s);
			pthread_create(&th, NULL, xen_back_thread, r);
			while (s->got < count) {
				xen_front_step(r, s);
				cpu_relax();
			}
			pthread_join(th, NULL);
		}
	}
#endif
	t1 = now_ns();
	*errors += r->errors;
	free(r);
	free(page);
	return (double)count * 1e9 / (double)(t1 - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_mode(bool poll, unsigned int rounds, uint64_t count,
		    uint64_t qd, bool do_pin)
{
	static const char *const names[NR_IMPL] = {
		"xfront", "xfront-ring", "xen-macros",
	};
	double rate[NR_IMPL][MAX_ROUNDS], ratio[2][MAX_ROUNDS];
	uint64_t errors = 0;
	unsigned int i, k, nimpl = NR_IMPL;
	const char *name = poll ? "poll" : "st";

#ifndef XF_HAVE_XEN_HEADERS
	nimpl = IMPL_XEN; /* no comparator */
#endif
	for (i = 0; i < rounds; i++) {
		printf("%-4s round %2u:", name, i);
		/* Interleaved: each round measures every implementation. */
		for (k = 0; k < nimpl; k++) {
			rate[k][i] = measure((enum impl)k, poll, count, qd,
					     do_pin, &errors);
			printf("  %s %.2f M/s", names[k], rate[k][i] / 1e6);
		}
		if (nimpl == NR_IMPL) {
			ratio[0][i] = rate[IMPL_XF][i] / rate[IMPL_XEN][i];
			ratio[1][i] = rate[IMPL_XF_RING][i] / rate[IMPL_XEN][i];
			printf("  ratios %.3f %.3f", ratio[0][i], ratio[1][i]);
		}
		printf("\n");
	}
	printf("%-4s qd=%llu median req/s:", name, (unsigned long long)qd);
	for (k = 0; k < nimpl; k++)
		printf(" %s %.2f M", names[k], median(rate[k], rounds) / 1e6);
	if (nimpl == NR_IMPL)
		printf("; ratio vs xen-macros: xfront %.3f, xfront-ring %.3f\n",
		       median(ratio[0], rounds), median(ratio[1], rounds));
	else
		printf(" (no comparator: Xen headers absent)\n");
	if (errors) {
		fprintf(stderr, "bench-ring: %llu protocol errors\n",
			(unsigned long long)errors);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench-ring [--mode st|poll|both] [--rounds N] "
		"[--count N] [--qd N(1..32)] [--no-pin]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int rounds = 6;
	uint64_t count = 2000000, qd = 32;
	bool st = true, poll = true, do_pin = true;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-pin")) {
			do_pin = false;
			continue;
		}
		if (!v)
			return usage();
		i++;
		if (!strcmp(a, "--mode")) {
			st = !strcmp(v, "st") || !strcmp(v, "both");
			poll = !strcmp(v, "poll") || !strcmp(v, "both");
			if (!st && !poll)
				return usage();
		} else if (!strcmp(a, "--rounds")) {
			rounds = (unsigned int)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--count")) {
			count = strtoull(v, NULL, 10);
		} else if (!strcmp(a, "--qd")) {
			qd = strtoull(v, NULL, 10);
		} else {
			return usage();
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || count < 1 || qd < 1 ||
	    qd > xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, 0))
		return usage();
	if (st)
		rc |= run_mode(false, rounds, count, qd, do_pin);
	if (poll)
		rc |= run_mode(true, rounds, count, qd, do_pin);
	return rc;
}
