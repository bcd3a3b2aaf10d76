#!/bin/sh
# Regenerates the list in docs/counters.md from `xfront list counters`:
# the lines between the two marker comments are replaced by the output
# in a fenced block. The harness-list-counters test fails while they
# differ.
#   scripts/counters-doc.sh [XFRONT [DOC]]
# XFRONT defaults to build/harness/xfront, DOC to docs/counters.md (both
# from the source tree's top).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
xf=${1:-$top/build/harness/xfront}
doc=${2:-$top/docs/counters.md}
begin='<!-- begin: xfront list counters -->'
end='<!-- end: xfront list counters -->'

grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc" || {
	echo "$doc: the marker lines '$begin' and '$end' are missing" >&2
	exit 1
}
list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
"$xf" list counters >"$list"
awk -v b="$begin" -v e="$end" -v list="$list" '
	$0 == b { print; print "```"; while ((getline l < list) > 0) print l
		  print "```"; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$doc" >"$out"
cat "$out" >"$doc"
