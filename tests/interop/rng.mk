# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-rng: a Linux guest reading /dev/hwrng through QEMU's vhost-user-rng-pci
TESTS += tests/interop/qemu-linux-rng.sh
EXTRA_DIST += tests/interop/qemu-linux-rng.sh
