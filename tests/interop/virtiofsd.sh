#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as the virtio-fs driver of QEMU's C virtiofsd
# (libvhost-user): FUSE_INIT, then a file read through the request queue.
# virtiofsd needs real root (setgroups); skipped (77) otherwise, or when it
# is not installed (Debian: qemu-system-common, /usr/lib/qemu/virtiofsd).
set -u
vfsd=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
[ -x "$vfsd" ] || { echo "virtiofsd not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "virtiofsd needs root"; exit 77; }
drv=${top_builddir:-.}/tests/interop/fs-driver
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup fs

mkdir "$d/share"
content="hello from the host, through virtio-fs and libvhost"
printf '%s' "$content" > "$d/share/hello.txt"
timeout 60 "$vfsd" --socket-path="$d/s" -o source="$d/share" -o sandbox=chroot > "$d/virtiofsd.log" 2>&1 &
vpid=$!
lvh_kill_at_exit $vpid
lvh_wait_socket "$d/s" $vpid virtiofsd
timeout 60 "$drv" "$d/s" hello.txt "$content" > "$d/driver.log" 2>&1 || fail "the driver failed"
cat "$d/driver.log"
# virtiofsd exits by itself, with status 0, when its front-end goes
lvh_reap $vpid "virtiofsd, after the disconnect,"
lvh_check_logs
echo PASS
