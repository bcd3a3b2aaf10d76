// SPDX-License-Identifier: MIT
/*
 * The scenario schema: every kind, key, type, range and default. The
 * loader validates against it and the getters read defaults from it,
 * so this table is the single source of truth for the language.
 */
#include <string.h>
#include <xfront/scenario.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define BIG 9.007199254740992e15 /* 2^53 */

#define F_INT(k, lo, hi, d, h) { k, XF_SCN_INT, false, lo, hi, NULL, NULL, \
				 NULL, d, h }
#define F_NUM(k, lo, hi, d, h) { k, XF_SCN_NUM, false, lo, hi, NULL, NULL, \
				 NULL, d, h }
#define F_SIZE(k, lo, hi, d, h) { k, XF_SCN_SIZE, false, lo, hi, NULL, \
				  NULL, NULL, d, h }
#define F_DUR(k, lo, hi, d, h) { k, XF_SCN_DUR, false, lo, hi, NULL, NULL, \
				 NULL, d, h }
#define F_STR(k, d, h) { k, XF_SCN_STR, false, 0, 0, NULL, NULL, NULL, d, h }
#define F_BOOL(k, d, h) { k, XF_SCN_BOOL, false, 0, 0, NULL, NULL, NULL, \
			  d, h }
#define F_ENUM(k, e, d, h) { k, XF_SCN_ENUM, false, 0, 0, e, NULL, NULL, \
			     d, h }
#define F_REF(k, rk, h) { k, XF_SCN_REF, false, 0, 0, NULL, rk, NULL, \
			  NULL, h }
#define F_OBJ(k, sk, h) { k, XF_SCN_OBJ, false, 0, 0, NULL, NULL, sk, \
			  NULL, h }
#define F_FUNC(k, h) { k, XF_SCN_FUNC, false, 0, 0, NULL, NULL, NULL, \
		       NULL, h }
#define REQ(f) f
#define F_NAME { "name", XF_SCN_STR, true, 0, 0, NULL, NULL, NULL, NULL, \
		 "unique name" }

#define KIND(var, nm, named_, h) \
	const struct xf_scn_kind var = { nm, h, var##_f, N(var##_f), named_ }

#define US 1e3
#define S 1e9

static const char *const mode_e[] = { "any", "sim", "real", NULL };
static const struct xf_scn_field scn_scenario_f[] = {
	F_NAME,
	{ "description", XF_SCN_STR, true, 0, 0, NULL, NULL, NULL, NULL,
	  "one line: the field behaviour and what the expectations prove" },
	F_DUR("duration", 1, 3600 * S, "2s", "default runtime of every job"),
	F_INT("seed", 0, BIG, "1", "sim scheduler and workload seed"),
	F_ENUM("mode", mode_e, "any", "driver the scenario is meant for"),
	F_DUR("timeout", 1, 3600 * S, "60s",
	      "a job still running this long after its runtime is a hang"),
};
static KIND(scn_scenario, "scenario", true, "the scenario itself");

/* The mock blkback's leniencies (XF_BB_LENIENT_* in <xfront/blkback.h>,
 * same names, same order): all off is Linux 6.1's xen-blkback. */
static const struct xf_scn_field scn_blklenient_f[] = {
	F_BOOL("reinit_while_connected", "false",
	       "answer a frontend's Initialising while Connected or Closing "
	       "(Linux: only when Closed)"),
	F_BOOL("features_at_initwait", "false",
	       "flush, barrier and discard keys before InitWait, disk keys "
	       "outside a transaction (Linux: all at connect, in one)"),
	F_BOOL("request_alignment", "false",
	       "check only start and total against sector-size (Linux: "
	       "every segment)"),
	F_BOOL("indirect_rsp_op", "false",
	       "answer indirect requests with op indirect (Linux: the "
	       "inner op)"),
	F_BOOL("unknown_op_error", "false",
	       "answer unknown operations error (Linux: eopnotsupp)"),
	F_BOOL("keep_flush_feature", "false",
	       "keep feature-flush-cache/barrier after a refused flush "
	       "(Linux: written 0)"),
	F_BOOL("mode_optional", "false",
	       "a missing mode means read-write (Linux: fatal)"),
	F_BOOL("mode_first_char", "false",
	       "read-only iff mode starts with r (Linux: iff it has no w)"),
	F_BOOL("strict_numbers", "false",
	       "numbers all digits, flags true only for 1 (Linux: sscanf "
	       "%u, any non-zero)"),
	F_BOOL("ring_keys", "false",
	       "read num-ring-pages and fall back to ring-ref0 (Linux: "
	       "ring-page-order and ring-ref%u, or ring-ref)"),
	F_BOOL("online_default", "false",
	       "a missing online keeps the device online (Linux: offline)"),
	F_BOOL("connect_via_initwait", "false",
	       "a frontend back from Closed gets InitWait first, one from "
	       "Closing is ignored (Linux: straight to Connected)"),
	F_BOOL("flush_unoffered", "false",
	       "answer a flush or barrier not offered eopnotsupp (Linux: "
	       "okay, no write cache)"),
};
static KIND(scn_blklenient, "disk.backend.lenient", false,
	    "blkback leniencies (all off: Linux 6.1)");

static const char *const blk_path_e[] = { "normal", "skip-initwait",
					  "stuck-initwait", NULL };
/* States a backend can be found in before its frontend starts, and the
 * ones set_backend_state writes. */
static const char *const initial_state_e[] = { "initwait", "connected",
					       "closed", NULL };
static const char *const set_state_e[] = { "initialising", "initwait",
					  "initialised", "connected",
					  "closing", "closed", NULL };
static const char *const sectors_unit_e[] = { "512", "sector-size", NULL };
/* enum xf_blkback_hostile, same names, same order. */
static const char *const blk_hostile_e[] = {
	"none", "rsp-prod-beyond", "id-out-of-range", "id-duplicate",
	"id-completed", "wrong-op", "unknown-status", "unpushed-request",
	NULL };
static const struct xf_scn_field scn_blkbe_f[] = {
	F_ENUM("path", blk_path_e, "normal",
	       "xenbus states the backend walks"),
	F_INT("queues", 1, 64, "4", "multi-queue-max-queues offered"),
	F_INT("ring_page_order", 0, 4, "4", "max-ring-page-order offered"),
	F_BOOL("persistent_grants", "true", "feature-persistent"),
	F_INT("indirect_segments", 0, 4096, "256",
	      "feature-max-indirect-segments (0: none)"),
	F_BOOL("flush", "true", "feature-flush-cache"),
	F_BOOL("barrier", "true", "feature-barrier"),
	F_BOOL("discard", "true", "feature-discard"),
	F_NUM("cpu_us", 0, 1e6, "0",
	      "backend CPU per ring request (on its queue's vCPU)"),
	F_ENUM("sectors_unit", sectors_unit_e, "512",
	       "unit of the sectors key it writes (512: Linux blkback; "
	       "sector-size: the pre-2024 blkif.h text)"),
	F_OBJ("lenient", &scn_blklenient,
	      "leniencies of the mock blkback (all off: Linux)"),
	F_ENUM("initial_state", initial_state_e, NULL,
	       "state the backend is in before the frontend starts "
	       "(unset: it starts as usual)"),
	F_DUR("handshake_delay", 0, 3600 * S, "0",
	      "the backend waits this long before each handshake step"),
	F_ENUM("hostile", blk_hostile_e, "none",
	       "one protocol violation of the mock blkback's responses "
	       "(mock-only)"),
	F_INT("hostile_after", 0, BIG, "0",
	      "good responses before the hostile one"),
};
static KIND(scn_blkbe, "disk.backend", false, "blkback features");

static const char *const cache_e[] = { "none", "volatile", NULL };
static const char *const flush_mode_e[] = { "honour", "ignore-flush",
					    "ignore-fua", "eopnotsupp",
					    NULL };
static const char *const loss_e[] = { "none", "subset", "reorder",
				      "torn", "all", NULL };
static const struct xf_scn_field scn_model_f[] = {
	F_NUM("latency_us", 0, 1e7, "50", "service time per request"),
	F_NUM("jitter_us", 0, 1e7, "0", "uniform extra latency"),
	F_NUM("flush_latency_us", 0, 1e7, "200", "service time of a flush"),
	F_ENUM("cache", cache_e, "volatile", "write cache of the disk"),
	F_ENUM("flush_mode", flush_mode_e, "honour",
	       "whether the cache honours flush and FUA"),
	F_INT("iops", 0, 1e9, "0", "IOPS limit of this disk (0: none)"),
	F_SIZE("bw", 0, 1e12, "0", "bytes/s limit (0: none)"),
	F_STR("image", "memory", "\"memory\" or an image file path"),
	F_ENUM("loss", loss_e, "none",
	       "what a power loss keeps of the cache"),
};
static KIND(scn_model, "disk.model", false, "disk model");

/* Defined with the vif kinds below; a host's net table uses it too. */
static const struct xf_scn_kind scn_vifbe;
static const struct xf_scn_field scn_host_f[] = {
	F_NAME,
	F_INT("storage_iops", 0, 1e9, "0",
	      "IOPS budget shared by every disk on the host (0: none)"),
	F_SIZE("storage_bw", 0, 1e12, "0", "shared bytes/s budget"),
	F_OBJ("blk", &scn_blkbe,
	      "blkback features for disks that migrate to this host"),
	F_OBJ("net", &scn_vifbe,
	      "netback features for vifs that migrate to this host"),
	F_NUM("link_gbps", 0.001, 1e4, "10",
	      "migration link, Gbit/s (a migration uses the slower end)"),
};
static KIND(scn_host, "host", true, "a backend host");

static const char *const completion_e[] = { "vcpu0", "driver",
					    "per-disk", NULL };
static const char *const prep_e[] = { "single", "spread", NULL };
static const struct xf_scn_field scn_vm_f[] = {
	F_NAME,
	F_REF("host", "host", "host whose backends serve it"),
	F_INT("vcpus", 1, 64, "1", "virtual CPUs"),
	F_ENUM("completion", completion_e, "vcpu0",
	       "where completions run (xenvbd NotifierDistributed 0/1/2)"),
	F_ENUM("preparation", prep_e, "single",
	       "where requests are prepared (DpcRedirection 0/1)"),
	F_NUM("prep_cost_us", 0, 1e6, "0", "CPU time to prepare one I/O"),
	F_NUM("completion_cost_us", 0, 1e6, "0",
	      "CPU time to complete one I/O"),
	F_SIZE("memory", 1 << 20, 1ull << 44, "1G",
	       "guest memory, sent by a live migration"),
	F_SIZE("dirty_rate", 0, 1e12, "16M",
	       "bytes/s the running guest dirties (re-sent by pre-copy)"),
	F_INT("precopy_max_rounds", 1, 100, "5",
	      "live pre-copy rounds before stop-and-copy (libxl: 5)"),
	F_DUR("switchover", 0, 60 * S, "1ms",
	      "paused time beyond the last copy (vCPU state, unpause)"),
};
static KIND(scn_vm, "vm", true, "a guest");

static const char *const evidx_e[] = { "ok", "stale", "ahead", NULL };
static const char *const clock_e[] = { "monotonic", "wall", NULL };
static const struct xf_scn_field scn_disk_f[] = {
	F_NAME,
	{ "vm", XF_SCN_REF, true, 0, 0, NULL, "vm", NULL, NULL,
	  "guest the disk is attached to" },
	F_SIZE("size", 4096, 1ull << 50, "1G", "capacity"),
	F_INT("sector_size", 512, 4096, "512", "logical sector size"),
	F_INT("queues", 1, 64, "0",
	      "queues the frontend asks for (0: one per vCPU)"),
	F_BOOL("readonly", "false", "read-only device"),
	F_DUR("connect_timeout", 1, 3600 * S, "30s",
	      "I/O is held this long while the backend is away"),
	F_DUR("watchdog", 0, 3600 * S, "0",
	      "lost-wakeup watchdog period of the frontend (0: off)"),
	F_ENUM("event_index_bug", evidx_e, "ok",
	       "frontend's rsp_event handling (stale/ahead: buggy)"),
	F_ENUM("timeout_clock", clock_e, "monotonic",
	       "clock the frontend's timeouts use (wall: buggy)"),
	F_ENUM("sectors_unit", sectors_unit_e, "512",
	       "unit the frontend reads the backend's sectors key in "
	       "(512: Linux; sector-size: the pre-2024 blkif.h text)"),
	F_OBJ("backend", &scn_blkbe, "backend features"),
	F_OBJ("model", &scn_model, "disk model"),
};
static KIND(scn_disk, "disk", true, "a virtual block device");

/* One switch per XF_NB_LENIENT_* bit, named as the bit in lower case
 * (the engine maps them in net-lenient.c): where the mock may answer
 * more kindly than Linux 6.1 xen-netback. */
static const struct xf_scn_field scn_viflen_f[] = {
	F_BOOL("connect_on_initialised", "false",
	       "connect on the frontend's Initialised (Linux: Connected only)"),
	F_BOOL("direct_states", "false",
	       "jump to InitWait/Closed (Linux: walk Closing, Closed)"),
	F_BOOL("tx_cross_page", "false",
	       "a tx slot over its page drops the packet (Linux: vif off)"),
	F_BOOL("tx_bad_gso", "false",
	       "a GSO extra of size 0 drops, an unknown type passes "
	       "(Linux: vif off)"),
	F_BOOL("tx_extra_type", "false",
	       "an extra of an invalid type is skipped (Linux: vif off)"),
	F_BOOL("tx_extra_limit", "false",
	       "stricter: over four tx extras stops the vif (Linux: any "
	       "number)"),
	F_BOOL("tx_short_first", "false",
	       "a first slot under 14 bytes passes when the packet is not "
	       "(Linux: dropped)"),
	F_BOOL("csum_fill", "false",
	       "fill checksums at ingress, vouch for verified rx (Linux: "
	       "keep partial)"),
};
static KIND(scn_viflen, "vif.backend.lenient", false,
	    "netback leniencies (mock-only)");

static const char *const vif_mode_e[] = { "correct", "no-csum-fill",
					  "bad-gso", "drop",
					  "drop-short-first", NULL };
static const struct xf_scn_field scn_vifbe_f[] = {
	F_BOOL("csum_offload", "true", "checksum offload (TX csum_blank)"),
	F_BOOL("ipv6_csum_offload", "true", "feature-ipv6-csum-offload"),
	F_BOOL("gso_tcpv4", "true", "feature-gso-tcpv4"),
	F_BOOL("gso_tcpv6", "true", "feature-gso-tcpv6"),
	F_BOOL("sg", "true", "feature-sg"),
	F_BOOL("split_event_channels", "true",
	       "feature-split-event-channels"),
	F_INT("queues", 1, 16, "1", "multi-queue-max-queues"),
	F_ENUM("mode", vif_mode_e, "correct", "offload behaviour"),
	F_SIZE("rate", 0, 1e12, "0", "bytes/s limit (0: none)"),
	F_OBJ("lenient", &scn_viflen,
	      "leniencies (a vif's keys override its host's net.lenient)"),
	F_ENUM("initial_state", initial_state_e, NULL,
	       "state the backend is in before the frontend starts "
	       "(unset: it starts as usual)"),
	F_DUR("handshake_delay", 0, 3600 * S, "0",
	      "the backend waits this long before each handshake step"),
};
static KIND(scn_vifbe, "vif.backend", false, "netback features");

static const char *const tx_layout_e[] = { "pullup", "raw", NULL };
static const struct xf_scn_field scn_viffe_f[] = {
	F_BOOL("sg", "true",
	       "scatter-gather (false: the ethtool -K eth0 sg off workaround)"),
	F_ENUM("tx_layout", tx_layout_e, "pullup",
	       "pullup: headers into slot one, chains over 18 slots "
	       "linearised; raw: fragments as given, over 18 dropped"),
	F_DUR("watchdog", 0, 3600 * S, "0",
	      "lost-wakeup watchdog period of the frontend (0: off)"),
	F_DUR("tx_timeout", 0, 3600 * S, "0",
	      "re-notify the backend when a tx slot waits this long (0: off)"),
	F_ENUM("event_index_bug", evidx_e, "ok",
	       "frontend's rsp_event handling (stale/ahead: buggy)"),
	F_BOOL("rx_bad_response_fatal", "false",
	       "a malformed rx response is a device error (Linux: packet "
	       "dropped)"),
	F_BOOL("rx_wait_partial", "false",
	       "keep an rx chain pushed in part for the rest (Linux: "
	       "dropped)"),
};
static KIND(scn_viffe, "vif.frontend", false, "netfront switches");

static const struct xf_scn_field scn_vif_f[] = {
	F_NAME,
	{ "vm", XF_SCN_REF, true, 0, 0, NULL, "vm", NULL, NULL,
	  "guest the vif belongs to" },
	F_STR("mac", NULL, "MAC address (default: derived from the name)"),
	F_STR("bridge", "br0", "switch the backend plugs it into"),
	F_INT("queues", 1, 16, "1", "queues the frontend asks for"),
	F_OBJ("backend", &scn_vifbe, "backend features"),
	F_OBJ("frontend", &scn_viffe, "frontend (netfront) switches"),
};
static KIND(scn_vif, "vif", true, "a virtual network interface");

static const char *const rw_e[] = { "read", "write", "randread",
				    "randwrite", "rw", "readwrite",
				    "randrw", "trim", NULL };
static const struct xf_scn_field scn_job_f[] = {
	F_NAME,
	{ "disk", XF_SCN_REF, true, 0, 0, NULL, "disk", NULL, NULL,
	  "disk the job runs on" },
	F_ENUM("rw", rw_e, "read", "I/O pattern (fio rw=)"),
	F_SIZE("bs", 512, 4 << 20, "4k", "block size"),
	F_INT("iodepth", 1, 4096, "1", "I/Os kept in flight per job"),
	F_INT("numjobs", 1, 64, "1", "clones of this job"),
	F_INT("rwmixread", 0, 100, "50", "percentage of reads in mixed rw"),
	F_SIZE("size", 0, 1ull << 50, "0", "region size (0: whole disk)"),
	F_SIZE("offset", 0, 1ull << 50, "0", "region start"),
	F_SIZE("io_size", 0, 1ull << 50, "0",
	       "bytes to transfer (0: until runtime)"),
	F_DUR("runtime", 0, 3600 * S, "0",
	      "how long to run (0: the scenario duration)"),
	F_DUR("startdelay", 0, 3600 * S, "0", "delay before starting"),
	F_BOOL("verify", "false",
	       "self-describing sectors, every read checked"),
	F_INT("rate_iops", 0, 1e9, "0", "IOPS cap (0: none)"),
	F_INT("fsync", 0, 1e9, "0", "flush every N writes (0: never)"),
	F_BOOL("fua", "false", "writes as barriers (durable on ack)"),
	F_INT("vcpu", -1, 63, "-1",
	      "vCPU that submits (-1: the VM's preparation policy)"),
};
static KIND(scn_job, "job", true, "a block workload (fio vocabulary)");

static const char *const proto_e[] = { "tcp", "udp", "tcp6", "udp6",
				       NULL };
static const char *const frag_layout_e[] = { "linear", "tiny-first",
					     "many", NULL };
static const struct xf_scn_field scn_flow_f[] = {
	F_NAME,
	{ "from", XF_SCN_REF, true, 0, 0, NULL, "vif", NULL, NULL,
	  "sending vif" },
	{ "to", XF_SCN_REF, true, 0, 0, NULL, "vif", NULL, NULL,
	  "receiving vif" },
	F_ENUM("proto", proto_e, "tcp", "transport"),
	F_SIZE("msg_size", 1, 1 << 20, "64k", "bytes per send"),
	F_INT("mss", 88, 65535, "1460", "TCP maximum segment size"),
	F_SIZE("bytes", 0, 1ull << 50, "0",
	       "bytes to send (0: until runtime)"),
	F_SIZE("rate", 0, 1e12, "0", "bytes/s (0: as fast as possible)"),
	F_DUR("runtime", 0, 3600 * S, "0", "0: the scenario duration"),
	F_BOOL("tso", "true", "let the frontend send GSO frames"),
	F_BOOL("csum_offload", "true", "leave checksums to the backend"),
	F_ENUM("frag_layout", frag_layout_e, "linear",
	       "fragments per frame handed to netfront (TX slot chain)"),
	F_INT("nfrags", 1, 64, "0",
	      "fragments per frame (0: 2 tiny-first, 19 many)"),
	F_SIZE("first_frag", 1, 4096, "6",
	       "tiny-first: bytes in the first fragment"),
};
static KIND(scn_flow, "flow", true, "a network flow");

static const char *const action_e[] = {
	"power_cut", "restart_backend", "crash_backend", "stall_backend",
	"resume_backend", "remove_device", "recreate_device", "error",
	"drop_notify", "clock_step", "migrate", "suspend", "resume",
	"set_flush_mode", "unplug", "set_backend_state", "close_frontend",
	"reopen_frontend", NULL };
/* Also the ctx:<action> methods of hooks (ctx.c). */
const char *const *const scn_action_names = action_e;
static const char *const status_e[] = { "error", "eopnotsupp", NULL };
static const char *const fop_e[] = { "any", "read", "write", "flush",
				     NULL };
static const struct xf_scn_field scn_fault_f[] = {
	F_DUR("at", 0, 3600 * S, NULL, "when (from the start of the run)"),
	{ "action", XF_SCN_ENUM, true, 0, 0, action_e, NULL, NULL, NULL,
	  "what happens" },
	{ "target", XF_SCN_STR, true, 0, 0, NULL, NULL, NULL, NULL,
	  "disk, vif, vm or host it happens to" },
	F_DUR("duration", 0, 3600 * S, "0", "how long (stall, remove)"),
	F_INT("count", 0, 1e9, "1", "how many (error, drop_notify)"),
	F_ENUM("status", status_e, "error", "error: response status"),
	F_ENUM("op", fop_e, "any", "error: which operations"),
	F_REF("to", "host", "migrate: destination host"),
	F_NUM("step_s", -1e9, 1e9, "0", "clock_step: seconds (signed)"),
	F_ENUM("flush_mode", flush_mode_e, "honour",
	       "set_flush_mode: new mode"),
	F_ENUM("state", set_state_e, NULL,
	       "set_backend_state: the state the backend writes"),
};
static KIND(scn_fault, "fault", false, "an event on the timeline");

/* Spelled as xen/io/xenbus.h names them, matched in any case. */
static const char *const xb_state_e[] = { "Unknown", "Initialising",
					  "InitWait", "Initialised",
					  "Connected", "Closing", "Closed",
					  "Reconfiguring", "Reconfigured",
					  NULL };
#define F_STATE(k, h) { k, XF_SCN_ENUM, false, 0, 0, xb_state_e, NULL, \
			NULL, NULL, h, true }
static const struct xf_scn_field scn_xbdev_f[] = {
	F_STATE("frontend_final", "last state the frontend wrote"),
	F_STATE("backend_final", "last state the backend wrote"),
};
static KIND(scn_xbdev, "expect.xenbus", false,
	    "xenbus expectations of one disk or vif");

static const char *const dur_e[] = { "ok", "loss", "degraded", NULL };
static const struct xf_scn_field scn_expect_f[] = {
	F_STR("name", NULL, "label in reports"),
	F_REF("job", "job", "only this job (default: all)"),
	F_REF("vm", "vm", "only this VM's jobs"),
	F_REF("flow", "flow", "only this flow"),
	F_NUM("iops_min", 0, 1e12, NULL, "total IOPS at least"),
	F_NUM("iops_max", 0, 1e12, NULL, "total IOPS at most"),
	F_NUM("iops_target", 0, 1e12, NULL, "total IOPS near this"),
	F_NUM("iops_tolerance_pct", 0, 100, "2", "for iops_target"),
	F_NUM("bw_min_mbps", 0, 1e9, NULL, "throughput at least (MB/s)"),
	F_NUM("p50_max_us", 0, 1e12, NULL, "median latency at most"),
	F_NUM("p99_max_us", 0, 1e12, NULL, "p99 latency at most"),
	F_NUM("p999_max_us", 0, 1e12, NULL, "p99.9 latency at most"),
	F_NUM("max_lat_max_us", 0, 1e12, NULL, "worst latency at most"),
	F_INT("lost_writes", 0, BIG, NULL, "lost writes at most"),
	F_INT("verify_errors", 0, BIG, NULL, "verification failures at most"),
	F_INT("io_errors", 0, BIG, NULL, "I/O errors at most"),
	F_INT("io_errors_min", 0, BIG, NULL, "I/O errors at least"),
	F_INT("hangs", 0, BIG, NULL, "I/Os never completed at most"),
	F_INT("double_completions", 0, BIG, NULL, "at most"),
	F_INT("bad_checksums", 0, BIG, NULL, "frames with bad checksums"),
	F_INT("bad_segments", 0, BIG, NULL, "badly segmented frames"),
	F_INT("undelivered_bytes", 0, BIG, NULL,
	      "flow bytes sent and never delivered, at most (default 0 "
	      "for every flow)"),
	F_INT("stalled_flows", 0, BIG, NULL,
	      "flows with frames never completed or bytes still in flight "
	      "at the end, at most (default 0 for every flow)"),
	F_INT("leaks", 0, BIG, NULL, "leaked grants + event channels"),
	F_ENUM("durability", dur_e, NULL, "expected durability verdict"),
	F_NUM("fairness_min", 0, 1, NULL, "Jain's index across VMs"),
	F_NUM("completion_share_max", 0, 1, NULL,
	      "largest share of completions on one vCPU at most"),
	F_NUM("vcpu_util_max", 0, 1, NULL, "busiest vCPU utilisation at most"),
	F_NUM("vcpu_util_min", 0, 1, NULL, "busiest vCPU utilisation at least"),
	F_NUM("pause_max_ms", 0, 1e9, NULL, "longest I/O pause at most"),
	F_NUM("reconnect_max_ms", 0, 1e9, NULL, "time to Connected at most"),
	F_NUM("gbps_min", 0, 1e6, NULL, "network throughput at least"),
	{ "xenbus", XF_SCN_MAP, false, 0, 0, NULL, NULL, &scn_xbdev, NULL,
	  "per disk or vif: { frontend_final = ..., backend_final = ... }" },
	F_INT("wedges", 0, BIG, NULL,
	      "devices whose handshake stopped for their connect timeout, "
	      "at most (default 0)"),
	F_FUNC("check", "function(r) -> ok[, message] over the results"),
	F_ENUM("mode", mode_e, "any",
	       "runs it is checked in (any: sim and real)"),
};
static KIND(scn_expect, "expect", false, "expectations");

const struct xf_scn_kind *const xf_scn_kinds[] = {
	&scn_scenario, &scn_host, &scn_vm, &scn_disk, &scn_vif, &scn_job,
	&scn_flow, &scn_fault, &scn_expect, &scn_blkbe, &scn_blklenient,
	&scn_model, &scn_vifbe, &scn_viflen, &scn_viffe, &scn_xbdev, NULL,
};

const struct xf_scn_kind *xf_scn_kind_by_name(const char *name)
{
	for (size_t i = 0; xf_scn_kinds[i]; i++)
		if (!strcmp(xf_scn_kinds[i]->name, name))
			return xf_scn_kinds[i];
	return NULL;
}
