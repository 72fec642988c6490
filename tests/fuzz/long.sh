#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The long fuzz run (`make fuzz-long`, not part of CI).  Needs a fuzzing build:
#   ./configure CC=clang CXX=clang++ --enable-fuzzing --enable-asan --enable-ubsan
#
# For each target, one at a time: seeds a scratch corpus (the seed script's
# inputs and the committed corpus tests/fuzz/corpus/TARGET), runs libFuzzer
# for FUZZ_RUNS executions (default 10^7; FUZZ_MAX_TIME seconds caps a
# target's run when set), then merges (-merge=1) into the committed corpus
# only the grown inputs that add coverage.  `make check` replays that corpus
# (tests/fuzz/replay.sh).  A crash, leak, sanitizer report or timeout stops
# the run with the input in SCRATCH/TARGET-artifacts/.  A fuzzer interrupted
# (SIGINT to its process) counts the executions it made and is merged.
#
# Environment: top_srcdir, top_builddir (default .), FUZZ_TARGETS (default all
# four), FUZZ_RUNS, FUZZ_MAX_TIME, FUZZ_SCRATCH (default
# $top_builddir/tests/fuzz/long).  Each target's figures are printed at the
# end and kept in SCRATCH/summary.
set -e
src=${top_srcdir:-.}
build=${top_builddir:-.}
runs=${FUZZ_RUNS:-10000000}
targets=${FUZZ_TARGETS:-"msg vring backend frontend"}
scratch=${FUZZ_SCRATCH:-$build/tests/fuzz/long}
limit=
[ -z "$FUZZ_MAX_TIME" ] || limit="-max_total_time=$FUZZ_MAX_TIME"

mkdir -p "$scratch"
: > "$scratch/summary"
for t in $targets; do
	bin=$build/tests/fuzz/fuzz-$t
	[ -x "$bin" ] || { echo "$0: no $bin: configure --enable-fuzzing and make" >&2; exit 1; }
	seeds=$src/tests/fuzz/seeds-$t.sh
	[ -f "$seeds" ] || seeds=$src/tests/fuzz/seeds.sh
	corpus=$src/tests/fuzz/corpus/$t
	work=$scratch/$t
	mkdir -p "$work" "$corpus" "$work-artifacts"
	sh "$seeds" "$work"
	cp "$corpus"/* "$work"/ 2>/dev/null || true
	echo "fuzz-long: fuzz-$t, $runs runs${limit:+ ($limit)}, corpus $work"
	"$bin" -runs="$runs" $limit -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work-artifacts/" "$work" 2> "$work.log" ||
		grep -q '^==[0-9]*== libFuzzer: run interrupted' "$work.log" || {
		tail -n 60 "$work.log"
		echo "$0: fuzz-$t failed: see $work.log and $work-artifacts/" >&2
		exit 1
	}
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work.log")
	before=$(ls "$corpus" | wc -l)
	"$bin" -merge=1 "$corpus" "$work" 2> "$work-merge.log"
	after=$(ls "$corpus" | wc -l)
	echo "fuzz-$t: $execs executions, $rate exec/s, committed corpus $before -> $after files" |
		tee -a "$scratch/summary"
done
echo "fuzz-long: summary"
cat "$scratch/summary"
