#!/bin/sh
# Input checks done before anything runs: option values, output paths,
# scenario and variant names (they reach file names and gnuplot scripts).
# usage: test-cli-checks.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
{
	echo 'scenario { name = "slow", description = "would run for a while", duration = "50ms" }'
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} > slow.lua
{
	echo 'scenario { name = "qv", description = "a quote in a variant name", duration = "50ms" }'
	echo "variants { \"ok\", \"it's\" }"
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} > quote-variant.lua
{
	echo 'scenario { description = "a quote in the title", duration = "50ms",'
	echo "  name = \"a'b\" }"
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} > quote-name.lua

"$XF" run slow.lua --seed '' > out.txt 2>&1; rc=$?
check "--seed '' is refused" "[ $rc -eq 2 ] && grep -q 'expected a number' out.txt"
"$XF" run slow.lua --seed 7x > out.txt 2>&1; rc=$?
check "--seed 7x is refused" "[ $rc -eq 2 ]"
"$XF" run slow.lua --shard 1/2x > out.txt 2>&1; rc=$?
check "--shard 1/2x is refused" "[ $rc -eq 2 ] && grep -q 'expected K/N' out.txt"
"$XF" run slow.lua --shard 1/-2 > out.txt 2>&1; rc=$?
check "--shard 1/-2 is refused" "[ $rc -eq 2 ]"
"$XF" run slow.lua --shard 1/1 > out.txt 2>&1; rc=$?
check "--shard 1/1 runs" "[ $rc -eq 0 ]"
"$XF" run slow.lua --shard 1/99999999999999999999 > out.txt 2>&1; rc=$?
check "--shard beyond 32 bits is refused, not wrapped" \
	"[ $rc -eq 2 ] && grep -q 'expected K/N' out.txt"
"$XF" run slow.lua --seed 010 --json s010.json > out.txt 2>&1; rc=$?
check "--seed 010 is ten, not octal eight" \
	"[ $rc -eq 0 ] && [ \"\$(jq '.results[0].seed' s010.json)\" = 10 ]"
"$XF" run slow.lua --seed 9007199254740993 > out.txt 2>&1; rc=$?
check "--seed above 2^53 is refused (a JSON reader could not replay it)" \
	"[ $rc -eq 2 ] && grep -q 'from 0 to 2^53' out.txt"
"$XF" run slow.lua --seed 9007199254740992 --json s53.json > out.txt 2>&1; rc=$?
check "--seed 2^53 runs" "[ $rc -eq 0 ]"
"$XF" run slow.lua --set duration=1000000h > out.txt 2>&1; rc=$?
check "--set duration beyond the documented hour is refused" \
	"[ $rc -eq 2 ] && grep -q '^slow.lua:1: --set duration=1000000h: out of range' out.txt"
"$XF" run slow.lua --set timeout=2h > out.txt 2>&1; rc=$?
check "--set timeout beyond an hour is refused" "[ $rc -eq 2 ] && grep -q 'timeout=2h: out of range' out.txt"
"$XF" run slow.lua --set duration=-1 > out.txt 2>&1; rc=$?
check "--set duration=-1 is one error, not also an unread parameter" \
	"[ $rc -eq 2 ] && grep -q 'duration=-1: not a valid duration' out.txt && ! grep -q 'no selected scenario' out.txt"
"$XF" run slow.lua --set seed=010 --json set010.json > out.txt 2>&1; rc=$?
check "--set seed=010 is ten too" \
	"[ $rc -eq 0 ] && [ \"\$(jq '.results[0].seed' set010.json)\" = 10 ]"
"$XF" run slow.lua --variant nope > out.txt 2>&1; rc=$?
check "--variant on a scenario without variants is refused" \
	"[ $rc -eq 2 ] && grep -q '^slow.lua:1: --variant nope: the scenario has no variants' out.txt"

for opt in --json --junit; do
	"$XF" run slow.lua $opt no/such/dir/out > out.txt 2>&1; rc=$?
	check "$opt into a missing directory fails before running" \
		"[ $rc -eq 2 ] && grep -q -- \"$opt no/such/dir/out\" out.txt && ! grep -q '^PASS' out.txt"
done
"$XF" run slow.lua --report no/such/dir > out.txt 2>&1; rc=$?
check "--report under a missing directory fails before running" \
	"[ $rc -eq 2 ] && grep -q -- '--report no/such/dir' out.txt && ! grep -q '^PASS' out.txt"
: > plainfile
"$XF" run slow.lua --report plainfile > out.txt 2>&1; rc=$?
check "--report on a file fails before running" "[ $rc -eq 2 ]"
"$XF" run slow.lua --json j.json --junit j.xml --report rep > out.txt 2>&1; rc=$?
check "writable outputs still work" \
	"[ $rc -eq 0 ] && [ -s j.json ] && [ -s j.xml ] && [ -s rep/index.html ]"
"$XF" run slow.lua --json j2.json --seed 1x > out.txt 2>&1
check "the output check leaves no file behind" "[ ! -e j2.json ]"
"$XF" run slow.lua --json same.out --junit same.out > out.txt 2>&1; rc=$?
check "one path for --json and --junit is refused" \
	"[ $rc -eq 2 ] && grep -q -- '--junit same.out: also given to --json' out.txt && ! grep -q '^PASS' out.txt"
"$XF" run slow.lua --json j.json --junit ./j.json > out.txt 2>&1; rc=$?
check "the same existing file spelt twice is refused" "[ $rc -eq 2 ]"
cp slow.lua keep.lua
"$XF" run keep.lua --json keep.lua > out.txt 2>&1; rc=$?
check "an output onto a scenario file of the run is refused" \
	"[ $rc -eq 2 ] && grep -q -- '--json keep.lua: is a scenario file of this run' out.txt && cmp -s slow.lua keep.lua"
"$XF" run slow.lua --pcap plainfile > out.txt 2>&1; rc=$?
check "--pcap on a file fails before running" \
	"[ $rc -eq 2 ] && grep -q -- '--pcap plainfile: not a directory' out.txt && ! grep -q '^PASS' out.txt"

{
	echo 'scenario { name = "label", description = "a string parameter", duration = "50ms" }'
	echo 'local label = param("label", "a")'
	echo 'assert(label == "a" or label == "x,y\\\\z", "label " .. label)'
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} > label.lua
"$XF" run label.lua --set 'label=x,y\z' --json label.json > out.txt 2>&1; rc=$?
check "a --set value with a comma and a backslash reaches the scenario" \
	"[ $rc -eq 0 ] && [ \"\$(jq -r '.results[0].params' label.json)\" = 'label=x\\,y\\\\z' ]"
"$XF" replay label.json > out.txt 2>&1; rc=$?
check "and replays with the same value" \
	"[ $rc -eq 0 ] && grep -q '^IDENTICAL label.lua' out.txt"

# A file that fails validation stops the whole run before any file
# starts: the good file does not run and no partial JSON is written.
{
	echo 'scenario { name = "oddsize", description = "size not whole sectors", duration = "50ms" }'
	echo 'vm { name = "vm0" }'
	echo 'disk { name = "d0", vm = "vm0", size = 4097 }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
	echo 'expect { iops_min = 1 }'
} > oddsize.lua
"$XF" run slow.lua oddsize.lua --json both.json > out.txt 2>&1; rc=$?
check "a disk size the model refuses stops the run before anything runs" \
	"[ $rc -eq 2 ] && grep -q '^oddsize.lua:3: disk .d0.: size = 4097' out.txt &&
	 ! grep -q 'PASS\|FAIL' out.txt && [ ! -e both.json ]"

# A check() message is kept whole in the terminal and the JSON.
{
	echo 'scenario { name = "longmsg", description = "a long check message", duration = "20ms" }'
	vm_disk_job ''
	echo 'expect { check = function(r) return false, string.rep("x", 300) .. "END" end }'
} > longmsg.lua
"$XF" run longmsg.lua --json long.json > out.txt 2>&1; rc=$?
check "a long check() message is whole in the terminal and the JSON" \
	"[ $rc -eq 1 ] && grep -q 'x\{300\}END' out.txt && grep -q 'x\{300\}END' long.json"

# Outputs are whole or absent: under a file size limit every write
# fails (EFBIG; SIGXFSZ ignored so the write returns the error), and
# each output must keep its old content, leave no temporary file and
# say which file failed.
mkdir lim && cp slow.lua lim/ && echo OLD > lim/j.json
(cd lim && trap '' XFSZ && ulimit -f 1 &&
	"$XF" run slow.lua --json j.json --junit j.xml --report rep) \
	> /dev/null 2> out.txt; rc=$?
check "a failed JSON write keeps the old file and says so" \
	"[ $rc -eq 2 ] && grep -q -- '--json j.json: File too large (nothing written)' out.txt && [ \"\$(cat lim/j.json)\" = OLD ]"
check "a failed JUnit write leaves no partial file" \
	"grep -q -- '--junit j.xml: File too large' out.txt && [ ! -e lim/j.xml ]"
check "a failed report write leaves no page" \
	"grep -q 'report: rep/index.html' out.txt && [ ! -e lim/rep/index.html ]"
check "no temporary output file is left behind" \
	"[ -z \"\$(ls -A lim lim/rep | grep '^\\.')\" ]"
"$XF" run slow.lua > /dev/full 2> out.txt; rc=$?
check "a summary that cannot be written fails the run" \
	"[ $rc -eq 2 ] && grep -q 'standard output: No space left on device' out.txt"
"$XF" list . > /dev/full 2> out.txt; rc=$?
check "so does a listing" "[ $rc -eq 2 ]"

# Runaway scenario code ends in a file:line error (exit 2), even when
# the script wraps its loop in pcall to swallow the budget's error.
echo 'scenario { name = "hang", description = "pcall around an endless loop", duration = "20ms" }' > hang.lua
echo 'while true do pcall(function() while true do end end) end' >> hang.lua
{
	echo 'scenario { name = "hookhang", description = "the same in a hook", duration = "20ms" }'
	vm_disk_job ''
	echo 'at("5ms", function(ctx) while true do pcall(function() while true do end end) end end)'
	echo 'expect { iops_min = 1 }'
} > hookhang.lua
{
	echo 'scenario { name = "checkhang", description = "the same in check()", duration = "20ms" }'
	vm_disk_job ''
	echo 'expect { check = function(r) while true do pcall(function() while true do end end) end end }'
} > checkhang.lua
{
	echo 'scenario { name = "checkerr", description = "a Lua error in check()", duration = "20ms" }'
	vm_disk_job ''
	echo 'expect { check = function(r) return r.no_such_key > 1 end }'
} > checkerr.lua
for f in hang:2 hookhang:5 checkhang:5; do
	"$XF" run ${f%:*}.lua > out.txt 2>&1; rc=$?
	check "${f%:*}: a swallowed budget error still ends the run at file:line" \
		"[ $rc -eq 2 ] && grep -q '^${f%:*}.lua:${f#*:}: scenario code ran for more than' out.txt"
done
# A pattern that backtracks for ever runs inside C, where the
# instruction budget never looks: the wall-clock watchdog ends the run
# at the call's line (exit 2) after its 10 s.
{
	echo 'scenario { name = "pat", description = "a pattern that backtracks for ever", duration = "20ms" }'
	vm_disk_job ''
	echo 'local subject = string.rep("a", 40)'
	echo 'local n = subject:find(string.rep("a?", 40) .. string.rep("a", 40) .. "b")'
	echo 'expect { iops_min = 1 }'
} > pat.lua
"$XF" run pat.lua > out.txt 2>&1; rc=$?
check "a C pattern call past the wall-clock limit ends at its line" \
	"[ $rc -eq 2 ] && grep -q '^pat.lua:6: string.find ran for more than 10 s inside C' out.txt"
# The watched pattern functions still work, errors and callbacks too.
{
	echo 'local words = {}'
	echo 'for w in ("a bb ccc"):gmatch("%a+") do words[#words + 1] = w end'
	echo 'local sub = ("x-y"):gsub("%-", function() return "+" end)'
	echo 'assert(#words == 3 and words[3] == "ccc" and sub == "x+y")'
	echo 'assert(string.match("k=v", "(%w)=(%w)") == "k" and ("abc"):find("b", 1, true) == 2)'
	echo 'assert(not pcall(string.find, "a", "[a"))'
	echo 'scenario { name = "patok", description = "patterns " .. sub, duration = "20ms" }'
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} > patok.lua
"$XF" run patok.lua > out.txt 2>&1; rc=$?
check "find, match, gmatch and gsub behave as Lua's under the watchdog" \
	"[ $rc -eq 0 ] && grep -q '^PASS patok' out.txt"
"$XF" run checkerr.lua > out.txt 2>&1; rc=$?
check "a Lua error in check() is a scenario error, not a failed expectation" \
	"[ $rc -eq 2 ] && grep -q '^checkerr.lua:5: check(r): r.no_such_key: no such field' out.txt"

"$XF" run quote-variant.lua > out.txt 2>&1; rc=$?
check "a quote in a variant name is refused with file:line" \
	"[ $rc -eq 2 ] && grep -q \"^quote-variant.lua:2: variants: 'it's'\" out.txt"
"$XF" run quote-name.lua > out.txt 2>&1; rc=$?
check "a quote in the scenario name is refused at its line" \
	"[ $rc -eq 2 ] && grep -q \"^quote-name.lua:2: scenario: name 'a'b'\" out.txt"

if command -v gnuplot > /dev/null; then
	# The report directory is part of every path in the gnuplot script.
	"$XF" run slow.lua --report "r'x" > out.txt 2>&1; rc=$?
	check "a quote in the report path still plots" \
		"[ $rc -eq 0 ] && grep -q '<svg' \"r'x/index.html\" && ! grep -q 'gnuplot failed' \"r'x/index.html\""
fi

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
