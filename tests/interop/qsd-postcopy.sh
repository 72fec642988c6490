#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as the destination VMM of a postcopy migration with
# qemu-storage-daemon's vhost-user-blk export as the back-end
# (tests/interop/postcopy-driver.c blk: ADVISE, LISTEN, the postcopy memory
# table, a pattern written from guest pages not yet placed and read back
# into unplaced pages, each fault resolved through the daemon's
# userfaultfd, the image checked, END).
#
# qemu-storage-daemon 7.2 offers PAGEFAULT, but its libvhost-user answers
# the postcopy SET_MEM_TABLE with the addresses the front-end sent, not its
# own mapping bases (it writes them into a copy of the request and sends
# the request back), so no front-end, QEMU's included, can tell which guest
# page a fault of its is on.  With such a daemon this test asserts what the
# front-end can do: refuse the fault it cannot place, cleanly (the
# library's error line naming the back-end's fault address, -EFAULT to the
# caller, no crash, no hang), and then the daemon, stuck in its fault, is
# killed.  With a daemon that reports its bases the whole migration must
# verify.  Skipped (77) outside --enable-postcopy builds or without
# qemu-storage-daemon (qemu-utils), or, not root, with
# vm.unprivileged_userfaultfd=0 (lvh_need_userfaultfd).
set -u
drv=${top_builddir:-.}/tests/interop/postcopy-driver
grep -q 'LIBVHOST_HAS_POSTCOPY 1' "${top_builddir:-.}/include/libvhost-build.h" 2> /dev/null ||
	{ echo "postcopy is built only with --enable-postcopy"; exit 77; }
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_need_userfaultfd qemu-storage-daemon
# the error the front-end logs about the daemon's unplaceable fault
lvh_log_allow='postcopy: the back-end faulted at 0x[0-9a-f]*, in no region'
lvh_setup qpc

truncate -s 16M "$d/disk.img"
"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
	--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on" \
	> "$d/qsd.log" 2>&1 &
qpid=$!
lvh_kill_at_exit $qpid
lvh_wait_socket "$d/s" "$qpid" qemu-storage-daemon
timeout 90 "$drv" blk "$d/s" "$d/disk.img" > "$d/driver.log" 2>&1
st=$?
cat "$d/driver.log"
if [ $st -eq 0 ]; then
	grep -q "^postcopy-driver: blk: pass$" "$d/driver.log" || fail "no pass line"
	lvh_stop $qpid qemu-storage-daemon
	lvh_check_logs
	echo "PASS: qemu-storage-daemon's postcopy faults resolved, the I/O verified"
	exit 0
fi
# 124: the timeout (a hang); above 128: a signal (a crash)
[ $st -eq 1 ] || fail "postcopy-driver exited with status $st"
grep -q "the back-end faulted at 0x[0-9a-f]*, in no region" "$d/driver.log" ||
	fail "postcopy-driver failed otherwise than on the daemon's fault it cannot place"
grep -q "reading a fault: Bad address" "$d/driver.log" ||
	fail "the fault was not refused with -EFAULT"
# stuck in its fault, the daemon takes no SIGTERM
kill -KILL $qpid
wait $qpid 2> /dev/null
lvh_check_logs
echo "PASS: qemu-storage-daemon $("$qsd" --version | head -1 | sed 's/.*version //') reports no mapping bases (its libvhost-user's bug): its unplaceable fault refused cleanly"
