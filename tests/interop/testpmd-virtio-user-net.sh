#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's virtio_user PMD (dpdk-testpmd) as the front-end of our
# vhost-user-net in echo mode, with split and packed rings, mergeable RX
# buffers on and off: testpmd transmits a burst, our device sends every
# frame back, testpmd's io forwarding sends them out again, so the count
# must climb past the first burst, and the counts must match: what testpmd
# sent is what the device took, the device gave all of it back, and testpmd
# received all of that but what was still in its RX ring when it stopped
# polling (at most the ring's 256 entries).  --no-huge works unprivileged (peers.md).  Skipped (77)
# without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1 (it starts in seconds).
set -u
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
net=${top_builddir:-.}/tools/vhost-user-net
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup tp
lvh_rm_at_exit "/tmp/dpdk/lvh$$" "/var/run/dpdk/lvh$$"

run() { # $1: split|packed, $2: mergeable 0|1
	packed=0
	[ "$1" = packed ] && packed=1
	mrg=$2
	set -- "$1-mrg$2"
	"$net" --socket-path="$d/s" 2> "$d/net-$1.log" &
	npid=$!
	lvh_kill_at_exit $npid
	lvh_wait_socket "$d/s" $npid "$1: vhost-user-net"
	rm -f "$d/in"
	mkfifo "$d/in"
	timeout 120 "$pmd" -l 0-1 --no-pci --no-huge -m 128 --file-prefix="lvh$$" \
		--vdev "net_virtio_user0,path=$d/s,queues=1,packed_vq=$packed,mrg_rxbuf=$mrg" \
		-- -i --total-num-mbufs=2048 < "$d/in" > "$d/pmd-$1.log" 2>&1 &
	ppid=$!
	lvh_kill_at_exit $ppid
	exec 3> "$d/in"
	i=0
	until grep -q "testpmd>" "$d/pmd-$1.log"; do
		i=$((i + 1))
		{ [ $i -gt 900 ] || ! kill -0 $ppid 2>/dev/null; } && fail "$1: testpmd did not start"
		sleep 0.1
	done
	echo "start tx_first" >&3
	sleep 2
	echo "stop" >&3
	sleep 1
	echo "quit" >&3
	exec 3>&-
	wait $ppid
	kill $npid
	wait $npid
	rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$d/pmd-$1.log" | head -1)
	tx=$(sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' "$d/pmd-$1.log" | head -1)
	[ -n "$rx" ] && [ -n "$tx" ] || fail "$1: no statistics from testpmd"
	[ "$rx" -gt 32 ] || fail "$1: testpmd received $rx frames back"
	line=$(grep "frames from the driver" "$d/net-$1.log") || fail "$1: the back-end did not report"
	took=$(echo "$line" | sed -n 's/.*: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\1/p')
	gave=$(echo "$line" | sed -n 's/.*: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\2/p')
	[ "$took" = "$tx" ] || fail "$1: testpmd sent $tx frames, the device took $took"
	[ "$gave" = "$took" ] || fail "$1: the device took $took frames and gave back $gave"
	[ "$gave" -ge "$rx" ] && [ "$gave" -le $((rx + 256)) ] ||
		fail "$1: the device gave $gave frames, testpmd received $rx"
	echo "$1: $tx frames sent and taken, $gave given back, $rx received"
	rm -f "$d/s"
}
run split 1
run split 0
run packed 1
run packed 0
echo PASS
