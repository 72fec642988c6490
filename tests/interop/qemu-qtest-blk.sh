#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# QEMU's qtest protocol, with no guest code: tests/interop/qemu-qtest-blk
# plays the virtio-blk driver of QEMU's vhost-user-blk-pci device (PCI scan,
# BARs, virtio-pci capabilities, virtio 1.x start, descriptors written into
# guest RAM, the used index polled) on our vhost-user-blk: write and read
# back sectors 0-7, reset the device, start it again with the rings
# elsewhere and do it again; the image must hold the second pattern.
# Deterministic: no interrupts, no firmware.  The qtest accelerator is used
# when this QEMU has it; Debian's build does not, so the vCPU runs under
# TCG a 64 KiB firmware that only halts (cli; hlt at the reset vector),
# which keeps SeaBIOS from racing the test for PCI config space.
# Skipped (77) without QEMU.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
blk=${top_builddir:-.}/tools/vhost-user-blk
driver=${top_builddir:-.}/tests/interop/qemu-qtest-blk
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qq

if "$qemu" -accel help 2>/dev/null | grep -qx qtest; then accel=qtest; else accel=tcg; fi
# the firmware: 0xf4 (hlt) everywhere, fa f4 eb fd (cli; hlt; jmp $-3) at 0xfff0
dd if=/dev/zero bs=65536 count=1 2>/dev/null | tr '\000' '\364' > "$d/halt.bin"
printf '\372\364\353\375' | dd of="$d/halt.bin" bs=1 seek=65520 conv=notrunc 2>/dev/null
truncate -s 1M "$d/disk.img"

"$blk" --socket-path="$d/s" --blk-file="$d/disk.img" 2> "$d/backend.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk"

timeout 120 "$qemu" -accel $accel -m 128M -nodefaults -display none -bios "$d/halt.bin" \
	-object memory-backend-memfd,id=mem,size=128M,share=on \
	-machine pc,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" \
	-device vhost-user-blk-pci,chardev=c0,addr=0x4 \
	-qtest unix:"$d/qt",server=on,wait=off -qtest-log none 2> "$d/qemu.log" &
qpid=$!
lvh_kill_at_exit $qpid
lvh_wait_socket "$d/qt" "$qpid" "QEMU's qtest"

echo "accelerator: $accel"
timeout 60 "$driver" "$d/qt" "$d/disk.img" > "$d/driver.log" 2>&1
st=$?
cat "$d/driver.log"
[ $st -eq 0 ] || fail "the qtest driver failed ($st)"

lvh_stop $qpid QEMU
lvh_stop $bpid vhost-user-blk
lvh_check_logs
echo "PASS"
