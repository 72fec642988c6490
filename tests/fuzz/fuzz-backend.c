/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzzer plays a vhost-user front-end and the guest: its bytes are the
 * front-end's messages and the guest memory's contents.  Input layout:
 *   bytes 0-1: n, little-endian: the first n bytes that follow are a stream
 *              of front-end messages (header + payload each);
 *   the rest:  the first bytes of guest memory (rings and buffers).
 * The harness attaches real fds where a message wants them (a 1 MiB memfd
 * for memory regions, an eventfd for vring fds), so the back-end maps
 * memory and starts rings, and an echo device serves every enabled ring
 * after each message.  Anything may fail; nothing may crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "proto/proto.h"

#define GUEST_SIZE (1u << 20)
#define NQUEUES 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned int fds_wanted(uint32_t request, const uint8_t *payload, uint32_t len)
{
	uint32_t n;

	switch (request) {
	case LIBVHOST_USER_SET_MEM_TABLE:
		if (len < 4)
			return 0;
		memcpy(&n, payload, 4);
		return n < LIBVHOST_USER_MAX_FDS ? n : LIBVHOST_USER_MAX_FDS;
	case LIBVHOST_USER_SET_VRING_KICK:
	case LIBVHOST_USER_SET_VRING_CALL:
	case LIBVHOST_USER_SET_VRING_ERR:
		return len >= 2 && (payload[1] & 1) ? 0 : 1;
	case LIBVHOST_USER_ADD_MEM_REG:
	case LIBVHOST_USER_SET_BACKEND_REQ_FD:
	case LIBVHOST_USER_SET_LOG_FD:
	case LIBVHOST_USER_SET_LOG_BASE:
	case LIBVHOST_USER_SET_INFLIGHT_FD:
	case LIBVHOST_USER_GPU_SET_SOCKET:
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		return 1;
	}
	return 0;
}

static void drain(int fd)
{
	struct lvh_msg m;

	while (lvh_wire_recv(NULL, fd, &m, 0) == 0)
		lvh_msg_close_fds(&m);
}

/*
 * The echo device takes bursts of up to 8; the guest's first byte in a
 * burst's first buffer says how many of the last ones go back to the ring
 * first (libvhost_vq_unpop()), to come again in the next burst.
 */
static void serve(struct libvhost_backend *be)
{
	struct iovec iov[64];
	struct libvhost_vq_elem e[8];
	struct libvhost_vq_used u[8];
	unsigned int q, round;

	for (q = 0; q < NQUEUES; q++) {
		struct libvhost_vq *vq = libvhost_backend_get_vq(be, q);

		if (!libvhost_vq_is_enabled(vq))
			continue;
		for (round = 0; round < 8; round++) {
			int r = libvhost_vq_pop_burst(vq, iov, 64, e, 8), i, at, back;

			if (r <= 0)
				break;
			/* a buffer of zero-length parts has no iovec */
			back = e[0].out + e[0].in && iov[0].iov_len
				       ? *(const uint8_t *)iov[0].iov_base % (r + 1)
				       : 0;
			if (back && libvhost_vq_unpop(vq, (unsigned int)back) == 0)
				r -= back;
			for (i = 0, at = 0; i < r; at += (int)(e[i].out + e[i].in), i++) {
				const struct iovec *w = iov + at + e[i].out;

				if (e[i].in)
					memset(w->iov_base, 0xa5, w->iov_len);
				u[i] = (struct libvhost_vq_used){ e[i].id,
								  e[i].in ? (uint32_t)w->iov_len : 0 };
			}
			libvhost_vq_push_burst(vq, u, (unsigned int)r);
		}
		libvhost_vq_notify(vq);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o,
		      .features = (1ULL << 32) | (1ULL << 29) | (1ULL << 34) | (1ULL << 33),
		      .queue_num = NQUEUES, .timeout_ms = 20);
	struct libvhost_backend *be = NULL;
	int sv[2] = { -1, -1 }, memfd = -1, efd = -1;
	size_t n, pos = 0;
	uint8_t *guest;

	if (size < 2)
		return 0;
	n = data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (n > size)
		n = size;
	memfd = memfd_create("fuzz-guest", MFD_CLOEXEC);
	efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	if (memfd < 0 || efd < 0 || ftruncate(memfd, GUEST_SIZE) < 0)
		goto out;
	guest = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (guest == MAP_FAILED)
		goto out;
	memcpy(guest, data + n, size - n < GUEST_SIZE ? size - n : GUEST_SIZE);
	munmap(guest, GUEST_SIZE);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    libvhost_backend_new(fuzz_ctx(), &o, &be) < 0 || libvhost_backend_adopt_fd(be, sv[1]) < 0)
		goto out;
	sv[1] = -1;
	while (pos + LIBVHOST_USER_HDR_SIZE <= n) {
		struct lvh_msg m;
		uint32_t hdr[3], len;
		unsigned int i, nfds;

		memcpy(hdr, data + pos, sizeof(hdr));
		pos += sizeof(hdr);
		len = hdr[2] < n - pos ? hdr[2] : (uint32_t)(n - pos);
		if (len > LIBVHOST_USER_MAX_PAYLOAD)
			len = LIBVHOST_USER_MAX_PAYLOAD;
		memset(&m, 0, sizeof(m));
		m.request = hdr[0];
		m.flags = hdr[1];
		m.size = len;
		memcpy(m.payload.bytes, data + pos, len);
		pos += len;
		nfds = fds_wanted(m.request, m.payload.bytes, len);
		for (i = 0; i < nfds; i++)
			m.fds[m.nfds++] = m.request == LIBVHOST_USER_SET_MEM_TABLE ||
							  m.request == LIBVHOST_USER_ADD_MEM_REG
						  ? memfd
						  : efd;
		if (lvh_wire_send(NULL, sv[0], &m, 100) < 0)
			break;
		for (i = 0; i < 4 && libvhost_backend_process(be) > 0; i++)
			drain(sv[0]);
		if (libvhost_backend_get_fd(be) < 0)
			break; /* the front-end was dropped */
		serve(be);
	}
out:
	libvhost_backend_unref(be);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (memfd >= 0)
		close(memfd);
	if (efd >= 0)
		close(efd);
	return 0;
}
