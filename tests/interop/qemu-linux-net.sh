#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest's virtio-net driver on our vhost-user-net in echo mode:
# the guest brings eth0 up and sends frames (ARP, by pinging a neighbour);
# every frame comes back, so its receive counter must climb along with its
# transmit counter.  Kernel and skips as in qemu-linux-blk.sh.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
busybox=$(command -v busybox) || { echo "busybox-static not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_guest_kernel
# the kernel has TARGET_CORE built in (check-vm's vhost-scsi): at boot it says
# that its configfs db_root, /etc/target, is not in our initramfs
lvh_log_allow='db_root: cannot open: /etc/target$'
net=${top_builddir:-.}/tools/vhost-user-net
lvh_setup qn
npid=

mkdir -p "$d/root/bin" "$d/root/proc" "$d/root/sys" "$d/root/dev"
cp "$busybox" "$d/root/bin/busybox"
cat > "$d/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
s=/sys/class/net/eth0/statistics
if [ ! -d $s ]; then
	echo "guest: FAIL no eth0"
else
	ip link set eth0 up
	ip addr add 10.0.2.15/24 dev eth0
	ping -c 3 -W 1 10.0.2.2 > /dev/null 2>&1
	tx=$(cat $s/tx_packets); rx=$(cat $s/rx_packets)
	echo "guest: tx $tx rx $rx"
	if [ "$tx" -gt 0 ] && [ "$rx" -ge "$tx" ]; then echo "guest: PASS"; else echo "guest: FAIL"; fi
fi
reboot -f
INIT
chmod +x "$d/root/init"
(cd "$d/root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip) > "$d/initramfs.gz" ||
	fail "cannot build the initramfs"

"$net" --socket-path="$d/s" 2> "$d/backend.log" &
npid=$!
lvh_kill_at_exit $npid
lvh_wait_socket "$d/s" "$npid" "vhost-user-net"
# vectors=0: QEMU 7.2 under TCG segfaults in vhost_net_start (in
# msix_set_vector_notifiers) when the guest enables MSI-X on a virtio-net-pci
# whose netdev is vhost-user (DPDK's vhost as the back-end too: QEMU's bug);
# without MSI-X vectors the guest uses INTx.
timeout 180 "$qemu" -accel tcg -m 256M -nodefaults -display none -nographic -no-reboot \
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" -netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,romfile=,vectors=0 \
	-serial file:"$d/console.log" \
	-kernel "$kernel" -initrd "$d/initramfs.gz" \
	-append 'console=ttyS0 panic=-1 quiet' > "$d/qemu.log" 2>&1
st=$?
grep -q "guest: PASS" "$d/console.log" || fail "the guest did not get its frames back"
grep "guest: tx" "$d/console.log"
# the guest's reboot -f ends QEMU (-no-reboot) with status 0
[ $st -eq 0 ] || fail "QEMU exited with status $st"
lvh_stop "$npid" vhost-user-net
lvh_check_logs
echo "PASS: a Linux guest's frames went through vhost-user-net and came back"
