#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# IOPS of libvhost's vhost-user-blk (--io=uring --direct) against
# qemu-storage-daemon's vhost-user-blk export (QEMU's libvhost-user, with
# aio=io_uring,cache.direct=on) on the same image on a disk (never tmpfs:
# O_DIRECT), both driven by vhost-ctl blk --bench (no VM), alternating A/B
# run by run so that both see the same machine state.  For each workload
# (4 KiB random reads and writes at queue depth 1, 16 and 32, one queue) it
# prints each run and the ratio of medians; it asserts nothing.
#   sh bench/blk-vs-qsd.sh [BUILDDIR] [SECONDS] [ROUNDS] [DIR]
# DIR: where the 256 MiB image goes (default: BUILDDIR, else $TMPDIR or /var/tmp).
# LIBVHOST_BENCH_LIB_OPTS: other options for our tool (e.g. --threads).
set -u
b=${1:-.}
secs=${2:-5}
rounds=${3:-3}
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed (qemu-utils)" >&2; exit 1; }
dir=
for x in ${4:-} "$b" "${TMPDIR:-/tmp}" /var/tmp; do
	case $(stat -f -c %T "$x" 2>/dev/null) in
	tmpfs | ramfs | "") continue ;;
	esac
	dir=$x
	break
done
[ -n "$dir" ] || { echo "no directory on a disk for the image" >&2; exit 1; }
d=$(mktemp -d "$dir/lvh-bench.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$d"' EXIT
# written, not sparse: a direct read of a hole or an unwritten extent does no
# I/O; and written directly, so that none of it is in the page cache (a
# direct write over a cached page cannot be done without blocking)
dd if=/dev/urandom of="$d/disk.img" bs=1M count=256 oflag=direct conv=fsync status=none || exit 1

serve() { # $1: lib|qsd
	rm -f "$d/s"
	if [ "$1" = lib ]; then
		# shellcheck disable=SC2086
		"$b/tools/vhost-user-blk" --socket-path="$d/s" --blk-file="$d/disk.img" \
			--io=uring --direct ${LIBVHOST_BENCH_LIB_OPTS:-} 2> "$d/serve.log" &
	else
		"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img,aio=io_uring,cache.direct=on" \
			--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on" \
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

run() { # $1: lib|qsd, $2: rw, $3: iodepth; prints IOPS
	serve "$1"
	"$b/tools/vhost-ctl" blk --socket "$d/s" --bench --rw "$2" --bs 4096 --iodepth "$3" \
		--queues 1 --time "$secs" --json 2> /dev/null |
		sed -n 's/.*"iops": *\([0-9]*\).*/\1/p'
	kill $pid
	wait $pid 2> /dev/null
	pid=
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "image: 256 MiB in $dir ($(stat -f -c %T "$dir"), $(df -P "$dir" | awk 'NR == 2 { print $1 }')); 4 KiB, 1 queue, ${secs}s per run, $rounds rounds"
echo "ours: vhost-user-blk --io=uring --direct ${LIBVHOST_BENCH_LIB_OPTS:-}; qemu-storage-daemon: aio=io_uring,cache.direct=on"
summary=
for rw in randread randwrite; do
	for qd in 1 16 32; do
		: > "$d/lib"
		: > "$d/qsd"
		r=1
		while [ $r -le "$rounds" ]; do
			a=$(run lib $rw $qd)
			q=$(run qsd $rw $qd)
			echo "$rw qd $qd round $r: libvhost ${a:-?} IOPS, qemu-storage-daemon ${q:-?} IOPS"
			echo "${a:-0}" >> "$d/lib"
			echo "${q:-0}" >> "$d/qsd"
			r=$((r + 1))
		done
		ma=$(median < "$d/lib")
		mq=$(median < "$d/qsd")
		ratio=$(awk -v a="$ma" -v q="$mq" 'BEGIN { if (q > 0) printf "%.2f", a / q; else print "n/a" }')
		summary="$summary$(printf '%-9s qd %2s: libvhost %7s IOPS, qemu-storage-daemon %7s IOPS, ratio %s' \
			"$rw" "$qd" "$ma" "$mq" "$ratio")
"
	done
done
echo "medians:"
printf '%s' "$summary"
