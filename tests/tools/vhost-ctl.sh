#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# vhost-ctl, as the README's demo runs it.
set -eu
ctl=${top_builddir:-.}/tools/vhost-ctl
fail() { echo "FAIL: $*"; exit 1; }

v=$("$ctl" version)
[ "$v" = "$("$ctl" --version | sed 's/.* //')" ] || fail "version strings disagree"

out=$("$ctl" messages)
echo "$out" | grep -q "^  5 *SET_MEM_TABLE *-$" || fail "SET_MEM_TABLE row"
echo "$out" | grep -q "^  44 *GET_SHMEM_CONFIG *SHMEM$" || fail "GET_SHMEM_CONFIG row"
echo "$out" | grep -q "^  10 *BACKEND_SHMEM_UNMAP *SHMEM$" || fail "BACKEND_SHMEM_UNMAP row"
echo "$out" | grep -q "^  22 *SHMEM$" || fail "protocol feature 22"

json=$("$ctl" messages --json)
n=$(echo "$json" | grep -c '"direction"')
[ "$n" -eq 54 ] || fail "$n requests in the JSON, expected 44 + 10"
[ "$(echo "$json" | grep -c '"bit"')" -eq 23 ] || fail "protocol features in the JSON"

if "$ctl" frobnicate 2>/dev/null; then fail "unknown command accepted"; fi
"$ctl" frobnicate 2>/dev/null || [ $? -eq 2 ] || fail "unknown command: exit status not 2"
# usage errors: status 2 and a message; a missing back-end: status 1 and its name
for args in "probe" "blk --verify" "blk --socket x" "blk --socket x --verify --bench" \
	"blk --socket x --verify --rw sideways" "blk --socket x --verify --bs 100" \
	"probe --socket x --bogus" "vdpa bind onlyname" "vdpa add x"; do
	set +e
	"$ctl" $args > /dev/null 2>&1
	st=$?
	set -e
	[ $st -eq 2 ] || fail "vhost-ctl $args: status $st, not 2"
done
set +e
msg=$("$ctl" probe --socket /nonexistent/sock 2>&1)
st=$?
set -e
[ $st -eq 1 ] || fail "probe of a missing socket: status $st"
echo "$msg" | grep -q "/nonexistent/sock: No such file" || fail "probe of a missing socket: '$msg'"
# a vDPA name that could leave /sys/bus/vdpa is refused before sysfs
set +e
msg=$("$ctl" vdpa bind ../x vhost_vdpa 2>&1)
st=$?
set -e
[ $st -eq 1 ] || fail "vdpa bind of ../x: status $st"
echo "$msg" | grep -q "bind: Invalid argument" || fail "vdpa bind of ../x: '$msg'"
echo "vhost-ctl: version, messages and --json as expected"
