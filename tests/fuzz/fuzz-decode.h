/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LIBVHOST_FUZZ_DECODE_H
#define LIBVHOST_FUZZ_DECODE_H

#include "proto/proto.h"

/*
 * Runs a received message through everything an endpoint would: the table's
 * request (or reply) check, then the family decoder for its request code.
 * Returns the first error, or 0.
 */
int fuzz_decode_request(const struct libvhost_ctx *ctx, enum lvh_dir dir, const struct lvh_msg *m,
			uint64_t proto, bool xen);
int fuzz_decode_reply(const struct libvhost_ctx *ctx, enum lvh_dir dir, const struct lvh_msg *m,
		      uint64_t proto, bool xen);

#endif
