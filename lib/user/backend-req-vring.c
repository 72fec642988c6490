/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's ring requests (lib/proto/msg-vring.c): SET_VRING_NUM,
 * _BASE, _ADDR, _KICK, _CALL, _ERR, _ENABLE, GET_VRING_BASE and the in-band
 * VRING_KICK.  A ring starts with its kick fd and stops with
 * GET_VRING_BASE (backend-vring.c lays it out).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proto/msg-vring.h"
#include "user/backend-req.h"

static struct libvhost_vq *vq_of(struct libvhost_backend *be, uint32_t index)
{
	if (index >= be->queue_num) {
		lvh_err(be->ctx, "vhost-user back-end: ring %u past the %u rings", index,
			be->queue_num);
		return NULL;
	}
	return &be->vqs[index];
}

static int vring_state(struct libvhost_backend *be, const struct lvh_msg *m,
		       struct libvhost_vq **vq, uint32_t *num)
{
	struct lvh_vring_state s;
	int r = lvh_msg_decode_vring_state(be->ctx, m, &s);

	if (r < 0)
		return r;
	*vq = vq_of(be, s.index);
	*num = s.num;
	return *vq ? 0 : -EPROTO;
}

int lvh_be_req_set_vring_num_base(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct libvhost_vq *vq;
	uint32_t v;
	int r = vring_state(be, m, &vq, &v);

	if (r < 0)
		return r;
	if (vq->started) {
		lvh_err(be->ctx, "vhost-user back-end: %s on running ring %u",
			lvh_proto_name(LVH_DIR_FRONTEND, m->request), vq->index);
		return -EPROTO;
	}
	if (m->request == LIBVHOST_USER_SET_VRING_NUM) {
		if (!v || v > 32768) {
			lvh_err(be->ctx, "vhost-user back-end: ring %u: size %u", vq->index, v);
			return -EPROTO;
		}
		vq->num = v;
	} else {
		vq->base = v;
	}
	return 0;
}

int lvh_be_req_set_vring_addr(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_vring_addr a;
	struct libvhost_vq *vq;
	uint64_t was[3];
	int r = lvh_msg_decode_vring_addr(be->ctx, m, &a);

	if (r < 0)
		return r;
	vq = vq_of(be, a.index);
	if (!vq)
		return -EPROTO;
	was[0] = vq->desc;
	was[1] = vq->avail;
	was[2] = vq->used;
	vq->desc = a.desc;
	vq->avail = a.avail;
	vq->used = a.used;
	/*
	 * A running ring is told its addresses again when the front-end
	 * switches the used ring's logging (QEMU does as migration starts and
	 * ends): it goes on from where it is, reading them (every ring's lock
	 * is held).  A ring that waits for IOTLB entries starts from them.
	 */
	if (!vq->running)
		return 0;
	lvh_dbg(be->ctx, "vhost-user back-end: ring %u: addresses again, used ring logging %s",
		a.index, a.flags & (1u << LIBVHOST_VRING_F_LOG) ? "on" : "off");
	r = lvh_be_vq_remap(be, vq);
	if (r == -EPROTO) {
		vq->desc = was[0];
		vq->avail = was[1];
		vq->used = was[2];
	}
	return r == -EAGAIN ? 0 : r;
}

/* The fd a SET_VRING_* request brings (or -1), or for in-band kicks an eventfd of ours. */
static int vring_fd_of(struct libvhost_backend *be, struct lvh_msg *m, const struct lvh_vring_fd *f)
{
	int fd;

	if (!f->nofd) {
		fd = lvh_msg_take_fd(m, 0);
		if (!lvh_wire_is_notifier(fd)) {
			lvh_err(be->ctx, "vhost-user back-end: %s of ring %u: the front-end's fd is "
				"no eventfd or pipe", lvh_proto_name(LVH_DIR_FRONTEND, m->request),
				f->index);
			close(fd);
			return -EPROTO;
		}
		return fd;
	}
	/* in-band kicks (VRING_KICK) arrive on an eventfd of ours, for the device to poll */
	if (m->request != LIBVHOST_USER_SET_VRING_KICK ||
	    !(be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS)))
		return -1;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int lvh_be_req_set_vring_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_vring_fd f;
	struct libvhost_vq *vq;
	int *slot, fd, r = lvh_msg_decode_vring_fd(be->ctx, m, &f);

	if (r < 0)
		return r;
	vq = vq_of(be, f.index);
	if (!vq)
		return -EPROTO;
	fd = vring_fd_of(be, m, &f);
	if (fd < -1)
		return fd;
	slot = m->request == LIBVHOST_USER_SET_VRING_KICK   ? &vq->kick_fd
	       : m->request == LIBVHOST_USER_SET_VRING_CALL ? &vq->call_fd
							    : &vq->err_fd;
	if (be->threaded)
		pthread_mutex_lock(&vq->lock);
	if (slot == &vq->kick_fd && vq->started && *slot >= 0 && fd >= 0) {
		/*
		 * A device may be polling the old one: the number stays, the
		 * file changes.  A poll() asleep on the old file sleeps on, deaf
		 * to the new one, so the old file is kicked once: the device
		 * wakes, looks at the ring, and polls the new file.
		 */
		int old = fcntl(*slot, F_DUPFD_CLOEXEC, 0);
		uint64_t one = 1;

		r = dup3(fd, *slot, O_CLOEXEC) < 0 ? -errno : 0;
		close(fd);
		if (old >= 0) {
			if (write(old, &one, sizeof(one)) < 0 && errno != EAGAIN)
				lvh_dbg(be->ctx, "vq %u: kicking the old kick fd: %s", vq->index,
					strerror(errno));
			close(old);
		}
	} else {
		lvh_be_close_fd(slot);
		*slot = fd;
	}
	/*
	 * A new call fd is signalled once: a back-end killed after publishing
	 * used buffers and before its call reached the driver left them untold,
	 * and the driver, waiting on them, kicks no more (QEMU gives a
	 * reconnected back-end its call fds before the rings).  A driver takes
	 * a call with nothing new as nothing.
	 */
	if (r == 0 && slot == &vq->call_fd && fd >= 0) {
		uint64_t one = 1;

		if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			lvh_dbg(be->ctx, "vq %u: call fd: %s", vq->index, strerror(errno));
	}
	if (r == 0 && m->request == LIBVHOST_USER_SET_VRING_KICK && !vq->started) {
		/* the kick fd starts the ring (with the IOTLB, maybe once its entries come) */
		r = lvh_be_vq_start(be, vq);
		if (r == -EAGAIN)
			r = 0;
		vq->started = r == 0;
		r = r < 0 ? r : 1;
	}
	if (be->threaded)
		pthread_mutex_unlock(&vq->lock);
	if (r == 1 && be->ops.queue_started)
		return be->ops.queue_started(be->userdata, vq);
	return r < 0 ? r : 0;
}

int lvh_be_req_get_vring_base(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_vring_state s;
	struct libvhost_vq *vq;
	struct lvh_msg rep;
	uint32_t dummy;
	int r = vring_state(be, m, &vq, &dummy);

	if (r < 0)
		return r;
	/*
	 * GET_VRING_BASE_INFLIGHT: the device cancels what it holds, which the
	 * inflight area keeps for the ring's next start; a ring the area does
	 * not track is drained as without it.
	 */
	if (vq->started && vq->ring.ifl && be->ops.queue_suspend &&
	    (be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT)))
		be->ops.queue_suspend(be->userdata, vq);
	else if (vq->started && be->ops.queue_stopped)
		be->ops.queue_stopped(be->userdata, vq);
	s.index = vq->index;
	if (be->threaded)
		pthread_mutex_lock(&vq->lock);
	s.num = lvh_be_vq_base(vq);
	vq->base = s.num;
	lvh_be_vq_stop(vq);
	if (be->threaded)
		pthread_mutex_unlock(&vq->lock);
	lvh_msg_init_reply(&rep, m);
	lvh_msg_encode_vring_state(&rep, &s);
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_req_set_vring_enable(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct libvhost_vq *vq;
	uint32_t on;
	bool wake;
	int r = vring_state(be, m, &vq, &on);

	if (r < 0)
		return r;
	if (on > 1) {
		lvh_err(be->ctx, "vhost-user back-end: SET_VRING_ENABLE(%u)", on);
		return -EPROTO;
	}
	if (be->threaded)
		pthread_mutex_lock(&vq->lock);
	wake = on && !vq->enabled && vq->started;
	vq->enabled = on;
	if (be->threaded)
		pthread_mutex_unlock(&vq->lock);
	/*
	 * Buffers made available while it was disabled: have the device
	 * look, once it can see the ring enabled (a device thread woken
	 * before would find it disabled and sleep again).
	 */
	if (wake)
		lvh_be_vq_wake(vq);
	return 0;
}

/* In-band kicks (INBAND_NOTIFICATIONS): the eventfd SET_VRING_KICK made for them. */
int lvh_be_req_vring_kick(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct libvhost_vq *vq;
	uint32_t zero;
	int r = vring_state(be, m, &vq, &zero);

	if (r < 0)
		return r;
	lvh_be_vq_wake(vq);
	return 0;
}
