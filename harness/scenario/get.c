// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include "scn-priv.h"

size_t xf_scn_count(const struct xf_scn *s, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nobjs; i++)
		n += !strcmp(s->objs[i]->kind->name, kind);
	return n;
}

const struct xf_scn_obj *xf_scn_nth(const struct xf_scn *s,
				    const char *kind, size_t index)
{
	for (size_t i = 0; i < s->nobjs; i++)
		if (!strcmp(s->objs[i]->kind->name, kind) && !index--)
			return s->objs[i];
	return NULL;
}

const struct xf_scn_obj *xf_scn_find(const struct xf_scn *s,
				     const char *kind, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < s->nobjs; i++)
		if (!strcmp(s->objs[i]->kind->name, kind) &&
		    s->objs[i]->name && !strcmp(s->objs[i]->name, name))
			return s->objs[i];
	return NULL;
}

/* An unknown key is a bug in the caller, not in the script: a library
 * does not abort the process for it; the caller reads a zero value
 * (unset, 0, NULL). */
static const struct xf_scn_val *val(const struct xf_scn_obj *o,
				    const char *key)
{
	static const struct xf_scn_val zero;
	int i = key ? scn_field_index(o->kind, key) : -1;

	if (i < 0)
		return &zero;
	return &o->vals[i];
}

int64_t xf_scn_int(const struct xf_scn_obj *o, const char *key)
{
	return val(o, key)->i;
}

double xf_scn_num(const struct xf_scn_obj *o, const char *key)
{
	int i = scn_field_index(o->kind, key);

	if (i >= 0 && o->kind->fields[i].type != XF_SCN_NUM)
		return (double)o->vals[i].i;
	return val(o, key)->d;
}

bool xf_scn_bool(const struct xf_scn_obj *o, const char *key)
{
	return val(o, key)->i != 0;
}

const char *xf_scn_str(const struct xf_scn_obj *o, const char *key)
{
	return val(o, key)->s;
}

const struct xf_scn_obj *xf_scn_sub(const struct xf_scn_obj *o,
				    const char *key)
{
	return val(o, key)->obj;
}

bool xf_scn_isset(const struct xf_scn_obj *o, const char *key)
{
	return val(o, key)->set;
}

int xf_scn_line(const struct xf_scn_obj *o, const char *key)
{
	return val(o, key)->line;
}

size_t xf_scn_map(const struct xf_scn_obj *o, const char *key,
		  struct xf_scn_obj *const **items)
{
	const struct xf_scn_val *v = val(o, key);

	*items = v->items;
	return v->nitems;
}

static int64_t sectors_unit(const struct xf_scn_obj *o, int64_t ss)
{
	const char *u = o ? xf_scn_str(o, "sectors_unit") : NULL;

	return u && !strcmp(u, "sector-size") ? ss : 512;
}

int64_t xf_scn_disk_guest_size(const struct xf_scn_obj *disk)
{
	int64_t ss = xf_scn_int(disk, "sector_size");

	/* A size that is not a whole number of sectors cannot be built
	 * (xf_blkdisk_new refuses it), so the division is exact. */
	return xf_scn_int(disk, "size") /
	       sectors_unit(xf_scn_sub(disk, "backend"), ss) *
	       sectors_unit(disk, ss);
}
