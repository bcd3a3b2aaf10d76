// SPDX-License-Identifier: MIT
/*
 * Copy-once reads of peer-writable memory.
 *
 * The peer can rewrite a slot at any time. Consumers must validate and use
 * one private snapshot: if the compiler were allowed to re-read the shared
 * slot after validation (double fetch, XSA-155), a hostile peer could
 * change a value between check and use. Every load below is volatile, so
 * each shared byte is read exactly once and the compiler can neither
 * repeat nor defer the reads; as Xen's RING_COPY_*, which is a volatile
 * struct copy.
 */
#include <stdint.h>
#include <string.h>

#include <xfront/ring.h>

/* A volatile copy of this is two 8-byte loads or one 16-byte load. */
struct shm_chunk16 {
	uint64_t q[2];
};

void xf_shm_copy_in(void *dst, const void *shared_src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = shared_src;
	size_t i = 0;

	/* Wide loads where the alignment allows (ring slots always are).
	 * The private stores go through memcpy because dst may be
	 * unaligned. */
	if (((uintptr_t)s & 7u) == 0) {
		for (; i + 16 <= len; i += 16) {
			struct shm_chunk16 c =
				*(const volatile struct shm_chunk16 *)(s + i);

			memcpy(d + i, &c, sizeof(c));
		}
		if (i + 8 <= len) {
			uint64_t v = *(const volatile uint64_t *)(s + i);

			memcpy(d + i, &v, sizeof(v));
			i += 8;
		}
	}
	if (((uintptr_t)(s + i) & 3u) == 0) {
		for (; i + 4 <= len; i += 4) {
			uint32_t v = *(const volatile uint32_t *)(s + i);

			memcpy(d + i, &v, sizeof(v));
		}
	}
	for (; i < len; i++)
		d[i] = ((const volatile uint8_t *)s)[i];
}
