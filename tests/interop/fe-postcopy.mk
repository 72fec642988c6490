# SPDX-License-Identifier: BSD-3-Clause
# The front-end's postcopy against a back-end nobody here wrote (issue 24):
# postcopy-driver plays the destination VMM.  Outside --enable-postcopy
# builds the script skips (77), as .ci/skips-allowed lists.
# qemu-storage-daemon 7.2 offers PAGEFAULT, but its libvhost-user answers
# the postcopy SET_MEM_TABLE with the front-end's own addresses, so no
# front-end can place its faults: qsd-postcopy.sh proves the clean refusal
# with that daemon and the whole migration with one that reports its bases.
TESTS += tests/interop/dpdk-postcopy.sh tests/interop/qsd-postcopy.sh
EXTRA_DIST += tests/interop/dpdk-postcopy.sh tests/interop/qsd-postcopy.sh
check_PROGRAMS += tests/interop/postcopy-driver
tests_interop_postcopy_driver_SOURCES = tests/interop/postcopy-driver.c
tests_interop_postcopy_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_postcopy_driver_CFLAGS = $(AM_CFLAGS) -pthread
tests_interop_postcopy_driver_LDADD = lib/libvhost.la -lpthread
