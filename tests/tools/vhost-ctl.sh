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
echo "vhost-ctl: version, messages and --json as expected"
