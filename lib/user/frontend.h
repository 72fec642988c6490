/* SPDX-License-Identifier: BSD-3-Clause */
/* The vhost-user front-end's private state, shared by its two files. */
#ifndef LIBVHOST_FRONTEND_H
#define LIBVHOST_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/dev.h"
#include "proto/proto.h"
#if LIBVHOST_HAS_POSTCOPY
#include <pthread.h>

struct lvh_mem_table;
#endif

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
#if LIBVHOST_HAS_XEN
	unsigned int xen_n; /* libvhost_frontend_set_xen_region(), by guest address */
	struct fe_xen_region {
		uint64_t gpa;
		uint32_t flags, domid;
	} xen[LIBVHOST_MEM_MAX_REGIONS];
#endif
#if LIBVHOST_HAS_POSTCOPY
	/* the fault functions run beside the requests, on the caller's fault thread */
	pthread_mutex_t pc_lock;
	int pc_ufd; /* the back-end's userfaultfd (POSTCOPY_ADVISE), or -1 */
	bool pc_listening; /* POSTCOPY_LISTEN acked: SET_MEM_TABLE has the postcopy form */
	unsigned int pc_n;
	struct fe_pc_region {
		uint64_t gpa, size, base; /* base: where the back-end mapped gpa */
	} pc_regions[LIBVHOST_USER_MEM_TABLE_MAX_REGIONS];
#endif
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

#if LIBVHOST_HAS_POSTCOPY
/*
 * lvh_fe_call for a STATE row in the state where it replies with a body
 * (postcopy listen): no NEED_REPLY, @rep required.
 */
int lvh_fe_call_state(struct libvhost_frontend *fe, struct lvh_msg *m, struct lvh_msg *rep);
/*
 * The front-end's acknowledgement of a reply (postcopy SET_MEM_TABLE): a
 * u64 0 under @request, no flags, no reply.  0, or lvh_fe_fail()'s error.
 */
int lvh_fe_send_ack(struct libvhost_frontend *fe, uint32_t request);

/* frontend-postcopy.c */
void lvh_fe_postcopy_init(struct libvhost_frontend *fe);
/* Closes the userfaultfd and forgets the bases (a new session, or the end). */
void lvh_fe_postcopy_reset(struct libvhost_frontend *fe);
void lvh_fe_postcopy_fini(struct libvhost_frontend *fe);
/*
 * The postcopy SET_MEM_TABLE (@m, encoded from @t): the back-end's table of
 * bases, recorded, then our acknowledgement.
 */
int lvh_fe_postcopy_mem_table(struct libvhost_frontend *fe, struct lvh_msg *m,
			      const struct lvh_mem_table *t);
#endif

#if LIBVHOST_HAS_XEN
struct lvh_mem_region;

/*
 * frontend-xen.c: sets @r's Xen flags and domain id from the caller's
 * description of the region at r->guest_addr; -EINVAL (logged) if none.
 */
int lvh_fe_xen_describe(const struct libvhost_frontend *fe, struct lvh_mem_region *r);
#endif

/* The back-end channel (frontend-backend.c). */
int lvh_fe_backend_channel_open(struct libvhost_frontend *fe);
void lvh_fe_backend_channel_close(struct libvhost_frontend *fe);

#endif
