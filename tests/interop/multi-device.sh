#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Many devices in one process (--device): one vhost-user-blk serving four
# images on four sockets and one vhost-user-net serving four ports, each
# device driven by its own client at the same time (vhost-ctl blk --verify,
# net-driver); every client's check passes and every device counts what it
# served under its own prefix.  Then a blk client and a net client are
# SIGKILLed in the middle of their I/O while the other devices' clients
# run: those complete, and the two devices take a new client that passes.
# SIGTERM ends both processes with status 0 and no error line.  Twice:
# blk on one thread and net with --threads, then the other way round.
set -u
ctl=${top_builddir:-.}/tools/vhost-ctl
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
drv=${top_builddir:-.}/tests/interop/net-driver
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup multidev

# the prefix of device $1's lines (device 0 keeps the tool's own)
prefix() {
	if [ "$2" -eq 0 ]; then echo "$1: "; else echo "$1: device $2: "; fi
}
# waits for the background clients $pids, failing on any that failed
wait_clients() {
	for p in $pids; do
		wait "$p" || fail "$1: a client failed (see its log)"
	done
	pids=
}
# blk client $1 (verify) on device $2, extra arguments after
blk_verify() {
	o=$1 k=$2
	shift 2
	"$ctl" blk --socket "$d/b$k" --verify "$@" > "$d/$o.log" 2>&1 &
	pids="$pids $!"
}
net_drive() {
	"$drv" "$d/n$2" 2000 ${3:-} > "$d/$1.log" 2>&1 &
	pids="$pids $!"
}
# the number in log $1's line "$2$3NUMBER $4..." ($2 a device's prefix)
count_of() {
	grep "^$2$3[0-9]* $4" "$1" | head -1 | sed "s/^$2$3\([0-9]*\) .*/\1/"
}

round() {
	r=$1 bt=$2 nt=$3
	rm -f "$d"/b? "$d"/n?
	for k in 0 1 2 3; do truncate -s 4M "$d/img$k"; done
	"$blk" $bt --socket-path="$d/b0" --blk-file="$d/img0" \
		--device "socket-path=$d/b1,blk-file=$d/img1,queues=2" \
		--device "socket-path=$d/b2,blk-file=$d/img2,serial=multi-2" \
		--device "blk-file=$d/img3,read-only=on,socket-path=$d/b3" 2> "$d/blk$r.log" &
	bpid=$!
	lvh_kill_at_exit $bpid
	"$net" $nt --socket-path="$d/n0" --device "socket-path=$d/n1,queues=2" \
		--device "socket-path=$d/n2,mac=02:00:00:00:00:02" \
		--device "socket-path=$d/n3" 2> "$d/net$r.log" &
	npid=$!
	lvh_kill_at_exit $npid
	for k in 0 1 2 3; do
		lvh_wait_socket "$d/b$k" "$bpid" "vhost-user-blk device $k"
		lvh_wait_socket "$d/n$k" "$npid" "vhost-user-net port $k"
	done

	# every device at once
	pids=
	blk_verify v$r-0 0
	blk_verify v$r-1 1 --queues 2 --packed
	blk_verify v$r-2 2
	blk_verify v$r-3 3
	net_drive d$r-0 0
	net_drive d$r-1 1 packed
	net_drive d$r-2 2
	net_drive d$r-3 3
	wait_clients "round $r, every device at once"
	grep -q 'id "libvhost-blk"' "$d/v$r-0.log" || fail "device 0's serial"
	grep -q 'id "multi-2"' "$d/v$r-2.log" || fail "device 2's serial"
	grep -q 'read-only device refused the write' "$d/v$r-3.log" || fail "device 3 is not read-only"

	# a client of blk device 1 and one of net port 3 killed mid-I/O
	"$ctl" blk --socket "$d/b1" --bench --rw randwrite --time 60 --queues 2 \
		> /dev/null 2> "$d/k$r-b.log" &
	kb=$!
	lvh_kill_at_exit $kb
	"$drv" "$d/n3" 0 > "$d/k$r-n.log" 2>&1 &
	kn=$!
	lvh_kill_at_exit $kn
	lvh_wait_for 60 "the blk benchmark to run" grep -q IOPS "$d/k$r-b.log"
	lvh_wait_for 60 "frames on port 3" grep -q "frames flowing" "$d/k$r-n.log"
	pids=
	blk_verify w$r-0 0 --packed
	blk_verify w$r-2 2
	blk_verify w$r-3 3
	net_drive e$r-0 0 packed
	net_drive e$r-1 1
	net_drive e$r-2 2
	kill -KILL $kb $kn
	wait $kb $kn 2> /dev/null
	wait_clients "round $r, beside the killed clients"
	pids=
	blk_verify x$r-1 1 --queues 2
	net_drive f$r-3 3
	wait_clients "round $r, a new client where one was killed"

	lvh_running $bpid || fail "vhost-user-blk died"
	lvh_running $npid || fail "vhost-user-net died"
	lvh_stop $bpid "vhost-user-blk $bt"
	lvh_stop $npid "vhost-user-net $nt"
	summary=
	for k in 0 1 2 3; do
		p=$(prefix vhost-user-blk $k)
		c=$(count_of "$d/blk$r.log" "$p" "queue 0: " requests)
		[ "${c:-0}" -gt 0 ] || fail "round $r: blk device $k served no requests"
		s=$(count_of "$d/blk$r.log" "$p" "back-end: " sessions)
		p=$(prefix vhost-user-net $k)
		f=$(count_of "$d/net$r.log" "$p" "" "frames from the driver")
		[ "${f:-0}" -gt 0 ] || fail "round $r: net port $k took no frames"
		t=$(count_of "$d/net$r.log" "$p" "back-end: " sessions)
		summary="$summary; device $k: $c requests on queue 0 in $s sessions, $f frames in $t"
	done
	# device 1 and port 3: the first client, the killed one and the new one
	grep -q "^$(prefix vhost-user-blk 1)back-end: 3 sessions" "$d/blk$r.log" ||
		fail "round $r: blk device 1 did not serve 3 front-ends"
	grep -q "^$(prefix vhost-user-net 3)back-end: 3 sessions" "$d/net$r.log" ||
		fail "round $r: net port 3 did not serve 3 front-ends"
	grep -q "^vhost-user-blk: device 1: queue 0: [1-9].*, queue 1: [1-9]" "$d/blk$r.log" ||
		fail "round $r: blk device 1's second queue served nothing"
	lvh_check_logs
	echo "round $r (vhost-user-blk ${bt:-on one thread}, vhost-user-net ${nt:-on one thread})$summary"
}

round 1 "" --threads
round 2 --threads ""
echo "PASS: 4 blk devices and 4 net ports in two processes, every client verified, killed clients replaced"
