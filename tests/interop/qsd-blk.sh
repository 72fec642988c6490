#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end and driver-side rings (through vhost-ctl) against
# qemu-storage-daemon's vhost-user-blk export (QEMU's libvhost-user):
# probe, write/flush/read-back/write-zeroes/discard on one and two queues,
# split and packed where offered ("SKIP: packed" otherwise), the pattern
# found in the image file afterwards, a read-only export refusing writes, a
# short benchmark, and the daemon killed mid-run reported as a lost
# connection, promptly.
# Skipped (77) without qemu-storage-daemon (Debian: qemu-utils).
set -u
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed"; exit 77; }
ctl=${top_builddir:-.}/tools/vhost-ctl
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qsd
qpid= dog=

start_qsd() { # $1: on|off (writable)
	ro=
	[ "$1" = off ] && ro=,read-only=on
	# its own pid in qpid (the test kills it by that); a watchdog bounds its life
	"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img$ro" \
		--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=$1,num-queues=2" \
		> "$d/qsd.log" 2>&1 &
	qpid=$!
	[ -n "$dog" ] && kill "$dog" 2>/dev/null
	( sleep 120; kill -9 "$qpid" ) > /dev/null 2>&1 &
	dog=$!
	lvh_kill_at_exit "$qpid" "$dog"
	lvh_wait_socket "$d/s" "$qpid" qemu-storage-daemon
}
stop_qsd() {
	lvh_stop "$qpid" qemu-storage-daemon
	qpid=
}

truncate -s 64M "$d/disk.img"
start_qsd on

"$ctl" probe --socket "$d/s" > "$d/probe.log" || fail "probe"
grep -q "capacity: *131072 sectors" "$d/probe.log" || fail "probe: capacity"
"$ctl" probe --socket "$d/s" --json > "$d/probe-json.log" || fail "probe --json"
grep -q '"queues": 2' "$d/probe-json.log" || fail "probe --json: queues"
grep -q '"capacity_sectors": 131072' "$d/probe-json.log" || fail "probe --json: capacity"
grep -q '"REPLY_ACK"' "$d/probe-json.log" || fail "probe --json: protocol features"

# the daemon serves one front-end after another: each run is a new session
"$ctl" blk --socket "$d/s" --verify > "$d/verify1.log" || fail "verify, one queue"
grep -q "^verify: pass" "$d/verify1.log" || fail "verify, one queue: not a pass"
"$ctl" blk --socket "$d/s" --verify --queues 2 --bs 65536 > "$d/verify2.log" ||
	fail "verify, two queues, 64 KiB requests"
if grep -q RING_PACKED "$d/probe.log"; then
	"$ctl" blk --socket "$d/s" --verify --packed > "$d/verify3.log" || fail "verify, packed"
else
	echo "SKIP: packed: qemu-storage-daemon does not offer VIRTIO_F_RING_PACKED"
fi
"$ctl" blk --socket "$d/s" --bench --rw randread --queues 2 --iodepth 8 --time 1 --json \
	> "$d/bench.log" 2> /dev/null || fail "bench"
grep -q '"iops": [1-9]' "$d/bench.log" || fail "bench: no IOPS"
stop_qsd

# the image holds what --verify wrote: byte j of sector S is (7 S + j + 1) mod 251
for s in 0 1 77 127; do
	got=$(dd if="$d/disk.img" bs=512 skip=$s count=1 2>/dev/null | od -An -v -tu1 | tr -s ' \n' '  ')
	want=$(awk -v s=$s 'BEGIN { for (j = 0; j < 512; j++) printf " %d", (7 * s + j + 1) % 251; }')
	[ "$(echo $got)" = "$(echo $want)" ] || fail "sector $s of the image does not hold the pattern"
done

start_qsd off
"$ctl" blk --socket "$d/s" --verify > "$d/verify-ro.log" || fail "verify on a read-only export"
grep -q "refused the write" "$d/verify-ro.log" || fail "read-only export: the write was not refused"
stop_qsd

lvh_check_logs

# the daemon dies mid-run (once the benchmark printed its first second's
# IOPS): vhost-ctl must say so, promptly, and exit 1
start_qsd on
"$ctl" blk --socket "$d/s" --bench --time 20 > /dev/null 2> "$d/killed.log" &
cpid=$!
lvh_kill_at_exit $cpid
bench_going() { grep -q IOPS "$d/killed.log" || { lvh_running $cpid || fail "bench: exited early"; false; }; }
lvh_wait_for 15 "bench: no IOPS line" bench_going
start=$(date +%s)
{
	kill -9 "$qpid"
	lvh_reap "$qpid" "qemu-storage-daemon (SIGKILL)" 137
} 2> /dev/null # no "Killed" from the shell
qpid=
lvh_reap $cpid "vhost-ctl, after the back-end died," 1
elapsed=$(( $(date +%s) - start ))
grep -q "closed the connection" "$d/killed.log" || fail "no clear message on the lost back-end"
[ $elapsed -lt 10 ] || fail "it took $elapsed s to notice the back-end was gone"
lvh_check_logs
echo "PASS: probe, verify (1 and 2 queues), image contents, read-only export, bench, lost back-end"
