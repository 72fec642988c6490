/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device status and state transfer: SET_STATUS, GET_STATUS (reply),
 * SET_DEVICE_STATE_FD (request and reply), CHECK_DEVICE_STATE (reply).
 * GET_STATUS and CHECK_DEVICE_STATE requests are empty: the table checks them.
 */
#ifndef LIBVHOST_MSG_STATE_H
#define LIBVHOST_MSG_STATE_H

#include "proto/proto.h"

/* SET_DEVICE_STATE_FD transfer direction and migration phase */
#define LVH_STATE_SAVE 0u /* back-end -> front-end, on the migration source */
#define LVH_STATE_LOAD 1u /* front-end -> back-end, on the destination */
#define LVH_STATE_PHASE_STOPPED 0u /* the only phase the spec defines */

/* SET_DEVICE_STATE_FD reply bits */
#define LVH_STATE_REPLY_ERR_MASK 0xffu
#define LVH_STATE_REPLY_NOFD (1u << 8)

struct lvh_device_state {
	uint32_t direction; /* LVH_STATE_SAVE / _LOAD */
	uint32_t phase; /* LVH_STATE_PHASE_STOPPED */
};

/*
 * SET_STATUS request / GET_STATUS reply: the virtio device status byte in a
 * u64.  Decode: -EPROTO for bits above 7.
 */
int lvh_msg_encode_status(struct lvh_msg *m, uint8_t status);
int lvh_msg_decode_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t *out);

/*
 * SET_DEVICE_STATE_FD request {u32 direction, u32 phase} with the transfer
 * channel's fd (still the caller's).  Encode: -EINVAL unknown direction or
 * phase, no fd.  Decode: -EPROTO unknown direction or phase; -EBADMSG size or
 * an fd count other than one.
 */
int lvh_msg_encode_device_state(struct lvh_msg *m, const struct lvh_device_state *s, int fd);
int lvh_msg_decode_device_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_device_state *out);

/*
 * SET_DEVICE_STATE_FD reply u64: bits 0-7 an error code, bit 8 "no fd".
 * Encode: err 0 with the back-end's own fd (fd >= 0: the front-end must use
 * it) or without (fd < 0: NOFD set); a non-zero err never carries an fd
 * (-EINVAL), and is sent with NOFD set.
 */
int lvh_msg_encode_device_state_reply(struct lvh_msg *m, uint8_t err, int fd);
/*
 * Returns 1 if the reply carries the back-end's fd (fds[0]), 0 if not.
 * Errors: -EIO the back-end reported an error; -EPROTO bits above 8;
 * -EBADMSG an fd that contradicts the NOFD bit or comes with an error.
 */
int lvh_msg_decode_device_state_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

/* CHECK_DEVICE_STATE reply: u64 0 success, else -EIO. */
int lvh_msg_decode_check_device_state_reply(const struct libvhost_ctx *ctx,
					    const struct lvh_msg *m);

#endif
