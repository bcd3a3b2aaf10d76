#!/bin/sh
# xfront sweep: a failing seed is reported with what failed and a replay
# command that fails the same way; the global properties are checked even
# where the scenario's own expectations pass; shards split the seeds;
# bad input is refused before anything runs.
# usage: test-cli-sweep.sh path/to/xfront SOURCE_ROOT
set -u
. "$(dirname "$0")/../../lib/xt.sh"
SRC=$2

# Fails for the seeds whose first math.random(1, 3) draw is 1.
{
	echo 'scenario { name = "flaky", description = "fails for some seeds", duration = "20ms" }'
	vm_disk_job ''
	echo 'local n = math.random(1, 3)'
	echo 'expect { name = "draw", check = function(r) return n ~= 1, "drew " .. n end }'
} > flaky.lua
# Its own expectation always passes; for some seeds the backend stalls
# past the end of the run and an I/O never completes.
{
	echo 'scenario { name = "hang", description = "stalls for some seeds", duration = "30ms", timeout = "40ms" }'
	vm_disk_job ''
	echo 'if math.random(1, 2) == 1 then'
	echo '  fault { at = "10ms", action = "stall_backend", target = "d0", duration = "1s" }'
	echo 'end'
	echo 'expect { iops_min = 1 }'
} > hang.lua
{
	echo 'scenario { name = "vs", description = "two variants", duration = "20ms" }'
	echo 'variants { "good", "bad" }'
	vm_disk_job ''
	echo 'local n = math.random(1, 3)'
	echo 'expect { check = function(r) return variant == "good" or n ~= 1, "drew " .. n end }'
} > vs.lua

# Which seeds fail, according to run itself.
want=""
for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$XF" run flaky.lua --set seed=$s > /dev/null 2>&1
	[ $? -eq 1 ] && want="$want $s"
done
check "flaky.lua fails for some seeds of 1..12 and not for all" \
	"[ -n \"$want\" ] && [ \"\$(echo $want | wc -w)\" -lt 12 ]"

"$XF" sweep flaky.lua --seeds 1..12 --json sw.json > out.txt 2> err.txt; rc=$?
got=$(sed -n 's/^FAIL flaky.lua seed \([0-9]*\): .*/\1/p' out.txt | tr '\n' ' ')
check "sweep exits 1 when a seed fails" "[ $rc -eq 1 ]"
check "sweep reports exactly the seeds run fails ($want)" \
	"[ \"\$(echo $got)\" = \"\$(echo $want)\" ]"
check "a failure line says which expectation failed and what it measured" \
	"grep -q \"^FAIL flaky.lua seed [0-9]*: expect 'draw' (line 6) measured drew 1\$\" out.txt"
check "the last line counts seeds and failures" \
	"tail -n 1 out.txt | grep -q \"^12 seeds, \$(echo $want | wc -w) failed, [0-9.]* s\$\""
first=$(echo $want | cut -d' ' -f1)
cmd=$(grep -A1 "^FAIL flaky.lua seed $first:" out.txt | sed -n 's/^     replay: xfront //p')
check "the replay command sets the seed for math.random too" \
	"[ \"$cmd\" = \"run flaky.lua --seed $first --set seed=$first\" ]"
eval "\"\$XF\" $cmd" > replay.txt 2>&1; rc=$?
check "the replay command fails the same expectation" \
	"[ $rc -eq 1 ] && grep -q 'FAIL  draw.*drew 1' replay.txt"
check "the JSON lists every failure with seed, what and replay" \
	"[ \"\$(jq '.seeds_run' sw.json)\" = 12 ] &&
	 [ \"\$(jq '.failures | length' sw.json)\" = \"\$(echo $want | wc -w)\" ] &&
	 [ \"\$(jq -r '.failures[0].replay' sw.json)\" = \"xfront $cmd\" ] &&
	 [ \"\$(jq '.failures[0].seed' sw.json)\" = $first ] &&
	 jq -e '.failures[0].what | test(\"draw\")' sw.json > /dev/null"
check "nothing goes to stderr when off a terminal" "[ ! -s err.txt ]"

# Shards: together the slices run every seed once and find the same failures.
: > shards.txt
n=0
for k in 1 2 3; do
	"$XF" sweep flaky.lua --seeds 1..12 --shard $k/3 > sh$k.txt 2>&1
	sed -n 's/^FAIL flaky.lua seed \([0-9]*\): .*/\1/p' sh$k.txt >> shards.txt
	n=$((n + $(tail -n 1 sh$k.txt | cut -d' ' -f1)))
done
check "--shard K/3 slices run 12 seeds between them" "[ $n -eq 12 ]"
check "--shard 2/3 runs seeds 2, 5, 8, 11" "tail -n 1 sh2.txt | grep -q '^4 seeds'"
check "the slices find the same failing seeds" \
	"[ \"\$(sort -n shards.txt | tr '\n' ' ' | sed 's/ \$//')\" = \"\$(echo $want)\" ]"

"$XF" run hang.lua --set seed=4 > run4.txt 2>&1; rc=$?
check "hang.lua seed 4 passes its own expectations but leaves an I/O hung" \
	"[ $rc -eq 0 ] && grep -q 'stuck: disk d0 (1 hung I/O)' run4.txt"
"$XF" sweep hang.lua --seeds 1..6 > out.txt 2>&1; rc=$?
check "the sweep catches the hung I/O the expectations do not ask about" \
	"[ $rc -eq 1 ] && grep -q '^FAIL hang.lua seed 4: 1 I/Os never completed; d0 stuck at the end (1 hung I/O)\$' out.txt"
check "and says that the replayed run's own expectations pass" \
	"grep -q 'replay: xfront run hang.lua --seed 4 --set seed=4  (its own expectations pass)' out.txt"

# A sender that loses every notification without a watchdog: its
# expectations allow the stall (that is what the variant shows), the
# sweep's exactly-once property does not.
"$XF" sweep "$SRC/scenarios/wakeups/lost-wakeup-net.lua" --variant tx-no-watchdog \
	--seeds 1..1 > out.txt 2>&1; rc=$?
check "tx frames never completed fail the sweep, naming the flow" \
	"[ $rc -eq 1 ] && grep -q '\\[tx-no-watchdog\\] seed 1: f0: [0-9]* tx frames never completed; vif0 stuck at the end' out.txt &&
	 grep -q 'replay: xfront run .*lost-wakeup-net.lua --variant tx-no-watchdog --seed 1 --set seed=1  (its own expectations pass)' out.txt"

"$XF" sweep vs.lua --seeds 1..12 --json vs.json > out.txt 2>&1; rc=$?
check "every variant runs for every seed; only the bad one fails" \
	"[ $rc -eq 1 ] && [ \"\$(jq '.runs' vs.json)\" = 24 ] &&
	 ! grep -q '^FAIL vs.lua\[good\]' out.txt &&
	 grep -q \"^FAIL vs.lua\\[bad\\] seed $first: \" out.txt &&
	 grep -q \"replay: xfront run vs.lua --variant bad --seed $first --set seed=$first\\\$\" out.txt"
"$XF" sweep vs.lua --seeds 1..12 --variant good --json good.json > out.txt 2>&1; rc=$?
check "--variant good runs that variant only, and passes" \
	"[ $rc -eq 0 ] && [ \"\$(jq '.runs' good.json)\" = 12 ] &&
	 tail -n 1 out.txt | grep -q '^12 seeds, 0 failed'"

# Bad input: exit 2, one clear message, nothing run.
refuse() { # NAME PATTERN ARGS...
	name=$1 pat=$2
	shift 2
	"$XF" sweep "$@" > out.txt 2>&1; rc=$?
	check "$name is refused" "[ $rc -eq 2 ] && grep -q -- \"$pat\" out.txt && ! grep -q 'seeds,' out.txt"
}
refuse "--mode real" "a sweep runs in sim mode only" flaky.lua --seeds 1..3 --mode real
refuse "--platform xen" "mock platform only" flaky.lua --seeds 1..3 --platform xen
refuse "a range backwards" "expected A..B" flaky.lua --seeds 5..1
refuse "a range with a dash" "expected A..B" flaky.lua --seeds 1-5
refuse "an empty end" "expected A..B" flaky.lua --seeds 1..
refuse "a seed above 2^53" "expected A..B" flaky.lua --seeds 1..9007199254740993
refuse "a sweep without --seeds" "--seeds A..B is required" flaky.lua
refuse "--seed" "takes its seeds from --seeds" flaky.lua --seeds 1..3 --seed 4
refuse "--set seed=" "sets the seed itself" flaky.lua --seeds 1..3 --set seed=4
refuse "two files" "one scenario file only" flaky.lua hang.lua --seeds 1..3
refuse "an unknown option" "unknown option --junit" flaky.lua --seeds 1..3 --junit j.xml
refuse "--variant of a scenario without variants" "no variants" flaky.lua --seeds 1..3 --variant x
refuse "an unknown variant" "no such variant" vs.lua --seeds 1..3 --variant ugly
refuse "--set of an unread parameter" "has no parameter 'nope'" flaky.lua --seeds 1..3 --set nope=1
refuse "--shard 0/2" "expected K/N" flaky.lua --seeds 1..3 --shard 0/2
refuse "--json onto the scenario" "flaky.lua" flaky.lua --seeds 1..3 --json flaky.lua
refuse "--json into a directory that does not exist" "nodir/s.json" flaky.lua --seeds 1..3 --json nodir/s.json
refuse "a file that does not load" "nothere.lua" nothere.lua --seeds 1..3

echo "fails: $fails"
[ "$fails" -eq 0 ]
