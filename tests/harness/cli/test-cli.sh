#!/bin/sh
# CLI behaviour: exit codes, messages, JSON shape, JUnit, replay, shards.
# usage: test-cli.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
cat > pass.lua <<'EOF'
-- a run that meets its expectation
scenario { name = "pass", description = "small passing run", duration = "50ms" }
vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "16M", model = { latency_us = 20 } }
job { name = "rr", disk = "d0", rw = "randrw", iodepth = param("qd", 4), verify = true }
expect { iops_min = 100, verify_errors = 0 }
EOF
cat > fail.lua <<'EOF'
scenario { name = "fail", description = "expects the impossible", duration = "50ms" }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M" }
job { name = "rr", disk = "d0", rw = "randread" }
expect { iops_min = 1e9 }
EOF
cat > badkey.lua <<'EOF'
scenario { name = "bad", description = "typo" }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0",
  sise = "16M" }
job { name = "rr", disk = "d0" }
expect { iops_min = 1 }
EOF
cat > lenient.lua <<'EOF'
scenario { name = "lenient", description = "a kinder blkback", duration = "50ms" }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M",
  backend = { lenient = { request_alignment = true } } }
job { name = "rr", disk = "d0", rw = "randread" }
expect { iops_min = 1 }
EOF
cat > hostlenient.lua <<'EOF'
scenario { name = "hostlenient", description = "a kinder host", duration = "50ms" }
host { name = "h0", blk = { lenient = { mode_optional = true } } }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M" }
job { name = "rr", disk = "d0", rw = "randread" }
expect { iops_min = 1 }
EOF
mkdir sub && cp pass.lua sub/a.lua && cp pass.lua sub/b.lua

"$XF" --help > help.txt; check "--help exits 0" "[ $? -eq 0 ]"
check "--help lists the commands" "grep -q 'xfront replay' help.txt"
check "--version" "\"$XF\" --version | grep -q '^xfront [0-9]'"

"$XF" run pass.lua > out.txt 2> err.txt; rc=$?
check "passing scenario exits 0" "[ $rc -eq 0 ]"
check "summary says PASS" "grep -q '^PASS pass' out.txt"
check "no progress line when not a TTY" "! grep -q \"$(printf '\r')\" err.txt"

"$XF" run fail.lua > out.txt 2>&1; rc=$?
check "failing scenario exits 1" "[ $rc -eq 1 ]"
check "failure prints the seed and the replay command" \
	"grep -q 'seed 1; replay: xfront run fail.lua --seed 1' out.txt"

"$XF" run badkey.lua > out.txt 2> err.txt; rc=$?
check "bad scenario exits 2" "[ $rc -eq 2 ]"
check "bad key reported as file:line" \
	"grep -qx \"badkey.lua:4: disk 'd0': unknown key 'sise' (did you mean 'size'?)\" err.txt"
check "nothing ran for bad input" "[ ! -s out.txt ]"
check "no Lua traceback" "! grep -q traceback err.txt"

"$XF" run pass.lua badkey.lua > out.txt 2>&1; rc=$?
check "one bad file stops the whole run before anything runs" \
	"[ $rc -eq 2 ] && ! grep -q '^PASS' out.txt"

"$XF" run nope.lua 2> err.txt; rc=$?
check "missing file exits 2" "[ $rc -eq 2 ] && grep -q 'nope.lua' err.txt"
"$XF" run pass.lua --frobnicate 2> err.txt; rc=$?
check "unknown option exits 2" "[ $rc -eq 2 ] && grep -q 'unknown option' err.txt"
"$XF" run pass.lua --set nosuch=1 > /dev/null 2> err.txt; rc=$?
check "unknown --set key exits 2" "[ $rc -eq 2 ] && grep -q \"no selected scenario has a parameter 'nosuch'\" err.txt"
"$XF" run pass.lua --set qd=deep > /dev/null 2> err.txt; rc=$?
check "--set with a wrong type exits 2 with file:line" \
	"[ $rc -eq 2 ] && grep -q '^pass.lua:5: --set qd=deep: expected a number' err.txt"
"$XF" run pass.lua --platform xen 2> err.txt; rc=$?
check "--platform xen in sim mode exits 2" \
	"[ $rc -eq 2 ] && grep -q 'platform xen needs --mode real' err.txt"
"$XF" run pass.lua --platform xen --mode real > out.txt 2> err.txt; rc=$?
check "a mock-only disk model on --platform xen exits 2 with file:line" \
	"[ $rc -eq 2 ] && grep -q \"^pass.lua:4: disk 'd0': model.latency_us: disk models are mock-only\" err.txt && [ ! -s out.txt ]"
"$XF" run lenient.lua --platform xen --mode real > out.txt 2> err.txt; rc=$?
check "a blkback lenient table on --platform xen exits 2 with file:line" \
	"[ $rc -eq 2 ] && grep -q \"^lenient.lua:4: disk 'd0': backend.lenient.request_alignment: the kernel's blkback cannot be made lenient\" err.txt && [ ! -s out.txt ]"
"$XF" run hostlenient.lua --platform xen --mode real > out.txt 2> err.txt; rc=$?
check "a host blk lenient table on --platform xen exits 2 with file:line" \
	"[ $rc -eq 2 ] && grep -q \"^hostlenient.lua:2: host 'h0': blk.lenient.mode_optional: the kernel's blkback cannot be made lenient\" err.txt && [ ! -s out.txt ]"
"$XF" run lenient.lua > out.txt 2> err.txt; rc=$?
check "a blkback lenient table runs on the mock" "[ $rc -eq 0 ]"
"$XF" run pass.lua --mode warp 2> /dev/null; rc=$?
check "bad --mode exits 2" "[ $rc -eq 2 ]"
"$XF" run pass.lua --shard 3/2 2> /dev/null; rc=$?
check "bad --shard exits 2" "[ $rc -eq 2 ]"

"$XF" list . > list.txt; rc=$?
check "list exits 2 when a file is invalid" "[ $rc -eq 2 ]"
check "list shows descriptions" "grep -q 'pass.lua *small passing run' list.txt"
"$XF" list sub > list.txt; rc=$?
check "list of a valid dir exits 0" "[ $rc -eq 0 ] && [ \$(wc -l < list.txt) -eq 2 ]"

"$XF" run sub --shard 1/2 > s1.txt; "$XF" run sub --shard 2/2 > s2.txt
check "shards split the files" \
	"grep -q '1 passed' s1.txt && grep -q '1 passed' s2.txt"

"$XF" run pass.lua --set qd=8 --json r1.json --junit j.xml > /dev/null; rc=$?
check "json+junit run exits 0" "[ $rc -eq 0 ]"
"$XF" run pass.lua --set qd=8 --json r2.json > /dev/null
strip='del(.timestamp, .command, .results[].wall_s, .results[].timestamp)'
check "two sim runs give identical JSON modulo timestamps" \
	"[ \"\$(jq -S '$strip' r1.json)\" = \"\$(jq -S '$strip' r2.json)\" ]"
check "JSON: fio-like jobs with clat percentiles" \
	"jq -e '.jobs[0].jobname == \"pass/rr\" and (.jobs[0].read.clat_ns.percentile[\"99.000000\"] | type == \"number\") and (.jobs[0].write.iops | type == \"number\") and (.jobs[0].read.io_bytes > 0)' r1.json > /dev/null"
check "JSON: xfront sections" \
	"jq -e '.results[0] | (.seed == 1) and (.params == \"qd=8\") and (.pass == true) and (.expectations | length == 2) and (.vcpus | length > 0) and (.trace.len > 0) and (.durability | has(\"verdict\")) and (.counters.leaks == 0)' r1.json > /dev/null"
check "JSON: every expectation has what/measured/line/pass" \
	"jq -e '[.results[].expectations[] | has(\"what\") and has(\"measured\") and (.line | type == \"number\") and (.pass | type == \"boolean\")] | all' r1.json > /dev/null"
if command -v xmllint > /dev/null; then
	check "JUnit is well-formed" "xmllint --noout j.xml"
else
	check "JUnit is well-formed" "python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(\"j.xml\")'"
fi
check "JUnit counts" "grep -q '<testsuites name=\"xfront\" tests=\"1\" failures=\"0\"' j.xml"
"$XF" run fail.lua --junit jf.xml > /dev/null
check "JUnit failure element" "grep -q '<failure message=\"iops &gt;= 1e+09: measured' jf.xml"

"$XF" replay r1.json > rep.txt; rc=$?
check "replay of a sim result is identical" "[ $rc -eq 0 ] && grep -q '^IDENTICAL pass.lua' rep.txt"
jq '.results[0].jobs[0].read.total_ios += 1' r1.json > tampered.json
"$XF" replay tampered.json > rep.txt; rc=$?
check "replay reports a different outcome" "[ $rc -eq 1 ] && grep -q 'first difference at .jobs\[0\].read.total_ios' rep.txt"
echo '{}' > junk.json
"$XF" replay junk.json 2> /dev/null; rc=$?
check "replay of a non-result exits 2" "[ $rc -eq 2 ]"
"$XF" replay no-such.json 2> err.txt; rc=$?
check "replay of a missing file says so" \
	"[ $rc -eq 2 ] && grep -q 'no-such.json: No such file or directory' err.txt"
jq '.results[0].seed = "1"' r1.json > strseed.json
"$XF" replay strseed.json > /dev/null 2> err.txt; rc=$?
check "replay refuses a seed that is a string" \
	"[ $rc -eq 2 ] && grep -q 'results\[0\].seed: expected a whole number' err.txt"

echo "$fails failed"
[ $fails -eq 0 ]
