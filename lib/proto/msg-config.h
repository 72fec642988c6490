/* SPDX-License-Identifier: BSD-3-Clause */
/* Device configuration space: GET_CONFIG (request and reply), SET_CONFIG. */
#ifndef LIBVHOST_MSG_CONFIG_H
#define LIBVHOST_MSG_CONFIG_H

#include "proto.h"

#define LVH_CONFIG_F_WRITABLE 0u /* front-end messages for writable fields */
#define LVH_CONFIG_F_MIGRATION 1u /* front-end messages for live migration */

struct lvh_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	/* points into the message it was decoded from; lives as long as it */
	const uint8_t *data;
};

/* data may be NULL for a GET_CONFIG request: its data bytes are sent as zeros. */
int lvh_msg_encode_config(struct lvh_msg *m, const struct lvh_config *c);
/* GET_CONFIG request, SET_CONFIG. */
int lvh_msg_decode_config(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			  struct lvh_config *out);
/*
 * GET_CONFIG reply to a request for (offset, size): a size of 0 is the
 * back-end saying it failed (-EIO); anything but the requested range -EPROTO.
 */
int lvh_msg_decode_config_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				uint32_t offset, uint32_t size, struct lvh_config *out);

#endif
