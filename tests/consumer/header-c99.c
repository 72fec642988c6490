/* SPDX-License-Identifier: BSD-3-Clause */
/* The public header alone, as strict C99 (-std=c99 -pedantic -Werror). */
#include <libvhost.h>

int main(void)
{
	struct libvhost_ctx_opts opts = { sizeof(opts), 0, 0, 0 };

	return opts.sz == sizeof(opts) && LIBVHOST_USER_MAX_VRINGS == 0x8000u ? 0 : 1;
}
