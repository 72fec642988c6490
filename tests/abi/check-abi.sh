#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ABI discipline, checked mechanically:
#  1. exported symbols == the map's globals == the header's prototypes
#  2. every export is versioned LIBVHOST_* and prefixed libvhost_
#  3. every LIBVHOST_EXPORT definition in lib/ is in the map, and back
#  4. the soname's major equals abi/SONAME
#  5. abidiff against the committed baseline abi/libvhost.abi: incompatible
#     changes fail; additions pass (skipped without abidiff or in sanitizer builds)
set -u
src=${top_srcdir:-.}
bld=${top_builddir:-.}
so=$(ls "$bld"/lib/.libs/libvhost.so.* 2>/dev/null | head -n 1)
[ -n "$so" ] || { echo "SKIP: no built library"; exit 77; }
command -v nm >/dev/null && command -v readelf >/dev/null || { echo "SKIP: no binutils"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# the map's globals, in order of appearance
sed -e 's,/\*.*\*/,,g' "$src/libvhost.map" |
	awk '/global:/ {g=1; next} /local:/ {g=0} /}/ {g=0} g && /;/ {gsub(/[ \t;]/, ""); print}' |
	sort > "$tmp/map"
[ -s "$tmp/map" ] || bad "no symbols parsed from libvhost.map"
sort -u "$tmp/map" | cmp -s - "$tmp/map" || bad "libvhost.map lists a symbol twice"

# defined dynamic symbols, version stripped (the node's own A symbol excluded)
nm -D --defined-only "$so" | awk '$2 != "A" {print $3}' > "$tmp/nm-raw"
sed 's/@.*//' "$tmp/nm-raw" | sort -u > "$tmp/exports"
diff -u "$tmp/map" "$tmp/exports" > "$tmp/d1" || { bad "exports differ from libvhost.map:"; cat "$tmp/d1"; }

# versions: every export has @@LIBVHOST_x.y or @LIBVHOST_x.y
grep -v '@LIBVHOST_[0-9][0-9]*\.[0-9][0-9]*$' "$tmp/nm-raw" | grep -v '@@LIBVHOST_[0-9][0-9]*\.[0-9][0-9]*$' > "$tmp/unver" || true
[ -s "$tmp/unver" ] && { bad "exports without a LIBVHOST_ version:"; cat "$tmp/unver"; }
grep -v '^libvhost_' "$tmp/exports" > "$tmp/noprefix" || true
[ -s "$tmp/noprefix" ] && { bad "exports without the libvhost_ prefix:"; cat "$tmp/noprefix"; }

# header prototypes: `libvhost_name(` at the start of a declaration, after the return type
sed -n 's/.*[ *]\(libvhost_[a-z0-9_]*\)(.*/\1/p' "$src/include/libvhost.h" | sort -u > "$tmp/header"
diff -u "$tmp/map" "$tmp/header" > "$tmp/d2" || { bad "header prototypes differ from libvhost.map:"; cat "$tmp/d2"; }

# LIBVHOST_EXPORT definitions in the sources
find "$src/lib" -name '*.c' -exec cat {} + |
	tr '\n' ' ' | grep -o 'LIBVHOST_EXPORT[^(]*(' |
	sed 's/.*[ *]\(libvhost_[a-z0-9_]*\)($/\1/' | sort -u > "$tmp/defs"
diff -u "$tmp/map" "$tmp/defs" > "$tmp/d3" || { bad "LIBVHOST_EXPORT definitions differ from libvhost.map:"; cat "$tmp/d3"; }

# soname
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[libvhost\.so\.\([0-9]*\)\].*/\1/p')
want=$(cat "$src/abi/SONAME")
[ "$soname" = "$want" ] || bad "soname major '$soname' is not abi/SONAME's '$want'"

# abidiff against the baseline
if [ -n "${SANITIZED:-}" ]; then
	echo "SKIP (sub-check): abidiff in a sanitizer build"
elif ! command -v abidiff >/dev/null; then
	echo "SKIP (sub-check): abidiff not installed (Debian: abigail-tools)"
else
	abidiff --headers-dir2 "$src/include" --no-added-syms \
		"$src/abi/libvhost.abi" "$so" > "$tmp/abidiff" 2>&1
	rc=$?
	if [ $((rc & 1)) -ne 0 ]; then
		bad "abidiff could not run:"; cat "$tmp/abidiff"
	elif [ $((rc & 8)) -ne 0 ]; then
		bad "incompatible ABI change against abi/libvhost.abi:"; cat "$tmp/abidiff"
	elif [ $((rc & 4)) -ne 0 ]; then
		bad "ABI change against abi/libvhost.abi (only additions are allowed):"; cat "$tmp/abidiff"
	else
		echo "abidiff: compatible with abi/libvhost.abi"
	fi
fi

[ $fail -eq 0 ] && echo "ABI: $(wc -l < "$tmp/map") symbols: exports = map = header = definitions, all versioned; soname $soname"
exit $fail
