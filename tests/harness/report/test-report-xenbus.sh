#!/bin/sh
# The xenbus dance in the reports: results[].xenbus (every state write of
# each device, both sides, in order) and results[].wedges in the JSON,
# the wedge line in the summary, and in the HTML page a timeline per
# device (a table of the writes; a step plot with gnuplot) and the wedge.
# usage: test-report-xenbus.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
cat > dance.lua <<'XEOF'
scenario { name = "dance", description = "a disk that connects and one that wedges", duration = "20ms" }
variants { "normal", "stuck" }
vm { name = "vm0" }
disk { name = "d0", vm = "vm0", size = "16M", connect_timeout = "100ms",
       backend = { path = variant == "stuck" and "stuck-initwait" or "normal" } }
job { name = "rr", disk = "d0", rw = "randread" }
expect { iops_max = 1e9 }
XEOF
"$XF" run dance.lua --json out.json --report rep > out.txt 2>&1; rc=$?
check "the wedged variant fails the run (exit 1)" "[ $rc -eq 1 ]"
check "the summary names the wedge" \
	"grep -q 'wedged: d0: frontend Initialised, backend InitWait, no state change for 5 s' out.txt"
check "the default expectation fails with the device's line" \
	"grep -q 'FAIL  wedged\[d0\] <= 0 (default) .*(line 4)' out.txt"
python3 - > json.txt 2>&1 <<'PYEOF'
import json
doc = json.load(open("out.json"))
res = {r["variant"]: r for r in doc["results"]}
def seq(r):
    return " ".join("%s:%s" % (e["side"], e["state"]) for e in r["xenbus"]["d0"])
n, s = res["normal"], res["stuck"]
assert seq(n) == ("frontend:Initialising backend:Initialising "
                  "frontend:Initialising backend:InitWait "
                  "frontend:Initialised backend:Connected "
                  "frontend:Connected"), seq(n)
assert all(isinstance(e["t_ns"], int) for e in n["xenbus"]["d0"])
t = [e["t_ns"] for e in n["xenbus"]["d0"]]
assert t == sorted(t), t
assert n["wedges"] == [], n["wedges"]
assert seq(s).endswith("backend:InitWait frontend:Initialised"), seq(s)
assert s["wedges"] == [{"device": "d0", "frontend": "Initialised",
                        "backend": "InitWait", "idle_ns": 5000000000,
                        "text": "d0: frontend Initialised, backend "
                                "InitWait, no state change for 5 s"}], s["wedges"]
print("json ok")
PYEOF
check "JSON: results[].xenbus and results[].wedges" "grep -q 'json ok' json.txt || { cat json.txt; false; }"
check "HTML: a timeline table per device and variant" \
	"grep -q 'id=\"xenbus-normal-d0\"' rep/index.html && grep -q 'id=\"xenbus-stuck-d0\"' rep/index.html"
check "HTML: the timeline lists the backend's InitWait in bold" \
	"grep -q '<td><b>InitWait</b></td>' rep/index.html"
check "HTML: the wedge is shown" \
	"grep -q 'class=fail>wedged: d0: frontend Initialised, backend InitWait' rep/index.html"
if command -v gnuplot > /dev/null; then
	check "HTML: a step plot per device and variant" \
		"[ \$(grep -c '<title>xenbus d0 (normal)</title>\|>xenbus d0 (normal)<' rep/index.html) -ge 1 ] && grep -q 'xenbus d0 (stuck)' rep/index.html"
fi
exit $fails
