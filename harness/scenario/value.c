// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xfront/scenario.h>

static int parse_number(const char *s, double *v, const char **unit)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!*s)
		return -EINVAL;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return -EINVAL;
	while (*end == ' ')
		end++;
	*unit = end;
	return 0;
}

/* Binary units, as fio: k = 1024. A trailing "B"/"iB" is accepted. */
int xf_scn_parse_size(const char *s, int64_t *bytes)
{
	static const struct { const char *u; double m; } units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024.0 }, { "kb", 1024.0 }, { "kib", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 },
		{ "gib", 1073741824.0 },
		{ "t", 1099511627776.0 }, { "tb", 1099511627776.0 },
		{ "tib", 1099511627776.0 },
	};
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(unit, units[i].u)) {
			v *= units[i].m;
			if (v > 9.2e18 || v != floor(v))
				return -ERANGE;
			*bytes = (int64_t)v;
			return 0;
		}
	}
	return -EINVAL;
}

int xf_scn_parse_duration(const char *s, int64_t *ns)
{
	static const struct { const char *u; double m; } units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ns", 1 }, { "us", 1e3 },
		{ "ms", 1e6 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
	};
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].u)) {
			v *= units[i].m;
			if (v > 9.2e18)
				return -ERANGE;
			*ns = (int64_t)llround(v);
			return 0;
		}
	}
	return -EINVAL;
}
