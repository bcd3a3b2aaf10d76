/* SPDX-License-Identifier: MIT */
/*
 * Real driver: one thread per vCPU, CLOCK_MONOTONIC, epoll.
 *
 * Each vCPU thread owns an epoll set holding an eventfd (cross-thread
 * kicks), a timerfd (the earliest actor timer of that vCPU) and every fd
 * its actors watch (level-triggered). Runnable actors sit in a FIFO under
 * the vCPU's mutex; a kicker writes the eventfd only when the thread said
 * it is about to block, so a busy or spinning thread gets no syscalls.
 *
 * xf_rt_run() returns on xf_rt_stop(), at until_ns (CLOCK_MONOTONIC), or
 * when nothing is queued, running or armed and no fd is watched. With a
 * watched fd the runtime cannot know whether a peer will still write, so
 * it runs until stop or until_ns.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "rt_private.h"

#define RT_THEAP_NONE UINT32_MAX
#define RT_EPOLL_BATCH 64

/* The vCPU whose thread is running this code, if any. */
static _Thread_local struct real_vcpu *tls_vcpu;

/* epoll tags for the two runtime-owned fds; anything else is a watch. */
static char tag_evfd, tag_tfd;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool stopping(const struct xf_rt *rt)
{
	return atomic_load_explicit(&rt->stop, memory_order_relaxed);
}

static void wake_vcpu(struct real_vcpu *v)
{
	uint64_t one = 1;

	/* EAGAIN would mean the counter is saturated: already readable. */
	if (write(v->evfd, &one, sizeof(one)) < 0)
		return;
}

static void notify_main(struct xf_rt *rt)
{
	pthread_mutex_lock(&rt->main_lock);
	pthread_cond_broadcast(&rt->main_cond);
	pthread_mutex_unlock(&rt->main_lock);
}

static void work_inc(struct xf_rt *rt)
{
	atomic_fetch_add(&rt->work, 1);
}

/* Every increment that hands work on (a run kicking another actor, a
 * timer turning into a kick) happens before the matching decrement, so
 * zero is only reached when the whole runtime is idle. */
static void work_dec(struct xf_rt *rt)
{
	if (atomic_fetch_sub(&rt->work, 1) == 1 &&
	    atomic_load(&rt->total_watches) == 0)
		notify_main(rt);
}

void real_stop(struct xf_rt *rt)
{
	for (unsigned int i = 0; i < rt->cfg.nr_vcpus; i++)
		wake_vcpu(&rt->vcpus[i]);
	notify_main(rt);
}

static void request_stop(struct xf_rt *rt)
{
	atomic_store(&rt->stop, true);
	real_stop(rt);
}

/* ---- timer min-heap (under v->lock) ---- */

static void theap_set(struct real_vcpu *v, size_t i, struct rt_actor *ra)
{
	v->theap[i] = ra;
	ra->theap_idx = (uint32_t)i;
}

static void theap_up(struct real_vcpu *v, size_t i)
{
	struct rt_actor *ra = v->theap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (v->theap[p]->timer_ns <= ra->timer_ns)
			break;
		theap_set(v, i, v->theap[p]);
		i = p;
	}
	theap_set(v, i, ra);
}

static void theap_down(struct real_vcpu *v, size_t i)
{
	struct rt_actor *ra = v->theap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		uint64_t best = ra->timer_ns;

		if (l < v->theap_nr && v->theap[l]->timer_ns < best) {
			m = l;
			best = v->theap[l]->timer_ns;
		}
		if (r < v->theap_nr && v->theap[r]->timer_ns < best)
			m = r;
		if (m == i)
			break;
		theap_set(v, i, v->theap[m]);
		i = m;
	}
	theap_set(v, i, ra);
}

static void theap_remove(struct real_vcpu *v, struct rt_actor *ra)
{
	size_t i = ra->theap_idx;
	struct rt_actor *last;

	if (i == RT_THEAP_NONE)
		return;
	ra->theap_idx = RT_THEAP_NONE;
	last = v->theap[--v->theap_nr];
	if (i == v->theap_nr)
		return;
	theap_set(v, i, last);
	if (i > 0 && v->theap[(i - 1) / 2]->timer_ns > last->timer_ns)
		theap_up(v, i);
	else
		theap_down(v, i);
}

static void update_next_timer(struct real_vcpu *v)
{
	atomic_store_explicit(&v->next_timer, v->theap_nr ?
			      v->theap[0]->timer_ns : UINT64_MAX,
			      memory_order_relaxed);
}

/* ---- set-up ---- */

int real_init(struct xf_rt *rt)
{
	unsigned int n = rt->cfg.nr_vcpus;
	pthread_condattr_t ca;
	int err = 0;

	rt->vcpus = calloc(n, sizeof(*rt->vcpus));
	if (!rt->vcpus)
		return -ENOMEM;
	pthread_mutex_init(&rt->main_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rt->main_cond, &ca);
	pthread_condattr_destroy(&ca);

	for (unsigned int i = 0; i < n; i++) {
		struct real_vcpu *v = &rt->vcpus[i];

		v->rt = rt;
		v->id = i;
		v->epfd = v->evfd = v->tfd = -1;
		pthread_mutex_init(&v->lock, NULL);
		atomic_init(&v->next_timer, UINT64_MAX);
	}
	for (unsigned int i = 0; i < n && !err; i++) {
		struct real_vcpu *v = &rt->vcpus[i];
		struct epoll_event ev = { .events = EPOLLIN };

		v->epfd = epoll_create1(EPOLL_CLOEXEC);
		v->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		v->tfd = timerfd_create(CLOCK_MONOTONIC,
					TFD_NONBLOCK | TFD_CLOEXEC);
		if (v->epfd < 0 || v->evfd < 0 || v->tfd < 0) {
			err = -errno;
			break;
		}
		ev.data.ptr = &tag_evfd;
		if (epoll_ctl(v->epfd, EPOLL_CTL_ADD, v->evfd, &ev) < 0) {
			err = -errno;
			break;
		}
		ev.data.ptr = &tag_tfd;
		if (epoll_ctl(v->epfd, EPOLL_CTL_ADD, v->tfd, &ev) < 0)
			err = -errno;
	}
	if (err)
		real_fini(rt);
	return err;
}

void real_fini(struct xf_rt *rt)
{
	if (!rt->vcpus)
		return;
	for (unsigned int i = 0; i < rt->cfg.nr_vcpus; i++) {
		struct real_vcpu *v = &rt->vcpus[i];

		if (v->epfd >= 0)
			close(v->epfd);
		if (v->evfd >= 0)
			close(v->evfd);
		if (v->tfd >= 0)
			close(v->tfd);
		pthread_mutex_destroy(&v->lock);
		free(v->theap);
	}
	free(rt->vcpus);
	rt->vcpus = NULL;
	pthread_cond_destroy(&rt->main_cond);
	pthread_mutex_destroy(&rt->main_lock);
}

/* ---- actors ---- */

void real_actor_init(struct rt_actor *ra)
{
	ra->timer_ns = UINT64_MAX;
	ra->theap_idx = RT_THEAP_NONE;
}

/* Reserve a timer-heap slot so arming a timer never allocates. */
int real_actor_add(struct xf_rt *rt, struct rt_actor *ra, unsigned int vcpu)
{
	struct real_vcpu *v = &rt->vcpus[vcpu];
	int err = 0;

	(void)ra;
	pthread_mutex_lock(&v->lock);
	if (v->nr_actors + 1 > v->theap_cap) {
		size_t ncap = v->theap_cap ? v->theap_cap * 2 : 16;
		struct rt_actor **h = realloc(v->theap, ncap * sizeof(*h));

		if (h) {
			v->theap = h;
			v->theap_cap = ncap;
		} else {
			err = -ENOMEM;
		}
	}
	if (!err)
		v->nr_actors++;
	pthread_mutex_unlock(&v->lock);
	return err;
}

/* Returns true when the caller must write the eventfd. */
static bool enqueue_locked(struct xf_rt *rt, struct real_vcpu *v,
			   struct rt_actor *ra)
{
	bool wake;

	if (ra->queued)
		return false;
	ra->queued = true;
	XF_FIFO_PUSH(&v->runq, ra, next);
	atomic_fetch_add_explicit(&v->nr_runnable, 1, memory_order_relaxed);
	work_inc(rt);
	/* One waker is enough: clear the flag so later kickers skip the
	 * write while the thread is on its way out of epoll_wait. */
	wake = v->sleeping;
	v->sleeping = false;
	return wake;
}

void real_kick(struct xf_rt *rt, struct rt_actor *ra)
{
	struct real_vcpu *v = &rt->vcpus[ra->a->vcpu];
	bool wake;

	pthread_mutex_lock(&v->lock);
	wake = enqueue_locked(rt, v, ra);
	pthread_mutex_unlock(&v->lock);
	if (wake)
		wake_vcpu(v);
}

void real_set_timer(struct xf_rt *rt, struct rt_actor *ra, uint64_t when)
{
	struct real_vcpu *v = &rt->vcpus[ra->a->vcpu];
	bool was_armed, wake = false;

	pthread_mutex_lock(&v->lock);
	was_armed = ra->theap_idx != RT_THEAP_NONE;
	theap_remove(v, ra);
	ra->timer_ns = when;
	if (when != UINT64_MAX) {
		if (!was_armed)
			work_inc(rt);
		theap_set(v, v->theap_nr++, ra);
		theap_up(v, v->theap_nr - 1);
	}
	update_next_timer(v);
	/* A sleeping thread must re-arm its timerfd for the new minimum. */
	if (tls_vcpu != v && v->sleeping) {
		v->sleeping = false;
		wake = true;
	}
	pthread_mutex_unlock(&v->lock);
	if (wake)
		wake_vcpu(v);
	if (was_armed && when == UINT64_MAX)
		work_dec(rt);
}

void real_actor_remove(struct xf_rt *rt, struct rt_actor *ra)
{
	struct real_vcpu *v = &rt->vcpus[ra->a->vcpu];
	unsigned int dec = 0;

	pthread_mutex_lock(&v->lock);
	if (ra->queued) {
		XF_FIFO_REMOVE(&v->runq, ra, next);
		ra->queued = false;
		atomic_fetch_sub_explicit(&v->nr_runnable, 1,
					  memory_order_relaxed);
		dec++;
	}
	if (ra->theap_idx != RT_THEAP_NONE) {
		theap_remove(v, ra);
		update_next_timer(v);
		dec++;
	}
	v->nr_actors--;
	pthread_mutex_unlock(&v->lock);

	while (ra->nr_watches)
		real_unwatch_fd(rt, ra, ra->watches[ra->nr_watches - 1]->fd);
	while (dec--)
		work_dec(rt);
}

int real_watch_fd(struct xf_rt *rt, struct rt_actor *ra, int fd)
{
	struct real_vcpu *v = &rt->vcpus[ra->a->vcpu];
	struct epoll_event ev = { .events = EPOLLIN };
	struct rt_watch *w;

	if (ra->nr_watches == ra->cap_watches) {
		unsigned int ncap = ra->cap_watches ? ra->cap_watches * 2 : 4;
		struct rt_watch **arr = realloc(ra->watches,
						ncap * sizeof(*arr));

		if (!arr)
			return -ENOMEM;
		ra->watches = arr;
		ra->cap_watches = ncap;
	}
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ra = ra;
	w->fd = fd;
	ev.data.ptr = w;
	if (epoll_ctl(v->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	ra->watches[ra->nr_watches++] = w;
	atomic_fetch_add(&v->nr_watches, 1);
	atomic_fetch_add(&rt->total_watches, 1);
	return 0;
}

/* Called from the actor's own vCPU thread (or with the runtime stopped):
 * that thread has finished with the epoll events that may point at w
 * before it runs any actor, so freeing w here is safe. */
int real_unwatch_fd(struct xf_rt *rt, struct rt_actor *ra, int fd)
{
	struct real_vcpu *v = &rt->vcpus[ra->a->vcpu];

	for (unsigned int i = 0; i < ra->nr_watches; i++) {
		struct rt_watch *w = ra->watches[i];

		if (w->fd != fd)
			continue;
		/* EBADF/ENOENT: the fd was closed already, which removed it
		 * from the epoll set; the record still has to go. */
		epoll_ctl(v->epfd, EPOLL_CTL_DEL, fd, NULL);
		free(w);
		ra->watches[i] = ra->watches[--ra->nr_watches];
		atomic_fetch_sub(&v->nr_watches, 1);
		if (atomic_fetch_sub(&rt->total_watches, 1) == 1 &&
		    atomic_load(&rt->work) == 0)
			notify_main(rt);
		return 0;
	}
	return -ENOENT;
}

void real_charge(struct xf_rt *rt, uint64_t cost_ns)
{
	struct real_vcpu *v = tls_vcpu;
	uint64_t end = real_now() + cost_ns;

	while (real_now() < end)
		cpu_relax();
	if (v && v->rt == rt)
		rt_stat_add(&rt->stats[v->id].busy_ns, cost_ns);
}

/* ---- the vCPU thread ---- */

static void fire_timers(struct xf_rt *rt, struct real_vcpu *v)
{
	uint64_t now;
	unsigned int fired = 0;

	if (atomic_load_explicit(&v->next_timer, memory_order_relaxed) ==
	    UINT64_MAX)
		return;
	now = real_now();
	pthread_mutex_lock(&v->lock);
	while (v->theap_nr && v->theap[0]->timer_ns <= now) {
		struct rt_actor *ra = v->theap[0];

		theap_remove(v, ra);
		ra->timer_ns = UINT64_MAX;
		enqueue_locked(rt, v, ra);
		fired++;
	}
	update_next_timer(v);
	pthread_mutex_unlock(&v->lock);
	while (fired--)
		work_dec(rt);
}

static void run_batch(struct xf_rt *rt, struct real_vcpu *v)
{
	unsigned int n = atomic_load_explicit(&v->nr_runnable,
					      memory_order_relaxed);

	/* Bounded by the count at entry so that fds and timers are looked
	 * at between batches even when actors keep kicking each other. */
	while (n-- > 0 && !stopping(rt)) {
		struct rt_actor *ra;
		struct xf_actor *a;

		pthread_mutex_lock(&v->lock);
		ra = XF_FIFO_POP(&v->runq, next);
		if (!ra) {
			pthread_mutex_unlock(&v->lock);
			break;
		}
		/* Cleared before run() so a kick during run() queues it
		 * again instead of being lost. */
		ra->queued = false;
		atomic_fetch_sub_explicit(&v->nr_runnable, 1,
					  memory_order_relaxed);
		pthread_mutex_unlock(&v->lock);

		a = ra->a;
		a->ops->run(a);
		rt_stat_add(&rt->stats[v->id].runs, 1);
		work_dec(rt);
	}
}

static int handle_events(struct xf_rt *rt, struct real_vcpu *v, int timeout)
{
	struct epoll_event evs[RT_EPOLL_BATCH];
	int n = epoll_wait(v->epfd, evs, RT_EPOLL_BATCH, timeout);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;
		uint64_t cnt;

		if (p == &tag_evfd) {
			if (read(v->evfd, &cnt, sizeof(cnt)) < 0)
				continue; /* EAGAIN: drained already */
		} else if (p == &tag_tfd) {
			if (read(v->tfd, &cnt, sizeof(cnt)) < 0)
				continue;
			v->tfd_armed = 0;
		} else {
			struct rt_watch *w = p;

			pthread_mutex_lock(&v->lock);
			enqueue_locked(rt, v, w->ra);
			pthread_mutex_unlock(&v->lock);
		}
	}
	return 0;
}

static int arm_timerfd(struct real_vcpu *v, uint64_t next)
{
	struct itimerspec its = { 0 };

	if (next == v->tfd_armed)
		return 0;
	if (next != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
	}
	if (timerfd_settime(v->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	v->tfd_armed = next;
	return 0;
}

/* Polls without blocking for up to spin_before_block_ns; a kicker sees
 * sleeping == false meanwhile and does not write the eventfd. */
static int spin_wait(struct xf_rt *rt, struct real_vcpu *v)
{
	uint64_t deadline = real_now() + rt->cfg.spin_before_block_ns;
	int err = 0;

	while (!stopping(rt) && !err) {
		uint64_t now;

		if (atomic_load_explicit(&v->nr_runnable,
					 memory_order_relaxed))
			break;
		now = real_now();
		if (atomic_load_explicit(&v->next_timer,
					 memory_order_relaxed) <= now)
			break;
		if (now >= deadline)
			break;
		if (atomic_load_explicit(&v->nr_watches, memory_order_relaxed))
			err = handle_events(rt, v, 0);
		cpu_relax();
	}
	return err;
}

static int block_wait(struct xf_rt *rt, struct real_vcpu *v)
{
	uint64_t next;
	int err;

	pthread_mutex_lock(&v->lock);
	if (!XF_FIFO_EMPTY(&v->runq) || stopping(rt)) {
		pthread_mutex_unlock(&v->lock);
		return 0;
	}
	v->sleeping = true;
	next = v->theap_nr ? v->theap[0]->timer_ns : UINT64_MAX;
	pthread_mutex_unlock(&v->lock);

	err = arm_timerfd(v, next);
	if (!err && (next == UINT64_MAX || next > real_now()))
		err = handle_events(rt, v, -1);

	pthread_mutex_lock(&v->lock);
	v->sleeping = false;
	pthread_mutex_unlock(&v->lock);
	return err;
}

static void *vcpu_thread(void *arg)
{
	struct real_vcpu *v = arg;
	struct xf_rt *rt = v->rt;
	int pin = rt->cfg.pin_cpu[v->id];
	uint64_t start;
	int err = 0;

	tls_vcpu = v;
	if (pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			v->err = -errno;
			request_stop(rt);
			tls_vcpu = NULL;
			return NULL;
		}
	}
	start = real_now();
	while (!stopping(rt) && !err) {
		fire_timers(rt, v);
		if (atomic_load_explicit(&v->nr_runnable,
					 memory_order_relaxed)) {
			run_batch(rt, v);
			if (atomic_load_explicit(&v->nr_watches,
						 memory_order_relaxed))
				err = handle_events(rt, v, 0);
			continue;
		}
		if (rt->cfg.spin_before_block_ns) {
			err = spin_wait(rt, v);
			if (err || atomic_load_explicit(&v->nr_runnable,
							memory_order_relaxed))
				continue;
		}
		err = block_wait(rt, v);
	}
	rt_stat_add(&rt->stats[v->id].wall_ns, real_now() - start);
	if (err) {
		v->err = err;
		request_stop(rt);
	}
	tls_vcpu = NULL;
	return NULL;
}

int real_run(struct xf_rt *rt, uint64_t until_ns)
{
	unsigned int n = rt->cfg.nr_vcpus;
	int err = 0;

	if (tls_vcpu)
		return -EBUSY; /* no nested xf_rt_run() from inside run() */
	for (unsigned int i = 0; i < n; i++) {
		struct real_vcpu *v = &rt->vcpus[i];
		int ret;

		v->err = 0;
		v->started = false;
		ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (ret) {
			err = -ret;
			request_stop(rt);
			break;
		}
		v->started = true;
	}

	pthread_mutex_lock(&rt->main_lock);
	while (!stopping(rt)) {
		struct timespec ts;

		if (atomic_load(&rt->work) == 0 &&
		    atomic_load(&rt->total_watches) == 0)
			break;
		if (until_ns == UINT64_MAX) {
			pthread_cond_wait(&rt->main_cond, &rt->main_lock);
			continue;
		}
		if (real_now() >= until_ns)
			break;
		ts.tv_sec = (time_t)(until_ns / 1000000000ull);
		ts.tv_nsec = (long)(until_ns % 1000000000ull);
		pthread_cond_timedwait(&rt->main_cond, &rt->main_lock, &ts);
	}
	pthread_mutex_unlock(&rt->main_lock);

	request_stop(rt);
	for (unsigned int i = 0; i < n; i++) {
		struct real_vcpu *v = &rt->vcpus[i];

		if (!v->started)
			continue;
		pthread_join(v->thread, NULL);
		v->started = false;
		if (!err && v->err)
			err = v->err;
	}
	return err;
}
