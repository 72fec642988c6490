#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Regenerates the ABI baseline, abi/libvhost.abi, and abi/SONAME, the one way
# they are made (also `make abi-baseline`).  Run it only when a release is cut,
# after its map node is sealed and committed (README.md, "ABI policy").
#
# It builds the committed tree (COMMIT, default HEAD; uncommitted changes are
# not in it) in a scratch directory as a release is built: CFLAGS='-O2 -g',
# no sanitizers, no build options (every build exports every symbol), then
# describes the library with abidw: public types only (the ones in include/),
# no paths of this machine.  Needs git, the autotools, a C compiler and abidw
# (Debian: abigail-tools).
#
# Usage: scripts/abi-baseline.sh [COMMIT]
set -eu
top=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
rev=${1:-HEAD}
abidw=${ABIDW:-abidw}
command -v "$abidw" > /dev/null || { echo "abi-baseline: abidw not found (Debian: abigail-tools)" >&2; exit 1; }
if ! git -C "$top" diff --quiet "$rev" -- libvhost.map include lib configure.ac Makefile.am; then
	echo "abi-baseline: warning: the work tree differs from $rev in the library's" \
		"sources; the baseline is made from $rev" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/abi-baseline.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$tmp/src" "$tmp/build"
git -C "$top" archive --format=tar "$rev" | tar -x -C "$tmp/src"
(cd "$tmp/src" && ./autogen.sh) > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
(cd "$tmp/build" &&
	../src/configure CFLAGS='-O2 -g' --disable-asan --disable-ubsan \
		--disable-postcopy --disable-xen --disable-fuzzing &&
	make -j2 lib/libvhost.la) > "$tmp/log" 2>&1 || { tail -n 40 "$tmp/log" >&2; exit 1; }

so=$tmp/build/lib/.libs/libvhost.so
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
case $soname in
libvhost.so.[0-9]*) ;;
*) echo "abi-baseline: unexpected soname '$soname'" >&2; exit 1 ;;
esac

"$abidw" --headers-dir "$tmp/src/include" --drop-private-types --drop-undefined-syms \
	--no-corpus-path --no-comp-dir-path --short-locs --no-elf-needed \
	--out-file "$top/abi/libvhost.abi" "$so"
echo "${soname#libvhost.so.}" > "$top/abi/SONAME"
n=$(grep -c '<elf-symbol ' "$top/abi/libvhost.abi")
echo "abi-baseline: $soname ($(readlink "$so")), $n symbols, from $(git -C "$top" rev-parse --short "$rev")"
echo "abi-baseline: made with $("$abidw" --version) and $(${CC:-cc} --version | sed 1q)"
echo "abi-baseline: review and commit abi/libvhost.abi and abi/SONAME"
