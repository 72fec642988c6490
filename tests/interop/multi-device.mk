# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-blk and vhost-user-net serving several devices each (--device).
TESTS += tests/interop/multi-device.sh
EXTRA_DIST += tests/interop/multi-device.sh
