/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared objects: GET_SHARED_OBJECT (front-end), BACKEND_SHARED_OBJECT_ADD,
 * _REMOVE and _LOOKUP.  Each names an object by a 16-byte UUID; GET and
 * LOOKUP are answered with a u64 (0 found) and the object's dma-buf fd.
 */
#ifndef LIBVHOST_MSG_SHARED_H
#define LIBVHOST_MSG_SHARED_H

#include "proto.h"

struct lvh_uuid {
	uint8_t b[16]; /* as on the wire: RFC 4122 byte order, kept as is */
};

int lvh_msg_encode_uuid(struct lvh_msg *m, const struct lvh_uuid *u);
int lvh_msg_decode_uuid(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			enum lvh_dir dir, struct lvh_uuid *out);

/* Reply to GET_SHARED_OBJECT / BACKEND_SHARED_OBJECT_LOOKUP: fd < 0 means not found. */
int lvh_msg_encode_shared_object_reply(struct lvh_msg *m, int fd);
/* Returns 1 found (the fd is in the message), 0 not found. */
int lvh_msg_decode_shared_object_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
