#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# IOPS of libvhost's vhost-user-blk against qemu-storage-daemon's
# vhost-user-blk export (QEMU's libvhost-user) on the same image in tmpfs,
# both driven by vhost-ctl blk --bench (no VM), alternating A/B so that both
# see the same machine state.  Prints each run and the ratio of medians;
# asserts nothing.
#   sh bench/blk-vs-qsd.sh [BUILDDIR] [SECONDS] [ROUNDS] [extra vhost-ctl bench options]
# Default workload: 4 KiB random reads, 2 queues, iodepth 16.
set -u
b=${1:-.}
secs=${2:-3}
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
opts=${*:---rw randread --bs 4096 --queues 2 --iodepth 16}
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed (qemu-utils)" >&2; exit 1; }
d=$(mktemp -d /dev/shm/lvh-bench.XXXXXX 2>/dev/null || mktemp -d /tmp/lvh-bench.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$d"' EXIT
truncate -s 1G "$d/disk.img"

serve() { # $1: lib|qsd
	rm -f "$d/s"
	if [ "$1" = lib ]; then
		"$b/tools/vhost-user-blk" --socket-path="$d/s" --blk-file="$d/disk.img" --queues=2 \
			2> "$d/serve.log" &
	else
		"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
			--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on,num-queues=2" \
			2> "$d/serve.log" &
	fi
	pid=$!
	i=0
	while [ ! -S "$d/s" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { cat "$d/serve.log" >&2; exit 1; }
		sleep 0.1
	done
}

run() { # $1: lib|qsd; prints IOPS
	serve "$1"
	# shellcheck disable=SC2086
	"$b/tools/vhost-ctl" blk --socket "$d/s" --bench $opts --time "$secs" --json 2> /dev/null |
		sed -n 's/.*"iops": *\([0-9]*\).*/\1/p'
	kill $pid
	wait $pid 2> /dev/null
	pid=
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

echo "workload: $opts, ${secs}s per run, $rounds rounds, image in $(dirname "$d")"
: > "$d/lib"
: > "$d/qsd"
r=1
while [ $r -le "$rounds" ]; do
	a=$(run lib)
	q=$(run qsd)
	echo "round $r: libvhost vhost-user-blk ${a:-?} IOPS, qemu-storage-daemon ${q:-?} IOPS"
	echo "${a:-0}" >> "$d/lib"
	echo "${q:-0}" >> "$d/qsd"
	r=$((r + 1))
done
ma=$(median < "$d/lib")
mq=$(median < "$d/qsd")
echo "median: libvhost $ma IOPS, qemu-storage-daemon $mq IOPS, ratio $(awk -v a="$ma" -v q="$mq" 'BEGIN { if (q > 0) printf "%.2f", a / q; else print "n/a" }')"
