#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as a VMM starting migration against
# qemu-storage-daemon's vhost-user-blk export (QEMU's libvhost-user):
# SET_LOG_BASE (a memfd bitmap), SET_FEATURES with LOG_ALL and
# SET_VRING_ADDR with VHOST_VRING_F_LOG on the running ring; reads into our
# buffers then, and every page the daemon wrote (data, status bytes, used
# ring) must be marked; logging switched off again with the ring running,
# and writes and reads verified after it (tests/interop/fe-log.c).
# Skipped (77) without qemu-storage-daemon (Debian: qemu-utils).
set -u
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/fe-log
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qdl

truncate -s 16M "$d/disk.img"
"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
	--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on" \
	> "$d/qsd.log" 2>&1 &
qpid=$!
lvh_kill_at_exit $qpid
lvh_wait_socket "$d/s" $qpid qemu-storage-daemon

timeout 60 "$drv" blk "$d/s" > "$d/driver.log" 2>&1
st=$?
cat "$d/driver.log"
[ $st -eq 0 ] || fail "fe-log blk exited with status $st"
grep -q "^fe-log: blk: pass" "$d/driver.log" || fail "fe-log blk: no pass"
lvh_stop $qpid qemu-storage-daemon
lvh_check_logs
echo "PASS: every page qemu-storage-daemon wrote while logging was marked; it served on with logging off"
