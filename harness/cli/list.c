// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xfront/engine.h>
#include "cli.h"

static const char *where_name(unsigned int w)
{
	if (w == (XF_CTR_IN_CHECK | XF_CTR_IN_CTX))
		return "both";
	return w == XF_CTR_IN_CTX ? "ctx" : "check";
}

/* Every key of r in check(r) and of ctx:counter, from the engine's
 * tables: docs/counters.md carries this output verbatim. */
static int list_counters(void)
{
	struct xf_counter_doc d;
	size_t w = 0, uw = 0;
	int g = -1;

	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++) {
		if (strlen(d.pattern) > w)
			w = strlen(d.pattern);
		if (strlen(d.unit) > uw)
			uw = strlen(d.unit);
	}
	printf("Keys of r in expect { check = function(r) ... end } and of "
	       "ctx:counter(key) in hooks.\n"
	       "<disk>, <vif>, <flow>, <vm>, <switch>: the object's name; "
	       "<vcpu>: as vm0/vcpu1.\n"
	       "A key with a dot is read as r[\"d0.ios\"]. where: check = "
	       "r in check(r), ctx =\nctx:counter(key), both. The run "
	       "metrics are of the expect's vm, job and flow\nwhen it names "
	       "them. Per-object keys exist for the objects declared; a "
	       "disk's\nnever_connected only when 1, a vif's moves, "
	       "feature.* and last_backend.* after\nit moved, the VM keys "
	       "when the scenario migrates.\n");
	for (size_t i = 0; !xf_engine_counter_doc(i, &d); i++) {
		if ((int)d.group != g) {
			g = (int)d.group;
			printf("\n%s\n", xf_engine_counter_group_name(d.group));
		}
		printf("  %-*s  %-*s  %-5s  %s\n", (int)w, d.pattern, (int)uw,
		       d.unit, where_name(d.where), d.help);
	}
	return 0;
}

int cli_list(int argc, char **argv)
{
	char *def[] = { "scenarios" };
	char **paths = argc > 2 ? argv + 2 : def;
	size_t n = argc > 2 ? (size_t)(argc - 2) : 1;
	struct cli_files f;
	int rc = 0;

	/* The word, not a path: a directory named counters is listed as
	 * ./counters or counters/. */
	if (argc > 2 && !strcmp(argv[2], "counters")) {
		if (argc > 3) {
			fprintf(stderr, "xfront: list counters takes no "
				"arguments (a scenario directory named "
				"counters: xfront list ./counters)\n");
			return EXIT_BAD_INPUT;
		}
		return list_counters();
	}
	if (cli_expand(paths, n, &f))
		return EXIT_BAD_INPUT;
	for (size_t i = 0; i < f.n; i++) {
		struct xf_scn_diag d;
		struct xf_scn *s;

		xf_scn_diag_init(&d);
		if (xf_scn_load(f.v[i], NULL, NULL, &s, &d)) {
			printf("%-44s  (invalid: %s)\n", f.v[i],
			       d.n ? d.msg[0] : "unreadable");
			rc = EXIT_BAD_INPUT;
			xf_scn_diag_free(&d);
			continue;
		}
		printf("%-44s  %s", f.v[i],
		       xf_scn_str(s->scenario, "description"));
		if (s->nvariants) {
			printf(" [");
			for (size_t k = 0; k < s->nvariants; k++)
				printf("%s%s", k ? ", " : "",
				       s->variants[k].name);
			printf("]");
		}
		printf("\n");
		xf_scn_free(s);
		xf_scn_diag_free(&d);
	}
	cli_files_free(&f);
	return rc;
}
