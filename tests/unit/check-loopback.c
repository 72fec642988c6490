/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libvhost's front-end against libvhost's back-end, public API only on both
 * sides: negotiation, config, memory (ADD_MEM_REG and SET_MEM_TABLE), split
 * and packed rings carrying data through an echo device on the back-end's
 * thread, stop and resume at the returned base, and a front-end leaving
 * and the next one arriving on a listening back-end.  One test speaks raw
 * messages instead, to send what QEMU 7.2 sends and libvhost's front-end
 * does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "csumdev.h"
#include "proto/msg-log.h"
#include "proto/msg-mem.h"
#include "testutil.h"

#define F_VERSION_1 (1ULL << 32)
#define F_EVENT_IDX (1ULL << 29)
#define F_RING_PACKED (1ULL << 34)
#define NQUEUES 2

struct device {
	struct libvhost_backend *be;
	pthread_t thread;
	int stop; /* eventfd: ends the thread */
	int resets, started, stopped;
	uint8_t config[16];
};

static int dev_get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct device *d = ud;

	if (offset > sizeof(d->config) || len > sizeof(d->config) - offset)
		return -EINVAL;
	memcpy(buf, d->config + offset, len);
	return 0;
}

static int dev_set_config(void *ud, uint32_t offset, const void *buf, uint32_t len,
			  uint32_t flags)
{
	struct device *d = ud;

	if (offset > sizeof(d->config) || len > sizeof(d->config) - offset || flags)
		return -EINVAL;
	memcpy(d->config + offset, buf, len);
	return 0;
}

static int dev_started(void *ud, struct libvhost_vq *vq)
{
	((struct device *)ud)->started++;
	return 0;
}

/*
 * Echo: every readable byte comes back inverted in the writable part.
 * Buffers are taken and given back in bursts of up to four.
 */
static void serve(struct libvhost_vq *vq)
{
	struct iovec iov[16];
	struct libvhost_vq_elem e[4];
	struct libvhost_vq_used u[4];
	int n, k, at;

	while ((n = libvhost_vq_pop_burst(vq, iov, 16, e, 4)) > 0) {
		for (k = 0, at = 0; k < n; at += (int)(e[k].out + e[k].in), k++) {
			const struct iovec *v = iov + at;
			uint32_t len = 0, i;

			if (e[k].out && e[k].in) {
				const uint8_t *src = v[0].iov_base;
				uint8_t *dst = v[e[k].out].iov_base;

				len = (uint32_t)(v[0].iov_len < v[e[k].out].iov_len ? v[0].iov_len
										   : v[e[k].out].iov_len);
				for (i = 0; i < len; i++)
					dst[i] = (uint8_t)~src[i];
			}
			u[k] = (struct libvhost_vq_used){ e[k].id, len };
		}
		ck_assert_int_eq(libvhost_vq_push_burst(vq, u, (unsigned int)n), n);
	}
	libvhost_vq_notify(vq);
}

static void dev_stopped(void *ud, struct libvhost_vq *vq)
{
	((struct device *)ud)->stopped++;
	serve(vq); /* finish what is in flight before the base is read */
}

static int dev_save(void *ud, int fd)
{
	struct device *d = ud;

	return write(fd, d->config, sizeof(d->config)) == sizeof(d->config) ? 0 : -EIO;
}

static int dev_load(void *ud, int fd)
{
	struct device *d = ud;
	uint8_t buf[sizeof(d->config) + 1];
	ssize_t n, got = 0;

	while ((n = read(fd, buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += n;
	if (got != sizeof(d->config))
		return -EINVAL; /* not a state this device wrote */
	memcpy(d->config, buf, sizeof(d->config));
	return 0;
}

static void dev_reset(void *ud)
{
	((struct device *)ud)->resets++;
}

static void serve_ring(void *ud, struct libvhost_vq *vq)
{
	(void)ud;
	serve(vq);
}

static void *device_main(void *arg)
{
	struct device *d = arg;

	tu_serve_loop(d->be, d->stop, NQUEUES, serve_ring, NULL);
	return NULL;
}

static const struct libvhost_backend_ops dev_ops = {
	.sz = sizeof(dev_ops),
	.get_config = dev_get_config,
	.set_config = dev_set_config,
	.queue_started = dev_started,
	.queue_stopped = dev_stopped,
	.reset = dev_reset,
	.save_state = dev_save,
	.load_state = dev_load,
};

static struct libvhost_ctx *ctx;

static void setup(void)
{
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

static struct device *device_new(uint64_t features, uint64_t proto)
{
	struct device *d = calloc(1, sizeof(*d));
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = features, .protocol_features = proto,
		      .queue_num = NQUEUES, .ops = &dev_ops);

	ck_assert_ptr_nonnull(d);
	o.userdata = d;
	memcpy(d->config, "libvhost-config!", 16);
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &d->be), 0);
	d->stop = eventfd(0, EFD_CLOEXEC);
	return d;
}

static void device_start(struct device *d)
{
	ck_assert_int_eq(pthread_create(&d->thread, NULL, device_main, d), 0);
}

static void device_free(struct device *d)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(d->stop, &one, sizeof(one)), sizeof(one));
	pthread_join(d->thread, NULL);
	libvhost_backend_unref(d->be);
	close(d->stop);
	free(d);
}

/* A front-end on the other end of a socketpair with the device. */
static struct libvhost_frontend *pair(struct device *d)
{
	struct libvhost_frontend *fe = NULL;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
	device_start(d);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe), 0);
	return fe;
}

struct driver {
	struct libvhost_mem *mem;
	struct libvhost_vring *vr[NQUEUES];
	int kick[NQUEUES], call[NQUEUES];
	uint8_t *bufs;
};

static void driver_start(struct libvhost_frontend *fe, struct driver *drv, uint64_t ring_flags,
			 unsigned int num)
{
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = ring_flags);
	void *p;
	unsigned int i;

	ck_assert_int_eq(libvhost_mem_new(ctx, &drv->mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(drv->mem, 0, 0x40000, NULL, &p), 0);
	drv->bufs = (uint8_t *)p + 0x20000;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, drv->mem), 0);
	for (i = 0; i < NQUEUES; i++) {
		ck_assert_int_eq(libvhost_vring_new(drv->mem, i * 0x8000, num, &vo, &drv->vr[i]), 0);
		drv->kick[i] = eventfd(0, EFD_CLOEXEC);
		drv->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ck_assert_int_eq(libvhost_dev_start_vring(dev, i, drv->vr[i], drv->kick[i],
							  drv->call[i]),
				 0);
	}
}

static void driver_stop(struct driver *drv)
{
	unsigned int i;

	for (i = 0; i < NQUEUES; i++) {
		libvhost_vring_unref(drv->vr[i]);
		close(drv->kick[i]);
		close(drv->call[i]);
	}
	libvhost_mem_unref(drv->mem);
}

/* Sends @n buffers through ring @q one at a time and checks each echo. */
static void echo(struct driver *drv, unsigned int q, unsigned int n, unsigned int seed)
{
	uint8_t *out = drv->bufs + q * 0x1000, *in = out + 0x800;
	struct iovec iov[2] = { { out, 64 }, { in, 64 } };
	unsigned int i, j;
	void *tok;
	uint32_t len;

	for (i = 0; i < n; i++) {
		struct pollfd pfd = { drv->call[q], POLLIN, 0 };
		uint64_t v;
		int r;

		for (j = 0; j < 64; j++)
			out[j] = (uint8_t)(seed + i + j);
		memset(in, 0, 64);
		ck_assert_int_eq(libvhost_vring_add(drv->vr[q], iov, 1, 1, out), 0);
		libvhost_vring_kick(drv->vr[q]);
		while ((r = libvhost_vring_get_used(drv->vr[q], &tok, &len)) == 0) {
			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
			ck_assert_int_eq(read(drv->call[q], &v, sizeof(v)), sizeof(v));
		}
		ck_assert_int_eq(r, 1);
		ck_assert_ptr_eq(tok, out);
		ck_assert_uint_eq(len, 64);
		for (j = 0; j < 64; j++)
			ck_assert_uint_eq(in[j], (uint8_t)~(seed + i + j));
	}
}

#define GPA_ADDRESSES (1ULL << LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES)

static void session(uint64_t features, uint64_t proto, uint64_t ring_flags, unsigned int num)
{
	struct device *d = device_new(features, proto);
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct driver drv;
	uint8_t cfg[4];
	uint32_t base;
	int fds_before;
	bool chan;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	/* the back-end adds PROTOCOL_FEATURES and LOG_ALL (bits 30 and 26) */
	ck_assert_uint_eq(info.features & ~(1ULL << 30 | 1ULL << 26), features);
	ck_assert_uint_eq(info.queue_num, NQUEUES);
	/* GPA_ADDRESSES is offered only when asked for, and then ring addresses are guest ones */
	ck_assert_uint_eq(info.protocol_features & GPA_ADDRESSES, proto & GPA_ADDRESSES);
	ck_assert_int_eq(libvhost_dev_set_features(dev, features), 0);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 9, cfg, 4), 0);
	ck_assert_mem_eq(cfg, "conf", 4);
	ck_assert_int_eq(libvhost_frontend_set_config(fe, 0, "LIBV", 4, 0), 0);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, 4), 0);
	ck_assert_mem_eq(cfg, "LIBV", 4);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 14, cfg, 4), -EIO); /* past the end */
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x0f), 0);

	fds_before = tu_count_fds();
	driver_start(fe, &drv, ring_flags, num);
	echo(&drv, 0, 3 * num, 1);
	echo(&drv, 1, 2 * num + 1, 7);
	/* stop ring 1 and resume it where the device got to */
	ck_assert_int_eq(libvhost_dev_stop_vring(dev, 1, &base), 0);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 1, drv.vr[1], drv.kick[1], drv.call[1]), 0);
	echo(&drv, 1, num, 9);
	echo(&drv, 0, 1, 3);
	/* memory grows while the rings run: SET_MEM_TABLE maps everything anew */
	ck_assert_int_eq(libvhost_mem_alloc(drv.mem, 0x100000, 0x10000, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, drv.mem), 0);
	echo(&drv, 0, num + 1, 11);
	echo(&drv, 1, 2, 13);
	chan = libvhost_frontend_get_backend_fd(fe) >= 0;
	libvhost_frontend_unref(fe);
	driver_stop(&drv);
	/* the back-end drops the session: rings stopped, memory unmapped, reset */
	while (__atomic_load_n(&d->resets, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	/* both ends of the connection and of the back-end channel are gone; nothing else is open */
	ck_assert_int_eq(tu_count_fds(), fds_before - (chan ? 4 : 2));
	ck_assert_int_ge(d->started, NQUEUES + 1);
	ck_assert_int_ge(d->stopped, 1);
	device_free(d);
}

START_TEST(test_split_mem_slots)
{
	session(F_VERSION_1 | F_EVENT_IDX, 0, LIBVHOST_VRING_F_EVENT_IDX, 16);
}
END_TEST

START_TEST(test_split_mem_table)
{
	uint64_t proto = (1ULL << LIBVHOST_USER_PROTOCOL_F_MQ) |
			 (1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIG) |
			 (1ULL << LIBVHOST_USER_PROTOCOL_F_STATUS);

	session(F_VERSION_1, proto, 0, 8);
}
END_TEST

START_TEST(test_packed)
{
	session(F_VERSION_1 | F_RING_PACKED | F_EVENT_IDX, 0,
		LIBVHOST_VRING_F_PACKED | LIBVHOST_VRING_F_EVENT_IDX, 7);
}
END_TEST

/* The same session with GPA_ADDRESSES offered: the rings are found by guest address. */
START_TEST(test_gpa_addresses)
{
	uint64_t proto = libvhost_protocol_features_known();

	if (_i)
		session(F_VERSION_1 | F_RING_PACKED, proto, LIBVHOST_VRING_F_PACKED, 8);
	else
		session(F_VERSION_1 | F_EVENT_IDX, proto, LIBVHOST_VRING_F_EVENT_IDX, 16);
}
END_TEST

/*
 * libvhost_vq_set_kicks(0), made before the session: the driver's kick of
 * ring 0 is suppressed through a stop and a restart of the ring, ring 1
 * still kicks; the device serves ring 0 when it looks (here: woken by hand).
 */
static const uint64_t kick_rings[][2] = {
	{ F_VERSION_1, 0 },
	{ F_VERSION_1 | F_EVENT_IDX, LIBVHOST_VRING_F_EVENT_IDX },
	{ F_VERSION_1 | F_RING_PACKED, LIBVHOST_VRING_F_PACKED },
};

START_TEST(test_kicks_off)
{
	struct device *d = device_new(kick_rings[_i][0], 0);
	struct libvhost_vq *vq0 = libvhost_backend_get_vq(d->be, 0);
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct driver drv;
	uint8_t *b, cfg[4];
	uint64_t one = 1;
	uint32_t base, len;
	void *tok;
	int round;

	ck_assert_int_eq(libvhost_vq_set_kicks(vq0, 0), 0); /* not started: nothing waiting */
	ck_assert_int_eq(libvhost_vq_set_kicks(NULL, 0), -EINVAL);
	fe = pair(d);
	dev = libvhost_frontend_get_dev(fe);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, kick_rings[_i][0]), 0);
	driver_start(fe, &drv, kick_rings[_i][1], 8);
	b = drv.bufs;
	for (round = 0; round < 2; round++) {
		struct iovec iov[2] = { { b, 64 }, { b + 0x800, 64 } };
		struct pollfd pfd = { drv.call[0], POLLIN, 0 };

		/* a reply: the back-end has processed the ring's start before it */
		ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, 4), 0);
		/* the call a new call fd gets at once (a reconnect's lost call) */
		ck_assert_int_eq(read(drv.call[0], &one, sizeof(one)), sizeof(one));
		memset(b, 0x5a, 64);
		ck_assert_int_eq(libvhost_vring_add(drv.vr[0], iov, 1, 1, b), 0);
		ck_assert_int_eq(libvhost_vring_kick(drv.vr[0]), 0);
		echo(&drv, 1, 3, 7);
		ck_assert_int_eq(write(drv.kick[0], &one, sizeof(one)), sizeof(one));
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_eq(libvhost_vring_get_used(drv.vr[0], &tok, &len), 1);
		ck_assert_ptr_eq(tok, b);
		ck_assert_uint_eq(b[0x800], 0xa5);
		ck_assert_int_eq(read(drv.call[0], &one, sizeof(one)), sizeof(one));
		/* the choice stays when the ring starts again */
		ck_assert_int_eq(libvhost_dev_stop_vring(dev, 0, &base), 0);
		ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, drv.vr[0], drv.kick[0],
							  drv.call[0]),
				 0);
	}
	libvhost_frontend_unref(fe);
	driver_stop(&drv);
	device_free(d);
}
END_TEST

/*
 * A back-end killed after it published used buffers and before its call
 * reached the driver leaves them untold, and the driver waits on them for
 * ever (seen in a soak of qemu-linux-blk-restart: the guest's I/O stopped
 * after a restart).  QEMU gives the restarted back-end its call fds before
 * the rings, so each new call fd is signalled once at once.
 */
START_TEST(test_call_fd_signalled)
{
	struct device *d = device_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	int call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pollfd pfd = { call, POLLIN, 0 };
	uint64_t n;
	uint8_t cfg[4];

	ck_assert_int_ge(call, 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_dev_set_vring_call(dev, 0, call), 0);
	/* a reply: the back-end has taken the call fd before it */
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, 4), 0);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(read(call, &n, sizeof(n)), sizeof(n));
	ck_assert_uint_eq(n, 1);
	/* none: no call */
	ck_assert_int_eq(libvhost_dev_set_vring_call(dev, 0, -1), 0);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, 4), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	libvhost_frontend_unref(fe);
	close(call);
	device_free(d);
}
END_TEST

/* @rounds front-ends one after another on the back-end listening at @path: each echoes, leaves. */
static void serve_rounds(struct device *d, const char *path, const struct libvhost_frontend_opts *o,
			 int rounds)
{
	struct libvhost_frontend *fe;
	struct driver drv;
	int round;

	for (round = 0; round < rounds; round++) {
		ck_assert_int_eq(libvhost_frontend_connect(ctx, path, o, &fe), 0);
		ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
		ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe),
							   F_VERSION_1),
				 0);
		driver_start(fe, &drv, 0, 8);
		echo(&drv, round % NQUEUES, 20, (unsigned int)round);
		libvhost_frontend_unref(fe);
		driver_stop(&drv);
		while (__atomic_load_n(&d->resets, __ATOMIC_SEQ_CST) <= round)
			usleep(1000);
	}
}

/*
 * SET_VRING_KICK on a running ring: the fd number stays, its file changes.
 * A device asleep in poll() on the old file is deaf to the new one (the
 * net-mq test's packed phase stalled so under load), so the old file is
 * kicked once: the sleeper wakes and polls the new file.
 */
START_TEST(test_kick_fd_replaced)
{
	struct device *d = device_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	int old, kick = eventfd(0, EFD_CLOEXEC);
	struct pollfd pfd;
	struct driver drv;
	uint8_t cfg[4];

	ck_assert_int_ge(kick, 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	driver_start(fe, &drv, 0, 8);
	echo(&drv, 0, 4, 1);
	/* the old file, as a device asleep on it holds it */
	old = fcntl(libvhost_vq_get_kick_fd(libvhost_backend_get_vq(d->be, 0)), F_DUPFD_CLOEXEC, 0);
	ck_assert_int_ge(old, 0);
	pfd = (struct pollfd){ old, POLLIN, 0 };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0); /* every kick so far was taken */
	ck_assert_int_eq(libvhost_dev_set_vring_kick(dev, 0, kick), 0);
	/* a reply: the back-end has taken the new kick fd before it */
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, cfg, 4), 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 1);
	/* and the ring goes on, kicked through the new one */
	ck_assert_int_eq(libvhost_vring_set_kick_fd(drv.vr[0], kick), 0);
	close(drv.kick[0]);
	drv.kick[0] = kick;
	echo(&drv, 0, 4, 2);
	close(old);
	driver_stop(&drv);
	libvhost_frontend_unref(fe);
	device_free(d);
}
END_TEST

START_TEST(test_next_frontend)
{
	char dir[] = "/tmp/lvh-lb-XXXXXX", path[108];
	struct device *d = device_new(F_VERSION_1, 0);
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .connect_retries = 20);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(libvhost_backend_listen(d->be, path), 0);
	ck_assert_int_eq(libvhost_backend_listen(d->be, path), -EBUSY);
	device_start(d);
	serve_rounds(d, path, &o, 3);
	device_free(d);
	ck_assert_int_eq(access(path, F_OK), -1);
	rmdir(dir);
}
END_TEST

/* A listening socket made by someone else (systemd's socket activation): served like listen's, never unlinked. */
START_TEST(test_listen_fd)
{
	char dir[] = "/tmp/lvh-lb-XXXXXX", path[108];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct device *d = device_new(F_VERSION_1, 0);
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .connect_retries = 20);
	int lfd, sv[2], udp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* not listening yet, a connected socket, a datagram socket, a bad fd */
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, lfd), -EINVAL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, sv[1]), -EINVAL);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(udp, 0);
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, udp), -EINVAL);
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, -1), -EINVAL);
	ck_assert_int_eq(libvhost_backend_listen_fd(NULL, lfd), -EINVAL);
	close(udp);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, lfd), 0);
	ck_assert_int_eq(libvhost_backend_listen_fd(d->be, lfd), -EBUSY);
	ck_assert_int_eq(libvhost_backend_listen(d->be, path), -EBUSY);
	device_start(d);
	serve_rounds(d, path, &o, 2);
	device_free(d);
	/* the socket's file is its maker's */
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(fcntl(lfd, F_GETFD), -1); /* closed with the back-end */
	unlink(path);
	rmdir(dir);
}
END_TEST


/*
 * What QEMU sends to running rings as migration starts (@on) and ends:
 * their addresses again with the used ring's logging switched.
 */
static void log_rings(struct libvhost_dev *dev, struct driver *drv, bool on)
{
	uint64_t desc, avail, used, used_gpa;
	unsigned int i;

	for (i = 0; i < NQUEUES; i++) {
		libvhost_vring_get_addrs(drv->vr[i], 0, &desc, &avail, &used);
		libvhost_vring_get_addrs(drv->vr[i], 1, NULL, NULL, &used_gpa);
		ck_assert_int_eq(libvhost_dev_set_vring_addr(dev, i, desc, avail, used, used_gpa,
							     on ? 1u << LIBVHOST_VRING_F_LOG : 0),
				 0);
	}
}

START_TEST(test_dirty_log)
{
	struct device *d = device_new(F_VERSION_1 | F_EVENT_IDX, 0);
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct driver drv;
	uint8_t *log;
	uint64_t v, used, page;
	int logfd = memfd_create("log", MFD_CLOEXEC), logev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ck_assert_int_ge(logfd, 0);
	ck_assert_int_eq(ftruncate(logfd, 4096), 0);
	log = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, logfd, 0);
	ck_assert_ptr_ne(log, MAP_FAILED);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | F_EVENT_IDX), 0);
	driver_start(fe, &drv, LIBVHOST_VRING_F_EVENT_IDX, 16);
	/* nothing is logged before LOG_ALL */
	echo(&drv, 0, 2, 1);
	ck_assert_int_eq(libvhost_frontend_set_log_base(fe, logfd, 4096, 0), 0);
	ck_assert_int_eq(libvhost_frontend_set_log_fd(fe, logev), 0);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, &v, 1), 0); /* a round trip */
	for (page = 0; page < 64; page++)
		ck_assert_uint_eq(log[page / 8] & (1u << page % 8), 0);
	/* migration starts: LOG_ALL and the rings' logging while they run (the session stays) */
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | F_EVENT_IDX | 1ULL << 26), 0);
	log_rings(dev, &drv, true);
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, &v, 1), 0);
	echo(&drv, 1, 3, 5);
	/* ring 1's buffers: out at 0x21000, in at 0x21800 (page 0x21, written) */
	page = (uint64_t)(drv.bufs + 0x1800 - (uint8_t *)libvhost_mem_translate(drv.mem, 0, 1)) >> 12;
	ck_assert_uint_eq(page, 0x21);
	ck_assert_uint_ne(log[page / 8] & (1u << page % 8), 0);
	/* ring 1's used ring (at guest 0x8000 + its offset) */
	libvhost_vring_get_addrs(drv.vr[1], 1, NULL, NULL, &used);
	page = used >> 12;
	ck_assert_uint_ne(log[page / 8] & (1u << page % 8), 0);
	/* ring 0's buffers were not written since the log began, nor was page 0x30 */
	ck_assert_uint_eq(log[0x20 / 8] & (1u << 0x20 % 8), 0);
	ck_assert_uint_eq(log[0x30 / 8] & (1u << 0x30 % 8), 0);
	/* the back-end counts the pages it marked: ring 1's buffer and used ring at least */
	{
		struct libvhost_backend_stats st = { .sz = sizeof(st) }, old = { .sz = 16 };
		uint64_t bits = 0;

		ck_assert_int_eq(libvhost_backend_get_stats(d->be, &st), 0);
		for (page = 0; page < 64 * 8; page++)
			bits += (log[page / 8] >> page % 8) & 1;
		ck_assert_uint_eq(st.log_pages, bits);
		ck_assert_uint_ge(st.log_pages, 2);
		ck_assert_uint_eq(st.sessions, 1);
		ck_assert_uint_eq(st.mem_regions_added, 1);
		ck_assert_uint_eq(st.mem_regions_removed, 0);
		/* an older caller's smaller struct: filled up to its size */
		ck_assert_int_eq(libvhost_backend_get_stats(d->be, &old), 0);
		ck_assert_uint_eq(old.sessions, 1);
		ck_assert_uint_eq(old.inflight_resubmitted, 0);
		old.sz = 8;
		ck_assert_int_eq(libvhost_backend_get_stats(d->be, &old), -EINVAL);
		ck_assert_int_eq(libvhost_backend_get_stats(NULL, &st), -EINVAL);
	}
	ck_assert_int_eq(read(logev, &v, sizeof(v)), sizeof(v));
	/* migration is cancelled: logging off again, the rings run on and log nothing */
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | F_EVENT_IDX), 0);
	log_rings(dev, &drv, false);
	memset(log, 0, 4096);
	echo(&drv, 0, 3, 9);
	echo(&drv, 1, 3, 11);
	for (page = 0; page < 64; page++)
		ck_assert_uint_eq(log[page / 8] & (1u << page % 8), 0);
	/* a running ring given addresses outside guest memory: refused, the session ends */
	ck_assert_int_lt(libvhost_dev_set_vring_addr(dev, 0, 0x7000000, 0x7001000, 0x7002000, 0, 0),
			 0);
	libvhost_frontend_unref(fe);
	driver_stop(&drv);
	munmap(log, 4096);
	close(logfd);
	close(logev);
	device_free(d);
}
END_TEST


static void *listen_main(void *arg)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, o, .timeout_ms = 10000);
	struct libvhost_frontend *fe = NULL;

	if (libvhost_frontend_listen(ctx, arg, &o, &fe) < 0)
		return NULL;
	return fe;
}

/* The back-end as the client of a listening front-end, and back again after it left. */
START_TEST(test_backend_client)
{
	char dir[] = "/tmp/lvh-lb-XXXXXX", path[108];
	struct device *d = device_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe;
	struct driver drv;
	pthread_t t;
	int round, r, i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(libvhost_backend_connect(d->be, path), -ENOENT);
	for (round = 0; round < 2; round++) {
		/* the front-end listens; the back-end finds it (connect, then retries) */
		if (round == 0) {
			ck_assert_int_eq(pthread_create(&t, NULL, listen_main, path), 0);
			/*
			 * Until the front-end's thread is there: no path before
			 * its bind(), refused between bind() and listen().
			 */
			for (i = 0; (r = libvhost_backend_connect(d->be, path)) < 0 && i < 10000;
			     i++) {
				ck_assert(r == -ENOENT || r == -ECONNREFUSED);
				usleep(1000);
			}
			ck_assert_int_eq(r, 0);
			device_start(d);
		} else {
			ck_assert_int_eq(pthread_create(&t, NULL, listen_main, path), 0);
		}
		pthread_join(t, (void **)&fe);
		ck_assert_ptr_nonnull(fe);
		ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
		ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe),
							   F_VERSION_1),
				 0);
		driver_start(fe, &drv, 0, 8);
		echo(&drv, 0, 10, (unsigned int)round);
		libvhost_frontend_unref(fe);
		driver_stop(&drv);
		while (__atomic_load_n(&d->resets, __ATOMIC_SEQ_CST) <= round)
			usleep(1000);
	}
	device_free(d);
	rmdir(dir);
}
END_TEST


START_TEST(test_device_state)
{
	struct device *src = device_new(F_VERSION_1, 0), *dst = device_new(F_VERSION_1, 0);
	struct libvhost_frontend *a = pair(src), *b = pair(dst);
	uint8_t state[64];
	ssize_t n, got = 0;
	int p[2], fd;

	memcpy(src->config, "migrated-state!!", 16);
	ck_assert_int_eq(libvhost_frontend_negotiate(a), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(b), 0);
	/* save: the source writes its state into our pipe */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(libvhost_frontend_set_device_state_fd(a, 0, p[1], &fd), 0);
	ck_assert_int_eq(fd, -1);
	close(p[1]);
	while ((n = read(p[0], state + got, sizeof(state) - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	ck_assert_int_eq(got, 16);
	ck_assert_int_eq(libvhost_frontend_check_device_state(a), 0);
	/* load: the destination reads it */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(libvhost_frontend_set_device_state_fd(b, 1, p[0], &fd), 0);
	close(p[0]);
	ck_assert_int_eq(write(p[1], state, (size_t)got), got);
	close(p[1]);
	ck_assert_int_eq(libvhost_frontend_check_device_state(b), 0);
	ck_assert_mem_eq(dst->config, "migrated-state!!", 16);
	/* a state the device refuses: CHECK says so */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(libvhost_frontend_set_device_state_fd(b, 1, p[0], &fd), 0);
	close(p[0]);
	ck_assert_int_eq(write(p[1], "short", 5), 5);
	close(p[1]);
	ck_assert_int_eq(libvhost_frontend_check_device_state(b), -EIO);
	libvhost_frontend_unref(a);
	libvhost_frontend_unref(b);
	device_free(src);
	device_free(dst);
}
END_TEST

/* ---- a back-end killed mid-I/O and started again (INFLIGHT_SHMFD) ---- */

#define RS_NUM 16
#define RS_BUFS 8

/*
 * A back-end process on @path.  With @hold_odd it returns only the buffers
 * whose first byte is even and keeps the others, then tells @report once it
 * has taken RS_BUFS buffers; without, it echoes everything.
 */
static void restart_backend(const char *path, uint64_t features, bool hold_odd, int report)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = features);
	struct libvhost_backend *be;
	struct libvhost_ctx *c = tu_ctx_new();
	unsigned int taken = 0;

	unlink(path);
	if (libvhost_backend_new(c, &o, &be) < 0 || libvhost_backend_listen(be, path) < 0)
		_exit(2);
	for (;;) {
		struct libvhost_vq *vq = libvhost_backend_get_vq(be, 0);
		struct pollfd pfd[2] = { { libvhost_backend_get_fd(be), POLLIN, 0 },
					 { libvhost_vq_get_kick_fd(vq), POLLIN, 0 } };
		struct iovec iov[4];
		struct libvhost_vq_elem e;
		uint64_t v;

		if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, 1000) < 0)
			_exit(3);
		if (pfd[0].revents && libvhost_backend_process(be) < 0)
			_exit(4);
		if (pfd[1].fd >= 0 && pfd[1].revents && read(pfd[1].fd, &v, sizeof(v)) < 0)
			_exit(5);
		while (libvhost_vq_pop(vq, iov, 4, &e) == 1) {
			const uint8_t *src = iov[0].iov_base;
			uint8_t *dst = iov[1].iov_base;
			unsigned int i;

			taken++;
			if (hold_odd && (src[0] & 1))
				continue;
			for (i = 0; i < 64; i++)
				dst[i] = (uint8_t)~src[i];
			libvhost_vq_push(vq, e.id, 64);
		}
		libvhost_vq_notify(vq);
		if (hold_odd && taken == RS_BUFS) {
			if (write(report, "!", 1) != 1)
				_exit(6);
			taken++;
		}
	}
}

static pid_t spawn_backend(const char *path, uint64_t features, bool hold_odd, int report)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		restart_backend(path, features, hold_odd, report);
	return pid;
}

/* The front-end's side of a (re)started session: negotiate, inflight area, memory, ring. */
static void restart_session(struct libvhost_frontend *fe, uint64_t features, struct driver *drv,
			    int *ifl_fd, uint64_t *ifl_size, uint64_t *ifl_off)
{
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	/* as QEMU does: the area is asked for before the features are set */
	if (*ifl_fd < 0)
		ck_assert_int_eq(libvhost_frontend_get_inflight(fe, 1, RS_NUM, ifl_fd, ifl_size,
								ifl_off),
				 0);
	ck_assert_int_eq(libvhost_frontend_set_inflight(fe, *ifl_fd, *ifl_size, *ifl_off, 1,
							 RS_NUM),
			 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, features), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, drv->mem), 0);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, drv->vr[0], drv->kick[0], drv->call[0]),
			 0);
}

/* Collects used buffers until @total have come back; each token at most once. */
static void collect(struct driver *drv, unsigned int *got, unsigned int total, unsigned int *n)
{
	struct pollfd pfd = { drv->call[0], POLLIN, 0 };
	void *tok;
	uint32_t len;
	uint64_t v;

	while (*n < total) {
		int r = libvhost_vring_get_used(drv->vr[0], &tok, &len);

		ck_assert_int_ge(r, 0); /* a buffer returned twice breaks the ring */
		if (r == 1) {
			uintptr_t i = (uintptr_t)tok - 1;
			const uint8_t *out = drv->bufs + i * 0x100, *in = out + 0x80;
			unsigned int j;

			ck_assert_uint_lt(i, RS_BUFS + 4);
			ck_assert_uint_eq(got[i]++, 0);
			ck_assert_uint_eq(len, 64);
			for (j = 0; j < 64; j++)
				ck_assert_uint_eq(in[j], (uint8_t)~out[j]);
			(*n)++;
			continue;
		}
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_eq(read(drv->call[0], &v, sizeof(v)), sizeof(v));
	}
}

static void add_bufs(struct driver *drv, unsigned int from, unsigned int to)
{
	unsigned int i, j;

	for (i = from; i < to; i++) {
		uint8_t *out = drv->bufs + i * 0x100;
		struct iovec iov[2] = { { out, 64 }, { out + 0x80, 64 } };

		for (j = 0; j < 64; j++)
			out[j] = (uint8_t)(i + j * 3);
		ck_assert_int_eq(libvhost_vring_add(drv->vr[0], iov, 1, 1, (void *)(uintptr_t)(i + 1)),
				 0);
	}
	libvhost_vring_kick(drv->vr[0]);
}

static void restart_inflight(uint64_t ring_flags)
{
	uint64_t features = F_VERSION_1 | (ring_flags ? F_RING_PACKED : 0), ifl_size = 0,
		 ifl_off = 0;
	char dir[] = "/tmp/lvh-rs-XXXXXX", path[108], c;
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .connect_retries = 200,
		      .retry_interval_ms = 10);
	LIBVHOST_OPTS(libvhost_vring_opts, vo, .flags = ring_flags);
	struct libvhost_frontend *fe;
	unsigned int got[RS_BUFS + 4] = { 0 }, n = 0;
	struct pollfd pfd;
	struct driver drv;
	int report[2], ifl_fd = -1, status;
	pid_t pid;
	void *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	ck_assert_int_eq(pipe(report), 0);
	pid = spawn_backend(path, features, true, report[1]);
	ck_assert_int_eq(libvhost_frontend_connect(ctx, path, &fo, &fe), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &drv.mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(drv.mem, 0, 0x40000, NULL, &p), 0);
	drv.bufs = (uint8_t *)p + 0x20000;
	ck_assert_int_eq(libvhost_vring_new(drv.mem, 0, RS_NUM, &vo, &drv.vr[0]), 0);
	drv.kick[0] = eventfd(0, EFD_CLOEXEC);
	drv.call[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	restart_session(fe, features, &drv, &ifl_fd, &ifl_size, &ifl_off);

	/* eight requests: the back-end answers the even ones and dies holding the odd */
	add_bufs(&drv, 0, RS_BUFS);
	pfd = (struct pollfd){ report[0], POLLIN, 0 };
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(read(report[0], &c, 1), 1);
	collect(&drv, got, RS_BUFS / 2, &n);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);

	/* a new back-end; the front-end reconnects and hands the area back */
	pid = spawn_backend(path, features, false, -1);
	ck_assert_int_eq(libvhost_frontend_reconnect(fe), 0);
	restart_session(fe, features, &drv, &ifl_fd, &ifl_size, &ifl_off);
	collect(&drv, got, RS_BUFS, &n);
	/* and new requests go on as usual */
	add_bufs(&drv, RS_BUFS, RS_BUFS + 4);
	collect(&drv, got, RS_BUFS + 4, &n);

	libvhost_frontend_unref(fe);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	libvhost_vring_unref(drv.vr[0]);
	close(drv.kick[0]);
	close(drv.call[0]);
	libvhost_mem_unref(drv.mem);
	close(ifl_fd);
	close(report[0]);
	close(report[1]);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_restart_split)
{
	restart_inflight(0);
}
END_TEST

START_TEST(test_restart_packed)
{
	restart_inflight(LIBVHOST_VRING_F_PACKED);
}
END_TEST

/* ---- the device-type requests: net, crypto, GPU, shared objects, shared memory ---- */

struct typed {
	struct device dev; /* first: the common ops take it */
	unsigned int mtu;
	uint8_t mac[6];
	int64_t next_id, closed;
	int shared; /* a memfd exported under SHARED_UUID */
};

static const uint8_t SHARED_UUID[16] = { 0x6c, 0x69, 0x62, 0x76, 0x68, 0x6f, 0x73, 0x74,
					 0x40, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x01 };

static int typed_mtu(void *ud, unsigned int mtu)
{
	if (mtu == 4242)
		return -EINVAL; /* a value this device refuses */
	((struct typed *)ud)->mtu = mtu;
	return 0;
}

static int typed_rarp(void *ud, const uint8_t mac[6])
{
	memcpy(((struct typed *)ud)->mac, mac, 6);
	return 0;
}

static int typed_create(void *ud, const void *session, size_t len, int64_t *ret_id)
{
	struct typed *t = ud;
	uint32_t op, alg;

	/* the current layout: op code at 0, then the cipher's algorithm (32-bit, after padding) */
	if (len != 1072)
		return -EINVAL;
	memcpy(&op, session, 4);
	memcpy(&alg, (const uint8_t *)session + 8, 4);
	if (alg == 99)
		return -ENOTSUP;
	*ret_id = t->next_id++;
	return 0;
}

static int typed_close(void *ud, int64_t id)
{
	struct typed *t = ud;

	if (id < 7 || id >= t->next_id)
		return -ENOENT;
	t->closed = id;
	return 0;
}

static int typed_gpu(void *ud, int fd)
{
	/* proves the fd is the front-end's socket: say hello on it, then drop it */
	ssize_t n = write(fd, "gpu", 3);

	close(fd);
	return n == 3 ? 0 : -EIO;
}

static int typed_shared(void *ud, const uint8_t uuid[16], int *ret_fd)
{
	struct typed *t = ud;

	if (memcmp(uuid, SHARED_UUID, 16))
		return -ENOENT;
	*ret_fd = dup(t->shared);
	return *ret_fd < 0 ? -errno : 0;
}

static int typed_shmem(void *ud, uint64_t *sizes, unsigned int n)
{
	ck_assert_uint_eq(n, 256);
	sizes[0] = 0x10000;
	sizes[3] = 0x200000;
	return 0;
}

static const struct libvhost_backend_ops typed_ops = {
	.sz = sizeof(typed_ops),
	.get_config = dev_get_config,
	.set_config = dev_set_config,
	.queue_started = dev_started,
	.queue_stopped = dev_stopped,
	.reset = dev_reset,
	.set_mtu = typed_mtu,
	.send_rarp = typed_rarp,
	.create_crypto_session = typed_create,
	.close_crypto_session = typed_close,
	.gpu_set_socket = typed_gpu,
	.get_shared_object = typed_shared,
	.get_shmem_config = typed_shmem,
};

/* The back-end's "<- REQUEST" debug lines: which requests it received. */
static bool received[64];

static void record_requests(void *userdata, int priority, const char *file, int line,
			    const char *func, const char *format, va_list args) LIBVHOST_PRINTF(6, 0);

static void record_requests(void *userdata, int priority, const char *file, int line,
			    const char *func, const char *format, va_list args)
{
	char buf[256];
	uint32_t r;

	vsnprintf(buf, sizeof(buf), format, args);
	if (strncmp(buf, "vhost-user back-end: <- ", 24))
		return;
	for (r = 0; r < 64; r++) {
		const char *name = libvhost_request_name(0, r);

		if (name && !strcmp(buf + 24, name))
			received[r] = true;
	}
}

static void crypto_bytes(uint8_t *b, uint32_t alg)
{
	uint32_t op = 0x0002; /* CIPHER_CREATE */

	memset(b, 0, 1072);
	memcpy(b, &op, 4);
	memcpy(b + 8, &alg, 4);
}

START_TEST(test_device_requests)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, co, .log_fn = record_requests, .log_priority = LOG_DEBUG);
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .protocol_features = libvhost_protocol_features_known());
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .features = F_VERSION_1, .queue_num = NQUEUES,
		      .ops = &typed_ops);
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, other[16] = { 1 };
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	struct libvhost_ctx *rctx;
	struct typed *t = calloc(1, sizeof(*t));
	struct libvhost_frontend *fe;
	struct driver drv;
	uint8_t sess[1072], status;
	uint64_t sizes[8];
	int64_t id;
	char buf[8];
	int sv[2], gpu[2], fd;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(libvhost_ctx_new(&co, &rctx), 0);
	bo.userdata = t;
	t->next_id = 7;
	t->shared = memfd_create("dmabuf", MFD_CLOEXEC);
	ck_assert_int_eq(write(t->shared, "dma-buf!", 8), 8);
	ck_assert_int_eq(libvhost_backend_new(rctx, &bo, &t->dev.be), 0);
	t->dev.stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(t->dev.be, sv[1]), 0);
	device_start(&t->dev);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], &fo, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	/* offered because the device's ops answer them */
	ck_assert_uint_eq(info.protocol_features & (1ULL << LIBVHOST_USER_PROTOCOL_F_NET_MTU |
						    1ULL << LIBVHOST_USER_PROTOCOL_F_RARP |
						    1ULL << LIBVHOST_USER_PROTOCOL_F_CRYPTO_SESSION |
						    1ULL << LIBVHOST_USER_PROTOCOL_F_SHARED_OBJECT |
						    1ULL << LIBVHOST_USER_PROTOCOL_F_SHMEM),
			  1ULL << LIBVHOST_USER_PROTOCOL_F_NET_MTU | 1ULL << LIBVHOST_USER_PROTOCOL_F_RARP |
				  1ULL << LIBVHOST_USER_PROTOCOL_F_CRYPTO_SESSION |
				  1ULL << LIBVHOST_USER_PROTOCOL_F_SHARED_OBJECT |
				  1ULL << LIBVHOST_USER_PROTOCOL_F_SHMEM);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1), 0);

	/* net */
	ck_assert_int_eq(libvhost_frontend_set_mtu(fe, 9000), 0);
	ck_assert_uint_eq(t->mtu, 9000);
	ck_assert_int_eq(libvhost_frontend_set_mtu(fe, 4242), -EIO); /* the device said no */
	ck_assert_uint_eq(t->mtu, 9000);
	ck_assert_int_eq(libvhost_frontend_send_rarp(fe, mac), 0);
	ck_assert_mem_eq(t->mac, mac, 6);
	/* crypto: two sessions, one refused, closes of a known and an unknown id */
	crypto_bytes(sess, 1);
	ck_assert_int_eq(libvhost_frontend_create_crypto_session(fe, sess, sizeof(sess), &id), 0);
	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(libvhost_frontend_create_crypto_session(fe, sess, sizeof(sess), &id), 0);
	ck_assert_int_eq(id, 8);
	crypto_bytes(sess, 99);
	ck_assert_int_eq(libvhost_frontend_create_crypto_session(fe, sess, sizeof(sess), &id), -EIO);
	ck_assert_int_eq(libvhost_frontend_close_crypto_session(fe, 7), 0);
	ck_assert_int_eq(t->closed, 7);
	ck_assert_int_eq(libvhost_frontend_close_crypto_session(fe, 9), -EIO);
	/* GPU: the device writes on the socket it was given */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gpu), 0);
	ck_assert_int_eq(libvhost_frontend_gpu_set_socket(fe, gpu[1]), 0);
	close(gpu[1]);
	ck_assert_int_eq(read(gpu[0], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "gpu", 3);
	close(gpu[0]);
	/* shared objects: one known, one not */
	ck_assert_int_eq(libvhost_frontend_get_shared_object(fe, SHARED_UUID, &fd), 0);
	ck_assert_int_eq(pread(fd, buf, 8, 0), 8);
	ck_assert_mem_eq(buf, "dma-buf!", 8);
	close(fd);
	ck_assert_int_eq(libvhost_frontend_get_shared_object(fe, other, &fd), -ENOENT);
	/* shared memory regions */
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(fe, sizes, 8), 2);
	ck_assert_uint_eq(sizes[0], 0x10000);
	ck_assert_uint_eq(sizes[1], 0);
	ck_assert_uint_eq(sizes[3], 0x200000);
	/* status, and a device reset through the rings' life */
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x0f), 0);
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &status), 0);
	ck_assert_uint_eq(status, 0x0f);
	driver_start(fe, &drv, 0, 8);
	echo(&drv, 0, 4, 3);
	ck_assert_int_eq(libvhost_frontend_reset_device(fe), 0);
	ck_assert_int_ge(t->dev.resets, 1);
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &status), 0);
	ck_assert_uint_eq(status, 0);
	/*
	 * the connection keeps what it negotiated (REPLY_ACK: a refusal is
	 * still reported), and the device starts again as QEMU restarts it
	 */
	ck_assert_int_eq(libvhost_frontend_set_mtu(fe, 4242), -EIO);
	driver_stop(&drv);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1), 0);
	driver_start(fe, &drv, 0, 8);
	echo(&drv, 1, 4, 5);
	/* the connection is still good after every refusal */
	ck_assert_int_eq(libvhost_frontend_get_config(fe, 0, buf, 4), 0);

	/* what the back-end received, by the request codes of this family set */
	ck_assert(received[LIBVHOST_USER_NET_SET_MTU] && received[LIBVHOST_USER_SEND_RARP]);
	ck_assert(received[LIBVHOST_USER_CREATE_CRYPTO_SESSION] &&
		  received[LIBVHOST_USER_CLOSE_CRYPTO_SESSION]);
	ck_assert(received[LIBVHOST_USER_GPU_SET_SOCKET] && received[LIBVHOST_USER_GET_SHARED_OBJECT]);
	ck_assert(received[LIBVHOST_USER_GET_SHMEM_CONFIG] && received[LIBVHOST_USER_RESET_DEVICE]);
	ck_assert(received[LIBVHOST_USER_SET_STATUS] && received[LIBVHOST_USER_GET_STATUS]);
	libvhost_frontend_unref(fe);
	driver_stop(&drv);
	close(t->shared);
	device_free(&t->dev); /* frees t: dev is its first member */
	libvhost_ctx_unref(rctx);
}
END_TEST

/* A device without those ops: the features are not offered, GPU_SET_SOCKET is refused. */
START_TEST(test_device_requests_absent)
{
	struct device *d = device_new(F_VERSION_1, 0);
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .protocol_features = libvhost_protocol_features_known());
	const uint8_t mac[6] = { 2 }, uuid[16] = { 1 };
	struct libvhost_frontend *fe;
	uint64_t sizes[1];
	int64_t id;
	uint8_t sess[1072];
	int sv[2], gpu[2], fd;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
	device_start(d);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], &fo, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	crypto_bytes(sess, 1);
	ck_assert_int_eq(libvhost_frontend_set_mtu(fe, 1500), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_frontend_send_rarp(fe, mac), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_frontend_create_crypto_session(fe, sess, sizeof(sess), &id),
			 -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_frontend_get_shared_object(fe, uuid, &fd), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(fe, sizes, 1), -EOPNOTSUPP);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gpu), 0);
	ck_assert_int_eq(libvhost_frontend_gpu_set_socket(fe, gpu[1]), -EIO);
	close(gpu[0]);
	close(gpu[1]);
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x0f), 0);
	libvhost_frontend_unref(fe);
	device_free(d);
}
END_TEST

/* ---- the back-end channel: config change, host notifier, in-band kicks, calls, errors ---- */

struct chan_seen {
	int config, call, err, notifier;
};

static int seen_config(void *ud)
{
	__atomic_add_fetch(&((struct chan_seen *)ud)->config, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int seen_notifier(void *ud, unsigned int index, int fd, uint64_t size, uint64_t offset)
{
	struct chan_seen *c = ud;

	c->notifier = index == 1 && fd >= 0 && size == 4096 && offset == 8192 ? 1 : -1;
	if (fd >= 0)
		close(fd);
	return 0;
}

static int seen_call(void *ud, unsigned int index)
{
	((struct chan_seen *)ud)->call += index == 0;
	return 0;
}

static int seen_err(void *ud, unsigned int index)
{
	((struct chan_seen *)ud)->err += index == 0;
	return 0;
}

static const struct libvhost_frontend_ops seen_ops = {
	.sz = sizeof(seen_ops),
	.config_change = seen_config,
	.host_notifier = seen_notifier,
	.vring_call = seen_call,
	.vring_err = seen_err,
};

struct chan_job {
	struct libvhost_backend *be;
	int what, result;
};

static void *chan_job_main(void *arg)
{
	struct chan_job *j = arg;
	int fd = memfd_create("notify", MFD_CLOEXEC);

	if (j->what == 0) {
		j->result = libvhost_backend_config_changed(j->be);
	} else {
		j->result = ftruncate(fd, 16384) < 0 ? -errno
			    : libvhost_vq_set_host_notifier(libvhost_backend_get_vq(j->be, 1), fd,
							    8192, 4096);
	}
	close(fd);
	return NULL;
}

/* Runs a back-end request on another thread while this one answers it. */
static int chan_job(struct libvhost_frontend *fe, struct libvhost_backend *be, int what, int *seen)
{
	struct chan_job j = { be, what, 1 };
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, chan_job_main, &j), 0);
	while (!__atomic_load_n(seen, __ATOMIC_SEQ_CST))
		ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
	pthread_join(t, NULL);
	return j.result;
}

/*
 * A front-end with every protocol feature (in-band notifications are
 * opt-in) on @d, reporting to @seen, with the driver's rings started with
 * no eventfds at all: kicks and calls travel as messages.
 */
static struct libvhost_frontend *inband_session(struct device *d, struct chan_seen *seen,
						struct driver *drv)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .ops = &seen_ops, .userdata = seen);
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	unsigned int i;
	int sv[2];
	void *p;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
	device_start(d);
	fo.protocol_features = libvhost_protocol_features_known();
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], &fo, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_ge(libvhost_frontend_get_backend_fd(fe), 0);
	dev = libvhost_frontend_get_dev(fe);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);

	ck_assert_int_eq(chan_job(fe, d->be, 0, &seen->config), 0);
	ck_assert_int_eq(seen->config, 1);

	ck_assert_int_eq(libvhost_mem_new(ctx, &drv->mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(drv->mem, 0, 0x40000, NULL, &p), 0);
	drv->bufs = (uint8_t *)p + 0x20000;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, drv->mem), 0);
	for (i = 0; i < NQUEUES; i++) {
		ck_assert_int_eq(libvhost_vring_new(drv->mem, i * 0x8000, 8, NULL, &drv->vr[i]), 0);
		ck_assert_int_eq(libvhost_dev_start_vring(dev, i, drv->vr[i], -1, -1), 0);
	}
	return fe;
}

/* inband_session()'s end: the front-end gone, the device reset, the driver's rings freed. */
static void inband_end(struct libvhost_frontend *fe, struct device *d, struct driver *drv)
{
	unsigned int i;

	libvhost_frontend_unref(fe);
	while (__atomic_load_n(&d->resets, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	for (i = 0; i < NQUEUES; i++)
		libvhost_vring_unref(drv->vr[i]);
	libvhost_mem_unref(drv->mem);
	device_free(d);
}

START_TEST(test_backend_channel)
{
	struct chan_seen seen = { 0 };
	struct device *d = device_new(F_VERSION_1, 0);
	struct driver drv;
	struct libvhost_frontend *fe = inband_session(d, &seen, &drv);
	uint8_t *out, *in;
	struct iovec iov[2];
	void *tok;
	uint32_t len;
	int r, i;

	ck_assert_int_eq(chan_job(fe, d->be, 1, &seen.notifier), 0);
	ck_assert_int_eq(seen.notifier, 1);

	out = drv.bufs;
	in = out + 0x800;
	for (i = 0; i < 5; i++) {
		memset(out, i + 1, 64);
		iov[0] = (struct iovec){ out, 64 };
		iov[1] = (struct iovec){ in, 64 };
		ck_assert_int_eq(libvhost_vring_add(drv.vr[0], iov, 1, 1, out), 0);
		ck_assert_int_eq(libvhost_vring_kick(drv.vr[0]), 0); /* published; no kick fd */
		ck_assert_int_eq(libvhost_frontend_kick(fe, 0), 0);
		while ((r = libvhost_vring_get_used(drv.vr[0], &tok, &len)) == 0) {
			struct pollfd pfd = { libvhost_frontend_get_backend_fd(fe), POLLIN, 0 };

			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
			ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
		}
		ck_assert_int_eq(r, 1);
		ck_assert_uint_eq(len, 64);
		ck_assert_uint_eq(in[63], (uint8_t)~(i + 1));
	}
	/* the calls came on the channel (the last may still be on its way) */
	while (!seen.call) {
		struct pollfd pfd = { libvhost_frontend_get_backend_fd(fe), POLLIN, 0 };

		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
	}

	/* a driver that breaks ring 0 hears of it in-band */
	{
		uint64_t da, aa, ua;
		uint16_t *avail;

		libvhost_vring_get_addrs(drv.vr[0], 0, &da, &aa, &ua);
		avail = (uint16_t *)(uintptr_t)aa;
		avail[1] = (uint16_t)(avail[1] + 100);
		ck_assert_int_eq(libvhost_frontend_kick(fe, 0), 0);
		while (!seen.err)
			ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
	}

	inband_end(fe, d, &drv);
}
END_TEST

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A front-end that never reads the back-end channel: once the channel's
 * socket is full, the back-end closes it (logged) rather than wait there
 * for its timeout on every call, stalling the thread that serves the
 * device; the main socket goes on.
 */
START_TEST(test_backend_channel_deaf)
{
	struct chan_seen seen = { 0 };
	struct device *d = device_new(F_VERSION_1, 0);
	struct driver drv;
	struct libvhost_frontend *fe = inband_session(d, &seen, &drv);
	unsigned int errs = tu_log_errors(), i;
	int64_t t, worst = 0;
	struct iovec iov[2];
	uint32_t len;
	void *tok;
	int r;

	iov[0] = (struct iovec){ drv.bufs, 64 };
	iov[1] = (struct iovec){ drv.bufs + 0x800, 64 };
	/* each buffer's use is a call on the channel; the driver reaps from the ring alone */
	for (i = 0; i < 2000; i++) {
		t = mono_ms();
		ck_assert_int_eq(libvhost_vring_add(drv.vr[0], iov, 1, 1, drv.bufs), 0);
		ck_assert_int_eq(libvhost_vring_kick(drv.vr[0]), 0);
		ck_assert_int_eq(libvhost_frontend_kick(fe, 0), 0);
		while ((r = libvhost_vring_get_used(drv.vr[0], &tok, &len)) == 0) {
			ck_assert_msg(mono_ms() - t < 30000, "buffer %u not used after 30 s", i);
			usleep(50);
		}
		ck_assert_int_eq(r, 1);
		t = mono_ms() - t;
		if (t > worst)
			worst = t;
	}
	printf("deaf channel: worst buffer %lld ms\n", (long long)worst);
	fflush(stdout);
	/* under the back-end's 5 s timeout, which a send that waited would have taken */
	ck_assert_int_lt(worst, 2500);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1), 0);

	inband_end(fe, d, &drv);
}
END_TEST

/* ---- the device IOTLB: the front-end plays the IOMMU ---- */

#define F_ACCESS_PLATFORM (1ULL << 33)
#define IOVA_BASE 0x7f0000000ull

struct iommu {
	struct libvhost_frontend *fe;
	uint8_t *hva; /* what IOVA_BASE maps to */
	uint64_t size;
	int misses, refused;
};

/* Each miss answered with the 4 KiB page around it, read-write. */
static int iommu_miss(void *ud, uint64_t iova, uint64_t perm, uint64_t type)
{
	struct iommu *m = ud;
	uint64_t page;

	m->misses++;
	if (type != LIBVHOST_IOTLB_MISS || !perm || iova < IOVA_BASE ||
	    iova - IOVA_BASE >= m->size) {
		m->refused++;
		return 0;
	}
	page = (iova - IOVA_BASE) & ~0xfffull;
	return libvhost_frontend_iotlb(m->fe, LIBVHOST_IOTLB_UPDATE, IOVA_BASE + page, 4096,
				       (uint64_t)(uintptr_t)(m->hva + page), LIBVHOST_IOTLB_RW);
}

static const struct libvhost_frontend_ops iommu_ops = {
	.sz = sizeof(iommu_ops),
	.iotlb_msg = iommu_miss,
};

/* One echo through ring 0, answering misses while waiting. */
static void iommu_echo(struct libvhost_frontend *fe, struct driver *drv, unsigned int seed)
{
	uint8_t *out = drv->bufs, *in = out + 0x800;
	struct iovec iov[2] = { { out, 64 }, { in, 64 } };
	void *tok;
	uint32_t len;
	unsigned int j;
	int r;

	for (j = 0; j < 64; j++)
		out[j] = (uint8_t)(seed + j);
	memset(in, 0, 64);
	ck_assert_int_eq(libvhost_vring_add(drv->vr[0], iov, 1, 1, out), 0);
	libvhost_vring_kick(drv->vr[0]);
	while ((r = libvhost_vring_get_used(drv->vr[0], &tok, &len)) == 0) {
		struct pollfd pfd[2] = { { drv->call[0], POLLIN, 0 },
					 { libvhost_frontend_get_backend_fd(fe), POLLIN, 0 } };
		uint64_t v;

		ck_assert_int_ge(poll(pfd, 2, 5000), 1);
		if (pfd[0].revents)
			ck_assert_int_eq(read(drv->call[0], &v, sizeof(v)), sizeof(v));
		if (pfd[1].revents)
			ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
	}
	ck_assert_int_eq(r, 1);
	ck_assert_uint_eq(len, 64);
	for (j = 0; j < 64; j++)
		ck_assert_uint_eq(in[j], (uint8_t)~(seed + j));
}

START_TEST(test_iotlb)
{
	struct iommu mmu = { .size = 0x40000 };
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .ops = &iommu_ops, .userdata = &mmu);
	struct device *d = device_new(F_VERSION_1 | F_ACCESS_PLATFORM, 0);
	struct libvhost_mem_region reg;
	struct libvhost_mem *iova_view;
	struct libvhost_dev *dev;
	struct driver drv;
	int sv[2], i;
	void *p;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
	device_start(d);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], &fo, &mmu.fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(mmu.fe), 0);
	dev = libvhost_frontend_get_dev(mmu.fe);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1 | F_ACCESS_PLATFORM), 0);

	/* guest memory at guest address 0; the driver sees it at IOVA_BASE */
	ck_assert_int_eq(libvhost_mem_new(ctx, &drv.mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(drv.mem, 0, mmu.size, NULL, &p), 0);
	ck_assert_int_eq(libvhost_mem_get_region(drv.mem, 0, &reg), 0);
	mmu.hva = p;
	ck_assert_int_eq(libvhost_mem_new(ctx, &iova_view), 0);
	ck_assert_int_eq(libvhost_mem_add(iova_view, IOVA_BASE, mmu.size, p, reg.fd, 0), 0);
	drv.bufs = (uint8_t *)p + 0x20000;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, drv.mem), 0);
	ck_assert_int_eq(libvhost_vring_new(iova_view, IOVA_BASE, 8, NULL, &drv.vr[0]), 0);
	drv.kick[0] = eventfd(0, EFD_CLOEXEC);
	drv.call[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* the ring's addresses are IOVAs with no entry yet: it starts once they come */
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, drv.vr[0], drv.kick[0], drv.call[0]), 0);
	for (i = 0; i < 6; i++)
		iommu_echo(mmu.fe, &drv, (unsigned int)i);
	ck_assert_int_ge(mmu.misses, 2); /* the ring's page and the buffers' page */
	ck_assert_int_eq(mmu.refused, 0);

	/* everything taken back: the ring waits, asks again, and goes on */
	mmu.misses = 0;
	ck_assert_int_eq(libvhost_frontend_iotlb(mmu.fe, LIBVHOST_IOTLB_INVALIDATE, IOVA_BASE,
						 mmu.size, 0, 0),
			 0);
	for (i = 0; i < 3; i++)
		iommu_echo(mmu.fe, &drv, (unsigned int)i + 40);
	ck_assert_int_ge(mmu.misses, 2);
	/* nonsense is refused (by the front-end or the back-end), and nothing breaks */
	ck_assert_int_lt(libvhost_frontend_iotlb(mmu.fe, LIBVHOST_IOTLB_UPDATE, IOVA_BASE, 0,
						 (uint64_t)(uintptr_t)p, LIBVHOST_IOTLB_RW),
			 0);
	ck_assert_int_lt(libvhost_frontend_iotlb(mmu.fe, LIBVHOST_IOTLB_UPDATE, UINT64_MAX - 10,
						 4096, (uint64_t)(uintptr_t)p, LIBVHOST_IOTLB_RW),
			 0);
	iommu_echo(mmu.fe, &drv, 99);
	{
		struct libvhost_backend_stats st = { .sz = sizeof(st) };

		ck_assert_int_eq(libvhost_backend_get_stats(d->be, &st), 0);
		ck_assert_uint_ge(st.iotlb_misses, 4);
		ck_assert_uint_ge(st.iotlb_updates, 4);
		ck_assert_uint_eq(st.iotlb_invalidations, 1);
		ck_assert_uint_eq(st.sessions, 1);
	}

	libvhost_frontend_unref(mmu.fe);
	while (__atomic_load_n(&d->resets, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	libvhost_vring_unref(drv.vr[0]);
	close(drv.kick[0]);
	close(drv.call[0]);
	libvhost_mem_unref(iova_view);
	libvhost_mem_unref(drv.mem);
	device_free(d);
}
END_TEST

/* ---- QEMU 7.2's memory regions: one ADD/REM_MEM_REG per vhost device on one socket ---- */

static void raw_pump(struct libvhost_backend *be)
{
	while (libvhost_backend_get_fd(be) >= 0 && libvhost_backend_process(be) == 1)
		;
}

static void raw_u64(int fd, uint32_t request, uint64_t v)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, 0);
	lvh_msg_set_u64(&m, v);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
}

/* ADD_MEM_REG or REM_MEM_REG with NEED_REPLY: the status, or -1 once the session ended. */
static int64_t raw_mem_reg(struct libvhost_backend *be, int fd, uint32_t request,
			   const struct lvh_mem_region *reg, int mfd)
{
	struct lvh_msg m, rep;

	lvh_msg_init(&m, request, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&m, reg, false, mfd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
	raw_pump(be);
	if (libvhost_backend_get_fd(be) < 0)
		return -1;
	ck_assert_int_eq(lvh_wire_recv(ctx, fd, &rep, 1000), 0);
	ck_assert_uint_eq(rep.size, 8);
	return (int64_t)rep.payload.u64;
}

/* ---- the log policy: the return code is the caller's report, ERR is the peer's ---- */

struct policy_log {
	unsigned int lines, errs;
	char err_text[2048]; /* the ERR lines, one after another */
};

static void policy_log_fn(void *userdata, int priority, const char *file, int line,
			  const char *func, const char *format, va_list args)
	LIBVHOST_PRINTF(6, 0);

static void policy_log_fn(void *userdata, int priority, const char *file, int line,
			  const char *func, const char *format, va_list args)
{
	struct policy_log *l = userdata;
	size_t used = strlen(l->err_text);

	(void)file;
	(void)line;
	(void)func;
	l->lines++;
	if (priority > LOG_ERR)
		return;
	l->errs++;
	if (used + 2 < sizeof(l->err_text)) {
		vsnprintf(l->err_text + used, sizeof(l->err_text) - used - 1, format, args);
		strcat(l->err_text, "\n");
	}
}

static struct libvhost_ctx *policy_ctx(struct policy_log *l, int priority)
{
	LIBVHOST_OPTS(libvhost_ctx_opts, opts, .log_fn = policy_log_fn, .log_userdata = l,
		      .log_priority = priority);
	struct libvhost_ctx *c = NULL;

	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(libvhost_ctx_new(&opts, &c), 0);
	l->lines = 0; /* the context's own creation line, at debug */
	return c;
}

/* A caller's mistakes, made on a context at the given priority; each returns -EINVAL. */
static void policy_misuse(struct libvhost_ctx *c)
{
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, bad_flags, .flags = 1ULL << 63);
	LIBVHOST_OPTS(libvhost_mem_alloc_opts, bad_huge, .hugepage_size = 4096);
	struct libvhost_mem *mem = NULL;

	ck_assert_int_eq(libvhost_mem_new(c, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 1 << 20, &bad_flags, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 1 << 20, &bad_huge, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_alloc(mem, 0, 4097, NULL, NULL), -EINVAL);
	ck_assert_int_eq(libvhost_mem_get_nregions(mem), 0);
	libvhost_mem_unref(mem);
}

START_TEST(test_log_policy)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES);
	struct libvhost_backend *be;
	struct libvhost_ctx *c;
	struct policy_log l;
	int fd;

	/* at the default level (LOG_ERR) a caller's mistake logs nothing: -EINVAL is the report */
	c = policy_ctx(&l, LOG_ERR);
	policy_misuse(c);
	ck_assert_uint_eq(l.lines, 0);
	libvhost_ctx_unref(c);
	/* at debug it is traced, still never at ERR */
	c = policy_ctx(&l, LOG_DEBUG);
	policy_misuse(c);
	ck_assert_uint_ge(l.lines, 3);
	ck_assert_uint_eq(l.errs, 0);
	libvhost_ctx_unref(c);

	/*
	 * The front-end's malformed message (SET_VRING_ADDR of 8 bytes, not 40) is
	 * what the caller of the back-end cannot see: an ERR line naming the peer.
	 */
	c = policy_ctx(&l, LOG_ERR);
	ck_assert_int_eq(libvhost_backend_new(c, &o, &be), 0);
	fd = tu_connect_backend(be);
	raw_u64(fd, LIBVHOST_USER_SET_VRING_ADDR, 0);
	raw_pump(be);
	ck_assert_int_lt(libvhost_backend_get_fd(be), 0); /* the session ended */
	ck_assert_uint_ge(l.errs, 1);
	ck_assert_uint_eq(l.lines, l.errs);
	ck_assert_msg(strstr(l.err_text, "front-end") != NULL, "no peer named in:\n%s",
		      l.err_text);
	close(fd);
	libvhost_backend_unref(be);
	libvhost_ctx_unref(c);
}
END_TEST

/* SET_VRING_* with @fd (kept by the caller); the session's state after. */
static bool raw_vring_fd(struct libvhost_backend *be, int sock, uint32_t request, int fd)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, 0);
	lvh_msg_set_u64(&m, 0);
	ck_assert_int_eq(lvh_msg_add_fd(&m, fd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, sock, &m, 1000), 0);
	raw_pump(be);
	return libvhost_backend_get_fd(be) >= 0;
}

/*
 * A kick, call or err fd from the front-end must be an eventfd or a pipe: a
 * regular file or /dev/null polls readable for ever (a device polling it
 * spins).  Such an fd ends the session with an ERR line naming the peer.
 */
/* GET_INFLIGHT_FD: an area for more queues than the device has is refused, not allocated. */
START_TEST(test_inflight_bound)
{
	struct device *d = device_new(F_VERSION_1, 0);
	struct libvhost_frontend *fe = pair(d);
	unsigned int errs = tu_log_errors();
	uint64_t size, off;
	int fd = -1;

	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_frontend_get_inflight(fe, 0x8000, 32768, &fd, &size, &off),
			 -EIO);
	ck_assert_int_eq(libvhost_frontend_get_inflight(fe, NQUEUES + 1, 128, &fd, &size, &off),
			 -EIO);
	ck_assert_uint_ge(tu_log_errors(), errs + 2);
	/* the session goes on, and the device's own count is served */
	ck_assert_int_eq(libvhost_frontend_get_inflight(fe, NQUEUES, 128, &fd, &size, &off), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_gt(size, 0);
	close(fd);
	libvhost_frontend_unref(fe);
	device_free(d);
}
END_TEST

START_TEST(test_vring_fd_kind)
{
	static const uint32_t reqs[] = { LIBVHOST_USER_SET_VRING_KICK,
					 LIBVHOST_USER_SET_VRING_CALL,
					 LIBVHOST_USER_SET_VRING_ERR };
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES);
	int efd = eventfd(0, EFD_CLOEXEC), pfd[2], bad[3], sp[2];
	struct libvhost_backend *be;
	struct libvhost_ctx *c;
	struct policy_log l;
	unsigned int i, k;

	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	bad[0] = memfd_create("not-an-eventfd", MFD_CLOEXEC);
	bad[1] = open("/dev/null", O_RDWR | O_CLOEXEC);
	bad[2] = sp[0];
	for (k = 0; k < 3; k++) {
		ck_assert_int_ge(bad[k], 0);
		for (i = 0; i < 3; i++) {
			int fd;

			c = policy_ctx(&l, LOG_ERR);
			ck_assert_int_eq(libvhost_backend_new(c, &o, &be), 0);
			fd = tu_connect_backend(be);
			/*
			 * an eventfd and a pipe are taken, the session goes on (a
			 * kick starts the ring: not before its addresses came)
			 */
			if (reqs[i] != LIBVHOST_USER_SET_VRING_KICK) {
				ck_assert(raw_vring_fd(be, fd, reqs[i], efd));
				ck_assert(raw_vring_fd(be, fd, reqs[i], pfd[0]));
			}
			ck_assert_msg(l.errs == 0, "%s", l.err_text);
			/* the other kinds end it */
			ck_assert(!raw_vring_fd(be, fd, reqs[i], bad[k]));
			ck_assert_uint_ge(l.errs, 1);
			ck_assert_msg(strstr(l.err_text, "front-end's fd is no eventfd or pipe") != NULL,
				      "kind %u, request %u:\n%s", k, reqs[i], l.err_text);
			close(fd);
			libvhost_backend_unref(be);
			libvhost_ctx_unref(c);
		}
		close(bad[k]);
	}
	close(sp[1]);
	close(pfd[0]);
	close(pfd[1]);
	close(efd);
}
END_TEST

/*
 * SET_LOG_BASE of @size bytes at @offset in @fd, with NEED_REPLY: the
 * reply's value, or -1 when the session ended.
 */
static int64_t raw_log_base(struct libvhost_backend *be, int sock, uint64_t size, uint64_t offset,
			    int fd)
{
	struct lvh_log lb = { .size = size, .offset = offset };
	struct lvh_msg m, rep;
	uint64_t v;

	lvh_msg_init(&m, LIBVHOST_USER_SET_LOG_BASE, LIBVHOST_USER_FLAG_NEED_REPLY);
	ck_assert_int_eq(lvh_msg_encode_log_base(&m, &lb, fd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, sock, &m, 1000), 0); /* @fd stays the caller's */
	ck_assert_int_eq(libvhost_backend_process(be), 1);
	if (libvhost_backend_get_fd(be) < 0)
		return -1;
	ck_assert_int_eq(lvh_wire_recv(ctx, sock, &rep, 1000), 0);
	ck_assert_int_eq(lvh_msg_get_u64(ctx, &rep, &v), 0);
	return (int64_t)v;
}

/*
 * A dirty log the back-end cannot map ends the session: its reply is no
 * status a front-end reads, and going on would leave writes unlogged.
 */
START_TEST(test_log_base_unmappable)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES);
	int mfd = memfd_create("log", MFD_CLOEXEC), fd;
	struct libvhost_backend *be;
	struct libvhost_ctx *c;
	struct policy_log l;

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, 0x2000), 0);
	c = policy_ctx(&l, LOG_ERR);
	ck_assert_int_eq(libvhost_backend_new(c, &o, &be), 0);
	fd = tu_connect_backend(be);
	raw_u64(fd, LIBVHOST_USER_SET_FEATURES, F_VERSION_1 | 1ULL << 30);
	raw_u64(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES,
		1ULL << LIBVHOST_USER_PROTOCOL_F_LOG_SHMFD |
			1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	ck_assert_int_eq(libvhost_backend_process(be), 1);
	ck_assert_int_eq(libvhost_backend_process(be), 1);
	/* one that fits: mapped, the session goes on */
	ck_assert_int_eq(raw_log_base(be, fd, 0x1000, 0x1000, mfd), 0);
	ck_assert_uint_eq(l.errs, 0);
	/* past the fd's end: the session ends, naming the front-end */
	ck_assert_int_eq(raw_log_base(be, fd, 0x1000, 0x1800, mfd), -1);
	ck_assert_uint_eq(l.errs, 2); /* the reason, and the session's end */
	ck_assert_msg(strstr(l.err_text, "front-end's log of 4096 bytes at 6144 does not fit") !=
			      NULL,
		      "%s", l.err_text);
	close(fd);
	libvhost_backend_unref(be);
	libvhost_ctx_unref(c);
	close(mfd);
}
END_TEST

/*
 * A two-pair vhost-user-net under QEMU 7.2 is two vhost devices on one
 * socket, each sending every region: the second ADD_MEM_REG of a region is
 * the same region (it ended the session as an overlap), and the region
 * stays until as many REM_MEM_REGs came.
 */
START_TEST(test_mem_reg_per_device)
{
	struct libvhost_backend_stats st = { .sz = sizeof(st) };
	struct lvh_mem_region reg = { .guest_addr = 0x100000, .size = 0x10000 };
	struct lvh_mem_region other = { .guest_addr = 0x108000, .size = 0x10000 };
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES);
	struct libvhost_backend *be;
	unsigned int errs;
	int fd, mfd = memfd_create("ram", MFD_CLOEXEC);
	void *p;

	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
	fd = tu_connect_backend(be);
	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, 0x20000), 0);
	p = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	reg.user_addr = (uint64_t)(uintptr_t)p;
	other.user_addr = reg.user_addr + 0x8000;
	other.mmap_offset = 0x8000;
	raw_u64(fd, LIBVHOST_USER_SET_FEATURES, F_VERSION_1 | 1ULL << 30);
	raw_u64(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES,
		1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS |
			1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	raw_pump(be);
	/* pair 0's device, then pair 1's: one region, counted twice */
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), 0);
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), 0);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_added, 1);
	/* the first REM_MEM_REG leaves it for the other device */
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_REM_MEM_REG, &reg, -1), 0);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_removed, 0);
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_REM_MEM_REG, &reg, -1), 0);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_removed, 1);
	/* gone now: a third is refused, and the session goes on */
	TU_NEGATIVE_BEGIN();
	ck_assert_int_gt(raw_mem_reg(be, fd, LIBVHOST_USER_REM_MEM_REG, &reg, -1), 0);
	TU_NEGATIVE_END();
	/* a region overlapping one that is there, not the same, still ends the session */
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), 0);
	errs = tu_log_errors();
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &other, mfd), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	close(fd);
	close(mfd);
	munmap(p, 0x20000);
	libvhost_backend_unref(be);
}
END_TEST

/*
 * The back-end's memory limits, which lib/mem enforces for it: 509 slots
 * (GET_MAX_MEM_SLOTS) and a 510th ends the session; so does a region its
 * fd cannot hold; a REM_MEM_REG of a region added once unmaps it at once.
 */
START_TEST(test_mem_reg_limits)
{
	struct libvhost_backend_stats st = { .sz = sizeof(st) };
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES);
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), qva = 0x7f0000000000ull;
	struct lvh_mem_region reg = { .size = page };
	struct libvhost_backend *be;
	int fd, fds, mfd = memfd_create("ram", MFD_CLOEXEC);
	unsigned int i, errs;

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, (off_t)(page * (LIBVHOST_USER_MAX_MEM_SLOTS + 1))), 0);
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
	fd = tu_connect_backend(be);
	fds = tu_count_fds();
	raw_u64(fd, LIBVHOST_USER_SET_FEATURES, F_VERSION_1 | 1ULL << 30);
	raw_u64(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES,
		1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS |
			1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	raw_pump(be);
	/* one page each, from one fd; every region keeps no fd of its own */
	for (i = 0; i < LIBVHOST_USER_MAX_MEM_SLOTS; i++) {
		reg.guest_addr = reg.mmap_offset = i * page;
		reg.user_addr = qva + i * page;
		ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), 0);
	}
	ck_assert_int_eq(tu_count_fds(), fds);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_added, LIBVHOST_USER_MAX_MEM_SLOTS);
	/* one taken back goes at once (added once), and its slot is free again */
	reg.guest_addr = reg.mmap_offset = 7 * page;
	reg.user_addr = qva + 7 * page;
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_REM_MEM_REG, &reg, -1), 0);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_removed, 1);
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), 0);
	/* the 510th */
	reg.guest_addr = reg.mmap_offset = LIBVHOST_USER_MAX_MEM_SLOTS * page;
	reg.user_addr = qva + reg.guest_addr;
	errs = tu_log_errors();
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_int_eq(libvhost_backend_get_stats(be, &st), 0);
	ck_assert_uint_eq(st.mem_regions_added, LIBVHOST_USER_MAX_MEM_SLOTS + 1);
	close(fd);

	/* a region past its fd's end, on the next session */
	fd = tu_connect_backend(be);
	raw_u64(fd, LIBVHOST_USER_SET_FEATURES, F_VERSION_1 | 1ULL << 30);
	raw_u64(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES,
		1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS |
			1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK);
	raw_pump(be);
	reg.guest_addr = 0;
	reg.mmap_offset = LIBVHOST_USER_MAX_MEM_SLOTS * page + 1;
	errs = tu_log_errors();
	ck_assert_int_eq(raw_mem_reg(be, fd, LIBVHOST_USER_ADD_MEM_REG, &reg, mfd), -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	close(fd);
	close(mfd);
	libvhost_backend_unref(be);
}
END_TEST

/* ---- LIBVHOST_BACKEND_F_THREADED: rings served on one thread, requests on another ---- */

struct threaded {
	struct libvhost_backend *be;
	int stop;
	unsigned long served;
};

static void *threaded_proc(void *arg)
{
	struct threaded *t = arg;

	for (;;) {
		struct pollfd pfd[2] = { { t->stop, POLLIN, 0 },
					 { libvhost_backend_get_fd(t->be), POLLIN, 0 } };

		if (poll(pfd, 2, 1000) < 0 || pfd[0].revents)
			return NULL;
		if (pfd[1].revents && libvhost_backend_process(t->be) < 0)
			return NULL;
	}
}

static void *threaded_serve(void *arg)
{
	struct threaded *t = arg;
	struct libvhost_vq *vq = libvhost_backend_get_vq(t->be, 0);

	for (;;) {
		struct pollfd pfd[2] = { { t->stop, POLLIN, 0 },
					 { libvhost_vq_get_kick_fd(vq), POLLIN, 0 } };
		uint64_t v;

		if (poll(pfd, 2, 10) < 0 || pfd[0].revents)
			return NULL;
		if (pfd[1].fd >= 0 && (pfd[1].revents & POLLIN) &&
		    read(pfd[1].fd, &v, sizeof(v)) < 0)
			continue;
		serve(vq);
		__atomic_add_fetch(&t->served, 1, __ATOMIC_RELAXED);
	}
}

/* Memory regions come and go while a device thread serves the ring. */
START_TEST(test_threaded)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .queue_num = NQUEUES,
		      .flags = LIBVHOST_BACKEND_F_THREADED);
	struct threaded t = { 0 };
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	struct driver drv;
	pthread_t proc, srv;
	uint64_t one = 1;
	int sv[2], i;

	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &t.be), 0);
	t.stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(t.be, sv[1]), 0);
	ck_assert_int_eq(pthread_create(&proc, NULL, threaded_proc, &t), 0);
	ck_assert_int_eq(pthread_create(&srv, NULL, threaded_serve, &t), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], NULL, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	dev = libvhost_frontend_get_dev(fe);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	driver_start(fe, &drv, 0, 16);
	for (i = 0; i < 200; i++) {
		uint64_t at = 0x100000 + (uint64_t)(i % 8) * 0x10000;

		echo(&drv, 0, 3, (unsigned int)i);
		ck_assert_int_eq(libvhost_mem_alloc(drv.mem, at, 0x10000, NULL, NULL), 0);
		ck_assert_int_eq(libvhost_dev_set_mem(dev, drv.mem), 0);
		echo(&drv, 0, 2, (unsigned int)i + 1);
		ck_assert_int_eq(libvhost_mem_remove(drv.mem, at), 0);
		ck_assert_int_eq(libvhost_dev_set_mem(dev, drv.mem), 0);
	}
	libvhost_frontend_unref(fe);
	ck_assert_int_eq(write(t.stop, &one, sizeof(one)), sizeof(one));
	pthread_join(proc, NULL);
	pthread_join(srv, NULL);
	driver_stop(&drv);
	ck_assert_uint_gt(t.served, 0);
	libvhost_backend_unref(t.be);
	close(t.stop);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loopback");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_split_mem_slots);
	tcase_add_test(tc, test_split_mem_table);
	tcase_add_test(tc, test_packed);
	tcase_add_loop_test(tc, test_gpa_addresses, 0, 2);
	tcase_add_loop_test(tc, test_kicks_off, 0, 3);
	tcase_add_test(tc, test_call_fd_signalled);
	tcase_add_test(tc, test_next_frontend);
	tcase_add_test(tc, test_listen_fd);
	tcase_add_test(tc, test_dirty_log);
	tcase_add_test(tc, test_mem_reg_per_device);
	tcase_add_test(tc, test_mem_reg_limits);
	tcase_add_test(tc, test_log_policy);
	tcase_add_test(tc, test_vring_fd_kind);
	tcase_add_test(tc, test_inflight_bound);
	tcase_add_test(tc, test_kick_fd_replaced);
	tcase_add_test(tc, test_log_base_unmappable);
	tcase_add_test(tc, test_backend_client);
	tcase_add_test(tc, test_device_state);
	tcase_add_test(tc, test_backend_channel);
	tcase_add_test(tc, test_backend_channel_deaf);
	tcase_add_test(tc, test_device_requests);
	tcase_add_test(tc, test_device_requests_absent);
	tcase_add_test(tc, test_iotlb);
	tcase_add_test(tc, test_threaded);
	tcase_add_test(tc, test_restart_split);
	tcase_add_test(tc, test_restart_packed);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
