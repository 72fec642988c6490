/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-blk's image I/O engines: requests submitted and completed
 * later, in the order the disk finishes them.
 *   sync     on the calling thread, at submission (a completion at once);
 *   uring    io_uring (liburing), its completions signalling an eventfd;
 *   threads  a pool of threads doing preadv/pwritev/fdatasync, likewise.
 * An engine is used by one thread at a time.  With O_DIRECT, a request
 * whose buffers are not aligned goes through an aligned bounce buffer, and
 * one whose offset or length is not goes to the file without O_DIRECT.
 */
#ifndef LIBVHOST_BLK_IO_H
#define LIBVHOST_BLK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum blk_io_kind { BLK_IO_SYNC, BLK_IO_URING, BLK_IO_THREADS };
enum blk_io_op { BLK_IO_READ, BLK_IO_WRITE, BLK_IO_FLUSH };

/* The image, shared by every engine of a device. */
struct blk_io_file {
	int fd; /* buffered */
	int fd_direct; /* O_DIRECT, or -1 */
	unsigned int align; /* with fd_direct: offsets, lengths and buffers */
	uint64_t bounced; /* requests that went through a bounce buffer (atomic) */
};

struct blk_io_req {
	enum blk_io_op op;
	struct iovec *iov; /* the data; the engine may change the array */
	unsigned int niov;
	uint64_t off;
	size_t len;
	int res; /* at completion: 0, or -errno */
	/* the engine's */
	struct blk_io_req *next;
	int fd;
	size_t done;
	void *bounce;
	struct iovec biov;
	struct iovec *orig;
	unsigned int norig;
};

struct blk_io;

/* "sync", "uring", "threads"; 0 on success, -1 for another name. */
int blk_io_parse(const char *s, enum blk_io_kind *kind);
const char *blk_io_name(enum blk_io_kind kind);

/*
 * The image opened at @path with O_DIRECT as well (f->fd is open already):
 * probes the alignment it needs.  -errno, with a message, on failure.
 */
int blk_io_open_direct(struct blk_io_file *f, const char *path);

/*
 * An engine for up to @depth requests in flight.  -ENOSYS, -EPERM: io_uring
 * is refused here (not built in, disabled, seccomp); other -errno.
 */
int blk_io_new(enum blk_io_kind kind, struct blk_io_file *f, unsigned int depth,
	       struct blk_io **ret);
void blk_io_free(struct blk_io *io);

/* The fd that becomes readable when requests complete; -1 for sync. */
int blk_io_get_fd(const struct blk_io *io);

/* Queues @r; it goes to the disk at blk_io_kick() at the latest. */
void blk_io_submit(struct blk_io *io, struct blk_io_req *r);
void blk_io_kick(struct blk_io *io);

/* The requests completed since the last call, as a list (->next); NULL: none. */
struct blk_io_req *blk_io_reap(struct blk_io *io);

/* Sleeps until a request completes (some must be in flight). */
void blk_io_wait(struct blk_io *io);

#endif
