#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Client mode: QEMU listens on the vhost-user socket (-chardev
# socket,server=on) and our vhost-user-blk connects to it (--connect).
# SeaBIOS must boot from the disk through it, as in qemu-seabios-blk.sh.
# Then that QEMU is killed (SIGKILL: no goodbye), a second QEMU listens on
# the same path, and the same back-end process must connect to it by
# itself, and SeaBIOS must boot from it again.  A third QEMU, after the
# second quit cleanly (SIGTERM), must be served too.  Skipped (77) without
# QEMU.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
blk=${top_builddir:-.}/tools/vhost-user-blk
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qc
bpid=
qpid=

# 1 MiB disk: boot sector = fa f4 eb fd (cli; hlt; jmp) ... 55 aa
printf '\372\364\353\375' > "$d/disk.img"
dd if=/dev/zero bs=1 count=506 2>/dev/null >> "$d/disk.img"
printf '\125\252' >> "$d/disk.img"
truncate -s 1M "$d/disk.img"

# QEMU number $1, listening on $d/s; the vCPU runs from the start, but
# the device's realize waits until a back-end has connected.
start_qemu() {
	rm -f "$d/debugcon.log" "$d/qemu.pid"
	timeout 120 "$qemu" -accel tcg -m 128M -nodefaults -display none \
		-object memory-backend-memfd,id=mem,size=128M,share=on \
		-machine pc,memory-backend=mem \
		-chardev socket,id=c0,path="$d/s",server=on,wait=off \
		-device vhost-user-blk-pci,chardev=c0,bootindex=0 \
		-chardev file,id=dbg,path="$d/debugcon.log" \
		-device isa-debugcon,iobase=0x402,chardev=dbg \
		-pidfile "$d/qemu.pid" 2> "$d/qemu$1.log" &
	tpid=$!
	lvh_kill_at_exit $tpid
	# QEMU's own pid: a SIGKILL to timeout(1) would leave QEMU running
	i=0
	until qpid=$(cat "$d/qemu.pid" 2>/dev/null) && [ -n "$qpid" ]; do
		i=$((i + 1))
		{ [ $i -gt 100 ] || ! kill -0 $tpid 2>/dev/null; } && fail "QEMU $1 did not start"
		sleep 0.1
	done
	lvh_kill_at_exit $qpid
}

wait_boot() {
	i=0
	until grep -q "Booting from Hard Disk" "$d/debugcon.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "QEMU $1: SeaBIOS did not boot from our disk"
		lvh_running $qpid || fail "QEMU $1 exited before booting"
		lvh_running $bpid || fail "the back-end exited (QEMU $1)"
		sleep 0.1
	done
	grep -q "Booting from 0000:7c00" "$d/debugcon.log" || fail "QEMU $1: no jump to the boot sector"
	echo "QEMU $1: SeaBIOS read the boot sector through vhost-user-blk (client mode)"
}

start_qemu 1
lvh_wait_socket "$d/s" "$qpid" "QEMU 1"
"$blk" --connect="$d/s" --blk-file="$d/disk.img" 2> "$d/backend.log" &
bpid=$!
lvh_kill_at_exit $bpid
wait_boot 1

# no clean shutdown: the back-end sees the connection drop, nothing more
# (that it outlived it, wait_boot 2 checks: it must connect again)
{
	kill -KILL $qpid
	lvh_reap $tpid "QEMU 1 (SIGKILL)" 137
} 2> /dev/null # no "Killed" from the shell

start_qemu 2
wait_boot 2
grep -q "connected to the front-end again" "$d/backend.log" ||
	fail "the back-end did not say it connected again"
# QEMU's own pid; timeout(1), its parent and our child, gives its status
kill -TERM $qpid
lvh_reap $tpid "QEMU 2"

start_qemu 3
wait_boot 3
n=$(grep -c "connected to the front-end again" "$d/backend.log")
[ "$n" -eq 2 ] || fail "the back-end connected again $n times, not 2"
kill -TERM $qpid
lvh_reap $tpid "QEMU 3"

lvh_stop $bpid vhost-user-blk
lvh_check_logs
echo "PASS: one vhost-user-blk process served three listening QEMUs in turn"
