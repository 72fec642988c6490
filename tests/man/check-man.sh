#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The API manual pages: fails unless
#  - every export of libvhost.map has a line in man/libvhost-links.txt,
#    and the page it names exists and declares it (its prototype is in the
#    page's SYNOPSIS and its DESCRIPTION), and nothing else is listed;
#  - the generated pages are what man/gen-man3.awk makes from the header now
#    (deterministic and up to date);
#  - every page (libvhost(3), each family's, each export's .so link page as
#    man/man3-links.sh installs it) renders with `groff -ww -z -man` and
#    `man -l` without a single warning.
set -u
src=${top_srcdir:-.}
bld=${top_builddir:-.}
AWK=${AWK:-awk}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

command -v groff >/dev/null 2>&1 || { echo "SKIP: no groff (Debian: groff-base)"; exit 77; }
links=$bld/man/libvhost-links.txt
test -f "$links" || { echo "FAIL: $links is missing (make builds it)"; exit 1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# the exports, as check-abi.sh reads them
$AWK -f "$src/tests/abi/cstrip.awk" "$src/libvhost.map" | $AWK -f "$src/tests/abi/map.awk" > "$tmp/map" || exit 1
grep '^error' "$tmp/map" && exit 1
$AWK '$1 == "sym" { print $2 }' "$tmp/map" | sort > "$tmp/exports"
test -s "$tmp/exports" || { echo "FAIL: no exports read from libvhost.map"; exit 1; }

# one line per export, no more
cut -d' ' -f1 "$links" | sort > "$tmp/linked"
comm -23 "$tmp/exports" "$tmp/linked" | sed 's/^/FAIL: no manual page for the export /'
comm -13 "$tmp/exports" "$tmp/linked" | sed 's/^/FAIL: a manual page for what is not exported: /'
cmp -s "$tmp/exports" "$tmp/linked" || fail=1
test "$(sort "$tmp/linked" | uniq -d)" = "" || bad "an export listed twice in $links"

# each on the page its link names: in the SYNOPSIS and in the DESCRIPTION
while read -r name page; do
	f=$bld/man/$page.3
	if ! test -f "$f"; then bad "$name: its page $f is missing"; continue; fi
	$AWK -v n="$name(" '
		/^\.SH / { sec = $2 }
		index($0, n) && (sec == "SYNOPSIS" || sec == "DESCRIPTION") { seen[sec] = 1 }
		END { exit !(seen["SYNOPSIS"] && seen["DESCRIPTION"]) }' "$f" ||
		bad "$name is not declared in both the SYNOPSIS and the DESCRIPTION of $page(3)"
done < "$links"

# deterministic and up to date: generate again, compare
mkdir "$tmp/again"
$AWK -v outdir="$tmp/again" -v version="$(sed -n 's/^\.TH [^ ]* 3 "" "libvhost \([^"]*\)".*/\1/p' "$bld/man/libvhost_ctx.3")" \
	-f "$src/man/gen-man3.awk" "$src/include/libvhost.h" || bad "gen-man3.awk failed"
for f in "$tmp/again"/*; do
	cmp -s "$f" "$bld/man/${f##*/}" || bad "man/${f##*/} differs from a fresh generation (make rebuilds it)"
done

# render everything as installed: DIR/man3/PAGE.3, links beside the pages
mkdir "$tmp/man3"
cp "$src/man/libvhost.3" "$tmp/man3/" || exit 1
for f in "$tmp/again"/libvhost_*.3; do cp "$bld/man/${f##*/}" "$tmp/man3/" || exit 1; done
$SHELL "$src/man/man3-links.sh" "$links" "$tmp/man3" || bad "man3-links.sh failed"
n=0
for f in "$tmp/man3"/*.3; do
	n=$((n + 1))
	out=$(cd "$tmp" && groff -ww -z -man "man3/${f##*/}" 2>&1)
	test -z "$out" || bad "groff -ww -z -man man3/${f##*/}: $out"
	# man(1) too, on the pages themselves (a link page renders the same text)
	if command -v man >/dev/null 2>&1 && ! grep -q "^\.so " "$f"; then
		out=$(cd "$tmp" && MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "man3/${f##*/}" 2>&1 >/dev/null)
		test -z "$out" || bad "man --warnings -l man3/${f##*/}: $out"
	fi
done
echo "$(wc -l < "$tmp/exports") exports, $n pages (with the link pages) rendered"
exit $fail
