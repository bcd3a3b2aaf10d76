#!/bin/sh
# Runs in dom0 (busybox sh): the xfront CLI on the xen platform, real
# mode, every scenario in /xf-scenarios/xen against the dom0 kernel's
# blkback. Passes only when xfront exits 0 (every expectation held) and
# wrote its JSON with one passing result per scenario.
# dom0-run.sh puts xfront at /usr/bin/xfront (--file).
T=xfront
check() { # check PASS|FAIL name detail
	echo "XF-CHECK $1 $T/$2: $3"
	[ "$1" = PASS ] || failed=1
}
failed=0
XF=/usr/bin/xfront
DIR=/xf-scenarios/xen
JSON=/tmp/xf-result.json
if [ ! -x $XF ] || [ ! -d $DIR ]; then
	check FAIL installed "xfront ($XF) or scenarios ($DIR) missing"
	echo "XF-RESULT FAIL $T checks=1 failed=1"
	exit 1
fi
n=$(ls $DIR/*.lua | wc -l)
$XF --version
# Bound loop devices (an unbound one has no size and is not listed).
loops0=$(grep -c ' loop' /proc/partitions 2>/dev/null)

# Bad input first: sim mode and a mock-only scenario are exit 2.
$XF run --platform xen --mode sim $DIR >/tmp/xf-sim.out 2>&1
rc=$?
[ $rc -eq 2 ] && r=PASS || r=FAIL
check $r sim-refused "exit $rc: $(head -1 /tmp/xf-sim.out)"
cat >/tmp/xf-mock-only.lua <<'LUA'
scenario { name = "mock-only", description = "a disk model", mode = "real" }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M",
       model = { latency_us = 100 } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }
LUA
$XF run --platform xen --mode real /tmp/xf-mock-only.lua >/tmp/xf-mo.out 2>&1
rc=$?
grep -q '^/tmp/xf-mock-only.lua:4: disk .d0.: model.latency_us' /tmp/xf-mo.out &&
	[ $rc -eq 2 ] && r=PASS || r=FAIL
check $r mock-only-refused "exit $rc: $(head -1 /tmp/xf-mo.out)"

# The scenarios.
$XF run --platform xen --mode real $DIR --json $JSON --no-color
rc=$?
[ $rc -eq 0 ] && r=PASS || r=FAIL
check $r run "xfront run --platform xen --mode real: exit $rc ($n scenarios)"
# No jq in dom0: the top-level counts and the results' platform.
p=$(grep -o '"passed": *[0-9]*' $JSON 2>/dev/null | grep -o '[0-9]*$')
f=$(grep -o '"failed": *[0-9]*' $JSON 2>/dev/null | grep -o '[0-9]*$')
pl=$(grep -o '"platform": *"xen"' $JSON 2>/dev/null | wc -l)
[ "${p:-0}" -eq "$n" ] && [ "${f:-1}" -eq 0 ] && [ "$pl" -eq "$n" ] &&
	r=PASS || r=FAIL
check $r json "passed=$p failed=$f of $n, $pl on platform xen"
# Nothing left behind: backend directories, loop devices, images.
left=$( (xenstore-ls /local/domain/0/backend/vbd;
	xenstore-ls /local/domain/0/device/vbd-user) 2>/dev/null |
	grep -c 'frontend\|backend')
# xfront attaches its loop devices with autoclear: the kernel detaches
# each one when blkback, which lets go asynchronously after its
# directory is removed, closes it. Give the kernel a few seconds.
i=0
while loops=$(grep -c ' loop' /proc/partitions 2>/dev/null)
	[ "${loops:-0}" -gt "${loops0:-0}" ] && [ $i -lt 15 ]; do
	sleep 1
	i=$((i + 1))
done
imgs=$(ls /tmp/xfront-* 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && [ "$imgs" -eq 0 ] &&
	[ "${loops:-0}" -eq "${loops0:-0}" ] && r=PASS || r=FAIL
check $r cleanup "xenstore vbd entries=$left loop partitions=$loops (before the run $loops0, detached after ${i}s) images=$imgs"
echo "XF-RESULT $([ $failed -eq 0 ] && echo PASS || echo FAIL) $T checks=5 failed=$failed"
exit $failed
