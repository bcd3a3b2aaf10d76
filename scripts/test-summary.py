#!/usr/bin/env python3
"""Prints one closing line 'N passed, N failed, N skipped' for a meson test
run, counting Check test cases inside each Check binary (its
'Checks: N, Failures: F, Errors: E' line) and every other test as one."""
import json
import re
import sys

CHECK = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")
passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        t = json.loads(line)
        result = t.get("result", "")
        counts = CHECK.findall(t.get("stdout", "") or "")
        if result == "SKIP":
            skipped += 1
        elif counts:
            for n, f, e in counts:
                failed += int(f) + int(e)
                passed += int(n) - int(f) - int(e)
            if result not in ("OK", "EXPECTEDFAIL") and not any(
                    int(f) + int(e) for _, f, e in counts):
                failed += 1  # crashed or timed out after Check reported
        elif result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
