# SPDX-License-Identifier: BSD-3-Clause
# Shared by the interop scripts (sourced): a short scratch directory, peers
# killed by their saved pids at exit, sockets waited for with a deadline,
# and failures that show every log the test wrote.
#   lvh_setup PREFIX     sets $d (removed at exit)
#   lvh_kill_at_exit PID ...
#   lvh_rm_at_exit PATH ...   (besides $d)
#   lvh_wait_socket PATH PID WHAT   (fails after 10 s, or if PID died)
#   fail MESSAGE
#   lvh_guest_kernel      sets $kernel: $LIBVHOST_VM_KERNEL, else the kernel
#                         make check-vm built and cached; exits 77 without one
lvh_pids=
lvh_paths=
lvh_cleanup() {
	for p in $lvh_pids; do kill "$p" 2>/dev/null; done
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
		{ [ $lvh_i -gt 100 ] || ! kill -0 "$2" 2>/dev/null; } && fail "$3: its socket did not appear"
		sleep 0.1
	done
}

lvh_guest_kernel() {
	kernel=${LIBVHOST_VM_KERNEL:-}
	[ -n "$kernel" ] || kernel=$(sh "${top_srcdir:-.}/tests/vm/build-kernel.sh" --cached \
		"${LIBVHOST_VM_CACHE:-${HOME:-/tmp}/.cache/libvhost-vm}" 2>/dev/null) || kernel=
	[ -r "$kernel" ] || { echo "no guest kernel (LIBVHOST_VM_KERNEL, or make check-vm builds one)"; exit 77; }
}
