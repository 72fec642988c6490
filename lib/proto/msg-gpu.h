/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GPU_SET_SOCKET: no payload and one fd, a unix socket on which the
 * back-end speaks the separate vhost-user-gpu protocol to the front-end.
 */
#ifndef LIBVHOST_MSG_GPU_H
#define LIBVHOST_MSG_GPU_H

#include "proto.h"

int lvh_msg_encode_gpu_socket(struct lvh_msg *m, int sock);
/* Checks that the fd is a stream socket (a peer could send any fd). */
int lvh_msg_decode_gpu_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
