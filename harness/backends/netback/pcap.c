/* SPDX-License-Identifier: MIT */
/* Capture through libpcap's own dumper, so every pcap reader opens it. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>

#include "nb_priv.h"

#define NB_PCAP_SNAPLEN 65535

struct nb_pcap {
	pthread_mutex_t lock; /* vifs on several vCPUs share a capture */
	pcap_t *dead;
	pcap_dumper_t *dump;
};

int nb_pcap_open(const char *path, struct nb_pcap **out)
{
	struct nb_pcap *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	pc->dead = pcap_open_dead(DLT_EN10MB, NB_PCAP_SNAPLEN);
	if (!pc->dead) {
		free(pc);
		return -ENOMEM;
	}
	pc->dump = pcap_dump_open(pc->dead, path);
	if (!pc->dump) {
		pcap_close(pc->dead);
		free(pc);
		return -EIO;
	}
	pthread_mutex_init(&pc->lock, NULL);
	*out = pc;
	return 0;
}

void nb_pcap_close(struct nb_pcap *pc)
{
	if (!pc)
		return;
	pcap_dump_close(pc->dump);
	pcap_close(pc->dead);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

void nb_pcap_write(struct nb_pcap *pc, uint64_t ts_ns, const uint8_t *data,
		   uint32_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u / 1000u);
	h.len = len;
	h.caplen = len > NB_PCAP_SNAPLEN ? NB_PCAP_SNAPLEN : len;
	pthread_mutex_lock(&pc->lock);
	pcap_dump((u_char *)pc->dump, &h, data);
	pthread_mutex_unlock(&pc->lock);
}

void nb_capture(struct xf_nb_vif *v, uint32_t point, const uint8_t *data,
		uint32_t len)
{
	uint64_t now = xf_rt_now_ns(v->rt);
	struct xf_nb_switch *sw = v->cfg.sw;

	if (v->pcap) {
		nb_pcap_write(v->pcap, now, data, len);
		nb_stat_add(v, &v->st.pcap_frames, 1);
	}
	if (sw && sw->pcap && (sw->pcap_points & point)) {
		nb_pcap_write(sw->pcap, now, data, len);
		pthread_mutex_lock(&sw->lock);
		sw->st.pcap_frames++;
		pthread_mutex_unlock(&sw->lock);
	}
}
