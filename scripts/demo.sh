#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One command from a fresh checkout: install what is missing, build, run the demo.
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
make demo
