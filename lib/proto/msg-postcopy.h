/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Postcopy: POSTCOPY_ADVISE (the reply hands over the back-end's
 * userfaultfd), POSTCOPY_LISTEN (empty), POSTCOPY_END (reply: u64 status).
 * The region table the back-end returns after LISTEN is SET_MEM_TABLE's
 * reply form (msg-mem.h).
 */
#ifndef LIBVHOST_MSG_POSTCOPY_H
#define LIBVHOST_MSG_POSTCOPY_H

#include "proto.h"

/* ADVISE reply: the userfaultfd (still the caller's), with a u64 body of 0. */
int lvh_msg_encode_postcopy_advise_reply(struct lvh_msg *m, int ufd);
/* ADVISE reply: exactly one fd; an empty body or a u64 (of any value) is accepted. */
int lvh_msg_decode_postcopy_advise_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);
/* END reply: 0 is success, anything else the back-end's failure (-EIO). */
int lvh_msg_decode_postcopy_end_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
