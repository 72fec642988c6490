#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest with a vIOMMU (QEMU's intel-iommu) as the driver of our
# vhost-user-blk and vhost-user-net, both with iommu_platform=on: every ring
# and buffer address is an IOVA the back-ends translate through IOTLB misses
# and updates, and the guest's flushes reach them as invalidations.
#   blk, the guest's IOMMU in its default lazy mode: guest-io's verifying
#   O_DIRECT load on /dev/vda for 15 s (every read checked against the
#   block's last completed write, every block read back at the end); the
#   image must hold exactly what the guest's writes completed.
#   net (echo mode), the guest's IOMMU strict (iommu.strict=1): guest-io
#   --net sends frames with sequence numbers and checksums for 15 s; at
#   least 16 must come back, none changed or out of order.  The echo drops a
#   frame whose RX pop met an IOTLB miss (to the tool: no buffer yet), so
#   many are lost (counted), each fresh RX buffer missing once.
# The back-ends' debug logs must show misses, updates and invalidations and
# nothing broken; QEMU must log no vhost error, the guest no I/O error; both
# tools must exit 0 on SIGTERM.  Kernel and skips as in qemu-linux-blk.sh.
#
# The devices sit behind PCIe root ports: only there does QEMU give them
# the ATS capability (ats=on), so that the guest flushes their device IOTLB
# and QEMU forwards that.  On the root bus a lazy guest's flushes are
# domain-wide IOTLB invalidations, which QEMU 7.2 forwards to no vhost
# back-end: it keeps translations of IOVAs the guest has since mapped to
# other pages.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
lvh_guest_setup qv

lvh_guest_initramfs "$guest_io" <<'INIT'
echo "guest: up"
if [ -b /dev/vda ]; then
	guest-io --workers=2 --seconds=15 --progress=500 /dev/vda
	echo "guest: blk exit $?"
fi
if [ -d /sys/class/net/eth0 ]; then
	ip link set eth0 up
	guest-io --net=eth0 --strict --seconds=15
	echo "guest: net exit $?"
fi
INIT

truncate -s 16M "$d/disk.img"
export LIBVHOST_LOG=debug
lvh_tool_start "$d/blk.log" "$blk" --socket-path="$d/sb" --blk-file="$d/disk.img"
bpid=$tool_pid
lvh_tool_start "$d/net.log" "$net" --socket-path="$d/sn"
npid=$tool_pid
lvh_wait_socket "$d/sb" "$bpid" "vhost-user-blk"
lvh_wait_socket "$d/sn" "$npid" "vhost-user-net"
# guest NAME KERNEL-ARGS QEMU-DEVICE-ARGS...: a guest with a vIOMMU, until it
# powers off; its console and QEMU's log checked, then kept as NAME-*.log
guest() {
	g=$1
	guest_append="intel_iommu=on $2"
	shift 2
	lvh_guest_start -m 256M \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-machine q35,memory-backend=mem -device intel-iommu,intremap=off,device-iotlb=on \
		-device pcie-root-port,id=rp0,chassis=1,slot=1 "$@"
	lvh_guest_end
	grep -q "DMAR: IOMMU enabled" "$d/console.log" || lvh_guest_fail "the $g guest did not enable its IOMMU"
	# (not DMAR faults: QEMU itself reads the first ring's index after the
	# guest's driver reset the device and took the ring's mapping away)
	lvh_guest_check_console
	lvh_guest_check_qemu_log
	mv "$d/console.log" "$d/console-$g.log"
	mv "$d/qemu.log" "$d/qemu-$g.log"
}
guest blk "" -chardev socket,id=c0,path="$d/sb" \
	-device vhost-user-blk-pci,chardev=c0,bus=rp0,iommu_platform=on,ats=on,disable-legacy=on
# vectors=0: QEMU 7.2 under TCG crashes in vhost_net_start when a guest
# enables MSI-X on a vhost-user virtio-net-pci (INTx works)
guest net iommu.strict=1 -chardev socket,id=c1,path="$d/sn" -netdev vhost-user,id=n0,chardev=c1 \
	-device virtio-net-pci,netdev=n0,romfile=,bus=rp0,vectors=0,iommu_platform=on,ats=on,disable-legacy=on

grep -q "guest: blk exit 0" "$d/console-blk.log" || lvh_guest_fail "guest-io on /dev/vda failed"
want=$(grep -F "guest-io: map written" "$d/console-blk.log" | tr -d '\r')
got=$("$guest_io" --check-image="$d/disk.img") || lvh_guest_fail "the image has bad blocks: $got"
[ "$got" = "$want" ] || lvh_guest_fail "the image does not hold what the guest wrote: $got, not $want"
blk_line=$(grep -F "guest-io: writes" "$d/console-blk.log" | tr -d '\r' | sed 's/.*guest-io: //')
grep -q "guest: net exit 0" "$d/console-net.log" || lvh_guest_fail "guest-io --net failed"
net_line=$(grep -F "guest-io: net stopped" "$d/console-net.log" | tr -d '\r' | sed 's/.*guest-io: //')
rx=$(echo "$net_line" | sed -n 's/.* received \([0-9]*\) .*/\1/p')
[ "${rx:-0}" -ge 16 ] || lvh_guest_fail "under 16 frames came back: $net_line"
for t in blk net; do
	log=$d/$t.log
	if grep -E "broken|dropping the front-end" "$log"; then
		lvh_guest_fail "vhost-user-$t logged a broken ring or dropped QEMU"
	fi
	misses=$(grep -c "IOTLB miss at" "$log")
	updates=$(grep -c "IOTLB update of" "$log")
	invals=$(grep -c "IOTLB invalidation of" "$log")
	echo "vhost-user-$t: $misses IOTLB misses, $updates updates, $invals invalidations"
	[ "$misses" -gt 0 ] && [ "$updates" -gt 0 ] && [ "$invals" -gt 0 ] ||
		lvh_guest_fail "vhost-user-$t: no IOTLB misses, updates or invalidations"
done
tool_pid=$bpid
lvh_tool_end "$d/blk.log"
tool_pid=$npid
lvh_tool_end "$d/net.log"
echo "PASS: a Linux guest with a vIOMMU: blk $blk_line, image verified; $net_line"
