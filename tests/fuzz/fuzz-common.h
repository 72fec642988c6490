/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_FUZZ_COMMON_H
#define LIBVHOST_FUZZ_COMMON_H

#include <libvhost.h>

/*
 * The context every fuzz target logs to: every line is formatted at debug
 * priority (so the sanitizers check each format string) and none is printed.
 * Made once; it aborts if even that fails.
 */
struct libvhost_ctx *fuzz_ctx(void);

#endif
