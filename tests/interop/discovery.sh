#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# 1. The tools' discovery data says what the vhost-user spec's schema allows:
#    --print-capabilities of vhost-user-blk, -net, -vsock and -rng, and the QEMU
#    discovery files installed to $(datadir)/qemu/vhost-user (checked as the
#    build made them).  The allowed values are written here from QEMU's
#    docs/interop/vhost-user.json at commit
#    45018fbb0a73ce66fd3dd87ecd2872b45658add4 (the schema unchanged since
#    QEMU 5.0 added VHostUserBackendBlockFeature).
# 2. The spec's --fd: each tool served through a socket it inherited, a
#    listening one (systemd's Accept=no: one front-end after another) and a
#    connected one (the tool ends when its front-end leaves).
set -u
top=${top_builddir:-.}
blk=$top/tools/vhost-user-blk
net=$top/tools/vhost-user-net
vsock=$top/tools/vhost-user-vsock
rng=$top/tools/vhost-user-rng
ctl=$top/tools/vhost-ctl
jget=$top/tests/interop/json-get
launch=$top/tests/interop/fd-launch
. "${top_srcdir:-.}/tests/interop/lib.sh"
lvh_setup discovery

# enum VHostUserBackendType
spec_types='9p balloon block caif console crypto gpu input net rng rpmsg rproc-serial scsi vsock fs'
# enum VHostUserBackendBlockFeature (type "block"); the schema has no net features
spec_block_features='read-only blk-file'
spec_net_features=''
# struct VhostUserBackend: its members, and those not optional
spec_backend_members='description type binary tags'
spec_backend_required='description type binary'

in_list() { # WORD LIST
	for w in $2; do [ "$w" = "$1" ] && return 0; done
	return 1
}

# TOOL TYPE FEATURES-ALLOWED FEATURES-REQUIRED
check_caps() {
	name=$(basename "$1")
	"$1" --print-capabilities > "$d/$name.caps" 2> "$d/$name-caps.log" ||
		fail "$name --print-capabilities exited with $?"
	# other options are ignored (the spec's convention)
	"$1" --print-capabilities --socket-path=/nonexistent/x > "$d/$name.caps2" 2>> "$d/$name-caps.log" ||
		fail "$name --print-capabilities with another option failed"
	cmp -s "$d/$name.caps" "$d/$name.caps2" || fail "$name: another option changed the report"
	"$jget" "$d/$name.caps" > "$d/$name.members" || fail "$name: capabilities are not one JSON object"
	while read -r m; do
		case $m in
		type | features) ;;
		*) fail "$name: capabilities member '$m' is not in the schema" ;;
		esac
	done < "$d/$name.members"
	t=$("$jget" "$d/$name.caps" type) || fail "$name: no string 'type'"
	in_list "$t" "$spec_types" || fail "$name: type '$t' is not a VHostUserBackendType"
	[ "$t" = "$2" ] || fail "$name: type '$t', not '$2'"
	if grep -qx features "$d/$name.members"; then
		"$jget" "$d/$name.caps" features > "$d/$name.features" ||
			fail "$name: 'features' is not an array of strings"
	else
		: > "$d/$name.features"
	fi
	while read -r f; do
		[ -z "$f" ] && continue
		in_list "$f" "$3" || fail "$name: feature '$f' is not one of the spec's for '$t' ($3)"
	done < "$d/$name.features"
	for f in $4; do
		grep -qx -- "$f" "$d/$name.features" || fail "$name: does not report '$f'"
		"$1" --help | grep -q -- "--$f" || fail "$name: reports '$f' but has no --$f"
	done
}

# FILE TOOL TYPE
check_discovery() {
	[ -f "$1" ] || fail "$1 was not built"
	"$jget" "$1" > "$d/disc.members" || fail "$1 is not one JSON object"
	while read -r m; do
		in_list "$m" "$spec_backend_members" || fail "$1: member '$m' is not VhostUserBackend's"
	done < "$d/disc.members"
	for m in $spec_backend_required; do
		grep -qx "$m" "$d/disc.members" || fail "$1: no '$m'"
	done
	t=$("$jget" "$1" type) || fail "$1: 'type' is not a string"
	in_list "$t" "$spec_types" || fail "$1: type '$t' is not a VHostUserBackendType"
	[ "$t" = "$3" ] || fail "$1: type '$t', not '$3'"
	b=$("$jget" "$1" binary) || fail "$1: 'binary' is not a string"
	case $b in
	/*) ;;
	*) fail "$1: binary '$b' is not an absolute path" ;;
	esac
	[ -z "${LVH_BINDIR:-}" ] || [ "$b" = "$LVH_BINDIR/$2" ] || fail "$1: binary '$b', not $LVH_BINDIR/$2"
	# the type the tool itself reports
	[ "$t" = "$("$jget" "$d/$2.caps" type)" ] || fail "$1 and $2 --print-capabilities disagree"
}

# the checker itself refuses what it must
printf '{"type": "block", "type": "net"}' > "$d/dup.json"
printf '{"type": "block",}' > "$d/comma.json"
printf '{"features": ["a", 1]}' > "$d/mixed.json"
"$jget" "$d/dup.json" > /dev/null 2>&1 && fail "json-get took a duplicate member"
"$jget" "$d/comma.json" > /dev/null 2>&1 && fail "json-get took a trailing comma"
"$jget" "$d/mixed.json" features > /dev/null 2>&1 && fail "json-get took a number for a string"

check_caps "$blk" block "$spec_block_features" "$spec_block_features"
check_caps "$net" net "$spec_net_features" ""
check_caps "$rng" rng "" ""
check_discovery "$top/tools/50-libvhost-blk.json" vhost-user-blk block
check_discovery "$top/tools/50-libvhost-net.json" vhost-user-net net
check_caps "$vsock" vsock "" ""
check_discovery "$top/tools/50-libvhost-vsock.json" vhost-user-vsock vsock
check_discovery "$top/tools/50-libvhost-rng.json" vhost-user-rng rng

# ---- --fd ----
truncate -s 8M "$d/disk.img"
bpid=
# listening, as systemd's vhost-user-blk@.socket hands it over: two front-ends in turn
"$launch" listen "$d/l.sock" 3 "$blk" --fd=3 --blk-file="$d/disk.img" 2> "$d/blk-listen.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/l.sock" "$bpid" "vhost-user-blk --fd (listening)"
"$ctl" blk --socket "$d/l.sock" --verify > "$d/v1.out" 2>&1 || fail "verify 1 through a listening --fd"
"$ctl" blk --socket "$d/l.sock" --verify --packed > "$d/v2.out" 2>&1 ||
	fail "verify 2 through a listening --fd (the next front-end)"
lvh_stop "$bpid" "vhost-user-blk --fd (listening)"
[ -S "$d/l.sock" ] || fail "vhost-user-blk removed a socket file it did not make"
rm -f "$d/l.sock"
# connected (one front-end, as a socketpair's end would be): the tool ends with it
"$launch" accept "$d/c.sock" 3 "$blk" --fd=3 --blk-file="$d/disk.img" 2> "$d/blk-conn.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/c.sock" "$bpid" "vhost-user-blk --fd (connected)"
"$ctl" blk --socket "$d/c.sock" --verify > "$d/v3.out" 2>&1 || fail "verify through a connected --fd"
lvh_reap "$bpid" "vhost-user-blk --fd (connected), once its front-end left"
# vhost-user-net the same, probed
"$launch" listen "$d/n.sock" 3 "$net" --fd=3 2> "$d/net-listen.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/n.sock" "$bpid" "vhost-user-net --fd (listening)"
"$ctl" probe --socket "$d/n.sock" > "$d/p1.out" 2>&1 || fail "probe 1 through a listening --fd"
"$ctl" probe --socket "$d/n.sock" > "$d/p2.out" 2>&1 || fail "probe 2 through a listening --fd"
lvh_stop "$bpid" "vhost-user-net --fd (listening)"
rm -f "$d/n.sock"
# vhost-user-vsock the same
"$launch" listen "$d/v.sock" 3 "$vsock" --fd=3 --guest-cid=3 --uds-path="$d/vu" 2> "$d/vsock-listen.log" &
bpid=$!
lvh_kill_at_exit $bpid
lvh_wait_socket "$d/v.sock" "$bpid" "vhost-user-vsock --fd (listening)"
"$ctl" probe --socket "$d/v.sock" > "$d/p3.out" 2>&1 || fail "vsock probe 1 through a listening --fd"
"$ctl" probe --socket "$d/v.sock" > "$d/p4.out" 2>&1 || fail "vsock probe 2 through a listening --fd"
lvh_stop "$bpid" "vhost-user-vsock --fd (listening)"
rm -f "$d/v.sock"
# not a socket at all: refused at once, with a usage-style error
"$blk" --fd=0 --blk-file="$d/disk.img" < "$d/disk.img" > /dev/null 2> "$d/notsock.out" &&
	fail "vhost-user-blk --fd on a regular file succeeded"
lvh_check_logs "$d/blk-listen.log" "$d/blk-conn.log" "$d/net-listen.log" "$d/vsock-listen.log"
echo "PASS: discovery data as the spec's schema says; --fd listening and connected"
