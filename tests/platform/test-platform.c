// SPDX-License-Identifier: MIT
/* Platform convenience wrappers over a tiny fake store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xfront/platform.h>

#include "xt.h"

/* The fake store holds one key; reads of anything else are -ENOENT. */
static const char *fake_key = "dev/x";
static const char *fake_val;
static size_t fake_len;
static int fake_err;
static char written[256];
static size_t written_len;
static char written_path[64];

static int fake_read(struct xf_xs *xs, xf_txn t, const char *path, char **val,
		     size_t *len)
{
	char *v;

	(void)xs;
	(void)t;
	if (fake_err)
		return fake_err;
	if (strcmp(path, fake_key) != 0 || !fake_val)
		return -ENOENT;
	v = malloc(fake_len + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, fake_val, fake_len);
	v[fake_len] = '\0';
	*val = v;
	*len = fake_len;
	return 0;
}

static int fake_write(struct xf_xs *xs, xf_txn t, const char *path,
		      const void *val, size_t len)
{
	(void)xs;
	(void)t;
	if (fake_err)
		return fake_err;
	if (len >= sizeof(written))
		return -E2BIG;
	memcpy(written, val, len);
	written[len] = '\0';
	written_len = len;
	snprintf(written_path, sizeof(written_path), "%s", path);
	return 0;
}

static const struct xf_store_ops fake_store = {
	.read = fake_read,
	.write = fake_write,
};

static const struct xf_platform fake = {
	.name = "fake",
	.domid = 1,
	.store = &fake_store,
};

static void set_val(const char *v)
{
	fake_val = v;
	fake_len = v ? strlen(v) : 0;
	fake_err = 0;
}

static int read_uint(const char *v, uint64_t max, uint64_t *out)
{
	set_val(v);
	return xf_xs_read_uint(&fake, NULL, XF_TXN_NONE, fake_key, max, out);
}

START_TEST(read_uint_accepts_plain_decimal)
{
	uint64_t v = 99;

	ck_assert_int_eq(read_uint("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(read_uint("42", 100, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(read_uint("007", 100, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(read_uint("100", 100, &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(read_uint("18446744073709551615", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(read_uint("4294967296", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 4294967296ull);
}
END_TEST

START_TEST(read_uint_rejects_junk)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1\n", "0x10", "12a", "1.0",
		"-0", "1e3", "18446744073709551616", "99999999999999999999",
		"184467440737095516150",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 1234;

		ck_assert_msg(read_uint(bad[i], UINT64_MAX, &v) == -EINVAL,
			      "accepted \"%s\"", bad[i]);
		ck_assert_uint_eq(v, 1234);
	}
}
END_TEST

START_TEST(read_uint_enforces_max)
{
	uint64_t v = 5;

	ck_assert_int_eq(read_uint("101", 100, &v), -EINVAL);
	ck_assert_int_eq(read_uint("1", 0, &v), -EINVAL);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(read_uint("0", 0, &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(read_uint_absent_and_errors)
{
	uint64_t v = 5;

	set_val(NULL);
	ck_assert_int_eq(xf_xs_read_uint(&fake, NULL, 0, fake_key, 10, &v),
			 -ENOENT);
	set_val("3");
	ck_assert_int_eq(xf_xs_read_uint(&fake, NULL, 0, "other", 10, &v),
			 -ENOENT);
	fake_err = -EACCES;
	ck_assert_int_eq(xf_xs_read_uint(&fake, NULL, 0, fake_key, 10, &v),
			 -EACCES);
	ck_assert_uint_eq(v, 5);
	/* An embedded NUL ("1\0" + "2") is not the number 1. */
	fake_val = "1\0002";
	fake_len = 3;
	fake_err = 0;
	ck_assert_int_eq(xf_xs_read_uint(&fake, NULL, 0, fake_key, 10, &v),
			 -EINVAL);
	ck_assert_uint_eq(v, 5);
}
END_TEST

START_TEST(read_str_returns_owned_copy)
{
	char *s = NULL;

	set_val("online");
	ck_assert_int_eq(xf_xs_read_str(&fake, NULL, 0, fake_key, &s), 0);
	ck_assert_str_eq(s, "online");
	free(s);
	s = (char *)1;
	set_val(NULL);
	ck_assert_int_eq(xf_xs_read_str(&fake, NULL, 0, fake_key, &s),
			 -ENOENT);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(printf_writes_formatted_value)
{
	set_val(NULL);
	ck_assert_int_eq(xf_xs_printf(&fake, NULL, 0, "dev/ring-ref%u",
				      "%u", 4294967295u), 0);
	ck_assert_str_eq(written, "4294967295");
	ck_assert_uint_eq(written_len, 10);
	ck_assert_str_eq(written_path, "dev/ring-ref%u");
	ck_assert_int_eq(xf_xs_printf(&fake, NULL, 0, "p", "%s", ""), 0);
	ck_assert_uint_eq(written_len, 0);
	fake_err = -EROFS;
	ck_assert_int_eq(xf_xs_printf(&fake, NULL, 0, "p", "%d", 1), -EROFS);
}
END_TEST

/* Linux's xenbus_scanf("%u"): leading digits count, the rest is
 * ignored, signs and 32-bit wrap as C's %u; no digit is -EINVAL. */
START_TEST(read_scanu_reads_as_linux)
{
	static const struct { const char *in; uint32_t want; } ok[] = {
		{ "1", 1 }, { "2", 2 }, { " 7", 7 }, { "12a", 12 },
		{ "1.0", 1 }, { "0x10", 0 }, { "+3", 3 }, { "-1", 4294967295u },
		{ "4294967297", 1 }, { "\t\n5 ", 5 },
	};
	static const char *const bad[] = { "", "a1", " ", "-", "x" };
	uint32_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		set_val(ok[i].in);
		ck_assert_msg(xf_xs_read_scanu(&fake, NULL, XF_TXN_NONE,
					       fake_key, &v) == 0 &&
			      v == ok[i].want, "\"%s\" read as %u", ok[i].in,
			      v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_val(bad[i]);
		ck_assert_int_eq(xf_xs_read_scanu(&fake, NULL, XF_TXN_NONE,
						  fake_key, &v), -EINVAL);
	}
	set_val(NULL);
	fake_err = -ENOENT;
	ck_assert_int_eq(xf_xs_read_scanu(&fake, NULL, XF_TXN_NONE, fake_key,
					  &v), -ENOENT);
}
END_TEST

/* xenbus_dev_fatal()'s node under the writer's own domain. */
START_TEST(write_fatal_writes_the_error_node)
{
	set_val(NULL);
	ck_assert_int_eq(xf_xs_write_fatal(&fake, NULL, "vbd", 3, 51712,
					   -EINVAL, "mode missing"), 0);
	ck_assert_str_eq(written_path,
			 "/local/domain/1/error/backend/vbd/3/51712/error");
	ck_assert_str_eq(written, "22 mode missing");
}
END_TEST

START_TEST(strv_free_frees_everything)
{
	char **v = calloc(3, sizeof(*v));
	unsigned int i;

	ck_assert_ptr_nonnull(v);
	for (i = 0; i < 3; i++) {
		v[i] = strdup("name");
		ck_assert_ptr_nonnull(v[i]);
	}
	/* ASan's leak check fails the run if anything is left. */
	xf_strv_free(v, 3);
	xf_strv_free(NULL, 0);
}
END_TEST

XT_SUITE("ring-platform")
{
	TCase *tc = xt_tcase("wrappers");

	tcase_add_test(tc, read_uint_accepts_plain_decimal);
	tcase_add_test(tc, read_uint_rejects_junk);
	tcase_add_test(tc, read_uint_enforces_max);
	tcase_add_test(tc, read_uint_absent_and_errors);
	tcase_add_test(tc, read_str_returns_owned_copy);
	tcase_add_test(tc, printf_writes_formatted_value);
	tcase_add_test(tc, strv_free_frees_everything);
	tcase_add_test(tc, read_scanu_reads_as_linux);
	tcase_add_test(tc, write_fatal_writes_the_error_node);
}
