#!/bin/sh
# A run that ends with work left shows each stuck device as it was:
# both xenbus states, ring indices from both sides, the oldest requests
# with their age, grants and the event channel; in the terminal (short)
# and the JSON. A clean run has no such record.
# usage: test-stuck.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
{
	echo 'scenario { name = "hang", description = "a backend stalled for good", duration = "50ms" }'
	echo 'vm { name = "vm0" }'
	echo 'disk { name = "d0", vm = "vm0", size = "16M" }'
	echo 'job { name = "rr", disk = "d0", rw = "randread", iodepth = 4 }'
	echo 'fault { at = "10ms", action = "stall_backend", target = "d0", duration = "1h" }'
	echo 'expect { hangs = 0 }'
} > hang.lua
"$XF" run hang.lua --json hang.json > out.txt 2>&1; rc=$?
check "a hung disk is listed in the summary with its states and ring" \
	"[ $rc -eq 1 ] && grep -q 'stuck: disk d0 (4 hung I/Os): frontend Connected (connected), backend Connected' out.txt &&
	 grep -q 'q0: req_prod=[0-9]* req_cons=[0-9]* .* 4 in flight, oldest id [0-9]* read' out.txt"
check "the JSON has the whole dump: indices both sides, 4 oldest reads, grants, port" \
	"python3 - hang.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))['results'][0]['stuck']
assert len(s) == 1 and s[0]['device'] == 'd0' and s[0]['why'] == '4 hung I/Os'
assert s[0]['frontend_state'] == 'Connected' and s[0]['backend_state'] == 'Connected'
q = s[0]['queues'][0]
g = q['rings'][0]
# The backend took every request and answered none since the stall.
assert g['req_cons'] == g['req_prod'] and g['rsp_prod'] == g['req_prod'] - 4
assert g['rsp_cons'] == g['rsp_prod'] and g['backend_inflight'] == 4
assert q['inflight'] == 4 and len(q['oldest']) == 4
assert all(o['op'] == 'read' and o['age_ns'] > 0 for o in q['oldest'])
assert q['grants'] >= 1 and q['port'] > 0
assert q['evtchn_pending'] is False and q['evtchn_masked'] is False
PY"
{
	echo 'scenario { name = "vhang", description = "a receiver suspended for good", duration = "50ms" }'
	echo 'vm { name = "vm0" }'
	echo 'vm { name = "vm1" }'
	echo 'vif { name = "v0", vm = "vm0" }'
	echo 'vif { name = "v1", vm = "vm1" }'
	echo 'flow { name = "f", from = "v0", to = "v1", proto = "udp", rate = "50M" }'
	echo 'at("10ms", function(ctx) ctx:suspend("vm1") end)'
	echo 'expect { bad_checksums = 0 }'
} > vhang.lua
"$XF" run vhang.lua --json vhang.json > out.txt 2>&1; rc=$?
check "a vif under an undelivered flow is listed with the stale state key" \
	"[ $rc -eq 1 ] && grep -q 'stuck: vif v1 (not connected when the run stopped, a flow through it undelivered): frontend Connected (suspended), backend Connected' out.txt"
{
	echo 'scenario { name = "fine", description = "nothing stuck", duration = "20ms" }'
	vm_disk_job ''
	echo 'expect { hangs = 0 }'
} > fine.lua
"$XF" run fine.lua --json fine.json > out.txt 2>&1; rc=$?
check "a clean run has no stuck devices" \
	"[ $rc -eq 0 ] && ! grep -q stuck: out.txt &&
	 python3 -c 'import json; assert json.load(open(\"fine.json\"))[\"results\"][0][\"stuck\"] == []'"
# A wedged handshake is dumped too: the backend stuck in InitWait and
# the frontend at Initialised, with the ring it granted.
{
	echo 'scenario { name = "wedge", description = "a backend stuck in InitWait", duration = "20ms" }'
	echo 'vm { name = "vm0" }'
	echo 'disk { name = "d0", vm = "vm0", size = "16M", connect_timeout = "100ms",'
	echo '       backend = { path = "stuck-initwait" } }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
	echo 'expect { iops_max = 1e9 }'
} > wedge.lua
"$XF" run wedge.lua > out.txt 2>&1; rc=$?
check "a wedged disk is dumped with both states and its ring" \
	"[ $rc -eq 1 ] && grep -q 'stuck: disk d0 (wedged: d0: frontend Initialised, backend InitWait' out.txt &&
	 grep -q 'q0: req_prod=0 ' out.txt"

# A flow whose sending vif is unplugged stops being refused in a tight
# loop: the sim run ends at its duration (it spun for ever before).
{
	echo 'scenario { name = "unplugtx", description = "the sending vif is unplugged mid-flow", duration = "50ms" }'
	echo 'vm { name = "vm0" }'
	echo 'vm { name = "vm1" }'
	echo 'vif { name = "v0", vm = "vm0" }'
	echo 'vif { name = "v1", vm = "vm1" }'
	echo 'flow { name = "f", from = "v0", to = "v1", proto = "udp", rate = "50M" }'
	echo 'fault { at = "10ms", action = "unplug", target = "v0" }'
	echo 'expect { bad_checksums = 0 }'
} > unplugtx.lua
timeout 60 "$XF" run unplugtx.lua > out.txt 2>&1; rc=$?
check "a flow from an unplugged vif ends with the run" \
	"[ $rc -eq 0 ] && grep -q '^PASS unplugtx' out.txt"
echo "$fails failed"
[ $fails -eq 0 ]
