# SPDX-License-Identifier: BSD-3-Clause
# ABI discipline and consumer-shape tests, all part of `make check`.

EXTRA_DIST += abi/libvhost.abi abi/SONAME tests/abi/check-abi.sh \
	tests/consumer/dlopen.sh tests/consumer/pkgconfig.sh

# exports = map = header = definitions, versions, soname, abidiff
TESTS += tests/abi/check-abi.sh
check-abi: lib/libvhost.la
	@$(ABI_ENV) top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) \
		$(SHELL) $(top_srcdir)/tests/abi/check-abi.sh
.PHONY: check-abi

# The baseline, refreshed only at a release (see README).
abi-baseline: lib/libvhost.la
	abidw --headers-dir $(top_srcdir)/include --no-corpus-path \
		--out-file $(top_srcdir)/abi/libvhost.abi lib/.libs/libvhost.so.$(LT_CURRENT).$(LT_AGE).$(LT_REVISION)
	echo $$(( $(LT_CURRENT) - $(LT_AGE) )) > $(top_srcdir)/abi/SONAME
.PHONY: abi-baseline

# the public header as a consumer sees it: no config.h, only include/
CONSUMER_CPPFLAGS = -I$(top_srcdir)/include
check_PROGRAMS += tests/consumer/header-c99 tests/consumer/check-sizes tests/consumer/dlopen
TESTS += tests/consumer/header-c99 tests/consumer/check-sizes tests/consumer/dlopen.sh \
	tests/consumer/pkgconfig.sh
tests_consumer_header_c99_SOURCES = tests/consumer/header-c99.c
tests_consumer_header_c99_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_header_c99_CFLAGS = -std=c99 -pedantic -Werror -Wall -Wextra $(SAN_FLAGS)
tests_consumer_check_sizes_SOURCES = tests/consumer/check-sizes.c
tests_consumer_check_sizes_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_check_sizes_CFLAGS = -std=c99 -Wall $(SAN_FLAGS)
tests_consumer_dlopen_SOURCES = tests/consumer/dlopen.c
tests_consumer_dlopen_CPPFLAGS = -D_GNU_SOURCE
tests_consumer_dlopen_CFLAGS = $(AM_CFLAGS)
tests_consumer_dlopen_LDADD = -ldl
if HAVE_CXX
check_PROGRAMS += tests/consumer/header-cxx
TESTS += tests/consumer/header-cxx
tests_consumer_header_cxx_SOURCES = tests/consumer/header-cxx.cc
tests_consumer_header_cxx_CPPFLAGS = $(CONSUMER_CPPFLAGS)
tests_consumer_header_cxx_CXXFLAGS = -std=c++11 -pedantic -Werror -Wall -Wextra $(SAN_FLAGS)
endif

# every unit suite under valgrind: leaks and bad accesses (each suite checks its own fds)
VALGRIND_FLAGS = --leak-check=full --error-exitcode=1 --quiet \
	--suppressions=$(top_srcdir)/tests/abi/valgrind.supp
EXTRA_DIST += tests/abi/valgrind.supp
check-valgrind: $(check_PROGRAMS)
	@test -n "$(VALGRIND)" || { echo "check-valgrind: valgrind not found" >&2; exit 1; }
	@set -e; for t in $(unit_tests); do \
		echo "valgrind: $$t"; \
		CK_FORK=no LIBVHOST_LOG=err $(LIBTOOL) --mode=execute $(VALGRIND) $(VALGRIND_FLAGS) \
			$(builddir)/$$t > $$t.valgrind.log 2>&1 || { cat $$t.valgrind.log; exit 1; }; \
		grep -E "Checks:" $$t.valgrind.log; \
	done
.PHONY: check-valgrind
CLEANFILES += tests/unit/*.valgrind.log
