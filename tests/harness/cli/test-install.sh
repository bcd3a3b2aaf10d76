#!/bin/sh
# `meson install` puts a working xfront and both man pages under the
# prefix, as the README says, so `xfront` runs by name.
# usage: test-install.sh path/to/xfront BUILD_DIR
set -u
B=$(cd "$2" && pwd)
. "$(dirname "$0")/../../lib/xt.sh"
meson install --no-rebuild -C "$B" --destdir "$T/root" --quiet \
	> out.txt 2>&1; rc=$?
check "meson install succeeds" "[ $rc -eq 0 ]"
bin=$(find "$T/root" -path '*/bin/xfront' -type f | head -1)
check "xfront is installed into a bin directory" "[ -n \"$bin\" ] && [ -x \"$bin\" ]"
PATH=$(dirname "${bin:-/nonexistent/x}"):$PATH xfront --version > out.txt 2>&1
rc=$?
check "the installed xfront runs by name" \
	"[ $rc -eq 0 ] && grep -q '^xfront ' out.txt"
check "both man pages are installed" \
	"[ -n \"\$(find '$T/root' -path '*/man1/xfront.1')\" ] &&
	 [ -n \"\$(find '$T/root' -path '*/man5/xfront-scenario.5')\" ]"
echo "$fails failed"
[ $fails -eq 0 ]
