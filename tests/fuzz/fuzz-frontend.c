/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzzer plays a vhost-user back-end: its bytes are everything the
 * front-end reads.  Input layout:
 *   bytes 0-1: n, little-endian: the first n bytes that follow are the
 *              back-end's replies on the main socket;
 *   the rest:  back-end requests on the SET_BACKEND_REQ_FD channel.
 * The front-end runs a session (negotiate, features, config, memory, a ring
 * started and stopped, and the requests with reply bodies), then serves the
 * channel.  Any result is fine except a crash, a hang, a leak or a sanitizer
 * report.  The streams end in EOF, so nothing waits for the timeout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "proto/proto.h"

static struct libvhost_mem *mem;
static struct libvhost_vring *vring;

static void setup_once(void)
{
	if (mem)
		return;
	if (libvhost_mem_new(fuzz_ctx(), &mem) < 0 ||
	    libvhost_mem_alloc(mem, 0, 0x10000, NULL, NULL) < 0 ||
	    libvhost_vring_new(mem, 0, 16, NULL, &vring) < 0)
		abort();
}

/* Writes what fits, then ends the stream. */
static void feed(int fd, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n <= 0)
			break;
		data += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
}

/* Reads what the front-end sent and keeps the back-end channel's fd. */
static int drain_for_channel(int fd)
{
	struct lvh_msg m;
	int chan = -1;

	while (lvh_wire_recv(NULL, fd, &m, 0) == 0) {
		if (m.request == LIBVHOST_USER_SET_BACKEND_REQ_FD && m.nfds == 1 && chan < 0)
			chan = lvh_msg_take_fd(&m, 0);
		lvh_msg_close_fds(&m);
	}
	return chan;
}

static void session(struct libvhost_frontend *fe)
{
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	static const uint8_t uuid[16] = { 1 };
	uint8_t buf[64], status;
	uint64_t size, off, sizes[8];
	uint32_t base;
	int fd = -1;

	libvhost_frontend_negotiate(fe);
	libvhost_frontend_get_info(fe, &info);
	libvhost_dev_set_features(dev, info.features & ~(1ULL << 30));
	libvhost_frontend_get_config(fe, 0, buf, sizeof(buf));
	libvhost_dev_set_mem(dev, mem);
	libvhost_dev_start_vring(dev, 0, vring, -1, -1);
	libvhost_dev_stop_vring(dev, 0, &base);
	if (libvhost_frontend_get_inflight(fe, 1, 16, &fd, &size, &off) == 0)
		close(fd);
	libvhost_frontend_get_status(fe, &status);
	if (libvhost_frontend_get_shared_object(fe, uuid, &fd) == 0)
		close(fd);
	libvhost_frontend_get_shmem_config(fe, sizes, 8);
#if LIBVHOST_HAS_POSTCOPY
	if (libvhost_frontend_postcopy_advise(fe, &fd) == 0)
		close(fd);
	libvhost_frontend_postcopy_end(fe);
#endif
	libvhost_frontend_check_device_state(fe);
	libvhost_frontend_iotlb(fe, LIBVHOST_IOTLB_UPDATE, 0, 4096, 0, LIBVHOST_IOTLB_RW);
	libvhost_frontend_set_log_base(fe, libvhost_frontend_get_fd(fe), 4096, 0);
}

static int op_lookup(void *ud, const uint8_t uuid[16], int *ret_fd)
{
	(void)uuid;
	*ret_fd = *(int *)ud;
	return 0;
}

static int op_fd(void *ud, unsigned int index, int fd, uint64_t size, uint64_t offset)
{
	(void)ud;
	(void)index;
	(void)size;
	(void)offset;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int op_shmem(void *ud, const struct libvhost_shmem_map *map, int fd)
{
	(void)ud;
	(void)map;
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libvhost_frontend_ops ops = {
		.sz = sizeof(ops),
		.shared_object_lookup = op_lookup,
		.host_notifier = op_fd,
		.shmem_map = op_shmem,
	};
	int efd = eventfd(0, EFD_CLOEXEC);
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 50, .ops = &ops, .userdata = &efd,
		      .protocol_features = libvhost_protocol_features_known());
	struct libvhost_frontend *fe = NULL;
	size_t n, i;
	int sv[2], chan;

	if (size < 2 || efd < 0)
		goto out;
	n = data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (n > size)
		n = size;
	setup_once();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto out;
	feed(sv[1], data, n);
	if (libvhost_frontend_adopt_fd(fuzz_ctx(), sv[0], &o, &fe) < 0) {
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	session(fe);
	chan = drain_for_channel(sv[1]);
	if (chan >= 0) {
		feed(chan, data + n, size - n);
		for (i = 0; i < 64 && libvhost_frontend_process_backend(fe) > 0; i++)
			;
		close(chan);
	}
	libvhost_frontend_unref(fe);
	close(sv[1]);
out:
	if (efd >= 0)
		close(efd);
	return 0;
}
