/* SPDX-License-Identifier: MIT */
/* Mock event channels: pending/mask bits, coalescing, fd, hooks. */
#include <pthread.h>

#include "mock-fixture.h"
#include "xt.h"

static struct xf_evtch *fe, *be;
static xf_port fport, bport;

/* dom1 (frontend) allocates, dom0 (backend) binds. */
static void setup(void)
{
	fx_setup();
	evtchn_link(d1, &fe, &fport, d0, &be, &bport);
	/* Binding sets the binder's port pending (as Xen does). */
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert_int_eq(d0->evtchn->unmask(be, bport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
}

static void teardown(void)
{
	d1->evtchn->close(fe);
	d0->evtchn->close(be);
	fx_teardown();
}

START_TEST(bind_validates_port)
{
	struct xf_evtch *h2, *other;
	xf_port p, q;

	/* Already bound. */
	ck_assert_int_eq(d0->evtchn->bind_interdomain(be, 1, fport, &p),
			 -EINVAL);
	/* Allocated for dom0, not dom2. */
	ck_assert_int_eq(d1->evtchn->alloc_unbound(fe, 0, &p), 0);
	ck_assert_int_eq(d2->evtchn->open(d2, &h2), 0);
	ck_assert_int_eq(d2->evtchn->bind_interdomain(h2, 1, p, &q), -EINVAL);
	ck_assert_int_eq(d2->evtchn->bind_interdomain(h2, 1, 999, &q),
			 -EINVAL);
	ck_assert_int_eq(d2->evtchn->bind_interdomain(h2, 7, p, &q), -ESRCH);
	d2->evtchn->close(h2);
	/* A port of another handle is not ours to notify. */
	ck_assert_int_eq(d0->evtchn->open(d0, &other), 0);
	ck_assert_int_eq(d0->evtchn->notify(other, bport), -EINVAL);
	d0->evtchn->close(other);
}
END_TEST

START_TEST(notify_delivers_and_coalesces)
{
	struct xf_mock_stats st;

	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	st = stats_of(1);
	ck_assert_uint_eq(st.evtchn_notifies, 3);
	ck_assert_uint_eq(st.evtchn_coalesced, 2);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	ck_assert_uint_eq(stats_of(0).evtchn_delivered, 2);
	/* Backend to frontend works too. */
	ck_assert_int_eq(d0->evtchn->notify(be, bport), 0);
	ck_assert_int_eq(d1->evtchn->pending(fe), (int)fport);
}
END_TEST

START_TEST(masked_until_unmask)
{
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	/* Masked now: a notify sets pending but does not queue. */
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	ck_assert(!fd_readable(d0->evtchn->fd(be)));
	/* A second one while masked and pending coalesces. */
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(stats_of(1).evtchn_coalesced, 1);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	/* Unmask re-queues the pending port, once. */
	ck_assert_int_eq(d0->evtchn->unmask(be, bport), 0);
	ck_assert(fd_readable(d0->evtchn->fd(be)));
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	/* Unmask with nothing pending queues nothing. */
	ck_assert_int_eq(d0->evtchn->unmask(be, bport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	ck_assert_int_eq(d0->evtchn->unmask(be, 4000), -EINVAL);
}
END_TEST

START_TEST(eventfd_readable_while_queued)
{
	int fd = d0->evtchn->fd(be);

	ck_assert_int_ge(fd, 0);
	ck_assert(!fd_readable(fd));
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert(fd_readable(fd));
	/* Still readable until the queue is drained. */
	ck_assert(fd_readable(fd));
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert(!fd_readable(fd));
	ck_assert_int_eq(d0->evtchn->unmask(be, bport), 0);
	ck_assert(!fd_readable(fd));
}
END_TEST

START_TEST(wakeup_hook_called)
{
	struct wake_count wc = { 0 };

	ck_assert_int_eq(d0->evtchn->set_wakeup(be, count_wake, &wc), 0);
	ck_assert_uint_eq(wc.n, 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(wc.n, 1);
	/* Coalesced: nothing new queued, no wakeup needed. */
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(wc.n, 1);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(wc.n, 1);
	ck_assert_int_eq(d0->evtchn->unmask(be, bport), 0);
	ck_assert_uint_eq(wc.n, 2);
	/* Installing a hook while something is queued calls it. */
	wc.n = 0;
	ck_assert_int_eq(d0->evtchn->set_wakeup(be, count_wake, &wc), 0);
	ck_assert_uint_eq(wc.n, 1);
}
END_TEST

START_TEST(drop_next_loses_notifications)
{
	ck_assert_int_eq(xf_mock_evtchn_drop_next(hv, 1, fport, 2), 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), -EAGAIN);
	ck_assert_uint_eq(stats_of(1).evtchn_dropped, 2);
	ck_assert_uint_eq(stats_of(1).evtchn_notifies, 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)bport);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(hv, 1, 999, 1), -EINVAL);
	ck_assert_int_eq(xf_mock_evtchn_drop_next(hv, 5, fport, 1), -ESRCH);
}
END_TEST

START_TEST(unbind_makes_peer_unbound_and_rebindable)
{
	xf_port p;

	ck_assert_uint_eq(stats_of(~0u).evtchn_open_ports, 2);
	ck_assert_int_eq(d0->evtchn->unbind(be, bport), 0);
	ck_assert_uint_eq(stats_of(~0u).evtchn_open_ports, 1);
	/* Notify on the now-unbound port is dropped, as EVTCHNOP_send. */
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(stats_of(1).evtchn_notifies, 0);
	ck_assert_int_eq(d0->evtchn->unbind(be, bport), -EINVAL);
	/* A restarted backend can bind the same frontend port again. */
	ck_assert_int_eq(d0->evtchn->bind_interdomain(be, 1, fport, &p), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)p);
	ck_assert_int_eq(d0->evtchn->unmask(be, p), 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_int_eq(d0->evtchn->pending(be), (int)p);
}
END_TEST

START_TEST(close_handle_unbinds_ports)
{
	d0->evtchn->close(be);
	ck_assert_uint_eq(stats_of(0).evtchn_open_ports, 0);
	ck_assert_int_eq(d1->evtchn->notify(fe, fport), 0);
	ck_assert_uint_eq(stats_of(1).evtchn_notifies, 0);
	ck_assert_int_eq(d0->evtchn->open(d0, &be), 0);
}
END_TEST

/* Two threads hammer notify/pending/unmask in both directions. No
 * notification may be lost: after both stop, each side that was
 * notified after its last drain finds its port pending. */
struct stress {
	struct xf_platform *p;
	struct xf_evtch *h;
	xf_port port;
	unsigned int got;
};

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	unsigned int i;
	int r;

	for (i = 0; i < 20000; i++) {
		ck_assert_int_eq(s->p->evtchn->notify(s->h, s->port), 0);
		while ((r = s->p->evtchn->pending(s->h)) >= 0) {
			ck_assert_int_eq(r, (int)s->port);
			s->got++;
			ck_assert_int_eq(s->p->evtchn->unmask(s->h, s->port),
					 0);
		}
	}
	return NULL;
}

START_TEST(stress_two_threads_notify_pending)
{
	struct stress a = { d1, fe, fport, 0 }, b = { d0, be, bport, 0 };
	struct xf_mock_stats s1, s0;
	pthread_t ta, tb;
	int r;

	ck_assert_int_eq(pthread_create(&ta, NULL, stress_thread, &a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, stress_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	/* Whatever the last notify set pending must still be there. */
	while ((r = d0->evtchn->pending(be)) >= 0)
		b.got++;
	while ((r = d1->evtchn->pending(fe)) >= 0)
		a.got++;
	s1 = stats_of(1);
	s0 = stats_of(0);
	ck_assert_uint_eq(s1.evtchn_notifies, 20000);
	ck_assert_uint_eq(s0.evtchn_notifies, 20000);
	/* Every notify was either delivered on its own or coalesced. */
	ck_assert_uint_eq(b.got + s1.evtchn_coalesced, 20000);
	ck_assert_uint_eq(a.got + s0.evtchn_coalesced, 20000);
	ck_assert_uint_ge(b.got, 1);
	ck_assert_uint_ge(a.got, 1);
}
END_TEST

XT_SUITE("mock-evtchn")
{
	TCase *tc = xt_tcase_fixture("evtchn", setup, teardown, 60);

	tcase_add_test(tc, bind_validates_port);
	tcase_add_test(tc, notify_delivers_and_coalesces);
	tcase_add_test(tc, masked_until_unmask);
	tcase_add_test(tc, eventfd_readable_while_queued);
	tcase_add_test(tc, wakeup_hook_called);
	tcase_add_test(tc, drop_next_loses_notifications);
	tcase_add_test(tc, unbind_makes_peer_unbound_and_rebindable);
	tcase_add_test(tc, close_handle_unbinds_ports);
	tcase_add_test(tc, stress_two_threads_notify_pending);
}
