/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UUID's first three fields are big-endian in the spec's text (RFC 4122);
 * the 16 bytes are never interpreted here, only compared, so they are kept
 * exactly as sent.  The nil UUID names no object.
 */
#include <errno.h>
#include <string.h>

#include "msg-shared.h"

static bool is_nil(const struct lvh_uuid *u)
{
	static const struct lvh_uuid nil;

	return memcmp(u, &nil, sizeof(nil)) == 0;
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
		lvh_err(ctx, "%s: payload of %u bytes", lvh_proto_name(dir, m->request), m->size);
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
	lvh_msg_set_u64(m, fd >= 0 ? 0 : 1);
	return fd >= 0 ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_shared_object_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if ((v == 0) != (m->nfds == 1) || m->nfds > 1) {
		lvh_err(ctx, "shared object reply %llu with %u fds (success comes with exactly one)",
			(unsigned long long)v, m->nfds);
		return -EBADMSG;
	}
	return v == 0 ? 1 : 0;
}
