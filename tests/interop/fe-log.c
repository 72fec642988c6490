/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvhost's front-end as a VMM against back-ends nobody here wrote, for the
 * interop tests:
 *   fe-log blk SOCKET     dirty logging against a vhost-user-blk back-end
 *   fe-log net SOCKET     dirty logging against a vhost-user-net back-end
 *                         that forwards our TX frames back into our RX ring
 *   fe-log status SOCKET  the virtio status through start, stop, device
 *                         reset and restart, against a vhost-user-net one
 * Dirty logging does what a VMM does when migration starts with the rings
 * running: SET_LOG_BASE (a memfd bitmap, one bit a 4 KiB guest page),
 * SET_FEATURES with LOG_ALL, SET_VRING_ADDR with VHOST_VRING_F_LOG on each
 * ring; then I/O that makes the back-end write guest memory (blk reads, net
 * receives), and every page it wrote (the data and the used rings) must be
 * marked; pages it did not write may be marked too (logging may over-mark).
 * Then logging off with the rings running (SET_FEATURES without LOG_ALL,
 * SET_VRING_ADDR without the flag), and more I/O verified.
 * Prints what it saw; exits 0 if all of it held, 1 otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>

#include <libvhost.h>

#define GBASE ((uint64_t)0x40000000) /* the guest address of our memory: 1 GiB, as above a VMM's low RAM */
#define MEMSZ ((uint64_t)4 << 20)
#define PAGE ((uint64_t)4096) /* the log's page: one bit for every 4 KiB of guest memory */
#define RING0 0x00000 /* offsets in our memory: the rings */
#define RING1 0x10000
#define HDRS 0x100000 /* blk request headers, net TX frames */
#define STATUSES 0x180000 /* blk status bytes */
#define BUFS 0x200000 /* data buffers: one every other page */
#define NBUF 48
#define NET_HDR 12 /* struct virtio_net_hdr_mrg_rxbuf: VERSION_1 */
#define FRAME 60
#define RXBUF 2048
#define IO_SECONDS 15

static const char *prog = "fe-log";

struct env {
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	uint8_t *base;
	struct libvhost_vring *ring[2];
	unsigned int num, nrings;
	uint32_t used_idx[2]; /* completions seen: the next used element's index */
	int kick[2], call[2];
	/* the dirty log */
	uint8_t *log;
	uint64_t log_size;
	int log_fd;
	/* what the back-end wrote while logging: ranges of guest addresses */
	uint64_t wrote_at[2048], wrote_len[2048];
	unsigned int nwrote;
	bool wrote_overflow;
	bool logging;
};

static int fail(const char *what, int r)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, r < 0 ? strerror(-r) : "failed");
	return 1;
}

static uint64_t gpa(const struct env *e, const void *p)
{
	return GBASE + (uint64_t)((const uint8_t *)p - e->base);
}

static void wrote(struct env *e, uint64_t at, uint64_t len)
{
	if (!e->logging || !len)
		return;
	if (e->nwrote >= sizeof(e->wrote_at) / sizeof(e->wrote_at[0])) {
		e->wrote_overflow = true;
		return;
	}
	e->wrote_at[e->nwrote] = at;
	e->wrote_len[e->nwrote++] = len;
}

/* A used element taken off ring @q: the device wrote it and the used index. */
static void used_written(struct env *e, unsigned int q)
{
	uint64_t used;

	libvhost_vring_get_addrs(e->ring[q], 1, NULL, NULL, &used);
	wrote(e, used + 4 + 8ULL * (e->used_idx[q] % e->num), 8);
	wrote(e, used + 2, 2);
	e->used_idx[q]++;
}

static int setup(struct env *e, const char *path)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 5000);
	void *p;
	int r, i;

	if (libvhost_ctx_new(NULL, &e->ctx) < 0)
		return fail("context", -ENOMEM);
	r = libvhost_frontend_connect(e->ctx, path, &fo, &e->fe);
	if (r < 0)
		return fail("connect", r);
	r = libvhost_frontend_negotiate(e->fe);
	if (r < 0)
		return fail("negotiate", r);
	e->dev = libvhost_frontend_get_dev(e->fe);
	if (libvhost_mem_new(e->ctx, &e->mem) < 0 ||
	    libvhost_mem_alloc(e->mem, GBASE, MEMSZ, NULL, &p) < 0)
		return fail("guest memory", -ENOMEM);
	e->base = p;
	for (i = 0; i < 2; i++) {
		e->kick[i] = eventfd(0, EFD_CLOEXEC);
		e->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (e->kick[i] < 0 || e->call[i] < 0)
			return fail("eventfd", -errno);
	}
	e->log_fd = -1;
	return 0;
}

/* New rings at RING0 (and RING1), started from index 0. */
static int start_rings(struct env *e)
{
	unsigned int q;
	int r;

	for (q = 0; q < e->nrings; q++) {
		libvhost_vring_unref(e->ring[q]);
		e->ring[q] = NULL;
		e->used_idx[q] = 0;
		r = libvhost_vring_new(e->mem, GBASE + (q ? RING1 : RING0), e->num, NULL, &e->ring[q]);
		if (r < 0)
			return fail("ring", r);
		r = libvhost_dev_start_vring(e->dev, q, e->ring[q], e->kick[q], e->call[q]);
		if (r < 0)
			return fail("start ring", r);
	}
	return 0;
}

static void wait_calls(struct env *e)
{
	struct pollfd pfd[2] = { { e->call[0], POLLIN, 0 }, { e->call[1], POLLIN, 0 } };
	uint64_t v;

	poll(pfd, e->nrings, 100);
	(void)!read(e->call[0], &v, sizeof(v));
	(void)!read(e->call[1], &v, sizeof(v));
}

/* ---- the log ---- */

static bool marked(const struct env *e, uint64_t page)
{
	return page / 8 < e->log_size && (e->log[page / 8] & (1u << (page % 8)));
}

/*
 * SET_LOG_BASE with a bitmap covering our memory, SET_FEATURES with
 * LOG_ALL, then each running ring's addresses again with VHOST_VRING_F_LOG:
 * the order QEMU's vhost code sends them in when migration starts.
 */
static int log_switch(struct env *e, bool on)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	uint64_t desc, avail, used, used_gpa, features;
	unsigned int q;
	int r;

	libvhost_frontend_get_info(e->fe, &info);
	if (on) {
		if (!(info.features & (1ULL << LIBVHOST_F_LOG_ALL)))
			return fail("the back-end does not offer LOG_ALL", 0);
		if (!(info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_LOG_SHMFD)))
			return fail("the back-end does not offer LOG_SHMFD", 0);
		/* one bit a page up to the end of our memory, in whole pages */
		e->log_size = ((GBASE + MEMSZ) / PAGE / 8 + PAGE - 1) / PAGE * PAGE;
		e->log_fd = memfd_create("fe-log", MFD_CLOEXEC);
		if (e->log_fd < 0 || ftruncate(e->log_fd, (off_t)e->log_size) < 0)
			return fail("log memfd", -errno);
		e->log = mmap(NULL, e->log_size, PROT_READ | PROT_WRITE, MAP_SHARED, e->log_fd, 0);
		if (e->log == MAP_FAILED)
			return fail("log mmap", -errno);
		r = libvhost_frontend_set_log_base(e->fe, e->log_fd, e->log_size, 0);
		if (r < 0)
			return fail("SET_LOG_BASE", r);
	}
	features = info.acked_features & ~(1ULL << LIBVHOST_F_LOG_ALL);
	if (on)
		features |= 1ULL << LIBVHOST_F_LOG_ALL;
	r = libvhost_dev_set_features(e->dev, features);
	if (r < 0)
		return fail(on ? "SET_FEATURES with LOG_ALL" : "SET_FEATURES without LOG_ALL", r);
	for (q = 0; q < e->nrings; q++) {
		libvhost_vring_get_addrs(e->ring[q], 0, &desc, &avail, &used);
		libvhost_vring_get_addrs(e->ring[q], 1, NULL, NULL, &used_gpa);
		r = libvhost_dev_set_vring_addr(e->dev, q, desc, avail, used, used_gpa,
						on ? 1ULL << LIBVHOST_VRING_F_LOG : 0);
		if (r < 0)
			return fail("SET_VRING_ADDR on a running ring", r);
	}
	e->logging = on;
	printf("%s: logging %s with the rings running (LOG_ALL %s, VHOST_VRING_F_LOG %s on %u "
	       "rings%s)\n",
	       prog, on ? "on" : "off", on ? "acked" : "cleared", on ? "set" : "cleared",
	       e->nrings, on ? ", a memfd bitmap by SET_LOG_BASE" : "");
	return 0;
}

/* Every page the back-end wrote while logging is marked; counts printed. */
static int log_check(struct env *e)
{
	uint64_t first = GBASE / PAGE, last = (GBASE + MEMSZ) / PAGE, pg;
	unsigned int i, want = 0, missing = 0, extra = 0, total = 0;
	static uint8_t wrote_page[MEMSZ / PAGE];

	memset(wrote_page, 0, sizeof(wrote_page));
	for (i = 0; i < e->nwrote; i++)
		for (pg = e->wrote_at[i] / PAGE; pg <= (e->wrote_at[i] + e->wrote_len[i] - 1) / PAGE; pg++)
			if (pg >= first && pg < last)
				wrote_page[pg - first] = 1;
	printf("%s: marked pages:", prog);
	for (pg = 0; pg < e->log_size * 8; pg++) {
		if (!marked(e, pg))
			continue;
		total++;
		printf(" %#" PRIx64, pg * PAGE);
		if (pg < first || pg >= last || !wrote_page[pg - first])
			extra++;
	}
	printf("\n");
	for (pg = first; pg < last; pg++) {
		if (!wrote_page[pg - first])
			continue;
		want++;
		if (!marked(e, pg)) {
			missing++;
			printf("%s: NOT MARKED: page %#" PRIx64 ", which the back-end wrote\n", prog,
			       pg * PAGE);
		}
	}
	printf("%s: the back-end wrote %u pages (%u ranges: data and used rings); %u of them "
	       "marked, %u pages marked in all (%u beyond those, allowed)\n",
	       prog, want, e->nwrote, want - missing, total, extra);
	if (e->wrote_overflow)
		printf("%s: more writes than this driver keeps track of\n", prog);
	return want && !missing && !e->wrote_overflow ? 0 : 1;
}

/* ---- virtio-blk ---- */

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static uint8_t pattern(unsigned int sector, unsigned int j)
{
	return (uint8_t)((7 * sector + j + 3) % 253);
}

/* @n requests of one page each at sector @first + 8 i into buffer page 2 i. */
static int blk_io(struct env *e, uint32_t type, unsigned int first, unsigned int n)
{
	unsigned int i, j, done = 0, bad = 0;
	time_t deadline = time(NULL) + IO_SECONDS;
	void *tok;
	uint32_t len;

	for (i = 0; i < n; i++) {
		struct blk_req *h = (struct blk_req *)(e->base + HDRS + i * 64);
		uint8_t *buf = e->base + BUFS + 2 * i * PAGE;
		uint8_t *st = e->base + STATUSES + i;
		unsigned int sector = first + 8 * i;
		struct iovec iov[3] = { { h, sizeof(*h) }, { buf, PAGE }, { st, 1 } };
		int r;

		h->type = htole32(type);
		h->reserved = 0;
		h->sector = htole64(sector);
		*st = 0xff;
		for (j = 0; j < PAGE; j++)
			buf[j] = type == VIRTIO_BLK_T_OUT ? pattern(sector + j / 512, j % 512) : 0xee;
		r = type == VIRTIO_BLK_T_OUT ? libvhost_vring_add(e->ring[0], iov, 2, 1, st)
					     : libvhost_vring_add(e->ring[0], iov, 1, 2, st);
		if (r < 0)
			return fail("add a request", r);
	}
	libvhost_vring_kick(e->ring[0]);
	while (done < n && time(NULL) < deadline) {
		wait_calls(e);
		while (libvhost_vring_get_used(e->ring[0], &tok, &len) == 1) {
			uint8_t *st = tok;

			i = (unsigned int)(st - (e->base + STATUSES));
			used_written(e, 0);
			wrote(e, gpa(e, st), 1);
			if (*st != VIRTIO_BLK_S_OK) {
				bad++;
				continue;
			}
			if (type == VIRTIO_BLK_T_IN) {
				uint8_t *buf = e->base + BUFS + 2 * i * PAGE;
				unsigned int sector = first + 8 * i;

				wrote(e, gpa(e, buf), PAGE);
				for (j = 0; j < PAGE; j++)
					if (buf[j] != pattern(sector + j / 512, j % 512))
						break;
				if (j < PAGE)
					bad++;
			}
			done++;
		}
	}
	printf("%s: %u %s of 4 KiB: %u completed and verified, %u bad\n", prog, n,
	       type == VIRTIO_BLK_T_OUT ? "writes" : "reads", done, bad);
	return done == n && !bad ? 0 : 1;
}

static int run_blk(struct env *e)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	int r;

	libvhost_frontend_get_info(e->fe, &info);
	r = libvhost_dev_set_features(e->dev, 1ULL << VIRTIO_F_VERSION_1);
	if (r < 0)
		return fail("features", r);
	r = libvhost_dev_set_mem(e->dev, e->mem);
	if (r < 0)
		return fail("memory table", r);
	e->num = 128;
	e->nrings = 1;
	if (start_rings(e))
		return 1;
	/* the disk's data first, and the rings running, before migration starts */
	if (blk_io(e, VIRTIO_BLK_T_OUT, 0, NBUF / 2) || blk_io(e, VIRTIO_BLK_T_OUT, 8 * NBUF / 2, NBUF / 2))
		return 1;
	if (log_switch(e, true))
		return 1;
	/* reads into our buffers: the back-end writes them, the status bytes, the used ring */
	if (blk_io(e, VIRTIO_BLK_T_IN, 0, NBUF / 2) || blk_io(e, VIRTIO_BLK_T_IN, 8 * NBUF / 2, NBUF / 2))
		return 1;
	r = log_check(e);
	if (log_switch(e, false))
		return 1;
	/* the back-end keeps serving with logging off */
	if (blk_io(e, VIRTIO_BLK_T_OUT, 1024, NBUF / 2) || blk_io(e, VIRTIO_BLK_T_IN, 1024, NBUF / 2))
		return 1;
	return r;
}

/* ---- virtio-net ---- */

/*
 * @count frames on TX (queue 1), until the device took all of them and at
 * least @want came back intact on RX (queue 0), whose buffers are posted
 * again as they come.
 */
static int net_io(struct env *e, unsigned int count, unsigned int want, unsigned int tag)
{
	unsigned int sent = 0, done = 0, got = 0, intact = 0;
	time_t deadline = time(NULL) + IO_SECONDS;
	void *tok;
	uint32_t len;

	while ((done < count || intact < want) && time(NULL) < deadline) {
		while (sent < count) {
			uint8_t *f = e->base + HDRS + (sent % 128) * 128;
			struct iovec iov = { f, NET_HDR + FRAME };

			memset(f, 0, NET_HDR + FRAME);
			memset(f + NET_HDR, 0xff, 6); /* broadcast */
			memcpy(f + NET_HDR + 6, "\x52\x54\x00\xab\xcd\xef", 6);
			f[NET_HDR + 12] = 0x88;
			f[NET_HDR + 13] = 0xb5; /* local experimental ethertype */
			memcpy(f + NET_HDR + 14, "libvhost-frame", 14);
			f[NET_HDR + 28] = (uint8_t)tag;
			if (libvhost_vring_add(e->ring[1], &iov, 1, 0, f) < 0)
				break; /* ring full: reap first */
			sent++;
		}
		libvhost_vring_kick(e->ring[1]);
		wait_calls(e);
		while (libvhost_vring_get_used(e->ring[1], &tok, &len) == 1) {
			used_written(e, 1);
			done++;
		}
		while (libvhost_vring_get_used(e->ring[0], &tok, &len) == 1) {
			uint8_t *b = tok;
			struct iovec iov = { b, RXBUF };

			used_written(e, 0);
			wrote(e, gpa(e, b), len);
			got++;
			if (len >= NET_HDR + 29 && !memcmp(b + NET_HDR + 14, "libvhost-frame", 14) &&
			    b[NET_HDR + 28] == (uint8_t)tag)
				intact++;
			memset(b, 0, RXBUF);
			libvhost_vring_add(e->ring[0], &iov, 0, 1, b);
		}
		libvhost_vring_kick(e->ring[0]);
	}
	printf("%s: %u frames sent, %u taken by the device, %u received, %u ours intact\n", prog,
	       sent, done, got, intact);
	return done == count && intact >= want ? 0 : 1;
}

static int net_start(struct env *e, bool status)
{
	unsigned int i;
	int r;

	e->num = 256;
	e->nrings = 2;
	if (start_rings(e))
		return 1;
	if (status) {
		/* DPDK's vhost waits for DRIVER_OK when STATUS is negotiated */
		r = libvhost_frontend_set_status(e->fe, VIRTIO_CONFIG_S_ACKNOWLEDGE |
							       VIRTIO_CONFIG_S_DRIVER |
							       VIRTIO_CONFIG_S_FEATURES_OK |
							       VIRTIO_CONFIG_S_DRIVER_OK);
		if (r < 0)
			return fail("SET_STATUS", r);
	}
	/* RX buffers: one every other page */
	for (i = 0; i < NBUF; i++) {
		struct iovec iov = { e->base + BUFS + 2 * i * PAGE, RXBUF };

		memset(iov.iov_base, 0, RXBUF);
		libvhost_vring_add(e->ring[0], &iov, 0, 1, iov.iov_base);
	}
	libvhost_vring_kick(e->ring[0]);
	return 0;
}

static bool has_status(struct env *e)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };

	libvhost_frontend_get_info(e->fe, &info);
	return info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS);
}

static int run_net(struct env *e)
{
	int r;

	r = libvhost_dev_set_features(e->dev, 1ULL << VIRTIO_F_VERSION_1);
	if (r < 0)
		return fail("features", r);
	r = libvhost_dev_set_mem(e->dev, e->mem);
	if (r < 0)
		return fail("memory table", r);
	if (net_start(e, has_status(e)) || net_io(e, 32, 1, 1))
		return 1;
	if (log_switch(e, true))
		return 1;
	if (net_io(e, 64, 16, 2))
		return 1;
	r = log_check(e);
	if (log_switch(e, false))
		return 1;
	if (net_io(e, 64, 16, 3))
		return 1;
	return r;
}

/* ---- STATUS ---- */

static int status_set(struct env *e, uint8_t s)
{
	uint8_t got = 0xff;
	int r = libvhost_frontend_set_status(e->fe, s);

	if (r < 0)
		return fail("SET_STATUS", r);
	r = libvhost_frontend_get_status(e->fe, &got);
	if (r < 0)
		return fail("GET_STATUS", r);
	printf("%s: status set %#04x, read back %#04x\n", prog, s, got);
	if (got != s) {
		fprintf(stderr, "%s: GET_STATUS gave %#04x after SET_STATUS %#04x\n", prog, got, s);
		return 1;
	}
	return 0;
}

/*
 * The driver's start as the virtio spec orders it: ACKNOWLEDGE, DRIVER, the
 * features, FEATURES_OK (read back: the device kept it), the memory table
 * and rings, DRIVER_OK; then frames through it.
 */
static int status_cycle(struct env *e, unsigned int tag)
{
	uint8_t s = 0;
	int r;

	if (status_set(e, VIRTIO_CONFIG_S_ACKNOWLEDGE))
		return 1;
	s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	if (status_set(e, s))
		return 1;
	r = libvhost_dev_set_features(e->dev, 1ULL << VIRTIO_F_VERSION_1);
	if (r < 0)
		return fail("features", r);
	s |= VIRTIO_CONFIG_S_FEATURES_OK;
	if (status_set(e, s))
		return 1;
	r = libvhost_dev_set_mem(e->dev, e->mem);
	if (r < 0)
		return fail("memory table", r);
	if (net_start(e, false))
		return 1;
	s |= VIRTIO_CONFIG_S_DRIVER_OK;
	if (status_set(e, s))
		return 1;
	return net_io(e, 64, 16, tag);
}

/* Stop as a VMM does on the guest's reset: the rings' state read back, status 0. */
static int status_stop(struct env *e)
{
	unsigned int q;
	uint32_t base;
	int r;

	for (q = 0; q < e->nrings; q++) {
		void *tok;
		uint32_t len;

		r = libvhost_dev_stop_vring(e->dev, q, &base);
		if (r < 0)
			return fail("GET_VRING_BASE", r);
		/* what it used after our last look: every buffer it took is used (no inflight) */
		while (libvhost_vring_get_used(e->ring[q], &tok, &len) == 1)
			e->used_idx[q]++;
		printf("%s: ring %u stopped at %u (%u used)\n", prog, q, base, e->used_idx[q]);
		if (base != e->used_idx[q]) {
			fprintf(stderr, "%s: ring %u: the back-end stopped at %u, %u buffers used\n",
				prog, q, base, e->used_idx[q]);
			return 1;
		}
	}
	return status_set(e, 0);
}

static int run_status(struct env *e)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	int r;

	if (!has_status(e))
		return fail("the back-end does not offer STATUS", 0);
	/* a fresh device: the driver resets it first */
	if (status_set(e, 0) || status_cycle(e, 1) || status_stop(e))
		return 1;
	printf("%s: cycle 1 done: started, I/O, stopped, reset by status 0\n", prog);
	if (status_cycle(e, 2) || status_stop(e))
		return 1;
	printf("%s: cycle 2 done: the same after the reset\n", prog);
	/* the reset request itself: RESET_DEVICE where offered, else RESET_OWNER */
	libvhost_frontend_get_info(e->fe, &info);
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_RESET_DEVICE)) {
		r = libvhost_frontend_reset_device(e->fe);
		printf("%s: RESET_DEVICE: %d\n", prog, r);
	} else {
		r = libvhost_frontend_reset_owner(e->fe);
		printf("%s: RESET_DEVICE not offered; RESET_OWNER: %d\n", prog, r);
	}
	if (r < 0)
		return fail("reset", r);
	if (status_cycle(e, 3) || status_stop(e))
		return 1;
	printf("%s: cycle 3 done: the same after the device reset\n", prog);
	return 0;
}

int main(int argc, char **argv)
{
	struct env e;
	unsigned int q;
	int r;

	memset(&e, 0, sizeof(e));
	if (argc != 3 || (strcmp(argv[1], "blk") && strcmp(argv[1], "net") &&
			  strcmp(argv[1], "status"))) {
		fprintf(stderr, "usage: fe-log blk|net|status SOCKET\n");
		return 2;
	}
	if (setup(&e, argv[2]))
		return 1;
	if (!strcmp(argv[1], "blk"))
		r = run_blk(&e);
	else if (!strcmp(argv[1], "net"))
		r = run_net(&e);
	else
		r = run_status(&e);
	printf("%s: %s: %s\n", prog, argv[1], r ? "FAILED" : "pass");
	for (q = 0; q < 2; q++) {
		libvhost_vring_unref(e.ring[q]);
		close(e.kick[q]);
		close(e.call[q]);
	}
	libvhost_frontend_unref(e.fe);
	libvhost_mem_unref(e.mem);
	libvhost_ctx_unref(e.ctx);
	if (e.log)
		munmap(e.log, e.log_size);
	if (e.log_fd >= 0)
		close(e.log_fd);
	return r;
}
