/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "msg-state.h"

int lvh_msg_decode_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t *out)
{
	uint64_t v;
	int r;

	/* the virtio device status is one byte */
	r = lvh_msg_get_u64_range(ctx, m, lvh_proto_name(LVH_DIR_FRONTEND, m->request), 0, 0xff, &v);
	if (r < 0)
		return r;
	*out = (uint8_t)v;
	return 0;
}

int lvh_msg_encode_device_state(struct lvh_msg *m, const struct lvh_device_state *s, int fd)
{
	uint32_t w[2] = { s->direction, s->phase };

	if (s->direction > LVH_STATE_LOAD || s->phase != LVH_STATE_PHASE_STOPPED || fd < 0)
		return -EINVAL;
	lvh_msg_set_payload(m, w, sizeof(w));
	return lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_device_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_device_state *out)
{
	uint32_t w[2];

	if (m->size != sizeof(w) || m->nfds != 1) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: %u bytes and %u fds", m->size, m->nfds);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	if (w[0] > LVH_STATE_LOAD || w[1] != LVH_STATE_PHASE_STOPPED) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: unknown direction %u or phase %u", w[0], w[1]);
		return -EPROTO;
	}
	out->direction = w[0];
	out->phase = w[1];
	return 0;
}

int lvh_msg_encode_device_state_reply(struct lvh_msg *m, uint8_t err, int fd)
{
	if (err && fd >= 0)
		return -EINVAL;
	lvh_msg_set_u64(m, err | (fd < 0 ? LVH_STATE_REPLY_NOFD : 0));
	return fd >= 0 ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_device_state_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	uint64_t v;
	bool nofd;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v & ~(uint64_t)(LVH_STATE_REPLY_ERR_MASK | LVH_STATE_REPLY_NOFD)) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: unknown bits in reply 0x%llx",
			(unsigned long long)v);
		return -EPROTO;
	}
	nofd = v & LVH_STATE_REPLY_NOFD;
	if (v & LVH_STATE_REPLY_ERR_MASK) {
		if (m->nfds) {
			lvh_err(ctx, "SET_DEVICE_STATE_FD: an fd with error reply %llu",
				(unsigned long long)v);
			return -EBADMSG;
		}
		lvh_err(ctx, "SET_DEVICE_STATE_FD: the back-end reported error %u",
			(unsigned int)(v & LVH_STATE_REPLY_ERR_MASK));
		return -EIO;
	}
	if (m->nfds != (nofd ? 0u : 1u)) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: %u fds with the no-fd bit %s", m->nfds,
			nofd ? "set" : "clear");
		return -EBADMSG;
	}
	return nofd ? 0 : 1;
}

int lvh_msg_decode_check_device_state_reply(const struct libvhost_ctx *ctx,
					    const struct lvh_msg *m)
{
	return lvh_msg_get_status(ctx, m, "CHECK_DEVICE_STATE");
}
