/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Postcopy: POSTCOPY_ADVISE (empty; the reply hands over the back-end's
 * userfaultfd), POSTCOPY_LISTEN (empty), POSTCOPY_END (empty; reply: u64
 * status).  The requests have no payload, so the table checks them whole.
 * The region table the back-end returns after LISTEN is SET_MEM_TABLE's
 * reply form (msg-mem.h).
 */
#ifndef LIBVHOST_MSG_POSTCOPY_H
#define LIBVHOST_MSG_POSTCOPY_H

#include "proto/proto.h"

/*
 * ADVISE reply: an empty body with the userfaultfd attached (still the
 * caller's).  ufd < 0 encodes the failure form: empty and no fd.
 */
int lvh_msg_encode_postcopy_advise_reply(struct lvh_msg *m, int ufd);

/*
 * ADVISE reply: an empty body or a u64, and the userfaultfd.
 * Errors: -EIO the back-end failed (no body and no fd, or a non-zero u64 and
 * no fd); -EBADMSG any other size, more than one fd, a u64 of 0 without the
 * fd or a non-zero u64 with one.
 */
int lvh_msg_decode_postcopy_advise_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

/* END reply: a u64, 0 success; anything else the back-end's failure (-EIO). */
int lvh_msg_decode_postcopy_end_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m);

#endif
