/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The back-end's rings: where their parts are in guest memory (front-end
 * user addresses, guest addresses, or IOVAs through the device IOTLB),
 * started by their kick fd, laid out again when memory or the IOTLB
 * changes, stopped and reset.  The data path on them is backend-vq.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mem/mem.h"
#include "proto/msg-inflight.h"
#include "user/backend.h"

/* Every ring's lock (LIBVHOST_BACKEND_F_THREADED), in index order. */
void lvh_be_vqs_lock(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; be->threaded && i < be->queue_num; i++)
		pthread_mutex_lock(&be->vqs[i].lock);
}

void lvh_be_vqs_unlock(struct libvhost_backend *be)
{
	unsigned int i;

	for (i = 0; be->threaded && i < be->queue_num; i++)
		pthread_mutex_unlock(&be->vqs[i].lock);
}

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
	bool packed = be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED);
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

void lvh_be_vq_stop(struct libvhost_vq *vq)
{
	/* what the device pushed and did not publish reaches the driver (no call) */
	if (vq->running && !vq->paused && !vq->ring.broken)
		lvh_vq_flush(&vq->ring);
	if (vq->running)
		lvh_vq_fini(&vq->ring);
	vq->running = false;
	vq->started = false;
	vq->paused = false;
	lvh_be_close_fd(&vq->kick_fd);
}

void lvh_be_vq_reset(struct libvhost_vq *vq)
{
	lvh_be_vq_stop(vq);
	lvh_be_close_fd(&vq->call_fd);
	lvh_be_close_fd(&vq->err_fd);
	vq->num = vq->base = 0;
	vq->desc = vq->avail = vq->used = 0;
	vq->enabled = false;
}

/* The inflight area's part for the ring, when the front-end gave one (INFLIGHT_SHMFD). */
static int inflight_attach(struct libvhost_backend *be, struct libvhost_vq *vq)
{
	int r;

	if (!be->ifl_area || !(be->proto & LVH_BIT(LIBVHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		return 0;
	if (vq->index >= be->ifl_queues || vq->num > be->ifl_qsize) {
		lvh_notice(be->ctx, "vhost-user back-end: ring %u (size %u) is outside the "
				    "inflight area (%u rings of %u): not tracked",
			   vq->index, vq->num, be->ifl_queues, be->ifl_qsize);
		return 0;
	}
	r = lvh_vq_inflight_attach(
	    &vq->ring,
	    be->ifl_area + vq->index * lvh_inflight_queue_region_size(be->ifl_qsize, true));
	if (r < 0)
		return -ENOMEM;
	be->stats.inflight_resubmitted += (unsigned int)r;
	return 0;
}

int lvh_be_vq_start(struct libvhost_backend *be, struct libvhost_vq *vq)
{
	bool packed = be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED);
	bool event_idx = be->acked & LVH_BIT(LVH_VIRTIO_F_EVENT_IDX);
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
	r = inflight_attach(be, vq);
	if (r < 0) {
		lvh_be_vq_stop(vq);
		return r;
	}
	/* the writes a device makes to the ring itself are logged too */
	if (lvh_vq_set_log(&vq->ring, &be->log, log_at, event_at) < 0) {
		lvh_be_vq_stop(vq);
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

int lvh_be_vq_remap(struct libvhost_backend *be, struct libvhost_vq *vq)
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
		if (vq->running && lvh_be_vq_remap(be, vq) == -EPROTO)
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

uint32_t lvh_be_vq_base(const struct libvhost_vq *vq)
{
	const struct lvh_vq *q = &vq->ring;

	if (!vq->running)
		return vq->base;
	if (q->ops == NULL || !(vq->be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED)))
		return q->last_avail;
	return q->last_avail | (uint32_t)q->avail_wrap << 15 | (uint32_t)q->used_idx << 16 |
	       (uint32_t)q->used_wrap << 31;
}

bool lvh_be_any_ring_started(struct libvhost_backend *be, const char *what)
{
	unsigned int i;

	for (i = 0; i < be->queue_num; i++)
		if (be->vqs[i].started) {
			lvh_err(be->ctx, "vhost-user back-end: %s while ring %u runs", what, i);
			return true;
		}
	return false;
}

