# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-vsock with a Linux guest through QEMU's vhost-user-vsock-pci.
TESTS += tests/interop/qemu-linux-vsock.sh
EXTRA_DIST += tests/interop/qemu-linux-vsock.sh
# both ends of the connections: static, for the guest's initramfs (and run on the host)
if HAVE_STATIC_LINK
check_PROGRAMS += tests/interop/vsock-io
endif
tests_interop_vsock_io_SOURCES = tests/interop/vsock-io.c
tests_interop_vsock_io_CPPFLAGS =
tests_interop_vsock_io_CFLAGS = $(LVH_CFLAGS) -pthread
tests_interop_vsock_io_LDFLAGS = -all-static -pthread
