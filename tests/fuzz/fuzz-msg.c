/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a peer's byte stream, with real fds attached, through the
 * receive path every endpoint uses: lvh_wire_recv() -> the request table
 * (lvh_proto_check_request / _check_reply) -> the family decoder.
 *
 * Input: byte 0: bit 0 direction (1 = back-end requests), bits 1-3 number of
 * fds attached to the first byte (7 means LIBVHOST_USER_MAX_FDS + 1), bit 4
 * the Xen region layout, bit 5 treat messages as replies; bytes 1-8 the
 * negotiated protocol features; then the stream.
 *
 * Invariants checked: no crash or sanitizer report; after every message the
 * process holds exactly the fds it held before (nothing leaked, nothing
 * closed twice).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/proto.h"
#include "fuzz-common.h"
#include "fuzz-decode.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		abort();
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libvhost_ctx *ctx = fuzz_ctx();
	union {
		char buf[CMSG_SPACE(sizeof(int) * (LIBVHOST_USER_MAX_FDS + 1))];
		struct cmsghdr align;
	} control;
	int fds[LIBVHOST_USER_MAX_FDS + 1];
	struct lvh_msg m;
	enum lvh_dir dir;
	unsigned int nfds, i;
	uint64_t proto;
	bool xen, replies;
	int sv[2], before, r, budget;

	if (size < 9)
		return 0;
	dir = (data[0] & 1) ? LVH_DIR_BACKEND : LVH_DIR_FRONTEND;
	nfds = (data[0] >> 1) & 7;
	if (nfds == 7)
		nfds = LIBVHOST_USER_MAX_FDS + 1;
	xen = data[0] & 0x10;
	replies = data[0] & 0x20;
	memcpy(&proto, data + 1, sizeof(proto));
	data += 9;
	size -= 9;

	before = count_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	for (i = 0; i < nfds; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		if (fds[i] < 0)
			abort();
	}
	if (size) {
		struct iovec iov = { .iov_base = (void *)data, .iov_len = size };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (nfds) {
			struct cmsghdr *cmsg;

			memset(&control, 0, sizeof(control));
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			cmsg = CMSG_FIRSTHDR(&mh);
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
		}
		/* a short write just truncates the stream, which is a case too */
		(void)sendmsg(sv[0], &mh, MSG_NOSIGNAL);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	/* the peer hangs up after the stream: the reader sees EOF, never blocks */
	close(sv[0]);

	for (budget = 64; budget > 0; budget--) {
		r = lvh_wire_recv(ctx, sv[1], &m, 0);
		if (r < 0)
			break;
		if (replies)
			fuzz_decode_reply(ctx, dir, &m, proto, xen);
		else
			fuzz_decode_request(ctx, dir, &m, proto, xen);
		lvh_msg_close_fds(&m);
	}
	close(sv[1]);
	if (count_fds() != before)
		abort();
	return 0;
}
