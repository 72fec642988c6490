/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device status and state transfer: SET_STATUS, GET_STATUS (reply),
 * SET_DEVICE_STATE_FD (request and reply), CHECK_DEVICE_STATE (reply).
 */
#ifndef LIBVHOST_MSG_STATE_H
#define LIBVHOST_MSG_STATE_H

#include "proto.h"

#define LVH_STATE_SAVE 0u
#define LVH_STATE_LOAD 1u
#define LVH_STATE_PHASE_STOPPED 0u

/* SET_DEVICE_STATE_FD reply bits */
#define LVH_STATE_REPLY_ERR_MASK 0xffu
#define LVH_STATE_REPLY_NOFD (1u << 8)

struct lvh_device_state {
	uint32_t direction; /* LVH_STATE_SAVE / _LOAD */
	uint32_t phase; /* LVH_STATE_PHASE_STOPPED */
};

/* SET_STATUS request / GET_STATUS reply: the virtio status byte in a u64. */
int lvh_msg_decode_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t *out);

/* SET_DEVICE_STATE_FD request with the transfer pipe's end (still the caller's). */
int lvh_msg_encode_device_state(struct lvh_msg *m, const struct lvh_device_state *s, int fd);
int lvh_msg_decode_device_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_device_state *out);

/*
 * SET_DEVICE_STATE_FD reply: error code 0 and either the back-end's own fd
 * (fd >= 0) or none (fd < 0: the front-end keeps using its own).
 */
int lvh_msg_encode_device_state_reply(struct lvh_msg *m, uint8_t err, int fd);
/* Returns 1 if the reply carries the back-end's fd, 0 if not; -EIO for an error code. */
int lvh_msg_decode_device_state_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

/* CHECK_DEVICE_STATE reply: 0 success, else -EIO. */
int lvh_msg_decode_check_device_state_reply(const struct libvhost_ctx *ctx,
					    const struct lvh_msg *m);

#endif
