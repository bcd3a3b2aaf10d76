/* SPDX-License-Identifier: MIT */
/*
 * Wakeup hooks are collected while the hv lock is held and called after
 * it is dropped, so a hook may call back into the mock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "mock-private.h"

void mock_wakeq_init(struct mock_wakeq *q)
{
	q->n = 0;
	q->cap = MOCK_ARRAY_SIZE(q->buf);
	q->v = q->buf;
}

void mock_wakeq_add(struct mock_wakeq *q, xf_wakeup_fn fn, void *opaque)
{
	unsigned int i;

	if (!fn)
		return;
	/* One call per hook per operation is enough: the woken actor
	 * drains everything queued. */
	for (i = 0; i < q->n; i++)
		if (q->v[i].fn == fn && q->v[i].opaque == opaque)
			return;
	if (q->n == q->cap) {
		struct mock_wake *v = malloc(2 * q->cap * sizeof(*v));

		/* Out of memory: the eventfd still signals readiness. */
		if (!v)
			return;
		memcpy(v, q->v, q->n * sizeof(*v));
		if (q->v != q->buf)
			free(q->v);
		q->v = v;
		q->cap *= 2;
	}
	q->v[q->n].fn = fn;
	q->v[q->n].opaque = opaque;
	q->n++;
}

void mock_wakeq_run(struct mock_wakeq *q)
{
	unsigned int i;

	for (i = 0; i < q->n; i++)
		q->v[i].fn(q->v[i].opaque);
	if (q->v != q->buf)
		free(q->v);
	mock_wakeq_init(q);
}

int mock_efd_new(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void mock_efd_set(int fd)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter overflow, which needs 2^64 sets
	 * without a clear. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

void mock_efd_clear(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;
}
