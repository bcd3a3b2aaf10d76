// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

int cli_list(int argc, char **argv)
{
	char *def[] = { "scenarios" };
	char **paths = argc > 2 ? argv + 2 : def;
	size_t n = argc > 2 ? (size_t)(argc - 2) : 1;
	struct cli_files f;
	int rc = 0;

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
