/* SPDX-License-Identifier: MIT */
/* The intrusive FIFO macros and the name tables of util.h. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <xfront/util.h>

#include "xt.h"

struct item {
	struct item *next;
	int key;
};

typedef XF_FIFO(struct item) itemlist;

/* Checks the links head to tail against keys, and that tail is last. */
static void expect(const itemlist *q, const int *keys, unsigned int n)
{
	const struct item *e = q->head, *last = NULL;

	for (unsigned int i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->key, keys[i]);
		last = e;
		e = e->next;
	}
	ck_assert_ptr_null(e);
	ck_assert_ptr_eq(q->tail, last);
}

static bool key_le(const struct item *a, const struct item *b)
{
	return a->key <= b->key;
}

START_TEST(push_pop_front)
{
	struct item it[3] = { { .key = 0 }, { .key = 1 }, { .key = 2 } };
	itemlist q = XF_FIFO_INIT;

	ck_assert(XF_FIFO_EMPTY(&q));
	ck_assert_ptr_null(XF_FIFO_POP(&q, next));
	XF_FIFO_PUSH(&q, &it[1], next);
	XF_FIFO_PUSH(&q, &it[2], next);
	XF_FIFO_PUSH_FRONT(&q, &it[0], next);
	expect(&q, (const int[]){ 0, 1, 2 }, 3);
	ck_assert_ptr_eq(XF_FIFO_HEAD(&q), &it[0]);
	ck_assert_ptr_eq(XF_FIFO_POP(&q, next), &it[0]);
	ck_assert_ptr_null(it[0].next);
	ck_assert_ptr_eq(XF_FIFO_POP(&q, next), &it[1]);
	ck_assert_ptr_eq(XF_FIFO_POP(&q, next), &it[2]);
	ck_assert(XF_FIFO_EMPTY(&q));
	ck_assert_ptr_null(q.tail);
	/* Into an empty queue the front is the tail too. */
	XF_FIFO_PUSH_FRONT(&q, &it[1], next);
	expect(&q, (const int[]){ 1 }, 1);
}
END_TEST

START_TEST(splice_both_ends)
{
	struct item it[4] = { { .key = 0 }, { .key = 1 }, { .key = 2 },
			      { .key = 3 } };
	itemlist a = XF_FIFO_INIT, b = XF_FIFO_INIT;

	XF_FIFO_SPLICE(&a, &b, next);
	XF_FIFO_SPLICE_FRONT(&a, &b, next);
	ck_assert(XF_FIFO_EMPTY(&a));
	XF_FIFO_PUSH(&b, &it[1], next);
	XF_FIFO_SPLICE_FRONT(&a, &b, next); /* into empty */
	expect(&a, (const int[]){ 1 }, 1);
	ck_assert(XF_FIFO_EMPTY(&b));
	ck_assert_ptr_null(b.tail);
	XF_FIFO_PUSH(&b, &it[3], next);
	XF_FIFO_SPLICE(&a, &b, next);
	XF_FIFO_PUSH(&b, &it[0], next);
	XF_FIFO_SPLICE_FRONT(&a, &b, next);
	expect(&a, (const int[]){ 0, 1, 3 }, 3);
	XF_FIFO_PUSH(&b, &it[2], next);
	XF_FIFO_SPLICE_FRONT(&b, &a, next); /* non-empty both */
	expect(&b, (const int[]){ 0, 1, 3, 2 }, 4);
	ck_assert(XF_FIFO_EMPTY(&a));
}
END_TEST

START_TEST(insert_sorted_is_stable)
{
	struct item it[5] = { { .key = 2 }, { .key = 1 }, { .key = 2 },
			      { .key = 3 }, { .key = 0 } };
	itemlist q = XF_FIFO_INIT;

	for (unsigned int i = 0; i < 5; i++)
		XF_FIFO_INSERT_SORTED(&q, &it[i], next, key_le);
	expect(&q, (const int[]){ 0, 1, 2, 2, 3 }, 5);
	/* Equal keys keep arrival order. */
	ck_assert_ptr_eq(it[1].next, &it[0]);
	ck_assert_ptr_eq(it[0].next, &it[2]);
	ck_assert_ptr_eq(q.tail, &it[3]);
}
END_TEST

START_TEST(remove_anywhere)
{
	struct item it[4] = { { .key = 0 }, { .key = 1 }, { .key = 2 },
			      { .key = 3 } };
	struct item other = { .key = 9 };
	itemlist q = XF_FIFO_INIT;

	XF_FIFO_REMOVE(&q, &other, next); /* empty: nothing */
	for (unsigned int i = 0; i < 4; i++)
		XF_FIFO_PUSH(&q, &it[i], next);
	XF_FIFO_REMOVE(&q, &other, next); /* absent: nothing */
	expect(&q, (const int[]){ 0, 1, 2, 3 }, 4);
	XF_FIFO_REMOVE(&q, &it[3], next); /* tail */
	expect(&q, (const int[]){ 0, 1, 2 }, 3);
	XF_FIFO_REMOVE(&q, &it[1], next); /* middle */
	ck_assert_ptr_null(it[1].next);
	expect(&q, (const int[]){ 0, 2 }, 2);
	XF_FIFO_REMOVE(&q, &it[0], next); /* head */
	expect(&q, (const int[]){ 2 }, 1);
	XF_FIFO_REMOVE(&q, &it[2], next); /* only */
	ck_assert(XF_FIFO_EMPTY(&q));
	ck_assert_ptr_null(q.tail);
	XF_FIFO_PUSH(&q, &it[3], next);
	expect(&q, (const int[]){ 3 }, 1);
}
END_TEST

/* The arguments of the macros documented as evaluating once. */
START_TEST(single_evaluation)
{
	struct item it[2] = { { .key = 1 }, { .key = 0 } };
	itemlist qs[2] = { XF_FIFO_INIT, XF_FIFO_INIT };
	unsigned int qi = 0, ei = 0;

	XF_FIFO_INSERT_SORTED(&qs[qi++], &it[ei++], next, key_le);
	ck_assert_uint_eq(qi, 1);
	ck_assert_uint_eq(ei, 1);
	XF_FIFO_INSERT_SORTED(&qs[--qi], &it[ei--], next, key_le);
	expect(&qs[0], (const int[]){ 0, 1 }, 2);
	XF_FIFO_REMOVE(&qs[qi++], &it[ei++], next);
	ck_assert_uint_eq(qi, 1);
	ck_assert_uint_eq(ei, 1);
	expect(&qs[0], (const int[]){ 0 }, 1);
	XF_FIFO_SPLICE_FRONT(&qs[qi++], &qs[--ei], next);
	ck_assert_uint_eq(qi, 2);
	ck_assert_uint_eq(ei, 0);
	expect(&qs[1], (const int[]){ 0 }, 1);
}
END_TEST

enum colour { RED = 0, GREEN = 1, BLUE = 3 };

static const char *const colours[] = {
	[RED] = "red",
	[GREEN] = "green",
	[BLUE] = "blue",
};

START_TEST(names)
{
	enum colour c = GREEN, *cp = &c;
	unsigned int v = 7;

	ck_assert_int_eq(xf_name_lookup(colours, XF_NAMES_N(colours), "blue",
					&v), 0);
	ck_assert_uint_eq(v, BLUE);
	ck_assert_int_eq(xf_name_lookup(colours, XF_NAMES_N(colours), "pink",
					&v), -EINVAL);
	ck_assert_int_eq(xf_name_lookup(colours, XF_NAMES_N(colours), NULL,
					&v), -EINVAL);
	ck_assert_uint_eq(v, BLUE);
	ck_assert_str_eq(XF_NAME_OF(colours, GREEN, "?"), "green");
	ck_assert_str_eq(XF_NAME_OF(colours, 2, "?"), "?"); /* hole */
	ck_assert_str_eq(XF_NAME_OF(colours, 4, "?"), "?");
	ck_assert_str_eq(XF_NAME_OF(colours, -1, "?"), "?");
	ck_assert_int_eq(XF_NAME_PARSE(colours, "red", cp++), 0);
	ck_assert_ptr_eq(cp, &c + 1);
	ck_assert_int_eq(c, RED);
	ck_assert_int_eq(XF_NAME_PARSE(colours, "grey", &c), -EINVAL);
	ck_assert_int_eq(c, RED); /* untouched on failure */
}
END_TEST

XT_SUITE("util")
{
	TCase *tc = xt_tcase("core");

	tcase_add_test(tc, push_pop_front);
	tcase_add_test(tc, splice_both_ends);
	tcase_add_test(tc, insert_sorted_is_stable);
	tcase_add_test(tc, remove_anywhere);
	tcase_add_test(tc, single_evaluation);
	tcase_add_test(tc, names);
}
