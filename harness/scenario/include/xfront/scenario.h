/* SPDX-License-Identifier: MIT */
/*
 * xfront scenario language: Lua 5.4 scripts that declare hosts, VMs,
 * disks, vifs, workloads, faults, hooks and expectations.
 *
 * Loading runs the script in a sandbox (no io/os/require; math.random
 * seeded from the scenario seed) once per variant. Every constructor
 * call (disk{...}, job{...}, ...) is validated against a schema as it
 * is made, and the whole model is cross-checked at the end (names
 * resolve, required keys present). Problems are collected as
 * "file:line: what is wrong" diagnostics; nothing runs when there is
 * one. Values are normalised: sizes in bytes, durations in ns.
 *
 * A loaded scenario keeps its Lua state for hooks (functions the
 * engine calls at exact points of a run) and expect{check=...}.
 * Not thread-safe; call from one thread.
 */
#ifndef XFRONT_SCENARIO_H
#define XFRONT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum xf_scn_type {
	XF_SCN_INT,   /* integer */
	XF_SCN_NUM,   /* number */
	XF_SCN_STR,   /* string */
	XF_SCN_BOOL,
	XF_SCN_SIZE,  /* bytes: number or "4k", "1M", "2G" (binary units) */
	XF_SCN_DUR,   /* ns: number of seconds or "10us", "5ms", "2s", "1m" */
	XF_SCN_ENUM,  /* one of a list of strings */
	XF_SCN_REF,   /* the name of another object of a given kind */
	XF_SCN_OBJ,   /* nested table with its own schema */
	XF_SCN_FUNC,  /* Lua function */
	XF_SCN_MAP,   /* table of name = { ... }, each entry of sub's schema
			 (the names are checked by the whole-model pass) */
};

struct xf_scn_kind;

struct xf_scn_field {
	const char *key;
	enum xf_scn_type type;
	bool required;
	double min, max;          /* INT/NUM/SIZE/DUR ranges (inclusive) */
	const char *const *enums; /* ENUM: NULL-terminated */
	const char *ref_kind;     /* REF: the kind named */
	const struct xf_scn_kind *sub; /* OBJ */
	const char *def;          /* default, as a string in the field's
				     own syntax; NULL = none */
	const char *help;         /* one line, for docs and errors */
	bool icase;               /* ENUM: matched case-insensitively and
				     stored as the schema spells it */
};

struct xf_scn_kind {
	const char *name;         /* "disk", "job", ... */
	const char *help;
	const struct xf_scn_field *fields;
	size_t nfields;
	bool named;               /* has a unique name= */
};

struct xf_scn_obj;

struct xf_scn_val {
	bool set;                 /* given by the script (else default) */
	int line;
	int64_t i;                /* INT, SIZE, DUR, BOOL */
	double d;                 /* NUM */
	char *s;                  /* STR, ENUM, REF */
	struct xf_scn_obj *obj;   /* OBJ: always present (defaults) */
	int fn_ref;               /* FUNC: Lua registry ref, or -1 */
	struct xf_scn_obj **items; /* MAP: the entries, in table order;
				      each one's name is its key */
	size_t nitems;
};

struct xf_scn_obj {
	const struct xf_scn_kind *kind;
	const char *name;         /* vals of "name" (a MAP entry: its key),
				     or NULL */
	int line;                 /* line of the constructor call */
	char *key;                /* a MAP entry's key (name points here) */
	struct xf_scn_val *vals;  /* kind->nfields entries */
};

/* Hooks: functions run at exact points of a run. */
enum xf_scn_hook_event {
	XF_SCN_HOOK_TIME,     /* at(t, fn): at virtual/real time n ns */
	XF_SCN_HOOK_INFLIGHT, /* on_inflight(n, fn): n I/Os in flight */
	XF_SCN_HOOK_FLUSH,    /* on_flush(n, fn): n-th flush completed */
	XF_SCN_HOOK_COMPLETE, /* on_complete(n, fn): n-th completion */
	XF_SCN_HOOK_WRITE,    /* on_write(n, fn): n-th write acknowledged */
};

struct xf_scn_hook {
	enum xf_scn_hook_event event;
	uint64_t n;               /* count, or time in ns */
	const char *target;       /* disk name filter or NULL (all) */
	int line;
	int fn_ref;
	bool fired;
};

struct xf_scn_variant {
	char *name;
	char *description;
};

struct xf_scn {
	char *path;
	char *variant;            /* NULL when the file declares none */
	const struct xf_scn_obj *scenario; /* the scenario{} block */
	struct xf_scn_obj **objs; /* every declared object, in order */
	size_t nobjs;
	struct xf_scn_hook *hooks;
	size_t nhooks;
	struct xf_scn_variant *variants;
	size_t nvariants;
	void *L;                  /* lua_State, kept for hooks */
	void *priv;
};

/* A --set key=value override. param(key, default) in a script reads
 * it; so do the built-in keys "duration" and "seed". */
struct xf_scn_param {
	const char *key;
	const char *value;
};

/* Copied by xf_scn_load; params and log_opaque must outlive the
 * scenario (hooks call param() and print() at run time). */
struct xf_scn_opts {
	const struct xf_scn_param *params;
	size_t nparams;
	/* print() in scripts goes here (NULL: dropped). */
	void (*log)(void *opaque, const char *msg);
	void *log_opaque;
};

/* Diagnostics: each entry is one "file:line: message" string. */
struct xf_scn_diag {
	size_t n;
	char **msg;
	/* Every message as it was first added, so that a variant loading
	 * the same file again adds nothing (private). */
	size_t nseen;
	char **seen;
};

void xf_scn_diag_init(struct xf_scn_diag *d);
void xf_scn_diag_free(struct xf_scn_diag *d);

/* Loads path for one variant (NULL: the first pass, which also lists
 * the declared variants). 0 and *out on success; -EINVAL with
 * diagnostics for script errors; -ENOENT/-EIO when unreadable;
 * -ENOMEM. Parameters no script asked for are reported by
 * xf_scn_unused_params(). */
int xf_scn_load(const char *path, const char *variant,
		const struct xf_scn_opts *opts, struct xf_scn **out,
		struct xf_scn_diag *diag);
void xf_scn_free(struct xf_scn *s);

/* Names of --set keys that neither param() nor a built-in consumed;
 * diagnostics appended, returns how many. */
size_t xf_scn_unused_params(const struct xf_scn *s,
			    const struct xf_scn_opts *opts,
			    struct xf_scn_diag *diag);

/* Whether param() or a built-in read opts->params[index]. */
bool xf_scn_param_used(const struct xf_scn *s, size_t index);

/* Objects of one kind, in declaration order (index-th, or NULL). */
size_t xf_scn_count(const struct xf_scn *s, const char *kind);
const struct xf_scn_obj *xf_scn_nth(const struct xf_scn *s,
				    const char *kind, size_t index);
const struct xf_scn_obj *xf_scn_find(const struct xf_scn *s,
				     const char *kind, const char *name);

/* Typed getters: the script's value or the schema default. Asking for
 * a key the kind does not have is a programming error; it reads as a
 * zero value (unset, 0, false, NULL). */
int64_t xf_scn_int(const struct xf_scn_obj *o, const char *key);
double xf_scn_num(const struct xf_scn_obj *o, const char *key);
bool xf_scn_bool(const struct xf_scn_obj *o, const char *key);
const char *xf_scn_str(const struct xf_scn_obj *o, const char *key);
const struct xf_scn_obj *xf_scn_sub(const struct xf_scn_obj *o,
				    const char *key);
bool xf_scn_isset(const struct xf_scn_obj *o, const char *key);
int xf_scn_line(const struct xf_scn_obj *o, const char *key);
/* A MAP key's entries, in table order (0 and NULL when not given). */
size_t xf_scn_map(const struct xf_scn_obj *o, const char *key,
		  struct xf_scn_obj *const **items);
/* A disk's capacity as its guest sees it, in bytes: the backend writes
 * "sectors" in backend.sectors_unit and the frontend reads them in its
 * sectors_unit, so with large sectors and different units the guest
 * sees more or less than size. Jobs address the disk as its guest sees
 * it. */
int64_t xf_scn_disk_guest_size(const struct xf_scn_obj *disk);

/* The schema (for docs and the engine). */
const struct xf_scn_kind *xf_scn_kind_by_name(const char *name);
extern const struct xf_scn_kind *const xf_scn_kinds[];

/* Engine callbacks available to hooks through ctx. */
struct xf_scn_ctx_ops {
	/* ctx:fault{...} and its sugar (ctx:power_cut('d0'), ...): a
	 * validated "fault" object (at is ignored). 0 or -errno with a
	 * message in err. */
	int (*action)(void *opaque, const struct xf_scn_obj *fault,
		      char *err, size_t errlen);
	/* ctx:counter('name'): -ENOENT for an unknown counter. */
	int (*counter)(void *opaque, const char *name, double *out);
	/* The names counter() takes (of every disk, or "d0.<name>" for
	 * one), for the message about an unknown one: up to max into
	 * keys; returns how many there are. May be NULL. */
	size_t (*counter_keys)(void *opaque, const char **keys, size_t max);
	uint64_t (*now_ns)(void *opaque);
};

/* Runs a hook's function with a ctx bound to ops. 0, or -EINVAL with
 * "file:line: message" in err when the function raised an error. */
int xf_scn_run_hook(struct xf_scn *s, struct xf_scn_hook *h,
		    const struct xf_scn_ctx_ops *ops, void *opaque,
		    char *err, size_t errlen);

/* A result value handed to expect{check=function(r) ... end}. */
struct xf_scn_metric {
	const char *name;
	double value;
};

/* One device's xenbus state writes, for r.xenbus.<device> in check():
 * an array of { t_ns = <integer>, side = "frontend" | "backend",
 * state = "InitWait" } tables. */
struct xf_scn_xenbus_event {
	uint64_t t_ns;
	const char *side;
	const char *state;
};

struct xf_scn_xenbus {
	const char *device;
	const struct xf_scn_xenbus_event *ev;
	size_t n;
};

/* Runs expect{check=fn}: fn(r) with r.<name> = value and r.xenbus (a
 * table of the devices in xb) returns true, or false/nil plus an
 * optional message. *ok gets the verdict, msg the message (may be
 * empty). -EINVAL with "file:line: ..." in msg when it raised an
 * error. */
int xf_scn_run_check(struct xf_scn *s, const struct xf_scn_obj *expect,
		     const struct xf_scn_metric *m, size_t nm,
		     const struct xf_scn_xenbus *xb, size_t nxb, bool *ok,
		     char *msg, size_t msglen);

/* Value parsers shared with the CLI (--set, --seed). */
int xf_scn_parse_size(const char *s, int64_t *bytes);
int xf_scn_parse_duration(const char *s, int64_t *ns);
/* A seed as --seed and --set seed= take it: decimal digits only ("010"
 * is ten), 0 to 2^53 (what a JSON reader holds exactly). 0 or -EINVAL. */
int xf_scn_parse_seed(const char *s, int64_t *seed);

#ifdef __cplusplus
}
#endif
#endif /* XFRONT_SCENARIO_H */
