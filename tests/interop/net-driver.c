/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtio-net driver on libvhost's front-end and driver-side rings, for the
 * interop tests: connects to a vhost-user net back-end, posts RX buffers,
 * transmits COUNT frames on queue 1 and waits until the device has taken all
 * of them and frames arrive on queue 0 (the peer forwards them back).
 * Prints what it saw; exits 0 if every frame was taken and at least one came
 * back with its payload intact.  COUNT 0: frames until it is killed, and a
 * line "frames flowing" once the device took some and one came back (for a
 * test that kills a driver in the middle of its I/O).
 *   net-driver SOCKET COUNT [packed]
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define F_RING_PACKED (1ULL << 34)
#define HDR 12
#define FRAME 60
#define RXBUF 2048
#define NUM 256
#define NRX 64

static int fail(const char *what, int r)
{
	fprintf(stderr, "net-driver: %s: %s\n", what, strerror(-r));
	return 1;
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 5000);
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	struct libvhost_vring *rx, *tx;
	uint64_t features, v;
	uint8_t *base, *txbuf, *rxbuf;
	int kick[2], call[2], r, i, count, sent = 0, done = 0, got = 0, intact = 0;
	bool packed = argc > 3 && !strcmp(argv[3], "packed"), flowing = false;
	time_t deadline;
	void *p, *tok;
	uint32_t len;

	if (argc < 3 || (count = atoi(argv[2])) < 0 || count > 10000) {
		fprintf(stderr, "usage: net-driver SOCKET COUNT [packed]\n");
		return 2;
	}
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	r = libvhost_frontend_connect(ctx, argv[1], &fo, &fe);
	if (r < 0)
		return fail("connect", r);
	r = libvhost_frontend_negotiate(fe);
	if (r < 0)
		return fail("negotiate", r);
	dev = libvhost_frontend_get_dev(fe);
	libvhost_dev_get_features(dev, &features);
	if (packed && !(features & F_RING_PACKED)) {
		fprintf(stderr, "net-driver: no packed rings offered\n");
		return 77;
	}
	r = libvhost_dev_set_features(dev, F_VERSION_1 | (packed ? F_RING_PACKED : 0));
	if (r < 0)
		return fail("features", r);
	vo.flags = packed ? LIBVHOST_VRING_F_PACKED : 0;
	if (libvhost_mem_new(ctx, &mem) < 0 || libvhost_mem_alloc(mem, 0, 4 << 20, NULL, &p) < 0)
		return 1;
	base = p;
	r = libvhost_dev_set_mem(dev, mem);
	if (r < 0)
		return fail("memory", r);
	if (libvhost_vring_new(mem, 0, NUM, &vo, &rx) < 0 ||
	    libvhost_vring_new(mem, 0x10000, NUM, &vo, &tx) < 0)
		return 1;
	txbuf = base + 0x100000;
	rxbuf = base + 0x200000;
	for (i = 0; i < 2; i++) {
		kick[i] = eventfd(0, EFD_CLOEXEC);
		call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	r = libvhost_dev_start_vring(dev, 0, rx, kick[0], call[0]);
	if (r == 0)
		r = libvhost_dev_start_vring(dev, 1, tx, kick[1], call[1]);
	if (r < 0)
		return fail("rings", r);
	/* DPDK's vhost waits for DRIVER_OK when STATUS is negotiated */
	{
		struct libvhost_frontend_info info = { .sz = sizeof(info) };

		libvhost_frontend_get_info(fe, &info);
		if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)) {
			r = libvhost_frontend_set_status(fe, 0x0f);
			if (r < 0)
				return fail("status", r);
		}
	}
	for (i = 0; i < NRX; i++) {
		struct iovec iov = { rxbuf + i * RXBUF, RXBUF };

		libvhost_vring_add(rx, &iov, 0, 1, rxbuf + i * RXBUF);
	}
	libvhost_vring_kick(rx);
	/* a back-end that is not ready yet finds the frames when it is (kicked every 100 ms) */
	deadline = time(NULL) + 20;
	/* until the device has taken every frame (used) and one came back */
	while (!count || ((done < count || !intact) && time(NULL) < deadline)) {
		if (!count && !flowing && done && intact) {
			printf("net-driver: frames flowing\n");
			fflush(stdout);
			flowing = true;
		}
		while (!count || sent < count) {
			uint8_t *f = txbuf + (sent % 128) * 128;
			struct iovec iov = { f, HDR + FRAME };

			memset(f, 0, HDR);
			memset(f + HDR, 0xff, 6); /* broadcast */
			memcpy(f + HDR + 6, "\x52\x54\x00\xab\xcd\xef", 6);
			f[HDR + 12] = 0x88;
			f[HDR + 13] = 0xb5; /* local experimental ethertype */
			memset(f + HDR + 14, 0, FRAME - 14);
			memcpy(f + HDR + 14, "libvhost-frame", 14);
			f[HDR + 28] = (uint8_t)sent;
			if (libvhost_vring_add(tx, &iov, 1, 0, f) < 0)
				break; /* ring full: reap first */
			sent++;
		}
		libvhost_vring_kick(tx);
		{
			struct pollfd pfd[2] = { { call[0], POLLIN, 0 }, { call[1], POLLIN, 0 } };

			poll(pfd, 2, 100);
			(void)!read(call[0], &v, sizeof(v));
			(void)!read(call[1], &v, sizeof(v));
		}
		while (libvhost_vring_get_used(tx, &tok, &len) == 1)
			done++;
		while (libvhost_vring_get_used(rx, &tok, &len) == 1) {
			uint8_t *b = tok;
			struct iovec iov = { b, RXBUF };

			got++;
			if (len >= HDR + 28 && !memcmp(b + HDR + 14, "libvhost-frame", 14))
				intact++;
			libvhost_vring_add(rx, &iov, 0, 1, b);
		}
		libvhost_vring_kick(rx);
	}
	printf("net-driver: %d frames sent, %d taken by the device, %d received, %d ours intact "
	       "(%s rings)\n",
	       sent, done, got, intact, packed ? "packed" : "split");
	libvhost_vring_unref(rx);
	libvhost_vring_unref(tx);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	return done == count && intact ? 0 : 1;
}
