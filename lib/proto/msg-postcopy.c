/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POSTCOPY_ADVISE's reply payload is "userfault fd": the spec gives it no
 * body.  Back-ends disagree on the body (some send none, some a u64 of 0), so
 * both are accepted; we send a u64 of 0, which front-ends that read a u64
 * also accept.  What matters is the one fd.
 */
#include <errno.h>

#include "msg-postcopy.h"

int lvh_msg_encode_postcopy_advise_reply(struct lvh_msg *m, int ufd)
{
	if (ufd < 0)
		return -EINVAL;
	lvh_msg_set_u64(m, 0);
	return lvh_msg_add_fd(m, ufd);
}

int lvh_msg_decode_postcopy_advise_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	if ((m->size != 0 && m->size != sizeof(uint64_t)) || m->nfds != 1) {
		lvh_err(ctx, "POSTCOPY_ADVISE: reply of %u bytes with %u fds (one userfaultfd expected)",
			m->size, m->nfds);
		return -EBADMSG;
	}
	return 0;
}

int lvh_msg_decode_postcopy_end_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	return lvh_msg_get_status(ctx, m, "POSTCOPY_END");
}
