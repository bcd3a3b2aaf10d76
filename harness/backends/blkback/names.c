/* SPDX-License-Identifier: MIT */
/* Names of the module's enums, as scenarios and reports spell them. */
#include <errno.h>
#include <string.h>

#include "bb_priv.h"

static const char *const cache_modes[] = {
	[XF_BLKDISK_CACHE_HONOUR] = "honour",
	[XF_BLKDISK_CACHE_IGNORE_FLUSH] = "ignore-flush",
	[XF_BLKDISK_CACHE_IGNORE_FUA] = "ignore-fua",
	[XF_BLKDISK_CACHE_EOPNOTSUPP] = "eopnotsupp",
	[XF_BLKDISK_CACHE_WRITE_THROUGH] = "write-through",
};

static const char *const loss_modes[] = {
	[XF_BLKDISK_LOSS_NONE] = "none",
	[XF_BLKDISK_LOSS_SUBSET] = "subset",
	[XF_BLKDISK_LOSS_REORDER] = "reorder",
	[XF_BLKDISK_LOSS_TORN] = "torn",
	[XF_BLKDISK_LOSS_ALL] = "all",
};

static const char *const fates[] = {
	[XF_BLKDISK_FATE_CACHED] = "cached",
	[XF_BLKDISK_FATE_DURABLE] = "durable",
	[XF_BLKDISK_FATE_LOST] = "lost",
	[XF_BLKDISK_FATE_SURVIVED] = "survived",
	[XF_BLKDISK_FATE_TORN] = "torn",
	[XF_BLKDISK_FATE_SUPERSEDED] = "superseded",
};

static const char *const lat_kinds[] = {
	[XF_BLKLAT_NONE] = "none",
	[XF_BLKLAT_FIXED] = "fixed",
	[XF_BLKLAT_UNIFORM] = "uniform",
	[XF_BLKLAT_EXPONENTIAL] = "exponential",
	[XF_BLKLAT_LOGNORMAL] = "lognormal",
};

static const char *const rejects[] = {
	[XF_BLKBACK_REJ_UNKNOWN_OP] = "unknown-op",
	[XF_BLKBACK_REJ_READONLY] = "read-only",
	[XF_BLKBACK_REJ_NO_SEGMENTS] = "no-segments",
	[XF_BLKBACK_REJ_TOO_MANY_SEGMENTS] = "too-many-segments",
	[XF_BLKBACK_REJ_BAD_INDIRECT] = "bad-indirect",
	[XF_BLKBACK_REJ_SECT_ORDER] = "sect-order",
	[XF_BLKBACK_REJ_SECT_RANGE] = "sect-range",
	[XF_BLKBACK_REJ_MISALIGNED] = "misaligned",
	[XF_BLKBACK_REJ_PAST_END] = "past-end",
	[XF_BLKBACK_REJ_DISCARD_OVERFLOW] = "discard-overflow",
	[XF_BLKBACK_REJ_GRANT] = "grant",
	[XF_BLKBACK_REJ_UNSUPPORTED] = "unsupported",
	[XF_BLKBACK_REJ_POWER_LOSS] = "power-loss",
};

static const char *const sectors_units[] = {
	[XF_BLKBACK_SECTORS_512] = "512",
	[XF_BLKBACK_SECTORS_SECTOR_SIZE] = "sector-size",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int parse(const char *const *names, size_t n, const char *name,
		 unsigned int *out)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], name)) {
			*out = (unsigned int)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *name_of(const char *const *names, size_t n,
			   unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

int xf_blkdisk_cache_mode_parse(const char *name,
				enum xf_blkdisk_cache_mode *out)
{
	unsigned int v;
	int r = parse(cache_modes, N(cache_modes), name, &v);

	if (!r)
		*out = (enum xf_blkdisk_cache_mode)v;
	return r;
}

const char *xf_blkdisk_cache_mode_name(enum xf_blkdisk_cache_mode m)
{
	return name_of(cache_modes, N(cache_modes), (unsigned int)m);
}

int xf_blkdisk_loss_mode_parse(const char *name,
			       enum xf_blkdisk_loss_mode *out)
{
	unsigned int v;
	int r = parse(loss_modes, N(loss_modes), name, &v);

	if (!r)
		*out = (enum xf_blkdisk_loss_mode)v;
	return r;
}

const char *xf_blkdisk_loss_mode_name(enum xf_blkdisk_loss_mode m)
{
	return name_of(loss_modes, N(loss_modes), (unsigned int)m);
}

const char *xf_blkdisk_fate_name(enum xf_blkdisk_fate f)
{
	return name_of(fates, N(fates), (unsigned int)f);
}

int xf_blklat_kind_parse(const char *name, enum xf_blklat_kind *out)
{
	unsigned int v;
	int r = parse(lat_kinds, N(lat_kinds), name, &v);

	if (!r)
		*out = (enum xf_blklat_kind)v;
	return r;
}

const char *xf_blklat_kind_name(enum xf_blklat_kind k)
{
	return name_of(lat_kinds, N(lat_kinds), (unsigned int)k);
}

const char *xf_blkback_reject_name(enum xf_blkback_reject r)
{
	return name_of(rejects, N(rejects), (unsigned int)r);
}

int xf_blkback_sectors_unit_parse(const char *name,
				  enum xf_blkback_sectors_unit *out)
{
	unsigned int v;
	int r = parse(sectors_units, N(sectors_units), name, &v);

	if (!r)
		*out = (enum xf_blkback_sectors_unit)v;
	return r;
}

const char *xf_blkback_sectors_unit_name(enum xf_blkback_sectors_unit u)
{
	return name_of(sectors_units, N(sectors_units), (unsigned int)u);
}
