/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/loop.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xfront/xen.h>
#include <xfront/xenbus.h>

#include "dom0util.h"

void dt_init(struct dt_ctx *c, const char *test)
{
	c->test = test;
	c->checks = 0;
	c->failed = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool dt_check(struct dt_ctx *c, bool ok, const char *name, const char *fmt,
	      ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	c->checks++;
	if (!ok)
		c->failed++;
	printf("XF-CHECK %s %s/%s: %s\n", ok ? "PASS" : "FAIL", c->test, name,
	       detail);
	return ok;
}

void dt_note(struct dt_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s: %s\n", c->test, msg);
}

int dt_finish(struct dt_ctx *c)
{
	bool ok = c->failed == 0 && c->checks > 0;

	printf("XF-RESULT %s %s checks=%u failed=%u\n", ok ? "PASS" : "FAIL",
	       c->test, c->checks, c->failed);
	fflush(stdout);
	return ok ? 0 : 1;
}

bool dt_open_counted(struct dt_ctx *c, struct xf_platform **p,
		     struct xf_platform **w, struct xf_xs **xs)
{
	int rc = xf_xen_platform_open(p);

	if (!dt_check(c, rc == 0, "platform-open", "rc=%d", rc))
		return false;
	*w = dt_count_platform(*p);
	rc = (*p)->store->open(*p, xs);
	return dt_check(c, rc == 0, "xs-open", "rc=%d", rc);
}

bool dt_rt_real(struct dt_ctx *c, unsigned int nr_vcpus, struct xf_rt **rt)
{
	struct xf_rt_config cfg;
	int rc;

	xf_rt_config_init(&cfg);
	cfg.mode = XF_RT_REAL;
	cfg.nr_vcpus = nr_vcpus;
	rc = xf_rt_new(&cfg, rt);
	return dt_check(c, rc == 0, "runtime-real", "rc=%d", rc);
}

bool dt_run_until(struct xf_rt *rt, bool (*done)(void), int timeout_ms)
{
	uint64_t end = xf_rt_now_ns(rt) + (uint64_t)timeout_ms * 1000000u;

	while (!done()) {
		if (xf_rt_now_ns(rt) >= end)
			return false;
		xf_rt_run(rt, end);
	}
	return true;
}

void dt_check_released(struct dt_ctx *c)
{
	struct dt_counts cn;

	dt_count_get(&cn);
	dt_check(c, cn.pages_shared > 0 &&
			    cn.pages_shared == cn.pages_unshared &&
			    cn.share_failed == 0,
		 "grants-released", "pages shared=%ld revoked=%ld (%ld calls)",
		 cn.pages_shared, cn.pages_unshared, cn.share_calls);
	dt_check(c, cn.ports_bound > 0 && cn.ports_bound == cn.ports_unbound,
		 "ports-released", "bound=%ld unbound=%ld", cn.ports_bound,
		 cn.ports_unbound);
}

uint64_t dt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int dt_wait_fd(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc > 0;
}

static int read_long(const struct xf_platform *p, struct xf_xs *xs,
		     const char *path, long *out)
{
	char *v = NULL, *end;
	int rc;

	rc = p->store->read(xs, XF_TXN_NONE, path, &v, NULL);
	if (rc)
		return rc;
	errno = 0;
	*out = strtol(v, &end, 10);
	rc = (errno || end == v || *end) ? -EINVAL : 0;
	free(v);
	return rc;
}

static void drain_watch(const struct xf_platform *p, struct xf_xs *xs)
{
	char *path, *token;

	while (p->store->read_watch(xs, &path, &token) == 0) {
		free(path);
		free(token);
	}
}

int dt_xs_wait_int(const struct xf_platform *p, struct xf_xs *xs,
		   const char *path, long want, int timeout_ms, long *last)
{
	uint64_t end = dt_now_ms() + (uint64_t)timeout_ms;
	long v = -1;
	int rc;

	rc = p->store->watch(xs, path, "dt-wait");
	if (rc)
		return rc;
	for (;;) {
		drain_watch(p, xs);
		if (read_long(p, xs, path, &v))
			v = -1;
		if (v >= want) {
			rc = 0;
			break;
		}
		uint64_t now = dt_now_ms();
		if (now >= end) {
			rc = -ETIMEDOUT;
			break;
		}
		rc = dt_wait_fd(p->store->fd(xs), (int)(end - now));
		if (rc < 0)
			break;
	}
	p->store->unwatch(xs, path, "dt-wait");
	if (last)
		*last = v;
	return rc;
}

long dt_xs_long(const struct xf_platform *p, struct xf_xs *xs,
		const char *dir, const char *key)
{
	char path[256];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (xf_xs_read_uint(p, xs, XF_TXN_NONE, path, UINT32_MAX, &v))
		return -1;
	return (long)v;
}

int dt_xs_write_all(const struct xf_platform *p, struct xf_xs *xs,
		    const char *dir, const char *const *kv)
{
	char path[256];
	int tries, rc = -EAGAIN;

	for (tries = 0; tries < 16 && rc == -EAGAIN; tries++) {
		xf_txn t;
		unsigned int i;

		rc = p->store->txn_start(xs, &t);
		if (rc)
			return rc;
		for (i = 0; kv[i] && kv[i + 1]; i += 2) {
			snprintf(path, sizeof(path), "%s/%s", dir, kv[i]);
			rc = p->store->write(xs, t, path, kv[i + 1],
					     strlen(kv[i + 1]));
			if (rc)
				break;
		}
		if (rc) {
			p->store->txn_end(xs, t, true);
			return rc;
		}
		rc = p->store->txn_end(xs, t, false);
	}
	return rc;
}

void dt_xenbus_close(struct dt_ctx *c, const struct xf_platform *p,
		     struct xf_xs *xs, const char *fe, const char *be)
{
	char fstate[256], bstate[256];
	long st = -1;
	int rc;

	snprintf(fstate, sizeof(fstate), "%s/state", fe);
	snprintf(bstate, sizeof(bstate), "%s/state", be);
	xf_xs_printf(p, xs, XF_TXN_NONE, fstate, "%d", XF_XENBUS_CLOSING);
	rc = dt_xs_wait_int(p, xs, bstate, XF_XENBUS_CLOSING, 10000, &st);
	dt_check(c, rc == 0, "backend-closing", "rc=%d state=%ld", rc, st);
	xf_xs_printf(p, xs, XF_TXN_NONE, fstate, "%d", XF_XENBUS_CLOSED);
	rc = dt_xs_wait_int(p, xs, bstate, XF_XENBUS_CLOSED, 10000, &st);
	dt_check(c, rc == 0 && st == XF_XENBUS_CLOSED, "backend-closed",
		 "rc=%d state=%ld", rc, st);
}

int dt_vbd_toolstack(const struct xf_platform *p, struct xf_xs *xs,
		     const struct dt_vbd *v)
{
	char dom[16], vdev[16], pdev[32];
	int rc;

	/* Frontend and backend are both dom0 here. */
	snprintf(dom, sizeof(dom), "%u", p->domid);
	snprintf(vdev, sizeof(vdev), "%u", v->vdev);
	snprintf(pdev, sizeof(pdev), "%x:%x", v->major, v->minor);
	const char *const fe_kv[] = { "backend", v->be, "backend-id", dom,
				      "state", "1", "virtual-device", vdev,
				      "device-type", "disk", NULL };
	rc = dt_xs_write_all(p, xs, v->fe, fe_kv);
	if (rc)
		return rc;
	const char *const be_kv[] = { "frontend", v->fe, "frontend-id", dom,
				      "online", "1", "state", "1",
				      "type", "phy",
				      "mode", v->readonly ? "r" : "w",
				      "dev", "xvda", "removable", "0",
				      "params", v->params ? v->params : "",
				      "physical-device", pdev, NULL };
	return dt_xs_write_all(p, xs, v->be, be_kv);
}

int dt_vif_toolstack(const struct xf_platform *p, struct xf_xs *xs,
		     const char *fe, const char *be, unsigned int handle,
		     const char *mac)
{
	char dom[16], h[16];
	int rc;

	snprintf(dom, sizeof(dom), "%u", p->domid);
	snprintf(h, sizeof(h), "%u", handle);
	const char *const fe_kv[] = { "backend", be, "backend-id", dom,
				      "state", "1", "handle", h, "mac", mac,
				      NULL };
	rc = dt_xs_write_all(p, xs, fe, fe_kv);
	if (rc)
		return rc;
	const char *const be_kv[] = { "frontend", fe, "frontend-id", dom,
				      "online", "1", "state", "1",
				      "handle", h, "mac", mac, "type", "vif",
				      "script", "/etc/xen/scripts/vif-bridge",
				      NULL };
	return dt_xs_write_all(p, xs, be, be_kv);
}

int dt_vif_hotplug_done(const struct xf_platform *p, struct xf_xs *xs,
			const char *be)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/hotplug-status", be);
	return p->store->write(xs, XF_TXN_NONE, path, "connected", 9);
}

int dt_disk_image(const char *path, uint64_t bytes, const void *head,
		  size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes) < 0 ||
	    (len && pwrite(fd, head, len, 0) != (ssize_t)len))
		rc = -errno;
	close(fd);
	return rc;
}

int dt_evtchn_wait(const struct xf_platform *p, struct xf_evtch *h,
		   int timeout_ms)
{
	uint64_t end = dt_now_ms() + (uint64_t)timeout_ms;
	int rc;

	for (;;) {
		rc = p->evtchn->pending(h);
		if (rc >= 0) {
			p->evtchn->unmask(h, (xf_port)rc);
			return rc;
		}
		if (rc != -EAGAIN)
			return rc;
		uint64_t now = dt_now_ms();
		if (now >= end)
			return -ETIMEDOUT;
		rc = dt_wait_fd(p->evtchn->fd(h), (int)(end - now));
		if (rc < 0)
			return rc;
	}
}

int dt_loop_attach(const char *file, char *dev, size_t devlen,
		   unsigned int *major, unsigned int *minor)
{
	struct stat st;
	int ctl, n, lfd, ffd, rc = 0;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	rc = n < 0 ? -errno : 0;
	close(ctl);
	if (rc)
		return rc;
	snprintf(dev, devlen, "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0)
		return -errno;
	ffd = open(file, O_RDWR | O_CLOEXEC);
	if (ffd < 0) {
		rc = -errno;
		close(lfd);
		return rc;
	}
	if (ioctl(lfd, LOOP_SET_FD, ffd) < 0)
		rc = -errno;
	else if (fstat(lfd, &st) < 0)
		rc = -errno;
	close(ffd);
	close(lfd);
	if (rc)
		return rc;
	*major = major(st.st_rdev);
	*minor = minor(st.st_rdev);
	return 0;
}

int dt_loop_detach(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, LOOP_CLR_FD, 0) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int dt_loop_detach_wait(const char *dev, int timeout_ms)
{
	uint64_t end = dt_now_ms() + (uint64_t)timeout_ms;
	int rc;

	while ((rc = dt_loop_detach(dev)) == -EBUSY && dt_now_ms() < end)
		dt_wait_fd(-1, 50);
	return rc;
}

int dt_packet_socket(const char *ifname, int rcvbuf)
{
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (s < 0)
		return -errno;
	if (rcvbuf > 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return s;
fail:
	{
		int err = -errno;

		close(s);
		return err ? err : -EIO;
	}
}
