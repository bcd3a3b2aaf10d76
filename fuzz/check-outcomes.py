#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that every input of a corpus does the same whatever ran before.

The mock targets reuse one hypervisor across inputs (reset, not rebuilt),
so state leaking from one input into the next would make an input's run
depend on its predecessors. This replays the corpus in sorted order,
in reverse order, in a shuffled order (fixed seed), and in sorted order
with a new hypervisor per input (XF_FUZZ_FRESH_HV=1), with
XF_FUZZ_OUTCOMES=1 so that the replay program prints a hash of what the
target observed for each input, and fails on any input whose hash
differs between the runs.

usage: check-outcomes.py REPLAY-PROGRAM CORPUS-DIR
"""
import os
import random
import subprocess
import sys


def outcomes(prog, files, fresh):
    env = dict(os.environ, XF_FUZZ_OUTCOMES="1")
    env["XF_FUZZ_FRESH_HV"] = "1" if fresh else "0"
    out = subprocess.run([prog] + files, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True,
                         text=True).stdout
    got = {}
    for line in out.splitlines():
        if line.startswith("outcome "):
            _, h, path = line.split(" ", 2)
            got[path] = h
    missing = set(files) - set(got)
    if missing:
        sys.exit("no outcome for %s" % sorted(missing)[0])
    return got


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    prog, corpus = sys.argv[1], sys.argv[2]
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus)
                   if not f.startswith("."))
    if len(files) < 2:
        sys.exit("%s: fewer than two inputs, nothing to compare" % corpus)
    shuffled = list(files)
    random.Random(1).shuffle(shuffled)
    ref = outcomes(prog, files, False)
    runs = {
        "reverse order": outcomes(prog, files[::-1], False),
        "shuffled order": outcomes(prog, shuffled, False),
        "new hypervisor per input": outcomes(prog, files, True),
    }
    bad = 0
    for name, got in runs.items():
        for f in files:
            if got[f] != ref[f]:
                print("%s: %s in sorted order, %s in %s" %
                      (f, ref[f], got[f], name))
                bad += 1
    if len(set(ref.values())) < 2:
        sys.exit("every input has the same outcome: the hash sees nothing")
    if bad:
        sys.exit("%d outcome(s) depend on what ran before" % bad)
    print("%d inputs, %d distinct outcomes, the same in %d orders" %
          (len(files), len(set(ref.values())), len(runs) + 1))


if __name__ == "__main__":
    main()
