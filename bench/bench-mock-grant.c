/* SPDX-License-Identifier: MIT */
/*
 * Cost of one grant round trip on the mock platform, as a frontend
 * without persistent grants pays it per I/O page: share, map by the
 * peer, write through the mapping, unmap, unshare.
 *
 * Usage: bench-mock-grant [--count N] [--pages P] [--comparator 0|1]
 * Prints nanoseconds per cycle and the ratio to a comparator measured in
 * the same run: one bare mmap+munmap of P memfd pages, the floor of a
 * grant path that maps per call. For an instruction count run it under
 * callgrind with N and 2N cycles, --comparator 0, and divide the
 * difference by N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xfront/platform.h>
#include <xfront/mock.h>

#define MAX_PAGES 64

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cycle(struct xf_platform *fe, struct xf_platform *be,
		 unsigned int pages)
{
	xf_gref refs[MAX_PAGES];
	uint8_t *a, *b;
	int rc;

	rc = fe->gnt->share(fe, be->domid, pages, true, refs, (void **)&a);
	if (rc)
		return rc;
	rc = be->gnt->map(be, fe->domid, pages, refs, true, (void **)&b);
	if (rc)
		return rc;
	b[pages * XF_PAGE_SIZE - 1] = 1;
	if (a[pages * XF_PAGE_SIZE - 1] != 1)
		return -EIO;
	rc = be->gnt->unmap(be, b, pages);
	if (!rc)
		rc = fe->gnt->unshare(fe, a, pages);
	return rc;
}

/* The comparator: map, touch and unmap P pages of a memfd. */
static int bare_mmap(int fd, unsigned int pages)
{
	uint8_t *p = mmap(NULL, pages * XF_PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	p[pages * XF_PAGE_SIZE - 1] = 1;
	return munmap(p, pages * XF_PAGE_SIZE) ? -errno : 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 100000, i;
	unsigned int pages = 1, compare = 1;
	struct xf_platform *fe, *be;
	struct xf_mock_hv *hv;
	double t0, t1, t2, cyc;
	int rc, k, fd;

	for (k = 1; k + 1 < argc; k += 2) {
		if (!strcmp(argv[k], "--count"))
			count = strtoul(argv[k + 1], NULL, 0);
		else if (!strcmp(argv[k], "--pages"))
			pages = (unsigned int)strtoul(argv[k + 1], NULL, 0);
		else if (!strcmp(argv[k], "--comparator"))
			compare = (unsigned int)strtoul(argv[k + 1], NULL, 0);
		else
			break;
	}
	if (k != argc || !count || !pages || pages > MAX_PAGES) {
		fprintf(stderr, "usage: %s [--count N] [--pages 1..%d] "
			"[--comparator 0|1]\n", argv[0], MAX_PAGES);
		return 2;
	}
	if (xf_mock_hv_new(&hv) || xf_mock_domain_new(hv, 0, &be) ||
	    xf_mock_domain_new(hv, 1, &fe)) {
		fprintf(stderr, "mock set-up failed\n");
		return 1;
	}
	/* Warm up: the first share grows the grant memory. */
	rc = cycle(fe, be, pages);
	t0 = now_ns();
	for (i = 0; !rc && i < count; i++)
		rc = cycle(fe, be, pages);
	t1 = now_ns();
	cyc = (t1 - t0) / (double)count;
	xf_mock_hv_free(hv);
	if (rc) {
		fprintf(stderr, "cycle %lu failed: %s\n", i, strerror(-rc));
		return 1;
	}
	printf("share+map+unmap+unshare, %u page(s): %.0f ns/cycle over %lu\n",
	       pages, cyc, count);
	if (!compare)
		return 0;
	t1 = now_ns();
	fd = memfd_create("bench-mock-grant", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)pages * XF_PAGE_SIZE)) {
		perror("memfd");
		return 1;
	}
	for (i = 0; !rc && i < count; i++)
		rc = bare_mmap(fd, pages);
	t2 = now_ns();
	close(fd);
	if (rc) {
		fprintf(stderr, "mmap: %s\n", strerror(-rc));
		return 1;
	}
	printf("bare mmap+munmap comparator:        %.0f ns (ratio %.3f)\n",
	       (t2 - t1) / (double)count, cyc / ((t2 - t1) / (double)count));
	return 0;
}
