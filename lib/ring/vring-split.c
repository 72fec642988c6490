/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver-side split virtqueues (virtio 1.x layout, little-endian), in guest
 * memory of a libvhost_mem table.  The device is not trusted: descriptor
 * chains are tracked in private memory (never read back from the ring), and a
 * used element is accepted only for a head that is in flight.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define MAX_NUM 32768u
#define USED_ALIGN 64u /* keeps the device-written ring off the driver's cache lines */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct libvhost_vring {
	int refcount;
	struct libvhost_mem *mem;
	struct libvhost_ctx *ctx;
	unsigned int num;
	uint64_t gpa, desc_off, avail_off, used_off;
	uint8_t *base;
	struct desc *desc;
	uint16_t *avail; /* flags, idx, ring[num], used_event */
	uint16_t *used; /* flags, idx, then {u32 id, u32 len}[num], avail_event */
	uint16_t free_head, num_free;
	uint16_t avail_idx; /* next slot to fill */
	uint16_t kicked_idx; /* avail idx at the last kick */
	uint16_t last_used;
	bool event_idx, interrupts, broken;
	int kick_fd;
	uint16_t *next; /* private free list / chain links */
	uint16_t *chain; /* descriptors per in-flight head */
	void **token; /* per in-flight head; NULL when free */
};

static void layout(unsigned int num, uint64_t *avail_off, uint64_t *used_off, uint64_t *size)
{
	*avail_off = 16ull * num;
	*used_off = (*avail_off + 6 + 2ull * num + USED_ALIGN - 1) & ~(uint64_t)(USED_ALIGN - 1);
	*size = *used_off + 6 + 8ull * num;
}

static bool num_ok(unsigned int num)
{
	return num && num <= MAX_NUM && !(num & (num - 1));
}

LIBVHOST_EXPORT int libvhost_vring_area_size(unsigned int num, uint64_t *ret_bytes)
{
	uint64_t a, u;

	if (!num_ok(num) || !ret_bytes)
		return -EINVAL;
	layout(num, &a, &u, ret_bytes);
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_new(struct libvhost_mem *mem, uint64_t guest_addr,
				       unsigned int num, const struct libvhost_vring_opts *opts,
				       struct libvhost_vring **ret)
{
	struct libvhost_vring *vr;
	uint64_t size, flags;
	unsigned int i;
	int r;

	if (!mem || !ret)
		return -EINVAL;
	r = LVH_OPTS_VALID(lvh_mem_ctx(mem), opts, libvhost_vring_opts);
	if (r < 0)
		return r;
	flags = LVH_OPTS_GET(opts, flags, 0);
	if (!num_ok(num) || (guest_addr & 15) || (flags & ~LIBVHOST_VRING_F_EVENT_IDX)) {
		lvh_err(lvh_mem_ctx(mem), "vring of %u entries at 0x%" PRIx64 ", flags 0x%" PRIx64
			": the size must be a power of two up to 32768, the address 16-byte aligned",
			num, guest_addr, flags);
		return -EINVAL;
	}
	vr = calloc(1, sizeof(*vr));
	if (!vr)
		return -ENOMEM;
	vr->refcount = 1;
	vr->ctx = lvh_mem_ctx(mem);
	vr->num = num;
	vr->gpa = guest_addr;
	vr->kick_fd = -1;
	vr->event_idx = flags & LIBVHOST_VRING_F_EVENT_IDX;
	vr->interrupts = true;
	layout(num, &vr->avail_off, &vr->used_off, &size);
	vr->base = lvh_mem_translate(mem, guest_addr, size, NULL);
	if (!vr->base) {
		lvh_err(vr->ctx, "vring of %u entries: %" PRIu64 " bytes at guest 0x%" PRIx64
			" are not in one region of the table", num, size, guest_addr);
		free(vr);
		return -EINVAL;
	}
	vr->next = calloc(num, sizeof(*vr->next));
	vr->chain = calloc(num, sizeof(*vr->chain));
	vr->token = calloc(num, sizeof(*vr->token));
	if (!vr->next || !vr->chain || !vr->token) {
		libvhost_vring_unref(vr);
		return -ENOMEM;
	}
	memset(vr->base, 0, size);
	vr->desc = (struct desc *)vr->base;
	vr->avail = (uint16_t *)(vr->base + vr->avail_off);
	vr->used = (uint16_t *)(vr->base + vr->used_off);
	for (i = 0; i < num; i++)
		vr->next[i] = (uint16_t)(i + 1);
	vr->num_free = (uint16_t)num;
	vr->mem = libvhost_mem_ref(mem);
	*ret = vr;
	return 0;
}

LIBVHOST_EXPORT struct libvhost_vring *libvhost_vring_ref(struct libvhost_vring *vring)
{
	if (vring)
		vring->refcount++;
	return vring;
}

LIBVHOST_EXPORT struct libvhost_vring *libvhost_vring_unref(struct libvhost_vring *vring)
{
	if (!vring || --vring->refcount > 0)
		return NULL;
	free(vring->next);
	free(vring->chain);
	free(vring->token);
	libvhost_mem_unref(vring->mem);
	free(vring);
	return NULL;
}

LIBVHOST_EXPORT int libvhost_vring_get_addrs(const struct libvhost_vring *vring, int guest,
					     uint64_t *desc, uint64_t *avail, uint64_t *used)
{
	uint64_t base;

	if (!vring)
		return -EINVAL;
	base = guest ? vring->gpa : (uint64_t)(uintptr_t)vring->base;
	if (desc)
		*desc = base;
	if (avail)
		*avail = base + vring->avail_off;
	if (used)
		*used = base + vring->used_off;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_set_kick_fd(struct libvhost_vring *vring, int fd)
{
	if (!vring || fd < -1)
		return -EINVAL;
	vring->kick_fd = fd;
	return 0;
}

/* Counts the descriptors the buffer needs: one per region-contiguous piece. */
static int count_pieces(struct libvhost_vring *vr, const struct iovec *iov, unsigned int n,
			unsigned int *pieces)
{
	unsigned int i, count = 0;

	for (i = 0; i < n; i++) {
		uint64_t uva = (uint64_t)(uintptr_t)iov[i].iov_base, left = iov[i].iov_len;

		if (left == 0 || lvh_range_overflows(uva, left)) {
			lvh_err(vr->ctx, "buffer part %u: %zu bytes at %p", i, iov[i].iov_len,
				iov[i].iov_base);
			return -EINVAL;
		}
		while (left) {
			uint64_t gpa, contig, chunk;

			if (lvh_mem_guest_addr_contig(vr->mem, uva, &gpa, &contig) < 0) {
				lvh_err(vr->ctx, "buffer part %u at %p is not in guest memory", i,
					iov[i].iov_base);
				return -EINVAL;
			}
			chunk = contig < left ? contig : left;
			/* a descriptor's length is 32 bits */
			if (chunk > UINT32_MAX)
				chunk = UINT32_MAX;
			uva += chunk;
			left -= chunk;
			count++;
		}
	}
	*pieces = count;
	return 0;
}

LIBVHOST_EXPORT int libvhost_vring_add(struct libvhost_vring *vring, const struct iovec *iov,
				       unsigned int nout, unsigned int nin, void *token)
{
	struct libvhost_vring *vr = vring;
	unsigned int pieces, i, n = nout + nin;
	uint16_t head, idx, prev = 0;
	int r;

	if (!vr || !iov || !token || n == 0 || n < nout || vr->broken)
		return vr && vr->broken ? -EIO : -EINVAL;
	r = count_pieces(vr, iov, n, &pieces);
	if (r < 0)
		return r;
	if (pieces > vr->num_free) {
		lvh_dbg(vr->ctx, "vring: %u descriptors needed, %u free", pieces, vr->num_free);
		return -ENOSPC;
	}
	head = idx = vr->free_head;
	for (i = 0; i < n; i++) {
		uint64_t uva = (uint64_t)(uintptr_t)iov[i].iov_base, left = iov[i].iov_len;
		uint16_t flags = i >= nout ? VRING_DESC_F_WRITE : 0;

		while (left) {
			uint64_t gpa, contig, chunk;
			struct desc d;

			lvh_mem_guest_addr_contig(vr->mem, uva, &gpa, &contig);
			chunk = contig < left ? contig : left;
			if (chunk > UINT32_MAX)
				chunk = UINT32_MAX;
			d.addr = htole64(gpa);
			d.len = htole32((uint32_t)chunk);
			d.flags = htole16(flags);
			d.next = 0;
			if (idx != head) {
				vr->desc[prev].flags |= htole16(VRING_DESC_F_NEXT);
				vr->desc[prev].next = htole16(idx);
			}
			vr->desc[idx] = d;
			prev = idx;
			idx = vr->next[idx];
			uva += chunk;
			left -= chunk;
		}
	}
	vr->free_head = idx;
	vr->num_free = (uint16_t)(vr->num_free - pieces);
	vr->chain[head] = (uint16_t)pieces;
	vr->token[head] = token;
	vr->avail[2 + (vr->avail_idx & (vr->num - 1))] = htole16(head);
	vr->avail_idx++;
	return 0;
}

/* virtio's vring_need_event(): has the device's event index been crossed? */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

LIBVHOST_EXPORT int libvhost_vring_kick(struct libvhost_vring *vring)
{
	struct libvhost_vring *vr = vring;
	uint16_t old, event;
	bool notify;
	uint64_t one = 1;

	if (!vr)
		return -EINVAL;
	old = vr->kicked_idx;
	if (old == vr->avail_idx)
		return 0;
	/* descriptors and ring entries before the index that publishes them */
	__atomic_store_n(&vr->avail[1], htole16(vr->avail_idx), __ATOMIC_RELEASE);
	vr->kicked_idx = vr->avail_idx;
	/* the index must be visible before we read whether the device wants a kick */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx) {
		event = le16toh(__atomic_load_n(&vr->used[2 + 4 * vr->num], __ATOMIC_RELAXED));
		notify = need_event(event, vr->avail_idx, old);
	} else {
		notify = !(le16toh(__atomic_load_n(&vr->used[0], __ATOMIC_RELAXED)) &
			   VRING_USED_F_NO_NOTIFY);
	}
	if (!notify || vr->kick_fd < 0)
		return 0;
	while (write(vr->kick_fd, &one, sizeof(one)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 1; /* the counter is saturated: the device has a kick pending */
		lvh_err(vr->ctx, "vring: kick: %s", strerror(errno));
		return -errno;
	}
	return 1;
}

static int broken(struct libvhost_vring *vr, const char *why, unsigned int v)
{
	vr->broken = true;
	lvh_err(vr->ctx, "vring: the device %s (%u); the ring is broken", why, v);
	return -EIO;
}

LIBVHOST_EXPORT int libvhost_vring_get_used(struct libvhost_vring *vring, void **ret_token,
					    uint32_t *ret_len)
{
	struct libvhost_vring *vr = vring;
	uint16_t used_idx, head, d;
	uint32_t id, len, elem[2];
	unsigned int i;

	if (!vr || !ret_token)
		return -EINVAL;
	if (vr->broken)
		return -EIO;
	used_idx = le16toh(__atomic_load_n(&vr->used[1], __ATOMIC_ACQUIRE));
	if (used_idx == vr->last_used)
		return 0;
	/* the device can only have used what was published */
	if ((uint16_t)(used_idx - vr->last_used) > (uint16_t)(vr->kicked_idx - vr->last_used))
		return broken(vr, "used more buffers than were published", used_idx);
	/* read the element once: the device may rewrite it under us */
	memcpy(elem, (const uint8_t *)vr->used + 4 + 8 * (vr->last_used & (vr->num - 1)),
	       sizeof(elem));
	id = le32toh(elem[0]);
	len = le32toh(elem[1]);
	if (id >= vr->num || !vr->token[id])
		return broken(vr, "returned a buffer id that is not in flight", id);
	head = (uint16_t)id;
	*ret_token = vr->token[head];
	if (ret_len)
		*ret_len = len;
	/* give the chain back, following our own links */
	d = head;
	for (i = 1; i < vr->chain[head]; i++)
		d = vr->next[d];
	vr->next[d] = vr->free_head;
	vr->free_head = head;
	vr->num_free = (uint16_t)(vr->num_free + vr->chain[head]);
	vr->token[head] = NULL;
	vr->last_used++;
	if (vr->event_idx && vr->interrupts)
		__atomic_store_n(&vr->avail[2 + vr->num], htole16(vr->last_used),
				 __ATOMIC_RELAXED);
	return 1;
}

LIBVHOST_EXPORT int libvhost_vring_set_interrupts(struct libvhost_vring *vring, int enable)
{
	struct libvhost_vring *vr = vring;
	uint16_t used_idx;

	if (!vr)
		return -EINVAL;
	vr->interrupts = enable;
	if (vr->event_idx)
		/* with event idx the flag is ignored: move used_event out of reach instead */
		__atomic_store_n(&vr->avail[2 + vr->num],
				 htole16((uint16_t)(enable ? vr->last_used : vr->last_used - 1)),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vr->avail[0], htole16(enable ? 0 : VRING_AVAIL_F_NO_INTERRUPT),
				 __ATOMIC_RELAXED);
	if (!enable)
		return 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	used_idx = le16toh(__atomic_load_n(&vr->used[1], __ATOMIC_ACQUIRE));
	return used_idx != vr->last_used;
}
