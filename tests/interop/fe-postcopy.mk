# SPDX-License-Identifier: BSD-3-Clause
# The front-end's postcopy against back-ends nobody here wrote (issue 24):
# postcopy-driver plays the destination VMM.  Outside --enable-postcopy
# builds the scripts skip (77), as .ci/skips-allowed lists.
TESTS += tests/interop/qsd-postcopy.sh tests/interop/dpdk-postcopy.sh
EXTRA_DIST += tests/interop/qsd-postcopy.sh tests/interop/dpdk-postcopy.sh
check_PROGRAMS += tests/interop/postcopy-driver
tests_interop_postcopy_driver_SOURCES = tests/interop/postcopy-driver.c
tests_interop_postcopy_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_postcopy_driver_CFLAGS = $(AM_CFLAGS) -pthread
tests_interop_postcopy_driver_LDADD = lib/libvhost.la -lpthread
