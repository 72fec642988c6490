/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GPU_SET_SOCKET.  The fd is checked to be a unix stream socket before
 * anyone speaks the GPU protocol on it: a peer could send a file or an
 * eventfd, and the first read or write would then fail far from the cause.
 */
#include "proto/msg-gpu.h"

int lvh_msg_encode_gpu_socket(struct lvh_msg *m, int sock)
{
	return lvh_msg_encode_socket(m, sock);
}

int lvh_msg_decode_gpu_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	return lvh_msg_decode_socket(ctx, m, "GPU_SET_SOCKET");
}
