#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# QEMU as the front-end of our vhost-user-blk, SeaBIOS as the guest's
# virtio-blk driver: it must read the boot sector through our back-end and
# boot it ("Booting from Hard Disk" on the debug console).  The boot sector
# parks the CPU (cli; hlt; jmp).  Then QEMU quits, and the back-end must
# still be serving: a second QEMU boots too.  Skipped (77) without QEMU.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
blk=${top_builddir:-.}/tools/vhost-user-blk
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qb
bpid=

# 1 MiB disk: boot sector = fa f4 eb fd ... 55 aa
printf '\372\364\353\375' > "$d/disk.img"
dd if=/dev/zero bs=1 count=506 2>/dev/null >> "$d/disk.img"
printf '\125\252' >> "$d/disk.img"
truncate -s 1M "$d/disk.img"

"$blk" --socket-path="$d/s" --blk-file="$d/disk.img" 2> "$d/backend.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/s" "$bpid" "vhost-user-blk"

boot() {
	rm -f "$d/debugcon.log"
	timeout 60 "$qemu" -accel tcg -m 128M -nodefaults -display none \
		-object memory-backend-memfd,id=mem,size=128M,share=on \
		-machine pc,memory-backend=mem \
		-chardev socket,id=c0,path="$d/s" \
		-device vhost-user-blk-pci,chardev=c0,bootindex=0 \
		-chardev file,id=dbg,path="$d/debugcon.log" \
		-device isa-debugcon,iobase=0x402,chardev=dbg 2> "$d/qemu.log" &
	qpid=$!
	lvh_kill_at_exit $qpid
	i=0
	until grep -q "Booting from Hard Disk" "$d/debugcon.log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 400 ] || ! kill -0 $qpid 2>/dev/null; then
			kill $qpid 2>/dev/null
			fail "boot $1: SeaBIOS did not boot from our disk"
		fi
		sleep 0.1
	done
	grep -q "Booting from 0000:7c00" "$d/debugcon.log" || { kill $qpid; fail "no jump to the boot sector"; }
	lvh_stop $qpid "QEMU $1"
	lvh_check_logs
	echo "boot $1: SeaBIOS read the boot sector through vhost-user-blk"
}
boot 1
lvh_running "$bpid" || fail "the back-end exited when QEMU went away"
boot 2
lvh_stop "$bpid" vhost-user-blk
lvh_check_logs
[ ! -e "$d/s" ] || fail "the back-end left its socket behind"
echo "PASS"
