#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The demo's second half: libvhost's vhost-user-blk serves a 64 MiB image,
# and libvhost's vhost-ctl drives it as a virtio-blk driver (no VM).
#   sh scripts/demo-blk.sh BUILDDIR
set -eu
b=${1:-.}
d=$(mktemp -d /tmp/libvhost-demo.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$d"' EXIT
truncate -s 64M "$d/disk.img"
"$b/tools/vhost-user-blk" --socket-path="$d/blk.sock" --blk-file="$d/disk.img" --queues=2 &
pid=$!
while [ ! -S "$d/blk.sock" ]; do sleep 0.1; done
echo "== vhost-ctl probe --socket $d/blk.sock"
"$b/tools/vhost-ctl" probe --socket "$d/blk.sock"
echo "== vhost-ctl blk --verify"
"$b/tools/vhost-ctl" blk --socket "$d/blk.sock" --verify
echo "== vhost-ctl blk --bench --rw randread --queues 2 --time 3"
"$b/tools/vhost-ctl" blk --socket "$d/blk.sock" --bench --rw randread --queues 2 --time 3
kill $pid
wait $pid
pid=
