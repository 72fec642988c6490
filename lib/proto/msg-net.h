/* SPDX-License-Identifier: BSD-3-Clause */
/* Net: SEND_RARP (the guest MAC in a u64), NET_SET_MTU. */
#ifndef LIBVHOST_MSG_NET_H
#define LIBVHOST_MSG_NET_H

#include "proto.h"

#define LVH_NET_MTU_MIN 68u
#define LVH_NET_MTU_MAX 65535u

int lvh_msg_encode_rarp(struct lvh_msg *m, const uint8_t mac[6]);
int lvh_msg_decode_rarp(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t mac[6]);

int lvh_msg_decode_mtu(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint16_t *mtu);

#endif
