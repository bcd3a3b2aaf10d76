/* SPDX-License-Identifier: MIT */
/*
 * Shared by every fuzz target: the libFuzzer entry points and a cursor
 * that turns the fuzzer's bytes into values. Running out of input yields
 * zeroes, so every input, however short, is a complete run.
 */
#ifndef XF_FUZZ_H
#define XF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The outcome of an input: what a target saw of the code under test,
 * hashed by the replay program (replay-main.c) so that two runs of an
 * input can be compared. Absent from libFuzzer builds, where fz_outcome()
 * costs a test of a null pointer. */
__attribute__((weak)) bool fz_outcome_enabled(void);
__attribute__((weak)) void fz_outcome_mix(const void *p, size_t n);

static inline bool fz_outcome_wanted(void)
{
	return fz_outcome_enabled && fz_outcome_enabled();
}

static inline void fz_outcome(const void *p, size_t n)
{
	if (fz_outcome_wanted())
		fz_outcome_mix(p, n);
}

static inline void fz_outcome_u64(uint64_t v)
{
	fz_outcome(&v, sizeof(v));
}

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline void fz_init(struct fz_in *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->n = size;
}

static inline size_t fz_left(const struct fz_in *in)
{
	return in->n;
}

/* Copies up to len bytes; missing ones read as zero. */
static inline void fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	if (k)
		memcpy(dst, in->p, k);
	if (k < len)
		memset((uint8_t *)dst + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v;

	fz_bytes(in, &v, 1);
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint8_t b[2];

	fz_bytes(in, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	uint8_t b[4];

	fz_bytes(in, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t lo = fz_u32(in);

	return lo | (uint64_t)fz_u32(in) << 32;
}

/* An invariant of the code under test does not hold: report and crash so
 * that both libFuzzer and the replay harness flag the input. */
#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* XF_FUZZ_H */
