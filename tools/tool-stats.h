/* SPDX-License-Identifier: BSD-3-Clause */
/* What libvhost's back-end tools share: the library's counts at exit. */
#ifndef LIBVHOST_TOOL_STATS_H
#define LIBVHOST_TOOL_STATS_H

struct libvhost_backend;

/*
 * One line on stderr with what the back-end did (libvhost_backend_get_stats()):
 * "TOOL: back-end: N sessions, N buffers resubmitted, N dirty pages logged,
 * N IOTLB misses, N updates, N invalidations, N memory regions added, N removed".
 */
void tool_print_backend_stats(const char *tool, const struct libvhost_backend *be);

#endif
