#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end as the driver of DPDK's vhost PMD (dpdk-testpmd,
# net_vhost, io forwarding): the frames we transmit are counted by testpmd
# and forwarded back into our RX ring, split and packed.  --no-huge works
# unprivileged here (the PMD maps our memfd; it needs no hugepages itself).
# Skipped (77) without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1; packed
# rings where the PMD does not offer them: "SKIP: packed: ..." in the log.
set -u
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/net-driver
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup dv
lvh_dpdk_rm_at_exit "lvhv$$"

run() { # split|packed
	rm -f "$d/s"
	lvh_testpmd "lvhv$$" "$d/pmd-$1.log" "$d/s" "net_vhost0,iface=$d/s,queues=1"
	echo "set fwd io" >&3
	echo "start" >&3
	extra=
	[ "$1" = packed ] && extra=packed
	timeout 60 "$drv" "$d/s" 100 $extra > "$d/driver-$1.log" 2>&1
	st=$?
	# the statistics, then it quits
	lvh_testpmd_quit "testpmd ($1)" stop
	lvh_check_logs
	if [ $st -eq 77 ] && [ "$1" = packed ]; then
		echo "SKIP: packed: testpmd's vhost PMD does not offer VIRTIO_F_RING_PACKED"
		return
	fi
	[ $st -eq 0 ] || fail "$1: the driver saw no frames come back"
	rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$d/pmd-$1.log" | head -1)
	[ -n "$rx" ] && [ "$rx" -ge 100 ] || fail "$1: testpmd counted ${rx:-no} frames from us"
	cat "$d/driver-$1.log"
	echo "$1: testpmd received $rx of our frames and sent them back"
}
run split
run packed
echo PASS
