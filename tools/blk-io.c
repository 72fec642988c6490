/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "blk-io.h"

#define POOL_THREADS 8u

struct blk_io {
	enum blk_io_kind kind;
	struct blk_io_file *f;
	int efd; /* completions (uring, threads) */
	struct blk_io_req *done, **done_tail; /* sync; threads, under lock */
#ifdef HAVE_LIBURING
	struct io_uring ring;
	unsigned int queued; /* SQEs not yet submitted */
#endif
	/* threads */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct blk_io_req *todo, **todo_tail;
	pthread_t thread[POOL_THREADS];
	unsigned int nthreads;
	bool exit;
};

static const char *const names[] = { "sync", "uring", "threads" };

int blk_io_parse(const char *s, enum blk_io_kind *kind)
{
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*kind = (enum blk_io_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *blk_io_name(enum blk_io_kind kind)
{
	return names[kind];
}

int blk_io_open_direct(struct blk_io_file *f, const char *path)
{
	static const unsigned int try[] = { 512, 4096 };
	unsigned int i;
	void *buf;
	int r = 0;

	f->fd_direct = open(path, (fcntl(f->fd, F_GETFL) & O_ACCMODE) | O_DIRECT | O_CLOEXEC);
	if (f->fd_direct < 0) {
		r = -errno;
		fprintf(stderr, "vhost-user-blk: %s: O_DIRECT: %s\n", path, strerror(-r));
		return r;
	}
	if (posix_memalign(&buf, 4096, 4096)) {
		fprintf(stderr, "vhost-user-blk: out of memory\n");
		return -ENOMEM;
	}
	/* the smallest block a direct read takes (an empty image: 512) */
	for (i = 0; i < 2; i++) {
		f->align = try[i];
		r = pread(f->fd_direct, buf, try[i], 0) < 0 ? -errno : 0;
		if (r != -EINVAL)
			break;
	}
	free(buf);
	if (r) {
		fprintf(stderr, "vhost-user-blk: %s: O_DIRECT reads fail: %s\n", path, strerror(-r));
		close(f->fd_direct);
		f->fd_direct = -1;
		return r;
	}
	/*
	 * The image's pages cached so far dropped: a direct write over a cached
	 * page cannot be done without blocking, and io_uring then hands it to
	 * a worker that does the file's writes one at a time.
	 */
	(void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

static void done_add(struct blk_io *io, struct blk_io_req *r)
{
	r->next = NULL;
	*io->done_tail = r;
	io->done_tail = &r->next;
}

/* Where @r goes, and through a bounce buffer if its memory is not aligned. */
static void prepare(struct blk_io *io, struct blk_io_req *r)
{
	struct blk_io_file *f = io->f;
	unsigned int i;
	bool aligned = true;

	r->res = 0;
	r->done = 0;
	r->bounce = NULL;
	r->orig = NULL;
	r->fd = f->fd;
	if (f->fd_direct < 0 || r->op == BLK_IO_FLUSH || (r->off | r->len) % f->align)
		return;
	r->fd = f->fd_direct;
	for (i = 0; i < r->niov && aligned; i++)
		aligned = !((uintptr_t)r->iov[i].iov_base % f->align) &&
			  !(r->iov[i].iov_len % f->align);
	if (aligned)
		return;
	if (posix_memalign(&r->bounce, f->align, r->len ? r->len : f->align)) {
		r->bounce = NULL;
		r->fd = f->fd; /* no memory for one: without O_DIRECT */
		return;
	}
	__atomic_add_fetch(&f->bounced, 1, __ATOMIC_RELAXED);
	r->orig = r->iov;
	r->norig = r->niov;
	r->biov = (struct iovec){ r->bounce, r->len };
	r->iov = &r->biov;
	r->niov = 1;
	/*
	 * Guest memory is copied through the kernel (here and in finish()): a
	 * front-end that took a region away under a request in flight makes it
	 * fail with EFAULT, as the transfer itself would, not crash the tool.
	 */
	if (r->op == BLK_IO_WRITE &&
	    process_vm_readv(getpid(), &r->biov, 1, r->orig, r->norig, 0) != (ssize_t)r->len)
		r->res = -EFAULT;
}

/* After the transfer: a read's bounce buffer copied out, and freed. */
static void finish(struct blk_io_req *r)
{
	struct iovec whole = { r->bounce, r->len };

	if (!r->bounce)
		return;
	if (r->op == BLK_IO_READ && !r->res &&
	    process_vm_writev(getpid(), &whole, 1, r->orig, r->norig, 0) != (ssize_t)r->len)
		r->res = -EFAULT;
	free(r->bounce);
	r->bounce = NULL;
	r->iov = r->orig;
	r->niov = r->norig;
}

/*
 * @n bytes of @r were transferred: true when it is done (r->res set), false
 * when the rest must be submitted (its iovecs stepped past what was done).
 */
static bool advance(struct blk_io_req *r, long n)
{
	if (n < 0 || (n == 0 && r->op != BLK_IO_FLUSH)) {
		r->res = n < 0 ? (int)n : -EIO; /* 0: past the end of the file */
		return true;
	}
	if (r->op == BLK_IO_FLUSH)
		return true;
	r->done += (size_t)n;
	if (r->done >= r->len)
		return true;
	while (n > 0 && r->niov) {
		if ((size_t)n >= r->iov->iov_len) {
			n -= (long)r->iov->iov_len;
			r->iov++;
			r->niov--;
		} else {
			r->iov->iov_base = (char *)r->iov->iov_base + n;
			r->iov->iov_len -= (size_t)n;
			n = 0;
		}
	}
	return false;
}

/* The whole of @r, on this thread. */
static void run(struct blk_io_req *r)
{
	long n;

	do {
		if (r->op == BLK_IO_FLUSH)
			n = fdatasync(r->fd);
		else if (r->op == BLK_IO_WRITE)
			n = pwritev(r->fd, r->iov, (int)r->niov, (off_t)(r->off + r->done));
		else
			n = preadv(r->fd, r->iov, (int)r->niov, (off_t)(r->off + r->done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			n = -errno;
	} while (!advance(r, n));
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	(void)!write(fd, &one, sizeof(one));
}

static void *pool_main(void *arg)
{
	struct blk_io *io = arg;
	struct blk_io_req *r;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->todo && !io->exit)
			pthread_cond_wait(&io->cond, &io->lock);
		if (!io->todo)
			break;
		r = io->todo;
		io->todo = r->next;
		if (!io->todo)
			io->todo_tail = &io->todo;
		pthread_mutex_unlock(&io->lock);
		run(r);
		pthread_mutex_lock(&io->lock);
		done_add(io, r);
		signal_fd(io->efd);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

static int pool_start(struct blk_io *io, unsigned int depth)
{
	sigset_t all, old;
	int r = 0;

	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->cond, NULL);
	io->todo_tail = &io->todo;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (io->nthreads < POOL_THREADS && io->nthreads < depth) {
		r = -pthread_create(&io->thread[io->nthreads], NULL, pool_main, io);
		if (r < 0)
			break;
		io->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (io->nthreads)
		return 0;
	fprintf(stderr, "vhost-user-blk: cannot start a thread: %s\n", strerror(-r));
	return r;
}

#ifdef HAVE_LIBURING
static void uring_prep(struct blk_io *io, struct blk_io_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&io->ring);

	if (!sqe) {
		io_uring_submit(&io->ring);
		io->queued = 0;
		sqe = io_uring_get_sqe(&io->ring);
	}
	if (!sqe) { /* the ring is sized for every request in flight: never */
		r->res = -EAGAIN;
		done_add(io, r);
		return;
	}
	if (r->op == BLK_IO_FLUSH)
		io_uring_prep_fsync(sqe, r->fd, IORING_FSYNC_DATASYNC);
	else if (r->op == BLK_IO_WRITE)
		io_uring_prep_writev(sqe, r->fd, r->iov, r->niov, r->off + r->done);
	else
		io_uring_prep_readv(sqe, r->fd, r->iov, r->niov, r->off + r->done);
	io_uring_sqe_set_data(sqe, r);
	io->queued++;
}

static int uring_start(struct blk_io *io, unsigned int depth)
{
	int r = io_uring_queue_init(depth, &io->ring, 0);

	if (r < 0)
		return r;
	r = io_uring_register_eventfd(&io->ring, io->efd);
	if (r < 0) {
		io_uring_queue_exit(&io->ring);
		return r;
	}
	return 0;
}
#endif

int blk_io_new(enum blk_io_kind kind, struct blk_io_file *f, unsigned int depth,
	       struct blk_io **ret)
{
	struct blk_io *io = calloc(1, sizeof(*io));
	int r = 0;

	if (!io)
		return -ENOMEM;
	io->kind = kind;
	io->f = f;
	io->done_tail = &io->done;
	io->efd = -1;
	if (kind != BLK_IO_SYNC) {
		io->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (io->efd < 0)
			r = -errno;
	}
	if (!r && kind == BLK_IO_THREADS)
		r = pool_start(io, depth);
	if (!r && kind == BLK_IO_URING) {
#ifdef HAVE_LIBURING
		r = uring_start(io, depth);
#else
		r = -ENOSYS;
#endif
	}
	if (r < 0) {
		if (io->efd >= 0)
			close(io->efd);
		free(io);
		return r;
	}
	*ret = io;
	return 0;
}

void blk_io_free(struct blk_io *io)
{
	unsigned int i;

	if (!io)
		return;
	if (io->kind == BLK_IO_THREADS) {
		pthread_mutex_lock(&io->lock);
		io->exit = true;
		pthread_cond_broadcast(&io->cond);
		pthread_mutex_unlock(&io->lock);
		for (i = 0; i < io->nthreads; i++)
			pthread_join(io->thread[i], NULL);
		pthread_cond_destroy(&io->cond);
		pthread_mutex_destroy(&io->lock);
	}
#ifdef HAVE_LIBURING
	if (io->kind == BLK_IO_URING)
		io_uring_queue_exit(&io->ring);
#endif
	if (io->efd >= 0)
		close(io->efd);
	free(io);
}

int blk_io_get_fd(const struct blk_io *io)
{
	return io->efd;
}

void blk_io_submit(struct blk_io *io, struct blk_io_req *r)
{
	prepare(io, r);
	if (r->res) {
		/* failed before any transfer (prepare()): complete at once */
		if (io->kind == BLK_IO_THREADS)
			pthread_mutex_lock(&io->lock);
		done_add(io, r);
		if (io->kind == BLK_IO_THREADS)
			pthread_mutex_unlock(&io->lock);
		if (io->efd >= 0)
			signal_fd(io->efd);
		return;
	}
	switch (io->kind) {
	case BLK_IO_SYNC:
		run(r);
		done_add(io, r);
		break;
	case BLK_IO_THREADS:
		r->next = NULL;
		pthread_mutex_lock(&io->lock);
		*io->todo_tail = r;
		io->todo_tail = &r->next;
		pthread_cond_signal(&io->cond);
		pthread_mutex_unlock(&io->lock);
		break;
	case BLK_IO_URING:
#ifdef HAVE_LIBURING
		uring_prep(io, r);
#endif
		break;
	}
}

void blk_io_kick(struct blk_io *io)
{
#ifdef HAVE_LIBURING
	if (io->kind == BLK_IO_URING && io->queued) {
		io_uring_submit(&io->ring);
		io->queued = 0;
	}
#else
	(void)io;
#endif
}

struct blk_io_req *blk_io_reap(struct blk_io *io)
{
	struct blk_io_req *list, *r;
	uint64_t v;

	if (io->efd >= 0)
		(void)!read(io->efd, &v, sizeof(v)); /* before looking: a later one signals again */
	if (io->kind == BLK_IO_THREADS)
		pthread_mutex_lock(&io->lock);
#ifdef HAVE_LIBURING
	if (io->kind == BLK_IO_URING) {
		struct io_uring_cqe *cqe;
		long n;

		while (io_uring_peek_cqe(&io->ring, &cqe) == 0) {
			r = io_uring_cqe_get_data(cqe);
			n = cqe->res;
			io_uring_cqe_seen(&io->ring, cqe);
			if (n == -EINTR || n == -EAGAIN)
				uring_prep(io, r); /* again, as it was */
			else if (advance(r, n))
				done_add(io, r);
			else
				uring_prep(io, r); /* the rest of a short transfer */
		}
		blk_io_kick(io);
	}
#endif
	list = io->done;
	io->done = NULL;
	io->done_tail = &io->done;
	if (io->kind == BLK_IO_THREADS)
		pthread_mutex_unlock(&io->lock);
	for (r = list; r; r = r->next)
		finish(r);
	return list;
}

void blk_io_wait(struct blk_io *io)
{
	struct pollfd p = { io->efd, POLLIN, 0 };

	if (io->efd >= 0)
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
}
