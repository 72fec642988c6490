#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the fuzz seeds (and every prefix of each) through the fuzz harness,
# then each target's committed corpus, grown by `make fuzz-long`
# (tests/fuzz/corpus/TARGET, each input as it is; FUZZ_CORPUS_DIR names
# another directory of TARGET directories).
set -e
src=${top_srcdir:-.}
build=${top_builddir:-.}
corpus_dir=${FUZZ_CORPUS_DIR:-$src/tests/fuzz/corpus}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# corpus TARGET: the --whole arguments for TARGET's committed corpus, if any
corpus() {
	if [ -n "$(ls "$corpus_dir/$1" 2>/dev/null)" ]; then
		echo "--whole $corpus_dir/$1"
	fi
}
sh "$src/tests/fuzz/seeds.sh" "$dir"
"$build/tests/fuzz/fuzz-replay" "$dir" $(corpus msg)
# the same bytes drive the hostile-device ring target
"$build/tests/fuzz/fuzz-vring-replay" "$dir" $(corpus vring)
# the front-end against a hostile back-end has its own seeds
rm -rf "$dir"/*
sh "$src/tests/fuzz/seeds-frontend.sh" "$dir"
"$build/tests/fuzz/fuzz-frontend-replay" "$dir" $(corpus frontend)
# and the back-end against a hostile front-end and guest
rm -rf "$dir"/*
sh "$src/tests/fuzz/seeds-backend.sh" "$dir"
exec "$build/tests/fuzz/fuzz-backend-replay" "$dir" $(corpus backend)
