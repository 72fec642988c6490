/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "msg-features.h"

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
		lvh_err(ctx, "protocol features 0x%llx: INBAND_NOTIFICATIONS needs BACKEND_REQ and REPLY_ACK",
			(unsigned long long)proto);
		return -EPROTO;
	}
	if ((proto & PF(GET_VRING_BASE_INFLIGHT)) && !(proto & PF(INFLIGHT_SHMFD))) {
		lvh_err(ctx, "protocol features 0x%llx: GET_VRING_BASE_INFLIGHT needs INFLIGHT_SHMFD",
			(unsigned long long)proto);
		return -EPROTO;
	}
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

int lvh_msg_decode_queue_num(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			     uint32_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v == 0 || v > LIBVHOST_USER_MAX_VRINGS) {
		lvh_err(ctx, "GET_QUEUE_NUM: %llu queues (1 to %u are possible)",
			(unsigned long long)v, LIBVHOST_USER_MAX_VRINGS);
		return -EPROTO;
	}
	*out = (uint32_t)v;
	return 0;
}
