#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The ABI discipline, checked mechanically (make check-abi; part of make check):
#  1. the map's shape: LIBVHOST_x.y nodes, each chained to the one before, no
#     empty node, alphabetical, `local: *;` in the first node only, no repeats
#  2. the map's global: names = the functions declared in include/libvhost.h
#     = the LIBVHOST_EXPORT definitions in lib/**/*.c
#  3. the baseline abi/libvhost.abi holds exactly the symbols of the map's
#     sealed (released) nodes, each at its node, and no symbol of a later node
#  4. every member of every public struct is frozen in tests/consumer/check-sizes.c;
#     debian/libvhost0.symbols (when the tree has debian/) lists exactly the
#     map's symbols, each at its node, with the node's version (0.2~ for
#     LIBVHOST_0.2) as the minimal version
#  5. the exports of the built library (nm -D) = the map's global: names,
#     whatever the build's options (README, "Build options"); each is named
#     libvhost_ and versioned at its map node; an absolute symbol can only be
#     a node of the map
#  6. the soname's major equals abi/SONAME and the baseline's; the library's
#     file name is the one configure.ac's -version-info makes
#  7. abidiff against the committed baseline abi/libvhost.abi: an incompatible
#     change fails, any other change fails unless it only adds functions
#     (which 3 and 5 put in a node after the sealed ones); skipped without
#     abidiff, without DWARF, or in a sanitizer build
# Exits 0 when all that could be checked passed, 1 on a failure, 77 when
# nothing could be checked.
set -u
src=${top_srcdir:-.}
bld=${top_builddir:-.}
abi=$src/tests/abi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-abi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
failed=0
checked=0
bad() { echo "FAIL: $*"; failed=1; }
skip() { echo "SKIP: $*"; }
ok() { echo "ok: $*"; checked=$((checked + 1)); }
# compare two sorted lists; on a difference, show it
same() { # LABEL-A FILE-A LABEL-B FILE-B
	if diff "$2" "$4" > "$tmp/diff"; then
		return 0
	fi
	bad "$1 and $3 differ (< only in $1, > only in $3):"
	sed -n 's/^[<>] /  &/p' "$tmp/diff"
	return 1
}
cstrip() { awk -f "$abi/cstrip.awk" "$@"; }

# ---- 1. the map ----
cstrip "$src/libvhost.map" | awk -f "$abi/map.awk" > "$tmp/map.rec"
sed -n 's/^error //p' "$tmp/map.rec" > "$tmp/map.err"
if [ -s "$tmp/map.err" ]; then
	bad "libvhost.map: $(cat "$tmp/map.err")"
	exit 1
fi
awk '$1 == "sym" { print $2 }' "$tmp/map.rec" | sort > "$tmp/map"
awk '$1 == "sym" { print $2, $3 }' "$tmp/map.rec" | sort > "$tmp/map.nodes"
awk '$1 == "node" { print $2 }' "$tmp/map.rec" | sort > "$tmp/nodes"
awk '
$1 == "node" {
	if ($2 !~ /^LIBVHOST_[0-9]+\.[0-9]+$/)
		print "node " $2 " is not named LIBVHOST_<major>.<minor> (a build option has no node of its own)"
	if (n && $3 != prev)
		print "node " $2 " chains to " $3 ", not to the node before it, " prev
	if (!n && $3 != "-")
		print "the first node, " $2 ", chains to " $3
	if (!count[$2])
		print "node " $2 " is empty"
	seen[$2] = 1
	prev = $2
	n++
}
$1 == "sym" {
	if (node[$2] != "")
		print $2 " is in " node[$2] " and in " $3
	node[$2] = $3
	if (last[$3] != "" && $2 < last[$3])
		print $2 " is out of alphabetical order in " $3
	last[$3] = $2
	count[$3]++
}
$1 == "local" {
	if (n || $3 != "*")
		print "local: " $3 " in " $2 ": only the first node has local: *;"
	loc++
}
END {
	if (!loc)
		print "the first node has no local: *;"
}' "$tmp/map.rec" > "$tmp/shape"
if [ -s "$tmp/shape" ]; then
	while read -r l; do bad "libvhost.map: $l"; done < "$tmp/shape"
elif [ ! -s "$tmp/map" ]; then
	bad "libvhost.map: no global: symbols"
else
	ok "libvhost.map: $(wc -l < "$tmp/map") symbols in $(wc -l < "$tmp/nodes") node(s):" \
		"named, chained, sorted, local: * in the first"
fi

# ---- 2. map = header = definitions (the sources alone) ----
cstrip "$src/include/libvhost.h" | awk -v mode=proto -f "$abi/decls.awk" | sort > "$tmp/header"
same "libvhost.map" "$tmp/map" "the functions declared in include/libvhost.h" "$tmp/header" &&
	ok "the map's globals = the functions declared in include/libvhost.h"
find "$src/lib" -name '*.c' | sort > "$tmp/sources"
# (sort -u: a function may be defined once per build configuration, under #ifdef)
while read -r f; do cstrip "$f" | awk -v mode=export -f "$abi/decls.awk"; done < "$tmp/sources" |
	sort -u > "$tmp/defs"
same "libvhost.map" "$tmp/map" "the LIBVHOST_EXPORT definitions in lib/" "$tmp/defs" &&
	ok "the map's globals = the LIBVHOST_EXPORT definitions in lib/"

# ---- 3. the baseline's symbols = the sealed nodes' symbols ----
# A node with a symbol in abi/libvhost.abi is sealed (released): its symbols
# must be the baseline's, at the same node, so a symbol added to, moved into or
# removed from a released node fails here, whatever abidiff says.  The nodes
# after the sealed ones are the unreleased one(s): none of their symbols may be
# in the baseline (they are what abidiff reports as added).  Sealed nodes are
# the oldest: an unsealed node before a sealed one is a release with no
# baseline.
baseline=$src/abi/libvhost.abi
if [ ! -f "$baseline" ]; then
	bad "abi/libvhost.abi is missing (scripts/abi-baseline.sh makes it)"
else
	sed -n "s/^ *<elf-symbol name='\([^']*\)' version='\([^']*\)'.*/\1 \2/p" "$baseline" |
		sort > "$tmp/base.nodes"
	grep -c '<elf-symbol ' "$baseline" > "$tmp/base.count"
	cut -d' ' -f2 "$tmp/base.nodes" | sort -u > "$tmp/sealed"
	awk 'NR == FNR { sealed[$1] = 1; next }
	$1 == "node" {
		if (sealed[$2] && open != "")
			print "node " $2 " is sealed but " open ", before it, is not in the baseline"
		if (!sealed[$2] && open == "")
			open = $2
	}' "$tmp/sealed" "$tmp/map.rec" > "$tmp/order"
	while read -r l; do bad "libvhost.map: $l"; done < "$tmp/order"
	awk 'NR == FNR { sealed[$1] = 1; next } sealed[$2]' "$tmp/sealed" "$tmp/map.nodes" \
		> "$tmp/map.sealed"
	awk 'NR == FNR { sealed[$1] = 1; next } !sealed[$2]' "$tmp/sealed" "$tmp/map.nodes" \
		> "$tmp/map.open"
	nbase=$(wc -l < "$tmp/base.nodes")
	if [ "$nbase" -eq 0 ] || [ "$nbase" -ne "$(cat "$tmp/base.count")" ]; then
		bad "abi/libvhost.abi: $(cat "$tmp/base.count") elf-symbol(s), $nbase with a version node"
	elif same "libvhost.map's sealed node(s) ($(tr '\n' ' ' < "$tmp/sealed" | sed 's/ $//'))" \
		"$tmp/map.sealed" "abi/libvhost.abi" "$tmp/base.nodes"; then
		ok "abi/libvhost.abi holds every symbol of the sealed node(s)" \
			"$(tr '\n' ' ' < "$tmp/sealed" | sed 's/ $//'), $nbase, at its node;" \
			"$(wc -l < "$tmp/map.open") in unsealed nodes"
	fi
	# every symbol with its type: a symbol abidw found no DWARF for (say, an
	# export folded into another by the compiler) is one abidiff cannot check
	sed -n "s/.*<function-decl .* elf-symbol-id='\([^'@]*\)@.*/\1/p" "$baseline" |
		sort -u > "$tmp/base.typed"
	cut -d' ' -f1 "$tmp/base.nodes" | comm -23 - "$tmp/base.typed" > "$tmp/base.untyped"
	[ -s "$tmp/base.untyped" ] &&
		bad "abi/libvhost.abi has no type for: $(tr '\n' ' ' < "$tmp/base.untyped")"
	base_soname=$(sed -n "s/.* soname='\([^']*\)'.*/\1/p" "$baseline" | sed 1q)
	[ "$base_soname" = "libvhost.so.$(tr -d ' \n' < "$src/abi/SONAME")" ] ||
		bad "abi/libvhost.abi is of $base_soname, abi/SONAME says libvhost.so.$(cat "$src/abi/SONAME")"
fi

# ---- 4. public structs frozen by check-sizes.c ----
before=$failed
failed=0
sizes=$src/tests/consumer/check-sizes.c
cstrip "$src/include/libvhost.h" | awk -v mode=struct -f "$abi/decls.awk" > "$tmp/members"
tr -d ' \t\n' < "$sizes" > "$tmp/sizes"
nstructs=0
for s in $(cut -d' ' -f1 "$tmp/members" | uniq); do
	nstructs=$((nstructs + 1))
	grep -q "sizeof(struct$s)" "$tmp/sizes" ||
		bad "check-sizes.c does not freeze sizeof(struct $s)"
done
while read -r s m; do
	grep -q "offsetof(struct$s,$m)" "$tmp/sizes" ||
		bad "check-sizes.c does not freeze offsetof(struct $s, $m)"
done < "$tmp/members"
[ $failed -eq 0 ] && ok "check-sizes.c freezes all $nstructs public structs, every member"
[ $before -ne 0 ] && failed=1

# debian/libvhost0.symbols = the map, node by node (not in a tarball: no debian/)
symbols=$src/debian/libvhost0.symbols
if [ -f "$symbols" ]; then
	sed -n 's/^ \([A-Za-z0-9_.]*\)@\(LIBVHOST_[0-9.]*\) \(.*\)$/\1 \2 \3/p' "$symbols" > "$tmp/deb"
	awk '$1 != $2 { print $1, $2 }' "$tmp/deb" | sort > "$tmp/deb.nodes"
	awk '$1 != $2 { v = $2; sub(/^LIBVHOST_/, "", v); if ($3 != v "~") print $1 "@" $2 " " $3 }' \
		"$tmp/deb" > "$tmp/deb.ver"
	awk '$1 == $2 { print $1 }' "$tmp/deb" | sort > "$tmp/deb.vnodes"
	if same "libvhost.map" "$tmp/map.nodes" "debian/libvhost0.symbols" "$tmp/deb.nodes" &&
	   same "libvhost.map's nodes" "$tmp/nodes" "debian/libvhost0.symbols' nodes" "$tmp/deb.vnodes"; then
		if [ -s "$tmp/deb.ver" ]; then
			bad "debian/libvhost0.symbols: not the node's version (LIBVHOST_0.2: 0.2~): $(cat "$tmp/deb.ver")"
		else
			ok "debian/libvhost0.symbols lists the map's $(wc -l < "$tmp/deb.nodes") symbols at their nodes"
		fi
	fi
fi

# ---- 5, 6 and 7 need the built library ----
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$bld/lib/libvhost.la" 2>/dev/null)
so=$bld/lib/.libs/${dlname:-libvhost.so.0}
nm_versions=
nm --help 2>/dev/null | grep -q -e --with-symbol-versions && nm_versions=--with-symbol-versions
if [ ! -f "$so" ]; then
	skip "the library's checks: $so is not built"
elif ! command -v nm > /dev/null || ! command -v readelf > /dev/null; then
	skip "the library's checks: nm and readelf (binutils) are needed"
else
	# ---- 5. exports ----
	# this build's options (libvhost-build.h): they change no export
	opts=$(sed -n 's/^#define LIBVHOST_HAS_\([A-Z]*\) 1$/\1/p' "$bld/include/libvhost-build.h" 2>/dev/null)
	cp "$tmp/map.nodes" "$tmp/built.nodes"
	cp "$tmp/map" "$tmp/built"
	nm -D --defined-only $nm_versions "$so" > "$tmp/nm" || bad "nm -D $so failed"
	# absolute symbols: the version nodes (GNU ld and gold make one a node), nothing else
	awk '$2 == "A" { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" | sort -u > "$tmp/abs"
	comm -13 "$tmp/nodes" "$tmp/abs" > "$tmp/abs.bad"
	[ -s "$tmp/abs.bad" ] &&
		bad "absolute symbols not named after a map node:" "$(tr '\n' ' ' < "$tmp/abs.bad")"
	awk '$2 != "A" { print $3 }' "$tmp/nm" > "$tmp/exports.raw"
	sed 's/@.*//' "$tmp/exports.raw" | sort -u > "$tmp/exports"
	same "libvhost.map (for options: ${opts:-none})" "$tmp/built" "the exports of $dlname" \
		"$tmp/exports" &&
		ok "exports = the map's globals for this build's options (${opts:-none}):" \
			"$(wc -l < "$tmp/exports") symbols"
	grep -v '^libvhost_' "$tmp/exports" > "$tmp/noprefix"
	if [ -s "$tmp/noprefix" ]; then
		bad "exports not named libvhost_*: $(tr '\n' ' ' < "$tmp/noprefix")"
	fi
	# default versions (@@) at the symbol's node; older ones (@) at some node
	grep -v '@@\{0,1\}LIBVHOST_[0-9]*\.[0-9]*$' "$tmp/exports.raw" > "$tmp/unversioned"
	if [ -s "$tmp/unversioned" ]; then
		bad "exports without a LIBVHOST_ version: $(tr '\n' ' ' < "$tmp/unversioned")"
	else
		sed -n 's/^\(.*\)@@\(.*\)$/\1 \2/p' "$tmp/exports.raw" | sort > "$tmp/exports.nodes"
		sed -n 's/^[^@]*@\([^@].*\)$/\1/p' "$tmp/exports.raw" | sort -u > "$tmp/old.nodes"
		comm -23 "$tmp/old.nodes" "$tmp/nodes" > "$tmp/old.bad"
		[ -s "$tmp/old.bad" ] &&
			bad "exports at versions not in the map:" "$(tr '\n' ' ' < "$tmp/old.bad")"
		same "the map's symbol nodes" "$tmp/built.nodes" "the default versions of $dlname" \
			"$tmp/exports.nodes" &&
			ok "every export is named libvhost_ and versioned at its map node"
	fi

	# ---- 6. soname ----
	soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
	major=${soname#libvhost.so.}
	want=$(tr -d ' \n' < "$src/abi/SONAME")
	if [ "$soname" != "$dlname" ] || [ "$major" != "$want" ]; then
		bad "soname $soname: its major is not abi/SONAME's $want" \
			"(or it is not libtool's dlname $dlname)"
	else
		ok "soname $soname, as abi/SONAME says"
	fi
	# the file libtool made: libvhost.so.(CURRENT-AGE).AGE.REVISION of configure.ac
	lt() { sed -n "s/^m4_define(\[LT_$1\], *\[\([0-9]*\)\])$/\1/p" "$src/configure.ac"; }
	c=$(lt CURRENT) r=$(lt REVISION) a=$(lt AGE)
	real=$(sed -n "s/^library_names='\([^ ]*\) .*/\1/p" "$bld/lib/libvhost.la")
	if [ -z "$c" ] || [ -z "$r" ] || [ -z "$a" ]; then
		bad "configure.ac: no m4_define([LT_CURRENT|LT_REVISION|LT_AGE], [N])"
	elif [ "$real" != "libvhost.so.$((c - a)).$a.$r" ] || [ "$((c - a))" != "$want" ]; then
		bad "-version-info $c:$r:$a: libtool made $real, abi/SONAME says $want"
	else
		ok "-version-info $c:$r:$a: $real, soname major $want"
	fi

	# ---- 7. abidiff ----
	# Twice: with --headers-dir2, which filters out changes to types defined
	# outside include/, and without it, because that filter also hides a change
	# that reaches a public struct through a system typedef (a member turned
	# from uint64_t into uint32_t).  The baseline holds no private types
	# (abidw --drop-private-types), so the second run sees public changes only.
	abidiff=${ABIDIFF-abidiff}
	baseline=$src/abi/libvhost.abi
	supp=$src/abi/libvhost.abignore
	if [ -n "${SANITIZED:-}" ]; then
		skip "abidiff: a sanitizer build is not the ABI of record"
	elif [ -z "$abidiff" ] || ! command -v "$abidiff" > /dev/null; then
		skip "abidiff: not installed (Debian: abigail-tools)"
	elif ! readelf -S "$so" | grep -q '\.debug_info'; then
		skip "abidiff: $dlname has no DWARF (built without -g)"
	else
		abi_ok=1
		for run in filtered plain; do
			set --
			how=abidiff
			if [ $run = filtered ]; then
				set -- --headers-dir2 "$src/include"
				how="abidiff --headers-dir2 include/"
			fi
			[ -f "$supp" ] && set -- "$@" --suppressions "$supp"
			"$abidiff" "$@" "$baseline" "$so" > "$tmp/abidiff" 2>&1
			rc=$?
			if [ $((rc & 3)) -ne 0 ]; then
				bad "$how could not compare (exit $rc):"
				cat "$tmp/abidiff"
			elif [ $((rc & 8)) -ne 0 ]; then
				bad "$how: incompatible change against abi/libvhost.abi:"
				cat "$tmp/abidiff"
			elif [ $((rc & 4)) -ne 0 ]; then
				# a change: fine only if it is nothing but added functions
				"$abidiff" "$@" --no-added-syms "$baseline" "$so" > "$tmp/rest" 2>&1
				rc=$?
				if [ $rc -eq 0 ]; then
					sed -n 's/^  \[A\] /  /p' "$tmp/abidiff" > "$tmp/added"
					continue
				fi
				bad "$how: the ABI changed against abi/libvhost.abi" \
					"(exit $rc; only added functions may be):"
				cat "$tmp/rest"
			else
				continue
			fi
			abi_ok=0
			break
		done
		if [ $abi_ok -eq 1 ] && [ -s "$tmp/added" ]; then
			ok "abidiff: compatible with abi/libvhost.abi; added since:"
			cat "$tmp/added"
		elif [ $abi_ok -eq 1 ]; then
			ok "abidiff: the same ABI as abi/libvhost.abi"
		fi
	fi
fi

if [ $failed -ne 0 ]; then
	echo "check-abi: FAILED"
	exit 1
fi
[ $checked -eq 0 ] && exit 77
exit 0
