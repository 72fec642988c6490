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
# virtio_user asks for promiscuous mode through the control queue
# (VIRTIO_NET_F_CTRL_RX), which vhost-user-net does not offer; testpmd goes on
lvh_log_allow='^Error during enabling promiscuous mode for port 0: Operation not supported - ignore$'
lvh_dpdk_rm_at_exit "lvh$$"

# testpmd LABEL PACKED MRG RX|TX MIN "COMMANDS" [TESTPMD-ARGS...]: testpmd's
# virtio_user on $d/s, COMMANDS given at its prompt, then traffic until the
# port's RX or TX count passed MIN (60 s at most); sets $rx and $tx (the
# port's counts at the end)
testpmd() {
	label=$1 packed=$2 mrg=$3 counter=$4 min=$5 cmds=$6
	shift 6
	lvh_testpmd "lvh$$" "$d/pmd-$label.log" - \
		"net_virtio_user0,path=$d/s,queues=1,packed_vq=$packed,mrg_rxbuf=$mrg" "$@"
	printf '%s\n' "$cmds" >&3
	lvh_wait_for 60 "$label: testpmd's port did not pass $min $counter frames" port_passed
	# testpmd runs its commands in turn: the port's counts are the last ones
	lvh_testpmd_quit "testpmd ($label)" stop "show port stats 0"
	# the port's counts (the forwarding statistics leave out a last burst)
	rx=$(port_count RX)
	tx=$(port_count TX)
	[ -n "$rx" ] && [ -n "$tx" ] || fail "$label: no statistics from testpmd"
}
# port_count RX|TX: the last count testpmd printed for the port
port_count() {
	case $1 in
	RX) sed -n 's/.*RX-packets: *\([0-9]*\) *RX-missed.*/\1/p' "$d/pmd-$label.log" | tail -n 1 ;;
	TX) sed -n 's/.*TX-packets: *\([0-9]*\) *TX-errors.*/\1/p' "$d/pmd-$label.log" | tail -n 1 ;;
	esac
}
# port_passed: asks testpmd for the port's counts; true once an answer passed $min
port_passed() {
	lvh_running $ppid || fail "$label: testpmd exited"
	echo "show port stats 0" >&3
	n=$(port_count $counter)
	[ -n "$n" ] && [ "$n" -gt "$min" ]
}

# device LABEL MODE [ARGS...]: our vhost-user-net on $d/s
device() {
	label=$1 mode=$2
	shift 2
	"$net" --socket-path="$d/s" --mode="$mode" "$@" 2> "$d/net-$label.log" &
	npid=$!
	lvh_kill_at_exit $npid
	lvh_wait_socket "$d/s" $npid "$label: vhost-user-net"
}

# device_counts LABEL: stops the device; sets $took, $gave and $dropped
device_counts() {
	lvh_stop $npid "$1: vhost-user-net"
	lvh_check_logs "$d/pmd-$1.log" "$d/net-$1.log"
	line=$(grep "frames from the driver" "$d/net-$1.log") || fail "$1: the back-end did not report"
	took=$(echo "$line" | sed -n 's/.*: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\1/p')
	gave=$(echo "$line" | sed -n 's/.*: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\2/p')
	dropped=$(echo "$line" | sed -n 's/.*: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\3/p')
	rm -f "$d/s"
}

# run split|packed 0|1 [--poll]: echo mode, mergeable RX buffers off or on.
# Polling, the device tells the driver of used buffers 64 at a time or when
# a ring idles: testpmd's one burst of 32 comes back only through the latter.
run() {
	packed=0
	[ "$1" = packed ] && packed=1
	poll=${3:-}
	set -- "$1-mrg$2$poll" $packed "$2"
	device "$1" echo $poll
	testpmd "$1" "$2" "$3" RX 10000 "start tx_first"
	device_counts "$1"
	[ "$rx" -gt 32 ] || fail "$1: testpmd received $rx frames back"
	[ "$took" = "$tx" ] || fail "$1: testpmd sent $tx frames, the device took $took"
	[ "$gave" = "$took" ] || fail "$1: the device took $took frames and gave back $gave"
	[ "$gave" -ge "$rx" ] && [ "$gave" -le $((rx + 256)) ] ||
		fail "$1: the device gave $gave frames, testpmd received $rx"
	echo "$1: $tx frames sent and taken, $gave given back, $rx received"
}
run split 1
run split 0
run packed 1
run packed 0
run split 1 --poll
run packed 1 --poll

# The benchmark's modes (bench/net-vs-dpdk.sh), in bursts: testpmd txonly
# into the sink, and rxonly from the source.  Every frame the driver sent
# was taken; what the source gave is what testpmd received, but for what
# its RX ring still held.  Then 1518-byte frames into testpmd's 524-byte
# buffers (640-byte mbufs, mergeable): three buffers a frame, frames across the source's
# bursts, and none cut short when the ring runs out mid-frame (the source
# puts back what it took and waits for more).
for layout in split packed; do
	packed=0
	[ $layout = packed ] && packed=1
	device "sink-$layout" sink
	testpmd "sink-$layout" $packed 1 TX 100000 "$(printf 'set fwd txonly\nstart')"
	device_counts "sink-$layout"
	[ "$tx" -gt 1000 ] || fail "sink-$layout: testpmd sent only $tx frames"
	[ "$took" = "$tx" ] || fail "sink-$layout: testpmd sent $tx frames, the device took $took"
	echo "sink-$layout: $tx frames sent and taken"

	device "source-$layout" source --frame-len=1518
	testpmd "source-$layout" $packed 1 RX 100000 "$(printf 'set fwd rxonly\nstart')"
	device_counts "source-$layout"
	[ "$rx" -gt 1000 ] || fail "source-$layout: testpmd received only $rx frames"
	[ "$dropped" = 0 ] || fail "source-$layout: the device dropped $dropped frames"
	[ "$gave" -ge "$rx" ] && [ "$gave" -le $((rx + 256)) ] ||
		fail "source-$layout: the device gave $gave frames, testpmd received $rx"
	echo "source-$layout: $gave frames given, $rx received"

	device "big-$layout" source --frame-len=1518
	testpmd "big-$layout" $packed 1 RX 100000 "$(printf 'set fwd rxonly\nstart')" \
		--mbuf-size=640 --enable-scatter
	device_counts "big-$layout"
	[ "$rx" -gt 1000 ] || fail "big-$layout: testpmd received only $rx frames"
	[ "$dropped" = 0 ] || fail "big-$layout: the device dropped or cut $dropped frames"
	grep -q "RX-errors: 0" "$d/pmd-big-$layout.log" ||
		fail "big-$layout: testpmd counted receive errors"
	[ "$gave" -ge "$rx" ] && [ "$gave" -le $((rx + 256 / 3)) ] ||
		fail "big-$layout: the device gave $gave frames, testpmd received $rx"
	echo "big-$layout: $gave frames of 3 buffers given, $rx received"
done
echo PASS
