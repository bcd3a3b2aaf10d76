// SPDX-License-Identifier: MIT
/*
 * Copy-once reads of peer-writable memory.
 *
 * The access helpers themselves (xf_shm_load_acquire, xf_shm_copy_in, ...)
 * are static inline in <xfront/ring.h>, so every shared access stays
 * greppable as xf_shm_* while costing no call on the ring's hot path.
 * This file pins down, at compile time, the assumptions they rely on.
 */
#include <stdint.h>

#include <xfront/ring.h>

/* Indices and event fields are accessed as 32-bit atomics; they must be
 * lock-free, or "atomic" would mean a lock the peer never takes. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics are lock-free");
_Static_assert(sizeof(xf_ring_idx) == sizeof(uint32_t), "32-bit indices");
_Static_assert(sizeof(struct xf_sring_hdr) == XF_SRING_HDR_SIZE,
	       "shared ring header");
