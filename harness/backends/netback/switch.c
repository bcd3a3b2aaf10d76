/* SPDX-License-Identifier: MIT */
/* A learning Ethernet switch between mock vifs, and the loopback. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nb_priv.h"

int xf_nb_switch_new(struct xf_rt *rt, const struct xf_nb_switch_config *c,
		     struct xf_nb_switch **out)
{
	struct xf_nb_switch *sw;
	int rc;

	if (!rt || !out)
		return -EINVAL;
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return -ENOMEM;
	sw->rt = rt;
	pthread_mutex_init(&sw->lock, NULL);
	if (c && c->pcap_path) {
		rc = nb_pcap_open(c->pcap_path, &sw->pcap);
		if (rc < 0) {
			pthread_mutex_destroy(&sw->lock);
			free(sw);
			return rc;
		}
		sw->pcap_points = c->pcap_points ? c->pcap_points :
				  XF_NB_PCAP_TX | XF_NB_PCAP_RX;
	}
	*out = sw;
	return 0;
}

void xf_nb_switch_free(struct xf_nb_switch *sw)
{
	if (!sw)
		return;
	nb_pcap_close(sw->pcap);
	pthread_mutex_destroy(&sw->lock);
	free(sw);
}

void xf_nb_switch_stats(const struct xf_nb_switch *sw,
			struct xf_nb_switch_stats *out)
{
	struct xf_nb_switch *m = (struct xf_nb_switch *)sw;

	int perr = nb_pcap_sync(m->pcap);

	pthread_mutex_lock(&m->lock);
	*out = sw->st;
	pthread_mutex_unlock(&m->lock);
	out->pcap_error = perr;
}

int nb_switch_attach(struct xf_nb_switch *sw, struct xf_nb_vif *v)
{
	int rc = 0;

	pthread_mutex_lock(&sw->lock);
	if (sw->nr_ports >= NB_MAX_SWITCH_PORTS)
		rc = -ENOSPC;
	else
		sw->ports[sw->nr_ports++] = v;
	pthread_mutex_unlock(&sw->lock);
	return rc;
}

static unsigned int mac_slot(const uint8_t *mac)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h % NB_MAC_TABLE;
}

/* Backward-shift deletion: lookups stop at the first free slot, so
 * simply freeing one would cut the probe chain of every entry placed
 * after it by a collision (they would be flooded from then on). Each
 * later entry of the run moves into the hole unless that would put it
 * before its home slot. */
static void table_delete(struct xf_nb_switch *sw, unsigned int hole)
{
	unsigned int k = hole;

	sw->table[hole].used = false;
	for (;;) {
		unsigned int home, dist_home, dist_hole;

		k = (k + 1) % NB_MAC_TABLE;
		if (!sw->table[k].used)
			return;
		home = mac_slot(sw->table[k].mac);
		dist_home = (k + NB_MAC_TABLE - home) % NB_MAC_TABLE;
		dist_hole = (k + NB_MAC_TABLE - hole) % NB_MAC_TABLE;
		if (dist_home < dist_hole)
			continue;
		sw->table[hole] = sw->table[k];
		sw->table[k].used = false;
		hole = k;
	}
}

void nb_switch_detach(struct xf_nb_switch *sw, struct xf_nb_vif *v)
{
	pthread_mutex_lock(&sw->lock);
	for (unsigned int i = 0; i < sw->nr_ports; i++) {
		if (sw->ports[i] == v) {
			sw->ports[i] = sw->ports[--sw->nr_ports];
			break;
		}
	}
	/* A deletion at i shifts later entries of its probe run back, one
	 * of them possibly v's into i itself: look at i again. The run
	 * starts at i and entries only move back along it, so an entry
	 * reaches a slot before i only from another slot before i (none
	 * of them v's by then): one pass is enough. */
	for (unsigned int i = 0; i < NB_MAC_TABLE; i++)
		while (sw->table[i].used && sw->table[i].vif == v)
			table_delete(sw, i);
	pthread_mutex_unlock(&sw->lock);
}

/* Open addressing; a full table simply stops learning (floods). */
static void learn(struct xf_nb_switch *sw, const uint8_t *mac,
		  struct xf_nb_vif *v)
{
	unsigned int s = mac_slot(mac);

	if (mac[0] & 1)
		return;
	for (unsigned int i = 0; i < NB_MAC_TABLE; i++) {
		unsigned int k = (s + i) % NB_MAC_TABLE;

		if (!sw->table[k].used ||
		    memcmp(sw->table[k].mac, mac, 6) == 0) {
			memcpy(sw->table[k].mac, mac, 6);
			sw->table[k].vif = v;
			sw->table[k].used = true;
			return;
		}
	}
}

static struct xf_nb_vif *lookup(struct xf_nb_switch *sw, const uint8_t *mac)
{
	unsigned int s = mac_slot(mac);

	for (unsigned int i = 0; i < NB_MAC_TABLE; i++) {
		unsigned int k = (s + i) % NB_MAC_TABLE;

		if (!sw->table[k].used)
			return NULL;
		if (memcmp(sw->table[k].mac, mac, 6) == 0)
			return sw->table[k].vif;
	}
	return NULL;
}

static struct nb_frame *frame_dup(const struct nb_frame *f)
{
	struct nb_frame *d = nb_frame_new(f->data, f->len);

	if (d) {
		d->gso_size = f->gso_size;
		d->gso_type = f->gso_type;
		d->csum = f->csum;
	}
	return d;
}

void nb_switch_input(struct xf_nb_vif *src, struct nb_frame *f)
{
	struct xf_nb_switch *sw = src->cfg.sw;
	struct xf_nb_vif *dst[NB_MAX_SWITCH_PORTS];
	unsigned int n = 0;

	if (!sw) {
		nb_rx_enqueue(src, f);
		return;
	}
	pthread_mutex_lock(&sw->lock);
	learn(sw, f->data + 6, src);
	dst[0] = (f->data[0] & 1) ? NULL : lookup(sw, f->data);
	if (dst[0] && dst[0] != src) {
		n = 1;
		sw->st.forwarded++;
	} else if (!dst[0]) {
		for (unsigned int i = 0; i < sw->nr_ports; i++)
			if (sw->ports[i] != src)
				dst[n++] = sw->ports[i];
		if (n)
			sw->st.flooded++;
	}
	if (!n)
		sw->st.dropped++;
	/* Enqueue under the switch lock so no port is freed meanwhile; the
	 * rx queues have their own lock and never take the switch's. */
	for (unsigned int i = 0; i < n; i++) {
		struct nb_frame *c = i + 1 == n ? f : frame_dup(f);

		if (c)
			nb_rx_enqueue(dst[i], c);
	}
	pthread_mutex_unlock(&sw->lock);
	if (!n)
		nb_frame_free(f);
}
