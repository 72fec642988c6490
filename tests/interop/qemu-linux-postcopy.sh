#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# qemu-linux-migrate.sh in postcopy mode: the destination runs the guest
# before all of its memory came, and QEMU serves the back-ends' faults on it
# through the userfaultfd they registered.  Skipped (77) without
# --enable-postcopy or when the kernel refuses userfaultfd.
exec sh "${top_srcdir:-.}/tests/interop/qemu-linux-migrate.sh" postcopy
