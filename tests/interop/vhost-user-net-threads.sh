#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-net --threads (a thread per queue pair): tests/interop/net-mq
# echoes frames on two pairs while it adds a memory region, gives every
# ring a new kick fd, disables the TX rings and restarts a pair, split then
# packed (a front-end that goes and one that comes); at SIGTERM exit status
# 0 and each pair counted exactly, served by a thread of its own.  Then
# net-flood: a flooded ring must not keep the other pair's thread or the
# socket waiting, and a stop under the flood must end.  --threads with
# --poll is refused.  libvhost against libvhost (the guest test is
# tests/interop/qemu-linux-mq-threads.sh), so that the threaded paths run
# in every make check, under ASan and valgrind too.
set -u
net=${top_builddir:-.}/tools/vhost-user-net
mq=${top_builddir:-.}/tests/interop/net-mq
flood=${top_builddir:-.}/tests/interop/net-flood
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup netthr
frames=3000
start() {
	rm -f "$d/s"
	"$net" --socket-path="$d/s" --queues=2 --threads "$@" 2> "$d/net.log" &
	npid=$!
	lvh_kill_at_exit $npid
	lvh_wait_socket "$d/s" "$npid" "vhost-user-net"
}
stop() {
	kill "$npid"
	wait "$npid" || fail "vhost-user-net --threads $* exited with $? on SIGTERM"
}

"$net" --socket-path="$d/x" --threads --poll 2> "$d/refused.log" && fail "--threads --poll was taken"
grep -q -- "--threads goes with neither" "$d/refused.log" || fail "--threads --poll: no reason given"

start
timeout 120 "$mq" "$d/s" 2 $frames > "$d/mq-split.log" 2>&1 || fail "net-mq, split rings"
timeout 120 "$mq" "$d/s" 2 $frames packed > "$d/mq-packed.log" 2>&1 || fail "net-mq, packed rings"
cat "$d/mq-split.log" "$d/mq-packed.log"
stop
total=$((2 * 5 * frames)) # two runs of five phases
for p in 0 1; do
	line=$(grep "pair $p: " "$d/net.log") || fail "no count for pair $p"
	echo "$line"
	echo "$line" | grep -q "pair $p: $total frames from the driver, $total to it, 0 dropped (thread [0-9]*)$" ||
		fail "pair $p did not carry $total frames each way on one thread"
done
t0=$(sed -n 's/.*pair 0: .*(thread \([0-9]*\))$/\1/p' "$d/net.log")
t1=$(sed -n 's/.*pair 1: .*(thread \([0-9]*\))$/\1/p' "$d/net.log")
[ "$t0" != "$t1" ] || fail "both pairs were served by thread $t0"
[ "$t0" != "$npid" ] && [ "$t1" != "$npid" ] || fail "a pair was served by the main thread"
main=$npid

for mode in "tx --mode=sink" "tx --mode=echo" "rx --mode=source --frame-len=65000"; do
	set -- $mode
	dir=$1
	shift
	start "$@"
	timeout 120 "$flood" "$d/s" "$dir" > "$d/flood.log" 2>&1 || fail "net-flood $dir, $*"
	sed "s/^/[$dir $*] /" "$d/flood.log"
	stop "$@"
done
echo "PASS: vhost-user-net --threads: $total frames each way on each pair (threads $t0 and $t1, main $main), floods"
