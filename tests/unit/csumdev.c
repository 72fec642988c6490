/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csumdev.h"

#define F_VERSION_1 (1ULL << 32)

uint64_t tu_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static void serve(struct libvhost_vq *vq)
{
	struct iovec iov[8];
	struct libvhost_vq_elem e;

	while (libvhost_vq_pop(vq, iov, 8, &e) == 1) {
		uint64_t h = TU_FNV_INIT;
		uint32_t i, len = 0;

		for (i = 0; i < e.out; i++)
			h = tu_fnv(h, iov[i].iov_base, iov[i].iov_len);
		if (e.in && iov[e.out].iov_len >= sizeof(h)) {
			memcpy(iov[e.out].iov_base, &h, sizeof(h));
			len = sizeof(h);
		}
		libvhost_vq_push(vq, e.id, len);
	}
	libvhost_vq_notify(vq);
}

void tu_serve_loop(struct libvhost_backend *be, int stop, unsigned int nq,
		   void (*serve_ring)(void *ud, struct libvhost_vq *vq), void *ud)
{
	struct pollfd pfd[2 + TU_SERVE_RINGS];
	struct libvhost_vq *vqs[2 + TU_SERVE_RINGS];
	unsigned int i, n;
	uint64_t v;

	ck_assert_uint_le(nq, TU_SERVE_RINGS);
	for (;;) {
		pfd[0] = (struct pollfd){ stop, POLLIN, 0 };
		pfd[1] = (struct pollfd){ libvhost_backend_get_fd(be), POLLIN, 0 };
		if (pfd[1].fd < 0) {
			if (poll(pfd, 1, 50) < 0 || pfd[0].revents)
				break;
			libvhost_backend_process(be);
			continue;
		}
		for (n = 2, i = 0; i < nq; i++) {
			struct libvhost_vq *vq = libvhost_backend_get_vq(be, i);
			int fd = libvhost_vq_get_kick_fd(vq);

			if (fd >= 0) {
				vqs[n] = vq;
				pfd[n++] = (struct pollfd){ fd, POLLIN, 0 };
			}
		}
		if (poll(pfd, n, 1000) < 0)
			break;
		for (i = 2; i < n; i++)
			if ((pfd[i].revents & POLLIN) && read(pfd[i].fd, &v, sizeof(v)) == sizeof(v) &&
			    libvhost_vq_is_enabled(vqs[i]))
				serve_ring(ud, vqs[i]);
		if (pfd[1].revents && libvhost_backend_process(be) < 0)
			break;
		/* last: a hang-up seen with the stop is handled first */
		if (pfd[0].revents)
			break;
	}
}

static void serve_one(void *ud, struct libvhost_vq *vq)
{
	(void)ud;
	serve(vq);
}

static void *device_main(void *arg)
{
	struct tu_csumdev *d = arg;

	tu_serve_loop(d->be, d->stop, 1, serve_one, NULL);
	return NULL;
}

struct tu_csumdev *tu_csumdev_new(struct libvhost_ctx *ctx, struct libvhost_backend_opts *o)
{
	struct tu_csumdev *d = calloc(1, sizeof(*d));

	ck_assert_ptr_nonnull(d);
	if (!o->features)
		o->features = F_VERSION_1;
	if (!o->queue_num)
		o->queue_num = 1;
	ck_assert_int_eq(libvhost_backend_new(ctx, o, &d->be), 0);
	d->stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(d->stop, 0);
	return d;
}

int tu_connect_backend(struct libvhost_backend *be)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(be, sv[1]), 0);
	return sv[0];
}

int tu_csumdev_start(struct tu_csumdev *d)
{
	int fd = tu_connect_backend(d->be);

	ck_assert_int_eq(pthread_create(&d->thread, NULL, device_main, d), 0);
	return fd;
}

void tu_csumdev_stop(struct tu_csumdev *d)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(d->stop, &one, sizeof(one)), sizeof(one));
	pthread_join(d->thread, NULL);
	ck_assert_int_eq(read(d->stop, &one, sizeof(one)), sizeof(one));
}

void tu_csumdev_free(struct tu_csumdev *d)
{
	libvhost_backend_unref(d->be);
	close(d->stop);
	free(d);
}

struct tu_group {
	struct tu_csumdev **devs;
	unsigned int n;
	bool *gone;
	unsigned long rounds;
	int stop;
	pthread_t thread;
};

/* The fds of the devices still there: [0] the stop, then each back-end's, then each kick. */
static unsigned int group_fds(struct tu_group *g, struct pollfd *pfd, int *who)
{
	unsigned int i, cnt = 1;

	pfd[0] = (struct pollfd){ g->stop, POLLIN, 0 };
	for (i = 0; i < g->n; i++) {
		int fd = libvhost_backend_get_fd(g->devs[i]->be);

		if (fd < 0) {
			__atomic_store_n(&g->gone[i], true, __ATOMIC_SEQ_CST);
			continue;
		}
		who[cnt] = (int)i;
		pfd[cnt++] = (struct pollfd){ fd, POLLIN, 0 };
		fd = libvhost_vq_get_kick_fd(libvhost_backend_get_vq(g->devs[i]->be, 0));
		if (fd >= 0) {
			who[cnt] = -1 - (int)i;
			pfd[cnt++] = (struct pollfd){ fd, POLLIN, 0 };
		}
	}
	return cnt;
}

static void *group_main(void *arg)
{
	struct tu_group *g = arg;
	struct pollfd *pfd = calloc(1 + 2 * g->n, sizeof(*pfd));
	int *who = calloc(1 + 2 * g->n, sizeof(*who));
	unsigned int i, cnt;
	uint64_t v;

	for (;;) {
		cnt = group_fds(g, pfd, who);
		if (poll(pfd, cnt, 1000) < 0 || pfd[0].revents)
			break;
		__atomic_add_fetch(&g->rounds, 1, __ATOMIC_RELAXED);
		/* kicks first: the fds are only valid until the next request is processed */
		for (i = 1; i < cnt; i++) {
			struct libvhost_vq *vq;

			if (who[i] >= 0 || !(pfd[i].revents & POLLIN) ||
			    read(pfd[i].fd, &v, sizeof(v)) != sizeof(v))
				continue;
			vq = libvhost_backend_get_vq(g->devs[-1 - who[i]]->be, 0);
			if (libvhost_vq_is_enabled(vq))
				serve(vq);
		}
		for (i = 1; i < cnt; i++)
			if (who[i] >= 0 && pfd[i].revents)
				libvhost_backend_process(g->devs[who[i]]->be);
	}
	free(pfd);
	free(who);
	return NULL;
}

struct tu_group *tu_group_start(struct tu_csumdev **devs, unsigned int n)
{
	struct tu_group *g = calloc(1, sizeof(*g));

	ck_assert_ptr_nonnull(g);
	g->devs = devs;
	g->n = n;
	g->gone = calloc(n, sizeof(*g->gone));
	g->stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(g->stop, 0);
	ck_assert_int_eq(pthread_create(&g->thread, NULL, group_main, g), 0);
	return g;
}

void tu_group_stop(struct tu_group *g)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(g->stop, &one, sizeof(one)), sizeof(one));
	pthread_join(g->thread, NULL);
	close(g->stop);
	free(g->gone);
	free(g);
}

bool tu_group_gone(struct tu_group *g, unsigned int i)
{
	return __atomic_load_n(&g->gone[i], __ATOMIC_SEQ_CST);
}

unsigned long tu_group_rounds(struct tu_group *g)
{
	return __atomic_load_n(&g->rounds, __ATOMIC_RELAXED);
}
