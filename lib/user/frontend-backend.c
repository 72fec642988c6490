/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front-end's end of the back-end request channel (SET_BACKEND_REQ_FD):
 * each request is checked against the table, decoded by its family codec,
 * handed to the caller's op, and answered when the back-end asked.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/msg-backend.h"
#include "proto/msg-iotlb.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
#include "user/frontend.h"

int lvh_fe_backend_channel_open(struct libvhost_frontend *fe)
{
	struct lvh_msg m;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	lvh_msg_init(&m, LIBVHOST_USER_SET_BACKEND_REQ_FD, 0);
	r = lvh_msg_encode_backend_req_fd(&m, sv[1]);
	if (r >= 0)
		r = lvh_fe_call(fe, &m, NULL);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return r;
	}
	fe->backend_sock = sv[0];
	return 0;
}

void lvh_fe_backend_channel_close(struct libvhost_frontend *fe)
{
	if (fe->backend_sock >= 0)
		close(fe->backend_sock);
	fe->backend_sock = -1;
}

LIBVHOST_EXPORT int libvhost_frontend_get_backend_fd(const struct libvhost_frontend *fe)
{
	return fe ? fe->backend_sock : -EINVAL;
}

static int dispatch_shared_object(struct libvhost_frontend *fe, struct lvh_msg *m,
				  int *lookup_fd)
{
	const struct libvhost_frontend_ops *o = &fe->ops;
	struct lvh_uuid u;
	int r = lvh_msg_decode_uuid(fe->ctx, m, LVH_DIR_BACKEND, &u);

	if (r < 0)
		return r;
	switch (m->request) {
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD:
		return o->shared_object_add ? o->shared_object_add(fe->userdata, u.b) : -EOPNOTSUPP;
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE:
		return o->shared_object_remove ? o->shared_object_remove(fe->userdata, u.b)
					       : -EOPNOTSUPP;
	default:
		return o->shared_object_lookup
			       ? o->shared_object_lookup(fe->userdata, u.b, lookup_fd)
			       : -EOPNOTSUPP;
	}
}

static int dispatch_shmem(struct libvhost_frontend *fe, struct lvh_msg *m)
{
	const struct libvhost_frontend_ops *o = &fe->ops;
	struct libvhost_shmem_map pm;
	struct lvh_shmem_map sm;
	int r = lvh_msg_decode_shmem_map(fe->ctx, m, &sm);

	if (r < 0)
		return r;
	pm = (struct libvhost_shmem_map){ sm.shmid, sm.fd_offset, sm.shm_offset, sm.len, sm.flags };
	if (m->request == LIBVHOST_USER_BACKEND_SHMEM_UNMAP)
		return o->shmem_unmap ? o->shmem_unmap(fe->userdata, &pm) : -EOPNOTSUPP;
	if (!o->shmem_map)
		return -EOPNOTSUPP;
	return o->shmem_map(fe->userdata, &pm, lvh_msg_take_fd(m, 0));
}

/* Hands the request to its op; returns the op's result, -EOPNOTSUPP without one. */
static int dispatch(struct libvhost_frontend *fe, struct lvh_msg *m, int *lookup_fd)
{
	const struct libvhost_frontend_ops *o = &fe->ops;
	void *ud = fe->userdata;
	struct lvh_vring_area area;
	struct lvh_iotlb t;
	uint32_t index;
	int r, fd;

	switch (m->request) {
	case LIBVHOST_USER_BACKEND_IOTLB_MSG:
		r = lvh_msg_decode_iotlb(fe->ctx, m, LVH_DIR_BACKEND, &t);
		if (r < 0)
			return r;
		return o->iotlb_msg ? o->iotlb_msg(ud, t.iova, t.perm, t.type) : -EOPNOTSUPP;
	case LIBVHOST_USER_BACKEND_CONFIG_CHANGE_MSG:
		return o->config_change ? o->config_change(ud) : -EOPNOTSUPP;
	case LIBVHOST_USER_BACKEND_VRING_HOST_NOTIFIER_MSG:
		r = lvh_msg_decode_vring_area(fe->ctx, m, &area);
		if (r < 0)
			return r;
		if (!o->host_notifier)
			return -EOPNOTSUPP;
		fd = area.nofd ? -1 : lvh_msg_take_fd(m, 0);
		return o->host_notifier(ud, area.index, fd, area.size, area.offset);
	case LIBVHOST_USER_BACKEND_VRING_CALL:
	case LIBVHOST_USER_BACKEND_VRING_ERR:
		r = lvh_msg_decode_backend_vring(fe->ctx, m, &index);
		if (r < 0)
			return r;
		if (m->request == LIBVHOST_USER_BACKEND_VRING_CALL)
			return o->vring_call ? o->vring_call(ud, index) : -EOPNOTSUPP;
		return o->vring_err ? o->vring_err(ud, index) : -EOPNOTSUPP;
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD:
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE:
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP:
		return dispatch_shared_object(fe, m, lookup_fd);
	case LIBVHOST_USER_BACKEND_SHMEM_MAP:
	case LIBVHOST_USER_BACKEND_SHMEM_UNMAP:
		return dispatch_shmem(fe, m);
	}
	return -EOPNOTSUPP;
}

/* Decoding errors are the back-end's fault: they end the channel, not the op. */
static bool decode_error(int r)
{
	return r == -EBADMSG || r == -EPROTO;
}

LIBVHOST_EXPORT int libvhost_frontend_process_backend(struct libvhost_frontend *fe)
{
	struct pollfd pfd;
	struct lvh_msg m, rep;
	int r, lookup_fd = -1;

	if (!fe)
		return -EINVAL;
	if (fe->backend_sock < 0)
		return -ENOTCONN;
	pfd.fd = fe->backend_sock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	r = lvh_wire_recv(fe->ctx, fe->backend_sock, &m, fe->timeout_ms);
	if (r == 0)
		r = lvh_proto_check_request(fe->ctx, LVH_DIR_BACKEND, &m,
					    fe->info.protocol_features);
	if (r < 0)
		goto broken;
	r = dispatch(fe, &m, &lookup_fd);
	if (r < 0 && decode_error(r))
		goto broken;
	lvh_dbg(fe->ctx, "vhost-user: <- %s handled: %d",
		lvh_proto_name(LVH_DIR_BACKEND, m.request), r);
	lvh_msg_close_fds(&m); /* any the op did not take */
	if (m.request == LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP) {
		lvh_msg_init_reply(&rep, &m);
		r = lvh_msg_encode_shared_object_reply(&rep, r < 0 ? -1 : lookup_fd);
	} else if (m.flags & LIBVHOST_USER_FLAG_NEED_REPLY) {
		lvh_msg_init_reply(&rep, &m);
		lvh_msg_set_u64(&rep, r < 0 ? (uint64_t)-r : 0);
		r = 0;
	} else {
		return 1;
	}
	if (r >= 0)
		r = lvh_wire_send(fe->ctx, fe->backend_sock, &rep, fe->timeout_ms);
	if (r < 0)
		goto broken;
	return 1;
broken:
	lvh_msg_close_fds(&m);
	if (r == -ECONNRESET)
		lvh_info(fe->ctx, "vhost-user: the back-end closed its request channel");
	else
		lvh_err(fe->ctx, "vhost-user: back-end request channel: %s; closing it",
			strerror(-r));
	lvh_fe_backend_channel_close(fe);
	return r;
}
