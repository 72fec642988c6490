#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Guest memory hot-plugged (QMP: object-add of a shared memfd backend, then
# device_add of a pc-dimm) while a Linux guest's verifying I/O load
# (guest-io.c) runs on our vhost-user-blk: the tool must be told of each
# new region (QEMU uses ADD_MEM_REG, as our back-end offers
# CONFIGURE_MEM_SLOTS; counted as "<- ADD_MEM_REG" in its LIBVHOST_LOG=debug
# log), and the guest's I/O must go on and verify.  The guest brings the
# first DIMMs online and guest-io takes fresh buffers all along
# (--realloc), so its requests come from the new memory too: the ones whose
# buffer lies above 4 GiB (where QEMU puts DIMMs; the 512 MiB the guest
# booted with are all below) are counted, and there must be some.
#
# Removal: DIMMs the guest never onlined are let go (device_del, then
# QEMU's DEVICE_DELETED; the tool must see REM_MEM_REG; the guest kernel,
# without CONFIG_MEMORY_HOTREMOVE, keeps their offline memory blocks in
# sysfs and never touches them).  An onlined DIMM
# is refused: the guest kernel has no CONFIG_MEMORY_HOTREMOVE, so it cannot
# offline the memory and fails the ACPI eject (QEMU reports that as an
# ACPI_DEVICE_OST event, which the test waits for, and keeps the DIMM).
# Afterwards, as ever: the image holds exactly what the guest's last
# completed writes wrote, no I/O or virtio error in the guest kernel's log,
# no vhost error or failure in QEMU's, and the tool ends with status 0.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
blk=${top_builddir:-.}/tools/vhost-user-blk
lvh_guest_setup qbh
t0=$(date +%s)

# /dev/ttyS1 takes "online N" (wait for N offline memory blocks, online
# them all) and "stop"; guest-io stops once /tmp/stop is not empty
lvh_guest_initramfs "$guest_io" <<'INIT'
: > /tmp/stop
guest-io --workers=4 --progress=200 --realloc=16 --high=0x100000000 --stop=/tmp/stop /dev/vda &
io=$!
echo "guest: up"
exec 3< /dev/ttyS1
while read -r cmd arg <&3; do
	case $cmd in
	online)
		i=0
		while [ $(cat /sys/devices/system/memory/memory*/state | grep -c offline) -lt "$arg" ] && [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		n=0
		for m in /sys/devices/system/memory/memory*; do
			if [ "$(cat $m/state)" = offline ]; then
				echo online > $m/state && n=$((n + 1))
			fi
		done
		echo "guest: onlined $n memory blocks"
		grep -E "MemTotal|MemFree" /proc/meminfo
		;;
	offline-count)
		echo "guest: offline blocks $(cat /sys/devices/system/memory/memory*/state | grep -c offline)"
		;;
	stop)
		echo stop > /tmp/stop
		break
		;;
	esac
done
wait $io
echo "guest: guest-io exit status $?"
INIT

truncate -s 64M "$d/disk.img"
lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=debug "$blk" --socket-path="$d/s" \
	--blk-file="$d/disk.img" --queues=2
lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-blk"
# memhp_default_state=offline: the guest decides what to online (the
# default of this kernel too, said so in case another one's differs)
guest_append="memhp_default_state=offline"
lvh_guest_start -m 512M,slots=8,maxmem=2G -smp 2 \
	-object memory-backend-memfd,id=mem,size=512M,share=on -machine q35,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" \
	-device vhost-user-blk-pci,chardev=c0,num-queues=2
lvh_guest_wait "guest-io: start"
lvh_guest_wait "guest-io: progress"

qmp_ok() {
	lvh_guest_qmp -t 60 "$@" > "$d/qmp.out" 2>&1 || {
		cat "$d/qmp.out"
		lvh_guest_fail "QMP: $*"
	}
}
progress_goes_on() {
	p=$(lvh_guest_count "guest-io: progress")
	lvh_guest_wait "guest-io: progress" $((p + 2)) 300
}

dimm=0
added=0
# hot_add: one 128 MiB DIMM (a memory block of this kernel); the tool is
# told of it before the guest can use it, and the guest's I/O goes on
hot_add() {
	dimm=$((dimm + 1))
	adds=$(lvh_guest_count "<- ADD_MEM_REG" "$d/backend.log")
	qmp_ok '{"execute": "object-add", "arguments": {"qom-type": "memory-backend-memfd",
		"id": "hmem'$dimm'", "size": 134217728, "share": true}}'
	qmp_ok '{"execute": "device_add", "arguments": {"driver": "pc-dimm", "id": "dimm'$dimm'",
		"memdev": "hmem'$dimm'"}}'
	lvh_guest_wait_log "$d/backend.log" "<- ADD_MEM_REG" $((adds + 1)) "$tool_pid" 120
	added=$((added + $(lvh_guest_count "<- ADD_MEM_REG" "$d/backend.log") - adds))
	progress_goes_on
}

boot_adds=$(lvh_guest_count "<- ADD_MEM_REG" "$d/backend.log")
# two DIMMs the guest brings online, and uses
hot_add
hot_add
lvh_guest_send "online 2"
lvh_guest_wait "guest: onlined"
grep -q "guest: onlined 2 memory blocks" "$d/console.log" ||
	lvh_guest_fail "the guest did not online both DIMMs"
progress_goes_on
# two more, never onlined
hot_add
hot_add
lvh_guest_send "offline-count"
lvh_guest_wait "guest: offline blocks"
progress_goes_on

# the offline ones go
rems=$(lvh_guest_count "<- REM_MEM_REG" "$d/backend.log")
for i in 3 4; do
	qmp_ok -t 120 -e DEVICE_DELETED -m '"device": "dimm'$i'"' \
		'{"execute": "device_del", "arguments": {"id": "dimm'$i'"}}'
	qmp_ok '{"execute": "object-del", "arguments": {"id": "hmem'$i'"}}'
done
lvh_guest_wait_log "$d/backend.log" "<- REM_MEM_REG" $((rems + 2)) "$tool_pid" 120
removed=$(($(lvh_guest_count "<- REM_MEM_REG" "$d/backend.log") - rems))
progress_goes_on

# an online one is refused (no CONFIG_MEMORY_HOTREMOVE in the guest): the
# guest says the eject is in progress (_OST status 0x84), then fails it
# (another status, "memory memoryN: Offline failed." on its console); the
# DIMM stays
qmp_ok -t 120 -e ACPI_DEVICE_OST -m '"device": "dimm1"' -x '"status": 132' \
	'{"execute": "device_del", "arguments": {"id": "dimm1"}}'
refused=$(grep ACPI_DEVICE_OST "$d/qmp.out" | sed 's/.*"status": \([0-9]*\).*/\1/')
[ "${refused:-0}" -ne 0 ] || lvh_guest_fail "the guest did not fail the eject of dimm1 (status ${refused:-none})"
qmp_ok '{"execute": "query-memory-devices"}'
grep -q '"id": "dimm1"' "$d/qmp.out" || lvh_guest_fail "dimm1 went away: the guest let it go after all"
progress_goes_on

lvh_guest_send stop
lvh_guest_wait "guest: guest-io exit status"
lvh_guest_end
grep -q "guest: guest-io exit status 0" "$d/console.log" || lvh_guest_fail "guest-io found errors"
want=$(grep "guest-io: map written" "$d/console.log" | tail -1 | tr -d "\r")
got=$("$guest_io" --check-image="$d/disk.img") ||
	lvh_guest_fail "the image holds blocks the guest did not write: $got"
[ "$got" = "$want" ] ||
	lvh_guest_fail "the image ($got) is not what the guest's completed writes made ($want)"
high=$(grep "guest-io: high requests" "$d/console.log" | tr -d "\r" | sed 's/.*requests //')
[ "${high:-0}" -gt 0 ] || lvh_guest_fail "no request of the guest came from hot-added memory"
lvh_guest_check_console
lvh_guest_check_qemu_log
lvh_tool_end "$d/backend.log"
io=$(grep "guest-io: writes" "$d/console.log" | tr -d "\r" | sed "s/.*guest-io: //")
echo "ADD_MEM_REG: $boot_adds at start, $added for $dimm DIMMs; REM_MEM_REG: $removed for 2 DIMMs"
echo "dimm1 (online) refused by the guest: ACPI_DEVICE_OST status $refused"
echo "guest-io: $io; $high requests from memory above 4 GiB; $(($(date +%s) - t0)) s"
echo "PASS: memory hot-plugged under guest I/O through vhost-user-blk"
