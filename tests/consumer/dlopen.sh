#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dlopen + dlvsym of every map entry, and 1,000 dlopen/dlclose cycles, under
# valgrind's leak checker when valgrind is there (not in sanitizer builds).
set -u
bld=${top_builddir:-.}
src=${top_srcdir:-.}
built=$(cd "$bld/lib/.libs" && pwd)/libvhost.so.0
prog="$bld/tests/consumer/dlopen"
[ -e "$built" ] || { echo "SKIP: $built not built"; exit 77; }
# a private copy: tests running in parallel (make install) may relink the build's
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -L "$built" "$tmp/libvhost.so.0"
lib=$tmp/libvhost.so.0
if [ -z "${SANITIZED:-}" ] && command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
		"$prog" "$lib" "$src/libvhost.map" 1000
	exit $?
fi
"$prog" "$lib" "$src/libvhost.map" 1000
