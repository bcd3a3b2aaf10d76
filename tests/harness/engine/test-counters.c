// SPDX-License-Identifier: MIT
/*
 * The documentation of the keys a scenario reads (xf_engine_counter_doc,
 * `xfront list counters`, docs/counters.md) against what runs produce:
 * every counter in the results of the scenario library's runs in sim
 * mode (disks, vifs, flows, switches, migrations, faults) has an entry
 * of its object's kind; every documented key of the run and of a disk is
 * a field of r in check(r), and every documented ctx:counter key is
 * accepted by ctx:counter in a hook. A counter added without its unit and
 * help fails here.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xfront/engine.h>
#include <xfront/scenario.h>

#include "xt.h"
#include "xt-scn.h"

XT_SCN_RUN_FIXTURE("xf-ctrs")

/* The units counters.c allows. */
static const char *const units[] = {
	"count", "bool", "bytes", "frames", "slots", "I/Os", "requests",
	"flows", "IOPS", "MB/s", "bit/s", "Gbit/s", "ratio", "ns", "us", "ms",
};

START_TEST(docs_well_formed)
{
	struct xf_counter_doc d, e;
	size_t n = 0;
	int last = -1;

	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++, n++) {
		const char *ph = xf_engine_counter_placeholder(d.group);
		bool unit_ok = false;

		ck_assert_msg((int)d.group >= last, "%s: out of group order",
			      d.pattern);
		last = (int)d.group;
		ck_assert_ptr_nonnull(ph);
		ck_assert_ptr_nonnull(xf_engine_counter_group_name(d.group));
		ck_assert_msg(!strncmp(d.pattern, ph, strlen(ph)),
			      "%s: not under %s", d.pattern, ph);
		ck_assert_msg(d.where &&
			      !(d.where & ~(XF_CTR_IN_CHECK | XF_CTR_IN_CTX)),
			      "%s: where %u", d.pattern, d.where);
		for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++)
			unit_ok |= !strcmp(d.unit, units[u]);
		ck_assert_msg(unit_ok, "%s: unit '%s' is not one of "
			      "counters.c's", d.pattern, d.unit);
		ck_assert_msg(d.help && d.help[0] && !strchr(d.help, '\n'),
			      "%s: no one-line help", d.pattern);
		for (size_t k = 0; k < i; k++) {
			ck_assert_int_eq(xf_engine_counter_doc(k, &e), 0);
			ck_assert_msg(strcmp(e.pattern, d.pattern),
				      "%s documented twice", d.pattern);
		}
	}
	ck_assert_uint_gt(n, 100);
	ck_assert_int_eq(xf_engine_counter_doc(n, &d), -ENOENT);
	ck_assert_ptr_null(xf_engine_counter_group_name(XF_CTR_GROUP_NR));
}
END_TEST

/* Whether name is documented for the run, a switch, or the object its
 * prefix names in s. */
static bool documented(const struct xf_scn *s, const char *name,
		       enum xf_counter_group *gout)
{
	static const struct {
		const char *kind;
		enum xf_counter_group g;
	} kinds[] = {
		{ "disk", XF_CTR_DISK }, { "vif", XF_CTR_VIF },
		{ "flow", XF_CTR_FLOW }, { "vm", XF_CTR_VM },
	};
	enum xf_counter_group g = XF_CTR_RUN;
	const char *dot = strchr(name, '.'), *key = name;
	char want[160];
	struct xf_counter_doc d;

	if (!strncmp(name, "switch.", 7) && strchr(name + 7, '.')) {
		g = XF_CTR_SWITCH;
		key = strchr(name + 7, '.') + 1;
	}
	for (size_t i = 0; dot && g == XF_CTR_RUN && i < s->nobjs; i++) {
		const struct xf_scn_obj *o = s->objs[i];

		if (!o->name || strlen(o->name) != (size_t)(dot - name) ||
		    strncmp(o->name, name, (size_t)(dot - name)))
			continue;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++)
			if (!strcmp(o->kind->name, kinds[k].kind)) {
				g = kinds[k].g;
				key = dot + 1;
			}
	}
	*gout = g;
	snprintf(want, sizeof(want), "%s%s%s",
		 xf_engine_counter_placeholder(g), g == XF_CTR_RUN ? "" : ".",
		 key);
	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++)
		if (d.group == g && !strcmp(d.pattern, want) &&
		    (d.where & XF_CTR_IN_CHECK))
			return true;
	return false;
}

/* What the library walk found. */
static struct {
	size_t runs, counters, skipped;
	bool group_seen[XF_CTR_GROUP_NR];
	char missing[4096];
} lib;

static void run_variant(const char *path, const char *variant)
{
	struct xf_engine_opts o = { .mode = "sim" };
	struct xf_scn_diag d;
	struct xf_scn *s;
	struct xf_result *r = NULL;
	char err[1024];

	xf_scn_diag_init(&d);
	ck_assert_msg(!xf_scn_load(path, variant, NULL, &s, &d),
		      "%s: %s", path, d.n ? d.msg[0] : "?");
	xf_scn_diag_free(&d);
	if (xf_engine_check(s, &o, err, sizeof(err))) {
		lib.skipped++;	/* xen-only files */
		xf_scn_free(s);
		return;
	}
	ck_assert_msg(!xf_engine_run(s, &o, &r, err, sizeof(err)),
		      "%s[%s]: %s", path, variant ? variant : "", err);
	lib.runs++;
	for (size_t i = 0; i < r->counters.n; i++) {
		const char *nm = r->counters.v[i].name;
		enum xf_counter_group g;
		size_t l = strlen(lib.missing);

		lib.counters++;
		if (documented(s, nm, &g)) {
			lib.group_seen[g] = true;
		} else if (!strstr(lib.missing, nm) &&
			   l + strlen(nm) + 3 < sizeof(lib.missing)) {
			snprintf(lib.missing + l, sizeof(lib.missing) - l,
				 "%s%s", l ? ", " : "", nm);
		}
	}
	xf_result_free(r);
	xf_scn_free(s);
}

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	size_t l = strlen(path);
	struct xf_scn_diag d;
	struct xf_scn *s;

	(void)st;
	(void)ftw;
	if (type != FTW_F || l < 4 || strcmp(path + l - 4, ".lua"))
		return 0;
	xf_scn_diag_init(&d);
	ck_assert_msg(!xf_scn_load(path, NULL, NULL, &s, &d), "%s: %s", path,
		      d.n ? d.msg[0] : "?");
	xf_scn_diag_free(&d);
	if (!s->nvariants)
		run_variant(path, NULL);
	for (size_t v = 0; v < s->nvariants; v++)
		run_variant(path, s->variants[v].name);
	xf_scn_free(s);
	return 0;
}

/* XT_SCENARIOS: the library's directories to run (the meson test sets
 * it), separated by ':'. */
START_TEST(library_counters_documented)
{
	const char *env = getenv("XT_SCENARIOS");
	char *dirs, *save = NULL;

	ck_assert_msg(env && env[0], "XT_SCENARIOS is not set");
	dirs = strdup(env);
	ck_assert_ptr_nonnull(dirs);
	for (char *p = strtok_r(dirs, ":", &save); p;
	     p = strtok_r(NULL, ":", &save))
		/* FTW_PHYS: a link (scenarios/default/ has some) is run
		 * where it points, once. */
		ck_assert_msg(!nftw(p, visit, 16, FTW_PHYS), "%s: %s", p,
			      strerror(errno));
	free(dirs);
	ck_assert_msg(!lib.missing[0], "counters without an entry in "
		      "xf_engine_counter_doc (add unit and help to the table "
		      "that sets them): %s", lib.missing);
	/* Not vacuous: the runs had disks, vifs, flows, switches and
	 * migrations. */
	ck_assert_uint_gt(lib.runs, 10);
	for (int g = XF_CTR_RUN; g <= XF_CTR_VM; g++)
		ck_assert_msg(lib.group_seen[g], "no %s counter in the runs",
			      xf_engine_counter_group_name(
				      (enum xf_counter_group)g));
}
END_TEST

/* Appends fmt to the source buffer. */
static void put(char *buf, size_t len, const char *fmt, const char *a)
{
	size_t l = strlen(buf);

	ck_assert_uint_lt(l + strlen(fmt) + (a ? strlen(a) : 0), len);
	snprintf(buf + l, len - l, fmt, a);
}

/* Every documented key of the run and of a disk is a field of r (r is
 * strict: a missing one is an error, not a nil), and every ctx:counter
 * key reads, of all disks and of d0. A key present only in some runs
 * (never_connected: only when set) is left out. */
START_TEST(documented_keys_readable)
{
	static char src[32768];
	struct xf_counter_doc d;
	size_t nctx = 0, nr = 0;

	src[0] = 0;
	put(src, sizeof(src), "%s", "scenario { name = \"t\", description = "
	    "\"keys\", duration = \"50ms\" }\nvm { name = \"vm0\" }\n"
	    "disk { name = \"d0\", vm = \"vm0\", size = \"16M\" }\n"
	    "job { name = \"rr\", disk = \"d0\", "
	    "rw = \"randrw\" }\nlocal seen = 0\nat(\"20ms\", function(ctx)\n");
	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++) {
		if (!(d.where & XF_CTR_IN_CTX))
			continue;
		if (d.group == XF_CTR_CTX) {
			const char *key = d.pattern + strlen(
				xf_engine_counter_placeholder(XF_CTR_CTX));

			put(src, sizeof(src), "\tctx:counter(\"%s\")\n", key);
			put(src, sizeof(src), "\tctx:counter(\"d0.%s\")\n",
			    key);
		} else {
			put(src, sizeof(src), "\tctx:counter(\"%s\")\n",
			    d.pattern);
		}
		nctx++;
	}
	put(src, sizeof(src), "%s", "\tseen = 1\nend)\nexpect { check = "
	    "function(r)\n\tlocal n = 0\n");
	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++) {
		char key[128];

		if (!(d.where & XF_CTR_IN_CHECK) ||
		    (d.group != XF_CTR_RUN && d.group != XF_CTR_DISK) ||
		    strstr(d.pattern, "never_connected"))
			continue;
		snprintf(key, sizeof(key), "%s", d.pattern);
		if (d.group == XF_CTR_DISK)
			snprintf(key, sizeof(key), "d0%s",
				 d.pattern + strlen("<disk>"));
		put(src, sizeof(src), "\tn = n + (r[\"%s\"] and 1 or 0)\n",
		    key);
		nr++;
	}
	put(src, sizeof(src), "%s", "\treturn seen == 1, n .. \" keys\"\n"
	    "end }\n");
	ck_assert_uint_ge(nctx, 6);
	ck_assert_uint_gt(nr, 40);
	xt_scn_run(&fx, src, &res);
	for (size_t i = 0; i < res->nexpects; i++)
		ck_assert_msg(res->expects[i].pass, "%s: %s",
			      res->expects[i].what, res->expects[i].measured);
	ck_assert_uint_ge(res->nexpects, 1);
}
END_TEST

XT_SUITE("harness-counters")
{
	TCase *tc = xt_tcase("docs");

	tcase_add_test(tc, docs_well_formed);
	tc = xt_tcase_fixture("library", NULL, NULL, 240);
	tcase_add_test(tc, library_counters_documented);
	tc = xt_tcase_fixture("readable", setup, teardown, 60);
	tcase_add_test(tc, documented_keys_readable);
}
