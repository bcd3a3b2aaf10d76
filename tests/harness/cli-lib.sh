# Sourced by the CLI test scripts: . "$(dirname "$0")/../cli-lib.sh" "$1"
# XF is the xfront binary (absolute), the working directory a fresh
# scratch directory removed on exit; check NAME CMD prints a TAP-like
# line and counts failures in fails.
XF=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
cd "$T" || exit 1

# The middle of most test scenarios: vm0 (with extra keys such as
# ', vcpus = 1'), its 16M disk d0 and a randread job rr on it.
vm_disk_job() {
	echo "vm { name = \"vm0\"$1 }"
	echo 'disk { name = "d0", vm = "vm0", size = "16M" }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
}
