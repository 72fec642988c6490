#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Our vhost-user-blk killed (SIGKILL) at random moments under a Linux
# guest's verifying I/O load (guest-io.c) and started again on the same
# socket: QEMU reconnects, hands the new process the inflight area
# (SET_INFLIGHT_FD), and buffers the killed one had taken and not returned
# are taken again ("vq N: M buffers were in flight: taking them again" in
# the LIBVHOST_LOG=info log).  Nothing may be lost: every read the guest
# makes returns what the block's last completed write put there, every
# block is read back at the end, the image file holds exactly what the
# guest's last completed writes wrote (the map line), and the guest kernel
# logs no I/O or virtio error.
#
# Variants: split and packed rings, 1 queue (1 CPU) and 2 queues (2 CPUs);
# QEMU dialing our listening tool (reconnect=1), and QEMU listening with
# our tool dialing (--connect; a killed tool is started again with
# --connect).  Then vhost-user-net in echo mode is killed and started
# again under a guest's stream of frames (guest-io --net: sequence numbers
# and checksums): after each restart frames must come back again, and no
# frame may come back changed or out of order.
#
# LIBVHOST_SOAK_RESTARTS=N kills N times in each block variant instead of
# the default (12, 60 in all) for a longer soak run.  The test fails if
# no kill at all found buffers in flight.
#
# QEMU's log holds these lines about the kills, and no other about vhost
# or saying "failed" (qemu_expected below):
#   Failed to set msg fds.    (QEMU's requests to a back-end that is gone)
#   vhost VQ N ring restore failed: -22: Invalid argument (22)
#                             (its GET_VRING_BASE at the stop that follows)
#   Unable to connect character device c0: Failed to connect to '.../s':
#   No such file or directory (or Connection refused)
#                             (a reconnect attempt while no tool listens)
# and, with QEMU listening, its note that it waits for our tool at start.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
kills_per=${LIBVHOST_SOAK_RESTARTS:-12}
lvh_guest_setup qbr

# QEMU's words for requests to a back-end that is gone (see above)
qemu_expected="^qemu-system-x86_64: (Failed to set msg fds\.|vhost VQ [0-9]+ ring restore failed: -22: Invalid argument \(22\)|Unable to connect character device c0: Failed to connect to '$d/s': (No such file or directory|Connection refused))\$|info: QEMU waiting for connection on: disconnected:unix:.*,server=on"

lvh_guest_initramfs "$guest_io" <<'INIT'
echo "guest: up"
guest-io --workers=8 --progress=200 --stop=/dev/ttyS1 /dev/vda
echo "guest: guest-io exit status $?"
INIT
cp "$d/initramfs.gz" "$d/blk-initramfs.gz"

total_kills=0
total_resub=0
summary=

# the moment of a kill: 0 to 0.8 s after the device came back
random_pause() {
	sleep "$(awk -v r="$(lvh_random 800)" 'BEGIN { printf "%.3f", r / 1000 }')"
}

# then, for every other kill, the next moment the tool is inside a request
# (lvh_stop_in_io: between taking a buffer and publishing it), and killed
# there; a purely random moment finds it asleep in poll() nearly always
# (under TCG the guest is slow, the tool quick).  Each start of the tool
# takes the next I/O engine (--io=uring, threads, sync).
engine() { # $1: the how-manieth start of the tool
	case $(($1 % 3)) in
	0) echo uring ;;
	1) echo threads ;;
	*) echo sync ;;
	esac
}

# blk_variant NAME PACKED(on|off) QUEUES MODE(listen|connect)
blk_variant() {
	name=$1 packed=$2 queues=$3 mode=$4
	t0=$(date +%s)
	rm -f "$d/disk.img" "$d/s" "$d/backend.log" "$d/console.log" "$d/qemu.log"
	truncate -s 64M "$d/disk.img"
	if [ "$mode" = listen ]; then
		dial="--socket-path=$d/s" chardev="socket,id=c0,path=$d/s,reconnect=1"
		up="a front-end connected"
		lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=info "$blk" "$dial" \
			--blk-file="$d/disk.img" --queues="$queues" --io="$(engine "${kills:-0}")"
		lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-blk"
	else
		dial="--connect=$d/s" chardev="socket,id=c0,path=$d/s,server=on,wait=off"
		up="connected to $d/s"
	fi
	lvh_guest_start -m 256M -smp "$queues" \
		-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
		-chardev "$chardev" \
		-device vhost-user-blk-pci,chardev=c0,num-queues="$queues",packed="$packed"
	if [ "$mode" = connect ]; then
		lvh_wait_socket "$d/s" "$guest_pid" "QEMU"
		lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=info "$blk" "$dial" \
			--blk-file="$d/disk.img" --queues="$queues" --io="$(engine "${kills:-0}")"
	fi
	lvh_guest_wait "guest-io: start"
	lvh_guest_wait "guest-io: progress"
	kills=0 resub=0 in_io=0
	while [ $kills -lt "$kills_per" ]; do
		ups=$(lvh_guest_count "$up" "$d/backend.log")
		inflight=$(lvh_guest_count "were in flight: taking them again" "$d/backend.log")
		random_pause
		if [ $((kills % 2)) -eq 1 ]; then
			lvh_stop_in_io "$tool_pid"
			in_io=$((in_io + 1))
		fi
		lvh_tool_kill
		kills=$((kills + 1))
		# a killed listening tool leaves its socket file behind (QEMU's stays)
		[ "$mode" = listen ] && rm -f "$d/s"
		lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=info "$blk" "$dial" \
			--blk-file="$d/disk.img" --queues="$queues" --io="$(engine "${kills:-0}")"
		lvh_guest_wait_log "$d/backend.log" "$up" $((ups + 1)) "$tool_pid" 120
		# the guest's I/O goes on: two more progress lines
		p=$(lvh_guest_count "guest-io: progress")
		lvh_guest_wait "guest-io: progress" $((p + 2)) 300
		[ "$(lvh_guest_count "were in flight: taking them again" "$d/backend.log")" -gt "$inflight" ] &&
			resub=$((resub + 1))
	done
	lvh_guest_send stop
	lvh_guest_wait "guest: guest-io exit status"
	lvh_guest_end
	grep -q "guest: guest-io exit status 0" "$d/console.log" ||
		lvh_guest_fail "$name: guest-io found errors"
	want=$(grep "guest-io: map written" "$d/console.log" | tail -1 | tr -d "\r")
	got=$("$guest_io" --check-image="$d/disk.img") ||
		lvh_guest_fail "$name: the image holds blocks the guest did not write: $got"
	[ "$got" = "$want" ] ||
		lvh_guest_fail "$name: the image ($got) is not what the guest's completed writes made ($want)"
	lvh_guest_check_console
	lvh_guest_check_qemu_log "$qemu_expected"
	lvh_tool_end "$d/backend.log"
	io=$(grep "guest-io: writes" "$d/console.log" | tr -d "\r" | sed "s/.*guest-io: //")
	line="$name: $kills kills ($in_io inside a request's I/O), $resub with buffers in flight; $io; $(($(date +%s) - t0)) s"
	echo "$line"
	summary="$summary$line
"
	total_kills=$((total_kills + kills))
	total_resub=$((total_resub + resub))
	cat "$d/qemu.log" >> "$d/qemu-all.txt"
}

blk_variant "split, 1 queue" off 1 listen
blk_variant "packed, 1 queue" on 1 listen
blk_variant "split, 2 queues" off 2 listen
blk_variant "packed, 2 queues" on 2 listen
blk_variant "split, 2 queues, QEMU listening" off 2 connect

[ $total_resub -gt 0 ] || lvh_guest_fail "no kill found buffers in flight: the resubmission was never exercised"

# vhost-user-net in echo mode under a stream of frames: guest-io --net
# sends frames with sequence numbers and checksums and checks every one
# that comes back (intact, in order); after each restart frames must come
# back again.  A restart may repeat frames (echoed, not yet marked used
# when killed) and lose some (taken, not yet echoed): both counted, not
# errors.  vectors=0: QEMU 7.2 under TCG segfaults in vhost_net_start
# (in msix_set_vector_notifiers) when the guest enables MSI-X on a
# virtio-net-pci whose netdev is vhost-user (with DPDK's vhost too: QEMU's
# bug); without vectors the guest uses INTx.
net_kills=${LIBVHOST_SOAK_RESTARTS:-4}
t0=$(date +%s)
lvh_guest_initramfs "$guest_io" <<'INIT'
[ -d /sys/class/net/eth0 ] || echo "guest: FAIL no eth0"
guest_net
echo "guest: sending"
read -r x < /dev/ttyS1
INIT
rm -f "$d/s" "$d/backend.log" "$d/console.log" "$d/qemu.log"
lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=info "$net" --socket-path="$d/s"
lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-net"
lvh_guest_start -m 256M \
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s",reconnect=1 -netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,romfile=,vectors=0
lvh_guest_wait "guest: sending"
[ "$(lvh_guest_count "guest: FAIL")" -eq 0 ] || lvh_guest_fail "the guest has no eth0"
lvh_guest_net_past 0
kills=0 climbs=
while [ $kills -lt "$net_kills" ]; do
	random_pause
	ups=$(lvh_guest_count "a front-end connected" "$d/backend.log")
	lvh_tool_kill
	kills=$((kills + 1))
	rm -f "$d/s"
	lvh_tool_start "$d/backend.log" env LIBVHOST_LOG=info "$net" --socket-path="$d/s"
	lvh_guest_wait_log "$d/backend.log" "a front-end connected" $((ups + 1)) "$tool_pid" 120
	rx=$(lvh_guest_net_received)
	lvh_guest_net_past "$rx"
	climbs="$climbs $rx->$(lvh_guest_net_received)"
done
lvh_guest_send stop
lvh_guest_end
lvh_guest_check_console
lvh_guest_check_qemu_log "$qemu_expected"
lvh_tool_end "$d/backend.log"
line="net: $kills kills, frames came back after each:$climbs; $(lvh_guest_net_check); $(($(date +%s) - t0)) s"
summary="$summary$line
"
printf "%s" "$summary"
echo "blk: $total_kills kills, $total_resub with buffers in flight"
