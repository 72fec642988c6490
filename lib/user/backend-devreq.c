/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's requests of particular device types, each handed to the
 * device's op after its family codec checked it: NET_SET_MTU and SEND_RARP
 * (net), CREATE/CLOSE_CRYPTO_SESSION (crypto), GPU_SET_SOCKET (GPU),
 * GET_SHARED_OBJECT (shared objects) and GET_SHMEM_CONFIG (shared memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg-crypto.h"
#include "proto/msg-gpu.h"
#include "proto/msg-net.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
#include "user/backend.h"

uint64_t lvh_be_devreq_features(const struct libvhost_backend_ops *ops, uint64_t flags)
{
	uint64_t f = 0;

	if (ops->set_mtu)
		f |= LVH_BIT(LIBVHOST_USER_PROTOCOL_F_NET_MTU);
	if (ops->send_rarp)
		f |= LVH_BIT(LIBVHOST_USER_PROTOCOL_F_RARP);
	if (ops->create_crypto_session && ops->close_crypto_session)
		f |= LVH_BIT(LIBVHOST_USER_PROTOCOL_F_CRYPTO_SESSION);
	/* an exporter answers GET_SHARED_OBJECT; an importer only looks objects up */
	if (ops->get_shared_object || (flags & LIBVHOST_BACKEND_F_SHARED_OBJECT))
		f |= LVH_BIT(LIBVHOST_USER_PROTOCOL_F_SHARED_OBJECT);
	if (ops->get_shmem_config)
		f |= LVH_BIT(LIBVHOST_USER_PROTOCOL_F_SHMEM);
	return f;
}

static int refused(struct libvhost_backend *be, const struct lvh_msg *m)
{
	lvh_notice(be->ctx, "vhost-user back-end: %s: the device does not implement it",
		   lvh_proto_name(LVH_DIR_FRONTEND, m->request));
	return -EOPNOTSUPP;
}

static int net(struct libvhost_backend *be, const struct lvh_msg *m)
{
	uint8_t mac[6];
	uint16_t mtu;
	int r;

	if (m->request == LIBVHOST_USER_NET_SET_MTU ? !be->ops.set_mtu : !be->ops.send_rarp)
		return refused(be, m);
	if (m->request == LIBVHOST_USER_NET_SET_MTU) {
		r = lvh_msg_decode_mtu(be->ctx, m, &mtu);
		return r < 0 ? r : be->ops.set_mtu(be->userdata, mtu);
	}
	r = lvh_msg_decode_rarp(be->ctx, m, mac);
	return r < 0 ? r : be->ops.send_rarp(be->userdata, mac);
}

static int crypto_create(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_crypto_session s;
	struct lvh_msg rep;
	int64_t id = -1;
	int r;

	if (!be->ops.create_crypto_session)
		return refused(be, m);
	r = lvh_msg_decode_crypto_session(be->ctx, m, &s);
	if (r < 0)
		return r;
	r = be->ops.create_crypto_session(be->userdata, m->payload.bytes, m->size, &id);
	if (r < 0 || id < 0) {
		lvh_dbg(be->ctx, "vhost-user back-end: CREATE_CRYPTO_SESSION failed: %s",
			strerror(r < 0 ? -r : EINVAL));
		id = -1;
	}
	/* the request echoed with the id, in its own layout, as the front-end expects */
	s.session_id = id;
	lvh_msg_init_reply(&rep, m);
	r = lvh_msg_encode_crypto_session(&rep, &s);
	if (r < 0)
		return r;
	return lvh_be_send_reply(be, &rep);
}

static int crypto_close(struct libvhost_backend *be, const struct lvh_msg *m)
{
	int64_t id;
	int r;

	if (!be->ops.close_crypto_session)
		return refused(be, m);
	r = lvh_msg_decode_crypto_close(be->ctx, m, &id);
	return r < 0 ? r : be->ops.close_crypto_session(be->userdata, id);
}

static int gpu_socket(struct libvhost_backend *be, struct lvh_msg *m)
{
	int r, fd;

	r = lvh_msg_decode_gpu_socket(be->ctx, m);
	if (r < 0)
		return r;
	if (!be->ops.gpu_set_socket)
		return refused(be, m);
	fd = lvh_msg_take_fd(m, 0);
	r = be->ops.gpu_set_socket(be->userdata, fd);
	if (r < 0)
		close(fd);
	return r;
}

static int shared_object(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_uuid u;
	struct lvh_msg rep;
	int r, fd = -1;

	if (!be->ops.get_shared_object)
		return refused(be, m);
	r = lvh_msg_decode_uuid(be->ctx, m, LVH_DIR_FRONTEND, &u);
	if (r < 0)
		return r;
	r = be->ops.get_shared_object(be->userdata, u.b, &fd);
	if (r < 0 || fd < 0) {
		if (r != -ENOENT)
			lvh_dbg(be->ctx, "vhost-user back-end: GET_SHARED_OBJECT: %s",
				strerror(r < 0 ? -r : EBADF));
		fd = -1;
	}
	lvh_msg_init_reply(&rep, m);
	r = lvh_msg_encode_shared_object_reply(&rep, fd);
	if (r >= 0)
		r = lvh_be_send_reply(be, &rep);
	if (fd >= 0)
		close(fd);
	return r;
}

static int shmem_config(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_shmem_config *c;
	struct lvh_msg rep;
	unsigned int i;
	int r;

	if (!be->ops.get_shmem_config)
		return refused(be, m);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = be->ops.get_shmem_config(be->userdata, c->sizes, LIBVHOST_USER_MAX_SHMEM_REGIONS);
	if (r < 0) {
		free(c);
		return r;
	}
	for (i = 0; i < LIBVHOST_USER_MAX_SHMEM_REGIONS; i++)
		c->nregions += c->sizes[i] != 0;
	lvh_msg_init_reply(&rep, m);
	r = lvh_msg_encode_shmem_config(&rep, c);
	if (r < 0) {
		free(c);
		return r;
	}
	/* what SHMEM_MAP and _UNMAP are checked against from now on */
	pthread_mutex_lock(&be->chan_lock);
	if (!be->shmem_sizes)
		be->shmem_sizes = calloc(LIBVHOST_USER_MAX_SHMEM_REGIONS, sizeof(uint64_t));
	if (be->shmem_sizes)
		memcpy(be->shmem_sizes, c->sizes, sizeof(c->sizes));
	pthread_mutex_unlock(&be->chan_lock);
	free(c);
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_devreq(struct libvhost_backend *be, struct lvh_msg *m)
{
	switch (m->request) {
	case LIBVHOST_USER_NET_SET_MTU:
	case LIBVHOST_USER_SEND_RARP:
		return net(be, m);
	case LIBVHOST_USER_CREATE_CRYPTO_SESSION:
		return crypto_create(be, m);
	case LIBVHOST_USER_CLOSE_CRYPTO_SESSION:
		return crypto_close(be, m);
	case LIBVHOST_USER_GPU_SET_SOCKET:
		return gpu_socket(be, m);
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		return shared_object(be, m);
	case LIBVHOST_USER_GET_SHMEM_CONFIG:
		return shmem_config(be, m);
	}
	return -ENOSYS;
}
