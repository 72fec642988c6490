#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# QEMU with no disk network-boots (-boot n): SeaBIOS runs the iPXE ROM of
# the virtio-net-pci device, and iPXE, as the guest's virtio-net driver,
# sends DHCPDISCOVERs through our vhost-user-net in tap mode.  On the tap's
# side, tap-sniff must see a UDP 68 -> 67 BOOTP request from the MAC given
# to QEMU (the device's transmit side), answers it with a DHCPOFFER that our
# back-end must put in iPXE's receive ring, and must then see iPXE's
# DHCPREQUEST for the offered address (the receive side worked too).
# Needs root (a tap interface, made and removed here).  Skipped (77)
# without QEMU, the iPXE virtio ROM (Debian's ipxe-qemu), /dev/net/tun,
# ip(8) or root.
set -u
qemu=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 not installed"; exit 77; }
rom=
for r in /usr/lib/ipxe/qemu/efi-virtio.rom /usr/lib/ipxe/qemu/pxe-virtio.rom; do
	[ -r "$r" ] && { rom=$r; break; }
done
[ -n "$rom" ] || { echo "no iPXE virtio ROM (Debian package ipxe-qemu)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "not root: no tap interface"; exit 77; }
[ -c /dev/net/tun ] || { echo "no /dev/net/tun"; exit 77; }
command -v ip > /dev/null || { echo "ip (iproute2) not installed"; exit 77; }
net=${top_builddir:-.}/tools/vhost-user-net
sniff=${top_builddir:-.}/tests/interop/tap-sniff
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup qi
mac=52:54:00:1b:0e:42
tap=lvhpxe$$
ip tuntap add dev "$tap" mode tap 2> "$d/ip.log" || { echo "cannot make a tap interface"; exit 77; }
trap 'lvh_cleanup; ip link del "$tap" 2>/dev/null' EXIT
# no IPv6 link-local address: the host stays quiet towards the guest
ip link set dev "$tap" addrgenmode none 2>/dev/null
ip link set dev "$tap" up || fail "cannot bring $tap up"

"$sniff" "$tap" "$mac" 90 > "$d/sniff.log" 2>&1 &
spid=$!
lvh_kill_at_exit $spid
i=0
until grep -q ready "$d/sniff.log"; do
	i=$((i + 1))
	{ [ $i -gt 100 ] || ! lvh_running $spid; } && fail "tap-sniff did not start"
	sleep 0.1
done

"$net" --socket-path="$d/s" --tap="$tap" --mac="$mac" 2> "$d/backend.log" &
npid=$!
lvh_kill_at_exit $npid
lvh_wait_socket "$d/s" "$npid" "vhost-user-net"

# The ROM's PCI header names the modern device (1af4:1041); QEMU patches
# that to 1af4:1000 only in its default ROM, so SeaBIOS would pass over this
# one on a transitional device: the device is modern-only (disable-legacy).
timeout 120 "$qemu" -accel tcg -m 128M -nodefaults -display none \
	-object memory-backend-memfd,id=mem,size=128M,share=on \
	-machine pc,memory-backend=mem \
	-chardev socket,id=c0,path="$d/s" -netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,mac="$mac",romfile="$rom",disable-legacy=on \
	-boot n \
	-chardev file,id=dbg,path="$d/debugcon.log" \
	-device isa-debugcon,iobase=0x402,chardev=dbg 2> "$d/qemu.log" &
qpid=$!
lvh_kill_at_exit $qpid

# If iPXE never ran, or gave up, SeaBIOS goes on and finds nothing to boot;
# then, or if QEMU exited, tap-sniff gets 10 s more to finish with what it saw.
sniff_done() { ! lvh_running $spid; }
while lvh_running $spid; do
	grep -q "No bootable device" "$d/debugcon.log" 2>/dev/null &&
		lvh_wait_for 10 "SeaBIOS found nothing to boot (did iPXE run?)" sniff_done
	lvh_running $qpid || lvh_wait_for 10 "QEMU exited" sniff_done
	sleep 0.2
done
wait $spid
st=$?
grep -q "^DISCOVER" "$d/sniff.log" ||
	fail "no DHCPDISCOVER from $mac came out of the tap (iPXE -> vhost-user-net -> tap)"
cat "$d/sniff.log"
[ $st -eq 0 ] || fail "no DHCPREQUEST for our offer (tap -> vhost-user-net -> iPXE)"

lvh_stop $qpid QEMU
lvh_stop $npid vhost-user-net
lvh_check_logs
grep "frames from the driver" "$d/backend.log"
echo "PASS: iPXE's DHCP went out through vhost-user-net and the offer came back in"
