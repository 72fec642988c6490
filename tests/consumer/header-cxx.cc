/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public header alone, as a C++11 consumer sees it (-std=c++11 -pedantic
 * -Werror, no config.h), linked against the library: the declarations have
 * C linkage.
 */
#include <libvhost.h>

static void log_nothing(void *, int, const char *, int, const char *, const char *, va_list)
{
}

int main()
{
	struct libvhost_ctx_opts opts = {};
	struct libvhost_ctx *ctx = nullptr;
	bool ok;

	opts.sz = sizeof(opts);
	opts.log_fn = log_nothing;
	ok = libvhost_version() != nullptr && libvhost_ctx_new(&opts, &ctx) == 0 && ctx != nullptr;
	libvhost_ctx_unref(ctx);
	ok = ok && libvhost_request_name(LIBVHOST_USER_DIR_FRONTEND, LIBVHOST_USER_GET_FEATURES);
	return ok ? 0 : 1;
}
