#!/bin/sh
# --platform xen refuses what only the mock platform has, before anything
# runs, with file:line and exit 2; no dom0 needed (nothing runs).
# usage: test-xen-refusals.sh path/to/xfront path/to/scenarios/xen
set -u
SCN=$(cd "$2" && pwd)
. "$(dirname "$0")/../../lib/xt.sh"

head='scenario { name = "x", description = "refusal", duration = "50ms" }
vm { name = "vm0" }'
# refused NAME WANT BODY: BODY (after the two lines above) must give
# exit 2 and a first error line starting with WANT, and run nothing.
refused() {
	printf '%s\n%s\n' "$head" "$3" > "$1.lua"
	"$XF" run --platform xen --mode real "$1.lua" > out.txt 2> err.txt
	rc=$?
	if [ $rc -eq 2 ] && head -1 err.txt | grep -q "^$1.lua:$2" &&
	   [ ! -s out.txt ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: exit $rc: $(head -1 err.txt)"
		fails=$((fails + 1))
	fi
}
ok_disk='disk { name = "d0", vm = "vm0", size = "16M" }
job { name = "j", disk = "d0" }'

refused model "3: disk 'd0': model.latency_us: disk models are mock-only" \
'disk { name = "d0", vm = "vm0", model = { latency_us = 5 } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }'
refused backend "4: disk 'd0': backend.persistent_grants: backend features are mock-only" \
'disk { name = "d0", vm = "vm0",
  backend = { persistent_grants = false } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }'
refused sector "3: disk 'd0': sector_size" \
'disk { name = "d0", vm = "vm0", sector_size = 4096 }
job { name = "j", disk = "d0", bs = "4k" }
expect { iops_min = 1 }'
refused fault "5: fault: faults act on mock backends" \
"$ok_disk
fault { at = \"10ms\", action = \"power_cut\", target = \"d0\" }
expect { iops_min = 1 }"
refused setstate "5: fault: set_backend_state: the kernel's backend keeps its own state" \
"$ok_disk
fault { at = \"10ms\", action = \"set_backend_state\", target = \"d0\", state = \"closed\" }
expect { iops_min = 1 }"
refused unplug "5: fault: unplug: the engine drives no toolstack" \
"$ok_disk
fault { at = \"10ms\", action = \"unplug\", target = \"d0\" }
expect { iops_min = 1 }"
refused closefe "5: fault: close_frontend: faults run on the mock platform" \
"$ok_disk
fault { at = \"10ms\", action = \"close_frontend\", target = \"d0\" }
expect { iops_min = 1 }"
refused initial "4: disk 'd0': backend.initial_state: backend features are mock-only" \
'disk { name = "d0", vm = "vm0",
  backend = { initial_state = "connected" } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }'
refused delay "4: disk 'd0': backend.handshake_delay: backend features are mock-only" \
'disk { name = "d0", vm = "vm0",
  backend = { handshake_delay = "5ms" } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }'
refused hook "5: hook: hooks act on mock backends" \
"$ok_disk
on_flush(1, function(ctx) ctx:power_cut(\"d0\") end)
expect { iops_min = 1 }"
refused budget "3: host 'h0': storage_iops is mock-only" \
"host { name = \"h0\", storage_iops = 100 }
$ok_disk
expect { iops_min = 1 }"
refused link "3: host 'h0': link_gbps is mock-only" \
"host { name = \"h0\", link_gbps = 1 }
$ok_disk
expect { iops_min = 1 }"
refused hostnet "3: host 'h0': net is mock-only" \
"host { name = \"h0\", net = { gso_tcpv4 = false } }
$ok_disk
expect { iops_min = 1 }"
refused twohosts "4: host 'h1': one host only" \
"host { name = \"h0\" }
host { name = \"h1\" }
$ok_disk
expect { iops_min = 1 }"
refused leaks "5: expect: leaks:" \
"$ok_disk
expect { leaks = 0 }"
refused durability "5: expect: durability: needs a power cut" \
"$ok_disk
expect { durability = \"ok\" }"
refused vif "3: vif 'v0': network objects" \
'vif { name = "v0", vm = "vm0" }
vif { name = "v1", vm = "vm0" }
flow { name = "f", from = "v0", to = "v1", proto = "udp" }
expect { bad_checksums = 0 }'
refused vif-lenient "5: vif 'v0': backend.lenient.tx_cross_page: the kernel's xen-netback cannot be made lenient" \
'vif { name = "v0", vm = "vm0",
  backend = { csum_offload = true,
    lenient = { tx_cross_page = true } } }
vif { name = "v1", vm = "vm0" }
flow { name = "f", from = "v0", to = "v1", proto = "udp" }
expect { bad_checksums = 0 }'
refused hostile "4: disk 'd0': backend.hostile: the kernel's blkback cannot be made to break the ring protocol" \
'disk { name = "d0", vm = "vm0",
  backend = { hostile = "wrong-op", hostile_after = 10 } }
job { name = "j", disk = "d0" }
expect { iops_min = 1 }'
refused host-hostile "3: host 'h0': blk.hostile: the kernel's blkback cannot be made to break the ring protocol" \
"host { name = \"h0\", blk = { hostile = \"id-duplicate\" } }
$ok_disk
expect { iops_min = 1 }"
refused host-lenient "3: host 'h0': net.lenient.csum_fill: the kernel's xen-netback cannot be made lenient" \
"host { name = \"h0\", net = { lenient = { csum_fill = false } } }
$ok_disk
expect { iops_min = 1 }"

# Every problem of a file in one run, not one per rerun: a disk with a
# model and backend keys, a fault, a hook and a mock-only expectation.
printf '%s\n%s\n' "$head" 'disk { name = "d0", vm = "vm0", model = { latency_us = 5 },
  backend = { persistent_grants = false } }
job { name = "j", disk = "d0" }
fault { at = "10ms", action = "power_cut", target = "d0" }
on_flush(1, function(ctx) ctx:power_cut("d0") end)
expect { iops_min = 1, leaks = 0 }' > many.lua
"$XF" run --platform xen --mode real many.lua > out.txt 2> err.txt
rc=$?
check "every problem of a file is reported at once" \
	"[ $rc -eq 2 ] && [ ! -s out.txt ] &&
	 grep -q '^many.lua:3: disk .d0.: model.latency_us' err.txt &&
	 grep -q '^many.lua:4: disk .d0.: backend.persistent_grants' err.txt &&
	 grep -q '^many.lua:6: fault: faults act' err.txt &&
	 grep -q '^many.lua:7: hook: hooks act' err.txt &&
	 grep -q '^many.lua:8: expect: leaks' err.txt &&
	 [ \$(grep -c 'platform xen' err.txt) -eq 5 ]"

# --skip-unsupported: the refused file becomes a SKIP with its reason,
# in the terminal, the JSON and the JUnit file; without a dom0 the
# runnable one then fails to open the platform (exit 2), which proves
# it was the one taken to run.
printf '%s\n%s\n' "$head" "$ok_disk
expect { iops_min = 1 }" > runnable.lua
"$XF" run --platform xen --mode real --skip-unsupported many.lua \
	--json sk.json --junit sk.xml > out.txt 2> err.txt
rc=$?
check "--skip-unsupported lists a refused file as SKIP with its reason" \
	"[ $rc -eq 2 ] && grep -q '^SKIP many.lua: many.lua:4: disk .d0.: backend' out.txt &&
	 ! grep -q '^many.lua:' err.txt"
check "--skip-unsupported puts the skip in the JSON" \
	"python3 -c 'import json,sys; s=json.load(open(\"sk.json\"))[\"skipped\"]; sys.exit(not (len(s) == 1 and s[0][\"path\"] == \"many.lua\" and s[0][\"reason\"].startswith(\"many.lua:4: disk\")))'"
check "--skip-unsupported puts the skip in the JUnit file" \
	"grep -q 'skipped=\"1\"' sk.xml && grep -q '<skipped message=\"many.lua:4:' sk.xml"
if [ -e /proc/xen/capabilities ] && grep -q control_d /proc/xen/capabilities; then
	echo "ok - # SKIP --skip-unsupported runs the rest: this is a dom0"
else
	"$XF" run --platform xen --mode real --skip-unsupported many.lua \
		runnable.lua > out.txt 2> err.txt
	rc=$?
	check "--skip-unsupported runs the runnable file" \
		"[ $rc -eq 2 ] && grep -q '^SKIP many.lua' out.txt &&
		 grep -q 'cannot open the xen platform' err.txt"
fi

# sim mode is refused for the whole command line.
"$XF" run --platform xen "$SCN" > out.txt 2> err.txt
rc=$?
if [ $rc -eq 2 ] && grep -q 'needs --mode real' err.txt && [ ! -s out.txt ]; then
	echo "ok - sim refused"
else
	echo "not ok - sim refused: exit $rc"
	fails=$((fails + 1))
fi
# The shipped xen scenarios pass the check: without a dom0 they get as
# far as opening the platform (exit 2 with the reason), never file:line.
if [ -e /proc/xen/capabilities ] && grep -q control_d /proc/xen/capabilities; then
	echo "ok - # SKIP shipped scenarios: this is a dom0 (xen-dom0-xfront runs them)"
else
	"$XF" run --platform xen --mode real "$SCN" > out.txt 2> err.txt
	rc=$?
	if [ $rc -eq 2 ] && grep -q 'cannot open the xen platform' err.txt &&
	   ! grep -q '\.lua:[0-9]' err.txt; then
		echo "ok - shipped scenarios pass the check"
	else
		echo "not ok - shipped scenarios: exit $rc: $(head -1 err.txt)"
		fails=$((fails + 1))
	fi
fi
echo "$fails failed"
[ $fails -eq 0 ]
