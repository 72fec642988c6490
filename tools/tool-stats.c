/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>

#include <libvhost.h>

#include "tool-stats.h"

void tool_print_backend_stats(const char *tool, const struct libvhost_backend *be)
{
	struct libvhost_backend_stats s = { .sz = sizeof(s) };

	if (libvhost_backend_get_stats(be, &s) < 0)
		return;
	fprintf(stderr,
		"%s: back-end: %" PRIu64 " sessions, %" PRIu64 " buffers resubmitted, %" PRIu64
		" dirty pages logged, %" PRIu64 " IOTLB misses, %" PRIu64 " updates, %" PRIu64
		" invalidations, %" PRIu64 " memory regions added, %" PRIu64 " removed\n",
		tool, s.sessions, s.inflight_resubmitted, s.log_pages, s.iotlb_misses,
		s.iotlb_updates, s.iotlb_invalidations, s.mem_regions_added, s.mem_regions_removed);
}
