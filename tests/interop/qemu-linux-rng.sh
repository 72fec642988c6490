#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A Linux guest as the driver of our vhost-user-rng, through QEMU's
# vhost-user-rng-pci: the guest's hw_random core must pick virtio_rng, and
# the guest reads /dev/hwrng and prints how many bytes it got, their
# SHA-256 and (for a source of known content) their first bytes.
#  1. /dev/urandom as the source, no limit: the guest gets all it asked for,
#     and the tool served at least that much (its exit line).
#  2. A file of numbered 16-byte records as the source, rate-limited: every
#     64-byte read of the guest is the file's bytes at the offset its first
#     whole record names, the reads in the file's order, and the tool's
#     counts say it never served more than the limit in one period (its
#     counters, not the wall clock).  Linux 6.1's khwrngd reads 64 bytes
#     now and then even at quality 0 (its entropy is then credited as none),
#     so the guest's reads may skip whole 64-byte pieces of the stream:
#     counted, and bounded by what the tool served.
# The guest's kernel logs no I/O or virtio error, QEMU no vhost error, and
# the tool exits 0 on SIGTERM.  Kernel and skips as in qemu-linux-blk.sh.
set -u
. "${top_srcdir:-.}/tests/interop/lib.sh"
. "${top_srcdir:-.}/tests/interop/guest.sh"
lvh_guest_require
# the kernel has TARGET_CORE built in (check-vm's vhost-scsi): at boot it says
# that its configfs db_root, /etc/target, is not in our initramfs
lvh_log_allow='db_root: cannot open: /etc/target$'
rng=${top_builddir:-.}/tools/vhost-user-rng
lvh_guest_setup qr
N1=65536 # bytes the guest reads, run 1
N2=16384 # run 2
LIMIT=4096
PERIOD=100

lvh_guest_initramfs <<'INIT'
n=$(sed -n 's/.*rng_bytes=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "guest: up, reading $n bytes"
echo "guest: rng_current $(cat /sys/class/misc/hw_random/rng_current 2>&1)"
echo "guest: default_quality $(cat /sys/module/rng_core/parameters/default_quality 2>&1)"
if [ -c /dev/hwrng ]; then
	# reads of 64 bytes, virtio_rng's buffer: Linux's hw_random core hands a
	# read shorter than what it holds the end of it first (the rest comes
	# with the next read), so other read sizes could reorder the bytes
	dd if=/dev/hwrng of=/tmp/r bs=64 count=$((n / 64)) 2>/dev/null
	echo "guest: hwrng $(wc -c < /tmp/r) $(sha256sum < /tmp/r | cut -d' ' -f1)"
	# the reads as the guest got them (run 2 only: its source is text)
	[ "$n" -lt 65536 ] && od -An -v -tx1 -w64 /tmp/r | sed 's/^/guest: piece/'
else
	echo "guest: FAIL no /dev/hwrng"
fi
INIT

# RUN N LOG TOOL-OPTION...: the tool on $d/s, QEMU until the guest powered off
run() {
	rn=$1 rlog=$2
	shift 2
	rm -f "$d/s"
	lvh_tool_start "$rlog" "$rng" --socket-path="$d/s" "$@"
	lvh_wait_socket "$d/s" "$tool_pid" "vhost-user-rng"
	# rng_core.default_quality=0: khwrngd credits no entropy, and so takes a
	# read only at each reseed of the kernel's generator (not without end
	# until it is seeded), few to skip between the reader's; quiet: no
	# kernel line of a lower level cuts into the guest's lines of bytes
	guest_append="quiet rng_core.default_quality=0 rng_bytes=$rn"
	lvh_guest_start -m 256M \
		-object memory-backend-memfd,id=mem,size=256M,share=on -machine q35,memory-backend=mem \
		-chardev socket,id=c0,path="$d/s" -device vhost-user-rng-pci,chardev=c0
	lvh_guest_end 300
	cp "$d/console.log" "$d/console-$rn.log"
	lvh_guest_check_console
	lvh_guest_check_qemu_log
	grep -q "guest: rng_current virtio_rng" "$d/console.log" ||
		lvh_guest_fail "the guest's hw_random did not pick virtio_rng: $(grep rng_current "$d/console.log")"
	line=$(grep "guest: hwrng " "$d/console.log" | tr -d '\r')
	[ -n "$line" ] || lvh_guest_fail "the guest did not read /dev/hwrng"
	# shellcheck disable=SC2086 # its words
	set -- $line
	got=$3 sum=$4
	[ "$got" -eq "$rn" ] || lvh_guest_fail "the guest read $got bytes of /dev/hwrng, not $rn"
	lvh_tool_end "$rlog"
	served=$(sed -n 's/^vhost-user-rng: [0-9]* requests, \([0-9]*\) bytes served, .*/\1/p' "$rlog")
	[ -n "$served" ] || lvh_guest_fail "no count line in $rlog"
	[ "$served" -ge "$rn" ] || lvh_guest_fail "the tool served $served bytes, the guest read $rn"
	grep -q " 0 refused$" "$rlog" || lvh_guest_fail "the tool refused buffers: $(cat "$rlog")"
}

# ---- 1. /dev/urandom ----
run $N1 "$d/rng1.log"
echo "run 1: the guest read $got bytes (sha256 $sum); the tool served $served"

# ---- 2. a file of known content, rate-limited ----
# record k is bytes 16k .. 16k+15: k in 15 digits and a newline (1 MiB in all)
seq -f '%015.0f' 0 65535 > "$d/source"
[ "$(wc -c < "$d/source")" -eq 1048576 ] || fail "the source file is not 1 MiB"
run $N2 "$d/rng2.log" --source="$d/source" --max-bytes=$LIMIT --period=$PERIOD --stats
# each 64-byte read of the guest: where in the source it is (its first
# whole record names it), that it equals the source there, and that the
# reads come in the source's order, whole 64-byte pieces apart
tr -d '\r' < "$d/console.log" | sed -n 's/^guest: piece //p' > "$d/pieces"
[ "$(wc -l < "$d/pieces")" -eq $((N2 / 64)) ] || fail "the guest printed $(wc -l < "$d/pieces") reads, not $((N2 / 64))"
: > "$d/got"
prev='' skipped=0 off=''
while read -r hex; do
	# the read as text, its newlines as |
	text=$(echo "$hex" | awk '{ for (i = 1; i <= NF; i++) {
		c = 16 * (index(x, substr($i, 1, 1)) - 1) + index(x, substr($i, 2, 1)) - 1
		printf "%s", c == 10 ? "|" : sprintf("%c", c) } }' x=0123456789abcdef)
	pre=${text%%|*}
	k=$(printf '%s' "${text#*|}" | cut -c1-15)
	case $k in
	*[!0-9]* | '') fail "a guest read is not the source's records: '$text'" ;;
	esac
	k=$(printf '%s' "$k" | sed 's/^0*//')
	at=$((16 * ${k:-0} - ${#pre} - 1))
	[ "$at" -ge 0 ] || fail "a guest read names offset $at: '$text'"
	tail -c +$((at + 1)) "$d/source" | head -c 64 > "$d/want"
	[ "$(od -An -v -tx1 -w64 "$d/want" | sed 's/^ //')" = "$hex" ] ||
		fail "the guest read other bytes than the source's at offset $at: '$text'"
	cat "$d/want" >> "$d/got"
	if [ -z "$prev" ]; then
		off=$at
	else
		gap=$((at - prev - 64))
		[ $gap -ge 0 ] && [ $((gap % 64)) -eq 0 ] ||
			fail "a guest read at source offset $at after one at $prev"
		skipped=$((skipped + gap / 64))
	fi
	prev=$at
done < "$d/pieces"
[ $((prev + 64)) -le "$served" ] ||
	fail "the guest's bytes end at $((prev + 64)), past the $served the tool served"
# what was checked is what the guest read
[ "$(sha256sum < "$d/got" | cut -d' ' -f1)" = "$sum" ] ||
	fail "the guest's printed reads are not the bytes it read"
lim=$(grep "limit $LIMIT bytes per $PERIOD ms" "$d/rng2.log") || fail "no limit line in rng2.log"
peak=$(echo "$lim" | sed -n 's/.*at most \([0-9]*\) bytes in one period.*/\1/p')
periods=$(echo "$lim" | sed -n 's/.*, \([0-9]*\) periods served$/\1/p')
[ -n "$peak" ] && [ -n "$periods" ] || fail "cannot read: $lim"
[ "$peak" -le $LIMIT ] || fail "$peak bytes served in one period, above the limit of $LIMIT"
[ "$peak" -gt 0 ] || fail "no bytes in any period"
[ "$served" -le $((periods * LIMIT)) ] ||
	fail "$served bytes in $periods periods: more than $LIMIT a period"
[ "$periods" -ge $(((N2 + LIMIT - 1) / LIMIT)) ] ||
	fail "$served bytes in only $periods periods of at most $LIMIT"
echo "run 2: the guest read $N2 bytes, the source's from offset $off in order ($skipped 64-byte pieces taken by others between); the tool served $served in $periods periods, at most $peak in one (limit $LIMIT)"
lvh_check_logs
echo "PASS: a Linux guest read /dev/hwrng through vhost-user-rng, from /dev/urandom and from a file, the rate limit held"
