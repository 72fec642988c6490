# SPDX-License-Identifier: BSD-3-Clause
# The tools' discovery data against the spec's schema, and the spec's --fd
# with an inherited listening or connected socket (socket activation).
TESTS += tests/interop/discovery.sh
EXTRA_DIST += tests/interop/discovery.sh
check_PROGRAMS += tests/interop/json-get tests/interop/fd-launch
tests_interop_json_get_SOURCES = tests/interop/json-get.c
tests_interop_fd_launch_SOURCES = tests/interop/fd-launch.c
AM_TESTS_ENVIRONMENT += LVH_BINDIR='$(bindir)'; export LVH_BINDIR;
