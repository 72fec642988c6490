/* SPDX-License-Identifier: BSD-3-Clause */
/* Device-side virtqueues: what split and packed rings share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "ring/vq.h"
#include "ring/vring.h"

int lvh_vq_break(struct lvh_vq *vq, const char *what, unsigned long long v)
{
	if (!vq->broken)
		lvh_err(vq->ctx, "vq %u: %s (%llu): the queue is broken", vq->index, what, v);
	vq->broken = true;
	return -EIO;
}

int lvh_vq_map(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr, uint32_t len, bool write)
{
	uint64_t left = len;

	if (!write && w->in)
		return lvh_vq_break(vq, "a readable part after a writable one", addr);
	while (left) {
		uint64_t contig = 0;
		void *p = lvh_mem_translate(vq->mem, addr, left, &contig);

		if (!p || !contig)
			return lvh_vq_break(vq, "buffer outside guest memory at", addr);
		if (w->n == w->cap)
			return -ENOSPC;
		if (contig > left)
			contig = left;
		w->iov[w->n].iov_base = p;
		w->iov[w->n].iov_len = (size_t)contig;
		w->n++;
		if (write)
			w->in++;
		addr += contig;
		left -= contig;
	}
	return 0;
}

int lvh_vq_init_common(struct lvh_vq *vq, const struct lvh_vq_ops *ops, struct libvhost_ctx *ctx,
		       const struct libvhost_mem *mem, unsigned int index, unsigned int num,
		       void *desc, void *avail, void *used, bool event_idx)
{
	memset(vq, 0, sizeof(*vq));
	if (!num || num > LVH_VRING_MAX_NUM || !desc || !avail || !used || ((uintptr_t)desc & 15))
		return -EINVAL;
	vq->inflight = calloc(num, sizeof(*vq->inflight));
	if (!vq->inflight)
		return -ENOMEM;
	vq->ops = ops;
	vq->ctx = ctx;
	vq->mem = mem;
	vq->index = index;
	vq->num = num;
	vq->event_idx = event_idx;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	return 0;
}

void lvh_vq_fini(struct lvh_vq *vq)
{
	free(vq->inflight);
	vq->inflight = NULL;
}

int lvh_vq_pop(struct lvh_vq *vq, struct iovec *iov, unsigned int cap, struct lvh_vq_elem *elem)
{
	struct lvh_vq_walk w = { iov, cap, 0, 0 };
	uint16_t id;
	int r;

	if (vq->broken)
		return -EIO;
	r = vq->ops->pop(vq, &w, &id);
	if (r <= 0)
		return r;
	elem->id = id;
	elem->out = w.n - w.in;
	elem->in = w.in;
	return 1;
}

int lvh_vq_push(struct lvh_vq *vq, uint16_t id, uint32_t len)
{
	if (vq->broken)
		return -EIO;
	if (id >= vq->num || !vq->inflight[id]) {
		lvh_err(vq->ctx, "vq %u: pushing buffer %u, which is not in flight", vq->index, id);
		return -EINVAL;
	}
	vq->ops->push(vq, id, len);
	vq->inflight[id] = 0;
	return 0;
}

int lvh_vq_flush(struct lvh_vq *vq)
{
	return vq->broken ? -EIO : vq->ops->flush(vq);
}

void lvh_vq_set_notify(struct lvh_vq *vq, bool enable)
{
	vq->ops->set_notify(vq, enable);
}
