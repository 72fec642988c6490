/* SPDX-License-Identifier: BSD-3-Clause */
/* Dirty logging: SET_LOG_BASE (with LOG_SHMFD), SET_LOG_FD. */
#ifndef LIBVHOST_MSG_LOG_H
#define LIBVHOST_MSG_LOG_H

#include "proto/proto.h"

struct lvh_log {
	uint64_t size; /* bytes of bitmap, one bit per 4 KiB guest page */
	uint64_t offset; /* where the bitmap starts in the fd */
};

/*
 * SET_LOG_BASE: {u64 size, u64 offset} and the shared-memory fd (encode: still
 * the caller's).  size > 0 and offset + size not past 2^64, else -EINVAL /
 * -EPROTO; decode: -EBADMSG unless 16 bytes and exactly one fd.  Its reply is
 * a plain u64 (lvh_msg_get_u64); SET_LOG_FD carries only an fd.
 */
int lvh_msg_encode_log_base(struct lvh_msg *m, const struct lvh_log *l, int fd);
int lvh_msg_decode_log_base(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_log *out);

#endif
