// SPDX-License-Identifier: MIT
/*
 * Lua table -> schema-checked object. Every problem is reported with
 * the line of its key and the loader carries on, so one run of the
 * script lists every mistake.
 */
#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "scn-priv.h"

int scn_field_index(const struct xf_scn_kind *k, const char *key)
{
	for (size_t i = 0; i < k->nfields; i++)
		if (!strcmp(k->fields[i].key, key))
			return (int)i;
	return -1;
}

static size_t lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[64];

	if (lb >= 63 || la >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = d[0];

		d[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t t = d[j];
			size_t c = prev + (a[i - 1] != b[j - 1]);

			if (d[j] + 1 < c)
				c = d[j] + 1;
			if (d[j - 1] + 1 < c)
				c = d[j - 1] + 1;
			d[j] = c;
			prev = t;
		}
	}
	return d[lb];
}

const char *scn_did_you_mean(const char *word, const char *const *cands,
			     size_t n)
{
	const char *best = NULL;
	/* Short words are too close to everything: allow one edit below
	 * five letters, two above. */
	size_t bd = strlen(word) <= 4 ? 2 : 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = lev(word, cands[i]);

		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	return best;
}

static const char *type_desc(const struct xf_scn_field *f)
{
	switch (f->type) {
	case XF_SCN_INT: return "an integer";
	case XF_SCN_NUM: return "a number";
	case XF_SCN_STR: return "a string";
	case XF_SCN_BOOL: return "true or false";
	case XF_SCN_SIZE:
		return "a size (bytes, or a string like \"4k\", \"1M\")";
	case XF_SCN_DUR:
		return "a duration (seconds, or a string like \"500ms\")";
	case XF_SCN_ENUM: return "one of the listed strings";
	case XF_SCN_REF: return "a name (string)";
	case XF_SCN_OBJ: return "a table";
	case XF_SCN_FUNC: return "a function";
	case XF_SCN_MAP: return "a table of name = { ... }";
	}
	return "?";
}

void scn_fmt_num(char *buf, size_t len, enum xf_scn_type t, double v)
{
	if (t == XF_SCN_DUR) {
		if (v > 0 && v < 1e3)
			snprintf(buf, len, "%gns", v);
		else if (v >= 3600e9 && !fmod(v, 3600e9))
			snprintf(buf, len, "%gh", v / 3600e9);
		else if (v >= 1e9)
			snprintf(buf, len, "%gs", v / 1e9);
		else if (v >= 1e6)
			snprintf(buf, len, "%gms", v / 1e6);
		else
			snprintf(buf, len, "%gus", v / 1e3);
	} else if (t == XF_SCN_NUM) {
		snprintf(buf, len, "%.15g", v);
	} else {
		snprintf(buf, len, "%.0f", v);
	}
}

static void enum_list(char *buf, size_t len, const char *const *e)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; e[i] && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\"%s\"",
				      i ? ", " : "", e[i]);
}

/* Parses the string form (a default or a --set value) into v. */
static int val_from_string(const struct xf_scn_field *f, const char *str,
			   struct xf_scn_val *v)
{
	char *end;

	switch (f->type) {
	case XF_SCN_INT:
		v->i = strtoll(str, &end, 10);
		return *end ? -EINVAL : 0;
	case XF_SCN_NUM:
		v->d = strtod(str, &end);
		return *end ? -EINVAL : 0;
	case XF_SCN_BOOL:
		if (!strcmp(str, "true"))
			v->i = 1;
		else if (!strcmp(str, "false"))
			v->i = 0;
		else
			return -EINVAL;
		return 0;
	case XF_SCN_SIZE:
		return xf_scn_parse_size(str, &v->i);
	case XF_SCN_DUR:
		return xf_scn_parse_duration(str, &v->i);
	case XF_SCN_STR:
	case XF_SCN_ENUM:
	case XF_SCN_REF:
		free(v->s);
		v->s = strdup(str);
		return v->s ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

struct xf_scn_obj *scn_obj_defaults(const struct xf_scn_kind *k, int line)
{
	struct xf_scn_obj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->kind = k;
	o->line = line;
	o->vals = calloc(k->nfields ? k->nfields : 1, sizeof(*o->vals));
	if (!o->vals) {
		free(o);
		return NULL;
	}
	for (size_t i = 0; i < k->nfields; i++) {
		const struct xf_scn_field *f = &k->fields[i];
		struct xf_scn_val *v = &o->vals[i];

		v->fn_ref = LUA_NOREF;
		v->line = line;
		if (f->type == XF_SCN_OBJ)
			v->obj = scn_obj_defaults(f->sub, line);
		else if (f->def)
			val_from_string(f, f->def, v);
	}
	return o;
}

void scn_obj_free(struct xf_scn_obj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->kind->nfields; i++) {
		free(o->vals[i].s);
		scn_obj_free(o->vals[i].obj);
		for (size_t k = 0; k < o->vals[i].nitems; k++)
			scn_obj_free(o->vals[i].items[k]);
		free(o->vals[i].items);
	}
	free(o->vals);
	free(o->key);
	free(o);
}

static bool in_range(const struct xf_scn_field *f, double x)
{
	return !(f->min < f->max) || (x >= f->min && x <= f->max);
}

/* The table at the top of the stack: one entry of f->sub per key. */
/* Source order (line, then name): Lua's table order changes from one
 * state to the next (string hashes are seeded), and the entries'
 * expectations must come out the same in every run. */
static int map_item_cmp(const void *a, const void *b)
{
	const struct xf_scn_obj *x = *(const struct xf_scn_obj *const *)a;
	const struct xf_scn_obj *y = *(const struct xf_scn_obj *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void set_map(struct xf_scn *s, lua_State *L, struct xf_scn_val *v,
		    const struct xf_scn_field *f, int line, const char *what)
{
	int idx = lua_gettop(L);
	size_t before = v->nitems;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		char sub[256];
		const char *key;
		struct xf_scn_obj *n, **nv;
		int kl;

		if (lua_type(L, -2) != LUA_TSTRING) {
			scn_err(s, line, "%s: %s: expected name = { ... } "
				"entries", what, f->key);
			lua_pop(L, 1);
			continue;
		}
		key = lua_tostring(L, -2);
		kl = scn_key_line(s, line, key);
		if (lua_type(L, -1) != LUA_TTABLE) {
			scn_err(s, kl, "%s: %s.%s: expected a table { %s = "
				"..., ... }", what, f->key, key,
				f->sub->fields[0].key);
			lua_pop(L, 1);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s: %s.%s", what, f->key, key);
		lua_pushnil(L);
		if (!lua_next(L, -2))
			scn_err(s, kl, "%s states nothing (write %s.%s = { "
				"%s = ..., ... })", sub, f->key, key,
				f->sub->fields[0].key);
		else
			lua_pop(L, 2);
		n = scn_obj_from_lua(s, L, lua_gettop(L), f->sub, kl, sub);
		nv = n ? realloc(v->items, (v->nitems + 1) * sizeof(*nv)) :
			 NULL;
		if (n && nv && (n->key = strdup(key))) {
			n->name = n->key;
			v->items = nv;
			v->items[v->nitems++] = n;
		} else if (n) {
			if (nv)
				v->items = nv;
			scn_obj_free(n);
			scn_err(s, kl, "out of memory");
		}
		lua_pop(L, 1);
	}
	if (v->nitems == before)
		scn_err(s, line, "%s: %s = { } names nothing (write %s = { "
			"<name> = { ... } })", what, f->key, f->key);
	else
		qsort(v->items + before, v->nitems - before,
		      sizeof(*v->items), map_item_cmp);
	v->set = v->nitems > 0;
}

/* Value at the top of the stack -> o->vals[fi]. */
static void set_field(struct xf_scn *s, lua_State *L, struct xf_scn_obj *o,
		      int fi, int line, const char *what)
{
	const struct xf_scn_field *f = &o->kind->fields[fi];
	struct xf_scn_val *v = &o->vals[fi];
	int t = lua_type(L, -1);
	char a[64], b[64], list[512];
	double x = 0;

	v->line = line;
	switch (f->type) {
	case XF_SCN_INT:
		if (t != LUA_TNUMBER)
			goto wrong;
		x = lua_tonumber(L, -1);
		if (x != floor(x))
			goto wrong;
		break;
	case XF_SCN_NUM:
		if (t != LUA_TNUMBER)
			goto wrong;
		x = lua_tonumber(L, -1);
		break;
	case XF_SCN_BOOL:
		if (t != LUA_TBOOLEAN)
			goto wrong;
		v->i = lua_toboolean(L, -1);
		v->set = true;
		return;
	case XF_SCN_SIZE:
	case XF_SCN_DUR:
		if (t == LUA_TNUMBER) {
			x = lua_tonumber(L, -1);
			if (f->type == XF_SCN_DUR)
				x = round(x * 1e9);
			else if (x != floor(x))
				goto wrong;
			if (x < 0 || x > 9.2e18)
				goto range;
		} else if (t == LUA_TSTRING) {
			int64_t i;
			int r = f->type == XF_SCN_SIZE ?
				xf_scn_parse_size(lua_tostring(L, -1), &i) :
				xf_scn_parse_duration(lua_tostring(L, -1),
						      &i);
			if (r) {
				scn_err(s, line, "%s: %s = \"%s\": expected %s",
					what, f->key, lua_tostring(L, -1),
					type_desc(f));
				return;
			}
			x = (double)i;
		} else {
			goto wrong;
		}
		break;
	case XF_SCN_STR:
	case XF_SCN_REF:
		if (t != LUA_TSTRING)
			goto wrong;
		free(v->s);
		v->s = strdup(lua_tostring(L, -1));
		v->set = true;
		return;
	case XF_SCN_ENUM:
		if (t != LUA_TSTRING)
			goto wrong;
		for (size_t i = 0; f->enums[i]; i++) {
			if (!(f->icase ? strcasecmp : strcmp)(
				    f->enums[i], lua_tostring(L, -1))) {
				free(v->s);
				v->s = strdup(f->enums[i]);
				v->set = true;
				return;
			}
		}
		enum_list(list, sizeof(list), f->enums);
		scn_err(s, line, "%s: %s = \"%s\" is not one of %s", what,
			f->key, lua_tostring(L, -1), list);
		return;
	case XF_SCN_OBJ:
		if (t != LUA_TTABLE)
			goto wrong;
		{
			char sub[256];
			struct xf_scn_obj *n;

			snprintf(sub, sizeof(sub), "%s: %s", what, f->key);
			n = scn_obj_from_lua(s, L, lua_gettop(L), f->sub,
					     line, sub);
			if (n) {
				scn_obj_free(v->obj);
				v->obj = n;
				v->set = true;
			}
		}
		return;
	case XF_SCN_MAP:
		if (t != LUA_TTABLE)
			goto wrong;
		set_map(s, L, v, f, line, what);
		return;
	case XF_SCN_FUNC:
		if (t != LUA_TFUNCTION)
			goto wrong;
		lua_pushvalue(L, -1);
		v->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
		v->set = true;
		return;
	}
	if (!in_range(f, x))
		goto range;
	if (f->type == XF_SCN_NUM)
		v->d = x;
	else
		v->i = (int64_t)x;
	v->set = true;
	return;
range:
	scn_fmt_num(a, sizeof(a), f->type, f->min);
	scn_fmt_num(b, sizeof(b), f->type, f->max);
	if (t == LUA_TSTRING)
		scn_err(s, line, "%s: %s = \"%s\" is out of range (%s..%s)",
			what, f->key, lua_tostring(L, -1), a, b);
	else
		scn_err(s, line, "%s: %s = %s is out of range (%s..%s)",
			what, f->key, lua_tostring(L, -1), a, b);
	return;
wrong:
	if (t == LUA_TNUMBER)
		snprintf(list, sizeof(list), "%s", lua_tostring(L, -1));
	else if (t == LUA_TSTRING)
		snprintf(list, sizeof(list), "\"%s\"", lua_tostring(L, -1));
	else
		snprintf(list, sizeof(list), "%s", lua_typename(L, t));
	scn_err(s, line, "%s: %s: expected %s, got %s", what, f->key,
		type_desc(f), list);
}

struct xf_scn_obj *scn_obj_from_lua(struct xf_scn *s, lua_State *L,
				    int idx, const struct xf_scn_kind *k,
				    int line, const char *owner)
{
	struct xf_scn_obj *o = scn_obj_defaults(k, line);
	const char *cands[64];
	char what[200];
	int ni;

	if (!o) {
		scn_err(s, line, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < k->nfields && i < 64; i++)
		cands[i] = k->fields[i].key;
	/* The name first, so every later message can say whose key it is. */
	ni = scn_field_index(k, "name");
	if (owner) {
		snprintf(what, sizeof(what), "%s", owner);
	} else {
		lua_getfield(L, idx, "name");
		if (lua_type(L, -1) == LUA_TSTRING && k->named)
			snprintf(what, sizeof(what), "%s '%s'", k->name,
				 lua_tostring(L, -1));
		else
			snprintf(what, sizeof(what), "%s", k->name);
		lua_pop(L, 1);
	}
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		int fi, kl;

		if (lua_type(L, -2) != LUA_TSTRING) {
			scn_err(s, line, "%s: unexpected positional value "
				"(write key = value)", what);
			lua_pop(L, 1);
			continue;
		}
		{
			const char *key = lua_tostring(L, -2);

			fi = scn_field_index(k, key);
			kl = scn_key_line(s, line, key);
			if (fi < 0) {
				const char *dym = scn_did_you_mean(
					key, cands, k->nfields);

				if (dym)
					scn_err(s, kl, "%s: unknown key '%s' "
						"(did you mean '%s'?)", what,
						key, dym);
				else
					scn_err(s, kl, "%s: unknown key '%s'",
						what, key);
				lua_pop(L, 1);
				continue;
			}
		}
		set_field(s, L, o, fi, kl, what);
		lua_pop(L, 1);
	}
	for (size_t i = 0; i < k->nfields; i++) {
		if (k->fields[i].required && !o->vals[i].set &&
		    !(ni == (int)i && !strcmp(k->name, "scenario")))
			scn_err(s, line, "%s: missing required key '%s' (%s)",
				what, k->fields[i].key, k->fields[i].help);
	}
	if (ni >= 0)
		o->name = o->vals[ni].s;
	return o;
}
