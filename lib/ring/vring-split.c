/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The split layout (virtio 1.x, little-endian): descriptor table, available
 * ring {flags, idx, ring[num], used_event}, used ring {flags, idx,
 * {id, len}[num], avail_event}.  Buffers become visible at publish().
 */
#include <errno.h>
#include <string.h>

#include "ring/vring.h"

#define USED_ALIGN 64u /* keeps the device-written ring off the driver's cache lines */

#define DESC(vr) ((struct lvh_split_desc *)(vr)->base)
#define AVAIL(vr) ((uint16_t *)((vr)->base + (vr)->avail_off))
#define USED(vr) ((uint16_t *)((vr)->base + (vr)->used_off))
#define USED_EVENT(vr) (&AVAIL(vr)[LVH_SPLIT_USED_EVENT((vr)->num)])
#define AVAIL_EVENT(vr) (&USED(vr)[LVH_SPLIT_AVAIL_EVENT((vr)->num)])

static void split_layout(unsigned int num, uint64_t *avail_off, uint64_t *used_off,
			 uint64_t *size)
{
	*avail_off = (uint64_t)LVH_DESC_SIZE * num;
	*used_off =
	    (*avail_off + LVH_SPLIT_AVAIL_SIZE(num) + USED_ALIGN - 1) & ~(uint64_t)(USED_ALIGN - 1);
	*size = *used_off + LVH_SPLIT_USED_SIZE(num);
}

static bool split_num_ok(unsigned int num)
{
	return num && num <= LVH_VRING_MAX_NUM && !(num & (num - 1));
}

static void split_init(struct libvhost_vring *vr)
{
	unsigned int i;

	for (i = 0; i < vr->num; i++)
		vr->next[i] = (uint16_t)(i + 1);
}

/* Writes the pieces as a chain of split descriptors at table[0..n), linked in order. */
static void write_indirect(struct libvhost_vring *vr, struct lvh_split_desc *table, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		table[i].addr = htole64(vr->pieces[i].gpa);
		table[i].len = htole32(vr->pieces[i].len);
		table[i].flags =
			htole16((uint16_t)(vr->pieces[i].flags | (i + 1 < n ? LVH_DESC_F_NEXT : 0)));
		table[i].next = htole16((uint16_t)(i + 1 < n ? i + 1 : 0));
	}
}

static uint16_t split_add(struct libvhost_vring *vr, unsigned int n, bool indirect, void *token)
{
	struct lvh_split_desc *desc = DESC(vr);
	uint16_t head = vr->free_head, idx = head, prev = head;
	unsigned int i;

	if (indirect) {
		/* the head's table slot: one entry in the ring for the whole chain */
		write_indirect(vr, (struct lvh_split_desc *)lvh_vring_ind_table(vr, head), n);
		desc[head].addr = htole64(lvh_vring_ind_gpa(vr, head));
		desc[head].len = htole32(LVH_DESC_SIZE * n);
		desc[head].flags = htole16(LVH_DESC_F_INDIRECT);
		desc[head].next = 0;
		idx = vr->next[head];
		n = 1;
	} else {
		for (i = 0; i < n; i++) {
			struct lvh_split_desc d = {
				.addr = htole64(vr->pieces[i].gpa),
				.len = htole32(vr->pieces[i].len),
				.flags = htole16(vr->pieces[i].flags),
			};

			if (i) {
				desc[prev].flags |= htole16(LVH_DESC_F_NEXT);
				desc[prev].next = htole16(idx);
			}
			desc[idx] = d;
			prev = idx;
			idx = vr->next[idx];
		}
	}
	vr->free_head = idx;
	vr->chain[head] = (uint16_t)n;
	vr->token[head] = token;
	AVAIL(vr)[LVH_SPLIT_AVAIL_RING(vr->avail_idx & (vr->num - 1))] = htole16(head);
	vr->avail_idx++;
	return head;
}

static bool split_publish(struct libvhost_vring *vr)
{
	uint16_t old = vr->kicked_idx;

	/* descriptors and ring entries before the index that publishes them */
	__atomic_store_n(&AVAIL(vr)[LVH_SPLIT_IDX], htole16(vr->avail_idx), __ATOMIC_RELEASE);
	vr->kicked_idx = vr->avail_idx;
		/* the index must be visible before we read whether the device wants a kick */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx)
		return lvh_need_event(le16toh(__atomic_load_n(AVAIL_EVENT(vr), __ATOMIC_RELAXED)),
				      vr->avail_idx, old);
	return !(le16toh(__atomic_load_n(&USED(vr)[LVH_SPLIT_FLAGS], __ATOMIC_RELAXED)) &
		 LVH_SPLIT_USED_F_NO_NOTIFY);
}

static int split_get_used(struct libvhost_vring *vr, void **token, uint32_t *len)
{
	uint16_t used_idx, head, d;
	uint32_t id, elem[2];
	unsigned int i;

	used_idx = le16toh(__atomic_load_n(&USED(vr)[LVH_SPLIT_IDX], __ATOMIC_ACQUIRE));
	if (used_idx == vr->last_used)
		return 0;
	/* the device can only have used what was published */
	if ((uint16_t)(used_idx - vr->last_used) > (uint16_t)(vr->kicked_idx - vr->last_used))
		return lvh_vring_broken(vr, "used more buffers than were published", used_idx);
	/* read the element once: the device may rewrite it under us */
	memcpy(elem, &USED(vr)[LVH_SPLIT_USED_ELEM(vr->last_used & (vr->num - 1))], sizeof(elem));
	id = le32toh(elem[0]);
	if (id >= vr->num || !vr->published[id])
		return lvh_vring_broken(vr, "returned a buffer id that it was not given", id);
	head = (uint16_t)id;
	*token = vr->token[head];
	*len = le32toh(elem[1]);
	/* give the chain back, following our own links */
	d = head;
	for (i = 1; i < vr->chain[head]; i++)
		d = vr->next[d];
	vr->next[d] = vr->free_head;
	vr->free_head = head;
	vr->num_free = (uint16_t)(vr->num_free + vr->chain[head]);
	vr->token[head] = NULL;
	vr->published[head] = 0;
	vr->last_used++;
	if (vr->event_idx && vr->interrupts) {
		__atomic_store_n(USED_EVENT(vr), htole16(vr->last_used), __ATOMIC_RELAXED);
		/*
		 * The device stores the used index, then reads used_event; we store
		 * used_event, then read the index (the next call).  Without a full
		 * fence both may see the other's old value: the device skips the
		 * interrupt and we sleep with a buffer waiting.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 1;
}

static int split_set_interrupts(struct libvhost_vring *vr, bool enable)
{
	if (vr->event_idx)
		/* the flag is ignored with event idx: move used_event out of reach instead */
		__atomic_store_n(USED_EVENT(vr),
				 htole16((uint16_t)(enable ? vr->last_used : vr->last_used - 1)),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&AVAIL(vr)[LVH_SPLIT_FLAGS],
				 htole16(enable ? 0 : LVH_SPLIT_AVAIL_F_NO_INTERRUPT),
				 __ATOMIC_RELAXED);
	if (!enable)
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return le16toh(__atomic_load_n(&USED(vr)[LVH_SPLIT_IDX], __ATOMIC_ACQUIRE)) !=
	       vr->last_used;
}

const struct lvh_vring_ops lvh_vring_split_ops = {
	.layout = split_layout,
	.num_ok = split_num_ok,
	.init = split_init,
	.add = split_add,
	.publish = split_publish,
	.get_used = split_get_used,
	.set_interrupts = split_set_interrupts,
};
