/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A multi-queue driver of an echoing vhost-user net back-end (vhost-user-net
 * --mode=echo), for its --threads mode: every queue pair carries FRAMES
 * frames a phase, each tagged with its pair and number, and each must come
 * back on its own pair's RX ring, in order and intact.  Halfway through
 * each phase the device's world changes while frames are in flight:
 *   1: a memory region is added (ADD_MEM_REG with CONFIGURE_MEM_SLOTS, else
 *      SET_MEM_TABLE), and the rest of the frames are sent from it;
 *   2: every ring gets a new kick eventfd (SET_VRING_KICK on a started
 *      ring: the device must notice kicks on the new one);
 *   3: the TX rings are disabled, given frames, and enabled again;
 *   4: the last pair's rings are stopped and started again.
 * At most half the RX buffers' worth of frames are in flight per pair, so
 * none may be dropped.  Prints what each pair carried; exits 0 when every
 * frame came back.
 *   net-mq SOCKET PAIRS FRAMES [packed]
 */
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
#define F_NET_MQ (1ULL << 22)
#define MAX_PAIRS 8
#define HDR 12
#define FRAME 64
#define SLOT 128 /* a TX buffer */
#define RXBUF 2048
#define NUM 256 /* ring size */
#define NRX 128 /* RX buffers posted per pair */
#define WINDOW (NRX / 2)
#define PHASES 5
#define REGION_B 0x10000000ULL

struct pair {
	struct libvhost_vring *rx, *tx;
	int kick[2], call[2];
	uint8_t *txa, *txb, *rxbuf; /* TX slots in region A and B, RX buffers */
	unsigned long sent, txdone, got, target;
};

static struct libvhost_dev *dev;
static struct pair pairs[MAX_PAIRS];
static unsigned int npairs;
static bool use_b;
static const char *phase_name[PHASES] = { "plain", "memory added", "new kick fds",
					  "TX disabled and enabled", "last pair restarted" };

static int fail(const char *what, int r)
{
	fprintf(stderr, "net-mq: %s: %s\n", what, strerror(-r));
	exit(1);
}

static void post_rx(struct pair *p, uint8_t *b)
{
	struct iovec iov = { b, RXBUF };
	int r = libvhost_vring_add(p->rx, &iov, 0, 1, b);

	if (r < 0)
		fail("posting an RX buffer", r);
}

/* Used buffers of pair @i: TX counted, RX checked (pair, number) and posted again. */
static void reap(unsigned int i)
{
	struct pair *p = &pairs[i];
	uint32_t len;
	void *tok;
	bool any = false;

	while (libvhost_vring_get_used(p->tx, &tok, &len) == 1)
		p->txdone++;
	while (libvhost_vring_get_used(p->rx, &tok, &len) == 1) {
		uint8_t *b = tok;
		unsigned long seq;
		unsigned int pair;

		if (len < HDR + FRAME || memcmp(b + HDR + 14, "libvhost-mq", 11) ||
		    sscanf((char *)b + HDR + 26, "%u %lu", &pair, &seq) != 2) {
			fprintf(stderr, "net-mq: pair %u: a %u-byte frame not ours\n", i, len);
			exit(1);
		}
		if (pair != i || seq != p->got) {
			fprintf(stderr, "net-mq: pair %u: frame %lu of pair %u came, frame %lu was due\n",
				i, seq, pair, p->got);
			exit(1);
		}
		p->got++;
		post_rx(p, b);
		any = true;
	}
	if (any)
		libvhost_vring_kick(p->rx);
}

/* Frames of pair @i up to @upto (and the window); kicked. */
static void send_upto(unsigned int i, unsigned long upto)
{
	struct pair *p = &pairs[i];
	bool any = false;

	while (p->sent < upto && p->sent - p->got < WINDOW) {
		uint8_t *f = (use_b ? p->txb : p->txa) + (p->sent % NUM) * SLOT;
		struct iovec iov = { f, HDR + FRAME };

		memset(f, 0, HDR + FRAME);
		memset(f + HDR, 0xff, 6);
		memcpy(f + HDR + 6, "\x52\x54\x00\xab\xcd\xef", 6);
		f[HDR + 12] = 0x88;
		f[HDR + 13] = 0xb5;
		memcpy(f + HDR + 14, "libvhost-mq", 11);
		snprintf((char *)f + HDR + 26, FRAME - 26, "%u %lu", i, p->sent);
		if (libvhost_vring_add(p->tx, &iov, 1, 0, f) < 0)
			break; /* full: reap first */
		p->sent++;
		any = true;
	}
	if (any)
		libvhost_vring_kick(p->tx);
}

static void wait_calls(int ms)
{
	struct pollfd pfd[2 * MAX_PAIRS];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < npairs; i++) {
		pfd[2 * i] = (struct pollfd){ pairs[i].call[0], POLLIN, 0 };
		pfd[2 * i + 1] = (struct pollfd){ pairs[i].call[1], POLLIN, 0 };
	}
	poll(pfd, 2 * npairs, ms);
	for (i = 0; i < 2 * npairs; i++)
		if (pfd[i].revents & POLLIN)
			(void)!read(pfd[i].fd, &v, sizeof(v));
}

static void start_pair(unsigned int i)
{
	struct pair *p = &pairs[i];
	int r = libvhost_dev_start_vring(dev, 2 * i, p->rx, p->kick[0], p->call[0]);

	if (r == 0)
		r = libvhost_dev_start_vring(dev, 2 * i + 1, p->tx, p->kick[1], p->call[1]);
	if (r < 0)
		fail("starting rings", r);
}

static void twist(int phase, struct libvhost_mem *mem)
{
	unsigned int i, j;
	void *b;
	int r;

	switch (phase) {
	case 1:
		r = libvhost_mem_alloc(mem, REGION_B, 1 << 20, NULL, &b);
		if (r < 0)
			fail("region B", r);
		for (i = 0; i < npairs; i++)
			pairs[i].txb = (uint8_t *)b + i * NUM * SLOT;
		r = libvhost_dev_set_mem(dev, mem);
		if (r < 0)
			fail("adding region B", r);
		use_b = true;
		break;
	case 2:
		for (i = 0; i < npairs; i++) {
			for (j = 0; j < 2; j++) {
				struct libvhost_vring *vr = j ? pairs[i].tx : pairs[i].rx;
				int old = pairs[i].kick[j], fd = eventfd(0, EFD_CLOEXEC);

				r = libvhost_dev_set_vring_kick(dev, 2 * i + j, fd);
				if (r < 0)
					fail("a new kick fd", r);
				libvhost_vring_set_kick_fd(vr, fd);
				pairs[i].kick[j] = fd;
				close(old);
			}
			/* whatever was added meanwhile: kicked on the new fd */
			libvhost_vring_kick(pairs[i].rx);
			libvhost_vring_kick(pairs[i].tx);
		}
		break;
	case 3:
		for (i = 0; i < npairs; i++) {
			r = libvhost_dev_set_vring_enable(dev, 2 * i + 1, 0);
			if (r < 0 && r != -EOPNOTSUPP)
				fail("disabling a TX ring", r);
		}
		for (i = 0; i < npairs; i++)
			send_upto(i, pairs[i].target);
		for (i = 0; i < npairs; i++) {
			r = libvhost_dev_set_vring_enable(dev, 2 * i + 1, 1);
			if (r < 0 && r != -EOPNOTSUPP)
				fail("enabling a TX ring", r);
		}
		break;
	case 4:
		i = npairs - 1;
		/* TX first: what it holds is echoed into the RX ring, still running */
		r = libvhost_dev_stop_vring(dev, 2 * i + 1, NULL);
		if (r == 0)
			r = libvhost_dev_stop_vring(dev, 2 * i, NULL);
		if (r < 0)
			fail("stopping the last pair", r);
		reap(i); /* the rings start again where the driver got to */
		start_pair(i);
		break;
	}
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 10000);
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = 0);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_mem *mem;
	unsigned long frames;
	uint64_t features;
	bool packed = argc > 4 && !strcmp(argv[4], "packed");
	uint8_t *base;
	time_t deadline;
	unsigned int i, j;
	int phase, r;
	void *p;

	if (argc < 4 || (npairs = (unsigned int)atoi(argv[2])) < 1 || npairs > MAX_PAIRS ||
	    (frames = strtoul(argv[3], NULL, 10)) < 2 || frames > 1000000) {
		fprintf(stderr, "usage: net-mq SOCKET PAIRS FRAMES [packed]\n");
		return 2;
	}
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	r = libvhost_frontend_connect(ctx, argv[1], &fo, &fe);
	if (r < 0)
		fail("connect", r);
	r = libvhost_frontend_negotiate(fe);
	if (r < 0)
		fail("negotiate", r);
	libvhost_frontend_get_info(fe, &info);
	if (info.queue_num < 2 * npairs) {
		fprintf(stderr, "net-mq: the device has %llu rings, not %u pairs\n",
			(unsigned long long)info.queue_num, npairs);
		return 1;
	}
	dev = libvhost_frontend_get_dev(fe);
	libvhost_dev_get_features(dev, &features);
	if (packed && !(features & F_RING_PACKED)) {
		fprintf(stderr, "net-mq: no packed rings offered\n");
		return 77;
	}
	r = libvhost_dev_set_features(dev, F_VERSION_1 | (features & F_NET_MQ) |
						   (packed ? F_RING_PACKED : 0));
	if (r < 0)
		fail("features", r);
	vo.flags = packed ? LIBVHOST_VRING_F_PACKED : 0;
	if (libvhost_mem_new(ctx, &mem) < 0 || libvhost_mem_alloc(mem, 0, 8 << 20, NULL, &p) < 0)
		return 1;
	base = p;
	r = libvhost_dev_set_mem(dev, mem);
	if (r < 0)
		fail("memory", r);
	for (i = 0; i < npairs; i++) {
		struct pair *q = &pairs[i];

		/* rings in the first MiB, TX slots in the second, RX buffers from the third */
		if (libvhost_vring_new(mem, i * 0x20000, NUM, &vo, &q->rx) < 0 ||
		    libvhost_vring_new(mem, i * 0x20000 + 0x10000, NUM, &vo, &q->tx) < 0)
			return 1;
		q->txa = base + 0x100000 + i * NUM * SLOT;
		q->rxbuf = base + 0x200000 + i * NRX * RXBUF;
		for (j = 0; j < 2; j++) {
			q->kick[j] = eventfd(0, EFD_CLOEXEC);
			q->call[j] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		}
		start_pair(i);
	}
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)) {
		r = libvhost_frontend_set_status(fe, 0x0f);
		if (r < 0)
			fail("status", r);
	}
	for (i = 0; i < npairs; i++) {
		for (j = 0; j < NRX; j++)
			post_rx(&pairs[i], pairs[i].rxbuf + j * RXBUF);
		libvhost_vring_kick(pairs[i].rx);
	}
	for (phase = 0; phase < PHASES; phase++) {
		bool twisted = phase == 0, done = false;

		for (i = 0; i < npairs; i++)
			pairs[i].target += frames;
		deadline = time(NULL) + 60;
		while (!done) {
			bool half = true;

			done = true;
			for (i = 0; i < npairs; i++) {
				send_upto(i, twisted ? pairs[i].target : pairs[i].target - frames / 2);
				half &= pairs[i].sent >= pairs[i].target - frames / 2;
			}
			if (!twisted && half) {
				twist(phase, mem);
				twisted = true;
			}
			wait_calls(100);
			for (i = 0; i < npairs; i++) {
				reap(i);
				done &= pairs[i].got == pairs[i].target &&
					pairs[i].txdone == pairs[i].target;
			}
			if (time(NULL) > deadline) {
				for (i = 0; i < npairs; i++)
					fprintf(stderr, "net-mq: pair %u: %lu sent, %lu taken, %lu back of %lu\n",
						i, pairs[i].sent, pairs[i].txdone, pairs[i].got,
						pairs[i].target);
				fprintf(stderr, "net-mq: phase %d (%s): frames did not come back in 60 s\n",
					phase, phase_name[phase]);
				return 1;
			}
		}
		printf("net-mq: phase %d (%s): every frame back\n", phase, phase_name[phase]);
	}
	for (i = 0; i < npairs; i++)
		printf("net-mq: pair %u: %lu frames sent, %lu back in order (%s rings)\n", i,
		       pairs[i].sent, pairs[i].got, packed ? "packed" : "split");
	for (i = 0; i < npairs; i++) {
		libvhost_vring_unref(pairs[i].rx);
		libvhost_vring_unref(pairs[i].tx);
	}
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	return 0;
}
