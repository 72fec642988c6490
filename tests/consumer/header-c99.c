/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public header alone, as a strict C99 consumer sees it (-std=c99
 * -pedantic -Werror -Wall -Wextra, no config.h), linked against the library.
 */
#include <libvhost.h>

static void log_nothing(void *userdata, int priority, const char *file, int line,
			const char *func, const char *format, va_list args)
{
	(void)userdata, (void)priority, (void)file, (void)line, (void)func, (void)format;
	(void)args;
}

int main(void)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = log_nothing);
	struct libvhost_ctx *ctx = NULL;
	int ok;

	ok = libvhost_version() != NULL && libvhost_ctx_new(&opts, &ctx) == 0 && ctx != NULL;
	libvhost_ctx_unref(ctx);
	return ok && LIBVHOST_USER_MAX_VRINGS == 0x8000u ? 0 : 1;
}
