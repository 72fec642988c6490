#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# man3-links.sh LINKS DIR: writes into DIR one link page for every line
# "FUNCTION PAGE" of LINKS (man/libvhost-links.txt, made by gen-man3.awk),
# DIR/FUNCTION.3 holding ".so man3/PAGE.3", so that `man FUNCTION` shows
# the page of its family.  With -u, removes them instead.
set -eu
remove=
if test "${1-}" = -u; then remove=1; shift; fi
links=$1 dir=$2
while read -r name page; do
	case $name$page in *[!A-Za-z0-9_]*|'') echo "$0: bad line in $links" >&2; exit 1;; esac
	if test -n "$remove"; then
		rm -f "$dir/$name.3"
	else
		printf '.so man3/%s.3\n' "$page" > "$dir/$name.3"
	fi
done < "$links"
