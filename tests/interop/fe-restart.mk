# SPDX-License-Identifier: BSD-3-Clause
# libvhost's front-end surviving a back-end restart: qemu-storage-daemon's
# vhost-user-blk export and DPDK's vhost PMD (no inflight area: the rings
# restored from the used index), and our own vhost-user-blk with inflight
# tracking; each SIGKILLed under I/O and started again on the same socket.
# LIBVHOST_SOAK_RESTARTS=N kills N times in each instead of the default.
TESTS += tests/interop/qsd-restart.sh tests/interop/dpdk-restart.sh \
	tests/interop/self-restart-inflight.sh
EXTRA_DIST += tests/interop/qsd-restart.sh tests/interop/dpdk-restart.sh \
	tests/interop/self-restart-inflight.sh
check_PROGRAMS += tests/interop/fe-restart
tests_interop_fe_restart_SOURCES = tests/interop/fe-restart.c
tests_interop_fe_restart_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_fe_restart_LDADD = lib/libvhost.la
