# SPDX-License-Identifier: BSD-3-Clause
# libFuzzer targets (./configure CC=clang --enable-fuzzing --enable-asan --enable-ubsan).
# `make fuzz-smoke` runs each for FUZZ_SECONDS from the seeds and the
# committed corpus; `make fuzz-long` runs each for FUZZ_RUNS executions
# (FUZZ_MAX_TIME seconds at most, when set) and merges the inputs that add
# coverage into tests/fuzz/corpus/, which `make check` replays
# (tests/fuzz/long.sh).  `make fuzz-coverage`, in a build configured with
# CC=clang CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping", prints
# the line coverage the seeds and that corpus reach in lib/proto, lib/ring and
# lib/user (tests/fuzz/coverage.sh).
EXTRA_DIST += tests/fuzz/seeds.sh tests/fuzz/seeds-frontend.sh tests/fuzz/seeds-backend.sh \
	tests/fuzz/seed-bytes.sh tests/fuzz/replay.sh tests/fuzz/long.sh tests/fuzz/coverage.sh \
	tests/fuzz/corpus
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_MAX_TIME ?=
FUZZ_COMMON = tests/fuzz/fuzz-common.c tests/fuzz/fuzz-common.h

# The harness without libFuzzer, replaying the seeds in every build.
check_PROGRAMS += tests/fuzz/fuzz-replay tests/fuzz/fuzz-vring-replay tests/fuzz/fuzz-frontend-replay \
	tests/fuzz/fuzz-backend-replay
tests_fuzz_fuzz_backend_replay_SOURCES = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-backend.c $(FUZZ_COMMON)
tests_fuzz_fuzz_backend_replay_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_frontend_replay_SOURCES = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-frontend.c $(FUZZ_COMMON)
tests_fuzz_fuzz_frontend_replay_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-msg.c $(FUZZ_COMMON) \
	tests/fuzz/fuzz-decode.c tests/fuzz/fuzz-decode.h
tests_fuzz_fuzz_replay_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_vring_replay_SOURCES = tests/fuzz/fuzz-replay.c tests/fuzz/fuzz-vring.c $(FUZZ_COMMON)
tests_fuzz_fuzz_vring_replay_LDADD = lib/libvhost-internal.la
TESTS += tests/fuzz/replay.sh

if ENABLE_FUZZING
fuzz_targets = tests/fuzz/fuzz-msg tests/fuzz/fuzz-vring tests/fuzz/fuzz-frontend tests/fuzz/fuzz-backend
tests_fuzz_fuzz_backend_SOURCES = tests/fuzz/fuzz-backend.c $(FUZZ_COMMON)
tests_fuzz_fuzz_backend_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_backend_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_backend_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_frontend_SOURCES = tests/fuzz/fuzz-frontend.c $(FUZZ_COMMON)
tests_fuzz_fuzz_frontend_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_frontend_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_frontend_CFLAGS = $(AM_CFLAGS)
noinst_PROGRAMS += $(fuzz_targets)
tests_fuzz_fuzz_vring_SOURCES = tests/fuzz/fuzz-vring.c $(FUZZ_COMMON)
tests_fuzz_fuzz_vring_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_vring_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vring_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_msg_SOURCES = tests/fuzz/fuzz-msg.c tests/fuzz/fuzz-decode.c tests/fuzz/fuzz-decode.h $(FUZZ_COMMON)
tests_fuzz_fuzz_msg_LDADD = lib/libvhost-internal.la
tests_fuzz_fuzz_msg_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
# the same objects serve both programs, built with different flags
tests_fuzz_fuzz_msg_CFLAGS = $(AM_CFLAGS)

fuzz-smoke: $(fuzz_targets)
	@set -e; for t in $(fuzz_targets); do \
		name=$$(basename $$t); \
		corpus=$(abs_builddir)/tests/fuzz/corpus-$$name; \
		rm -rf $$corpus; mkdir -p $$corpus; \
		seeds=$(srcdir)/tests/fuzz/seeds-$${name#fuzz-}.sh; \
		test -f $$seeds || seeds=$(srcdir)/tests/fuzz/seeds.sh; \
		$(SHELL) $$seeds $$corpus; \
		cp $(srcdir)/tests/fuzz/corpus/$${name#fuzz-}/* $$corpus/ 2>/dev/null || true; \
		echo "fuzz-smoke: $$name for $(FUZZ_SECONDS)s"; \
		$(abs_builddir)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 $$corpus; \
	done

fuzz-long: $(fuzz_targets)
	top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) FUZZ_RUNS=$(FUZZ_RUNS) \
		FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) $(SHELL) $(srcdir)/tests/fuzz/long.sh
else
fuzz-smoke fuzz-long:
	@echo "$@: configure with CC=clang --enable-fuzzing" >&2; exit 1
endif
fuzz-coverage: tests/fuzz/fuzz-replay$(EXEEXT) tests/fuzz/fuzz-vring-replay$(EXEEXT) \
		tests/fuzz/fuzz-frontend-replay$(EXEEXT) tests/fuzz/fuzz-backend-replay$(EXEEXT)
	top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) $(SHELL) $(srcdir)/tests/fuzz/coverage.sh
.PHONY: fuzz-smoke fuzz-long fuzz-coverage
clean-local: clean-local-fuzz
clean-local-fuzz:
	-rm -rf tests/fuzz/corpus-* tests/fuzz/long
.PHONY: clean-local-fuzz
