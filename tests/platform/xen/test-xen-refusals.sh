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
