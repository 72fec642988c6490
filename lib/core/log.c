/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "libvhost-private.h"

void lvh_log(const struct libvhost_ctx *ctx, int priority, const char *file, int line,
	     const char *func, const char *format, ...)
{
	va_list args;

	if (!ctx || !ctx->log_fn)
		return;
	va_start(args, format);
	ctx->log_fn(ctx->log_userdata, priority, file, line, func, format, args);
	va_end(args);
}

int lvh_log_priority_from_string(const char *s)
{
	static const char *const names[] = { "emerg", "alert", "crit",	 "err",
					     "warning", "notice", "info", "debug" };
	char *end;
	long v;
	size_t i;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end != s) {
		if (*end || errno || v < LOG_EMERG || v > LOG_DEBUG)
			return -EINVAL;
		return (int)v;
	}
	for (i = 0; i < LVH_ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_WARNING;
	return -EINVAL;
}
