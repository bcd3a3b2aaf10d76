/* SPDX-License-Identifier: MIT */
/* Capture through libpcap's own dumper, so every pcap reader opens it. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "nb_priv.h"

#define NB_PCAP_SNAPLEN 65535
/* stdio's buffer under the dumper; flushed only at frame boundaries. */
#define NB_PCAP_BUF (256u << 10)
#define NB_PCAP_REC_HDR 16u /* a record header in the file */

struct nb_pcap {
	pthread_mutex_t lock; /* vifs on several vCPUs share a capture */
	pcap_t *dead;
	pcap_dumper_t *dump;
	size_t pending; /* bytes in the stdio buffer, all whole frames */
	char *buf;      /* that buffer: glibc ignores a size without one */
	int err;        /* errno of the first failed write, 0 none */
};

/* Under pc->lock. The capture keeps going after a failed write (stdio
 * drops what it cannot write); the first error is what is reported. */
static void pcap_flush_locked(struct nb_pcap *pc)
{
	if (pcap_dump_flush(pc->dump) && !pc->err)
		pc->err = errno ? errno : EIO;
	pc->pending = 0;
}

int nb_pcap_open(const char *path, struct nb_pcap **out)
{
	struct nb_pcap *pc = calloc(1, sizeof(*pc));
	FILE *f;

	if (!pc)
		return -ENOMEM;
	pc->dead = pcap_open_dead(DLT_EN10MB, NB_PCAP_SNAPLEN);
	if (!pc->dead) {
		free(pc);
		return -ENOMEM;
	}
	/* Our own FILE, so that the kernel is handed whole frames only
	 * and the file header at once: a run killed outright (SIGKILL, a
	 * crash) leaves a file every reader opens, whole up to its last
	 * frame (a fatal signal can still cut a write short at a page
	 * boundary, leaving the last record cut). */
	errno = 0;
	pc->buf = malloc(NB_PCAP_BUF);
	f = pc->buf ? fopen(path, "wb") : NULL;
	if (!f || setvbuf(f, pc->buf, _IOFBF, NB_PCAP_BUF) ||
	    !(pc->dump = pcap_dump_fopen(pc->dead, f)) ||
	    pcap_dump_flush(pc->dump)) {
		int e = errno ? errno : EIO;

		if (pc->dump)
			pcap_dump_close(pc->dump);
		else if (f)
			fclose(f);
		pcap_close(pc->dead);
		free(pc->buf);
		free(pc);
		return -e;
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
	free(pc->buf);
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
	/* Flush before a frame that would not fit: stdio would otherwise
	 * write the buffer out with this frame cut in two. */
	if (pc->pending + NB_PCAP_REC_HDR + h.caplen > NB_PCAP_BUF)
		pcap_flush_locked(pc);
	pcap_dump((u_char *)pc->dump, &h, data);
	pc->pending += NB_PCAP_REC_HDR + h.caplen;
	pthread_mutex_unlock(&pc->lock);
}

int nb_pcap_sync(struct nb_pcap *pc)
{
	int err;

	if (!pc)
		return 0;
	pthread_mutex_lock(&pc->lock);
	pcap_flush_locked(pc);
	err = pc->err;
	pthread_mutex_unlock(&pc->lock);
	return -err;
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
