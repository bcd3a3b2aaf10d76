// SPDX-License-Identifier: MIT
/*
 * The netfront callbacks of every vif, and what they account: each
 * flow's completions exactly once, arrivals at the receiver, and from
 * those whether a finished flow has drained.
 *
 * Drain: netback answers a TX request before the frame has crossed the
 * switch, so a flow whose every frame is completed still has frames on
 * the way. A flow counts as active until it is drained: every payload
 * byte the backend accepted has reached the receiver (good or bad), or
 * the receiver has seen the end of the last accepted frame, or one of
 * the flow's drain probes (a frame without payload sent after the last
 * completion). The path is FIFO per flow (one TX queue by flow hash, one
 * latency queue, the switch, one RX queue by flow hash), so either of
 * the last two proves that every earlier frame arrived or was dropped on
 * the way; what did not arrive then is lost, explained by the drop
 * counters on the path or a vif move. Probes are only sent when the
 * last frame does not show up within a probe timeout (a lost tail), with
 * exponential backoff. At the deadline, what has neither arrived nor been
 * shown lost is reported as in flight.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

/* Records one completion of a flow's frame; a second one for the same
 * frame, or one for a frame the stream never had, is counted, never
 * hidden (one for a frame not yet counted as sent is sorted out at the
 * end: the completion may overtake the sender's count). Under the lock. */
static void flow_done(struct eng_flow *f, uint64_t frame, int status)
{
	uint64_t off;
	uint32_t len;

	if (xf_traffic_gen_frame_range(f->gen, frame, &off, &len)) {
		f->unknown++;
		return;
	}
	if (frame >= f->map_bits) {
		uint64_t bits = f->map_bits ? f->map_bits : 4096;
		uint8_t *m;

		while (bits <= frame)
			bits *= 2;
		m = realloc(f->done_map, (size_t)(bits / 8));
		if (!m) {
			f->unknown++;
			return;
		}
		memset(m + f->map_bits / 8, 0,
		       (size_t)((bits - f->map_bits) / 8));
		f->done_map = m;
		f->map_bits = bits;
	}
	if (f->done_map[frame / 8] & (1u << (frame % 8))) {
		f->dup++;
		return;
	}
	f->done_map[frame / 8] |= (uint8_t)(1u << (frame % 8));
	f->completed++;
	if (status == 0) {
		/* Accepted by the backend: these bytes are on the way. */
		f->done_ok++;
		f->ok_bytes += len;
		if (off + len > f->ok_end)
			f->ok_end = off + len;
		return;
	}
	f->err_bytes += len;
	if (status == -EIO)
		f->done_eio++;
	else if (status == -EMSGSIZE)
		f->done_emsgsize++;
	else
		f->done_other++;
}

bool eng_vif_receiver_down(struct eng_vif *v)
{
	enum xf_netfront_state st = xf_netfront_state(v->nf);

	return !atomic_load(&v->moving) &&
	       (st == XF_NETFRONT_ERROR || st == XF_NETFRONT_CLOSED);
}

/* See the top of the file. */
bool eng_flow_check_drained(struct eng_flow *f)
{
	struct eng_net *n = net(f->e);
	struct xf_traffic_rx_flow_stats rs = { 0 };
	bool d, first = false;

	if (atomic_load(&f->drained))
		return true;
	if (!atomic_load(&f->finished))
		return false;
	pthread_mutex_lock(&f->to->rx_lock);
	xf_traffic_rx_flow_stats(f->to->rx, f->fl.id, &rs);
	pthread_mutex_unlock(&f->to->rx_lock);
	pthread_mutex_lock(&n->lock);
	d = f->unreachable || f->ok_bytes == 0 || rs.resolved >= f->ok_end ||
	    rs.payload_bytes + rs.bad_bytes >= f->ok_bytes ||
	    eng_vif_receiver_down(f->to);
	if (d && !atomic_load(&f->drained)) {
		f->drained_ns = xf_rt_now_ns(f->e->rt);
		atomic_store(&f->drained, true);
		first = true;
	}
	pthread_mutex_unlock(&n->lock);
	if (first)
		xf_actor_kick(&f->e->ctl);
	return d;
}

static void nf_tx_done(void *opaque, uint64_t cookie, int status)
{
	struct eng_vif *v = opaque;
	struct eng_net *n = net(v->e);
	uint64_t fi = cookie >> FLOW_COOKIE_SHIFT;

	if (!n)
		return;
	/* Each flow's generator numbers its frames under its own cookie
	 * base; completions are checked per flow, exactly once. A probe's
	 * completion only lets its flow go on. */
	if (fi >= 1 && fi <= n->nflows && n->flows[fi - 1].from == v &&
	    !(cookie & FLOW_PROBE_BIT)) {
		pthread_mutex_lock(&n->lock);
		flow_done(&n->flows[fi - 1], cookie & (FLOW_PROBE_BIT - 1),
			  status);
		pthread_mutex_unlock(&n->lock);
		atomic_fetch_sub(&v->inflight, 1);
	}
	for (unsigned int i = 0; i < n->nflows; i++)
		if (n->flows[i].from == v)
			xf_actor_kick(&n->flows[i].actor);
}

static void nf_rx(void *opaque, const struct xf_net_rx_frame *fr)
{
	struct eng_vif *v = opaque;
	struct eng_net *n = net(v->e);

	atomic_fetch_add_explicit(&v->rx_bytes, fr->len,
				  memory_order_relaxed);
	if (!v->rx)
		return;
	pthread_mutex_lock(&v->rx_lock);
	xf_traffic_rx_frame(v->rx, fr->data, fr->len, fr->flags,
			    fr->gso_size, xf_rt_now_ns(v->e->rt));
	pthread_mutex_unlock(&v->rx_lock);
	/* The frame may open a flow's window, or be the one a finished
	 * flow waits for. */
	for (unsigned int i = 0; n && i < n->nflows; i++) {
		struct eng_flow *f = &n->flows[i];

		if (f->to != v)
			continue;
		if (atomic_load(&f->wnd_blocked))
			xf_actor_kick(&f->actor);
		if (atomic_load(&f->finished) && !atomic_load(&f->drained))
			eng_flow_check_drained(f);
	}
}

static void nf_state(void *opaque, enum xf_netfront_state st)
{
	struct eng_vif *v = opaque;

	if (st == XF_NETFRONT_CONNECTED)
		atomic_store(&v->connected, true);
	xf_actor_kick(&v->e->ctl);
}

const struct xf_netfront_ops eng_nf_ops = {
	.tx_done = nf_tx_done,
	.rx = nf_rx,
	.state = nf_state,
};
