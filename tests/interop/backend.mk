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
TESTS += tests/interop/qemu-client-blk.sh
EXTRA_DIST += tests/interop/qemu-client-blk.sh
TESTS += tests/interop/qemu-ipxe-net.sh
EXTRA_DIST += tests/interop/qemu-ipxe-net.sh
check_PROGRAMS += tests/interop/tap-sniff
tests_interop_tap_sniff_SOURCES = tests/interop/tap-sniff.c
