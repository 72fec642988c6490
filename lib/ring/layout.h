/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio ring layouts (virtio 1.1, little-endian in guest memory): the
 * facts both sides of a ring rely on, the driver's (vring*.c) and the
 * device's (vq*.c).  A driver-side ring is told its layout by the public
 * header's LIBVHOST_VRING_F_* flags; the device side reads the virtio
 * feature bits below from what the front-end acked.
 */
#ifndef LIBVHOST_RING_LAYOUT_H
#define LIBVHOST_RING_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LVH_VRING_MAX_NUM 32768u
#define LVH_DESC_SIZE 16u

/* The virtio feature bits that choose how a ring works (bit numbers). */
#define LVH_VIRTIO_F_EVENT_IDX 29
#define LVH_VIRTIO_F_RING_PACKED 34

/* Descriptor flags, both layouts. */
#define LVH_DESC_F_NEXT 1
#define LVH_DESC_F_WRITE 2
#define LVH_DESC_F_INDIRECT 4
/* Packed: who owns an entry, read against the wrap counters. */
#define LVH_DESC_F_AVAIL (1u << 7)
#define LVH_DESC_F_USED (1u << 15)

struct lvh_split_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct lvh_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

_Static_assert(sizeof(struct lvh_split_desc) == LVH_DESC_SIZE, "split descriptor layout");
_Static_assert(sizeof(struct lvh_packed_desc) == LVH_DESC_SIZE, "packed descriptor layout");
/* Where a packed entry's flags are, for the loads and stores that hand it over. */
#define LVH_PACKED_FLAGS_OFF 14u

static inline uint16_t *lvh_packed_flags_at(uint8_t *ring, unsigned int pos)
{
	return (uint16_t *)(ring + (size_t)pos * LVH_DESC_SIZE + LVH_PACKED_FLAGS_OFF);
}

/*
 * Split: the available ring {flags, idx, ring[num], used_event} and the used
 * ring {flags, idx, {u32 id, u32 len}[num], avail_event}, indexed in 16-bit
 * units from each ring's start; their sizes in bytes.
 */
#define LVH_SPLIT_FLAGS 0
#define LVH_SPLIT_IDX 1
#define LVH_SPLIT_AVAIL_RING(i) (2 + (i))
#define LVH_SPLIT_USED_EVENT(num) (2 + (num))
#define LVH_SPLIT_USED_ELEM(i) (2 + 4 * (i))
#define LVH_SPLIT_AVAIL_EVENT(num) (2 + 4 * (num))
#define LVH_SPLIT_AVAIL_SIZE(num) (6 + 2ull * (num))
#define LVH_SPLIT_USED_SIZE(num) (6 + 8ull * (num))
#define LVH_SPLIT_AVAIL_F_NO_INTERRUPT 1
#define LVH_SPLIT_USED_F_NO_NOTIFY 1

/*
 * Packed: the driver and device event areas {off_wrap, flags}; the wrap bit
 * of off_wrap is also where a ring position carries its wrap counter (the
 * base of SET_VRING_BASE, the inflight area's used position).
 */
#define LVH_EVENT_ENABLE 0
#define LVH_EVENT_DISABLE 1
#define LVH_EVENT_DESC 2
#define LVH_EVENT_WRAP (1u << 15)

/*
 * Moves a packed ring position @n entries on, flipping its wrap counter
 * when it passes the end: @pos < num and @n <= num, so at most one lap.
 */
static inline void lvh_ring_advance(uint16_t *pos, bool *wrap, unsigned int n, unsigned int num)
{
	unsigned int p = *pos + n;

	if (p >= num) {
		p -= num;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

/* virtio's vring_need_event(): has the other side's event index been crossed? */
static inline bool lvh_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
