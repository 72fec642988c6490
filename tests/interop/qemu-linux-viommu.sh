#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest with a vIOMMU (QEMU's intel-iommu) as the driver of our
# vhost-user-blk and vhost-user-net, both with iommu_platform=on: every ring
# and buffer address is an IOVA the back-ends translate through IOTLB misses
# and updates, and the guest's flushes reach them as invalidations.
#   blk, the guest's IOMMU in its default lazy mode: it writes a pattern of
#   4 MiB to /dev/vda with O_DIRECT in 256 requests, reads it back and
#   compares; the image must hold it too.
#   net (echo mode), the guest's IOMMU strict (iommu.strict=1): it sends
#   frames until 16 came back.  The echo drops a frame whose RX pop met an
#   IOTLB miss (to the tool: no buffer yet), so about one in two is lost,
#   each fresh RX buffer missing once; in lazy mode, where each flush takes
#   every entry, the RX buffers' too, almost every frame is.
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
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
busybox=$(command -v busybox) || { echo "busybox-static not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_guest_kernel
file "$busybox" 2>/dev/null | grep -q "dynamically linked" && { echo "busybox is not static"; exit 77; }
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
lvh_setup qv

vfail() {
	echo "--- guest serial log"
	cat "$d/console.log" 2>/dev/null
	fail "$@"
}

mkdir -p "$d/root/bin" "$d/root/proc" "$d/root/sys" "$d/root/dev" "$d/root/tmp"
cp "$busybox" "$d/root/bin/busybox"
cat > "$d/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "guest: up"
if [ -b /dev/vda ]; then
	yes libvhost-viommu-pattern | head -c 4194304 > /tmp/p
	dd if=/tmp/p of=/dev/vda bs=16384 seek=64 oflag=direct 2>/dev/null || echo "guest: FAIL write"
	dd if=/dev/vda of=/tmp/r bs=32768 skip=32 count=128 iflag=direct 2>/dev/null ||
		echo "guest: FAIL read"
	if cmp /tmp/p /tmp/r; then echo "guest: blk PASS"; else echo "guest: FAIL readback"; fi
	rm -f /tmp/r
fi
s=/sys/class/net/eth0/statistics
if [ -d $s ]; then
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	# a made-up neighbour, so that pings go out (the echo answers no ARP)
	ip neigh add 10.0.2.2 lladdr 52:54:00:12:34:99 dev eth0
	# frames go in rounds until 16 came back (see the top of the test)
	i=0; rx=0
	while [ $i -lt 40 ] && [ "$rx" -lt 16 ]; do
		ping -c 8 -i 0.1 -W 1 10.0.2.2 > /dev/null 2>&1
		rx=$(cat $s/rx_packets); i=$((i + 1))
	done
	tx=$(cat $s/tx_packets)
	echo "guest: tx $tx rx $rx in $i rounds"
	if [ "$rx" -ge 16 ] && [ "$tx" -ge "$rx" ]; then echo "guest: net PASS"; else echo "guest: FAIL net"; fi
fi
sync
reboot -f
INIT
chmod +x "$d/root/init"
(cd "$d/root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip) > "$d/initramfs.gz" ||
	fail "cannot build the initramfs"

truncate -s 16M "$d/disk.img"
LIBVHOST_LOG=debug "$blk" --socket-path="$d/sb" --blk-file="$d/disk.img" 2> "$d/blk.log" &
bpid=$!
lvh_kill_at_exit $bpid
LIBVHOST_LOG=debug "$net" --socket-path="$d/sn" 2> "$d/net.log" &
npid=$!
lvh_kill_at_exit $npid
lvh_wait_socket "$d/sb" "$bpid" "vhost-user-blk"
lvh_wait_socket "$d/sn" "$npid" "vhost-user-net"
# guest NAME KERNEL-ARGS QEMU-DEVICE-ARGS...: boots the guest with a vIOMMU
guest() {
	g=$1 args=$2
	shift 2
	timeout 300 "$qemu" -accel tcg -m 256M -nodefaults -display none -nographic -no-reboot \
		-object memory-backend-memfd,id=mem,size=256M,share=on \
		-machine q35,memory-backend=mem -device intel-iommu,intremap=off,device-iotlb=on \
		-device pcie-root-port,id=rp0,chassis=1,slot=1 "$@" \
		-serial file:"$d/console-$g.log" -kernel "$kernel" -initrd "$d/initramfs.gz" \
		-append "console=ttyS0 panic=-1 intel_iommu=on $args" > "$d/qemu-$g.log" 2>&1
	cat "$d/console-$g.log" >> "$d/console.log"
	cat "$d/qemu-$g.log" >> "$d/qemu.log"
	rm -f "$d/console-$g.log" "$d/qemu-$g.log"
}
guest blk "" -chardev socket,id=c0,path="$d/sb" \
	-device vhost-user-blk-pci,chardev=c0,bus=rp0,iommu_platform=on,ats=on,disable-legacy=on
# vectors=0: QEMU 7.2 under TCG crashes in vhost_net_start when a guest
# enables MSI-X on a vhost-user virtio-net-pci (INTx works)
guest net iommu.strict=1 -chardev socket,id=c1,path="$d/sn" -netdev vhost-user,id=n0,chardev=c1 \
	-device virtio-net-pci,netdev=n0,romfile=,bus=rp0,vectors=0,iommu_platform=on,ats=on,disable-legacy=on

[ "$(grep -c "DMAR: IOMMU enabled" "$d/console.log")" -eq 2 ] ||
	vfail "a guest did not boot or did not enable its IOMMU"
grep -q "guest: blk PASS" "$d/console.log" || vfail "the guest's block check did not pass"
grep -q "guest: net PASS" "$d/console.log" || vfail "the guest did not get its frames back"
grep "guest: tx" "$d/console.log"
# (not DMAR faults: QEMU itself reads the first ring's index after the
# guest's driver reset the device and took the ring's mapping away)
if grep -Ei "I/O error|virtio.*(error|fail)|blk_update_request" "$d/console.log"; then
	vfail "the guest logged an I/O or virtio error"
fi
if grep -Ei "vhost|fail(ed)? to" "$d/qemu.log"; then
	vfail "QEMU logged vhost errors"
fi
for t in blk net; do
	log=$d/$t.log
	if grep -E "broken|dropping the front-end" "$log"; then
		vfail "vhost-user-$t logged a broken ring or dropped QEMU"
	fi
	misses=$(grep -c "IOTLB miss at" "$log")
	updates=$(grep -c "IOTLB update of" "$log")
	invals=$(grep -c "IOTLB invalidation of" "$log")
	echo "vhost-user-$t: $misses IOTLB misses, $updates updates, $invals invalidations"
	[ "$misses" -gt 0 ] && [ "$updates" -gt 0 ] && [ "$invals" -gt 0 ] ||
		vfail "vhost-user-$t: no IOTLB misses, updates or invalidations"
done

yes libvhost-viommu-pattern | head -c 4194304 > "$d/expect"
dd if="$d/disk.img" of="$d/got" bs=16384 skip=64 count=256 2>/dev/null
cmp -s "$d/expect" "$d/got" || vfail "the image does not hold what the guest wrote"
for p in $bpid $npid; do
	kill -TERM "$p" 2>/dev/null || vfail "a back-end exited early"
	wait "$p"
	rc=$?
	[ "$rc" -eq 0 ] || vfail "a back-end exited with status $rc on SIGTERM"
done
echo "PASS: a Linux guest with a vIOMMU wrote and read /dev/vda and had its frames echoed through vhost-user-blk and vhost-user-net"
