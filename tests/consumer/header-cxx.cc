/* SPDX-License-Identifier: BSD-3-Clause */
/* The public header alone, as C++ (-std=c++11 -pedantic -Werror). */
#include <libvhost.h>

int main()
{
	libvhost_log_fn fn = nullptr;
	struct libvhost_ctx_opts opts = {};

	opts.sz = sizeof(opts);
	opts.log_fn = fn;
	return opts.sz == sizeof(opts) ? 0 : 1;
}
