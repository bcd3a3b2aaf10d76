// SPDX-License-Identifier: MIT
/* Stands in for a test whose prerequisite is absent: prints why and
 * exits 77, which meson reports as a skip. */
#include <stdio.h>

int main(int argc, char **argv)
{
	int i;

	printf("SKIP:");
	for (i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 77;
}
