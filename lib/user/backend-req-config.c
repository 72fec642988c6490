/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's config requests (lib/proto/msg-config.c): GET_CONFIG and
 * SET_CONFIG, answered by the device's ops.
 */
#include <errno.h>

#include "proto/msg-config.h"
#include "user/backend-req.h"

int lvh_be_req_get_config(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_config c, out;
	struct lvh_msg rep;
	uint8_t buf[LIBVHOST_USER_MAX_CONFIG_SIZE];
	int r = lvh_msg_decode_config(be->ctx, m, &c);

	if (r < 0)
		return r;
	lvh_msg_init_reply(&rep, m);
	r = be->ops.get_config ? be->ops.get_config(be->userdata, c.offset, buf, c.size) : -ENOTSUP;
	if (r >= 0) {
		out = (struct lvh_config){ c.offset, c.size, c.flags, buf };
		lvh_msg_encode_config(&rep, &out);
	} /* else the empty reply: how the spec's back-ends say no */
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_req_set_config(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_config c;
	int r = lvh_msg_decode_config(be->ctx, m, &c);

	if (r < 0)
		return r;
	if (!be->ops.set_config)
		return -ENOTSUP;
	return be->ops.set_config(be->userdata, c.offset, c.data, c.size, c.flags);
}
