/* SPDX-License-Identifier: MIT */
/*
 * Runs in dom0: the netfront library (not raw ring code) on the xen
 * platform, in the runtime's real mode, against the dom0 kernel's
 * xen-netback. Frames sent through xf_netfront_send() must appear on the
 * vif (AF_PACKET); frames sent out of the vif must reach the rx callback;
 * the features netfront negotiated must match what netback offers; the
 * close handshake must finish with every grant revoked and every event
 * channel unbound (counted by a wrapper platform around the xen one).
 *
 * The frontend lives under device/vif-user so that the dom0 kernel's own
 * netfront ignores it. dom0-init.sh loads xen-netback with max_queues=2,
 * so multi-queue is negotiated even though dom0 has one vCPU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xfront/xenbus.h>
#include <xfront/platform.h>
#include <xfront/netfront.h>
#include <xfront/runtime.h>
#include <xfront/xen.h>
#include "dom0util.h"

#define FE "/local/domain/0/device/vif-user/1"
#define BE "/local/domain/0/backend/vif/0/1"
#define IFNAME "vif0.1" /* vif<frontend domid>.<handle> */
#define MAC "00:16:3e:00:00:02"
#define ETHTYPE 0x88b5 /* IEEE local experimental */
#define BIG_MTU 9000
#define NRXF 16

static const uint8_t fmac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

static struct dt_ctx ctx;
static struct xf_platform *P, *W;
static struct xf_xs *xs;
static struct xf_rt *rt;
static struct xf_netfront *nf;

static _Atomic int nf_state = XF_NETFRONT_INIT;
static atomic_int tx_done_count;
static int tx_status[8];
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rxf {
	uint8_t *data;
	uint32_t len;
	unsigned int nr_slots, queue;
} rxf[NRXF];
static unsigned int nrxf;
static atomic_int rx_wanted;

static void on_tx_done(void *opaque, uint64_t cookie, int status)
{
	(void)opaque;
	if (cookie < 8)
		tx_status[cookie] = status;
	atomic_fetch_add(&tx_done_count, 1);
	xf_rt_stop(rt);
}

static bool frame_ours(const uint8_t *f, size_t n, const char *tag)
{
	size_t t = strlen(tag);

	return n >= 14 + t && f[12] == (ETHTYPE >> 8) &&
	       f[13] == (ETHTYPE & 0xff) && !memcmp(f + 14, tag, t);
}

static void on_rx(void *opaque, const struct xf_net_rx_frame *f)
{
	(void)opaque;
	/* Only our test frames: IPv6 router solicitations and the like may
	 * arrive on the vif too. */
	if (f->len < 14 || f->data[12] != (ETHTYPE >> 8) ||
	    f->data[13] != (ETHTYPE & 0xff))
		return;
	pthread_mutex_lock(&rx_lock);
	if (nrxf < NRXF) {
		rxf[nrxf].data = malloc(f->len);
		if (rxf[nrxf].data)
			memcpy(rxf[nrxf].data, f->data, f->len);
		rxf[nrxf].len = f->len;
		rxf[nrxf].nr_slots = f->nr_slots;
		rxf[nrxf].queue = f->queue;
		nrxf++;
	}
	if ((int)nrxf >= atomic_load(&rx_wanted))
		xf_rt_stop(rt);
	pthread_mutex_unlock(&rx_lock);
}

static void on_state(void *opaque, enum xf_netfront_state st)
{
	(void)opaque;
	atomic_store(&nf_state, (int)st);
	xf_rt_stop(rt);
}

static void on_log(void *opaque, const char *msg)
{
	(void)opaque;
	dt_note(&ctx, "netfront log: %s", msg);
}

static const struct xf_netfront_ops ops = {
	.tx_done = on_tx_done,
	.rx = on_rx,
	.state = on_state,
	.log = on_log,
};

static bool is_connected(void)
{
	int s = atomic_load(&nf_state);

	return s == XF_NETFRONT_CONNECTED || s == XF_NETFRONT_ERROR;
}

static bool is_closed(void)
{
	int s = atomic_load(&nf_state);

	return s == XF_NETFRONT_CLOSED || s == XF_NETFRONT_ERROR;
}

static int want_tx;
static bool tx_all_done(void)
{
	return atomic_load(&tx_done_count) >= want_tx;
}

static bool rx_all_in(void)
{
	bool r;

	pthread_mutex_lock(&rx_lock);
	r = (int)nrxf >= atomic_load(&rx_wanted);
	pthread_mutex_unlock(&rx_lock);
	return r;
}

static long be_long(const char *key)
{
	return dt_xs_long(P, xs, BE, key);
}

static int set_mtu(int s, int mtu)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
	ifr.ifr_mtu = mtu;
	return ioctl(s, SIOCSIFMTU, &ifr) < 0 ? -errno : 0;
}

static void eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 13u + seed);
}

/* Waits for a frame on the vif socket that starts like want (first cmp
 * bytes) and has length want_len; PACKET_OUTGOING copies of our own rx
 * injections are skipped. */
static bool vif_sees(int s, const uint8_t *want, size_t want_len,
		     size_t *got_len, int timeout_ms)
{
	static uint8_t buf[70000];
	uint64_t end = dt_now_ms() + (uint64_t)timeout_ms;

	while (dt_now_ms() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);

		if (dt_wait_fd(s, 100) <= 0)
			continue;
		ssize_t n = recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n >= 14 + 16 && !memcmp(buf, want, 14 + 16)) {
			*got_len = (size_t)n;
			return (size_t)n == want_len &&
			       !memcmp(buf, want, want_len);
		}
	}
	*got_len = 0;
	return false;
}

static int send_frame(int queue, const struct xf_net_frag *fr,
		      unsigned int n, uint32_t flags, uint16_t gso,
		      uint64_t cookie)
{
	struct xf_net_frame f = { .frags = fr, .nr_frags = n, .flags = flags,
				  .gso_size = gso };

	return xf_netfront_send(nf, queue, &f, cookie);
}

static void test_tx(int s, const struct xf_netfront_features *ft)
{
	static uint8_t small[60], sg[6000], tcp[14 + 20 + 20 + 4000];
	struct xf_netfront_stats st0, st1;
	size_t got = 0;
	int rc;

	xf_netfront_stats(nf, &st0);

	/* 1: a minimal frame, one slot. */
	eth_hdr(small, peer_mac, fmac, ETHTYPE);
	memcpy(small + 14, "XF-NF-TX-SMALL--", 16);
	struct xf_net_frag f1 = { small, sizeof(small) };
	want_tx = 1;
	rc = send_frame(0, &f1, 1, 0, 0, 0);
	dt_check(&ctx, rc == 0, "tx-small-send", "rc=%d", rc);
	bool ok = dt_run_until(rt, tx_all_done, 5000);
	dt_check(&ctx, ok && tx_status[0] == 0, "tx-small-done",
		 "done=%d status=%d", ok, tx_status[0]);
	ok = vif_sees(s, small, sizeof(small), &got, 3000);
	dt_check(&ctx, ok, "tx-small-on-vif", "len=%zu of %zu", got,
		 sizeof(small));

	/* 2: three fragments, 6000 bytes: needs feature-sg (multi-slot). */
	eth_hdr(sg, peer_mac, fmac, ETHTYPE);
	memcpy(sg + 14, "XF-NF-TX-SG-----", 16);
	fill_pattern(sg + 30, sizeof(sg) - 30, 5);
	struct xf_net_frag f2[3] = { { sg, 100 }, { sg + 100, 3000 },
				     { sg + 3100, sizeof(sg) - 3100 } };
	want_tx = 2;
	rc = send_frame(1, f2, 3, 0, 0, 1);
	dt_check(&ctx, rc == 0, "tx-sg-send", "rc=%d", rc);
	ok = dt_run_until(rt, tx_all_done, 5000);
	dt_check(&ctx, ok && tx_status[1] == 0, "tx-sg-done",
		 "done=%d status=%d", ok, tx_status[1]);
	ok = vif_sees(s, sg, sizeof(sg), &got, 3000);
	dt_check(&ctx, ok, "tx-sg-on-vif", "len=%zu of %zu", got, sizeof(sg));

	/* 3: a TCPv4 super-frame with a blank checksum: GSO and checksum
	 * offload by netback when negotiated. */
	uint8_t *ip = tcp + 14, *th = ip + 20;
	eth_hdr(tcp, peer_mac, fmac, 0x0800);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((sizeof(tcp) - 14) >> 8);
	ip[3] = (uint8_t)(sizeof(tcp) - 14);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (uint8_t[]){ 10, 99, 0, 1, 10, 99, 0, 2 }, 8);
	th[0] = 0x30, th[1] = 0x39; /* sport 12345 */
	th[2] = 0x1f, th[3] = 0x90; /* dport 8080 */
	th[7] = 1;                  /* seq 1 */
	th[12] = 5 << 4;
	th[13] = 0x18;              /* PSH|ACK */
	th[14] = 0xff, th[15] = 0xff;
	memcpy(th + 20, "XF-NF-TX-GSO----", 16);
	fill_pattern(th + 36, sizeof(tcp) - 14 - 40 - 16, 9);
	rc = xf_pkt_csum_fill(tcp, sizeof(tcp));
	struct xf_net_frag f3 = { tcp, sizeof(tcp) };
	want_tx = 3;
	rc = rc ? rc : send_frame(0, &f3, 1, XF_NET_F_CSUM_BLANK, 1400, 2);
	dt_check(&ctx, rc == 0, "tx-gso-send", "rc=%d", rc);
	ok = dt_run_until(rt, tx_all_done, 5000);
	dt_check(&ctx, ok && tx_status[2] == 0, "tx-gso-done",
		 "done=%d status=%d", ok, tx_status[2]);
	/* Without backend GSO the library cuts 1400-byte segments: the vif
	 * then sees the first segment, not the super-frame. */
	size_t want = ft->gso_tcpv4 ? sizeof(tcp) : 14 + 40 + 1400;
	bool seen = false;
	uint64_t end = dt_now_ms() + 3000;
	static uint8_t buf[70000];
	got = 0;
	while (!seen && dt_now_ms() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);

		if (dt_wait_fd(s, 100) <= 0)
			continue;
		ssize_t n = recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		if (n < 14 + 40 + 16 || from.sll_pkttype == PACKET_OUTGOING ||
		    memcmp(buf + 14 + 40, "XF-NF-TX-GSO----", 16))
			continue;
		got = (size_t)n;
		/* Headers may have been rewritten (checksums); compare the
		 * addresses, ports and the payload. */
		seen = (size_t)n == want && !memcmp(buf, tcp, 12) &&
		       !memcmp(buf + 26, tcp + 26, 12) &&
		       !memcmp(buf + 54, tcp + 54, want - 54);
	}
	dt_check(&ctx, seen, "tx-gso-on-vif", "len=%zu want %zu (%s)", got,
		 want, ft->gso_tcpv4 ? "one super-frame" : "first segment");

	xf_netfront_stats(nf, &st1);
	dt_check(&ctx, st1.tx_frames - st0.tx_frames == 3 &&
			       st1.tx_slots - st0.tx_slots >= 1 + 2 + 2,
		 "tx-stats", "frames=%llu slots=%llu",
		 (unsigned long long)(st1.tx_frames - st0.tx_frames),
		 (unsigned long long)(st1.tx_slots - st0.tx_slots));
	dt_check(&ctx, (st1.tx_sw_gso == st0.tx_sw_gso) == ft->gso_tcpv4 &&
			       (st1.tx_sw_csum == st0.tx_sw_csum) ==
				       ft->tx_csum_v4,
		 "tx-offload-path",
		 "sw_gso=%llu sw_csum=%llu (backend gso=%d csum=%d)",
		 (unsigned long long)(st1.tx_sw_gso - st0.tx_sw_gso),
		 (unsigned long long)(st1.tx_sw_csum - st0.tx_sw_csum),
		 ft->gso_tcpv4, ft->tx_csum_v4);
}

/* queue < 0 lets netfront pick a queue by flow hash: every flow must be
 * sent on one of the negotiated queues. */
static void test_tx_flows(void)
{
	static uint8_t u[8][14 + 20 + 8 + 16];
	int rc, bad = 0;

	atomic_store(&tx_done_count, 0);
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t *f = u[i], *ip = f + 14, *uh = ip + 20;

		eth_hdr(f, peer_mac, fmac, 0x0800);
		ip[0] = 0x45;
		ip[3] = 20 + 8 + 16;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (uint8_t[]){ 10, 99, 0, 1, 10, 99, 0, 2 }, 8);
		uh[0] = 0x40, uh[1] = (uint8_t)i; /* distinct source ports */
		uh[2] = 0x13, uh[3] = 0x88;
		uh[5] = 8 + 16;
		memcpy(uh + 8, "XF-NF-TX-FLOW---", 16);
		xf_pkt_csum_fill(f, sizeof(u[i]));
		struct xf_net_frag fr = { f, sizeof(u[i]) };
		rc = send_frame(-1, &fr, 1, 0, 0, 8 + i);
		if (rc)
			bad++;
	}
	want_tx = 8 - bad;
	bool ok = dt_run_until(rt, tx_all_done, 3000);
	dt_check(&ctx, bad == 0 && ok, "tx-flow-hash-queues",
		 "%d of 8 flows completed (send errors %d) on %u queues",
		 atomic_load(&tx_done_count), bad, xf_netfront_nr_queues(nf));
}

static bool mcast_acked(void)
{
	struct xf_netfront_stats st;

	xf_netfront_stats(nf, &st);
	return st.mcast_sent >= 2 || xf_netfront_error(nf);
}

/* Multicast control (netback offers it, netfront asked for it): the
 * dummy tx request with an MCAST_ADD / MCAST_DEL extra must be answered
 * OKAY. There is no completion callback for it, so poll the stats. */
static void test_mcast(const struct xf_netfront_features *ft)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	struct xf_netfront_stats st;
	uint64_t end = dt_now_ms() + 3000;
	int rc;

	if (!dt_check(&ctx, ft->multicast_control, "mcast-negotiated", "%d",
		      ft->multicast_control))
		return;
	rc = xf_netfront_mcast(nf, group, true);
	rc = rc ? rc : xf_netfront_mcast(nf, group, false);
	while (rc == 0 && !mcast_acked() && dt_now_ms() < end)
		xf_rt_run(rt, xf_rt_now_ns(rt) + 50000000u);
	xf_netfront_stats(nf, &st);
	dt_check(&ctx, rc == 0 && st.mcast_sent == 2 && !xf_netfront_error(nf),
		 "mcast-add-del", "rc=%d acked=%llu", rc,
		 (unsigned long long)st.mcast_sent);
}

static void test_rx(int s)
{
	static uint8_t f1[64], f2[1400], f3[8000];
	uint8_t *fs[3] = { f1, f2, f3 };
	size_t lens[3] = { sizeof(f1), sizeof(f2), sizeof(f3) };
	struct xf_netfront_stats st0, st1;
	int rc;

	xf_netfront_stats(nf, &st0);
	/* Above one page only with sg: netback allows the larger MTU then. */
	rc = set_mtu(s, BIG_MTU);
	dt_check(&ctx, rc == 0, "rx-vif-mtu", "mtu %d rc=%d", BIG_MTU, rc);
	for (unsigned int i = 0; i < 3; i++) {
		char tag[17];

		eth_hdr(fs[i], fmac, peer_mac, ETHTYPE);
		snprintf(tag, sizeof(tag), "XF-NF-RX-%u------", i);
		memcpy(fs[i] + 14, tag, 16);
		fill_pattern(fs[i] + 30, lens[i] - 30, 20 + i);
	}
	atomic_store(&rx_wanted, 3);
	for (unsigned int i = 0; i < 3; i++) {
		ssize_t n = send(s, fs[i], lens[i], 0);

		dt_check(&ctx, n == (ssize_t)lens[i], "rx-inject",
			 "frame %u: sent=%zd of %zu errno=%d", i, n, lens[i],
			 n < 0 ? errno : 0);
	}
	bool ok = dt_run_until(rt, rx_all_in, 5000);
	dt_check(&ctx, ok, "rx-frames-arrived", "%u of 3", nrxf);
	for (unsigned int i = 0; i < 3; i++) {
		char tag[17];
		struct rxf *hit = NULL;

		snprintf(tag, sizeof(tag), "XF-NF-RX-%u------", i);
		pthread_mutex_lock(&rx_lock);
		for (unsigned int j = 0; j < nrxf; j++)
			if (rxf[j].data &&
			    frame_ours(rxf[j].data, rxf[j].len, tag))
				hit = &rxf[j];
		pthread_mutex_unlock(&rx_lock);
		char name[32];
		snprintf(name, sizeof(name), "rx-frame-%zu", lens[i]);
		dt_check(&ctx, hit && hit->len == lens[i] &&
				       !memcmp(hit->data, fs[i], lens[i]),
			 name, "len=%u slots=%u queue=%u",
			 hit ? hit->len : 0, hit ? hit->nr_slots : 0,
			 hit ? hit->queue : 0);
		if (i == 2)
			dt_check(&ctx, hit && hit->nr_slots >= 2,
				 "rx-multislot", "8000-byte frame in %u slots",
				 hit ? hit->nr_slots : 0);
	}
	xf_netfront_stats(nf, &st1);
	dt_check(&ctx, st1.rx_frames - st0.rx_frames >= 3 &&
			       st1.rx_refills > 0,
		 "rx-stats", "frames=%llu slots=%llu refills=%llu drops=%llu",
		 (unsigned long long)(st1.rx_frames - st0.rx_frames),
		 (unsigned long long)(st1.rx_slots - st0.rx_slots),
		 (unsigned long long)st1.rx_refills,
		 (unsigned long long)(st1.drops[XF_NF_DROP_RX_STATUS] +
				      st1.drops[XF_NF_DROP_RX_CSUM]));
}

static void check_features(void)
{
	struct xf_netfront_features f;
	long sg = be_long("feature-sg"), g4 = be_long("feature-gso-tcpv4");
	long g6 = be_long("feature-gso-tcpv6");
	long nocsum = be_long("feature-no-csum-offload");
	long csum6 = be_long("feature-ipv6-csum-offload");
	long split = be_long("feature-split-event-channels");
	long mq = be_long("multi-queue-max-queues");
	long mc = be_long("feature-multicast-control");
	long dmc = be_long("feature-dynamic-multicast-control");
	long rxc = be_long("feature-rx-copy");

	xf_netfront_features(nf, &f);
	dt_note(&ctx, "netback offers sg=%ld gso4=%ld gso6=%ld "
		"no-csum=%ld csum6=%ld split=%ld max-queues=%ld mcast=%ld "
		"dyn-mcast=%ld rx-copy=%ld",
		sg, g4, g6, nocsum, csum6, split, mq, mc, dmc, rxc);
	dt_note(&ctx, "negotiated sg=%d gso4=%d gso6=%d csum4=%d csum6=%d "
		"split=%d queues=%u mcast=%d dyn=%d mtu=%u",
		f.sg, f.gso_tcpv4, f.gso_tcpv6, f.tx_csum_v4, f.tx_csum_v6,
		f.split_evtchn, f.nr_queues, f.multicast_control,
		f.dynamic_multicast, f.mtu);
	/* What Linux 6.1 netback offers by default. */
	dt_check(&ctx, rxc == 1 && sg == 1 && g4 == 1 && g6 == 1 &&
			       csum6 == 1 && split == 1 && mq == 2,
		 "netback-offers", "rx-copy=%ld sg=%ld gso=%ld/%ld csum6=%ld "
		 "split=%ld max-queues=%ld", rxc, sg, g4, g6, csum6, split,
		 mq);
	dt_check(&ctx, f.sg == (sg == 1) && f.gso_tcpv4 == (g4 == 1) &&
			       f.gso_tcpv6 == (g6 == 1) &&
			       f.tx_csum_v4 == (nocsum != 1) &&
			       f.tx_csum_v6 == (csum6 == 1) &&
			       f.split_evtchn == (split == 1) &&
			       f.multicast_control == (mc == 1 || dmc == 1),
		 "features-match-offer", "sg=%d gso=%d/%d csum=%d/%d split=%d "
		 "mcast=%d", f.sg, f.gso_tcpv4, f.gso_tcpv6, f.tx_csum_v4,
		 f.tx_csum_v6, f.split_evtchn, f.multicast_control);
	dt_check(&ctx, f.nr_queues == (mq > 0 ? (unsigned long)mq : 1u) &&
			       xf_netfront_nr_queues(nf) == f.nr_queues,
		 "multi-queue", "queues=%u (offered %ld, asked 4)",
		 f.nr_queues, mq);
	/* The backend only sees the keys the frontend wrote. */
	char path[256], *v = NULL;
	snprintf(path, sizeof(path), "%s/multi-queue-num-queues", FE);
	int rc = xf_xs_read_str(P, xs, XF_TXN_NONE, path, &v);
	bool q0 = false;
	if (f.nr_queues > 1) {
		char *e = NULL;
		snprintf(path, sizeof(path), "%s/queue-1/%s", FE,
			 f.split_evtchn ? "event-channel-rx" : "event-channel");
		q0 = xf_xs_read_str(P, xs, XF_TXN_NONE, path, &e) == 0;
		free(e);
	}
	dt_check(&ctx, f.nr_queues == 1 ||
			       (rc == 0 && strtoul(v, NULL, 10) == f.nr_queues &&
				q0),
		 "frontend-queue-keys", "multi-queue-num-queues=%s queue-1 %s",
		 rc == 0 ? v : "(absent)", q0 ? "present" : "absent");
	free(v);
}

int main(void)
{
	struct xf_netfront_config cfg;
	struct dt_counts cn;
	long st = -1;
	int rc, s = -1;

	dt_init(&ctx, "netfront");
	if (!dt_open_counted(&ctx, &P, &W, &xs))
		return dt_finish(&ctx);

	uint64_t t0 = dt_now_ms();
	rc = dt_vif_toolstack(P, xs, FE, BE, 1, MAC);
	/* Stands in for the hotplug script; netback's watch on it fires on
	 * registration, so writing it before the handshake is fine. */
	rc = rc ? rc : dt_vif_hotplug_done(P, xs, BE);
	dt_check(&ctx, rc == 0, "toolstack", "rc=%d", rc);

	if (!dt_rt_real(&ctx, 2, &rt))
		goto out;
	xf_netfront_config_init(&cfg);
	cfg.plat = W;
	cfg.rt = rt;
	cfg.dev_path = FE;
	cfg.max_queues = 4;
	cfg.xenbus_vcpu = 0;
	cfg.ops = &ops;
	rc = xf_netfront_new(&cfg, &nf);
	rc = rc ? rc : xf_netfront_start(nf);
	if (!dt_check(&ctx, rc == 0, "netfront-new-start", "rc=%d", rc))
		goto out;
	bool ok = dt_run_until(rt, is_connected, 20000);
	const char *err = xf_netfront_error(nf);
	if (!dt_check(&ctx, ok && atomic_load(&nf_state) ==
					   XF_NETFRONT_CONNECTED,
		      "connected", "state=%d be-state=%ld after %llu ms%s%s",
		      atomic_load(&nf_state), be_long("state"),
		      (unsigned long long)(dt_now_ms() - t0),
		      err ? " error: " : "", err ? err : ""))
		goto close;
	uint8_t mac[6];
	xf_netfront_mac(nf, mac);
	dt_check(&ctx, !memcmp(mac, fmac, 6), "mac", "%02x:..:%02x", mac[0],
		 mac[5]);
	check_features();
	struct xf_netfront_features ft;
	xf_netfront_features(nf, &ft);

	s = dt_packet_socket(IFNAME, 1 << 20);
	if (!dt_check(&ctx, s >= 0, "vif-socket", "fd/rc=%d", s))
		goto close;
	t0 = dt_now_ms();
	test_tx(s, &ft);
	test_rx(s);
	test_mcast(&ft);
	test_tx_flows();
	dt_note(&ctx, "traffic took %llu ms",
		(unsigned long long)(dt_now_ms() - t0));
	close(s);

close:
	t0 = dt_now_ms();
	rc = xf_netfront_close(nf);
	ok = rc == 0 && dt_run_until(rt, is_closed, 8000);
	st = be_long("state");
	err = xf_netfront_error(nf);
	dt_check(&ctx, ok && atomic_load(&nf_state) == XF_NETFRONT_CLOSED,
		 "close", "rc=%d state=%d be-state=%ld after %llu ms%s%s", rc,
		 atomic_load(&nf_state), st,
		 (unsigned long long)(dt_now_ms() - t0), err ? " error: " : "",
		 err ? err : "");
	if (!ok) {
		/* Toolstack teardown: removing the backend directory makes
		 * netback unmap, after which netfront can revoke. */
		P->store->rm(xs, XF_TXN_NONE, BE);
		ok = dt_run_until(rt, is_closed, 10000);
		dt_note(&ctx, "after removing the backend directory: state=%d",
			atomic_load(&nf_state));
	}
	dt_check(&ctx, st == XF_XENBUS_CLOSED || !ok, "backend-closed",
		 "be-state=%ld", st);
	dt_check_released(&ctx);
	{
		struct xf_netfront_stats ns;

		xf_netfront_stats(nf, &ns);
		dt_check(&ctx, ns.connects == 1 && ns.errors == 0,
			 "stats-clean", "connects=%llu errors=%llu requeued=%llu",
			 (unsigned long long)ns.connects,
			 (unsigned long long)ns.errors,
			 (unsigned long long)ns.tx_requeued);
	}
out:
	if (nf)
		xf_netfront_free(nf);
	if (rt)
		xf_rt_free(rt);
	dt_count_get(&cn);
	dt_check(&ctx, cn.evtchn_open == cn.evtchn_closed &&
			       cn.xs_open == cn.xs_closed,
		 "handles-closed", "evtchn %ld/%ld xenstore %ld/%ld",
		 cn.evtchn_open, cn.evtchn_closed, cn.xs_open, cn.xs_closed);
	P->store->rm(xs, XF_TXN_NONE, BE);
	P->store->rm(xs, XF_TXN_NONE, FE);
	P->store->close(xs);
	xf_xen_platform_close(P);
	for (unsigned int i = 0; i < nrxf; i++)
		free(rxf[i].data);
	return dt_finish(&ctx);
}
