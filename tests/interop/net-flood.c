/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A driver that floods one ring of a vhost-user net back-end and checks the
 * device still serves everything else meanwhile: a thread keeps queue pair
 * 0's ring (TX, or RX for a source device; 32768 buffers of 64 KiB) full,
 * giving back every buffer as soon as it is used, while the main thread
 * puts one buffer on pair 1's ring and asks for the features.  Both
 * must be answered while the flood goes on (a device that serves a ring
 * until it is empty answers neither), and when the flood stops every
 * buffer is used.  Then the flood starts again and the ring is stopped
 * under it: the device's last look at the ring must end.
 *   net-flood SOCKET tx|rx
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define F_NET_MQ (1ULL << 22)
#define FLOOD 32768
#define BUF (64 << 10)
#define RING1 0x100000 /* pair 0's flooded ring at 0 (about 840 KiB) */
#define DATA 0x200000

static int fail(const char *what, int r)
{
	fprintf(stderr, "net-flood: %s: %s\n", what, strerror(-r));
	return 1;
}

/* Used buffers of @vr taken since the last call. */
static unsigned int reap(struct libvhost_vring *vr)
{
	unsigned int cnt = 0;
	uint32_t len;
	void *tok;

	while (libvhost_vring_get_used(vr, &tok, &len) == 1)
		cnt++;
	return cnt;
}

struct flood {
	struct libvhost_vring *vr;
	uint8_t *data;
	bool tx;
	volatile bool stop;
	unsigned long long added, used;
	int err;
};

/* Keeps the ring full: each buffer the device used goes straight back. */
static void *flood_run(void *arg)
{
	struct flood *f = arg;
	struct iovec iov = { f->data, BUF };
	unsigned int i;

	for (i = 0; i < FLOOD && !f->err && f->added - f->used < FLOOD; i++, f->added++)
		f->err = libvhost_vring_add(f->vr, &iov, f->tx, !f->tx, f->data);
	libvhost_vring_kick(f->vr);
	while (!f->stop && !f->err) {
		unsigned int cnt = reap(f->vr);

		__atomic_add_fetch(&f->used, cnt, __ATOMIC_RELAXED);
		for (i = 0; i < cnt && !f->err; i++, f->added++)
			f->err = libvhost_vring_add(f->vr, &iov, f->tx, !f->tx, f->data);
		if (cnt)
			libvhost_vring_kick(f->vr);
	}
	return NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 100, .timeout_ms = 20000);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_ctx *ctx;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	struct libvhost_vring *other;
	struct flood f = { .stop = false };
	unsigned long long used_before;
	unsigned int base, i;
	bool other_done = false;
	struct timespec t0;
	pthread_t thr;
	uint64_t features;
	uint64_t probe;
	uint8_t *data;
	bool tx;
	int kick[2], call[2], r;
	void *p;

	if (argc != 3 || (strcmp(argv[2], "tx") && strcmp(argv[2], "rx"))) {
		fprintf(stderr, "usage: net-flood SOCKET tx|rx\n");
		return 2;
	}
	tx = !strcmp(argv[2], "tx");
	base = tx ? 1 : 0; /* pair 0's ring; pair 1's is base + 2 */
	if (libvhost_ctx_new(NULL, &ctx) < 0)
		return 1;
	r = libvhost_frontend_connect(ctx, argv[1], &fo, &fe);
	if (r < 0)
		return fail("connect", r);
	r = libvhost_frontend_negotiate(fe);
	if (r < 0)
		return fail("negotiate", r);
	libvhost_frontend_get_info(fe, &info);
	if (info.queue_num < 4) {
		fprintf(stderr, "net-flood: the device has %llu rings, not 2 pairs\n",
			(unsigned long long)info.queue_num);
		return 1;
	}
	dev = libvhost_frontend_get_dev(fe);
	libvhost_dev_get_features(dev, &features);
	r = libvhost_dev_set_features(dev, F_VERSION_1 | (features & F_NET_MQ));
	if (r < 0)
		return fail("features", r);
	if (libvhost_mem_new(ctx, &mem) < 0 || libvhost_mem_alloc(mem, 0, 4 << 20, NULL, &p) < 0)
		return 1;
	data = (uint8_t *)p + DATA;
	memset(data, 0, BUF);
	memset(data + 12, 0xff, 6);
	r = libvhost_dev_set_mem(dev, mem);
	if (r < 0)
		return fail("memory", r);
	if (libvhost_vring_new(mem, 0, FLOOD, NULL, &f.vr) < 0 ||
	    libvhost_vring_new(mem, RING1, 256, NULL, &other) < 0)
		return 1;
	for (i = 0; i < 2; i++) {
		kick[i] = eventfd(0, EFD_CLOEXEC);
		call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	r = libvhost_dev_start_vring(dev, base, f.vr, kick[0], call[0]);
	if (r == 0)
		r = libvhost_dev_start_vring(dev, base + 2, other, kick[1], call[1]);
	if (r < 0)
		return fail("rings", r);
	if (info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS)) {
		r = libvhost_frontend_set_status(fe, 0x0f);
		if (r < 0)
			return fail("status", r);
	}
	/* every buffer the same 64 KiB: the device reads (or writes) it again and again */
	f.data = data;
	f.tx = tx;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&thr, NULL, flood_run, &f))
		return 1;
	while (!__atomic_load_n(&f.used, __ATOMIC_RELAXED) && ms_since(&t0) < 20000)
		usleep(1000);
	{
		struct iovec iov = { data, BUF };

		r = libvhost_vring_add(other, &iov, tx, !tx, data);
		if (r < 0)
			return fail("add", r);
	}
	libvhost_vring_kick(other);
	r = libvhost_dev_get_features(libvhost_frontend_get_dev(fe), &probe);
	printf("net-flood: GET_FEATURES %s after %.1f ms, %llu buffers used so far\n",
	       r < 0 ? "not answered" : "answered", ms_since(&t0),
	       __atomic_load_n(&f.used, __ATOMIC_RELAXED));
	if (r < 0)
		fprintf(stderr, "net-flood: GET_FEATURES: %s\n", strerror(-r));
	while (!other_done && ms_since(&t0) < 20000) {
		struct pollfd pfd = { call[1], POLLIN, 0 };
		uint64_t v;

		poll(&pfd, 1, 100);
		(void)!read(call[1], &v, sizeof(v));
		other_done = reap(other) == 1;
	}
	printf("net-flood: pair 1's buffer %s after %.1f ms, %llu used so far\n",
	       other_done ? "used" : "not used", ms_since(&t0),
	       __atomic_load_n(&f.used, __ATOMIC_RELAXED));
	f.stop = true;
	pthread_join(thr, NULL);
	if (f.err)
		return fail("refill", f.err);
	if (r < 0 || !other_done) {
		fprintf(stderr, "net-flood: the device served nothing else while the ring was full\n");
		return 1;
	}
	while (f.used < f.added && ms_since(&t0) < 60000) {
		struct pollfd pfd = { call[0], POLLIN, 0 };
		uint64_t v;

		poll(&pfd, 1, 100);
		(void)!read(call[0], &v, sizeof(v));
		f.used += reap(f.vr);
	}
	printf("net-flood: %llu of %llu buffers used in %.1f ms\n", f.used, f.added,
	       ms_since(&t0));
	if (f.used != f.added) {
		fprintf(stderr, "net-flood: not every buffer was used\n");
		return 1;
	}
	/* the ring stopped while the driver keeps it full */
	used_before = f.used;
	f.stop = false;
	if (pthread_create(&thr, NULL, flood_run, &f))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (__atomic_load_n(&f.used, __ATOMIC_RELAXED) < used_before + FLOOD / 2 &&
	       ms_since(&t0) < 20000)
		usleep(1000);
	r = libvhost_dev_stop_vring(dev, base, NULL);
	printf("net-flood: the flooded ring %s after %.1f ms\n", r < 0 ? "did not stop" : "stopped",
	       ms_since(&t0));
	f.stop = true;
	pthread_join(thr, NULL);
	if (r < 0)
		return fail("stopping the flooded ring", r);
	libvhost_vring_unref(f.vr);
	libvhost_vring_unref(other);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	libvhost_ctx_unref(ctx);
	return 0;
}
