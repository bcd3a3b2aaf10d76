# The shell tests' counterpart of xt.h, sourced after `set -u` with the
# xfront binary as $1:
#	. "$(dirname "$0")/../../lib/xt.sh"
# gives XF (that binary's absolute path), a scratch directory T that is
# the working directory and is removed at exit (kept when XT_KEEP is
# set, to look at after a failure), and check lines
# ("ok - NAME" / "not ok - NAME") with the failures counted in fails.
XF=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
T=$(mktemp -d)
trap '[ -n "${XT_KEEP:-}" ] || rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
# check NAME CONDITION: CONDITION is eval'ed.
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
cd "$T" || exit 1

# The middle of most scenario files the harness tests write: vm0 (with
# extra keys such as ', vcpus = 1'), its 16M disk d0 and a randread job
# rr on it.
vm_disk_job() {
	echo "vm { name = \"vm0\"$1 }"
	echo 'disk { name = "d0", vm = "vm0", size = "16M" }'
	echo 'job { name = "rr", disk = "d0", rw = "randread" }'
}
