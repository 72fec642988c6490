/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end channel: SET_BACKEND_REQ_FD, BACKEND_VRING_HOST_NOTIFIER_MSG,
 * BACKEND_VRING_CALL and BACKEND_VRING_ERR.  BACKEND_CONFIG_CHANGE_MSG has no
 * payload, so the table's check is all it needs.
 *
 * The host notifier reuses the vring fd encoding (index in bits 0-7, NOFD in
 * bit 8), so it can only name rings 0-255.  Without an fd it asks the
 * front-end to drop the queue's notifier, and size and offset mean nothing
 * (QEMU does not read them then).  The spec says size "should be the same as
 * host page size" and QEMU refuses anything else; that is the mapping
 * endpoint's check, not the codec's.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-backend.h"

#define AREA_KNOWN (LIBVHOST_USER_VRING_IDX_MASK | LIBVHOST_USER_VRING_NOFD_MASK)
#define AREA_SIZE 24u
#define VRING_STATE_SIZE 8u

int lvh_msg_encode_backend_req_fd(struct lvh_msg *m, int sock)
{
	return lvh_msg_encode_socket(m, sock);
}

int lvh_msg_decode_backend_req_fd(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	return lvh_msg_decode_socket(ctx, m, "SET_BACKEND_REQ_FD");
}

static bool area_ok(const struct lvh_vring_area *a)
{
	return a->nofd || (a->size != 0 && !lvh_range_overflows(a->offset, a->size));
}

int lvh_msg_encode_vring_area(struct lvh_msg *m, const struct lvh_vring_area *a, int fd)
{
	uint64_t w[3];

	if (a->index > LIBVHOST_USER_VRING_IDX_MASK || (a->nofd ? fd >= 0 : fd < 0) || !area_ok(a))
		return -EINVAL;
	w[0] = a->index | (a->nofd ? LIBVHOST_USER_VRING_NOFD_MASK : 0);
	w[1] = a->nofd ? 0 : a->size;
	w[2] = a->nofd ? 0 : a->offset;
	lvh_msg_set_payload(m, w, sizeof(w));
	return a->nofd ? 0 : lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_vring_area(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			      struct lvh_vring_area *out)
{
	struct lvh_vring_area a;
	uint64_t w[3];

	if (m->size != AREA_SIZE) {
		lvh_err(ctx, "BACKEND_VRING_HOST_NOTIFIER_MSG: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	if (w[0] & ~(uint64_t)AREA_KNOWN) {
		lvh_err(ctx, "BACKEND_VRING_HOST_NOTIFIER_MSG: unknown bits in 0x%llx",
			(unsigned long long)w[0]);
		return -EPROTO;
	}
	a.index = (uint32_t)(w[0] & LIBVHOST_USER_VRING_IDX_MASK);
	a.nofd = w[0] & LIBVHOST_USER_VRING_NOFD_MASK;
	a.size = a.nofd ? 0 : w[1];
	a.offset = a.nofd ? 0 : w[2];
	if (m->nfds != (a.nofd ? 0u : 1u)) {
		lvh_err(ctx, "BACKEND_VRING_HOST_NOTIFIER_MSG: vring %u: %u fds with NOFD %s",
			a.index, m->nfds, a.nofd ? "set" : "clear");
		return -EBADMSG;
	}
	if (!area_ok(&a)) {
		lvh_err(ctx,
			"BACKEND_VRING_HOST_NOTIFIER_MSG: vring %u: area of %llu bytes at %llu",
			a.index, (unsigned long long)a.size, (unsigned long long)a.offset);
		return -EPROTO;
	}
	*out = a;
	return 0;
}

int lvh_msg_encode_backend_vring(struct lvh_msg *m, uint32_t index)
{
	uint32_t w[2] = { index, 0 };

	if (index >= LIBVHOST_USER_MAX_VRINGS)
		return -EINVAL;
	return lvh_msg_set_payload(m, w, sizeof(w));
}

int lvh_msg_decode_backend_vring(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *index)
{
	const char *name = lvh_proto_name(LVH_DIR_BACKEND, m->request);
	uint32_t w[2];

	if (m->size != VRING_STATE_SIZE) {
		lvh_err(ctx, "%s: payload of %u bytes", name, m->size);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	if (w[0] >= LIBVHOST_USER_MAX_VRINGS) {
		lvh_err(ctx, "%s: vring %u beyond the limit of %u", name, w[0],
			LIBVHOST_USER_MAX_VRINGS);
		return -EPROTO;
	}
	if (w[1] != 0) {
		lvh_err(ctx, "%s: vring %u: reserved field is %u, not 0", name, w[0], w[1]);
		return -EPROTO;
	}
	*index = w[0];
	return 0;
}
