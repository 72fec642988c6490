/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GPU_SET_SOCKET: no payload and one fd, a unix stream socket on which the
 * back-end speaks the separate vhost-user-gpu protocol to the front-end
 * (not implemented here).
 */
#ifndef LIBVHOST_MSG_GPU_H
#define LIBVHOST_MSG_GPU_H

#include "proto/proto.h"

/* Attaches sock (still the caller's); -EINVAL without one. */
int lvh_msg_encode_gpu_socket(struct lvh_msg *m, int sock);
/*
 * Errors: -EBADMSG a payload or an fd count other than one; -EPROTO the fd
 * is not a unix stream socket (a peer can send any fd).
 */
int lvh_msg_decode_gpu_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
