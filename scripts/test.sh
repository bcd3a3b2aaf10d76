#!/bin/sh
# Builds xfront and runs the whole test suite (unit, abi, scenario, xen...).
# Usage: scripts/test.sh [BUILD_DIR] [extra meson setup options...]
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh

build=${1:-build}
[ $# -gt 0 ] && shift
if [ -d "$build/meson-private" ]; then
	meson setup --reconfigure "$build" "$@" >/dev/null
else
	meson setup "$build" "$@" >/dev/null
fi
ninja -C "$build"
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 || status=$?
python3 scripts/test-summary.py "$build/meson-logs/testlog.json"
exit $status
