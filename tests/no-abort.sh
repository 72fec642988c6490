#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Peer and guest input must never end the process: lib/ calls no abort(),
# exit(), _exit() or assert(), and libvhost-private.h defines no such macro.
set -e
src=${top_srcdir:-.}/lib
hits=$(grep -rnE '(^|[^_a-zA-Z0-9])(abort|exit|_exit|_Exit|assert|quick_exit)[[:space:]]*\(' \
	--include='*.c' --include='*.h' "$src" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)' || true)
if [ -n "$hits" ]; then
	echo "lib/ must not abort, exit or assert:"
	echo "$hits"
	exit 1
fi
echo "no abort/exit/assert in lib/"
