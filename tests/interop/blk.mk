# SPDX-License-Identifier: BSD-3-Clause
# Interop tests of libvhost's front-end against vhost-user-blk back-ends.
TESTS += tests/interop/qsd-blk.sh tests/interop/vhost-user-blk-self.sh
EXTRA_DIST += tests/interop/qsd-blk.sh tests/interop/vhost-user-blk-self.sh
