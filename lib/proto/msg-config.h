/* SPDX-License-Identifier: BSD-3-Clause */
/* Device configuration space: GET_CONFIG (request and reply), SET_CONFIG. */
#ifndef LIBVHOST_MSG_CONFIG_H
#define LIBVHOST_MSG_CONFIG_H

#include "proto/proto.h"

#define LVH_CONFIG_F_WRITABLE 0u /* front-end messages for writable fields */
#define LVH_CONFIG_F_MIGRATION 1u /* front-end messages for live migration */

struct lvh_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	/*
	 * size bytes.  After a decode it points into the message's payload:
	 * valid only as long as that message is, and not to be kept.
	 */
	const uint8_t *data;
};

/*
 * {u32 offset, u32 size, u32 flags, u8 data[size]}.  A GET_CONFIG request
 * always carries size zero bytes (data is ignored and may be NULL); elsewhere
 * a NULL data sends zeros.  A reply with size 0 is the back-end's way to
 * report a failure.  -EINVAL: offset + size beyond
 * LIBVHOST_USER_MAX_CONFIG_SIZE, unknown flags, a GET_CONFIG request for 0
 * bytes (its reply could not be told from a failure).
 */
int lvh_msg_encode_config(struct lvh_msg *m, const struct lvh_config *c);
/*
 * GET_CONFIG request, SET_CONFIG.  -EBADMSG the size does not match the size
 * field; -EPROTO offset + size beyond the limit, unknown flags.
 */
int lvh_msg_decode_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			  struct lvh_config *out);
/*
 * GET_CONFIG reply to a request for (offset, size).  -EIO the back-end
 * reported a failure: an empty payload (libvhost-user) or a size field of 0
 * (rust-vmm); -EPROTO a range other than the one asked for; as above else.
 */
int lvh_msg_decode_config_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				uint32_t offset, uint32_t size, struct lvh_config *out);

#endif
