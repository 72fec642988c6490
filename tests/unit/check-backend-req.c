/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's own requests of shared-memory devices, libvhost's back-end
 * against libvhost's front-end: BACKEND_SHARED_OBJECT_ADD, _REMOVE and
 * _LOOKUP, BACKEND_SHMEM_MAP and _UNMAP (answered, refused, not offered,
 * out of bounds), and a front-end that reads the channel and never answers
 * (the request gives up after the back-end's timeout; what it read is held
 * against the spec's layouts, written out as bytes here).  And
 * GET_VRING_BASE_INFLIGHT: a ring stopped without its in-flight buffers,
 * which its next start takes again from the inflight area.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csumdev.h"
#include "testutil.h"

#define F_VERSION_1 (1ULL << 32)
#define PF(x) (1ULL << LIBVHOST_USER_PROTOCOL_F_##x)
#define REGION0 0x10000ull /* the regions the device declares: shmid 0 and 3 */
#define REGION3 0x200000ull

static const uint8_t UUID_A[16] = { 0x6c, 0x69, 0x62, 0x76, 0x68, 0x6f, 0x73, 0x74,
				    0x2d, 0x62, 0x65, 0x71, 0x00, 0x01, 0x02, 0x03 };
static const uint8_t UUID_B[16] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
				    0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };

static struct libvhost_ctx *ctx;

static void setup(void)
{
	ctx = tu_ctx_new();
}

static void teardown(void)
{
	tu_ctx_free(ctx);
}

/* ---- the back-end: a device thread calling process() ---- */

struct dev {
	struct libvhost_backend *be;
	pthread_t thread;
	int stop;
	int suspended, stopped; /* queue_suspend / queue_stopped calls */
	bool hold_odd; /* pop every buffer, push only the even ones (first byte) */
	unsigned int held; /* the odd ones: in flight */
	struct {
		uint32_t id;
		const uint8_t *src;
		uint8_t *dst;
	} hold[16];
};

static void finish(struct libvhost_vq *vq, uint32_t id, const uint8_t *src, uint8_t *dst)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		dst[i] = (uint8_t)~src[i];
	ck_assert_int_eq(libvhost_vq_push(vq, id, 64), 0);
}

static int dev_shmem(void *ud, uint64_t *sizes, unsigned int n)
{
	(void)ud;
	ck_assert_uint_eq(n, 256);
	sizes[0] = REGION0;
	sizes[3] = REGION3;
	return 0;
}

static int dev_shared(void *ud, const uint8_t uuid[16], int *ret_fd)
{
	(void)ud;
	(void)uuid;
	(void)ret_fd;
	return -ENOENT;
}

static void serve(struct dev *d, struct libvhost_vq *vq)
{
	struct iovec iov[4];
	struct libvhost_vq_elem e;

	while (libvhost_vq_pop(vq, iov, 4, &e) == 1) {
		const uint8_t *src = iov[0].iov_base;
		uint8_t *dst = iov[1].iov_base;

		if (d->hold_odd && (src[0] & 1) && d->held < 16) {
			/* "in flight": an I/O the device has not finished */
			d->hold[d->held].id = e.id;
			d->hold[d->held].src = src;
			d->hold[d->held++].dst = dst;
			continue;
		}
		finish(vq, e.id, src, dst);
	}
	libvhost_vq_notify(vq);
}

/* Cancels what the ring holds: nothing is pushed. */
static void dev_suspend(void *ud, struct libvhost_vq *vq)
{
	struct dev *d = ud;

	(void)vq;
	d->suspended++;
	d->held = 0;
	d->hold_odd = false;
}

/* Finishes what the ring holds (the odd ones too, now). */
static void dev_stopped(void *ud, struct libvhost_vq *vq)
{
	struct dev *d = ud;

	d->stopped++;
	d->hold_odd = false;
	while (d->held) {
		d->held--;
		finish(vq, d->hold[d->held].id, d->hold[d->held].src, d->hold[d->held].dst);
	}
	serve(d, vq);
}

static void serve_ring(void *ud, struct libvhost_vq *vq)
{
	serve(ud, vq);
}

static void *dev_main(void *arg)
{
	struct dev *d = arg;

	tu_serve_loop(d->be, d->stop, 1, serve_ring, d);
	return NULL;
}

static const struct libvhost_backend_ops dev_ops = {
	.sz = sizeof(dev_ops),
	.get_shmem_config = dev_shmem,
	.queue_stopped = dev_stopped,
	.queue_suspend = dev_suspend,
};

/* The same device exporting objects (it answers GET_SHARED_OBJECT). */
static const struct libvhost_backend_ops exporter_ops = {
	.sz = sizeof(exporter_ops),
	.get_shmem_config = dev_shmem,
	.get_shared_object = dev_shared,
};

/* Neither shared objects nor shared memory. */
static const struct libvhost_backend_ops plain_ops = {
	.sz = sizeof(plain_ops),
	.queue_stopped = dev_stopped,
};

static struct dev *dev_new(const struct libvhost_backend_ops *ops, uint64_t flags,
			   int64_t timeout_ms)
{
	struct dev *d = calloc(1, sizeof(*d));
	LIBVHOST_OPTS(libvhost_backend_opts, o, .features = F_VERSION_1, .ops = ops,
		      .flags = flags, .timeout_ms = timeout_ms);

	ck_assert_ptr_nonnull(d);
	o.userdata = d;
	ck_assert_int_eq(libvhost_backend_new(ctx, &o, &d->be), 0);
	d->stop = eventfd(0, EFD_CLOEXEC);
	return d;
}

static void dev_free(struct dev *d)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(d->stop, &one, sizeof(one)), sizeof(one));
	pthread_join(d->thread, NULL);
	libvhost_backend_unref(d->be);
	close(d->stop);
	free(d);
}

/* ---- the front-end: ops recording what they were asked, answering as told ---- */

struct fe_seen {
	int add, remove, lookup, map, unmap; /* calls */
	int answer; /* what the ops return */
	uint8_t uuid[16];
	struct libvhost_shmem_map m;
	int fd; /* the object lookup finds (-1: none); map's fd, taken */
	ino_t map_ino;
};

static int fe_add(void *ud, const uint8_t uuid[16])
{
	struct fe_seen *s = ud;

	memcpy(s->uuid, uuid, 16);
	__atomic_add_fetch(&s->add, 1, __ATOMIC_SEQ_CST);
	return s->answer;
}

static int fe_remove(void *ud, const uint8_t uuid[16])
{
	struct fe_seen *s = ud;

	memcpy(s->uuid, uuid, 16);
	__atomic_add_fetch(&s->remove, 1, __ATOMIC_SEQ_CST);
	return s->answer;
}

static int fe_lookup(void *ud, const uint8_t uuid[16], int *ret_fd)
{
	struct fe_seen *s = ud;

	memcpy(s->uuid, uuid, 16);
	__atomic_add_fetch(&s->lookup, 1, __ATOMIC_SEQ_CST);
	if (memcmp(uuid, UUID_A, 16) || s->fd < 0)
		return -ENOENT;
	*ret_fd = s->fd; /* borrowed: the library sends it, we keep it */
	return 0;
}

static int fe_map(void *ud, const struct libvhost_shmem_map *m, int fd)
{
	struct fe_seen *s = ud;
	struct stat st;

	s->m = *m;
	s->map_ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	close(fd);
	__atomic_add_fetch(&s->map, 1, __ATOMIC_SEQ_CST);
	return s->answer;
}

static int fe_unmap(void *ud, const struct libvhost_shmem_map *m)
{
	struct fe_seen *s = ud;

	s->m = *m;
	__atomic_add_fetch(&s->unmap, 1, __ATOMIC_SEQ_CST);
	return s->answer;
}

static const struct libvhost_frontend_ops fe_ops = {
	.sz = sizeof(fe_ops),
	.shared_object_add = fe_add,
	.shared_object_remove = fe_remove,
	.shared_object_lookup = fe_lookup,
	.shmem_map = fe_map,
	.shmem_unmap = fe_unmap,
};

/* A front-end on @d with @proto (0: the defaults), negotiated; the device's thread running. */
static struct libvhost_frontend *pair(struct dev *d, uint64_t proto, struct fe_seen *seen)
{
	LIBVHOST_OPTS(libvhost_frontend_opts, fo, .ops = &fe_ops, .userdata = seen,
		      .protocol_features = proto);
	struct libvhost_frontend *fe;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
	ck_assert_int_eq(pthread_create(&d->thread, NULL, dev_main, d), 0);
	ck_assert_int_eq(libvhost_frontend_adopt_fd(ctx, sv[0], &fo, &fe), 0);
	ck_assert_int_eq(libvhost_frontend_negotiate(fe), 0);
	/*
	 * Without REPLY_ACK nothing waited for SET_BACKEND_REQ_FD: a request
	 * with a reply, answered in order, says the back-end has the channel.
	 */
	{
		uint64_t f;

		ck_assert_int_eq(libvhost_dev_get_features(libvhost_frontend_get_dev(fe), &f), 0);
	}
	return fe;
}

static uint64_t negotiated(struct libvhost_frontend *fe)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };

	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	return info.protocol_features;
}

static uint64_t offered(struct libvhost_frontend *fe)
{
	struct libvhost_frontend_info info = { .sz = sizeof(info) };

	ck_assert_int_eq(libvhost_frontend_get_info(fe, &info), 0);
	return info.backend_protocol_features;
}

/* ---- a back-end request on another thread while this one answers ---- */

enum op { ADD, REMOVE, LOOKUP, MAP, UNMAP };

struct job {
	struct libvhost_backend *be;
	enum op op;
	const uint8_t *uuid;
	struct libvhost_shmem_map m;
	int fd; /* map's (the caller's); lookup's result */
	int result;
	int done;
};

static int run_op(struct job *j)
{
	switch (j->op) {
	case ADD:
		return libvhost_backend_shared_object_add(j->be, j->uuid);
	case REMOVE:
		return libvhost_backend_shared_object_remove(j->be, j->uuid);
	case LOOKUP:
		return libvhost_backend_shared_object_lookup(j->be, j->uuid, &j->fd);
	case MAP:
		return libvhost_backend_shmem_map(j->be, &j->m, j->fd);
	case UNMAP:
		return libvhost_backend_shmem_unmap(j->be, &j->m);
	}
	return -EINVAL;
}

static void *job_main(void *arg)
{
	struct job *j = arg;

	j->result = run_op(j);
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Runs @j on its own thread; @fe (if any) serves the channel until it returns. */
static int job_run(struct libvhost_frontend *fe, struct job *j)
{
	pthread_t t;

	j->done = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, job_main, j), 0);
	while (!__atomic_load_n(&j->done, __ATOMIC_SEQ_CST)) {
		if (fe && libvhost_frontend_get_backend_fd(fe) >= 0) {
			struct pollfd pfd = { libvhost_frontend_get_backend_fd(fe), POLLIN, 0 };

			if (poll(&pfd, 1, 10) == 1)
				ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
		} else {
			usleep(1000);
		}
	}
	pthread_join(t, NULL);
	return j->result;
}

static int memfd_of(uint64_t size, const char *text)
{
	int fd = memfd_create("beq", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (text)
		ck_assert_int_eq(pwrite(fd, text, strlen(text), 0), (ssize_t)strlen(text));
	return fd;
}

static void pump_until(struct libvhost_frontend *fe, const int *counter, int value)
{
	while (__atomic_load_n(counter, __ATOMIC_SEQ_CST) < value) {
		struct pollfd pfd = { libvhost_frontend_get_backend_fd(fe), POLLIN, 0 };

		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_ge(libvhost_frontend_process_backend(fe), 0);
	}
}

/*
 * ADD, REMOVE and LOOKUP: answered (with REPLY_ACK: the ack says so),
 * refused (-EIO with an ack; without one the back-end cannot know), and
 * LOOKUP's dma-buf arriving as an fd of the back-end's.
 */
static void shared_objects(bool reply_ack)
{
	struct dev *d = dev_new(&dev_ops, LIBVHOST_BACKEND_F_SHARED_OBJECT, 0);
	struct fe_seen seen = { .fd = memfd_of(4096, "dma-buf A") };
	uint64_t proto = libvhost_protocol_features_known() &
			 ~(PF(INBAND_NOTIFICATIONS) | PF(GET_VRING_BASE_INFLIGHT));
	struct libvhost_frontend *fe;
	struct job j = { .fd = -1 };
	struct stat a, b;
	char text[10] = { 0 };

	if (!reply_ack)
		proto &= ~PF(REPLY_ACK);
	fe = pair(d, proto, &seen);
	j.be = d->be;
	ck_assert_uint_ne(negotiated(fe) & PF(SHARED_OBJECT), 0);
	ck_assert_uint_eq(!!(negotiated(fe) & PF(REPLY_ACK)), reply_ack);

	j.op = ADD;
	j.uuid = UUID_A;
	ck_assert_int_eq(job_run(fe, &j), 0);
	pump_until(fe, &seen.add, 1);
	ck_assert_mem_eq(seen.uuid, UUID_A, 16);
	seen.answer = -EEXIST;
	j.uuid = UUID_B;
	ck_assert_int_eq(job_run(fe, &j), reply_ack ? -EIO : 0);
	pump_until(fe, &seen.add, 2);
	ck_assert_mem_eq(seen.uuid, UUID_B, 16);

	j.op = REMOVE;
	ck_assert_int_eq(job_run(fe, &j), reply_ack ? -EIO : 0);
	pump_until(fe, &seen.remove, 1);
	seen.answer = 0;
	j.uuid = UUID_A;
	ck_assert_int_eq(job_run(fe, &j), 0);
	pump_until(fe, &seen.remove, 2);
	ck_assert_mem_eq(seen.uuid, UUID_A, 16);

	/* LOOKUP waits for its reply whatever was negotiated */
	j.op = LOOKUP;
	ck_assert_int_eq(job_run(fe, &j), 0);
	ck_assert_int_ge(j.fd, 0);
	ck_assert_int_ne(j.fd, seen.fd);
	ck_assert_int_eq(fstat(j.fd, &a), 0);
	ck_assert_int_eq(fstat(seen.fd, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino); /* the same object */
	ck_assert_int_eq(pread(j.fd, text, 9, 0), 9);
	ck_assert_str_eq(text, "dma-buf A");
	close(j.fd);
	j.fd = -1;
	j.uuid = UUID_B;
	ck_assert_int_eq(job_run(fe, &j), -ENOENT);
	ck_assert_int_eq(j.fd, -1);
	ck_assert_int_eq(seen.lookup, 2);

	/* the caller's mistakes, before anything is sent */
	{
		static const uint8_t nil[16];

		ck_assert_int_eq(libvhost_backend_shared_object_add(d->be, nil), -EINVAL);
		ck_assert_int_eq(libvhost_backend_shared_object_add(NULL, UUID_A), -EINVAL);
		ck_assert_int_eq(libvhost_backend_shared_object_remove(d->be, NULL), -EINVAL);
		ck_assert_int_eq(libvhost_backend_shared_object_lookup(d->be, UUID_A, NULL),
				 -EINVAL);
	}

	libvhost_frontend_unref(fe);
	dev_free(d);
	close(seen.fd);
}

START_TEST(test_shared_objects)
{
	shared_objects(_i == 0);
}
END_TEST

static struct libvhost_shmem_map shm(uint64_t shmid, uint64_t fd_offset, uint64_t shm_offset,
				     uint64_t len, uint64_t flags)
{
	return (struct libvhost_shmem_map){ shmid, fd_offset, shm_offset, len, flags };
}

/* MAP and UNMAP inside the regions declared, refused, and outside them. */
static void shmem(bool reply_ack)
{
	struct dev *d = dev_new(&dev_ops, 0, 0);
	struct fe_seen seen = { .fd = -1 };
	uint64_t proto = libvhost_protocol_features_known() &
			 ~(PF(INBAND_NOTIFICATIONS) | PF(GET_VRING_BASE_INFLIGHT));
	struct libvhost_frontend *fe;
	struct job j = { .op = MAP };
	uint64_t sizes[256];
	struct stat st;
	int fd = memfd_of(0x20000, NULL), fds;

	if (!reply_ack)
		proto &= ~PF(REPLY_ACK);
	fe = pair(d, proto, &seen);
	j.be = d->be;
	j.fd = fd;
	ck_assert_uint_ne(negotiated(fe) & PF(SHMEM), 0);
	/* no region is declared before the front-end asked: nothing to map into */
	j.m = shm(0, 0, 0, 0x1000, 0);
	ck_assert_int_eq(job_run(fe, &j), -EINVAL);
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(fe, sizes, 256), 2);
	ck_assert_uint_eq(sizes[3], REGION3);

	/* the last page of region 0, from 0x1000 in the file, read-write */
	j.m = shm(0, 0x1000, REGION0 - 0x1000, 0x1000, LIBVHOST_SHMEM_MAP_RW);
	ck_assert_int_eq(job_run(fe, &j), 0);
	pump_until(fe, &seen.map, 1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(seen.map_ino, st.st_ino);
	ck_assert_uint_eq(seen.m.shmid, 0);
	ck_assert_uint_eq(seen.m.fd_offset, 0x1000);
	ck_assert_uint_eq(seen.m.shm_offset, REGION0 - 0x1000);
	ck_assert_uint_eq(seen.m.len, 0x1000);
	ck_assert_uint_eq(seen.m.flags, LIBVHOST_SHMEM_MAP_RW);
	/* all of region 3, read-only */
	j.m = shm(3, 0, 0, REGION3, 0);
	ck_assert_int_eq(job_run(fe, &j), 0);
	pump_until(fe, &seen.map, 2);
	ck_assert_uint_eq(seen.m.shmid, 3);
	ck_assert_uint_eq(seen.m.flags, 0);
	/* refused */
	seen.answer = -ENOMEM;
	ck_assert_int_eq(job_run(fe, &j), reply_ack ? -EIO : 0);
	pump_until(fe, &seen.map, 3);
	seen.answer = 0;

	j.op = UNMAP;
	j.m = shm(3, 0x5000, 0x2000, 0x3000, LIBVHOST_SHMEM_MAP_RW);
	ck_assert_int_eq(job_run(fe, &j), 0);
	pump_until(fe, &seen.unmap, 1);
	ck_assert_uint_eq(seen.m.shmid, 3);
	ck_assert_uint_eq(seen.m.shm_offset, 0x2000);
	ck_assert_uint_eq(seen.m.len, 0x3000);
	ck_assert_uint_eq(seen.m.fd_offset, 0); /* not sent */
	ck_assert_uint_eq(seen.m.flags, 0);
	seen.answer = -EINVAL;
	ck_assert_int_eq(job_run(fe, &j), reply_ack ? -EIO : 0);
	pump_until(fe, &seen.unmap, 2);

	/* outside what was declared, or malformed: refused before anything is sent */
	fds = tu_count_fds();
	{
		const struct libvhost_shmem_map bad[] = {
			shm(1, 0, 0, 0x1000, 0), /* shmid 1 not declared */
			shm(256, 0, 0, 0x1000, 0), /* not a shmid */
			shm(0, 0, 0, 0, 0), /* empty */
			shm(0, 0, 0, REGION0 + 0x1000, 0), /* longer than the region */
			shm(0, 0, REGION0, 0x1000, 0), /* past its end */
			shm(0, 0, REGION0 - 0x1000, 0x2000, 0), /* across its end */
			shm(3, 0, UINT64_MAX - 0xfff, 0x1000, 0), /* wraps */
			shm(0, UINT64_MAX - 0xfff, 0, 0x2000, 0), /* the fd range wraps */
			shm(0, 0, 0, 0x1000, 2), /* an unknown flag */
		};
		unsigned int i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ck_assert_msg(libvhost_backend_shmem_map(d->be, &bad[i], fd) == -EINVAL,
				      "map %u", i);
			/* unmap sends no fd range or flags: those two are fine there */
			if (i < 7)
				ck_assert_msg(libvhost_backend_shmem_unmap(d->be, &bad[i]) == -EINVAL,
					      "unmap %u", i);
		}
		ck_assert_int_eq(libvhost_backend_shmem_map(d->be, &bad[0], -1), -EINVAL);
		ck_assert_int_eq(libvhost_backend_shmem_map(d->be, NULL, fd), -EINVAL);
		ck_assert_int_eq(libvhost_backend_shmem_unmap(NULL, &bad[0]), -EINVAL);
	}
	ck_assert_int_eq(tu_count_fds(), fds);
	ck_assert_int_eq(seen.map, 3);
	ck_assert_int_eq(seen.unmap, 2);

	libvhost_frontend_unref(fe);
	dev_free(d);
	close(fd);
}

START_TEST(test_shmem)
{
	shmem(_i == 0);
}
END_TEST

/*
 * The features are offered only to a device that uses them, and what was
 * not negotiated is not sent.
 */
START_TEST(test_not_offered)
{
	struct fe_seen seen = { .fd = -1 };
	struct dev *d = dev_new(&plain_ops, 0, 0);
	struct libvhost_frontend *fe = pair(d, 0, &seen);
	struct libvhost_shmem_map m = shm(0, 0, 0, 0x1000, 0);
	int fd = memfd_of(0x1000, NULL), out = -1;

	ck_assert_uint_eq(offered(fe) & (PF(SHARED_OBJECT) | PF(SHMEM)), 0);
	ck_assert_uint_eq(offered(fe) & PF(GET_VRING_BASE_INFLIGHT), 0); /* no queue_suspend */
	ck_assert_int_eq(libvhost_backend_shared_object_add(d->be, UUID_A), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_backend_shared_object_remove(d->be, UUID_A), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_backend_shared_object_lookup(d->be, UUID_A, &out), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_backend_shmem_map(d->be, &m, fd), -EOPNOTSUPP);
	ck_assert_int_eq(libvhost_backend_shmem_unmap(d->be, &m), -EOPNOTSUPP);
	libvhost_frontend_unref(fe);
	dev_free(d);

	/* an exporter: SHARED_OBJECT by its op, SHMEM by its op, GET_VRING_BASE_INFLIGHT not */
	d = dev_new(&exporter_ops, 0, 0);
	fe = pair(d, 0, &seen);
	ck_assert_uint_eq(offered(fe) & (PF(SHARED_OBJECT) | PF(SHMEM)),
			  PF(SHARED_OBJECT) | PF(SHMEM));
	ck_assert_uint_eq(offered(fe) & PF(GET_VRING_BASE_INFLIGHT), 0);
	libvhost_frontend_unref(fe);
	dev_free(d);

	/* an importer (the flag) with queue_suspend: both offered; without BACKEND_SEND_FD no map */
	d = dev_new(&dev_ops, LIBVHOST_BACKEND_F_SHARED_OBJECT, 0);
	fe = pair(d, libvhost_protocol_features_known() & ~PF(BACKEND_SEND_FD), &seen);
	ck_assert_uint_eq(offered(fe) & (PF(SHARED_OBJECT) | PF(SHMEM) | PF(GET_VRING_BASE_INFLIGHT)),
			  PF(SHARED_OBJECT) | PF(SHMEM) | PF(GET_VRING_BASE_INFLIGHT));
	ck_assert_uint_eq(negotiated(fe) & PF(BACKEND_SEND_FD), 0);
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(fe, (uint64_t[256]){ 0 }, 256), 2);
	ck_assert_int_eq(libvhost_backend_shmem_map(d->be, &m, fd), -EOPNOTSUPP);
	libvhost_frontend_unref(fe);
	dev_free(d);

	/* the device offers GET_VRING_BASE_INFLIGHT only with INFLIGHT_SHMFD */
	{
		LIBVHOST_OPTS(libvhost_backend_opts, o, .ops = &dev_ops,
			      .protocol_features = libvhost_protocol_features_known() &
						   ~PF(INFLIGHT_SHMFD));
		struct libvhost_backend *be;

		d = dev_new(&dev_ops, 0, 0);
		libvhost_backend_unref(d->be);
		o.userdata = d;
		ck_assert_int_eq(libvhost_backend_new(ctx, &o, &be), 0);
		d->be = be;
		fe = pair(d, 0, &seen);
		ck_assert_uint_eq(offered(fe) & (PF(INFLIGHT_SHMFD) | PF(GET_VRING_BASE_INFLIGHT)), 0);
		libvhost_frontend_unref(fe);
		dev_free(d);
	}
	close(fd);
}
END_TEST

/* ---- a front-end that reads the channel and never answers ---- */

/* Reads one message off @sock: header and payload into @buf (returns its length), fds counted. */
static size_t raw_read(int sock, uint8_t *buf, size_t cap, unsigned int *nfds, int *fd)
{
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { buf, 12 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b,
			     .msg_controllen = sizeof(c.b) };
	struct pollfd pfd = { sock, POLLIN, 0 };
	struct cmsghdr *cm;
	uint32_t size;
	size_t got = 0;

	*nfds = 0;
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL), 12);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned int n = (unsigned int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			*nfds += n;
			if (n && fd)
				memcpy(fd, CMSG_DATA(cm), sizeof(int));
		}
	}
	memcpy(&size, buf + 8, 4);
	ck_assert_uint_le(12 + size, cap);
	while (got < size) {
		ssize_t n = read(sock, buf + 12 + got, size - got);

		ck_assert_int_gt(n, 0);
		got += (size_t)n;
	}
	return 12 + size;
}

static void raw_write(int sock, const uint8_t *bytes, size_t len, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { (void *)bytes, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&c, 0, sizeof(c));
		mh.msg_control = c.b;
		mh.msg_controllen = sizeof(c.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

/* The wire as the spec lays it out: native-endian u32 header fields, u64 payload fields. */
#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)
#define U64(v) U32((uint64_t)(v) & 0xffffffffu), U32((uint64_t)(v) >> 32)
#define HDR(req, flags, size) U32(req), U32(flags), U32(size)
#define V1 0x1u /* version 1 */
#define NEED_REPLY 0x8u /* flags bit 3 */
#define REPLY 0x4u /* flags bit 2 */
#define UUID_A_BYTES 0x6c, 0x69, 0x62, 0x76, 0x68, 0x6f, 0x73, 0x74, \
		     0x2d, 0x62, 0x65, 0x71, 0x00, 0x01, 0x02, 0x03

/* BACKEND_SHARED_OBJECT_ADD (6): the 16-byte UUID; with REPLY_ACK, NEED_REPLY set */
static const uint8_t add_a[] = { HDR(6, V1 | NEED_REPLY, 16), UUID_A_BYTES };
/* BACKEND_SHARED_OBJECT_REMOVE (7) */
static const uint8_t remove_a[] = { HDR(7, V1 | NEED_REPLY, 16), UUID_A_BYTES };
/* BACKEND_SHARED_OBJECT_LOOKUP (8): has a reply of its own, NEED_REPLY not set */
static const uint8_t lookup_a[] = { HDR(8, V1, 16), UUID_A_BYTES };
/*
 * BACKEND_SHMEM_MAP (9): u8 shmid 3, 7 bytes padding, u64 fd_offset 0x4000,
 * u64 shm_offset 0x10000, u64 len 0x8000, u64 flags 1 (read-write); the fd.
 */
static const uint8_t map_3[] = { HDR(9, V1 | NEED_REPLY, 40), 3, 0, 0, 0, 0, 0, 0, 0,
				 U64(0x4000), U64(0x10000), U64(0x8000), U64(1) };
/* BACKEND_SHMEM_UNMAP (10): the same range, fd_offset and flags 0, no fd */
static const uint8_t unmap_3[] = { HDR(10, V1 | NEED_REPLY, 40), 3, 0, 0, 0, 0, 0, 0, 0,
				   U64(0), U64(0x10000), U64(0x8000), U64(0) };
/* SHMEM_MAP without REPLY_ACK: the same, NEED_REPLY clear */
static const uint8_t map_3_noack[] = { HDR(9, V1, 40), 3, 0, 0, 0, 0, 0, 0, 0,
				       U64(0x4000), U64(0x10000), U64(0x8000), U64(1) };

/*
 * Starts @j, reads the request it sends off the channel raw, holds it
 * against @bytes (and @nfds fds), and answers with @reply (+ @reply_fd) or,
 * if NULL, never: the request then gives up after the back-end's timeout.
 */
static int raw_exchange(int sock, struct job *j, const uint8_t *bytes, size_t len,
			unsigned int nfds, const uint8_t *reply, size_t reply_len, int reply_fd)
{
	uint8_t buf[128];
	unsigned int got_fds;
	int fd = -1;
	pthread_t t;
	size_t n;

	j->done = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, job_main, j), 0);
	n = raw_read(sock, buf, sizeof(buf), &got_fds, &fd);
	ck_assert_uint_eq(n, len);
	ck_assert_mem_eq(buf, bytes, len);
	ck_assert_uint_eq(got_fds, nfds);
	if (fd >= 0)
		close(fd);
	if (reply)
		raw_write(sock, reply, reply_len, reply_fd);
	pthread_join(t, NULL);
	return j->result;
}

/*
 * A back-end (timeout 300 ms) whose channel this test reads itself: the
 * front-end's process_backend() is never called.
 */
static struct dev *deaf_pair(struct libvhost_frontend **fe, struct fe_seen *seen, uint64_t proto,
			     int *sock)
{
	struct dev *d = dev_new(&dev_ops, LIBVHOST_BACKEND_F_SHARED_OBJECT, 300);
	uint64_t sizes[256];

	*fe = pair(d, proto, seen);
	ck_assert_int_eq(libvhost_frontend_get_shmem_config(*fe, sizes, 256), 2);
	*sock = libvhost_frontend_get_backend_fd(*fe);
	ck_assert_int_ge(*sock, 0);
	return d;
}

START_TEST(test_wire_and_deaf)
{
	static const uint8_t ack0[] = { HDR(6, V1 | REPLY, 8), U64(0) };
	static const uint8_t ack_remove_no[] = { HDR(7, V1 | REPLY, 8), U64(1) };
	static const uint8_t lookup_found[] = { HDR(8, V1 | REPLY, 8), U64(0) };
	static const uint8_t lookup_none[] = { HDR(8, V1 | REPLY, 8), U64(1) };
	static const uint8_t map_ack0[] = { HDR(9, V1 | REPLY, 8), U64(0) };
	static const uint8_t unmap_ack0[] = { HDR(10, V1 | REPLY, 8), U64(0) };
	struct fe_seen seen = { .fd = -1 };
	struct libvhost_frontend *fe;
	struct dev *d;
	struct job j = { .fd = -1 };
	int sock, obj = memfd_of(4096, "B"), fds;
	unsigned int errs;

	d = deaf_pair(&fe, &seen, 0, &sock);
	j.be = d->be;
	ck_assert_uint_ne(negotiated(fe) & PF(REPLY_ACK), 0);

	/* each request's layout, and the answers as the spec gives them */
	j.op = ADD;
	j.uuid = UUID_A;
	ck_assert_int_eq(raw_exchange(sock, &j, add_a, sizeof(add_a), 0, ack0, sizeof(ack0), -1), 0);
	j.op = REMOVE;
	ck_assert_int_eq(raw_exchange(sock, &j, remove_a, sizeof(remove_a), 0, ack_remove_no,
				      sizeof(ack_remove_no), -1),
			 -EIO);
	j.op = LOOKUP;
	ck_assert_int_eq(raw_exchange(sock, &j, lookup_a, sizeof(lookup_a), 0, lookup_found,
				      sizeof(lookup_found), obj),
			 0);
	ck_assert_int_ge(j.fd, 0);
	close(j.fd);
	j.fd = -1;
	ck_assert_int_eq(raw_exchange(sock, &j, lookup_a, sizeof(lookup_a), 0, lookup_none,
				      sizeof(lookup_none), -1),
			 -ENOENT);
	j.op = MAP;
	j.m = shm(3, 0x4000, 0x10000, 0x8000, LIBVHOST_SHMEM_MAP_RW);
	j.fd = obj;
	ck_assert_int_eq(raw_exchange(sock, &j, map_3, sizeof(map_3), 1, map_ack0,
				      sizeof(map_ack0), -1),
			 0);
	j.op = UNMAP;
	ck_assert_int_eq(raw_exchange(sock, &j, unmap_3, sizeof(unmap_3), 0, unmap_ack0,
				      sizeof(unmap_ack0), -1),
			 0);

	/* LOOKUP's fd rules: success comes with exactly one fd, failure with none */
	errs = tu_log_errors();
	fds = tu_count_fds();
	j.op = LOOKUP;
	j.fd = -1;
	ck_assert_int_eq(raw_exchange(sock, &j, lookup_a, sizeof(lookup_a), 0, lookup_none,
				      sizeof(lookup_none), obj),
			 -EBADMSG);
	ck_assert_int_eq(j.fd, -1);
	ck_assert_uint_gt(tu_log_errors(), errs);
	/* the channel is closed: what comes next is not sent */
	ck_assert_int_eq(libvhost_backend_shared_object_add(d->be, UUID_A), -ENOTCONN);
	ck_assert_int_eq(tu_count_fds(), fds - 1); /* the back-end's end of the channel, no more */
	libvhost_frontend_unref(fe);
	dev_free(d);

	/* u64 0 without the fd */
	d = deaf_pair(&fe, &seen, 0, &sock);
	j.be = d->be;
	ck_assert_int_eq(raw_exchange(sock, &j, lookup_a, sizeof(lookup_a), 0, lookup_found,
				      sizeof(lookup_found), -1),
			 -EBADMSG);
	libvhost_frontend_unref(fe);
	dev_free(d);

	/* an answer to another request */
	d = deaf_pair(&fe, &seen, 0, &sock);
	j.be = d->be;
	j.op = ADD;
	ck_assert_int_eq(raw_exchange(sock, &j, add_a, sizeof(add_a), 0, map_ack0,
				      sizeof(map_ack0), -1),
			 -EPROTO);
	libvhost_frontend_unref(fe);
	dev_free(d);

	/*
	 * Never answered: each request waits the timeout, no more, and the
	 * channel is closed after it (a late answer would be read as the next
	 * one's); the front-end's own socket goes on.
	 */
	{
		const enum op ops[] = { ADD, LOOKUP, MAP };
		const uint8_t *req[] = { add_a, lookup_a, map_3 };
		const size_t len[] = { sizeof(add_a), sizeof(lookup_a), sizeof(map_3) };
		unsigned int i;

		for (i = 0; i < 3; i++) {
			d = deaf_pair(&fe, &seen, 0, &sock);
			j.be = d->be;
			j.op = ops[i];
			j.fd = ops[i] == MAP ? obj : -1;
			j.m = shm(3, 0x4000, 0x10000, 0x8000, LIBVHOST_SHMEM_MAP_RW);
			errs = tu_log_errors();
			ck_assert_int_eq(raw_exchange(sock, &j, req[i], len[i], ops[i] == MAP,
						      NULL, 0, -1),
					 -ETIMEDOUT);
			ck_assert_uint_gt(tu_log_errors(), errs);
			ck_assert_int_eq(libvhost_backend_shared_object_lookup(d->be, UUID_A,
									       &j.fd),
					 -ENOTCONN);
			ck_assert_int_eq(libvhost_frontend_set_status(fe, 0x01), 0);
			libvhost_frontend_unref(fe);
			dev_free(d);
		}
	}

	/* without REPLY_ACK: sent, not waited for (the front-end's answer is its own business) */
	d = deaf_pair(&fe, &seen,
		      libvhost_protocol_features_known() &
			      ~(PF(REPLY_ACK) | PF(INBAND_NOTIFICATIONS) | PF(GET_VRING_BASE_INFLIGHT)),
		      &sock);
	j.be = d->be;
	j.op = MAP;
	j.fd = obj;
	ck_assert_int_eq(raw_exchange(sock, &j, map_3_noack, sizeof(map_3_noack), 1, NULL, 0, -1),
			 0);
	libvhost_frontend_unref(fe);
	dev_free(d);
	close(obj);
}
END_TEST

/*
 * The spec: GET_VRING_BASE_INFLIGHT only with INFLIGHT_SHMFD.  A front-end
 * acking it alone ends the session (the protocol-features codec refuses
 * it); with it, the session goes on.
 */
START_TEST(test_suspend_needs_inflight)
{
	/* SET_PROTOCOL_FEATURES (16), then GET_PROTOCOL_FEATURES (15) to see the session live */
	static const uint8_t alone[] = { HDR(16, V1, 8), U64(1ull << 20) };
	static const uint8_t with[] = { HDR(16, V1, 8), U64(1ull << 20 | 1ull << 12) };
	static const uint8_t get[] = { HDR(15, V1, 0) };
	const uint8_t *msg[] = { alone, with };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct dev *d = dev_new(&dev_ops, 0, 0);
		unsigned int errs = tu_log_errors();
		uint8_t buf[64];
		uint32_t hdr[3];
		ssize_t n;
		int sv[2];

		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		ck_assert_int_eq(libvhost_backend_adopt_fd(d->be, sv[1]), 0);
		ck_assert_int_eq(pthread_create(&d->thread, NULL, dev_main, d), 0);
		raw_write(sv[0], msg[i], sizeof(alone), -1);
		/* the back-end may have hung up already */
		(void)!send(sv[0], get, sizeof(get), MSG_NOSIGNAL);
		{
			struct pollfd pfd = { sv[0], POLLIN, 0 };

			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		}
		n = read(sv[0], buf, sizeof(buf));
		if (i == 0) {
			ck_assert_int_le(n, 0); /* hung up on */
			ck_assert_uint_gt(tu_log_errors(), errs);
			ck_assert_ptr_nonnull(strstr(tu_log_last(), "Protocol error"));
		} else {
			ck_assert_msg(n == 20, "%zd: %s", n, tu_log_last());
			memcpy(hdr, buf, sizeof(hdr));
			ck_assert_uint_eq(hdr[0], 15);
			ck_assert_uint_eq(hdr[2], 8);
		}
		close(sv[0]);
		dev_free(d);
	}
}
END_TEST

/* ---- GET_VRING_BASE_INFLIGHT: a ring stopped without its in-flight buffers ---- */

#define RNUM 16
#define RBUFS 8

struct ring {
	struct libvhost_mem *mem;
	struct libvhost_vring *vr;
	uint8_t *bufs;
	int kick, call;
	unsigned int got[RBUFS];
	unsigned int n;
};

static void ring_add(struct ring *r)
{
	unsigned int i, k;

	for (i = 0; i < RBUFS; i++) {
		uint8_t *out = r->bufs + i * 0x100;
		struct iovec iov[2] = { { out, 64 }, { out + 0x80, 64 } };

		for (k = 0; k < 64; k++)
			out[k] = (uint8_t)(i + k * 3);
		ck_assert_int_eq(libvhost_vring_add(r->vr, iov, 1, 1, (void *)(uintptr_t)(i + 1)), 0);
	}
	libvhost_vring_kick(r->vr);
}

/* Used buffers until @total came back, each once, each echoed. */
static void ring_collect(struct ring *r, unsigned int total)
{
	struct pollfd pfd = { r->call, POLLIN, 0 };
	void *tok;
	uint32_t len;
	uint64_t v;

	while (r->n < total) {
		int k = libvhost_vring_get_used(r->vr, &tok, &len);

		ck_assert_int_ge(k, 0);
		if (k == 1) {
			uintptr_t i = (uintptr_t)tok - 1;
			const uint8_t *out = r->bufs + i * 0x100;
			unsigned int b;

			ck_assert_uint_lt(i, RBUFS);
			ck_assert_uint_eq(r->got[i]++, 0);
			ck_assert_uint_eq(len, 64);
			for (b = 0; b < 64; b++)
				ck_assert_uint_eq(out[0x80 + b], (uint8_t)~out[b]);
			r->n++;
			continue;
		}
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		ck_assert_int_eq(read(r->call, &v, sizeof(v)), sizeof(v));
	}
}

/*
 * The device holds the odd buffers; the front-end stops the ring.  With
 * GET_VRING_BASE_INFLIGHT (@suspend) the device cancels them (queue_suspend)
 * and GET_VRING_BASE answers at once; the front-end hands the inflight area
 * back and starts the ring again, and the back-end takes the four again
 * from the area.  Without it, queue_stopped finishes them first.
 */
static void suspend(bool suspend)
{
	struct dev *d = dev_new(&dev_ops, 0, 0);
	struct fe_seen seen = { .fd = -1 };
	uint64_t proto = libvhost_protocol_features_known() & ~PF(INBAND_NOTIFICATIONS);
	struct libvhost_backend_stats st = { .sz = sizeof(st) };
	struct libvhost_frontend *fe;
	struct libvhost_dev *dev;
	uint64_t ifl_size, ifl_off;
	struct ring r = { 0 };
	uint32_t base;
	int ifl_fd;
	void *p;

	if (!suspend)
		proto &= ~PF(GET_VRING_BASE_INFLIGHT);
	d->hold_odd = true;
	fe = pair(d, proto, &seen);
	dev = libvhost_frontend_get_dev(fe);
	ck_assert_uint_eq(!!(negotiated(fe) & PF(GET_VRING_BASE_INFLIGHT)), suspend);
	ck_assert_int_eq(libvhost_frontend_get_inflight(fe, 1, RNUM, &ifl_fd, &ifl_size, &ifl_off),
			 0);
	ck_assert_int_eq(libvhost_frontend_set_inflight(fe, ifl_fd, ifl_size, ifl_off, 1, RNUM), 0);
	ck_assert_int_eq(libvhost_dev_set_features(dev, F_VERSION_1), 0);
	ck_assert_int_eq(libvhost_mem_new(ctx, &r.mem), 0);
	ck_assert_int_eq(libvhost_mem_alloc(r.mem, 0, 0x40000, NULL, &p), 0);
	r.bufs = (uint8_t *)p + 0x20000;
	ck_assert_int_eq(libvhost_dev_set_mem(dev, r.mem), 0);
	ck_assert_int_eq(libvhost_vring_new(r.mem, 0, RNUM, NULL, &r.vr), 0);
	r.kick = eventfd(0, EFD_CLOEXEC);
	r.call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, r.vr, r.kick, r.call), 0);

	ring_add(&r);
	ring_collect(&r, RBUFS / 2);
	ck_assert_int_eq(libvhost_dev_stop_vring(dev, 0, &base), 0);
	ck_assert_uint_eq(base, RBUFS); /* every buffer was taken */
	ck_assert_int_eq(d->suspended, suspend);
	ck_assert_int_eq(d->stopped, !suspend);
	if (!suspend) {
		ring_collect(&r, RBUFS); /* finished before the base was read */
	} else {
		void *tok;
		uint32_t len;

		ck_assert_int_eq(libvhost_vring_get_used(r.vr, &tok, &len), 0); /* nothing more */
	}

	/* the front-end's side: the area handed back, the ring started at the base */
	ck_assert_int_eq(libvhost_frontend_set_inflight(fe, ifl_fd, ifl_size, ifl_off, 1, RNUM), 0);
	ck_assert_int_eq(libvhost_dev_start_vring(dev, 0, r.vr, r.kick, r.call), 0);
	ring_collect(&r, RBUFS);
	ck_assert_int_eq(libvhost_backend_get_stats(d->be, &st), 0);
	ck_assert_uint_eq(st.inflight_resubmitted, suspend ? RBUFS / 2 : 0);

	libvhost_frontend_unref(fe);
	dev_free(d);
	libvhost_vring_unref(r.vr);
	libvhost_mem_unref(r.mem);
	close(r.kick);
	close(r.call);
	close(ifl_fd);
}

START_TEST(test_suspend)
{
	suspend(_i == 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-req");
	TCase *tc = tcase_create("backend-req");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_shared_objects, 0, 2);
	tcase_add_loop_test(tc, test_shmem, 0, 2);
	tcase_add_test(tc, test_not_offered);
	tcase_add_test(tc, test_wire_and_deaf);
	tcase_add_loop_test(tc, test_suspend, 0, 2);
	tcase_add_test(tc, test_suspend_needs_inflight);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
