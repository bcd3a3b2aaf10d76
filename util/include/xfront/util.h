/* SPDX-License-Identifier: MIT */
/*
 * Small internal helpers that several modules need and none owns: a
 * seeded PRNG, a growable FIFO, enum <-> name tables. Internal to
 * xfront (not installed): each module includes it from its private
 * sources and private headers only.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_UTIL_H
#define XFRONT_UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* xoshiro256** seeded through splitmix64: any 64-bit seed, 0 included,
 * gives a well-mixed non-zero state. Not thread-safe: one generator per
 * thread, or a lock around it. The sequence is part of what a seeded sim
 * run reproduces, so the algorithm never changes. */

struct xf_rng {
	uint64_t s[4];
};

void xf_rng_seed(struct xf_rng *r, uint64_t seed);
uint64_t xf_rng_next(struct xf_rng *r);
/* Uniform in [0, 1), 53 bits. */
double xf_rng_double(struct xf_rng *r);

/* ------------------------------------------------------------------ */
/* Intrusive FIFO of any struct with a `next`-style pointer member: no
 * allocation, O(1) push at either end, pop and splice. The queue owns
 * nothing; an element is in at most one FIFO per link member.
 *
 *     struct job { struct job *next; ... };
 *     XF_FIFO(struct job) q = XF_FIFO_INIT;
 *     XF_FIFO_PUSH(&q, j, next);
 *     while ((j = XF_FIFO_POP(&q, next))) ...
 *
 * link may be a member path (priv.done_next). XF_FIFO_PUSH,
 * XF_FIFO_PUSH_FRONT, XF_FIFO_POP and XF_FIFO_SPLICE evaluate their
 * queue and element arguments more than once: pass plain lvalues, never
 * calls or increments. XF_FIFO_SPLICE_FRONT, XF_FIFO_INSERT_SORTED and
 * XF_FIFO_REMOVE evaluate each once.
 *
 * XF_FIFO(type) is an anonymous struct: two of them are different types
 * even for the same element type. A FIFO passed between functions needs
 * a named type: typedef XF_FIFO(struct job) job_list;
 */
#define XF_FIFO(type) struct { type *head, *tail; }
#define XF_FIFO_INIT { NULL, NULL }
#define XF_FIFO_EMPTY(q) ((q)->head == NULL)
#define XF_FIFO_HEAD(q) ((q)->head)

#define XF_FIFO_PUSH(q, e, link) do {				\
	(e)->link = NULL;					\
	if ((q)->tail)						\
		(q)->tail->link = (e);				\
	else							\
		(q)->head = (e);				\
	(q)->tail = (e);					\
} while (0)

#define XF_FIFO_PUSH_FRONT(q, e, link) do {			\
	(e)->link = (q)->head;					\
	(q)->head = (e);					\
	if (!(q)->tail)						\
		(q)->tail = (e);				\
} while (0)

/* Removes and yields the head, NULL when empty (a GNU statement
 * expression: the element pointer is evaluated once). */
#define XF_FIFO_POP(q, link) __extension__ ({			\
	__typeof__((q)->head) xf_fifo_e_ = (q)->head;		\
	if (xf_fifo_e_) {					\
		(q)->head = xf_fifo_e_->link;			\
		if (!(q)->head)					\
			(q)->tail = NULL;			\
		xf_fifo_e_->link = NULL;			\
	}							\
	xf_fifo_e_;						\
})

/* Appends all of *from to *to, leaving *from empty. */
#define XF_FIFO_SPLICE(to, from, link) do {			\
	if ((from)->head) {					\
		if ((to)->tail)					\
			(to)->tail->link = (from)->head;	\
		else						\
			(to)->head = (from)->head;		\
		(to)->tail = (from)->tail;			\
		(from)->head = (from)->tail = NULL;		\
	}							\
} while (0)

/* Puts all of *from before the head of *to (in order), leaving *from
 * empty: work taken back goes ahead of what waits. */
#define XF_FIFO_SPLICE_FRONT(to, from, link) do {		\
	__typeof__(to) xf_fifo_to_ = (to);			\
	__typeof__(from) xf_fifo_from_ = (from);		\
	if (xf_fifo_from_->head) {				\
		xf_fifo_from_->tail->link = xf_fifo_to_->head;	\
		if (!xf_fifo_to_->tail)				\
			xf_fifo_to_->tail = xf_fifo_from_->tail;\
		xf_fifo_to_->head = xf_fifo_from_->head;	\
		xf_fifo_from_->head = xf_fifo_from_->tail = NULL;\
	}							\
} while (0)

/* Inserts e before the first element x for which ahead(x, e) is false:
 * a FIFO kept sorted. ahead(a, b) is a function or function-like macro
 * saying a stays ahead of b; with <= (not <) equal keys keep arrival
 * order. O(length). */
#define XF_FIFO_INSERT_SORTED(q, e, link, ahead) do {		\
	__typeof__(q) xf_fifo_q_ = (q);				\
	__typeof__(xf_fifo_q_->head) xf_fifo_e_ = (e);		\
	__typeof__(xf_fifo_q_->head) *xf_fifo_pp_ = &xf_fifo_q_->head;\
	while (*xf_fifo_pp_ && ahead(*xf_fifo_pp_, xf_fifo_e_))	\
		xf_fifo_pp_ = &(*xf_fifo_pp_)->link;		\
	xf_fifo_e_->link = *xf_fifo_pp_;			\
	*xf_fifo_pp_ = xf_fifo_e_;				\
	if (!xf_fifo_e_->link)					\
		xf_fifo_q_->tail = xf_fifo_e_;			\
} while (0)

/* Unlinks e wherever it is in *q (nothing when absent): O(length). */
#define XF_FIFO_REMOVE(q, e, link) do {				\
	__typeof__(q) xf_fifo_q_ = (q);				\
	__typeof__(xf_fifo_q_->head) xf_fifo_e_ = (e);		\
	__typeof__(xf_fifo_q_->head) *xf_fifo_pp_ = &xf_fifo_q_->head;\
	__typeof__(xf_fifo_q_->head) xf_fifo_prev_ = NULL;	\
	while (*xf_fifo_pp_ && *xf_fifo_pp_ != xf_fifo_e_) {	\
		xf_fifo_prev_ = *xf_fifo_pp_;			\
		xf_fifo_pp_ = &xf_fifo_prev_->link;		\
	}							\
	if (*xf_fifo_pp_) {					\
		*xf_fifo_pp_ = xf_fifo_e_->link;		\
		if (xf_fifo_q_->tail == xf_fifo_e_)		\
			xf_fifo_q_->tail = xf_fifo_prev_;	\
		xf_fifo_e_->link = NULL;			\
	}							\
} while (0)

/* ------------------------------------------------------------------ */
/* Enum <-> name tables: a designated-initialiser array of names indexed
 * by enum value (holes are NULL), as every module spells its enums for
 * scenarios and reports. */

#define XF_NAMES_N(table) (sizeof(table) / sizeof((table)[0]))

/* Index of name in table, -EINVAL when absent (NULL name too). */
int xf_name_lookup(const char *const *table, unsigned int n,
		   const char *name, unsigned int *out);
/* table[v], or fallback when v is out of range or a hole. */
const char *xf_name_of(const char *const *table, unsigned int n,
		       unsigned int v, const char *fallback);

/* The two above for a table array in scope (its size taken from its
 * type). XF_NAME_PARSE stores the index into the enum *out only on
 * success and yields 0 or -EINVAL; out is evaluated once. */
#define XF_NAME_PARSE(table, name, out) __extension__ ({		\
	__typeof__(out) xf_name_out_ = (out);				\
	unsigned int xf_name_v_;					\
	int xf_name_r_ = xf_name_lookup(table, XF_NAMES_N(table),	\
					name, &xf_name_v_);		\
	if (!xf_name_r_)						\
		*xf_name_out_ = (__typeof__(*xf_name_out_))xf_name_v_;	\
	xf_name_r_;							\
})
#define XF_NAME_OF(table, v, fallback)					\
	xf_name_of(table, XF_NAMES_N(table), (unsigned int)(v), fallback)

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_UTIL_H */
