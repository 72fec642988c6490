#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A two-CPU Linux guest on vhost-user-blk --threads --queues=2 and
# vhost-user-net --threads --queues=2: guest-io's workers on both CPUs keep
# verified O_DIRECT I/O on /dev/vda (so both request queues carry it) while
# each CPU sends a flow of frames with sequence numbers and checksums
# through its own TX queue (XPS; guest-io --net checks every frame that
# comes back, and none may be lost), and meanwhile a
# DIMM is hot-added (QMP object-add + device_add pc-dimm): both back-ends
# get ADD_MEM_REG while their ring threads run, and the guest's buffers
# come from the new memory afterwards.  Then every block is read back and
# verified, the image must hold exactly what the guest completed, both
# blk queues and both net pairs must have been served (each by a thread of
# its own), no error in the guest's log, QEMU's or the tools', and both
# tools exit 0 on SIGTERM.  Skipped (77) without QEMU, a static busybox,
# static linking or a guest kernel ($LIBVHOST_VM_KERNEL).
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
lvh_setup qmq

lvh_guest_initramfs "$guest_io" <<'INIT'
s=/sys/class/net/eth0
echo "guest: cpus $(nproc)"
[ -b /dev/vda ] || echo "guest: FAIL no /dev/vda"
[ -d $s ] || echo "guest: FAIL no eth0"
echo "guest: net queues $(ls $s/queues | tr '\n' ' ')"
echo 1 > $s/queues/tx-0/xps_cpus
echo 2 > $s/queues/tx-1/xps_cpus
# a flow of checked frames from each CPU, so through each TX queue
guest_net --flows=2 --strict
guest-io --workers=4 --progress=500 --realloc=16 --high=0x100000000 --stop=/dev/ttyS1 /dev/vda
echo "guest: io status $?"
kill -TERM $guest_net_pid
wait $guest_net_pid
guest_net_pid=
echo "guest: net tx $(cat $s/statistics/tx_packets) rx $(cat $s/statistics/rx_packets)"
echo "guest: $(grep MemTotal /proc/meminfo)"
INIT

truncate -s 32M "$d/disk.img"
# debug: the tools' logs name every vhost-user message (ADD_MEM_REG below)
export LIBVHOST_LOG=debug
lvh_tool_start "$d/blk.log" "$blk" --socket-path="$d/blk.sock" \
	--blk-file="$d/disk.img" --queues=2 --threads
bpid=$tool_pid
lvh_tool_start "$d/net.log" "$net" --socket-path="$d/net.sock" --queues=2 \
	--threads
npid=$tool_pid
lvh_wait_socket "$d/blk.sock" "$bpid" "vhost-user-blk"
lvh_wait_socket "$d/net.sock" "$npid" "vhost-user-net"

# slots/maxmem: room for a DIMM; the DIMM's memory shared too (memfd), as
# vhost-user needs.  vectors=0: QEMU 7.2 under TCG segfaults in
# vhost_net_start (msix_set_vector_notifiers) when the guest enables MSI-X
# on a virtio-net-pci whose netdev is vhost-user (DPDK's vhost as the
# back-end too: QEMU's bug); without vectors the guest uses INTx.
guest_append="memhp_default_state=online"
lvh_guest_start -machine q35,memory-backend=mem -smp 2 -m 512M,slots=4,maxmem=2G \
	-object memory-backend-memfd,id=mem,size=512M,share=on \
	-chardev socket,id=c0,path="$d/blk.sock" \
	-device vhost-user-blk-pci,chardev=c0,num-queues=2 \
	-chardev socket,id=c1,path="$d/net.sock" -netdev vhost-user,id=n0,chardev=c1,queues=2 \
	-device virtio-net-pci,netdev=n0,mq=on,vectors=0,romfile=

lvh_guest_wait "guest-io: progress" 2
grep -q "guest: net queues rx-0 rx-1 tx-0 tx-1" "$d/console.log" ||
	lvh_guest_fail "the guest's eth0 does not use two queue pairs"
# the hot-add, while I/O and frames flow
blk_adds=$(lvh_guest_count "<- ADD_MEM_REG" "$d/blk.log")
net_adds=$(lvh_guest_count "<- ADD_MEM_REG" "$d/net.log")
lvh_guest_qmp '{"execute": "object-add", "arguments": {"qom-type": "memory-backend-memfd", "id": "mem1", "size": 268435456, "share": true}}' \
	> "$d/qmp-object.log" || lvh_guest_fail "object-add refused"
lvh_guest_qmp '{"execute": "device_add", "arguments": {"driver": "pc-dimm", "id": "dimm1", "memdev": "mem1"}}' \
	> "$d/qmp-dimm.log" || lvh_guest_fail "device_add pc-dimm refused"
lvh_guest_wait_log "$d/blk.log" "<- ADD_MEM_REG" $((blk_adds + 1)) "$bpid" 60
lvh_guest_wait_log "$d/net.log" "<- ADD_MEM_REG" $((net_adds + 1)) "$npid" 60
addr=$(lvh_guest_qmp '{"execute": "query-memory-devices"}' |
	sed -n 's/.*"addr": \([0-9]*\).*/\1/p')
[ -n "$addr" ] || lvh_guest_fail "QEMU lists no DIMM"
# I/O goes on for a while with buffers that may now come from the DIMM
lvh_guest_wait "guest-io: progress" $(($(lvh_guest_count "guest-io: progress") + 4))
lvh_guest_send stop
lvh_guest_wait "guest: end"
lvh_guest_end
lvh_guest_check_console
lvh_guest_check_qemu_log
grep -F "guest:" "$d/console.log"
grep -F "guest-io:" "$d/console.log" | grep -v progress
grep -q "guest: FAIL" "$d/console.log" && lvh_guest_fail "the guest failed"
grep -q "guest: io status 0" "$d/console.log" || lvh_guest_fail "guest-io failed"
grep -q "guest-io: writes [1-9][0-9]* reads [1-9][0-9]* errors 0" "$d/console.log" ||
	lvh_guest_fail "guest-io did not write and read, or saw errors"
"$guest_io" --check-image="$d/disk.img" > "$d/image.log" || lvh_guest_fail "bad blocks in the image"
grep -F "guest-io: map" "$d/console.log" | tr -d '\r' > "$d/map-guest"
grep -F "guest-io: map" "$d/image.log" > "$d/map-image"
cmp -s "$d/map-guest" "$d/map-image" ||
	lvh_guest_fail "the image does not hold what the guest wrote ($(cat "$d/map-image"))"
# (no QEMU left: the tools wait for the next front-end)
tool_pid=$bpid
lvh_tool_end "$d/blk.log"
tool_pid=$npid
lvh_tool_end "$d/net.log"
if grep -E -i "error|fail|broken|refused|cannot" "$d/blk.log" "$d/net.log" > "$d/tool-errors"; then
	cat "$d/tool-errors"
	lvh_guest_fail "a tool logged errors (above)"
fi
counts=$(grep "vhost-user-blk: queue 0:" "$d/blk.log") || lvh_guest_fail "no blk request counts"
echo "$counts"
set -- $(echo "$counts" | sed -n \
	's/.*queue 0: \([0-9]*\) requests (thread \([0-9]*\)), queue 1: \([0-9]*\) requests (thread \([0-9]*\))$/\1 \2 \3 \4/p')
[ $# -eq 4 ] || lvh_guest_fail "the blk counts do not name one thread per queue"
[ "$1" -gt 0 ] && [ "$3" -gt 0 ] || lvh_guest_fail "a blk queue served no requests"
[ "$2" != "$4" ] && [ "$2" != "$bpid" ] && [ "$4" != "$bpid" ] ||
	lvh_guest_fail "the blk queues were not served by threads of their own"
blk_result="blk queue 0 $1 requests (thread $2), queue 1 $3 (thread $4)"
grep "vhost-user-net: pair" "$d/net.log"
t=
for p in 0 1; do
	line=$(grep "vhost-user-net: pair $p: [1-9][0-9]* frames from the driver" "$d/net.log") ||
		lvh_guest_fail "the guest sent no frames on TX queue $p"
	tid=$(echo "$line" | sed -n 's/.*(thread \([0-9]*\))$/\1/p')
	[ -n "$tid" ] && [ "$tid" != "$npid" ] && [ "$tid" != "$t" ] ||
		lvh_guest_fail "net pair $p was not served by a thread of its own"
	t=$tid
done
# nothing lost: what the guest's driver counts is what the device counts
set -- $(sed -n 's/.*guest: net tx \([0-9]*\) rx \([0-9]*\).*/\1 \2/p' "$d/console.log")
[ $# -eq 2 ] || lvh_guest_fail "the guest did not count its frames"
set -- "$1" "$2" $(sed -n 's/.*vhost-user-net: \([0-9]*\) frames from the driver, \([0-9]*\) to it, \([0-9]*\) dropped.*/\1 \2 \3/p' \
	"$d/net.log")
[ $# -eq 5 ] && [ "$1" = "$3" ] && [ "$2" = "$4" ] && [ "$5" = 0 ] ||
	lvh_guest_fail "the guest sent $1 and got $2 frames; the device took ${3:-?}, gave ${4:-?}, dropped ${5:-?}"
high=$(sed -n 's/.*guest-io: high requests \([0-9]*\).*/\1/p' "$d/console.log" | tr -d '\r')
[ "${high:-0}" -gt 0 ] || lvh_guest_fail "no request of the guest used the hot-added memory"
net_line=$(lvh_guest_net_check lossless)
echo "PASS: $blk_result; frames on both net pairs ($net_line); DIMM at $addr added under I/O ($high requests from it); image verified"
