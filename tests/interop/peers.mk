# SPDX-License-Identifier: BSD-3-Clause
# Interop tests (peers).  Included from the top-level Makefile.am.
