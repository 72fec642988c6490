/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtio-net driver behind a virtual IOMMU, on libvhost's front-end, for
 * the device-IOTLB interop test against a back-end that asks for
 * translations (DPDK's vhost PMD with iommu-support=1, testpmd forwarding
 * our frames back).  Acts as the VMM: negotiates VIRTIO_F_ACCESS_PLATFORM
 * with BACKEND_REQ and REPLY_ACK (what QEMU requires for a vIOMMU), keeps
 * the vIOMMU's IOVA -> guest-address map, and sends no translation up front:
 * every IOTLB update answers a miss from the back-end request channel.
 *
 * Guest memory (4 MiB at GPA 1 GiB) is cut into 64 KiB granules; the vIOMMU
 * maps them at IOVAs far from their guest addresses, shuffled, with holes.
 * The driver-side rings are laid out in that IOVA space (a second table
 * holding the granules at their IOVAs), so every ring and buffer address the
 * back-end sees is an IOVA.  Phases:
 *   1. frames sent and verified while misses are answered;
 *   2. the buffers' mappings invalidated, the TX buffers' IOVA moved to other
 *      guest memory and the old memory scribbled over: the back-end must miss
 *      again, and read the new memory (a stale translation corrupts frames);
 *   3. a TX buffer at an IOVA the vIOMMU does not map: the miss is refused
 *      (no update: the spec's answer to an invalid IOVA), the back-end stalls
 *      on it without harm (GET_VRING_BASE says it stopped before it); the
 *      queue is reset as a guest would: the old ring's IOVA invalidated and
 *      mapped to new memory, a new ring there, and the back-end must miss on
 *      the ring again before frames flow again.
 * The live rings' IOVAs are not invalidated: DPDK 22.11 then counts the ring
 * not ready and stops using it, so it never asks for it again (and guests
 * keep their rings mapped while the device runs).
 * Prints the counts; exits 0 when every phase held.
 *   iotlb-driver SOCKET COUNT
 * IOTLB_DRIVER_VERBOSE=1 prints each miss.
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
#define F_ACCESS_PLATFORM (1ULL << LIBVHOST_F_ACCESS_PLATFORM)
#define HDR 12 /* virtio_net_hdr with VERSION_1 */
#define FRAME 128
#define SLOT 256
#define RXBUF 2048
#define NUM 256
#define NRX 64
#define BURST 16

#define GPA_BASE 0x40000000ULL
#define IOVA_BASE 0x7a5600000000ULL
#define GRAN 0x10000ULL
#define NGRAN 64

/*
 * Guest-memory granules.  Each IOVA mapping (map[i]) starts on granule i;
 * the spare granules start unmapped and receive a moved IOVA later.
 */
enum {
	G_RXRING,
	G_TXRING,
	G_TXRING_SPARE,
	G_TXBUF,
	G_TXBUF_SPARE,
	G_RXBUF,
	G_RXBUF2,
	G_ROGUE = NGRAN - 1,
};

struct map {
	uint64_t iova, gpa;
	uint32_t perm;
	bool mapped; /* the vIOMMU holds it */
	bool sent; /* an update for it reached the back-end since the last invalidation */
	unsigned int misses;
};

static struct {
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem; /* guest-physical: what SET_MEM_TABLE carries */
	struct libvhost_mem *iomem; /* the same memory at its IOVAs: the driver's view */
	int memfd;
	uint64_t memfd_offset;
	uint8_t *base;
	struct map map[NGRAN];
	unsigned long misses, ring_misses, refused, updates, invalidations, access_fail;
	int op_error;
	bool verbose;
	struct libvhost_vring *rx, *tx;
	int kick[2], call[2];
	uint8_t *txbuf;
	unsigned int sent, done, got, intact, bad, tx_inflight;
	uint64_t last_rx; /* ms: the last frame back, or the last burst */
	unsigned int lost;
} s;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fail(const char *what, int r)
{
	fprintf(stderr, "iotlb-driver: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

static struct map *lookup(uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < NGRAN; i++)
		if (iova - s.map[i].iova < GRAN)
			return &s.map[i];
	return NULL;
}

/* The back-end's IOTLB miss: translate through the vIOMMU, or refuse. */
static int on_iotlb(void *userdata, uint64_t iova, uint64_t perm, uint64_t type)
{
	struct map *m;
	void *uaddr;
	int r;

	(void)userdata;
	if (type != LIBVHOST_IOTLB_MISS) {
		s.access_fail++;
		printf("iotlb-driver: IOTLB access failure reported for IOVA %#llx\n",
		       (unsigned long long)iova);
		return 0;
	}
	s.misses++;
	m = lookup(iova);
	if (!m || !m->mapped || (perm & ~(uint64_t)m->perm)) {
		/* the spec: for an invalid IOVA or permission the front-end sends nothing */
		s.refused++;
		printf("iotlb-driver: miss for IOVA %#llx perm %llu: the vIOMMU maps nothing there; "
		       "refused, no update sent (%s)\n",
		       (unsigned long long)iova, (unsigned long long)perm, strerror(EFAULT));
		return -EFAULT;
	}
	m->misses++;
	if (m == &s.map[G_RXRING] || m == &s.map[G_TXRING])
		s.ring_misses++;
	if (s.verbose)
		printf("iotlb-driver: miss %#llx perm %llu: IOVA %#llx -> GPA %#llx\n",
		       (unsigned long long)iova, (unsigned long long)perm,
		       (unsigned long long)m->iova, (unsigned long long)m->gpa);
	uaddr = libvhost_mem_translate(s.mem, m->gpa, GRAN);
	r = libvhost_frontend_iotlb(s.fe, LIBVHOST_IOTLB_UPDATE, m->iova, GRAN,
				    (uint64_t)(uintptr_t)uaddr, m->perm);
	if (r < 0) {
		s.op_error = r;
		return r;
	}
	m->sent = true;
	s.updates++;
	return 0;
}

static int invalidate(struct map *m)
{
	int r = libvhost_frontend_iotlb(s.fe, LIBVHOST_IOTLB_INVALIDATE, m->iova, GRAN, 0, 0);

	if (r < 0)
		return r;
	m->sent = false;
	s.invalidations++;
	return 0;
}

/* The guest maps the IOVA of @m to granule @g instead (after an invalidation). */
static int remap(struct map *m, unsigned int g)
{
	uint8_t *old = libvhost_mem_translate(s.iomem, m->iova, GRAN);
	int r = libvhost_mem_remove(s.iomem, m->iova);

	if (r == 0)
		r = libvhost_mem_add(s.iomem, m->iova, GRAN, s.base + g * GRAN, s.memfd,
				     s.memfd_offset + g * GRAN);
	if (r < 0)
		return r;
	m->gpa = GPA_BASE + g * GRAN;
	memset(old, 0x5a, GRAN); /* what a stale translation would read */
	return 0;
}

/* Waits up to @ms for a call or a back-end request; serves every request. */
static int pump(int ms)
{
	struct pollfd pfd[3] = { { s.call[0], POLLIN, 0 },
				 { s.call[1], POLLIN, 0 },
				 { libvhost_frontend_get_backend_fd(s.fe), POLLIN, 0 } };
	uint64_t v;
	int r;

	if (pfd[2].fd < 0)
		return -ENOTCONN;
	poll(pfd, 3, ms);
	(void)!read(s.call[0], &v, sizeof(v));
	(void)!read(s.call[1], &v, sizeof(v));
	while ((r = libvhost_frontend_process_backend(s.fe)) == 1)
		;
	if (r < 0)
		return r;
	return s.op_error;
}

static void fill(uint8_t *f, unsigned int seq)
{
	unsigned int i;

	memset(f, 0, HDR);
	f += HDR;
	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, "\x52\x54\x00\xab\xcd\xef", 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	memcpy(f + 14, "libvhost-iotlb", 14);
	memcpy(f + 28, &seq, 4);
	for (i = 32; i < FRAME; i++)
		f[i] = (uint8_t)(seq * 7 + i);
}

static void reap(void)
{
	uint8_t want[HDR + FRAME];
	unsigned int seq;
	void *tok;
	uint32_t len;

	while (libvhost_vring_get_used(s.tx, &tok, &len) == 1) {
		s.done++;
		s.tx_inflight--;
	}
	while (libvhost_vring_get_used(s.rx, &tok, &len) == 1) {
		uint8_t *b = tok;
		struct iovec iov = { b, RXBUF };

		s.got++;
		s.last_rx = now_ms();
		memcpy(&seq, b + HDR + 28, 4);
		fill(want, seq);
		if (len >= HDR + FRAME && seq < s.sent && !memcmp(b + HDR, want + HDR, FRAME))
			s.intact++;
		else
			s.bad++; /* testpmd sends only what it got: ours, or what a stale IOVA read */
		memset(b, 0, RXBUF);
		libvhost_vring_add(s.rx, &iov, 0, 1, b);
	}
	libvhost_vring_kick(s.rx);
}

/* Sends bursts until @want more of our frames came back intact. */
static int run_io(unsigned int want, const char *phase)
{
	unsigned int start = s.intact, i;
	time_t deadline = time(NULL) + 20;
	int r;

	s.last_rx = now_ms();
	while (s.intact - start < want) {
		if (time(NULL) > deadline) {
			fprintf(stderr,
				"iotlb-driver: %s: %u of %u frames back in 20 s (sent %u, taken %u, "
				"received %u, %u lost)\n",
				phase, s.intact - start, want, s.sent, s.done, s.got, s.lost);
			return -ETIMEDOUT;
		}
		/*
		 * A burst when the last one was taken and at most half the RX
		 * buffers are spoken for.  The PMD drops a frame it cannot
		 * place (its RX buffer missed): after 300 ms without one coming
		 * back, what is still out counts as lost.
		 */
		if (s.tx_inflight == 0 && s.sent - s.got > s.lost && now_ms() > s.last_rx + 300)
			s.lost = s.sent - s.got;
		for (i = 0; s.tx_inflight == 0 && i < BURST && (int)(s.sent - s.got - s.lost) < NRX / 2;
		     i++) {
			uint8_t *f = s.txbuf + (s.sent % (GRAN / SLOT)) * SLOT;
			struct iovec iov = { f, HDR + FRAME };

			fill(f, s.sent);
			if (libvhost_vring_add(s.tx, &iov, 1, 0, f) < 0)
				break;
			s.sent++;
		}
		if (i)
			s.last_rx = now_ms();
		s.tx_inflight += i;
		libvhost_vring_kick(s.tx);
		r = pump(100);
		if (r < 0)
			return r;
		reap();
		if (s.bad) {
			fprintf(stderr, "iotlb-driver: %s: a frame came back that is not what we sent "
					"(read through a stale translation?)\n", phase);
			return -EBADMSG;
		}
	}
	printf("iotlb-driver: %s: %u frames back intact; so far %lu misses (%lu on rings), "
	       "%lu updates, %lu invalidations\n",
	       phase, s.intact - start, s.misses, s.ring_misses, s.updates, s.invalidations);
	return 0;
}

static int drain_tx(void)
{
	time_t deadline = time(NULL) + 10;
	int r;

	while (s.tx_inflight) {
		if (time(NULL) > deadline)
			return -ETIMEDOUT;
		r = pump(100);
		if (r < 0)
			return r;
		reap();
	}
	return 0;
}

/* The RX ring started again at @base, the index where the back-end stopped. */
static int restart_rx(uint32_t base)
{
	uint64_t desc, avail, used;
	int r;

	libvhost_vring_get_addrs(s.rx, 1, &desc, &avail, &used);
	r = libvhost_dev_set_vring_num(s.dev, 0, NUM);
	if (r == 0)
		r = libvhost_dev_set_vring_base(s.dev, 0, base);
	if (r == 0)
		r = libvhost_dev_set_vring_addr(s.dev, 0, desc, avail, used, used, 0);
	if (r == 0)
		r = libvhost_dev_set_vring_call(s.dev, 0, s.call[0]);
	if (r == 0)
		r = libvhost_dev_set_vring_kick(s.dev, 0, s.kick[0]);
	if (r == 0)
		r = libvhost_dev_set_vring_enable(s.dev, 0, 1);
	return r;
}

static int setup_memory(struct libvhost_ctx *ctx)
{
	struct libvhost_mem_region reg;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned int g, j, t, order[NGRAN];
	void *p;
	int r;

	if (libvhost_mem_new(ctx, &s.mem) < 0 || libvhost_mem_new(ctx, &s.iomem) < 0 ||
	    libvhost_mem_alloc(s.mem, GPA_BASE, NGRAN * GRAN, NULL, &p) < 0 ||
	    libvhost_mem_get_region(s.mem, 0, &reg) < 0)
		return -ENOMEM;
	s.base = p;
	s.memfd = (int)reg.fd;
	s.memfd_offset = reg.fd_offset;
	for (g = 0; g < NGRAN; g++)
		order[g] = g;
	for (g = NGRAN - 1; g > 0; g--) { /* Fisher-Yates with a fixed xorshift */
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (unsigned int)(seed % (g + 1));
		t = order[g];
		order[g] = order[j];
		order[j] = t;
	}
	for (g = 0; g < NGRAN; g++) {
		struct map *m = &s.map[g];

		m->gpa = GPA_BASE + g * GRAN;
		m->iova = IOVA_BASE + order[g] * 2 * GRAN; /* a hole after each */
		m->perm = g == G_TXBUF ? LIBVHOST_IOTLB_RO : LIBVHOST_IOTLB_RW;
		/* the rogue one: the guest put it in a descriptor without mapping it */
		m->mapped = g != G_ROGUE && g != G_TXRING_SPARE && g != G_TXBUF_SPARE;
		if (g == G_TXRING_SPARE || g == G_TXBUF_SPARE)
			continue;
		r = libvhost_mem_add(s.iomem, m->iova, GRAN, s.base + g * GRAN, s.memfd,
				     s.memfd_offset + g * GRAN);
		if (r < 0)
			return r;
	}
	s.txbuf = s.base + G_TXBUF * GRAN;
	return 0;
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_frontend_ops, ops, .iotlb_msg = on_iotlb);
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 5000,
		      .ops = &ops);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_ctx *ctx;
	uint64_t desc, need;
	unsigned int count, ring_misses;
	uint32_t base, rogue_idx, len;
	time_t deadline;
	void *tok;
	int r, i;

	if (argc < 3 || (count = (unsigned int)atoi(argv[2])) == 0 || count > 10000) {
		fprintf(stderr, "usage: iotlb-driver SOCKET COUNT\n");
		return 2;
	}
	s.verbose = getenv("IOTLB_DRIVER_VERBOSE") != NULL;
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	r = libvhost_frontend_connect(ctx, argv[1], &fo, &s.fe);
	if (r < 0)
		return fail("connect", r);
	r = libvhost_frontend_negotiate(s.fe);
	if (r < 0)
		return fail("negotiate", r);
	libvhost_frontend_get_info(s.fe, &info);
	need = (1ULL << LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ) |
	       (1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	if ((info.protocol_features & need) != need || !(info.features & F_ACCESS_PLATFORM)) {
		fprintf(stderr,
			"iotlb-driver: the back-end offers features %#llx, protocol features "
			"%#llx: no ACCESS_PLATFORM with BACKEND_REQ and REPLY_ACK\n",
			(unsigned long long)info.features,
			(unsigned long long)info.backend_protocol_features);
		return 1;
	}
	if (libvhost_frontend_get_backend_fd(s.fe) < 0)
		return fail("no back-end request channel", -ENOTCONN);
	s.dev = libvhost_frontend_get_dev(s.fe);
	r = libvhost_dev_set_features(s.dev, F_VERSION_1 | F_ACCESS_PLATFORM);
	if (r < 0)
		return fail("features", r);
	r = setup_memory(ctx);
	if (r < 0)
		return fail("guest memory and its IOVAs", r);
	r = libvhost_dev_set_mem(s.dev, s.mem);
	if (r < 0)
		return fail("memory", r);
	if (libvhost_vring_new(s.iomem, s.map[G_RXRING].iova, NUM, NULL, &s.rx) < 0 ||
	    libvhost_vring_new(s.iomem, s.map[G_TXRING].iova, NUM, NULL, &s.tx) < 0)
		return 1;
	libvhost_vring_get_addrs(s.tx, 1, &desc, NULL, NULL);
	printf("iotlb-driver: TX descriptors at IOVA %#llx (guest address %#llx); "
	       "no IOTLB update before a miss\n",
	       (unsigned long long)desc, (unsigned long long)s.map[G_TXRING].gpa);
	for (i = 0; i < 2; i++) {
		s.kick[i] = eventfd(0, EFD_CLOEXEC);
		s.call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	r = libvhost_dev_start_vring(s.dev, 0, s.rx, s.kick[0], s.call[0]);
	if (r == 0)
		r = libvhost_dev_start_vring(s.dev, 1, s.tx, s.kick[1], s.call[1]);
	if (r < 0)
		return fail("rings", r);
	/* DPDK's vhost waits for DRIVER_OK when STATUS is negotiated */
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)) {
		r = libvhost_frontend_set_status(s.fe, 0x0f);
		if (r < 0)
			return fail("status", r);
	}
	for (i = 0; i < NRX; i++) {
		uint8_t *b = s.base + G_RXBUF * GRAN + (size_t)i * RXBUF;
		struct iovec iov = { b, RXBUF };

		libvhost_vring_add(s.rx, &iov, 0, 1, b);
	}
	libvhost_vring_kick(s.rx);

	/* 1: translations only on demand */
	r = run_io(count, "misses answered");
	if (r < 0)
		return fail("phase 1", r);
	if (!s.map[G_RXRING].misses || !s.map[G_TXRING].misses || !s.map[G_TXBUF].misses ||
	    !s.map[G_RXBUF].misses || s.refused)
		return fail("phase 1: a ring or buffer granule never missed, or a miss refused",
			    -EPROTO);

	/* 2: the guest unmaps the buffers, and maps the TX buffers' IOVA elsewhere */
	r = drain_tx();
	if (r == 0)
		r = invalidate(&s.map[G_TXBUF]);
	if (r == 0)
		r = remap(&s.map[G_TXBUF], G_TXBUF_SPARE);
	if (r == 0)
		r = invalidate(&s.map[G_RXBUF]);
	if (r == 0)
		r = invalidate(&s.map[G_RXBUF2]);
	if (r < 0)
		return fail("invalidating the buffers", r);
	s.txbuf = s.base + G_TXBUF_SPARE * GRAN;
	r = run_io(count, "after the buffers were invalidated");
	if (r < 0)
		return fail("phase 2", r);
	if (s.map[G_TXBUF].misses < 2 || s.map[G_RXBUF].misses < 2) {
		fprintf(stderr, "iotlb-driver: no miss again on the invalidated buffers\n");
		return 1;
	}

	/* 3: a TX buffer at an IOVA the vIOMMU does not map */
	r = drain_tx();
	if (r < 0)
		return fail("draining TX", r);
	{
		uint8_t *f = s.base + G_ROGUE * GRAN;
		struct iovec iov = { f, HDR + FRAME };

		fill(f, s.sent);
		r = libvhost_vring_get_base(s.tx, &rogue_idx); /* its index in the avail ring */
		if (r < 0 || libvhost_vring_add(s.tx, &iov, 1, 0, f) < 0)
			return fail("the buffer at an unmapped IOVA", r < 0 ? r : -EINVAL);
		libvhost_vring_kick(s.tx);
	}
	deadline = time(NULL) + 10;
	while (!s.refused && time(NULL) <= deadline) {
		r = pump(100);
		if (r < 0)
			return fail("waiting for the miss on the unmapped IOVA", r);
	}
	if (!s.refused)
		return fail("no miss for the unmapped IOVA", -ETIMEDOUT);
	/* stopped, the back-end says where it got to: that buffer, not past it */
	r = libvhost_dev_stop_vring(s.dev, 1, &base);
	if (r < 0)
		return fail("stopping TX after the refused miss", r);
	if ((base & 0xffff) != (rogue_idx & 0xffff) ||
	    libvhost_vring_get_used(s.tx, &tok, &len) == 1) {
		fprintf(stderr,
			"iotlb-driver: the back-end got past the unmapped buffer "
			"(stopped at %u, the buffer is %u)\n",
			base, rogue_idx);
		return 1;
	}
	printf("iotlb-driver: the back-end stalled at the buffer at the unmapped IOVA (TX "
	       "stopped at %u); resetting the queue on a new ring\n",
	       base);
	/* the guest frees the old ring (unmapped) and maps a new one at that IOVA */
	libvhost_vring_unref(s.tx);
	s.tx = NULL;
	s.tx_inflight = 0;
	r = invalidate(&s.map[G_TXRING]);
	if (r == 0)
		r = remap(&s.map[G_TXRING], G_TXRING_SPARE);
	if (r < 0)
		return fail("moving the TX ring", r);
	ring_misses = s.map[G_TXRING].misses;
	if (libvhost_vring_new(s.iomem, s.map[G_TXRING].iova, NUM, NULL, &s.tx) < 0)
		return 1;
	/*
	 * As QEMU restarts a device: every ring stopped, then started again
	 * (DPDK's PMD forgets, at the first GET_VRING_BASE, that the rings it
	 * is not told about again are enabled).  RX goes on from where the
	 * back-end stopped, with the buffers still posted.
	 */
	r = libvhost_dev_stop_vring(s.dev, 0, &base);
	if (r == 0)
		r = restart_rx(base);
	if (r == 0)
		r = libvhost_dev_start_vring(s.dev, 1, s.tx, s.kick[1], s.call[1]);
	if (r < 0)
		return fail("restarting the rings", r);
	r = run_io(count / 2 ? count / 2 : 1, "after the TX queue was reset");
	if (r < 0)
		return fail("phase 3", r);
	if (s.map[G_TXRING].misses <= ring_misses) {
		fprintf(stderr, "iotlb-driver: no miss on the TX ring's IOVA after it moved\n");
		return 1;
	}

	printf("iotlb-driver: %lu IOTLB misses (%lu on the rings, %lu refused), %lu updates, "
	       "%lu invalidations; %u frames sent, %u taken by the device, %u received, %u ours "
	       "intact, %u corrupted, %u dropped by the back-end\n",
	       s.misses, s.ring_misses, s.refused, s.updates, s.invalidations, s.sent, s.done,
	       s.got, s.intact, s.bad, s.sent - s.got);
	r = s.misses && s.updates && s.invalidations && s.refused == 1 && !s.bad &&
			    !s.access_fail
		    ? 0
		    : 1;
	libvhost_vring_unref(s.rx);
	libvhost_vring_unref(s.tx);
	libvhost_frontend_unref(s.fe);
	libvhost_mem_unref(s.iomem);
	libvhost_mem_unref(s.mem);
	libvhost_ctx_unref(ctx);
	for (i = 0; i < 2; i++) {
		close(s.kick[i]);
		close(s.call[i]);
	}
	return r;
}
