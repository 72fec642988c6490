#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest's virtio-vsock driver on our vhost-user-vsock through QEMU's
# vhost-user-vsock-pci, the host side hybrid vsock on unix sockets, both
# ends vsock-io (vsock-io.c: every byte checked against its generator):
# QEMU 7.2's vhost-user-vsock-pci has no guest-cid property: the guest
# reads its CID (3) from the device's config space, which is the back-end's.
# - the guest connects to host port 5000 (the host's vsock-io server on
#   the unix socket "$uds_5000"): 32 connections at once with 256 KiB each
#   way, then one with 8 MiB each way; each a half-close (the client's
#   SHUT_WR, the server's reply after it) and a close;
# - the host connects to guest port 6000 ("CONNECT 6000" on $uds): the
#   same, 32 at once and one of 8 MiB;
# - then 4 connections each way whose client closes halfway through its
#   bytes without reading: the server gets exactly that half and its end
#   of file, and its reply fails (the device resets the connection when
#   the other end is gone) rather than hang;
# - a guest connection to a host port nothing listens on, and a host
#   CONNECT to a guest port nothing listens on, are refused (a reset);
# a connection's buffer is 64 KiB, so the credit runs out and comes back
# many times on each.  The device's counts say no packet of the guest was
# bad; the guest kernel logs no virtio error; QEMU no vhost error; the
# tool exits 0 on SIGTERM.  Kernel and skips as in qemu-linux-blk.sh.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
vsock_io=${top_builddir:-.}/tests/interop/vsock-io
lvh_guest_require_static "$vsock_io"
# the kernel has TARGET_CORE built in (check-vm's vhost-scsi): at boot it says
# that its configfs db_root, /etc/target, is not in our initramfs
lvh_log_allow='db_root: cannot open: /etc/target$'
vsock=${top_builddir:-.}/tools/vhost-user-vsock
lvh_guest_setup qv
uds=$d/v.sock
small=262144
big=8388608

lvh_guest_initramfs "$vsock_io" <<INIT
vsock-io server --vsock=6000 --count=37 > /tmp/server.out &
server=\$!
while ! grep -q listening /tmp/server.out; do sleep 0.1; done
echo "guest: listening"
read -r x < /dev/ttyS1
vsock-io client --vsock=2:5000 --conns=32 --bytes=$small | sed 's/^/guest: /'
vsock-io client --vsock=2:5000 --conns=1 --bytes=$big | sed 's/^/guest: /'
vsock-io abort --vsock=2:5000 --conns=4 --bytes=$small | sed 's/^/guest: /'
vsock-io refused --vsock=2:5999 | sed 's/^/guest: /'
wait \$server
sed 's/^/guest: /' /tmp/server.out
echo "guest: done"
read -r x < /dev/ttyS1
INIT

lvh_tool_start "$d/backend.log" "$vsock" --socket-path="$d/s" --guest-cid=3 --uds-path="$uds" \
	--buffer-size=65536
lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-vsock"
"$vsock_io" server --unix="${uds}_5000" --count=37 > "$d/host-server.log" 2>&1 &
host_server=$!
lvh_kill_at_exit $host_server
lvh_guest_start -m 256M \
	-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
	-chardev socket,id=c0,path="$d/s" \
	-device vhost-user-vsock-pci,chardev=c0
lvh_guest_wait "guest: listening"
# host → guest, while the guest's connections to the host go on
"$vsock_io" client --hybrid="$uds:6000" --conns=32 --bytes=$small > "$d/host-client.log" 2>&1 ||
	lvh_guest_fail "the host's 32 connections to the guest failed"
"$vsock_io" client --hybrid="$uds:6000" --conns=1 --bytes=$big >> "$d/host-client.log" 2>&1 ||
	lvh_guest_fail "the host's 8 MiB connection to the guest failed"
"$vsock_io" abort --hybrid="$uds:6000" --conns=4 --bytes=$small >> "$d/host-client.log" 2>&1 ||
	lvh_guest_fail "the host's connections closed halfway failed"
"$vsock_io" refused --hybrid="$uds:6999" >> "$d/host-client.log" 2>&1 ||
	lvh_guest_fail "a host connection to a guest port without a listener was not refused"
lvh_guest_send go
lvh_guest_wait "guest: done" 1 600
[ "$(lvh_guest_count "vsock-io: FAIL")" -eq 0 ] || lvh_guest_fail "the guest's vsock-io failed"
[ "$(lvh_guest_count "guest: vsock-io: client ok")" -eq 2 ] || lvh_guest_fail "a guest client did not finish"
[ "$(lvh_guest_count "guest: vsock-io: abort ok 4")" -eq 1 ] || lvh_guest_fail "the guest's aborts did not finish"
[ "$(lvh_guest_count "guest: vsock-io: refused ok")" -eq 1 ] || lvh_guest_fail "no refusal in the guest"
[ "$(lvh_guest_count "guest: vsock-io: server ok 37 connections, 4 closed halfway")" -eq 1 ] ||
	lvh_guest_fail "the guest's server did not finish"
lvh_reap $host_server "the host's vsock-io server"
grep -q "server ok 37 connections, 4 closed halfway" "$d/host-server.log" ||
	lvh_guest_fail "the host's server did not finish"
grep -q "abort ok 4" "$d/host-client.log" || lvh_guest_fail "the host's aborts did not finish"
[ "$(grep -c "client ok" "$d/host-client.log")" -eq 2 ] || lvh_guest_fail "a host client did not finish"
lvh_guest_send stop
lvh_guest_end
lvh_guest_check_console
lvh_guest_check_qemu_log
lvh_tool_end "$d/backend.log"
counts=$(grep "vhost-user-vsock: at exit:" "$d/backend.log")
echo "$counts"
echo "$counts" | grep -q "bad: 0 headers, 0 lengths, 0 addresses, 0 types, 0 ops, 0 credit lies, 0 unknown connections, 0 rx buffers" ||
	lvh_guest_fail "the device counted bad packets from a well-behaved guest"
echo "$counts" | grep -q " 37 connections by the guest, 37 by the host, 1 refused" ||
	lvh_guest_fail "not the connections expected"
lvh_check_logs
echo "PASS: a Linux guest's vsock through vhost-user-vsock: 37 connections each way (32 at once), $small and $big bytes each way with every byte checked, half-closes, 4 each way closed halfway, refusals both ways"
