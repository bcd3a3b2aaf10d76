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
 *   poll  two pinned threads busy-polling (the cross-core ceiling). Each
 *         round first measures a spinning cache-line ping-pong between
 *         the two CPUs; rounds where it exceeds 100 ns ran in a "far"
 *         host placement and are flagged and left out of the medians
 *         (unless every round was).
 *
 * --impl NAME runs one implementation only and prints its rate (for
 * instruction counting under callgrind, see callgrind.sh).
 *
 * Usage: bench-ring [--mode st|poll|both] [--impl all|xfront|xfront-ring|
 *                   xen-macros] [--rounds N] [--count N] [--qd N]
 *                   [--cpus A,B] [--no-pin]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xfront/ring.h>
#include <xfront/blkif.h>

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
#define CACHE_LINE 64
/* Spin ping-pong round trip above which a round counts as "far". */
#define FAR_RTT_NS 100.0

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

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct run {
	void *page;
	uint64_t count, qd;
	int front_cpu, back_cpu; /* -1: not pinned */
	_Atomic uint64_t errors;
	void *side;
};

/* ------------------------------------------------------------------ */
/* xfront. Frontend and backend state on separate cache lines, so that in
 * poll mode the two threads share only the ring page. */

struct xf_fside {
	struct xf_front_ring fr;
	uint64_t sent, got;
	bool codec;
} __attribute__((aligned(CACHE_LINE)));

struct xf_bside {
	struct xf_back_ring br;
	uint64_t done;
	bool codec;
} __attribute__((aligned(CACHE_LINE)));

struct xf_side {
	struct xf_fside f;
	struct xf_bside b;
};

static void xf_front_raw(struct run *r, struct xf_fside *s)
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

static uint64_t xf_back_raw(struct run *r, struct xf_bside *s)
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

static void xf_front_step(struct run *r, struct xf_fside *s)
{
	struct xf_blkif_req q;
	struct xf_blkif_response buf;
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
		xf_front_ring_take_response(&s->fr, &buf, sizeof(buf));
		xf_blkif_decode_rsp(XF_BLKIF_ABI_X86_64, &buf, &rsp);
		if (rsp.id != s->got++)
			r->errors++;
	}
}

static uint64_t xf_back_step(struct run *r, struct xf_bside *s)
{
	struct xf_blkif_request buf;
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
		xf_back_ring_take_request(&s->br, &buf, sizeof(buf));
		xf_blkif_decode_req(XF_BLKIF_ABI_X86_64, &buf, &q);
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
	s->f.codec = codec;
	s->b.codec = codec;
	xf_sring_init(r->page, XF_PAGE_SIZE);
	xf_front_ring_attach(&s->f.fr, r->page, XF_PAGE_SIZE, slot, 0);
	xf_back_ring_attach(&s->b.br, r->page, XF_PAGE_SIZE, slot, 0);
}

static void xf_st(struct run *r, struct xf_side *s)
{
	while (s->f.got < r->count) {
		xf_front_step(r, &s->f);
		xf_back_step(r, &s->b);
	}
}

static void *xf_back_thread(void *arg)
{
	struct run *r = arg;
	struct xf_bside *s = &((struct xf_side *)r->side)->b;

	pin(r->back_cpu);
	while (s->done < r->count) {
		uint64_t n = xf_back_step(r, s);

		s->done += n;
		if (!n)
			cpu_relax();
	}
	return NULL;
}

static void xf_poll_front(struct run *r, struct xf_side *s)
{
	while (s->f.got < r->count) {
		uint64_t got = s->f.got;

		xf_front_step(r, &s->f);
		if (s->f.got == got)
			cpu_relax();
	}
}

/* ------------------------------------------------------------------ */
/* Xen's macros, the comparator */

#ifdef XF_HAVE_XEN_HEADERS
struct xen_fside {
	blkif_front_ring_t fr;
	uint64_t sent, got;
} __attribute__((aligned(CACHE_LINE)));

struct xen_bside {
	blkif_back_ring_t br;
	uint64_t done;
} __attribute__((aligned(CACHE_LINE)));

struct xen_side {
	struct xen_fside f;
	struct xen_bside b;
};

static void xen_front_step(struct run *r, struct xen_fside *s)
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

static uint64_t xen_back_step(struct run *r, struct xen_bside *s)
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
	FRONT_RING_INIT(&s->f.fr, (blkif_sring_t *)r->page, XF_PAGE_SIZE);
	BACK_RING_INIT(&s->b.br, (blkif_sring_t *)r->page, XF_PAGE_SIZE);
}

static void xen_st(struct run *r, struct xen_side *s)
{
	while (s->f.got < r->count) {
		xen_front_step(r, &s->f);
		xen_back_step(r, &s->b);
	}
}

static void *xen_back_thread(void *arg)
{
	struct run *r = arg;
	struct xen_bside *s = &((struct xen_side *)r->side)->b;

	pin(r->back_cpu);
	while (s->done < r->count) {
		uint64_t n = xen_back_step(r, s);

		s->done += n;
		if (!n)
			cpu_relax();
	}
	return NULL;
}

static void xen_poll_front(struct run *r, struct xen_side *s)
{
	while (s->f.got < r->count) {
		uint64_t got = s->f.got;

		xen_front_step(r, &s->f);
		if (s->f.got == got)
			cpu_relax();
	}
}
#endif

/* ------------------------------------------------------------------ */

enum impl { IMPL_XF, IMPL_XF_RING, IMPL_XEN, NR_IMPL };

static const char *const impl_names[NR_IMPL] = {
	"xfront", "xfront-ring", "xen-macros",
};

struct opts {
	bool pin;
	int cpu[2];
	uint64_t count, qd;
	unsigned int rounds;
};

/* Requests per second for one implementation in one mode; 0 when it
 * could not run. */
static double measure(enum impl impl, bool poll, const struct opts *o,
		      uint64_t *errors)
{
	union {
		struct xf_side xf;
#ifdef XF_HAVE_XEN_HEADERS
		struct xen_side xen;
#endif
	} *side = aligned_alloc(CACHE_LINE, sizeof(*side));
	struct run r = {
		.count = o->count,
		.qd = o->qd,
		.front_cpu = o->pin ? o->cpu[0] : -1,
		.back_cpu = o->pin ? o->cpu[1] : -1,
	};
	pthread_t th;
	uint64_t t0, t1;

	r.page = aligned_alloc(XF_PAGE_SIZE, XF_PAGE_SIZE);
	r.side = side;
	if (!r.page || !side) {
		free(r.page);
		free(side);
		return 0;
	}
	memset(r.page, 0, XF_PAGE_SIZE);
	pin(r.front_cpu);
	if (impl == IMPL_XF || impl == IMPL_XF_RING)
		xf_setup(&r, &side->xf, impl == IMPL_XF);
#ifdef XF_HAVE_XEN_HEADERS
	else
		xen_setup(&r, &side->xen);
#endif
	t0 = now_ns();
	if (impl == IMPL_XF || impl == IMPL_XF_RING) {
		if (!poll) {
			xf_st(&r, &side->xf);
		} else {
			pthread_create(&th, NULL, xf_back_thread, &r);
			xf_poll_front(&r, &side->xf);
			pthread_join(th, NULL);
		}
	}
#ifdef XF_HAVE_XEN_HEADERS
	if (impl == IMPL_XEN) {
		if (!poll) {
			xen_st(&r, &side->xen);
		} else {
			pthread_create(&th, NULL, xen_back_thread, &r);
			xen_poll_front(&r, &side->xen);
			pthread_join(th, NULL);
		}
	}
#endif
	t1 = now_ns();
	*errors += r.errors;
	free(r.page);
	free(side);
	return (double)o->count * 1e9 / (double)(t1 - t0);
}

/* ------------------------------------------------------------------ */
/* Regime probe: mean round trip of one cache line bounced between the
 * two CPUs by spinning threads. */

struct probe {
	_Atomic uint64_t ball __attribute__((aligned(CACHE_LINE)));
	uint64_t trips;
	int cpu;
};

static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	uint64_t i;

	pin(p->cpu);
	for (i = 0; i < p->trips; i++) {
		while (atomic_load_explicit(&p->ball, memory_order_acquire) !=
		       2 * i + 1)
			cpu_relax();
		atomic_store_explicit(&p->ball, 2 * i + 2,
				      memory_order_release);
	}
	return NULL;
}

static double probe_rtt_ns(const struct opts *o)
{
	struct probe *p = aligned_alloc(CACHE_LINE, sizeof(*p));
	pthread_t th;
	uint64_t i, t0, t1;

	if (!p)
		return 0;
	memset(p, 0, sizeof(*p));
	p->trips = 20000;
	p->cpu = o->pin ? o->cpu[1] : -1;
	pin(o->pin ? o->cpu[0] : -1);
	pthread_create(&th, NULL, probe_thread, p);
	t0 = now_ns();
	for (i = 0; i < p->trips; i++) {
		atomic_store_explicit(&p->ball, 2 * i + 1,
				      memory_order_release);
		while (atomic_load_explicit(&p->ball, memory_order_acquire) !=
		       2 * i + 2)
			cpu_relax();
	}
	t1 = now_ns();
	pthread_join(th, NULL);
	free(p);
	return (double)(t1 - t0) / 20000.0;
}

/* ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[i] over the rounds with use[i] (all when none). */
static double median(const double *v, const bool *use, unsigned int n)
{
	double w[MAX_ROUNDS];
	unsigned int i, m = 0;

	for (i = 0; i < n; i++)
		if (use[i])
			w[m++] = v[i];
	if (m == 0) {
		memcpy(w, v, n * sizeof(*v));
		m = n;
	}
	qsort(w, m, sizeof(*w), cmp_double);
	return m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
}

static int run_mode(bool poll, int only, const struct opts *o)
{
	double rate[NR_IMPL][MAX_ROUNDS], ratio[2][MAX_ROUNDS];
	double rtt[MAX_ROUNDS];
	bool use[MAX_ROUNDS];
	uint64_t errors = 0;
	unsigned int i, k, nfar = 0;
	const char *name = poll ? "poll" : "st";
	bool have_cmp = false;

#ifdef XF_HAVE_XEN_HEADERS
	have_cmp = only < 0;
#else
	if (only == IMPL_XEN) {
		fprintf(stderr, "bench-ring: built without Xen headers\n");
		return 77;
	}
#endif
	for (i = 0; i < o->rounds; i++) {
		use[i] = true;
		printf("%-4s round %2u:", name, i);
		if (poll) {
			rtt[i] = probe_rtt_ns(o);
			use[i] = rtt[i] <= FAR_RTT_NS;
			nfar += !use[i];
			printf(" spin-rtt %.0f ns%s", rtt[i],
			       use[i] ? "" : " (far: excluded)");
		}
		/* Interleaved: each round measures every implementation, in
		 * the same order (A B C A B C ...). */
		for (k = 0; k < NR_IMPL; k++) {
			if ((only >= 0 && (int)k != only) ||
			    (k == IMPL_XEN && !have_cmp && only < 0))
				continue;
			rate[k][i] = measure((enum impl)k, poll, o, &errors);
			printf("  %s %.2f M/s", impl_names[k],
			       rate[k][i] / 1e6);
		}
		if (have_cmp) {
			ratio[0][i] = rate[IMPL_XF][i] / rate[IMPL_XEN][i];
			ratio[1][i] = rate[IMPL_XF_RING][i] /
				      rate[IMPL_XEN][i];
			printf("  ratios %.3f %.3f", ratio[0][i], ratio[1][i]);
		}
		printf("\n");
	}
	printf("%-4s qd=%llu median req/s", name, (unsigned long long)o->qd);
	if (poll)
		printf(" (%u of %u rounds far%s)", nfar, o->rounds,
		       nfar == o->rounds ? ", all used" : "");
	printf(":");
	for (k = 0; k < NR_IMPL; k++) {
		if ((only >= 0 && (int)k != only) ||
		    (k == IMPL_XEN && !have_cmp && only < 0))
			continue;
		printf(" %s %.2f M", impl_names[k],
		       median(rate[k], use, o->rounds) / 1e6);
	}
	if (have_cmp)
		printf("; ratio vs xen-macros: xfront %.3f, xfront-ring %.3f\n",
		       median(ratio[0], use, o->rounds),
		       median(ratio[1], use, o->rounds));
	else if (only < 0)
		printf(" (no comparator: Xen headers absent)\n");
	else
		printf("\n");
	if (errors) {
		fprintf(stderr, "bench-ring: %llu protocol errors\n",
			(unsigned long long)errors);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench-ring [--mode st|poll|both] "
		"[--impl all|xfront|xfront-ring|xen-macros]\n"
		"                  [--rounds N] [--count N] [--qd N(1..32)] "
		"[--cpus A,B] [--no-pin]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.pin = true, .cpu = { 0, 1 }, .count = 2000000, .qd = 32,
		.rounds = 6,
	};
	bool st = true, poll = true;
	int i, only = -1, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-pin")) {
			o.pin = false;
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
		} else if (!strcmp(a, "--impl")) {
			int k;

			only = -2;
			for (k = 0; k < NR_IMPL; k++)
				if (!strcmp(v, impl_names[k]))
					only = k;
			if (!strcmp(v, "all"))
				only = -1;
			if (only == -2)
				return usage();
		} else if (!strcmp(a, "--rounds")) {
			o.rounds = (unsigned int)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--count")) {
			o.count = strtoull(v, NULL, 10);
		} else if (!strcmp(a, "--qd")) {
			o.qd = strtoull(v, NULL, 10);
		} else if (!strcmp(a, "--cpus")) {
			if (sscanf(v, "%d,%d", &o.cpu[0], &o.cpu[1]) != 2 ||
			    o.cpu[0] < 0 || o.cpu[1] < 0)
				return usage();
		} else {
			return usage();
		}
	}
	if (o.rounds < 1 || o.rounds > MAX_ROUNDS || o.count < 1 ||
	    o.qd < 1 || o.qd > xf_blkif_ring_size(XF_BLKIF_ABI_X86_64, 0))
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (st)
		rc = run_mode(false, only, &o);
	if (poll && rc != 77)
		rc |= run_mode(true, only, &o);
	return rc;
}
