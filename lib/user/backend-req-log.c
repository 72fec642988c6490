/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's dirty log requests (lib/proto/msg-log.c): SET_LOG_BASE maps
 * the front-end's log, SET_LOG_FD gives the fd signalled after logging.
 * Logging runs in lib/mem (struct lvh_dirty_log) while LOG_ALL is acked.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/msg-log.h"
#include "user/backend-req.h"

void lvh_be_log_unmap(struct libvhost_backend *be)
{
	if (be->log_map)
		munmap(be->log_map, be->log_map_len);
	be->log_map = NULL;
	be->log.bitmap = NULL;
	be->log.size = 0;
	be->log.on = false;
}

void lvh_be_log_update(struct libvhost_backend *be)
{
	be->log.on = be->log.bitmap && (be->acked & LVH_BIT(LIBVHOST_F_LOG_ALL));
}

/*
 * SET_LOG_BASE: map the front-end's log.  The reply's value is no status
 * the front-ends read (QEMU ignores it, DPDK's front-end expects none), so a
 * log that cannot be mapped ends the session: going on would leave guest
 * writes out of the log, and the migration would copy stale pages.
 */
int lvh_be_req_set_log_base(struct libvhost_backend *be, struct lvh_msg *m)
{
	long page = sysconf(_SC_PAGESIZE);
	struct lvh_log l;
	uint64_t start, end;
	struct stat st;
	void *p;
	int r = lvh_msg_decode_log_base(be->ctx, m, &l);

	if (r < 0)
		return r;
	start = l.offset & ~(uint64_t)(page - 1);
	if (!l.size || lvh_add_overflow_u64(l.offset, l.size, &end) || fstat(m->fds[0], &st) < 0 ||
	    end > (uint64_t)st.st_size || end - start > SIZE_MAX) {
		lvh_err(be->ctx, "vhost-user back-end: the front-end's log of %llu bytes at %llu "
			"does not fit its fd", (unsigned long long)l.size,
			(unsigned long long)l.offset);
		lvh_be_log_unmap(be);
		return -EPROTO;
	}
	p = mmap(NULL, (size_t)(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, m->fds[0],
		 (off_t)start);
	if (p == MAP_FAILED) {
		lvh_err(be->ctx, "vhost-user back-end: mapping the front-end's log: %s",
			strerror(errno));
		lvh_be_log_unmap(be);
		return -EPROTO;
	}
	lvh_be_log_unmap(be);
	be->log_map = p;
	be->log_map_len = (size_t)(end - start);
	be->log.bitmap = (uint8_t *)p + (l.offset - start);
	be->log.size = l.size;
	lvh_be_log_update(be);
	return lvh_be_reply_u64(be, m, 0);
}

int lvh_be_req_set_log_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	lvh_be_close_fd(&be->log_fd);
	be->log_fd = lvh_msg_take_fd(m, 0);
	return 0;
}
