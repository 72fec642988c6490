#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end with inflight tracking against libvhost's own
# vhost-user-blk: fe-restart blk asks for the inflight area once
# (GET_INFLIGHT_FD) and hands it to every session (SET_INFLIGHT_FD); the
# tool is SIGKILLed under random reads and writes (every other time while it
# is inside a request's preadv, pwritev, fdatasync or io_uring_enter) and
# started again on the same socket, with each I/O engine in turn (--io=sync,
# uring, threads: requests in flight on the disk when it dies).  The front-end restores each ring at its used index, as
# QEMU does, and the new tool resubmits from the inflight area what the
# killed one had taken ("vq N: M buffers were in flight: taking them again"
# in its LIBVHOST_LOG=info log: the test fails unless some kill found
# buffers in flight).  Every read returns the block's last completed write;
# at the end every block is read back through the device and from the image.
# LIBVHOST_SOAK_RESTARTS=N kills N times instead of 10.
set -u
blk=${top_builddir:-.}/tools/vhost-user-blk
drv=${top_builddir:-.}/tests/interop/fe-restart
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup sri
kills=${LIBVHOST_SOAK_RESTARTS:-10}
tpid=
# a reconnect can reach the killed tool's listening socket while it is being
# closed: that connection is reset during the set-up, and the driver
# connects again (it logs "the connection was lost during the set-up")
# (the socket's own errors are at debug: the front-end's line names the request)
lvh_log_allow='^libvhost: (lvh_fe_fail: )?vhost-user: [A-Z_]+ failed: (Connection reset by peer|Broken pipe); the connection is closed$'

start_tool() { # $1: the how-manieth start, from 0
	case $((${1:-0} % 3)) in
	0) io=sync ;;
	1) io=uring ;;
	*) io=threads ;;
	esac
	LIBVHOST_LOG=info "$blk" --socket-path="$d/s" --blk-file="$d/disk.img" --queues=2 --io="$io" \
		2>> "$d/backend.txt" &
	tpid=$!
	lvh_kill_at_exit $tpid
}

count() { grep -c "$1" "$2"; }

truncate -s 8M "$d/disk.img"
start_tool
lvh_wait_socket "$d/s" "$tpid" vhost-user-blk
"$drv" blk --socket "$d/s" --queues 2 --depth 16 --progress 2000 --restarts "$kills" \
	--inflight --image "$d/disk.img" > "$d/driver.log" 2>&1 &
dpid=$!
lvh_kill_at_exit $dpid
driver_at() { # the driver's session $1 made progress (and it still runs)
	[ "$(count "session $1: progress" "$d/driver.log")" -gt 0 ] ||
		{ lvh_running $dpid || fail "the driver exited in session $1"; false; }
}
k=0 in_io=0
while [ $k -lt "$kills" ]; do
	k=$((k + 1))
	lvh_wait_for 60 "session $k: no progress" driver_at $k
	if [ $((k % 2)) -eq 0 ]; then
		# the next moment the tool is inside a request, left stopped for the SIGKILL
		lvh_stop_in_io "$tpid"
		in_io=$((in_io + 1))
	fi
	{
		kill -9 "$tpid"
		lvh_reap "$tpid" "vhost-user-blk (SIGKILL $k)" 137
	} 2> /dev/null # no "Killed" from the shell
	# a killed listening tool leaves its socket file behind
	rm -f "$d/s"
	start_tool $k
done
lvh_reap $dpid "fe-restart blk --inflight"
lvh_stop "$tpid" vhost-user-blk
lvh_check_logs
lvh_saved_log=${LIBVHOST_LOG:-err}
LIBVHOST_LOG=info
lvh_check_logs "$d/backend.txt"
LIBVHOST_LOG=$lvh_saved_log
cat "$d/driver.log"
[ "$(count "session [0-9]* up" "$d/driver.log")" -eq $((kills + 1)) ] || fail "not $((kills + 1)) sessions"
grep -q "image file: all 1024 blocks hold their last completed write" "$d/driver.log" ||
	fail "no image-file check"
line=$(grep "fe-restart: pass:" "$d/driver.log") || fail "no pass line"
outstanding=$(echo "$line" | sed 's/.*restarts (\([0-9]*\) with requests outstanding.*/\1/')
[ $((outstanding * 2)) -gt "$kills" ] ||
	fail "only $outstanding of $kills kills found requests outstanding"
grep -q "(0 windows reordered)" "$d/driver.log" || fail "the driver reordered a window with inflight tracking"
resub=$(count "were in flight: taking them again" "$d/backend.txt")
[ "$resub" -gt 0 ] || fail "no kill found buffers in flight: the inflight area was never used"
echo "PASS: vhost-user-blk SIGKILLed $kills times ($in_io inside a request's I/O), $resub rings resubmitted from the inflight area; $(echo "$line" | sed 's/.*pass: //')"
