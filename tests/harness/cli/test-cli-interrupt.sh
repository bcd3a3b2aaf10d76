#!/bin/sh
# SIGINT and SIGTERM mid-run: the finished runs are written (JSON,
# JUnit, report) with the cut one named, and the exit status is the
# shell's for that signal.
# usage: test-cli-interrupt.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
{
	echo 'scenario { name = "cut", description = "a short run, then a long one", duration = "20s", timeout = "30s" }'
	echo 'variants { { "short", "50 ms of I/O" }, { "long", "20 s of I/O" } }'
	echo 'vm { name = "vm0" }'
	echo 'disk { name = "d0", vm = "vm0", size = "16M" }'
	echo 'job { name = "rr", disk = "d0", rw = "randread", runtime = variant == "short" and "50ms" or "20s" }'
	echo 'expect { iops_min = 1 }'
} > cut.lua

# Waits (up to 20 s) until the short variant's PASS line is out, so the
# signal lands inside the long one.
wait_for_first() {
	n=0
	while ! grep -q '^PASS cut\[short\]' "$1" 2> /dev/null; do
		n=$((n + 1))
		[ $n -gt 200 ] && return 1
		sleep 0.1
	done
	sleep 0.3
}

for sig in INT TERM; do
	want=130
	[ $sig = TERM ] && want=143
	rm -rf rep
	"$XF" run cut.lua --mode real --json j.json --junit j.xml \
		--report rep > out.txt 2> err.txt &
	pid=$!
	wait_for_first out.txt
	start=$(date +%s)
	kill -$sig $pid
	wait $pid; rc=$?
	took=$(( $(date +%s) - start ))
	check "SIG$sig: exit status $want, soon (not after the 20 s run)" \
		"[ $rc -eq $want ] && [ $took -le 5 ]"
	check "SIG$sig: the JSON keeps the finished run and names the cut one" \
		"jq -e '(.interrupted == true) and (.interrupted_during == \"cut.lua[long]\") and (.results | length == 1) and (.results[0].variant == \"short\")' j.json > /dev/null"
	check "SIG$sig: the JUnit file counts the cut as an error" \
		"grep -q 'errors=\"1\"' j.xml && grep -q '<testcase name=\"cut.lua\[long\]\" classname=\"interrupted\"><error' j.xml"
	check "SIG$sig: the report says it was interrupted" \
		"grep -q 'id=interrupted' rep/index.html"
	check "SIG$sig: the terminal says what was kept" \
		"grep -q 'interrupted by .* during cut.lua\[long\]; the 1 finished run is kept' err.txt"
done

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
