/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's postcopy (PAGEFAULT; --enable-postcopy builds).
 *
 * ADVISE opens a userfaultfd and hands it to the front-end.  LISTEN starts
 * listen mode.  In listen mode a SET_MEM_TABLE or ADD_MEM_REG maps its
 * regions without touching them and replies with where they landed; the
 * front-end acknowledges with a u64 0 (QEMU sends it as a SET_MEM_TABLE, or
 * with ADD_MEM_REG's code); only then are the mappings registered for
 * missing-page faults, which the front-end resolves through the userfaultfd.
 * END unregisters them and closes the userfaultfd.
 *
 * LISTEN with regions already mapped is refused, as libvhost-user and DPDK
 * refuse it: the front-end would have no bases to translate their faults.
 * Requests out of order fail with a nack when the front-end asked for one
 * (NEED_REPLY), otherwise the connection is dropped: it would wait for
 * replies we could not send.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto/msg-mem.h"
#include "proto/msg-postcopy.h"
#include "user/backend.h"

static int uffd_open(struct libvhost_backend *be)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd, r;

	fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
#ifdef UFFD_USER_MODE_ONLY
	/* unprivileged (vm.unprivileged_userfaultfd=0): faults of user-mode accesses only */
	if (fd < 0 && errno == EPERM) {
		lvh_dbg(be->ctx, "vhost-user back-end: userfaultfd: EPERM, trying user-mode only");
		fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	}
#endif
	if (fd < 0) {
		r = -errno;
		lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_ADVISE: userfaultfd: %s",
			strerror(-r));
		return r;
	}
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		r = -errno;
		lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_ADVISE: UFFDIO_API: %s",
			strerror(-r));
		close(fd);
		return r;
	}
	/* guest memory is shared (memfd, hugetlbfs): anonymous-only kernels cannot register it */
	if (!(api.features & UFFD_FEATURE_MISSING_SHMEM)) {
		lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_ADVISE: the kernel's userfaultfd "
				 "does not handle shared memory");
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

static int send_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v)
{
	struct lvh_msg rep;

	lvh_msg_init_reply(&rep, m);
	lvh_msg_set_u64(&rep, v);
	return lvh_wire_send(be->ctx, be->sock, &rep, be->timeout_ms) < 0 ? -ECONNRESET : 1;
}

static int advise(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_msg rep;
	int fd = -1;

	if (be->pc_ufd >= 0)
		lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_ADVISE twice: refused");
	else
		fd = uffd_open(be);
	lvh_msg_init_reply(&rep, m);
	/* without an fd the reply is the failure form */
	lvh_msg_encode_postcopy_advise_reply(&rep, fd);
	if (lvh_wire_send(be->ctx, be->sock, &rep, be->timeout_ms) < 0) {
		if (fd >= 0)
			close(fd);
		return -ECONNRESET;
	}
	if (fd >= 0)
		be->pc_ufd = fd;
	return 1;
}

/* An order the spec rules out: a nack if one was asked for, else the end of the session. */
static int refuse(struct libvhost_backend *be, const struct lvh_msg *m, const char *why)
{
	lvh_err(be->ctx, "vhost-user back-end: %s %s", lvh_proto_name(LVH_DIR_FRONTEND, m->request),
		why);
	return m->flags & LIBVHOST_USER_FLAG_NEED_REPLY ? -EINVAL : -EPROTO;
}

static uint64_t page_round(uint64_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) & ~(page - 1);
}

static void unregister_all(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; i < be->nregions; i++) {
		struct uffdio_range range = { .start = (uintptr_t)be->regions[i].map,
					      .len = page_round(be->regions[i].map_len) };

		if (be->regions[i].map && ioctl(be->pc_ufd, UFFDIO_UNREGISTER, &range) < 0)
			lvh_dbg(be->ctx, "vhost-user back-end: UFFDIO_UNREGISTER: %s",
				strerror(errno));
	}
}

void lvh_be_postcopy_close(struct libvhost_backend *be)
{
	if (be->pc_ufd >= 0) {
		unregister_all(be);
		close(be->pc_ufd);
	}
	be->pc_ufd = -1;
	be->pc_listening = false;
}

bool lvh_be_postcopy_listening(const struct libvhost_backend *be)
{
	return be->pc_listening;
}

int lvh_be_postcopy_request(struct libvhost_backend *be, const struct lvh_msg *m)
{
	switch (m->request) {
	case LIBVHOST_USER_POSTCOPY_ADVISE:
		return advise(be, m);
	case LIBVHOST_USER_POSTCOPY_LISTEN:
		if (be->pc_ufd < 0)
			return refuse(be, m, "before POSTCOPY_ADVISE");
		if (be->pc_listening)
			return refuse(be, m, "twice");
		if (be->nregions)
			return refuse(be, m, "with guest memory already mapped (send the table after "
					     "LISTEN, the front-end needs our bases)");
		be->pc_listening = true;
		return 0;
	case LIBVHOST_USER_POSTCOPY_END:
		if (be->pc_ufd < 0) {
			lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_END without POSTCOPY_ADVISE");
			return send_u64(be, m, EINVAL);
		}
		lvh_be_postcopy_close(be);
		return send_u64(be, m, 0);
	}
	return -EOPNOTSUPP;
}

/* Our base for each region of the request, in its order (first the index of its first). */
static int mem_reply(struct libvhost_backend *be, const struct lvh_msg *m, unsigned int first,
		     struct lvh_msg *rep)
{
	struct lvh_mem_table t;
	struct lvh_mem_region reg;
	unsigned int i;
	int r;

	lvh_msg_init_reply(rep, m);
	if (m->request == LIBVHOST_USER_ADD_MEM_REG) {
		r = lvh_msg_decode_mem_region(be->ctx, m, false, &reg);
		if (r < 0)
			return r;
		reg.user_addr = (uintptr_t)be->regions[first].hva;
		return lvh_msg_encode_mem_region(rep, &reg, false, -1);
	}
	r = lvh_msg_decode_mem_table(be->ctx, m, false, true, &t);
	if (r < 0)
		return r;
	if (t.nregions != be->nregions - first)
		return -EPROTO;
	for (i = 0; i < t.nregions; i++)
		t.regions[i].user_addr = (uintptr_t)be->regions[first + i].hva;
	return lvh_msg_encode_mem_table(rep, &t, false, NULL);
}

/*
 * The front-end's acknowledgement: a u64 0 with SET_MEM_TABLE's code (what
 * QEMU sends after a table) or the acknowledged request's (after its
 * ADD_MEM_REGs).  Nothing else may come between.
 */
static int read_ack(struct libvhost_backend *be, uint32_t request)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, request);
	struct lvh_msg ack;
	uint64_t v = 1;
	int r;

	r = lvh_wire_recv(be->ctx, be->sock, &ack, be->timeout_ms);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: postcopy %s: no acknowledgement: %s", name,
			strerror(-r));
		return r;
	}
	if (ack.size == sizeof(v))
		memcpy(&v, ack.payload.bytes, sizeof(v));
	lvh_msg_close_fds(&ack);
	if ((ack.request != LIBVHOST_USER_SET_MEM_TABLE && ack.request != request) ||
	    (ack.flags & LIBVHOST_USER_FLAG_REPLY) || ack.size != sizeof(v) || ack.nfds || v) {
		lvh_err(be->ctx, "vhost-user back-end: postcopy %s: %s of %u bytes (value %llu) "
				 "instead of the acknowledgement (a u64 0)",
			name, lvh_proto_name(LVH_DIR_FRONTEND, ack.request), ack.size,
			(unsigned long long)v);
		return -EPROTO;
	}
	return 0;
}

static int region_register(struct libvhost_backend *be, const struct be_region *x)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)x->map, .len = page_round(x->map_len) },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(be->pc_ufd, UFFDIO_REGISTER, &reg) < 0) {
		int r = -errno;

		lvh_err(be->ctx, "vhost-user back-end: UFFDIO_REGISTER of guest %#llx (+%llu): %s",
			(unsigned long long)x->gpa, (unsigned long long)x->size, strerror(-r));
		return r;
	}
	if (!(reg.ioctls & (1ULL << _UFFDIO_COPY))) {
		lvh_err(be->ctx, "vhost-user back-end: guest %#llx: the kernel cannot place pages "
				 "there (no UFFDIO_COPY)",
			(unsigned long long)x->gpa);
		return -EOPNOTSUPP;
	}
	return 0;
}

int lvh_be_postcopy_mem(struct libvhost_backend *be, const struct lvh_msg *m, unsigned int first,
			int err)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	struct lvh_msg rep;
	unsigned int i;
	int r;

	/* the front-end waits for our table: without one the session cannot go on */
	if (err < 0) {
		lvh_err(be->ctx, "vhost-user back-end: postcopy %s failed: %s", name, strerror(-err));
		return err == -ECONNRESET || err == -ETIMEDOUT ? err : -EPROTO;
	}
	r = mem_reply(be, m, first, &rep);
	if (r < 0)
		return -EPROTO;
	if (lvh_wire_send(be->ctx, be->sock, &rep, be->timeout_ms) < 0)
		return -ECONNRESET;
	r = read_ack(be, m->request);
	if (r < 0)
		return r;
	for (i = first; i < be->nregions; i++) {
		r = region_register(be, &be->regions[i]);
		if (r < 0) {
			/* unregistered memory would read as zeroes, not as the guest's */
			lvh_err(be->ctx, "vhost-user back-end: postcopy %s: ending the session", name);
			return -EPROTO;
		}
	}
	lvh_dbg(be->ctx, "vhost-user back-end: postcopy: %u regions registered",
		be->nregions - first);
	return 1;
}
