/* SPDX-License-Identifier: MIT */
/*
 * Shared-memory basics: page geometry, the grant/port/domid types, and
 * the only accessors through which xfront touches memory a peer can
 * write (acquire/release indices, once-only reads, the copy-once slot
 * snapshot). Nothing here includes Xen headers.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_SHM_H
#define XFRONT_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_PAGE_SHIFT 12
#define XF_PAGE_SIZE (1u << XF_PAGE_SHIFT)
#define XF_MAX_RING_PAGE_ORDER 4
#define XF_MAX_RING_PAGES (1u << XF_MAX_RING_PAGE_ORDER)

typedef uint32_t xf_ring_idx;
typedef uint32_t xf_gref;
typedef uint32_t xf_port;
typedef uint16_t xf_domid;
/* ------------------------------------------------------------------ */
/* Shared-memory access. Every load/store of a field the peer can write
 * goes through one of these, so they can be grepped and audited. */

/* Acquire: later reads (slot contents) cannot move before this load. */
static inline uint32_t xf_shm_load_acquire(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)p,
				    memory_order_acquire);
}

/* Release: earlier writes (slot contents) are visible before this store. */
static inline void xf_shm_store_release(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, v, memory_order_release);
}

/* A single untorn read that the compiler may not repeat or elide. */
static inline uint32_t xf_shm_read_once(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)p,
				    memory_order_relaxed);
}

static inline void xf_shm_write_once(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, v, memory_order_relaxed);
}

/* Full fence: orders a preceding store against a following load (the
 * producer-index store against the event-index load), xen_mb(). */
static inline void xf_shm_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

/*
 * Copy a peer-writable slot into private memory exactly once.
 *
 * The peer can rewrite a slot at any time. Consumers must validate and
 * use one private snapshot: if the compiler were allowed to re-read the
 * shared slot after validation (double fetch, XSA-155), a hostile peer
 * could change a value between check and use. Every load below is
 * volatile, so each shared byte is read exactly once and the compiler
 * can neither repeat nor defer the reads. (Xen's RING_COPY_* means to do
 * this with a volatile struct copy, but its cast qualifies the pointer,
 * not the slot, so compilers may still read fields late.)
 *
 * Always inline (compilers weigh the whole body and may decline): with
 * a constant len, as at nearly every call, the copy folds into straight
 * 16-byte loads, seven for a 112-byte blkif slot.
 */
static inline __attribute__((always_inline)) void
xf_shm_copy_in(void *dst, const void *shared_src, size_t len)
{
	/* Chunk types that may be unaligned: x86_32 and netif slots are
	 * only 4-byte aligned, and tests copy from arbitrary buffers. A
	 * volatile load of one is a single (unaligned) load instruction. */
	typedef uint8_t xf_shm_chunk16_
		__attribute__((vector_size(16), aligned(1), may_alias));
	typedef uint64_t xf_shm_chunk8_ __attribute__((aligned(1), may_alias));
	typedef uint32_t xf_shm_chunk4_ __attribute__((aligned(1), may_alias));
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)shared_src;
	size_t i = 0;

	/* The private stores go through memcpy because dst may be
	 * unaligned. Blocks of 64, then at most one each of 32, 16, 8, 4
	 * bytes: with a constant len every test folds away (compilers do
	 * not unroll loops of volatile loads by themselves). */
	for (; i + 64 <= len; i += 64) {
		xf_shm_chunk16_ c0 = *(const volatile xf_shm_chunk16_ *)(s + i);
		xf_shm_chunk16_ c1 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 16);
		xf_shm_chunk16_ c2 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 32);
		xf_shm_chunk16_ c3 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 48);

		memcpy(d + i, &c0, sizeof(c0));
		memcpy(d + i + 16, &c1, sizeof(c1));
		memcpy(d + i + 32, &c2, sizeof(c2));
		memcpy(d + i + 48, &c3, sizeof(c3));
	}
	if (i + 32 <= len) {
		xf_shm_chunk16_ c0 = *(const volatile xf_shm_chunk16_ *)(s + i);
		xf_shm_chunk16_ c1 =
			*(const volatile xf_shm_chunk16_ *)(s + i + 16);

		memcpy(d + i, &c0, sizeof(c0));
		memcpy(d + i + 16, &c1, sizeof(c1));
		i += 32;
	}
	if (i + 16 <= len) {
		xf_shm_chunk16_ c = *(const volatile xf_shm_chunk16_ *)(s + i);

		memcpy(d + i, &c, sizeof(c));
		i += 16;
	}
	if (i + 8 <= len) {
		uint64_t v = *(const volatile xf_shm_chunk8_ *)(s + i);

		memcpy(d + i, &v, sizeof(v));
		i += 8;
	}
	if (i + 4 <= len) {
		uint32_t v = *(const volatile xf_shm_chunk4_ *)(s + i);

		memcpy(d + i, &v, sizeof(v));
		i += 4;
	}
	for (; i < len; i++)
		d[i] = ((const volatile uint8_t *)s)[i];
}

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_SHM_H */
