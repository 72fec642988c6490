# SPDX-License-Identifier: BSD-3-Clause
# The front-end's postcopy against a back-end nobody here wrote (issue 24):
# postcopy-driver plays the destination VMM.  Outside --enable-postcopy
# builds the script skips (77), as .ci/skips-allowed lists.
# qemu-storage-daemon 7.2 offers PAGEFAULT, but its libvhost-user answers
# the postcopy SET_MEM_TABLE with the front-end's own addresses (it writes
# its mapping bases into a copy of the request, then sends the request
# back), so no front-end can place its faults: `postcopy-driver blk` works
# against a back-end that reports its bases (tools/vhost-user-blk) and
# waits for a qemu-storage-daemon that does.
TESTS += tests/interop/dpdk-postcopy.sh
EXTRA_DIST += tests/interop/dpdk-postcopy.sh
check_PROGRAMS += tests/interop/postcopy-driver
tests_interop_postcopy_driver_SOURCES = tests/interop/postcopy-driver.c
tests_interop_postcopy_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_postcopy_driver_CFLAGS = $(AM_CFLAGS) -pthread
tests_interop_postcopy_driver_LDADD = lib/libvhost.la -lpthread
