/* SPDX-License-Identifier: BSD-3-Clause */
/* Dirty logging: SET_LOG_BASE (with LOG_SHMFD), SET_LOG_FD. */
#ifndef LIBVHOST_MSG_LOG_H
#define LIBVHOST_MSG_LOG_H

#include "proto.h"

struct lvh_log {
	uint64_t size; /* bytes of bitmap, one bit per 4 KiB guest page */
	uint64_t offset; /* where the bitmap starts in the fd */
};

/* SET_LOG_BASE: the payload and the shared-memory fd (still the caller's). */
int lvh_msg_encode_log_base(struct lvh_msg *m, const struct lvh_log *l, int fd);
int lvh_msg_decode_log_base(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_log *out);

#endif
