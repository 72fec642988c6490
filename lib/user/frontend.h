/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user front-end's private state, shared by its two files. */
#ifndef LIBVHOST_FRONTEND_H
#define LIBVHOST_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/dev.h"
#include "proto/proto.h"

struct libvhost_frontend {
	int refcount;
	struct libvhost_ctx *ctx;
	struct libvhost_dev dev;
	int sock;
	int backend_sock; /* our end of the SET_BACKEND_REQ_FD channel, or -1 */
	int timeout_ms;
	bool dead; /* the connection failed: framing is lost, no more requests */
	bool negotiated;
	bool have_features; /* GET_FEATURES answered */
	uint64_t want_proto;
	struct libvhost_frontend_ops ops; /* the caller's, zero past its sz */
	void *userdata;
	struct libvhost_frontend_info info;
	struct libvhost_mem *mem; /* the table the back-end has */
	struct libvhost_mem_region *sent; /* its regions as sent (ADD/REM_MEM_REG) */
	unsigned int nsent;
	char *path; /* connect / listen: where to reconnect; NULL for an adopted fd */
	bool listening;
	uint64_t retries, interval;
};

/* Is protocol feature `bit` negotiated on this connection? */
static inline bool fe_has(const struct libvhost_frontend *fe, unsigned int bit)
{
	return fe->info.protocol_features & LVH_BIT(bit);
}

/*
 * One request and its reply: the table's gate, NEED_REPLY with REPLY_ACK
 * for requests without a reply of their own, the timeout, and the reply's
 * checks.  @rep receives a body reply (its fds are the caller's to take or
 * close); NULL for requests whose only reply is an ack.  Any transport error
 * or malformed reply ends the connection (fe->dead).
 */
int lvh_fe_call(struct libvhost_frontend *fe, struct lvh_msg *m, struct lvh_msg *rep);
/* Logs that @request failed and closes the connection; returns @err. */
int lvh_fe_fail(struct libvhost_frontend *fe, uint32_t request, int err);

/* The back-end channel (frontend-backend.c). */
int lvh_fe_backend_channel_open(struct libvhost_frontend *fe);
void lvh_fe_backend_channel_close(struct libvhost_frontend *fe);

#endif
