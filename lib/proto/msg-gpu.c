/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "msg-gpu.h"

int lvh_msg_encode_gpu_socket(struct lvh_msg *m, int sock)
{
	if (sock < 0)
		return -EINVAL;
	m->size = 0;
	return lvh_msg_add_fd(m, sock);
}

int lvh_msg_decode_gpu_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	struct stat st;
	int type;
	socklen_t len = sizeof(type);

	if (m->size != 0 || m->nfds != 1) {
		lvh_err(ctx, "GPU_SET_SOCKET: %u bytes and %u fds", m->size, m->nfds);
		return -EBADMSG;
	}
	if (fstat(m->fds[0], &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(m->fds[0], SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		lvh_err(ctx, "GPU_SET_SOCKET: the fd is not a stream socket");
		return -EPROTO;
	}
	return 0;
}
