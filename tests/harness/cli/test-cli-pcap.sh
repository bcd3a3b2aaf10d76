#!/bin/sh
# --pcap: one capture directory per run (scenario[.variant]), so files
# and variants do not overwrite each other; two files with one scenario
# name are refused before anything runs; a capture of a run killed
# outright (SIGKILL) is readable up to its last whole frame.
# usage: test-cli-pcap.sh path/to/xfront
set -u
. "$(dirname "$0")/../../lib/xt.sh"
# flows NAME DURATION: two vifs on br0 and a UDP flow between them.
flows() {
	echo "scenario { name = \"$1\", description = \"a flow\", duration = \"$2\" }"
	echo 'variants { "a", "b" }'
	echo 'vm { name = "vm0" }'
	echo 'vm { name = "vm1" }'
	echo 'vif { name = "v0", vm = "vm0" }'
	echo 'vif { name = "v1", vm = "vm1" }'
	echo 'flow { name = "f", from = "v0", to = "v1", proto = "udp", rate = "50M" }'
	echo 'expect { bad_checksums = 0 }'
}
flows net 20ms > net.lua
flows other 20ms > other.lua
"$XF" run net.lua other.lua --pcap cap > out.txt 2>&1; rc=$?
check "every run captures into a directory of its own" \
	"[ $rc -eq 0 ] && for d in net.a net.b other.a other.b; do
	   [ -s cap/\$d/br0.pcap ] && [ -s cap/\$d/v0.pcap ] || exit 1; done"
mkdir again && flows net 20ms > again/net.lua
"$XF" run net.lua again/net.lua --pcap cap2 > out.txt 2>&1; rc=$?
check "two files with one scenario name are refused with --pcap" \
	"[ $rc -eq 2 ] && grep -q 'again/net.lua:1: --pcap: scenario .net. is also the name of net.lua' out.txt &&
	 ! grep -q '^PASS' out.txt"

# A killed capture has its file header and well-formed records up to
# its end; only the last may be cut (a fatal signal can cut a write to
# a file short at a page boundary, whatever the writer does).
pcap_whole() {
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
assert len(b) >= 24 and struct.unpack('<I', b[:4])[0] == 0xa1b2c3d4
o, n = 24, 0
while o + 16 <= len(b):
    caplen, wire = struct.unpack('<II', b[o + 8:o + 16])
    assert caplen <= 65535 and caplen <= wire, 'bad record at %d' % o
    if o + 16 + caplen > len(b):
        break  # the last record, cut by the kill
    o += 16 + caplen
    n += 1
assert n > 0, 'no whole frame'
PY
}
flows long 30s > long.lua
"$XF" run long.lua --variant a --mode real --pcap kcap > out.txt 2>&1 &
pid=$!
i=0
# Wait until the capture has grown past a few stdio buffers' worth.
while [ $i -lt 100 ]; do
	sz=$(stat -c %s kcap/long.a/br0.pcap 2>/dev/null || echo 0)
	[ "$sz" -gt 1000000 ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -KILL $pid
wait $pid 2>/dev/null
check "a capture killed with SIGKILL is readable up to its last whole frame" \
	"pcap_whole kcap/long.a/br0.pcap && pcap_whole kcap/long.a/v0.pcap"
echo "$fails failed"
[ $fails -eq 0 ]
