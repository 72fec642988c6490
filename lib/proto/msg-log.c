/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SET_LOG_BASE's spec entry names a u64 payload; with LOG_SHMFD, which every
 * current peer uses, it is {u64 size, u64 offset} plus the fd, and the
 * back-end replies (rust-vmm's migration hang, #217, came from not reading
 * that reply): with a u64 that is no status (libvhost-user sends the size
 * back) or with nothing (DPDK).  SET_LOG_FD carries only its eventfd.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-log.h"

int lvh_msg_encode_log_base(struct lvh_msg *m, const struct lvh_log *l, int fd)
{
	uint64_t w[2] = { l->size, l->offset };

	if (l->size == 0 || lvh_range_overflows(l->offset, l->size) || fd < 0)
		return -EINVAL;
	lvh_msg_set_payload(m, w, sizeof(w));
	return lvh_msg_add_fd(m, fd);
}

int lvh_msg_decode_log_base(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
			    struct lvh_log *out)
{
	uint64_t w[2];

	if (m->size != sizeof(w) || m->nfds != 1) {
		lvh_err(ctx, "SET_LOG_BASE: %u bytes and %u fds", m->size, m->nfds);
		return -EBADMSG;
	}
	memcpy(w, m->payload.bytes, sizeof(w));
	if (w[0] == 0 || lvh_range_overflows(w[1], w[0])) {
		lvh_err(ctx, "SET_LOG_BASE: log of %llu bytes at offset %llu",
			(unsigned long long)w[0], (unsigned long long)w[1]);
		return -EPROTO;
	}
	out->size = w[0];
	out->offset = w[1];
	return 0;
}
