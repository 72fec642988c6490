/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Features and ownership: the u64s of SET_PROTOCOL_FEATURES and of the
 * GET_QUEUE_NUM reply.  GET/SET_FEATURES, GET_PROTOCOL_FEATURES, SET_OWNER,
 * RESET_OWNER and RESET_DEVICE carry a plain u64 or nothing and use the
 * generic helpers in wire.c.
 */
#include <errno.h>

#include "proto/msg-features.h"

#define PF(x) LVH_BIT(LIBVHOST_USER_PROTOCOL_F_##x)

int lvh_protocol_features_check(const struct libvhost_ctx *ctx, uint64_t proto)
{
	/*
	 * In-band notifications block on REPLY_ACK and need the back-end
	 * channel; the spec tells the back-end to drop a front-end that asks
	 * for them alone.
	 */
	if ((proto & PF(INBAND_NOTIFICATIONS)) &&
	    (proto & (PF(BACKEND_REQ) | PF(REPLY_ACK))) != (PF(BACKEND_REQ) | PF(REPLY_ACK))) {
		lvh_err(ctx, "protocol features 0x%llx: INBAND_NOTIFICATIONS without %s",
			(unsigned long long)proto, "BACKEND_REQ and REPLY_ACK");
		return -EPROTO;
	}
	/* cancelled requests are recorded in the inflight area, so there must be one */
	if ((proto & PF(GET_VRING_BASE_INFLIGHT)) && !(proto & PF(INFLIGHT_SHMFD))) {
		lvh_err(ctx, "protocol features 0x%llx: GET_VRING_BASE_INFLIGHT without %s",
			(unsigned long long)proto, "INFLIGHT_SHMFD");
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_protocol_features(struct lvh_msg *m, uint64_t proto)
{
	if (lvh_protocol_features_check(NULL, proto) < 0)
		return -EINVAL;
	lvh_msg_set_u64(m, proto);
	return 0;
}

int lvh_msg_decode_protocol_features(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				     uint64_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	r = lvh_protocol_features_check(ctx, v);
	if (r < 0)
		return r;
	*out = v;
	return 0;
}

int lvh_msg_encode_queue_num(struct lvh_msg *m, uint32_t n)
{
	if (n == 0 || n > LIBVHOST_USER_MAX_VRINGS)
		return -EINVAL;
	lvh_msg_set_u64(m, n);
	return 0;
}

int lvh_msg_decode_queue_num(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     uint32_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64_range(ctx, m, "GET_QUEUE_NUM", 1, LIBVHOST_USER_MAX_VRINGS, &v);
	if (r < 0)
		return r;
	*out = (uint32_t)v;
	return 0;
}
