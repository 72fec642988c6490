#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Frames per second through vhost-user-net's echo device, driven by DPDK's
# virtio_user PMD (dpdk-testpmd, io forwarding, one queue pair, --no-huge),
# with split and packed rings.  Prints numbers; asserts nothing.
#   sh bench/vhost-user-net-testpmd.sh [BUILDDIR] [SECONDS]
# Placement matters (research/performance.md): for stable numbers pin the
# two processes apart: testpmd forwards on core 1 (-l 0-1), so run the device
# on core 0 with LIBVHOST_BENCH_PIN="taskset -c 0".
set -u
build=${1:-.}
secs=${2:-5}
pin=${LIBVHOST_BENCH_PIN:-}
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed" >&2; exit 1; }
d=$(mktemp -d /tmp/lvh-bench.XXXXXX)
trap 'rm -rf "$d" /tmp/dpdk/lvhb$$' EXIT

for layout in split packed; do
	packed=0
	[ $layout = packed ] && packed=1
	$pin "$build/tools/vhost-user-net" --socket-path="$d/s" 2> "$d/net.log" &
	npid=$!
	while [ ! -S "$d/s" ]; do sleep 0.1; done
	rm -f "$d/in"; mkfifo "$d/in"
	timeout $((secs + 120)) "$pmd" -l 0-1 --no-pci --no-huge -m 128 --file-prefix="lvhb$$" \
		--vdev "net_virtio_user0,path=$d/s,queues=1,packed_vq=$packed" \
		-- -i --total-num-mbufs=4096 < "$d/in" > "$d/pmd.log" 2>&1 &
	ppid=$!
	exec 3> "$d/in"
	until grep -q "testpmd>" "$d/pmd.log"; do
		kill -0 $ppid 2>/dev/null || { cat "$d/pmd.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "start tx_first 8" >&3
	sleep "$secs"
	echo "stop" >&3
	sleep 1
	echo "quit" >&3
	exec 3>&-
	wait $ppid
	kill $npid; wait $npid
	rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$d/pmd.log" | head -1)
	echo "$layout: $rx frames back in ${secs}s = $((rx / secs)) frames/s (64-byte frames, echo)"
	rm -f "$d/s"
done
