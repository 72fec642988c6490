/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Net: SEND_RARP and NET_SET_MTU.
 *
 * SEND_RARP: "the first 6 bytes of the payload contain the mac address" --
 * bytes, in memory order, whatever the host's endianness, so they are copied
 * rather than read as a number.  The spec gives bytes 6-7 no meaning and does
 * not ask for them to be zero (QEMU happens to zero them, DPDK reads only the
 * six), so a receiver must not refuse a message over them; we send zeros.
 * NET_SET_MTU: the spec has the back-end refuse an invalid MTU with a
 * non-zero ack; valid is virtio-net's range, which the front-end has no
 * business exceeding either, so the encoder refuses it too.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-net.h"

#define RARP_SIZE 8u

int lvh_msg_encode_rarp(struct lvh_msg *m, const uint8_t mac[6])
{
	uint8_t p[RARP_SIZE] = { 0 };

	memcpy(p, mac, 6);
	return lvh_msg_set_payload(m, p, sizeof(p));
}

int lvh_msg_decode_rarp(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t mac[6])
{
	if (m->size != RARP_SIZE) {
		lvh_err(ctx, "SEND_RARP: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(mac, m->payload.bytes, 6);
	return 0;
}

int lvh_msg_encode_mtu(struct lvh_msg *m, uint16_t mtu)
{
	if (mtu < LVH_NET_MTU_MIN)
		return -EINVAL;
	lvh_msg_set_u64(m, mtu);
	return 0;
}

int lvh_msg_decode_mtu(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint16_t *mtu)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64_range(ctx, m, "NET_SET_MTU", LVH_NET_MTU_MIN, LVH_NET_MTU_MAX, &v);
	if (r < 0)
		return r;
	*mtu = (uint16_t)v;
	return 0;
}
