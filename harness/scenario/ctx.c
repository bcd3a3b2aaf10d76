// SPDX-License-Identifier: MIT
/*
 * The ctx object hooks receive, and expect{check=...}. Hooks act on the
 * run only through the engine's callbacks, with the same validation as
 * fault{} on the timeline.
 */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>
#include "scn-priv.h"

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

	char m[256];

	if (!u->ops || !u->ops->counter ||
	    u->ops->counter(u->opaque, name, &v)) {
		snprintf(m, sizeof(m), "ctx:counter: no counter named '%s'",
			 name);
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

/* Sugar: ctx:power_cut('d0'), ctx:migrate('vm0', 'h1'),
 * ctx:stall_backend('d0', '5ms'), ctx:error('d0', {count = 3}),
 * ctx:set_backend_state('d0', 'closed'). */
static const char sugar[] =
	"local ctx = ...\n"
	"local extra = { migrate = 'to', clock_step = 'step_s',\n"
	"  set_flush_mode = 'flush_mode', stall_backend = 'duration',\n"
	"  remove_device = 'duration', error = 'count',\n"
	"  drop_notify = 'count', set_backend_state = 'state' }\n"
	"for _, a in ipairs({ 'power_cut', 'restart_backend',\n"
	"  'crash_backend', 'stall_backend', 'resume_backend',\n"
	"  'remove_device', 'recreate_device', 'error', 'drop_notify',\n"
	"  'clock_step', 'migrate', 'suspend', 'resume',\n"
	"  'set_flush_mode', 'unplug', 'set_backend_state',\n"
	"  'close_frontend', 'reopen_frontend' }) do\n"
	"  ctx[a] = function(self, target, opt)\n"
	"    local t = { action = a, target = target }\n"
	"    if type(opt) == 'table' then\n"
	"      for k, v in pairs(opt) do t[k] = v end\n"
	"    elseif opt ~= nil and extra[a] then t[extra[a]] = opt end\n"
	"    return self:fault(t)\n"
	"  end\n"
	"end\n";

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
	if (lua_pcall(L, 1, 0, 0))
		return -ENOMEM;
	return 0;
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

int xf_scn_run_check(struct xf_scn *s, const struct xf_scn_obj *expect,
		     const struct xf_scn_metric *m, size_t nm, bool *ok,
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
