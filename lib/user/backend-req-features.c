/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's features and owner requests (lib/proto/msg-features.c):
 * GET/SET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_OWNER,
 * RESET_OWNER and RESET_DEVICE.
 */
#include <errno.h>

#include "proto/msg-features.h"
#include "user/backend-req.h"

int lvh_be_req_get_features(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->features);
}

int lvh_be_req_set_features(struct libvhost_backend *be, struct lvh_msg *m)
{
	uint64_t f;
	unsigned int i;
	int r = lvh_msg_get_u64(be->ctx, m, &f);

	if (r < 0)
		return r;
	lvh_dbg(be->ctx, "vhost-user back-end: features %#llx%s", (unsigned long long)f,
		f & LVH_BIT(LIBVHOST_F_LOG_ALL) ? " (LOG_ALL: logging every write)" : "");
	if (f & ~be->features) {
		lvh_err(be->ctx, "vhost-user back-end: SET_FEATURES %#llx: not offered",
			(unsigned long long)(f & ~be->features));
		return -EPROTO;
	}
	if (be->ops.set_features) {
		r = be->ops.set_features(be->userdata, f);
		if (r < 0)
			return r;
	}
	be->acked = f;
	be->acked_features_set = true;
	lvh_be_vqs_lock(be); /* LOG_ALL may switch while rings run */
	lvh_be_log_update(be);
	lvh_be_vqs_unlock(be);
	/* without protocol features, SET_FEATURES enables every ring (spec) */
	if (!(f & LVH_BIT(LIBVHOST_USER_F_PROTOCOL_FEATURES)))
		for (i = 0; i < be->queue_num; i++)
			be->vqs[i].enabled = true;
	return 0;
}

int lvh_be_req_set_owner(struct libvhost_backend *be, struct lvh_msg *m)
{
	(void)be;
	(void)m;
	return 0;
}

int lvh_be_req_reset(struct libvhost_backend *be, struct lvh_msg *m)
{
	(void)m;
	lvh_be_device_reset(be);
	return 0;
}

int lvh_be_req_get_protocol_features(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->proto_offered);
}

int lvh_be_req_set_protocol_features(struct libvhost_backend *be, struct lvh_msg *m)
{
	uint64_t v;
	int r = lvh_msg_decode_protocol_features(be->ctx, m, &v);

	if (r < 0)
		return r;
	if (v & ~be->proto_offered) {
		lvh_err(be->ctx, "vhost-user back-end: protocol features %#llx not offered",
			(unsigned long long)(v & ~be->proto_offered));
		return -EPROTO;
	}
	be->proto = v;
	return 0;
}

int lvh_be_req_get_queue_num(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->queue_num);
}
