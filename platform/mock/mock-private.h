/* SPDX-License-Identifier: MIT */
/*
 * Internal state of the mock hypervisor, shared by hv.c, store*.c,
 * watch.c, grant.c and evtchn.c. Everything below is protected by
 * xf_mock_hv.lock unless a comment says otherwise.
 */
#ifndef XFRONT_MOCK_PRIVATE_H
#define XFRONT_MOCK_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xfront/platform.h>
#include <xfront/mock.h>
#include <xfront/util.h>

#define MOCK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- wakeups, collected under the lock and run after it ---------- */

struct mock_wake {
	xf_wakeup_fn fn;
	void *opaque;
};

struct mock_wakeq {
	unsigned int n, cap;
	struct mock_wake *v;
	struct mock_wake buf[8];
};

void mock_wakeq_init(struct mock_wakeq *q);
void mock_wakeq_add(struct mock_wakeq *q, xf_wakeup_fn fn, void *opaque);
/* Calls every hook (no lock may be held) and frees the queue. */
void mock_wakeq_run(struct mock_wakeq *q);

/* Readiness eventfd: readable while the owner has events queued. */
int mock_efd_new(void);
void mock_efd_set(int fd);
void mock_efd_clear(int fd);

/* ---- xenstore ---------------------------------------------------- */

#define MOCK_XS_PATH_MAX 3072

struct mock_node {
	char *name;                 /* last component; "" for the root */
	char *value;                /* NUL-terminated; may be NULL */
	size_t len;
	struct xf_xs_perm *perms;   /* perms[0]: owner + default */
	unsigned int nperms;
	uint64_t gen;               /* hv generation of the last change */
	struct mock_node *parent, *child, *next;
};

struct mock_access {
	struct mock_access *next;
	struct mock_access *hnext;  /* mock_txn.acc_hash chain */
	char *path;
	uint32_t hash;              /* of path */
	uint64_t gen;               /* at first access; 0: absent */
};

#define MOCK_TXN_ACC_BUCKETS 64

enum mock_op_kind {
	MOCK_OP_WRITE,
	MOCK_OP_MKDIR,
	MOCK_OP_RM,
	MOCK_OP_SET_PERMS,
};

struct mock_op {
	struct mock_op *next;
	enum mock_op_kind kind;
	char *path;
	char *val;
	size_t len;
	struct xf_xs_perm *perms;
	unsigned int nperms;
};

struct mock_txn {
	struct mock_txn *next;
	xf_txn id;
	struct mock_node *root;     /* private snapshot */
	struct mock_access *acc;    /* every access, through next */
	struct mock_access *acc_hash[MOCK_TXN_ACC_BUCKETS];
	XF_FIFO(struct mock_op) ops; /* in the order done, through next */
};

struct mock_watch {
	struct mock_watch *next;
	char *path;                 /* canonical (absolute) */
	char *token;
	size_t rel_skip;            /* prefix to strip for relative watches */
};

struct mock_wevent {
	struct mock_wevent *next;
	char *path;
	char *token;
};

struct mock_dom;

struct xf_xs {
	struct xf_mock_hv *hv;
	struct mock_dom *dom;
	struct xf_xs *next;         /* hv->conns */
	struct mock_watch *watches;
	XF_FIFO(struct mock_wevent) ev; /* undelivered, through next */
	struct mock_txn *txns;
	int efd;
	xf_wakeup_fn wake_fn;
	void *wake_opaque;
};

/* The store operation context: which tree, as whom, and whether
 * changes are live (fire watches) or inside a transaction. */
struct mock_sctx {
	struct xf_mock_hv *hv;
	struct mock_node *root;
	xf_domid domid;
	struct mock_txn *txn;       /* NULL when live */
	struct mock_wakeq *wq;
};

struct mock_node *mock_node_new(const char *name, struct mock_node *parent,
				const struct xf_xs_perm *perms,
				unsigned int nperms);
void mock_node_free(struct mock_node *n);
struct mock_node *mock_node_lookup(struct mock_node *root, const char *path);
struct mock_node *mock_node_clone(const struct mock_node *n,
				  struct mock_node *parent);

/* Turns a (possibly relative) path into a malloc'ed canonical absolute
 * one; *rel_skip is the prefix length added for a relative path. */
int mock_path_canon(xf_domid domid, const char *in, char **out,
		    size_t *rel_skip);

int mock_st_read(struct mock_sctx *c, const char *path, char **val,
		 size_t *len);
int mock_st_write(struct mock_sctx *c, const char *path, const char *val,
		  size_t len);
int mock_st_mkdir(struct mock_sctx *c, const char *path);
int mock_st_rm(struct mock_sctx *c, const char *path);
int mock_st_directory(struct mock_sctx *c, const char *path, char ***names,
		      unsigned int *n);
int mock_st_get_perms(struct mock_sctx *c, const char *path,
		      struct xf_xs_perm **perms, unsigned int *n);
int mock_st_set_perms(struct mock_sctx *c, const char *path,
		      const struct xf_xs_perm *perms, unsigned int n);

void mock_txn_free(struct mock_txn *t);
/* Commits t on the live tree (firing watches) or returns -EAGAIN. */
int mock_txn_commit(struct xf_mock_hv *hv, xf_domid domid,
		    struct mock_txn *t, struct mock_wakeq *wq);

/* Queues events for every live watch that path's change concerns. With
 * removed, watches below path fire too (with their own path). */
void mock_watch_fire(struct xf_mock_hv *hv, const char *path, bool removed,
		     struct mock_wakeq *wq);
void mock_watch_queue(struct xf_xs *xs, const struct mock_watch *w,
		      const char *path, struct mock_wakeq *wq);
void mock_xs_detach(struct xf_xs *xs);
void mock_wevent_free(struct mock_wevent *ev);

/* ---- grants ------------------------------------------------------ */

#define MOCK_GNT_BUCKETS 1024
#define MOCK_GNT_FIRST_REF 8 /* Linux reserves 0..7 */

struct mock_share;

struct mock_grant {
	struct mock_grant *next;    /* hash chain */
	xf_gref ref;
	xf_domid to;
	bool writable;
	uint32_t pgoff;             /* page index in the granter's memfd */
	void *addr;                 /* the granter's view of the page */
	unsigned int map_count;
	struct mock_dom *owner;     /* the granter */
	bool revoked;               /* granter died: memory goes with the
				       last mapping */
};

struct mock_unotify {
	int clear_offset;           /* from the start of the region, or -1 */
	xf_port port;               /* ~0: none */
};

struct mock_share {
	struct mock_share *next;
	void *addr;
	unsigned int n;
	struct mock_grant **g;
	struct mock_unotify notify;
};

struct mock_map {
	struct mock_map *next;
	void *addr;
	unsigned int n;
	struct mock_grant **g;
	struct mock_unotify notify;
	bool orphan;                /* the mapper died: detached memory */
	bool own_vma;               /* addr is its own mmap, not in a view */
};

/* A domain's standing window on another domain's grant memory: the
 * granter's whole memfd mapped once, so mapping a page is a lookup. */
struct mock_view {
	struct mock_view *next;
	struct mock_dom *gd;        /* the granter (this incarnation) */
	bool writable;
	uint8_t *base;              /* MOCK_VIEW_PAGES reserved */
	uint32_t pages;             /* of those, backed by gd's memfd */
};

void mock_gnt_domain_destroy(struct mock_dom *d, struct mock_wakeq *wq);
void mock_gnt_domain_free(struct mock_dom *d);
/* Unmaps whatever d still maps, with no notify and no bookkeeping on
 * the grants: only before mock_gnt_domain_reset() of every domain. */
void mock_gnt_domain_drop_maps(struct mock_dom *d);
/* A live domain, none of whose grants is mapped, back to a new one's
 * grant state (no shares, first gref); its memory windows and its cache
 * of freed pages stay for reuse. */
void mock_gnt_domain_reset(struct mock_dom *d);
/* Pages of memory the kernel holds for d's grants now (measured). */
uint64_t mock_gnt_mem_pages(const struct mock_dom *d);
/* Gives back cached free pages of d until at most keep remain. */
void mock_gnt_cache_trim(struct mock_dom *d, uint32_t keep);

/* ---- event channels --------------------------------------------- */

#define MOCK_EVTCHN_MAX 4096 /* 2-level ABI, 64-bit guest */

enum mock_port_state {
	MOCK_PORT_UNBOUND,
	MOCK_PORT_INTERDOMAIN,
};

struct mock_port {
	enum mock_port_state state;
	xf_domid remote_dom;
	xf_port remote_port;        /* valid when INTERDOMAIN */
	struct xf_evtch *h;
	bool pending, masked, queued;
	unsigned int drop_next;
	struct mock_port *qnext;
	xf_port port;
};

struct xf_evtch {
	struct xf_mock_hv *hv;
	struct mock_dom *dom;
	struct xf_evtch *next;      /* dom->evtchs */
	XF_FIFO(struct mock_port) q; /* pending, through qnext */
	int efd;
	xf_wakeup_fn wake_fn;
	void *wake_opaque;
};

/* Sends on local port of d as notify() does (used by unmap notify). */
int mock_evtchn_send(struct mock_dom *d, xf_port port, struct mock_wakeq *wq);
void mock_evtchn_domain_destroy(struct mock_dom *d);
void mock_evtchn_domain_free(struct mock_dom *d);

/* ---- hypervisor and domains ------------------------------------- */

struct mock_dom {
	struct xf_platform plat;    /* plat.impl == this */
	struct xf_mock_hv *hv;
	xf_domid domid;
	bool dead;                  /* destroyed; kept until hv_free */
	struct mock_dom *next;
	struct xf_mock_stats st;

	struct mock_port **ports;   /* index = port number; [0] unused */
	unsigned int nports;
	struct xf_evtch *evtchs;

	int memfd;                  /* backing store of granted pages */
	uint8_t *view;              /* own window on memfd; shares live here */
	uint32_t memfd_pages;
	uint64_t *free_bm;          /* bit set: page slot free */
	uint32_t free_hint;         /* no free slot in words below this */
	uint64_t *warm_bm;          /* bit set: free slot still holding
				       memory (the reuse cache) */
	uint32_t warm_pages;        /* bits set in warm_bm */
	struct mock_view *views;    /* windows on other domains' memfds */
	struct mock_grant *gnt[MOCK_GNT_BUCKETS];
	xf_gref next_ref;
	unsigned int ngrants;
	struct mock_share *shares;
	struct mock_map *maps;
};

/* Freed grant pages a domain keeps for reuse before giving memory back
 * (xf_mock_set_grant_cache()). */
#define MOCK_GNT_CACHE_DEFAULT 256u

struct xf_mock_hv {
	pthread_mutex_t lock;
	unsigned int gnt_cache_max; /* pages per domain */
	struct mock_dom *doms;
	struct mock_node *root;
	uint64_t gen;
	xf_txn next_txn;
	struct xf_xs *conns;
	xf_mock_store_hook_fn store_hook; /* xf_mock_set_store_hook() */
	void *store_hook_opaque;
};

extern const struct xf_store_ops mock_store_ops;
extern const struct xf_gnt_ops mock_gnt_ops;
extern const struct xf_evtchn_ops mock_evtchn_ops;

/* Live domain domid, or NULL. */
struct mock_dom *mock_dom_find(struct xf_mock_hv *hv, xf_domid domid);
static inline struct mock_dom *mock_dom_of(struct xf_platform *p)
{
	return (struct mock_dom *)p->impl;
}

#endif /* XFRONT_MOCK_PRIVATE_H */
