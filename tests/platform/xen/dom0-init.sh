#!/bin/sh
# /init of the dom0 initramfs built by dom0-run.sh (busybox sh).
# Brings up the Xen dom0 user space (modules, xenfs, xenstored,
# xen-init-dom0), then runs every program in /xf-tests in name order with
# a time limit, and reports one line per program:
#   XF-TEST <name> PASS|FAIL rc=<exit code> secs=<run time>
# followed by the same lines again as one block after "XF-SUMMARY" (so a
# kernel message printed in the middle of a line cannot hide a result),
# and "XF-DONE pass=<n> fail=<m>". Then QEMU is left through
# isa-debug-exit (exit code 1 = all passed, 3 = something failed).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
TEST_TIMEOUT=120

up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "XF-DOM0: $* [uptime $(up)]"; }
fatal() {
	echo "XF-SETUP FAIL $*"
	dmesg | tail -30
	finish 1
}
finish() {
	sync
	# isa-debug-exit at port 0xf4: QEMU exits with (value << 1) | 1.
	printf "\\$(printf '%03o' "$1")" | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
	sleep 2
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen
say "init started, kernel $(uname -r), xen $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"

# No modules.dep: load in dependency order (xenfs needs xen-privcmd).
# Parameters: netfront grants a page per ring slot (514 grants a queue),
# above gntalloc's default limit of 1024 with two queues; and two queues
# per backend so that multi-queue is negotiated with one dom0 vCPU.
for m in xen-evtchn xen-privcmd xenfs xen-gntdev "xen-gntalloc limit=16384" \
	 loop "xen-blkback max_queues=2" "xen-netback max_queues=2"; do
	set -- $m
	n=$1
	shift
	insmod /modules/$n.ko "$@" 2>/dev/null || fatal "insmod $m"
done
mount -t xenfs xenfs /proc/xen || fatal "mount xenfs"
for d in gntdev gntalloc evtchn privcmd xenbus; do
	[ -c /dev/xen/$d ] || fatal "/dev/xen/$d missing"
done

xenstored --pid-file /run/xen/xenstored.pid || fatal "xenstored"
i=0
while [ ! -S /run/xenstored/socket ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -S /run/xenstored/socket ] || fatal "xenstored socket"
xen-init-dom0 >/dev/null || fatal "xen-init-dom0"
say "xenstore ready"

pass=0
fail=0
: > /tmp/xf-results
for t in /xf-tests/*; do
	[ -x "$t" ] || continue
	n=${t##*/}
	say "running $n"
	s=$(up)
	timeout $TEST_TIMEOUT "$t" 2>&1
	rc=$?
	e=$(up)
	secs=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f", b - a }')
	if [ $rc -eq 0 ]; then
		r=PASS
		pass=$((pass + 1))
	else
		r=FAIL
		fail=$((fail + 1))
		echo "--- dmesg after $n:"
		dmesg | tail -20
	fi
	echo "XF-TEST $n $r rc=$rc secs=$secs" | tee -a /tmp/xf-results
done
echo "XF-SUMMARY"
cat /tmp/xf-results
echo "XF-DONE pass=$pass fail=$fail"
[ $fail -eq 0 ] && finish 0
finish 1
