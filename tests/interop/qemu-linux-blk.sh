#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest as the driver of our vhost-user-blk: QEMU boots a kernel
# with virtio-blk built in and a busybox initramfs made here; the guest
# writes a pattern to /dev/vda, reads it back with O_DIRECT and compares,
# and afterwards the image file must hold the pattern.
# The kernel: $LIBVHOST_VM_KERNEL, else the one make check-vm built and
# cached (lvh_guest_kernel in lib.sh); skipped (77) without a kernel, QEMU
# or busybox-static.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
busybox=$(command -v busybox) || { echo "busybox-static not installed"; exit 77; }
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_guest_kernel
# the kernel has TARGET_CORE built in (check-vm's vhost-scsi): at boot it says
# that its configfs db_root, /etc/target, is not in our initramfs
lvh_log_allow='db_root: cannot open: /etc/target$'
file "$busybox" 2>/dev/null | grep -q "dynamically linked" && { echo "busybox is not static"; exit 77; }
blk=${top_builddir:-.}/tools/vhost-user-blk
lvh_setup ql
bpid=

mkdir -p "$d/root/bin" "$d/root/proc" "$d/root/sys" "$d/root/dev" "$d/root/tmp"
cp "$busybox" "$d/root/bin/busybox"
cat > "$d/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "guest: up"
if [ ! -b /dev/vda ]; then
	echo "guest: FAIL no /dev/vda"
else
	yes libvhost-guest-pattern | head -c 65536 > /tmp/p
	dd if=/tmp/p of=/dev/vda bs=4096 seek=256 conv=fsync 2>/dev/null
	dd if=/dev/vda of=/tmp/r bs=4096 skip=256 count=16 iflag=direct 2>/dev/null
	if cmp /tmp/p /tmp/r; then echo "guest: PASS"; else echo "guest: FAIL readback"; fi
fi
sync
reboot -f
INIT
chmod +x "$d/root/init"
(cd "$d/root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip) > "$d/initramfs.gz" ||
	fail "cannot build the initramfs"

truncate -s 4M "$d/disk.img"
"$blk" --socket-path="$d/s" --blk-file="$d/disk.img" 2> "$d/backend.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk"
timeout 180 "$qemu" -accel tcg -m 256M -nodefaults -display none -nographic -no-reboot \
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" -device vhost-user-blk-pci,chardev=c0 \
	-serial file:"$d/console.log" \
	-kernel "$kernel" -initrd "$d/initramfs.gz" \
	-append 'console=ttyS0 panic=-1 quiet' > "$d/qemu.log" 2>&1
st=$?
grep -q "guest: PASS" "$d/console.log" || fail "the guest's check did not pass"
# the guest's reboot -f ends QEMU (-no-reboot) with status 0
[ $st -eq 0 ] || fail "QEMU exited with status $st"
yes libvhost-guest-pattern | head -c 65536 > "$d/expect"
dd if="$d/disk.img" of="$d/got" bs=4096 skip=256 count=16 2>/dev/null
cmp -s "$d/expect" "$d/got" || fail "the image does not hold what the guest wrote"
lvh_stop "$bpid" vhost-user-blk
lvh_check_logs
echo "PASS: the guest wrote and read /dev/vda through vhost-user-blk; the image holds it"
