/* SPDX-License-Identifier: BSD-3-Clause */
/* Vring messages: SET_VRING_NUM/ADDR/BASE/ENABLE/ENDIAN, GET_VRING_BASE, VRING_KICK, SET_VRING_KICK/CALL/ERR. */
#ifndef LIBVHOST_MSG_VRING_H
#define LIBVHOST_MSG_VRING_H

#include "proto.h"

struct lvh_vring_state {
	uint32_t index;
	uint32_t num;
};

struct lvh_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct lvh_vring_fd {
	uint32_t index;
	bool nofd; /* no fd: the peer polls */
};

/* Packed-ring position as carried in SET/GET_VRING_BASE's num. */
struct lvh_vring_packed_base {
	uint16_t avail_idx; /* 15 bits */
	bool avail_wrap;
	uint16_t used_idx; /* 15 bits */
	bool used_wrap;
};

int lvh_msg_encode_vring_state(struct lvh_msg *m, const struct lvh_vring_state *s);
/* Checks the index and, per request, num (NUM 1..32768, ENABLE/ENDIAN 0..1, VRING_KICK 0). */
int lvh_msg_decode_vring_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			       struct lvh_vring_state *out);

int lvh_msg_encode_vring_addr(struct lvh_msg *m, const struct lvh_vring_addr *a);
int lvh_msg_decode_vring_addr(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_addr *out);

/* SET_VRING_KICK/CALL/ERR: attaches fd unless f->nofd (fd stays the caller's). */
int lvh_msg_encode_vring_fd(struct lvh_msg *m, const struct lvh_vring_fd *f, int fd);
int lvh_msg_decode_vring_fd(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_vring_fd *out);

uint32_t lvh_vring_packed_base_pack(const struct lvh_vring_packed_base *b);
void lvh_vring_packed_base_unpack(uint32_t num, struct lvh_vring_packed_base *out);

#endif
