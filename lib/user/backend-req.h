/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's request handlers, one backend-req-<family>.c each family
 * (as lib/proto's msg-<family>.c), for the dispatch table in
 * backend-session.c alone.  Each gets a request the table has checked
 * (lvh_proto_check_request()); the fds are the caller's to close, a handler
 * takes one it keeps with lvh_msg_take_fd().  Returns 1 when it sent its
 * own reply, 0 or a negative errno for the ack (the caller acks when
 * asked); -EPROTO / -EBADMSG mean the front-end broke the protocol, and
 * they and -ECONNRESET end the session.
 */
#ifndef LIBVHOST_USER_BACKEND_REQ_H
#define LIBVHOST_USER_BACKEND_REQ_H

#include "user/backend.h"

typedef int lvh_be_req_fn(struct libvhost_backend *be, struct lvh_msg *m);

/* backend-req-features.c: features and owner */
lvh_be_req_fn lvh_be_req_get_features;
lvh_be_req_fn lvh_be_req_set_features;
lvh_be_req_fn lvh_be_req_set_owner;
lvh_be_req_fn lvh_be_req_reset; /* RESET_OWNER, RESET_DEVICE */
lvh_be_req_fn lvh_be_req_get_protocol_features;
lvh_be_req_fn lvh_be_req_set_protocol_features;
lvh_be_req_fn lvh_be_req_get_queue_num;

/* backend-req-mem.c: the memory table */
lvh_be_req_fn lvh_be_req_get_max_mem_slots;
lvh_be_req_fn lvh_be_req_set_mem_table;
lvh_be_req_fn lvh_be_req_add_mem_reg;
lvh_be_req_fn lvh_be_req_rem_mem_reg;

/* backend-req-vring.c: the rings' set-up */
lvh_be_req_fn lvh_be_req_set_vring_num_base; /* SET_VRING_NUM, SET_VRING_BASE */
lvh_be_req_fn lvh_be_req_set_vring_addr;
lvh_be_req_fn lvh_be_req_set_vring_fd; /* SET_VRING_KICK, _CALL, _ERR */
lvh_be_req_fn lvh_be_req_get_vring_base;
lvh_be_req_fn lvh_be_req_set_vring_enable;
lvh_be_req_fn lvh_be_req_vring_kick;

/* backend-req-config.c */
lvh_be_req_fn lvh_be_req_get_config;
lvh_be_req_fn lvh_be_req_set_config;

/* backend-req-log.c */
lvh_be_req_fn lvh_be_req_set_log_base;
lvh_be_req_fn lvh_be_req_set_log_fd;

/* backend-req-inflight.c */
lvh_be_req_fn lvh_be_req_get_inflight_fd;
lvh_be_req_fn lvh_be_req_set_inflight_fd;

/* backend-req-state.c: status and device state */
lvh_be_req_fn lvh_be_req_set_status;
lvh_be_req_fn lvh_be_req_get_status;
lvh_be_req_fn lvh_be_req_set_device_state_fd;
lvh_be_req_fn lvh_be_req_check_device_state;

#endif
