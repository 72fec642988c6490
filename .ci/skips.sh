#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# CI: fails on a skip that .ci/skips-allowed does not list for this build.
# Automake counts a skipped test (exit 77) as a pass, and a test that skips
# one of its cases says so only in its log, so a green run can hide a test
# that never ran.
#   sh .ci/skips.sh BUILD SOURCE...
# A SOURCE is a build tree after make check (every *.trs under it: a test
# that skipped as a whole; and in the log of every test that ran, its
# skipped cases), or NAME=FILE, the output of something else (make check-vm's
# serial log, make check-valgrind's output), read for skipped cases only.
# A skipped case is a line "SKIP: CASE: why" or "SKIP: CASE", or a TAP line
# "ok N - CASE # SKIP why".  Keys: TEST for a whole test (as Automake names
# it), TEST:CASE for a case, with spaces in CASE written as '_'.
# .ci/skips-allowed: "BUILD KEY reason", '#' comments; every reason says why
# that skip is right on the CI machine.  An entry for BUILD that nothing
# matched fails too: the list says exactly what skips.
set -u
allow=${LIBVHOST_SKIPS_ALLOWED:-$(dirname "$0")/skips-allowed}
[ $# -ge 2 ] || { echo "usage: skips.sh BUILD SOURCE..." >&2; exit 2; }
[ -r "$allow" ] || { echo "skips.sh: $allow not found" >&2; exit 2; }
build=$1
shift
tmp=$(mktemp -d /tmp/lvh-skips.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/found"

# cases: KEY-PREFIX FILE -> "KEY<tab>why" lines
cases() {
	tr -d '\r' < "$2" | awk -v t="$1" '
	function key(c) { gsub(/^[ \t]+|[ \t]+$/, "", c); gsub(/[ \t]+/, "_", c); return t ":" c }
	/^SKIP: / {
		s = substr($0, 7); i = index(s, ": ")
		if (i) print key(substr(s, 1, i - 1)) "\t" substr(s, i + 2)
		else print key(s) "\t" s
		next
	}
	/^ok [0-9]+/ && /# [Ss][Kk][Ii][Pp]/ {
		s = $0; sub(/^ok [0-9]+( - )?/, "", s)
		i = match(s, /# [Ss][Kk][Ii][Pp]/)
		print key(substr(s, 1, i - 1)) "\t" substr(s, i + 7)
	}'
}

for src in "$@"; do
	case $src in
	*=*)
		f=${src#*=}
		[ -r "$f" ] || { echo "skips.sh: $f not found" >&2; exit 2; }
		cases "${src%%=*}" "$f" >> "$tmp/found"
		continue ;;
	esac
	find "$src" -name '*.trs' | sort > "$tmp/trs"
	[ -s "$tmp/trs" ] || { echo "skips.sh: no test results (*.trs) under $src" >&2; exit 2; }
	while read -r trs; do
		log=${trs%.trs}.log
		# test-driver ends the log with "RESULT NAME (exit status: N)"
		name=$(sed -n 's/^[A-Z]* \(.*\) (exit status: [0-9]*)$/\1/p' "$log" 2> /dev/null | tail -n 1)
		[ -n "$name" ] || { name=${trs#"$src"/}; name=${name%.trs}; }
		if grep -q '^:test-result: SKIP' "$trs"; then
			why=$(grep -v ' (exit status: [0-9]*)$' "$log" 2> /dev/null | grep . | tail -n 1)
			printf '%s\t%s\n' "$name" "$why" >> "$tmp/found"
		elif [ -f "$log" ]; then
			cases "$name" "$log" >> "$tmp/found"
		fi
	done < "$tmp/trs"
done

# the allow-list for this build: "KEY reason"
awk -v b="$build" '
/^[ \t]*(#|$)/ { next }
$1 == b {
	if (NF < 3) { print "no reason given: " $0 > "/dev/stderr"; bad = 1; next }
	print $2
}
END { exit bad }' "$allow" | sort -u > "$tmp/allowed" || exit 1

st=0
sort -u "$tmp/found" > "$tmp/found.sorted"
while IFS='	' read -r key why; do
	if grep -qxF "$key" "$tmp/allowed"; then
		echo "skips: $build: $key: skipped, as allowed ($why)"
	else
		echo "skips: $build: $key skipped, and .ci/skips-allowed does not allow it: $why"
		st=1
	fi
done < "$tmp/found.sorted"
cut -f 1 "$tmp/found.sorted" | sort -u > "$tmp/keys"
for key in $(comm -23 "$tmp/allowed" "$tmp/keys"); do
	echo "skips: $build: $key is allowed to skip but did not: remove it from .ci/skips-allowed"
	st=1
done
n=$(wc -l < "$tmp/keys")
[ $st = 0 ] && echo "skips: $build: $n skip(s), all on the allow-list"
exit $st
