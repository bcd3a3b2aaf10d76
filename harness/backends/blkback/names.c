/* SPDX-License-Identifier: MIT */
/* Names of the module's enums, as scenarios and reports spell them (the
 * disk model's are in ../disk/names.c). */
#include "bb_priv.h"

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

int xf_blklat_kind_parse(const char *name, enum xf_blklat_kind *out)
{
	return XF_NAME_PARSE(lat_kinds, name, out);
}

const char *xf_blklat_kind_name(enum xf_blklat_kind k)
{
	return XF_NAME_OF(lat_kinds, k, "?");
}

const char *xf_blkback_reject_name(enum xf_blkback_reject r)
{
	return XF_NAME_OF(rejects, r, "?");
}

int xf_blkback_sectors_unit_parse(const char *name,
				  enum xf_blkback_sectors_unit *out)
{
	return XF_NAME_PARSE(sectors_units, name, out);
}

const char *xf_blkback_sectors_unit_name(enum xf_blkback_sectors_unit u)
{
	return XF_NAME_OF(sectors_units, u, "?");
}

static const char *const lenient_names[XF_BB_LENIENT_NR + 1] = {
	"reinit_while_connected",
	"features_at_initwait",
	"request_alignment",
	"indirect_rsp_op",
	"unknown_op_error",
	"keep_flush_feature",
	"mode_optional",
	"mode_first_char",
	"strict_numbers",
	"ring_keys",
	"online_default",
	"connect_via_initwait",
	"flush_unoffered",
	NULL,
};

const char *const *xf_blkback_lenient_names(void)
{
	return lenient_names;
}

static const char *const hostile_names[XF_BLKBACK_HOSTILE_NR + 1] = {
	[XF_BLKBACK_HOSTILE_NONE] = "none",
	[XF_BLKBACK_HOSTILE_RSP_PROD_BEYOND] = "rsp-prod-beyond",
	[XF_BLKBACK_HOSTILE_ID_OUT_OF_RANGE] = "id-out-of-range",
	[XF_BLKBACK_HOSTILE_ID_DUPLICATE] = "id-duplicate",
	[XF_BLKBACK_HOSTILE_ID_COMPLETED] = "id-completed",
	[XF_BLKBACK_HOSTILE_WRONG_OP] = "wrong-op",
	[XF_BLKBACK_HOSTILE_UNKNOWN_STATUS] = "unknown-status",
	[XF_BLKBACK_HOSTILE_UNPUSHED_REQUEST] = "unpushed-request",
	NULL,
};

int xf_blkback_hostile_parse(const char *name, enum xf_blkback_hostile *out)
{
	return XF_NAME_PARSE(hostile_names, name, out);
}

const char *xf_blkback_hostile_name(enum xf_blkback_hostile h)
{
	return XF_NAME_OF(hostile_names, h, "?");
}

const char *const *xf_blkback_hostile_names(void)
{
	return hostile_names;
}
