/* SPDX-License-Identifier: MIT */
/*
 * xfront mock platform: an in-process "hypervisor" (xenstore, grant
 * tables, event channels) hosting several domains, each seen through its
 * own struct xf_platform.
 *
 * Faithful where bugs live: watches fire on registration and on every
 * change at or under the path; revoking a grant the peer still maps fails
 * and is counted; event channels have pending and mask bits and coalesce;
 * pending() leaves the port masked until unmask(); transactions conflict.
 *
 * Thread-safe: one internal lock per hypervisor. Wakeup hooks are called
 * with no mock lock held.
 *
 * Details a caller can rely on:
 * - xenstore: relative paths are relative to /local/domain/<domid>; a
 *   created node takes its parent's perms and an unprivileged creator
 *   becomes its owner; only the owner (or dom0) may set_perms, and only
 *   dom0 may change the owner (-EPERM). rm of a missing node whose
 *   parent exists succeeds. Watches also take "@introduceDomain" and
 *   "@releaseDomain" (fired by xf_mock_domain_new/destroy). Read
 *   permission is not checked when firing watches. unwatch drops the
 *   watch's queued events. txn_end returns -EAGAIN (applying nothing)
 *   when, since txn_start, another change touched a node the transaction
 *   read, listed, wrote or removed (a removed subtree included) or
 *   created a node at a path it found absent or created itself; its own
 *   creations, implicit parents included, never conflict. A commit fires
 *   the watches of the paths written, as the same calls outside a
 *   transaction would.
 * - grants: grefs start at 8 and are not reused until they wrap; map
 *   returns -ESRCH (no such domain), -ENOENT (no such gref) or -EPERM
 *   (not granted to the caller, or read-only grant mapped writable).
 *   set_unmap_notify also works on the granter side (fires on unshare
 *   or granter death, like xengntshr_share_page_notify).
 * - event channels: bind_interdomain marks the new local port pending
 *   (Xen does, since notifies to the unbound port were lost). When one
 *   side closes, the other becomes unbound (and re-bindable by the
 *   closer's domain); notify on an unbound port returns 0 and is
 *   dropped, as EVTCHNOP_send does. Ports are reused lowest-first.
 * - Operations on a destroyed domain's handles return -ESRCH; close,
 *   unmap and read_watch/pending still work, and every handle, mapping
 *   and xf_platform stays valid until xf_mock_hv_free(), which frees
 *   them all (do not close anything after it).
 * - Stats per domain count the domain that acts: the sender for
 *   notifies/coalesced/dropped, the receiver for delivered, the mapper
 *   for maps/mapped_pages, the copier for copies, the granter for
 *   shared_pages/revoke_busy/leaked/mem_pages, the watcher for
 *   xs_watch_events. A domid's numbers include its destroyed
 *   incarnations.
 * - Grant memory goes back to the kernel when the grant is revoked
 *   (unshare, which fails while mapped) or, for grants of a destroyed
 *   domain, when the last peer mapping goes. As an allocator does, each
 *   domain keeps a bounded cache of revoked pages for reuse (default
 *   256 pages; see xf_mock_set_grant_cache()), so gnt_mem_pages -
 *   gnt_cached_pages is the memory of live grants. gnt_mem_pages is
 *   measured (pages written through a stale pointer count again; where
 *   the host forces shmem huge pages, a touched huge page counts whole
 *   until part of it is freed); a destroyed domain keeps no cache.
 */
#ifndef XFRONT_MOCK_H
#define XFRONT_MOCK_H

#include <stdint.h>
#include <xfront/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xf_mock_hv;

int xf_mock_hv_new(struct xf_mock_hv **out);
/* Destroys every domain left; leaks are still counted in stats until
 * then. */
void xf_mock_hv_free(struct xf_mock_hv *hv);
/* Returns hv to the state of a new hv on which the domains still alive
 * were created again in the same order, keeping their xf_platform
 * pointers: the store holds only their home directories, there are no
 * grants, mappings, ports, watches or transactions, grefs and ports
 * start from the first again and every counter is zero, except that
 * each domain keeps its cache of freed grant pages (gnt_mem_pages and
 * gnt_cached_pages count it; their difference, the memory of live
 * grants, is zero) and the cache limit stays as set. Shares and mappings
 * still open are dropped, as xf_mock_hv_free() drops them (their
 * addresses go; do not unshare or unmap them afterwards), and destroyed
 * domains are freed (their xf_platform pointers go). Much cheaper than
 * free and new, which make every domain's grant memory windows and
 * pages again. Every store and event channel handle must be closed
 * first: -EBUSY (nothing changed) otherwise. -ENOMEM: only
 * xf_mock_hv_free() is safe afterwards. */
int xf_mock_hv_reset(struct xf_mock_hv *hv);

/* Creates domain domid (0 is privileged: bypasses xenstore permissions)
 * and its /local/domain/<domid> directory. */
int xf_mock_domain_new(struct xf_mock_hv *hv, xf_domid domid,
		       struct xf_platform **out);
/* Destroys a domain: unmaps its mappings (firing unmap notifies), closes
 * its ports (peer ports become unbound), removes its watches. Grants it
 * still shares that are mapped by others are counted as leaked. */
void xf_mock_domain_destroy(struct xf_platform *p);

struct xf_mock_stats {
	uint64_t evtchn_notifies;      /* notify() calls that reached a port */
	uint64_t evtchn_coalesced;     /* of those, already pending */
	uint64_t evtchn_delivered;     /* ports handed out by pending() */
	uint64_t evtchn_open_ports;    /* bound or unbound ports now */
	uint64_t gnt_shared_pages;     /* pages currently granted */
	uint64_t gnt_mapped_pages;     /* pages currently mapped by peers */
	uint64_t gnt_maps;             /* map operations (pages) ever */
	uint64_t gnt_copies;           /* copy segments ever */
	uint64_t gnt_copy_bytes;
	uint64_t gnt_revoke_busy;      /* unshare() refused: still mapped */
	uint64_t gnt_leaked;           /* grants left mapped at destroy */
	uint64_t xs_watch_events;      /* events queued */
	uint64_t xs_txn_conflicts;
	uint64_t evtchn_dropped;       /* notifies eaten by drop_next */
	uint64_t gnt_mem_pages;        /* memory behind the granter's grants
					  now, in pages, as the kernel
					  counts it (cache included) */
	uint64_t gnt_cached_pages;     /* of those, revoked pages kept for
					  reuse (xf_mock_set_grant_cache) */
};

/* Whole hypervisor, or one domain's share when domid != ~0. */
void xf_mock_stats(struct xf_mock_hv *hv, uint32_t domid,
		   struct xf_mock_stats *out);
struct xf_mock_hv *xf_mock_platform_hv(struct xf_platform *p);

/* Revoked grant pages each domain keeps (zeroed again on reuse) before
 * giving their memory back to the kernel; past the limit the cache is
 * cut to half of it. 0: every revoke gives its memory back at once
 * (exact accounting; each later share then pays a page fault). Applies
 * to every domain now. */
void xf_mock_set_grant_cache(struct xf_mock_hv *hv, unsigned int pages);

/* Called for every change to a value on the live tree, in the order
 * applied: a write (val, len; val NUL-terminated) or a removal (val
 * NULL; path and everything under it are gone). A transaction's writes
 * are seen when it commits, not before; mkdir and set_perms are not
 * seen. Called from the thread making the change with the hypervisor's
 * lock held: it must not call into the mock. One hook per hypervisor;
 * fn NULL removes it. For observers of the xenbus handshake, which must
 * see every state written, even one overwritten before any watch
 * event is read. */
typedef void (*xf_mock_store_hook_fn)(void *opaque, const char *path,
				      const char *val, size_t len);
void xf_mock_set_store_hook(struct xf_mock_hv *hv, xf_mock_store_hook_fn fn,
			    void *opaque);

/* Fault hooks for hostile/lost-wakeup scenarios: drop the next n
 * notifications sent on (domid, port), or delay none (0). */
int xf_mock_evtchn_drop_next(struct xf_mock_hv *hv, xf_domid domid,
			     xf_port port, unsigned int n);

/* A port's pending and mask bits now, for hang reports. -ESRCH: no
 * such domain; -EINVAL: no such port. */
int xf_mock_evtchn_state(struct xf_mock_hv *hv, xf_domid domid, xf_port port,
			 bool *pending, bool *masked);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_MOCK_H */
