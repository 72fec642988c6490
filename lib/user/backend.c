/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vhost-user back-end: one front-end at a time, each request checked by
 * the table and decoded by its family codec before anything acts on it.
 * Guest memory is the memory table's: lib/mem maps the front-end's fds,
 * checks and owns the regions, and translates ring addresses (the
 * front-end's user addresses) as well as buffers' guest addresses; rings
 * run on lib/ring/vq-*.c.  A front-end that breaks the protocol is
 * dropped, and the back-end waits for the next one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mem/mem.h"
#include "proto/msg-backend.h"
#include "proto/msg-config.h"
#include "proto/msg-features.h"
#include "proto/msg-inflight.h"
#include "proto/msg-log.h"
#include "proto/msg-mem.h"
#include "proto/msg-state.h"
#include "proto/msg-vring.h"
#include "user/backend.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Every ring's lock (LIBVHOST_BACKEND_F_THREADED), in index order. */
static void vqs_lock(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; be->threaded && i < be->queue_num; i++)
		pthread_mutex_lock(&be->vqs[i].lock);
}

static void vqs_unlock(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; be->threaded && i < be->queue_num; i++)
		pthread_mutex_unlock(&be->vqs[i].lock);
}

/* ---- memory ---- */

/*
 * A ring's part [addr, +len) in one piece: a user address, or an IOVA with
 * the device IOTLB.  NULL with *r -EAGAIN (a miss was reported) or -EPROTO.
 */
static void *ring_part(struct libvhost_backend *be, uint64_t addr, uint64_t len, bool write,
		       uint64_t *gpa, int *r)
{
	uint64_t contig = 0;
	void *p;

	if (lvh_be_iotlb_on(be)) {
		p = lvh_be_iotlb_map(be, addr, len, write, &contig, gpa);
	} else if (be->proto & (LVH_BIT(LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES) |
				LVH_BIT(LIBVHOST_USER_PROTOCOL_F_XEN_MMAP))) {
		/* the spec: with either, ring addresses are guest physical */
		p = lvh_mem_translate(be->mem, addr, len, &contig);
		*gpa = addr;
	} else {
		p = lvh_mem_qva_map(be->mem, addr, &contig, gpa);
	}

	if (p && contig >= len)
		return p;
	if (lvh_be_iotlb_on(be) && lvh_be_iotlb_miss(be, addr, write)) {
		*r = -EAGAIN;
		return NULL;
	}
	*r = -EPROTO;
	return NULL;
}

/*
 * Where a ring's three parts are in our mapping, and the guest address of
 * the part the device writes (for the dirty log).  Errors: -EAGAIN, -EPROTO.
 */
static int ring_addrs(struct libvhost_backend *be, struct libvhost_vq *vq, void **desc,
		      void **avail, void **used, uint64_t *log_at, uint64_t *event_at)
{
	bool packed = be->acked & LVH_BIT(F_RING_PACKED);
	uint64_t n = vq->num, gpa;
	int r = 0;

	/* packed: the device writes the descriptor ring; split: the used ring */
	*desc = ring_part(be, vq->desc, 16 * n, packed, &gpa, &r);
	if (packed)
		*log_at = gpa;
	*avail = *desc ? ring_part(be, vq->avail, packed ? 4 : 6 + 2 * n, false, &gpa, &r) : NULL;
	*used = *avail ? ring_part(be, vq->used, packed ? 4 : 6 + 8 * n, true, &gpa, &r) : NULL;
	if (!packed)
		*log_at = gpa;
	*event_at = gpa; /* packed: the device area; split: in the used ring */
	if (*used)
		return 0;
	if (r == -EPROTO)
		lvh_err(be->ctx, "vhost-user back-end: ring %u: addresses outside guest memory",
			vq->index);
	return r;
}

static void log_unmap(struct libvhost_backend *be)
{
	if (be->log_map)
		munmap(be->log_map, be->log_map_len);
	be->log_map = NULL;
	be->log.bitmap = NULL;
	be->log.size = 0;
	be->log.on = false;
}

static void inflight_unmap(struct libvhost_backend *be)
{
	if (be->ifl_map)
		munmap(be->ifl_map, be->ifl_len);
	be->ifl_map = NULL;
	be->ifl_area = NULL;
}

static void log_update(struct libvhost_backend *be)
{
	be->log.on = be->log.bitmap && (be->acked & LVH_BIT(LIBVHOST_F_LOG_ALL));
}

/* Regions have the Xen layout (and are Xen memory) once XEN_MMAP is negotiated. */
static bool be_xen(const struct libvhost_backend *be)
{
	return be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_XEN_MMAP);
}

/*
 * Maps one region into be->mem: from its fd (the fd stays the caller's), or
 * from Xen.  lib/mem checks and owns it; what it refuses, the front-end
 * should not have sent.
 */
static int region_map(struct libvhost_backend *be, const struct lvh_mem_region *in, int fd)
{
	void *hva;
	int r;

#if LIBVHOST_HAS_XEN
	if (be_xen(be))
		return lvh_be_xen_region_map(be, in);
#endif
	r = lvh_mem_map_fd(be->mem, in->guest_addr, in->size, in->user_addr, fd, in->mmap_offset,
			   &hva);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: region at guest %#llx refused: %s",
			(unsigned long long)in->guest_addr, strerror(-r));
		return r == -EEXIST || r == -EINVAL ? -EPROTO : r;
	}
	return 0;
}

/* ---- rings ---- */

static void vq_stop(struct libvhost_vq *vq)
{
	/* what the device pushed and did not publish reaches the driver (no call) */
	if (vq->running && !vq->paused && !vq->ring.broken)
		lvh_vq_flush(&vq->ring);
	if (vq->running)
		lvh_vq_fini(&vq->ring);
	vq->running = false;
	vq->started = false;
	vq->paused = false;
	close_fd(&vq->kick_fd);
}

static void vq_reset(struct libvhost_vq *vq)
{
	vq_stop(vq);
	close_fd(&vq->call_fd);
	close_fd(&vq->err_fd);
	vq->num = vq->base = 0;
	vq->desc = vq->avail = vq->used = 0;
	vq->enabled = false;
}

/*
 * Lays the ring out in guest memory; the front-end's addresses must all map.
 * -EAGAIN: an IOTLB miss was reported; the ring starts when the update comes.
 */
int lvh_be_vq_start(struct libvhost_backend *be, struct libvhost_vq *vq)
{
	bool packed = be->acked & LVH_BIT(F_RING_PACKED);
	bool event_idx = be->acked & LVH_BIT(F_EVENT_IDX);
	void *desc, *avail, *used;
	uint64_t log_at = 0, event_at = 0;
	int r;

	if (!vq->num) {
		lvh_err(be->ctx, "vhost-user back-end: ring %u kicked before SET_VRING_NUM", vq->index);
		return -EPROTO;
	}
	r = ring_addrs(be, vq, &desc, &avail, &used, &log_at, &event_at);
	if (r < 0)
		return r;
	r = packed ? lvh_vq_packed_init(&vq->ring, be->ctx, be->mem, vq->index, vq->num, desc,
					avail, used, event_idx, vq->base)
		   : lvh_vq_split_init(&vq->ring, be->ctx, be->mem, vq->index, vq->num, desc,
				       avail, used, event_idx, (uint16_t)vq->base);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: ring %u: size %u or alignment refused",
			vq->index, vq->num);
		return r == -EINVAL ? -EPROTO : r;
	}
	vq->running = true;
	if (lvh_be_iotlb_on(be))
		vq->ring.xl = &be->xl;
	if (be->ifl_area && (be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))) {
		if (vq->index >= be->ifl_queues || vq->num > be->ifl_qsize) {
			lvh_notice(be->ctx, "vhost-user back-end: ring %u (size %u) is outside the "
					    "inflight area (%u rings of %u): not tracked",
				   vq->index, vq->num, be->ifl_queues, be->ifl_qsize);
		} else {
			r = lvh_vq_inflight_attach(&vq->ring,
						   be->ifl_area + vq->index *
						   lvh_inflight_queue_region_size(be->ifl_qsize, true));
			if (r < 0) {
				vq_stop(vq);
				return -ENOMEM;
			}
			be->stats.inflight_resubmitted += (unsigned int)r;
		}
	}
	/* the writes a device makes to the ring itself are logged too */
	if (lvh_vq_set_log(&vq->ring, &be->log, log_at, event_at) < 0) {
		vq_stop(vq);
		return -ENOMEM;
	}
	/*
	 * What the ring's memory says about kicks is from before (another
	 * back-end, another base, the inflight resume): an old avail_event
	 * could keep the driver from ever kicking this one.
	 */
	lvh_vq_set_notify(&vq->ring, !vq->kicks_off);
	return 0;
}

/*
 * After the memory table or the IOTLB changed: the running rings' addresses
 * again (their indexes stay).  A ring whose memory went away is broken; one
 * whose IOTLB entries went away waits for them (paused).  Rings started but
 * waiting for their first IOTLB entries start now if they can.
 */
/*
 * A running ring's addresses again (its indexes stay).  -EAGAIN: paused
 * until the IOTLB entries come; -EPROTO: they are outside guest memory,
 * and the ring reads what it read before.
 */
static int vq_remap(struct libvhost_backend *be, struct libvhost_vq *vq)
{
	void *desc, *avail, *used;
	uint64_t log_at, event_at;
	int r = ring_addrs(be, vq, &desc, &avail, &used, &log_at, &event_at);

	vq->paused = r == -EAGAIN;
	if (r < 0)
		return r;
	vq->ring.desc = desc;
	vq->ring.avail = avail;
	vq->ring.used = used;
	vq->ring.used_gpa = log_at;
	vq->ring.event_gpa = event_at;
	return 0;
}

void lvh_be_vqs_remap(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; i < be->queue_num; i++) {
		struct libvhost_vq *vq = &be->vqs[i];
		int r;

		if (vq->started && !vq->running) {
			r = lvh_be_vq_start(be, vq);
			if (r == 0)
				lvh_be_vq_wake(vq);
			else if (r != -EAGAIN)
				lvh_err(be->ctx, "vhost-user back-end: ring %u cannot start: %s", i,
					strerror(-r));
			continue;
		}
		if (vq->running && vq_remap(be, vq) == -EPROTO)
			lvh_vq_break(&vq->ring, "the ring's memory was removed", i);
	}
}

/* Has the device look at the ring again (buffers it could not take before). */
void lvh_be_vq_wake(struct libvhost_vq *vq)
{
	uint64_t one = 1;

	if (vq->kick_fd >= 0 && write(vq->kick_fd, &one, sizeof(one)) < 0)
		lvh_dbg(vq->be->ctx, "ring %u: self-kick: %s", vq->index, strerror(errno));
}

static uint32_t vq_base(const struct libvhost_vq *vq)
{
	const struct lvh_vq *q = &vq->ring;

	if (!vq->running)
		return vq->base;
	if (q->ops == NULL || !(vq->be->acked & LVH_BIT(F_RING_PACKED)))
		return q->last_avail;
	return q->last_avail | (uint32_t)q->avail_wrap << 15 | (uint32_t)q->used_idx << 16 |
	       (uint32_t)q->used_wrap << 31;
}

/* ---- the connection ---- */

/*
 * The device back to its initial state: rings, status, acked features.
 * What belongs to the connection stays: protocol features, the back-end
 * channel, and the memory table, log and inflight area, which front-ends
 * keep shadows of and do not send again after RESET_DEVICE or RESET_OWNER
 * (QEMU sends only the differences from its shadow table).
 */
/* The rings stopped and the negotiated state dropped, without telling the device. */
static void device_quiesce(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; i < be->queue_num; i++) {
		if (be->vqs[i].started && be->ops.queue_stopped)
			be->ops.queue_stopped(be->userdata, &be->vqs[i]);
		if (be->threaded)
			pthread_mutex_lock(&be->vqs[i].lock);
		vq_reset(&be->vqs[i]);
		if (be->threaded)
			pthread_mutex_unlock(&be->vqs[i].lock);
	}
	close_fd(&be->state_fd);
	be->acked = 0;
	be->acked_features_set = false;
	be->status = 0;
}

static void device_reset(struct libvhost_backend *be)
{
	device_quiesce(be);
	if (be->ops.reset)
		be->ops.reset(be->userdata);
}

/* The front-end went: the device reset, and the connection's state dropped too. */
static void session_end(struct libvhost_backend *be)
{
	device_quiesce(be);
	lvh_mem_clear(be->mem);
	log_unmap(be);
	inflight_unmap(be);
	lvh_be_iotlb_clear(be);
	close_fd(&be->log_fd);
	lvh_be_chan_close(be);
#if LIBVHOST_HAS_POSTCOPY
	lvh_be_postcopy_close(be);
#endif
#if LIBVHOST_HAS_XEN
	lvh_be_xen_close(be); /* after lvh_mem_clear(): every mapping is gone */
#endif
	be->proto = 0;
	/* last, so that the device sees a session whose resources are all released */
	if (be->ops.reset)
		be->ops.reset(be->userdata);
}

static void drop_frontend(struct libvhost_backend *be, int err)
{
	if (err == -ECONNRESET)
		lvh_info(be->ctx, "vhost-user back-end: the front-end disconnected");
	else
		lvh_err(be->ctx, "vhost-user back-end: dropping the front-end: %s", strerror(-err));
	close_fd(&be->sock);
	session_end(be);
}

LIBVHOST_EXPORT int libvhost_backend_new(struct libvhost_ctx *ctx,
					 const struct libvhost_backend_opts *opts,
					 struct libvhost_backend **ret)
{
	const struct libvhost_backend_ops *ops = LVH_OPTS_GET(opts, ops, NULL);
	uint64_t queues = LVH_OPTS_GET(opts, queue_num, 0);
	int64_t timeout = LVH_OPTS_GET(opts, timeout_ms, 0);
	struct libvhost_backend *be;
	uint64_t proto;
	unsigned int i;

	if (!ctx || !ret || LVH_OPTS_VALID(ctx, opts, libvhost_backend_opts) < 0)
		return -EINVAL;
	if (ops && lvh_opts_check(ctx, ops, sizeof(size_t), sizeof(*ops), "libvhost_backend_ops") < 0)
		return -EINVAL;
	if (queues > LIBVHOST_USER_MAX_VRINGS || timeout < 0 || timeout > INT32_MAX) {
		lvh_err(ctx, "vhost-user back-end: queue_num or timeout_ms out of range");
		return -EINVAL;
	}
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->queue_num = queues ? (unsigned int)queues : 1;
	be->vqs = calloc(be->queue_num, sizeof(*be->vqs));
	if (!be->vqs || libvhost_mem_new(ctx, &be->mem) < 0) {
		free(be->vqs);
		free(be);
		return -ENOMEM;
	}
#if LIBVHOST_HAS_XEN
	be->ctx = ctx;
	if (lvh_be_xen_init(be) < 0) {
		libvhost_mem_unref(be->mem);
		free(be->vqs);
		free(be);
		return -ENOMEM;
	}
#endif
	for (i = 0; i < be->queue_num; i++) {
		be->vqs[i].be = be;
		be->vqs[i].index = i;
		pthread_mutex_init(&be->vqs[i].lock, NULL);
		be->vqs[i].kick_fd = be->vqs[i].call_fd = be->vqs[i].err_fd = -1;
	}
	be->refcount = 1;
	pthread_mutex_init(&be->chan_lock, NULL);
	lvh_be_iotlb_init(be);
	be->ctx = libvhost_ctx_ref(ctx);
	if (ops)
		memcpy(&be->ops, ops, ops->sz < sizeof(be->ops) ? ops->sz : sizeof(be->ops));
	be->userdata = LVH_OPTS_GET(opts, userdata, NULL);
	be->threaded = LVH_OPTS_GET(opts, flags, 0) & LIBVHOST_BACKEND_F_THREADED;
	be->features = LVH_OPTS_GET(opts, features, 0) | LVH_BIT(F_PROTOCOL_FEATURES);
	proto = BE_PROTO_IMPLEMENTED | lvh_be_devreq_features(&be->ops);
	be->proto_offered = LVH_OPTS_GET(opts, protocol_features, 0);
	if (!be->proto_offered)
		be->proto_offered = proto & ~BE_PROTO_OPT_IN;
	be->proto_offered &= proto;
	/* features the device's ops would have to answer */
	if (!be->ops.get_config)
		be->proto_offered &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_CONFIG);
	if (!be->ops.save_state || !be->ops.load_state)
		be->proto_offered &= ~LVH_BIT(LIBVHOST_USER_PROTOCOL_F_DEVICE_STATE);
	be->timeout_ms = timeout ? (int)timeout : BE_DEFAULT_TIMEOUT_MS;
	be->listen_fd = be->sock = be->chan = be->log_fd = be->state_fd = -1;
#if LIBVHOST_HAS_POSTCOPY
	be->pc_ufd = -1;
#endif
	be->features |= LVH_BIT(LIBVHOST_F_LOG_ALL);
	*ret = be;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_backend *libvhost_backend_ref(struct libvhost_backend *be)
{
	if (be)
		be->refcount++;
	return be;
}

LIBVHOST_EXPORT struct libvhost_backend *libvhost_backend_unref(struct libvhost_backend *be)
{
	unsigned int i;

	if (!be || --be->refcount > 0)
		return NULL;
	close_fd(&be->sock);
	for (i = 0; i < be->queue_num; i++)
		vq_reset(&be->vqs[i]);
	lvh_mem_clear(be->mem);
	log_unmap(be);
	inflight_unmap(be);
	lvh_be_iotlb_clear(be);
	free(be->iotlb);
	close_fd(&be->log_fd);
	close_fd(&be->state_fd);
	lvh_be_chan_close(be);
#if LIBVHOST_HAS_POSTCOPY
	lvh_be_postcopy_close(be);
#endif
#if LIBVHOST_HAS_XEN
	lvh_be_xen_fini(be); /* after lvh_mem_clear(): every mapping is gone */
#endif
	if (be->listen_fd >= 0) {
		close(be->listen_fd);
		unlink(be->path);
	}
	free(be->path);
	pthread_mutex_destroy(&be->chan_lock);
	for (i = 0; i < be->queue_num; i++)
		pthread_mutex_destroy(&be->vqs[i].lock);
	libvhost_mem_unref(be->mem);
	free(be->vqs);
	libvhost_ctx_unref(be->ctx);
	free(be);
	return NULL;
}

LIBVHOST_EXPORT int libvhost_backend_listen(struct libvhost_backend *be, const char *path)
{
	int fd;

	if (!be || !path)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	be->path = strdup(path);
	if (!be->path)
		return -ENOMEM;
	fd = lvh_wire_listen(be->ctx, path, SOCK_NONBLOCK);
	if (fd < 0) {
		free(be->path);
		be->path = NULL;
		return fd;
	}
	be->listen_fd = fd;
	return 0;
}

static int dial(struct libvhost_backend *be)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, be->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	be->sock = fd;
	be->stats.sessions++;
	lvh_info(be->ctx, "vhost-user back-end: connected to %s", be->path);
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_connect(struct libvhost_backend *be, const char *path)
{
	int r;

	if (!be || !path)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	be->path = strdup(path);
	if (!be->path)
		return -ENOMEM;
	r = dial(be);
	if (r < 0) {
		lvh_err(be->ctx, "vhost-user back-end: connect to %s: %s", path, strerror(-r));
		free(be->path);
		be->path = NULL;
		return r;
	}
	be->client = true;
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_adopt_fd(struct libvhost_backend *be, int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (!be || fd < 0)
		return -EINVAL;
	if (be->listen_fd >= 0 || be->sock >= 0 || be->client)
		return -EBUSY;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		lvh_err(be->ctx, "vhost-user back-end: fd %d is not a stream socket", fd);
		return -EINVAL;
	}
	be->sock = fd;
	be->stats.sessions++;
	return 0;
}

LIBVHOST_EXPORT int libvhost_backend_get_fd(const struct libvhost_backend *be)
{
	if (!be)
		return -EINVAL;
	return be->sock >= 0 ? be->sock : be->listen_fd;
}

LIBVHOST_EXPORT struct libvhost_vq *libvhost_backend_get_vq(struct libvhost_backend *be,
							    unsigned int index)
{
	return be && index < be->queue_num ? &be->vqs[index] : NULL;
}

LIBVHOST_EXPORT int libvhost_backend_get_stats(const struct libvhost_backend *be,
					       struct libvhost_backend_stats *stats)
{
	struct libvhost_backend_stats s;
	size_t sz;

	if (!be || !stats || stats->sz < lvh_offsetofend(struct libvhost_backend_stats, sessions))
		return -EINVAL;
	s = be->stats;
	/* the counts device threads move */
	s.log_pages = __atomic_load_n(&be->log.pages, __ATOMIC_RELAXED);
	s.iotlb_misses = __atomic_load_n(&be->stats.iotlb_misses, __ATOMIC_RELAXED);
	sz = stats->sz < sizeof(s) ? stats->sz : sizeof(s);
	memcpy((char *)stats + sizeof(size_t), (const char *)&s + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

LIBVHOST_EXPORT uint64_t libvhost_backend_get_acked_features(const struct libvhost_backend *be)
{
	return be ? be->acked : 0;
}

/* ---- requests ---- */

static int send_reply(struct libvhost_backend *be, struct lvh_msg *rep)
{
	return lvh_wire_send(be->ctx, be->sock, rep, be->timeout_ms);
}

static int reply_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v)
{
	struct lvh_msg rep;

	lvh_msg_init_reply(&rep, m);
	lvh_msg_set_u64(&rep, v);
	return send_reply(be, &rep);
}

static struct libvhost_vq *vq_of(struct libvhost_backend *be, uint32_t index)
{
	if (index >= be->queue_num) {
		lvh_err(be->ctx, "vhost-user back-end: ring %u past the %u rings", index,
			be->queue_num);
		return NULL;
	}
	return &be->vqs[index];
}

static int set_features(struct libvhost_backend *be, const struct lvh_msg *m)
{
	uint64_t f;
	unsigned int i;
	int r = lvh_msg_get_u64(be->ctx, m, &f);

	if (r < 0)
		return r;
	lvh_dbg(be->ctx, "vhost-user back-end: features %#llx%s", (unsigned long long)f,
		f & LVH_BIT(LIBVHOST_F_LOG_ALL) ? " (LOG_ALL: logging every write)" : "");
	if (f & ~be->features) {
		lvh_err(be->ctx, "vhost-user back-end: SET_FEATURES %#llx: not offered",
			(unsigned long long)(f & ~be->features));
		return -EPROTO;
	}
	if (be->ops.set_features) {
		r = be->ops.set_features(be->userdata, f);
		if (r < 0)
			return r;
	}
	be->acked = f;
	be->acked_features_set = true;
	vqs_lock(be); /* LOG_ALL may switch while rings run */
	log_update(be);
	vqs_unlock(be);
	/* without protocol features, SET_FEATURES enables every ring (spec) */
	if (!(f & LVH_BIT(F_PROTOCOL_FEATURES)))
		for (i = 0; i < be->queue_num; i++)
			be->vqs[i].enabled = true;
	return 0;
}

/* The front-end's table, decoded once, replaces ours in lib/mem. */
static int set_mem_table(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_table t;
	unsigned int i;
	int r;

	r = lvh_msg_decode_mem_table(be->ctx, m, be_xen(be), true, &t);
	if (r < 0)
		return r;
	lvh_mem_clear(be->mem);
	for (i = 0; i < t.nregions; i++) {
		r = region_map(be, &t.regions[i], m->fds[i]);
		if (r < 0)
			break;
		be->stats.mem_regions_added++;
	}
#if LIBVHOST_HAS_POSTCOPY
	if (lvh_be_postcopy_listening(be)) {
		r = lvh_be_postcopy_mem(be, m, t.regions, t.nregions, r);
		if (r < 0)
			return r;
	}
#endif
	lvh_be_vqs_remap(be);
	return r;
}

static int add_mem_reg(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_region reg;
	int r = lvh_msg_decode_mem_region(be->ctx, m, be_xen(be), &reg);

	if (r < 0)
		return r;
	/* the same region again (another vhost device of QEMU's): counted */
	r = lvh_mem_region_ref(be->mem, reg.guest_addr, reg.size, reg.user_addr);
	if (r == -EOVERFLOW) {
		lvh_err(be->ctx, "vhost-user back-end: ADD_MEM_REG of guest %#llx %u times",
			(unsigned long long)reg.guest_addr, LVH_MEM_MAX_REFS);
		return -EPROTO;
	}
	if (r > 0) {
#if LIBVHOST_HAS_POSTCOPY
		if (lvh_be_postcopy_listening(be))
			return lvh_be_postcopy_mem(be, m, &reg, 1, 0);
#endif
		return 0;
	}
	if ((unsigned int)libvhost_mem_get_nregions(be->mem) >= BE_MAX_SLOTS) {
		lvh_err(be->ctx, "vhost-user back-end: ADD_MEM_REG past %u slots", BE_MAX_SLOTS);
		return -EPROTO;
	}
	r = region_map(be, &reg, m->fds[0]);
	if (r == 0)
		be->stats.mem_regions_added++;
#if LIBVHOST_HAS_POSTCOPY
	if (lvh_be_postcopy_listening(be))
		r = lvh_be_postcopy_mem(be, m, &reg, 1, r);
#endif
	if (r < 0)
		return r;
	lvh_be_vqs_remap(be);
	return r;
}

static int rem_mem_reg(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_mem_region reg;
	int r = lvh_msg_decode_mem_region(be->ctx, m, be_xen(be), &reg);

	if (r < 0)
		return r;
	/* identified by guest address, user address and size; the offset is ignored */
	r = lvh_mem_region_unref(be->mem, reg.guest_addr, reg.size, reg.user_addr);
	if (r == -ENOENT) {
		lvh_err(be->ctx, "vhost-user back-end: REM_MEM_REG of a region not there "
				 "(guest %#llx)",
			(unsigned long long)reg.guest_addr);
		return -ENOENT;
	}
	if (r > 0)
		return 0; /* another device of the front-end's still has it */
	be->stats.mem_regions_removed++;
	lvh_be_vqs_remap(be);
	return 0;
}

static int vring_state(struct libvhost_backend *be, const struct lvh_msg *m,
		       struct libvhost_vq **vq, uint32_t *num)
{
	struct lvh_vring_state s;
	int r = lvh_msg_decode_vring_state(be->ctx, m, &s);

	if (r < 0)
		return r;
	*vq = vq_of(be, s.index);
	*num = s.num;
	return *vq ? 0 : -EPROTO;
}

static int ring_setup(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct libvhost_vq *vq;
	uint32_t v;
	int r = vring_state(be, m, &vq, &v);

	if (r < 0)
		return r;
	if (vq->started) {
		lvh_err(be->ctx, "vhost-user back-end: %s on running ring %u",
			lvh_proto_name(LVH_DIR_FRONTEND, m->request), vq->index);
		return -EPROTO;
	}
	if (m->request == LIBVHOST_USER_SET_VRING_NUM) {
		if (!v || v > 32768) {
			lvh_err(be->ctx, "vhost-user back-end: ring %u: size %u", vq->index, v);
			return -EPROTO;
		}
		vq->num = v;
	} else {
		vq->base = v;
	}
	return 0;
}

static int set_vring_addr(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_vring_addr a;
	struct libvhost_vq *vq;
	uint64_t was[3];
	int r = lvh_msg_decode_vring_addr(be->ctx, m, &a);

	if (r < 0)
		return r;
	vq = vq_of(be, a.index);
	if (!vq)
		return -EPROTO;
	was[0] = vq->desc;
	was[1] = vq->avail;
	was[2] = vq->used;
	vq->desc = a.desc;
	vq->avail = a.avail;
	vq->used = a.used;
	/*
	 * A running ring is told its addresses again when the front-end
	 * switches the used ring's logging (QEMU does as migration starts and
	 * ends): it goes on from where it is, reading them (every ring's lock
	 * is held).  A ring that waits for IOTLB entries starts from them.
	 */
	if (!vq->running)
		return 0;
	lvh_dbg(be->ctx, "vhost-user back-end: ring %u: addresses again, used ring logging %s",
		a.index, a.flags & (1u << LIBVHOST_VRING_F_LOG) ? "on" : "off");
	r = vq_remap(be, vq);
	if (r == -EPROTO) {
		vq->desc = was[0];
		vq->avail = was[1];
		vq->used = was[2];
	}
	return r == -EAGAIN ? 0 : r;
}

/* The fd a SET_VRING_* request brings (or -1), or for in-band kicks an eventfd of ours. */
static int vring_fd_of(struct libvhost_backend *be, struct lvh_msg *m, const struct lvh_vring_fd *f)
{
	int fd;

	if (!f->nofd)
		return lvh_msg_take_fd(m, 0);
	/* in-band kicks (VRING_KICK) arrive on an eventfd of ours, for the device to poll */
	if (m->request != LIBVHOST_USER_SET_VRING_KICK ||
	    !(be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS)))
		return -1;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static int set_vring_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_vring_fd f;
	struct libvhost_vq *vq;
	int *slot, fd, r = lvh_msg_decode_vring_fd(be->ctx, m, &f);

	if (r < 0)
		return r;
	vq = vq_of(be, f.index);
	if (!vq)
		return -EPROTO;
	fd = vring_fd_of(be, m, &f);
	if (fd < -1)
		return fd;
	slot = m->request == LIBVHOST_USER_SET_VRING_KICK   ? &vq->kick_fd
	       : m->request == LIBVHOST_USER_SET_VRING_CALL ? &vq->call_fd
							    : &vq->err_fd;
	if (be->threaded)
		pthread_mutex_lock(&vq->lock);
	if (slot == &vq->kick_fd && vq->started && *slot >= 0 && fd >= 0) {
		/* a device may be polling the old one: the number stays, the file changes */
		r = dup3(fd, *slot, O_CLOEXEC) < 0 ? -errno : 0;
		close(fd);
	} else {
		close_fd(slot);
		*slot = fd;
	}
	/*
	 * A new call fd is signalled once: a back-end killed after publishing
	 * used buffers and before its call reached the driver left them untold,
	 * and the driver, waiting on them, kicks no more (QEMU gives a
	 * reconnected back-end its call fds before the rings).  A driver takes
	 * a call with nothing new as nothing.
	 */
	if (r == 0 && slot == &vq->call_fd && fd >= 0) {
		uint64_t one = 1;

		if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			lvh_dbg(be->ctx, "vq %u: call fd: %s", vq->index, strerror(errno));
	}
	if (r == 0 && m->request == LIBVHOST_USER_SET_VRING_KICK && !vq->started) {
		/* the kick fd starts the ring (with the IOTLB, maybe once its entries come) */
		r = lvh_be_vq_start(be, vq);
		if (r == -EAGAIN)
			r = 0;
		vq->started = r == 0;
		r = r < 0 ? r : 1;
	}
	if (be->threaded)
		pthread_mutex_unlock(&vq->lock);
	if (r == 1 && be->ops.queue_started)
		return be->ops.queue_started(be->userdata, vq);
	return r < 0 ? r : 0;
}

static int get_vring_base(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_vring_state s;
	struct libvhost_vq *vq;
	struct lvh_msg rep;
	uint32_t dummy;
	int r = vring_state(be, m, &vq, &dummy);

	if (r < 0)
		return r;
	if (vq->started && be->ops.queue_stopped)
		be->ops.queue_stopped(be->userdata, vq);
	s.index = vq->index;
	if (be->threaded)
		pthread_mutex_lock(&vq->lock);
	s.num = vq_base(vq);
	vq->base = s.num;
	vq_stop(vq);
	if (be->threaded)
		pthread_mutex_unlock(&vq->lock);
	lvh_msg_init_reply(&rep, m);
	lvh_msg_encode_vring_state(&rep, &s);
	return send_reply(be, &rep) < 0 ? -ECONNRESET : 1;
}

static int get_config(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_config c, out;
	struct lvh_msg rep;
	uint8_t buf[LIBVHOST_USER_MAX_CONFIG_SIZE];
	int r = lvh_msg_decode_config(be->ctx, m, &c);

	if (r < 0)
		return r;
	lvh_msg_init_reply(&rep, m);
	r = be->ops.get_config ? be->ops.get_config(be->userdata, c.offset, buf, c.size) : -ENOTSUP;
	if (r >= 0) {
		out = (struct lvh_config){ c.offset, c.size, c.flags, buf };
		lvh_msg_encode_config(&rep, &out);
	} /* else the empty reply: how the spec's back-ends say no */
	return send_reply(be, &rep) < 0 ? -ECONNRESET : 1;
}

static int set_config(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_config c;
	int r = lvh_msg_decode_config(be->ctx, m, &c);

	if (r < 0)
		return r;
	if (!be->ops.set_config)
		return -ENOTSUP;
	return be->ops.set_config(be->userdata, c.offset, c.data, c.size, c.flags);
}

static int reply_body_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v);

/* SET_LOG_BASE: map the front-end's log; the reply says whether that worked. */
static int set_log_base(struct libvhost_backend *be, const struct lvh_msg *m)
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
		lvh_err(be->ctx, "vhost-user back-end: a log of %llu bytes at %llu does not fit its fd",
			(unsigned long long)l.size, (unsigned long long)l.offset);
		return reply_body_u64(be, m, 1);
	}
	p = mmap(NULL, (size_t)(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, m->fds[0],
		 (off_t)start);
	if (p == MAP_FAILED) {
		lvh_err(be->ctx, "vhost-user back-end: mmap of the log: %s", strerror(errno));
		return reply_body_u64(be, m, 1);
	}
	log_unmap(be);
	be->log_map = p;
	be->log_map_len = (size_t)(end - start);
	be->log.bitmap = (uint8_t *)p + (l.offset - start);
	be->log.size = l.size;
	log_update(be);
	return reply_body_u64(be, m, 0);
}

static bool any_ring_started(struct libvhost_backend *be, const char *what)
{
	unsigned int i;

	for (i = 0; i < be->queue_num; i++)
		if (be->vqs[i].started) {
			lvh_err(be->ctx, "vhost-user back-end: %s while ring %u runs", what, i);
			return true;
		}
	return false;
}

/* SET_DEVICE_STATE_FD: answered at once (no fd of our own); the transfer follows. */
static int set_device_state_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_device_state ds;
	struct lvh_msg rep;
	uint8_t err = 0;
	int r = lvh_msg_decode_device_state(be->ctx, m, &ds);

	if (r < 0)
		return r;
	if (any_ring_started(be, "device state transfer"))
		err = EBUSY;
	close_fd(&be->state_fd);
	if (!err) {
		be->state_fd = lvh_msg_take_fd(m, 0);
		be->state_dir = ds.direction;
		be->state_result = -EINPROGRESS;
	}
	lvh_msg_init_reply(&rep, m);
	lvh_msg_encode_device_state_reply(&rep, err, -1);
	return send_reply(be, &rep) < 0 ? -ECONNRESET : 1;
}

static int inflight_map(struct libvhost_backend *be, int fd, const struct lvh_inflight *in)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = in->mmap_offset & ~(uint64_t)(page - 1), end;
	struct stat st;
	void *p;

	if (lvh_add_overflow_u64(in->mmap_offset, in->mmap_size, &end) || fstat(fd, &st) < 0 ||
	    end > (uint64_t)st.st_size || end - start > SIZE_MAX) {
		lvh_err(be->ctx, "vhost-user back-end: an inflight area of %llu bytes at %llu does "
				 "not fit its fd",
			(unsigned long long)in->mmap_size, (unsigned long long)in->mmap_offset);
		return -EPROTO;
	}
	p = mmap(NULL, (size_t)(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
	if (p == MAP_FAILED) {
		lvh_err(be->ctx, "vhost-user back-end: mmap of the inflight area: %s",
			strerror(errno));
		return -errno;
	}
	inflight_unmap(be);
	be->ifl_map = p;
	be->ifl_len = (size_t)(end - start);
	be->ifl_area = (uint8_t *)p + (in->mmap_offset - start);
	be->ifl_queues = in->num_queues;
	be->ifl_qsize = in->queue_size;
	return 0;
}

/*
 * GET_INFLIGHT_FD: a new zeroed, sealed memfd, big enough for either ring
 * layout (the front-end asks before it sets the features).
 */
static int get_inflight_fd(struct libvhost_backend *be, const struct lvh_msg *m)
{
	struct lvh_inflight in;
	struct lvh_msg rep;
	int fd, r = lvh_msg_decode_inflight(be->ctx, m, false, false, &in);

	if (r < 0)
		return r;
	lvh_msg_init_reply(&rep, m);
	if (any_ring_started(be, "GET_INFLIGHT_FD"))
		goto refuse;
	in.mmap_offset = 0;
	in.mmap_size = in.num_queues * lvh_inflight_queue_region_size(in.queue_size, true);
	fd = memfd_create("libvhost-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || ftruncate(fd, (off_t)in.mmap_size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    inflight_map(be, fd, &in) < 0) {
		lvh_err(be->ctx, "vhost-user back-end: inflight area of %llu bytes: %s",
			(unsigned long long)in.mmap_size, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto refuse;
	}
	lvh_msg_encode_inflight(&rep, &in, fd);
	r = send_reply(be, &rep);
	close(fd);
	return r < 0 ? -ECONNRESET : 1;
refuse:
	/* no area: mmap_size 0 and no fd, as QEMU reads it */
	lvh_msg_set_payload(&rep, m->payload.bytes, m->size);
	return send_reply(be, &rep) < 0 ? -ECONNRESET : 1;
}

static int set_inflight_fd(struct libvhost_backend *be, struct lvh_msg *m)
{
	struct lvh_inflight in;
	int r = lvh_msg_decode_inflight(be->ctx, m, true, true, &in);

	if (r < 0)
		return r;
	if (any_ring_started(be, "SET_INFLIGHT_FD"))
		return -EBUSY;
	return inflight_map(be, m->fds[0], &in);
}

/* The transfer SET_DEVICE_STATE_FD set up, now that the front-end has its reply. */
static void run_state_transfer(struct libvhost_backend *be)
{
	int fd = be->state_fd;

	if (fd < 0)
		return;
	be->state_fd = -1;
	be->state_result = be->state_dir == LVH_STATE_SAVE ? be->ops.save_state(be->userdata, fd)
							   : be->ops.load_state(be->userdata, fd);
	if (be->state_result < 0)
		lvh_err(be->ctx, "vhost-user back-end: device state %s failed: %s",
			be->state_dir == LVH_STATE_SAVE ? "save" : "load",
			strerror(-be->state_result));
	close(fd);
}

static int reply_body_u64(struct libvhost_backend *be, const struct lvh_msg *m, uint64_t v)
{
	return reply_u64(be, m, v) < 0 ? -ECONNRESET : 1;
}

int lvh_be_send_reply(struct libvhost_backend *be, struct lvh_msg *rep)
{
	return send_reply(be, rep) < 0 ? -ECONNRESET : 1;
}

/*
 * One request.  Returns 1 when it sent its own reply, 0 or a negative errno
 * for the ack (the caller acks when asked); errors that mean the front-end
 * broke the protocol are -EPROTO / -EBADMSG and end the session.
 */
static int dispatch(struct libvhost_backend *be, struct lvh_msg *m)
{
	uint64_t v;
	uint8_t st;
	int r;

	switch (m->request) {
	case LIBVHOST_USER_GET_FEATURES:
		return reply_body_u64(be, m, be->features);
	case LIBVHOST_USER_SET_FEATURES:
		return set_features(be, m);
	case LIBVHOST_USER_SET_OWNER:
		return 0;
	case LIBVHOST_USER_RESET_OWNER:
	case LIBVHOST_USER_RESET_DEVICE:
		device_reset(be);
		return 0;
	case LIBVHOST_USER_GET_PROTOCOL_FEATURES:
		return reply_body_u64(be, m, be->proto_offered);
	case LIBVHOST_USER_SET_PROTOCOL_FEATURES:
		r = lvh_msg_decode_protocol_features(be->ctx, m, &v);
		if (r < 0)
			return r;
		if (v & ~be->proto_offered) {
			lvh_err(be->ctx, "vhost-user back-end: protocol features %#llx not offered",
				(unsigned long long)(v & ~be->proto_offered));
			return -EPROTO;
		}
		be->proto = v;
		return 0;
	case LIBVHOST_USER_GET_QUEUE_NUM:
		return reply_body_u64(be, m, be->queue_num);
	case LIBVHOST_USER_GET_MAX_MEM_SLOTS:
		return reply_body_u64(be, m, BE_MAX_SLOTS);
	case LIBVHOST_USER_SET_MEM_TABLE:
		return set_mem_table(be, m);
	case LIBVHOST_USER_ADD_MEM_REG:
		return add_mem_reg(be, m);
	case LIBVHOST_USER_REM_MEM_REG:
		return rem_mem_reg(be, m);
	case LIBVHOST_USER_SET_VRING_NUM:
	case LIBVHOST_USER_SET_VRING_BASE:
		return ring_setup(be, m);
	case LIBVHOST_USER_SET_VRING_ADDR:
		return set_vring_addr(be, m);
	case LIBVHOST_USER_SET_VRING_KICK:
	case LIBVHOST_USER_SET_VRING_CALL:
	case LIBVHOST_USER_SET_VRING_ERR:
		return set_vring_fd(be, m);
	case LIBVHOST_USER_GET_VRING_BASE:
		return get_vring_base(be, m);
	case LIBVHOST_USER_SET_VRING_ENABLE: {
		struct libvhost_vq *vq;
		uint32_t on;
		bool wake;

		r = vring_state(be, m, &vq, &on);
		if (r < 0)
			return r;
		if (on > 1) {
			lvh_err(be->ctx, "vhost-user back-end: SET_VRING_ENABLE(%u)", on);
			return -EPROTO;
		}
		if (be->threaded)
			pthread_mutex_lock(&vq->lock);
		wake = on && !vq->enabled && vq->started;
		vq->enabled = on;
		if (be->threaded)
			pthread_mutex_unlock(&vq->lock);
		/*
		 * Buffers made available while it was disabled: have the device
		 * look, once it can see the ring enabled (a device thread woken
		 * before would find it disabled and sleep again).
		 */
		if (wake)
			lvh_be_vq_wake(vq);
		return 0;
	}
	case LIBVHOST_USER_GET_CONFIG:
		return get_config(be, m);
	case LIBVHOST_USER_SET_CONFIG:
		return set_config(be, m);
	case LIBVHOST_USER_SET_STATUS:
		r = lvh_msg_decode_status(be->ctx, m, &st);
		if (r < 0)
			return r;
		if (be->ops.set_status) {
			r = be->ops.set_status(be->userdata, st);
			if (r < 0)
				return r;
		}
		be->status = st;
		return 0;
	case LIBVHOST_USER_GET_STATUS:
		return reply_body_u64(be, m, be->status);
	case LIBVHOST_USER_SET_LOG_BASE:
		return set_log_base(be, m);
	case LIBVHOST_USER_SET_DEVICE_STATE_FD:
		return set_device_state_fd(be, m);
	case LIBVHOST_USER_CHECK_DEVICE_STATE:
		return reply_body_u64(be, m, be->state_result < 0 ? (uint64_t)-be->state_result : 0);
	case LIBVHOST_USER_GET_INFLIGHT_FD:
		return get_inflight_fd(be, m);
	case LIBVHOST_USER_SET_INFLIGHT_FD:
		return set_inflight_fd(be, m);
	case LIBVHOST_USER_IOTLB_MSG:
		return lvh_be_iotlb_msg(be, m);
	case LIBVHOST_USER_SET_BACKEND_REQ_FD:
		r = lvh_msg_decode_backend_req_fd(be->ctx, m);
		if (r < 0)
			return r;
		lvh_be_chan_close(be);
		pthread_mutex_lock(&be->chan_lock);
		be->chan = lvh_msg_take_fd(m, 0);
		pthread_mutex_unlock(&be->chan_lock);
		return 0;
	case LIBVHOST_USER_VRING_KICK: {
		struct libvhost_vq *vq;
		uint32_t zero;

		r = vring_state(be, m, &vq, &zero);
		if (r < 0)
			return r;
		lvh_be_vq_wake(vq);
		return 0;
	}
	case LIBVHOST_USER_SET_LOG_FD:
		close_fd(&be->log_fd);
		be->log_fd = lvh_msg_take_fd(m, 0);
		return 0;
#if LIBVHOST_HAS_POSTCOPY
	case LIBVHOST_USER_POSTCOPY_ADVISE:
	case LIBVHOST_USER_POSTCOPY_LISTEN:
	case LIBVHOST_USER_POSTCOPY_END:
		return lvh_be_postcopy_request(be, m);
#endif
	}
	r = lvh_be_devreq(be, m);
	if (r != -ENOSYS)
		return r;
	/*
	 * Requests this back-end does not implement: those behind a protocol
	 * feature it never offers were refused by the table already; the rest
	 * are refused with a nack.
	 */
	lvh_notice(be->ctx, "vhost-user back-end: %s is not implemented",
		   lvh_proto_name(LVH_DIR_FRONTEND, m->request));
	return -EOPNOTSUPP;
}

static bool ends_session(int r)
{
	return r == -EPROTO || r == -EBADMSG || r == -ECONNRESET || r == -EPIPE ||
	       r == -ETIMEDOUT;
}

/* Requests after which rings read memory differently: no device pops meanwhile. */
static bool changes_memory(uint32_t request)
{
	return request == LIBVHOST_USER_SET_MEM_TABLE || request == LIBVHOST_USER_ADD_MEM_REG ||
	       request == LIBVHOST_USER_REM_MEM_REG || request == LIBVHOST_USER_IOTLB_MSG ||
	       request == LIBVHOST_USER_SET_LOG_BASE || request == LIBVHOST_USER_SET_VRING_ADDR;
}

static int handle_one(struct libvhost_backend *be)
{
	struct lvh_msg m;
	bool excl;
	int r;

	r = lvh_wire_recv(be->ctx, be->sock, &m, be->timeout_ms);
	if (r < 0) {
		drop_frontend(be, r);
		return 1;
	}
#if LIBVHOST_HAS_POSTCOPY
	/* postcopy: the acknowledgement of ADD_MEM_REGs is no request of its own */
	r = lvh_be_postcopy_gate(be, &m);
	if (r == 1) {
		lvh_msg_close_fds(&m);
		return 1;
	}
	if (r == 0)
#endif
		r = lvh_proto_check_request(be->ctx, LVH_DIR_FRONTEND, &m, be->proto);
	if (r < 0) {
		/* a refused request's fds are ours to close, as a served one's are */
		lvh_msg_close_fds(&m);
		drop_frontend(be, r);
		return 1;
	}
	lvh_dbg(be->ctx, "vhost-user back-end: <- %s", lvh_proto_name(LVH_DIR_FRONTEND, m.request));
	excl = changes_memory(m.request);
	if (excl)
		vqs_lock(be);
	r = dispatch(be, &m);
	if (excl)
		vqs_unlock(be);
	lvh_msg_close_fds(&m);
	if (r >= 0 && r != 1 && (m.flags & LIBVHOST_USER_FLAG_NEED_REPLY))
		r = reply_u64(be, &m, 0) < 0 ? -ECONNRESET : 0;
	else if (r < 0 && !ends_session(r) && (m.flags & LIBVHOST_USER_FLAG_NEED_REPLY))
		r = reply_u64(be, &m, (uint64_t)-r) < 0 ? -ECONNRESET : 0;
	if (r < 0 && ends_session(r))
		drop_frontend(be, r);
	else if (r < 0)
		lvh_notice(be->ctx, "vhost-user back-end: %s failed: %s",
			   lvh_proto_name(LVH_DIR_FRONTEND, m.request), strerror(-r));
	else
		run_state_transfer(be);
	return 1;
}

LIBVHOST_EXPORT int libvhost_backend_process(struct libvhost_backend *be)
{
	struct pollfd pfd;
	int fd;

	if (!be)
		return -EINVAL;
	if (be->client && be->sock < 0)
		return dial(be) == 0 ? 1 : 0; /* the front-end may be back */
	fd = libvhost_backend_get_fd(be);
	if (fd < 0)
		return -ENOTCONN;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (be->sock < 0) {
		be->sock = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (be->sock < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		be->stats.sessions++;
		lvh_info(be->ctx, "vhost-user back-end: a front-end connected");
		return 1;
	}
	return handle_one(be);
}

LIBVHOST_EXPORT int libvhost_backend_run(struct libvhost_backend *be)
{
	struct pollfd pfd;
	int r;

	if (!be)
		return -EINVAL;
	for (;;) {
		pfd.fd = libvhost_backend_get_fd(be);
		if (pfd.fd < 0 && !be->client)
			return 0; /* an adopted socket's front-end went away */
		pfd.events = POLLIN;
		/* a client without a front-end retries every 100 ms */
		if (poll(&pfd, pfd.fd < 0 ? 0 : 1, pfd.fd < 0 ? 100 : -1) < 0 && errno != EINTR)
			return -errno;
		r = libvhost_backend_process(be);
		if (r < 0)
			return r;
	}
}

/* ---- virtqueues ---- */

LIBVHOST_EXPORT unsigned int libvhost_vq_get_index(const struct libvhost_vq *vq)
{
	return vq ? vq->index : 0;
}

/* A ring's state read by a device thread (LIBVHOST_BACKEND_F_THREADED: under its lock). */
static int vq_read(const struct libvhost_vq *vq, bool kick)
{
	struct libvhost_vq *w = (struct libvhost_vq *)vq; /* the lock is not the ring's state */
	int v;

	if (vq->be->threaded)
		pthread_mutex_lock(&w->lock);
	v = kick ? (vq->started ? vq->kick_fd : -1) : (vq->started && vq->enabled);
	if (vq->be->threaded)
		pthread_mutex_unlock(&w->lock);
	return v;
}

LIBVHOST_EXPORT int libvhost_vq_get_kick_fd(const struct libvhost_vq *vq)
{
	return vq ? vq_read(vq, true) : -1;
}

LIBVHOST_EXPORT int libvhost_vq_is_enabled(const struct libvhost_vq *vq)
{
	return vq ? vq_read(vq, false) : 0;
}

static int vq_broken(struct libvhost_vq *vq)
{
	uint64_t one = 1;

	if (vq->err_fd >= 0 && write(vq->err_fd, &one, sizeof(one)) < 0)
		lvh_dbg(vq->be->ctx, "vq %u: err fd: %s", vq->index, strerror(errno));
	if (vq->err_fd < 0)
		lvh_be_chan_vring(vq->be, LIBVHOST_USER_BACKEND_VRING_ERR, vq->index);
	return -EIO;
}

static inline __attribute__((always_inline)) int vq_pop(struct libvhost_vq *vq, struct iovec *iov,
							 unsigned int cap,
							 struct libvhost_vq_elem *elems,
							 unsigned int n)
{
	bool was_broken;
	int r;

	if (!vq->running || vq->paused)
		return 0;
	was_broken = vq->ring.broken;
	r = lvh_vq_pop_burst(&vq->ring, iov, cap, elems, n);
	if (vq->ring.broken && !was_broken)
		vq_broken(vq); /* now, even when some were taken before it broke */
	if (r == -EAGAIN)
		return 0; /* an IOTLB miss: the ring is kicked when the update comes */
	return r;
}

static inline __attribute__((always_inline)) int vq_pop_locked(struct libvhost_vq *vq,
								struct iovec *iov, unsigned int cap,
								struct libvhost_vq_elem *elems,
								unsigned int n)
{
	int r;

	if (!vq->be->threaded)
		return vq_pop(vq, iov, cap, elems, n);
	pthread_mutex_lock(&vq->lock);
	r = vq_pop(vq, iov, cap, elems, n);
	pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_pop_burst(struct libvhost_vq *vq, struct iovec *iov,
					  unsigned int cap, struct libvhost_vq_elem *elems,
					  unsigned int n)
{
	if (!vq || (!iov && cap) || (!elems && n))
		return -EINVAL;
	return vq_pop_locked(vq, iov, cap, elems, n);
}

LIBVHOST_EXPORT int libvhost_vq_pop(struct libvhost_vq *vq, struct iovec *iov, unsigned int cap,
				    struct libvhost_vq_elem *elem)
{
	if (!vq || !iov || !elem)
		return -EINVAL;
	return vq_pop_locked(vq, iov, cap, elem, 1);
}

static int vq_push(struct libvhost_vq *vq, const struct libvhost_vq_used *used, unsigned int n)
{
	int r;

	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	r = vq->running ? lvh_vq_push_burst(&vq->ring, used, n) : -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_push_burst(struct libvhost_vq *vq,
					   const struct libvhost_vq_used *used, unsigned int n)
{
	if (!vq || (!used && n))
		return -EINVAL;
	return vq_push(vq, used, n);
}

LIBVHOST_EXPORT int libvhost_vq_unpop(struct libvhost_vq *vq, unsigned int n)
{
	int r;

	if (!vq)
		return -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	r = vq->running ? lvh_vq_unpop(&vq->ring, n) : -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_push(struct libvhost_vq *vq, uint32_t id, uint32_t len)
{
	struct libvhost_vq_used u = { .id = id, .len = len };
	int r;

	if (!vq)
		return -EINVAL;
	r = vq_push(vq, &u, 1);
	return r < 0 ? r : 0;
}

static int vq_notify(struct libvhost_vq *vq)
{
	uint64_t one = 1;
	int r;

	if (!vq->running)
		return -EINVAL;
	r = lvh_vq_flush(&vq->ring);
	if (vq->be->log.logged && vq->be->log_fd >= 0) {
		vq->be->log.logged = false;
		if (write(vq->be->log_fd, &one, sizeof(one)) < 0)
			lvh_dbg(vq->be->ctx, "log fd: %s", strerror(errno));
	}
	if (r <= 0)
		return r;
	if (vq->call_fd < 0) {
		r = lvh_be_chan_vring(vq->be, LIBVHOST_USER_BACKEND_VRING_CALL, vq->index);
		return r == 0 ? 1 : r == -EOPNOTSUPP ? 0 : r;
	}
	if (write(vq->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		lvh_err(vq->be->ctx, "vq %u: call fd: %s", vq->index, strerror(errno));
		return -errno;
	}
	return 1;
}

LIBVHOST_EXPORT int libvhost_vq_set_kicks(struct libvhost_vq *vq, int enable)
{
	int r = 0;

	if (!vq)
		return -EINVAL;
	if (vq->be->threaded)
		pthread_mutex_lock(&vq->lock);
	vq->kicks_off = !enable;
	if (vq->running && !vq->paused)
		r = lvh_vq_set_notify(&vq->ring, enable);
	if (vq->be->threaded)
		pthread_mutex_unlock(&vq->lock);
	return r;
}

LIBVHOST_EXPORT int libvhost_vq_notify(struct libvhost_vq *vq)
{
	int r;

	if (!vq)
		return -EINVAL;
	if (!vq->be->threaded)
		return vq_notify(vq);
	pthread_mutex_lock(&vq->lock);
	r = vq_notify(vq);
	pthread_mutex_unlock(&vq->lock);
	return r;
}
