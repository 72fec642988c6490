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
		lvh_err(vq->ctx, "vq %u (the driver's ring): %s (%llu): the queue is broken",
			vq->index, what, v);
	vq->broken = true;
	return -EIO;
}

void lvh_dirty_log_write(struct lvh_dirty_log *log, uint64_t gpa, uint64_t len)
{
	uint64_t page, last, set = 0;

	if (!len)
		return;
	last = (gpa + len - 1) >> 12;
	if (last < (gpa >> 12))
		last = UINT64_MAX >> 12; /* wraps: up to the end */
	for (page = gpa >> 12; page <= last && page / 8 < log->size; page++) {
		uint8_t bit = (uint8_t)(1u << (page % 8));

		set += !(__atomic_fetch_or(&log->bitmap[page / 8], bit, __ATOMIC_RELAXED) & bit);
	}
	if (set)
		__atomic_fetch_add(&log->pages, set, __ATOMIC_RELAXED);
	log->logged = true;
}

/* Remembers a writable part of the buffer being popped (the last entry grows to a hull). */
static void note_write(struct lvh_vq_walk *w, uint64_t gpa, uint64_t len)
{
	struct lvh_wrange *r;
	uint64_t end;

	if (w->nwr < LVH_VQ_WRANGES) {
		w->wr[w->nwr].gpa = gpa;
		w->wr[w->nwr++].len = len;
		return;
	}
	r = &w->wr[LVH_VQ_WRANGES - 1];
	end = r->gpa + r->len > gpa + len ? r->gpa + r->len : gpa + len;
	if (gpa < r->gpa)
		r->gpa = gpa;
	r->len = end - r->gpa;
}

const void *lvh_vq_translate_table(struct lvh_vq *vq, uint64_t addr, uint64_t len)
{
	uint64_t contig = 0, gpa;
	const void *p;

	if (!vq->xl)
		return lvh_mem_translate(vq->mem, addr, len, NULL);
	p = vq->xl->map(vq->xl->opaque, addr, len, false, &contig, &gpa);
	return p && contig >= len ? p : NULL;
}

int lvh_vq_unmapped(struct lvh_vq *vq, const char *what, uint64_t addr, bool write)
{
	if (vq->xl && vq->xl->miss(vq->xl->opaque, addr, write))
		return -EAGAIN;
	return lvh_vq_break(vq, what, addr);
}

int lvh_vq_map_slow(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr, uint32_t len,
		    bool write)
{
	uint64_t left = len;

	if (!write && w->in)
		return lvh_vq_break(vq, "a readable part after a writable one", addr);
	while (left) {
		uint64_t contig = 0, gpa = addr;
		void *p = vq->xl ? vq->xl->map(vq->xl->opaque, addr, left, write, &contig, &gpa)
				 : lvh_mem_translate(vq->mem, addr, left, &contig);

		if (!p || !contig)
			return lvh_vq_unmapped(vq, "buffer outside guest memory at", addr, write);
		if (w->n == w->cap)
			return -ENOSPC;
		if (contig > left)
			contig = left;
		if (write && w->record)
			note_write(w, gpa, contig);
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
	vq->taken = calloc(num, sizeof(*vq->taken));
	vq->taken_slot = calloc(num, sizeof(*vq->taken_slot));
	if (!vq->inflight || !vq->taken || !vq->taken_slot) {
		lvh_vq_fini(vq);
		return -ENOMEM;
	}
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
	lvh_ifl_detach(vq);
	free(vq->inflight);
	free(vq->taken);
	free(vq->taken_slot);
	free(vq->wr);
	free(vq->nwr);
	vq->taken = NULL;
	vq->taken_slot = NULL;
	vq->inflight = NULL;
	vq->wr = NULL;
	vq->nwr = NULL;
}

int lvh_vq_set_log(struct lvh_vq *vq, struct lvh_dirty_log *log, uint64_t used_gpa,
		   uint64_t event_gpa)
{
	if (!vq->wr) {
		vq->wr = calloc(vq->num, sizeof(*vq->wr));
		vq->nwr = calloc(vq->num, 1);
		if (!vq->wr || !vq->nwr) {
			free(vq->wr);
			free(vq->nwr);
			vq->wr = NULL;
			vq->nwr = NULL;
			return -ENOMEM;
		}
	}
	vq->log = log;
	vq->used_gpa = used_gpa;
	vq->event_gpa = event_gpa;
	return 0;
}

void lvh_vq_log_ring(struct lvh_vq *vq, uint64_t gpa, uint64_t len)
{
	if (lvh_vq_logging(vq))
		lvh_dirty_log_write(vq->log, gpa, len);
}

int lvh_vq_pop_burst(struct lvh_vq *vq, struct iovec *iov, unsigned int cap,
		     struct libvhost_vq_elem *elems, unsigned int n)
{
	if (vq->broken)
		return -EIO;
	return vq->ops->pop_burst(vq, iov, cap, elems, n);
}

int lvh_vq_pop(struct lvh_vq *vq, struct iovec *iov, unsigned int cap, struct lvh_vq_elem *elem)
{
	struct libvhost_vq_elem e;
	int r = lvh_vq_pop_burst(vq, iov, cap, &e, 1);

	if (r > 0) {
		elem->id = (uint16_t)e.id;
		elem->out = e.out;
		elem->in = e.in;
	}
	return r;
}

/* The device wrote @len bytes into buffer @id's writable parts, in order. */
void lvh_vq_log_buffer(struct lvh_vq *vq, uint16_t id, uint32_t len)
{
	uint64_t left = len;
	unsigned int i;

	for (i = 0; i < vq->nwr[id] && left; i++) {
		uint64_t l = vq->wr[id][i].len < left ? vq->wr[id][i].len : left;

		if (i == LVH_VQ_WRANGES - 1)
			l = vq->wr[id][i].len; /* a hull: all of it */
		lvh_dirty_log_write(vq->log, vq->wr[id][i].gpa, l);
		left -= l < left ? l : left;
	}
}

int lvh_vq_push_burst(struct lvh_vq *vq, const struct libvhost_vq_used *used, unsigned int n)
{
	if (vq->broken)
		return -EIO;
	return vq->ops->push_burst(vq, used, n);
}

void lvh_vq_not_in_flight(struct lvh_vq *vq, uint32_t id)
{
	lvh_dbg(vq->ctx, "vq %u: pushing buffer %u, which is not in flight", vq->index, id);
}

int lvh_vq_push(struct lvh_vq *vq, uint16_t id, uint32_t len)
{
	struct libvhost_vq_used u = { .id = id, .len = len };
	int r = lvh_vq_push_burst(vq, &u, 1);

	return r < 0 ? r : 0;
}

int lvh_vq_unpop(struct lvh_vq *vq, unsigned int n)
{
	unsigned int k, slot;

	if (vq->broken)
		return -EIO;
	if (n > vq->ntaken) {
		lvh_dbg(vq->ctx, "vq %u: putting back %u buffers, more than were taken", vq->index,
			n);
		return -EINVAL;
	}
	for (k = 0, slot = vq->taken_at; k < n; k++) {
		uint16_t id;

		slot = slot ? slot - 1 : vq->num - 1;
		id = vq->taken[slot] & ~LVH_VQ_RESUBMITTED;
		if (!vq->inflight[id] || vq->taken_slot[id] != slot) {
			lvh_dbg(vq->ctx, "vq %u: putting back %u buffers: buffer %u was given back",
				vq->index, n, id);
			return -EINVAL;
		}
	}
	for (k = 0; k < n; k++) {
		uint16_t t;

		vq->taken_at = vq->taken_at ? (uint16_t)(vq->taken_at - 1) : (uint16_t)(vq->num - 1);
		vq->ntaken--;
		t = vq->taken[vq->taken_at];
		if (t & LVH_VQ_RESUBMITTED)
			lvh_ifl_unresubmitted(vq); /* still in flight, as when the area was read */
		else
			vq->ops->unpop(vq, t);
	}
	return 0;
}

int lvh_vq_flush(struct lvh_vq *vq)
{
	if (vq->broken)
		return -EIO;
	return vq->ops->flush(vq);
}

bool lvh_vq_set_notify(struct lvh_vq *vq, bool enable)
{
	vq->kicks_off = !enable;
	if (vq->broken)
		return false;
	/* the ring's own check comes first: it is what makes the change visible */
	return vq->ops->set_notify(vq, enable) || lvh_ifl_resubmit_pending(vq);
}
