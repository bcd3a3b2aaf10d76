// SPDX-License-Identifier: MIT
/*
 * Reconnect time per disk: from the moment the frontend stopped serving
 * (it reported a disconnect, or its VM was resumed) to the first I/O
 * that completed successfully after it reported Connected again. A
 * Connected alone proves nothing: a frontend can believe it is
 * connected to a backend that serves other rings (an in-place resume
 * that wedged). Only with nothing in flight at Connected, nothing being
 * there to complete, does Connected end the reconnect. One still open
 * at the end of the run never completed, unless the frontend gave up
 * on it (connect timeout, unplug): its I/O then failed with a stated
 * error, which is not a hang (a late Connected still ends it as
 * usual). Every function runs with e->lock held.
 */
#include "engine-priv.h"

static uint64_t disk_inflight(const struct eng *e, const struct eng_disk *d)
{
	uint64_t n = 0;

	for (unsigned int k = 0; k < e->njobs; k++)
		if (e->jobs[k].d == d && e->jobs[k].wl)
			n += xf_wl_inflight(e->jobs[k].wl);
	return n;
}

static void rc_end(struct eng_disk *d, uint64_t now)
{
	if (now - d->rc_from_ns > d->max_reconnect_ns)
		d->max_reconnect_ns = now - d->rc_from_ns;
	d->rc_open = false;
}

void eng_reconnect_begin(struct eng_disk *d, uint64_t now)
{
	if (d->rc_open)
		return; /* the first loss of service counts */
	d->rc_open = true;
	d->rc_up = false;
	d->rc_gave_up = false;
	d->rc_from_ns = now;
}

void eng_reconnect_connected(struct eng *e, struct eng_disk *d,
			     uint64_t now)
{
	if (!d->rc_open)
		return;
	d->rc_up = true;
	if (!disk_inflight(e, d))
		rc_end(d, now);
}

void eng_reconnect_completed(struct eng_disk *d, uint64_t now)
{
	if (d->rc_open && d->rc_up)
		rc_end(d, now);
}

void eng_reconnect_gave_up(struct eng_disk *d)
{
	d->rc_gave_up = true;
}

bool eng_reconnect_never(const struct eng_disk *d)
{
	return d->rc_open && !d->rc_gave_up;
}
