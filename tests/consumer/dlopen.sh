#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dlopen("libvhost.so.0") of the build's library, dlvsym() of every global of
# libvhost.map at its node, and 1,000 dlopen/dlclose cycles that must not leak:
# under valgrind's leak checker when there is one (not in sanitizer builds),
# by LeakSanitizer in ASan builds, else by the resident size (see dlopen.c).
set -u
src=${top_srcdir:-.}
bld=${top_builddir:-.}
cycles=1000
rss_bound=512 # KiB; a leak of 1 KiB a cycle is 1,000 KiB
libdir=$(cd "$bld/lib/.libs" 2> /dev/null && pwd) || { echo "SKIP: no lib/.libs"; exit 77; }
soname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$bld/lib/libvhost.la")
[ -n "$soname" ] || { echo "SKIP: lib/libvhost.la is not built"; exit 77; }
prog=$bld/tests/consumer/dlopen
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlopen.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# "symbol node" for every global of the map, read now: a new symbol is covered as it lands
awk -f "$src/tests/abi/cstrip.awk" "$src/libvhost.map" |
	awk -f "$src/tests/abi/map.awk" > "$tmp/map"
if grep '^error' "$tmp/map"; then
	echo "FAIL: libvhost.map does not parse"
	exit 1
fi
# every build has every symbol (README, "Build options")
awk '$1 == "sym" { print $2, $3 }' "$tmp/map" > "$tmp/symbols"

LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
valgrind=${VALGRIND-valgrind}
case "${SANITIZED:+ ${SAN_FLAGS:-} }" in
*" -fsanitize=address "*)
	# ASan keeps the shadow of every load, so the resident size grows anyway;
	# LeakSanitizer reports at exit what the cycles leaked
	echo "ASan build: leaks checked by LeakSanitizer"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
	export ASAN_OPTIONS
	"$prog" "$soname" "$libdir" "$tmp/symbols" $cycles
	exit $?
	;;
" "*)
	echo "sanitizer build: leaks checked by the resident size, not valgrind"
	;;
*)
	if [ -n "$valgrind" ] && command -v "$valgrind" > /dev/null; then
		"$valgrind" -q --leak-check=full --error-exitcode=1 \
			"$prog" "$soname" "$libdir" "$tmp/symbols" $cycles
		exit $?
	fi
	echo "no valgrind: leaks checked by the resident size"
	;;
esac
"$prog" "$soname" "$libdir" "$tmp/symbols" $cycles --rss-bound $rss_bound
