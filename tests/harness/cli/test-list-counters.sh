#!/bin/sh
# xfront list counters: the keys of check(r) and ctx:counter, grouped,
# each with a unit and a meaning; docs/counters.md carries the same
# list (scripts/counters-doc.sh regenerates it); the word counters is
# the command, a directory of that name is listed as ./counters.
# Arguments: the xfront binary, docs/counters.md.
set -u
doc=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../../lib/xt.sh"

"$XF" list counters >out 2>err
rc=$?
check "list counters exits 0" '[ $rc -eq 0 ] && [ ! -s err ]'
for g in "run metrics" "per disk" "per vif" "per flow" "per switch" \
	"per VM (migration)" "per vCPU" "ctx:counter (hooks)"; do
	check "group: $g" 'grep -qxF "$g" out'
done
check "a disk key with unit, where and meaning" \
	'grep -qE "^  <disk>\.ios +I/Os +check +I/Os the frontend completed" out'
check "a drop reason from the netback's name table" \
	'grep -qE "^  <vif>\.backend\.drop\.rx-queue-full +frames +check +" out'
check "a flow key" 'grep -qE "^  <flow>\.tx\.bytes +bytes +check " out'
check "a switch key" 'grep -qE "^  switch\.<switch>\.forwarded +frames " out'
check "a vCPU key" 'grep -qE "^  <vcpu>\.util +ratio +check " out'
check "a ctx:counter key" 'grep -qE "^  \[<disk>\.\]writes +I/Os +ctx " out'
check "power_cuts is read by both" \
	'grep -qE "^  power_cuts +count +both " out'
# Every entry line: pattern, unit, where, a meaning.
check "every entry has unit, where and help" \
	'! grep "^  " out | grep -vE "^  [^ ]+ +[^ ]+ +(check|ctx|both) +[^ ]"'

# The doc's block is the output, verbatim.
sed -n '/^<!-- begin: xfront list counters -->$/,/^<!-- end: xfront list counters -->$/p' \
	"$doc" | sed '1,2d;$d' | sed '$d' >doc.txt
if cmp -s out doc.txt; then
	ok "docs/counters.md lists what xfront list counters prints"
else
	bad "docs/counters.md lists what xfront list counters prints (run scripts/counters-doc.sh)"
	diff doc.txt out | head -20
fi

"$XF" list counters extra >out2 2>err2
rc=$?
check "list counters takes no arguments" \
	'[ $rc -eq 2 ] && grep -q "list counters takes no arguments" err2'

# A scenario directory named counters: ./counters lists it.
mkdir counters
{
	echo 'scenario { name = "c", description = "in counters/" }'
	vm_disk_job ''
	echo 'expect { iops_min = 1 }'
} >counters/c.lua
"$XF" list ./counters >out3 2>&1
rc=$?
check "list ./counters lists the directory" \
	'[ $rc -eq 0 ] && grep -q "counters/c.lua *in counters/" out3'
"$XF" list counters/ >out4 2>&1
check "list counters/ lists the directory" 'grep -q "in counters/" out4'

[ $fails -eq 0 ]
