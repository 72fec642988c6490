# SPDX-License-Identifier: BSD-3-Clause
# vhost-user-blk's I/O engines (tools/blk-io.c) against vhost-ctl blk and fe-restart.
TESTS += tests/interop/blk-io-engines.sh
EXTRA_DIST += tests/interop/blk-io-engines.sh
