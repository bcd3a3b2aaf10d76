// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

void cli_usage(FILE *f)
{
	fputs(
"usage: xfront run SCENARIO.lua|DIR... [options]\n"
"       xfront list [DIR...]\n"
"       xfront list counters    keys of r in check(r) and ctx:counter\n"
"       xfront replay RESULT.json\n"
"       xfront sweep SCENARIO.lua --seeds A..B [--variant V] [--shard K/N]\n"
"                    [--set KEY=VALUE] [--json FILE]\n"
"       xfront --help | --version\n"
"\n"
"run options:\n"
"  --platform mock|xen   hypervisor platform (default mock); xen: in a\n"
"                        dom0 against the kernel's backends, --mode real\n"
"  --mode sim|real       virtual time, deterministic (default) or threads\n"
"  --seed N              override the scenario seed\n"
"  --set KEY=VALUE       set a scenario param() (or duration, seed)\n"
"  --variant NAME        run only this variant\n"
"  --shard K/N           run the K-th of N slices of the scenario files\n"
"  --json FILE           results, shaped like fio --output-format=json\n"
"  --junit FILE          JUnit XML for CI\n"
"  --report DIR          self-contained HTML report (DIR/index.html)\n"
"  --pcap DIR            pcap of every frame crossing a mock vif\n"
"  --no-color            plain summary\n"
"  --skip-unsupported    run what the platform can; list the rest as SKIP\n"
"\n"
"sweep: runs the scenario (every variant, or --variant) in sim mode once\n"
"per seed, math.random seeded from it, and checks after each run its\n"
"expectations, exactly-once completion, leaks and verification; prints\n"
"each failing seed with the command that replays it\n"
"\n"
"exit status: 0 every expectation holds, 1 one failed, 2 bad input\n",
	      f);
}

static int run_command(int argc, char **argv)
{
	struct cli_opts o;
	int rc;

	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("xfront %s\n", XF_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "list"))
		return cli_list(argc, argv);
	if (!strcmp(argv[1], "replay"))
		return cli_replay(argc, argv);
	if (!strcmp(argv[1], "sweep"))
		return cli_sweep(argc, argv);
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "xfront: unknown command '%s' (see xfront "
			"--help)\n", argv[1]);
		return EXIT_BAD_INPUT;
	}
	if (cli_parse(argc, argv, 2, &o)) {
		cli_opts_free(&o);
		return EXIT_BAD_INPUT;
	}
	rc = cli_run(&o);
	cli_opts_free(&o);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		cli_usage(stderr);
		return EXIT_BAD_INPUT;
	}
	rc = run_command(argc, argv);
	/* What a command prints is its product: a full disk or a closed
	 * pipe under it must not look like a pass. */
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "xfront: standard output: %s\n",
			strerror(errno ? errno : EIO));
		return rc > EXIT_BAD_INPUT ? rc : EXIT_BAD_INPUT;
	}
	return rc;
}
