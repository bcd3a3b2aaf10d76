// SPDX-License-Identifier: MIT
/*
 * Interrupting a run from outside (the CLI's signal thread): the
 * runtime of the run in progress is stopped, and the run reports
 * -EINTR instead of a result, so a caller can keep what finished.
 */
#include <pthread.h>
#include <stdatomic.h>
#include "engine-priv.h"

static pthread_mutex_t cur_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xf_rt *cur_rt; /* the run in progress, under cur_lock */
static atomic_bool interrupted;

void xf_engine_interrupt(void)
{
	atomic_store(&interrupted, true);
	pthread_mutex_lock(&cur_lock);
	if (cur_rt)
		xf_rt_stop(cur_rt);
	pthread_mutex_unlock(&cur_lock);
}

bool xf_engine_interrupted(void)
{
	return atomic_load(&interrupted);
}

bool eng_interrupt_watch(struct xf_rt *rt)
{
	bool go;

	/* Checked under the lock: an interrupt between this check and
	 * xf_rt_run() still stops the run, since a stop requested before
	 * xf_rt_run() makes it return at once. */
	pthread_mutex_lock(&cur_lock);
	go = !atomic_load(&interrupted);
	cur_rt = go ? rt : NULL;
	pthread_mutex_unlock(&cur_lock);
	return go;
}

void eng_interrupt_unwatch(void)
{
	pthread_mutex_lock(&cur_lock);
	cur_rt = NULL;
	pthread_mutex_unlock(&cur_lock);
}
