/* SPDX-License-Identifier: BSD-3-Clause */
/* What libvhost's tools share: one line on stderr for each failure. */
#ifndef LIBVHOST_TOOL_LOG_H
#define LIBVHOST_TOOL_LOG_H

struct libvhost_ctx;

/*
 * libvhost_ctx_new() with a logger that writes what the default one writes
 * ("libvhost: FUNC: ..." on stderr, at the level LIBVHOST_LOG sets, LOG_ERR
 * if unset) and counts the lines at LOG_ERR or more urgent.
 */
int tool_ctx_new(struct libvhost_ctx **ret);

/* The count so far: taken before a library call, it is the mark for tool_fail(). */
unsigned int tool_log_errors(void);

/*
 * After a library call that returned r < 0: "TOOL: WHAT: strerror(-r)" on
 * stderr, unless libvhost logged an error since @mark (a peer's or the
 * kernel's doing, explained there): the user reads one line, not two.
 */
void tool_fail(const char *tool, const char *what, int r, unsigned int mark);

#endif
