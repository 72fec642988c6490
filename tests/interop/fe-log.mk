# SPDX-License-Identifier: BSD-3-Clause
# The front-end as a VMM against back-ends nobody here wrote: dirty logging
# (qemu-storage-daemon, DPDK's vhost PMD) and the virtio status with device
# reset (DPDK); fe-log is their driver.
TESTS += tests/interop/qsd-dirty-log.sh tests/interop/dpdk-dirty-log.sh tests/interop/dpdk-status.sh
EXTRA_DIST += tests/interop/qsd-dirty-log.sh tests/interop/dpdk-dirty-log.sh tests/interop/dpdk-status.sh
check_PROGRAMS += tests/interop/fe-log
tests_interop_fe_log_SOURCES = tests/interop/fe-log.c
tests_interop_fe_log_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_fe_log_LDADD = lib/libvhost.la
