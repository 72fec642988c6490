/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's postcopy (PAGEFAULT; --enable-postcopy builds).
 *
 * ADVISE opens a userfaultfd and hands it to the front-end.  LISTEN starts
 * listen mode.  In listen mode a SET_MEM_TABLE or ADD_MEM_REG maps its
 * regions without touching them and replies with where they landed; the
 * front-end acknowledges with a u64 0; only then are the mappings registered
 * for missing-page faults, which the front-end resolves through the
 * userfaultfd.  A SET_MEM_TABLE's acknowledgement comes right after our
 * reply, under SET_MEM_TABLE's code.  ADD_MEM_REGs are acknowledged once,
 * after the last of them (QEMU sends its regions, reads each reply, then one
 * u64 0 under the last request's code): until then only more ADD_MEM_REGs
 * and REM_MEM_REGs may come.  END unregisters and closes the userfaultfd.
 *
 * LISTEN with regions already mapped is refused, as libvhost-user and DPDK
 * refuse it: the front-end would have no bases to translate their faults.
 * Requests out of order fail with a nack when the front-end asked for one
 * (NEED_REPLY), otherwise the connection is dropped: it would wait for
 * replies we could not send.  END, which always has a reply, answers a
 * failure status instead.
 *
 * The regions are lib/mem's (be->mem): the bases replied are where it
 * mapped them, the ranges registered its mappings, and a region added but
 * not yet acknowledged carries the mark PC_PENDING there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem/mem.h"
#include "proto/msg-mem.h"
#include "proto/msg-postcopy.h"
#include "user/backend.h"

/*
 * A userfaultfd that reports every fault, those of the kernel's accesses
 * too: the device reads and writes guest memory through system calls
 * (preadv into a buffer, a tap read) as well as directly.  One limited to
 * faults in user mode (UFFD_USER_MODE_ONLY, what an unprivileged process
 * gets when vm.unprivileged_userfaultfd is 0) would fail those system calls
 * with EFAULT on every page not yet migrated, which a device reports to the
 * guest as an I/O error: no userfaultfd is better than that one.  Without
 * CAP_SYS_PTRACE (the tools drop their capabilities) /dev/userfaultfd gives
 * a full one to whoever may open it (Linux 6.1).
 */
static int uffd_new(struct libvhost_backend *be)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
#ifdef USERFAULTFD_IOC_NEW
	int dev, err;

	if (fd >= 0 || errno != EPERM)
		return fd;
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		lvh_dbg(be->ctx, "vhost-user back-end: /dev/userfaultfd: %s", strerror(errno));
		errno = EPERM;
		return -1;
	}
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	err = errno;
	close(dev);
	errno = err;
#else
	(void)be;
#endif
	return fd;
}

static int uffd_open(struct libvhost_backend *be)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd, r;

	fd = uffd_new(be);
	if (fd < 0) {
		r = -errno;
		lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_ADVISE: userfaultfd: %s%s",
			strerror(-r),
			r == -EPERM ? " (a back-end needs CAP_SYS_PTRACE, read and write access to "
				      "/dev/userfaultfd, or vm.unprivileged_userfaultfd=1)"
				    : "");
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
	if (lvh_be_send_reply(be, &rep) < 0) {
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

/* lvh_mem_set_marks(): an ADD_MEM_REG's region, registered at the acknowledgement */
#define PC_PENDING 0x1u

static uint64_t page_round(uint64_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) & ~(page - 1);
}

static void unregister_all(struct libvhost_backend *be)
{
	struct lvh_mem_info x;
	unsigned int i;

	for (i = 0; lvh_mem_region_info(be->mem, i, &x); i++) {
		struct uffdio_range range = { .start = (uintptr_t)x.map,
					      .len = page_round(x.map_len) };

		if (x.map && ioctl(be->pc_ufd, UFFDIO_UNREGISTER, &range) < 0)
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
	be->pc_table_ack = false;
}

bool lvh_be_postcopy_listening(const struct libvhost_backend *be)
{
	return be->pc_listening;
}

int lvh_be_postcopy_request(struct libvhost_backend *be, const struct lvh_msg *m)
{
	bool listening;

	switch (m->request) {
	case LIBVHOST_USER_POSTCOPY_ADVISE:
		return advise(be, m);
	case LIBVHOST_USER_POSTCOPY_LISTEN:
		if (be->pc_ufd < 0)
			return refuse(be, m, "before POSTCOPY_ADVISE");
		if (be->pc_listening)
			return refuse(be, m, "twice");
		if (libvhost_mem_get_nregions(be->mem) > 0)
			return refuse(be, m, "with guest memory already mapped (send the table after "
					     "LISTEN, the front-end needs our bases)");
		be->pc_listening = true;
		return 0;
	case LIBVHOST_USER_POSTCOPY_END:
		/* END always has its reply: a failure status rather than a nack */
		if (be->pc_ufd < 0) {
			lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_END without POSTCOPY_ADVISE");
			return lvh_be_reply_u64(be, m, EINVAL);
		}
		listening = be->pc_listening;
		/* either way postcopy is over: nothing registered, no userfaultfd left behind */
		lvh_be_postcopy_close(be);
		if (!listening) {
			lvh_err(be->ctx, "vhost-user back-end: POSTCOPY_END before POSTCOPY_LISTEN "
					 "(the userfaultfd is closed)");
			return lvh_be_reply_u64(be, m, EINVAL);
		}
		return lvh_be_reply_u64(be, m, 0);
	}
	return -EOPNOTSUPP;
}

/* Where lib/mem mapped the region that starts at @gpa; 0 if none does. */
static uint64_t base_of(const struct libvhost_backend *be, uint64_t gpa)
{
	struct lvh_mem_span span;

	if (!lvh_mem_span(be->mem, gpa, &span) || span.gpa != gpa)
		return 0;
	return (uint64_t)(uintptr_t)span.uva;
}

/* The request's regions, as decoded for mapping, each with our base, in their order. */
static int mem_reply(struct libvhost_backend *be, const struct lvh_msg *m,
		     const struct lvh_mem_region *regs, unsigned int n, struct lvh_msg *rep)
{
	struct lvh_mem_table t;
	unsigned int i;

	lvh_msg_init_reply(rep, m);
	if (n > LIBVHOST_USER_MEM_TABLE_MAX_REGIONS ||
	    (m->request == LIBVHOST_USER_ADD_MEM_REG && n != 1))
		return -EPROTO;
	t.nregions = n;
	for (i = 0; i < n; i++) {
		t.regions[i] = regs[i];
		t.regions[i].user_addr = base_of(be, regs[i].guest_addr);
		if (!t.regions[i].user_addr)
			return -EPROTO;
	}
	if (m->request == LIBVHOST_USER_ADD_MEM_REG)
		return lvh_msg_encode_mem_region(rep, &t.regions[0], false, -1);
	return lvh_msg_encode_mem_table(rep, &t, false, NULL);
}

static int region_register(struct libvhost_backend *be, const struct lvh_mem_info *x)
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

/* The regions an acknowledgement covers: all (SET_MEM_TABLE's), or those pending. */
static int register_regions(struct libvhost_backend *be, const char *name, bool pending_only)
{
	struct lvh_mem_info x;
	unsigned int i, n = 0;
	int r;

	for (i = 0; lvh_mem_region_info(be->mem, i, &x); i++) {
		if (pending_only && !(x.marks & PC_PENDING))
			continue;
		r = region_register(be, &x);
		if (r < 0) {
			/* unregistered memory would read as zeroes, not as the guest's */
			lvh_err(be->ctx, "vhost-user back-end: postcopy %s: ending the session", name);
			return -EPROTO;
		}
		lvh_mem_set_marks(be->mem, x.gpa, x.marks & ~PC_PENDING);
		n++;
	}
	lvh_dbg(be->ctx, "vhost-user back-end: postcopy: %u regions registered", n);
	return 0;
}

static bool any_pending(const struct libvhost_backend *be)
{
	struct lvh_mem_info x;
	unsigned int i;

	for (i = 0; lvh_mem_region_info(be->mem, i, &x); i++)
		if (x.marks & PC_PENDING)
			return true;
	return false;
}

/*
 * The acknowledgement SET_MEM_TABLE's reply waits for: the next message,
 * SET_MEM_TABLE with a u64 0 (a table's 8 bytes would be one of no
 * regions, which the front-end does not send meanwhile).
 */
static int table_ack(struct libvhost_backend *be, const struct lvh_msg *m)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, LIBVHOST_USER_SET_MEM_TABLE);
	uint64_t v = 1;

	be->pc_table_ack = false;
	if (m->size == sizeof(v))
		memcpy(&v, m->payload.bytes, sizeof(v));
	if (m->request != LIBVHOST_USER_SET_MEM_TABLE || (m->flags & LIBVHOST_USER_FLAG_REPLY) ||
	    m->size != sizeof(v) || m->nfds || v) {
		lvh_err(be->ctx, "vhost-user back-end: postcopy %s: %s of %u bytes (value %llu, "
				 "%u fds) instead of the acknowledgement (a u64 0)",
			name, lvh_proto_name(LVH_DIR_FRONTEND, m->request), m->size,
			(unsigned long long)v, m->nfds);
		return -EPROTO;
	}
	return register_regions(be, name, true) < 0 ? -EPROTO : 1;
}

int lvh_be_postcopy_gate(struct libvhost_backend *be, const struct lvh_msg *m)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	uint64_t v = 1;

	if (be->pc_table_ack)
		return table_ack(be, m);
	if (!be->pc_listening)
		return 0;
	/* a region's message is 40 bytes: 8 can only be the acknowledgement */
	if ((m->request == LIBVHOST_USER_ADD_MEM_REG || m->request == LIBVHOST_USER_REM_MEM_REG) &&
	    m->size == sizeof(v)) {
		memcpy(&v, m->payload.bytes, sizeof(v));
		if (m->nfds || v || (m->flags & LIBVHOST_USER_FLAG_REPLY)) {
			lvh_err(be->ctx, "vhost-user back-end: postcopy %s acknowledgement with "
					 "value %llu and %u fds (a u64 0 expected)",
				name, (unsigned long long)v, m->nfds);
			return -EPROTO;
		}
		return register_regions(be, name, true) < 0 ? -EPROTO : 1;
	}
	if (m->request == LIBVHOST_USER_ADD_MEM_REG || m->request == LIBVHOST_USER_REM_MEM_REG ||
	    !any_pending(be))
		return 0;
	lvh_err(be->ctx, "vhost-user back-end: postcopy: %s before the acknowledgement of the "
			 "regions added",
		name);
	return -EPROTO;
}

int lvh_be_postcopy_mem(struct libvhost_backend *be, const struct lvh_msg *m,
			const struct lvh_mem_region *regs, unsigned int n, int err)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	struct lvh_mem_info x;
	struct lvh_msg rep;
	unsigned int i;
	int r;

	/* the front-end waits for our table: without one the session cannot go on */
	if (err < 0) {
		lvh_err(be->ctx, "vhost-user back-end: postcopy %s failed: %s", name, strerror(-err));
		return err == -ECONNRESET || err == -ETIMEDOUT ? err : -EPROTO;
	}
	r = mem_reply(be, m, regs, n, &rep);
	if (r < 0)
		return -EPROTO;
	if (lvh_be_send_reply(be, &rep) < 0)
		return -ECONNRESET;
	/* registered once acknowledged (lvh_be_postcopy_gate()): the next message */
	if (m->request == LIBVHOST_USER_ADD_MEM_REG) {
		lvh_mem_set_marks(be->mem, regs[0].guest_addr, PC_PENDING);
		return 1;
	}
	/* every region of the table, as it now stands */
	for (i = 0; lvh_mem_region_info(be->mem, i, &x); i++)
		lvh_mem_set_marks(be->mem, x.gpa, x.marks | PC_PENDING);
	be->pc_table_ack = true;
	lvh_be_deadline(be, be->timeout_ms); /* cleared by the next message's arrival */
	return 1;
}
