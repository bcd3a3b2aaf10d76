#!/bin/sh
# expect { mode = ... }: a block is checked only in the runs of its mode,
# shown as not checked (never passed) in the others, in every report; a
# run mode with nothing to check is refused before anything runs.
# usage: test-expect-mode.sh path/to/xfront
set -u
. "$(dirname "$0")/../cli-lib.sh" "$1"
# The sim-only block fails in sim (an IOPS no backend reaches), the
# real-only one would fail in real mode (1e9 I/O errors at least).
cat > m.lua <<'EOF'
scenario { name = "m", description = "expectations per mode", duration = "50ms" }
vm { name = "vm0", vcpus = 1 }
disk { name = "d0", vm = "vm0", size = "16M", model = { latency_us = 20 } }
job { name = "rr", disk = "d0", rw = "randread", iodepth = 2 }
expect { hangs = 0, io_errors = 0 }
expect { iops_min = 1e9, mode = "sim" }
expect { name = "real-only", io_errors_min = 1e9, mode = "real" }
EOF
sed -e 's/iops_min = 1e9/iops_min = 1/' -e 's/io_errors_min = 1e9/io_errors = 0/' \
	m.lua > ok.lua
{
	echo 'scenario { name = "none-real", description = "nothing checked in real mode", duration = "50ms" }'
	echo 'variants { "a", "b" }'
	vm_disk_job ', vcpus = 1'
	echo 'expect { hangs = 0, mode = variant == "b" and "sim" or "any" }'
} > none-real.lua
{
	echo 'scenario { name = "never", description = "a block for a mode never run", duration = "50ms", mode = "sim" }'
	vm_disk_job ', vcpus = 1'
	echo 'expect { hangs = 0 }'
	echo 'expect { hangs = 0, mode = "real" }'
} > never.lua
{
	echo 'scenario { name = "simonly", description = "real mode makes no sense", duration = "50ms", mode = "sim" }'
	vm_disk_job ', vcpus = 1'
	echo 'expect { iops_min = 1e9, mode = "sim" }'
} > simonly.lua

"$XF" run ok.lua --no-color > out.txt 2>&1; rc=$?
check "sim: passes on its checked blocks" "[ $rc -eq 0 ]"
check "sim: the sim block is checked" \
	"grep -q 'PASS  iops >= 1 ' out.txt"
check "sim: the real block is shown as not checked, with its line" \
	"grep -q 'SKIP  real-only  *not checked in sim mode  (line 7)' out.txt"

"$XF" run m.lua --no-color > out.txt 2>&1; rc=$?
check "sim: a failing sim block fails the run" "[ $rc -eq 1 ]"

"$XF" run m.lua --mode real --no-color --json r.json --junit r.xml \
	--report rep > out.txt 2>&1; rc=$?
check "real: the real block is checked (and fails), the sim one is not" \
	"[ $rc -eq 1 ] && grep -q 'FAIL  I/O errors >= 1e+09' out.txt && \
	 grep -q 'SKIP  expect{iops_min}' out.txt"
"$XF" run ok.lua --mode real --no-color --json r.json --junit r.xml \
	--report rep > out.txt 2>&1; rc=$?
check "real: passes on its checked blocks" "[ $rc -eq 0 ]"
check "real: the unnamed sim block is named by its keys" \
	"grep -q 'SKIP  expect{iops_min}  *not checked in real mode  (line 6)' out.txt"
check "JSON: not checked, pass null" \
	"[ \"\$(jq -c '[.results[0].expectations[] | select(.checked == false) | [.what, .pass, .measured]]' r.json)\" = \
'[[\"expect{iops_min}\",null,\"not checked in real mode\"]]' ]"
check "JSON: checked ones pass" \
	"[ \"\$(jq '[.results[0].expectations[] | select(.checked) | .pass] | all' r.json)\" = true ]"
check "JUnit: the block is a skipped case with the message" \
	"grep -q '<skipped message=\"not checked in real mode\"/>' r.xml && \
	 grep -q 'tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\"' r.xml"
check "JUnit: no failure for the unchecked block" "! grep -q '<failure' r.xml"
check "HTML: shown as not checked" "grep -q 'NOT CHECKED' rep/index.html"

"$XF" run none-real.lua --no-color > out.txt 2>&1; rc=$?
check "a variant with nothing checked in a mode it runs in is bad input" \
	"[ $rc -eq 2 ]"
check "  named with its variant and the fix" \
	"grep -q \"none-real.lua:1: variant 'b': no expect { ... } is checked in real mode\" out.txt && \
	 grep -q 'scenario { mode = \"sim\" }' out.txt"

"$XF" run never.lua --no-color > out.txt 2>&1; rc=$?
check "a block for a mode the scenario never runs in is bad input" \
	"[ $rc -eq 2 ] && grep -q 'never.lua:6: expect: mode = \"real\" is never checked' out.txt"

"$XF" run simonly.lua --mode real --no-color > out.txt 2>&1; rc=$?
check "scenario { mode = \"sim\" } is listed and not run in real mode" \
	"grep -q '^SKIP simonly.lua: written for --mode sim only' out.txt && \
	 [ \$(grep -c '^SKIP simonly.lua' out.txt) -eq 1 ] && \
	 grep -q '0 passed, 0 failed' out.txt"
check "  and a run in which nothing ran is not a pass (exit 2)" \
	"[ $rc -eq 2 ] && grep -q 'no scenario ran' out.txt"
"$XF" run simonly.lua ok.lua --mode real --no-color > out.txt 2>&1; rc=$?
check "  beside one that runs: exit 0" "[ $rc -eq 0 ]"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
