/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's status and device state requests (lib/proto/msg-state.c):
 * SET/GET_STATUS, SET_DEVICE_STATE_FD (the transfer runs once the
 * front-end has the reply) and CHECK_DEVICE_STATE.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg-state.h"
#include "user/backend-req.h"

int lvh_be_req_set_status(struct libvhost_backend *be, struct lvh_msg *m)
{
	uint8_t st;
	int r = lvh_msg_decode_status(be->ctx, m, &st);

	if (r < 0)
		return r;
	if (be->ops.set_status) {
		r = be->ops.set_status(be->userdata, st);
		if (r < 0)
			return r;
	}
	be->status = st;
	return 0;
}

int lvh_be_req_get_status(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->status);
}

/* SET_DEVICE_STATE_FD: answered at once (no fd of our own); the transfer follows. */
int lvh_be_req_set_device_state_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_device_state ds;
	struct lvh_msg rep;
	uint8_t err = 0;
	int r = lvh_msg_decode_device_state(be->ctx, m, &ds);

	if (r < 0)
		return r;
	if (lvh_be_any_ring_started(be, "device state transfer"))
		err = EBUSY;
	lvh_be_close_fd(&be->state_fd);
	if (!err) {
		be->state_fd = lvh_msg_take_fd(m, 0);
		be->state_dir = ds.direction;
		be->state_result = -EINPROGRESS;
	}
	lvh_msg_init_reply(&rep, m);
	lvh_msg_encode_device_state_reply(&rep, err, -1);
	return lvh_be_send_reply(be, &rep);
}

int lvh_be_req_check_device_state(struct libvhost_backend *be, struct lvh_msg *m)
{
	return lvh_be_reply_u64(be, m, be->state_result < 0 ? (uint64_t)-be->state_result : 0);
}

/* The transfer SET_DEVICE_STATE_FD set up, now that the front-end has its reply. */
void lvh_be_state_transfer(struct libvhost_backend *be)
{
	int fd = be->state_fd;

	if (fd < 0)
		return;
	be->state_fd = -1;
	be->state_result = be->state_dir == LVH_STATE_SAVE ? be->ops.save_state(be->userdata, fd)
							   : be->ops.load_state(be->userdata, fd);
	/* the device's own callback said so; the front-end asks (CHECK_DEVICE_STATE) */
	if (be->state_result < 0)
		lvh_notice(be->ctx, "vhost-user back-end: device state %s failed: %s",
			be->state_dir == LVH_STATE_SAVE ? "save" : "load",
			strerror(-be->state_result));
	close(fd);
}

