/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Postcopy (--enable-postcopy builds): libvhost's front-end and back-end on a
 * socketpair, the back-end's device on its own thread.  The front-end
 * advises and listens, then sends the memory table; the buffers' pages were
 * never touched, so the device's accesses fault; a fault thread reads each
 * fault through the front-end and places a page whose bytes derive from its
 * guest address, and the device's checksum of what it read comes back
 * through the ring; then END.  Then the orders the spec rules out: through
 * the API (refused before anything is sent), and as raw messages to the
 * back-end alone (nacks with REPLY_ACK, the session dropped without; the
 * postcopy table's acknowledgement missing or wrong; ADD_MEM_REGs registered
 * only at their acknowledgement).  Each failure is logged and leaks no fd.
 * Then a system call of the device's into guest memory not yet placed,
 * without CAP_SYS_PTRACE: it must wait for the page, not fail with EFAULT.
 * Skipped (77) where userfaultfd(2) is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "csumdev.h"
#include "proto/msg-mem.h"
#include "testutil.h"

#define F_VERSION_1 (1ULL << 32)
#define F_PROTOCOL_FEATURES (1ULL << 30)
#define PF_REPLY_ACK (1ULL << LIBVHOST_USER_PROTOCOL_F_REPLY_ACK)
#define PF_PAGEFAULT (1ULL << LIBVHOST_USER_PROTOCOL_F_PAGEFAULT)
#define PF_SLOTS (1ULL << LIBVHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)
#define RING_GPA 0x0
#define RING_SIZE 0x10000
#define BUF_GPA 0x100000
#define BUF_SIZE 0x10000
#define MAX_FAULTS 64

static struct libvhost_ctx *ctx;
static size_t page;

/* ---- the device: tests/unit/csumdev.c ---- */

static struct tu_csumdev *device_new(int64_t timeout_ms)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .timeout_ms = timeout_ms);

	return tu_csumdev_new(ctx, &o);
}

static struct libvhost_frontend *pair(struct tu_csumdev *d)
{
	struct libvhost_frontend *fe = NULL;
	int fd = tu_csumdev_start(d);

	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, fd, NULL, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	ck_assert_int_eq(libvhost_dev_set_features(libvhost_frontend_get_dev(fe), F_VERSION_1), 0);
	return fe;
}

/* ---- the fault thread: what the source of a migration would send, made up ---- */

static uint8_t pattern(uint64_t gpa, size_t i)
{
	return (uint8_t)((gpa >> 12) * 37 + i * 11 + 5);
}

struct faults {
	struct libvhost_frontend *fe;
	int ufd, stop;
	pthread_t thread;
	unsigned int n, errors;
	struct libvhost_postcopy_fault seen[MAX_FAULTS];
};

static void *fault_main(void *arg)
{
	struct faults *f = arg;
	uint8_t *buf = malloc(page);
	size_t i;

	for (;;) {
		struct pollfd pfd[2] = { { f->stop, POLLIN, 0 }, { f->ufd, POLLIN, 0 } };
		struct libvhost_postcopy_fault x = { .sz = sizeof(x) };
		int r;

		if (poll(pfd, 2, 5000) <= 0 || pfd[0].revents)
			break;
		while ((r = libvhost_frontend_postcopy_read_fault(f->fe, &x)) == 0) {
			if (f->n < MAX_FAULTS)
				f->seen[f->n] = x;
			f->n++;
			for (i = 0; i < page; i++)
				buf[i] = pattern(x.guest_addr, i);
			r = libvhost_frontend_postcopy_place(f->fe, x.guest_addr, buf, page);
			if (r == -EEXIST)
				r = libvhost_frontend_postcopy_wake(f->fe, x.guest_addr, page);
			if (r < 0)
				f->errors++;
		}
		if (r != -EAGAIN)
			f->errors++;
	}
	free(buf);
	return NULL;
}

static void faults_start(struct faults *f, struct libvhost_frontend *fe, int ufd)
{
	memset(f, 0, sizeof(*f));
	f->fe = fe;
	f->ufd = ufd;
	f->stop = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fault_main, f), 0);
}

static void faults_stop(struct faults *f)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(f->stop, &one, sizeof(one)), sizeof(one));
	pthread_join(f->thread, NULL);
	close(f->stop);
}

static const struct libvhost_postcopy_fault *fault_at(const struct faults *f, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < f->n && i < MAX_FAULTS; i++)
		if (f->seen[i].guest_addr == gpa)
			return &f->seen[i];
	return NULL;
}

static void setup(void)
{
	ctx = tu_ctx_new();
	page = (size_t)sysconf(_SC_PAGESIZE);
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

/* ---- the flow ---- */

START_TEST(test_faults_resolved)
{
	struct tu_csumdev *d = device_new(0);
	int fds_before = tu_count_fds();
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_frontend_info info = { .sz = sizeof(info) };
	LIBVHOST_OPTS(libvhost_vring_opts, vo);
	struct libvhost_postcopy_fault none = { .sz = sizeof(none) };
	const struct libvhost_postcopy_fault *pf;
	struct libvhost_vring *vr;
	struct libvhost_mem *mem;
	struct faults f;
	uint8_t *ring, *bufs, *one;
	uint64_t sum, want = TU_FNV_INIT, gpa;
	struct pollfd pfd;
	int ufd, kick, call, r;
	void *tok;
	uint32_t len;
	size_t i;

	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	ck_assert(info.protocol_features & PF_PAGEFAULT);
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd), 0);
	ck_assert_int_ge(ufd, 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(fe, &none), -EAGAIN);
	ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), 0);

	/* the rings' pages written here are present; the buffers' pages are not */
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, RING_GPA, RING_SIZE, NULL, (void **)&ring), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, BUF_GPA, BUF_SIZE, NULL, (void **)&bufs), 0);
	memset(ring, 0, RING_SIZE);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	faults_start(&f, fe, ufd);

	ck_assert_int_eq(libvhost_vring_new(mem, RING_GPA, 16, &vo, &vr), 0);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, vr, kick, call), 0);
	{
		/* three pages to read, eight bytes to write on a fourth */
		struct iovec iov[2] = { { bufs, 3 * page }, { bufs + 8 * page, 8 } };

		ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 1, bufs), 0);
	}
	libvhost_vring_kick(vr);
	pfd = (struct pollfd){ call, POLLIN, 0 };
	while ((r = libvhost_vring_get_used(vr, &tok, &len)) == 0)
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(r, 1);
	ck_assert_ptr_eq(tok, bufs);
	ck_assert_uint_eq(len, 8);
	faults_stop(&f);

	/* the device read exactly the placed pages, and its write went to a placed page */
	for (gpa = BUF_GPA; gpa < BUF_GPA + 3 * page; gpa += page)
		for (i = 0; i < page; i++) {
			uint8_t b = pattern(gpa, i);

			want = tu_fnv(want, &b, 1);
		}
	memcpy(&sum, bufs + 8 * page, sizeof(sum));
	ck_assert_uint_eq(sum, want);
	ck_assert_uint_eq(f.errors, 0);
	ck_assert_uint_eq(f.n, 4);
	for (gpa = BUF_GPA; gpa < BUF_GPA + 3 * page; gpa += page) {
		pf = fault_at(&f, gpa);
		ck_assert_ptr_nonnull(pf);
		ck_assert_uint_eq(pf->flags & LIBVHOST_POSTCOPY_FAULT_WRITE, 0);
		ck_assert_uint_ne(pf->backend_addr, 0);
	}
	pf = fault_at(&f, BUF_GPA + 8 * page);
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(pf->flags & LIBVHOST_POSTCOPY_FAULT_WRITE, LIBVHOST_POSTCOPY_FAULT_WRITE);
	for (i = 8; i < page; i++)
		ck_assert_uint_eq(bufs[8 * page + i], pattern(BUF_GPA + 8 * page, i));

	/* placing: already there, outside every region, not whole pages */
	one = calloc(1, 2 * page);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA, one, page), -EEXIST);
	ck_assert_int_eq(libvhost_frontend_postcopy_wake(fe, BUF_GPA, page), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, 0x800000, one, page), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA + BUF_SIZE - page, one,
							  2 * page),
			 -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA + 1, one, page), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA + 12 * page, one, 100),
			 -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA + 12 * page, NULL, page),
			 -EINVAL);
	/* a page nobody faulted on can be placed ahead */
	ck_assert_int_eq(libvhost_frontend_postcopy_place(fe, BUF_GPA + 12 * page, one, 2 * page),
			 0);
	ck_assert_uint_eq(bufs[12 * page], 0);
	free(one);

	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(fe, &none), -EINVAL);
	/* the back-end's memory is plain memory again: a new page reads as zeroes */
	{
		struct iovec iov[2] = { { bufs + 14 * page, page }, { bufs + 8 * page, 8 } };
		uint8_t z[64] = { 0 };

		ck_assert_int_eq(libvhost_vring_add(vr, iov, 1, 1, bufs), 0);
		libvhost_vring_kick(vr);
		while ((r = libvhost_vring_get_used(vr, &tok, &len)) == 0)
			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		want = TU_FNV_INIT;
		for (i = 0; i < page; i += sizeof(z))
			want = tu_fnv(want, z, sizeof(z));
		memcpy(&sum, bufs + 8 * page, sizeof(sum));
		ck_assert_uint_eq(sum, want);
	}

	libvhost_frontend_unref(fe);
	libvhost_vring_unref(vr);
	libvhost_mem_unref(mem);
	close(kick);
	close(call);
	tu_csumdev_stop(d);
	/* the back-end noticed and let go of everything, the userfaultfd too */
	ck_assert_int_lt(libvhost_backend_get_fd(d->be), 0);
	ck_assert_int_eq(tu_count_fds(), fds_before);
	tu_csumdev_free(d);
}
END_TEST

/* ---- the orders the spec rules out, through the API: refused before sending ---- */

START_TEST(test_order_api)
{
	struct tu_csumdev *d = device_new(0);
	struct libvhost_frontend *fe = pair(d);
	struct libvhost_dev *dev = libvhost_frontend_get_dev(fe);
	struct libvhost_postcopy_fault none = { .sz = sizeof(none) };
	struct libvhost_mem *mem;
	unsigned int errs;
	uint8_t st;
	int ufd, ufd2 = -1;

	ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd2), -EINVAL);
	ck_assert_int_eq(ufd2, -1);
	ck_assert_int_ge(fcntl(ufd, F_GETFD), 0); /* the first one stays */
	ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(fe, &none), -EINVAL);

	/* memory mapped before LISTEN: the back-end could not tell us its bases */
	ck_assert_int_eq(libvhost_mem_new(ctx, &mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(mem, BUF_GPA, BUF_SIZE, NULL, NULL), 0);
	ck_assert_int_eq(libvhost_dev_set_mem(dev, mem), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_listen(fe), -EINVAL);
	/* END without LISTEN: the back-end answers a failure, both userfaultfds are closed */
	errs = tu_log_errors();
	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), -EIO);
	ck_assert_uint_gt(tu_log_errors(), errs);
	ck_assert_int_eq(libvhost_frontend_postcopy_read_fault(fe, &none), -EINVAL);
	/* ... so a new ADVISE is served */
	ck_assert_int_eq(libvhost_frontend_postcopy_advise(fe, &ufd), 0);
	ck_assert_int_eq(libvhost_frontend_postcopy_end(fe), -EIO);

	/* the connection still serves */
	ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x0f), 0);
	ck_assert_int_eq(libvhost_frontend_get_status(fe, &st), 0);
	ck_assert_uint_eq(st, 0x0f);
	libvhost_frontend_unref(fe);
	libvhost_mem_unref(mem);
	tu_csumdev_stop(d);
	tu_csumdev_free(d);
}
END_TEST

/* ---- the same orders as raw messages, to the back-end alone ---- */

static void raw_send_fd(int fd, uint32_t request, uint32_t flags, const uint64_t *v, int xfd)
{
	struct lvh_msg m;

	lvh_msg_init(&m, request, flags);
	if (v)
		lvh_msg_set_u64(&m, *v);
	if (xfd >= 0)
		ck_assert_int_eq(lvh_msg_add_fd(&m, xfd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
}

static void raw_send(int fd, uint32_t request, uint32_t flags, const uint64_t *v)
{
	raw_send_fd(fd, request, flags, v, -1);
}

/* The back-end handles what was sent (it replies into the socket's buffer). */
static void pump(struct libvhost_backend *be)
{
	while (libvhost_backend_get_fd(be) >= 0 && libvhost_backend_process(be) == 1)
		;
}

/* A connection with VERSION_1 and protocol features @pf negotiated. */
static int raw_open(struct libvhost_backend *be, uint64_t pf)
{
	uint64_t f = F_VERSION_1 | F_PROTOCOL_FEATURES;
	int fd = tu_connect_backend(be);

	raw_send(fd, LIBVHOST_USER_SET_FEATURES, 0, &f);
	raw_send(fd, LIBVHOST_USER_SET_PROTOCOL_FEATURES, 0, &pf);
	pump(be);
	ck_assert_int_ge(libvhost_backend_get_fd(be), 0);
	return fd;
}

static void raw_recv(int fd, uint32_t request, struct lvh_msg *rep)
{
	int r = lvh_wire_recv(ctx, fd, rep, 1000);

	ck_assert_msg(r == 0, "%s: %s (last log: %s)", lvh_proto_name(LVH_DIR_FRONTEND, request),
		      strerror(-r), tu_log_last());
	ck_assert_uint_eq(rep->request, request);
	ck_assert(rep->flags & LIBVHOST_USER_FLAG_REPLY);
}

/* @request with NEED_REPLY (REPLY_ACK negotiated), or END: the u64 that comes back. */
static uint64_t raw_status(struct libvhost_backend *be, int fd, uint32_t request)
{
	struct lvh_msg rep;

	raw_send(fd, request,
		 request == LIBVHOST_USER_POSTCOPY_END ? 0 : LIBVHOST_USER_FLAG_NEED_REPLY, NULL);
	pump(be);
	raw_recv(fd, request, &rep);
	ck_assert_uint_eq(rep.size, 8);
	ck_assert_uint_eq(rep.nfds, 0);
	return rep.payload.u64;
}

/* POSTCOPY_ADVISE: the userfaultfd (kept when @keep, else closed), or -1 if refused. */
static int raw_advise(struct libvhost_backend *be, int fd, bool keep)
{
	struct lvh_msg rep;
	int ufd;

	raw_send(fd, LIBVHOST_USER_POSTCOPY_ADVISE, 0, NULL);
	pump(be);
	raw_recv(fd, LIBVHOST_USER_POSTCOPY_ADVISE, &rep);
	ck_assert_uint_le(rep.nfds, 1);
	if (!rep.nfds)
		return -1;
	ufd = lvh_msg_take_fd(&rep, 0);
	if (keep)
		return ufd;
	close(ufd);
	return 0;
}

/* Advised and listening. */
static int raw_listening(struct libvhost_backend *be, uint64_t pf, int *ufd)
{
	int fd = raw_open(be, pf);
	int u = raw_advise(be, fd, ufd != NULL);

	ck_assert_int_ge(u, 0);
	if (ufd)
		*ufd = u;
	raw_send(fd, LIBVHOST_USER_POSTCOPY_LISTEN, 0, NULL);
	pump(be);
	ck_assert_int_ge(libvhost_backend_get_fd(be), 0);
	return fd;
}

static int memfd(void)
{
	int mfd = memfd_create("pc", MFD_CLOEXEC);

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, BUF_SIZE), 0);
	return mfd;
}

/* SET_MEM_TABLE with one memfd region (@flags: NEED_REPLY or not). */
static void raw_mem_table(int fd, uint32_t flags)
{
	struct lvh_mem_table t = { .nregions = 1 };
	struct lvh_msg m;
	int mfd = memfd();

	t.regions[0] = (struct lvh_mem_region){ .guest_addr = BUF_GPA, .size = BUF_SIZE,
						.user_addr = 0x7000000 };
	lvh_msg_init(&m, LIBVHOST_USER_SET_MEM_TABLE, flags);
	ck_assert_int_eq(lvh_msg_encode_mem_table(&m, &t, false, &mfd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
	close(mfd);
}

/* ADD_MEM_REG of one memfd region at guest @gpa. */
static void raw_add_region(int fd, uint64_t gpa)
{
	struct lvh_mem_region reg = { .guest_addr = gpa, .size = BUF_SIZE, .user_addr = gpa + 0x7000000 };
	struct lvh_msg m;
	int mfd = memfd();

	lvh_msg_init(&m, LIBVHOST_USER_ADD_MEM_REG, 0);
	ck_assert_int_eq(lvh_msg_encode_mem_region(&m, &reg, false, mfd), 0);
	ck_assert_int_eq(lvh_wire_send(ctx, fd, &m, 1000), 0);
	close(mfd);
}

/* The table the back-end replied with: our region, at its own address. */
static void raw_check_table(int fd)
{
	struct lvh_mem_table t;
	struct lvh_msg rep;

	raw_recv(fd, LIBVHOST_USER_SET_MEM_TABLE, &rep);
	ck_assert_int_eq(lvh_msg_decode_mem_table(ctx, &rep, false, false, &t), 0);
	ck_assert_uint_eq(t.nregions, 1);
	ck_assert_uint_eq(t.regions[0].guest_addr, BUF_GPA);
	ck_assert_uint_eq(t.regions[0].size, BUF_SIZE);
	ck_assert_uint_ne(t.regions[0].user_addr, 0x7000000);
}

/* ADD_MEM_REG's reply: the region at guest @gpa, at the back-end's address (returned). */
static uint64_t raw_check_region(int fd, uint64_t gpa)
{
	struct lvh_mem_region reg;
	struct lvh_msg rep;

	raw_recv(fd, LIBVHOST_USER_ADD_MEM_REG, &rep);
	ck_assert_int_eq(lvh_msg_decode_mem_region(ctx, &rep, false, &reg), 0);
	ck_assert_uint_eq(reg.guest_addr, gpa);
	ck_assert_uint_eq(reg.size, BUF_SIZE);
	ck_assert_uint_ne(reg.user_addr, gpa + 0x7000000);
	ck_assert_uint_eq(reg.user_addr & (page - 1), 0);
	return reg.user_addr;
}

/* The back-end dropped the connection, with an error logged: our end reads EOF. */
static void raw_dropped_at(struct libvhost_backend *be, int fd, unsigned int errs, int line)
{
	char c;

	pump(be);
	/* a drop that waits for the back-end's deadline: its fd says when */
	if (libvhost_backend_get_fd(be) >= 0) {
		struct pollfd pfd = { libvhost_backend_get_fd(be), POLLIN, 0 };

		ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
		pump(be);
	}
	ck_assert_msg(libvhost_backend_get_fd(be) < 0, "line %d: the session goes on", line);
	ck_assert_msg(read(fd, &c, 1) == 0, "line %d: no EOF", line);
	ck_assert_msg(tu_log_errors() > errs, "line %d: nothing logged", line);
	close(fd);
}
#define raw_dropped(be, fd, errs) raw_dropped_at(be, fd, errs, __LINE__)

/* The connection goes on: GET_FEATURES is answered. */
static void raw_alive(struct libvhost_backend *be, int fd)
{
	struct lvh_msg rep;

	raw_send(fd, LIBVHOST_USER_GET_FEATURES, 0, NULL);
	pump(be);
	raw_recv(fd, LIBVHOST_USER_GET_FEATURES, &rep);
	ck_assert_int_ge(libvhost_backend_get_fd(be), 0);
}

static void raw_close(struct libvhost_backend *be, int fd)
{
	close(fd);
	pump(be);
	ck_assert_int_lt(libvhost_backend_get_fd(be), 0);
}

/* UFFDIO_COPY of one page at the back-end's @addr (this process: the back-end is ours). */
static int place_at(int ufd, uint64_t addr, uint8_t byte)
{
	uint8_t *src = malloc(page);
	struct uffdio_copy c = { .dst = addr, .src = (uintptr_t)src, .len = page };
	int r;

	ck_assert_ptr_nonnull(src);
	memset(src, byte, page);
	r = ioctl(ufd, UFFDIO_COPY, &c) < 0 ? -errno : 0;
	free(src);
	return r;
}

START_TEST(test_order_raw)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .timeout_ms = 200);
	const uint64_t ack_pf = PF_PAGEFAULT | PF_REPLY_ACK, slots_pf = PF_PAGEFAULT | PF_SLOTS;
	const uint32_t need = LIBVHOST_USER_FLAG_NEED_REPLY;
	struct libvhost_backend *be;
	uint64_t zero = 0, one = 1, a1, a2;
	int fds_before = tu_count_fds(), fd, ufd, bad;
	unsigned int errs;
	struct lvh_msg rep;

	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);

	/* with REPLY_ACK every refusal is a nack (or END's failure status), and the session goes on */
	fd = raw_open(be, ack_pf);
	errs = tu_log_errors();
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_LISTEN), EINVAL);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), EINVAL);
	ck_assert_int_eq(raw_advise(be, fd, false), 0);
	ck_assert_int_eq(raw_advise(be, fd, false), -1); /* twice: the failure form */
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), EINVAL); /* no LISTEN */
	ck_assert_int_eq(raw_advise(be, fd, false), 0); /* END let the first one go */
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_LISTEN), 0);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_LISTEN), EINVAL);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), 0);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), EINVAL);
	/* LISTEN with memory already mapped */
	raw_mem_table(fd, need);
	pump(be);
	raw_recv(fd, LIBVHOST_USER_SET_MEM_TABLE, &rep);
	ck_assert_uint_eq(rep.payload.u64, 0);
	ck_assert_int_eq(raw_advise(be, fd, false), 0);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_LISTEN), EINVAL);
	ck_assert_uint_ge(tu_log_errors(), errs + 7);
	raw_alive(be, fd);
	raw_close(be, fd);

	/* without REPLY_ACK there is nothing to nack with: the session ends */
	fd = raw_open(be, PF_PAGEFAULT);
	errs = tu_log_errors();
	raw_send(fd, LIBVHOST_USER_POSTCOPY_LISTEN, 0, NULL);
	raw_dropped(be, fd, errs);

	/*
	 * The postcopy table's acknowledgement: 0 missing (the back-end times
	 * out), 1 another request instead, 2 a failure value, 3 an fd attached
	 * (closed, not kept).
	 */
	for (bad = 0; bad < 4; bad++) {
		fd = raw_listening(be, PF_PAGEFAULT, NULL);
		errs = tu_log_errors();
		raw_mem_table(fd, 0);
		if (bad == 1)
			raw_send(fd, LIBVHOST_USER_GET_FEATURES, 0, &zero);
		else if (bad == 2)
			raw_send(fd, LIBVHOST_USER_SET_MEM_TABLE, 0, &one);
		else if (bad == 3)
			raw_send_fd(fd, LIBVHOST_USER_SET_MEM_TABLE, 0, &zero, fd);
		pump(be);
		raw_check_table(fd);
		raw_dropped(be, fd, errs);
	}
	/* the right order, with QEMU's acknowledgement, ends in END's 0 */
	fd = raw_listening(be, PF_PAGEFAULT, NULL);
	raw_mem_table(fd, 0);
	raw_send(fd, LIBVHOST_USER_SET_MEM_TABLE, 0, &zero);
	pump(be);
	raw_check_table(fd);
	raw_alive(be, fd);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), 0);
	raw_close(be, fd);

	/*
	 * ADD_MEM_REGs, as QEMU sends them with CONFIGURE_MEM_SLOTS: each replied
	 * to, one acknowledgement after the last; registered only then (placing
	 * a page needs the registration).
	 */
	fd = raw_listening(be, slots_pf, &ufd);
	raw_add_region(fd, BUF_GPA);
	raw_add_region(fd, 2 * BUF_GPA);
	pump(be);
	a1 = raw_check_region(fd, BUF_GPA);
	a2 = raw_check_region(fd, 2 * BUF_GPA);
	ck_assert_int_lt(place_at(ufd, a1, 0x5a), 0);
	raw_send(fd, LIBVHOST_USER_ADD_MEM_REG, 0, &zero);
	pump(be);
	ck_assert_int_eq(place_at(ufd, a1, 0x5a), 0);
	ck_assert_int_eq(place_at(ufd, a2 + page, 0xa5), 0);
	ck_assert_uint_eq(((const uint8_t *)(uintptr_t)a1)[page - 1], 0x5a);
	ck_assert_uint_eq(((const uint8_t *)(uintptr_t)a2)[2 * page - 1], 0xa5);
	raw_alive(be, fd);
	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), 0);
	/* unregistered: the kernel no longer takes placements there */
	ck_assert_int_lt(place_at(ufd, a1 + page, 0x5a), 0);
	close(ufd);
	raw_close(be, fd);
	/* ... and anything but more regions before that acknowledgement ends the session */
	fd = raw_listening(be, slots_pf, NULL);
	errs = tu_log_errors();
	raw_add_region(fd, BUF_GPA);
	raw_send(fd, LIBVHOST_USER_GET_FEATURES, 0, NULL);
	pump(be);
	raw_check_region(fd, BUF_GPA);
	raw_dropped(be, fd, errs);
	/* as does an acknowledgement with a failure value */
	fd = raw_listening(be, slots_pf, NULL);
	errs = tu_log_errors();
	raw_add_region(fd, BUF_GPA);
	raw_send(fd, LIBVHOST_USER_ADD_MEM_REG, 0, &one);
	pump(be);
	raw_check_region(fd, BUF_GPA);
	raw_dropped(be, fd, errs);

	/* a malformed request's fds are closed with the session (REPLY flag on a request) */
	fd = raw_open(be, PF_PAGEFAULT);
	errs = tu_log_errors();
	raw_send_fd(fd, LIBVHOST_USER_SET_LOG_FD, LIBVHOST_USER_FLAG_REPLY, NULL, fd);
	raw_dropped(be, fd, errs);

	libvhost_backend_unref(be);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}
END_TEST

/* ---- the device's system calls into guest memory ---- */

/* Drops CAP_SYS_PTRACE from this process (the test's own: check forks one per test). */
static void drop_ptrace(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];

	ck_assert_int_eq(syscall(SYS_capget, &h, c), 0);
	c[CAP_SYS_PTRACE / 32].effective &= ~(1u << (CAP_SYS_PTRACE % 32));
	c[CAP_SYS_PTRACE / 32].permitted &= ~(1u << (CAP_SYS_PTRACE % 32));
	c[CAP_SYS_PTRACE / 32].inheritable &= ~(1u << (CAP_SYS_PTRACE % 32));
	ck_assert_int_eq(syscall(SYS_capset, &h, c), 0);
}

struct one_fault {
	int ufd;
	uint64_t addr; /* where it faulted, 0 if nowhere */
	int placed;
};

/* Waits (5 s at most) for one fault on @ufd and places a page of 0x3c there. */
static void *one_fault_main(void *arg)
{
	struct one_fault *o = arg;
	struct pollfd pfd = { o->ufd, POLLIN, 0 };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 5000) != 1 || read(o->ufd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	o->addr = msg.arg.pagefault.address & ~(uint64_t)(page - 1);
	o->placed = place_at(o->ufd, o->addr, 0x3c);
	return NULL;
}

/*
 * The tools drop their capabilities; with vm.unprivileged_userfaultfd=0
 * userfaultfd(2) then only offers faults of user-mode accesses, and a
 * device's preadv() into a guest buffer whose page has not come yet failed
 * with EFAULT (QEMU's guest saw I/O errors in postcopy).  The back-end's
 * userfaultfd must report the kernel's faults too, or there is none.
 */
START_TEST(test_kernel_access)
{
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .timeout_ms = 1000);
	const uint64_t pf = PF_PAGEFAULT | PF_SLOTS;
	struct one_fault f = { .ufd = -1 };
	struct libvhost_backend *be;
	uint64_t zero = 0, a;
	int fd, p[2], adv, fds_before;
	pthread_t t;
	uint8_t *g;
	size_t i;

	drop_ptrace();
	fds_before = tu_count_fds();
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
	fd = raw_open(be, pf);
	adv = raw_advise(be, fd, true);
	if (adv < 0) {
		/* refused: only right when no full userfaultfd is to be had here */
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		ck_assert_int_lt(dev, 0);
		ck_assert_int_lt(syscall(__NR_userfaultfd, O_CLOEXEC), 0);
		raw_close(be, fd);
		libvhost_backend_unref(be);
		return;
	}
	f.ufd = adv;
	raw_send(fd, LIBVHOST_USER_POSTCOPY_LISTEN, 0, NULL);
	pump(be);
	raw_add_region(fd, BUF_GPA);
	raw_send(fd, LIBVHOST_USER_ADD_MEM_REG, 0, &zero);
	pump(be);
	a = raw_check_region(fd, BUF_GPA);
	g = (uint8_t *)(uintptr_t)a;

	/* the kernel writes into the back-end's mapping of a page nobody placed */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(write(p[1], "libvhost", 8), 8);
	ck_assert_int_eq(pthread_create(&t, NULL, one_fault_main, &f), 0);
	ck_assert_int_eq(read(p[0], g + 2 * page, 8), 8);
	pthread_join(t, NULL);
	ck_assert_uint_eq(f.addr, a + 2 * page);
	ck_assert_int_eq(f.placed, 0);
	ck_assert_int_eq(memcmp(g + 2 * page, "libvhost", 8), 0);
	for (i = 8; i < page; i++)
		ck_assert_uint_eq(g[2 * page + i], 0x3c);

	ck_assert_uint_eq(raw_status(be, fd, LIBVHOST_USER_POSTCOPY_END), 0);
	close(p[0]);
	close(p[1]);
	close(f.ufd);
	raw_close(be, fd);
	libvhost_backend_unref(be);
	ck_assert_int_eq(tu_count_fds(), fds_before);
}
END_TEST

static Suite *postcopy_suite(void)
{
	Suite *s = suite_create("postcopy");
	TCase *tc = tcase_create("postcopy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_faults_resolved);
	tcase_add_test(tc, test_order_api);
	tcase_add_test(tc, test_order_raw);
	/* last: it drops a capability (from its own process, unless CK_FORK=no) */
	tcase_add_test(tc, test_kernel_access);
	suite_add_tcase(s, tc);
	return s;
}

/* A userfaultfd of the kind the back-end insists on (every fault reported), or -errno. */
static int full_userfaultfd(void)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC), dev;

	if (fd >= 0 || errno != EPERM)
		return fd < 0 ? -errno : fd;
#ifdef USERFAULTFD_IOC_NEW
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -EPERM;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
	close(dev);
	if (fd >= 0)
		return fd;
#else
	(void)dev;
#endif
	return -EPERM;
}

int main(void)
{
	int fd = full_userfaultfd();

	if (fd < 0) {
		printf("userfaultfd: %s (no CAP_SYS_PTRACE, no access to /dev/userfaultfd, "
		       "vm.unprivileged_userfaultfd=0): skipped\n",
		       strerror(-fd));
		return 77;
	}
	close(fd);
	return tu_run(postcopy_suite());
}
