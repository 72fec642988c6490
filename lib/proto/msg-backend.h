/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end channel: SET_BACKEND_REQ_FD (front-end request: no payload,
 * one socket) and the back-end requests that have no family of their own:
 * BACKEND_CONFIG_CHANGE_MSG (empty: the table checks it whole),
 * BACKEND_VRING_HOST_NOTIFIER_MSG, BACKEND_VRING_CALL and BACKEND_VRING_ERR.
 * BACKEND_IOTLB_MSG is msg-iotlb.h's.
 */
#ifndef LIBVHOST_MSG_BACKEND_H
#define LIBVHOST_MSG_BACKEND_H

#include "proto/proto.h"

/* BACKEND_VRING_HOST_NOTIFIER_MSG's vring area. */
struct lvh_vring_area {
	uint32_t index; /* 0-255: the u64's bits 0-7 */
	bool nofd; /* bit 8: no fd, drop the queue's notifier */
	uint64_t size; /* bytes to mmap from the fd; 0 with nofd */
	uint64_t offset; /* where in the fd; 0 with nofd */
};

/*
 * SET_BACKEND_REQ_FD: attaches sock (still the caller's), no payload.
 * Decode: exactly one fd and no payload (-EBADMSG), and that fd a unix stream
 * socket (-EPROTO): the channel is spoken on it.
 */
int lvh_msg_encode_backend_req_fd(struct lvh_msg *m, int sock);
int lvh_msg_decode_backend_req_fd(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

/*
 * BACKEND_VRING_HOST_NOTIFIER_MSG: {u64 index | NOFD << 8, u64 size, u64 offset}.
 * Encode attaches fd unless a->nofd (the fd stays the caller's); -EINVAL for
 * an index above 255, an fd that contradicts nofd, or with an fd an empty or
 * wrapping area.  Decode: -EPROTO unknown bits in the u64, an empty area or
 * one that wraps past 2^64; -EBADMSG an fd count other than 1 with NOFD clear
 * or 0 with it set.  With NOFD the decoded size and offset are 0.
 */
int lvh_msg_encode_vring_area(struct lvh_msg *m, const struct lvh_vring_area *a, int fd);
int lvh_msg_decode_vring_area(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_area *out);

/*
 * BACKEND_VRING_CALL / BACKEND_VRING_ERR: vring state {u32 index, u32 num}
 * with index < LIBVHOST_USER_MAX_VRINGS and num reserved (0).
 * Encode: -EINVAL for an index past the limit.  Decode: -EPROTO.
 */
int lvh_msg_encode_backend_vring(struct lvh_msg *m, uint32_t index);
int lvh_msg_decode_backend_vring(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *index);

#endif
