/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared objects: the UUID payload of GET_SHARED_OBJECT and
 * BACKEND_SHARED_OBJECT_ADD/_REMOVE/_LOOKUP, and the replies to GET and
 * LOOKUP.
 *
 * The spec stores the UUID's first three fields big-endian (RFC 4122); the
 * 16 bytes are only ever compared, never interpreted, so they are kept as
 * sent.  The nil UUID names no object.
 *
 * GET_SHARED_OBJECT's reply payload is "dmabuf fd": no body at all, and
 * implementations disagree on what they put there.  rust-vmm sends an empty
 * body, libvhost-user sends back the request unchanged (the 16-byte UUID),
 * and QEMU's front-end reads only the fd.  So the fd alone decides, whatever
 * of those bodies comes with it; a u64 body is read as LOOKUP's status.
 * We send an empty body.  LOOKUP's reply is "dmabuf fd and u64" and QEMU
 * always sends the u64.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-shared.h"

#define STATUS_SIZE 8u

static bool is_nil(const struct lvh_uuid *u)
{
	static const struct lvh_uuid nil;

	return memcmp(u->b, nil.b, sizeof(nil.b)) == 0;
}

int lvh_msg_encode_uuid(struct lvh_msg *m, const struct lvh_uuid *u)
{
	if (is_nil(u))
		return -EINVAL;
	return lvh_msg_set_payload(m, u->b, sizeof(u->b));
}

int lvh_msg_decode_uuid(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			enum lvh_dir dir, struct lvh_uuid *out)
{
	struct lvh_uuid u;

	if (m->size != sizeof(u.b)) {
		lvh_err(ctx, "%s: payload of %u bytes, not a UUID", lvh_proto_name(dir, m->request),
			m->size);
		return -EBADMSG;
	}
	memcpy(u.b, m->payload.bytes, sizeof(u.b));
	if (is_nil(&u)) {
		lvh_err(ctx, "%s: the nil UUID", lvh_proto_name(dir, m->request));
		return -EPROTO;
	}
	*out = u;
	return 0;
}

int lvh_msg_encode_shared_object_reply(struct lvh_msg *m, int fd)
{
	switch (m->request) {
	case LIBVHOST_USER_GET_SHARED_OBJECT:
		m->size = 0;
		break;
	case LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP:
		lvh_msg_set_u64(m, fd < 0 ? 1 : 0);
		break;
	default:
		return -EINVAL;
	}
	return fd < 0 ? 0 : lvh_msg_add_fd(m, fd);
}

/* A u64 status: 0 comes with exactly one fd, non-zero with none. */
static int status_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m, const char *name)
{
	uint64_t v = m->payload.u64;

	if ((v == 0) != (m->nfds == 1)) {
		lvh_err(ctx, "%s: reply %llu with %u fds (success comes with exactly one)", name,
			(unsigned long long)v, m->nfds);
		return -EBADMSG;
	}
	if (v)
		lvh_dbg(ctx, "%s: not found (%llu)", name, (unsigned long long)v);
	return v == 0 ? 1 : 0;
}

int lvh_msg_decode_shared_object_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	const char *name;
	bool get;

	if (m->request == LIBVHOST_USER_GET_SHARED_OBJECT) {
		name = "GET_SHARED_OBJECT";
		get = true;
	} else if (m->request == LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP) {
		name = "BACKEND_SHARED_OBJECT_LOOKUP";
		get = false;
	} else {
		lvh_dbg(ctx, "request %u has no shared-object reply", m->request);
		return -EINVAL;
	}
	if (m->nfds > 1) {
		lvh_err(ctx, "%s: reply with %u fds (at most one dma-buf)", name, m->nfds);
		return -EBADMSG;
	}
	if (m->size == STATUS_SIZE)
		return status_reply(ctx, m, name);
	if (!get || (m->size != 0 && m->size != LVH_UUID_SIZE)) {
		lvh_err(ctx, "%s: reply of %u bytes", name, m->size);
		return -EBADMSG;
	}
	if (!m->nfds)
		lvh_dbg(ctx, "%s: not found", name);
	return m->nfds ? 1 : 0;
}
