#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `make fuzz-coverage`: line coverage of lib/proto, lib/ring and lib/user by
# the fuzz inputs, measured with llvm-cov.  Needs a clang coverage build:
#   ./configure CC=clang CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping"
# Runs tests/fuzz/replay.sh twice, with the seeds alone and with the seeds
# and the committed corpus (tests/fuzz/corpus), and prints for each the
# lines, lines missed and line coverage per directory.
# Environment: top_srcdir, top_builddir (default .), LLVM_PROFDATA, LLVM_COV.
set -e
src=${top_srcdir:-.}
build=${top_builddir:-.}
profdata=${LLVM_PROFDATA:-llvm-profdata}
cov=${LLVM_COV:-llvm-cov}
bins="fuzz-replay fuzz-vring-replay fuzz-frontend-replay fuzz-backend-replay"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/none"

objects=
for b in $bins; do
	objects="$objects${objects:+ -object }$build/tests/fuzz/$b"
done
for run in seeds corpus; do
	rm -f "$dir"/*.profraw
	corpus=$src/tests/fuzz/corpus
	[ $run = corpus ] || corpus=$dir/none
	LLVM_PROFILE_FILE="$dir/%p.profraw" FUZZ_CORPUS_DIR=$corpus top_srcdir=$src top_builddir=$build \
		sh "$src/tests/fuzz/replay.sh" > "$dir/replay.log"
	ls "$dir"/*.profraw > /dev/null 2>&1 || {
		echo "$0: no profile written: configure with" \
			"CC=clang CFLAGS=\"-fprofile-instr-generate -fcoverage-mapping\"" >&2
		exit 1
	}
	"$profdata" merge -sparse -o "$dir/$run.profdata" "$dir"/*.profraw
	case $run in
	seeds) echo "fuzz-coverage: the seeds alone (tests/fuzz/seeds*.sh and their prefixes)";;
	corpus) echo "fuzz-coverage: the seeds and the committed corpus ($(find "$corpus" -type f | wc -l) files)";;
	esac
	printf '  %-12s %6s %6s %7s\n' directory lines missed cover
	for d in lib/proto lib/ring lib/user; do
		# the TOTAL line: regions, missed, cover, functions, missed, executed, lines, missed, cover
		"$cov" report $objects -instr-profile="$dir/$run.profdata" "$src/$d" |
			awk -v d=$d '$1 == "TOTAL" { printf "  %-12s %6s %6s %7s\n", d, $8, $9, $10 }'
	done
done
