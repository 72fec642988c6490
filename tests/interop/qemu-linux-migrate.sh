#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Live migration of a Linux guest whose disk and NIC are our back-ends:
#
#   qemu-linux-migrate.sh [postcopy]
#
# Two sides on this machine, a and b, each with its own vhost-user-blk (both
# on one image file, as with shared storage) and its own vhost-user-net
# (echo mode); the back-ends stay up for the whole run, and each QEMU
# connects to its side's.  The guest (QEMU TCG, memfd memory shared with the
# back-ends) runs guest-io on /dev/vda: every read checked against the
# block's last completed write, and guest-io --net sends frames with
# sequence numbers and checksums that the echo returns: each must come back
# intact and in order (lost ones are counted).  The guest goes from
# side to side $LIBVHOST_SOAK_MIGRATIONS times (10; 4 in postcopy mode); for
# each migration the destination is a new QEMU (-incoming defer), the source
# QEMU quits once the destination runs, and:
#   - the source's back-ends were switched to logging: each got a
#     SET_LOG_BASE, a SET_FEATURES (with VHOST_F_LOG_ALL: QEMU sends one mid-
#     session only for that) and a SET_VRING_ADDR turning a running ring's
#     used-ring logging on, and served on through it;
#   - after the switch-over the guest's I/O goes on (new progress lines) and
#     its frames still come back (more of them, counted on the destination).
# In postcopy mode (a --enable-postcopy libvhost; skipped otherwise, and
# when the kernel refuses userfaultfd) both QEMUs get the postcopy-ram
# capability and the source is switched to postcopy while RAM is still being
# sent (a low bandwidth limit keeps the precopy phase long): the destination's
# back-ends must see POSTCOPY_ADVISE, POSTCOPY_LISTEN and POSTCOPY_END, and
# the destination QEMU must have served page faults of theirs (its trace
# event vhost_user_postcopy_fault_handler_found), in the run as a whole: how
# many come in one migration depends on how much I/O the guest, slowed by
# its own faults, issues before the background stream brings the pages.
# At the end guest-io reads every block back, the image must hold every write
# the guest completed (guest-io --check-image gives the same map line), the
# guest's console shows no I/O or virtio error, no back-end dropped its
# front-end or broke a ring, every back-end exits 0 on SIGTERM, and no QEMU
# logged a vhost error.  Skipped (77) without QEMU, busybox-static, a guest
# kernel or static linking.
set -u
mode=${1:-precopy}
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
blk=${top_builddir:-.}/tools/vhost-user-blk
net=${top_builddir:-.}/tools/vhost-user-net
case $mode in
precopy) migrations=${LIBVHOST_SOAK_MIGRATIONS:-10} ;;
postcopy)
	migrations=${LIBVHOST_SOAK_MIGRATIONS:-4}
	grep -q "LIBVHOST_HAS_POSTCOPY 1" "${top_builddir:-.}/include/libvhost-build.h" 2>/dev/null ||
		{ echo "libvhost was built without --enable-postcopy"; exit 77; }
	# whether the kernel lets us have userfaultfd: the destination QEMU's
	# postcopy-ram capability tells, at the first migration
	;;
*) echo "usage: $0 [postcopy]"; exit 2 ;;
esac
lvh_setup qm
# at exit, the QEMUs that run then (a QEMU's pid is dropped once it is reaped)
vm_pid= src_pid= dst_pid=
mig_cleanup() {
	for p in $vm_pid $src_pid $dst_pid; do kill "$p" 2>/dev/null; done
	lvh_cleanup
}
trap mig_cleanup EXIT

# Small: TCG on two shared cores.  vhost-user needs the guest memory shared.
# The size is not a multiple of 256 KiB on purpose: QEMU before 9.0 (commit
# 03bfc2188f, "physmem: Fix migration dirty bitmap coherency with TCG memory
# access") syncs the dirty bitmap of a RAM block of whole 64-page words
# without resetting TCG's TLB, so the guest CPU's later stores to pages just
# sent are lost; with fd-backed memory (memfd, as vhost-user needs) this
# corrupts the guest within a few migrations (seen with QEMU's own virtio
# devices too: 2 pages differ after the first migration).  A block with a
# partial word takes the slow path, which resets the TLB.
mem_kib=262152 # 256 MiB + 8 KiB
mem=${mem_kib}K
smp=2
queues=2
case $mode in
# precopy: fast, so that each migration ends soon; the downtime limit lets the
# last round stop the guest for a while (not asserted on)
precopy) bandwidth=$((512 * 1024 * 1024)) ;;
# postcopy: slow enough that most of RAM is still on the source when the
# destination starts running, and comes after it slowly (zero pages cost
# nothing), so that the back-ends fault on it
postcopy) bandwidth=$((2 * 1024 * 1024)) ;;
esac
downtime=1000

lvh_guest_initramfs "$guest_io" <<'INIT'
echo "guest: up"
[ -b /dev/vda ] || echo "guest: FAIL no /dev/vda"
[ -d /sys/class/net/eth0 ] || echo "guest: FAIL no eth0"
# frames with sequence numbers, each checked when the echo returns it
guest_net --strict
# --sink=8: O_DIRECT reads, all the while, into 8 MiB the guest's CPU never
# writes: only the dirty log tells the source's QEMU that the back-end
# changed them, and on a postcopy destination they are still on the source
# when the back-end writes them again (it faults on them)
guest-io --workers=2 --stop=/dev/ttyS1 --progress=500 --sink=8 /dev/vda
echo "guest: guest-io exit $?"
INIT

truncate -s 32M "$d/disk.img" || fail "cannot make the image"
blk_pid_a= blk_pid_b= net_pid_a= net_pid_b=
for side in a b; do
	lvh_tool_start "$d/blk-$side.log" env LIBVHOST_LOG=debug \
		"$blk" --socket-path="$d/blk-$side.sock" --blk-file="$d/disk.img" --queues=$queues
	eval blk_pid_$side=\$tool_pid
	lvh_kill_at_exit $tool_pid
	lvh_tool_start "$d/net-$side.log" env LIBVHOST_LOG=debug "$net" --socket-path="$d/net-$side.sock"
	eval net_pid_$side=\$tool_pid
	lvh_kill_at_exit $tool_pid
done
for side in a b; do
	eval lvh_wait_socket "\$d/blk-$side.sock" "\$blk_pid_$side" vhost-user-blk
	eval lvh_wait_socket "\$d/net-$side.sock" "\$net_pid_$side" vhost-user-net
done

# The QEMU of run K on side SIDE, in the background: sets vm_pid.  Its
# console is appended to the one console.log; its ttyS1 is $d/ctlK.
vm_start() {
	vs_k=$1 vs_side=$2
	shift 2
	rm -f "$d/ctl$vs_k.in" "$d/ctl$vs_k.out" "$d/qmp$vs_k.sock"
	mkfifo "$d/ctl$vs_k.in" "$d/ctl$vs_k.out" || fail "cannot make the control fifos"
	# vectors=0 on virtio-net-pci: QEMU 7.2 under TCG segfaults in
	# vhost_net_start (msix_set_vector_notifiers) when the guest enables
	# MSI-X on a virtio-net-pci whose netdev is vhost-user (with DPDK's
	# vhost as the back-end too: QEMU's bug); without vectors the guest
	# uses INTx.  The trace file: postcopy faults served for the back-ends.
	"$qemu" -accel tcg -nodefaults -display none -no-reboot -m $mem -smp $smp \
		-object memory-backend-memfd,id=mem,size=$mem,share=on -machine q35,memory-backend=mem \
		-chardev file,id=con,path="$d/console.log",append=on -serial chardev:con \
		-chardev pipe,id=ctl,path="$d/ctl$vs_k" -serial chardev:ctl \
		-qmp unix:"$d/qmp$vs_k.sock",server=on,wait=off \
		-chardev socket,id=cb,path="$d/blk-$vs_side.sock" \
		-device vhost-user-blk-pci,chardev=cb,num-queues=$queues \
		-chardev socket,id=cn,path="$d/net-$vs_side.sock" -netdev vhost-user,id=n0,chardev=cn \
		-device virtio-net-pci,netdev=n0,romfile=,vectors=0,mac=52:54:00:12:34:56 \
		-trace "vhost_user_postcopy_fault_handler_found" -D "$d/qemu$vs_k.trace" \
		-kernel "$kernel" -initrd "$d/initramfs.gz" \
		-append "console=ttyS0 panic=-1 loglevel=7" \
		"$@" > "$d/qemu$vs_k.log" 2>&1 &
	vm_pid=$!
	# (ends with QEMU)
	cat "$d/ctl$vs_k.out" > /dev/null &
	vs_end=$(($(date +%s) + 120))
	while [ ! -S "$d/qmp$vs_k.sock" ]; do
		lvh_alive $vm_pid || lvh_guest_fail "QEMU $vs_k exited at its start"
		[ "$(date +%s)" -lt "$vs_end" ] || lvh_guest_fail "QEMU $vs_k: no QMP socket in 120 s"
		sleep 0.1
	done
}

# qmp K COMMAND: one QMP command to QEMU K; its reply in $d/reply
qmp() {
	"$qmp" -t 60 -s "$d/qmp$1.sock" "$2" > "$d/reply" 2>&1 ||
		lvh_guest_fail "QEMU $1: QMP $2 failed: $(cat "$d/reply")"
}

# the value of "KEY": in the last QMP reply (the first one)
reply_get() {
	sed -n "s/.*\"$1\": \"*\([^\",}]*\).*/\1/p" "$d/reply" | head -1
}

# Frames come back to the guest on the destination: past the count of a
# line printed before (by either side).
net_climbs() {
	nc_rx=$(lvh_guest_net_received)
	lvh_guest_net_past "$nc_rx" "$lvh_guest_timeout"
	echo "migration $i: frames back to the guest went from $nc_rx to $(lvh_guest_net_received) on the destination"
}

k=1
side=a
vm_start $k $side
guest_pid=$vm_pid
lvh_guest_wait "guest-io: start"
lvh_guest_wait "guest-io: progress" 2
lvh_guest_net_past 0
[ "$(lvh_guest_count "guest: FAIL")" -eq 0 ] && [ "$(lvh_guest_count "guest-io: ERROR")" -eq 0 ] ||
	lvh_guest_fail "the guest failed at its start"

n_log_base=0 n_log_all=0 n_ring_log=0 n_faults=0 n_pc=0 n_compared=0
t0=$(date +%s)
i=0
while [ $i -lt "$migrations" ]; do
	i=$((i + 1))
	src=$k src_side=$side src_pid=$vm_pid
	k=$((k + 1))
	[ $side = a ] && side=b || side=a
	rm -f "$d/mig.sock"
	# precopy: the destination waits (-S) until its memory was compared
	if [ "$mode" = precopy ]; then
		vm_start $k $side -incoming defer -S
	else
		vm_start $k $side -incoming defer
	fi
	dst_pid=$vm_pid
	caps='{"capability": "events", "state": true}'
	[ "$mode" = postcopy ] && caps="$caps"', {"capability": "postcopy-ram", "state": true}'
	for q in $k $src; do
		"$qmp" -t 60 -s "$d/qmp$q.sock" \
			'{"execute": "migrate-set-capabilities", "arguments": {"capabilities": ['"$caps"']}}' \
			> "$d/reply" 2>&1 && continue
		# QEMU checks userfaultfd (for itself and its back-ends) on the destination
		if [ "$mode" = postcopy ] && [ $q = $k ] && grep -qi userfault "$d/qemu$k.log"; then
			echo "postcopy refused by the destination QEMU: $(cat "$d/reply")"
			grep -i userfault "$d/qemu$k.log"
			exit 77
		fi
		lvh_guest_fail "QEMU $q: migrate-set-capabilities failed: $(cat "$d/reply")"
	done
	qmp $k '{"execute": "migrate-incoming", "arguments": {"uri": "unix:'"$d"'/mig.sock"}}'
	qmp $src '{"execute": "migrate-set-parameters", "arguments": {"max-bandwidth": '$bandwidth', "max-postcopy-bandwidth": '$bandwidth', "downtime-limit": '$downtime'}}'

	# what the source's back-ends were told so far
	for t in blk net; do
		eval ${t}_base0=$(lvh_guest_count "<- SET_LOG_BASE" "$d/$t-$src_side.log")
		eval ${t}_feat0=$(lvh_guest_count "<- SET_FEATURES" "$d/$t-$src_side.log")
		eval ${t}_ring0=$(lvh_guest_count "used ring logging on" "$d/$t-$src_side.log")
		eval ${t}_pc0=$(lvh_guest_count "<- POSTCOPY_" "$d/$t-$side.log")
	done
	progress0=$(lvh_guest_count "guest-io: progress")

	qmp $src '{"execute": "migrate", "arguments": {"uri": "unix:'"$d"'/mig.sock"}}'
	# postcopy: switched as soon as QEMU can (after its first pass over RAM
	# began), so the destination starts with next to none of the memory
	[ "$mode" = postcopy ] && qmp $src '{"execute": "migrate-start-postcopy"}'
	end=$(($(date +%s) + lvh_guest_timeout))
	while :; do
		qmp $src '{"execute": "query-migrate"}'
		st=$(reply_get status)
		case $st in
		completed) break ;;
		failed | cancelled)
			lvh_guest_fail "migration $i ($src -> $k) $st: $(cat "$d/reply")" ;;
		esac
		lvh_alive $src_pid || lvh_guest_fail "the source QEMU $src exited during migration $i"
		lvh_alive $dst_pid || lvh_guest_fail "the destination QEMU $k exited during migration $i"
		[ "$(date +%s)" -lt "$end" ] || lvh_guest_fail "migration $i ($src -> $k) did not end: $st"
		sleep 0.2
	done
	if [ "$mode" = precopy ]; then
		# Both sides stopped: the destination's memory must be the source's,
		# page for page.  A page the source's back-ends wrote without
		# logging it after QEMU had sent it differs here.
		for q in $src $k; do
			qmp $q '{"execute": "pmemsave", "arguments": {"val": 0, "size": '$((mem_kib * 1024))', "filename": "'"$d/mem$q"'"}}'
		done
		if ! cmp -s "$d/mem$src" "$d/mem$k"; then
			cmp -l "$d/mem$src" "$d/mem$k" | awk '{ printf "%#x\n", int(($1 - 1) / 4096) * 4096 }' |
				uniq > "$d/diff"
			lvh_guest_fail "migration $i: $(wc -l < "$d/diff") pages of the destination's memory differ from the source's, at guest $(head -8 "$d/diff" | tr '\n' ' ')"
		fi
		rm -f "$d/mem$src" "$d/mem$k"
		n_compared=$((n_compared + 1))
		qmp $k '{"execute": "cont"}'
	fi
	# the destination runs the guest now
	end=$(($(date +%s) + 120))
	while qmp $k '{"execute": "query-status"}'; [ "$(reply_get status)" != running ]; do
		lvh_alive $dst_pid || lvh_guest_fail "the destination QEMU $k exited after migration $i"
		[ "$(date +%s)" -lt "$end" ] || lvh_guest_fail "QEMU $k is not running after migration $i"
		sleep 0.2
	done
	guest_pid=$dst_pid
	# QEMU may close the socket before its reply: its exit status says
	"$qmp" -t 60 -s "$d/qmp$src.sock" '{"execute": "quit"}' > /dev/null 2>&1
	end=$(($(date +%s) + 120))
	while lvh_alive $src_pid; do
		[ "$(date +%s)" -lt "$end" ] || lvh_guest_fail "the source QEMU $src did not quit"
		sleep 0.1
	done
	wait $src_pid
	st=$?
	src_pid= dst_pid=
	[ $st -eq 0 ] || lvh_guest_fail "the source QEMU $src exited with status $st"

	# the source's back-ends logged their writes
	for t in blk net; do
		eval b0=\$${t}_base0 f0=\$${t}_feat0 r0=\$${t}_ring0 p0=\$${t}_pc0
		b=$(lvh_guest_count "<- SET_LOG_BASE" "$d/$t-$src_side.log")
		f=$(lvh_guest_count "<- SET_FEATURES" "$d/$t-$src_side.log")
		r=$(lvh_guest_count "used ring logging on" "$d/$t-$src_side.log")
		[ "$b" -gt "$b0" ] || lvh_guest_fail "migration $i: the source's $t back-end got no SET_LOG_BASE"
		[ "$f" -gt "$f0" ] || lvh_guest_fail "migration $i: the source's $t back-end got no SET_FEATURES (LOG_ALL)"
		[ "$r" -gt "$r0" ] || lvh_guest_fail "migration $i: no running ring of the source's $t back-end was switched to logging"
		n_log_base=$((n_log_base + b - b0))
		n_log_all=$((n_log_all + f - f0))
		n_ring_log=$((n_ring_log + r - r0))
		if [ "$mode" = postcopy ]; then
			for m in POSTCOPY_ADVISE POSTCOPY_LISTEN POSTCOPY_END; do
				[ "$(lvh_guest_count "<- $m" "$d/$t-$side.log")" -gt 0 ] ||
					lvh_guest_fail "migration $i: the destination's $t back-end got no $m"
			done
			p=$(lvh_guest_count "<- POSTCOPY_" "$d/$t-$side.log")
			[ "$p" -ge $((p0 + 3)) ] ||
				lvh_guest_fail "migration $i: the destination's $t back-end got $((p - p0)) POSTCOPY_ messages, not 3"
			n_pc=$((n_pc + p - p0))
		fi
	done
	if [ "$mode" = postcopy ]; then
		f=$(lvh_guest_count "vhost_user_postcopy_fault_handler_found" "$d/qemu$k.trace")
		echo "migration $i: the destination QEMU served $f page faults of the back-ends"
		n_faults=$((n_faults + f))
	fi
	# the guest goes on: new I/O, frames still coming back
	lvh_guest_wait "guest-io: progress" $((progress0 + 2))
	net_climbs
	[ "$(lvh_guest_count "guest-io: ERROR")" -eq 0 ] && [ "$(lvh_guest_count "guest: FAIL")" -eq 0 ] ||
		lvh_guest_fail "the guest failed a check (migration $i)"
	echo "migration $i: QEMU $src ($src_side) -> QEMU $k ($side) done at $(($(date +%s) - t0)) s"
done

send_k() {
	timeout 30 sh -c 'printf "%s\n" "$1" > "$2"' sh "$1" "$d/ctl$k.in" ||
		lvh_guest_fail "cannot send \"$1\" to the guest"
}
send_k stop
lvh_guest_wait "guest-io: map written"
lvh_guest_end
vm_pid=
grep -F "guest-io: writes" "$d/console.log"
lvh_guest_wait "guest: guest-io exit 0"
want=$(grep -F "guest-io: map written" "$d/console.log" | tr -d '\r')
got=$("$guest_io" --check-image="$d/disk.img") || lvh_guest_fail "the image has bad blocks: $got"
[ "$got" = "$want" ] || lvh_guest_fail "the image does not hold what the guest wrote: $got, not $want"
lvh_guest_check_console
net_line=$(lvh_guest_net_check)
# Each side's back-ends served a session per QEMU of that side and, as
# sources, logged dirty pages (the counts they print at exit).
sessions_a=$(((migrations + 2) / 2)) sessions_b=$(((migrations + 1) / 2))
for t in blk-a blk-b net-a net-b; do
	eval tool_pid=\$${t%-*}_pid_${t#*-}
	p=$tool_pid
	lvh_tool_end "$d/$t.log"
	lvh_pids=$(echo " $lvh_pids " | sed "s/ $p / /g")
	# (their logs are at debug: the library's error lines have no form of their own)
	if grep -E "dropping the front-end|on running ring|broken" "$d/$t.log"; then
		lvh_guest_fail "the $t back-end logged errors (above)"
	fi
	stats=$(grep "back-end: .* sessions" "$d/$t.log")
	echo "$t: $stats"
	n=$(echo "$stats" | sed -n 's/.* \([0-9]*\) sessions.*/\1/p')
	dirty=$(echo "$stats" | sed -n 's/.* \([0-9]*\) dirty pages logged.*/\1/p')
	eval want=\$sessions_${t#*-}
	[ "${n:-0}" -eq "$want" ] || lvh_guest_fail "the $t back-end served ${n:-no} sessions, not $want"
	# side b is a source from the second migration on
	case $t in
	*-b) [ "$migrations" -ge 2 ] || continue ;;
	esac
	# postcopy switches at once: the precopy pass is too short for the
	# guest's frames to land in it for certain, but guest-io's I/O always does
	[ "$mode" = postcopy ] && [ "${t%-*}" = net ] && continue
	[ "${dirty:-0}" -gt 0 ] || lvh_guest_fail "the $t back-end logged no dirty page"
done
# each destination started with next to none of the guest's memory
[ "$mode" = postcopy ] && [ "$n_faults" -eq 0 ] &&
	lvh_guest_fail "the back-ends never faulted on a destination in $migrations migrations"
cat "$d"/qemu[0-9]*.log > "$d/qemu.log"
lvh_check_logs "$d/qemu.log"
lvh_guest_check_qemu_log
# QEMU asks the net back-end to announce the guest's MAC after a migration
# (SEND_RARP) when the guest has no GUEST_ANNOUNCE: one a migration, to the
# destination's
rarp=$(( $(lvh_guest_count "<- SEND_RARP" "$d/net-a.log") + $(lvh_guest_count "<- SEND_RARP" "$d/net-b.log") ))
[ "$rarp" -ge "$migrations" ] || lvh_guest_fail "$rarp SEND_RARPs for $migrations migrations"
[ "$(lvh_guest_count "guest: FAIL")" -eq 0 ] || lvh_guest_fail "the guest failed a check"
case $mode in
precopy) extra="the destination's memory the source's after each ($n_compared compared)" ;;
postcopy) extra="destination back-ends: POSTCOPY_ messages $n_pc; faults of theirs served $n_faults" ;;
esac
echo "PASS: $migrations migrations ($mode) in $(($(date +%s) - t0)) s; source back-ends: SET_LOG_BASE $n_log_base, SET_FEATURES $n_log_all, running rings switched to logging $n_ring_log; $extra; guest frames: $net_line"
