// SPDX-License-Identifier: MIT
/* Enum <-> name tables. */
#include <string.h>

#include <xfront/util.h>

int xf_name_lookup(const char *const *table, unsigned int n,
		   const char *name, unsigned int *out)
{
	if (!name)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		if (table[i] && !strcmp(table[i], name)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xf_name_of(const char *const *table, unsigned int n,
		       unsigned int v, const char *fallback)
{
	return v < n && table[v] ? table[v] : fallback;
}
