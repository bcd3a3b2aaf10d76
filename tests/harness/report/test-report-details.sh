#!/bin/sh
# What the HTML report shows a driver developer after a failed run:
# failures first (a list at the top, failing files' sections before
# passing ones), per run the replay command, "no completions" instead
# of an empty latency plot, the stuck devices, the events (also as
# markers on the IOPS plot when gnuplot is there) and every counter in
# a collapsed table.
# usage: test-report-details.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
{
	echo 'scenario { name = "good", description = "passes", duration = "30ms" }'
	vm_disk_job ''
	echo 'fault { at = "10ms", action = "power_cut", target = "d0" }'
	echo 'expect { iops_min = 1 }'
} > a-good.lua
{
	echo 'scenario { name = "bad", description = "a backend stalled from the start", duration = "30ms" }'
	vm_disk_job ''
	echo 'fault { at = "0ms", action = "stall_backend", target = "d0", duration = "1h" }'
	echo 'expect { hangs = 0 }'
} > b-bad.lua
"$XF" run a-good.lua b-bad.lua --report rep > out.txt 2>&1; rc=$?
H=rep/index.html
check "the run fails on the stalled file" "[ $rc -eq 1 ] && [ -s $H ]"
check "a failures list at the top links to the failed run" \
	"grep -q '<h2 id=failures>Failures</h2>' $H &&
	 grep -q '<li class=fail><a href=\"#run-bad\">bad</a> (b-bad.lua): hung I/Os' $H"
check "the failing file's section comes before the passing one" \
	"[ \$(grep -n '<h2>bad</h2>' $H | cut -d: -f1) -lt \$(grep -n '<h2>good</h2>' $H | cut -d: -f1) ]"
check "each run has its replay command" \
	"grep -q '<code class=replay>xfront run b-bad.lua --seed 1</code>' $H &&
	 grep -q '<code class=replay>xfront run a-good.lua --seed 1</code>' $H"
check "a run without completions says so" \
	"grep -q 'no completions: no latency to plot' $H"
check "the stuck device is shown with its ring" \
	"grep -q 'stuck: disk d0 (' $H && grep -q '<table class=stuck>' $H"
check "events are listed" "grep -q '<td>power_cut d0</td>' $H && grep -q '<td>stall_backend d0</td>' $H"
check "counters are in a collapsed table" \
	"grep -q '<details class=counters><summary>counters' $H && grep -q '<td>d0.ios</td>' $H"
# gnuplot is a dependency (scripts/deps.sh): the plot must be there.
check "the IOPS plot marks the power cut" \
	"grep -q '<h3>IOPS over time</h3>\\|IOPS over time' $H &&
	 [ \$(grep -c 'power_cut d0' $H) -ge 2 ]"
echo "$fails failed"
[ $fails -eq 0 ]
