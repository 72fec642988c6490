#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end survives the restart of a back-end nobody here wrote:
# qemu-storage-daemon's vhost-user-blk export (two queues) is SIGKILLed
# under random reads and writes (fe-restart blk keeps 16 requests in flight
# a queue) and started again on the same socket, several times.  The
# front-end reconnects, restores each ring at its used index (the export has
# no INFLIGHT_SHMFD: SET_VRING_BASE from the used index, as QEMU does), and
# the requests that were outstanding are taken again.  Every read returns
# the block's last completed write (block number, sequence number and
# checksum in each); at the end every block is read back through the device
# and from the image file.  The export completes requests out of order: a
# kill after a request finished before an earlier one leaves the window
# [used, avail) holding a finished request and not the earlier one, so the
# driver puts the outstanding requests' heads there (it knows where each was
# published) before the new daemon starts the ring.  The test fails unless most kills found requests
# outstanding.
# LIBVHOST_SOAK_RESTARTS=N kills N times instead of 10.
# Skipped (77) without qemu-storage-daemon (Debian: qemu-utils).
set -u
qsd=$(command -v qemu-storage-daemon) || { echo "qemu-storage-daemon not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/fe-restart
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qrs
kills=${LIBVHOST_SOAK_RESTARTS:-10}
qpid=
# a reconnect can reach the killed daemon's listening socket while it is
# being closed: that connection is reset during the set-up, and the driver
# connects again (it logs "the connection was lost during the set-up")
# (the socket's own errors are at debug: the front-end's line names the request)
lvh_log_allow='^libvhost: (lvh_fe_fail: )?vhost-user: [A-Z_]+ failed: (Connection reset by peer|Broken pipe); the connection is closed$'

start_qsd() {
	"$qsd" --blockdev "driver=file,node-name=disk0,filename=$d/disk.img" \
		--export "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=$d/s,writable=on,num-queues=2" \
		>> "$d/qsd.log" 2>&1 &
	qpid=$!
	lvh_kill_at_exit "$qpid"
}

# lines of the driver's log holding $1
count() { grep -c "$1" "$d/driver.log"; }

truncate -s 8M "$d/disk.img"
start_qsd
lvh_wait_socket "$d/s" "$qpid" qemu-storage-daemon
"$drv" blk --socket "$d/s" --queues 2 --depth 16 --progress 2000 --restarts "$kills" \
	--image "$d/disk.img" > "$d/driver.log" 2>&1 &
dpid=$!
lvh_kill_at_exit $dpid
driver_at() { # the driver's session $1 made progress (and it still runs)
	[ "$(count "session $1: progress")" -gt 0 ] ||
		{ lvh_running $dpid || fail "the driver exited in session $1"; false; }
}
k=0
while [ $k -lt "$kills" ]; do
	k=$((k + 1))
	lvh_wait_for 60 "session $k: no progress" driver_at $k
	{
		kill -9 "$qpid"
		lvh_reap "$qpid" "qemu-storage-daemon (SIGKILL $k)" 137
	} 2> /dev/null # no "Killed" from the shell
	# the same socket path: the daemon replaces the file the killed one left
	start_qsd
done
lvh_reap $dpid "fe-restart blk"
lvh_stop "$qpid" qemu-storage-daemon
lvh_check_logs
cat "$d/driver.log"
[ "$(count "session [0-9]* up")" -eq $((kills + 1)) ] || fail "not $((kills + 1)) sessions"
grep -q "image file: all 1024 blocks hold their last completed write" "$d/driver.log" ||
	fail "no image-file check"
line=$(grep "fe-restart: pass:" "$d/driver.log") || fail "no pass line"
outstanding=$(echo "$line" | sed 's/.*restarts (\([0-9]*\) with requests outstanding.*/\1/')
[ $((outstanding * 2)) -gt "$kills" ] ||
	fail "only $outstanding of $kills kills found requests outstanding"
echo "PASS: qemu-storage-daemon SIGKILLed $kills times under I/O, $outstanding with requests outstanding; $(grep -c "heads put in the window" "$d/driver.log") rings completed out of order before a kill"
