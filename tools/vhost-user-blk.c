/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user-blk: a virtio-blk device backed by a raw file, served to any
 * vhost-user front-end (QEMU's vhost-user-blk-pci, libvhost's own...),
 * following the vhost-user specification's back-end program conventions;
 * or (--vduse=NAME) to the host kernel itself, as a VDUSE device with the
 * same device code.  It uses libvhost's public API only.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/falloc.h>

#include <libvhost.h>

#include "blk-io.h"
#include "tool-caps.h"
#include "tool-device.h"
#include "tool-log.h"
#include "tool-stats.h"
#include "tool-threads.h"

#define MAX_SEGS 126u
#define MAX_IOV 256u
#define MAX_QUEUES 64u
_Static_assert(MAX_QUEUES <= TOOL_SERVE_MAX_RINGS, "a ring per queue");
#define DISCARD_MAX_SECTORS (1u << 22)
#define BUDGET 256u /* --threads: requests of a ring served before its thread looks around */
#define DEPTH 256u /* requests of a queue in flight at most */
#define SHARED_DEPTH 4096u /* without --threads: the engine all queues share */

struct blk;
struct blk_queue;

/* A request taken from a ring, until it is given back. */
struct blk_req {
	struct blk_io_req io;
	struct blk_queue *q;
	struct blk_req *next; /* the free list, or the flushes held */
	struct blk_req *wprev, *wnext; /* a write in flight: the queue's, oldest first */
	uint64_t seq; /* a write: its number; a flush: the writes before it */
	uint32_t id, out, in, in_size;
	enum blk_io_op op;
	struct iovec iov[MAX_IOV];
	struct iovec data[MAX_IOV];
};

/* A request queue: its requests in flight, and its count; a cache line each. */
struct blk_queue {
	struct blk *b;
	uint64_t requests;
	pid_t tid; /* the thread that served it; -1: more than one did */
	struct libvhost_vq *vq;
	struct blk_io *io; /* its engine (--threads), or the shared one */
	struct blk_req *free;
	unsigned int inflight; /* taken from the ring and not given back (at most DEPTH) */
	bool full; /* stopped taking at DEPTH: served again at a completion */
	bool touched; /* pushed since the last notify */
	uint64_t writes; /* submitted */
	struct blk_req *whead, *wtail; /* writes in flight, in submission order */
	struct blk_req *flushes, **flushes_tail; /* waiting for the writes before them */
} __attribute__((aligned(64)));

struct blk {
	char name[48]; /* "vhost-user-blk", or "vhost-user-blk: device N" past the first */
	int fd;
	bool read_only;
	uint64_t sectors;
	unsigned int queues;
	struct blk_config config;
	char id[BLK_ID_BYTES];
	struct libvhost_backend *be;
	struct libvhost_vduse *vduse; /* --vduse: the device, instead of be */
	struct blk_queue q[MAX_QUEUES];
	struct tool_worker *worker[MAX_QUEUES]; /* --threads: a queue's */
	struct blk_io_file file;
	enum blk_io_kind io_kind;
	bool io_default; /* no --io: uring, else threads */
	struct blk_io *io; /* without --threads: the engine of every queue */
};

static int blk_get_config(void *ud, uint32_t offset, void *buf, uint32_t len)
{
	struct blk *b = ud;

	return tool_config_read(&b->config, sizeof(b->config), offset, buf, len);
}

static size_t iov_size(const struct iovec *iov, unsigned int n)
{
	size_t s = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		s += iov[i].iov_len;
	return s;
}

/* The iovecs covering [off, off + len) of the buffer, into @out. */
static unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			      struct iovec *out)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k++].iov_len = l;
		len -= l;
		off = 0;
	}
	return k;
}

static bool range_ok(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t n = bytes / SECTOR;

	return bytes % SECTOR == 0 && sector <= b->sectors && n <= b->sectors - sector;
}

static uint8_t do_discard(struct blk *b, const struct iovec *iov, unsigned int nout,
			  bool zeroes)
{
	struct blk_discard seg;
	size_t off = sizeof(struct blk_req_hdr), total = iov_size(iov, nout);

	if (b->read_only)
		return BLK_S_IOERR;
	if ((total - off) % sizeof(seg) || total == off)
		return BLK_S_UNSUPP;
	for (; off < total; off += sizeof(seg)) {
		int mode;

		tool_iov_copy(iov, nout, off, &seg, NULL, sizeof(seg));
		if (seg.num_sectors > DISCARD_MAX_SECTORS || (seg.flags & ~1u) ||
		    !range_ok(b, seg.sector, (uint64_t)seg.num_sectors * SECTOR))
			return BLK_S_IOERR;
		/* discard and unmapping zeroes punch a hole; plain zeroes allocate */
		mode = zeroes && !(seg.flags & 1) ? FALLOC_FL_ZERO_RANGE
						   : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
		if (fallocate(b->fd, mode, (off_t)(seg.sector * SECTOR),
			      (off_t)seg.num_sectors * SECTOR) < 0 &&
		    !(errno == EOPNOTSUPP && !zeroes))
			return BLK_S_IOERR;
	}
	return BLK_S_OK;
}

static struct blk_req *req_get(struct blk_queue *q)
{
	struct blk_req *r = q->free;

	if (r) {
		q->free = r->next;
		return r;
	}
	r = malloc(sizeof(*r));
	if (r)
		r->q = q;
	return r;
}

static void req_put(struct blk_queue *q, struct blk_req *r)
{
	r->next = q->free;
	q->free = r;
}

static void reqs_free(struct blk_queue *q)
{
	struct blk_req *r;

	while ((r = q->free)) {
		q->free = r->next;
		free(r);
	}
}

/* @r given back: its status as the last writable byte, @written bytes before. */
static void complete(struct blk_req *r, uint8_t status, uint32_t written)
{
	struct blk_queue *q = r->q;

	tool_iov_copy(r->iov + r->out, r->in, r->in_size - 1, NULL, &status, 1);
	libvhost_vq_push(q->vq, r->id, written + 1);
	q->touched = true;
	q->inflight--;
	req_put(q, r);
}

/* The flushes whose writes before them have all completed go to the disk. */
static void release_flushes(struct blk_queue *q)
{
	struct blk_req *f;

	while ((f = q->flushes) && (!q->whead || q->whead->seq >= f->seq)) {
		q->flushes = f->next;
		if (!q->flushes)
			q->flushes_tail = &q->flushes;
		blk_io_submit(q->io, &f->io);
	}
}

/* Every request @io completed, given back in the order the disk finished them. */
static void reap(struct blk_io *io)
{
	struct blk_io_req *l, *next;

	while ((l = blk_io_reap(io))) {
		for (; l; l = next) {
			struct blk_req *r = (struct blk_req *)l;
			struct blk_queue *q = r->q;
			uint8_t status = l->res ? BLK_S_IOERR : BLK_S_OK;

			next = l->next;
			if (r->op == BLK_IO_WRITE) {
				*(r->wprev ? &r->wprev->wnext : &q->whead) = r->wnext;
				*(r->wnext ? &r->wnext->wprev : &q->wtail) = r->wprev;
			}
			complete(r, status,
				 r->op == BLK_IO_READ && !l->res ? r->in_size - 1 : 0);
			release_flushes(q);
		}
	}
}

/* A read, write or flush for the engine; false: refused (IOERR) at once. */
static bool submit(struct blk_queue *q, struct blk_req *r, const struct blk_req_hdr *h,
		   unsigned int out)
{
	struct blk *b = q->b;
	size_t out_size = iov_size(r->iov, out);

	r->io.op = r->op;
	if (r->op == BLK_IO_FLUSH) {
		r->io.niov = 0;
		r->io.len = 0;
		r->io.off = 0;
		r->seq = q->writes;
		r->next = NULL;
		*q->flushes_tail = r;
		q->flushes_tail = &r->next;
		release_flushes(q);
		return true;
	}
	if (r->op == BLK_IO_READ)
		r->io.niov = iov_slice(r->iov + out, r->in, 0, r->in_size - 1, r->data);
	else
		r->io.niov = iov_slice(r->iov, out, sizeof(*h), out_size - sizeof(*h), r->data);
	r->io.iov = r->data;
	r->io.len = iov_size(r->data, r->io.niov);
	r->io.off = h->sector * SECTOR;
	if ((r->op == BLK_IO_WRITE && b->read_only) || !range_ok(b, h->sector, r->io.len))
		return false;
	if (r->op == BLK_IO_WRITE) {
		r->seq = q->writes++;
		r->wnext = NULL;
		r->wprev = q->wtail;
		*(q->wtail ? &q->wtail->wnext : &q->whead) = r;
		q->wtail = r;
	}
	blk_io_submit(q->io, &r->io);
	return true;
}

/*
 * One request: header in the readable part, status as the last writable
 * byte.  Reads, writes and flushes go to the engine and complete later;
 * the rest here.
 */
static void start(struct blk_queue *q, struct blk_req *r, const struct libvhost_vq_elem *e)
{
	struct blk *b = q->b;
	struct blk_req_hdr h;
	size_t out_size = iov_size(r->iov, e->out);
	uint8_t status = BLK_S_IOERR;
	uint32_t written = 0;

	r->id = e->id;
	r->out = e->out;
	r->in = e->in;
	r->in_size = (uint32_t)iov_size(r->iov + e->out, e->in);
	if (!e->in || r->in_size < 1 || out_size < sizeof(h) ||
	    tool_iov_copy(r->iov, e->out, 0, &h, NULL, sizeof(h)) != sizeof(h)) {
		/* not a request: nothing written */
		libvhost_vq_push(q->vq, r->id, 0);
		q->touched = true;
		q->inflight--;
		req_put(q, r);
		return;
	}
	switch (h.type) {
	case BLK_T_IN:
	case BLK_T_OUT:
	case BLK_T_FLUSH:
		r->op = h.type == BLK_T_IN ? BLK_IO_READ
			: h.type == BLK_T_OUT ? BLK_IO_WRITE : BLK_IO_FLUSH;
		if (submit(q, r, &h, e->out))
			return;
		break;
	case BLK_T_GET_ID:
		written = (uint32_t)tool_iov_copy(r->iov + e->out, e->in, 0, NULL, b->id,
					     r->in_size - 1 < BLK_ID_BYTES ? r->in_size - 1
									  : BLK_ID_BYTES);
		status = BLK_S_OK;
		break;
	case BLK_T_DISCARD:
	case BLK_T_WRITE_ZEROES:
		status = do_discard(b, r->iov, e->out, h.type == BLK_T_WRITE_ZEROES);
		break;
	default:
		status = BLK_S_UNSUPP;
	}
	complete(r, status, written);
}

/* The queue's count, and which thread served it. */
static void count(struct blk_queue *q, unsigned int n)
{
	static __thread pid_t self;

	if (!self)
		self = tool_gettid();
	q->requests += n;
	if (q->tid != self)
		q->tid = q->tid ? -1 : self;
}

/* The driver told of what was given back: @q, and (a shared engine) every queue. */
static void notify(struct blk_queue *q)
{
	struct blk *b = q->b;
	unsigned int i;

	if (q->io == b->io) {
		for (i = 0; i < b->queues; i++) {
			if (b->q[i].touched && &b->q[i] != q) {
				b->q[i].touched = false;
				libvhost_vq_notify(b->q[i].vq);
			}
		}
	}
	q->touched = false;
	libvhost_vq_notify(q->vq);
}

/*
 * Completions given back, then at most @most requests of @vq taken (no more
 * than DEPTH in flight) and submitted; returns how many were taken.
 */
static unsigned int serve(struct blk *b, struct libvhost_vq *vq, unsigned int most)
{
	struct blk_queue *q = &b->q[libvhost_vq_get_index(vq)];
	struct libvhost_vq_elem e;
	struct blk_req *r;
	unsigned int n = 0;
	int rc = 0;

	q->vq = vq;
	reap(q->io);
	q->full = false;
	while (n < most) {
		if (q->inflight >= DEPTH || !(r = req_get(q))) {
			q->full = true;
			break;
		}
		rc = libvhost_vq_pop(vq, r->iov, MAX_IOV, &e);
		if (rc != 1) {
			req_put(q, r);
			break;
		}
		q->inflight++;
		start(q, r, &e);
		n++;
	}
	if (rc == -ENOSPC)
		fprintf(stderr, "vhost-user-blk: queue %u: a request of more than %u parts\n",
			libvhost_vq_get_index(vq), MAX_IOV);
	blk_io_kick(q->io);
	reap(q->io);
	notify(q);
	if (n)
		count(q, n);
	return n;
}

/* A ring being stopped: what it has taken, given back. */
static void drain(struct blk *b, struct libvhost_vq *vq)
{
	struct blk_queue *q = &b->q[libvhost_vq_get_index(vq)];

	serve(b, vq, UINT_MAX);
	while (q->inflight) {
		blk_io_wait(q->io);
		reap(q->io);
		notify(q);
	}
}

/* GET_VRING_BASE, or the front-end gone. */
static void blk_stopped(void *ud, struct libvhost_vq *vq)
{
	drain(ud, vq);
}

/*
 * --threads: each queue on a thread of its own (tool-threads.c), which
 * holds the ring from queue_started until queue_stopped has had it drained
 * there; the main thread only runs the socket.  A ring is served BUDGET
 * requests at a time, so that a stop or SIGTERM is seen while a driver
 * keeps it full; the thread also sleeps on the queue's engine.
 */
static bool thread_serve(void *ud, struct libvhost_vq *vq)
{
	struct blk_queue *q = ud;

	return libvhost_vq_is_enabled(vq) && serve(q->b, vq, BUDGET) == BUDGET;
}

static void thread_drain(void *ud, struct libvhost_vq *vq)
{
	struct blk_queue *q = ud;

	drain(q->b, vq);
}

/* Without --threads: the shared engine completed requests. */
static void serve_completions(void *ud)
{
	struct blk *b = ud;
	unsigned int i;

	reap(b->io);
	for (i = 0; i < b->queues; i++) {
		struct blk_queue *q = &b->q[i];

		if (q->full && q->vq && libvhost_vq_is_enabled(q->vq))
			serve(b, q->vq, UINT_MAX); /* room again */
		else if (q->touched)
			notify(q);
	}
}

/*
 * The engines: one per queue with --threads, else one for all; with no
 * --io, io_uring if this kernel lets us, else the thread pool.
 */
static int io_begin(struct blk *b, bool threads)
{
	unsigned int i, n = threads ? b->queues : 1;
	struct blk_io *io;
	int r;

	for (i = 0; i < n; i++) {
		r = blk_io_new(b->io_kind, &b->file, threads ? DEPTH : SHARED_DEPTH, &io);
		if (r < 0 && b->io_kind == BLK_IO_URING && b->io_default) {
			fprintf(stderr, "vhost-user-blk: I/O: io_uring refused (%s): a thread pool\n",
				strerror(-r));
			b->io_kind = BLK_IO_THREADS;
			r = blk_io_new(b->io_kind, &b->file, threads ? DEPTH : SHARED_DEPTH, &io);
		}
		if (r < 0) {
			fprintf(stderr, "vhost-user-blk: --io=%s: %s%s\n", blk_io_name(b->io_kind),
				b->io_kind == BLK_IO_URING ? "io_uring refused: " : "", strerror(-r));
			return r;
		}
		if (threads)
			b->q[i].io = io;
		else
			b->io = io;
	}
	for (i = 0; i < b->queues; i++) {
		b->q[i].b = b;
		b->q[i].flushes_tail = &b->q[i].flushes;
		if (!threads)
			b->q[i].io = b->io;
	}
	return 0;
}

static void io_end(struct blk *b)
{
	unsigned int i;

	for (i = 0; i < b->queues; i++) {
		if (b->q[i].io != b->io)
			blk_io_free(b->q[i].io);
		b->q[i].io = NULL;
		reqs_free(&b->q[i]);
	}
	blk_io_free(b->io);
	b->io = NULL;
	if (b->file.fd_direct >= 0)
		close(b->file.fd_direct);
}

static int thread_started(void *ud, struct libvhost_vq *vq)
{
	struct blk *b = ud;

	return tool_worker_start(b->worker[libvhost_vq_get_index(vq)], vq);
}

static void thread_stopped(void *ud, struct libvhost_vq *vq)
{
	struct blk *b = ud;

	tool_worker_stop(b->worker[libvhost_vq_get_index(vq)], vq);
}

static void threads_end(void *ud)
{
	struct blk *b = ud;
	unsigned int i;

	for (i = 0; i < b->queues; i++) {
		tool_worker_free(b->worker[i]);
		b->worker[i] = NULL;
	}
}

static int threads_begin(void *ud)
{
	static const struct tool_worker_ops ops = { thread_serve, thread_drain };
	struct blk *b = ud;
	unsigned int i;

	for (i = 0; i < b->queues; i++) {
		b->q[i].b = b;
		if (tool_worker_new("vhost-user-blk", &ops, &b->q[i], &b->worker[i]) < 0) {
			threads_end(b);
			return -1;
		}
		/* and on its engine's completions */
		tool_worker_watch(b->worker[i], blk_io_get_fd(b->q[i].io));
	}
	return 0;
}

/* At the end: requests served per queue, and by which thread. */
static void print_counts(const struct blk *b)
{
	unsigned int i;

	fprintf(stderr, "%s:", b->name);
	for (i = 0; i < b->queues; i++) {
		const struct blk_queue *q = &b->q[i];

		fprintf(stderr, "%s queue %u: %" PRIu64 " requests", i ? "," : "", i, q->requests);
		if (q->tid > 0)
			fprintf(stderr, " (thread %d)", (int)q->tid);
		else if (q->tid < 0)
			fprintf(stderr, " (several threads)");
	}
	fprintf(stderr, "\n");
	fprintf(stderr, "%s: I/O: %s%s, %" PRIu64 " requests bounced\n", b->name,
		blk_io_name(b->io_kind), b->file.fd_direct >= 0 ? ", direct" : "", b->file.bounced);
}

/* Ring @index of the back-end, or of the VDUSE device. */
static struct libvhost_vq *blk_vq(struct blk *b, unsigned int index)
{
	return b->vduse ? libvhost_vduse_get_vq(b->vduse, index)
			: libvhost_backend_get_vq(b->be, index);
}

/* Without --threads: ring @index was kicked. */
static void serve_kicked(void *ud, unsigned int index)
{
	struct blk *b = ud;
	struct libvhost_vq *vq = blk_vq(b, index);

	if (libvhost_vq_is_enabled(vq))
		serve(b, vq, UINT_MAX);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: vhost-user-blk (--socket-path=PATH | --connect=PATH | --fd=N | --vduse=NAME)\n"
		"                      --blk-file=FILE [--read-only] [--queues=N] [--serial=ID]\n"
		"                      [--device=KEY=VALUE,...]... [--threads]\n"
		"                      [--io=sync|uring|threads] [--direct]\n"
		"       vhost-user-blk --device=socket-path=PATH,blk-file=FILE[,read-only=on]\n"
		"                      [,queues=N][,serial=ID] [--device=...]... [--threads]\n"
		"                      [--io=sync|uring|threads] [--direct]\n"
		"       vhost-user-blk --print-capabilities\n"
		"\n"
		"Serves FILE (a raw image, a multiple of 512 bytes) as a virtio-blk device\n"
		"to a vhost-user front-end; each --device is one more (keys: socket-path or\n"
		"connect, blk-file, read-only, queues, serial).  --vduse=NAME serves it to\n"
		"this host's kernel instead, as VDUSE device NAME (add it to the vdpa bus\n"
		"with vhost-ctl vdpa add NAME --mgmtdev vduse).  See vhost-user-blk(1).\n");
}

static void fill_config(struct blk *b)
{
	struct blk_config *c = &b->config;

	memset(c, 0, sizeof(*c));
	c->capacity = htole64(b->sectors);
	c->seg_max = htole32(MAX_SEGS);
	c->blk_size = htole32(SECTOR);
	c->num_queues = htole16((uint16_t)b->queues);
	c->max_discard_sectors = htole32(DISCARD_MAX_SECTORS);
	c->max_discard_seg = htole32(1);
	c->discard_sector_alignment = htole32(1);
	c->max_write_zeroes_sectors = htole32(DISCARD_MAX_SECTORS);
	c->max_write_zeroes_seg = htole32(1);
	c->write_zeroes_may_unmap = 1;
}

/* What applies to every device: --threads, --io, --direct. */
struct blk_run {
	bool threads, direct;
	enum blk_io_kind io_kind;
	bool io_default; /* no --io: uring, else threads */
};

/* A device as the options gave it: --socket-path and the rest (device 0), or a --device. */
struct blk_opts {
	struct tool_attach at;
	const char *vduse; /* --vduse: the VDUSE device's name (device 0 only) */
	const char *file;
	const char *serial; /* NULL: "libvhost-blk", and "libvhost-blk-N" past the first */
	bool read_only;
	unsigned long queues;
};

/* --device's keys, in the order of device_key() */
static const char *const device_keys[] = { "socket-path", "connect",	"blk-file", "read-only",
					   "queues",	  "serial",	NULL };

static int device_key(void *ud, unsigned int key, const char *value)
{
	struct blk_opts *o = ud;

	switch (key) {
	case 0:
		o->at.socket_path = value;
		return 0;
	case 1:
		o->at.connect_path = value;
		return 0;
	case 2:
		o->file = value;
		return 0;
	case 3:
		if (tool_parse_bool(value, &o->read_only) == 0)
			return 0;
		fprintf(stderr, "vhost-user-blk: read-only is on or off\n");
		return -1;
	case 4:
		if (tool_parse_uint(value, MAX_QUEUES, &o->queues) == 0 && o->queues)
			return 0;
		fprintf(stderr, "vhost-user-blk: queues takes 1 to %u\n", MAX_QUEUES);
		return -1;
	default:
		o->serial = value;
		return 0;
	}
}

/*
 * --vduse: the device made in the kernel (VDUSE), with the ops and
 * features of the vhost-user path but the packed ring (not offered: this
 * tool's VDUSE path is tested in a guest kernel on split rings only) and
 * ACCESS_PLATFORM (the library adds it: VDUSE requires it).
 */
static int vduse_open(struct blk *b, const char *name, uint64_t features,
		      struct libvhost_ctx *ctx)
{
	static const struct libvhost_backend_ops ops = {
		.sz = sizeof(ops),
		.get_config = blk_get_config,
		.queue_stopped = blk_stopped,
	};
	LIBVHOST_OPTS(libvhost_vduse_opts, vo, .device_id = 2, .queue_num = b->queues,
		      .queue_size = 256, .config_size = sizeof(b->config), .ops = &ops,
		      .userdata = b);
	int r;

	vo.features = features & ~((1ULL << VIRTIO_F_RING_PACKED) |
				   (1ULL << LIBVHOST_F_ACCESS_PLATFORM));
	r = libvhost_vduse_new(ctx, name, &vo, &b->vduse);
	if (r < 0) {
		fprintf(stderr, "vhost-user-blk: VDUSE device %s: %s%s\n", name, strerror(-r),
			r == -EEXIST ? " (one of that name exists)"
			: r == -EOPNOTSUPP ? " (this kernel has no VDUSE, or not for this device)"
					   : "");
		return -1;
	}
	fprintf(stderr, "vhost-user-blk: VDUSE device %s made: add it to the vdpa bus "
			"(vhost-ctl vdpa add %s --mgmtdev vduse)\n", name, name);
	return 0;
}

/*
 * --vduse: until SIGTERM or SIGINT, the kernel's requests, the rings kicked
 * and the engine's completions, in one ppoll() (the signals let in there
 * alone).  0, or the error that ended it (-EIO: the kernel gave up on us).
 */
static int vduse_run(struct blk *b)
{
	struct pollfd p[2 + MAX_QUEUES];
	sigset_t unblocked;
	unsigned int i;
	uint64_t val;
	int r = 0;

	tool_threads_block_signals(&unblocked);
	while (!tool_quit) {
		p[0] = (struct pollfd){ libvhost_vduse_get_fd(b->vduse), POLLIN, 0 };
		p[1] = (struct pollfd){ blk_io_get_fd(b->io), POLLIN, 0 };
		for (i = 0; i < b->queues; i++)
			p[2 + i] = (struct pollfd){ libvhost_vq_get_kick_fd(blk_vq(b, i)), POLLIN, 0 };
		if (ppoll(p, 2 + b->queues, NULL, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (p[0].revents) {
			r = libvhost_vduse_process(b->vduse);
			if (r < 0)
				break;
			r = 0;
		}
		for (i = 0; i < b->queues; i++) {
			if (p[2 + i].fd < 0 || !(p[2 + i].revents & POLLIN))
				continue;
			(void)!read(p[2 + i].fd, &val, sizeof(val));
			serve_kicked(b, i);
		}
		if (p[1].revents & POLLIN)
			serve_completions(b);
	}
	return r;
}

/* Device @index (its options @o) made: its image open, its back-end on its socket; 0 or -1. */
static int blk_open(struct blk *b, const struct blk_opts *o, unsigned int index,
		    const struct blk_run *run, struct libvhost_ctx *ctx)
{
	static const struct libvhost_backend_ops ops = {
		.sz = sizeof(ops),
		.get_config = blk_get_config,
		.queue_stopped = blk_stopped,
	};
	static const struct libvhost_backend_ops ops_threads = {
		.sz = sizeof(ops_threads),
		.get_config = blk_get_config,
		.queue_started = thread_started,
		.queue_stopped = thread_stopped,
	};
	LIBVHOST_OPTS(libvhost_backend_opts, bo, .queue_num = o->queues,
		      .ops = run->threads ? &ops_threads : &ops, .userdata = b,
		      .flags = run->threads ? LIBVHOST_BACKEND_F_THREADED : 0);
	const char *serial = o->serial;
	char gen[32];
	struct stat st;
	size_t len;
	int r;

	tool_device_name(b->name, sizeof(b->name), "vhost-user-blk", index);
	b->read_only = o->read_only;
	b->fd = open(o->file, (b->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		fprintf(stderr, "vhost-user-blk: %s: %s\n", o->file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size % SECTOR) {
		fprintf(stderr, "vhost-user-blk: %s: not a regular file of whole 512-byte sectors\n",
			o->file);
		return -1;
	}
	b->sectors = (uint64_t)st.st_size / SECTOR;
	b->queues = (unsigned int)o->queues;
	if (!serial && index)
		snprintf(gen, sizeof(gen), "libvhost-blk-%u", index);
	if (!serial)
		serial = index ? gen : "libvhost-blk";
	len = strlen(serial);
	memcpy(b->id, serial, len < sizeof(b->id) ? len : sizeof(b->id)); /* b->id was zeroed */
	fill_config(b);
	b->file = (struct blk_io_file){ .fd = b->fd, .fd_direct = -1 };
	if (run->direct && blk_io_open_direct(&b->file, o->file) < 0)
		return -1;
	b->io_kind = run->io_kind;
	b->io_default = run->io_default;
	if (io_begin(b, run->threads) < 0)
		return -1;
	bo.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		      (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_RING_PACKED) |
		      (1ULL << BLK_F_SEG_MAX) | (1ULL << LIBVHOST_F_ACCESS_PLATFORM) |
		      (1ULL << BLK_F_BLK_SIZE) | (1ULL << BLK_F_FLUSH) | (1ULL << BLK_F_DISCARD) |
		      (1ULL << BLK_F_WRITE_ZEROES) | (o->queues > 1 ? 1ULL << BLK_F_MQ : 0) |
		      (b->read_only ? 1ULL << BLK_F_RO : 0);
	if (o->vduse)
		return vduse_open(b, o->vduse, bo.features, ctx);
	r = libvhost_backend_new(ctx, &bo, &b->be);
	if (r < 0) {
		tool_fail("vhost-user-blk", "the back-end", r, 0);
		return -1;
	}
	return tool_attach(b->name, b->be, &o->at) < 0 ? -1 : 0;
}

/* A device's options are complete: 0, or -1 having said what is missing. */
static int device_check(const void *opts)
{
	const struct blk_opts *o = opts;

	if (o->file && tool_attach_count(&o->at) + (o->vduse != NULL) == 1)
		return 0;
	fprintf(stderr, "vhost-user-blk: a device needs an image (blk-file) and one socket "
			"(socket-path, connect or fd) or --vduse\n");
	return -1;
}

/*
 * The options into o[] (device 0 from --socket-path and the rest, then one
 * per --device); *threads for --threads.  Returns the number of devices,
 * 0 when the program is done (--help, --print-capabilities), -2 for a
 * usage error.
 */
static int parse_options(int argc, char **argv, struct blk_opts *o, struct blk_run *run)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "connect", required_argument, NULL, 'C' },
		{ "fd", required_argument, NULL, 'f' },
		{ "blk-file", required_argument, NULL, 'b' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "queues", required_argument, NULL, 'q' },
		{ "serial", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "threads", no_argument, NULL, 't' },
		{ "io", required_argument, NULL, 'I' },
		{ "direct", no_argument, NULL, 'D' },
		{ "vduse", required_argument, NULL, 'U' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static const struct blk_opts defaults = { .at.fd = -1, .queues = 1 };
	struct tool_devices devs = { "vhost-user-blk", device_keys, device_key, device_check,
				     o, sizeof(*o), &defaults, 1, false };
	unsigned long fd;
	int c, n;

	o[0] = defaults;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		devs.single |= strchr("sCfbrqiU", c) != NULL;
		switch (c) {
		case 's':
			o[0].at.socket_path = optarg;
			break;
		case 'C':
			o[0].at.connect_path = optarg;
			break;
		case 'f':
			if (tool_parse_uint(optarg, INT_MAX, &fd) < 0) {
				fprintf(stderr, "vhost-user-blk: bad --fd '%s'\n", optarg);
				return -2;
			}
			o[0].at.fd = (int)fd;
			break;
		case 'b':
			o[0].file = optarg;
			break;
		case 'r':
			o[0].read_only = true;
			break;
		case 'q':
			if (tool_parse_uint(optarg, MAX_QUEUES, &o[0].queues) < 0 || !o[0].queues) {
				fprintf(stderr, "vhost-user-blk: --queues takes 1 to %u\n", MAX_QUEUES);
				return -2;
			}
			break;
		case 'i':
			o[0].serial = optarg;
			break;
		case 'd':
			if (tool_devices_add(&devs, optarg) < 0)
				return -2;
			break;
		case 't':
			run->threads = true;
			break;
		case 'I':
			if (blk_io_parse(optarg, &run->io_kind) < 0) {
				fprintf(stderr, "vhost-user-blk: --io takes sync, uring or threads\n");
				return -2;
			}
			run->io_default = false;
			break;
		case 'D':
			run->direct = true;
			break;
		case 'U':
			o[0].vduse = optarg;
			break;
		case 'c':
			/*
			 * The spec's capability report: VHostUserBackendType "block",
			 * VHostUserBackendBlockFeature's two (QEMU's vhost-user.json)
			 */
			printf("{\n  \"type\": \"block\",\n  \"features\": [\n"
			       "    \"blk-file\",\n    \"read-only\"\n  ]\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -2;
		}
	}
	n = optind < argc ? -1 : tool_devices_end(&devs);
	if (n > 0 && o[0].vduse && (n > 1 || run->threads)) {
		fprintf(stderr, "vhost-user-blk: --vduse serves one device, without --threads\n");
		n = -1;
	}
	if (n < 0)
		usage(stderr);
	return n < 0 ? -2 : n;
}

/*
 * --vduse at the end: the rings stopped (what they hold given back) and the
 * device destroyed in the kernel; -1 when it could not be (still on the
 * vdpa bus: the driver was not told to let go).
 */
static int vduse_end(struct blk *b, const char *name)
{
	char path[300];

	libvhost_vduse_unref(b->vduse); /* the library logs why the kernel refused */
	b->vduse = NULL;
	snprintf(path, sizeof(path), "/dev/vduse/%s", name);
	if (access(path, F_OK) < 0)
		return 0;
	fprintf(stderr, "vhost-user-blk: VDUSE device %s left in the kernel (delete it from the "
			"vdpa bus before stopping this tool: vhost-ctl vdpa del %s)\n", name, name);
	return -1;
}

int main(int argc, char **argv)
{
	static struct blk_opts o[TOOL_MAX_DEVICES + 1];
	static struct blk *dev[TOOL_MAX_DEVICES];
	static struct tool_serve loop[TOOL_MAX_DEVICES];
	const struct tool_serve *loops[TOOL_MAX_DEVICES];
	struct blk_run run = { .io_kind = BLK_IO_URING, .io_default = true };
	struct libvhost_ctx *ctx = NULL;
	bool served = false;
	int i, n, made = 0, r = 0;

	n = parse_options(argc, argv, o, &run);
	if (n <= 0)
		return n < 0 ? 2 : 0;
	r = tool_ctx_new(&ctx);
	if (r < 0) {
		tool_fail("vhost-user-blk", "the context", r, 0);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (posix_memalign((void **)&dev[i], 64, sizeof(struct blk)) != 0) {
			fprintf(stderr, "vhost-user-blk: out of memory\n");
			goto fail;
		}
		memset(dev[i], 0, sizeof(struct blk));
		dev[i]->fd = -1;
		dev[i]->file.fd_direct = -1;
		made++;
		if (blk_open(dev[i], &o[i], (unsigned int)i, &run, ctx) < 0)
			goto fail;
		loop[i] = (struct tool_serve){
			.tool = dev[i]->name, .be = dev[i]->be,
			.client = o[i].at.connect_path != NULL, .userdata = dev[i],
			.rings = dev[i]->queues, .serve_ring = serve_kicked, .extra_fd = -1,
			.workers = dev[i]->worker, .nworkers = dev[i]->queues,
		};
		/* without --threads, the loop serves the engine's completions too */
		if (!run.threads) {
			loop[i].extra_fd = blk_io_get_fd(dev[i]->io);
			loop[i].serve_extra = serve_completions;
		}
		loops[i] = &loop[i];
	}
	/* set up: nothing below needs a privilege (a VDUSE device's destruction opens the
	 * control device root owns) */
	if (tool_drop_capabilities("vhost-user-blk") < 0)
		goto fail;
	tool_catch_signals();
	if (dev[0]->vduse)
		r = vduse_run(dev[0]);
	else
		r = tool_run(loops, (unsigned int)n, run.threads, threads_begin, threads_end);
	served = true;
	for (i = 0; i < n; i++) {
		print_counts(dev[i]);
		if (dev[i]->be)
			tool_print_backend_stats(dev[i]->name, dev[i]->be);
	}
	if (r < 0)
		fprintf(stderr, "vhost-user-blk: %s\n", strerror(-r));
fail:
	for (i = 0; i < made; i++) {
		if (dev[i]->vduse && vduse_end(dev[i], o[i].vduse) < 0)
			served = false;
		io_end(dev[i]);
		libvhost_backend_unref(dev[i]->be);
		if (dev[i]->fd >= 0)
			close(dev[i]->fd);
		free(dev[i]);
	}
	libvhost_ctx_unref(ctx);
	return served && r == 0 ? 0 : 1;
}
