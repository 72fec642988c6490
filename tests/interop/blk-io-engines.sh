#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-blk's I/O engines: --io=sync, uring and threads, each with and
# without --direct (O_DIRECT), on one thread and with --threads, against
# vhost-ctl blk (--verify with split and packed rings, benchmarks at depth
# 16 on two queues: its buffers are 64-byte aligned, so with --direct every
# request goes through a bounce buffer) and fe-restart blk, which keeps 16
# random reads and writes in flight per queue and checks that every read
# returns the block's last completed write, then the image file.  The image
# is on a disk (the build directory, else $TMPDIR or /var/tmp): tmpfs
# refuses O_DIRECT.  io_uring must work (Debian 12's kernel allows it): if
# this kernel refuses it (kernel.io_uring_disabled, seccomp) the test says
# so and fails, unless LIBVHOST_ALLOW_NO_URING is set (then the uring runs
# are left out).
set -u
ctl=${top_builddir:-.}/tools/vhost-ctl
blk=${top_builddir:-.}/tools/vhost-user-blk
drv=${top_builddir:-.}/tests/interop/fe-restart
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup blkio

# a directory on a file system that takes O_DIRECT
img=
for dir in "${top_builddir:-.}" "${TMPDIR:-/tmp}" /var/tmp; do
	case $(stat -f -c %T "$dir" 2>/dev/null) in
	tmpfs | ramfs | "") continue ;;
	esac
	img=$(mktemp "$dir/lvh-blkio.XXXXXX.img") || continue
	lvh_rm_at_exit "$img"
	break
done
[ -n "$img" ] || fail "no directory on a disk for the image (build directory, \$TMPDIR, /var/tmp)"
truncate -s 16M "$img"

engines="sync uring threads"
"$blk" --socket-path="$d/probe" --blk-file="$img" --io=uring 2> "$d/probe.txt" &
ppid=$!
lvh_kill_at_exit $ppid
i=0
while [ ! -S "$d/probe" ] && lvh_running $ppid && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
if lvh_running $ppid; then
	lvh_stop $ppid "vhost-user-blk --io=uring"
else
	wait $ppid 2> /dev/null
	cat "$d/probe.txt"
	if [ -z "${LIBVHOST_ALLOW_NO_URING:-}" ]; then
		fail "io_uring is refused on this machine (see the line above; kernel.io_uring_disabled is $(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo unknown)): set LIBVHOST_ALLOW_NO_URING=1 to test without it"
	fi
	echo "io_uring refused, LIBVHOST_ALLOW_NO_URING set: no uring runs"
	engines="sync threads"
fi

runs=0
for io in $engines; do
	for direct in "" --direct; do
		for threads in "" --threads; do
			what="--io=$io${direct:+ $direct}${threads:+ $threads}"
			log="$d/backend-$io$direct$threads.log"
			rm -f "$d/s"
			# zeroes: fe-restart wants a block it has not written to read as zeroes
			: > "$img"
			truncate -s 16M "$img"
			# shellcheck disable=SC2086
			"$blk" --socket-path="$d/s" --blk-file="$img" --queues=2 --io="$io" $direct $threads \
				2> "$log" &
			bpid=$!
			lvh_kill_at_exit $bpid
			lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk $what"
			# first, on the zeroed image
			"$drv" blk --socket "$d/s" --restarts 0 --progress 4000 --queues 2 --depth 16 \
				--image "$img" > "$d/fe.txt" 2>&1 || { cat "$d/fe.txt"; fail "$what: fe-restart blk"; }
			grep -q "fe-restart: pass: .* 0 errors" "$d/fe.txt" || { cat "$d/fe.txt"; fail "$what: no pass line"; }
			"$ctl" blk --socket "$d/s" --verify > "$d/v1.txt" || fail "$what: verify, split"
			"$ctl" blk --socket "$d/s" --verify --packed --queues 2 > "$d/v2.txt" ||
				fail "$what: verify, packed"
			for rw in randwrite randread; do
				"$ctl" blk --socket "$d/s" --bench --rw $rw --iodepth 16 --queues 2 --time 1 \
					--json > "$d/b.txt" 2> /dev/null || fail "$what: bench $rw"
				grep -q '"iops": [1-9]' "$d/b.txt" || fail "$what: bench $rw: no IOPS"
			done
			lvh_stop "$bpid" "vhost-user-blk $what"
			line=$(grep "^vhost-user-blk: I/O: " "$log") || fail "$what: no I/O line"
			case $line in
			"vhost-user-blk: I/O: $io${direct:+, direct}, "*) ;;
			*) fail "$what: the tool says '$line'" ;;
			esac
			bounced=$(echo "$line" | sed 's/.*, \([0-9]*\) requests bounced$/\1/')
			if [ -n "$direct" ]; then
				[ "$bounced" -gt 0 ] || fail "$what: vhost-ctl's unaligned buffers were not bounced"
			fi
			echo "$what: $(sed 's/verify: //' "$d/v1.txt"); $(sed -n 's/.*fe-restart: pass: 0 restarts[^,]*, [^,]*, //p' "$d/fe.txt"); $bounced bounced"
			runs=$((runs + 1))
		done
	done
done
lvh_check_logs
echo "PASS: vhost-user-blk, $runs runs: engines $engines, each with and without --direct and --threads"
