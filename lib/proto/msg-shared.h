/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared objects: GET_SHARED_OBJECT (front-end request and its reply),
 * BACKEND_SHARED_OBJECT_ADD and _REMOVE (acked only on NEED_REPLY),
 * BACKEND_SHARED_OBJECT_LOOKUP (request and its reply).  Each names an object
 * by a 16-byte UUID; GET and LOOKUP are answered with the object's dma-buf fd.
 */
#ifndef LIBVHOST_MSG_SHARED_H
#define LIBVHOST_MSG_SHARED_H

#include "proto/proto.h"

#define LVH_UUID_SIZE 16u

struct lvh_uuid {
	uint8_t b[LVH_UUID_SIZE]; /* as on the wire: RFC 4122 byte order, kept as is */
};

/*
 * The UUID payload of all four requests (m->request and dir name it in the
 * log).  Encode: -EINVAL for the nil UUID.  Decode: -EBADMSG size; -EPROTO
 * the nil UUID, which names no object.
 */
int lvh_msg_encode_uuid(struct lvh_msg *m, const struct lvh_uuid *u);
int lvh_msg_decode_uuid(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			enum lvh_dir dir, struct lvh_uuid *out);

/*
 * The reply to GET_SHARED_OBJECT or BACKEND_SHARED_OBJECT_LOOKUP, chosen by
 * m->request (lvh_msg_init_reply() sets it); fd < 0 means not found.
 * GET_SHARED_OBJECT: an empty body, the fd attached when found.
 * LOOKUP: u64 0 and the fd when found, u64 1 and no fd when not.
 * Errors: -EINVAL another request.
 */
int lvh_msg_encode_shared_object_reply(struct lvh_msg *m, int fd);

/*
 * Either reply, chosen by m->request.  Returns 1 found (the fd is fds[0]),
 * 0 not found.
 * GET_SHARED_OBJECT: an empty body (the spec, rust-vmm), the request's 16
 * bytes echoed (libvhost-user) or a u64 status as LOOKUP's; found iff an fd
 * came.  LOOKUP: a u64, 0 with one fd found, non-zero without an fd not found.
 * Errors: -EBADMSG another size, more than one fd, a u64 0 without the fd or
 * a non-zero u64 with one; -EINVAL another request.
 */
int lvh_msg_decode_shared_object_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
