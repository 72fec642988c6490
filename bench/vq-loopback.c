/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vq-loopback: the placement-independent figure.  One thread is both the
 * driver (libvhost_vring) and the device (libvhost_vq) of one ring, set up
 * through libvhost's front-end and back-end over a socketpair; then no
 * socket, no eventfd, no syscall: the driver adds a burst, the device pops,
 * pushes and publishes it, the driver reaps it.  Prints nanoseconds per
 * buffer (both halves) and for the device half alone.  Public API only.
 * The device takes and gives back a burst a call (libvhost_vq_pop_burst(),
 * _push_burst()), or with --single a buffer a call.
 *
 *   bench/vq-loopback [--packed] [--single] [--burst N] [--size N] [--seconds S]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libvhost.h>

#define F_VERSION_1 (1ULL << 32)
#define F_RING_PACKED (1ULL << 34)
#define RING 256
#define MAX_BURST 256

struct setup {
	struct libvhost_backend *be;
	int stop;
};

/* The back-end's requests are answered on a thread only while the front-end sets up. */
static void *serve_requests(void *arg)
{
	struct setup *s = arg;

	for (;;) {
		struct pollfd pfd[2] = { { s->stop, POLLIN, 0 },
					 { libvhost_backend_get_fd(s->be), POLLIN, 0 } };

		if (poll(pfd, 2, -1) < 0 || pfd[0].revents)
			return NULL;
		if (libvhost_backend_process(s->be) < 0)
			return NULL;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * The device half is timed with the TSC (clock_gettime is a system call on
 * some VMs, ~1 us here), converted with the rate seen over the whole run.
 */
static uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return 0;
#endif
}

static _Noreturn void die(const char *what, int r)
{
	fprintf(stderr, "vq-loopback: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packed", no_argument, NULL, 'p' },	   { "burst", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 's' }, { "seconds", required_argument, NULL, 't' },
		{ "single", no_argument, NULL, '1' },	   { NULL, 0, NULL, 0 },
	};
	unsigned int burst = 32, size = 64, i;
	double secs = 2, t0, t1;
	uint64_t dev_ticks = 0, tk0;
	bool packed = false, single = false;
	static struct iovec biov[MAX_BURST];
	static struct libvhost_vq_elem be_elems[MAX_BURST];
	static struct libvhost_vq_used used[MAX_BURST];
	uint64_t features, buffers = 0;
	struct libvhost_ctx *ctx;
	struct libvhost_backend *be;
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct libvhost_mem *mem;
	struct libvhost_vring *vr;
	struct libvhost_vq *vq;
	struct setup st;
	pthread_t thr;
	uint8_t *bufs;
	void *p;
	int sv[2], c, r;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			packed = true;
			break;
		case '1':
			single = true;
			break;
		case 'b':
			burst = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: vq-loopback [--packed] [--single] [--burst N] "
					"[--size N] [--seconds S]\n");
			return 2;
		}
	}
	if (!burst || burst > MAX_BURST || burst > RING || !size || size > 4096 || secs <= 0) {
		fprintf(stderr, "vq-loopback: burst 1..%u, size 1..4096, seconds > 0\n", RING);
		return 2;
	}
	features = F_VERSION_1 | (packed ? F_RING_PACKED : 0);
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = features);
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = packed ? LIBVHOST_VRING_F_PACKED : 0);

	if ((r = libvhost_ctx_new(NULL, &ctx)) < 0)
		die("context", r);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);
	if ((r = libvhost_backend_new(ctx, &bo, &be)) < 0 ||
	    (r = libvhost_backend_adopt_fd(be, sv[1])) < 0)
		die("back-end", r);
	st.be = be;
	st.stop = eventfd(0, EFD_CLOEXEC);
	if (pthread_create(&thr, NULL, serve_requests, &st))
		die("thread", errno);
	if ((r = libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe)) < 0 ||
	    (r = libvhost_frontend_negotiate(fe)) < 0)
		die("front-end", r);
	dev = libvhost_frontend_get_dev(fe);
	if ((r = libvhost_dev_set_features(dev, features)) < 0)
		die("features", r);
	if ((r = libvhost_mem_new(ctx, &mem)) < 0 ||
	    (r = libvhost_mem_alloc(mem, 0, 4 << 20, NULL, &p)) < 0 ||
	    (r = libvhost_dev_set_mem(dev, mem)) < 0)
		die("memory", r);
	bufs = (uint8_t *)p + (1 << 20);
	/* no kick and no call fd: both sides poll, as a polling data plane does */
	if ((r = libvhost_vring_new(mem, 0, RING, &vo, &vr)) < 0 ||
	    (r = libvhost_dev_start_vring(dev, 0, vr, -1, -1)) < 0)
		die("ring", r);
	libvhost_vring_set_interrupts(vr, 0);
	{
		uint64_t one = 1;

		if (write(st.stop, &one, sizeof(one)) != sizeof(one))
			die("stop", errno);
		pthread_join(thr, NULL);
	}
	vq = libvhost_backend_get_vq(be, 0);
	if (!libvhost_vq_is_enabled(vq))
		die("the ring did not start", EIO);

	t0 = now();
	tk0 = ticks();
	do {
		for (unsigned int round = 0; round < 1000; round++) {
			struct iovec iov[4];
			struct libvhost_vq_elem e;
			void *tok;
			uint32_t len;
			uint64_t d0;

			for (i = 0; i < burst; i++) {
				iov[0] = (struct iovec){ bufs + (size_t)i * 4096, size };
				r = libvhost_vring_add(vr, iov, 1, 0, bufs + (size_t)i * 4096);
				if (r < 0)
					die("add", r);
			}
			libvhost_vring_kick(vr);
			d0 = ticks();
			if (single) {
				for (i = 0; i < burst; i++) {
					r = libvhost_vq_pop(vq, iov, 4, &e);
					if (r != 1)
						die("pop", r ? r : -ENODATA);
					((volatile uint8_t *)iov[0].iov_base)[0];
					libvhost_vq_push(vq, e.id, 0);
				}
			} else {
				r = libvhost_vq_pop_burst(vq, biov, MAX_BURST, be_elems, burst);
				if (r != (int)burst)
					die("pop_burst", r < 0 ? r : -ENODATA);
				for (i = 0; i < burst; i++) {
					((volatile uint8_t *)biov[i].iov_base)[0];
					used[i].id = be_elems[i].id;
					used[i].len = 0;
				}
				r = libvhost_vq_push_burst(vq, used, burst);
				if (r != (int)burst)
					die("push_burst", r < 0 ? r : -EINVAL);
			}
			libvhost_vq_notify(vq);
			dev_ticks += ticks() - d0;
			for (i = 0; i < burst; i++)
				if ((r = libvhost_vring_get_used(vr, &tok, &len)) != 1)
					die("get_used", r ? r : -ENODATA);
		}
		buffers += 1000ull * burst;
		t1 = now();
	} while (t1 - t0 < secs);

	printf("%s ring of %u, burst %u%s, %u-byte buffers: %.1f ns per buffer (driver and "
	       "device), %.1f M buffers/s",
	       packed ? "packed" : "split", RING, burst, single ? " (a buffer a call)" : "", size, (t1 - t0) * 1e9 / (double)buffers,
	       (double)buffers / (t1 - t0) / 1e6);
	if (ticks() != tk0)
		printf("; device half %.1f ns (pop, push, notify)",
		       (double)dev_ticks / (double)(ticks() - tk0) * (t1 - t0) * 1e9 / (double)buffers);
	printf("\n");
	libvhost_frontend_unref(fe);
	libvhost_vring_unref(vr);
	libvhost_mem_unref(mem);
	libvhost_backend_unref(be);
	libvhost_ctx_unref(ctx);
	close(st.stop);
	return 0;
}
