// SPDX-License-Identifier: MIT
/* Whole-model checks once the script has run: names resolve, faults
 * and hooks point at things that exist, jobs fit their disks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scn-priv.h"

static const char *const target_kinds[] = { "host", "vm", "disk", "vif",
					    NULL };

static const struct xf_scn_obj *find_target(const struct xf_scn *s,
					    const char *name)
{
	for (size_t i = 0; target_kinds[i]; i++) {
		const struct xf_scn_obj *o = xf_scn_find(s, target_kinds[i],
							 name);
		if (o)
			return o;
	}
	return NULL;
}

static void names_of(const struct xf_scn *s, const char *kind, char *buf,
		     size_t len)
{
	size_t o = 0, n = xf_scn_count(s, kind);

	buf[0] = 0;
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      xf_scn_nth(s, kind, i)->name);
	if (!n)
		snprintf(buf, len, "none");
}

static void check_unique(struct xf_scn *s)
{
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct xf_scn_obj *a = s->objs[i];
		bool a_tgt = false;

		if (!a->kind->named || !a->name)
			continue;
		for (size_t k = 0; target_kinds[k]; k++)
			a_tgt |= !strcmp(a->kind->name, target_kinds[k]);
		for (size_t j = 0; j < i; j++) {
			const struct xf_scn_obj *b = s->objs[j];
			bool b_tgt = false;

			if (!b->name)
				continue;
			for (size_t k = 0; target_kinds[k]; k++)
				b_tgt |= !strcmp(b->kind->name,
						 target_kinds[k]);
			if (strcmp(a->name, b->name))
				continue;
			if (a->kind == b->kind || (a_tgt && b_tgt)) {
				scn_err(s, a->line, "%s '%s': name already "
					"used by the %s at line %d",
					a->kind->name, a->name, b->kind->name,
					b->line);
				break;
			}
		}
	}
}

static void check_refs(struct xf_scn *s, const struct xf_scn_obj *o,
		       const char *what)
{
	char names[256];

	for (size_t i = 0; i < o->kind->nfields; i++) {
		const struct xf_scn_field *f = &o->kind->fields[i];
		const struct xf_scn_val *v = &o->vals[i];

		if (f->type == XF_SCN_OBJ && v->obj)
			check_refs(s, v->obj, what);
		if (f->type != XF_SCN_REF || !v->set)
			continue;
		if (xf_scn_find(s, f->ref_kind, v->s))
			continue;
		names_of(s, f->ref_kind, names, sizeof(names));
		scn_err(s, v->line, "%s: %s = \"%s\": no %s named '%s' "
			"(declared: %s)", what, f->key, v->s, f->ref_kind,
			v->s, names);
	}
}

static void what_of(const struct xf_scn_obj *o, char *buf, size_t len)
{
	if (o->name && o->kind->named)
		snprintf(buf, len, "%s '%s'", o->kind->name, o->name);
	else
		snprintf(buf, len, "%s", o->kind->name);
}

/* Whether "path:line: what..." is among the diagnostics already. */
static bool said_at(struct xf_scn *s, int line, const char *what)
{
	struct scn_priv *p = s->priv;
	char pre[512];

	snprintf(pre, sizeof(pre), "%s:%d: %s", s->path, line, what);
	for (size_t i = 0; p->diag && i < p->diag->n; i++)
		if (!strncmp(p->diag->msg[i], pre, strlen(pre)))
			return true;
	return false;
}

static void check_fault(struct xf_scn *s, const struct xf_scn_obj *f)
{
	const char *action = xf_scn_str(f, "action");
	const char *target = xf_scn_str(f, "target");
	const struct xf_scn_obj *t;
	const char *need = "disk or vif";

	if (!xf_scn_isset(f, "at"))
		scn_err(s, f->line, "fault: missing required key 'at' "
			"(when, from the start of the run; use a hook such "
			"as on_flush(n, fn) for event-driven faults)");
	if (!action || !target)
		return;
	t = find_target(s, target);
	if (!t) {
		scn_err(s, xf_scn_line(f, "target"), "fault: target = \"%s\": "
			"no disk, vif, vm or host has that name", target);
		return;
	}
	if (!strcmp(action, "migrate") || !strcmp(action, "clock_step") ||
	    !strcmp(action, "suspend") || !strcmp(action, "resume"))
		need = "vm";
	else if (strcmp(action, "unplug") &&
		 strcmp(action, "set_backend_state") &&
		 strcmp(action, "close_frontend") &&
		 strcmp(action, "reopen_frontend") &&
		 strcmp(action, "drop_notify"))
		/* The mock netback has no crash, restart, stall, removal
		 * or disk-model faults (yet): refused here, not at run. */
		need = "disk";
	if (!((!strcmp(need, "vm") && !strcmp(t->kind->name, "vm")) ||
	      (!strcmp(need, "disk") && !strcmp(t->kind->name, "disk")) ||
	      (!strcmp(need, "disk or vif") &&
	       (!strcmp(t->kind->name, "disk") ||
		!strcmp(t->kind->name, "vif")))))
		scn_err(s, xf_scn_line(f, "target"), "fault: %s needs a %s "
			"target, '%s' is a %s", action, need, target,
			t->kind->name);
	if (!strcmp(action, "migrate") && !xf_scn_isset(f, "to"))
		scn_err(s, f->line, "fault: migrate needs to = \"<host>\"");
	/* A state given but refused has its error already. */
	if (!strcmp(action, "set_backend_state") && !xf_scn_isset(f, "state") &&
	    !said_at(s, xf_scn_line(f, "state"), "fault: state = "))
		scn_err(s, f->line, "fault: set_backend_state needs state = "
			"\"<name>\" (initialising, initwait, initialised, "
			"connected, closing, closed)");
}

/* Each migrate fault must move its VM away from the host it is on by
 * then: its declared host (else the first host), then each earlier
 * migration's destination, in timeline order (file order on a tie, as
 * the engine fires them). */
static void check_migrations(struct xf_scn *s)
{
	size_t n = 0, cap = xf_scn_count(s, "fault");
	const struct xf_scn_obj **m;

	if (!cap)
		return;
	m = calloc(cap, sizeof(*m));
	if (!m) {
		scn_err(s, 1, "out of memory");
		return;
	}
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct xf_scn_obj *f = s->objs[i];
		const char *a = xf_scn_str(f, "action");
		size_t k = n;

		if (strcmp(f->kind->name, "fault") || !a ||
		    strcmp(a, "migrate") ||
		    !xf_scn_find(s, "vm", xf_scn_str(f, "target")) ||
		    !xf_scn_find(s, "host", xf_scn_str(f, "to")))
			continue;
		while (k > 0 && xf_scn_int(m[k - 1], "at") >
				xf_scn_int(f, "at")) {
			m[k] = m[k - 1];
			k--;
		}
		m[k] = f;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const char *vmn = xf_scn_str(m[i], "target");
		const char *to = xf_scn_str(m[i], "to");
		const struct xf_scn_obj *vm = xf_scn_find(s, "vm", vmn);
		const struct xf_scn_obj *first = xf_scn_nth(s, "host", 0);
		const char *on = xf_scn_str(vm, "host");
		int by = 0;

		if (!on && first)
			on = first->name;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(xf_scn_str(m[k], "target"), vmn))
				continue;
			on = xf_scn_str(m[k], "to");
			by = m[k]->line;
		}
		if (!on || strcmp(on, to))
			continue;
		if (by)
			scn_err(s, xf_scn_line(m[i], "to"), "fault: migrate: "
				"vm '%s' is on host '%s' by then (the "
				"migration at line %d takes it there)", vmn,
				on, by);
		else
			scn_err(s, xf_scn_line(m[i], "to"), "fault: migrate: "
				"vm '%s' is already on host '%s' (to = "
				"\"%s\")", vmn, on, to);
	}
	free(m);
}

static void check_job(struct xf_scn *s, const struct xf_scn_obj *j)
{
	const struct xf_scn_obj *d = xf_scn_find(s, "disk",
						 xf_scn_str(j, "disk"));
	const struct xf_scn_obj *vm;
	const char *rw = xf_scn_str(j, "rw");
	char what[160];
	int64_t ss, bs = xf_scn_int(j, "bs");
	int64_t size, region;

	if (!d)
		return;
	what_of(j, what, sizeof(what));
	ss = xf_scn_int(d, "sector_size");
	/* A guest addresses the disk it sees (sectors_unit). */
	size = xf_scn_disk_guest_size(d);
	if (bs % ss)
		scn_err(s, xf_scn_line(j, "bs"), "%s: bs = %lld is not a "
			"multiple of disk '%s' sector_size %lld", what,
			(long long)bs, d->name, (long long)ss);
	region = xf_scn_int(j, "size") ? xf_scn_int(j, "size") :
		 size - xf_scn_int(j, "offset");
	if (xf_scn_int(j, "offset") + region > size || region < bs)
		scn_err(s, xf_scn_line(j, "size"), "%s: region (offset %lld, "
			"size %lld) does not fit disk '%s' (%lld bytes%s) or "
			"is smaller than bs", what,
			(long long)xf_scn_int(j, "offset"),
			(long long)region, d->name, (long long)size,
			size != xf_scn_int(d, "size") ? " as its guest sees "
			"it, sectors_unit" : "");
	if (xf_scn_bool(d, "readonly") && strcmp(rw, "read") &&
	    strcmp(rw, "randread"))
		scn_err(s, xf_scn_line(j, "rw"), "%s: rw = \"%s\" on "
			"read-only disk '%s'", what, rw, d->name);
	vm = xf_scn_find(s, "vm", xf_scn_str(d, "vm"));
	if (vm && xf_scn_int(j, "vcpu") >= xf_scn_int(vm, "vcpus"))
		scn_err(s, xf_scn_line(j, "vcpu"), "%s: vcpu = %lld but vm "
			"'%s' has %lld vCPUs", what,
			(long long)xf_scn_int(j, "vcpu"), vm->name,
			(long long)xf_scn_int(vm, "vcpus"));
}

/* What the disk model would refuse at set-up, refused here with the
 * line instead, before any file of the run starts. */
static void check_disk(struct xf_scn *s, const struct xf_scn_obj *d,
		       const char *what)
{
	const struct xf_scn_obj *m = xf_scn_sub(d, "model");
	int64_t ss = xf_scn_int(d, "sector_size");
	int64_t size = xf_scn_int(d, "size");
	const char *image = m ? xf_scn_str(m, "image") : "memory";

	if (ss & (ss - 1))
		scn_err(s, xf_scn_line(d, "sector_size"), "%s: sector_size = "
			"%lld is not a power of two", what, (long long)ss);
	else if (size % ss)
		scn_err(s, xf_scn_line(d, "size"), "%s: size = %lld is not a "
			"multiple of sector_size %lld", what,
			(long long)size, (long long)ss);
	if (strcmp(image, "memory")) {
		/* The image is created if missing: its directory must be
		 * there and writable. */
		const char *slash = strrchr(image, '/');
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - image) + (slash == image) : 1,
			 slash ? image : ".");
		if (access(image, R_OK | W_OK) &&
		    (errno != ENOENT || access(dir, W_OK | X_OK)))
			scn_err(s, xf_scn_line(m, "image"), "%s: model.image "
				"\"%s\": %s", what, image, strerror(errno));
	}
}

/* UDP flows: msg_size is the stream bytes of one datagram, after the
 * flow's 16-byte header (XF_TRAFFIC_UDP_HDR_LEN). Over IPv4 a datagram
 * carries at most 65,507 bytes of UDP payload (65535 - 20 - 8) and goes
 * as IP fragments above the 1500-byte MTU; IPv6 fragment headers are
 * not modelled, so a udp6 datagram must fit one 1500-byte packet. */
#define UDP4_MSG_MAX (65535 - 20 - 8 - 16)
#define UDP6_MSG_MAX (1500 - 40 - 8 - 16)

static void check_flow_msg(struct xf_scn *s, const struct xf_scn_obj *f,
			   const char *what)
{
	const char *proto = xf_scn_str(f, "proto");
	long long m = (long long)xf_scn_int(f, "msg_size");

	if (!xf_scn_isset(f, "msg_size") || strncmp(proto, "udp", 3))
		return;
	if (!strcmp(proto, "udp") && m > UDP4_MSG_MAX)
		scn_err(s, xf_scn_line(f, "msg_size"), "%s: msg_size = %lld "
			"is over %d for proto = \"udp\": one IPv4 datagram "
			"carries at most 65507 bytes of UDP payload, %d after "
			"the flow's 16-byte header", what, m, UDP4_MSG_MAX,
			UDP4_MSG_MAX);
	else if (!strcmp(proto, "udp6") && m > UDP6_MSG_MAX)
		scn_err(s, xf_scn_line(f, "msg_size"), "%s: msg_size = %lld "
			"is over %d for proto = \"udp6\": IPv6 datagrams are "
			"not fragmented, one must fit a 1500-byte packet with "
			"its headers and the flow's 16-byte header", what, m,
			UDP6_MSG_MAX);
}

/* Fragment keys only mean something with a layout that uses them. */
static void check_flow(struct xf_scn *s, const struct xf_scn_obj *f,
		       const char *what)
{
	const char *layout = xf_scn_str(f, "frag_layout");
	bool tiny = !strcmp(layout, "tiny-first");

	check_flow_msg(s, f, what);
	if (xf_scn_isset(f, "nfrags") && !strcmp(layout, "linear"))
		scn_err(s, xf_scn_line(f, "nfrags"), "%s: nfrags = %lld needs "
			"frag_layout = \"many\" or \"tiny-first\"", what,
			(long long)xf_scn_int(f, "nfrags"));
	if (xf_scn_isset(f, "first_frag") && !tiny)
		scn_err(s, xf_scn_line(f, "first_frag"), "%s: first_frag "
			"needs frag_layout = \"tiny-first\" (frag_layout is "
			"\"%s\")", what, layout);
	if (tiny && xf_scn_isset(f, "nfrags") && xf_scn_int(f, "nfrags") < 2)
		scn_err(s, xf_scn_line(f, "nfrags"), "%s: frag_layout = "
			"\"tiny-first\" needs nfrags >= 2 (the tiny first "
			"fragment and the rest)", what);
}

static void check_expect(struct xf_scn *s, const struct xf_scn_obj *e)
{
	size_t conds = 0;

	for (size_t i = 0; i < e->kind->nfields; i++) {
		const char *k = e->kind->fields[i].key;

		if (e->vals[i].set && strcmp(k, "name") && strcmp(k, "job") &&
		    strcmp(k, "vm") && strcmp(k, "flow") &&
		    strcmp(k, "iops_tolerance_pct") && strcmp(k, "mode"))
			conds++;
	}
	{
		struct xf_scn_obj *const *it;
		size_t n = xf_scn_map(e, "xenbus", &it);
		char names[256], dn[256];

		for (size_t i = 0; i < n; i++) {
			if (xf_scn_find(s, "disk", it[i]->name) ||
			    xf_scn_find(s, "vif", it[i]->name))
				continue;
			names_of(s, "disk", names, sizeof(names));
			names_of(s, "vif", dn, sizeof(dn));
			scn_err(s, it[i]->line, "expect: xenbus.%s: no disk "
				"or vif named '%s' (disks: %s; vifs: %s)",
				it[i]->name, it[i]->name, names, dn);
		}
	}
	if (!conds)
		scn_err(s, e->line, "expect: states no condition (e.g. "
			"iops_min = ..., lost_writes = 0)");
	if (xf_scn_isset(e, "iops_tolerance_pct") &&
	    !xf_scn_isset(e, "iops_target"))
		scn_err(s, xf_scn_line(e, "iops_tolerance_pct"), "expect: "
			"iops_tolerance_pct without iops_target");
}

/* Every run mode the scenario (variant) is run in checks something, and
 * no expectation is restricted to a mode it is never run in: a run that
 * proves nothing must not look like a pass. */
static void check_modes(struct xf_scn *s)
{
	static const char *const modes[] = { "sim", "real" };
	const char *want = s->scenario ? xf_scn_str(s->scenario, "mode") :
			   "any";
	size_t n = xf_scn_count(s, "expect");
	char in[80];

	snprintf(in, sizeof(in), "%s%s%s", s->variant ? "variant '" : "",
		 s->variant ? s->variant : "", s->variant ? "': " : "");
	for (size_t i = 0; i < n; i++) {
		const struct xf_scn_obj *e = xf_scn_nth(s, "expect", i);
		const char *m = xf_scn_str(e, "mode");

		if (strcmp(want, "any") && strcmp(m, "any") && strcmp(m, want))
			scn_err(s, xf_scn_line(e, "mode"), "%sexpect: mode = "
				"\"%s\" is never checked: the scenario runs "
				"in %s mode only", in, m, want);
	}
	for (size_t k = 0; k < 2 && n; k++) {
		bool covered = false;

		if (strcmp(want, "any") && strcmp(want, modes[k]))
			continue;
		for (size_t i = 0; i < n; i++) {
			const char *m = xf_scn_str(xf_scn_nth(s, "expect", i),
						   "mode");

			covered |= !strcmp(m, "any") || !strcmp(m, modes[k]);
		}
		if (!covered)
			scn_err(s, s->scenario ? s->scenario->line : 1,
				"%sno expect { ... } is checked in %s mode: "
				"add one (mode = \"%s\" or no mode), or "
				"declare scenario { mode = \"%s\" } if %s "
				"mode makes no sense here", in, modes[k],
				modes[k], modes[1 - k], modes[k]);
	}
}

void scn_check(struct xf_scn *s)
{
	char what[160];

	if (!s->scenario)
		scn_err(s, 1, "missing scenario { name = ..., description = "
			"... } block");
	check_unique(s);
	for (size_t i = 0; i < s->nobjs; i++) {
		const struct xf_scn_obj *o = s->objs[i];
		const char *k = o->kind->name;

		what_of(o, what, sizeof(what));
		check_refs(s, o, what);
		if (!strcmp(k, "fault"))
			check_fault(s, o);
		else if (!strcmp(k, "job"))
			check_job(s, o);
		else if (!strcmp(k, "expect"))
			check_expect(s, o);
		else if (!strcmp(k, "flow"))
			check_flow(s, o, what);
		else if (!strcmp(k, "disk"))
			check_disk(s, o, what);
	}
	check_migrations(s);
	for (size_t i = 0; i < s->nhooks; i++) {
		const char *t = s->hooks[i].target;

		if (t && !xf_scn_find(s, "disk", t) &&
		    !xf_scn_find(s, "vif", t))
			scn_err(s, s->hooks[i].line, "hook: no disk or vif "
				"named '%s'", t);
	}
	if (!xf_scn_count(s, "job") && !xf_scn_count(s, "flow"))
		scn_err(s, s->scenario ? s->scenario->line : 1,
			"nothing to run: declare a job { ... } or flow "
			"{ ... }");
	if (!xf_scn_count(s, "expect"))
		scn_err(s, s->scenario ? s->scenario->line : 1,
			"no expect { ... }: a scenario must state what it "
			"proves");
	check_modes(s);
}
