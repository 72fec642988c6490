# SPDX-License-Identifier: BSD-3-Clause
# ABI discipline and consumer-shape tests, all part of `make check` (so of
# `make distcheck` too), and `make check-valgrind`.

ABI_AWK = tests/abi/cstrip.awk tests/abi/map.awk tests/abi/decls.awk \
	tests/abi/valgrind-fds.awk
EXTRA_DIST += abi/libvhost.abi abi/SONAME abi/libvhost.abignore $(ABI_AWK) scripts/abi-baseline.sh \
	tests/abi/check-abi.sh tests/consumer/dlopen.sh tests/consumer/pkgconfig.sh

# the tools configure found, for the scripts (an empty one is skipped)
AM_TESTS_ENVIRONMENT += \
	MAKE='$(MAKE)'; export MAKE; PKG_CONFIG='$(PKG_CONFIG)'; export PKG_CONFIG; \
	ABIDIFF='$(ABIDIFF)'; export ABIDIFF; VALGRIND='$(VALGRIND)'; export VALGRIND;

# ---- exports = map = header = definitions, versions, soname, abidiff ----
TESTS += tests/abi/check-abi.sh
check-abi: lib/libvhost.la
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/tests/abi/check-abi.sh; rc=$$?; \
	if test $$rc -eq 77; then echo "check-abi: nothing could be checked"; rc=0; fi; \
	exit $$rc
.PHONY: check-abi

# The baseline abi/libvhost.abi (and abi/SONAME), refreshed only at a release
# (README.md, "ABI policy"): scripts/abi-baseline.sh builds the committed tree
# as a release is built (-O2 -g, no sanitizers) in a scratch directory and runs
# abidw on it; this target only runs it, in a git checkout.
abi-baseline:
	ABIDW='$(ABIDW)' CC='$(CC)' $(SHELL) $(srcdir)/scripts/abi-baseline.sh
.PHONY: abi-baseline

# ---- consumer-shape tests ----
# The public header as a consumer sees it: no config.h, no -I but include/.
CONSUMER_CPPFLAGS = $(LVH_INCLUDES)
check_PROGRAMS += tests/consumer/header-c99 tests/consumer/check-sizes tests/consumer/dlopen
TESTS += tests/consumer/header-c99 tests/consumer/check-sizes tests/consumer/dlopen.sh \
	tests/consumer/pkgconfig.sh

tests_consumer_header_c99_SOURCES = tests/consumer/header-c99.c
tests_consumer_header_c99_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_header_c99_CFLAGS = -std=c99 -pedantic -Werror -Wall -Wextra $(SAN_FLAGS)
tests_consumer_header_c99_LDADD = lib/libvhost.la

tests_consumer_check_sizes_SOURCES = tests/consumer/check-sizes.c
tests_consumer_check_sizes_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_check_sizes_CFLAGS = -std=c99 -pedantic -Werror -Wall -Wextra $(SAN_FLAGS)

# loads lib/.libs/libvhost.so.0 itself, by its soname
tests_consumer_dlopen_SOURCES = tests/consumer/dlopen.c
tests_consumer_dlopen_CPPFLAGS = $(CONSUMER_CPPFLAGS) -D_GNU_SOURCE
tests_consumer_dlopen_CFLAGS = $(AM_CFLAGS)
tests_consumer_dlopen_LDADD = -ldl
tests_consumer_dlopen_DEPENDENCIES = lib/libvhost.la

if HAVE_CXX
check_PROGRAMS += tests/consumer/header-cxx
TESTS += tests/consumer/header-cxx
tests_consumer_header_cxx_SOURCES = tests/consumer/header-cxx.cc
tests_consumer_header_cxx_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_header_cxx_CXXFLAGS = -std=c++11 -pedantic -Werror -Wall -Wextra $(SAN_FLAGS)
tests_consumer_header_cxx_LDADD = lib/libvhost.la
endif

# ---- every unit suite under valgrind ----
# Leaks, bad accesses, and descriptors the suite's own process left open.
# A suite that skips (77) is reported as skipped: valgrind 3.19 has no
# userfaultfd(2) (ENOSYS), so check-postcopy skips under it.
# No suppressions are needed (add tests/abi/valgrind.supp when one is).
VALGRIND_FLAGS = --leak-check=full --error-exitcode=1 --track-fds=yes
check-valgrind: $(unit_tests)
	@test -n "$(VALGRIND)" || { echo "$@: valgrind not found" >&2; exit 1; }
	@test -z "$(SAN_FLAGS)" || { echo "$@: not in a sanitizer build" >&2; exit 1; }
	@test -n "$(unit_tests)" || { echo "$@: no unit tests (Check not found)" >&2; exit 1; }
	@failed=; for t in $(unit_tests); do \
		log=$$t.valgrind.log; out=$$t.valgrind.out; rm -f $$log $$out; \
		($(AM_TESTS_ENVIRONMENT) CK_FORK=no; export CK_FORK; \
		    $(LIBTOOL) --mode=execute $(VALGRIND) $(VALGRIND_FLAGS) --log-file=$$log \
			$$t) > $$out 2>&1; rc=$$?; \
		if test $$rc = 77; then echo "SKIP: $$t: $$(tail -n 1 $$out)"; continue; fi; \
		if test $$rc = 0; then \
			fds=$$(awk -f $(srcdir)/tests/abi/valgrind-fds.awk $$log); \
			if test -z "$$fds"; then echo "PASS: $$t"; continue; fi; \
			echo "left open at exit: $$fds"; \
		fi; \
		echo "FAIL: $$t (see $$log)"; tail -n 30 $$out; \
		grep -A12 -e 'lost in loss' -e 'Invalid ' -e 'uninitialised' $$log | head -n 60; \
		failed="$$failed $$t"; \
	done; \
	test -z "$$failed" || { echo "check-valgrind: FAILED:$$failed" >&2; exit 1; }
.PHONY: check-valgrind
CLEANFILES += tests/unit/*.valgrind.log tests/unit/*.valgrind.out
