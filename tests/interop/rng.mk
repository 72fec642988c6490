# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-rng: a Linux guest reading /dev/hwrng through QEMU's vhost-user-rng-pci
TESTS += tests/interop/qemu-linux-rng.sh
EXTRA_DIST += tests/interop/qemu-linux-rng.sh
# the program against a hostile driver: libvhost's front-end and driver-side rings
if HAVE_CHECK
# (a unit suite: make check-valgrind runs it too)
unit_tests += tests/unit/check-rng
tests_unit_check_rng_SOURCES = tests/unit/check-rng.c
tests_unit_check_rng_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_rng_LDADD = $(UNIT_LDADD)
endif
