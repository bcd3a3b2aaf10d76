#!/bin/bash
# Boots Xen 4.17 with a Debian 6.1 dom0 under QEMU (TCG) and runs test
# programs inside dom0, against the dom0 kernel's blkback/netback.
#
# Usage: dom0-run.sh --cache DIR --work DIR --init DOM0_INIT
#                    [--file SRC DEST]... [--] TEST...
#
# TEST...: executables (built on this host, dynamically linked is fine:
# their libraries are copied in) placed in /xf-tests of the initramfs and
# run in name order by DOM0_INIT. Each must exit 0 only when it passed.
# --file SRC DEST: a file or directory placed at DEST in the initramfs
# (e.g. a program a TEST script runs, and its data); the libraries of
# an executable SRC are copied in too.
#
# Environment:
#   XFRONT_XEN_CACHE         download/unpack cache (overrides --cache);
#                            delete it to fetch newer packages
#   XFRONT_XEN_BOOT_TIMEOUT  seconds QEMU may run (default 300)
#   XFRONT_XEN_QEMU_ARGS     extra QEMU arguments
#   XFRONT_XEN_DOM0_MEM_MB   dom0 memory (default 512; QEMU gets 256 more)
#   CI=true (as root)        install missing host packages with apt-get
#
# Exit: 0 every test passed; 1 a test failed or dom0 did not finish;
# 77 (with a reason) only when QEMU or the Xen packages cannot be had.
#
# Host needs: qemu-system-x86 (qemu-system-x86_64), apt (apt-get
# download, dpkg-deb), tar, gzip, ldd. Downloaded, not installed:
# xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
# xenstore-utils linux-image-<current>-amd64 busybox-static.
set -uo pipefail

CACHE_ARG= WORK= INIT=
TESTS=() EXTRA=()
while [ $# -gt 0 ]; do
	case $1 in
	--cache) CACHE_ARG=$2; shift 2 ;;
	--work) WORK=$2; shift 2 ;;
	--init) INIT=$2; shift 2 ;;
	--file) EXTRA+=("$2" "$3"); shift 3 ;;
	--) shift; TESTS+=("$@"); break ;;
	*) TESTS+=("$1"); shift ;;
	esac
done
CACHE=${XFRONT_XEN_CACHE:-$CACHE_ARG}
BOOT_TIMEOUT=${XFRONT_XEN_BOOT_TIMEOUT:-300}
[ -n "$CACHE" ] && [ -n "$WORK" ] && [ -n "$INIT" ] && [ ${#TESTS[@]} -gt 0 ] ||
	{ echo "usage: $0 --cache DIR --work DIR --init FILE TEST..." >&2; exit 2; }

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ts() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(ts)" 'BEGIN { printf "%.1f", b - a }'; }
# The library paths in ldd output on stdin.
ldd_libs() { awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'; }
# Copies the libraries listed on stdin (once each) into the tree $1.
copy_libs() {
	sort -u | while read -r lib; do
		case $lib in
		/lib64/*) cp -L "$lib" "$1/lib64/" ;;
		*) cp -L "$lib" "$1/lib/x86_64-linux-gnu/" ;;
		esac
	done
}
T_START=$(ts)

[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m), the dom0 image is amd64"
command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null ||
	skip "no apt/dpkg on this host: cannot fetch Xen 4.17 .debs"

AS_ROOT=false
[ "$(id -u)" = 0 ] && AS_ROOT=true
APT_OPTS=(-q)
$AS_ROOT && APT_OPTS+=(-o APT::Sandbox::User=root)
APT_UPDATED=false
apt_update() {
	$AS_ROOT || return 1
	$APT_UPDATED && return 0
	APT_UPDATED=true
	echo "apt-get update"
	apt-get update -q >/dev/null 2>&1
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	if [ "${CI:-}" = true ] && $AS_ROOT; then
		echo "installing qemu-system-x86"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends qemu-system-x86 >/dev/null 2>&1 ||
			{ apt_update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends qemu-system-x86 >/dev/null 2>&1; }
	fi
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
fi

mkdir -p "$CACHE" "$WORK" || fail "cannot create $CACHE / $WORK"
CACHE=$(cd "$CACHE" && pwd)
WORK=$(cd "$WORK" && pwd)
case "$CACHE$WORK" in
*,*) fail "QEMU's -initrd cannot take paths with a comma: $CACHE $WORK" ;;
esac

# Serialise runs sharing one cache (e.g. a plain and a sanitizer build).
exec 9>"$CACHE/.lock"
command -v flock >/dev/null && flock 9

# ---------------------------------------------------------------- fetch
DEBS=$CACHE/debs
if [ ! -f "$DEBS/.complete" ]; then
	T0=$(ts)
	kernel_pkg() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
	}
	KPKG=$(kernel_pkg)
	[ -z "$KPKG" ] && apt_update && KPKG=$(kernel_pkg)
	[ -n "$KPKG" ] || skip "apt cannot resolve linux-image-amd64 (no package lists; run apt-get update)"
	PKGS=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
	      xenstore-utils "$KPKG" busybox-static)
	rm -rf "$DEBS.tmp" && mkdir -p "$DEBS.tmp"
	download() { (cd "$DEBS.tmp" && apt-get download "${APT_OPTS[@]}" "${PKGS[@]}") >"$WORK/apt.log" 2>&1; }
	if ! download; then
		apt_update && download ||
			{ cat "$WORK/apt.log"; skip "cannot download the Xen 4.17 / kernel .debs with apt-get download"; }
	fi
	rm -rf "$DEBS" && mv "$DEBS.tmp" "$DEBS" && printf '%s\n' "${PKGS[@]}" >"$DEBS/.complete"
	echo "downloaded $(du -sh "$DEBS" | cut -f1) of packages in $(elapsed "$T0") s"
fi
deb() { ls "$DEBS"/"$1"_*.deb 2>/dev/null | head -1; }
for p in xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common busybox-static; do
	[ -n "$(deb $p)" ] || fail "cache $DEBS lacks $p (delete the cache to refetch)"
done
KDEB=$(ls "$DEBS"/linux-image-*-amd64_*.deb | head -1)

# ------------------------------------------------- unpack + base initramfs
# Everything that does not depend on the test programs: Xen, the dom0
# kernel, busybox, xenstored, kernel modules. Rebuilt when the packages
# change or BASE_LAYOUT is bumped (do so when changing this section).
BASE_LAYOUT=1
KEY=$( (cd "$DEBS" && ls *.deb; echo "layout $BASE_LAYOUT") | md5sum | cut -c1-12)
BASE=$CACHE/base-$KEY
if [ ! -f "$BASE/.complete" ]; then
	T0=$(ts)
	rm -rf "$CACHE"/base-* && mkdir -p "$BASE"
	X=$BASE/x R=$BASE/root
	mkdir -p "$X" "$R"
	for p in xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils busybox-static; do
		f=$(deb $p)
		[ -n "$f" ] && dpkg-deb -x "$f" "$X"
	done
	# The kernel package is large: take only what dom0 needs.
	MODS="xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc loop xen-blkback xen-netback"
	pats=("./boot/vmlinuz-*")
	for m in $MODS; do pats+=("*/$m.ko"); done
	dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$X" --wildcards "${pats[@]}" ||
		fail "unpacking $KDEB"
	# QEMU's multiboot loader needs the uncompressed ELF image.
	gzip -dc "$X/boot/xen-4.17-amd64.gz" >"$BASE/xen" || fail "no Xen image in the package"
	cp "$X"/boot/vmlinuz-* "$BASE/vmlinuz" || fail "no vmlinuz in $KDEB"

	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,modules} \
		"$R"/{etc,proc,sys,dev,tmp,run,root,var/lib,var/log,usr/lib/xen-4.17/bin,xf-tests}
	ln -s ../run "$R/var/run"
	cp "$X/bin/busybox" "$R/bin/busybox"
	for a in $("$R/bin/busybox" --list); do
		[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
	done
	for m in $MODS; do
		f=$(find "$X/lib/modules" -name "$m.ko" | head -1)
		[ -n "$f" ] || fail "module $m not in $KDEB"
		cp "$f" "$R/modules/"
	done
	XB=$X/usr/lib/xen-4.17/bin
	cp "$XB/xenstored" "$XB/xen-init-dom0" "$R/usr/lib/xen-4.17/bin/"
	BINS=("$XB/xenstored" "$XB/xen-init-dom0")
	if [ -x "$X/usr/bin/xenstore" ]; then
		cp "$X/usr/bin/xenstore" "$R/usr/bin/"
		for t in ls read write list rm; do ln -s xenstore "$R/usr/bin/xenstore-$t"; done
		BINS+=("$X/usr/bin/xenstore")
	fi
	[ -d "$X/etc/xen" ] && cp -a "$X/etc/xen" "$R/etc/"
	echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
	for b in "${BINS[@]}"; do
		LD_LIBRARY_PATH=$X/usr/lib/x86_64-linux-gnu ldd "$b" ||
			fail "ldd $b (the host needs the libxen 4.17 libraries: apt-get install libxen-dev)"
	done | ldd_libs | copy_libs "$R"
	(cd "$R" && find . | "$R/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$BASE/base.cpio" ||
		fail "building the base initramfs"
	cp "$R/bin/busybox" "$BASE/busybox"
	rm -rf "$X" "$R"
	touch "$BASE/.complete"
	echo "built base initramfs ($(du -h "$BASE/base.cpio" | cut -f1)) in $(elapsed "$T0") s"
fi
flock -u 9 2>/dev/null

# ------------------------------------------------ per-run overlay initramfs
T0=$(ts)
O=$WORK/overlay
rm -rf "$O" && mkdir -p "$O/xf-tests" "$O/lib/x86_64-linux-gnu" "$O/lib64"
cp "$INIT" "$O/init" && chmod 755 "$O/init"
NAMES=()
for t in "${TESTS[@]}"; do
	[ -x "$t" ] || fail "test program $t is missing"
	cp "$t" "$O/xf-tests/" || fail "copying $t"
	NAMES+=("$(basename "$t")")
done
LDD_PROGS=("${TESTS[@]}")
for ((i = 0; i < ${#EXTRA[@]}; i += 2)); do
	src=${EXTRA[i]} dst=$O${EXTRA[i + 1]}
	[ -e "$src" ] || fail "--file $src is missing"
	mkdir -p "$(dirname "$dst")" && cp -rL "$src" "$dst" || fail "copying $src"
	[ -f "$src" ] && [ -x "$src" ] && LDD_PROGS+=("$src")
done
# glibc dlopens libgcc_s for pthread_cancel (libxenstore's xs_close),
# which ldd does not list.
GCC_S=
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
	[ -e "$d/libgcc_s.so.1" ] && { GCC_S=$d/libgcc_s.so.1; break; }
done
for t in "${LDD_PROGS[@]}"; do
	ldd "$t" 2>/dev/null | ldd_libs
	[ -n "$GCC_S" ] && echo "$GCC_S"
done | copy_libs "$O"
(cd "$O" && find . | "$BASE/busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$WORK/overlay.cpio" ||
	fail "building the overlay initramfs"
# The kernel unpacks concatenated archives in order; later files win.
cat "$BASE/base.cpio" "$WORK/overlay.cpio" >"$WORK/initrd.cpio"
echo "prepared in $(elapsed "$T_START") s (overlay $(elapsed "$T0") s); booting ${#NAMES[@]} test program(s): ${NAMES[*]}"

# ----------------------------------------------------------------- boot
# smap=0: under TCG, Xen with SMAP crashes dom0 on its first bounce frame.
DOM0_MEM=${XFRONT_XEN_DOM0_MEM_MB:-512}
XEN_CMD="console=com1 com1=115200,8n1 dom0_mem=${DOM0_MEM}M,max:${DOM0_MEM}M dom0_max_vcpus=1 smap=0 loglvl=all guest_loglvl=all"
DOM0_CMD="console=hvc0 earlyprintk=xen rdinit=/init loglevel=4"
LOG=$WORK/serial.log
stamp() {
	local s=$1 line e
	while IFS= read -r line; do
		e=$((${EPOCHREALTIME/./} - s))
		printf '%4d.%03d %s\n' $((e / 1000000)) $(((e / 1000) % 1000)) "${line%$'\r'}"
	done
}
QSTART=${EPOCHREALTIME/./}
# shellcheck disable=SC2086
timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
	-m $((DOM0_MEM + 256)) -smp 2 -display none -monitor none -serial stdio -nic none \
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$BASE/xen" -append "$XEN_CMD" \
	-initrd "$BASE/vmlinuz $DOM0_CMD,$WORK/initrd.cpio" \
	${XFRONT_XEN_QEMU_ARGS:-} </dev/null 2>&1 | stamp "$QSTART" >"$LOG"
QRC=${PIPESTATUS[0]}
QWALL=$(((${EPOCHREALTIME/./} - QSTART) / 1000))

# ---------------------------------------------------------------- report
echo "qemu exit $QRC (1 = dom0 passed, 3 = dom0 reported failures, 124 = timeout) after $((QWALL / 1000)).$(printf '%03d' $((QWALL % 1000))) s; serial log: $LOG"
echo "--- timeline (s since QEMU start):"
grep -m1 'Xen version' "$LOG"
grep -m1 -E 'Linux version' "$LOG"
grep -E 'XF-DOM0:|XF-SETUP' "$LOG"
echo "--- checks per test program:"
grep -oE 'XF-CHECK (PASS|FAIL) [^/ ]+/' "$LOG" | sort | uniq -c |
	awk '{ printf "  %-10s %s %d\n", $4, $3, $1 }'
grep -E 'XF-CHECK FAIL' "$LOG"
echo "--- results:"
ok=true
grep -q 'XF-DONE' "$LOG" || { echo "dom0 did not finish (no XF-DONE)"; ok=false; }
for n in "${NAMES[@]}"; do
	line=$(grep -oE "XF-TEST $n (PASS|FAIL) rc=[0-9]+ secs=[0-9.]+" "$LOG" | tail -1)
	echo "  ${line:-XF-TEST $n MISSING}"
	case $line in *" PASS "*) ;; *) ok=false ;; esac
done
grep -q 'XF-CHECK FAIL' "$LOG" && ok=false
if $ok && [ "$QRC" = 1 ]; then
	echo "all dom0 tests passed; total $(elapsed "$T_START") s"
	exit 0
fi
echo "--- last 60 lines of the serial log:"
tail -60 "$LOG"
fail "dom0 tests failed (see $LOG)"
