/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Features and ownership: GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES,
 * GET_QUEUE_NUM, SET_OWNER, RESET_OWNER, RESET_DEVICE.  Their payloads are a
 * u64 or nothing (lvh_msg_set_u64 / lvh_msg_get_u64); the functions here are
 * for the u64s that have a meaning to check.
 */
#ifndef LIBVHOST_MSG_FEATURES_H
#define LIBVHOST_MSG_FEATURES_H

#include "proto/proto.h"

/*
 * The dependencies the specification sets between protocol features:
 * INBAND_NOTIFICATIONS needs BACKEND_REQ and REPLY_ACK, GET_VRING_BASE_INFLIGHT
 * needs INFLIGHT_SHMFD.  -EPROTO (logged) if @proto breaks one.
 */
int lvh_protocol_features_check(const struct libvhost_ctx *ctx, uint64_t proto);

/* SET_PROTOCOL_FEATURES: -EINVAL for a set lvh_protocol_features_check() refuses. */
int lvh_msg_encode_protocol_features(struct lvh_msg *m, uint64_t proto);
/* SET_PROTOCOL_FEATURES: its u64, with lvh_protocol_features_check() applied. */
int lvh_msg_decode_protocol_features(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				     uint64_t *out);

/* GET_QUEUE_NUM reply: 1..LIBVHOST_USER_MAX_VRINGS, else -EINVAL / -EPROTO. */
int lvh_msg_encode_queue_num(struct lvh_msg *m, uint32_t n);
int lvh_msg_decode_queue_num(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     uint32_t *out);

#endif
