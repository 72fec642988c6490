#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest's virtio-net driver on our vhost-user-net in echo mode: the
# guest's guest-io --net (guest-io.c) sends frames with sequence numbers
# and checksums and checks every frame that comes back: at least 500 must,
# none changed, none out of order or repeated, none lost (the echo is
# lossless while it has receive buffers, and the sender keeps at most 32
# frames out).  The guest kernel logs no virtio error; QEMU no vhost error;
# the tool exits 0 on SIGTERM.  Kernel and skips as in qemu-linux-blk.sh.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
lvh_guest_require_static "$guest_io"
# the kernel has TARGET_CORE built in (check-vm's vhost-scsi): at boot it says
# that its configfs db_root, /etc/target, is not in our initramfs
lvh_log_allow='db_root: cannot open: /etc/target$'
net=${top_builddir:-.}/tools/vhost-user-net
lvh_guest_setup qn

lvh_guest_initramfs "$guest_io" <<'INIT'
[ -d /sys/class/net/eth0 ] || echo "guest: FAIL no eth0"
guest_net --strict
echo "guest: sending"
read -r x < /dev/ttyS1
INIT

lvh_tool_start "$d/backend.log" "$net" --socket-path="$d/s"
lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-net"
# vectors=0: QEMU 7.2 under TCG segfaults in vhost_net_start (in
# msix_set_vector_notifiers) when the guest enables MSI-X on a virtio-net-pci
# whose netdev is vhost-user (DPDK's vhost as the back-end too: QEMU's bug);
# without MSI-X vectors the guest uses INTx.
lvh_guest_start -m 256M \
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" -netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,romfile=,vectors=0
lvh_guest_wait "guest: sending"
[ "$(lvh_guest_count "guest: FAIL")" -eq 0 ] || lvh_guest_fail "the guest has no eth0"
lvh_guest_net_past 500
lvh_guest_send stop
lvh_guest_end
lvh_guest_check_console
lvh_guest_check_qemu_log
lvh_tool_end "$d/backend.log"
lvh_check_logs
echo "PASS: a Linux guest's frames went through vhost-user-net and came back: $(lvh_guest_net_check lossless)"
