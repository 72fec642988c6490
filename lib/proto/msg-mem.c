/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory messages.  Spec erratum: ADD_MEM_REG and REM_MEM_REG list the region
 * as the reply payload; it is the request's.  REM_MEM_REG should carry no fd,
 * but old front-ends send one: the table accepts it and the caller closes it.
 */
#include <errno.h>
#include <string.h>

#include "msg-mem.h"

#define XEN_FLAGS_KNOWN (LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_GRANT | LVH_XEN_MMAP_ON_DEMAND)

static void put_region(uint8_t *p, const struct lvh_mem_region *r, bool xen)
{
	memcpy(p, &r->guest_addr, 8);
	memcpy(p + 8, &r->size, 8);
	memcpy(p + 16, &r->user_addr, 8);
	memcpy(p + 24, &r->mmap_offset, 8);
	if (xen) {
		memcpy(p + 32, &r->xen_mmap_flags, 4);
		memcpy(p + 36, &r->domid, 4);
	}
}

static void get_region(const uint8_t *p, struct lvh_mem_region *r, bool xen)
{
	memset(r, 0, sizeof(*r));
	memcpy(&r->guest_addr, p, 8);
	memcpy(&r->size, p + 8, 8);
	memcpy(&r->user_addr, p + 16, 8);
	memcpy(&r->mmap_offset, p + 24, 8);
	if (xen) {
		memcpy(&r->xen_mmap_flags, p + 32, 4);
		memcpy(&r->domid, p + 36, 4);
	}
}

int lvh_mem_region_check(const struct libvhost_ctx *ctx, const char *what,
			 const struct lvh_mem_region *r, bool xen)
{
	if (r->size == 0) {
		lvh_err(ctx, "%s: empty region at guest address 0x%llx", what,
			(unsigned long long)r->guest_addr);
		return -EPROTO;
	}
	if (lvh_range_overflows(r->guest_addr, r->size) ||
	    lvh_range_overflows(r->user_addr, r->size) ||
	    lvh_range_overflows(r->mmap_offset, r->size)) {
		lvh_err(ctx, "%s: region of 0x%llx bytes at guest 0x%llx / user 0x%llx / offset 0x%llx wraps around",
			what, (unsigned long long)r->size, (unsigned long long)r->guest_addr,
			(unsigned long long)r->user_addr, (unsigned long long)r->mmap_offset);
		return -EPROTO;
	}
	if (xen) {
		uint32_t kind = r->xen_mmap_flags & (LVH_XEN_MMAP_FOREIGN | LVH_XEN_MMAP_GRANT);

		if ((r->xen_mmap_flags & ~XEN_FLAGS_KNOWN) ||
		    (kind != LVH_XEN_MMAP_FOREIGN && kind != LVH_XEN_MMAP_GRANT)) {
			lvh_err(ctx, "%s: invalid Xen mmap flags 0x%x", what, r->xen_mmap_flags);
			return -EPROTO;
		}
	}
	return 0;
}

static bool overlap(const struct lvh_mem_region *a, const struct lvh_mem_region *b)
{
	/* both ranges were checked not to wrap, so last = addr + size - 1 is exact */
	return a->guest_addr <= b->guest_addr + (b->size - 1) &&
	       b->guest_addr <= a->guest_addr + (a->size - 1);
}

int lvh_msg_encode_mem_table(struct lvh_msg *m, const struct lvh_mem_table *t, bool xen,
			     const int *fds)
{
	uint32_t rsz = lvh_mem_region_wire_size(xen), i;
	uint8_t *p = m->payload.bytes;
	int r;

	if (t->nregions > LIBVHOST_USER_MEM_TABLE_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < t->nregions; i++)
		if (lvh_mem_region_check(NULL, "SET_MEM_TABLE", &t->regions[i], xen) < 0)
			return -EINVAL;
	memset(p, 0, 8 + t->nregions * rsz);
	memcpy(p, &t->nregions, 4);
	for (i = 0; i < t->nregions; i++)
		put_region(p + 8 + i * rsz, &t->regions[i], xen);
	m->size = 8 + t->nregions * rsz;
	if (!fds)
		return 0;
	for (i = 0; i < t->nregions; i++) {
		r = lvh_msg_add_fd(m, fds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int lvh_msg_decode_mem_table(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			     bool with_fds, struct lvh_mem_table *out)
{
	uint32_t rsz = lvh_mem_region_wire_size(xen), n, i, j;
	struct lvh_mem_table t;
	int r;

	if (m->size < 8) {
		lvh_err(ctx, "SET_MEM_TABLE: payload of %u bytes", m->size);
		return -EBADMSG;
	}
	memcpy(&n, m->payload.bytes, 4);
	if (n > LIBVHOST_USER_MEM_TABLE_MAX_REGIONS) {
		lvh_err(ctx, "SET_MEM_TABLE: too many regions (%u, at most %u)", n,
			LIBVHOST_USER_MEM_TABLE_MAX_REGIONS);
		return -ENOSPC;
	}
	if (m->size != 8 + n * rsz) {
		lvh_err(ctx, "SET_MEM_TABLE: %u regions of %u bytes do not fill %u bytes", n, rsz,
			m->size);
		return -EBADMSG;
	}
	if (m->nfds != (with_fds ? n : 0)) {
		lvh_err(ctx, "SET_MEM_TABLE: %u fds for %u regions", m->nfds, n);
		return -EBADMSG;
	}
	t.nregions = n;
	for (i = 0; i < n; i++) {
		get_region(m->payload.bytes + 8 + i * rsz, &t.regions[i], xen);
		r = lvh_mem_region_check(ctx, "SET_MEM_TABLE", &t.regions[i], xen);
		if (r < 0)
			return r;
		for (j = 0; j < i; j++) {
			if (overlap(&t.regions[i], &t.regions[j])) {
				lvh_err(ctx, "SET_MEM_TABLE: regions %u and %u overlap in guest memory",
					j, i);
				return -EPROTO;
			}
		}
	}
	*out = t;
	return 0;
}

int lvh_msg_encode_mem_region(struct lvh_msg *m, const struct lvh_mem_region *r, bool xen, int fd)
{
	uint8_t p[48] = { 0 };

	if (lvh_mem_region_check(NULL, "mem region", r, xen) < 0)
		return -EINVAL;
	put_region(p + 8, r, xen);
	lvh_msg_set_payload(m, p, 8 + lvh_mem_region_wire_size(xen));
	return fd >= 0 ? lvh_msg_add_fd(m, fd) : 0;
}

int lvh_msg_decode_mem_region(const struct libvhost_ctx *ctx, const struct lvh_msg *m, bool xen,
			      struct lvh_mem_region *out)
{
	const char *name = lvh_proto_name(LVH_DIR_FRONTEND, m->request);
	struct lvh_mem_region reg;
	int r;

	if (m->size != 8 + lvh_mem_region_wire_size(xen)) {
		lvh_err(ctx, "%s: payload of %u bytes (the %s layout is %u)", name, m->size,
			xen ? "Xen" : "plain", 8 + lvh_mem_region_wire_size(xen));
		return -EBADMSG;
	}
	/* the leading u64 is padding: its content is ignored */
	get_region(m->payload.bytes + 8, &reg, xen);
	r = lvh_mem_region_check(ctx, name, &reg, xen);
	if (r < 0)
		return r;
	*out = reg;
	return 0;
}

int lvh_msg_decode_max_mem_slots(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				 uint32_t *out)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64(ctx, m, &v);
	if (r < 0)
		return r;
	if (v == 0) {
		lvh_err(ctx, "GET_MAX_MEM_SLOTS: the back-end offers no memory slots");
		return -EPROTO;
	}
	if (v > LIBVHOST_USER_MAX_MEM_SLOTS) {
		lvh_dbg(ctx, "GET_MAX_MEM_SLOTS: %llu slots offered, %u used",
			(unsigned long long)v, LIBVHOST_USER_MAX_MEM_SLOTS);
		v = LIBVHOST_USER_MAX_MEM_SLOTS;
	}
	*out = (uint32_t)v;
	return 0;
}
