#!/bin/sh
# The HTML report renders in a real browser with its plots: headless
# Chromium loads the self-contained page and we count the SVG plots in
# the rendered DOM, the xenbus timelines included.
# usage: test-report-html.sh path/to/xfront
set -u
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: chromium is not installed (Debian package: chromium)"
	exit 77
fi
if ! command -v gnuplot > /dev/null; then
	echo "SKIP: gnuplot is not installed (Debian package: gnuplot-nox)"
	exit 77
fi
. "$(dirname "$0")/../../lib/xt.sh"
cat > two.lua <<'EOF'
-- broken vs fixed side by side
scenario { name = "two", description = "two variants for the report", duration = "100ms" }
variants { "broken", "fixed" }
vm { name = "vm0", vcpus = 2, completion = pick { broken = "vcpu0", fixed = "driver" },
     preparation = "spread", completion_cost_us = 20 }
disk { name = "d0", vm = "vm0", size = "16M", backend = { queues = 2 } }
job { name = "rr", disk = "d0", rw = "randread", iodepth = 8, numjobs = 2 }
expect { iops_min = 1000 }
EOF
"$XF" run two.lua --report rep > out.txt || { cat out.txt; exit 1; }
[ -s rep/index.html ] || { echo "no report written"; exit 1; }
if grep -q 'src="http\|href="http' rep/index.html; then
	echo "report is not self-contained"; exit 1
fi
# HOME: chromium wants a writable profile directory
HOME="$T" timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	--disable-dev-shm-usage --user-data-dir="$T/profile" \
	--dump-dom "file://$T/rep/index.html" > dom.html 2> chromium.log
if [ ! -s dom.html ]; then
	echo "chromium rendered nothing:"; cat chromium.log; exit 1
fi
svgs=$(grep -o '<svg' dom.html | wc -l)
echo "rendered DOM has $svgs svg elements"
fails=0
[ "$svgs" -ge 3 ] || { echo "expected 3 plots"; fails=1; }
for t in "Completion latency CDF" "IOPS over time" "Completion share per vCPU" \
	"xenbus d0 (broken)" "xenbus d0 (fixed)"; do
	grep -q "$t" dom.html || { echo "plot missing: $t"; fails=1; }
done
for v in broken fixed; do
	grep -q "<title>$v</title>\|>$v<" dom.html || { echo "variant $v missing"; fails=1; }
done
grep -q 'class="pass">PASS' dom.html || { echo "verdict missing"; fails=1; }
grep -q 'id="xenbus-fixed-d0"' dom.html || { echo "xenbus timeline table missing"; fails=1; }
exit $fails
