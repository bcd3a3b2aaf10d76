#!/bin/sh
# Installs the Debian 12 packages xfront needs to build, test and report.
# Does nothing when they are all present; needs root (or sudo) otherwise.
set -eu

PKGS="gcc pkg-config meson ninja-build check libsubunit-dev
libxen-dev liblua5.4-dev libpcap-dev libjson-c-dev gcc-multilib
gnuplot-nox jq tshark libxml2-utils valgrind man-db groff-base
qemu-system-x86 busybox-static cpio kmod
chromium"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "xfront: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
