/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device configuration space: GET_CONFIG (request and reply) and SET_CONFIG.
 *
 * The spec says a back-end "uses zero length of payload to indicate an error".
 * Back-ends read that two ways: libvhost-user sends an empty payload,
 * rust-vmm sends the 12-byte header with size 0.  Both mean -EIO here.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-config.h"

#define CONFIG_HDR 12u

static bool range_ok(uint32_t offset, uint32_t size)
{
	/* computed in 64 bits: two u32s cannot wrap there */
	return (uint64_t)offset + size <= LIBVHOST_USER_MAX_CONFIG_SIZE;
}

static bool is_get_request(const struct lvh_msg *m)
{
	return m->request == LIBVHOST_USER_GET_CONFIG && !(m->flags & LIBVHOST_USER_FLAG_REPLY);
}

int lvh_msg_encode_config(struct lvh_msg *m, const struct lvh_config *c)
{
	uint8_t *p = m->payload.bytes;

	if (!range_ok(c->offset, c->size) || c->flags > LVH_CONFIG_F_MIGRATION)
		return -EINVAL;
	if (is_get_request(m) && c->size == 0)
		return -EINVAL;
	memcpy(p, &c->offset, 4);
	memcpy(p + 4, &c->size, 4);
	memcpy(p + 8, &c->flags, 4);
	if (c->data && !is_get_request(m))
		memcpy(p + CONFIG_HDR, c->data, c->size);
	else
		memset(p + CONFIG_HDR, 0, c->size);
	m->size = CONFIG_HDR + c->size;
	return 0;
}

static int decode(const struct libvhost_ctx *ctx, const struct lvh_msg *m, struct lvh_config *c)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);

	if (m->size < CONFIG_HDR || m->size > sizeof(m->payload.bytes)) {
		lvh_err(ctx, "%s: payload of %u bytes", name, m->size);
		return -EBADMSG;
	}
	memcpy(&c->offset, m->payload.bytes, 4);
	memcpy(&c->size, m->payload.bytes + 4, 4);
	memcpy(&c->flags, m->payload.bytes + 8, 4);
	c->data = m->payload.bytes + CONFIG_HDR;
	if ((uint64_t)m->size != CONFIG_HDR + (uint64_t)c->size) {
		lvh_err(ctx, "%s: %u config bytes announced, %u carried", name, c->size,
			m->size - CONFIG_HDR);
		return -EBADMSG;
	}
	if (!range_ok(c->offset, c->size)) {
		lvh_err(ctx, "%s: offset %u + size %u is beyond the %u-byte limit", name, c->offset,
			c->size, LIBVHOST_USER_MAX_CONFIG_SIZE);
		return -EPROTO;
	}
	if (c->flags > LVH_CONFIG_F_MIGRATION) {
		lvh_err(ctx, "%s: unknown flags %u", name, c->flags);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_decode_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			  struct lvh_config *out)
{
	struct lvh_config c;
	int r;

	r = decode(ctx, m, &c);
	if (r < 0)
		return r;
	*out = c;
	return 0;
}

int lvh_msg_decode_config_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				uint32_t offset, uint32_t size, struct lvh_config *out)
{
	struct lvh_config c;
	int r;

	if (m->size == 0) {
		lvh_err(ctx, "GET_CONFIG: the back-end reported a failure (empty reply)");
		return -EIO;
	}
	r = decode(ctx, m, &c);
	if (r < 0)
		return r;
	if (c.size == 0) {
		lvh_err(ctx, "GET_CONFIG: the back-end reported a failure (size 0)");
		return -EIO;
	}
	if (c.offset != offset || c.size != size) {
		lvh_err(ctx, "GET_CONFIG: asked for %u bytes at %u, got %u bytes at %u", size,
			offset, c.size, c.offset);
		return -EPROTO;
	}
	*out = c;
	return 0;
}
