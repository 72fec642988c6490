/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VDUSE's request channel: the kernel writes a struct vduse_dev_request
 * for each thing it wants of the device (a ring's state, a status change,
 * an IOTLB change) and waits for the struct vduse_dev_response with the
 * same id.  Each request is checked before it is used; one that makes no
 * sense is answered as failed (and logged), never trusted.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vduse.h>

#include "mem/mem.h"
#include "user/backend.h"
#include "vduse/vduse.h"

int lvh_vduse_req_check(const struct libvhost_ctx *ctx, const struct vduse_dev_request *req,
			size_t len, unsigned int queue_num)
{
	if (len != sizeof(*req)) {
		lvh_err(ctx, "VDUSE: a request of %zu bytes (not %zu)", len, sizeof(*req));
		return -EPROTO;
	}
	switch (req->type) {
	case VDUSE_GET_VQ_STATE:
		if (req->vq_state.index >= queue_num) {
			lvh_err(ctx, "VDUSE: GET_VQ_STATE of ring %u (the device has %u)",
				req->vq_state.index, queue_num);
			return -EPROTO;
		}
		return 0;
	case VDUSE_SET_STATUS:
		return 0;
	case VDUSE_UPDATE_IOTLB:
		if (req->iova.start > req->iova.last) {
			lvh_err(ctx, "VDUSE: UPDATE_IOTLB of [%#llx, %#llx]",
				(unsigned long long)req->iova.start,
				(unsigned long long)req->iova.last);
			return -EPROTO;
		}
		return 0;
	default:
		lvh_err(ctx, "VDUSE: request of unknown type %u", req->type);
		return -EPROTO;
	}
}

static void vq_state(struct libvhost_vduse *v, unsigned int index, struct vduse_vq_state *st)
{
	struct libvhost_vq *vq = &v->be->vqs[index];
	const struct lvh_vq *q = &vq->ring;

	st->index = index;
	if (v->be->acked & LVH_BIT(LVH_VIRTIO_F_RING_PACKED)) {
		st->packed.last_avail_idx = vq->running ? q->last_avail : (uint16_t)(vq->base & 0x7fff);
		st->packed.last_avail_counter = vq->running ? q->avail_wrap : (uint16_t)(vq->base >> 15 & 1);
		st->packed.last_used_idx = vq->running ? q->used_idx : st->packed.last_avail_idx;
		st->packed.last_used_counter = vq->running ? q->used_wrap
							   : st->packed.last_avail_counter;
	} else {
		st->split.avail_index = vq->running ? q->last_avail : (uint16_t)vq->base;
	}
}

/* The device back to its first state: rings stopped, memory dropped, features forgotten. */
static void reset(struct libvhost_vduse *v)
{
	struct libvhost_backend *be = v->be;

	lvh_vduse_rings_stop(v);
	lvh_mem_clear(be->mem);
	be->acked = 0;
	if (be->ops.reset)
		be->ops.reset(be->userdata);
}

static int set_status(struct libvhost_vduse *v, uint8_t status)
{
	struct libvhost_backend *be = v->be;
	uint8_t was = v->status;
	int r;

	lvh_dbg(v->ctx, "VDUSE %s: status %#x -> %#x", v->name, was, status);
	if (!status) {
		reset(v);
		v->status = 0;
		return be->ops.set_status ? be->ops.set_status(be->userdata, 0) : 0;
	}
	if ((status & LVH_STATUS_FEATURES_OK) && !(was & LVH_STATUS_FEATURES_OK)) {
		uint64_t f = 0;

		if (ioctl(v->fd, VDUSE_DEV_GET_FEATURES, &f) < 0) {
			r = -errno;
			lvh_err(v->ctx, "VDUSE %s: VDUSE_DEV_GET_FEATURES: %s", v->name, strerror(-r));
			return r;
		}
		if (f & ~be->features) {
			lvh_err(v->ctx, "VDUSE %s: the driver acked features %#llx never offered",
				v->name, (unsigned long long)(f & ~be->features));
			return -EPROTO;
		}
		if (be->ops.set_features) {
			r = be->ops.set_features(be->userdata, f);
			if (r < 0)
				return r;
		}
		be->acked = f;
		be->acked_features_set = true;
	}
	if (be->ops.set_status) {
		r = be->ops.set_status(be->userdata, status);
		if (r < 0)
			return r;
	}
	if ((status & LVH_STATUS_DRIVER_OK) && !(was & LVH_STATUS_DRIVER_OK)) {
		r = lvh_vduse_rings_start(v);
		if (r < 0)
			return r;
	}
	v->status = status;
	return 0;
}

#define STAT_ADD(v, field) __atomic_fetch_add(&(v)->stats.field, 1, __ATOMIC_RELAXED)

/* libvhost_vduse_get_stats()'s counts of one request (already checked). */
static void count(struct libvhost_vduse *v, const struct vduse_dev_request *req)
{
	switch (req->type) {
	case VDUSE_GET_VQ_STATE:
		STAT_ADD(v, vq_states);
		break;
	case VDUSE_SET_STATUS:
		STAT_ADD(v, status_changes);
		if (!req->s.status)
			STAT_ADD(v, resets);
		break;
	case VDUSE_UPDATE_IOTLB:
		STAT_ADD(v, iotlb_updates);
		break;
	}
}

/* Answers one request (already checked). */
static int handle(struct libvhost_vduse *v, const struct vduse_dev_request *req,
		  struct vduse_dev_response *resp)
{
	switch (req->type) {
	case VDUSE_GET_VQ_STATE:
		vq_state(v, req->vq_state.index, &resp->vq_state);
		return 0;
	case VDUSE_SET_STATUS:
		return set_status(v, req->s.status);
	case VDUSE_UPDATE_IOTLB:
		lvh_dbg(v->ctx, "VDUSE %s: IOTLB [%#llx, %#llx] changed", v->name,
			(unsigned long long)req->iova.start, (unsigned long long)req->iova.last);
		lvh_vduse_iova_drop(v, req->iova.start, req->iova.last);
		return 0;
	}
	return -EPROTO;
}

int lvh_vduse_serve(struct libvhost_vduse *v)
{
	int done = 0, err = 0;

	for (;;) {
		struct vduse_dev_request req;
		struct vduse_dev_response resp;
		ssize_t n;
		int r;

		memset(&req, 0, sizeof(req));
		n = read(v->fd, &req, sizeof(req));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			r = -errno;
			lvh_err(v->ctx, "VDUSE %s: reading a request: %s", v->name, strerror(-r));
			return r;
		}
		done = 1;
		memset(&resp, 0, sizeof(resp));
		r = lvh_vduse_req_check(v->ctx, &req, (size_t)n, v->be->queue_num);
		if (r == 0) {
			count(v, &req);
			r = handle(v, &req, &resp);
		} else {
			err = r;
		}
		STAT_ADD(v, requests);
		if (r < 0)
			STAT_ADD(v, failed);
		resp.request_id = req.request_id;
		resp.result = r < 0 ? VDUSE_REQ_RESULT_FAILED : VDUSE_REQ_RESULT_OK;
		do
			n = write(v->fd, &resp, sizeof(resp));
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			r = -errno;
			/* ENOENT: the kernel gave up waiting for it (and broke the device) */
			lvh_err(v->ctx, "VDUSE %s: answering request %u: %s", v->name,
				req.request_id, strerror(-r));
			return r == -ENOENT ? -EIO : r;
		}
	}
	return err ? err : done;
}
