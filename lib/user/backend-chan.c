/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's own requests, on the socket the front-end gives with
 * SET_BACKEND_REQ_FD: config change, host notifiers, in-band calls and
 * errors, IOTLB misses.  Device threads send on it (notify, pop), so one
 * lock covers a request and the ack it waits for (config change and host
 * notifiers only).  A channel that fails
 * (no ack in time, a malformed ack, a hang-up, a socket too full to take a
 * request that needs no ack) is closed: the front-end's own connection
 * goes on, and the back-end's requests say -ENOTCONN.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg-backend.h"
#include "user/backend.h"

void lvh_be_chan_close(struct libvhost_backend *be)
{
	pthread_mutex_lock(&be->chan_lock);
	if (be->chan >= 0)
		close(be->chan);
	be->chan = -1;
	pthread_mutex_unlock(&be->chan_lock);
}

static bool negotiated(const struct libvhost_backend *be, unsigned int bit)
{
	return be->proto & LVH_BIT(bit);
}

int lvh_be_chan_call(struct libvhost_backend *be, struct lvh_msg *m)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(LVH_DIR_BACKEND, m->request);
	const char *name = lvh_proto_name(LVH_DIR_BACKEND, m->request);
	/*
	 * Calls, error reports and IOTLB misses never wait for an ack: a call
	 * is the fast path, and a front-end may answer an error or a miss with
	 * a request of its own on the main socket first.
	 */
	bool ack = negotiated(be, LIBVHOST_USER_PROTOCOL_F_REPLY_ACK) &&
		   m->request != LIBVHOST_USER_BACKEND_VRING_CALL &&
		   m->request != LIBVHOST_USER_BACKEND_VRING_ERR &&
		   m->request != LIBVHOST_USER_BACKEND_IOTLB_MSG;
	struct lvh_msg rep;
	uint64_t v;
	int r;

	if (!negotiated(be, LIBVHOST_USER_PROTOCOL_F_BACKEND_REQ) ||
	    (row->gate >= 0 && !negotiated(be, (unsigned int)row->gate)) ||
	    (m->nfds && !negotiated(be, LIBVHOST_USER_PROTOCOL_F_BACKEND_SEND_FD)))
		return -EOPNOTSUPP;
	if (ack)
		m->flags |= LIBVHOST_USER_FLAG_NEED_REPLY;
	pthread_mutex_lock(&be->chan_lock);
	if (be->chan < 0) {
		pthread_mutex_unlock(&be->chan_lock);
		return -ENOTCONN;
	}
	/*
	 * What needs no ack is sent without waiting: a front-end with hundreds
	 * of them unread does not read the channel, and waiting for it would
	 * stall the thread that serves the device (and the others it serves).
	 */
	r = lvh_wire_send(be->ctx, be->chan, m, ack ? be->timeout_ms : 0);
	if (r == -ETIMEDOUT && !ack)
		lvh_err(be->ctx, "vhost-user back-end: the front-end does not read the back-end "
				 "channel (its socket is full)");
	if (r == 0 && ack) {
		r = lvh_wire_recv(be->ctx, be->chan, &rep, be->timeout_ms);
		if (r == 0 && rep.request != m->request)
			r = -EPROTO;
		if (r == 0)
			r = lvh_proto_check_reply(be->ctx, LVH_DIR_BACKEND, m->request,
						  LVH_REPLY_KIND_ACK, &rep);
		if (r == 0)
			r = lvh_msg_get_u64(be->ctx, &rep, &v);
		if (r < 0)
			lvh_msg_close_fds(&rep);
		else if (v)
			r = 1; /* the front-end said no */
	}
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: %s on the back-end channel: %s; closing it",
			name, strerror(-r));
		close(be->chan);
		be->chan = -1;
	}
	pthread_mutex_unlock(&be->chan_lock);
	if (r == 1) {
		lvh_notice(be->ctx, "vhost-user back-end: the front-end refused %s (%llu)", name,
			   (unsigned long long)v);
		return -EIO;
	}
	return r < 0 ? -ENOTCONN : 0;
}

int lvh_be_chan_vring(struct libvhost_backend *be, uint32_t request, unsigned int index)
{
	struct lvh_msg m;

	if (!negotiated(be, LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS))
		return -EOPNOTSUPP;
	lvh_msg_init(&m, request, 0);
	lvh_msg_encode_backend_vring(&m, index);
	return lvh_be_chan_call(be, &m);
}

LIBVHOST_EXPORT int libvhost_backend_config_changed(struct libvhost_backend *be)
{
	struct lvh_msg m;

	if (!be)
		return -EINVAL;
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG, 0);
	return lvh_be_chan_call(be, &m);
}

LIBVHOST_EXPORT int libvhost_vq_set_host_notifier(struct libvhost_vq *vq, int fd, uint64_t offset,
						  uint64_t size)
{
	struct lvh_vring_area a = { .nofd = fd < 0, .offset = fd < 0 ? 0 : offset,
				    .size = fd < 0 ? 0 : size };
	struct lvh_msg m;

	if (!vq || vq->index > 255)
		return -EINVAL;
	a.index = vq->index;
	lvh_msg_init(&m, LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG, 0);
	if (lvh_msg_encode_vring_area(&m, &a, fd) < 0)
		return -EINVAL;
	return lvh_be_chan_call(vq->be, &m);
}
