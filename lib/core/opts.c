/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "libvhost-private.h"

int lvh_opts_check(const struct libvhost_ctx *ctx, const void *opts, size_t min_sz, size_t known,
		   const char *type_name)
{
	const unsigned char *p = opts;
	size_t sz, i;

	if (!opts)
		return 0;
	sz = *(const size_t *)opts;
	if (sz < min_sz) {
		lvh_dbg(ctx, "%s: sz %zu is smaller than the minimum %zu", type_name, sz, min_sz);
		return -EINVAL;
	}
	/*
	 * A caller built against a newer header may pass fields this library
	 * does not know; they are accepted only while they are zero, so that a
	 * request for a feature we lack is never silently ignored.
	 */
	for (i = known; i < sz; i++) {
		if (p[i]) {
			lvh_dbg(ctx, "%s: unknown non-zero byte at offset %zu (this libvhost knows %zu bytes)",
				type_name, i, known);
			return -EINVAL;
		}
	}
	return 0;
}

void lvh_sized_out(void *out, const void *full, size_t full_size)
{
	size_t sz = *(const size_t *)out;

	if (sz > full_size)
		sz = full_size;
	memcpy((char *)out + sizeof(size_t), (const char *)full + sizeof(size_t),
	       sz - sizeof(size_t));
}
