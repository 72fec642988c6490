/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SEND_RARP: "the first 6 bytes of the payload contain the mac address" — in
 * memory order, whatever the host's endianness; the last two bytes carry
 * nothing (QEMU leaves them as they were, so they are not checked).
 * NET_SET_MTU: virtio-net's MTU range; the spec has the back-end answer an
 * invalid one with a non-zero ack.
 */
#include <errno.h>
#include <string.h>

#include "msg-net.h"

int lvh_msg_encode_rarp(struct lvh_msg *m, const uint8_t mac[6])
{
	uint8_t p[8] = { 0 };

	memcpy(p, mac, 6);
	return lvh_msg_set_payload(m, p, sizeof(p));
}

int lvh_msg_decode_rarp(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t mac[6])
{
	if (m->size != 8) {
		lvh_err(ctx, "SEND_RARP: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(mac, m->payload.bytes, 6);
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
