#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as the destination VMM of a postcopy migration, with
# qemu-storage-daemon's vhost-user-blk export (QEMU's libvhost-user) as the
# back-end (tests/interop/postcopy-driver.c): ADVISE, LISTEN, the postcopy
# memory table, a write from guest pages not yet placed and a read into
# others, every one faulted by the daemon and resolved through its
# userfaultfd; the pattern read back and found in the image; END, and the
# daemon serving on.
# Skipped (77) outside --enable-postcopy builds, without
# qemu-storage-daemon (Debian: qemu-utils), or where userfaultfd is refused.
set -u
drv=${top_builddir:-.}/tests/interop/postcopy-driver
grep -q 'LIBVHOST_HAS_POSTCOPY 1' "${top_builddir:-.}/include/libvhost-build.h" 2> /dev/null ||
	{ echo "postcopy is built only with --enable-postcopy"; exit 77; }
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qpc

truncate -s 64M "$d/disk.img"
"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
	--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on" \
	> "$d/qsd.log" 2>&1 &
qpid=$!
( sleep 120; kill -9 "$qpid" ) > /dev/null 2>&1 &
dog=$!
lvh_kill_at_exit "$qpid" "$dog"
lvh_wait_socket "$d/s" "$qpid" qemu-storage-daemon

timeout 60 "$drv" blk "$d/s" "$d/disk.img" > "$d/driver.log" 2>&1
st=$?
cat "$d/driver.log"
[ $st -eq 0 ] || fail "postcopy-driver blk exited with status $st"
grep -q "^postcopy-driver: blk: pass$" "$d/driver.log" || fail "no pass line"
faults=$(sed -n 's/^postcopy-driver: blk: \([0-9]*\) faults.*/\1/p' "$d/driver.log")
[ "${faults:-0}" -gt 0 ] || fail "qemu-storage-daemon never faulted"
lvh_stop "$qpid" qemu-storage-daemon
lvh_check_logs
echo "PASS: $faults postcopy faults of qemu-storage-daemon resolved, the I/O verified"
