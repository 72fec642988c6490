#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-ctl blk against libvhost's own vhost-user-blk: both ends of the
# protocol, split and packed rings, two queues, a read-only image.
set -u
ctl=${top_builddir:-.}/tools/vhost-ctl
blk=${top_builddir:-.}/tools/vhost-user-blk
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup self
bpid=
start() {
	"$blk" --socket-path="$d/s" --blk-file="$d/disk.img" --queues=2 "$@" 2> "$d/backend.log" &
	bpid=$!
	lvh_kill_at_exit $bpid
	lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk"
}
stop() {
	lvh_stop "$bpid" vhost-user-blk
	lvh_check_logs
	bpid=
}
truncate -s 16M "$d/disk.img"
start
"$ctl" probe --socket "$d/s" --json > "$d/probe.log" || fail probe
grep -q '"capacity_sectors": 32768' "$d/probe.log" || fail "probe: capacity"
"$ctl" blk --socket "$d/s" --verify > "$d/v1.log" || fail "verify, split"
"$ctl" blk --socket "$d/s" --verify --packed --queues 2 > "$d/v2.log" || fail "verify, packed"
"$ctl" blk --socket "$d/s" --bench --rw randwrite --time 1 --queues 2 --json > "$d/b.log" 2>/dev/null ||
	fail bench
grep -q '"iops": [1-9]' "$d/b.log" || fail "bench: no IOPS"
stop
start --read-only
"$ctl" blk --socket "$d/s" --verify > "$d/ro.log" || fail "verify, read-only"
grep -q "refused the write" "$d/ro.log" || fail "read-only: the write was not refused"
stop
echo "PASS: vhost-ctl and vhost-user-blk, split and packed, read-only"
