/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#ifdef HAVE_LIBCAP_NG
#include <cap-ng.h>
#endif

#include "tool-caps.h"

int tool_keep_capability(const char *tool, int cap)
{
#ifdef HAVE_LIBCAP_NG
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (cap >= 0 && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				     (unsigned int)cap) < 0) {
		fprintf(stderr, "%s: cannot keep capability %d\n", tool, cap);
		return -1;
	}
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		fprintf(stderr, "%s: cannot drop capabilities\n", tool);
		return -1;
	}
#else
	(void)tool;
	(void)cap;
#endif
	return 0;
}

int tool_drop_capabilities(const char *tool)
{
	return tool_keep_capability(tool, -1);
}
