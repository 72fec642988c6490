/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Postcopy replies: POSTCOPY_ADVISE (the userfaultfd) and POSTCOPY_END (u64).
 *
 * ADVISE's reply payload is "userfault fd": the spec gives it no body, and
 * every implementation sends none (libvhost-user, DPDK and rust-vmm reply
 * with size 0).  QEMU's front-end refuses a non-empty reply ("Received bad
 * msg size"), so we encode an empty one.  A u64 body is accepted on receipt
 * too (the table admits it); it is read as a status, as vhost-user's other
 * u64 replies are.
 * rust-vmm answers a failed ADVISE with an empty body and no fd; that is the
 * back-end failing (-EIO), not a malformed message.
 */
#include <errno.h>

#include "proto/msg-postcopy.h"

int lvh_msg_encode_postcopy_advise_reply(struct lvh_msg *m, int ufd)
{
	m->size = 0;
	return ufd < 0 ? 0 : lvh_msg_add_fd(m, ufd);
}

int lvh_msg_decode_postcopy_advise_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	uint64_t status = 0;

	if (m->size != 0 && m->size != sizeof(uint64_t)) {
		lvh_err(ctx, "POSTCOPY_ADVISE: reply of %u bytes (empty or a u64 expected)",
			m->size);
		return -EBADMSG;
	}
	if (m->nfds > 1) {
		lvh_err(ctx, "POSTCOPY_ADVISE: reply with %u fds (one userfaultfd expected)",
			m->nfds);
		return -EBADMSG;
	}
	if (m->size)
		status = m->payload.u64;
	if (status && m->nfds) {
		lvh_err(ctx, "POSTCOPY_ADVISE: failure %llu with a userfaultfd attached",
			(unsigned long long)status);
		return -EBADMSG;
	}
	if (m->size && !status && !m->nfds) {
		lvh_err(ctx, "POSTCOPY_ADVISE: success without the userfaultfd");
		return -EBADMSG;
	}
	if (!m->nfds) {
		lvh_err(ctx, "POSTCOPY_ADVISE: the back-end could not open a userfaultfd (%llu)",
			(unsigned long long)status);
		return -EIO;
	}
	return 0;
}

int lvh_msg_decode_postcopy_end_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	return lvh_msg_get_status(ctx, m, "POSTCOPY_END");
}
