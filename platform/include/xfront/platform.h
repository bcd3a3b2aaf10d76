/* SPDX-License-Identifier: MIT */
/*
 * The platform API: xenstore, grant tables and event channels for one
 * domain, behind ops tables that platform/mock/ and platform/xen/
 * implement, plus convenience wrappers over them.
 *
 * Contract for every function: returns 0 (or a count) on success and a
 * negative errno on failure; nothing prints.
 */
#ifndef XFRONT_PLATFORM_H
#define XFRONT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xfront/shm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Platform API. One struct xf_platform per domain, passed explicitly:
 * a mock process hosts several domains at once. */

struct xf_platform;
struct xf_xs;    /* a xenstore connection (own watch queue) */
struct xf_evtch; /* an event-channel handle (own pending queue and fd) */

typedef uint32_t xf_txn; /* 0 = no transaction */
#define XF_TXN_NONE 0u

enum xf_xs_perm_bits {
	XF_XS_PERM_NONE = 0,
	XF_XS_PERM_READ = 1,
	XF_XS_PERM_WRITE = 2,
	XF_XS_PERM_BOTH = 3,
};

/* As xenstore: perms[0] names the owner and the default for everyone
 * else; later entries grant specific domains. */
struct xf_xs_perm {
	xf_domid domid;
	unsigned int perm; /* enum xf_xs_perm_bits */
};

/* Called from the thread that makes a handle readable, possibly with
 * internal locks held: it may only mark something runnable. The sim
 * driver uses it in place of the fd. */
typedef void (*xf_wakeup_fn)(void *opaque);

struct xf_store_ops {
	int (*open)(struct xf_platform *p, struct xf_xs **out);
	void (*close)(struct xf_xs *xs);
	/* *val is malloc'ed and NUL-terminated (len excludes the NUL). */
	int (*read)(struct xf_xs *xs, xf_txn t, const char *path, char **val,
		    size_t *len);
	int (*write)(struct xf_xs *xs, xf_txn t, const char *path,
		     const void *val, size_t len);
	int (*mkdir)(struct xf_xs *xs, xf_txn t, const char *path);
	int (*rm)(struct xf_xs *xs, xf_txn t, const char *path);
	/* *names: malloc'ed array of malloc'ed strings; free with
	 * xf_strv_free(). */
	int (*directory)(struct xf_xs *xs, xf_txn t, const char *path,
			 char ***names, unsigned int *n);
	int (*get_perms)(struct xf_xs *xs, xf_txn t, const char *path,
			 struct xf_xs_perm **perms, unsigned int *n);
	int (*set_perms)(struct xf_xs *xs, xf_txn t, const char *path,
			 const struct xf_xs_perm *perms, unsigned int n);
	/* A watch fires once on registration and on every change at or
	 * under path. Events queue on the connection. */
	int (*watch)(struct xf_xs *xs, const char *path, const char *token);
	int (*unwatch)(struct xf_xs *xs, const char *path, const char *token);
	/* Non-blocking: -EAGAIN when no event is queued. */
	int (*read_watch)(struct xf_xs *xs, char **path, char **token);
	int (*txn_start)(struct xf_xs *xs, xf_txn *t);
	/* -EAGAIN when the transaction conflicted; the caller retries. */
	int (*txn_end)(struct xf_xs *xs, xf_txn t, bool abort);
	int (*fd)(struct xf_xs *xs); /* readable while events are queued */
	/* -ENOTSUP where only the fd exists (xen platform). */
	int (*set_wakeup)(struct xf_xs *xs, xf_wakeup_fn fn, void *opaque);
};

/* Grant copy segment, as GNTTABOP_copy: one side is a grant of domid,
 * the other local memory. */
struct xf_gnt_copy_seg {
	bool to_grant;     /* true: local -> granted page */
	xf_domid domid;
	xf_gref gref;
	uint16_t offset;   /* within the granted page */
	void *local;
	uint16_t len;
	int16_t status;    /* out: 0 or -errno */
};

struct xf_gnt_ops {
	/* Frontend: allocate n zeroed pages and grant each to domid.
	 * Only pages allocated here can be granted (gntshr semantics). */
	int (*share)(struct xf_platform *p, xf_domid domid, unsigned int n,
		     bool writable, xf_gref *refs, void **addr);
	/* Revoke and free. -EBUSY when the peer still maps any page: the
	 * pages stay allocated and granted (counted as a leak if still
	 * so at teardown). */
	int (*unshare)(struct xf_platform *p, void *addr, unsigned int n);
	/* Backend: map n grants of domid contiguously, all or nothing. */
	int (*map)(struct xf_platform *p, xf_domid domid, unsigned int n,
		   const xf_gref *refs, bool writable, void **addr);
	int (*unmap)(struct xf_platform *p, void *addr, unsigned int n);
	/* When the mapping goes away (unmap or death of the mapper),
	 * clear byte at offset (if >= 0) and notify port (if != ~0). */
	int (*set_unmap_notify)(struct xf_platform *p, void *addr,
				int clear_offset, xf_port port);
	/* Each segment gets its own status; returns 0 when the call was
	 * made, even if some segments failed. */
	int (*copy)(struct xf_platform *p, struct xf_gnt_copy_seg *segs,
		    unsigned int n);
};

struct xf_evtchn_ops {
	int (*open)(struct xf_platform *p, struct xf_evtch **out);
	void (*close)(struct xf_evtch *h);
	int (*alloc_unbound)(struct xf_evtch *h, xf_domid remote,
			     xf_port *port);
	int (*bind_interdomain)(struct xf_evtch *h, xf_domid remote,
				xf_port remote_port, xf_port *local_port);
	int (*unbind)(struct xf_evtch *h, xf_port port);
	int (*notify)(struct xf_evtch *h, xf_port port);
	/* Next pending port (>= 0), which stays masked until unmask();
	 * -EAGAIN when none. */
	int (*pending)(struct xf_evtch *h);
	int (*unmask)(struct xf_evtch *h, xf_port port);
	int (*fd)(struct xf_evtch *h);
	int (*set_wakeup)(struct xf_evtch *h, xf_wakeup_fn fn, void *opaque);
};

struct xf_platform {
	const char *name; /* "mock" or "xen" */
	xf_domid domid;   /* the domain this instance acts as */
	const struct xf_store_ops *store;
	const struct xf_gnt_ops *gnt;
	const struct xf_evtchn_ops *evtchn;
	void *impl;
};

void xf_strv_free(char **v, unsigned int n);

/* Convenience wrappers over the ops tables. */
int xf_xs_read_str(const struct xf_platform *p, struct xf_xs *xs,
		   xf_txn t, const char *path, char **val);
int xf_xs_printf(const struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		 const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Parses an unsigned decimal value; -ENOENT when absent, -EINVAL when
 * not a number or above max. */
int xf_xs_read_uint(const struct xf_platform *p, struct xf_xs *xs,
		    xf_txn t, const char *path, uint64_t max, uint64_t *out);
/* A number as Linux's xenbus_scanf("%u") (and xenbus_read_unsigned())
 * reads it: leading white space and sign, the leading digits, the rest
 * ignored, wrapped to 32 bits as C's %u. -ENOENT when absent, -EINVAL
 * when no digit leads. Backends that mimic Linux read keys this way. */
int xf_xs_read_scanu(const struct xf_platform *p, struct xf_xs *xs,
		     xf_txn t, const char *path, uint32_t *out);
/* xenbus_dev_fatal()'s record: "<errno> <msg>" (err as -errno) in
 * /local/domain/<own domid>/error/backend/<kind>/<fe>/<devid>/error,
 * which stays until the toolstack removes the device. */
int xf_xs_write_fatal(const struct xf_platform *p, struct xf_xs *xs,
		      const char *kind, unsigned int fe_domid,
		      unsigned int devid, int err, const char *msg);
/* The toolstack's request that a backend close (libxl's
 * request_close, libxl__initiate_device_generic_remove()), in t:
 * <be_dir>/online = 0, then state Closing (5) unless it is Closed
 * already. -ENOENT when the backend has no state key (no device). */
int xf_xs_request_close(const struct xf_platform *p, struct xf_xs *xs,
			xf_txn t, const char *be_dir);
/* Removes <dir>/<key> (key formatted as printf) and everything under it.
 * A node that is not there counts as removed: 0, else the store's
 * error. For a frontend clearing an earlier connection's keys. */
int xf_xs_rm_under(const struct xf_platform *p, struct xf_xs *xs, xf_txn t,
		   const char *dir, const char *key_fmt, ...)
	__attribute__((format(printf, 5, 6)));

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_PLATFORM_H */
