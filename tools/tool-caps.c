/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>

#ifdef HAVE_LIBCAP_NG
#include <cap-ng.h>
#endif

#include "tool-caps.h"

int tool_drop_capabilities(const char *tool)
{
#ifdef HAVE_LIBCAP_NG
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
		return 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		fprintf(stderr, "%s: cannot drop capabilities\n", tool);
		return -1;
	}
#else
	(void)tool;
#endif
	return 0;
}
