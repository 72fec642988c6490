#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-blk --threads (a thread per request queue) against vhost-ctl
# blk: split and packed rings, two queues, front-ends coming and going (one
# killed in the middle of a benchmark), and at SIGTERM exit status 0 and
# both queues counted, each served by a thread of its own.  The same
# driver against libvhost's own back-end proves little about the protocol
# (tests/interop/qemu-linux-mq-threads.sh has a guest), but it runs the
# threaded paths in every make check, under ASan and valgrind too.
set -u
ctl=${top_builddir:-.}/tools/vhost-ctl
blk=${top_builddir:-.}/tools/vhost-user-blk
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup blkthr
truncate -s 16M "$d/disk.img"
"$blk" --socket-path="$d/s" --blk-file="$d/disk.img" --queues=2 --threads 2> "$d/backend.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk"
"$ctl" blk --socket "$d/s" --verify > "$d/v1.log" || fail "verify, split"
"$ctl" blk --socket "$d/s" --verify --packed --queues 2 > "$d/v2.log" || fail "verify, packed"
"$ctl" blk --socket "$d/s" --bench --rw randwrite --time 1 --queues 2 --json > "$d/b1.log" 2>/dev/null ||
	fail "bench, split"
grep -q '"iops": [1-9]' "$d/b1.log" || fail "bench, split: no IOPS"
"$ctl" blk --socket "$d/s" --bench --rw randread --time 1 --queues 2 --packed --json \
	> "$d/b2.log" 2>/dev/null || fail "bench, packed"
grep -q '"iops": [1-9]' "$d/b2.log" || fail "bench, packed: no IOPS"
# a front-end killed while both queues are busy: the next one is served
"$ctl" blk --socket "$d/s" --bench --rw randwrite --time 30 --queues 2 > /dev/null 2> "$d/b3.log" &
cpid=$!
lvh_kill_at_exit $cpid
i=0
until grep -q "IOPS" "$d/b3.log"; do
	i=$((i + 1))
	[ $i -le 600 ] && kill -0 $cpid 2>/dev/null || fail "the killed benchmark made no progress"
	sleep 0.1
done
kill -KILL $cpid
wait $cpid 2>/dev/null
"$ctl" blk --socket "$d/s" --verify --queues 2 > "$d/v3.log" || fail "verify after a killed front-end"
kill -0 "$bpid" 2>/dev/null || fail "vhost-user-blk died"
kill "$bpid"
wait "$bpid" || fail "vhost-user-blk --threads exited with $? on SIGTERM"
grep -E "queue 0: .*requests" "$d/backend.log" > "$d/counts" || fail "no request counts"
cat "$d/counts"
set -- $(sed -n 's/.*queue 0: \([0-9]*\) requests (thread \([0-9]*\)), queue 1: \([0-9]*\) requests (thread \([0-9]*\))$/\1 \2 \3 \4/p' \
	"$d/counts")
[ $# -eq 4 ] || fail "the counts do not name one thread per queue"
[ "$1" -gt 0 ] && [ "$3" -gt 0 ] || fail "a queue served no requests"
[ "$2" != "$4" ] || fail "both queues were served by thread $2"
[ "$2" != "$bpid" ] && [ "$4" != "$bpid" ] || fail "a queue was served by the main thread"
echo "PASS: vhost-user-blk --threads: queue 0 $1 requests on thread $2, queue 1 $3 on thread $4 (main $bpid)"
