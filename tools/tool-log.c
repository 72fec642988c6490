/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <libvhost.h>

#include "tool-log.h"

static unsigned int errors; /* workers' threads log too: atomic */

static void tool_log(void *userdata, int priority, const char *file, int line, const char *func,
		     const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void tool_log(void *userdata, int priority, const char *file, int line, const char *func,
		     const char *format, va_list args)
{
	(void)userdata;
	(void)file;
	(void)line;
	if (priority <= LOG_ERR)
		__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	flockfile(stderr);
	fprintf(stderr, "libvhost: %s: ", func);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	funlockfile(stderr);
}

int tool_ctx_new(struct libvhost_ctx **ret)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = tool_log);

	return libvhost_ctx_new(&opts, ret);
}

unsigned int tool_log_errors(void)
{
	return __atomic_load_n(&errors, __ATOMIC_RELAXED);
}

void tool_fail(const char *tool, const char *what, int r, unsigned int mark)
{
	if (r < 0 && tool_log_errors() == mark)
		fprintf(stderr, "%s: %s: %s\n", tool, what, strerror(-r));
}
