# SPDX-License-Identifier: BSD-3-Clause
# Shared by the interop scripts (sourced): a short scratch directory, peers
# killed by their saved pids at exit, sockets waited for with a deadline,
# and failures that show every log the test wrote.
#   lvh_setup PREFIX     sets $d (removed at exit)
#   lvh_kill_at_exit PID ...
#   lvh_rm_at_exit PATH ...   (besides $d)
#   lvh_dpdk_rm_at_exit PREFIX   DPDK's runtime directory for --file-prefix
#   lvh_need_userfaultfd PEER   exit 77 unless PEER can make a userfaultfd
#   lvh_wait_socket PATH PID WHAT   (fails after 10 s, or if PID died)
#   lvh_running PID       true while PID runs (a zombie does not)
#   lvh_wait_for SECONDS WHAT COMMAND...   runs COMMAND every 0.1 s until it
#                         succeeds; fails after SECONDS
#   lvh_stop PID NAME [STATUS]   SIGTERM to a child of this shell, waits
#                         (30 s at most) and fails unless it exited with
#                         STATUS (default 0: what vhost-user-blk and
#                         vhost-user-net return on SIGTERM)
#   lvh_reap PID NAME [STATUS]   the same for a child that ends by itself
#   lvh_check_logs [FILE...]   fails on error lines in FILEs (default: every
#                         $d/*.log): libvhost's (ERR-level) and our tools'
#                         complaints, sanitizer reports, and the error forms
#                         of the peers (QEMU, qemu-storage-daemon, testpmd,
#                         virtiofsd); a line matching one of the extended
#                         regular expressions in $lvh_log_allow (one a line,
#                         set by the test with a comment saying why) passes
#   lvh_stop_in_io PID    stops PID (SIGSTOP) at a moment when a thread of it
#                         is inside an I/O call (preadv, pwritev, fdatasync,
#                         io_uring_enter; x86_64: 295, 296, 75, 426), looking
#                         for at most 10 s, and leaves it stopped there for
#                         a SIGKILL; returns at once if PID is gone
#   lvh_testpmd PREFIX LOG SOCKET VDEV [ARG...]   dpdk-testpmd ($pmd) with
#                         --file-prefix=PREFIX, --no-huge, one --vdev VDEV and
#                         its app ARGs, interactive: commands go to fd 3 (a
#                         fifo), its output to LOG; its pid in $ppid (killed
#                         at exit, and by a watchdog after 300 s); returns
#                         once its prompt is up and SOCKET is there ("-":
#                         no socket to wait for); LIBVHOST_TEST_DPDK_ARGS
#                         adds EAL options
#   lvh_testpmd_quit NAME [COMMAND...]   the COMMANDs (testpmd runs them in
#                         turn), quit, and lvh_reap
#   fail MESSAGE
#   lvh_guest_kernel      sets $kernel: $LIBVHOST_VM_KERNEL, else the kernel
#                         make check-vm built and cached; exits 77 without one,
#                         or with LIBVHOST_GUEST_TESTS=no
# LIBVHOST_TEST_KEEP=DIR keeps the scratch directory there (DIR/PREFIX.XXXXXX).
lvh_pids=
lvh_paths=
lvh_log_allow=
lvh_cleanup() {
	for p in $lvh_pids; do kill "$p" 2>/dev/null; done
	[ -n "${LIBVHOST_TEST_KEEP:-}" ] && [ -d "$d" ] && mkdir -p "$LIBVHOST_TEST_KEEP" &&
		cp -r "$d" "$LIBVHOST_TEST_KEEP/" 2>/dev/null
	rm -rf "$d" $lvh_paths
}
lvh_setup() {
	d=$(mktemp -d "/tmp/lvh-$1.XXXXXX")
	trap lvh_cleanup EXIT
}
lvh_kill_at_exit() {
	lvh_pids="$lvh_pids $*"
}
lvh_rm_at_exit() {
	lvh_paths="$lvh_paths $*"
}
# A postcopy peer (qemu-storage-daemon, DPDK) needs a userfaultfd that
# reports kernel faults too: as root, or with vm.unprivileged_userfaultfd=1.
# Otherwise (a package build, not root, on Debian's default 0) it cannot
# serve postcopy: the test skips (77).
lvh_need_userfaultfd() {
	[ "$(id -u)" = 0 ] && return 0
	[ "$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null)" = 1 ] && return 0
	echo "not root and vm.unprivileged_userfaultfd is not 1: $1 cannot make its userfaultfd"
	exit 77
}
# DPDK's runtime directory for --file-prefix=PREFIX: /var/run/dpdk as root,
# else $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk (a package build is not root, and
# a root-owned /var/run/dpdk left by an earlier run is not its to remove)
lvh_dpdk_rm_at_exit() {
	if [ "$(id -u)" = 0 ]; then
		lvh_rm_at_exit "/var/run/dpdk/$1"
	else
		lvh_rm_at_exit "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$1"
	fi
}
lvh_testpmd() {
	lvh_tp_log=$2 lvh_tp_sock=$3
	lvh_tp_prefix=$1 lvh_tp_vdev=$4
	shift 4
	rm -f "$d/in"
	mkfifo "$d/in"
	# shellcheck disable=SC2086
	"$pmd" -l 0-1 --no-pci --no-huge -m 128 --file-prefix="$lvh_tp_prefix" \
		${LIBVHOST_TEST_DPDK_ARGS:-} --vdev "$lvh_tp_vdev" \
		-- -i --no-mlockall --total-num-mbufs=2048 "$@" < "$d/in" > "$lvh_tp_log" 2>&1 &
	ppid=$!
	[ -n "${lvh_tp_dog:-}" ] && kill "$lvh_tp_dog" 2>/dev/null
	# (its sleep goes with it when it is killed: no process left behind)
	(
		trap 'kill $! 2> /dev/null; exit 0' TERM
		sleep 300 &
		wait $!
		kill -9 "$ppid"
	) > /dev/null 2>&1 &
	lvh_tp_dog=$!
	lvh_kill_at_exit $ppid $lvh_tp_dog
	exec 3> "$d/in"
	lvh_wait_for 90 "testpmd did not start (${lvh_tp_log##*/})" lvh_testpmd_up
}
lvh_testpmd_up() {
	grep -q "testpmd>" "$lvh_tp_log" && { [ "$lvh_tp_sock" = - ] || [ -S "$lvh_tp_sock" ]; } ||
		{ lvh_running $ppid || fail "testpmd exited before its prompt (${lvh_tp_log##*/})"; false; }
}
lvh_testpmd_quit() {
	lvh_tp_name=$1
	shift
	for lvh_tp_c in "$@" quit; do
		echo "$lvh_tp_c" >&3
	done
	exec 3>&-
	lvh_reap $ppid "$lvh_tp_name"
}
fail() {
	echo "FAIL: $*"
	for f in "$d"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f"
		tail -30 "$f"
	done
	exit 1
}
lvh_wait_socket() {
	lvh_i=0
	while [ ! -S "$1" ]; do
		lvh_i=$((lvh_i + 1))
		{ [ $lvh_i -gt 100 ] || ! lvh_running "$2"; } && fail "$3: its socket did not appear"
		sleep 0.1
	done
}
lvh_running() { # (builtins only: it runs in every polling loop)
	kill -0 "$1" 2>/dev/null || return 1
	read -r lvh_stat < "/proc/$1/stat" 2>/dev/null || return 1
	case ${lvh_stat##*) } in
	Z*) return 1 ;;
	esac
	return 0
}
lvh_wait_for() {
	lvh_n=$(($1 * 10)) lvh_what=$2
	shift 2
	lvh_i=0
	until "$@"; do
		lvh_i=$((lvh_i + 1))
		[ $lvh_i -gt $lvh_n ] && fail "$lvh_what (waited $((lvh_n / 10)) s)"
		sleep 0.1
	done
}
lvh_reap() {
	lvh_i=0
	while lvh_running "$1"; do
		lvh_i=$((lvh_i + 1))
		if [ $lvh_i -gt 300 ]; then
			kill -KILL "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			fail "$2 did not exit within 30 s"
		fi
		sleep 0.1
	done
	wait "$1"
	lvh_st=$?
	lvh_pids=$(echo " $lvh_pids " | sed "s/ $1 / /g")
	[ $lvh_st -eq "${3:-0}" ] || fail "$2 exited with status $lvh_st, not ${3:-0}"
} 2> /dev/null
lvh_stop_in_io() {
	lsi_end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -lt $lsi_end ]; do
		kill -STOP "$1" 2>/dev/null || return 0
		lsi_j=0
		while read -r lsi_st < "/proc/$1/stat"; do
			case ${lsi_st##*) } in
			T*) break ;;
			esac
			lsi_j=$((lsi_j + 1))
			[ $lsi_j -lt 1000 ] || break
		done
		for lsi_f in /proc/"$1"/task/*/syscall; do
			read -r lsi_nr lsi_rest < "$lsi_f" || continue
			case $lsi_nr in
			295 | 296 | 75 | 426) return 0 ;;
			esac
		done
		[ -d "/proc/$1" ] || return 0
		kill -CONT "$1"
	done
	return 0
}

lvh_stop() {
	lvh_running "$1" || fail "$2 had exited before it was told to stop"
	kill -TERM "$1"
	lvh_reap "$@"
}

# libvhost's own lines (its default logger writes "libvhost: FUNC: ...") are
# all errors at the LIBVHOST_LOG=err that make check sets; our tools' lines
# are errors but for the few that report; the rest are error forms.
lvh_log_forms='dropping the front-end|Sanitizer|runtime error:|vhost.*fail|[Ff]ailed|FAILED|'\
'[Ee]rror:|[Ee]rror (during|while|in|on|from)|ERROR|[Cc]annot|[Uu]nable to|[Ff]atal|'\
'Kernel panic|[Ss]egmentation fault|[Aa]borted|core dumped'
# (DPDK's vhost lists the status bits a driver set, FAILED among them; a
# guest kernel under a loaded TCG host may fail to calibrate its TSC, and
# falls back to another clock)
lvh_log_info='^\[ *[0-9]+\.[0-9]+\] tsc: (Fast TSC calibration failed|Unable to calibrate against PIT)$|'\
'^vhost-user-blk: (device [0-9]+: )?connected to the front-end again$|'\
'^vhost-user-blk: (device [0-9]+: )?queue [0-9]+: [0-9]+ requests.*$|'\
'^vhost-user-blk: (device [0-9]+: )?I/O: .*$|'\
'^vhost-user-net: (device [0-9]+: )?pair [0-9]+: [0-9]+ frames from the driver.*$|'\
'^vhost-user-(blk|net|rng): (device [0-9]+: )?back-end: [0-9]+ sessions, .*$|'\
'^vhost-user-rng: ([0-9]+ requests, [0-9]+ bytes served, [0-9]+ refused|limit [0-9]+ bytes per .*)$|'\
'^vhost-user-net: (device [0-9]+: )?([0-9]+ frames from the driver, [0-9]+ to it, [0-9]+ dropped|first frame from the driver: [0-9]+ bytes)$|'\
'^vhost-user-net: stats: .*$|'\
'^vhost-user-vsock: (at exit|stats): [0-9]+ packets from the guest, .*$|'\
'^vhost-user-vsock: back-end: [0-9]+ sessions, .*$|'\
'^VHOST_CONFIG: .*	-FAILED: 0$'
lvh_check_logs() {
	[ $# -gt 0 ] || set -- "$d"/*.log
	lvh_re="^vhost-user-(blk|net|rng|vsock): |$lvh_log_forms"
	case ${LIBVHOST_LOG:-err} in
	0 | 1 | 2 | 3 | emerg | alert | crit | err | error) lvh_re="^libvhost: |$lvh_re" ;;
	esac
	for lvh_f in "$@"; do
		[ -f "$lvh_f" ] || continue
		tr -d '\r' < "$lvh_f" | grep -E "$lvh_re" | grep -Ev "$lvh_log_info" |
			{ if [ -n "$lvh_log_allow" ]; then grep -Ev "$lvh_log_allow"; else cat; fi; } \
			> "$d/check-logs.out"
		if [ -s "$d/check-logs.out" ]; then
			echo "error lines in $lvh_f:"
			head -20 "$d/check-logs.out"
			rm -f "$d/check-logs.out"
			fail "$(basename "$lvh_f") holds error lines"
		fi
	done
	rm -f "$d/check-logs.out"
}

lvh_guest_kernel() {
	# CI runs the Linux-guest tests in the builds where they tell something
	# new, not in every one (they take minutes each under TCG)
	if [ "${LIBVHOST_GUEST_TESTS:-yes}" = no ]; then
		echo "Linux-guest tests not asked for here (LIBVHOST_GUEST_TESTS=no)"
		exit 77
	fi
	kernel=${LIBVHOST_VM_KERNEL:-}
	[ -n "$kernel" ] || kernel=$(sh "${top_srcdir:-.}/tests/vm/build-kernel.sh" --cached \
		"${LIBVHOST_VM_CACHE:-${HOME:-/tmp}/.cache/libvhost-vm}" 2>/dev/null) || kernel=
	[ -r "$kernel" ] || { echo "no guest kernel (LIBVHOST_VM_KERNEL, or make check-vm builds one)"; exit 77; }
}
