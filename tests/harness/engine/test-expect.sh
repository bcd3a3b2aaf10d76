#!/bin/sh
# Expectation semantics: job scoping by name boundary, and a scope that
# completed no I/O failing instead of passing every "at most" check.
# usage: test-expect.sh path/to/xfront
set -u
. "$(dirname "$0")/../cli-lib.sh" "$1"
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

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
