/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver-side virtqueues: what the split and packed layouts share. */
#ifndef LIBVHOST_VRING_H
#define LIBVHOST_VRING_H

#include <endian.h>

#include "mem/mem.h"
#include "ring/layout.h"

#define LVH_VRING_INDIRECT_DEFAULT 32u

/* One descriptor's worth of a buffer, in guest addresses. */
struct lvh_piece {
	uint64_t gpa;
	uint32_t len;
	uint16_t flags; /* LVH_DESC_F_WRITE */
};

struct lvh_vring_ops;

struct libvhost_vring {
	int refcount;
	const struct lvh_vring_ops *ops;
	struct libvhost_mem *mem;
	struct libvhost_ctx *ctx;
	unsigned int num;
	uint64_t gpa, avail_off, used_off, size; /* packed: driver and device areas */
	uint64_t ind_off; /* indirect tables: one per buffer id, indirect_max entries each */
	unsigned int indirect_max; /* 0: no indirect descriptors */
	uint8_t *base;
	bool event_idx, interrupts, broken;
	int kick_fd;
	uint16_t num_free; /* descriptors */
	uint16_t num_added; /* buffers added since the last kick */
	struct lvh_piece *pieces; /* scratch for one add, num entries */
	void **token; /* per buffer id (packed) or head (split); NULL when free */
	uint16_t *chain; /* descriptors per in-flight id */
	uint16_t *next; /* split: free list and chain links; packed: free ids */
	uint16_t *pending_id; /* ids added since the last kick, num_added of them */
	uint8_t *published; /* per id: handed to the device, so it may come back used */
	/* split */
	uint16_t free_head, avail_idx, kicked_idx, last_used;
	/* packed */
	uint16_t next_avail, last_used_pos, free_id;
	uint16_t descs_added; /* since the last kick */
	bool avail_wrap, used_wrap;
	uint16_t *pending; /* head positions written but not yet made available */
	uint16_t *pending_flags;
};

struct lvh_vring_ops {
	/* bytes of guest memory for num entries, and where the two other parts go */
	void (*layout)(unsigned int num, uint64_t *avail_off, uint64_t *used_off, uint64_t *size);
	bool (*num_ok)(unsigned int num);
	void (*init)(struct libvhost_vring *vr);
	/*
	 * writes a buffer of n pieces, directly (n <= num_free) or, if indirect,
	 * through the buffer id's indirect table (one ring entry); not yet
	 * visible.  Returns the buffer's id.
	 */
	uint16_t (*add)(struct libvhost_vring *vr, unsigned int n, bool indirect, void *token);
	/* makes the num_added buffers visible; returns whether the device wants a kick */
	bool (*publish)(struct libvhost_vring *vr);
	int (*get_used)(struct libvhost_vring *vr, void **token, uint32_t *len);
	int (*set_interrupts)(struct libvhost_vring *vr, bool enable);
};

extern const struct lvh_vring_ops lvh_vring_split_ops;
extern const struct lvh_vring_ops lvh_vring_packed_ops;

bool lvh_vring_is_packed(const struct libvhost_vring *vring);

/* The guest address and the mapping of buffer id slot's indirect table. */
static inline uint64_t lvh_vring_ind_gpa(const struct libvhost_vring *vr, unsigned int slot)
{
	return vr->gpa + vr->ind_off + (uint64_t)LVH_DESC_SIZE * vr->indirect_max * slot;
}

static inline uint8_t *lvh_vring_ind_table(const struct libvhost_vring *vr, unsigned int slot)
{
	return vr->base + vr->ind_off + (uint64_t)LVH_DESC_SIZE * vr->indirect_max * slot;
}

/* Marks the ring broken (logged); returns -EIO. */
int lvh_vring_broken(struct libvhost_vring *vr, const char *why, unsigned int v);

#endif
