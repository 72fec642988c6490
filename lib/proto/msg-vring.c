/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vring messages: SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE
 * (request and reply), SET_VRING_ENABLE, SET_VRING_ENDIAN, VRING_KICK and
 * SET_VRING_KICK/CALL/ERR.  Indexes are checked against
 * LIBVHOST_USER_MAX_VRINGS here; the endpoint checks them against its own
 * queue count.  The fd messages can only name rings 0-255: their index field
 * is 8 bits wide.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-vring.h"

#define VRING_FD_KNOWN (LIBVHOST_USER_VRING_IDX_MASK | LIBVHOST_USER_VRING_NOFD_MASK)
#define MAX_RING_SIZE 32768u

static int check_index(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint32_t index)
{
	if (index >= LIBVHOST_USER_MAX_VRINGS) {
		lvh_err(ctx, "%s: vring index %u beyond the limit of %u",
			lvh_proto_name(LVH_DIR_FRONTEND, m->request), index,
			LIBVHOST_USER_MAX_VRINGS);
		return -EPROTO;
	}
	return 0;
}

/* num's valid range for each request that carries a vring state; true if no rule */
static bool num_ok(uint32_t request, uint32_t num)
{
	switch (request) {
	case LIBVHOST_USER_SET_VRING_NUM:
		return num >= 1 && num <= MAX_RING_SIZE;
	case LIBVHOST_USER_SET_VRING_ENABLE:
	case LIBVHOST_USER_SET_VRING_ENDIAN:
		return num <= 1;
	case LIBVHOST_USER_VRING_KICK:
		return num == 0; /* reserved */
	default:
		return true; /* SET/GET_VRING_BASE: any position */
	}
}

int lvh_msg_encode_vring_state(struct lvh_msg *m, const struct lvh_vring_state *s)
{
	uint32_t w[2] = { s->index, s->num };

	if (s->index >= LIBVHOST_USER_MAX_VRINGS || !num_ok(m->request, s->num))
		return -EINVAL;
	return lvh_msg_set_payload(m, w, sizeof(w));
}

int lvh_msg_decode_vring_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			       struct lvh_vring_state *out)
{
	uint32_t w[2];
	int r;

	if (m->size != sizeof(w)) {
		lvh_err(ctx, "%s: vring state of %u bytes",
			lvh_proto_name(LVH_DIR_FRONTEND, m->request), m->size);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	r = check_index(ctx, m, w[0]);
	if (r < 0)
		return r;
	if (!num_ok(m->request, w[1])) {
		lvh_err(ctx, "%s: vring %u: invalid value %u",
			lvh_proto_name(LVH_DIR_FRONTEND, m->request), w[0], w[1]);
		return -EPROTO;
	}
	out->index = w[0];
	out->num = w[1];
	return 0;
}

/* Only VHOST_VRING_F_LOG is defined; anything else is a peer we do not understand. */
#define VRING_ADDR_FLAGS_KNOWN (1u << LIBVHOST_VRING_F_LOG)

int lvh_msg_encode_vring_addr(struct lvh_msg *m, const struct lvh_vring_addr *a)
{
	uint8_t p[40];

	if (a->index >= LIBVHOST_USER_MAX_VRINGS || (a->flags & ~VRING_ADDR_FLAGS_KNOWN))
		return -EINVAL;
	memcpy(p, &a->index, 4);
	memcpy(p + 4, &a->flags, 4);
	memcpy(p + 8, &a->desc, 8);
	memcpy(p + 16, &a->used, 8);
	memcpy(p + 24, &a->avail, 8);
	memcpy(p + 32, &a->log, 8);
	return lvh_msg_set_payload(m, p, sizeof(p));
}

int lvh_msg_decode_vring_addr(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_addr *out)
{
	struct lvh_vring_addr a;
	const uint8_t *p = m->payload.bytes;
	int r;

	if (m->size != 40) {
		lvh_err(ctx, "SET_VRING_ADDR: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(&a.index, p, 4);
	memcpy(&a.flags, p + 4, 4);
	memcpy(&a.desc, p + 8, 8);
	memcpy(&a.used, p + 16, 8);
	memcpy(&a.avail, p + 24, 8);
	memcpy(&a.log, p + 32, 8);
	r = check_index(ctx, m, a.index);
	if (r < 0)
		return r;
	if (a.flags & ~VRING_ADDR_FLAGS_KNOWN) {
		lvh_err(ctx, "SET_VRING_ADDR: vring %u: unknown flags 0x%x", a.index, a.flags);
		return -EPROTO;
	}
	*out = a;
	return 0;
}

int lvh_msg_encode_vring_fd(struct lvh_msg *m, const struct lvh_vring_fd *f, int fd)
{
	if (f->index > LIBVHOST_USER_VRING_IDX_MASK || (!f->nofd && fd < 0))
		return -EINVAL;
	lvh_msg_set_u64(m, f->index | (f->nofd ? LIBVHOST_USER_VRING_NOFD_MASK : 0));
	return f->nofd ? 0 : lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_vring_fd(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_vring_fd *out)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	uint64_t v;
	bool nofd;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v & ~(uint64_t)VRING_FD_KNOWN) {
		lvh_err(ctx, "%s: unknown bits in 0x%llx", name, (unsigned long long)v);
		return -EPROTO;
	}
	nofd = v & LIBVHOST_USER_VRING_NOFD_MASK;
	if (m->nfds != (nofd ? 0u : 1u)) {
		lvh_err(ctx, "%s: vring %u: %u fds with the NOFD bit %s", name,
			(unsigned int)(v & LIBVHOST_USER_VRING_IDX_MASK), m->nfds,
			nofd ? "set" : "clear");
		return -EBADMSG;
	}
	out->index = (uint32_t)(v & LIBVHOST_USER_VRING_IDX_MASK);
	out->nofd = nofd;
	return 0;
}

uint32_t lvh_vring_packed_base_pack(const struct lvh_vring_packed_base *b)
{
	return (uint32_t)(b->avail_idx & 0x7fff) | (uint32_t)b->avail_wrap << 15 |
	       (uint32_t)(b->used_idx & 0x7fff) << 16 | (uint32_t)b->used_wrap << 31;
}

void lvh_vring_packed_base_unpack(uint32_t num, struct lvh_vring_packed_base *out)
{
	out->avail_idx = num & 0x7fff;
	out->avail_wrap = (num >> 15) & 1;
	out->used_idx = (num >> 16) & 0x7fff;
	out->used_wrap = (num >> 31) & 1;
}
