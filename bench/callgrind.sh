#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Instructions per request of xfront's ring against Xen's ring.h macros,
# counted by callgrind in bench-ring's single-thread mode. Instruction
# counts do not depend on the machine's load or host placement, so they
# are the regression metric where timings are noisy.
#
# Each implementation runs twice, with N and 2N requests; start-up and
# tear-down cancel in Ir(2N) - Ir(N), divided by N.
#
# Usage: callgrind.sh BENCH_RING [--count N] [--qd N] [--max-ratio R]
#   --max-ratio R  exit 1 when xfront (ring + codec) needs more than R
#                  times the instructions per request of Xen's macros in
#                  the same run (a ratio of instruction counts, not time)
# Exit 77 (skip) when valgrind or the Xen comparator is missing.
set -eu

usage() {
	echo "usage: $0 BENCH_RING [--count N] [--qd N] [--max-ratio R]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
bench=$1
shift
count=100000
qd=32
max_ratio=
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--count) count=$2 ;;
	--qd) qd=$2 ;;
	--max-ratio) max_ratio=$2 ;;
	*) usage ;;
	esac
	shift 2
done

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed (apt-get install valgrind)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Counting needs no debug info, and older valgrind cannot read some
# compilers' (clang's DWARF 5): count on a stripped copy when possible.
if command -v objcopy >/dev/null 2>&1 &&
	objcopy --strip-debug "$bench" "$tmp/bench-ring" 2>/dev/null; then
	bench=$tmp/bench-ring
fi

# Ir of one run of IMPL with N requests, from callgrind's summary line.
irefs() {
	log=$tmp/log
	set +e
	valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
		"$bench" --mode st --impl "$1" --rounds 1 --count "$2" \
		--qd "$qd" >"$tmp/stdout" 2>"$log"
	rc=$?
	set -e
	if [ $rc -eq 77 ]; then
		echo "SKIP: $(cat "$log" | tail -n 1)"
		exit 77
	fi
	if [ $rc -ne 0 ]; then
		echo "callgrind run of $1 failed (exit $rc):" >&2
		cat "$tmp/stdout" "$log" >&2
		exit 1
	fi
	sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log"
}

per_request() {
	a=$(irefs "$1" "$count")
	b=$(irefs "$1" $((2 * count)))
	if [ -z "$a" ] || [ -z "$b" ]; then
		echo "could not read callgrind's instruction count" >&2
		exit 1
	fi
	awk -v a="$a" -v b="$b" -v n="$count" \
		'BEGIN { printf "%.1f", (b - a) / n }'
}

xen=$(per_request xen-macros)
xf=$(per_request xfront)
xfr=$(per_request xfront-ring)

ratio=$(awk -v x="$xf" -v y="$xen" 'BEGIN { printf "%.2f", x / y }')
ratio_ring=$(awk -v x="$xfr" -v y="$xen" 'BEGIN { printf "%.2f", x / y }')
echo "callgrind Ir/request, single thread, qd=$qd, N=$count vs 2N:"
echo "  xen-macros   $xen"
echo "  xfront       $xf  (ring + blkif codec)  ratio $ratio"
echo "  xfront-ring  $xfr  (ring core only)      ratio $ratio_ring"

if [ -n "$max_ratio" ]; then
	if awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
		echo "FAIL: xfront needs ${ratio}x the instructions per" \
			"request of Xen's macros; threshold ${max_ratio}x"
		exit 1
	fi
	echo "PASS: xfront/xen-macros instruction ratio $ratio <= threshold" \
		"${max_ratio}x"
fi
