/* SPDX-License-Identifier: MIT */
/* Names of the disk model's enums, as scenarios and reports spell them. */
#include <xfront/blkdisk.h>
#include <xfront/util.h>

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

int xf_blkdisk_cache_mode_parse(const char *name,
				enum xf_blkdisk_cache_mode *out)
{
	return XF_NAME_PARSE(cache_modes, name, out);
}

const char *xf_blkdisk_cache_mode_name(enum xf_blkdisk_cache_mode m)
{
	return XF_NAME_OF(cache_modes, m, "?");
}

int xf_blkdisk_loss_mode_parse(const char *name,
			       enum xf_blkdisk_loss_mode *out)
{
	return XF_NAME_PARSE(loss_modes, name, out);
}

const char *xf_blkdisk_loss_mode_name(enum xf_blkdisk_loss_mode m)
{
	return XF_NAME_OF(loss_modes, m, "?");
}

const char *xf_blkdisk_fate_name(enum xf_blkdisk_fate f)
{
	return XF_NAME_OF(fates, f, "?");
}
