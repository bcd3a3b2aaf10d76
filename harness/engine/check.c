// SPDX-License-Identifier: MIT
/*
 * What a platform can run, checked before anything runs. The xen
 * platform drives the dom0 kernel's backends: whatever they offer is
 * what a disk gets, and nothing of the mock world (disk models, backend
 * feature switches, faults, hooks, shared budgets, power loss) exists
 * there. A scenario asking for it is bad input with its file:line, not
 * a run that silently measures something else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xfront/engine.h>

static int line_of(const struct xf_scn_obj *o, const char *key)
{
	int l = key ? xf_scn_line(o, key) : 0;

	return l > 0 ? l : o->line;
}

/* The first key the script set in a sub-table, or NULL. */
static const char *first_set(const struct xf_scn_obj *sub, int *line)
{
	for (size_t i = 0; sub && i < sub->kind->nfields; i++) {
		if (!sub->vals[i].set)
			continue;
		*line = sub->vals[i].line;
		return sub->kind->fields[i].key;
	}
	return NULL;
}

/* Appends one problem as a line of err: the caller sees every problem
 * of a file at once, not one per rerun. */
static int bad(char *err, size_t len, const struct xf_scn *s, int line,
	       const struct xf_scn_obj *o, const char *what)
{
	size_t used = strnlen(err, len);

	if (used + 1 >= len)
		return -EINVAL;
	if (used)
		err[used++] = '\n';
	if (o && o->name)
		snprintf(err + used, len - used, "%s:%d: %s '%s': %s "
			 "(--platform xen)", s->path, line, o->kind->name,
			 o->name, what);
	else
		snprintf(err + used, len - used, "%s:%d: %s%s%s "
			 "(--platform xen)", s->path, line,
			 o ? o->kind->name : "", o ? ": " : "", what);
	return -EINVAL;
}

/* The leniencies (disk.backend.lenient, host.blk.lenient,
 * vif.backend.lenient, host.net.lenient) are answers the mock gives
 * where Linux's backends give their own: nothing can switch the
 * kernel's to them. Said before the broader refusal of their table,
 * with the key, so the reason is the real one. */
static int check_lenient(const struct xf_scn *s, const struct xf_scn_obj *o,
			 const char *table, const char *driver, char *err,
			 size_t len)
{
	const struct xf_scn_obj *t = xf_scn_sub(o, table);
	char what[256];
	int line = 0;
	const char *k = first_set(t ? xf_scn_sub(t, "lenient") : NULL, &line);

	if (!k)
		return 0;
	snprintf(what, sizeof(what), "%s.lenient.%s: the kernel's %s cannot "
		 "be made lenient (mock-only)", table, k, driver);
	return bad(err, len, s, line > 0 ? line : o->line, o, what);
}

/* A hostile mode is the mock's own misbehaviour: the kernel's blkback
 * has no switch that makes it break the ring protocol. */
static int check_hostile(const struct xf_scn *s, const struct xf_scn_obj *o,
			 const char *table, char *err, size_t len)
{
	const struct xf_scn_obj *t = xf_scn_sub(o, table);
	const char *k = NULL;
	char what[256];

	if (t && xf_scn_isset(t, "hostile"))
		k = "hostile";
	else if (t && xf_scn_isset(t, "hostile_after"))
		k = "hostile_after";
	if (!k)
		return 0;
	snprintf(what, sizeof(what), "%s.%s: the kernel's blkback cannot be "
		 "made to break the ring protocol on demand; hostile modes "
		 "are the mock blkback's (mock-only)", table, k);
	return bad(err, len, s, line_of(t, k), o, what);
}

static int check_disk(const struct xf_scn *s, const struct xf_scn_obj *o,
		      char *err, size_t len)
{
	static const char *const subs[][2] = {
		{ "backend", "backend features are mock-only: a xen disk "
			     "gets what the kernel's blkback offers" },
		{ "model", "disk models are mock-only: a xen disk is the "
			   "kernel's blkback over a loop device" },
	};
	char what[256];
	int line = 0, r;

	r = check_lenient(s, o, "backend", "blkback", err, len);
	if (!r)
		r = check_hostile(s, o, "backend", err, len);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		const char *k = first_set(xf_scn_sub(o, subs[i][0]), &line);

		/* backend.lenient already said why backend is refused */
		if (!k || (r && !i))
			continue;
		snprintf(what, sizeof(what), "%s.%s: %s", subs[i][0], k,
			 subs[i][1]);
		r = bad(err, len, s, line > 0 ? line : o->line, o, what);
	}
	if (xf_scn_int(o, "sector_size") != 512)
		r = bad(err, len, s, line_of(o, "sector_size"), o,
			"sector_size: loop devices have 512-byte sectors "
			"here");
	return r;
}

static int check_expect(const struct xf_scn *s, const struct xf_scn_obj *o,
			char *err, size_t len)
{
	static const char *const keys[][2] = {
		{ "lost_writes", "needs a power cut (mock-only)" },
		{ "durability", "needs a power cut (mock-only)" },
		{ "leaks", "Xen does not count grants a peer still maps; "
			   "leaks are measured on the mock platform only" },
		{ "reconnect_max_ms", "needs a backend fault (mock-only)" },
	};
	char what[256];
	int r = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!xf_scn_isset(o, keys[i][0]))
			continue;
		snprintf(what, sizeof(what), "%s: %s", keys[i][0],
			 keys[i][1]);
		r = bad(err, len, s, line_of(o, keys[i][0]), o, what);
	}
	return r;
}

/* Why a fault cannot run here: the xenbus dance actions say what
 * stands in the way on a dom0. */
static const char *fault_why(const struct xf_scn_obj *f)
{
	static const char *const why[][2] = {
		{ "set_backend_state", "set_backend_state: the kernel's "
		  "backend keeps its own state; a state key written under it "
		  "would not make it act in that state (mock-only)" },
		{ "unplug", "unplug: the engine drives no toolstack on a "
		  "dom0 (use xl block-detach); mock-only" },
		{ "close_frontend", "close_frontend: faults run on the mock "
		  "platform only (mock-only)" },
		{ "reopen_frontend", "reopen_frontend: faults run on the "
		  "mock platform only (mock-only)" },
	};
	const char *a = xf_scn_str(f, "action");

	for (size_t i = 0; a && i < sizeof(why) / sizeof(why[0]); i++)
		if (!strcmp(why[i][0], a))
			return why[i][1];
	return "faults act on mock backends and disks (mock-only)";
}


static int check_host(const struct xf_scn *s, const struct xf_scn_obj *o,
		      unsigned int nth, char *err, size_t len)
{
	static const char *const mock[] = { "storage_iops", "storage_bw",
					    "blk", "net", "link_gbps" };
	int r = 0;

	if (nth > 1)
		r = bad(err, len, s, o->line, o, "one host only: this dom0 "
			"is the xen host");
	for (size_t m = 0; m < sizeof(mock) / sizeof(*mock); m++)
		if (xf_scn_isset(o, mock[m])) {
			char what[160];

			snprintf(what, sizeof(what), "%s is mock-only",
				 mock[m]);
			r = bad(err, len, s, line_of(o, mock[m]), o, what);
		}
	return r;
}

/* Every object is checked, whatever an earlier one said. */
static int check_xen(const struct xf_scn *s, char *err, size_t len)
{
	unsigned int hosts = 0;
	int r = 0;

	for (size_t i = 0; i < s->nobjs; i++) {
		const struct xf_scn_obj *o = s->objs[i];
		const char *k = o->kind->name;
		int ro = 0;

		/* A lenient key is refused for what it is, instead of the
		 * broader refusal of its table or object. */
		if (!strcmp(k, "host")) {
			hosts++;
			ro = check_lenient(s, o, "net", "xen-netback", err,
					   len);
			if (!ro)
				ro = check_lenient(s, o, "blk", "blkback",
						   err, len);
			if (!ro)
				ro = check_hostile(s, o, "blk", err, len);
			if (!ro)
				ro = check_host(s, o, hosts, err, len);
		} else if (!strcmp(k, "disk")) {
			ro = check_disk(s, o, err, len);
		} else if (!strcmp(k, "fault")) {
			ro = bad(err, len, s, o->line, o, fault_why(o));
		} else if (!strcmp(k, "vif") || !strcmp(k, "flow")) {
			if (!strcmp(k, "vif"))
				ro = check_lenient(s, o, "backend",
						   "xen-netback", err, len);
			if (!ro)
				ro = bad(err, len, s, o->line, o, "network "
					 "objects run on the mock netback only "
					 "for now");
		} else if (!strcmp(k, "expect")) {
			ro = check_expect(s, o, err, len);
		}
		r = r ? r : ro;
	}
	for (size_t i = 0; i < s->nhooks; i++)
		r = bad(err, len, s, s->hooks[i].line, NULL, "hook: hooks act "
			"on mock backends and disks (mock-only)");
	return r;
}

int xf_engine_check(const struct xf_scn *scn, const struct xf_engine_opts *o,
		    char *err, size_t errlen)
{
	const char *p = o->platform ? o->platform : "mock";
	const char *m = o->mode ? o->mode : "sim";

	if (errlen)
		err[0] = 0;
	if (!strcmp(p, "mock"))
		return 0;
	if (strcmp(p, "xen")) {
		snprintf(err, errlen, "platform '%s' is unknown (mock or xen)",
			 p);
		return -ENOTSUP;
	}
	if (strcmp(m, "real")) {
		snprintf(err, errlen, "--platform xen needs --mode real: the "
			 "kernel's backends run in real time, not in sim "
			 "mode's virtual time");
		return -ENOTSUP;
	}
	return check_xen(scn, err, errlen);
}
