// SPDX-License-Identifier: MIT
/*
 * The ctx object hooks receive, and expect{check=...}. Hooks act on the
 * run only through the engine's callbacks, with the same validation as
 * fault{} on the timeline.
 */
#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include "scn-priv.h"

#define CTX_N(a) (sizeof(a) / sizeof((a)[0]))

struct ctx_up {
	struct xf_scn *s;
	const struct xf_scn_ctx_ops *ops;
	void *opaque;
};

static struct ctx_up *up(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static int caller_line(lua_State *L)
{
	lua_Debug ar;

	/* level 1 is the Lua sugar wrapper when present; find the first
	 * level that belongs to the scenario file. */
	for (int lvl = 1; lua_getstack(L, lvl, &ar); lvl++) {
		if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 &&
		    ar.source[0] == '@')
			return ar.currentline;
	}
	return 1;
}

/* Errors carry the scenario line, not the sugar wrapper's. */
static int ctx_error(lua_State *L, struct ctx_up *u, const char *msg)
{
	lua_pushfstring(L, "%s:%d: %s", u->s->path, caller_line(L), msg);
	return lua_error(L);
}

static int l_fault(lua_State *L)
{
	struct ctx_up *u = up(L);
	struct scn_priv *p = u->s->priv;
	struct xf_scn_diag d, *saved = p->diag;
	struct xf_scn_obj *o;
	char err[512] = "";
	int r, line = caller_line(L);

	luaL_checktype(L, 2, LUA_TTABLE);
	xf_scn_diag_init(&d);
	p->diag = &d;
	o = scn_obj_from_lua(u->s, L, 2, xf_scn_kind_by_name("fault"), line,
			     "ctx:fault");
	p->diag = saved;
	if (d.n) {
		lua_pushstring(L, d.msg[0]);
		xf_scn_diag_free(&d);
		scn_obj_free(o);
		return lua_error(L);
	}
	xf_scn_diag_free(&d);
	if (!o)
		return luaL_error(L, "out of memory");
	r = u->ops && u->ops->action ?
	    u->ops->action(u->opaque, o, err, sizeof(err)) : -ENOTSUP;
	scn_obj_free(o);
	if (r)
		return ctx_error(L, u, err[0] ? err : strerror(-r));
	return 0;
}

static int l_counter(lua_State *L)
{
	struct ctx_up *u = up(L);
	const char *name = luaL_checkstring(L, 2);
	double v;
	char m[512];

	if (!u->ops || !u->ops->counter ||
	    u->ops->counter(u->opaque, name, &v)) {
		const char *known[32];
		size_t nk = u->ops && u->ops->counter_keys ?
			    u->ops->counter_keys(u->opaque, known,
						 CTX_N(known)) : 0;
		const char *dot = strchr(name, '.');
		const char *dym;
		char list[256] = "";
		size_t o = 0;

		if (nk > CTX_N(known))
			nk = CTX_N(known);
		dym = scn_did_you_mean(dot ? dot + 1 : name, known, nk);
		for (size_t i = 0; i < nk && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
					      "%s%s", i ? ", " : "", known[i]);
		snprintf(m, sizeof(m), "ctx:counter: no counter named '%s'%s%s"
			 "%s (counters: %s%sa disk's own as 'd0.writes'; "
			 "`xfront list counters`)", name,
			 dym ? " (did you mean '" : "", dym ? dym : "",
			 dym ? "'?)" : "", list, nk ? "; " : "");
		return ctx_error(L, u, m);
	}
	lua_pushnumber(L, v);
	return 1;
}

static int l_now(lua_State *L)
{
	struct ctx_up *u = up(L);

	lua_pushnumber(L, u->ops && u->ops->now_ns ?
		       (double)u->ops->now_ns(u->opaque) / 1e9 : 0.0);
	return 1;
}

static const char *const ctx_builtins[] = { "fault", "counter", "now" };
/* Room for every method: the builtins and the schema's actions. */
#define CTX_MAX_METHODS 64

/* Sugar: ctx:power_cut('d0'), ctx:migrate('vm0', 'h1'),
 * ctx:stall_backend('d0', '5ms'), ctx:error('d0', {count = 3}),
 * ctx:set_backend_state('d0', 'closed'). */
static const char sugar[] =
	"local ctx, actions = ...\n"
	"local extra = { migrate = 'to', clock_step = 'step_s',\n"
	"  set_flush_mode = 'flush_mode', stall_backend = 'duration',\n"
	"  remove_device = 'duration', error = 'count',\n"
	"  drop_notify = 'count', set_backend_state = 'state',\n"
	"  restart_backend = 'duration' }\n"
	"for _, a in ipairs(actions) do\n"
	"  ctx[a] = function(self, target, opt)\n"
	"    local t = { action = a, target = target }\n"
	"    if type(opt) == 'table' then\n"
	"      for k, v in pairs(opt) do t[k] = v end\n"
	"    elseif opt ~= nil and extra[a] then t[extra[a]] = opt end\n"
	"    return self:fault(t)\n"
	"  end\n"
	"end\n";

/* Every ctx method name, for suggestions and the load-time check. */
static size_t ctx_methods(const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < CTX_N(ctx_builtins); i++)
		out[n++] = ctx_builtins[i];
	for (size_t i = 0; scn_action_names[i] && n < CTX_MAX_METHODS; i++)
		out[n++] = scn_action_names[i];
	return n;
}

static void methods_text(char *buf, size_t len)
{
	const char *m[CTX_MAX_METHODS];
	size_t n = ctx_methods(m), o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      m[i]);
}

/* What "no such method" says, with a suggestion when one is close. */
static void unknown_method(const char *name, char *buf, size_t len)
{
	const char *m[CTX_MAX_METHODS];
	size_t n = ctx_methods(m);
	const char *dym = scn_did_you_mean(name, m, n);
	char all[1024];

	methods_text(all, sizeof(all));
	if (dym)
		snprintf(buf, len, "ctx:%s: no such method (did you mean "
			 "'%s'?; methods: %s)", name, dym, all);
	else
		snprintf(buf, len, "ctx:%s: no such method (methods: %s)",
			 name, all);
}

/* ctx.<unknown>: an error naming it, not "attempt to call a nil
 * value" from deep inside the hook. */
static int l_ctx_index(lua_State *L)
{
	struct ctx_up *u = up(L);
	const char *name = lua_tostring(L, 2);
	char m[1400];

	unknown_method(name ? name : "?", m, sizeof(m));
	return ctx_error(L, u, m);
}

static int push_ctx(lua_State *L, struct ctx_up *u)
{
	static const struct { const char *n; lua_CFunction f; } m[] = {
		{ "fault", l_fault }, { "counter", l_counter },
		{ "now", l_now },
	};

	lua_newtable(L);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		lua_pushlightuserdata(L, u);
		lua_pushcclosure(L, m[i].f, 1);
		lua_setfield(L, -2, m[i].n);
	}
	if (luaL_loadbufferx(L, sugar, sizeof(sugar) - 1, "=ctx", "t"))
		return -ENOMEM;
	lua_pushvalue(L, -2);
	lua_newtable(L);
	for (size_t i = 0; scn_action_names[i]; i++) {
		lua_pushstring(L, scn_action_names[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	if (lua_pcall(L, 2, 0, 0))
		return -ENOMEM;
	/* Set after the sugar filled it: the metatable only answers
	 * names that are not methods. */
	lua_createtable(L, 0, 1);
	lua_pushlightuserdata(L, u);
	lua_pushcclosure(L, l_ctx_index, 1);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	return 0;
}

/* Calls written ctx:<name>( in the file are checked at load, so a typo
 * in a hook that may never fire is still found. Comments are skipped;
 * a hook that names its argument otherwise is checked when it runs. */
void scn_check_ctx_calls(struct xf_scn *s)
{
	struct scn_priv *p = s->priv;
	const char *m[CTX_MAX_METHODS];
	size_t n = ctx_methods(m);

	for (int l = 0; l < p->nlines; l++) {
		const char *line = p->lines[l];
		const char *c = strstr(line, "--");
		const char *q = line;

		while ((q = strstr(q, "ctx:")) && (!c || q < c)) {
			const char *w = q + 4;
			size_t len = strspn(w, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_");
			bool known = false;
			char name[64], msg[1400];

			q = w + len;
			/* ctx:foo must be a whole word: not xctx:foo */
			if (!len || len >= sizeof(name) ||
			    (w - 4 > line && (isalnum((unsigned char)w[-5]) ||
					      w[-5] == '_')))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)len, w);
			for (size_t i = 0; i < n && !known; i++)
				known = !strcmp(m[i], name);
			if (known)
				continue;
			unknown_method(name, msg, sizeof(msg));
			scn_err(s, l + 1, "%s", msg);
		}
	}
}

static void err_msg(struct xf_scn *s, const char *m, int line, char *out,
		    size_t len)
{
	size_t pl = strlen(s->path);

	if (!strncmp(m, s->path, pl) && m[pl] == ':')
		snprintf(out, len, "%s", m);
	else
		snprintf(out, len, "%s:%d: %s", s->path, line, m);
}

int xf_scn_run_hook(struct xf_scn *s, struct xf_scn_hook *h,
		    const struct xf_scn_ctx_ops *ops, void *opaque,
		    char *err, size_t errlen)
{
	lua_State *L = s->L;
	struct ctx_up u = { s, ops, opaque };
	int top = lua_gettop(L), r = 0;

	lua_rawgeti(L, LUA_REGISTRYINDEX, h->fn_ref);
	if (push_ctx(L, &u)) {
		lua_settop(L, top);
		return -ENOMEM;
	}
	scn_lua_budget_reset(L);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		err_msg(s, lua_isstring(L, -1) ? lua_tostring(L, -1) :
			"hook raised a non-string error", h->line, err,
			errlen);
		r = -EINVAL;
	}
	lua_settop(L, top);
	return r;
}

/* r.<unknown> in check(r): an error naming the field and the nearest
 * one, not a nil that turns into "attempt to compare number with nil"
 * or a silent false. */
static int l_r_index(lua_State *L)
{
	const char *key = lua_tostring(L, 2);
	const char *cands[512];
	size_t n = 0;
	const char *dym;

	lua_pushnil(L);
	while (lua_next(L, 1)) {
		if (lua_type(L, -2) == LUA_TSTRING && n < CTX_N(cands))
			cands[n++] = lua_tostring(L, -2);
		lua_pop(L, 1);
	}
	dym = key ? scn_did_you_mean(key, cands, n) : NULL;
	if (dym)
		return luaL_error(L, "check(r): r.%s: no such field (did you "
				  "mean r.%s?; `xfront list counters` lists "
				  "them)", key, dym);
	return luaL_error(L, "check(r): r.%s: no such field (`xfront list "
			  "counters` lists them)", key ? key : "?");
}

int xf_scn_run_check(struct xf_scn *s, const struct xf_scn_obj *expect,
		     const struct xf_scn_metric *m, size_t nm,
		     const struct xf_scn_xenbus *xb, size_t nxb, bool *ok,
		     char *msg, size_t msglen)
{
	lua_State *L = s->L;
	int top = lua_gettop(L), fi = scn_field_index(expect->kind, "check");
	int r = 0;

	msg[0] = 0;
	*ok = true;
	if (fi < 0 || !expect->vals[fi].set)
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, expect->vals[fi].fn_ref);
	lua_newtable(L);
	for (size_t i = 0; i < nm; i++) {
		lua_pushnumber(L, m[i].value);
		lua_setfield(L, -2, m[i].name);
	}
	lua_createtable(L, 0, (int)nxb);
	for (size_t i = 0; i < nxb; i++) {
		lua_createtable(L, (int)xb[i].n, 0);
		for (size_t k = 0; k < xb[i].n; k++) {
			lua_createtable(L, 0, 3);
			lua_pushinteger(L, (lua_Integer)xb[i].ev[k].t_ns);
			lua_setfield(L, -2, "t_ns");
			lua_pushstring(L, xb[i].ev[k].side);
			lua_setfield(L, -2, "side");
			lua_pushstring(L, xb[i].ev[k].state);
			lua_setfield(L, -2, "state");
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		lua_setfield(L, -2, xb[i].device);
	}
	lua_setfield(L, -2, "xenbus");
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, l_r_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	scn_lua_budget_reset(L);
	if (lua_pcall(L, 1, 2, 0) != LUA_OK) {
		err_msg(s, lua_isstring(L, -1) ? lua_tostring(L, -1) :
			"check raised a non-string error",
			expect->vals[fi].line, msg, msglen);
		*ok = false;
		r = -EINVAL;
	} else {
		*ok = lua_toboolean(L, -2);
		if (lua_isstring(L, -1))
			snprintf(msg, msglen, "%s", lua_tostring(L, -1));
	}
	lua_settop(L, top);
	return r;
}
