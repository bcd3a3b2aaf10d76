/* SPDX-License-Identifier: MIT */
/* Capture files: read back with libpcap (count and bytes), and decoded
 * by tshark when it is installed (TCP decoded, checksum state shown). */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nettest.h"
#include "xt.h"

static struct nt_env env;
static struct nt_vm *a, *b;
static char path[64];

static void setup(void)
{
	snprintf(path, sizeof(path), "netback-test-%d.pcap", (int)getpid());
}

static void teardown(void)
{
	unlink(path);
}

static void go_as(bool tcp, uint32_t bugs, uint32_t lenient, unsigned int n,
		  uint8_t **sent, uint32_t *lens)
{
	struct xf_traffic_flow fl;

	nt_env_init(&env, XF_RT_SIM, path);
	nt_pair_new(&env, &a, &b);
	a->vcfg.bugs = bugs;
	a->vcfg.lenient = lenient;
	b->vcfg.lenient = lenient;
	nt_pair_start(a, b);
	xf_traffic_flow_init(&fl, 1, tcp ? XF_TRAFFIC_TCP : XF_TRAFFIC_UDP, 4,
			     a->mac, b->mac);
	for (unsigned int i = 0; i < n; i++) {
		sent[i] = malloc(2048);
		ck_assert_int_eq(xf_traffic_build(&fl, (uint64_t)i * 500, 500,
						  tcp ? XF_TRAFFIC_CSUM_OFFLOAD :
							XF_TRAFFIC_CSUM_GOOD,
						  sent[i], 2048, &lens[i]), 0);
		ck_assert_int_eq(nt_send(a, sent[i], lens[i],
					 tcp ? XF_NET_F_CSUM_BLANK : 0, 0, 1),
				 0);
	}
	nt_run(&env);
	ck_assert_uint_eq(b->nr_rx, n);
	/* Closing the switch flushes and closes the capture. */
	nt_env_fini(&env);
}

static void go(bool tcp, uint32_t bugs, unsigned int n, uint8_t **sent,
	       uint32_t *lens)
{
	go_as(tcp, bugs, 0, n, sent, lens);
}

START_TEST(pcap_read_back)
{
	char err[PCAP_ERRBUF_SIZE];
	uint8_t *sent[10];
	uint32_t lens[10];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	unsigned int n = 0;
	uint64_t last_ts = 0;

	go(false, 0, 10, sent, lens);
	pc = pcap_open_offline(path, err);
	ck_assert_msg(pc != NULL, "%s", err);
	ck_assert_int_eq(pcap_datalink(pc), DLT_EN10MB);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		/* Each frame twice: all ten leaving a's vif (the backend
		 * drains the ring in one go), then entering b's. */
		unsigned int i = n % 10;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;

		ck_assert_uint_lt(i, 10);
		ck_assert_uint_eq(h->len, lens[i]);
		ck_assert_uint_eq(h->caplen, lens[i]);
		ck_assert_mem_eq(data, sent[i], lens[i]);
		ck_assert_uint_ge(ts, last_ts);
		last_ts = ts;
		n++;
	}
	pcap_close(pc);
	ck_assert_uint_eq(n, 20);
	for (int i = 0; i < 10; i++)
		free(sent[i]);
}
END_TEST

/* A capture that cannot be written (the file size limit stands in for
 * a full disk) is reported by the switch's stats with the write's own
 * error, after its buffered frames were written out. */
START_TEST(pcap_write_error_reported)
{
	struct xf_nb_switch_stats ss;
	struct xf_traffic_flow fl;
	struct rlimit lim, was;
	uint8_t frame[2048];
	uint32_t len;

	nt_env_init(&env, XF_RT_SIM, path);
	nt_pair_new(&env, &a, &b);
	nt_pair_start(a, b);
	xf_nb_switch_stats(env.sw, &ss);
	ck_assert_int_eq(ss.pcap_error, 0);
	xf_traffic_flow_init(&fl, 1, XF_TRAFFIC_UDP, 4, a->mac, b->mac);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	lim = (struct rlimit){ 24, was.rlim_max }; /* the file header only */
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_int_eq(xf_traffic_build(&fl, (uint64_t)i * 500, 500,
						  XF_TRAFFIC_CSUM_GOOD, frame,
						  sizeof(frame), &len), 0);
		ck_assert_int_eq(nt_send(a, frame, len, 0, 0, 1), 0);
	}
	nt_run(&env);
	xf_nb_switch_stats(env.sw, &ss);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	ck_assert_uint_eq(b->nr_rx, 4);
	ck_assert_int_eq(ss.pcap_error, -EFBIG);
	nt_env_fini(&env);
}
END_TEST

/* Runs tshark over the capture; returns its output (malloc'ed). */
static char *tshark(const char *fields)
{
	char cmd[512];
	char *out = calloc(1, 65536);
	size_t len = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r %s -o tcp.check_checksum:TRUE "
		 "-o ip.check_checksum:TRUE -T fields %s 2>/dev/null",
		 path, fields);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (len < 65535 && fgets(out + len, (int)(65536 - len), f))
		len = strlen(out);
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

static bool have_tshark(void)
{
	return system("tshark --version >/dev/null 2>&1") == 0;
}

/* Lines "<protocols>\t<status>" whose protocols decode TCP over IPv4
 * (tshark adds ":data" when it shows the payload) with that status. */
static unsigned int count_tcp(const char *s, const char *status)
{
	unsigned int n = 0;
	const char *line = s;

	while (*line) {
		const char *nl = strchr(line, '\n');
		const char *tab = strchr(line, '\t');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);

		if (!strncmp(line, "eth:ethertype:ip:tcp", 20) && tab &&
		    tab < line + l && (size_t)(line + l - tab - 1) ==
		    strlen(status) && !strncmp(tab + 1, status, strlen(status)))
			n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	return n;
}

START_TEST(tshark_decodes_tcp_and_checksums)
{
	uint8_t *sent[8];
	uint32_t lens[8];
	char *out;

	/* As Linux netback: csum_blank frames stay partial on the way
	 * through (the receiving guest fills them in), so the capture
	 * shows them unfilled, 0 = Bad, as tcpdump on a Linux vif does. */
	go(true, 0, 8, sent, lens);
	out = tshark("-e frame.protocols -e tcp.checksum.status");
	ck_assert_uint_eq(count_tcp(out, "0"), 16);
	free(out);
	for (int i = 0; i < 8; i++)
		free(sent[i]);
	/* The old mock filled them in at ingress: status 1 = Good. */
	go_as(true, 0, XF_NB_LENIENT_CSUM_FILL, 8, sent, lens);
	out = tshark("-e frame.protocols -e tcp.checksum.status");
	ck_assert_uint_eq(count_tcp(out, "1"), 16);
	free(out);
	for (int i = 0; i < 8; i++)
		free(sent[i]);
	/* There, the csum_blank bug shows: tshark sees bad TCP checksums
	 * (0 = Bad) on every frame, as an operator would in Wireshark. */
	go_as(true, XF_NB_BUG_CSUM_UNFILLED, XF_NB_LENIENT_CSUM_FILL, 8, sent,
	      lens);
	out = tshark("-e frame.protocols -e tcp.checksum.status");
	ck_assert_uint_eq(count_tcp(out, "0"),
			  16);
	free(out);
	/* Raw sequence number of the second segment: ISN + 500. */
	out = tshark("-e tcp.seq_raw -e tcp.len");
	ck_assert_ptr_nonnull(strstr(out, "268440052\t500"));
	free(out);
	for (int i = 0; i < 8; i++)
		free(sent[i]);
}
END_TEST

XT_SUITE("netback-pcap")
{
	TCase *tc = xt_tcase_fixture("pcap", setup, teardown, 0);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pcap_read_back);
	tcase_add_test(tc, pcap_write_error_reported);
}

/* A suite of its own, skipped when tshark is not installed. */
XT_SUITE("netback-tshark")
{
	TCase *tc;

	if (!have_tshark()) {
		xt_skip("tshark is not installed (apt-get install tshark)");
		return;
	}
	tc = xt_tcase("tshark");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tshark_decodes_tcp_and_checksums);
}
