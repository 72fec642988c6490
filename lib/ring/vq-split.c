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

#define AVAIL_IDX(vq) (&(vq)->avail[LVH_SPLIT_IDX])
#define AVAIL_RING(vq, i) (&(vq)->avail[LVH_SPLIT_AVAIL_RING(i)])
#define USED_EVENT(vq) (&(vq)->avail[LVH_SPLIT_USED_EVENT((vq)->num)])
#define USED_IDX(vq) (&(vq)->used[LVH_SPLIT_IDX])
#define USED_ELEM(vq, i) (&(vq)->used[LVH_SPLIT_USED_ELEM(i)])
#define AVAIL_EVENT(vq) (&(vq)->used[LVH_SPLIT_AVAIL_EVENT((vq)->num)])
/* in bytes from the used ring's start */
#define AVAIL_EVENT_OFF(vq) (2 * (uint64_t)LVH_SPLIT_AVAIL_EVENT((vq)->num))

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

static const struct lvh_vq_ops split_ops;

int lvh_vq_split_init(struct lvh_vq *vq, struct libvhost_ctx *ctx, const struct libvhost_mem *mem,
		      unsigned int index, unsigned int num, void *desc, void *avail, void *used,
		      bool event_idx, uint16_t base)
{
	int r;

	if ((num & (num - 1)) || ((uintptr_t)avail & 1) || ((uintptr_t)used & 3)) {
		memset(vq, 0, sizeof(*vq));
		return -EINVAL;
	}
	r = lvh_vq_init_common(vq, &split_ops, ctx, mem, index, num, desc, avail, used, event_idx);
	if (r < 0)
		return r;
	vq->last_avail = base;
	vq->used_idx = load16(USED_IDX(vq));
	vq->published = vq->used_idx;
	return 0;
}

static void read_desc(const uint8_t *table, unsigned int i, struct lvh_split_desc *d)
{
	struct lvh_split_desc raw;

	memcpy(&raw, table + (size_t)i * LVH_DESC_SIZE, sizeof(raw));
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

static int walk_indirect(struct lvh_vq *vq, struct lvh_vq_walk *w, const struct lvh_split_desc *d,
			 unsigned int i);

/*
 * Walks a chain of descriptors in @table (max entries), starting at @i.
 * Inline in split_pop(); an indirect table is walked out of line.
 */
static inline __attribute__((always_inline)) int
walk_chain(struct lvh_vq *vq, struct lvh_vq_walk *w, const uint8_t *table, unsigned int max,
	   unsigned int i, bool nested)
{
	unsigned int steps = 0;
	struct lvh_split_desc d;
	int r;

	for (;;) {
		if (i >= max)
			return lvh_vq_break(vq, "descriptor index out of range", i);
		if (++steps > max)
			return lvh_vq_break(vq, "descriptor chain loops, at", i);
		read_desc(table, i, &d);
		if (d.flags & LVH_DESC_F_INDIRECT) {
			if (nested)
				return lvh_vq_break(vq, "indirect descriptor inside an indirect table", i);
			return walk_indirect(vq, w, &d, i);
		}
		r = lvh_vq_map(vq, w, d.addr, d.len, d.flags & LVH_DESC_F_WRITE);
		if (r < 0)
			return r;
		if (!(d.flags & LVH_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

/* Descriptor @i points at an indirect table: its chain, walked like the ring's. */
static __attribute__((noinline)) int walk_indirect(struct lvh_vq *vq, struct lvh_vq_walk *w,
						   const struct lvh_split_desc *d, unsigned int i)
{
	const uint8_t *ind;

	if (d->flags & LVH_DESC_F_NEXT)
		return lvh_vq_break(vq, "indirect descriptor with NEXT", i);
	if (!d->len || d->len % LVH_DESC_SIZE || d->len / LVH_DESC_SIZE > LVH_VRING_MAX_NUM)
		return lvh_vq_break(vq, "indirect table of bad length", d->len);
	ind = lvh_vq_translate_table(vq, d->addr, d->len);
	if (!ind)
		return lvh_vq_unmapped(vq, "indirect table outside guest memory at", d->addr, false);
	return walk_chain(vq, w, ind, d->len / LVH_DESC_SIZE, 0, true);
}

/*
 * Ask for the descriptors of the next available entries and for the used
 * entries they will take, up to LVH_VQ_PREFETCH past what was asked for
 * before, so that the cache misses on lines the driver wrote on another CPU
 * overlap instead of coming one pop at a time.  Called when a batch is seen
 * and again whenever fewer than half that many asked-for entries are left:
 * a driver that stays ahead of the device (a full ring) is read ahead all
 * the way, not only at the start of a batch.  Only hints: the heads are
 * read again, and checked, by split_pop().
 */
static void split_prefetch(struct lvh_vq *vq, unsigned int from)
{
	unsigned int k, mask = vq->num - 1, to = from + LVH_VQ_PREFETCH;

	if (to > vq->avail_pending)
		to = vq->avail_pending;
	for (k = from; k < to; k++) {
		uint16_t head = load16(AVAIL_RING(vq, (vq->last_avail + k) & mask));

		if (head < vq->num)
			__builtin_prefetch(vq->desc + LVH_DESC_SIZE * head);
	}
	/* 8 used entries to a cache line; the entry a buffer takes is about as far on */
	for (k = from; k < to; k += 8)
		__builtin_prefetch(USED_ELEM(vq, (vq->used_idx + k) & mask), 1);
	vq->prefetch_to = (uint16_t)(vq->last_avail + to);
}

static inline __attribute__((always_inline)) int split_pop(struct lvh_vq *vq, struct lvh_vq_walk *w,
								 uint16_t *id)
{
	uint16_t avail_idx, head, ahead;
	int r;

	if (vq->ifl && lvh_ifl_next_resubmit(vq, &head)) {
		r = walk_chain(vq, w, vq->desc, vq->num, head, false);
		if (r < 0)
			return r;
		lvh_ifl_resubmitted(vq);
		*id = head;
		return 1;
	}
	/*
	 * The available index is read once per batch, not per buffer: the
	 * driver writes that cache line while it adds, and every read of it
	 * from here would pull the line across.
	 */
	if (!vq->avail_pending) {
		avail_idx = le16toh(__atomic_load_n(AVAIL_IDX(vq), __ATOMIC_ACQUIRE));
		if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
			return lvh_vq_break(vq, "available index moved by more than the ring size",
					    (uint16_t)(avail_idx - vq->last_avail));
		if (avail_idx == vq->last_avail)
			return 0;
		vq->avail_pending = (uint16_t)(avail_idx - vq->last_avail);
		split_prefetch(vq, 0);
	} else {
		/* entries asked for past last_avail (pops never overtake the look-ahead) */
		ahead = (uint16_t)(vq->prefetch_to - vq->last_avail);
		if (ahead < LVH_VQ_PREFETCH / 2 && ahead < vq->avail_pending)
			split_prefetch(vq, ahead);
	}
	head = load16(AVAIL_RING(vq, vq->last_avail & (vq->num - 1)));
	if (head >= vq->num)
		return lvh_vq_break(vq, "available head out of range", head);
	if (vq->inflight[head])
		return lvh_vq_break(vq, "available head already in flight", head);
	r = walk_chain(vq, w, vq->desc, vq->num, head, false);
	if (r < 0)
		return r;
	vq->inflight[head] = 1;
	if (vq->ifl)
		lvh_ifl_split_taken(vq, head);
	vq->last_avail++;
	/*
	 * With the batch taken, the driver kicks when it adds past it; the
	 * fence orders that before the next read of the available index, so
	 * either the driver sees the new event or the device sees its buffers.
	 */
	if (!--vq->avail_pending && vq->event_idx && !vq->kicks_off) {
		store16(AVAIL_EVENT(vq), vq->last_avail);
		lvh_vq_log_ring(vq, vq->used_gpa + AVAIL_EVENT_OFF(vq), 2);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	*id = head;
	return 1;
}

static inline __attribute__((always_inline)) uint64_t split_push(struct lvh_vq *vq, uint16_t id,
								       uint32_t len, uint32_t *bytes)
{
	unsigned int slot = vq->used_idx & (vq->num - 1);
	uint32_t *e = (uint32_t *)USED_ELEM(vq, slot);

	e[0] = htole32(id);
	e[1] = htole32(len);
	if (vq->ifl)
		lvh_ifl_split_pushed(vq, id);
	vq->used_idx++;
	*bytes = 8;
	return 2 * (uint64_t)LVH_SPLIT_USED_ELEM(slot);
}

static int split_pop_burst(struct lvh_vq *vq, struct iovec *iov, unsigned int cap,
			  struct libvhost_vq_elem *elems, unsigned int n)
{
	return lvh_vq_pop_each(vq, split_pop, iov, cap, elems, n);
}

static int split_push_burst(struct lvh_vq *vq, const struct libvhost_vq_used *used, unsigned int n)
{
	return lvh_vq_push_each(vq, split_push, used, n);
}

static void split_unpop(struct lvh_vq *vq, uint16_t id)
{
	vq->inflight[id] = 0;
	if (vq->ifl)
		lvh_ifl_split_untaken(vq, id);
	vq->last_avail--;
	vq->avail_pending++;
}

static int split_flush(struct lvh_vq *vq)
{
	uint16_t published, old, event;
	bool valid;

	/*
	 * What the ring holds is remembered, not read back: the driver polls
	 * that line, and reading it would pull it back across once a burst.
	 * Nothing pushed, nothing to publish or tell.
	 */
	published = vq->published;
	if (published == vq->used_idx)
		return 0;
	vq->published = vq->used_idx;
	__atomic_store_n(USED_IDX(vq), htole16(vq->used_idx), __ATOMIC_RELEASE);
	lvh_vq_log_ring(vq, vq->used_gpa + 2, 2); /* after the write, or a sync between misses it */
	if (vq->ifl)
		lvh_ifl_split_published(vq);
	/* the driver's suppression is read after the index is visible */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return published != vq->used_idx &&
		       !(load16(&vq->avail[LVH_SPLIT_FLAGS]) & LVH_SPLIT_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!valid)
		return published != vq->used_idx;
	event = load16(USED_EVENT(vq));
	return lvh_need_event(event, vq->used_idx, old);
}

static bool split_set_notify(struct lvh_vq *vq, bool enable)
{
	/*
	 * With event idx, "no kicks" is an avail_event half the index space
	 * away from what the driver adds: at most one kick per 32768 buffers.
	 */
	if (vq->event_idx) {
		store16(AVAIL_EVENT(vq), (uint16_t)(vq->last_avail + (enable ? 0 : 0x8000)));
		lvh_vq_log_ring(vq, vq->used_gpa + AVAIL_EVENT_OFF(vq), 2);
	} else {
		store16(&vq->used[LVH_SPLIT_FLAGS], enable ? 0 : LVH_SPLIT_USED_F_NO_NOTIFY);
		lvh_vq_log_ring(vq, vq->used_gpa, 2);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq->avail_pending || load16(AVAIL_IDX(vq)) != vq->last_avail;
}

static const struct lvh_vq_ops split_ops = {
	.pop_burst = split_pop_burst,
	.push_burst = split_push_burst,
	.flush = split_flush,
	.unpop = split_unpop,
	.set_notify = split_set_notify,
};
