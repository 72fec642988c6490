# SPDX-License-Identifier: BSD-3-Clause
# Interop tests of libvhost's back-end tools against real front-ends.
TESTS += tests/interop/qemu-seabios-blk.sh
EXTRA_DIST += tests/interop/qemu-seabios-blk.sh
TESTS += tests/interop/testpmd-virtio-user-net.sh
EXTRA_DIST += tests/interop/testpmd-virtio-user-net.sh
TESTS += tests/interop/qemu-linux-blk.sh
EXTRA_DIST += tests/interop/qemu-linux-blk.sh
TESTS += tests/interop/qemu-linux-net.sh
EXTRA_DIST += tests/interop/qemu-linux-net.sh
TESTS += tests/interop/qemu-linux-viommu.sh
EXTRA_DIST += tests/interop/qemu-linux-viommu.sh
TESTS += tests/interop/qemu-client-blk.sh
EXTRA_DIST += tests/interop/qemu-client-blk.sh
TESTS += tests/interop/qemu-ipxe-net.sh
EXTRA_DIST += tests/interop/qemu-ipxe-net.sh
check_PROGRAMS += tests/interop/tap-sniff
tests_interop_tap_sniff_SOURCES = tests/interop/tap-sniff.c
TESTS += tests/interop/qemu-qtest-blk.sh
EXTRA_DIST += tests/interop/qemu-qtest-blk.sh
check_PROGRAMS += tests/interop/qemu-qtest-blk
tests_interop_qemu_qtest_blk_SOURCES = tests/interop/qemu-qtest-blk.c
TESTS += tests/interop/vhost-user-net-flood.sh
EXTRA_DIST += tests/interop/vhost-user-net-flood.sh
check_PROGRAMS += tests/interop/net-flood
tests_interop_net_flood_SOURCES = tests/interop/net-flood.c
tests_interop_net_flood_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_net_flood_CFLAGS = $(AM_CFLAGS) -pthread
tests_interop_net_flood_LDADD = lib/libvhost.la -lpthread
# live migration of a guest whose disk and NIC are our back-ends (both
# directions, back and forth); the postcopy one skips in builds without it
TESTS += tests/interop/qemu-linux-migrate.sh tests/interop/qemu-linux-postcopy.sh
EXTRA_DIST += tests/interop/qemu-linux-migrate.sh tests/interop/qemu-linux-postcopy.sh
# the harness of the tests that boot a Linux guest, and its QMP client
EXTRA_DIST += tests/interop/guest.sh
check_PROGRAMS += tests/interop/qmp
tests_interop_qmp_SOURCES = tests/interop/qmp.c
# the guest's verifying I/O load: static, for a busybox initramfs (the tests
# that need it skip when configure found no static linking)
if HAVE_STATIC_LINK
check_PROGRAMS += tests/interop/guest-io
endif
tests_interop_guest_io_SOURCES = tests/interop/guest-io.c
tests_interop_guest_io_CPPFLAGS =
tests_interop_guest_io_CFLAGS = $(LVH_CFLAGS) -pthread
# libtool passes -static on to the compiler only when spelt -all-static
tests_interop_guest_io_LDFLAGS = -all-static -pthread
TESTS += tests/interop/qemu-linux-blk-restart.sh
EXTRA_DIST += tests/interop/qemu-linux-blk-restart.sh
TESTS += tests/interop/qemu-linux-blk-hotplug.sh
EXTRA_DIST += tests/interop/qemu-linux-blk-hotplug.sh
# --threads of vhost-user-blk and vhost-user-net, without a guest (vhost-ctl
# blk; net-mq, a multi-queue echo driver) and with one
TESTS += tests/interop/vhost-user-blk-threads.sh tests/interop/vhost-user-net-threads.sh
EXTRA_DIST += tests/interop/vhost-user-blk-threads.sh tests/interop/vhost-user-net-threads.sh
check_PROGRAMS += tests/interop/net-mq
tests_interop_net_mq_SOURCES = tests/interop/net-mq.c
tests_interop_net_mq_CPPFLAGS = -include $(top_builddir)/config.h $(LVH_INCLUDES)
tests_interop_net_mq_LDADD = lib/libvhost.la
TESTS += tests/interop/qemu-linux-mq-threads.sh
EXTRA_DIST += tests/interop/qemu-linux-mq-threads.sh
