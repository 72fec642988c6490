/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device side of packed rings: an entry is available when its AVAIL bit
 * equals the device's avail wrap counter and its USED bit does not; a
 * buffer's id is its last descriptor's; used entries are written at the
 * device's own position, skipping as many entries as the buffer took.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "mem/mem.h"
#include "ring/vq.h"
#include "ring/vring.h"

static const struct lvh_vq_ops packed_ops;

static uint16_t flags_at(const struct lvh_vq *vq, unsigned int pos)
{
	return le16toh(__atomic_load_n(lvh_packed_flags_at(vq->desc, pos), __ATOMIC_ACQUIRE));
}

static void read_pdesc(const uint8_t *table, unsigned int i, struct lvh_packed_desc *d)
{
	struct lvh_packed_desc raw;

	memcpy(&raw, table + (size_t)i * LVH_DESC_SIZE, sizeof(raw));
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->id = le16toh(raw.id);
	d->flags = le16toh(raw.flags);
}

int lvh_vq_packed_init(struct lvh_vq *vq, struct libvhost_ctx *ctx,
		       const struct libvhost_mem *mem, unsigned int index, unsigned int num,
		       void *desc, void *driver_event, void *device_event, bool event_idx,
		       uint32_t base)
{
	uint16_t avail = base & 0x7fff;
	int r;

	if (((uintptr_t)driver_event & 3) || ((uintptr_t)device_event & 3) || avail >= num) {
		memset(vq, 0, sizeof(*vq));
		return -EINVAL;
	}
	r = lvh_vq_init_common(vq, &packed_ops, ctx, mem, index, num, desc, driver_event,
			       device_event, event_idx);
	if (r < 0)
		return r;
	/*
	 * Only the low half counts: QEMU and DPDK's virtio_user send the avail
	 * position and wrap alone.  A ring is stopped with nothing in flight,
	 * so the device's used position is the same (as DPDK's vhost does).
	 */
	vq->last_avail = avail;
	vq->avail_wrap = base & LVH_EVENT_WRAP;
	vq->used_idx = avail;
	vq->used_wrap = vq->avail_wrap;
	return 0;
}

/* The indirect table at d: its entries in order, none of them indirect. */
static int walk_indirect(struct lvh_vq *vq, struct lvh_vq_walk *w, const struct lvh_packed_desc *d)
{
	const uint8_t *table;
	struct lvh_packed_desc e;
	unsigned int i;
	int r;

	if (d->flags & LVH_DESC_F_NEXT)
		return lvh_vq_break(vq, "indirect descriptor with NEXT", d->addr);
	if (!d->len || d->len % LVH_DESC_SIZE || d->len / LVH_DESC_SIZE > LVH_VRING_MAX_NUM)
		return lvh_vq_break(vq, "indirect table of bad length", d->len);
	table = lvh_vq_translate_table(vq, d->addr, d->len);
	if (!table)
		return lvh_vq_unmapped(vq, "indirect table outside guest memory at", d->addr, false);
	for (i = 0; i < d->len / LVH_DESC_SIZE; i++) {
		read_pdesc(table, i, &e);
		if (e.flags & LVH_DESC_F_INDIRECT)
			return lvh_vq_break(vq, "indirect descriptor inside an indirect table", i);
		r = lvh_vq_map(vq, w, e.addr, e.len, e.flags & LVH_DESC_F_WRITE);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A descriptor's parts: inline in the pop, the indirect table out of line. */
static inline __attribute__((always_inline)) int map_desc(struct lvh_vq *vq, struct lvh_vq_walk *w,
							  uint64_t addr, uint32_t len, uint16_t flags)
{
	if (flags & LVH_DESC_F_INDIRECT) {
		struct lvh_packed_desc d = { .addr = addr, .len = len, .flags = flags };

		return walk_indirect(vq, w, &d);
	}
	return lvh_vq_map(vq, w, addr, len, flags & LVH_DESC_F_WRITE);
}

int lvh_vq_packed_map_desc(struct lvh_vq *vq, struct lvh_vq_walk *w, uint64_t addr, uint32_t len,
			   uint16_t flags)
{
	return map_desc(vq, w, addr, len, flags);
}

static inline __attribute__((always_inline)) int packed_pop(struct lvh_vq *vq, struct lvh_vq_walk *w,
								 uint16_t *id)
{
	uint16_t pos = vq->last_avail, flags = flags_at(vq, pos), first = 0xffff, last = 0xffff;
	bool wrap = vq->avail_wrap;
	unsigned int count = 0;
	struct lvh_packed_desc d;
	int r;

	if (vq->ifl && lvh_ifl_next_resubmit(vq, id)) {
		r = lvh_ifl_packed_walk(vq, w, *id);
		if (r < 0)
			return r;
		lvh_ifl_resubmitted(vq);
		return 1;
	}
	if (!!(flags & LVH_DESC_F_AVAIL) != wrap || !!(flags & LVH_DESC_F_USED) == wrap)
		return 0;
	for (;;) {
		if (++count > vq->num) {
			r = lvh_vq_break(vq, "descriptor chain longer than the ring", count);
			goto fail;
		}
		read_pdesc(vq->desc, pos, &d);
		r = map_desc(vq, w, d.addr, d.len, d.flags);
		if (r == 0 && vq->ifl)
			r = lvh_ifl_packed_note(vq, &first, &last, d.addr, d.len, d.flags);
		if (r < 0)
			goto fail;
		lvh_ring_advance(&pos, &wrap, 1, vq->num);
		if (!(d.flags & LVH_DESC_F_NEXT) || (d.flags & LVH_DESC_F_INDIRECT))
			break;
	}
	if (d.id >= vq->num) {
		r = lvh_vq_break(vq, "buffer id out of range", d.id);
		goto fail;
	}
	if (vq->inflight[d.id]) {
		r = lvh_vq_break(vq, "buffer id already in flight", d.id);
		goto fail;
	}
	if (vq->ifl)
		lvh_ifl_packed_taken(vq, first, d.id, (uint16_t)count);
	vq->inflight[d.id] = (uint16_t)count;
	vq->last_avail = pos;
	vq->avail_wrap = wrap;
	*id = d.id;
	return 1;
fail:
	if (vq->ifl)
		lvh_ifl_packed_abort(vq, first, count);
	return r;
}

static inline __attribute__((always_inline)) uint64_t packed_push(struct lvh_vq *vq, uint16_t id,
								       uint32_t len, uint32_t *bytes)
{
	uint64_t off = (uint64_t)vq->used_idx * LVH_DESC_SIZE;
	uint8_t *e = vq->desc + off;
	uint16_t flags =
	    (vq->used_wrap ? LVH_DESC_F_AVAIL | LVH_DESC_F_USED : 0) | (len ? LVH_DESC_F_WRITE : 0);
	uint16_t le_id = htole16(id);
	uint32_t le_len = htole32(len);

	memcpy(e + 12, &le_id, 2);
	memcpy(e + 8, &le_len, 4);
	if (vq->ifl) {
		/* one entry at a time, each recorded completing before it is written */
		lvh_ifl_packed_completing(vq, id);
		__atomic_store_n((uint16_t *)(e + LVH_PACKED_FLAGS_OFF), htole16(flags),
				 __ATOMIC_RELEASE);
	} else if (!vq->first_held) {
		/* the first since the flush hands them all back there: its flags wait */
		vq->first_held = true;
		vq->first_flags = flags;
		vq->first_off = (uint32_t)off;
	} else {
		/* not seen before the first: the driver reads the ring in order */
		__atomic_store_n((uint16_t *)(e + LVH_PACKED_FLAGS_OFF), htole16(flags),
				 __ATOMIC_RELAXED);
	}
	lvh_ring_advance(&vq->used_idx, &vq->used_wrap, vq->inflight[id], vq->num);
	if (vq->ifl)
		lvh_ifl_packed_done(vq, id);
	vq->used_total += vq->inflight[id];
	*bytes = LVH_DESC_SIZE;
	return off;
}

static int packed_pop_burst(struct lvh_vq *vq, struct iovec *iov, unsigned int cap,
			  struct libvhost_vq_elem *elems, unsigned int n)
{
	return lvh_vq_pop_each(vq, packed_pop, iov, cap, elems, n);
}

static int packed_push_burst(struct lvh_vq *vq, const struct libvhost_vq_used *used, unsigned int n)
{
	return lvh_vq_push_each(vq, packed_push, used, n);
}

static void packed_unpop(struct lvh_vq *vq, uint16_t id)
{
	unsigned int n = vq->inflight[id];

	if (vq->ifl)
		lvh_ifl_packed_untaken(vq, id);
	vq->inflight[id] = 0;
	/* back over its n descriptors, into the lap before at the start */
	if (n > vq->last_avail) {
		vq->last_avail = (uint16_t)(vq->last_avail + vq->num - n);
		vq->avail_wrap = !vq->avail_wrap;
	} else {
		vq->last_avail = (uint16_t)(vq->last_avail - n);
	}
}

static int packed_flush(struct lvh_vq *vq)
{
	uint16_t off_wrap, flags;
	uint32_t old = vq->signalled_total;
	int64_t event;
	bool fresh = vq->flushed_total != vq->used_total, valid = vq->signalled_valid;

	if (vq->first_held) {
		/* after every entry's id, length and flags since the last flush */
		__atomic_store_n((uint16_t *)(vq->desc + vq->first_off + LVH_PACKED_FLAGS_OFF),
				 htole16(vq->first_flags), __ATOMIC_RELEASE);
		lvh_vq_log_ring(vq, vq->used_gpa + vq->first_off + LVH_PACKED_FLAGS_OFF, 2);
		vq->first_held = false;
	}
	vq->flushed_total = vq->used_total;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	off_wrap = le16toh(__atomic_load_n(&vq->avail[0], __ATOMIC_RELAXED));
	flags = le16toh(__atomic_load_n(&vq->avail[1], __ATOMIC_RELAXED));
	if (!fresh || flags == LVH_EVENT_DISABLE)
		return 0;
	vq->signalled_total = vq->used_total;
	vq->signalled_valid = true;
	if (flags != LVH_EVENT_DESC || !vq->event_idx || !valid)
		return 1;
	/*
	 * The driver asks to hear when the entry at off_wrap is used.  In
	 * entries used ever: the current lap began used_idx entries ago; a wrap
	 * bit other than ours means the lap before.
	 */
	event = (int64_t)vq->used_total - vq->used_idx + (off_wrap & 0x7fff);
	if (!!(off_wrap & LVH_EVENT_WRAP) != vq->used_wrap)
		event -= vq->num;
	return event >= (int64_t)old && event < (int64_t)vq->used_total;
}

/*
 * Kicks on are plain LVH_EVENT_ENABLE even with event idx: a descriptor event
 * would have to follow every pop, and the driver kicks once per batch anyway.
 */
static bool packed_set_notify(struct lvh_vq *vq, bool enable)
{
	uint16_t flags;

	__atomic_store_n(&vq->used[1], htole16(enable ? LVH_EVENT_ENABLE : LVH_EVENT_DISABLE),
			 __ATOMIC_RELAXED);
	lvh_vq_log_ring(vq, vq->event_gpa + 2, 2); /* the flags of the device area */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = flags_at(vq, vq->last_avail);
	return !!(flags & LVH_DESC_F_AVAIL) == vq->avail_wrap &&
	       !!(flags & LVH_DESC_F_USED) != vq->avail_wrap;
}

static const struct lvh_vq_ops packed_ops = {
	.pop_burst = packed_pop_burst,
	.push_burst = packed_push_burst,
	.flush = packed_flush,
	.unpop = packed_unpop,
	.set_notify = packed_set_notify,
	.packed = true,
};
