#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-net keeps serving its other rings and its socket while a driver
# floods one ring (tests/interop/net-flood): sink, echo and source modes,
# sleeping on kicks and polling.
set -u
net=${top_builddir:-.}/tools/vhost-user-net
drv=${top_builddir:-.}/tests/interop/net-flood
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup flood
run() { # tx|rx, then vhost-user-net's options
	dir=$1
	shift
	rm -f "$d/s"
	"$net" --socket-path="$d/s" --queues=2 "$@" 2> "$d/net.log" &
	npid=$!
	lvh_kill_at_exit $npid
	lvh_wait_socket "$d/s" "$npid" "vhost-user-net"
	timeout 120 "$drv" "$d/s" "$dir" > "$d/driver.log" 2>&1 ||
		fail "flooded $dir ring, vhost-user-net $*"
	sed "s/^/[$dir $*] /" "$d/driver.log"
	lvh_stop "$npid" "vhost-user-net $*"
	lvh_check_logs
}
run tx --mode=sink
run tx --mode=sink --poll
run tx --mode=echo
run tx --mode=echo --poll
run rx --mode=source --frame-len=65000
echo "PASS: a flooded ring does not starve the other rings or the socket"
