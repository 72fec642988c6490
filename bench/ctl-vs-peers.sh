#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Control-plane figures of libvhost's vhost-user-blk, qemu-storage-daemon's
# vhost-user-blk export and DPDK's vhost PMD (dpdk-testpmd net_vhost0), all
# driven by bench/ctl-bench (libvhost's front-end), in one sitting:
#   - handshake to rings running, 2 rings each (blk with 2 queues; a net
#     device has 2), ITERS times each, the peers taken in turn;
#   - GET_FEATURES round trips against a raw unix-socket ping-pong, ROUNDS
#     rounds of blocks of 2000, the raw socket and the peers in turn;
# then the in-process figures (ADD_MEM_REG, many vrings, RSS, lookup).
# Everything runs on CPU 0 (taskset), the peers and the driver alike, so
# that no wake-up crosses vCPUs.  Prints numbers; asserts nothing.
#   sh bench/ctl-vs-peers.sh [BUILDDIR] [ITERS] [ROUNDS]
set -u
b=${1:-.}
iters=${2:-200}
rounds=${3:-10}
pin="taskset -c 0"
d=$(mktemp -d /dev/shm/lvh-ctl.XXXXXX 2>/dev/null || mktemp -d /tmp/lvh-ctl.XXXXXX)
pids=
cleanup() {
	[ -p "$d/in" ] && { echo quit >&3; } 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$d"
	# DPDK's runtime directory for the prefix (root's, or a user's)
	rm -rf "/var/run/dpdk/lvhctl$$" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/lvhctl$$" "/tmp/dpdk/lvhctl$$"
}
trap cleanup EXIT
truncate -s 64M "$d/disk.img"

wait_sock() { # $1 path, $2 log
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && { echo "no socket $1" >&2; cat "$2" >&2; exit 1; }
		sleep 0.1
	done
}

peers=lib
$pin "$b/tools/vhost-user-blk" --socket-path="$d/lib" --blk-file="$d/disk.img" --queues=2 \
	2> "$d/lib.log" &
pids="$pids $!"
wait_sock "$d/lib" "$d/lib.log"
if command -v qemu-storage-daemon > /dev/null; then
	$pin qemu-storage-daemon --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
		--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/qsd,writable=on,num-queues=2" \
		2> "$d/qsd.log" &
	pids="$pids $!"
	wait_sock "$d/qsd" "$d/qsd.log"
	peers="$peers qsd"
else
	echo "qemu-storage-daemon not installed (qemu-utils): no qsd figures" >&2
fi
if command -v dpdk-testpmd > /dev/null; then
	mkfifo "$d/in"
	# both lcores on CPU 0 too; in interactive mode the forwarding lcore sleeps
	$pin dpdk-testpmd --lcores 0@0,1@0 --no-pci --no-huge -m 64 --file-prefix="lvhctl$$" \
		--vdev "net_vhost0,iface=$d/dpdk,queues=1" -- -i --total-num-mbufs=2048 \
		< "$d/in" > "$d/dpdk.log" 2>&1 &
	pids="$pids $!"
	exec 3> "$d/in"
	wait_sock "$d/dpdk" "$d/dpdk.log"
	peers="$peers dpdk"
else
	echo "dpdk-testpmd not installed (dpdk): no DPDK figures" >&2
fi

echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg); every process on CPU 0"
socks=
for p in $peers; do socks="$socks${socks:+,}$d/$p"; done
$pin "$b/bench/ctl-bench" handshake "$socks" 2 "$iters"
$pin "$b/bench/ctl-bench" rtt "$socks" "$rounds"
$pin "$b/bench/ctl-bench" addreg 509
$pin "$b/bench/ctl-bench" vrings
$pin "$b/bench/ctl-bench" rss 64
$pin "$b/bench/mem-lookup"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
