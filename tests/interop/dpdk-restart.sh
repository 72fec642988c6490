#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end survives the restart of DPDK's vhost PMD
# (dpdk-testpmd, net_vhost, io forwarding: our frames come back on our RX
# ring): testpmd is SIGKILLed while fe-restart net streams frames with
# sequence numbers and checksums, and started again on the same socket,
# several times.  The front-end reconnects, restores both rings at their used
# index (the PMD has no INFLIGHT_SHMFD; SET_VRING_BASE from the used index,
# as QEMU does): the posted RX buffers and the frames not yet taken are taken
# by the new testpmd, traffic resumes (frames sent after each restart come
# back intact), and every frame sent is taken.  Split rings.
# LIBVHOST_SOAK_RESTARTS=N kills N times instead of 8.
# Skipped (77) without dpdk-testpmd or with LIBVHOST_SKIP_DPDK=1.
set -u
[ "${LIBVHOST_SKIP_DPDK:-0}" = 1 ] && { echo "LIBVHOST_SKIP_DPDK=1"; exit 77; }
pmd=$(command -v dpdk-testpmd) || { echo "dpdk-testpmd not installed"; exit 77; }
drv=${top_builddir:-.}/tests/interop/fe-restart
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup drs
lvh_dpdk_rm_at_exit "lvhr$$"
kills=${LIBVHOST_SOAK_RESTARTS:-8}
ppid=
# the reconnect can reach the killed testpmd's listening socket while it is
# being closed: that connection is reset during the set-up, and the driver
# connects again (it logs "the connection was lost during the set-up")
# (the socket's own errors are at debug: the front-end's line names the request)
lvh_log_allow='^libvhost: (lvh_fe_fail: )?vhost-user: [A-Z_]+ failed: (Connection reset by peer|Broken pipe); the connection is closed$'

start_pmd() { # $1: the run's number (its own log)
	# the socket is waited for by the caller the first time (the driver's
	# reconnect finds it again on its own)
	lvh_testpmd "lvhr$$" "$d/pmd-$1.log" - "net_vhost0,iface=$d/s,queues=1"
	echo "set fwd io" >&3
	echo "start" >&3
}

start_pmd 0
lvh_wait_socket "$d/s" "$ppid" testpmd
"$drv" net --socket "$d/s" --progress 500 --restarts "$kills" > "$d/driver.log" 2>&1 &
dpid=$!
lvh_kill_at_exit $dpid
driver_at() { # the driver's session $1 made progress (and it still runs)
	grep -q "session $1: progress" "$d/driver.log" ||
		{ lvh_running $dpid || fail "the driver exited in session $1"; false; }
}
k=0
while [ $k -lt "$kills" ]; do
	k=$((k + 1))
	lvh_wait_for 90 "session $k: no frames came back" driver_at $k
	{
		kill -9 "$ppid"
		lvh_reap "$ppid" "testpmd (SIGKILL $k)" 137
	} 2> /dev/null # no "Killed" from the shell
	exec 3>&-
	# the same socket path; the PMD does not bind over the file the killed
	# one left ("failed to bind: Address already in use"): it is removed
	rm -f "$d/s"
	start_pmd $k
done
lvh_reap $dpid "fe-restart net"
lvh_testpmd_quit "testpmd ($kills)" stop
lvh_check_logs
cat "$d/driver.log"
[ "$(grep -c "session [0-9]* up" "$d/driver.log")" -ge $((kills + 1)) ] || fail "not $((kills + 1)) sessions"
line=$(grep "fe-restart: pass:" "$d/driver.log") || fail "no pass line"
# outstanding at each kill: the RX ring's posted buffers always (restored at
# its used index with them still to be filled), TX frames not yet taken at
# most kills (the PMD takes them quickly: not asserted beyond one)
[ "$(grep -c "ring 0 restored at used index [0-9]*, avail index [0-9]*: 64 buffers" "$d/driver.log")" -eq "$kills" ] ||
	fail "not every restart found the 64 RX buffers outstanding"
tx=$(echo "$line" | sed 's/.*restarts (\([0-9]*\) with frames outstanding on TX.*/\1/')
[ "$tx" -gt 0 ] || fail "no kill found TX frames outstanding"
rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$d/pmd-$kills.log" | head -1)
[ -n "$rx" ] && [ "$rx" -ge 500 ] || fail "the last testpmd counted ${rx:-no} frames from us"
echo "PASS: testpmd SIGKILLed $kills times under traffic; $(echo "$line" | sed 's/.*pass: //')"
