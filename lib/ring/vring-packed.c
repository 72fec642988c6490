/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packed layout (virtio 1.1): one descriptor ring {addr, len, id, flags}
 * whose AVAIL/USED flag bits, read against wrap counters, say who owns each
 * entry; a driver event area (interrupt suppression, written here) and a
 * device event area (kick suppression, written by the device).  A chain's
 * later descriptors are written at add(); its head's flags, which hand the
 * whole chain over, only at publish().
 */
#include <errno.h>
#include <string.h>

#include "ring/vring.h"

#define PDESC(vr) ((struct lvh_packed_desc *)(vr)->base)
/* {off_wrap, flags}: the driver's (read by the device) and the device's */
#define DRIVER_EVENT(vr) ((uint16_t *)((vr)->base + (vr)->avail_off))
#define DEVICE_EVENT(vr) ((uint16_t *)((vr)->base + (vr)->used_off))

static void packed_layout(unsigned int num, uint64_t *avail_off, uint64_t *used_off,
			  uint64_t *size)
{
	*avail_off = (uint64_t)LVH_DESC_SIZE * num;
	*used_off = *avail_off + 4;
	*size = *used_off + 4;
}

static bool packed_num_ok(unsigned int num)
{
	return num && num <= LVH_VRING_MAX_NUM;
}

static void set_driver_event(struct libvhost_vring *vr, uint16_t flags)
{
	uint16_t *ev = DRIVER_EVENT(vr);
	uint16_t off_wrap = (uint16_t)(vr->last_used_pos | (vr->used_wrap ? LVH_EVENT_WRAP : 0));

	__atomic_store_n(&ev[0], htole16(off_wrap), __ATOMIC_RELAXED);
	__atomic_store_n(&ev[1], htole16(flags), __ATOMIC_RELEASE);
}

static void packed_init(struct libvhost_vring *vr)
{
	unsigned int i;

	for (i = 0; i < vr->num; i++)
		vr->next[i] = (uint16_t)(i + 1); /* the free buffer ids */
	vr->avail_wrap = vr->used_wrap = true;
	if (vr->event_idx)
		set_driver_event(vr, LVH_EVENT_DESC);
}

static uint16_t avail_bits(bool wrap)
{
	return wrap ? LVH_DESC_F_AVAIL : LVH_DESC_F_USED;
}

static uint16_t packed_add(struct libvhost_vring *vr, unsigned int n, bool indirect, void *token)
{
	struct lvh_packed_desc *ring = PDESC(vr);
	uint16_t id = vr->free_id, pos = vr->next_avail;
	bool wrap = vr->avail_wrap;
	unsigned int i;

	vr->free_id = vr->next[id];
	if (indirect) {
		/* the table holds the chain in order (no NEXT flags); the ring one entry */
		struct lvh_packed_desc *table =
		    (struct lvh_packed_desc *)lvh_vring_ind_table(vr, id);

		for (i = 0; i < n; i++) {
			table[i].addr = htole64(vr->pieces[i].gpa);
			table[i].len = htole32(vr->pieces[i].len);
			table[i].id = 0;
			table[i].flags = htole16(vr->pieces[i].flags);
		}
		ring[pos].addr = htole64(lvh_vring_ind_gpa(vr, id));
		ring[pos].len = htole32(LVH_DESC_SIZE * n);
		ring[pos].id = htole16(id);
		vr->pending[vr->num_added] = pos;
		vr->pending_flags[vr->num_added] =
			(uint16_t)(LVH_DESC_F_INDIRECT | avail_bits(wrap));
		lvh_ring_advance(&pos, &wrap, 1, vr->num);
		n = 1;
		goto done;
	}
	for (i = 0; i < n; i++) {
		uint16_t flags = (uint16_t)(vr->pieces[i].flags | avail_bits(wrap) |
					    (i + 1 < n ? LVH_DESC_F_NEXT : 0));

		ring[pos].addr = htole64(vr->pieces[i].gpa);
		ring[pos].len = htole32(vr->pieces[i].len);
		ring[pos].id = htole16(id);
		if (i == 0) {
			vr->pending[vr->num_added] = pos;
			vr->pending_flags[vr->num_added] = flags;
		} else {
			ring[pos].flags = htole16(flags);
		}
		lvh_ring_advance(&pos, &wrap, 1, vr->num);
	}
done:
	vr->next_avail = pos;
	vr->avail_wrap = wrap;
	vr->descs_added = (uint16_t)(vr->descs_added + n);
	vr->chain[id] = (uint16_t)n;
	vr->token[id] = token;
	return id;
}

static bool packed_publish(struct libvhost_vring *vr)
{
	struct lvh_packed_desc *ring = PDESC(vr);
	uint16_t *dev = DEVICE_EVENT(vr), off_wrap, flags, event, old;
	unsigned int i;

	/* each head's flags last, with release: they hand the chain's descriptors over */
	for (i = 0; i < vr->num_added; i++)
		__atomic_store_n(&ring[vr->pending[i]].flags, htole16(vr->pending_flags[i]),
				 __ATOMIC_RELEASE);
	old = (uint16_t)(vr->next_avail - vr->descs_added);
		vr->descs_added = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	off_wrap = le16toh(__atomic_load_n(&dev[0], __ATOMIC_RELAXED));
	flags = le16toh(__atomic_load_n(&dev[1], __ATOMIC_RELAXED));
	if (flags != LVH_EVENT_DESC || !vr->event_idx)
		return flags != LVH_EVENT_DISABLE;
	event = off_wrap & (uint16_t)~LVH_EVENT_WRAP;
	/* an event index from the previous lap counts as num behind */
	if (!!(off_wrap & LVH_EVENT_WRAP) != vr->avail_wrap)
		event = (uint16_t)(event - vr->num);
	return lvh_need_event(event, vr->next_avail, old);
}

static bool is_used(const struct libvhost_vring *vr, uint16_t flags)
{
	bool avail = flags & LVH_DESC_F_AVAIL, used = flags & LVH_DESC_F_USED;

	return avail == used && used == vr->used_wrap;
}

static int packed_get_used(struct libvhost_vring *vr, void **token, uint32_t *len)
{
	struct lvh_packed_desc *ring = PDESC(vr);
	struct lvh_packed_desc d;
	uint16_t flags, id;

	flags = le16toh(__atomic_load_n(&ring[vr->last_used_pos].flags, __ATOMIC_ACQUIRE));
	if (!is_used(vr, flags))
		return 0;
	memcpy(&d, &ring[vr->last_used_pos], sizeof(d)); /* read once */
	id = le16toh(d.id);
	if (id >= vr->num || !vr->published[id])
		return lvh_vring_broken(vr, "returned a buffer id that it was not given", id);
	*token = vr->token[id];
	*len = le32toh(d.len);
	/* skip the chain by our own record of its length */
	lvh_ring_advance(&vr->last_used_pos, &vr->used_wrap, vr->chain[id], vr->num);
	vr->num_free = (uint16_t)(vr->num_free + vr->chain[id]);
	vr->token[id] = NULL;
	vr->published[id] = 0;
	vr->next[id] = vr->free_id;
	vr->free_id = id;
	if (vr->event_idx && vr->interrupts) {
		set_driver_event(vr, LVH_EVENT_DESC);
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* as in vring-split.c */
	}
	return 1;
}

static int packed_set_interrupts(struct libvhost_vring *vr, bool enable)
{
	uint16_t flags;

	set_driver_event(vr, enable ? (vr->event_idx ? LVH_EVENT_DESC : LVH_EVENT_ENABLE)
				    : LVH_EVENT_DISABLE);
	if (!enable)
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = le16toh(__atomic_load_n(&PDESC(vr)[vr->last_used_pos].flags, __ATOMIC_ACQUIRE));
	return is_used(vr, flags);
}

const struct lvh_vring_ops lvh_vring_packed_ops = {
	.layout = packed_layout,
	.num_ok = packed_num_ok,
	.init = packed_init,
	.add = packed_add,
	.publish = packed_publish,
	.get_used = packed_get_used,
	.set_interrupts = packed_set_interrupts,
};
