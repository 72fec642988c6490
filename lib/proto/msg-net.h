/* SPDX-License-Identifier: BSD-3-Clause */
/* Net: SEND_RARP (the guest MAC in a u64) and NET_SET_MTU (u64). */
#ifndef LIBVHOST_MSG_NET_H
#define LIBVHOST_MSG_NET_H

#include "proto/proto.h"

/* virtio-net's MTU range: IPv4's minimum up to what the 16-bit field holds */
#define LVH_NET_MTU_MIN 68u
#define LVH_NET_MTU_MAX 65535u

/*
 * SEND_RARP: the MAC in the u64's first six bytes, in memory order; the last
 * two are zero when we send and ignored when we receive.
 * Decode: -EBADMSG size.
 */
int lvh_msg_encode_rarp(struct lvh_msg *m, const uint8_t mac[6]);
int lvh_msg_decode_rarp(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t mac[6]);

/* NET_SET_MTU: 68..65535.  Encode: -EINVAL; decode: -EPROTO outside it. */
int lvh_msg_encode_mtu(struct lvh_msg *m, uint16_t mtu);
int lvh_msg_decode_mtu(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint16_t *mtu);

#endif
