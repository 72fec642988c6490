/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GPU_SET_SOCKET.  The fd is checked to be a unix stream socket before
 * anyone speaks the GPU protocol on it: a peer could send a file or an
 * eventfd, and the first read or write would then fail far from the cause.
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "msg-gpu.h"

static bool is_unix_stream(int fd)
{
	int type, domain;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX;
}

int lvh_msg_encode_gpu_socket(struct lvh_msg *m, int sock)
{
	if (sock < 0)
		return -EINVAL;
	m->size = 0;
	return lvh_msg_add_fd(m, sock);
}

int lvh_msg_decode_gpu_socket(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	if (m->size != 0 || m->nfds != 1) {
		lvh_err(ctx, "GPU_SET_SOCKET: %u bytes and %u fds (none and one socket expected)",
			m->size, m->nfds);
		return -EBADMSG;
	}
	if (!is_unix_stream(m->fds[0])) {
		lvh_err(ctx, "GPU_SET_SOCKET: the fd is not a unix stream socket");
		return -EPROTO;
	}
	return 0;
}
