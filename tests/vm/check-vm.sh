#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# make check-vm: boots a guest kernel that has kernel vhost and vDPA under
# QEMU (TCG), with an initramfs made here (busybox-static and the static
# test binary tests/vm/vm-tests), and reads the TAP results off the serial
# console.  Exit 0 pass, 1 fail, 77 skip (no QEMU, busybox or kernel).
# Programs go in with the shared libraries ldd lists.
#   sh tests/vm/check-vm.sh BUILDDIR SRCDIR
# The kernel, first found: $LIBVHOST_VM_KERNEL; configure --with-vm-kernel;
# a cached build (tests/vm/build-kernel.sh into $LIBVHOST_VM_CACHE, default
# ~/.cache/libvhost-vm), built now if linux-source-6.1 is installed.
set -u
b=${1:-.}
s=${2:-.}
log=$b/tests/vm/vm.log
qemu=$(command -v qemu-system-x86_64) || { echo "check-vm: qemu-system-x86_64 not installed: skip"; exit 77; }
bb=$(command -v busybox) || { echo "check-vm: busybox(-static) not installed: skip"; exit 77; }
file -L "$bb" 2>/dev/null | grep -q "statically linked" || {
	echo "check-vm: $bb is not static (install busybox-static): skip"
	exit 77
}
kernel=${LIBVHOST_VM_KERNEL:-${VM_KERNEL:-}}
if [ -z "$kernel" ]; then
	cache=${LIBVHOST_VM_CACHE:-${HOME:-/tmp}/.cache/libvhost-vm}
	kernel=$(sh "$s/tests/vm/build-kernel.sh" "$cache")
	rc=$?
	kernel=$(echo "$kernel" | tail -1)
	if [ ! -f "$kernel" ]; then
		[ $rc = 77 ] && { echo "check-vm: no kernel given and none can be built: skip"; exit 77; }
		echo "check-vm: the kernel build failed ($rc)"
		exit 1
	fi
fi
[ -f "$kernel" ] || { echo "check-vm: kernel $kernel not found"; exit 1; }
echo "check-vm: kernel $kernel"

d=$(mktemp -d /tmp/lvh-vm.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/root/bin" "$d/root/lib" "$d/root/proc" "$d/root/sys" "$d/root/dev" "$d/root/tmp"
cp "$bb" "$d/root/bin/busybox"
for a in sh mount umount reboot cat ls mkdir echo sleep ln sed mke2fs sync cmp dd; do ln -s busybox "$d/root/bin/$a"; done
cp "$s/tests/vm/init" "$d/root/init"
chmod +x "$d/root/init"
# a program and the shared libraries it needs, into the initramfs
with_libs() { # $1: program, $2: its path in the guest
	cp "$1" "$d/root$2"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
		while read -r lib; do
			mkdir -p "$d/root$(dirname "$lib")"
			cp -L "$lib" "$d/root$lib"
		done
}
# the libtool wrapper is not what the guest runs
t=$b/tests/vm/vm-tests
[ -x "$b/tests/vm/.libs/vm-tests" ] && t=$b/tests/vm/.libs/vm-tests
with_libs "$t" /vm-tests
# vhost-ctl (its vdpa commands are tested in the guest), with the library it uses
c=$b/tools/vhost-ctl
[ -x "$b/tools/.libs/vhost-ctl" ] && c=$b/tools/.libs/vhost-ctl
LD_LIBRARY_PATH=$b/lib/.libs with_libs "$c" /bin/vhost-ctl
# vhost-user-blk (its --vduse is tested in the guest)
u=$b/tools/vhost-user-blk
[ -x "$b/tools/.libs/vhost-user-blk" ] && u=$b/tools/.libs/vhost-user-blk
LD_LIBRARY_PATH=$b/lib/.libs with_libs "$u" /bin/vhost-user-blk
[ -f "$b/lib/.libs/libvhost.so.0" ] && cp -L "$b/lib/.libs/libvhost.so.0" "$d/root/lib/"
# qemu-storage-daemon when installed (qemu-system-common), for the VDUSE
# benchmark against its --export vduse-blk (the test skips without it)
if q=$(command -v qemu-storage-daemon 2>/dev/null); then
	with_libs "$q" /bin/qemu-storage-daemon
fi
# iproute2's vdpa when installed (a diagnostic line)
if v=$(command -v vdpa 2>/dev/null || ls /usr/sbin/vdpa /sbin/vdpa 2>/dev/null | head -1); then
	with_libs "$v" /bin/vdpa
fi
(cd "$d/root" && find . | cpio -o -H newc --owner 0:0 2>/dev/null | gzip -1) > "$d/initramfs.gz"

timeout "${LIBVHOST_VM_TIMEOUT:-300}" "$qemu" -accel tcg -m 768M -smp 1 -cpu max \
	-nodefaults -nographic -display none -no-reboot \
	-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$kernel" -initrd "$d/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet" > "$d/qemu.out" 2>&1
qrc=$?
tr -d '\r' < "$log" > "$d/serial"
grep -E "^(not )?ok |^# |^1\.\." "$d/serial"
pass=$(grep -c "^ok " "$d/serial")
failn=$(grep -c "^not ok " "$d/serial")
if [ $qrc = 124 ]; then
	echo "check-vm: the guest did not finish in time (serial log: $log)"
	tail -20 "$d/serial"
	exit 1
fi
if ! grep -q "VMTEST-END rc=0" "$d/serial" || [ "$failn" != 0 ] || [ "$pass" = 0 ]; then
	echo "check-vm: FAILED ($pass passed, $failn failed, QEMU status $qrc; serial log: $log)"
	grep -v "^ok " "$d/serial" | tail -40
	exit 1
fi
echo "check-vm: $pass passed, 0 failed"
exit 0
