/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's data path: the public libvhost_vq_* calls a device makes
 * on its rings (pop, push, notify), from its own threads too
 * (LIBVHOST_BACKEND_F_THREADED: each under its ring's lock).  One
 * translation unit with its hot helpers, inlined; the rings themselves are
 * lib/ring/vq-*.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "user/backend.h"

LIBVHOST_EXPORT unsigned int libvhost_vq_get_index(const struct libvhost_vq *vq)
{
	return vq ? vq->index : 0;
}

/* A ring's state read by a device thread (LIBVHOST_BACKEND_F_THREADED: under its lock). */
static int vq_read(const struct libvhost_vq *vq, bool kick)
{
	struct libvhost_vq *w = (struct libvhost_vq *)vq; /* the lock is not the ring's state */
	int v;

	if (vq->be->threaded)
		pthread_mutex_lock(&w->lock);
	v = kick ? (vq->started ? vq->kick_fd : -1) : (vq->started && vq->enabled);
	if (vq->be->threaded)
		pthread_mutex_unlock(&w->lock);
	return v;
}

LIBVHOST_EXPORT int libvhost_vq_get_kick_fd(const struct libvhost_vq *vq)
{
	return vq ? vq_read(vq, true) : -1;
}

LIBVHOST_EXPORT int libvhost_vq_is_enabled(const struct libvhost_vq *vq)
{
	return vq ? vq_read(vq, false) : 0;
}

static int vq_broken(struct libvhost_vq *vq)
{
	uint64_t one = 1;

	if (vq->err_fd >= 0 && write(vq->err_fd, &one, sizeof(one)) < 0)
		lvh_dbg(vq->be->ctx, "vq %u: err fd: %s", vq->index, strerror(errno));
	if (vq->err_fd < 0)
		lvh_be_chan_vring(vq->be, LIBVHOST_USER_BACKEND_VRING_ERR, vq->index);
	return -EIO;
}

static inline __attribute__((always_inline)) int vq_pop(struct libvhost_vq *vq, struct iovec *iov,
							 unsigned int cap,
							 struct libvhost_vq_elem *elems,
							 unsigned int n)
{
	bool was_broken;
	int r;

	if (!vq->running || vq->paused)
		return 0;
	was_broken = vq->ring.broken;
	r = lvh_vq_pop_burst(&vq->ring, iov, cap, elems, n);
	if (vq->ring.broken && !was_broken)
		vq_broken(vq); /* now, even when some were taken before it broke */
	if (r == -EAGAIN)
		return 0; /* an IOTLB miss: the ring is kicked when the update comes */
	return r;
}

static inline __attribute__((always_inline)) int vq_pop_locked(struct libvhost_vq *vq,
								struct iovec *iov, unsigned int cap,
								struct libvhost_vq_elem *elems,
								unsigned int n)
{
	int r;

	if (!vq->be->threaded)
		return vq_pop(vq, iov, cap, elems, n);
	pthread_mutex_lock(&vq->lock);
	r = vq_pop(vq, iov, cap, elems, n);
	pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_pop_burst(struct libvhost_vq *vq, struct iovec *iov,
					  unsigned int cap, struct libvhost_vq_elem *elems,
					  unsigned int n)
{
	if (!vq || (!iov && cap) || (!elems && n))
		return -EINVAL;
	return vq_pop_locked(vq, iov, cap, elems, n);
}

LIBVHOST_EXPORT int libvhost_vq_pop(struct libvhost_vq *vq, struct iovec *iov, unsigned int cap,
				    struct libvhost_vq_elem *elem)
{
	if (!vq || !iov || !elem)
		return -EINVAL;
	return vq_pop_locked(vq, iov, cap, elem, 1);
}

/*
 * A paused ring with no memory: a VDUSE ring whose IOVA the driver took
 * away (vhost-user's paused rings keep theirs).  Pushes wait for it.
 */
#define RING_GONE(vq) ((vq)->paused && !(vq)->ring.used)

static int vq_push(struct libvhost_vq *vq, const struct libvhost_vq_used *used, unsigned int n)
{
	int r;

	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	r = !vq->running ? -EINVAL : RING_GONE(vq) ? -EAGAIN : lvh_vq_push_burst(&vq->ring, used, n);
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_push_burst(struct libvhost_vq *vq,
					   const struct libvhost_vq_used *used, unsigned int n)
{
	if (!vq || (!used && n))
		return -EINVAL;
	return vq_push(vq, used, n);
}

LIBVHOST_EXPORT int libvhost_vq_unpop(struct libvhost_vq *vq, unsigned int n)
{
	int r;

	if (!vq)
		return -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	r = vq->running ? lvh_vq_unpop(&vq->ring, n) : -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_push(struct libvhost_vq *vq, uint32_t id, uint32_t len)
{
	struct libvhost_vq_used u = { .id = id, .len = len };
	int r;

	if (!vq)
		return -EINVAL;
	r = vq_push(vq, &u, 1);
	return r < 0 ? r : 0;
}

static int vq_notify(struct libvhost_vq *vq)
{
	uint64_t one = 1;
	int r;

	if (!vq->running)
		return -EINVAL;
	if (RING_GONE(vq))
		return 0; /* published when the ring is back */
	r = lvh_vq_flush(&vq->ring);
	if (vq->be->log.logged && vq->be->log_fd >= 0) {
		vq->be->log.logged = false;
		if (write(vq->be->log_fd, &one, sizeof(one)) < 0)
			lvh_dbg(vq->be->ctx, "log fd: %s", strerror(errno));
	}
	if (r <= 0)
		return r;
	if (vq->be->vq_signal) {
		r = vq->be->vq_signal(vq->be->signal_opaque, vq->index);
		return r < 0 ? r : 1;
	}
	if (vq->call_fd < 0) {
		r = lvh_be_chan_vring(vq->be, LIBVHOST_USER_BACKEND_VRING_CALL, vq->index);
		return r == 0 ? 1 : r == -EOPNOTSUPP ? 0 : r;
	}
	if (write(vq->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		/* the caller has the errno */
		lvh_dbg(vq->be->ctx, "vq %u: call fd: %s", vq->index, strerror(errno));
		return -errno;
	}
	return 1;
}

LIBVHOST_EXPORT int libvhost_vq_set_kicks(struct libvhost_vq *vq, int enable)
{
	int r = 0;

	if (!vq)
		return -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	vq->kicks_off = !enable;
	if (vq->running && !vq->paused)
		r = lvh_vq_set_notify(&vq->ring, enable);
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_notify(struct libvhost_vq *vq)
{
	int r;

	if (!vq)
		return -EINVAL;
	if (!vq->be->threaded)
		return vq_notify(vq);
	pthread_mutex_lock(&vq->lock);
	r = vq_notify(vq);
	pthread_mutex_unlock(&vq->lock);
	return r;
}
