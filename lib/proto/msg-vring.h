/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vring messages: SET_VRING_NUM/ADDR/BASE/ENABLE/ENDIAN, GET_VRING_BASE
 * (request and reply), VRING_KICK, SET_VRING_KICK/CALL/ERR.
 */
#ifndef LIBVHOST_MSG_VRING_H
#define LIBVHOST_MSG_VRING_H

#include "proto/proto.h"

struct lvh_vring_state {
	uint32_t index;
	uint32_t num;
};

struct lvh_vring_addr {
	uint32_t index;
	uint32_t flags; /* only bit LIBVHOST_VRING_F_LOG is defined */
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log; /* guest address the used ring's writes are logged at */
};

struct lvh_vring_fd {
	uint32_t index; /* 0-255 */
	bool nofd; /* no fd: the peer polls */
};

/* Packed-ring position as carried in SET/GET_VRING_BASE's num. */
struct lvh_vring_packed_base {
	uint16_t avail_idx; /* 15 bits */
	bool avail_wrap;
	uint16_t used_idx; /* 15 bits */
	bool used_wrap;
};

/*
 * Vring state {u32 index, u32 num}, for SET_VRING_NUM, SET_VRING_BASE,
 * GET_VRING_BASE (request and reply), SET_VRING_ENABLE, SET_VRING_ENDIAN and
 * VRING_KICK; m->request selects the rule for num: SET_VRING_NUM 1..32768,
 * ENABLE 0..1, ENDIAN 0 (little) or 1 (big), VRING_KICK 0, the bases any.
 * index < LIBVHOST_USER_MAX_VRINGS.  Encode: -EINVAL; decode: -EPROTO.
 */
int lvh_msg_encode_vring_state(struct lvh_msg *m, const struct lvh_vring_state *s);
int lvh_msg_decode_vring_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			       struct lvh_vring_state *out);

/* SET_VRING_ADDR: index within the limit, flags only VRING_F_LOG. */
int lvh_msg_encode_vring_addr(struct lvh_msg *m, const struct lvh_vring_addr *a);
int lvh_msg_decode_vring_addr(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_addr *out);

/*
 * SET_VRING_KICK/CALL/ERR: u64 index | NOFD << 8, every other bit zero.
 * Encode attaches fd unless f->nofd (the fd stays the caller's; -EINVAL if it
 * is missing or f->index > 255).  Decode: -EPROTO unknown bits; -EBADMSG an
 * fd count other than 1 with NOFD clear or 0 with it set.
 */
int lvh_msg_encode_vring_fd(struct lvh_msg *m, const struct lvh_vring_fd *f, int fd);
int lvh_msg_decode_vring_fd(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_vring_fd *out);

/*
 * The packed-ring base in SET/GET_VRING_BASE's num:
 * last_avail_idx | avail_wrap << 15 | last_used_idx << 16 | used_wrap << 31.
 * Indexes are 15 bits (a packed ring has at most 32768 entries); pack masks them.
 */
uint32_t lvh_vring_packed_base_pack(const struct lvh_vring_packed_base *b);
void lvh_vring_packed_base_unpack(uint32_t num, struct lvh_vring_packed_base *out);

#endif
