/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's own requests, on the socket the front-end gives with
 * SET_BACKEND_REQ_FD: config change, host notifiers, in-band calls and
 * errors, IOTLB misses, shared objects (ADD, REMOVE, LOOKUP) and shared
 * memory (SHMEM_MAP, _UNMAP).  Device threads send on it (notify, pop), so
 * one lock covers a request and the answer it waits for (with REPLY_ACK
 * all but calls, errors and misses; LOOKUP's reply always), each wait
 * bounded by the back-end's timeout.  A channel that fails (no answer in
 * time, a malformed one, a hang-up, a socket too full to take a request
 * that needs no answer) is closed: the front-end's own connection goes
 * on, and the back-end's requests say -ENOTCONN.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg-backend.h"
#include "proto/msg-shared.h"
#include "proto/msg-shmem.h"
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

/*
 * The answer to @m (with the lock held): the ack's value in *@v, or the
 * reply of its own into *@rep.  0, or a negative errno (no fds kept).
 */
static int chan_answer(struct libvhost_backend *be, const struct lvh_msg *m, struct lvh_msg *rep,
		       uint64_t *v)
{
	int r = lvh_wire_recv(be->ctx, be->chan, rep, be->timeout_ms);

	if (r == 0 && rep->request != m->request)
		r = -EPROTO;
	if (r == 0)
		r = lvh_proto_check_reply(be->ctx, LVH_DIR_BACKEND, m->request,
					  v ? LVH_REPLY_KIND_ACK : LVH_REPLY_KIND_BODY, rep);
	if (r == 0 && v)
		r = lvh_msg_get_u64(be->ctx, rep, v);
	else if (r == 0)
		r = lvh_msg_decode_shared_object_reply(be->ctx, rep) < 0 ? -EBADMSG : 0;
	if (r < 0 || v)
		lvh_msg_close_fds(rep);
	return r;
}

int lvh_be_chan_send(struct libvhost_backend *be, struct lvh_msg *m, struct lvh_msg *rep)
{
	const struct lvh_proto_row *row = lvh_proto_lookup(LVH_DIR_BACKEND, m->request);
	const char *name = lvh_proto_name(LVH_DIR_BACKEND, m->request);
	/*
	 * Calls, error reports and IOTLB misses never wait for an ack: a call
	 * is the fast path, and a front-end may answer an error or a miss with
	 * a request of its own on the main socket first.  A request with a
	 * reply of its own is answered whatever was negotiated.
	 */
	bool ack = !rep && negotiated(be, LIBVHOST_USER_PROTOCOL_F_REPLY_ACK) &&
		   m->request != LIBVHOST_USER_BACKEND_VRING_CALL &&
		   m->request != LIBVHOST_USER_BACKEND_VRING_ERR &&
		   m->request != LIBVHOST_USER_BACKEND_IOTLB_MSG;
	bool wait = ack || rep;
	struct lvh_msg ackm;
	uint64_t v = 0;
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
	 * What needs no answer is sent without waiting: a front-end with
	 * hundreds of them unread does not read the channel, and waiting for
	 * it would stall the thread that serves the device (and the others it
	 * serves).  What needs one waits at most the timeout, twice (to send,
	 * to be answered).
	 */
	r = lvh_wire_send(be->ctx, be->chan, m, wait ? be->timeout_ms : 0);
	if (r == -ETIMEDOUT && !wait)
		lvh_err(be->ctx, "vhost-user back-end: the front-end does not read the back-end "
				 "channel (its socket is full)");
	if (r == 0 && wait)
		r = chan_answer(be, m, rep ? rep : &ackm, ack ? &v : NULL);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: %s on the back-end channel: %s; closing it",
			name, strerror(-r));
		close(be->chan);
		be->chan = -1;
	}
	pthread_mutex_unlock(&be->chan_lock);
	if (r < 0)
		return r == -EPIPE ? -ECONNRESET : r;
	if (v) {
		lvh_notice(be->ctx, "vhost-user back-end: the front-end refused %s (%llu)", name,
			   (unsigned long long)v);
		return 1;
	}
	return 0;
}

int lvh_be_chan_call(struct libvhost_backend *be, struct lvh_msg *m)
{
	int r = lvh_be_chan_send(be, m, NULL);

	if (r == 1)
		return -EIO;
	return r < 0 && r != -EOPNOTSUPP ? -ENOTCONN : r;
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

/* ---- shared objects and shared memory (SHARED_OBJECT, SHMEM) ---- */

/* 1 refused becomes -EIO, as the header says. */
static int refused_eio(int r)
{
	return r == 1 ? -EIO : r;
}

static int shared_object(struct libvhost_backend *be, uint32_t request, const uint8_t uuid[16],
			 struct lvh_msg *rep)
{
	struct lvh_uuid u;
	struct lvh_msg m;

	if (!be || !uuid)
		return -EINVAL;
	memcpy(u.b, uuid, sizeof(u.b));
	lvh_msg_init(&m, request, 0);
	if (lvh_msg_encode_uuid(&m, &u) < 0)
		return -EINVAL; /* the nil UUID names no object */
	return refused_eio(lvh_be_chan_send(be, &m, rep));
}

LIBVHOST_EXPORT int libvhost_backend_shared_object_add(struct libvhost_backend *be,
							const uint8_t uuid[16])
{
	return shared_object(be, LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, uuid, NULL);
}

LIBVHOST_EXPORT int libvhost_backend_shared_object_remove(struct libvhost_backend *be,
							   const uint8_t uuid[16])
{
	return shared_object(be, LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE, uuid, NULL);
}

LIBVHOST_EXPORT int libvhost_backend_shared_object_lookup(struct libvhost_backend *be,
							   const uint8_t uuid[16], int *ret_fd)
{
	struct lvh_msg rep;
	int r;

	if (!ret_fd)
		return -EINVAL;
	r = shared_object(be, LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, uuid, &rep);
	if (r < 0)
		return r;
	/* the codec checked it: a u64 0 with exactly one fd, or non-zero without */
	if (!rep.nfds)
		return -ENOENT;
	*ret_fd = lvh_msg_take_fd(&rep, 0);
	return 0;
}

/*
 * @map against the regions the back-end declared: shmid one of them, the
 * range inside it.  -EINVAL with a debug line.
 */
static int shmem_check(struct libvhost_backend *be, const struct libvhost_shmem_map *map)
{
	uint64_t size = 0;

	pthread_mutex_lock(&be->chan_lock);
	if (be->shmem_sizes && map->shmid < LIBVHOST_USER_MAX_SHMEM_REGIONS)
		size = be->shmem_sizes[map->shmid];
	pthread_mutex_unlock(&be->chan_lock);
	if (!size || map->len == 0 || map->shm_offset > size || map->len > size - map->shm_offset) {
		lvh_dbg(be->ctx,
			"vhost-user back-end: shmid %llu (%llu bytes declared): %llu bytes at %llu",
			(unsigned long long)map->shmid, (unsigned long long)size,
			(unsigned long long)map->len, (unsigned long long)map->shm_offset);
		return -EINVAL;
	}
	return 0;
}

static int shmem(struct libvhost_backend *be, uint32_t request,
		 const struct libvhost_shmem_map *map, int fd)
{
	struct lvh_shmem_map s;
	struct lvh_msg m;

	if (!be || !map)
		return -EINVAL;
	if (!negotiated(be, LIBVHOST_USER_PROTOCOL_F_SHMEM))
		return -EOPNOTSUPP;
	if (shmem_check(be, map) < 0)
		return -EINVAL;
	s = (struct lvh_shmem_map){ (uint8_t)map->shmid, map->fd_offset, map->shm_offset,
				    map->len, map->flags };
	lvh_msg_init(&m, request, 0);
	/* the codec: fd present for MAP only, the fd range within 2^64, known flags */
	if (lvh_msg_encode_shmem_map(&m, &s, fd) < 0)
		return -EINVAL;
	return refused_eio(lvh_be_chan_send(be, &m, NULL));
}

LIBVHOST_EXPORT int libvhost_backend_shmem_map(struct libvhost_backend *be,
					       const struct libvhost_shmem_map *map, int fd)
{
	if (fd < 0)
		return -EINVAL;
	return shmem(be, LIBVHOST_USER_BACKEND_SHMEM_MAP, map, fd);
}

LIBVHOST_EXPORT int libvhost_backend_shmem_unmap(struct libvhost_backend *be,
						 const struct libvhost_shmem_map *map)
{
	return shmem(be, LIBVHOST_USER_BACKEND_SHMEM_UNMAP, map, -1);
}
