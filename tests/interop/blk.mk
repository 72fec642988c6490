# SPDX-License-Identifier: BSD-3-Clause
# Interop tests (blk).  Included from the top-level Makefile.am.
