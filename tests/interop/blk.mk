# SPDX-License-Identifier: BSD-3-Clause
# Interop tests of libvhost's front-end against back-ends nobody here wrote.
TESTS += tests/interop/qsd-blk.sh tests/interop/vhost-user-blk-self.sh
EXTRA_DIST += tests/interop/qsd-blk.sh tests/interop/vhost-user-blk-self.sh tests/interop/lib.sh
TESTS += tests/interop/dpdk-vhost-net.sh
EXTRA_DIST += tests/interop/dpdk-vhost-net.sh
check_PROGRAMS += tests/interop/net-driver
tests_interop_net_driver_SOURCES = tests/interop/net-driver.c
tests_interop_net_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_net_driver_LDADD = lib/libvhost.la
TESTS += tests/interop/virtiofsd.sh
EXTRA_DIST += tests/interop/virtiofsd.sh
check_PROGRAMS += tests/interop/fs-driver
tests_interop_fs_driver_SOURCES = tests/interop/fs-driver.c
tests_interop_fs_driver_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_fs_driver_LDADD = lib/libvhost.la
