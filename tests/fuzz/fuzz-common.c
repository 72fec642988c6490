/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "fuzz-common.h"

static void quiet_log(void *userdata, int priority, const char *file, int line, const char *func,
		      const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void quiet_log(void *userdata, int priority, const char *file, int line, const char *func,
		      const char *format, va_list args)
{
	char buf[512];

	(void)userdata;
	(void)priority;
	(void)file;
	(void)line;
	(void)func;
	vsnprintf(buf, sizeof(buf), format, args);
}

struct libvhost_ctx *fuzz_ctx(void)
{
	static struct libvhost_ctx *ctx;

	if (!ctx) {
		LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = quiet_log,
			      .log_priority = LOG_DEBUG);

		if (libvhost_ctx_new(&opts, &ctx) < 0)
			abort();
	}
	return ctx;
}
