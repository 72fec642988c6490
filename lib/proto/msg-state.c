/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SET_STATUS / GET_STATUS (the virtio status byte in a u64), and the device
 * state transfer: SET_DEVICE_STATE_FD request and reply, CHECK_DEVICE_STATE
 * reply.
 *
 * The spec defines one migration phase (stopped) and says more may come;
 * an unknown one is refused rather than guessed at, since it would change
 * what the back-end is allowed to do while the transfer runs.  rust-vmm
 * sends a failed SET_DEVICE_STATE_FD as 0x101 (error 1, no fd); an error
 * without NOFD set is read the same way, as long as no fd came with it.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-state.h"

#define DEVICE_STATE_SIZE 8u
#define STATE_REPLY_KNOWN (LVH_STATE_REPLY_ERR_MASK | LVH_STATE_REPLY_NOFD)

int lvh_msg_encode_status(struct lvh_msg *m, uint8_t status)
{
	lvh_msg_set_u64(m, status);
	return 0;
}

int lvh_msg_decode_status(const struct libvhost_ctx *ctx, const struct lvh_msg *m, uint8_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64_range(ctx, m, lvh_proto_name(LVH_DIR_FRONTEND, m->request), 0, 0xff,
				  &v);
	if (r < 0)
		return r;
	*out = (uint8_t)v;
	return 0;
}

static bool state_ok(uint32_t direction, uint32_t phase)
{
	return direction <= LVH_STATE_LOAD && phase == LVH_STATE_PHASE_STOPPED;
}

int lvh_msg_encode_device_state(struct lvh_msg *m, const struct lvh_device_state *s, int fd)
{
	uint32_t w[2] = { s->direction, s->phase };

	if (!state_ok(s->direction, s->phase) || fd < 0)
		return -EINVAL;
	lvh_msg_set_payload(m, w, sizeof(w));
	return lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_device_state(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				struct lvh_device_state *out)
{
	uint32_t w[2];

	if (m->size != DEVICE_STATE_SIZE || m->nfds != 1) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: %u bytes and %u fds (8 and one expected)",
			m->size, m->nfds);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	if (!state_ok(w[0], w[1])) {
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
	return fd < 0 ? 0 : lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_device_state_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	unsigned int err;
	uint64_t v;
	bool nofd;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v & ~(uint64_t)STATE_REPLY_KNOWN) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: unknown bits in reply 0x%llx",
			(unsigned long long)v);
		return -EPROTO;
	}
	err = (unsigned int)(v & LVH_STATE_REPLY_ERR_MASK);
	nofd = v & LVH_STATE_REPLY_NOFD;
	if (m->nfds > 1 || (m->nfds && (nofd || err))) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: reply 0x%llx with %u fds",
			(unsigned long long)v, m->nfds);
		return -EBADMSG;
	}
	if (err) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: the back-end reported error %u", err);
		return -EIO;
	}
	if (!nofd && !m->nfds) {
		lvh_err(ctx, "SET_DEVICE_STATE_FD: success without NOFD but no fd attached");
		return -EBADMSG;
	}
	return m->nfds ? 1 : 0;
}

int lvh_msg_decode_check_device_state_reply(const struct libvhost_ctx *ctx,
					    const struct lvh_msg *m)
{
	return lvh_msg_get_status(ctx, m, "CHECK_DEVICE_STATE");
}
