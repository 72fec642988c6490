/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "libvhost-private.h"

static void log_stderr(void *userdata, int priority, const char *file, int line, const char *func,
		       const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

LIBVHOST_EXPORT int libvhost_ctx_new(const struct libvhost_ctx_opts *opts, struct libvhost_ctx **ret)
{
	struct libvhost_ctx *ctx;
	int64_t prio;
	int r;

	if (!ret)
		return -EINVAL;
	r = LVH_OPTS_VALID(NULL, opts, libvhost_ctx_opts);
	if (r < 0)
		return r;
	prio = LVH_OPTS_GET(opts, log_priority, 0);
	if (prio < 0 || prio > LOG_DEBUG)
		return -EINVAL;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->log_fn = LVH_OPTS_GET(opts, log_fn, NULL);
	ctx->log_userdata = LVH_OPTS_GET(opts, log_userdata, NULL);
	if (!ctx->log_fn)
		ctx->log_fn = log_stderr;

	if (prio == 0) {
		const char *env = secure_getenv("LIBVHOST_LOG");

		prio = LOG_ERR;
		if (env) {
			r = lvh_log_priority_from_string(env);
			if (r >= 0)
				prio = r;
		}
	}
	ctx->log_priority = (int)prio;
	lvh_dbg(ctx, "ctx %p created, log priority %d", (void *)ctx, ctx->log_priority);
	*ret = ctx;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_ctx *libvhost_ctx_ref(struct libvhost_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

LIBVHOST_EXPORT struct libvhost_ctx *libvhost_ctx_unref(struct libvhost_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	lvh_dbg(ctx, "ctx %p released", (void *)ctx);
	free(ctx);
	return NULL;
}

LIBVHOST_EXPORT void libvhost_ctx_set_userdata(struct libvhost_ctx *ctx, void *userdata)
{
	if (ctx)
		ctx->userdata = userdata;
}

LIBVHOST_EXPORT void *libvhost_ctx_get_userdata(const struct libvhost_ctx *ctx)
{
	return ctx ? ctx->userdata : NULL;
}

LIBVHOST_EXPORT void libvhost_ctx_set_log_fn(struct libvhost_ctx *ctx, libvhost_log_fn fn,
					     void *userdata)
{
	if (!ctx)
		return;
	ctx->log_fn = fn ? fn : log_stderr;
	ctx->log_userdata = fn ? userdata : NULL;
}

LIBVHOST_EXPORT int libvhost_ctx_set_log_priority(struct libvhost_ctx *ctx, int priority)
{
	if (!ctx || priority < LOG_EMERG || priority > LOG_DEBUG)
		return -EINVAL;
	ctx->log_priority = priority;
	return 0;
}

LIBVHOST_EXPORT int libvhost_ctx_get_log_priority(const struct libvhost_ctx *ctx)
{
	return ctx ? ctx->log_priority : -EINVAL;
}

static void log_stderr(void *userdata, int priority, const char *file, int line, const char *func,
		       const char *format, va_list args)
{
	(void)userdata;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "libvhost: %s: ", func);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

LIBVHOST_EXPORT const char *libvhost_version(void)
{
	return PACKAGE_VERSION;
}
