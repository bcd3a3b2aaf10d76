// SPDX-License-Identifier: MIT
/*
 * Runs a scenario script in a sandbox and collects what it declares.
 * The sandbox has no io, os, require or load: a scenario describes a
 * run, it does not act on the machine that loads it.
 */
#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scn-priv.h"

static const char *const safe_globals[] = {
	"assert", "error", "ipairs", "pairs", "next", "select", "tonumber",
	"tostring", "type", "pcall", "rawequal", "rawget", "rawlen",
	"rawset", "setmetatable", "getmetatable", "string", "table", "math",
	"utf8", NULL,
};

static const char *const decl_kinds[] = {
	"scenario", "host", "vm", "disk", "vif", "job", "flow", "fault",
	"expect", NULL,
};

static const struct {
	const char *name;
	enum xf_scn_hook_event ev;
} hook_fns[] = {
	{ "at", XF_SCN_HOOK_TIME },
	{ "on_inflight", XF_SCN_HOOK_INFLIGHT },
	{ "on_flush", XF_SCN_HOOK_FLUSH },
	{ "on_complete", XF_SCN_HOOK_COMPLETE },
	{ "on_write", XF_SCN_HOOK_WRITE },
};

static const char *const other_globals[] = {
	"variants", "variant", "param", "pick", "print",
};

static struct xf_scn *self(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static int caller_line(lua_State *L)
{
	lua_Debug ar;

	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) &&
	    ar.currentline > 0)
		return ar.currentline;
	return 1;
}

static int add_obj(struct xf_scn *s, struct xf_scn_obj *o)
{
	struct xf_scn_obj **v = realloc(s->objs,
					(s->nobjs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->objs = v;
	s->objs[s->nobjs++] = o;
	return 0;
}

static int l_decl(lua_State *L)
{
	struct xf_scn *s = self(L);
	const char *kn = lua_tostring(L, lua_upvalueindex(2));
	const struct xf_scn_kind *k = xf_scn_kind_by_name(kn);
	int line = caller_line(L);
	struct xf_scn_obj *o;

	if (lua_gettop(L) != 1 || !lua_istable(L, 1)) {
		scn_err(s, line, "%s: expected a table: %s { key = value, "
			"... }", kn, kn);
		return 0;
	}
	o = scn_obj_from_lua(s, L, 1, k, line, NULL);
	if (o && add_obj(s, o)) {
		scn_obj_free(o);
		return luaL_error(L, "out of memory");
	}
	if (o && o->name)
		lua_pushstring(L, o->name);
	else
		lua_pushnil(L);
	return 1;
}

static int l_hook(lua_State *L)
{
	struct xf_scn *s = self(L);
	int ev = (int)lua_tointeger(L, lua_upvalueindex(2));
	const char *fname = lua_tostring(L, lua_upvalueindex(3));
	int line = caller_line(L);
	struct xf_scn_hook h = { .event = ev, .line = line,
				 .fn_ref = LUA_NOREF };
	struct xf_scn_hook *v;

	if (ev == XF_SCN_HOOK_TIME) {
		int64_t ns = -1;

		if (lua_type(L, 1) == LUA_TNUMBER && lua_tonumber(L, 1) >= 0)
			ns = (int64_t)(lua_tonumber(L, 1) * 1e9);
		else if (lua_type(L, 1) == LUA_TSTRING &&
			 xf_scn_parse_duration(lua_tostring(L, 1), &ns))
			ns = -1;
		if (ns < 0) {
			scn_err(s, line, "%s: first argument: expected a "
				"duration (seconds, or a string like "
				"\"500ms\")", fname);
			return 0;
		}
		h.n = (uint64_t)ns;
	} else {
		if (!lua_isinteger(L, 1) || lua_tointeger(L, 1) < 1) {
			scn_err(s, line, "%s: first argument: expected a "
				"count >= 1", fname);
			return 0;
		}
		h.n = (uint64_t)lua_tointeger(L, 1);
	}
	if (lua_type(L, 2) != LUA_TFUNCTION) {
		scn_err(s, line, "%s: second argument: expected a function "
			"(ctx)", fname);
		return 0;
	}
	if (!lua_isnoneornil(L, 3)) {
		if (lua_type(L, 3) != LUA_TSTRING) {
			scn_err(s, line, "%s: third argument: expected a disk "
				"name", fname);
			return 0;
		}
		h.target = strdup(lua_tostring(L, 3));
	}
	lua_pushvalue(L, 2);
	h.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	v = realloc(s->hooks, (s->nhooks + 1) * sizeof(*v));
	if (!v)
		return luaL_error(L, "out of memory");
	s->hooks = v;
	s->hooks[s->nhooks++] = h;
	return 0;
}

/* Scenario and variant names end up in file names, reports and gnuplot
 * scripts: keep them to characters that are plain everywhere. */
static bool safe_name(const char *n)
{
	if (!*n)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("._-", *n))
			return false;
	return true;
}

static int l_variants(lua_State *L)
{
	struct xf_scn *s = self(L);
	int line = caller_line(L);
	lua_Integer n;

	if (s->nvariants) {
		scn_err(s, line, "variants: declared twice");
		return 0;
	}
	if (!lua_istable(L, 1) || !(n = (lua_Integer)lua_rawlen(L, 1))) {
		scn_err(s, line, "variants: expected a list: variants { "
			"\"broken\", \"fixed\" } or { {\"broken\", "
			"\"what it is\"}, ... }");
		return 0;
	}
	s->variants = calloc((size_t)n, sizeof(*s->variants));
	if (!s->variants)
		return luaL_error(L, "out of memory");
	for (lua_Integer i = 1; i <= n; i++) {
		const char *name = NULL, *desc = "";

		lua_rawgeti(L, 1, i);
		if (lua_type(L, -1) == LUA_TSTRING) {
			name = lua_tostring(L, -1);
		} else if (lua_istable(L, -1)) {
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			if (lua_type(L, -2) == LUA_TSTRING)
				name = lua_tostring(L, -2);
			if (lua_type(L, -1) == LUA_TSTRING)
				desc = lua_tostring(L, -1);
		}
		if (!name || !*name) {
			scn_err(s, scn_key_line(s, line, "variants"),
				"variants: entry %lld: expected a name or "
				"{name, description}", (long long)i);
		} else if (!safe_name(name)) {
			scn_err(s, line, "variants: '%s': names may use only "
				"letters, digits, '.', '_' and '-'", name);
		} else {
			for (size_t j = 0; j < s->nvariants; j++)
				if (!strcmp(s->variants[j].name, name))
					scn_err(s, line, "variants: '%s' "
						"declared twice", name);
			s->variants[s->nvariants].name = strdup(name);
			s->variants[s->nvariants].description = strdup(desc);
			if (!s->variants[s->nvariants].name ||
			    !s->variants[s->nvariants].description) {
				free(s->variants[s->nvariants].name);
				free(s->variants[s->nvariants].description);
				s->variants[s->nvariants].name = NULL;
				s->variants[s->nvariants].description = NULL;
				return luaL_error(L, "out of memory");
			}
			s->nvariants++;
		}
		lua_settop(L, 1);
	}
	return 0;
}

static const char *current_variant(const struct xf_scn *s)
{
	if (s->variant)
		return s->variant;
	return s->nvariants ? s->variants[0].name : NULL;
}

static int l_pick(lua_State *L)
{
	struct xf_scn *s = self(L);
	const char *v = current_variant(s);

	luaL_argexpected(L, lua_istable(L, 1), 1, "table");
	if (s->variant) {
		bool found = false;

		for (size_t i = 0; i < s->nvariants; i++)
			found |= !strcmp(s->variants[i].name, s->variant);
		if (!found)
			return luaL_error(L, "no variant named '%s'",
					  s->variant);
	}
	if (v) {
		lua_getfield(L, 1, v);
		if (!lua_isnil(L, -1))
			return 1;
		lua_pop(L, 1);
	}
	lua_getfield(L, 1, "default");
	if (lua_isnil(L, -1))
		return luaL_error(L, "pick: no value for variant '%s' and no "
				  "default", v ? v : "(none)");
	return 1;
}

static int l_param(lua_State *L)
{
	struct xf_scn *s = self(L);
	struct scn_priv *p = s->priv;
	const char *key = luaL_checkstring(L, 1);
	const struct xf_scn_opts *o = p->opts;

	luaL_checkany(L, 2);
	for (size_t i = 0; o && i < o->nparams; i++) {
		const char *val = o->params[i].value;

		if (strcmp(o->params[i].key, key))
			continue;
		p->param_used[i] = true;
		switch (lua_type(L, 2)) {
		case LUA_TNUMBER:
			if (!lua_stringtonumber(L, val))
				return luaL_error(L, "--set %s=%s: expected "
						  "a number", key, val);
			return 1;
		case LUA_TBOOLEAN:
			if (strcmp(val, "true") && strcmp(val, "false"))
				return luaL_error(L, "--set %s=%s: expected "
						  "true or false", key, val);
			lua_pushboolean(L, !strcmp(val, "true"));
			return 1;
		default:
			lua_pushstring(L, val);
			return 1;
		}
	}
	lua_pushvalue(L, 2);
	return 1;
}

static int l_print(lua_State *L)
{
	struct xf_scn *s = self(L);
	const struct xf_scn_opts *o = ((struct scn_priv *)s->priv)->opts;
	luaL_Buffer b;
	int n = lua_gettop(L);

	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	if (o && o->log)
		o->log(o->log_opaque, lua_tostring(L, -1));
	return 0;
}

static int l_unknown_global(lua_State *L)
{
	const char *cands[64];
	size_t n = 0;
	const char *key = lua_tostring(L, 2), *dym;

	for (size_t i = 0; safe_globals[i]; i++)
		cands[n++] = safe_globals[i];
	for (size_t i = 0; decl_kinds[i]; i++)
		cands[n++] = decl_kinds[i];
	for (size_t i = 0; i < sizeof(hook_fns) / sizeof(hook_fns[0]); i++)
		cands[n++] = hook_fns[i].name;
	for (size_t i = 0; i < sizeof(other_globals) /
	     sizeof(other_globals[0]); i++)
		cands[n++] = other_globals[i];
	dym = key ? scn_did_you_mean(key, cands, n) : NULL;
	if (dym)
		return luaL_error(L, "unknown name '%s' (did you mean '%s'?)",
				  key, dym);
	return luaL_error(L, "unknown name '%s'", key ? key : "?");
}

static void push_closure(lua_State *L, struct xf_scn *s, lua_CFunction f,
			 const char *name)
{
	lua_pushlightuserdata(L, s);
	lua_pushcclosure(L, f, 1);
	lua_setfield(L, -2, name);
}

/* Leaves the sandbox environment on the stack. */
static void push_env(lua_State *L, struct xf_scn *s, uint64_t seed)
{
	lua_newtable(L);
	lua_pushglobaltable(L);
	for (size_t i = 0; safe_globals[i]; i++) {
		lua_getfield(L, -1, safe_globals[i]);
		lua_setfield(L, -3, safe_globals[i]);
	}
	lua_pop(L, 1);
	/* math.random must replay: seed it, deterministically. */
	lua_getfield(L, -1, "math");
	lua_getfield(L, -1, "randomseed");
	lua_pushinteger(L, (lua_Integer)seed);
	lua_call(L, 1, 0);
	lua_pop(L, 1);
	for (size_t i = 0; decl_kinds[i]; i++) {
		lua_pushlightuserdata(L, s);
		lua_pushstring(L, decl_kinds[i]);
		lua_pushcclosure(L, l_decl, 2);
		lua_setfield(L, -2, decl_kinds[i]);
	}
	for (size_t i = 0; i < sizeof(hook_fns) / sizeof(hook_fns[0]); i++) {
		lua_pushlightuserdata(L, s);
		lua_pushinteger(L, hook_fns[i].ev);
		lua_pushstring(L, hook_fns[i].name);
		lua_pushcclosure(L, l_hook, 3);
		lua_setfield(L, -2, hook_fns[i].name);
	}
	push_closure(L, s, l_variants, "variants");
	push_closure(L, s, l_pick, "pick");
	push_closure(L, s, l_param, "param");
	push_closure(L, s, l_print, "print");
	if (s->variant)
		lua_pushstring(L, s->variant);
	else
		lua_pushboolean(L, 0);
	lua_setfield(L, -2, "variant");
	lua_newtable(L);
	lua_pushcfunction(L, l_unknown_global);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t r;

		if (n + 4096 + 1 > cap) {
			char *b;

			cap = cap ? cap * 2 : 8192;
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = b;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

static int split_lines(struct scn_priv *p, const char *text)
{
	const char *q = text;

	for (;;) {
		const char *e = strchr(q, '\n');
		size_t l = e ? (size_t)(e - q) : strlen(q);
		char **v = realloc(p->lines, (size_t)(p->nlines + 1) *
				   sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->lines = v;
		p->lines[p->nlines] = strndup(q, l);
		if (!p->lines[p->nlines])
			return -ENOMEM;
		p->nlines++;
		if (!e)
			return 0;
		q = e + 1;
	}
}

static int msgh(lua_State *L)
{
	if (!lua_isstring(L, 1))
		lua_pushstring(L, "error object is not a string");
	return 1;
}

/* A Lua error message -> one diagnostic with file:line. */
static void lua_diag(struct xf_scn *s, const char *m)
{
	struct scn_priv *p = s->priv;
	char buf[1024];
	size_t pl = strlen(s->path);

	if (!strncmp(m, s->path, pl) && m[pl] == ':') {
		scn_diag_add(p->diag, m);
		return;
	}
	snprintf(buf, sizeof(buf), "%s:1: %s", s->path, m);
	scn_diag_add(p->diag, buf);
}

int xf_scn_parse_seed(const char *v, int64_t *seed)
{
	int64_t n = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > ((INT64_C(1) << 53) -
						 (*v - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (*v - '0');
	}
	*seed = n;
	return 0;
}

static uint64_t seed_param(const struct xf_scn_opts *o)
{
	int64_t seed;

	for (size_t i = 0; o && i < o->nparams; i++)
		if (!strcmp(o->params[i].key, "seed") &&
		    !xf_scn_parse_seed(o->params[i].value, &seed))
			return (uint64_t)seed;
	return 1;
}

/* A scenario without a name is named after its file ("x/io-aborted.lua"
 * -> "io-aborted"), so a symlink to a library scenario runs it under the
 * link's name without a copy of the file. */
static void name_from_file(struct xf_scn *s)
{
	struct xf_scn_obj *sc = (struct xf_scn_obj *)s->scenario;
	int ni = scn_field_index(sc->kind, "name");
	const char *base = strrchr(s->path, '/');
	size_t l;
	char *n;

	base = base ? base + 1 : s->path;
	l = strlen(base);
	if (l > 4 && !strcmp(base + l - 4, ".lua"))
		l -= 4;
	n = strndup(base, l);
	if (!n) {
		scn_err(s, sc->line, "out of memory");
		return;
	}
	if (!safe_name(n)) {
		scn_err(s, sc->line, "scenario: no name, and the file name "
			"'%s' cannot be one: names may use only letters, "
			"digits, '.', '_' and '-' (add name = ...)", n);
		free(n);
		return;
	}
	sc->vals[ni].s = n;
	sc->name = n;
}

/* --set duration=... / seed=... override the scenario block. */
static void apply_builtin_params(struct xf_scn *s)
{
	struct scn_priv *p = s->priv;
	const struct xf_scn_opts *o = p->opts;
	struct xf_scn_obj *sc = (struct xf_scn_obj *)s->scenario;

	for (size_t i = 0; o && sc && i < o->nparams; i++) {
		const char *k = o->params[i].key, *v = o->params[i].value;
		int fi = scn_field_index(sc->kind, k);
		const struct xf_scn_field *f;
		bool seed = !strcmp(k, "seed");
		int64_t x;
		int r;

		if (strcmp(k, "duration") && !seed && strcmp(k, "timeout"))
			continue;
		p->param_used[i] = true;
		f = &sc->kind->fields[fi];
		r = seed ? xf_scn_parse_seed(v, &x) : xf_scn_parse_duration(v, &x);
		if (r) {
			scn_err(s, 1, "--set %s=%s: not a valid %s", k, v,
				seed ? "seed (a decimal integer from 0 to 2^53)" :
				       "duration");
			continue;
		}
		/* The same range the scenario block's own key has. */
		if ((double)x < f->min || (double)x > f->max) {
			char lo[32], hi[32];

			scn_fmt_num(lo, sizeof(lo), f->type, f->min);
			scn_fmt_num(hi, sizeof(hi), f->type, f->max);
			scn_err(s, 1, "--set %s=%s: out of range (%s..%s: %s)",
				k, v, lo, hi, f->help);
			continue;
		}
		sc->vals[fi].i = x;
		sc->vals[fi].set = true;
	}
}

int xf_scn_load(const char *path, const char *variant,
		const struct xf_scn_opts *opts, struct xf_scn **out,
		struct xf_scn_diag *diag)
{
	struct xf_scn *s = calloc(1, sizeof(*s));
	struct scn_priv *p = calloc(1, sizeof(*p));
	size_t before = diag ? diag->n : 0, len = 0;
	lua_State *L = NULL;
	int r;

	*out = NULL;
	if (!s || !p) {
		free(s);
		free(p);
		return -ENOMEM;
	}
	s->priv = p;
	p->diag = diag;
	if (opts) {
		p->opts_copy = *opts;
		p->opts = &p->opts_copy;
	}
	s->path = strdup(path);
	s->variant = variant ? strdup(variant) : NULL;
	p->param_used = calloc(opts && opts->nparams ? opts->nparams : 1,
			       sizeof(bool));
	if (!s->path || (variant && !s->variant) || !p->param_used) {
		r = -ENOMEM;
		goto fail;
	}
	r = read_file(path, &p->text, &len);
	if (r)
		goto fail;
	r = split_lines(p, p->text);
	if (r)
		goto fail;
	L = scn_lua_new();
	if (!L) {
		r = -ENOMEM;
		goto fail;
	}
	s->L = L;
	luaL_openlibs(L);
	scn_lua_watch_patterns(L);
	lua_pushcfunction(L, msgh);
	{
		/* "@path": messages then read "scenarios/x.lua:12: ...". */
		char *cn = malloc(strlen(path) + 2);

		if (!cn) {
			r = -ENOMEM;
			goto fail;
		}
		cn[0] = '@';
		strcpy(cn + 1, path);
		r = luaL_loadbufferx(L, p->text, len, cn, "t");
		free(cn);
		if (r != LUA_OK) {
			lua_diag(s, lua_tostring(L, -1));
			r = -EINVAL;
			goto fail;
		}
	}
	push_env(L, s, seed_param(opts));
	lua_setupvalue(L, -2, 1);
	if (lua_pcall(L, 0, 0, 1) != LUA_OK) {
		lua_diag(s, lua_tostring(L, -1));
		r = -EINVAL;
		goto fail;
	}
	lua_settop(L, 0);
	if (variant) {
		bool found = false;

		for (size_t i = 0; i < s->nvariants; i++)
			found |= !strcmp(s->variants[i].name, variant);
		if (!found)
			scn_err(s, 1, "no variant named '%s'", variant);
	}
	for (size_t i = 0; i < s->nobjs; i++) {
		if (strcmp(s->objs[i]->kind->name, "scenario"))
			continue;
		if (s->scenario)
			scn_err(s, s->objs[i]->line, "scenario: declared "
				"twice (first at line %d)",
				s->scenario->line);
		else
			s->scenario = s->objs[i];
		if (s->objs[i]->name && !safe_name(s->objs[i]->name))
			scn_err(s, scn_key_line(s, s->objs[i]->line, "name"),
				"scenario: name '%s': names may use only "
				"letters, digits, '.', '_' and '-'",
				s->objs[i]->name);
	}
	if (s->scenario && !s->scenario->name)
		name_from_file(s);
	apply_builtin_params(s);
	scn_check(s);
	scn_check_ctx_calls(s);
	if (diag && diag->n > before) {
		r = -EINVAL;
		goto fail;
	}
	/* Run-time errors (hooks) go to diagnostics set up per call. */
	p->diag = NULL;
	*out = s;
	return 0;
fail:
	xf_scn_free(s);
	return r;
}

size_t xf_scn_unused_params(const struct xf_scn *s,
			    const struct xf_scn_opts *opts,
			    struct xf_scn_diag *diag)
{
	const struct scn_priv *p = s->priv;
	size_t n = 0;
	char msg[512];

	for (size_t i = 0; opts && i < opts->nparams; i++) {
		if (p->param_used[i])
			continue;
		snprintf(msg, sizeof(msg), "%s:1: --set %s: the scenario has "
			 "no parameter '%s'", s->path, opts->params[i].key,
			 opts->params[i].key);
		scn_diag_add(diag, msg);
		n++;
	}
	return n;
}

bool xf_scn_param_used(const struct xf_scn *s, size_t index)
{
	const struct scn_priv *p = s->priv;
	const struct xf_scn_opts *o = p->opts;

	return o && index < o->nparams && p->param_used[index];
}

void xf_scn_free(struct xf_scn *s)
{
	struct scn_priv *p;

	if (!s)
		return;
	p = s->priv;
	if (s->L)
		scn_lua_close(s->L);
	for (size_t i = 0; i < s->nobjs; i++)
		scn_obj_free(s->objs[i]);
	free(s->objs);
	for (size_t i = 0; i < s->nhooks; i++)
		free((char *)s->hooks[i].target);
	free(s->hooks);
	for (size_t i = 0; i < s->nvariants; i++) {
		free(s->variants[i].name);
		free(s->variants[i].description);
	}
	free(s->variants);
	if (p) {
		for (int i = 0; i < p->nlines; i++)
			free(p->lines[i]);
		free(p->lines);
		free(p->text);
		free(p->param_used);
		free(p);
	}
	free(s->path);
	free(s->variant);
	free(s);
}
