# SPDX-License-Identifier: BSD-3-Clause
# Shared by the interop scripts that boot a Linux guest as the driver of our
# back-end tools (sourced after lib.sh, which sets $d).  The guest is QEMU
# (TCG, q35) with a kernel ($LIBVHOST_VM_KERNEL, see lvh_guest_kernel in
# lib.sh) and an initramfs of busybox, the test's static programs and its
# /init; its console is written to $d/console.log, a second serial port
# (the guest's /dev/ttyS1) takes lines from the host, QMP listens on
# $d/qmp.sock.  Every wait is for a condition, with a deadline.
#
#   lvh_guest_setup PREFIX   lvh_setup, and at exit the current QEMU and
#                         back-end are killed too (only the current ones:
#                         a test that restarts them leaves no stale pids)
#   lvh_guest_require     exit 77 without QEMU, a static busybox or a guest
#                         kernel; sets $qemu $busybox $kernel, $qmp (our QMP
#                         client) and $guest_io (the verifier, see guest-io.c)
#   lvh_guest_require_static PROGRAM   exit 77 if PROGRAM was not built (no
#                         static linking here) or is not static
#   lvh_guest_initramfs [PROGRAM...] < INIT   $d/initramfs.gz: busybox and
#                         the programs in /bin; /init is a prelude (mounts,
#                         busybox links, ttyS1 without echo, guest_end to
#                         power off, guest_net OPTION... to bring eth0 up and
#                         run guest-io --net=eth0 OPTION... in the background,
#                         which guest_end stops) followed by the shell text
#                         on stdin
#   lvh_guest_start ARG...   QEMU in the background with the common options
#                         and ARG...; kernel command line: console, panic,
#                         loglevel 7 (I/O and virtio errors reach the console)
#                         and $guest_append; sets $guest_pid
#   lvh_guest_wait TEXT [COUNT [SECONDS]]   until COUNT console lines (1)
#                         hold TEXT (a fixed string); fails once QEMU exited
#                         or after SECONDS ($LIBVHOST_GUEST_TIMEOUT, 600)
#   lvh_guest_count TEXT [FILE]   how many lines of FILE (the console) hold TEXT
#   lvh_guest_wait_log FILE TEXT COUNT PID [SECONDS]   until FILE has COUNT
#                         lines holding TEXT; fails once PID died
#   lvh_guest_send LINE   writes LINE to the guest's /dev/ttyS1
#   lvh_guest_qmp [-t SECONDS] [-e EVENT [-m TEXT] [-x TEXT]] [COMMAND]   our QMP
#                         client (qmp.c) on $d/qmp.sock
#   lvh_guest_reap        after QEMU ended: $lvh_guest_st says how
#   lvh_guest_end [SECONDS]   waits for QEMU to exit (the guest powered off);
#                         its status must be 0
#   lvh_guest_net_received   the frames guest-io --net got back so far (the
#                         number in its last line on the console; 0 before)
#   lvh_guest_net_past N [SECONDS]   until a line of guest-io --net printed
#                         after this call says more than N frames came back
#   lvh_guest_net_check [lossless]   guest-io --net stopped (guest_end stops
#                         it) and saw no error; with lossless, no lost frame
#                         either; prints its last line
#   lvh_guest_check_console   fails on an I/O, virtio or vring error, an
#                         oops or a warning in the guest kernel's log
#   lvh_guest_check_qemu_log [REGEX]   fails on a line of $d/qemu.log about
#                         vhost or saying "failed", other than ones matching
#                         REGEX (extended) or the known harmless ones
#   lvh_tool_start LOG CMD...   a back-end in the background, its stderr
#                         appended to LOG; sets $tool_pid
#   lvh_tool_kill         SIGKILL $tool_pid and reap it
#   lvh_tool_end LOG      SIGTERM $tool_pid; its exit status must be 0 (an
#                         ASan report or a crash fails) and LOG must not
#                         say "dropping the front-end"
#   lvh_guest_fail MESSAGE   the guest's console (tail), the other logs
#                         in $d (tail), and exit 1
#   lvh_random N          a random number in [0, N)
lvh_guest_timeout=${LIBVHOST_GUEST_TIMEOUT:-600}
guest_append=${guest_append:-}
guest_pid=
tool_pid=

lvh_guest_cleanup() {
	for p in $guest_pid $tool_pid $lvh_guest_cat; do kill "$p" 2>/dev/null; done
	lvh_cleanup
}
lvh_guest_setup() {
	lvh_setup "$1"
	trap lvh_guest_cleanup EXIT
}
lvh_guest_cat=

lvh_guest_require() {
	qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
	busybox=$(command -v busybox) || { echo "busybox-static not installed"; exit 77; }
	file "$busybox" 2>/dev/null | grep -q "dynamically linked" && { echo "busybox is not static"; exit 77; }
	lvh_guest_kernel
	qmp=${top_builddir:-.}/tests/interop/qmp
	guest_io=${top_builddir:-.}/tests/interop/guest-io
	[ -x "$qmp" ] || { echo "$qmp not built (make check builds it)"; exit 1; }
}

lvh_guest_require_static() {
	[ -x "$1" ] || { echo "$1 not built: no static linking here"; exit 77; }
	file "$1" 2>/dev/null | grep -q "dynamically linked" && { echo "$1 is not static"; exit 77; }
	return 0
}

lvh_guest_fail() {
	echo "FAIL: $*"
	if [ -f "$d/console.log" ]; then
		echo "--- $d/console.log (the guest's serial console)"
		tail -60 "$d/console.log"
	fi
	for f in "$d"/*.log; do
		[ -f "$f" ] && [ "$f" != "$d/console.log" ] || continue
		echo "--- $f"
		tail -30 "$f"
	done
	exit 1
}

lvh_guest_initramfs() {
	rm -rf "$d/root"
	mkdir -p "$d/root/bin" "$d/root/proc" "$d/root/sys" "$d/root/dev" "$d/root/tmp" ||
		lvh_guest_fail "cannot make the initramfs tree"
	cp "$busybox" "$d/root/bin/busybox" || lvh_guest_fail "cannot copy busybox"
	for p in "$@"; do
		cp "$p" "$d/root/bin/" || lvh_guest_fail "cannot copy $p"
	done
	{
		cat <<'PRELUDE'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
stty -F /dev/ttyS1 -echo 2>/dev/null
guest_net_pid=
guest_net() {
	# no IPv6: the kernel would send frames of its own (DAD, router
	# solicitations, MLD) which the tests' counts do not expect
	echo 1 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6 2>/dev/null
	ip link set eth0 up
	guest-io --net=eth0 "$@" &
	guest_net_pid=$!
}
guest_end() {
	if [ -n "$guest_net_pid" ]; then
		kill -TERM $guest_net_pid
		wait $guest_net_pid
	fi
	sync
	echo "guest: end"
	reboot -f
}
PRELUDE
		cat
		echo guest_end
	} > "$d/root/init"
	chmod +x "$d/root/init"
	(cd "$d/root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip) > "$d/initramfs.gz" ||
		lvh_guest_fail "cannot build the initramfs"
}

lvh_guest_start() {
	rm -f "$d/ctl.in" "$d/ctl.out" "$d/qmp.sock"
	mkfifo "$d/ctl.in" "$d/ctl.out" || lvh_guest_fail "cannot make the control fifos"
	: > "$d/console.log"
	"$qemu" -accel tcg -nodefaults -display none -no-reboot \
		-serial file:"$d/console.log" -chardev pipe,id=ctl,path="$d/ctl" -serial chardev:ctl \
		-qmp unix:"$d/qmp.sock",server=on,wait=off \
		-kernel "$kernel" -initrd "$d/initramfs.gz" \
		-append "console=ttyS0 panic=-1 loglevel=7 $guest_append" \
		"$@" > "$d/qemu.log" 2>&1 &
	guest_pid=$!
	# the output fifo drained, so the guest never waits on it
	[ -z "$lvh_guest_cat" ] || kill "$lvh_guest_cat" 2>/dev/null
	cat "$d/ctl.out" > /dev/null &
	lvh_guest_cat=$!
}

lvh_guest_count() {
	grep -cF -- "$1" "${2:-$d/console.log}" 2>/dev/null
}

# lvh_alive PID: PID runs (a zombie waiting to be reaped does not)
lvh_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null) in
	" Z"* | " X"* | "") return 1 ;;
	esac
	return 0
}

# how QEMU ended, once it did: $lvh_guest_st is "status N" (128 + N:
# killed by signal N); in this shell, not a $(...), to reap its own child
lvh_guest_reap() {
	wait "$guest_pid"
	lvh_guest_st="status $?"
}

lvh_guest_wait() {
	lvh_gw_n=${2:-1}
	lvh_gw_end=$(($(date +%s) + ${3:-$lvh_guest_timeout}))
	while [ "$(lvh_guest_count "$1")" -lt "$lvh_gw_n" ]; do
		lvh_alive "$guest_pid" || {
			# the line may have come just before QEMU exited
			[ "$(lvh_guest_count "$1")" -ge "$lvh_gw_n" ] && return 0
			lvh_guest_reap
			lvh_guest_fail "QEMU exited ($lvh_guest_st) before the guest said \"$1\" ($lvh_gw_n times)"
		}
		[ "$(date +%s)" -lt "$lvh_gw_end" ] ||
			lvh_guest_fail "the guest did not say \"$1\" ($lvh_gw_n times) in ${3:-$lvh_guest_timeout} s"
		sleep 0.1
	done
}

lvh_guest_wait_log() {
	lvh_gw_end=$(($(date +%s) + ${5:-$lvh_guest_timeout}))
	while [ "$(lvh_guest_count "$2" "$1")" -lt "$3" ]; do
		lvh_alive "$4" || {
			[ "$(lvh_guest_count "$2" "$1")" -ge "$3" ] && return 0
			lvh_guest_fail "$1: no \"$2\" ($3 times) before pid $4 exited"
		}
		[ "$(date +%s)" -lt "$lvh_gw_end" ] ||
			lvh_guest_fail "$1: no \"$2\" ($3 times) in ${5:-$lvh_guest_timeout} s"
		sleep 0.05
	done
}

lvh_guest_send() {
	lvh_alive "$guest_pid" || lvh_guest_fail "QEMU exited before \"$1\" could be sent"
	# QEMU holds the fifo open, so this cannot block unless QEMU is gone
	timeout 30 sh -c 'printf "%s\n" "$1" > "$2"' sh "$1" "$d/ctl.in" ||
		lvh_guest_fail "cannot send \"$1\" to the guest"
}

lvh_guest_qmp() {
	"$qmp" -s "$d/qmp.sock" "$@"
}

lvh_guest_end() {
	lvh_gw_end=$(($(date +%s) + ${1:-$lvh_guest_timeout}))
	while lvh_alive "$guest_pid"; do
		[ "$(date +%s)" -lt "$lvh_gw_end" ] || lvh_guest_fail "the guest did not power off"
		sleep 0.1
	done
	wait "$guest_pid"
	lvh_ge_status=$?
	guest_pid=
	[ $lvh_ge_status -eq 0 ] || lvh_guest_fail "QEMU exited with status $lvh_ge_status"
}

lvh_guest_net_received() {
	lvh_gn_r=$(sed -n 's/.*guest-io: net .*received \([0-9]*\) .*/\1/p' "$d/console.log" | tail -1)
	echo "${lvh_gn_r:-0}"
}

lvh_guest_net_past() {
	# a line printed after this call: frames already on their way when a
	# back-end went away may still come in and count
	lvh_gn_c=$(lvh_guest_count "guest-io: net sent")
	lvh_guest_wait "guest-io: net sent" $((lvh_gn_c + 1)) "${2:-120}"
	lvh_gn_end=$(($(date +%s) + ${2:-120}))
	while [ "$(lvh_guest_net_received)" -le "$1" ]; do
		lvh_alive "$guest_pid" || { lvh_guest_reap; lvh_guest_fail "QEMU exited ($lvh_guest_st)"; }
		[ "$(date +%s)" -lt $lvh_gn_end ] ||
			lvh_guest_fail "no frame came back to the guest: it got $(lvh_guest_net_received) (was $1)"
		sleep 0.1
	done
}

lvh_guest_net_check() {
	lvh_gn_line=$(grep "guest-io: net stopped" "$d/console.log" | tail -1 | tr -d "\r")
	[ -n "$lvh_gn_line" ] || lvh_guest_fail "guest-io --net did not stop"
	echo "$lvh_gn_line" | grep -q " errors 0$" || lvh_guest_fail "guest-io --net saw errors: $lvh_gn_line"
	[ "$(lvh_guest_count "guest-io: ERROR net")" -eq 0 ] || lvh_guest_fail "guest-io --net saw errors"
	[ "$(lvh_guest_net_received)" -gt 0 ] || lvh_guest_fail "no frame came back to the guest: $lvh_gn_line"
	if [ "${1:-}" = lossless ]; then
		echo "$lvh_gn_line" | grep -q " lost 0 " || lvh_guest_fail "frames were lost: $lvh_gn_line"
	fi
	echo "$lvh_gn_line" | sed 's/.*guest-io: //'
}

lvh_guest_check_console() {
	# the kernel's words for a failed request, a broken ring, an oops or a warning
	if grep -E "I/O error|blk_update_request|critical (medium|target) error|[Vv]ring|virtio.*([Ee]rror|[Ff]ail|broken)|virtqueue|Call Trace|BUG:|WARNING:|Oops:|Kernel panic|hung_task|blocked for more than" \
		"$d/console.log" > "$d/console-errors"; then
		cat "$d/console-errors"
		lvh_guest_fail "the guest kernel logged errors (above)"
	fi
	return 0
}

lvh_guest_check_qemu_log() {
	# harmless: our back-ends offer CONFIG to virtio-net, which QEMU does not use
	if grep -E -i "vhost|failed" "$d/qemu.log" |
		grep -E -v "supports VHOST_USER_PROTOCOL_F_CONFIG but QEMU does not${1:+|$1}" > "$d/qemu-errors"; then
		cat "$d/qemu-errors"
		lvh_guest_fail "QEMU logged vhost errors or failures (above)"
	fi
	return 0
}

lvh_tool_start() {
	lvh_ts_log=$1
	shift
	"$@" 2>> "$lvh_ts_log" &
	tool_pid=$!
}

lvh_tool_kill() {
	kill -KILL "$tool_pid" 2>/dev/null
	wait "$tool_pid" 2>/dev/null
	tool_pid=
	return 0
}

lvh_tool_end() {
	kill -TERM "$tool_pid" 2>/dev/null
	lvh_te_end=$(($(date +%s) + 60))
	while lvh_alive "$tool_pid"; do
		[ "$(date +%s)" -lt "$lvh_te_end" ] || lvh_guest_fail "the back-end did not end on SIGTERM"
		sleep 0.05
	done
	wait "$tool_pid"
	lvh_te_status=$?
	tool_pid=
	[ $lvh_te_status -eq 0 ] || lvh_guest_fail "the back-end exited with status $lvh_te_status"
	grep -q "dropping the front-end" "$1" && lvh_guest_fail "the back-end dropped the front-end"
	return 0
}

lvh_random() {
	echo $(($(od -An -N4 -tu4 /dev/urandom) % $1))
}
