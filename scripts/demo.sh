#!/bin/sh
# Builds xfront and runs the default scenario set against the mock
# backend in sim mode; prints the summary and writes report/index.html.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ ! -d build/meson-private ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
exec build/harness/xfront run scenarios/default/ --report report "$@"
