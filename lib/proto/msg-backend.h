/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end channel: SET_BACKEND_REQ_FD (front-end request, one socket
 * fd, no payload) and the back-end requests that have no family of their
 * own: BACKEND_CONFIG_CHANGE_MSG (empty), BACKEND_VRING_HOST_NOTIFIER_MSG,
 * BACKEND_VRING_CALL, BACKEND_VRING_ERR.
 */
#ifndef LIBVHOST_MSG_BACKEND_H
#define LIBVHOST_MSG_BACKEND_H

#include "proto.h"

/* VRING_HOST_NOTIFIER_MSG's vring area. */
struct lvh_vring_area {
	uint32_t index;
	bool nofd; /* no fd: remove the queue's notifier */
	uint64_t size; /* mmap size of the notifier page */
	uint64_t offset; /* mmap offset in the fd */
};

int lvh_msg_encode_vring_area(struct lvh_msg *m, const struct lvh_vring_area *a, int fd);
int lvh_msg_decode_vring_area(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_area *out);

/* BACKEND_VRING_CALL / BACKEND_VRING_ERR: the ring's index (num is reserved, 0). */
int lvh_msg_encode_backend_vring(struct lvh_msg *m, uint32_t index);
int lvh_msg_decode_backend_vring(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *index);

#endif
