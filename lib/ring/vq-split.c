/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device side of split rings.  The driver owns the descriptor table and
 * the available ring: each index and descriptor is read once into a local
 * copy and checked (bounds, loops, one level of indirection, readable parts
 * before writable ones, every range inside guest memory) before use.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "ring/vq.h"
#include "ring/vring.h"

#define VRING_USED_F_NO_NOTIFY 1
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define DESC_SIZE 16u

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

#define AVAIL_IDX(vq) (&(vq)->avail[1])
#define AVAIL_RING(vq, i) (&(vq)->avail[2 + (i)])
#define USED_EVENT(vq) (&(vq)->avail[2 + (vq)->num])
#define USED_IDX(vq) (&(vq)->used[1])
#define AVAIL_EVENT(vq) (&(vq)->used[2 + 4 * (vq)->num])

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static int vq_break(struct lvh_vq *vq, const char *what, unsigned long long v)
{
	if (!vq->broken)
		lvh_err(vq->ctx, "vq %u: %s (%llu): the queue is broken", vq->index, what, v);
	vq->broken = true;
	return -EIO;
}

int lvh_vq_split_init(struct lvh_vq *vq, struct libvhost_ctx *ctx, const struct libvhost_mem *mem,
		      unsigned int index, unsigned int num, void *desc, void *avail, void *used,
		      bool event_idx, uint16_t base)
{
	memset(vq, 0, sizeof(*vq));
	if (!num || num > LVH_VRING_MAX_NUM || (num & (num - 1)) || !desc || !avail || !used ||
	    ((uintptr_t)desc & 15) || ((uintptr_t)avail & 1) || ((uintptr_t)used & 3))
		return -EINVAL;
	vq->inflight = calloc(num, 1);
	if (!vq->inflight)
		return -ENOMEM;
	vq->ctx = ctx;
	vq->mem = mem;
	vq->index = index;
	vq->num = num;
	vq->event_idx = event_idx;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->last_avail = base;
	vq->used_idx = load16(USED_IDX(vq));
	return 0;
}

void lvh_vq_fini(struct lvh_vq *vq)
{
	free(vq->inflight);
	vq->inflight = NULL;
}

static void read_desc(const uint8_t *table, unsigned int i, struct desc *d)
{
	struct desc raw;

	memcpy(&raw, table + (size_t)i * DESC_SIZE, sizeof(raw));
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

struct walk {
	struct iovec *iov;
	unsigned int cap, n, in;
};

/* Appends a descriptor's range as iovecs; -ENOSPC past cap, -EIO outside memory. */
static int map_desc(struct lvh_vq *vq, struct walk *w, const struct desc *d)
{
	uint64_t addr = d->addr, left = d->len;

	if ((d->flags & LVH_DESC_F_WRITE) == 0 && w->in)
		return vq_break(vq, "a readable part after a writable one", addr);
	while (left) {
		uint64_t contig = 0;
		void *p = lvh_mem_translate(vq->mem, addr, left, &contig);

		if (!p || !contig)
			return vq_break(vq, "buffer outside guest memory at", addr);
		if (w->n == w->cap)
			return -ENOSPC;
		if (contig > left)
			contig = left;
		w->iov[w->n].iov_base = p;
		w->iov[w->n].iov_len = (size_t)contig;
		w->n++;
		if (d->flags & LVH_DESC_F_WRITE)
			w->in++;
		addr += contig;
		left -= contig;
	}
	return 0;
}

/* Walks a chain of descriptors in @table (max entries), starting at @i. */
static int walk_chain(struct lvh_vq *vq, struct walk *w, const uint8_t *table, unsigned int max,
		      unsigned int i, bool nested)
{
	unsigned int steps = 0;
	struct desc d;
	int r;

	for (;;) {
		if (i >= max)
			return vq_break(vq, "descriptor index out of range", i);
		if (++steps > max)
			return vq_break(vq, "descriptor chain loops, at", i);
		read_desc(table, i, &d);
		if (d.flags & LVH_DESC_F_INDIRECT) {
			const uint8_t *ind;

			if (nested)
				return vq_break(vq, "indirect descriptor inside an indirect table", i);
			if (d.flags & LVH_DESC_F_NEXT)
				return vq_break(vq, "indirect descriptor with NEXT", i);
			if (!d.len || d.len % DESC_SIZE || d.len / DESC_SIZE > LVH_VRING_MAX_NUM)
				return vq_break(vq, "indirect table of bad length", d.len);
			ind = lvh_mem_translate(vq->mem, d.addr, d.len, NULL);
			if (!ind)
				return vq_break(vq, "indirect table outside guest memory at", d.addr);
			return walk_chain(vq, w, ind, d.len / DESC_SIZE, 0, true);
		}
		r = map_desc(vq, w, &d);
		if (r < 0)
			return r;
		if (!(d.flags & LVH_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int lvh_vq_pop(struct lvh_vq *vq, struct iovec *iov, unsigned int cap, struct lvh_vq_elem *elem)
{
	struct walk w = { iov, cap, 0, 0 };
	uint16_t avail_idx, head;
	int r;

	if (vq->broken)
		return -EIO;
	avail_idx = le16toh(__atomic_load_n(AVAIL_IDX(vq), __ATOMIC_ACQUIRE));
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return vq_break(vq, "available index moved by more than the ring size",
				(uint16_t)(avail_idx - vq->last_avail));
	if (avail_idx == vq->last_avail)
		return 0;
	head = load16(AVAIL_RING(vq, vq->last_avail & (vq->num - 1)));
	if (head >= vq->num)
		return vq_break(vq, "available head out of range", head);
	if (vq->inflight[head])
		return vq_break(vq, "available head already in flight", head);
	r = walk_chain(vq, &w, vq->desc, vq->num, head, false);
	if (r < 0)
		return r;
	vq->inflight[head] = 1;
	vq->last_avail++;
	if (vq->event_idx)
		store16(AVAIL_EVENT(vq), vq->last_avail);
	elem->id = head;
	elem->out = w.n - w.in;
	elem->in = w.in;
	return 1;
}

int lvh_vq_push(struct lvh_vq *vq, uint16_t id, uint32_t len)
{
	uint32_t *e;

	if (vq->broken)
		return -EIO;
	if (id >= vq->num || !vq->inflight[id]) {
		lvh_err(vq->ctx, "vq %u: pushing buffer %u, which is not in flight", vq->index, id);
		return -EINVAL;
	}
	vq->inflight[id] = 0;
	e = (uint32_t *)&vq->used[2 + 4 * (vq->used_idx & (vq->num - 1))];
	e[0] = htole32(id);
	e[1] = htole32(len);
	vq->used_idx++;
	return 0;
}

int lvh_vq_flush(struct lvh_vq *vq)
{
	uint16_t published, old, event;
	bool valid;

	if (vq->broken)
		return -EIO;
	published = load16(USED_IDX(vq));
	__atomic_store_n(USED_IDX(vq), htole16(vq->used_idx), __ATOMIC_RELEASE);
	/* the driver's suppression is read after the index is visible */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return published != vq->used_idx &&
		       !(load16(&vq->avail[0]) & VRING_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!valid)
		return published != vq->used_idx;
	event = load16(USED_EVENT(vq));
	/* virtio's vring_need_event(): the driver's event index in [old, new) */
	return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)(vq->used_idx - old);
}

void lvh_vq_set_notify(struct lvh_vq *vq, bool enable)
{
	if (vq->event_idx) {
		if (enable)
			store16(AVAIL_EVENT(vq), vq->last_avail);
	} else {
		store16(&vq->used[0], enable ? 0 : VRING_USED_F_NO_NOTIFY);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
