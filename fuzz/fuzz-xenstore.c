// SPDX-License-Identifier: MIT
/*
 * Fuzz target: xenstore value parsing (xf_xs_read_uint, xf_xs_read_str,
 * xf_blkif_abi_parse) over a fake store whose values come from the input:
 * a hostile backend publishing "sector-size", "max-ring-page-order",
 * "multi-queue-max-queues" and friends.
 *
 * Every result is checked against a reference parser written here:
 * strict unsigned decimal, no sign, blank or suffix, no embedded NUL,
 * no overflow, at most max; -ENOENT when the key is absent; the output
 * is untouched on error.
 *
 * Input: repeated records
 *   u8 flags   (bit 0: key absent, bit 1: store read fails with -EIO)
 *   u8 maxsel  (which max: see pick_max)
 *   [u64 max when maxsel selects a raw one]
 *   u8 len, len value bytes (may hold NULs)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/blkif.h>
#include <xfront/platform.h>

#include "fuzz.h"

struct fake_xs {
	const uint8_t *val;
	size_t len;
	bool absent;
	bool fail;
	unsigned int reads;
};

static int fake_read(struct xf_xs *xs, xf_txn t, const char *path,
		     char **val, size_t *len)
{
	struct fake_xs *f = (struct fake_xs *)xs;
	char *v;

	(void)t;
	(void)path;
	f->reads++;
	if (f->absent)
		return -ENOENT;
	if (f->fail)
		return -EIO;
	/* As the platforms do: malloc'ed, NUL-terminated, len without it. */
	v = malloc(f->len + 1);
	if (!v)
		return -ENOMEM;
	if (f->len)
		memcpy(v, f->val, f->len);
	v[f->len] = '\0';
	*val = v;
	*len = f->len;
	return 0;
}

static const struct xf_store_ops fake_store = {
	.read = fake_read,
};

static uint64_t pick_max(struct fz_in *in, uint8_t sel)
{
	/* The maxima the frontends and backends use, plus edges. */
	static const uint64_t maxes[] = {
		0, 1, XF_MAX_RING_PAGE_ORDER, 16, 255, 4096, 65535,
		UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX - 1,
		UINT64_MAX,
	};
	size_t n = sizeof(maxes) / sizeof(maxes[0]);

	if (sel < n)
		return maxes[sel];
	if (sel == 0xff)
		return fz_u64(in);
	return maxes[sel % n];
}

/* The reference: what xf_xs_read_uint must answer. */
static int ref_parse(const uint8_t *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL; /* includes NUL, sign, blanks */
		d = s[i] - '0';
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return -EINVAL;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void one_record(struct fz_in *in)
{
	uint8_t flags = fz_u8(in);
	uint8_t sel = fz_u8(in);
	uint64_t max = pick_max(in, sel);
	size_t len = fz_u8(in);
	uint8_t *val = malloc(len ? len : 1);
	struct fake_xs fx = { 0 };
	struct xf_platform p = { .name = "fuzz", .store = &fake_store };
	uint64_t out = 0x5a5a5a5a5a5a5a5aull, want = 0;
	enum xf_blkif_abi abi = (enum xf_blkif_abi)77;
	char *str = (char *)0x1;
	int rc, ref;
	bool has_nul;

	FZ_CHECK(val);
	fz_bytes(in, val, len);
	fx.val = val;
	fx.len = len;
	fx.absent = flags & 1;
	fx.fail = flags & 2;
	has_nul = len && memchr(val, 0, len) != NULL;

	rc = xf_xs_read_uint(&p, (struct xf_xs *)&fx, XF_TXN_NONE,
			     "backend/sector-size", max, &out);
	if (fx.absent)
		ref = -ENOENT;
	else if (fx.fail)
		ref = -EIO;
	else
		ref = ref_parse(val, len, max, &want);
	FZ_CHECK(rc == ref);
	if (rc == 0)
		FZ_CHECK(out == want);
	else
		FZ_CHECK(out == 0x5a5a5a5a5a5a5a5aull);

	/* Strings: refused with an embedded NUL, else returned whole. */
	rc = xf_xs_read_str(&p, (struct xf_xs *)&fx, XF_TXN_NONE, "protocol",
			    &str);
	if (fx.absent || fx.fail) {
		FZ_CHECK(rc == (fx.absent ? -ENOENT : -EIO));
		FZ_CHECK(str == NULL);
	} else if (has_nul) {
		FZ_CHECK(rc == -EINVAL);
		FZ_CHECK(str == NULL);
	} else {
		FZ_CHECK(rc == 0 && str);
		FZ_CHECK(strlen(str) == len && memcmp(str, val, len) == 0);
		rc = xf_blkif_abi_parse(str, &abi);
		if (strcmp(str, "x86_64-abi") == 0)
			FZ_CHECK(rc == 0 && abi == XF_BLKIF_ABI_X86_64);
		else if (strcmp(str, "x86_32-abi") == 0)
			FZ_CHECK(rc == 0 && abi == XF_BLKIF_ABI_X86_32);
		else
			FZ_CHECK(rc == -EINVAL &&
				 abi == (enum xf_blkif_abi)77);
		free(str);
	}
	free(val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	unsigned int n = 0;

	fz_init(&in, data, size);
	do
		one_record(&in);
	while (fz_left(&in) && ++n < 256);
	return 0;
}
