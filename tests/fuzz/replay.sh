#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the fuzz seeds (and every prefix of each) through the fuzz harness.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sh "${top_srcdir:-.}/tests/fuzz/seeds.sh" "$dir"
"${top_builddir:-.}/tests/fuzz/fuzz-replay" "$dir"
# the same bytes drive the hostile-device ring target
"${top_builddir:-.}/tests/fuzz/fuzz-vring-replay" "$dir"
# the front-end against a hostile back-end has its own seeds
rm -rf "$dir"/*
sh "${top_srcdir:-.}/tests/fuzz/seeds-frontend.sh" "$dir"
"${top_builddir:-.}/tests/fuzz/fuzz-frontend-replay" "$dir"
# and the back-end against a hostile front-end and guest
rm -rf "$dir"/*
sh "${top_srcdir:-.}/tests/fuzz/seeds-backend.sh" "$dir"
exec "${top_builddir:-.}/tests/fuzz/fuzz-backend-replay" "$dir"
