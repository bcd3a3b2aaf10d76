#!/bin/sh
# Expectation semantics: job scoping by name boundary, a scope that
# completed no I/O failing instead of passing every "at most" check, a
# reconnect that never completed (null in JSON, a line of its own), and
# the reason an unplugged disk stopped.
# usage: test-expect.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
cat > prefix.lua <<'EOF'
scenario { name = "prefix", description = "job rr is not rr1", duration = "200ms" }
vm { name = "vm0", vcpus = 2 }
disk { name = "d0", vm = "vm0", size = "16M", model = { latency_us = 20 } }
disk { name = "d1", vm = "vm0", size = "16M", model = { latency_us = 50000 } }
job { name = "rr", disk = "d0", rw = "randread", iodepth = 1 }
job { name = "rr1", disk = "d1", rw = "randread", iodepth = 1 }
expect { job = "rr", pause_max_ms = 10 }
EOF
# Two VMs with a disk each; only vm0 runs a job (lines 2-6).
idle_vm1() {
	echo 'vm { name = "vm0" }'
	echo 'vm { name = "vm1" }'
	echo 'disk { name = "d0", vm = "vm0", size = "16M" }'
	echo 'disk { name = "d1", vm = "vm1", size = "16M" }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
}
{
	echo 'scenario { name = "noio", description = "a VM that ran nothing", duration = "50ms" }'
	idle_vm1
	echo 'expect { vm = "vm0", hangs = 0 }'
	echo 'expect { vm = "vm1", hangs = param("hangs", 0) }'
} > noio.lua
{
	echo 'scenario { name = "noio-ok", description = "no I/O is what is expected", duration = "50ms" }'
	idle_vm1
	echo 'expect { vm = "vm1", iops_max = 0, hangs = 0 }'
	echo 'expect { vm = "vm1", leaks = 0 }'
} > noio-ok.lua

"$XF" run prefix.lua > out.txt 2>&1; rc=$?
check "job rr is scoped without rr1 (pause of rr1 not counted)" "[ $rc -eq 0 ]"
check "the rr pause is rr's own" \
	"grep -q 'PASS  longest I/O pause ms\[rr\] <= 10' out.txt"

"$XF" run noio.lua > out.txt 2>&1; rc=$?
check "a VM that completed no I/O fails hangs = 0" "[ $rc -eq 1 ]"
check "the failure names the empty scope and the line" \
	"grep -q 'FAIL  completed I/Os\[vm1\] > 0 .*nothing ran.*(line 8)' out.txt"
check "the VM that ran still passes" \
	"grep -q 'PASS  hung I/Os\[vm0\] <= 0' out.txt"

"$XF" run noio-ok.lua > out.txt 2>&1; rc=$?
check "iops_max (or keys not about block I/O) allow an empty scope" \
	"[ $rc -eq 0 ]"

# The backend comes back, then stalls before answering anything.
{
	echo 'scenario { name = "never", description = "a reconnect after which nothing completed", duration = "100ms", timeout = "1s" }'
	echo 'vm { name = "vm0" }'
	echo 'disk { name = "d0", vm = "vm0", size = "16M", model = { latency_us = 1000 } }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
	echo 'fault { at = "20ms", action = "restart_backend", target = "d0", duration = "5ms" }'
	echo 'fault { at = "25500us", action = "stall_backend", target = "d0" }'
	echo 'expect { hangs = 1 }'
} > never.lua
"$XF" run never.lua --json never.json > out.txt 2>&1; rc=$?
check "a reconnect that never completed fails a block bounding hangs" \
	"[ $rc -eq 1 ] && grep -q 'FAIL  reconnects never completed <= 0 *measured 1' out.txt"
check "the summary says never" \
	"grep -q 'reconnect: never completed on 1 disk(s)' out.txt"
check "the JSON has no time for it" \
	"grep -q '\"reconnect_max_ns\": *null' never.json && grep -q '\"reconnects_never_completed\": *1' never.json"

{
	echo 'scenario { name = "unplugged", description = "the toolstack detaches the disk", duration = "100ms" }'
	vm_disk_job ''
	echo 'fault { at = "20ms", action = "unplug", target = "d0" }'
	echo 'expect { hangs = 0, io_errors_min = 1 }'
} > unplugged.lua
"$XF" run unplugged.lua --json unplugged.json > out.txt 2>&1; rc=$?
check "an unplug fails the I/O, nothing hangs" "[ $rc -eq 0 ]"
check "the summary says why the disk stopped" \
	"grep -q 'd0 unplugged: unplugged by the toolstack: .*/online = 0, backend state Closing' out.txt"
check "so does the JSON" \
	"grep -q '\"state\": *\"unplugged\"' unplugged.json"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
