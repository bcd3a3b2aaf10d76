/* SPDX-License-Identifier: MIT */
/*
 * Helpers for test programs that run inside a Xen dom0 (the initramfs
 * booted by dom0-run.sh) against the xen platform and the dom0 kernel's
 * backends.
 *
 * Output protocol, parsed by dom0-run.sh (one line each):
 *   XF-CHECK PASS <test>/<check>: <detail>
 *   XF-CHECK FAIL <test>/<check>: <detail>
 *   XF-RESULT PASS|FAIL <test> checks=<n> failed=<m>
 * A test program exits 0 only when every check passed. The dom0 /init
 * additionally prints "XF-TEST <binary> PASS|FAIL rc=<exit code>".
 *
 * These are test drivers, not library code: they block and print.
 */
#ifndef XF_DOM0UTIL_H
#define XF_DOM0UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <xfront/platform.h>
#include <xfront/runtime.h>

struct dt_ctx {
	const char *test;
	unsigned int checks;
	unsigned int failed;
};

void dt_init(struct dt_ctx *c, const char *test);
/* Records one check; returns ok so callers can bail out. */
bool dt_check(struct dt_ctx *c, bool ok, const char *name, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
void dt_note(struct dt_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the XF-RESULT line; returns the exit code (0 pass, 1 fail). */
int dt_finish(struct dt_ctx *c);

/* Opens the xen platform *p, its counting wrapper *w (dom0count.c) and a
 * xenstore connection on *p, as the checks platform-open and xs-open.
 * false when one failed (the caller then returns dt_finish()). */
bool dt_open_counted(struct dt_ctx *c, struct xf_platform **p,
		     struct xf_platform **w, struct xf_xs **xs);
/* A real-mode runtime of nr_vcpus vCPUs, as the check runtime-real. */
bool dt_rt_real(struct dt_ctx *c, unsigned int nr_vcpus, struct xf_rt **rt);
/* Runs rt until done() holds or timeout_ms of runtime time passed. The
 * callbacks stop the runtime whenever something changed, so done() is
 * checked again after every stop. */
bool dt_run_until(struct xf_rt *rt, bool (*done)(void), int timeout_ms);
/* The checks grants-released and ports-released: the counting wrapper
 * saw pages shared and ports bound, and every one given back. */
void dt_check_released(struct dt_ctx *c);

uint64_t dt_now_ms(void);
/* poll() one fd for input; 1 readable, 0 timeout, -errno. */
int dt_wait_fd(int fd, int timeout_ms);

/* Waits (watch-driven, no polling loop) until the integer at path is
 * >= want. Returns the last value read, or -1 when absent/unparsable,
 * in *last. 0 when reached, -ETIMEDOUT, or -errno. */
int dt_xs_wait_int(const struct xf_platform *p, struct xf_xs *xs,
		   const char *path, long want, int timeout_ms, long *last);

/* The unsigned key dir/key (at most UINT32_MAX); -1 when absent or not
 * a number. */
long dt_xs_long(const struct xf_platform *p, struct xf_xs *xs,
		const char *dir, const char *key);

/* Writes "key=value" pairs under dir in one transaction, retrying on
 * EAGAIN. kv is a NULL-terminated list: key, value, key, value, NULL. */
int dt_xs_write_all(const struct xf_platform *p, struct xf_xs *xs,
		    const char *dir, const char *const *kv);

/* Waits for the next pending port on h (unmasking it). Returns the port,
 * -ETIMEDOUT or -errno. */
int dt_evtchn_wait(const struct xf_platform *p, struct xf_evtch *h,
		   int timeout_ms);

/* Toolstack step for a vbd served by the dom0 kernel's blkback: the
 * frontend directory first (xenbus checks it exists when it probes the
 * backend), then the backend directory including physical-device (hex
 * major:minor, normally written by the hotplug script), each in one
 * transaction. fe/be are full paths; use a frontend device type the
 * dom0 kernel's own blkfront ignores (e.g. device/vbd-user/<vdev>). */
struct dt_vbd {
	const char *fe, *be;
	unsigned int vdev;
	unsigned int major, minor; /* of the block device to export */
	const char *params;        /* informational (blkback ignores it) */
	bool readonly;
};
int dt_vbd_toolstack(const struct xf_platform *p, struct xf_xs *xs,
		     const struct dt_vbd *v);

/* The frontend's side of an orderly xenbus close: Closing, then Closed,
 * each time waiting for the backend to follow, as the checks
 * backend-closing and backend-closed. */
void dt_xenbus_close(struct dt_ctx *c, const struct xf_platform *p,
		     struct xf_xs *xs, const char *fe, const char *be);

/* Same for a vif served by netback (device/vif-user/<handle> for the
 * frontend); netback needs a "script" key even though none runs, and
 * hotplug-status=connected (dt_vif_hotplug_done) before it connects. */
int dt_vif_toolstack(const struct xf_platform *p, struct xf_xs *xs,
		     const char *fe, const char *be, unsigned int handle,
		     const char *mac);
int dt_vif_hotplug_done(const struct xf_platform *p, struct xf_xs *xs,
			const char *be);

/* Creates (truncates) a sparse image of bytes with head at offset 0. */
int dt_disk_image(const char *path, uint64_t bytes, const void *head,
		  size_t len);

/* Attaches file to a free loop device. dev receives "/dev/loopN". */
int dt_loop_attach(const char *file, char *dev, size_t devlen,
		   unsigned int *major, unsigned int *minor);
int dt_loop_detach(const char *dev);
/* dt_loop_detach(), retried while the device is busy, for up to
 * timeout_ms: blkback drops its reference asynchronously after the
 * backend directory disappears. */
int dt_loop_detach_wait(const char *dev, int timeout_ms);

/* A raw AF_PACKET socket on every protocol of ifname, which it brings
 * up; rcvbuf > 0 sets SO_RCVBUF. The fd, or -errno. */
int dt_packet_socket(const char *ifname, int rcvbuf);

/* Counting wrapper (dom0count.c): a platform that forwards every call to
 * real and counts grants shared/revoked, event channels bound/unbound and
 * handles opened/closed, so a test can assert a library left nothing
 * behind. One per process. */
struct dt_counts {
	long pages_shared, pages_unshared, share_calls, share_failed;
	long ports_bound, ports_unbound;
	long evtchn_open, evtchn_closed;
	long xs_open, xs_closed;
};
struct xf_platform *dt_count_platform(struct xf_platform *real);
void dt_count_get(struct dt_counts *out);

#endif /* XF_DOM0UTIL_H */
